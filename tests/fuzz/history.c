/*
 * The scratch history of night directories the harnesses of
 * stage-outcomes and night-report run on (history.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "history.h"

static struct history *made;	/* removed at exit */

void
history_fill(const char *path, const char *text, size_t len)
{
	int fd;

	FUZZ_ASSERT((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
	FUZZ_ASSERT(write(fd, text, len) == (ssize_t)len);
	close(fd);
}

void
history_put(struct history *h, int night, int file, const char *text,
    size_t len)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", h->dir[night], h->files[file]);
	if (text == NULL)
		FUZZ_ASSERT(unlink(path) == 0 || errno == ENOENT);
	else
		history_fill(path, text, len);
}

void
history_put_fixed(struct history *h, int night, int file)
{
	size_t i;

	for (i = 0; i < h->nfixed; i++)
		if (h->fixed[i].night == night && h->fixed[i].file == file) {
			history_put(h, night, file, h->fixed[i].text,
			    strlen(h->fixed[i].text));
			return;
		}
	history_put(h, night, file, NULL, 0);
}

/* The history under dir, whatever of it is there. */
static void
remove_history(const struct history *h, const char *dir)
{
	char path[PATH_MAX + 128];
	int n, f;

	for (n = 0; n < h->nnights; n++) {
		for (f = 0; f < h->nfiles; f++) {
			snprintf(path, sizeof(path), "%s/%s/%s", dir,
			    h->nights[n], h->files[f]);
			unlink(path);
		}
		snprintf(path, sizeof(path), "%s/%s", dir, h->nights[n]);
		rmdir(path);
	}
	rmdir(dir);
}

static void
remove_made(void)
{
	remove_history(made, made->root);
}

/*
 * root is DIR/PREFIX.PID.  libFuzzer ends without exit handlers at a time
 * limit or a finding, so those of processes gone are removed here.
 */
void
history_make(struct history *h)
{
	const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	char path[PATH_MAX + 256];
	size_t plen = strlen(h->prefix);
	struct dirent *e;
	long pid;
	DIR *d;
	int n, f;

	FUZZ_ASSERT(made == NULL && h->nnights <= HISTORY_NIGHTS_MAX);
	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL)
			if (strncmp(e->d_name, h->prefix, plen) == 0 &&
			    sscanf(e->d_name + plen, ".%ld", &pid) == 1 &&
			    kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
				snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
				remove_history(h, path);
			}
		closedir(d);
	}
	snprintf(h->root, sizeof(h->root), "%s/%s.%ld", dir, h->prefix,
	    (long)getpid());
	FUZZ_ASSERT(mkdir(h->root, 0700) == 0);
	made = h;
	atexit(remove_made);
	for (n = 0; n < h->nnights; n++) {
		snprintf(h->dir[n], sizeof(h->dir[n]), "%.*s/%s",
		    (int)(sizeof(h->dir[n]) - 16), h->root, h->nights[n]);
		FUZZ_ASSERT(mkdir(h->dir[n], 0700) == 0);
		for (f = 0; f < h->nfiles; f++)
			history_put_fixed(h, n, f);
	}
}
