/* replay.c: feeds every file of a corpus folder to a fuzz target once,
 * so the corpora run as regression tests where clang is missing. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
	FILE *f;
	uint8_t *buf = NULL;
	long len;
	int rc = -1;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		goto done;
	if ((buf = malloc(len ? (size_t)len : 1)) == NULL)
		goto done;
	if (fread(buf, 1, (size_t)len, f) != (size_t)len)
		goto done;
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	rc = 0;
done:
	free(buf);
	fclose(f);
	return rc;
}

int
main(int argc, char **argv)
{
	DIR *d;
	struct dirent *de;
	char path[4096];
	int n = 0;

	if (argc != 2 || (d = opendir(argv[1])) == NULL) {
		fprintf(stderr, "usage: replay CORPUS_DIR\n");
		return 2;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", argv[1],
		    de->d_name) >= (int)sizeof(path) || replay_file(path) != 0) {
			fprintf(stderr, "replay: cannot read %s\n", de->d_name);
			closedir(d);
			return 1;
		}
		n++;
	}
	closedir(d);
	printf("replayed %d inputs from %s\n", n, argv[1]);
	return 0;
}
