/*
 * Replays corpus files through one harness without libFuzzer, so that
 * `make test` checks every seed and every crash ever found with gcc alone
 * (and again under ASan and UBSan).  Arguments are files or directories;
 * prints "NAME: N inputs" and exits 0 when every input passed; a failed
 * property aborts, naming the input first on stderr.
 */
#include <dirent.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static long replayed;

static void
replay_file(const char *path)
{
	FILE *fp;
	uint8_t *data;
	struct stat st;
	size_t n;

	if ((fp = fopen(path, "rb")) == NULL || fstat(fileno(fp), &st) < 0)
		err(2, "%s", path);
	/* a copy of exactly the input's size, so ASan sees any overread */
	if ((data = malloc(st.st_size ? st.st_size : 1)) == NULL)
		err(2, NULL);
	n = fread(data, 1, st.st_size, fp);
	if (ferror(fp))
		err(2, "%s", path);
	fclose(fp);
	fprintf(stderr, "replay %s\n", path);
	LLVMFuzzerTestOneInput(data, n);
	free(data);
	replayed++;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
replay_dir(const char *dir)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL, path[4096];
	size_t n = 0, i;

	if ((d = opendir(dir)) == NULL)
		err(2, "%s", dir);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if ((names = realloc(names, (n + 1) * sizeof(*names))) == NULL ||
		    (names[n++] = strdup(e->d_name)) == NULL)
			err(2, NULL);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		replay_file(path);
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char *argv[])
{
	struct stat st;
	int i;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) < 0)
			err(2, "%s", argv[i]);
		if (S_ISDIR(st.st_mode))
			replay_dir(argv[i]);
		else
			replay_file(argv[i]);
	}
	printf("%ld inputs\n", replayed);
	return 0;
}
