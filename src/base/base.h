/* base.h: status codes, caller-owned error messages, the log hook, the
 * always-on assert and checked allocation. Every engine module builds on
 * this; nothing here prints, exits or keeps global mutable state (the abort
 * hook, set once at start-up by the program, is the one exception). */
#ifndef SELFMI_BASE_H
#define SELFMI_BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

typedef enum {
    SM_OK = 0,
    SM_ENOMEM,     /* allocation failed */
    SM_EIO,        /* a file could not be opened, read or written */
    SM_EFORMAT,    /* a file's content is not what was expected */
    SM_EINVAL,     /* a bad argument, option or configuration value */
    SM_ECANCELLED, /* the caller asked to stop */
    SM_EDIVERGED,  /* a non-finite loss, gradient or label */
    SM_EINTERNAL   /* a broken invariant */
} sm_status;

const char *sm_status_str(sm_status s);

/* A caller-owned error: the status and a readable message naming the file,
 * line, field or key and what was expected. */
typedef struct {
    sm_status status;
    char msg[1024];
} sm_err;

/* Sets err (when not NULL) and returns s, so a failing path reads
 * `return sm_err_set(err, SM_EFORMAT, "%s: line %d: ...", path, line);`.
 * A message longer than the buffer is fitted by sm_fit_middle, so a long
 * path loses its middle and the reason after it survives. */
sm_status sm_err_set(sm_err *err, sm_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prepends "prefix: " to an error message already set. */
sm_status sm_err_prefix(sm_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sm_err_clear(sm_err *err);
/* Copies src into dst (cap bytes, NUL-terminated). When src is too long,
 * its longest words (runs without spaces: paths, in practice) lose their
 * middle, marked "...", keeping their first and last characters, until it
 * fits; only a message without long words is cut at its end. */
void sm_fit_middle(char *dst, size_t cap, const char *src);

/* Logging goes through a hook owned by the caller; NULL hook = silent. */
typedef enum { SM_LOG_DEBUG, SM_LOG_INFO, SM_LOG_WARN, SM_LOG_ERROR } sm_log_level;
typedef void (*sm_log_fn)(void *ud, sm_log_level level, const char *msg);
typedef struct {
    sm_log_fn fn;
    void *ud;
} sm_log;
void sm_logf(const sm_log *log, sm_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Always-on assert for broken invariants (never for user input): reports
 * file:line through the abort hook, then aborts. */
typedef void (*sm_abort_fn)(const char *file, int line, const char *expr);
void sm_set_abort_hook(sm_abort_fn fn);
_Noreturn void sm_assert_fail(const char *file, int line, const char *expr);
#define SM_ASSERT(x) do { if (!(x)) sm_assert_fail(__FILE__, __LINE__, #x); } while (0)

/* Allocation that reports failure: NULL with err set to SM_ENOMEM. Sizes are
 * checked for overflow. */
void *sm_alloc(size_t n, size_t size, sm_err *err);     /* zeroed */
void *sm_realloc(void *p, size_t n, size_t size, sm_err *err);
char *sm_strdup(const char *s, sm_err *err);

#define SM_MIN(a, b) ((a) < (b) ? (a) : (b))
#define SM_MAX(a, b) ((a) > (b) ? (a) : (b))

/* Monotonic seconds, for timing columns and progress only. */
double sm_now(void);

/* A fast 64-bit hash of n bytes, continuing from h (start with
 * SM_HASH64_SEED): 8-byte words through a multiply-xorshift mix, the same
 * value on every machine of one byte order. Not cryptographic: it tells a
 * changed file from an unchanged one. */
#define SM_HASH64_SEED 0x9E3779B97F4A7C15ull
uint64_t sm_hash64(uint64_t h, const void *data, size_t n);

/* Whether every x[i] is finite: one vector pass, no early exit (for the
 * gradients before each optimiser step and the features a run reads). */
bool sm_all_finite_f32(const float *x, size_t n);
bool sm_all_finite_f64(const double *x, size_t n);

#endif
