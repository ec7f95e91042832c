/*
 * A whole filter run in a child process, for harnesses of filters whose
 * main() keeps state in statics or exits on input it refuses (errx): the
 * child starts from the parent's clean memory every time.  The child's
 * coverage counters are copied back into the parent's, so libFuzzer is
 * guided by the code the child ran.
 */
#ifndef FUZZ_CHILD_H
#define FUZZ_CHILD_H

/*
 * Runs fn(arg) in a child and returns its exit status: 0 when fn returned,
 * else what it passed to exit() or errx() (link with FUZZ_WRAP in the
 * Makefile, so that these end the child without libFuzzer's exit
 * handlers).  A child killed by a signal (a failed property's abort)
 * aborts the parent too; a sanitizer's report ends the child with its
 * exit code (1), for the harness to refuse.
 */
int	fuzz_child(void (*fn)(void *), void *arg);
/*
 * The child's stderr is kept, not shown: its warnings on every input would
 * drown the fuzzer's log.  This shows it, for a status that is a finding.
 */
void	fuzz_child_stderr(void);

#endif
