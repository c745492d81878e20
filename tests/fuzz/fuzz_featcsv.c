/* fuzz_featcsv.c: fuzz target for the utterance-feature CSV importer
 * (`selfmi import csv`), with the default column names. Any input gives a
 * dataset that passes dataset_check or an error with a message; never a
 * crash, a leak or an internal error. */
#include "config.h"
#include "data/featcsv.h"
#include "fuzz.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    featcsv_opts o;
    featcsv_opts_default(&o);
    dataset ds;
    featcsv_report rep;
    sm_err err;
    sm_err_clear(&err);
    sm_status s = featcsv_parse(&ds, (const char *)data, size, "fuzz.csv", &o, &rep, &err);
    if (s == SM_OK) {
        SM_ASSERT(dataset_check(&ds, &err) == SM_OK);
        SM_ASSERT(rep.rows == ds.n + rep.skipped && rep.skipped_ids != NULL);
        SM_ASSERT((rep.skipped == 0) == (rep.skipped_ids[0] == '\0'));
        for (int m = 0; m < MOD_COUNT; m++)
            SM_ASSERT(ds.mod[m].L == 1 && ds.mod[m].D >= 1);
        /* the carve either moves whole videos or says why not */
        int moved = 0;
        sm_status c = dataset_carve_valid(&ds, SPLIT_TEST, 0.33, 1, &moved, &err);
        SM_ASSERT(c == SM_OK ? moved >= 0 : c == SM_EINVAL && err.msg[0] != '\0');
        dataset_free(&ds);
        featcsv_report_free(&rep);
    } else {
        SM_ASSERT(s != SM_EINTERNAL);
        SM_ASSERT(err.status == s && err.msg[0] != '\0');
        SM_ASSERT(ds.n == 0 && rep.skipped_ids == NULL);
    }
    return 0;
}
