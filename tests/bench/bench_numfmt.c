/* bench_numfmt.c: nanoseconds per number for the ways a float has been
 * written as text: printf's %.9g, the earlier hand-rolled %.9g of
 * run.conf (kept here as it was, for comparison), numfmt_float, and a
 * whole CSV field (csvw_num); %.17g against numfmt_double. The numbers are
 * those of an epoch's labels.csv on the MOSI features: 1284 training
 * samples x (y_m, three u-labels, three regressor outputs), plus a share
 * of short decimals (human labels such as 2.4). The run store's row writer
 * used to switch to the C locale around each fprintf; csvw_num needs no
 * locale. */
#include "config.h"
#include "base/clocale.h"
#include "base/numfmt.h"
#include "data/csvio.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { NSAMP = 1284, PER = 7, N = NSAMP * PER, ROUNDS = 40 };

/* The %.9g formatter run.conf used before numfmt, verbatim in effect. */
static int old_fmt_float9(char *buf, size_t n, float f)
{
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    double d = fabs((double)f);
    if (d == 0 || !(d >= 1e-13 && d < 1e30))
        return snprintf(buf, n, "%.9g", (double)f);
    int e = (int)floor(log10(d));
    double x = 0;
    for (int round = 0; round < 3; round++) {
        int sc = 8 - e;
        if (sc > 22 || sc < -22)
            return snprintf(buf, n, "%.9g", (double)f);
        x = sc >= 0 ? d * p10[sc] : d / p10[-sc];
        if (x < 1e8)
            e--;
        else if (x >= 1e9)
            e++;
        else
            break;
    }
    double fl = floor(x);
    if (!(x >= 1e8 && x < 1e9) || fabs(x - fl - 0.5) < 1e-6)
        return snprintf(buf, n, "%.9g", (double)f);
    unsigned long r = (unsigned long)fl + (x - fl > 0.5);
    if (r == 1000000000ul) {
        r = 100000000ul;
        e++;
    }
    char dg[9];
    for (int i = 8; i >= 0; i--) {
        dg[i] = (char)('0' + r % 10);
        r /= 10;
    }
    int nd = 9;
    while (nd > 1 && dg[nd - 1] == '0')
        nd--;
    char out[32];
    int k = 0;
    if (f < 0)
        out[k++] = '-';
    if (e < -4 || e >= 9) {
        out[k++] = dg[0];
        if (nd > 1) {
            out[k++] = '.';
            for (int i = 1; i < nd; i++)
                out[k++] = dg[i];
        }
        out[k++] = 'e';
        out[k++] = e < 0 ? '-' : '+';
        int ae = e < 0 ? -e : e;
        if (ae >= 100)
            out[k++] = (char)('0' + ae / 100);
        out[k++] = (char)('0' + ae / 10 % 10);
        out[k++] = (char)('0' + ae % 10);
    } else if (e >= 0) {
        for (int i = 0; i <= e; i++)
            out[k++] = dg[i];
        if (nd > e + 1) {
            out[k++] = '.';
            for (int i = e + 1; i < nd; i++)
                out[k++] = dg[i];
        }
    } else {
        out[k++] = '0';
        out[k++] = '.';
        for (int i = 0; i < -e - 1; i++)
            out[k++] = '0';
        for (int i = 0; i < nd; i++)
            out[k++] = dg[i];
    }
    if ((size_t)k + 1 > n)
        return -1;
    memcpy(buf, out, (size_t)k);
    buf[k] = '\0';
    return k;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);   /* CPU time: other load does not count */
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static float vals[N];
static double dvals[N];
static volatile size_t sink;

/* the fastest of ROUNDS passes over the numbers: the least disturbed by
 * whatever else the machine runs */
#define TIME(label, body)                                                               \
    do {                                                                                \
        double best = 1e30;                                                             \
        for (int r_ = 0; r_ < ROUNDS; r_++) {                                           \
            double t0 = now();                                                          \
            for (int i = 0; i < N; i++) {                                               \
                body;                                                                   \
            }                                                                           \
            double t = now() - t0;                                                      \
            best = t < best ? t : best;                                                 \
        }                                                                               \
        double ns = best * 1e9 / N;                                                     \
        printf("%-34s %8.1f ns/number %8.2f ms/epoch\n", label, ns, ns * N * 1e-6);     \
    } while (0)

int main(void)
{
    uint64_t s = 12345;
    for (int i = 0; i < N; i++) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        double u = (double)(s >> 11) * 0x1p-53;
        /* one in seven a human label (k / 5 in [-3, 3]), the rest computed */
        vals[i] = i % PER == 0 ? (float)((int)(u * 31) * 0.2 - 3.0) : (float)(6 * u - 3) * (float)u;
        dvals[i] = u * 100;
    }
    char b[64];
    printf("bench_numfmt: %d numbers (an epoch's labels.csv, %d samples x %d), the best of %d passes\n", N, NSAMP, PER, ROUNDS);
    TIME("snprintf %.9g", sink += (size_t)snprintf(b, sizeof b, "%.9g", (double)vals[i]));
    TIME("old fmt_float9 (%.9g)", sink += (size_t)old_fmt_float9(b, sizeof b, vals[i]));
    TIME("numfmt_float_g9 (%.9g)", sink += (size_t)numfmt_float_g9(b, vals[i]));
    TIME("numfmt_float (shortest)", sink += (size_t)numfmt_float(b, vals[i]));
    FILE *f = fopen("/dev/null", "w");
    if (!f)
        return 1;
    csv_writer w;
    csvw_init(&w, f);
    TIME("fprintf %.9g (CSV field before)", sink += (size_t)fprintf(f, "%.9g", (double)vals[i]));
    TIME("C locale, fprintf (row before)", clocale_scope cl; clocale_enter(&cl);
         sink += (size_t)fprintf(f, "%.9g", (double)vals[i]); clocale_leave(&cl));
    TIME("csvw_num (CSV field now)", csvw_num(&w, vals[i]); if (i % PER == PER - 1) csvw_end(&w));
    TIME("snprintf %.17g (double)", sink += (size_t)snprintf(b, sizeof b, "%.17g", dvals[i]));
    TIME("numfmt_double (shortest)", sink += (size_t)numfmt_double(b, dvals[i]));
    fclose(f);
    return 0;
}
