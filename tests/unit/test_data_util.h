/* test_data_util.h: helpers shared by the data unit tests: a scratch
 * directory under the build tree, small files, in-memory .npy images. */
#ifndef SELFMI_TEST_DATA_UTIL_H
#define SELFMI_TEST_DATA_UTIL_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* mkdtemp under $top_builddir (or .) */
static inline char *tdu_scratch(const char *tag)
{
    const char *top = getenv("top_builddir");
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/tmp-%s-XXXXXX", top && *top ? top : ".", tag);
    return mkdtemp(buf) ? buf : NULL;
}

/* rm -r of a flat directory tree (one level of subdirectories) */
static inline void tdu_rmtree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            size_t n = strlen(dir) + strlen(e->d_name) + 2;
            char *p = malloc(n);
            snprintf(p, n, "%s/%s", dir, e->d_name);
            if (unlink(p) != 0)
                tdu_rmtree(p);
            free(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

static inline int tdu_count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static inline int tdu_write(const char *path, const void *buf, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t k = fwrite(buf, 1, n, f);
    fclose(f);
    return k == n ? 0 : -1;
}

/* An in-memory .npy image: version major, the header dict text, then data.
 * The header is padded with spaces and a newline. Returns a malloc'd buffer. */
static inline uint8_t *tdu_npy(int major, const char *dict, const void *data, size_t nbytes, size_t *outn)
{
    size_t pre = major == 1 ? 10 : 12;
    size_t dl = strlen(dict);
    size_t total = (pre + dl + 1 + 63) / 64 * 64;
    size_t hl = total - pre;
    uint8_t *b = malloc(total + nbytes + 1);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (uint8_t)major;
    b[7] = 0;
    if (major == 1) {
        b[8] = (uint8_t)(hl & 0xff);
        b[9] = (uint8_t)(hl >> 8);
    } else {
        b[8] = (uint8_t)(hl & 0xff);
        b[9] = (uint8_t)(hl >> 8);
        b[10] = (uint8_t)(hl >> 16);
        b[11] = (uint8_t)(hl >> 24);
    }
    memcpy(b + pre, dict, dl);
    memset(b + pre + dl, ' ', hl - dl - 1);
    b[total - 1] = '\n';
    if (nbytes)
        memcpy(b + total, data, nbytes);
    *outn = total + nbytes;
    return b;
}

#endif
