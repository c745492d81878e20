/* test_base.c: status strings, error messages, the RNG. */
#include "config.h"
#include "base/base.h"
#include "base/rng.h"
#include "../tap.h"

#include <string.h>

int main(void)
{
    sm_err err;
    sm_err_clear(&err);
    tap_ok(sm_err_set(&err, SM_EFORMAT, "%s: line %d", "f.csv", 3) == SM_EFORMAT, "err_set returns its status");
    tap_ok(strcmp(err.msg, "f.csv: line 3") == 0, "err_set formats the message");
    sm_err_prefix(&err, "loading %s", "dir");
    tap_ok(strcmp(err.msg, "loading dir: f.csv: line 3") == 0, "err_prefix prepends");
    tap_ok(strcmp(sm_status_str(SM_ENOMEM), "out of memory") == 0, "status strings");

    rng a, b, c;
    rng_seed(&a, 1111);
    rng_seed(&b, 1111);
    rng_seed(&c, 1112);
    int same = 1, diff = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = rng_u64(&a), y = rng_u64(&b), z = rng_u64(&c);
        same &= x == y;
        diff |= x != z;
    }
    tap_ok(same, "same seed gives the same stream");
    tap_ok(diff, "different seeds give different streams");

    /* moments of the uniform and normal draws */
    double s = 0, s2 = 0;
    int n = 200000;
    for (int i = 0; i < n; i++) {
        double u = rng_uniform(&a);
        if (u < 0 || u >= 1) { s = 1e9; break; }
        s += u;
    }
    tap_near(s / n, 0.5, 0.005, "uniform mean is 1/2");
    s = 0;
    for (int i = 0; i < n; i++) {
        double z = rng_normal(&a);
        s += z;
        s2 += z * z;
    }
    tap_near(s / n, 0.0, 0.01, "normal mean is 0");
    tap_near(s2 / n, 1.0, 0.02, "normal variance is 1");

    int counts[7] = {0};
    for (int i = 0; i < 70000; i++)
        counts[rng_below(&a, 7)]++;
    int okc = 1;
    for (int i = 0; i < 7; i++)
        okc &= counts[i] > 9500 && counts[i] < 10500;
    tap_ok(okc, "rng_below is uniform over 7 values");

    int idx[10], seen[10] = {0};
    for (int i = 0; i < 10; i++)
        idx[i] = i;
    rng_shuffle(&a, idx, 10);
    int perm = 1;
    for (int i = 0; i < 10; i++)
        seen[idx[i]]++;
    for (int i = 0; i < 10; i++)
        perm &= seen[i] == 1;
    tap_ok(perm, "shuffle is a permutation");

    void *p = sm_alloc(SIZE_MAX / 2, 4, &err);
    tap_ok(p == NULL && err.status == SM_ENOMEM, "overflowing allocation is refused: %s", err.msg);
    return tap_done();
}
