/* rng.h: a seeded random generator object (xoshiro256**, seeded through
 * splitmix64). One per run: init, dropout, shuffling and synthetic data all
 * draw from it, so a seed gives the same run bit for bit. No global state.
 * The state is four words, saved and restored whole for resume. */
#ifndef SELFMI_RNG_H
#define SELFMI_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
    /* cached second normal deviate of Box-Muller */
    double spare;
    int has_spare;
} rng;

void rng_seed(rng *r, uint64_t seed);
static inline uint64_t rng_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* the next 64 random bits (inline: dropout draws one per element) */
static inline uint64_t rng_u64(rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rng_rotl(s[3], 45);
    return result;
}

/* uniform in [0, 1) with 53 random bits */
static inline double rng_uniform(rng *r)
{
    return (double)(rng_u64(r) >> 11) * 0x1.0p-53;
}
/* uniform in [a, b) */
double rng_range(rng *r, double a, double b);
/* uniform integer in [0, n), unbiased; n > 0 */
uint64_t rng_below(rng *r, uint64_t n);
/* standard normal */
double rng_normal(rng *r);
/* Fisher-Yates shuffle of idx[0..n) */
void rng_shuffle(rng *r, int *idx, int n);
/* a new independent generator derived from this one (consumes one draw) */
void rng_split(rng *r, rng *child);

#endif
