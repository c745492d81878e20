/* test_rundir.c: the rundir module and the file-system helpers under it:
 * the column tables, the one status parser, run.conf's duplicate keys,
 * symlinks and FIFOs refused (never followed, never a hang) by the writer
 * and both readers, hostile labels.csv bounds, rundir_claim's decisions,
 * and the dataset's identity. */
#include "config.h"
#include "../tap.h"
#include "base/fsutil.h"
#include "data/dataset.h"
#include "rundir/rundir.h"
#include "train/run.h"

#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char root[1024];

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static char *slurp(const char *path)
{
    static char buf[4096];
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f) {
        size_t k = fread(buf, 1, sizeof buf - 1, f);
        buf[k] = '\0';
        fclose(f);
    }
    return buf;
}

/* a FIFO must never block a read: the test dies by SIGALRM if it does */
static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "not ok - a FIFO blocked a reader\n";
    ssize_t w = write(1, msg, sizeof msg - 1);
    (void)w;
    _exit(1);
}

static void test_columns(void)
{
    static const char *const mosi =
        "epoch,seconds,loss,l17,l_m,l_t,l_a,l_v,cpc_mt,cpc_ma,cpc_mv,task_t,task_a,task_v,val_mae,val_corr,"
        "val_acc2_has0,val_f1_has0,val_acc2_non0,val_f1_non0,val_acc5,val_acc7,val_mae_baseline,best_epoch,"
        "best_val_mae,patience,steps,drift_t,drift_a,drift_v,ul_corr_t,ul_corr_a,ul_corr_v,ul_mae_t,ul_mae_a,"
        "ul_mae_v,floor_corr_t,floor_corr_a,floor_corr_v,floor_mae_t,floor_mae_a,floor_mae_v,dev_corr_t,dev_corr_a,"
        "dev_corr_v";
    const char *cols[RD_EPOCH_NCOLS];
    char joined[2048];
    for (int set = RD_MOSI; set <= RD_SIMS; set++) {
        rd_epoch_cols(set, cols);
        joined[0] = '\0';
        for (int i = 0; i < RD_EPOCH_NCOLS; i++)
            snprintf(joined + strlen(joined), sizeof joined - strlen(joined), "%s%s", i ? "," : "", cols[i]);
        if (set == RD_MOSI)
            tap_ok(strcmp(joined, mosi) == 0, "epochs.csv header (MOSI) as before: %d columns", RD_EPOCH_NCOLS);
        else
            tap_ok(strstr(joined, "task_v,val_mae,val_corr,val_acc2,val_f1,val_acc3,val_acc5,val_acc2_non0,val_acc7,"
                                  "val_mae_baseline") != NULL,
                   "epochs.csv header (SIMS): the SIMS set, padded to the same count");
    }
    const char *t[RD_NMETRICS + RD_TEST_NTAIL];
    int n = rd_test_cols(RD_MOSI, t);
    tap_ok(n == 11 && !strcmp(t[2], "acc2_has0") && !strcmp(t[5], "f1_non0") && !strcmp(t[7], "acc7") &&
               !strcmp(t[10], "epochs"),
           "test.csv columns (MOSI): 11");
    n = rd_test_cols(RD_SIMS, t);
    tap_ok(n == 9 && !strcmp(t[2], "acc2") && !strcmp(t[4], "acc3") && !strcmp(t[5], "acc5"),
           "test.csv columns (SIMS): 9");
    tap_ok(RD_LABEL_NCOLS == 10 && !strcmp(rd_label_cols[RD_L_y_t], "y_t") && RD_PRED_NCOLS == 7 &&
               !strcmp(rd_pred_cols[RD_P_pred_m], "pred_m"),
           "labels.csv and predictions.csv columns");
    int m = rd_metric_find("acc5");
    tap_ok(m >= 0 && rd_metrics[m].scale == 100 && !(rd_metrics[m].paper_sets & RD_MOSI) &&
               (rd_metrics[m].paper_sets & RD_SIMS) && rd_metrics[rd_metric_find("mae")].lower_better,
           "the metric table carries scale, direction and the paper's columns per set");
    tap_ok(!strcmp(RD_VAL(mae), "val_mae") && !strcmp(RD_NAME(acc2_has0), "acc2_has0"), "checked name constants");
}

static void test_helpers(void)
{
    char s[] = "  a b \t\n";
    tap_ok(!strcmp(sm_trim(s), "a b"), "sm_trim");
    char p[1200], q[1300];
    snprintf(p, sizeof p, "%s/x/y/z", root);
    sm_err err;
    tap_ok(sm_mkdirs(p, &err) == SM_OK && sm_mkdirs(p, &err) == SM_OK, "sm_mkdirs, twice");
    snprintf(q, sizeof q, "%s/x/file", root);
    tap_ok(sm_atomic_replace(q, "one\ntwo", 7, &err) == SM_OK && !strcmp(slurp(q), "one\ntwo"), "sm_atomic_replace");
    tap_ok(sm_atomic_is_temp(".test.csv.tmp.Ab12Cd") && !sm_atomic_is_temp("test.csv") && !sm_atomic_is_temp(".attic"),
           "one temporary-name pattern");
    int fd = sm_open_regular_path(q, O_RDONLY, 0, NULL, &err);
    size_t n = 0;
    char *buf = fd >= 0 ? sm_read_from(fd, 1, true, &n, q, &err) : NULL;
    tap_ok(buf && n == 3 && !strcmp(buf, "ne\n"), "sm_read_from an offset, whole lines only (%zu)", n);
    free(buf);
    if (fd >= 0)
        close(fd);
    /* key = value: a duplicated key is refused, naming file and line */
    snprintf(q, sizeof q, "%s/x/run.conf", root);
    write_text(q, "# c\nseed = 1\nlr = 2\n\nseed = 3\n");
    sm_kv kv;
    tap_ok(sm_kv_read(&kv, q, &err) == SM_EFORMAT && strstr(err.msg, "run.conf:5") && strstr(err.msg, "twice") &&
               strstr(err.msg, "line 2"),
           "a key given twice is refused: %s", err.msg);
    config c;
    config_defaults(&c, PRESET_SYNTH);
    tap_ok(config_read_file(&c, q, &err) == SM_EFORMAT && strstr(err.msg, "run.conf:5"),
           "config_read_file refuses it too: %s", err.msg);
    write_text(q, "seed = 1\nname = a = b\n");
    tap_ok(sm_kv_read(&kv, q, &err) == SM_OK && kv.n == 2 && !strcmp(sm_kv_get(&kv, "name"), "a = b"),
           "the value is the rest of the line");
    sm_kv_free(&kv);
}

/* A run directory <root>/<id> with status and run.conf of c. */
static void make_run(const char *id, const config *c, const char *status)
{
    runstore rs;
    sm_err err;
    if (runstore_create(&rs, root, id, &err) != SM_OK)
        return;
    runstore_config_write(&rs, c, &err);
    if (status)
        write_text(strcat(strcpy((char[1400]){0}, rs.dir), "/status"), status);
}

static void test_symlinks_and_fifos(void)
{
    config c;
    config_defaults(&c, PRESET_SYNTH);
    make_run("sym", &c, "running\n");
    char outside[1200], p[1400];
    snprintf(outside, sizeof outside, "%s/outside.txt", root);
    write_text(outside, "precious\n1\n2\n3\n");
    runstore rs;
    sm_err err;
    tap_ok(runstore_open(&rs, root, "sym", &err) == SM_OK, "open the run");
    /* the lock, epochs.csv and labels.csv as symlinks out of the root */
    snprintf(p, sizeof p, "%s/lock", rs.dir);
    tap_ok(symlink(outside, p) == 0, "lock -> outside");
    runstore_lock lk;
    bool busy;
    sm_status st = runstore_lock_take(&lk, &rs, &busy, NULL, 0, &err);
    tap_ok(st == SM_EIO && strstr(err.msg, "symlink"), "a symlinked lock is refused: %s", err.msg);
    tap_ok(!strcmp(slurp(outside), "precious\n1\n2\n3\n"), "the outside file is untouched");
    unlink(p);
    snprintf(p, sizeof p, "%s/epochs.csv", rs.dir);
    tap_ok(symlink(outside, p) == 0, "epochs.csv -> outside");
    tap_ok(runstore_log_cut(&rs, RUNSTORE_EPOCHS, 0, &err) == SM_EIO && strstr(err.msg, "symlink"),
           "cutting a symlinked log is refused: %s", err.msg);
    runstore_log lg;
    const char *cols[] = {"epoch", "x"};
    tap_ok(runstore_log_open(&lg, &rs, RUNSTORE_EPOCHS, cols, 2, false, &err) == SM_EIO && strstr(err.msg, "symlink"),
           "appending to a symlinked log is refused");
    tap_ok(!strcmp(slurp(outside), "precious\n1\n2\n3\n"), "the outside file is still untouched");
    /* the dashboard's reader does not follow it either */
    rs_table t = {0};
    tap_ok(!rs_table_update(&t, p) && t.nrows == 0, "the incremental reader does not read through a symlink");
    rs_table_free(&t);
    unlink(p);

    /* a FIFO: an error at once, never a hang */
    signal(SIGALRM, on_alarm);
    alarm(20);
    snprintf(p, sizeof p, "%s/epochs.csv", rs.dir);
    tap_ok(mkfifo(p, 0644) == 0, "epochs.csv is a FIFO");
    tap_ok(runstore_log_open(&lg, &rs, RUNSTORE_EPOCHS, cols, 2, false, &err) == SM_EIO &&
               strstr(err.msg, "expected a regular file"),
           "the writer refuses a FIFO: %s", err.msg);
    rs_store s;
    rs_store_init(&s, root);
    rs_store_refresh(&s);
    rs_run *r = rs_store_find(&s, "sym");
    tap_ok(r && r->epochs.nrows == 0, "the dashboard's reader passes a FIFO by");
    rs_store_free(&s);
    snprintf(p, sizeof p, "%s/status", rs.dir);
    write_text(p, "done\n");
    snprintf(p, sizeof p, "%s/test.csv", rs.dir);
    tap_ok(mkfifo(p, 0644) == 0, "test.csv is a FIFO");
    rs_run rr;
    tap_ok(rs_run_read(&rr, rs.dir, &err) == SM_EIO && strstr(err.msg, "expected a regular file") &&
               strstr(err.msg, "test.csv"),
           "the whole read names a FIFO test.csv: %s", err.msg);
    snprintf(p, sizeof p, "%s/status", rs.dir);
    unlink(p);
    tap_ok(mkfifo(p, 0644) == 0, "status is a FIFO");
    run_state state;
    tap_ok(runstore_status_read(&rs, &state, NULL, 0, &err) == SM_EIO, "reading a FIFO status is an error");
    tap_ok(rs_run_read(&rr, rs.dir, &err) == SM_OK && rs_run_state(&rr) == RUN_FAILED &&
               strstr(rs_run_reason(&rr), "expected a regular file"),
           "the run reads as failed, saying why: %s", rs_run_reason(&rr));
    rs_run_free(&rr);
    alarm(0);
}

static void test_labels_bound(void)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/hostile.csv", root);
    write_text(p, "epoch,row,id,y_m,y_t,y_a,y_v,r_t,r_a,r_v\n"
                  "1,0,a,0,0,0,0,0,0,0\n"
                  "1,67108000,b,0,0,0,0,0,0,0\n"
                  "99999,0,a,0,0,0,0,0,0,0\n"
                  "2,1,c,0,1,1,1,0,0,0\n");
    rs_labels l;
    rs_labels_init(&l);
    rs_labels_bound(&l, 10, 5);
    rs_labels_update(&l, p);
    tap_ok(l.nsamp == 1 && l.nep == 2 && l.nrow_map <= 256, "rows and epochs past the bounds are refused (%d, %d)",
           l.nsamp, l.nep);
    tap_ok(l.nrefused == 2 && strstr(l.refused, "row 67108000 outside the dataset's 10 samples"),
           "and named: %s", l.refused);
    rs_labels_free(&l);
}

/* a torn last line (a kill during an append) is absent to both readers
 * until its row is whole */
static void test_torn(void)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/torn.csv", root);
    write_text(p, "epoch,row,id,y_m,y_t,y_a,y_v,r_t,r_a,r_v\n1,0,a,0,0,0,0,0,0,0\n2,0,a,0,1,1,1,0,0,0\n3,0,a,0,2,");
    rs_table t = {0};
    rs_table_update(&t, p);
    tap_ok(t.nrows == 2 && rs_table_get(&t, 1, 0) == 2, "the table reader leaves a torn last line out");
    rs_labels l;
    rs_labels_init(&l);
    rs_labels_update(&l, p);
    tap_ok(l.nep == 2 && l.epoch[1] == 2, "the labels reader too (%d epochs)", l.nep);
    FILE *f = fopen(p, "a");
    if (f) {
        fputs("2,2,0,0,0\n", f);
        fclose(f);
    }
    rs_table_update(&t, p);
    rs_labels_update(&l, p);
    tap_ok(t.nrows == 3 && l.nep == 3 && rs_labels_get(&l, 0, 2, 0) == 2, "and reads the row once it is whole");
    rs_table_free(&t);
    rs_labels_free(&l);
}

/* a log cut and rewritten in place to another length between two reads
 * (a resume) is read again whole, never parsed from a stale offset */
static void test_rewritten(void)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/rewrite.csv", root);
    write_text(p, "epoch,val\n1,10.5\n2,20.25\n3,30.125\n");
    rs_table t = {0};
    rs_table_update(&t, p);
    struct stat before, after;
    stat(p, &before);
    FILE *f = fopen(p, "r+");   /* the same inode: cut after epoch 1, then longer rows */
    if (f) {
        if (ftruncate(fileno(f), 17) == 0 && fseek(f, 0, SEEK_END) == 0)
            fputs("2,2.0000001\n3,3.00000001\n4,4.000000001\n", f);
        fclose(f);
    }
    stat(p, &after);
    rs_table_update(&t, p);
    tap_ok(before.st_ino == after.st_ino && after.st_size > before.st_size, "rewritten in place, longer");
    tap_ok(t.nrows == 4 && rs_table_get(&t, 1, 1) == 2.0000001 && rs_table_get(&t, 3, 0) == 4 &&
               rs_table_get(&t, 3, 1) == 4.000000001,
           "read again whole (%d rows, last %g)", t.nrows, rs_table_get(&t, t.nrows - 1, 1));
    rs_table_free(&t);
    /* the same for labels.csv */
    write_text(p, "epoch,row,id,y_m,y_t,y_a,y_v,r_t,r_a,r_v\n1,0,a,0,1,1,1,0,0,0\n2,0,a,0,2,2,2,0,0,0\n");
    rs_labels l;
    rs_labels_init(&l);
    rs_labels_update(&l, p);
    f = fopen(p, "r+");
    if (f) {
        if (ftruncate(fileno(f), 61) == 0 && fseek(f, 0, SEEK_END) == 0)
            fputs("2,0,a,0,5.5,5.5,5.5,0,0,0\n3,0,a,0,7.25,7.25,7.25,0,0,0\n", f);
        fclose(f);
    }
    rs_labels_update(&l, p);
    tap_ok(l.nep == 3 && rs_labels_get(&l, 0, 1, 0) == 5.5f && rs_labels_get(&l, 0, 2, 0) == 7.25f,
           "labels.csv rewritten in place: read again whole (%d epochs)", l.nep);
    rs_labels_free(&l);
}

static void test_claim(void)
{
    config c, other;
    config_defaults(&c, PRESET_SYNTH);
    config_defaults(&other, PRESET_SYNTH);
    other.seed = 99;
    runstore rs;
    runstore_lock lk;
    rd_verdict v;
    sm_err err;
    char who[256];
    tap_ok(rundir_claim(&rs, root, "none", &c, &lk, &v, who, sizeof who, &err) == SM_OK && v == RD_NEW,
           "no directory: new");
    runstore_create(&rs, root, "empty", &err);
    tap_ok(rundir_claim(&rs, root, "empty", &c, &lk, &v, who, sizeof who, &err) == SM_OK && v == RD_FRESH,
           "a directory holding nothing: fresh");
    /* held: another open file description of the same lock */
    runstore_lock held;
    bool busy;
    tap_ok(runstore_lock_take(&held, &rs, &busy, NULL, 0, &err) == SM_OK && busy, "the claim holds the lock");
    runstore_lock_release(&lk);
    make_run("done", &c, "done\n");
    tap_ok(rundir_claim(&rs, root, "done", &c, &lk, &v, who, sizeof who, &err) == SM_OK && v == RD_DONE,
           "same identity, done: done");
    tap_ok(!strcmp(rd_verdict_name(RD_DONE), "done"), "verdict names");
    tap_ok(runstore_lock_take(&held, &rs, &busy, who, sizeof who, &err) == SM_OK && busy,
           "held by the claim: another taker is busy");
    runstore_lock_release(&lk);
    tap_ok(runstore_lock_take(&held, &rs, &busy, NULL, 0, &err) == SM_OK && !busy, "taken by another");
    tap_ok(rundir_claim(&rs, root, "done", &c, &lk, &v, who, sizeof who, &err) == SM_OK && v == RD_ELSEWHERE,
           "held elsewhere: elsewhere");
    runstore_lock_release(&held);
    tap_ok(rundir_claim(&rs, root, "done", &other, &lk, &v, who, sizeof who, &err) == SM_OK && v == RD_REPLACE,
           "another identity: replace");
    runstore_lock_release(&lk);
    /* killed between run.conf and its status: nothing trained, so the run
     * starts there again rather than going to .attic */
    make_run("confonly", &c, NULL);
    tap_ok(rundir_claim(&rs, root, "confonly", &c, &lk, &v, who, sizeof who, &err) == SM_OK && v == RD_FRESH,
           "run.conf without a status: fresh, not replaced");
    runstore_lock_release(&lk);
    make_run("broken", &c, "running\n");
    tap_ok(rundir_claim(&rs, root, "broken", &c, &lk, &v, who, sizeof who, &err) == SM_OK && v == RD_RESUME,
           "running without a lock holder: resume");
    runstore_lock_release(&lk);
    make_run("failed", &c, "failed: x\n");
    tap_ok(rundir_claim(&rs, root, "failed", &c, &lk, &v, who, sizeof who, &err) == SM_OK && v == RD_REPLACE,
           "failed: replace");
    runstore_lock_release(&lk);
    tap_ok(rundir_move_to_attic(root, "failed", &err) == SM_OK, "moved to the attic");
    char p[1300];
    struct stat sb;
    snprintf(p, sizeof p, "%s/.attic/failed.1/status", root);
    tap_ok(stat(p, &sb) == 0, ".attic/failed.1 holds it");
    tap_ok(!rs_is_run_dir(strcat(strcpy((char[1300]){0}, root), "/failed")), "and it is gone from the root");
}

/* A run.conf as earlier versions wrote it (%.9g numbers, CPC sets as
 * lists): the same identity, so a finished run stays done and an
 * interrupted one resumes; read back, its values show as this version
 * writes them. */
static void test_old_runconf(void)
{
    config c;
    config_defaults(&c, PRESET_SYNTH);
    c.lr[GROUP_OTHER] = 0.001f;
    c.cpc_terms[0] = false;
    char *mem = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&mem, &n);
    config_write_identity(&c, m);
    fclose(m);
    tap_ok(mem && strstr(mem, "\nlr_other = 0.00100000005\n") && strstr(mem, "\ncpc_terms = ma,mv\n"),
           "the identity text is the earlier run.conf's");
    runstore rs;
    sm_err err;
    runstore_lock lk;
    rd_verdict v;
    const char *kinds[] = {"done\n", "running\n"};
    const rd_verdict want[] = {RD_DONE, RD_RESUME};
    for (int i = 0; i < 2; i++) {
        char id[32], p[1400];
        snprintf(id, sizeof id, "old-%d", i);
        if (runstore_create(&rs, root, id, &err) != SM_OK)
            continue;
        snprintf(p, sizeof p, "%s/run.conf", rs.dir);
        write_text(p, mem);
        snprintf(p, sizeof p, "%s/status", rs.dir);
        write_text(p, kinds[i]);
        v = RD_REPLACE;
        sm_status st = rundir_claim(&rs, root, id, &c, &lk, &v, NULL, 0, &err);
        tap_ok(st == SM_OK && v == want[i], "an old-format run.conf, %s: %s, not replaced", i ? "interrupted" : "done",
               rd_verdict_name(v));
        runstore_lock_release(&lk);
    }
    rs_run rr = {0};
    char dir[1300];
    snprintf(dir, sizeof dir, "%s/old-0", root);
    sm_status st = rs_run_read(&rr, dir, &err);
    tap_ok(st == SM_OK && !strcmp(rs_run_conf(&rr, "lr_other", ""), "0.001") &&
               !strcmp(rs_run_conf(&rr, "cpc_terms", ""), "w/o L_N^mt") &&
               !strcmp(rs_run_conf(&rr, "lambda_cpc", ""), "0.1"),
           "read back as 0.001, w/o L_N^mt, 0.1 (%s, %s)", rs_run_conf(&rr, "lr_other", ""),
           rs_run_conf(&rr, "cpc_terms", ""));
    rs_run_free(&rr);
    free(mem);
}

static void test_identity(void)
{
    char ds[1200], p[1300], path1[1100], path2[1100], id1[24], id2[24], id3[24];
    snprintf(ds, sizeof ds, "%s/data", root);
    sm_err err;
    dataset d;
    tap_ok(run_dataset_load(&d, "synth:small", &err) == SM_OK && dataset_save(&d, ds, &err) == SM_OK, "a dataset");
    dataset_free(&d);
    char alias[1300];
    snprintf(alias, sizeof alias, "%s/x/../data/", root);
    tap_ok(dataset_identity(ds, path1, sizeof path1, id1, sizeof id1, &err) == SM_OK &&
               dataset_identity(alias, path2, sizeof path2, id2, sizeof id2, &err) == SM_OK && !strcmp(path1, path2) &&
               path1[0] == '/' && !strcmp(id1, id2) && strlen(id1) == 16,
           "two spellings, one identity: %s %s", path1, id1);
    snprintf(p, sizeof p, "%s/label.csv", ds);
    FILE *f = fopen(p, "a");
    if (f) {
        fputs(" ", f);
        fclose(f);
    }
    tap_ok(dataset_identity(ds, NULL, 0, id3, sizeof id3, &err) == SM_OK && strcmp(id1, id3) != 0,
           "a changed label.csv changes the fingerprint (%s)", id3);
    /* the memo: files unchanged for a few seconds are not read again; a
     * file replaced (same bytes) is read again, a file rewritten in place
     * changes the fingerprint; a file changed within the last two seconds
     * is read at every call */
    struct stat lst;
    while (stat(p, &lst) == 0 && time(NULL) - lst.st_ctim.tv_sec < 3) {
        struct timespec nap = { 0, 100000000 };
        nanosleep(&nap, NULL);
    }
    unsigned long r0 = dataset_identity_reads();
    char id4[24], id5[24], id6[24], id7[24];
    bool ok = dataset_identity(ds, NULL, 0, id4, sizeof id4, &err) == SM_OK && !strcmp(id4, id3) &&
              dataset_identity_reads() == r0 + 1;
    tap_ok(ok, "files last changed 3 s ago: read once (%lu reads)", dataset_identity_reads() - r0);
    ok = dataset_identity(ds, NULL, 0, id5, sizeof id5, &err) == SM_OK && !strcmp(id5, id3) &&
         dataset_identity(alias, NULL, 0, id5, sizeof id5, &err) == SM_OK && !strcmp(id5, id3) &&
         dataset_identity_reads() == r0 + 1;
    tap_ok(ok, "then remembered, under either spelling (%lu reads)", dataset_identity_reads() - r0);
    char q[1300], tmp[1310];
    snprintf(q, sizeof q, "%s/vision_lengths.npy", ds);
    snprintf(tmp, sizeof tmp, "%s.new", q);
    FILE *in = fopen(q, "rb"), *out = fopen(tmp, "wb");
    int c;
    while (in && out && (c = fgetc(in)) != EOF)
        fputc(c, out);
    if (in)
        fclose(in);
    if (out)
        fclose(out);
    ok = rename(tmp, q) == 0 && dataset_identity(ds, NULL, 0, id6, sizeof id6, &err) == SM_OK && !strcmp(id6, id3) &&
         dataset_identity_reads() == r0 + 2;
    tap_ok(ok, "a file replaced by the same bytes: read again, the same fingerprint (%lu reads)",
           dataset_identity_reads() - r0);
    snprintf(q, sizeof q, "%s/text.npy", ds);
    FILE *w = fopen(q, "r+b");
    if (w) {
        fseek(w, -1, SEEK_END);
        int last = fgetc(w);
        fseek(w, -1, SEEK_END);
        fputc(last ^ 1, w);
        fclose(w);
    }
    ok = dataset_identity(ds, NULL, 0, id7, sizeof id7, &err) == SM_OK && strcmp(id7, id3) != 0 &&
         dataset_identity(ds, NULL, 0, id6, sizeof id6, &err) == SM_OK && !strcmp(id6, id7) &&
         dataset_identity_reads() == r0 + 4;
    tap_ok(ok, "a byte rewritten in place: a new fingerprint, read at every call while just changed (%lu reads)",
           dataset_identity_reads() - r0);
    tap_ok(dataset_identity("synth:small", path2, sizeof path2, id2, sizeof id2, &err) == SM_OK &&
               !strcmp(path2, "synth:small") && dataset_identity("synth:small:2", NULL, 0, id3, sizeof id3, &err) == SM_OK &&
               strcmp(id2, id3) != 0,
           "synth: names are their identity");
    snprintf(p, sizeof p, "%s/audio.npy", ds);
    unlink(p);
    signal(SIGALRM, on_alarm);
    alarm(20);
    tap_ok(mkfifo(p, 0644) == 0 && dataset_identity(ds, NULL, 0, id3, sizeof id3, &err) == SM_EIO &&
               strstr(err.msg, "expected a regular file"),
           "a FIFO in the dataset: an error, not a hang: %s", err.msg);
    alarm(0);
}

int main(void)
{
    const char *b = getenv("top_builddir");
    snprintf(root, sizeof root, "%s/tests/unit/test_rundir.XXXXXX", b && *b ? b : ".");
    if (!mkdtemp(root)) {
        snprintf(root, sizeof root, "test_rundir.XXXXXX");
        if (!mkdtemp(root))
            tap_skip_all("cannot create a temporary directory");
    }
    test_columns();
    test_helpers();
    test_symlinks_and_fifos();
    test_labels_bound();
    test_torn();
    test_rewritten();
    test_claim();
    test_old_runconf();
    test_identity();
    nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return tap_done();
}
