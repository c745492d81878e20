/* base.c: status strings, error messages, logging, assert, allocation. */
#include "config.h"
#include "base/base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *sm_status_str(sm_status s)
{
    switch (s) {
    case SM_OK: return "ok";
    case SM_ENOMEM: return "out of memory";
    case SM_EIO: return "input/output error";
    case SM_EFORMAT: return "bad format";
    case SM_EINVAL: return "invalid argument";
    case SM_ECANCELLED: return "cancelled";
    case SM_EDIVERGED: return "diverged";
    case SM_EINTERNAL: return "internal error";
    }
    return "unknown status";
}

/* The longest run of non-space characters in s[0..n): its start and length. */
static size_t longest_word(const char *s, size_t n, size_t *start)
{
    size_t best = 0, i = 0;
    *start = 0;
    while (i < n) {
        while (i < n && s[i] == ' ')
            i++;
        size_t b = i;
        while (i < n && s[i] != ' ')
            i++;
        if (i - b > best) {
            best = i - b;
            *start = b;
        }
    }
    return best;
}

void sm_fit_middle(char *dst, size_t cap, const char *src)
{
    enum { KEEP = 24 };   /* a shortened word keeps at least this much, "..." included */
    if (cap == 0)
        return;
    size_t n = strlen(src);
    if (n < cap) {
        memcpy(dst, src, n + 1);
        return;
    }
    char *buf = malloc(n + 1);
    if (!buf) {
        memcpy(dst, src, cap - 1);
        dst[cap - 1] = '\0';
        return;
    }
    memcpy(buf, src, n + 1);
    while (n >= cap) {
        size_t b, w = longest_word(buf, n, &b);
        if (w <= KEEP)
            break;
        size_t excess = n - (cap - 1);
        size_t keep = w > excess + KEEP ? w - excess : KEEP;   /* the word's new length, "..." included */
        size_t head = (keep - 3) / 2, tail = keep - 3 - head;
        /* word = buf[b .. b+w): keep head, "...", tail */
        memcpy(buf + b + head, "...", 3);
        memmove(buf + b + head + 3, buf + b + w - tail, n - (b + w - tail) + 1);
        n -= w - keep;
    }
    size_t k = SM_MIN(n, cap - 1);
    memcpy(dst, buf, k);
    dst[k] = '\0';
    free(buf);
}

/* vsnprintf into a fresh buffer of the needed size (NULL when out of memory). */
static char *format_alloc(const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int k = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (k < 0)
        return NULL;
    char *s = malloc((size_t)k + 1);
    if (s)
        vsnprintf(s, (size_t)k + 1, fmt, ap);
    return s;
}

sm_status sm_err_set(sm_err *err, sm_status s, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        char *full = format_alloc(fmt, ap);
        va_end(ap);
        if (full) {
            sm_fit_middle(err->msg, sizeof err->msg, full);
            free(full);
        } else {
            va_start(ap, fmt);
            vsnprintf(err->msg, sizeof err->msg, fmt, ap);
            va_end(ap);
        }
        err->status = s;
    }
    return s;
}

sm_status sm_err_prefix(sm_err *err, const char *fmt, ...)
{
    if (!err)
        return SM_OK;
    va_list ap;
    va_start(ap, fmt);
    char *pre = format_alloc(fmt, ap);
    va_end(ap);
    size_t np = pre ? strlen(pre) : 0, no = strlen(err->msg);
    char *full = pre ? malloc(np + 2 + no + 1) : NULL;
    if (full) {
        memcpy(full, pre, np);
        memcpy(full + np, ": ", 2);
        memcpy(full + np + 2, err->msg, no + 1);
        sm_fit_middle(err->msg, sizeof err->msg, full);
    }
    free(full);
    free(pre);
    return err->status;
}

void sm_err_clear(sm_err *err)
{
    if (err) {
        err->status = SM_OK;
        err->msg[0] = '\0';
    }
}

void sm_logf(const sm_log *log, sm_log_level level, const char *fmt, ...)
{
    if (!log || !log->fn)
        return;
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    log->fn(log->ud, level, buf);
}

static sm_abort_fn abort_hook;

void sm_set_abort_hook(sm_abort_fn fn)
{
    abort_hook = fn;
}

void sm_assert_fail(const char *file, int line, const char *expr)
{
    if (abort_hook)
        abort_hook(file, line, expr);
    else
        fprintf(stderr, "selfmi: %s:%d: assertion failed: %s\n", file, line, expr);
    abort();
}

void *sm_alloc(size_t n, size_t size, sm_err *err)
{
    if (n == 0 || size == 0)
        n = size = 1;
    if (n > SIZE_MAX / size) {
        sm_err_set(err, SM_ENOMEM, "allocation of %zu x %zu bytes overflows", n, size);
        return NULL;
    }
    void *p = calloc(n, size);
    if (!p)
        sm_err_set(err, SM_ENOMEM, "out of memory allocating %zu bytes", n * size);
    return p;
}

void *sm_realloc(void *p, size_t n, size_t size, sm_err *err)
{
    if (n == 0 || size == 0)
        n = size = 1;
    if (n > SIZE_MAX / size) {
        sm_err_set(err, SM_ENOMEM, "allocation of %zu x %zu bytes overflows", n, size);
        return NULL;
    }
    void *q = realloc(p, n * size);
    if (!q)
        sm_err_set(err, SM_ENOMEM, "out of memory allocating %zu bytes", n * size);
    return q;
}

char *sm_strdup(const char *s, sm_err *err)
{
    size_t n = strlen(s) + 1;
    char *d = sm_alloc(n, 1, err);
    if (d)
        memcpy(d, s, n);
    return d;
}

double sm_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 32;
    x *= 0xD6E8FEB86659FD93ull;
    x ^= x >> 32;
    return x;
}

/* x * 0 is 0 for a finite x and NaN for an infinite or NaN one, and sums
 * of those are 0 or NaN: eight independent sums, which the compiler turns
 * into one vector pass (a scalar isfinite loop took 3 % of a run on
 * length-1 data, where it checks every gradient before each step) */
#define SM_DEFINE_ALL_FINITE(name, T)               \
    bool name(const T *x, size_t n)                 \
    {                                               \
        T acc[8] = { 0 };                           \
        size_t i = 0;                               \
        for (; i + 8 <= n; i += 8)                  \
            for (int j = 0; j < 8; j++)             \
                acc[j] += x[i + j] * 0;             \
        for (; i < n; i++)                          \
            acc[0] += x[i] * 0;                     \
        T z = 0;                                    \
        for (int j = 0; j < 8; j++)                 \
            z += acc[j];                            \
        return z == 0;                              \
    }
SM_DEFINE_ALL_FINITE(sm_all_finite_f32, float)
SM_DEFINE_ALL_FINITE(sm_all_finite_f64, double)

uint64_t sm_hash64(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    h ^= (uint64_t)n * 0xFF51AFD7ED558CCDull;
    while (n >= 32) {
        uint64_t w[4];
        memcpy(w, p, 32);
        h = (h ^ mix64(w[0] + h)) * 0x9FB21C651E98DF25ull;
        h = (h ^ mix64(w[1] ^ h)) * 0x9FB21C651E98DF25ull;
        h = (h ^ mix64(w[2] + h)) * 0x9FB21C651E98DF25ull;
        h = (h ^ mix64(w[3] ^ h)) * 0x9FB21C651E98DF25ull;
        p += 32;
        n -= 32;
    }
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ mix64(w + h)) * 0x9FB21C651E98DF25ull;
        p += 8;
        n -= 8;
    }
    uint64_t t = 0;
    memcpy(&t, p, n);
    return mix64(h ^ mix64(t + n));
}
