/* fuzz_expfile.c: fuzz target for the experiment-file reader (sections,
 * key = value lines, grid axes with '|' lists and integer ranges, every
 * grid point resolved and checked). Any input gives an experiment whose
 * every point is a valid configuration, or an error with a message; never
 * a crash, a hang, a leak or an internal error. */
#include "config.h"
#include "exp/expfile.h"
#include "fuzz.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    experiment e;
    sm_err err;
    sm_err_clear(&err);
    sm_status s = exp_parse(&e, (const char *)data, size, "fuzz/grid.conf", &err);
    if (s == SM_OK) {
        long n = exp_grid_size(&e);
        SM_ASSERT(n >= 1);
        long pts[3] = {0, n / 2, n - 1};
        for (int k = 0; k < 3; k++) {
            config c;
            SM_ASSERT(exp_grid_point(&e, pts[k], &c, &err) == SM_OK);
            char msg[512];
            SM_ASSERT(config_check(&c, msg, sizeof msg) == NULL);
            char label[512];
            exp_grid_label(&e, pts[k], label, sizeof label);
            SM_ASSERT(strlen(label) < sizeof label);
        }
        SM_ASSERT(exp_override(&e, "seed", "7", &err) == SM_OK);
        SM_ASSERT(exp_grid_size(&e) >= 1);
        exp_free(&e);
    } else {
        SM_ASSERT(s != SM_EINTERNAL);
        SM_ASSERT(err.status == s && err.msg[0] != '\0');
    }
    return 0;
}
