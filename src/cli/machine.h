/* machine.h: processor-dependent start-up (FTZ/DAZ, the OpenBLAS kernel)
 * and the machine report of `selfmi info --machine`. */
#ifndef SELFMI_MACHINE_H
#define SELFMI_MACHINE_H

#include <stdio.h>

/* First thing in main, before any thread: sets FTZ/DAZ on the main thread
 * and, when OpenBLAS runs a generic kernel on a processor that supports a
 * better one, executes the program again with that kernel (see machine.c).
 * Returns only in the image that goes on. */
void machine_startup(char **argv);
/* The processor, SIMD level, BLAS build and kernel, the kernel's reference
 * check, the single-core sgemm rate and the denormal mode; 0, or 1 when the
 * reference check fails. */
int machine_print(FILE *f);

#endif
