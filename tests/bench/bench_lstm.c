/* bench_lstm.c: LSTM forward + backward time and GFLOP/s at MOSI-like
 * shapes, beside the machine's single-core sgemm rate.
 * Usage: bench_lstm [seconds per shape, default 0.3] [B T F H (one shape only)] */
#include "config.h"
#include "base/cpu.h"
#include "nn/nn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void cpu_model(char *buf, size_t n)
{
    snprintf(buf, n, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "model name", 10) == 0) {
            char *c = strchr(line, ':');
            if (c) {
                c += 1 + (c[1] == ' ');
                c[strcspn(c, "\n")] = 0;
                snprintf(buf, n, "%s", c);
            }
            break;
        }
    fclose(f);
}

static void fill(real *a, size_t n, rng *r, double lo, double hi)
{
    for (size_t i = 0; i < n; i++)
        a[i] = (real)rng_range(r, lo, hi);
}

/* the machine's sgemm rate at n x n x n, GFLOP/s */
static double gemm_rate(int n, double secs)
{
    real *a = malloc(sizeof(real) * n * n), *b = malloc(sizeof(real) * n * n), *c = malloc(sizeof(real) * n * n);
    if (!a || !b || !c) {
        free(a); free(b); free(c);
        return 0;
    }
    rng r;
    rng_seed(&r, 1);
    fill(a, (size_t)n * n, &r, -1, 1);
    fill(b, (size_t)n * n, &r, -1, 1);
    blas_gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n);
    double best = 1e30, t0 = sm_now();
    int reps = 0;
    while (reps < 3 || sm_now() - t0 < secs) {
        double t = sm_now();
        blas_gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n);
        t = sm_now() - t;
        if (t < best)
            best = t;
        reps++;
    }
    free(a);
    free(b);
    free(c);
    return 2.0 * n * n * n / best * 1e-9;
}

typedef struct { double fwd_ms, bwd_ms, gflops; } lstm_time;

static int bench_shape(lstm_time *out, int B, int T, int F, int H, int varlen, double secs)
{
    sm_err err;
    nn_lstm_cache c;
    if (nn_lstm_cache_init(&c, B, T, F, H, &err) != SM_OK) {
        fprintf(stderr, "bench_lstm: %s\n", err.msg);
        return 1;
    }
    int G = 4 * H;
    size_t nx = (size_t)B * T * F;
    real *x = malloc(sizeof(real) * nx), *dx = malloc(sizeof(real) * nx);
    real *w = malloc(sizeof(real) * ((size_t)G * (F + H) * 2 + 4 * (size_t)G));
    real *h = malloc(sizeof(real) * B * H), *dh = malloc(sizeof(real) * B * H);
    int *len = malloc(sizeof(int) * B);
    if (!x || !dx || !w || !h || !dh || !len) {
        fprintf(stderr, "bench_lstm: out of memory\n");
        return 1;
    }
    real *wih = w, *whh = wih + (size_t)G * F, *bih = whh + (size_t)G * H, *bhh = bih + G;
    real *dwih = bhh + G, *dwhh = dwih + (size_t)G * F, *dbih = dwhh + (size_t)G * H, *dbhh = dbih + G;
    rng r;
    rng_seed(&r, 5);
    double bound = 1 / sqrt((double)H);
    fill(wih, (size_t)G * (F + H) + 2 * G, &r, -bound, bound);
    fill(x, nx, &r, -1, 1);
    fill(dh, (size_t)B * H, &r, -1, 1);
    double steps = 0;   /* sample-steps actually run */
    for (int b = 0; b < B; b++) {
        len[b] = varlen ? 1 + (int)rng_below(&r, (uint64_t)T) : T;
        steps += len[b];
    }
    memset(dx, 0, sizeof(real) * nx);
    memset(dwih, 0, sizeof(real) * ((size_t)G * (F + H) + 2 * G));
    double bf = 1e30, bb = 1e30, t0 = sm_now();
    int reps = 0;
    while (reps < 3 || sm_now() - t0 < secs) {
        double t = sm_now();
        nn_lstm_forward(h, &c, x, len, wih, whh, bih, bhh, B, T, F, H);
        double t1 = sm_now();
        nn_lstm_backward(dx, dwih, dwhh, dbih, dbhh, dh, &c, x, len, wih, whh, B, T, F, H);
        double t2 = sm_now();
        if (t1 - t < bf)
            bf = t1 - t;
        if (t2 - t1 < bb)
            bb = t2 - t1;
        reps++;
    }
    /* gemm flops over the steps run: forward 2*steps*4H*(F+H), backward twice that */
    double flops = 3 * 2.0 * steps * G * (F + H);
    out->fwd_ms = bf * 1e3;
    out->bwd_ms = bb * 1e3;
    out->gflops = flops / (bf + bb) * 1e-9;
    nn_lstm_cache_free(&c);
    free(x); free(dx); free(w); free(h); free(dh); free(len);
    return 0;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 0.3;
    if (!(secs > 0))
        secs = 0.3;
    blas_single_thread();
    /* as on every thread that trains (selfmi(1), DENORMALS) */
    bool ftz = cpu_flush_denormals();
    char cpu[256];
    cpu_model(cpu, sizeof cpu);
    printf("command: %s", argv[0]);
    for (int i = 1; i < argc; i++)
        printf(" %s", argv[i]);
    printf("\nmachine: nproc %ld, cpu %s\nblas: %s (one thread), core %s\nlstm kernels: %s (SELFMI_ISA caps)\n"
           "real: %s, best of repeats over %.2f s per shape; denormals %s\n",
           sysconf(_SC_NPROCESSORS_ONLN), cpu, blas_describe(), blas_core_name(), nn_lstm_kernel_name(), REAL_NAME,
           secs, ftz ? "flushed to zero" : "kept (FTZ/DAZ not available)");
    double peak = gemm_rate(512, secs);
    printf("sgemm 512x512x512: %.1f GFLOP/s\n\n", peak);
    printf("%4s %4s %4s %4s %6s  %9s %9s %9s  %8s %7s\n", "B", "T", "F", "H", "lens", "fwd ms", "bwd ms",
           "total ms", "GFLOP/s", "%sgemm");
    if (argc == 6) {
        lstm_time lt;
        int B = atoi(argv[2]), T = atoi(argv[3]), F = atoi(argv[4]), H = atoi(argv[5]);
        if (B < 1 || T < 1 || F < 1 || H < 1 || bench_shape(&lt, B, T, F, H, 0, secs))
            return 1;
        printf("%4d %4d %4d %4d %6s  %9.2f %9.2f %9.2f  %8.1f %6.1f%%\n", B, T, F, H, "full", lt.fwd_ms,
               lt.bwd_ms, lt.fwd_ms + lt.bwd_ms, lt.gflops, 100 * lt.gflops / peak);
        return 0;
    }
    static const int Ts[2] = { 50, 375 }, Fs[3] = { 5, 20, 768 }, Hs[3] = { 16, 32, 64 };
    int target_ok = -1;
    for (int ti = 0; ti < 2; ti++)
        for (int fi = 0; fi < 3; fi++)
            for (int hi = 0; hi < 3; hi++)
                for (int v = 0; v < 2; v++) {
                    if (v && !(Ts[ti] == 375 && Hs[hi] == 64))
                        continue;
                    lstm_time lt;
                    if (bench_shape(&lt, 32, Ts[ti], Fs[fi], Hs[hi], v, secs))
                        return 1;
                    double pct = 100 * lt.gflops / peak;
                    printf("%4d %4d %4d %4d %6s  %9.2f %9.2f %9.2f  %8.1f %6.1f%%\n", 32, Ts[ti], Fs[fi],
                           Hs[hi], v ? "random" : "full", lt.fwd_ms, lt.bwd_ms, lt.fwd_ms + lt.bwd_ms,
                           lt.gflops, pct);
                    if (!v && Ts[ti] == 375 && Fs[fi] == 20 && Hs[hi] == 64)
                        target_ok = pct >= 50;
                }
    printf("\ntarget (B=32 T=375 F=20 H=64 at >= 50%% of this core's sgemm): %s\n", target_ok ? "met" : "NOT met");
    return 0;
}
