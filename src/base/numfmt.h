/* numfmt.h: numbers as text, locale-independent and fast.
 *
 * numfmt_float writes the shortest decimal that reads back (strtof, C
 * locale) to the same float: the first of %.1g, %.2g, ... %.9g whose text
 * reads back, so its digits are always a correct rounding (half to even)
 * of the value. numfmt_double does the same for a double (%.1g ... %.17g,
 * strtod). The shape is that of %.9g (%.17g for a double) with the digits
 * so found: fixed notation when the decimal exponent X of the first digit
 * is -4 <= X < 9 (X < 17), else d[.ddd]e±XX with at least two exponent
 * digits; no trailing zeros, no trailing '.':
 *   0.001f -> "0.001"   0.0001f -> "0.0001"   1e-05f -> "1e-05"
 *   2.4f -> "2.4"   1e9f -> "1e+09"   123456789.f -> "123456790"
 * Zero is "0" or "-0", infinities "inf" and "-inf", every NaN "nan".
 *
 * numfmt_float_g9 writes exactly what printf's "%.9g" writes in the C
 * locale for (double)v, NaN aside ("nan"): the canonical text that run
 * identities are hashed on.
 *
 * Each returns the length written; buf holds at least NUMFMT_MAX bytes.
 * The digits come from exact integer arithmetic (128-bit powers of ten,
 * numfmt_pow10.h); every float32 is checked against printf and strtof by
 * `make check-numfmt-full`. */
#ifndef SELFMI_NUMFMT_H
#define SELFMI_NUMFMT_H

#define NUMFMT_MAX 40

int numfmt_float(char *buf, float v);
int numfmt_double(char *buf, double v);
int numfmt_float_g9(char *buf, float v);
/* "%lu" and "%ld" without printf's cost. */
int numfmt_ulong(char *buf, unsigned long u);
int numfmt_long(char *buf, long v);

#endif
