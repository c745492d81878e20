/* numfmt.c: the shortest decimal that reads back to the same float or
 * double, and the canonical %.9g text, without printf.
 *
 * A finite nonzero value is v = m * 2^e (m an integer). The values that
 * read back to v lie between the midpoints to its neighbours:
 *   lower (4m - 2) * 2^(e-2)   (4m - 1 when m is a power of two whose
 *                               lower neighbour is closer)
 *   v     (4m)     * 2^(e-2)
 *   upper (4m + 2) * 2^(e-2)
 * with the midpoints themselves included when m is even (strtof/strtod
 * round ties to even). Each of the three, times 10^q, is floored exactly
 * to an integer T of N digits (N = 10 for a float, 18 for a double) with a
 * flag telling whether the product was an integer. Rounding T to p digits
 * (half to even, the remainder beyond T breaking ties) is what %.{p}g
 * prints; that candidate reads back to v when it lies between the floored
 * bounds. p runs down from 9 (17) while the candidate still reads back;
 * the interval being symmetric, the last that does is the first %.{p}g
 * that does. An asymmetric interval (a power of two) runs p up instead.
 *
 * 10^q is a 128-bit mantissa times a power of two (numfmt_pow10.h), exact
 * for 0 <= q <= 55, else rounded down (q > 55) or up (q < 0); a product
 * whose 64 bits below the point sit at the very edge of an integer under
 * an inexact power is handed to printf and strto* (never for a float:
 * every float32 goes the integer path, checked exhaustively). */
#include "config.h"
#include "base/numfmt.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/numfmt_pow10.h"

typedef unsigned __int128 u128;

static const uint64_t pow10_u64[20] = {1u,
                                       10u,
                                       100u,
                                       1000u,
                                       10000u,
                                       100000u,
                                       1000000u,
                                       10000000u,
                                       100000000u,
                                       1000000000u,
                                       10000000000u,
                                       100000000000u,
                                       1000000000000u,
                                       10000000000000u,
                                       100000000000000u,
                                       1000000000000000u,
                                       10000000000000000u,
                                       100000000000000000u,
                                       1000000000000000000u,
                                       10000000000000000000u};

/* One scaled value: floor(X * 10^q * 2^(e-2)) and whether it was exact. */
typedef struct {
    uint64_t t;
    bool exact;
} scaled;

/* floor(x * 10^q * 2^(e-2)); false when the table's rounding could have
 * moved the floor (the caller then takes the slow path). */
static bool scale(uint64_t x, int q, int e, scaled *out)
{
    const int i = q - NUMFMT_QMIN;
    u128 a = (u128)x * numfmt_pow10[i].lo, b = (u128)x * numfmt_pow10[i].hi;
    uint64_t w[3];   /* the 192-bit product x * M, little-endian words */
    w[0] = (uint64_t)a;
    u128 mid = (a >> 64) + (uint64_t)b;
    w[1] = (uint64_t)mid;
    w[2] = (uint64_t)(b >> 64) + (uint64_t)(mid >> 64);
    int sh = -(e - 2 + numfmt_pow10[i].b);   /* 64 <= sh < 192 for every finite input */
    int k = sh / 64, s = sh % 64;
    uint64_t t = w[k] >> s, frac;
    if (s && k < 2)
        t |= w[k + 1] << (64 - s);
    k = (sh - 64) / 64;
    frac = w[k] >> s;
    if (s)
        frac |= w[k + 1] << (64 - s);
    /* exact: x * 5^q * 2^(q+e-2) is an integer */
    int p2 = q + e - 2;
    bool exact = p2 >= 0 || (-p2 < 64 && (x & ((UINT64_C(1) << -p2) - 1)) == 0);
    if (q < 0 && exact) {
        uint64_t p5 = 1;   /* 5^-q, when it can divide x < 2^55 */
        for (int j = 0; j < -q && p5 <= x; j++)
            p5 *= 5;
        exact = p5 <= x && x % p5 == 0;
    }
    if (!exact && (q < 0 || q > 55) && (frac == 0 || frac == UINT64_MAX))
        return false;
    out->t = t;
    out->exact = exact;
    return true;
}

typedef struct {
    uint64_t digits;   /* without trailing zeros */
    int nd;            /* number of digits */
    int x;             /* decimal exponent of the first digit */
} decimal;

/* v = m * 2^e > 0; n the digits carried (10 or 18); pmax the digits that
 * always read back (9 or 17); only_pmax: %.{pmax}g's digits, not the
 * shortest. False: take the slow path. */
static bool digits(uint64_t m, int e, bool lower_closer, int n, int pmax, bool only_pmax, decimal *d)
{
    uint64_t xc = 4 * m, xl = 4 * m - (lower_closer ? 1 : 2), xu = 4 * m + 2;
    int e2 = e + 63 - __builtin_clzll(m);                    /* floor(log2 v) */
    int q = n - 1 - (int)(((int64_t)e2 * 78913) >> 18);     /* 78913 / 2^18 ~ log10(2) */
    scaled c, l = {0, false}, u = {0, false};
    for (int tries = 0;; tries++) {
        if (q < NUMFMT_QMIN || q > NUMFMT_QMAX || tries > 2 || !scale(xc, q, e, &c))
            return false;
        if (c.t >= pow10_u64[n])
            q--;
        else if (c.t < pow10_u64[n - 1])
            q++;
        else
            break;
    }
    if (!only_pmax && (!scale(xl, q, e, &l) || !scale(xu, q, e, &u)))
        return false;
    bool incl = (m & 1) == 0;
    uint64_t best = 0;
    int bestp = 0;
    int p = only_pmax ? pmax : lower_closer ? 1 : pmax, step = lower_closer ? 1 : -1;
    for (; p >= 1 && p <= pmax; p += step) {
        uint64_t div = pow10_u64[n - p], r = c.t / div, rem = c.t - r * div, half = div / 2;
        r += rem > half || (rem == half && (!c.exact || (r & 1)));
        if (only_pmax) {
            best = r, bestp = p;
            break;
        }
        uint64_t y = r * div;
        bool above = y > l.t || (incl && y == l.t && l.exact);
        bool below = incl ? y <= u.t : (y < u.t || (y == u.t && !u.exact));
        bool in = above && below;
        if (in) {
            best = r, bestp = p;
            if (lower_closer)
                break;
        } else if (!lower_closer) {
            break;
        }
    }
    if (!bestp)
        return false;
    d->x = n - 1 - q;
    if (best == pow10_u64[bestp]) {   /* 9.99 rounded up to 10.0 */
        best = 1;
        d->x++;
    }
    while (best % 10 == 0 && best)
        best /= 10;
    int nd = 1;
    while (nd < 20 && best >= pow10_u64[nd])
        nd++;
    d->digits = best;
    d->nd = nd;
    return true;
}

/* The digits of %.{p}e of v as printed (C locale or not: only digits and
 * the exponent are read), the first p that reads back (or exactly pmax). */
static void digits_slow(double v, bool is_float, int pmax, bool only_pmax, decimal *d)
{
    char t[64];
    for (int p = only_pmax ? pmax : 1; p <= pmax; p++) {
        snprintf(t, sizeof t, "%.*e", p - 1, fabs(v));
        if (p == pmax || (is_float ? strtof(t, NULL) == (float)fabs(v) : strtod(t, NULL) == fabs(v)))
            break;
    }
    uint64_t g = 0;
    int nd = 0;
    char *s = t;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9') {
            g = g * 10 + (uint64_t)(*s - '0');
            nd++;
        }
    d->x = *s == 'e' ? atoi(s + 1) : 0;
    while (g && g % 10 == 0) {
        g /= 10;
        nd--;
    }
    d->digits = g;
    d->nd = nd;
}

/* Writes sign and the decimal in the shape of %.{pmax}g. */
static int render(char *buf, bool neg, const decimal *d, int pmax)
{
    char dg[20];
    uint64_t g = d->digits;
    for (int i = d->nd - 1; i >= 0; i--) {
        dg[i] = (char)('0' + g % 10);
        g /= 10;
    }
    int k = 0, x = d->x, nd = d->nd;
    if (neg)
        buf[k++] = '-';
    if (x < -4 || x >= pmax) {
        buf[k++] = dg[0];
        if (nd > 1) {
            buf[k++] = '.';
            memcpy(buf + k, dg + 1, (size_t)nd - 1);
            k += nd - 1;
        }
        buf[k++] = 'e';
        buf[k++] = x < 0 ? '-' : '+';
        int ax = x < 0 ? -x : x;
        if (ax >= 100)
            buf[k++] = (char)('0' + ax / 100);
        buf[k++] = (char)('0' + ax / 10 % 10);
        buf[k++] = (char)('0' + ax % 10);
    } else if (x >= 0) {
        for (int i = 0; i <= x; i++)
            buf[k++] = i < nd ? dg[i] : '0';
        if (nd > x + 1) {
            buf[k++] = '.';
            memcpy(buf + k, dg + x + 1, (size_t)(nd - x - 1));
            k += nd - x - 1;
        }
    } else {
        buf[k++] = '0';
        buf[k++] = '.';
        for (int i = 0; i < -x - 1; i++)
            buf[k++] = '0';
        memcpy(buf + k, dg, (size_t)nd);
        k += nd;
    }
    buf[k] = '\0';
    return k;
}

/* "0", "-0", "inf", "-inf", "nan": the length, or -1 for a finite nonzero v */
static int special(char *buf, double v)
{
    const char *s = isnan(v) ? "nan" : isinf(v) ? (v > 0 ? "inf" : "-inf") : v == 0 ? (signbit(v) ? "-0" : "0") : NULL;
    if (!s)
        return -1;
    size_t n = strlen(s);
    memcpy(buf, s, n + 1);
    return (int)n;
}

static int fmt_float(char *buf, float v, bool only9)
{
    int k = special(buf, v);
    if (k >= 0)
        return k;
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    uint32_t be = bits >> 23 & 0xff, frac = bits & 0x7fffff;
    uint64_t m = be ? frac | 0x800000u : frac;
    int e = be ? (int)be - 150 : -149;
    decimal d;
    if (!digits(m, e, be > 1 && frac == 0, 10, 9, only9, &d))
        digits_slow(v, true, 9, only9, &d);
    return render(buf, bits >> 31, &d, 9);
}

int numfmt_float(char *buf, float v)
{
    return fmt_float(buf, v, false);
}

int numfmt_float_g9(char *buf, float v)
{
    return fmt_float(buf, v, true);
}

int numfmt_double(char *buf, double v)
{
    int k = special(buf, v);
    if (k >= 0)
        return k;
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    uint64_t be = bits >> 52 & 0x7ff, frac = bits & ((UINT64_C(1) << 52) - 1);
    uint64_t m = be ? frac | UINT64_C(1) << 52 : frac;
    int e = be ? (int)be - 1075 : -1074;
    decimal d;
    if (!digits(m, e, be > 1 && frac == 0, 18, 17, false, &d))
        digits_slow(v, false, 17, false, &d);
    return render(buf, bits >> 63, &d, 17);
}
