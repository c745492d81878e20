/* reader.c: run directories read back: a whole read (report, the queue)
 * and an incremental one (the dashboard's tailing of growing logs). */
#include "config.h"
#include "rundir/rundir.h"
#include "data/csvio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- file stamps and incremental reads ---------------------------------- */

static rs_stamp stamp_of(const char *path)
{
    rs_stamp s;
    memset(&s, 0, sizeof s);
    struct stat sb;
    if (lstat(path, &sb) == 0) {
        s.exists = true;
        s.size = sb.st_size;
        s.mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
        s.ino = sb.st_ino;
    }
    return s;
}

static bool stamp_same(const rs_stamp *a, const rs_stamp *b)
{
    return a->exists == b->exists && a->size == b->size && a->mtime_ns == b->mtime_ns && a->ino == b->ino;
}

/* The bytes of path just before offset into st's tail (0 bytes when
 * unreadable: then nothing is checked). */
static void tail_keep(rs_stamp *st, const char *path, off_t offset)
{
    st->ntail = 0;
    sm_err err;
    int fd = offset > 0 ? sm_open_regular_path(path, O_RDONLY, 0, NULL, &err) : -1;
    if (fd < 0)
        return;
    size_t k = offset < (off_t)sizeof st->tail ? (size_t)offset : sizeof st->tail;
    if (pread(fd, st->tail, k, offset - (off_t)k) == (ssize_t)k)
        st->ntail = (int)k;
    close(fd);
}

/* Whether those bytes are still there. */
static bool tail_same(const rs_stamp *was, const char *path, off_t offset)
{
    if (was->ntail == 0)
        return true;
    rs_stamp now;
    tail_keep(&now, path, offset);
    return now.ntail == was->ntail && memcmp(now.tail, was->tail, (size_t)was->ntail) == 0;
}

/* Whether a file read up to offset must be read again from the start: it
 * vanished, was replaced (another inode), shrank, was rewritten in place
 * at the same size, or the bytes before offset changed (cut and rewritten
 * to another length); otherwise it only grew and is read on. */
static bool stamp_replaced(const rs_stamp *now, const rs_stamp *was, off_t offset, const char *path)
{
    return !now->exists || now->ino != was->ino || now->size < offset ||
           (now->size == was->size && now->mtime_ns != was->mtime_ns) || !tail_same(was, path, offset);
}

/* Reads path from byte off up to and including its last newline (a row
 * being appended is read next time); *n = bytes (0 when none). NULL when
 * nothing is new, or on error (err set: a symlink, a FIFO, a read error). */
static char *read_from(const char *path, off_t off, size_t *n, sm_err *err)
{
    *n = 0;
    sm_err_clear(err);
    int fd = sm_open_regular_path(path, O_RDONLY, 0, NULL, err);
    if (fd < 0)
        return NULL;
    char *buf = sm_read_from(fd, off, true, n, path, err);
    close(fd);
    if (buf && !*n) {
        free(buf);
        buf = NULL;
    }
    return buf;
}

/* ---- numeric tables -------------------------------------------------------- */

void rs_table_free(rs_table *t)
{
    if (!t)
        return;
    for (int i = 0; i < t->ncols; i++)
        free(t->names[i]);
    free(t->names);
    free(t->v);
    memset(t, 0, sizeof *t);
}

static void table_reset(rs_table *t)
{
    rs_table_free(t);
}

bool rs_table_update(rs_table *t, const char *path)
{
    sm_err err;
    return rs_table_update_err(t, path, &err);
}

bool rs_table_update_err(rs_table *t, const char *path, sm_err *err)
{
    sm_err_clear(err);
    rs_stamp st = stamp_of(path);
    if (stamp_same(&st, &t->st))
        return false;
    bool replaced = stamp_replaced(&st, &t->st, t->offset, path);
    bool had = t->nrows > 0 || t->ncols > 0;
    if (replaced)
        table_reset(t);
    else {
        memcpy(st.tail, t->st.tail, sizeof st.tail);
        st.ntail = t->st.ntail;
    }
    t->st = st;
    if (!st.exists)
        return had;
    size_t n;
    char *buf = read_from(path, t->offset, &n, err);
    if (!buf) {
        if (err->status != SM_OK) {   /* unreadable: empty, and read again once it changes */
            had = t->nrows > 0 || t->ncols > 0;
            table_reset(t);
            t->st = st;
            return had;
        }
        return replaced && had;
    }
    csv_table c;
    bool changed = replaced && had;
    if (csvio_parse(&c, buf, n, path, err) == SM_OK) {
        int r0 = 0;
        if (t->ncols == 0 && c.nrows > 0) {
            int nc = c.nfields[0];
            t->names = calloc((size_t)(nc ? nc : 1), sizeof *t->names);
            if (t->names) {
                t->ncols = nc;
                for (int j = 0; j < nc; j++) {
                    t->names[j] = strdup(csvio_get(&c, 0, j));
                    if (!t->names[j]) {
                        t->ncols = j;
                        break;
                    }
                }
            }
            r0 = 1;
            changed = true;
        }
        int add = c.nrows - r0;
        if (add > 0 && t->ncols > 0) {
            if (t->nrows + add > t->cap) {
                int nc = t->cap ? t->cap : 64;
                while (nc < t->nrows + add)
                    nc *= 2;
                double *v = realloc(t->v, (size_t)nc * (size_t)t->ncols * sizeof *v);
                if (!v)
                    add = 0;
                else {
                    t->v = v;
                    t->cap = nc;
                }
            }
            for (int r = 0; r < add; r++) {
                double *row = t->v + (size_t)(t->nrows + r) * (size_t)t->ncols;
                for (int j = 0; j < t->ncols; j++) {
                    const char *f = csvio_get(&c, r0 + r, j);
                    double x;
                    row[j] = f && csvio_parse_double(f, &x) ? x : NAN;
                }
            }
            t->nrows += add;
            changed = changed || add > 0;
        }
        csvio_free(&c);
    }
    t->offset += (off_t)n;
    tail_keep(&t->st, path, t->offset);
    free(buf);
    return changed;
}

int rs_table_col(const rs_table *t, const char *name)
{
    for (int j = 0; j < t->ncols; j++)
        if (strcmp(t->names[j], name) == 0)
            return j;
    return -1;
}

double rs_table_get(const rs_table *t, int row, int col)
{
    if (row < 0 || row >= t->nrows || col < 0 || col >= t->ncols)
        return NAN;
    return t->v[(size_t)row * (size_t)t->ncols + (size_t)col];
}

double rs_table_getn(const rs_table *t, int row, const char *name)
{
    return rs_table_get(t, row, rs_table_col(t, name));
}

/* ---- run.conf ---------------------------------------------------------------- */

const char *rs_run_conf(const rs_run *r, const char *key, const char *def)
{
    for (int i = 0; i < r->nconf; i++)
        if (strcmp(r->keys[i], key) == 0)
            return r->vals[i];
    return def;
}

static void conf_clear(rs_run *r)
{
    sm_kv kv = {.n = r->nconf, .keys = r->keys, .vals = r->vals};
    sm_kv_free(&kv);
    r->nconf = 0;
    r->keys = r->vals = NULL;
}

/* run.conf into r (sm_kv_read: a key given twice is refused). */
static sm_status conf_load(rs_run *r, const char *path, sm_err *err)
{
    conf_clear(r);
    sm_kv kv;
    sm_status st = sm_kv_read(&kv, path, err);
    if (st != SM_OK)
        return st;
    free(kv.lines);
    r->nconf = kv.n;
    r->keys = kv.keys;
    r->vals = kv.vals;
    /* numbers and CPC sets as this version writes them, whichever version
     * wrote the file: an earlier %.9g "0.00100000005" reads as "0.001",
     * "ma,mv" as "w/o L_N^mt" */
    config c;
    config_defaults(&c, PRESET_MOSI);
    for (int i = 0; i < kv.n; i++) {
        int k = config_key_find(kv.keys[i]);
        char v[64];
        sm_err e2;
        if (k < 0 || (config_keys[k].type != CK_FLOAT && config_keys[k].type != CK_CPC) ||
            config_set(&c, kv.keys[i], kv.vals[i], &e2) != SM_OK || config_get(&c, kv.keys[i], v, sizeof v, &e2) != SM_OK ||
            strcmp(v, kv.vals[i]) == 0)
            continue;
        char *nv = strdup(v);
        if (nv) {
            free(kv.vals[i]);
            kv.vals[i] = nv;
        }
    }
    return SM_OK;
}

/* ---- runs ------------------------------------------------------------------------ */

/* dir/file into out; false (out empty) when it does not fit */
static bool path_join(char *out, size_t n, const char *dir, const char *file)
{
    size_t a = strlen(dir), b = strlen(file);
    if (a + 1 + b + 1 > n) {
        out[0] = '\0';
        return false;
    }
    memcpy(out, dir, a);
    out[a] = '/';
    memcpy(out + a + 1, file, b + 1);
    return true;
}

bool rs_run_refresh(rs_run *r)
{
    char p[1200];
    bool changed = false;
    sm_err err;
    path_join(p, sizeof p, r->dir, RUNSTORE_STATUS);
    rs_stamp st = stamp_of(p);
    if (!stamp_same(&st, &r->st_status)) {
        r->st_status = st;
        r->status_bad = false;
        r->reason[0] = '\0';
        if (!st.exists) {
            r->state = RUN_QUEUED;   /* created, not yet started */
        } else if (run_status_read(p, &r->state, r->reason, sizeof r->reason, &err) != SM_OK) {
            r->status_bad = true;
            snprintf(r->reason, sizeof r->reason, "%.250s", err.msg);
        }
        changed = true;
    }
    /* a run another process said was running: is that process alive? */
    if (!r->status_bad && (r->state == RUN_RUNNING || r->state == RUN_INTERRUPTED) && r->job < 0) {
        runstore rs;
        memset(&rs, 0, sizeof rs);
        snprintf(rs.dir, sizeof rs.dir, "%s", r->dir);
        run_state s = runstore_lock_held(&rs, NULL, 0) ? RUN_RUNNING : RUN_INTERRUPTED;
        if (s != r->state) {
            r->state = s;
            changed = true;
        }
    }
    path_join(p, sizeof p, r->dir, RUNSTORE_CONF);
    st = stamp_of(p);
    if (!stamp_same(&st, &r->st_conf)) {
        r->st_conf = st;
        r->conf_err[0] = '\0';
        conf_clear(r);
        if (st.exists && conf_load(r, p, &err) != SM_OK)
            snprintf(r->conf_err, sizeof r->conf_err, "%.250s", err.msg);
        r->started_ns = st.mtime_ns;
        changed = true;
    }
    r->bad = r->status_bad || r->conf_err[0];
    /* a finished run's logs no longer change unless the run is redone,
     * which rewrites its status first */
    path_join(p, sizeof p, r->dir, RUNSTORE_EPOCHS);
    if (rs_table_update(&r->epochs, p))
        changed = true;
    path_join(p, sizeof p, r->dir, RUNSTORE_TEST);
    if (rs_table_update(&r->test, p))
        changed = true;
    if (changed)
        r->version++;
    return changed;
}

run_state rs_run_state(const rs_run *r)
{
    return r->bad ? RUN_FAILED : r->state;
}

const char *rs_run_reason(const rs_run *r)
{
    return r->conf_err[0] ? r->conf_err : r->reason;
}

void rs_run_free(rs_run *r)
{
    if (!r)
        return;
    conf_clear(r);
    rs_table_free(&r->epochs);
    rs_table_free(&r->test);
    memset(r, 0, sizeof *r);
}

static void run_free(rs_run *r)
{
    rs_run_free(r);
    free(r);
}

bool rs_is_run_dir(const char *dir)
{
    char p[1200];
    struct stat sb;
    return (path_join(p, sizeof p, dir, RUNSTORE_STATUS) && lstat(p, &sb) == 0) ||
           (path_join(p, sizeof p, dir, RUNSTORE_CONF) && lstat(p, &sb) == 0);
}

sm_status rs_run_read(rs_run *r, const char *dir, sm_err *err)
{
    memset(r, 0, sizeof *r);
    r->job = -1;
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        len--;
    if (len >= sizeof r->dir)
        return sm_err_set(err, SM_EINVAL, "%.60s...: path too long", dir);
    memcpy(r->dir, dir, len);
    r->dir[len] = '\0';
    const char *slash = strrchr(r->dir, '/');
    snprintf(r->id, sizeof r->id, "%.250s", slash ? slash + 1 : r->dir);
    rs_run_refresh(r);
    char p[1200];
    path_join(p, sizeof p, r->dir, RUNSTORE_CONF);
    if (r->conf_err[0] || !r->st_conf.exists) {
        sm_status st = r->conf_err[0] ? sm_err_set(err, SM_EFORMAT, "%s", r->conf_err)
                                      : sm_err_set(err, SM_EIO, "%s: missing", p);
        rs_run_free(r);
        return st;
    }
    /* test.csv of a done run: unreadable is an error too */
    if (r->state == RUN_DONE) {
        path_join(p, sizeof p, r->dir, RUNSTORE_TEST);
        struct stat sb;
        sm_err e2;
        rs_table_free(&r->test);   /* read again, now saying why it cannot be */
        if (lstat(p, &sb) == 0 && (rs_table_update_err(&r->test, p, &e2), e2.status != SM_OK)) {
            rs_run_free(r);
            return sm_err_set(err, e2.status, "%s", e2.msg);
        }
    }
    return SM_OK;
}

bool rs_run_metric(const rs_run *r, const char *name, double *v)
{
    int c = rs_table_col(&r->test, name);
    if (c < 0 || r->test.nrows < 1)
        return false;
    *v = rs_table_get(&r->test, 0, c);
    return true;
}

bool rs_run_sims(const rs_run *r)
{
    return rs_table_col(&r->test, "acc3") >= 0;
}

void rs_store_init(rs_store *s, const char *root)
{
    memset(s, 0, sizeof *s);
    snprintf(s->root, sizeof s->root, "%s", root);
}

void rs_store_free(rs_store *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n; i++)
        run_free(s->runs[i]);
    free(s->runs);
    memset(s, 0, sizeof *s);
}

rs_run *rs_store_find(rs_store *s, const char *id)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->runs[i]->id, id) == 0)
            return s->runs[i];
    return NULL;
}

bool rs_store_refresh(rs_store *s)
{
    bool changed = false;
    for (int i = 0; i < s->n; i++)
        s->runs[i]->seen = false;
    DIR *d = opendir(s->root);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            char dir[sizeof ((rs_run *)0)->dir];
            if (!path_join(dir, sizeof dir, s->root, e->d_name) || strlen(e->d_name) >= sizeof ((rs_run *)0)->id)
                continue;
            struct stat sb;   /* a symlinked run directory is not followed */
            if (lstat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
                continue;
            rs_run *r = rs_store_find(s, e->d_name);
            if (!r) {
                /* a run directory has its status or run.conf */
                if (!rs_is_run_dir(dir))
                    continue;
                if (s->n == s->cap) {
                    int nc = s->cap ? 2 * s->cap : 32;
                    rs_run **v = realloc(s->runs, (size_t)nc * sizeof *v);
                    if (!v)
                        continue;
                    s->runs = v;
                    s->cap = nc;
                }
                r = calloc(1, sizeof *r);
                if (!r)
                    continue;
                memcpy(r->id, e->d_name, strlen(e->d_name) + 1);
                memcpy(r->dir, dir, strlen(dir) + 1);
                r->state = RUN_QUEUED;
                r->job = -1;
                s->runs[s->n++] = r;
                changed = true;
            }
            r->seen = true;
            if (rs_run_refresh(r))
                changed = true;
        }
        closedir(d);
    }
    /* runs whose directory went away (deleted, moved to the trash) */
    int k = 0;
    for (int i = 0; i < s->n; i++) {
        if (s->runs[i]->seen || s->runs[i]->job >= 0) {
            s->runs[k++] = s->runs[i];
        } else {
            run_free(s->runs[i]);
            changed = true;
        }
    }
    s->n = k;
    if (changed)
        s->version++;
    return changed;
}

/* ---- labels.csv ------------------------------------------------------------------ */

void rs_labels_init(rs_labels *l)
{
    memset(l, 0, sizeof *l);
}

void rs_labels_bound(rs_labels *l, int max_row, int max_epoch)
{
    l->max_row = max_row > 0 ? max_row : 0;
    l->max_epoch = max_epoch > 0 ? max_epoch : 0;
}

void rs_labels_free(rs_labels *l)
{
    if (!l)
        return;
    for (int i = 0; i < l->nsamp; i++)
        free(l->ids[i]);
    free(l->ids);
    free(l->row);
    free(l->ym);
    free(l->epoch);
    for (int m = 0; m < 3; m++)
        free(l->ys[m]);
    free(l->row_to_samp);
    memset(l, 0, sizeof *l);
}

/* Index of the epoch in l->epoch, adding it (NaN-filled) when new. */
static int labels_epoch(rs_labels *l, int ep)
{
    if (l->nep > 0 && l->epoch[l->nep - 1] == ep)
        return l->nep - 1;
    for (int e = 0; e < l->nep; e++)
        if (l->epoch[e] == ep)
            return e;
    if (l->nsamp == 0 && l->nep > 0)
        return -1;
    if (l->nep == l->cap_ep) {
        int nc = l->cap_ep ? 2 * l->cap_ep : 16;
        int *ep2 = realloc(l->epoch, (size_t)nc * sizeof *ep2);
        if (!ep2)
            return -1;
        l->epoch = ep2;
        for (int m = 0; m < 3; m++) {
            float *y = realloc(l->ys[m], (size_t)nc * (size_t)(l->nsamp ? l->nsamp : 1) * sizeof *y);
            if (!y)
                return -1;
            l->ys[m] = y;
        }
        l->cap_ep = nc;
    }
    for (int m = 0; m < 3; m++)
        for (int i = 0; i < l->nsamp; i++)
            l->ys[m][(size_t)l->nep * (size_t)l->nsamp + (size_t)i] = NAN;
    l->epoch[l->nep] = ep;
    return l->nep++;
}

/* Adds a sample seen in the first epoch; false when out of memory. */
static int labels_sample(rs_labels *l, int row, const char *id, float ym)
{
    if (row >= 0 && row < l->nrow_map && l->row_to_samp[row] >= 0)
        return l->row_to_samp[row];
    if (l->nep > 1)
        return -1;     /* the sample set is that of the first epoch */
    int n = l->nsamp + 1;
    char **ids = realloc(l->ids, (size_t)n * sizeof *ids);
    if (!ids)
        return -1;
    l->ids = ids;
    int *rows = realloc(l->row, (size_t)n * sizeof *rows);
    if (!rows)
        return -1;
    l->row = rows;
    float *ym2 = realloc(l->ym, (size_t)n * sizeof *ym2);
    if (!ym2)
        return -1;
    l->ym = ym2;
    int cap = l->cap_ep ? l->cap_ep : 1;
    for (int m = 0; m < 3; m++) {
        float *y = realloc(l->ys[m], (size_t)cap * (size_t)n * sizeof *y);
        if (!y)
            return -1;
        l->ys[m] = y;
    }
    if (row >= l->nrow_map) {
        int nm = l->nrow_map ? l->nrow_map : 256;
        while (nm <= row)
            nm *= 2;
        int *map = realloc(l->row_to_samp, (size_t)nm * sizeof *map);
        if (!map)
            return -1;
        for (int i = l->nrow_map; i < nm; i++)
            map[i] = -1;
        l->row_to_samp = map;
        l->nrow_map = nm;
    }
    l->ids[l->nsamp] = strdup(id ? id : "");
    l->row[l->nsamp] = row;
    l->ym[l->nsamp] = ym;
    for (int m = 0; m < 3; m++)
        l->ys[m][l->nsamp] = NAN;   /* only epoch index 0 exists while samples are added */
    l->row_to_samp[row] = l->nsamp;
    return l->nsamp++;
}

bool rs_labels_update(rs_labels *l, const char *path)
{
    rs_stamp st = stamp_of(path);
    if (stamp_same(&st, &l->st))
        return false;
    bool replaced = stamp_replaced(&st, &l->st, l->offset, path);
    bool had = l->nep > 0;
    if (replaced) {
        int max_row = l->max_row, max_epoch = l->max_epoch;
        rs_labels_free(l);
        rs_labels_bound(l, max_row, max_epoch);
    } else {
        memcpy(st.tail, l->st.tail, sizeof st.tail);
        st.ntail = l->st.ntail;
    }
    l->st = st;
    if (!st.exists)
        return had;
    size_t n;
    sm_err err;
    char *buf = read_from(path, l->offset, &n, &err);
    if (!buf)
        return replaced && had;
    csv_table c;
    bool changed = replaced && had;
    if (csvio_parse(&c, buf, n, path, &err) == SM_OK) {
        int r0 = 0;
        if (!l->have_header && c.nrows > 0) {
            for (int k = 0; k < RD_LABEL_NCOLS; k++)
                l->col[k] = csvio_column(&c, rd_label_cols[k]);
            l->have_header = true;
            r0 = 1;
        }
        bool ok = l->col[RD_L_epoch] >= 0 && l->col[RD_L_row] >= 0;
        for (int r = r0; r < c.nrows && ok; r++) {
            long ep, row;
            const char *fe = csvio_get(&c, r, l->col[RD_L_epoch]), *fr = csvio_get(&c, r, l->col[RD_L_row]);
            if (!csvio_parse_long(fe ? fe : "", &ep) || !csvio_parse_long(fr ? fr : "", &row))
                continue;
            bool row_bad = row < 0 || row > (1 << 26) || (l->max_row > 0 && row >= l->max_row);
            bool ep_bad = ep < 0 || ep > (1 << 26) || (l->max_epoch > 0 && (ep < 1 || ep > l->max_epoch));
            if (row_bad || ep_bad) {
                if (!l->nrefused++) {
                    if (row_bad)
                        snprintf(l->refused, sizeof l->refused, "labels.csv: row %ld outside the dataset's %d samples",
                                 row, l->max_row);
                    else
                        snprintf(l->refused, sizeof l->refused, "labels.csv: epoch %ld outside 1..%d (max_epochs)",
                                 ep, l->max_epoch);
                }
                continue;
            }
            double ym = NAN;
            const char *f = csvio_get(&c, r, l->col[RD_L_y_m]);
            if (f)
                csvio_parse_double(f, &ym);
            /* the first epoch defines the samples: add them before the
             * epoch's matrix rows exist beyond index 0 */
            int e = labels_epoch(l, (int)ep);
            if (e < 0)
                continue;
            int i = labels_sample(l, (int)row, csvio_get(&c, r, l->col[RD_L_id]), (float)ym);
            if (i < 0)
                continue;
            for (int m = 0; m < 3; m++) {
                double y = NAN;
                const char *g = csvio_get(&c, r, l->col[RD_L_y_t + m]);
                if (g)
                    csvio_parse_double(g, &y);
                l->ys[m][(size_t)e * (size_t)l->nsamp + (size_t)i] = (float)y;
            }
            changed = true;
        }
        csvio_free(&c);
    }
    l->offset += (off_t)n;
    tail_keep(&l->st, path, l->offset);
    free(buf);
    return changed;
}
