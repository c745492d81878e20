/* cpu.c: SIMD level detection and forcing, denormal flushing (cpu.h). */
#include "config.h"
#include "base/cpu.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_X86 1
#endif

static const char *const isa_names[CPU_ISA_COUNT] = {
#ifdef CPU_X86
    "sse2",
#else
    "generic",
#endif
    "avx2", "avx512"
};

const char *cpu_isa_name(cpu_isa isa)
{
    return isa >= 0 && isa < CPU_ISA_COUNT ? isa_names[isa] : "?";
}

bool cpu_isa_parse(const char *s, cpu_isa *out)
{
    if (!s)
        return false;
    if (strcmp(s, "generic") == 0 || strcmp(s, "sse2") == 0)
        *out = CPU_ISA_GENERIC;
    else if (strcmp(s, "avx2") == 0)
        *out = CPU_ISA_AVX2;
    else if (strcmp(s, "avx512") == 0)
        *out = CPU_ISA_AVX512;
    else
        return false;
    return true;
}

cpu_isa cpu_isa_detected(void)
{
#ifdef CPU_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        return CPU_ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return CPU_ISA_AVX2;
#endif
    return CPU_ISA_GENERIC;
}

/* The active level: set once (first use, from SELFMI_ISA), or by
 * cpu_isa_force before threads start. */
static pthread_once_t isa_once = PTHREAD_ONCE_INIT;
static cpu_isa isa_active = CPU_ISA_GENERIC;

static void isa_init(void)
{
    cpu_isa det = cpu_isa_detected(), want;
    isa_active = det;
    if (cpu_isa_parse(getenv("SELFMI_ISA"), &want) && want < det)
        isa_active = want;
}

cpu_isa cpu_isa_active(void)
{
    pthread_once(&isa_once, isa_init);
    return isa_active;
}

cpu_isa cpu_isa_force(cpu_isa isa)
{
    pthread_once(&isa_once, isa_init);
    cpu_isa det = cpu_isa_detected();
    isa_active = isa < det ? isa : det;
    return isa_active;
}

/* MXCSR bit 15 = FTZ (results), bit 6 = DAZ (inputs); FPCR bit 24 = FZ */
bool cpu_flush_denormals(void)
{
#ifdef CPU_X86
    _mm_setcsr(_mm_getcsr() | 0x8040u);
#elif defined(__aarch64__)
    unsigned long fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    fpcr |= 1ul << 24;
    __asm__ volatile("msr fpcr, %0" : : "r"(fpcr));
#endif
    return cpu_denormals_flushed();
}

bool cpu_denormals_flushed(void)
{
#ifdef CPU_X86
    return (_mm_getcsr() & 0x8040u) == 0x8040u;
#elif defined(__aarch64__)
    unsigned long fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    return (fpcr >> 24) & 1;
#else
    return false;
#endif
}

void cpu_describe(char *buf, int n)
{
    char model[256] = "unknown", fam[32] = "?", mod[32] = "?", vendor[64] = "?";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        int seen = 0;
        while (seen < 4 && fgets(line, sizeof line, f)) {
            char *c = strchr(line, ':');
            if (!c)
                continue;
            char *v = c + 1 + (c[1] == ' ');
            v[strcspn(v, "\n")] = 0;
            if (strncmp(line, "model name", 10) == 0)
                snprintf(model, sizeof model, "%s", v), seen++;
            else if (strncmp(line, "vendor_id", 9) == 0)
                snprintf(vendor, sizeof vendor, "%s", v), seen++;
            else if (strncmp(line, "cpu family", 10) == 0)
                snprintf(fam, sizeof fam, "%s", v), seen++;
            else if (strncmp(line, "model\t", 6) == 0)
                snprintf(mod, sizeof mod, "%s", v), seen++;
        }
        fclose(f);
    }
    snprintf(buf, (size_t)n, "%s (%s, family %s, model %s)", model, vendor, fam, mod);
}
