/* test_numfmt.c: numfmt against printf and strtof/strtod, the reference
 * being the first of %.1g, %.2g, ... that reads back.
 *
 *   test_numfmt                 special values, powers of two and ten,
 *                               subnormals, millions of random floats and
 *                               doubles (make check)
 *   test_numfmt --all LO HI     every float32 bit pattern in [LO, HI)
 *                               (make check-numfmt-full: all 2^32) */
#include "config.h"
#include "base/numfmt.h"

#include <float.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../tap.h"

/* A number's text as sign, significant digits (no leading or trailing
 * zeros) and the decimal exponent of the first digit. */
typedef struct {
    bool neg;
    char dg[40];
    int x;
} canon;

static void canon_of(const char *s, canon *c)
{
    char all[80];
    int n = 0, ilen = -1;
    c->neg = *s == '-';
    for (; *s && *s != 'e' && n < 79; s++) {
        if (*s >= '0' && *s <= '9')
            all[n++] = *s;
        else if (*s == '.')
            ilen = n;
    }
    if (ilen < 0)
        ilen = n;
    int f = 0;
    while (f < n && all[f] == '0')
        f++;
    int nd = 0;
    for (int i = f; i < n; i++)
        c->dg[nd++] = all[i];
    while (nd > 0 && c->dg[nd - 1] == '0')
        nd--;
    c->dg[nd] = '\0';
    c->x = nd ? ilen - 1 - f + (*s == 'e' ? atoi(s + 1) : 0) : 0;
}

static bool canon_eq(const char *a, const char *b)
{
    canon ca, cb;
    canon_of(a, &ca);
    canon_of(b, &cb);
    return ca.neg == cb.neg && !strcmp(ca.dg, cb.dg) && ca.x == cb.x;
}

/* The first %.{p}e (p = 1..pmax) that reads back: the reference. */
static void ref_shortest(double v, bool is_float, char *t, size_t n)
{
    for (int p = 1; p <= (is_float ? 9 : 17); p++) {
        snprintf(t, n, "%.*e", p - 1, v);
        if (is_float ? strtof(t, NULL) == (float)v : strtod(t, NULL) == v)
            return;
    }
}

/* Fixed notation exactly when -4 <= X < pmax (the %g rule of pmax). */
static bool shape_ok(const char *s, int pmax)
{
    canon c;
    canon_of(s, &c);
    const char *e = strchr(s, 'e');
    size_t mant = e ? (size_t)(e - s) : strlen(s);   /* no trailing zero or point after a point */
    bool tidy = !strchr(s, '.') || (s[mant - 1] != '0' && s[mant - 1] != '.');
    return (e != NULL) == (c.x < -4 || c.x >= pmax) && tidy && (!e || strlen(e) >= 4);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static int nfail;
static void fail_f(float v, const char *got, const char *want, const char *why)
{
    if (nfail++ < 10) {
        uint32_t b;
        memcpy(&b, &v, 4);
        printf("#   float 0x%08" PRIx32 " (%.9g): got '%s', want '%s' (%s)\n", b, (double)v, got, want, why);
    }
}

/* Full reference (every p): for the sampled and special values. */
static bool check_float_ref(float v)
{
    char got[NUMFMT_MAX], want[64], g9[NUMFMT_MAX], w9[64];
    int k = numfmt_float(got, v);
    numfmt_float_g9(g9, v);
    if (isnan(v))
        return strcmp(got, "nan") == 0 && strcmp(g9, "nan") == 0;
    snprintf(w9, sizeof w9, "%.9g", (double)v);
    ref_shortest(v, true, want, sizeof want);
    bool ok = (size_t)k == strlen(got) && canon_eq(got, want) && strtof(got, NULL) == v &&
              signbit(strtof(got, NULL)) == signbit(v) && shape_ok(got, 9) && !strcmp(g9, w9);
    if (!ok)
        fail_f(v, got, want, strcmp(g9, w9) ? "%.9g differs" : "shortest");
    return ok;
}

/* Cheaper, as exact: reads back, its digits are %.{nd}e's, %.{nd-1}e does
 * not read back (all shorter ones too when the interval is asymmetric). */
static bool check_float_fast(float v, uint32_t bits)
{
    char got[NUMFMT_MAX], t[64], g9[NUMFMT_MAX];
    numfmt_float(got, v);
    if (isnan(v))
        return strcmp(got, "nan") == 0;
    if (isinf(v) || v == 0)
        return strcmp(got, isinf(v) ? (v > 0 ? "inf" : "-inf") : signbit(v) ? "-0" : "0") == 0;
    canon c;
    canon_of(got, &c);
    int nd = (int)strlen(c.dg);
    bool ok = strtof(got, NULL) == v && nd <= 9 && shape_ok(got, 9);
    snprintf(t, sizeof t, "%.*e", nd - 1, (double)v);
    ok = ok && canon_eq(got, t);
    bool pow2 = (bits & 0x7fffff) == 0;
    for (int p = nd - 1; ok && p >= (pow2 ? 1 : nd - 1) && p >= 1; p--) {
        snprintf(t, sizeof t, "%.*e", p - 1, (double)v);
        ok = strtof(t, NULL) != v;
    }
    numfmt_float_g9(g9, v);
    snprintf(t, sizeof t, "%.9g", (double)v);
    ok = ok && !strcmp(g9, t);
    if (!ok)
        fail_f(v, got, t, "fast check");
    return ok;
}

static bool check_double(double v)
{
    char got[NUMFMT_MAX], want[64];
    numfmt_double(got, v);
    if (isnan(v))
        return !strcmp(got, "nan");
    if (isinf(v) || v == 0)
        return strcmp(got, isinf(v) ? (v > 0 ? "inf" : "-inf") : signbit(v) ? "-0" : "0") == 0;
    ref_shortest(v, false, want, sizeof want);
    bool ok = canon_eq(got, want) && strtod(got, NULL) == v && shape_ok(got, 17);
    if (!ok && nfail++ < 10)
        printf("#   double %a (%.17g): got '%s', want '%s'\n", v, v, got, want);
    return ok;
}

static float from_bits(uint32_t b)
{
    float v;
    memcpy(&v, &b, 4);
    return v;
}

static double from_bits64(uint64_t b)
{
    double v;
    memcpy(&v, &b, 8);
    return v;
}

static int all_floats(uint64_t lo, uint64_t hi)
{
    uint64_t bad = 0;
    for (uint64_t b = lo; b < hi; b++) {
        if (!check_float_fast(from_bits((uint32_t)b), (uint32_t)b))
            bad++;
        if ((b & 0xfffffff) == 0xfffffff)
            fprintf(stderr, "numfmt: 0x%08" PRIx64 " checked, %" PRIu64 " wrong\n", b, bad);
    }
    tap_ok(bad == 0, "every float32 in [0x%" PRIx64 ", 0x%" PRIx64 "): %" PRIu64 " wrong", lo, hi, bad);
    return tap_done();
}

static void test_examples(void)
{
    static const struct {
        float v;
        const char *s;
    } ex[] = {{0.001f, "0.001"}, {0.1f, "0.1"}, {1e-4f, "0.0001"}, {1e-5f, "1e-05"}, {2.4f, "2.4"},
              {0.00100000005f, "0.001"}, {9.99999975e-05f, "0.0001"}, {1e9f, "1e+09"}, {123456789.f, "123456790"}, {123456792.f, "123456790"},
              {20.f, "20"}, {100000.f, "100000"}, {-0.5f, "-0.5"}, {3.f, "3"}, {FLT_MAX, "3.4028235e+38"},
              {FLT_MIN, "1.1754944e-38"}, {FLT_TRUE_MIN, "1e-45"}, {0.f, "0"}, {-0.f, "-0"}, {INFINITY, "inf"},
              {-INFINITY, "-inf"}, {NAN, "nan"}, {1.f / 3, "0.33333334"}, {16777216.f, "16777216"}};
    char b[NUMFMT_MAX];
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        numfmt_float(b, ex[i].v);
        tap_ok(!strcmp(b, ex[i].s), "float %.9g -> %s (got %s)", (double)ex[i].v, ex[i].s, b);
    }
    static const struct {
        double v;
        const char *s;
    } exd[] = {{0.1, "0.1"}, {0.1 + 0.2, "0.30000000000000004"}, {1e-7, "1e-07"}, {1e16, "10000000000000000"},
               {1e17, "1e+17"}, {DBL_MAX, "1.7976931348623157e+308"}, {DBL_TRUE_MIN, "5e-324"},
               {(double)0.1f, "0.10000000149011612"}, {-2.5, "-2.5"}, {5e-324 * 3, "1.5e-323"}};
    for (size_t i = 0; i < sizeof exd / sizeof exd[0]; i++) {
        numfmt_double(b, exd[i].v);
        tap_ok(!strcmp(b, exd[i].s), "double %.17g -> %s (got %s)", exd[i].v, exd[i].s, b);
    }
    numfmt_float_g9(b, 0.001f);
    tap_ok(!strcmp(b, "0.00100000005"), "%%.9g text of 0.001f: %s", b);
    /* the same in a locale whose decimal point is a comma */
    if (setlocale(LC_NUMERIC, "de_DE.UTF-8") || setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
        numfmt_float(b, 2.5f);
        tap_ok(!strcmp(b, "2.5"), "a comma locale changes nothing: %s", b);
        setlocale(LC_NUMERIC, "C");
    }
}

static void test_special_floats(void)
{
    nfail = 0;
    int bad = 0, n = 0;
    /* every power of two, its neighbours; every power of ten's neighbours */
    for (int e = -149; e <= 127; e++) {
        float p = ldexpf(1, e);
        float vs[] = {p, nextafterf(p, 0), nextafterf(p, INFINITY), -p};
        for (int i = 0; i < 4; i++, n++)
            bad += !check_float_ref(vs[i]);
    }
    for (int e = -45; e <= 38; e++) {
        char t[32];
        snprintf(t, sizeof t, "1e%d", e);
        float p = strtof(t, NULL);
        float vs[] = {p, nextafterf(p, 0), nextafterf(p, INFINITY)};
        for (int i = 0; i < 3; i++, n++)
            bad += !check_float_ref(vs[i]);
    }
    /* subnormals: the first and last 100000, and the boundary */
    for (uint32_t b = 0; b < 100000; b++, n += 2)
        bad += !check_float_ref(from_bits(b)) + !check_float_ref(from_bits(0x7fffffu - b));
    float sp[] = {0.f, -0.f, INFINITY, -INFINITY, NAN, FLT_MAX, -FLT_MAX, FLT_MIN, FLT_TRUE_MIN};
    for (size_t i = 0; i < sizeof sp / sizeof sp[0]; i++, n++)
        bad += !check_float_ref(sp[i]);
    /* short decimals: k / 10^j, as configurations hold */
    for (int j = 0; j <= 6; j++)
        for (int k = -2000; k <= 2000; k++, n++)
            bad += !check_float_ref((float)(k / pow(10, j)));
    tap_ok(bad == 0, "%d special floats against the full reference: %d wrong", n, bad);
}

static void test_random_floats(void)
{
    nfail = 0;
    int bad = 0;
    const int nfull = 200000, nfast = 3000000;
    for (int i = 0; i < nfull; i++)
        bad += !check_float_ref(from_bits((uint32_t)rnd()));
    tap_ok(bad == 0, "%d random float32 bit patterns, full reference: %d wrong", nfull, bad);
    bad = 0;
    for (int i = 0; i < nfast; i++) {
        uint32_t b = (uint32_t)rnd();
        bad += !check_float_fast(from_bits(b), b);
    }
    tap_ok(bad == 0, "%d more random float32 bit patterns: %d wrong", nfast, bad);
}

static void test_doubles(void)
{
    nfail = 0;
    int bad = 0, n = 0;
    for (int e = -1074; e <= 1023; e++) {
        double p = ldexp(1, e);
        double vs[] = {p, nextafter(p, 0), nextafter(p, INFINITY)};
        for (int i = 0; i < 3; i++, n++)
            bad += !check_double(vs[i]);
    }
    double sp[] = {0., -0., INFINITY, -INFINITY, NAN, DBL_MAX, DBL_MIN, DBL_TRUE_MIN, 0.1, 1.0 / 3};
    for (size_t i = 0; i < sizeof sp / sizeof sp[0]; i++, n++)
        bad += !check_double(sp[i]);
    for (int i = 0; i < 100000; i++, n++)
        bad += !check_double(from_bits64(rnd()));
    /* doubles of ordinary size (times, means, p-values) */
    for (int i = 0; i < 100000; i++, n++)
        bad += !check_double((double)(rnd() >> 11) * 0x1p-53 * pow(10, (int)(rnd() % 20) - 10));
    /* floats widened, as the CSV writers are given them */
    for (int i = 0; i < 100000; i++, n++)
        bad += !check_double((double)from_bits((uint32_t)rnd()));
    tap_ok(bad == 0, "%d doubles against the reference: %d wrong", n, bad);
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "C");
    if (argc == 4 && !strcmp(argv[1], "--all"))
        return all_floats(strtoull(argv[2], NULL, 0), strtoull(argv[3], NULL, 0));
    test_examples();
    test_special_floats();
    test_random_floats();
    test_doubles();
    return tap_done();
}
