/* cpu.h: what the processor offers and how the engine uses it: the SIMD
 * level of the hand-written kernels (detected once, or forced with the
 * environment variable SELFMI_ISA), and flush-to-zero / denormals-are-zero
 * for the threads that train.
 *
 * Levels, lowest first; a level runs only on a processor that has it:
 *   CPU_ISA_GENERIC  the compiler's baseline vectors (SSE2 on x86-64)
 *   CPU_ISA_AVX2     AVX2 + FMA, 8 floats a vector
 *   CPU_ISA_AVX512   AVX-512F, 16 floats a vector
 * SELFMI_ISA=generic|sse2|avx2|avx512 caps the level (a level above what
 * the processor has is lowered to what it has). Kernels of different levels
 * sum in different orders and use FMA or not, so their results differ in
 * the last bits; one level on one machine gives the same bits every time. */
#ifndef SELFMI_CPU_H
#define SELFMI_CPU_H

#include <stdbool.h>

typedef enum { CPU_ISA_GENERIC, CPU_ISA_AVX2, CPU_ISA_AVX512, CPU_ISA_COUNT } cpu_isa;

/* "generic" (or "sse2" on x86-64), "avx2", "avx512" */
const char *cpu_isa_name(cpu_isa isa);
/* Parses a level name (sse2 = generic); false when unknown. */
bool cpu_isa_parse(const char *s, cpu_isa *out);
/* The highest level this processor runs. */
cpu_isa cpu_isa_detected(void);
/* The level the kernels use: the detected one, capped by SELFMI_ISA (read
 * once, on first use). */
cpu_isa cpu_isa_active(void);
/* Overrides the active level for the whole process (tests and benchmarks;
 * capped at the detected level). Call before threads start. Returns the
 * level set. */
cpu_isa cpu_isa_force(cpu_isa isa);

/* Sets flush-to-zero and denormals-are-zero on the calling thread (MXCSR
 * on x86-64, FPCR.FZ on AArch64): a subnormal input or result becomes 0,
 * instead of a slow microcode assist per operation on many processors.
 * Gradients that fade through hundreds of LSTM steps reach that range.
 * Returns whether the thread now runs with them. */
bool cpu_flush_denormals(void);
/* Whether the calling thread flushes denormals (both FTZ and DAZ on x86). */
bool cpu_denormals_flushed(void);

/* The processor's model name (from /proc/cpuinfo when readable) and its
 * vendor, family and model numbers, into buf. */
void cpu_describe(char *buf, int n);

#endif
