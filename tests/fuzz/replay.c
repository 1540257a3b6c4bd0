/*
 * replay.c: main() for the fuzz targets built without libFuzzer, by the
 * ordinary compiler, for make check: each argument is a file or a
 * directory of files (a corpus), and each file is given once to
 * LLVMFuzzerTestOneInput(). A target aborts when an invariant fails, and
 * under --enable-asan/--enable-ubsan the sanitizers catch the rest, so the
 * committed seeds and every crash once found (tests/fuzz/regress-NAME/)
 * stay regression tests (tests/t9001-fuzz-replay.sh).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t len = 0, cap = 0, n;

	if (!fp) {
		perror(path);
		return -1;
	}
	do {
		if (len == cap) {
			cap = cap ? 2 * cap : 4096;
			if (!(data = realloc(data, cap)))
				abort();
		}
		n = fread(data + len, 1, cap - len, fp);
		len += n;
	} while (n);
	if (ferror(fp)) {
		perror(path);
		fclose(fp);
		free(data);
		return -1;
	}
	fclose(fp);
	/* an exact-size copy, so a read past the end is caught by ASan */
	uint8_t *exact = malloc(len ? len : 1);
	if (!exact)
		abort();
	memcpy(exact, data, len);
	free(data);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	int ret = 0;
	unsigned long count = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0) {
			perror(argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			ret |= replay_file(argv[i]) < 0;
			count++;
			continue;
		}
		DIR *d = opendir(argv[i]);
		struct dirent *e;
		char **names = NULL;
		size_t n = 0;
		if (!d) {
			perror(argv[i]);
			return 1;
		}
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			if (!(names = realloc(names, (n + 1) * sizeof(*names))))
				abort();
			size_t l = strlen(argv[i]) + strlen(e->d_name) + 2;
			if (!(names[n] = malloc(l)))
				abort();
			snprintf(names[n++], l, "%s/%s", argv[i], e->d_name);
		}
		closedir(d);
		qsort(names, n, sizeof(*names), cmp);
		for (size_t k = 0; k < n; k++) {
			ret |= replay_file(names[k]) < 0;
			count++;
			free(names[k]);
		}
		free(names);
	}
	printf("replayed %lu inputs\n", count);
	return ret;
}
