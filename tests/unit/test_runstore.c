/* test_runstore.c: the results directory: atomic replacement, whole-row
 * appends, status, run.conf and the checkpoint's corruption checks. */
#include "config.h"
#include "rundir/runstore.h"
#include "../tap.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[1024];

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

/* number of entries in dir (without . and ..); names joined into list */
static int entries(const char *dir, char *list, size_t n)
{
    DIR *d = opendir(dir);
    int k = 0;
    if (list && n)
        list[0] = '\0';
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        k++;
        if (list) {
            size_t used = strlen(list);
            snprintf(list + used, n - used, "%s ", e->d_name);
        }
    }
    closedir(d);
    return k;
}

static bool has_temp(const char *dir)
{
    char list[2048];
    entries(dir, list, sizeof list);
    return strstr(list, ".tmp.") != NULL;
}

static long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

static void test_dirs(void)
{
    sm_err err = {0};
    runstore rs;
    char nested[1200];
    snprintf(nested, sizeof nested, "%s/results/deeper", root);
    tap_ok(runstore_create(&rs, nested, "run-1", &err) == SM_OK, "create makes root and run dir %s", err.msg);
    struct stat sb;
    tap_ok(stat(rs.dir, &sb) == 0 && S_ISDIR(sb.st_mode) && strcmp(rs.id, "run-1") == 0, "run dir exists");
    tap_ok(runstore_create(&rs, nested, "run-1", &err) == SM_EINVAL && strstr(err.msg, "already exists") &&
               strstr(err.msg, "run-1"),
           "creating it again: %s", err.msg);
    const char *bad[] = {"", ".", "..", "a/b", "x\ny"};
    int refused = 1;
    for (int i = 0; i < 5; i++)
        refused &= runstore_create(&rs, nested, bad[i], &err) == SM_EINVAL && strstr(err.msg, "run id");
    tap_ok(refused, "bad run ids refused: %s", err.msg);
    tap_ok(runstore_open(&rs, nested, "run-1", &err) == SM_OK, "open an existing run");
    tap_ok(runstore_open(&rs, nested, "run-2", &err) == SM_EIO && strstr(err.msg, "run-2"), "open a missing run: %s",
           err.msg);
}

static void test_conf_status(runstore *rs)
{
    sm_err err = {0};
    config a, b;
    config_defaults(&a, PRESET_SIMS);
    config_set(&a, "tasks", "M,V", &err);
    config_set(&a, "dataset", "/x y/z", &err);
    tap_ok(runstore_config_write(rs, &a, &err) == SM_OK, "run.conf written %s", err.msg);
    config_defaults(&b, PRESET_MOSI);
    tap_ok(runstore_config_read(rs, &b, &err) == SM_OK && memcmp(&a, &b, sizeof a) == 0,
           "run.conf reads back identical %s", err.msg);
    tap_ok(!has_temp(rs->dir), "no temporary file left");

    const run_state states[] = {RUN_QUEUED, RUN_RUNNING, RUN_DONE, RUN_CANCELLED};
    int ok = 1;
    for (int i = 0; i < 4; i++) {
        run_state s = RUN_FAILED;
        char reason[64] = "x";
        ok &= runstore_status_write(rs, states[i], NULL, &err) == SM_OK;
        ok &= runstore_status_read(rs, &s, reason, sizeof reason, &err) == SM_OK && s == states[i] && !reason[0];
    }
    tap_ok(ok, "queued, running, done, cancelled round-trip");
    char path[1200], text[128] = "";
    runstore_path(rs, RUNSTORE_STATUS, path, sizeof path, &err);
    FILE *f = fopen(path, "r");
    size_t k = fread(text, 1, sizeof text - 1, f);
    text[k] = '\0';
    fclose(f);
    tap_ok(strcmp(text, "cancelled\n") == 0, "status file is the word and a newline");
    run_state s;
    char reason[128];
    tap_ok(runstore_status_write(rs, RUN_FAILED, "loss diverged\nat epoch 3", &err) == SM_OK &&
               runstore_status_read(rs, &s, reason, sizeof reason, &err) == SM_OK && s == RUN_FAILED &&
               strcmp(reason, "loss diverged at epoch 3") == 0,
           "failed: reason, on one line: '%s'", reason);
    f = fopen(path, "w");
    fputs("sleeping\n", f);
    fclose(f);
    tap_ok(runstore_status_read(rs, &s, reason, sizeof reason, &err) == SM_EFORMAT && strstr(err.msg, "sleeping") &&
               strstr(err.msg, "status"),
           "unknown status refused: %s", err.msg);
    tap_ok(strcmp(run_state_name(RUN_DONE), "done") == 0, "run_state_name");
}

static void test_logs(runstore *rs)
{
    sm_err err = {0};
    const char *cols[] = {"epoch", "loss", "time", "note"};
    runstore_log lg;
    runstore_rows r;
    tap_ok(runstore_rows_init(&r, cols, 4, &err) == SM_OK, "rows init");
    tap_ok(runstore_log_open(&lg, rs, RUNSTORE_EPOCHS, cols, 4, true, &err) == SM_OK, "log open %s", err.msg);
    char path[1200];
    runstore_path(rs, RUNSTORE_EPOCHS, path, sizeof path, &err);
    long head = file_size(path);
    tap_ok(head > 0, "a new log gets its header (%ld bytes)", head);

    const float loss[] = {0.1f, 1.0f / 3.0f, 1e-20f, 12345.678f, -0.0f};
    const double tm = 0.1 + 0.2;
    int ok = 1;
    for (int e = 0; e < 3; e++) {
        runstore_rows_int(&r, e + 1);
        runstore_rows_num(&r, loss[e]);
        runstore_rows_num17(&r, tm * e);
        runstore_rows_str(&r, e == 1 ? "say \"hi\", then\nnewline" : "");
        ok &= runstore_rows_end(&r, &err) == SM_OK;
        ok &= runstore_log_append(&lg, &r, &err) == SM_OK && r.nrows == 0;
    }
    tap_ok(ok, "three rows appended one by one %s", err.msg);
    /* a row with the wrong number of fields is refused and dropped */
    runstore_rows_int(&r, 99);
    runstore_rows_num(&r, 1);
    tap_ok(runstore_rows_end(&r, &err) == SM_EINVAL && strstr(err.msg, "2 fields") && strstr(err.msg, "4 columns"),
           "short row refused: %s", err.msg);
    for (int e = 3; e < 5; e++) {
        runstore_rows_int(&r, e + 1);
        runstore_rows_num(&r, loss[e]);
        runstore_rows_num17(&r, tm * e);
        runstore_rows_empty(&r);
        runstore_rows_end(&r, &err);
    }
    tap_ok(r.nrows == 2, "two rows buffered after the refused one");
    runstore_rows_int(&r, 7);
    tap_ok(runstore_log_append(&lg, &r, &err) == SM_EINVAL && strstr(err.msg, "unfinished"),
           "appending with an unfinished row refused: %s", err.msg);
    runstore_rows_num(&r, 0);
    runstore_rows_num(&r, 0);
    runstore_rows_num(&r, 0);
    runstore_rows_num(&r, 0);
    tap_ok(runstore_rows_end(&r, &err) == SM_EINVAL, "a 5-field row refused too");
    tap_ok(runstore_log_append(&lg, &r, &err) == SM_OK, "two rows appended in one write");
    runstore_log_close(&lg);

    csv_table t;
    sm_err_clear(&err);
    tap_ok(runstore_csv_read(rs, RUNSTORE_EPOCHS, &t, &err) == SM_OK && t.nrows == 6, "read back: header + 5 rows %s",
           err.msg);
    int exact = t.nrows == 6;
    for (int e = 0; e < 5 && exact; e++) {
        double v, w;
        long ep;
        exact &= csvio_parse_long(csvio_get(&t, e + 1, 0), &ep) && ep == e + 1;
        exact &= csvio_parse_double(csvio_get(&t, e + 1, 1), &v) && (float)v == loss[e];
        exact &= csvio_parse_double(csvio_get(&t, e + 1, 2), &w) && w == tm * e;
    }
    tap_ok(exact, "ints, floats and doubles (numfmt, the shortest text) round-trip exactly");
    tap_ok(csvio_column(&t, "note") == 3 && strcmp(csvio_get(&t, 2, 3), "say \"hi\", then newline") == 0,
           "string field: quotes and commas kept, newline made a space: %s", csvio_get(&t, 2, 3));
    csvio_free(&t);

    /* resume: same columns reopen and continue; a torn last line is cut */
    FILE *f = fopen(path, "a");
    fputs("6,0.5,1", f);
    fclose(f);
    sm_err_clear(&err);
    tap_ok(runstore_log_open(&lg, rs, RUNSTORE_EPOCHS, cols, 4, false, &err) == SM_OK, "reopen for resume %s",
           err.msg);
    runstore_rows_int(&r, 6);
    runstore_rows_num(&r, 0.25);
    runstore_rows_num(&r, 2);
    runstore_rows_str(&r, "resumed");
    runstore_rows_end(&r, &err);
    tap_ok(runstore_log_append(&lg, &r, &err) == SM_OK, "append after resume");
    runstore_log_close(&lg);
    tap_ok(runstore_csv_read(rs, RUNSTORE_EPOCHS, &t, &err) == SM_OK && t.nrows == 7 &&
               strcmp(csvio_get(&t, 6, 3), "resumed") == 0 && strcmp(csvio_get(&t, 6, 1), "0.25") == 0,
           "torn row cut, the resumed row follows the last whole one %s", err.msg);
    csvio_free(&t);

    const char *other[] = {"epoch", "loss", "secs", "note"};
    tap_ok(runstore_log_open(&lg, rs, RUNSTORE_EPOCHS, other, 4, false, &err) == SM_EFORMAT &&
               strstr(err.msg, "column 3") && strstr(err.msg, "secs") && strstr(err.msg, "epochs.csv"),
           "other columns refused: %s", err.msg);
    tap_ok(runstore_log_open(&lg, rs, RUNSTORE_EPOCHS, other, 3, false, &err) == SM_EFORMAT &&
               strstr(err.msg, "3"),
           "another column count refused: %s", err.msg);
    runstore_rows_free(&r);

    /* rows of another shape cannot go to this log */
    const char *lcols[] = {"epoch", "index", "id", "y_m", "y_t", "y_a", "y_v", "r_t", "r_a", "r_v"};
    runstore_rows lr;
    runstore_rows_init(&lr, lcols, 10, &err);
    runstore_log_open(&lg, rs, RUNSTORE_EPOCHS, cols, 4, false, &err);
    tap_ok(runstore_log_append(&lg, &lr, &err) == SM_EINVAL && strstr(err.msg, "10"),
           "rows with other columns refused: %s", err.msg);
    runstore_log_close(&lg);

    /* labels.csv: a whole epoch of samples per write */
    runstore_log ll;
    sm_err_clear(&err);
    tap_ok(runstore_log_open(&ll, rs, RUNSTORE_LABELS, lcols, 10, false, &err) == SM_OK, "labels log");
    for (int ep = 1; ep <= 3; ep++) {
        for (int i = 0; i < 50; i++) {
            char id[32];
            snprintf(id, sizeof id, "vid%d$_$%d", i / 5, i % 5);
            runstore_rows_int(&lr, ep);
            runstore_rows_int(&lr, i);
            runstore_rows_str(&lr, id);
            for (int k = 0; k < 7; k++)
                runstore_rows_num(&lr, 0.01f * (float)(ep * i - k));
            runstore_rows_end(&lr, &err);
        }
        runstore_log_append(&ll, &lr, &err);
    }
    runstore_log_close(&ll);
    tap_ok(runstore_csv_read(rs, RUNSTORE_LABELS, &t, &err) == SM_OK && t.nrows == 151 &&
               strcmp(csvio_get(&t, 150, 2), "vid9$_$4") == 0 && strcmp(csvio_get(&t, 150, 0), "3") == 0,
           "labels.csv: 3 epochs x 50 samples %s", err.msg);
    csvio_free(&t);

    /* whole files: test.csv replaced atomically */
    const char *tcols[] = {"metric", "value"};
    runstore_rows tr;
    runstore_rows_init(&tr, tcols, 2, &err);
    runstore_rows_str(&tr, "MAE");
    runstore_rows_num(&tr, 0.75);
    runstore_rows_end(&tr, &err);
    tap_ok(runstore_csv_save(rs, RUNSTORE_TEST, &tr, &err) == SM_OK && tr.nrows == 0, "test.csv saved");
    runstore_rows_str(&tr, "Corr");
    runstore_rows_num(&tr, 0.5);
    runstore_rows_end(&tr, &err);
    runstore_rows_str(&tr, "Has0_acc_2");
    runstore_rows_num(&tr, 0.8);
    runstore_rows_end(&tr, &err);
    tap_ok(runstore_csv_save(rs, RUNSTORE_TEST, &tr, &err) == SM_OK, "test.csv replaced");
    tap_ok(runstore_csv_read(rs, RUNSTORE_TEST, &t, &err) == SM_OK && t.nrows == 3 &&
               strcmp(csvio_get(&t, 1, 0), "Corr") == 0 && strcmp(csvio_get(&t, 2, 1), "0.8") == 0,
           "test.csv holds only the new content");
    csvio_free(&t);
    runstore_rows_free(&tr);
    runstore_rows_free(&lr);
    tap_ok(!has_temp(rs->dir), "no temporary files left");

    char bad[1200];
    runstore_path(rs, "ragged.csv", bad, sizeof bad, &err);
    f = fopen(bad, "w");
    fputs("a,b\n1,2\n3\n", f);
    fclose(f);
    tap_ok(runstore_csv_read(rs, "ragged.csv", &t, &err) == SM_EFORMAT && strstr(err.msg, "line 3") &&
               strstr(err.msg, "ragged.csv"),
           "a ragged CSV refused with its line: %s", err.msg);
}

static void flip_byte(const char *path, long at)
{
    int fd = open(path, O_RDWR);
    unsigned char c;
    if (pread(fd, &c, 1, at) == 1) {
        c ^= 0x40;
        if (pwrite(fd, &c, 1, at) != 1)
            tap_diag("pwrite failed");
    }
    close(fd);
}

static void copy_file(const char *from, const char *to, long keep)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    int c;
    long n = 0;
    while ((keep < 0 || n < keep) && (c = fgetc(a)) != EOF) {
        fputc(c, b);
        n++;
    }
    fclose(a);
    fclose(b);
}

static void test_checkpoint(runstore *rs)
{
    sm_err err = {0};
    tap_ok(runstore_crc32(0, "123456789", 9) == 0xCBF43926u, "CRC-32 check value");
    tap_ok(runstore_crc32(runstore_crc32(0, "12345", 5), "6789", 4) == 0xCBF43926u, "CRC-32 continues");

    float params[1000];   /* (1000) */
    for (int i = 0; i < 1000; i++)
        params[i] = (float)i * 0.001f - 0.3f;
    double adam[7] = {1, 2, 3, 4, 5, 6, 7.5};
    int epoch = 42;
    runstore_blob blobs[] = {
        {"params", params, sizeof params}, {"adam_m", adam, sizeof adam}, {"empty", NULL, 0}, {"epoch", &epoch, sizeof epoch}};
    tap_ok(runstore_checkpoint_write(rs, RUNSTORE_CHECKPOINT, blobs, 4, &err) == SM_OK, "checkpoint written %s",
           err.msg);
    runstore_ckpt ck;
    tap_ok(runstore_checkpoint_read(rs, RUNSTORE_CHECKPOINT, &ck, &err) == SM_OK && ck.n == 4, "checkpoint read %s",
           err.msg);
    float p2[1000];
    double a2[7];
    int e2 = 0;
    tap_ok(runstore_ckpt_get(&ck, "params", p2, sizeof p2, &err) == SM_OK && memcmp(p2, params, sizeof p2) == 0 &&
               runstore_ckpt_get(&ck, "adam_m", a2, sizeof a2, &err) == SM_OK && a2[6] == 7.5 &&
               runstore_ckpt_get(&ck, "epoch", &e2, sizeof e2, &err) == SM_OK && e2 == 42,
           "blobs round-trip");
    tap_ok(runstore_ckpt_size(&ck, "empty") == 0 && runstore_ckpt_size(&ck, "params") == 4000 &&
               runstore_ckpt_size(&ck, "nope") == -1,
           "blob sizes");
    tap_ok(runstore_ckpt_get(&ck, "params", p2, 3996, &err) == SM_EFORMAT && strstr(err.msg, "4000") &&
               strstr(err.msg, "3996"),
           "a blob of another size refused: %s", err.msg);
    tap_ok(runstore_ckpt_get(&ck, "adam_v", a2, sizeof a2, &err) == SM_EFORMAT && strstr(err.msg, "adam_v"),
           "a missing blob refused: %s", err.msg);
    runstore_ckpt_free(&ck);
    runstore_ckpt_free(&ck);

    runstore_blob dup[] = {{"a", &epoch, 4}, {"a", &epoch, 4}};
    tap_ok(runstore_checkpoint_write(rs, "dup", dup, 2, &err) == SM_EINVAL && strstr(err.msg, "twice"),
           "duplicate blob names refused: %s", err.msg);
    runstore_blob noname[] = {{"", &epoch, 4}};
    tap_ok(runstore_checkpoint_write(rs, "dup", noname, 1, &err) == SM_EINVAL, "empty blob name refused");

    char good[1200], bad[1200];
    runstore_path(rs, RUNSTORE_CHECKPOINT, good, sizeof good, &err);
    runstore_path(rs, "bad", bad, sizeof bad, &err);
    long size = file_size(good);
    /* flip one byte anywhere: refused */
    const long at[] = {0, 7, 9, 13, 17, 25, 29, 33, 40, 500, size / 2, size - 40, size - 5, size - 1};
    int refused = 1;
    for (int i = 0; i < (int)(sizeof at / sizeof at[0]); i++) {
        copy_file(good, bad, -1);
        flip_byte(bad, at[i]);
        sm_status st = runstore_checkpoint_load(bad, &ck, &err);
        refused &= st == SM_EFORMAT && strstr(err.msg, "/bad") != NULL;
        if (st == SM_OK)
            runstore_ckpt_free(&ck);
        if (i == 9)
            tap_diag("flipped byte 500: %s", err.msg);
    }
    tap_ok(refused, "a flipped byte at any of 14 places is refused with the path");
    copy_file(good, bad, -1);
    flip_byte(bad, 500);
    runstore_checkpoint_load(bad, &ck, &err);
    tap_ok(strstr(err.msg, "checksum") != NULL, "data corruption reported as a checksum mismatch: %s", err.msg);
    /* truncations */
    const long keep[] = {0, 5, 8, 20, 31, size / 2, size - 4, size - 1};
    refused = 1;
    for (int i = 0; i < 8; i++) {
        copy_file(good, bad, keep[i]);
        sm_status st = runstore_checkpoint_load(bad, &ck, &err);
        refused &= st == SM_EFORMAT;
        if (i >= 3)
            refused &= strstr(err.msg, "truncated") != NULL;
        if (st == SM_OK)
            runstore_ckpt_free(&ck);
    }
    tap_ok(refused, "8 truncations refused (from 32 bytes on as 'truncated'): %s", err.msg);
    copy_file(good, bad, -1);
    FILE *f = fopen(bad, "ab");
    fputs("xx", f);
    fclose(f);
    tap_ok(runstore_checkpoint_load(bad, &ck, &err) == SM_EFORMAT && strstr(err.msg, "trailing"),
           "trailing bytes refused: %s", err.msg);
    f = fopen(bad, "wb");
    fputs("PK\003\004 not a checkpoint at all, a zip maybe", f);
    fclose(f);
    tap_ok(runstore_checkpoint_load(bad, &ck, &err) == SM_EFORMAT && strstr(err.msg, "magic"),
           "foreign file refused: %s", err.msg);
    tap_ok(runstore_checkpoint_load("/nonexistent/ckpt", &ck, &err) == SM_EIO && strstr(err.msg, "/nonexistent/ckpt"),
           "missing file: %s", err.msg);
    unlink(bad);

    /* a write that fails (file size limit) leaves the old checkpoint and no
     * temporary file; a failed append leaves no half row */
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 2048;
    signal(SIGXFSZ, SIG_IGN);
    if (setrlimit(RLIMIT_FSIZE, &lim) == 0) {
        sm_status st = runstore_checkpoint_write(rs, RUNSTORE_CHECKPOINT, blobs, 4, &err);
        tap_ok(st == SM_EIO && strstr(err.msg, good), "checkpoint past the size limit: SM_EIO with the path: %s",
               err.msg);
        char log[1200];
        runstore_path(rs, RUNSTORE_LABELS, log, sizeof log, &err);
        long before = file_size(log);
        /* room for part of the rows: the write is cut short mid-row */
        setrlimit(RLIMIT_FSIZE, &old);
        lim.rlim_cur = (rlim_t)before + 100;
        setrlimit(RLIMIT_FSIZE, &lim);
        const char *lcols[] = {"epoch", "index", "id", "y_m", "y_t", "y_a", "y_v", "r_t", "r_a", "r_v"};
        runstore_log ll;
        runstore_rows lr;
        runstore_rows_init(&lr, lcols, 10, &err);
        st = runstore_log_open(&ll, rs, RUNSTORE_LABELS, lcols, 10, false, &err);
        for (int i = 0; i < 20; i++) {
            for (int k = 0; k < 10; k++)
                runstore_rows_num(&lr, 1.0 / 3.0 + k);
            runstore_rows_end(&lr, &err);
        }
        st = runstore_log_append(&ll, &lr, &err);
        long after = file_size(log);
        tap_ok(st == SM_EIO && after == before && strstr(err.msg, "labels.csv"),
               "append past the limit: SM_EIO, file back to %ld bytes (%ld): %s", before, after, err.msg);
        runstore_log_close(&ll);
        runstore_rows_free(&lr);
        setrlimit(RLIMIT_FSIZE, &old);
        tap_ok(runstore_checkpoint_read(rs, RUNSTORE_CHECKPOINT, &ck, &err) == SM_OK && ck.n == 4,
               "the previous checkpoint is intact");
        runstore_ckpt_free(&ck);
        tap_ok(!has_temp(rs->dir), "no temporary file left after the failures");
    } else {
        tap_ok(1, "# SKIP cannot lower RLIMIT_FSIZE");
    }
    signal(SIGXFSZ, SIG_DFL);

    /* leftovers of an interrupted replacement are swept */
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s/.checkpoint.tmp.AbC123", rs->dir);
    f = fopen(tmp, "w");
    fputs("partial", f);
    fclose(f);
    tap_ok(has_temp(rs->dir) && runstore_temps_remove(rs, &err) == SM_OK && !has_temp(rs->dir) &&
               file_size(good) == size,
           "runstore_temps_remove sweeps temporary files only");
}

static void test_unwritable(void)
{
    sm_err err = {0};
    runstore rs;
    char results[1200];
    snprintf(results, sizeof results, "%s/ro", root);
    runstore_create(&rs, results, "r", &err);
    chmod(rs.dir, 0555);
    char probe[1300];
    snprintf(probe, sizeof probe, "%s/probe", rs.dir);
    int fd = open(probe, O_WRONLY | O_CREAT, 0644);
    if (fd >= 0) {
        close(fd);
        unlink(probe);
        tap_ok(1, "# SKIP permissions do not apply (running as root): read-only directory case");
    } else {
        sm_status st = runstore_file_replace(&rs, RUNSTORE_PREDICTIONS, "a\n", 2, &err);
        tap_ok(st == SM_EIO && strstr(err.msg, rs.dir) && strstr(err.msg, "predictions.csv"),
               "read-only directory: SM_EIO naming the file: %s", err.msg);
        tap_ok(entries(rs.dir, NULL, 0) == 0, "read-only directory: nothing left");
        const char *cols[] = {"a"};
        runstore_log lg;
        tap_ok(runstore_log_open(&lg, &rs, RUNSTORE_EPOCHS, cols, 1, false, &err) == SM_EIO &&
                   strstr(err.msg, "epochs.csv"),
               "read-only directory: log open fails: %s", err.msg);
    }
    chmod(rs.dir, 0755);

    /* the run directory vanished under the writer */
    rmdir(rs.dir);
    sm_status st = runstore_file_replace(&rs, RUNSTORE_PREDICTIONS, "a\n", 2, &err);
    tap_ok(st == SM_EIO && strstr(err.msg, rs.dir), "vanished run directory: SM_EIO with the path: %s", err.msg);
    config c;
    config_defaults(&c, PRESET_MOSI);
    tap_ok(runstore_config_write(&rs, &c, &err) == SM_EIO && strstr(err.msg, "run.conf"), "run.conf too: %s",
           err.msg);
    tap_ok(entries(results, NULL, 0) == 0, "nothing created");
}

int main(void)
{
    const char *b = getenv("top_builddir");
    snprintf(root, sizeof root, "%s/tests/unit/test_runstore.XXXXXX", b && *b ? b : ".");
    if (!mkdtemp(root)) {
        snprintf(root, sizeof root, "test_runstore.XXXXXX");
        if (!mkdtemp(root))
            tap_skip_all("cannot create a temporary directory");
    }
    test_dirs();
    runstore rs;
    char results[1200];
    sm_err err;
    snprintf(results, sizeof results, "%s/results", root);
    if (runstore_create(&rs, results, "mosi-seed1111", &err) != SM_OK)
        tap_skip_all(err.msg);
    test_conf_status(&rs);
    test_logs(&rs);
    test_checkpoint(&rs);
    test_unwritable();
    nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return tap_done();
}
