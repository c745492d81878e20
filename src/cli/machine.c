/* machine.c: the processor-dependent start-up of the program, and
 * `selfmi info --machine`.
 *
 * OpenBLAS reads OPENBLAS_CORETYPE once, when the library is loaded, so a
 * better kernel can only be had from a fresh process image: when OpenBLAS
 * runs a generic core on a processor that supports a better one
 * (blas_core_better), and neither the user's OPENBLAS_CORETYPE nor
 * SELFMI_BLAS_CORE says otherwise (off: never; NAME: that kernel, when
 * the processor runs it), the program executes itself again
 * with OPENBLAS_CORETYPE set, before any thread starts. The new image checks
 * the kernel against a reference product (blas_verify) and, should it
 * disagree, executes itself once more on OpenBLAS's own choice. The marker
 * SELFMI_BLAS_FROM (the core OpenBLAS had chosen, or "!" after a failed
 * check) makes each step happen at most once. */
#include "config.h"
#include "cli/machine.h"
#include "base/base.h"
#include "base/cpu.h"
#include "tensor/tensor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static char core_from[64];       /* the core OpenBLAS chose by itself, when replaced */
static char core_note[160];      /* how the core was chosen, for info --machine */
static double core_check = -1;   /* blas_verify of a replaced core */

static void reexec(char **argv)
{
    fflush(NULL);
    execv("/proc/self/exe", argv);
    /* no /proc: the same path the program was started with */
    if (strchr(argv[0], '/'))
        execv(argv[0], argv);
}

void machine_startup(char **argv)
{
    cpu_flush_denormals();
    const char *from = getenv("SELFMI_BLAS_FROM");
    const char *mode = getenv("SELFMI_BLAS_CORE");
    const char *user = getenv("OPENBLAS_CORETYPE");
    const char *core = blas_core_name();
    if (from) {
        /* a re-executed image: trust the new core only if it computes right */
        snprintf(core_from, sizeof core_from, "%s", from);
        if (strcmp(from, "!") == 0) {
            snprintf(core_note, sizeof core_note, "OpenBLAS's own choice: the replacement failed the reference check");
            unsetenv("SELFMI_BLAS_FROM");
            return;
        }
        core_check = blas_verify();
        if (!(core_check < 1)) {
            setenv("SELFMI_BLAS_FROM", "!", 1);
            unsetenv("OPENBLAS_CORETYPE");
            reexec(argv);
            unsetenv("SELFMI_BLAS_FROM");
            return;
        }
        if (mode && *mode && strcmp(mode, "auto") != 0 && strcmp(mode, "off") != 0)
            snprintf(core_note, sizeof core_note, "set by SELFMI_BLAS_CORE in place of OpenBLAS's %.40s (reference check passed)", from);
        else
            snprintf(core_note, sizeof core_note, "chosen by selfmi in place of OpenBLAS's %.40s (reference check passed)", from);
        /* children (a Slurm task, a test's selfmi) see a user's setting */
        unsetenv("SELFMI_BLAS_FROM");
        return;
    }
    if (mode && strcmp(mode, "off") == 0) {
        snprintf(core_note, sizeof core_note, "OpenBLAS's own choice (SELFMI_BLAS_CORE=off)");
        return;
    }
    if (user && *user) {
        snprintf(core_note, sizeof core_note, "set by OPENBLAS_CORETYPE=%s", user);
        return;
    }
    const char *want = blas_core_better(core);
    if (mode && *mode && strcmp(mode, "auto") != 0) {
        /* SELFMI_BLAS_CORE=NAME: that kernel, if the processor runs it */
        if (!blas_core_runs(mode)) {
            snprintf(core_note, sizeof core_note, "OpenBLAS's own choice (this processor cannot run %.40s)", mode);
            return;
        }
        if (strcasecmp(mode, core) == 0) {
            snprintf(core_note, sizeof core_note, "set by SELFMI_BLAS_CORE (OpenBLAS's own choice too)");
            return;
        }
        want = mode;
    }
    if (!want) {
        snprintf(core_note, sizeof core_note, "OpenBLAS's own choice");
        return;
    }
    setenv("OPENBLAS_CORETYPE", want, 1);
    setenv("SELFMI_BLAS_FROM", core, 1);
    reexec(argv);
    /* could not execute: go on with what OpenBLAS chose */
    unsetenv("OPENBLAS_CORETYPE");
    unsetenv("SELFMI_BLAS_FROM");
    snprintf(core_note, sizeof core_note, "OpenBLAS's own choice (could not execute again for %s)", want);
}

/* single-core sgemm rate at n x n x n, GFLOP/s: best of repeats */
static double sgemm_rate(int n, double secs)
{
    size_t nn = (size_t)n * n;
    float *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b), *c = malloc(nn * sizeof *c);
    double best = 1e30;
    if (a && b && c) {
        for (size_t i = 0; i < nn; i++) {
            a[i] = (float)(i % 17) * 0.01f;
            b[i] = (float)(i % 13) * 0.01f;
        }
        double t0 = sm_now();
        for (int reps = 0; reps < 3 || sm_now() - t0 < secs; reps++) {
            double t = sm_now();
            blas_gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n);
            t = sm_now() - t;
            if (t < best)
                best = t;
        }
    }
    free(a);
    free(b);
    free(c);
    return best < 1e30 ? 2.0 * n * n * n / best * 1e-9 : 0;
}

int machine_print(FILE *f)
{
    char cpu[512];
    cpu_describe(cpu, sizeof cpu);
    fprintf(f, "cpu          %s\n", cpu);
    fprintf(f, "cores        %ld online\n", sysconf(_SC_NPROCESSORS_ONLN));
    cpu_isa det = cpu_isa_detected(), act = cpu_isa_active();
    fprintf(f, "simd         %s detected, %s in use%s\n", cpu_isa_name(det), cpu_isa_name(act),
            act < det ? " (SELFMI_ISA)" : "");
    fprintf(f, "blas         %s\n", blas_describe());
    const char *core = blas_core_name();
    fprintf(f, "blas core    %s: %s\n", *core ? core : "unknown", core_note[0] ? core_note : "OpenBLAS's own choice");
    double chk = core_check >= 0 ? core_check : blas_verify();
    fprintf(f, "blas check   %s (largest error %.3g of the float bound)\n", chk < 1 ? "passed" : "FAILED", chk);
    blas_single_thread();
    fprintf(f, "sgemm        %.1f GFLOP/s (512x512x512, one thread, best of repeats)\n", sgemm_rate(512, 0.3));
    bool ftz = cpu_denormals_flushed();
    fprintf(f, "denormals    %s\n", ftz ? "flushed to zero (FTZ/DAZ on every training thread)" : "IEEE (not flushed)");
    return chk < 1 ? 0 : 1;
}
