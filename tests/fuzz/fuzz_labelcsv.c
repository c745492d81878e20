/* fuzz_labelcsv.c: fuzz target for the label.csv reader (libcsv parsing,
 * columns by name, labels, splits). Any input gives the label part of a
 * dataset or an error with a message; never a crash, a leak or an internal
 * error. */
#include "config.h"
#include "data/dataset.h"
#include "fuzz.h"

#include <math.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dataset ds;
    sm_err err;
    sm_err_clear(&err);
    sm_status s = labelcsv_parse(&ds, (const char *)data, size, "fuzz/label.csv", &err);
    if (s == SM_OK) {
        SM_ASSERT(ds.n >= 1);
        for (int i = 0; i < ds.n; i++) {
            SM_ASSERT(ds.video_id[i] && ds.clip_id[i] && ds.text[i] && ds.annotation[i]);
            SM_ASSERT(isfinite(ds.label[i]));
            SM_ASSERT(ds.split[i] >= 0 && ds.split[i] < SPLIT_COUNT);
            for (int m = 0; m < MOD_COUNT; m++)
                SM_ASSERT(!ds.ulabel[m] || !isinf(ds.ulabel[m][i]));
            char id[128];
            dataset_sample_id(&ds, i, id, sizeof id);
        }
        int c[SPLIT_COUNT];
        dataset_split_counts(&ds, c);
        SM_ASSERT(c[0] + c[1] + c[2] == ds.n);
        /* every label within the dataset's bound */
        float H = dataset_label_bound(&ds);
        for (int i = 0; i < ds.n; i++) {
            SM_ASSERT(fabsf(ds.label[i]) <= H);
            for (int m = 0; m < MOD_COUNT; m++)
                SM_ASSERT(!ds.ulabel[m] || isnan(ds.ulabel[m][i]) || fabsf(ds.ulabel[m][i]) <= H);
        }
        (void)dataset_has_ulabels(&ds);
        dataset_free(&ds);
    } else {
        SM_ASSERT(s != SM_EINTERNAL);
        SM_ASSERT(err.status == s && err.msg[0] != '\0');
        SM_ASSERT(ds.n == 0 && ds.label == NULL);
    }
    return 0;
}
