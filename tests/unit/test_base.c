/* test_base.c: status strings, error messages (long paths shortened in
 * the middle), opening regular files only, the RNG. */
#include "config.h"
#include "base/base.h"
#include "base/fsutil.h"
#include "base/rng.h"
#include "base/cpu.h"
#include "base/crc32.h"
#include "../tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* A message with a path of n characters ("/d/ddd.../f.npy") and a reason
 * after it: the reason survives whole, the path keeps its head and tail. */
static void test_long_path(size_t n)
{
    char *path = malloc(n + 1);
    memset(path, 'd', n);
    memcpy(path, "/data/", 6);
    memcpy(path + n - 10, "/audio.npy", 10);
    path[n] = '\0';
    sm_err err;
    sm_err_set(&err, SM_EFORMAT, "%s: line %d: expected a number, found 'x'", path, 7);
    size_t len = strlen(err.msg);
    tap_ok(len < sizeof err.msg, "a %zu-character path: the message fits (%zu)", n, len);
    tap_ok(strstr(err.msg, "/audio.npy: line 7: expected a number, found 'x'") != NULL,
           "a %zu-character path: the reason survives: ...%s", n, len > 60 ? err.msg + len - 60 : err.msg);
    tap_ok(strncmp(err.msg, "/data/", 6) == 0 && (n + 40 < sizeof err.msg || strstr(err.msg, "...") != NULL),
           "a %zu-character path: its head is kept, its middle marked '...'", n);
    /* the same through a prefix of two long paths */
    sm_err_set(&err, SM_EIO, "%s: cannot open: %s", path, strerror(ENOENT));
    sm_err_prefix(&err, "%s: resuming", path);
    len = strlen(err.msg);
    tap_ok(len < sizeof err.msg && strstr(err.msg, ": resuming: ") && strstr(err.msg, "cannot open: No such file"),
           "a %zu-character path twice, through sm_err_prefix: both reasons survive", n);
    free(path);
}

static void test_open_regular(void)
{
    char dir[] = "tmp-test-base-XXXXXX";
    if (!mkdtemp(dir)) {
        tap_ok(0, "mkdtemp: %s", strerror(errno));
        return;
    }
    char reg[64], fifo[64], missing[64];
    snprintf(reg, sizeof reg, "%s/a.csv", dir);
    snprintf(fifo, sizeof fifo, "%s/fifo.npy", dir);
    snprintf(missing, sizeof missing, "%s/none.npy", dir);
    FILE *w = fopen(reg, "w");
    fputs("x\n", w);
    fclose(w);
    tap_ok(mkfifo(fifo, 0600) == 0, "mkfifo");
    sm_err err;
    struct stat sb;
    int fd = sm_open_input(reg, &sb, &err);
    tap_ok(fd >= 0 && sb.st_size == 2, "a regular file opens, its size known");
    tap_ok(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC) && !(fcntl(fd, F_GETFL) & O_NONBLOCK),
           "close-on-exec, blocking reads");
    if (fd >= 0)
        close(fd);
    /* a FIFO without a writer would block a plain open() forever */
    fd = sm_open_input(fifo, NULL, &err);
    tap_ok(fd < 0 && err.status == SM_EIO && strstr(err.msg, "fifo.npy: is a FIFO; expected a regular file"),
           "a FIFO is a named error, not a hang: %s", err.msg);
    FILE *f = sm_fopen_input(dir, NULL, &err);
    tap_ok(!f && strstr(err.msg, ": is a directory; expected a regular file"), "a directory: %s", err.msg);
    f = sm_fopen_input("/dev/null", NULL, &err);
    tap_ok(!f && strstr(err.msg, "/dev/null: is a character device; expected a regular file"), "a device: %s",
           err.msg);
    f = sm_fopen_input(missing, NULL, &err);
    tap_ok(!f && strstr(err.msg, "none.npy: cannot open: No such file or directory"), "a missing file: %s", err.msg);
    f = sm_fopen_input(reg, &sb, &err);
    tap_ok(f && fgetc(f) == 'x', "sm_fopen_input reads a regular file");
    if (f)
        fclose(f);
    unlink(reg);
    unlink(fifo);
    rmdir(dir);
}

/* A fresh thread: flush denormals, then multiply a subnormal (DAZ reads it
 * as 0) and underflow a normal product (FTZ writes 0). */
/* sm_guarded: sums bytes of a mapping; a page past a truncation faults */
typedef struct {
    const volatile unsigned char *p;
    size_t n;
    unsigned sum;
    bool nest;      /* read inside a second, inner guard */
    bool inner_ok;
} touch_arg;

static void touch(void *arg)
{
    touch_arg *a = arg;
    if (a->nest) {
        a->nest = false;
        a->inner_ok = sm_guarded(touch, a);
        return;
    }
    for (size_t k = 0; k < a->n; k += 512)
        a->sum += a->p[k];
}

static void *guarded_thread(void *arg)
{
    touch_arg *a = arg;
    a->inner_ok = sm_guarded(touch, a);
    return NULL;
}

static volatile float sub_in = 1e-40f, tiny = 1e-30f;
static void *flush_thread(void *arg)
{
    int *out = arg;
    out[0] = cpu_flush_denormals();
    out[1] = sub_in * 1.0f == 0.0f;
    out[2] = tiny * 1e-10f == 0.0f;
    out[3] = cpu_denormals_flushed();
    return NULL;
}

int main(void)
{
    sm_err err;
    sm_err_clear(&err);
    tap_ok(sm_err_set(&err, SM_EFORMAT, "%s: line %d", "f.csv", 3) == SM_EFORMAT, "err_set returns its status");
    tap_ok(strcmp(err.msg, "f.csv: line 3") == 0, "err_set formats the message");
    sm_err_prefix(&err, "loading %s", "dir");
    tap_ok(strcmp(err.msg, "loading dir: f.csv: line 3") == 0, "err_prefix prepends");
    tap_ok(strcmp(sm_status_str(SM_ENOMEM), "out of memory") == 0, "status strings");

    rng a, b, c;
    rng_seed(&a, 1111);
    rng_seed(&b, 1111);
    rng_seed(&c, 1112);
    int same = 1, diff = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = rng_u64(&a), y = rng_u64(&b), z = rng_u64(&c);
        same &= x == y;
        diff |= x != z;
    }
    tap_ok(same, "same seed gives the same stream");
    tap_ok(diff, "different seeds give different streams");

    /* moments of the uniform and normal draws */
    double s = 0, s2 = 0;
    int n = 200000;
    for (int i = 0; i < n; i++) {
        double u = rng_uniform(&a);
        if (u < 0 || u >= 1) { s = 1e9; break; }
        s += u;
    }
    tap_near(s / n, 0.5, 0.005, "uniform mean is 1/2");
    s = 0;
    for (int i = 0; i < n; i++) {
        double z = rng_normal(&a);
        s += z;
        s2 += z * z;
    }
    tap_near(s / n, 0.0, 0.01, "normal mean is 0");
    tap_near(s2 / n, 1.0, 0.02, "normal variance is 1");

    int counts[7] = {0};
    for (int i = 0; i < 70000; i++)
        counts[rng_below(&a, 7)]++;
    int okc = 1;
    for (int i = 0; i < 7; i++)
        okc &= counts[i] > 9500 && counts[i] < 10500;
    tap_ok(okc, "rng_below is uniform over 7 values");

    int idx[10], seen[10] = {0};
    for (int i = 0; i < 10; i++)
        idx[i] = i;
    rng_shuffle(&a, idx, 10);
    int perm = 1;
    for (int i = 0; i < 10; i++)
        seen[idx[i]]++;
    for (int i = 0; i < 10; i++)
        perm &= seen[i] == 1;
    tap_ok(perm, "shuffle is a permutation");

    test_long_path(100);
    test_long_path(900);
    test_long_path(4000);
    test_open_regular();

    /* sm_fit_middle on random texts of words and spaces: the result always
     * fits, and a text that fits is copied as it is */
    {
        rng r;
        rng_seed(&r, 7);
        char src[3000], dst[64];
        int bad = 0;
        for (int t = 0; t < 20000; t++) {
            size_t len = (size_t)rng_below(&r, sizeof src - 1);
            for (size_t i = 0; i < len; i++)
                src[i] = rng_below(&r, 8) == 0 ? ' ' : (char)('a' + rng_below(&r, 26));
            src[len] = '\0';
            size_t cap = 1 + (size_t)rng_below(&r, sizeof dst);
            sm_fit_middle(dst, cap, src);
            size_t k = strlen(dst);
            bad += k >= cap || (len < cap && strcmp(dst, src) != 0);
        }
        tap_ok(bad == 0, "sm_fit_middle: 20000 random texts fit their buffers (%d did not)", bad);
    }

    void *p = sm_alloc(SIZE_MAX / 2, 4, &err);
    tap_ok(p == NULL && err.status == SM_ENOMEM, "overflowing allocation is refused: %s", err.msg);
    /* ---- CRC-32: the check value, and every length and split against a
     * bit-at-a-time reference ---- */
    {
        tap_ok(sm_crc32(0, "123456789", 9) == 0xCBF43926u, "CRC-32 check value");
        unsigned char buf[300];
        for (int i = 0; i < 300; i++)
            buf[i] = (unsigned char)(i * 73 + 11);
        bool all = true;
        for (size_t len = 0; len <= sizeof buf; len++) {
            uint32_t ref = 0xFFFFFFFFu;
            for (size_t i = 0; i < len; i++) {
                ref ^= buf[i];
                for (int k = 0; k < 8; k++)
                    ref = ref & 1 ? 0xEDB88320u ^ (ref >> 1) : ref >> 1;
            }
            ref = ~ref;
            for (size_t cut = 0; cut <= len; cut += 7)
                all = all && sm_crc32(sm_crc32(0, buf, cut), buf + cut, len - cut) == ref;
        }
        tap_ok(all, "CRC-32 of 0..300 bytes (tables and carry-less folding), split anywhere, equals the bitwise reference");
    }

    /* ---- cpu: denormals and SIMD levels ---- */
    {
        bool before = cpu_denormals_flushed();
        tap_ok(!before && sub_in * 1.0f != 0.0f, "the main thread keeps IEEE subnormals (%g)", (double)(sub_in * 1.0f));
        int res[4] = {0};
        pthread_t th;
        tap_ok(pthread_create(&th, NULL, flush_thread, res) == 0 && pthread_join(th, NULL) == 0, "thread ran");
#if defined(__x86_64__) || defined(__aarch64__)
        tap_ok(res[0] && res[3], "cpu_flush_denormals sets FTZ/DAZ on its thread");
        tap_ok(res[1], "DAZ: a subnormal input reads as 0");
        tap_ok(res[2], "FTZ: an underflowing product is 0");
#endif
        tap_ok(cpu_denormals_flushed() == before, "other threads are not changed");
        cpu_isa l;
        tap_ok(cpu_isa_parse("sse2", &l) && l == CPU_ISA_GENERIC && cpu_isa_parse("avx512", &l) &&
               l == CPU_ISA_AVX512 && !cpu_isa_parse("avx3", &l), "ISA names parse");
        cpu_isa det = cpu_isa_detected();
        tap_ok(cpu_isa_active() <= det, "active level %s within detected %s", cpu_isa_name(cpu_isa_active()),
               cpu_isa_name(det));
        tap_ok(cpu_isa_force(CPU_ISA_AVX512) == det, "forcing above the processor gives what it has");
        tap_ok(cpu_isa_force(CPU_ISA_GENERIC) == CPU_ISA_GENERIC && cpu_isa_active() == CPU_ISA_GENERIC,
               "forcing down works");
        char d[400];
        cpu_describe(d, sizeof d);
        tap_ok(strstr(d, "family") != NULL, "cpu: %s", d);
    }

    /* ---- reads of a mapping whose file is truncated meanwhile ---- */
    {
        char path[64];
        snprintf(path, sizeof path, "tmp-test-base-map-%d", (int)getpid());
        size_t pg = (size_t)sysconf(_SC_PAGESIZE), nb = 4 * pg;
        int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
        unsigned char *page = calloc(1, nb);
        page[0] = 1;
        page[3 * pg] = 2;
        bool ok = fd >= 0 && write(fd, page, nb) == (ssize_t)nb;
        void *m = ok ? mmap(NULL, nb, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
        tap_ok(m != MAP_FAILED, "a 4-page file mapped");
        if (m != MAP_FAILED) {
            touch_arg ta = {m, nb, 0, false, false};
            tap_ok(sm_guarded(touch, &ta) && ta.sum == 3, "a whole file reads under the guard");
            tap_ok(ftruncate(fd, (off_t)pg) == 0, "the file truncated to one page under the mapping");
            ta = (touch_arg){m, nb, 0, false, false};
            tap_ok(!sm_guarded(touch, &ta), "a read past the new end ends the guarded call, not the process");
            ta = (touch_arg){m, pg, 0, false, false};
            tap_ok(sm_guarded(touch, &ta) && ta.sum == 1, "the page still there reads, the guard is reusable");
            ta = (touch_arg){m, nb, 0, true, true};
            tap_ok(sm_guarded(touch, &ta) && !ta.inner_ok, "guards nest: the inner one reports the fault");
            ta = (touch_arg){m, nb, 0, false, true};
            pthread_t th;
            tap_ok(pthread_create(&th, NULL, guarded_thread, &ta) == 0 && pthread_join(th, NULL) == 0 && !ta.inner_ok,
                   "another thread's guard catches its own fault");
            munmap(m, nb);
        }
        if (fd >= 0)
            close(fd);
        unlink(path);
        free(page);
    }
    return tap_done();
}
