/* test_data_featcsv.c: utterance-level feature CSVs -> datasets. */
#include "config.h"
#include "data/featcsv.h"
#include "../tap.h"

#include <math.h>
#include <string.h>

static sm_err err;

static sm_status fparse(dataset *ds, featcsv_report *rep, const char *csv, const featcsv_opts *o)
{
    sm_err_clear(&err);
    return featcsv_parse(ds, csv, strlen(csv), "f.csv", o, rep, &err);
}

static void frefused(const char *csv, const featcsv_opts *o, const char *want, const char *what)
{
    dataset ds;
    featcsv_report rep;
    sm_status st = fparse(&ds, &rep, csv, o);
    tap_ok(st == SM_EFORMAT && strstr(err.msg, "f.csv") && strstr(err.msg, want) && ds.n == 0 && !rep.skipped_ids,
           "refuses %s: %s", what, err.msg);
}

int main(void)
{
    featcsv_opts o;
    featcsv_opts_default(&o);
    dataset ds;
    featcsv_report rep;

    const char *csv = "id,video_id,clip_id,std_split,label_reg,text,t1,t0,t10,t2,a0,v0,v1,text2,a_x\n"
                      "vidA_1,vidA,1,train,1.4,\"hi, there\",1,0,10,2,5,6,7,zz,q\n"
                      "vidA_2,vidA,2,valid,,no label,1,0,10,2,5,6,7,zz,q\n"
                      "vidB_1,vidB,1,test,-2.2,bye,11,10,20,12,-5,-6,-7,zz,q\n"
                      "vidB_2,vidB,2,test,nan,skipped too,1,0,10,2,5,6,7,zz,q\n";
    tap_ok(fparse(&ds, &rep, csv, &o) == SM_OK, "parses with the mosi-bclstm defaults: %s", err.msg);
    tap_ok(ds.n == 2 && rep.rows == 4 && rep.skipped == 2 && strcmp(rep.skipped_ids, "vidA_2, vidB_2") == 0,
           "empty and nan labels skipped and named: %s", rep.skipped_ids ? rep.skipped_ids : "(null)");
    tap_ok(ds.mod[MOD_T].D == 4 && ds.mod[MOD_A].D == 1 && ds.mod[MOD_V].D == 2, "widths 4/1/2 (text2, a_x ignored)");
    tap_ok(ds.mod[MOD_T].L == 1 && ds.mod[MOD_T].len[1] == 1, "sequences of length 1");
    const float *x = ds.mod[MOD_T].x;
    tap_ok(x[0] == 0 && x[1] == 1 && x[2] == 2 && x[3] == 10 && x[4] == 10 && x[7] == 20,
           "feature columns ordered by number: t0 t1 t2 t10");
    tap_ok(ds.label[0] == 1.4f && ds.label[1] == -2.2f && ds.split[0] == SPLIT_TRAIN && ds.split[1] == SPLIT_TEST,
           "labels and splits");
    tap_ok(strcmp(ds.video_id[1], "vidB") == 0 && strcmp(ds.clip_id[1], "1") == 0 &&
               strcmp(ds.text[0], "hi, there") == 0, "ids from their columns, transcript");
    tap_ok(dataset_check(&ds, &err) == SM_OK, "the result passes the dataset checks");
    dataset_free(&ds);
    featcsv_report_free(&rep);
    featcsv_report_free(&rep);

    /* ids split at the last '_' when there are no video/clip columns */
    const char *csv2 = "key,y,fold,x0,au0,vi0\n"
                       "my_video_12,0.5,train,1,2,3\n"
                       "novid,0.5,dev,1,2,3\n";
    featcsv_opts o2 = o;
    o2.id = "key";
    o2.label = "y";
    o2.split = "fold";
    o2.transcript = "";
    o2.prefix[MOD_T] = "x";
    o2.prefix[MOD_A] = "au";
    o2.prefix[MOD_V] = "vi";
    tap_ok(fparse(&ds, &rep, csv2, &o2) == SM_OK && ds.n == 2 && strcmp(ds.video_id[0], "my_video") == 0 &&
               strcmp(ds.clip_id[0], "12") == 0 && strcmp(ds.video_id[1], "novid") == 0 &&
               ds.split[1] == SPLIT_VALID && strcmp(ds.text[0], "") == 0 && rep.skipped == 0 &&
               strcmp(rep.skipped_ids, "") == 0,
           "custom columns, id split at the last '_', no transcript: %s", err.msg);
    dataset_free(&ds);
    featcsv_report_free(&rep);

    frefused("", &o, "empty", "an empty file");
    frefused("id,std_split,text,t0,a0,v0\nx_1,train,t,1,2,3\n", &o, "no column 'label_reg'", "a missing label column");
    frefused("id,label_reg,text,t0,a0,v0\nx_1,1,t,1,2,3\n", &o, "no column 'std_split'", "a missing split column");
    frefused("label_reg,std_split,text,t0,a0,v0\n1,train,t,1,2,3\n", &o, "no column 'id'", "a missing id column");
    frefused("id,label_reg,std_split,t0,a0,v0\nx_1,1,train,1,2,3\n", &o, "no column 'text'",
             "a missing transcript column");
    frefused("id,label_reg,std_split,text,t0,v0\nx_1,1,train,t,1,3\n", &o, "no feature columns named 'a'",
             "a modality without columns");
    frefused("id,label_reg,std_split,text,t0,a0,v0\nx_1,1,train,t,1,2,3\nx_2,1,train,t,1,two,3\n", &o,
             "line 3: column 'a0'", "a non-numeric feature, naming line and column");
    frefused("id,label_reg,std_split,text,t0,a0,v0\nx_1,1,train,t,1,2,inf\n", &o, "line 2: column 'v0'",
             "an infinite feature");
    frefused("id,label_reg,std_split,text,t0,a0,v0\nx_1,1,train,t,1,2,\n", &o, "line 2: column 'v0'",
             "an empty feature");
    frefused("id,label_reg,std_split,text,t0,a0,v0\nx_1,1,train,t,1e39,2,3\n", &o, "line 2: column 't0'",
             "a feature beyond float32 range");
    frefused("id,label_reg,std_split,text,t0,a0,v0\nx_1,-1e40,train,t,1,2,3\n", &o, "line 2: column 'label_reg'",
             "a label beyond float32 range");
    frefused("id,label_reg,std_split,text,t0,a0,v0\nx_1,good,train,t,1,2,3\n", &o, "line 2: column 'label_reg'",
             "a non-numeric label");
    frefused("id,label_reg,std_split,text,t0,a0,v0\nx_1,1,holdout,t,1,2,3\n", &o, "line 2: column 'std_split'",
             "an unknown split");
    frefused("id,label_reg,std_split,text,t0,a0,v0\nx_1,1,train,t,1,2\n", &o, "line 2: 6 fields", "a short row");
    frefused("id,label_reg,std_split,text,t1,t01,a0,v0\nx_1,1,train,t,1,1,2,3\n", &o, "same number",
             "two columns with the same number");
    frefused("id,label_reg,std_split,text,t0,a0,v0\nx_1,,train,t,1,2,3\n", &o, "no rows with a label",
             "a file whose labels are all empty");
    frefused("id,label_reg,std_split,text,t0,a0,v0\n\"x_1,1,train,t,1,2,3\n", &o, "unterminated",
             "an unterminated quote");
    frefused("id,label_reg,std_split,text,t0,a0,v0\n,1,train,t,1,2,3\n", &o, "empty id", "an empty id");
    return tap_done();
}
