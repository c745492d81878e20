/* fuzz_pickle.c: fuzz target for the MMSA pickle reader (pickle VM and
 * conversion to a dataset). Any input must give either a dataset or an
 * error with a message; never a crash, a leak or an internal error. */
#include "config.h"
#include "data/dataset.h"
#include "data/mmsa.h"
#include "fuzz.h"

#include <math.h>

/* Formats every note, as a real log hook would, and drops it. */
static void drop_note(void *ud, sm_log_level level, const char *msg)
{
    (void)ud;
    (void)level;
    SM_ASSERT(msg != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dataset ds;
    sm_err err;
    sm_err_clear(&err);
    sm_log log = {drop_note, NULL};
    sm_status s = mmsa_load_buffer(data, size, "fuzz.pkl", &ds, &log, &err);
    if (s == SM_OK) {
        /* invariants of a loaded dataset */
        for (int m = 0; m < MOD_COUNT; m++) {
            SM_ASSERT(ds.mod[m].L >= 1 && ds.mod[m].D >= 1);
            for (int i = 0; i < ds.n; i++)
                SM_ASSERT(ds.mod[m].len[i] >= 1 && ds.mod[m].len[i] <= ds.mod[m].L);
        }
        for (int i = 0; i < ds.n; i++) {
            SM_ASSERT(ds.split[i] >= 0 && ds.split[i] < SPLIT_COUNT);
            SM_ASSERT(ds.video_id[i] && ds.clip_id[i] && ds.text[i] && ds.annotation[i]);
            SM_ASSERT(isfinite(ds.label[i]));
            for (int m = 0; m < MOD_COUNT; m++)
                SM_ASSERT(!ds.ulabel[m] || !isinf(ds.ulabel[m][i]));
        }
        dataset_free(&ds);
    } else {
        SM_ASSERT(s != SM_EINTERNAL);
        SM_ASSERT(err.status == s && err.msg[0] != '\0');
        SM_ASSERT(ds.n == 0 && ds.label == NULL);
    }
    return 0;
}
