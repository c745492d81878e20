/* numfmt.c: the shortest decimal that reads back to a float or double, and
 * the canonical %.9g text, without printf.
 *
 * A finite nonzero value is v = m * 2^e (m an integer). The values that
 * read back to v lie between the midpoints to its neighbours:
 *   lower (4m - 2) * 2^(e-2)   (4m - 1 when m is a power of two whose
 *                               lower neighbour is closer)
 *   v     (4m)     * 2^(e-2)
 *   upper (4m + 2) * 2^(e-2)
 * with the midpoints themselves included when m is even (strtof/strtod
 * round ties to even). v times 10^q is floored exactly to an integer T of
 * n or n + 1 digits (n = 10 for a float, 18 for a double); whether the
 * product was an integer is found, when a tie needs it, by divisibility.
 * Rounding T to p digits (half to even, the remainder beyond T breaking
 * ties) is what %.{p}g prints; that candidate reads back to v when it lies
 * between the bounds, which the interval's half-width (T / 2m) decides
 * unless the candidate is within two units of a bound, when the bounds'
 * own floors do. p runs down from 8 (16) while the candidate still reads
 * back, 9 (17) always doing: the interval being symmetric, the last that
 * does is the first %.{p}g that does. An asymmetric interval (a power of
 * two) runs p up instead.
 *
 * 10^q is a 128-bit mantissa times a power of two (numfmt_pow10.h), exact
 * for 0 <= q <= 55, else rounded down (q > 55) or up (q < 0); a product
 * whose 64 bits below the point sit at the very edge of an integer under
 * an inexact power (where that rounding could move the floor) goes to
 * printf and strto* instead. */
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

/* x / 10^j for 1 <= j <= 19, by constants (a multiply, not a divide) */
static inline uint64_t div_pow10(uint64_t x, int j)
{
    switch (j) {
#define D(k) \
    case k: return x / pow10_u64[k];
        D(1) D(2) D(3) D(4) D(5) D(6) D(7) D(8) D(9) D(10) D(11) D(12) D(13) D(14) D(15) D(16) D(17) D(18) D(19)
#undef D
    }
    return 0;
}

/* Whether x * 10^q * 2^(e-2) = x * 5^q * 2^(q+e-2) is an integer. */
static bool exact_of(uint64_t x, int q, int e)
{
    int p2 = q + e - 2;
    if (p2 < 0 && (-p2 >= 64 || (x & ((UINT64_C(1) << -p2) - 1)) != 0))
        return false;
    if (q >= 0)
        return true;
    uint64_t p5 = 1;   /* 5^-q, while it can divide x < 2^55 */
    for (int j = 0; j < -q && p5 <= x; j++)
        p5 *= 5;
    return p5 <= x && x % p5 == 0;
}

/* One scaled value: floor(x * 10^q * 2^(e-2)), and x, q, e to tell
 * whether it was exact (exact_of) when a tie or a bound needs it. */
typedef struct {
    uint64_t t, x;
    int q, e;
} scaled;

static inline bool scaled_exact(const scaled *s)
{
    return exact_of(s->x, s->q, s->e);
}

/* The 192-bit x * M (M = 10^q's mantissa), little-endian words. */
static inline void mul192(uint64_t x, int i, uint64_t w[3])
{
    u128 a = (u128)x * numfmt_pow10[i].lo, b = (u128)x * numfmt_pow10[i].hi;
    w[0] = (uint64_t)a;
    u128 mid = (a >> 64) + (uint64_t)b;
    w[1] = (uint64_t)mid;
    w[2] = (uint64_t)(b >> 64) + (uint64_t)(mid >> 64);
}

/* w + k * M (k = 2, -1 or -2): the product of x + k from that of x */
static inline void add_m(const uint64_t w[3], int i, int k, uint64_t out[3])
{
    uint64_t hi = numfmt_pow10[i].hi, lo = numfmt_pow10[i].lo, m0 = lo, m1 = hi, m2 = 0;
    if (k == 2 || k == -2) {
        m2 = hi >> 63;
        m1 = hi << 1 | lo >> 63;
        m0 = lo << 1;
    }
    if (k > 0) {
        u128 s0 = (u128)w[0] + m0, s1 = (u128)w[1] + m1 + (uint64_t)(s0 >> 64);
        out[0] = (uint64_t)s0;
        out[1] = (uint64_t)s1;
        out[2] = w[2] + m2 + (uint64_t)(s1 >> 64);
    } else {
        uint64_t b0 = w[0] < m0, d1 = w[1] - m1, b1 = (w[1] < m1) | (d1 < b0);
        out[0] = w[0] - m0;
        out[1] = d1 - b0;
        out[2] = w[2] - m2 - b1;
    }
}

/* floor(w >> sh) into s->t; false when the table's rounding could have
 * moved that floor (the 64 bits below the point at an integer's very
 * edge under an inexact power, and the value not exact): the slow path. */
static inline bool take(const uint64_t w[3], int sh, scaled *s)
{
    int k = sh >> 6, b = sh & 63, k2 = k - 1;
    uint64_t t = w[k] >> b, frac = w[k2] >> b;
    if (b) {
        if (k < 2)
            t |= w[k + 1] << (64 - b);
        frac |= w[k2 + 1] << (64 - b);
    }
    s->t = t;
    if ((s->q < 0 || s->q > 55) && (frac == 0 || frac == UINT64_MAX) && !scaled_exact(s))
        return false;
    return true;
}

typedef struct {
    uint64_t digits;   /* without trailing zeros */
    int nd;            /* number of digits */
    int x;             /* decimal exponent of the first digit */
} decimal;

/* The floors of the bounds (x - 2 or x - 1, and x + 2) from the product
 * wc of x = 4m; false: the slow path. */
static inline bool bounds(const uint64_t wc[3], int i, int sh, bool lower_closer, scaled *l, scaled *u)
{
    uint64_t wl[3], wu[3];
    add_m(wc, i, lower_closer ? -1 : -2, wl);
    add_m(wc, i, 2, wu);
    return take(wl, sh, l) && take(wu, sh, u);
}

/* c rounded to a multiple of 10^j (1 <= j), half to even, the part of c
 * beyond its floor breaking ties, given fl = floor(c / 10^j): the digits
 * %.{n-j}g keeps, as a count of 10^j */
static inline uint64_t round_from(const scaled *c, uint64_t fl, int j)
{
    uint64_t div = pow10_u64[j], rem = c->t - fl * div, half = div >> 1;
    return fl + (rem > half || (rem == half && ((fl & 1) || !scaled_exact(c))));
}

static inline uint64_t round_at(const scaled *c, int j)
{
    return round_from(c, div_pow10(c->t, j), j);
}

/* Whether y (a candidate, in the units of the floors) lies between the
 * bounds l and u, the bounds included when incl. */
static inline bool inside(uint64_t y, const scaled *l, const scaled *u, bool incl)
{
    bool above = y > l->t || (incl && y == l->t && scaled_exact(l));
    bool below = incl ? y <= u->t : y < u->t || (y == u->t && !scaled_exact(u));
    return above && below;
}

/* v = m * 2^e > 0; n the digits carried (10 or 18); pmax the digits that
 * always read back (9 or 17); only_pmax: %.{pmax}g's digits, not the
 * shortest. False: take the slow path. Inlined into each caller, so n and
 * pmax are constants there. */
static inline __attribute__((always_inline)) bool digits(uint64_t m, int e, bool lower_closer, int n, int pmax,
                                                         bool only_pmax, decimal *d)
{
    uint64_t xc = 4 * m, xl = 4 * m - (lower_closer ? 1 : 2), xu = 4 * m + 2;
    int e2 = e + 63 - __builtin_clzll(m);                    /* floor(log2 v) */
    int q = n - 1 - (int)(((int64_t)e2 * 78913) >> 18);     /* 78913 / 2^18 ~ log10(2) */
    /* v * 10^q in [10^(n-1), 10^(n+1)): n or n + 1 digits, either will do */
    if (q < NUMFMT_QMIN || q > NUMFMT_QMAX)
        return false;
    int i = q - NUMFMT_QMIN, sh = 2 - e - numfmt_pow10[i].b;   /* 64 < sh < 192 for every finite v */
    if (sh < 64 || sh >= 192)
        return false;
    uint64_t wc[3];
    mul192(xc, i, wc);
    scaled c = {0, xc, q, e}, l = {0, xl, q, e}, u = {0, xu, q, e};
    if (!take(wc, sh, &c) || c.t < pow10_u64[n - 1])
        return false;
    if (c.t >= pow10_u64[n])
        n++;
    bool have_bounds = false;   /* l and u, made when a candidate needs them */
    bool incl = (m & 1) == 0;
    uint64_t best = 0;
    int bestp = 0;
    if (!lower_closer || only_pmax) {
        /* symmetric: fewer digits read back until they do not; pmax always
         * does. The floors come one from another, by constant divisors. */
        uint64_t fl = n - pmax == 1 ? c.t / 10 : c.t / 100, top = fl;
        /* the half-width of the interval, 2^(e-1) * 10^q = v * 10^q / 2m,
         * with T in [c.t, c.t + 1): a candidate at distance dist from c.t
         * is in when (dist + 2) * 2m < c.t, out when (dist - 2) * 2m >
         * c.t + 1; only between does it need the bounds */
        u128 m2 = 2 * (u128)m;
        for (int p = pmax - 1; p >= 1 && !only_pmax; p--) {
            fl /= 10;
            uint64_t r = round_from(&c, fl, n - p), y = r * pow10_u64[n - p];
            uint64_t dist = y > c.t ? y - c.t : c.t - y;
            bool in = (dist + 2) * m2 < c.t;
            if (!in && (dist < 2 || (dist - 2) * m2 <= (u128)c.t + 1)) {
                if (!have_bounds && !(have_bounds = bounds(wc, i, sh, lower_closer, &l, &u)))
                    return false;
                in = inside(y, &l, &u, incl);
            }
            if (!in)
                break;
            /* 2.4000001 at 7 digits is 2400000: the same value at 2 */
            while (p > 1 && r % 10 == 0) {
                r /= 10;
                fl /= 10;
                p--;
            }
            best = r, bestp = p;
        }
        if (!bestp) {
            best = round_from(&c, top, n - pmax);
            bestp = pmax;
        }
    } else {
        if (!bounds(wc, i, sh, lower_closer, &l, &u))
            return false;
        for (int p = 1; p <= pmax && !bestp; p++) {
            uint64_t r = round_at(&c, n - p);
            if (inside(r * pow10_u64[n - p], &l, &u, incl))
                best = r, bestp = p;
        }
    }
    if (!bestp)
        return false;
    d->x = n - 1 - q;
    if (best == pow10_u64[bestp]) {   /* 9.99 rounded up to 10.0 */
        best = 1;
        d->x++;
    }
    int nd = bestp;
    if (best == 1)   /* carried: 1 and zeros */
        nd = 1;
    while (nd > 1 && best % 10 == 0) {
        best /= 10;
        nd--;
    }
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
/* Writes the decimal in the shape of %.{pmax}g: the digits two at a time
 * into dg (zeros after them), then fixed-size copies into place (buf has
 * NUMFMT_MAX bytes; what lies past the end is overwritten or beyond the
 * terminating NUL). */
static int render(char *buf, bool neg, const decimal *d, int pmax)
{
    static const char two[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                              "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                              "8081828384858687888990919293949596979899";
    char dg[40];
    memset(dg, '0', sizeof dg);
    uint64_t g = d->digits;
    int i = d->nd;
    for (; i >= 2; i -= 2, g /= 100)
        memcpy(dg + i - 2, two + 2 * (g % 100), 2);
    if (i)
        dg[0] = (char)('0' + g);
    int k = 0, x = d->x, nd = d->nd;
    if (neg)
        buf[k++] = '-';
    if (x < -4 || x >= pmax) {
        buf[k] = dg[0];
        buf[k + 1] = '.';
        memcpy(buf + k + 2, dg + 1, 16);
        k += nd + (nd > 1);
        buf[k++] = 'e';
        buf[k++] = x < 0 ? '-' : '+';
        int ax = x < 0 ? -x : x;
        if (ax >= 100)
            buf[k++] = (char)('0' + ax / 100);
        memcpy(buf + k, two + 2 * (ax % 100), 2);
        k += 2;
    } else if (x >= 0) {
        memcpy(buf + k, dg, 17);   /* the integer part, zeros past the digits */
        if (nd > x + 1) {
            buf[k + x + 1] = '.';
            memcpy(buf + k + x + 2, dg + x + 1, 16);
            k += nd + 1;
        } else {
            k += x + 1;
        }
    } else {
        memcpy(buf + k, "0.0000", 6);
        memcpy(buf + k + 1 - x, dg, 17);
        k += 1 - x + nd;
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
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    uint32_t be = bits >> 23 & 0xff, frac = bits & 0x7fffff;
    if (be == 0xff || (be == 0 && frac == 0))
        return special(buf, v);
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

int numfmt_ulong(char *buf, unsigned long u)
{
    char t[24];
    int k = (int)sizeof t;
    do {
        t[--k] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    int n = (int)sizeof t - k;
    memcpy(buf, t + k, (size_t)n);
    buf[n] = '\0';
    return n;
}

int numfmt_long(char *buf, long v)
{
    if (v >= 0)
        return numfmt_ulong(buf, (unsigned long)v);
    buf[0] = '-';
    return 1 + numfmt_ulong(buf + 1, 0ul - (unsigned long)v);
}
