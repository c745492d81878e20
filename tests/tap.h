/* tap.h: a tiny Test Anything Protocol emitter for the C unit tests.
 * Each test binary prints "ok N - name" / "not ok N - name" lines and a
 * final plan; the automake TAP driver counts them. */
#ifndef SELFMI_TAP_H
#define SELFMI_TAP_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_n, tap_failed;

static inline int tap_ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline int tap_ok(int cond, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    if (!cond)
        tap_failed++;
    fflush(stdout);
    return cond;
}

/* |got - want| <= tol (NaN equals NaN) */
#define tap_near(got, want, tol, ...) do { \
    double g_ = (double)(got), w_ = (double)(want); \
    int c_ = (isnan(g_) && isnan(w_)) || fabs(g_ - w_) <= (tol); \
    if (!tap_ok(c_, __VA_ARGS__)) printf("#   got %.9g, want %.9g (tol %.3g)\n", g_, w_, (double)(tol)); \
} while (0)

static inline void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void tap_diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("# ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}

static inline void tap_skip_all(const char *why)
{
    printf("1..0 # SKIP %s\n", why);
    exit(0);
}

static inline int tap_done(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}

#endif
