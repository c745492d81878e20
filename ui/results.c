/* results.c: incremental reading of results directories. */
#include "config.h"
#include "ui/results.h"
#include "train/runstore.h"
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
    if (stat(path, &sb) == 0) {
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

/* Whether a file read up to offset must be read again from the start: it
 * vanished, was replaced (another inode), shrank, or was rewritten in
 * place at the same size; otherwise it only grew and is read on. */
static bool stamp_replaced(const rs_stamp *now, const rs_stamp *was, off_t offset)
{
    return !now->exists || now->ino != was->ino || now->size < offset ||
           (now->size == was->size && now->mtime_ns != was->mtime_ns);
}

/* Reads path from byte off up to and including its last newline; *n = bytes
 * (0 when none). Returns NULL on error or nothing new. */
static char *read_from(const char *path, off_t off, size_t *n)
{
    *n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || sb.st_size <= off) {
        close(fd);
        return NULL;
    }
    size_t want = (size_t)(sb.st_size - off);
    char *buf = malloc(want + 1);
    if (!buf) {
        close(fd);
        return NULL;
    }
    size_t got = 0;
    while (got < want) {
        ssize_t k = pread(fd, buf + got, want - got, off + (off_t)got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    close(fd);
    /* whole lines only: a row being appended is read next time */
    while (got > 0 && buf[got - 1] != '\n')
        got--;
    if (!got) {
        free(buf);
        return NULL;
    }
    buf[got] = '\0';
    *n = got;
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
    rs_stamp st = stamp_of(path);
    if (stamp_same(&st, &t->st))
        return false;
    bool replaced = stamp_replaced(&st, &t->st, t->offset);
    bool had = t->nrows > 0 || t->ncols > 0;
    if (replaced)
        table_reset(t);
    t->st = st;
    if (!st.exists)
        return had;
    size_t n;
    char *buf = read_from(path, t->offset, &n);
    if (!buf)
        return replaced && had;
    csv_table c;
    sm_err err;
    bool changed = replaced && had;
    if (csvio_parse(&c, buf, n, path, &err) == SM_OK) {
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

/* ---- run.conf and status ----------------------------------------------------- */

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

void rs_conf_free(int n, char **keys, char **vals)
{
    for (int i = 0; i < n; i++) {
        free(keys[i]);
        free(vals[i]);
    }
    free(keys);
    free(vals);
}

bool rs_conf_read(const char *path, int *np, char ***kp, char ***vp)
{
    *np = 0;
    *kp = *vp = NULL;
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char line[4096];
    int n = 0, cap = 0;
    char **keys = NULL, **vals = NULL;
    bool ok = true;
    while (fgets(line, sizeof line, f)) {
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq)
            continue;
        *eq = '\0';
        char *k = trim(s), *v = trim(eq + 1);
        if (n == cap) {
            int nc = cap ? 2 * cap : 64;
            char **k2 = realloc(keys, (size_t)nc * sizeof *k2);
            if (k2)
                keys = k2;
            char **v2 = k2 ? realloc(vals, (size_t)nc * sizeof *v2) : NULL;
            if (v2)
                vals = v2;
            if (!k2 || !v2) {
                ok = false;
                break;
            }
            cap = nc;
        }
        keys[n] = strdup(k);
        vals[n] = strdup(v);
        if (!keys[n] || !vals[n]) {
            free(keys[n]);
            free(vals[n]);
            ok = false;
            break;
        }
        n++;
    }
    fclose(f);
    if (!ok) {
        rs_conf_free(n, keys, vals);
        return false;
    }
    *np = n;
    *kp = keys;
    *vp = vals;
    return true;
}

static const char *const state_names[] = {"queued", "running", "done", "failed", "cancelled", "interrupted", "?"};

const char *rs_state_name(rs_state s)
{
    return (unsigned)s <= RS_UNKNOWN ? state_names[s] : "?";
}

rs_state rs_state_parse(const char *text, char *reason, size_t n)
{
    if (reason && n)
        reason[0] = '\0';
    while (*text == ' ' || *text == '\n')
        text++;
    for (int s = 0; s < RS_UNKNOWN; s++) {
        if (s == RS_INTERRUPTED)   /* never written: derived from the lock */
            continue;
        size_t k = strlen(state_names[s]);
        if (strncmp(text, state_names[s], k) == 0 &&
            (text[k] == '\0' || text[k] == '\n' || text[k] == ':' || text[k] == ' ' || text[k] == '\r')) {
            if (text[k] == ':' && reason && n) {
                const char *r = text + k + 1;
                while (*r == ' ')
                    r++;
                snprintf(reason, n, "%s", r);
                size_t m = strlen(reason);
                while (m && (reason[m - 1] == '\n' || reason[m - 1] == '\r'))
                    reason[--m] = '\0';
            }
            return (rs_state)s;
        }
    }
    return RS_UNKNOWN;
}

const char *rs_run_conf(const rs_run *r, const char *key, const char *def)
{
    for (int i = 0; i < r->nconf; i++)
        if (strcmp(r->keys[i], key) == 0)
            return r->vals[i];
    return def;
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
    path_join(p, sizeof p, r->dir, "status");
    rs_stamp st = stamp_of(p);
    if (!stamp_same(&st, &r->st_status)) {
        r->st_status = st;
        char text[512] = "";
        FILE *f = fopen(p, "r");
        if (f) {
            size_t k = fread(text, 1, sizeof text - 1, f);
            text[k] = '\0';
            fclose(f);
        }
        rs_state s = st.exists ? rs_state_parse(text, r->reason, sizeof r->reason) : RS_UNKNOWN;
        if (s != r->state)
            changed = true;
        r->state = s;
        changed = true;
    }
    /* a run another process said was running: is that process alive? */
    if ((r->state == RS_RUNNING || r->state == RS_INTERRUPTED) && r->job < 0) {
        runstore rs;
        memset(&rs, 0, sizeof rs);
        snprintf(rs.dir, sizeof rs.dir, "%s", r->dir);
        rs_state s = runstore_lock_held(&rs, NULL, 0) ? RS_RUNNING : RS_INTERRUPTED;
        if (s != r->state) {
            r->state = s;
            changed = true;
        }
    }
    path_join(p, sizeof p, r->dir, "run.conf");
    st = stamp_of(p);
    if (!stamp_same(&st, &r->st_conf)) {
        r->st_conf = st;
        rs_conf_free(r->nconf, r->keys, r->vals);
        r->nconf = 0;
        r->keys = r->vals = NULL;
        if (st.exists)
            rs_conf_read(p, &r->nconf, &r->keys, &r->vals);
        r->started_ns = st.mtime_ns;
        changed = true;
    }
    /* a finished run's logs no longer change unless the run is redone,
     * which rewrites its status first */
    path_join(p, sizeof p, r->dir, "epochs.csv");
    if (rs_table_update(&r->epochs, p))
        changed = true;
    path_join(p, sizeof p, r->dir, "test.csv");
    if (rs_table_update(&r->test, p))
        changed = true;
    if (changed)
        r->version++;
    return changed;
}

static void run_free(rs_run *r)
{
    if (!r)
        return;
    rs_conf_free(r->nconf, r->keys, r->vals);
    rs_table_free(&r->epochs);
    rs_table_free(&r->test);
    free(r);
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
            char dir[sizeof ((rs_run *)0)->dir], p[1300];
            if (!path_join(dir, sizeof dir, s->root, e->d_name) || strlen(e->d_name) >= sizeof ((rs_run *)0)->id)
                continue;
            struct stat sb;
            if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
                continue;
            rs_run *r = rs_store_find(s, e->d_name);
            if (!r) {
                /* a run directory has its status or run.conf */
                path_join(p, sizeof p, dir, "status");
                if (access(p, F_OK) != 0) {
                    path_join(p, sizeof p, dir, "run.conf");
                    if (access(p, F_OK) != 0)
                        continue;
                }
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
                r->state = RS_UNKNOWN;
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
    bool replaced = stamp_replaced(&st, &l->st, l->offset);
    bool had = l->nep > 0;
    if (replaced) {
        rs_labels_free(l);
    }
    l->st = st;
    if (!st.exists)
        return had;
    size_t n;
    char *buf = read_from(path, l->offset, &n);
    if (!buf)
        return replaced && had;
    csv_table c;
    sm_err err;
    bool changed = replaced && had;
    if (csvio_parse(&c, buf, n, path, &err) == SM_OK) {
        int r0 = 0;
        if (!l->have_header && c.nrows > 0) {
            static const char *const names[7] = {"epoch", "row", "id", "y_m", "y_t", "y_a", "y_v"};
            for (int k = 0; k < 7; k++)
                l->col[k] = csvio_column(&c, names[k]);
            l->have_header = true;
            r0 = 1;
        }
        bool ok = l->col[0] >= 0 && l->col[1] >= 0;
        for (int r = r0; r < c.nrows && ok; r++) {
            long ep, row;
            if (!csvio_parse_long(csvio_get(&c, r, l->col[0]) ? csvio_get(&c, r, l->col[0]) : "", &ep) ||
                !csvio_parse_long(csvio_get(&c, r, l->col[1]) ? csvio_get(&c, r, l->col[1]) : "", &row) ||
                row < 0 || row > (1 << 26))
                continue;
            double ym = NAN;
            const char *f = csvio_get(&c, r, l->col[3]);
            if (f)
                csvio_parse_double(f, &ym);
            /* the first epoch defines the samples: add them before the
             * epoch's matrix rows exist beyond index 0 */
            int e = labels_epoch(l, (int)ep);
            if (e < 0)
                continue;
            int i = labels_sample(l, (int)row, csvio_get(&c, r, l->col[2]), (float)ym);
            if (i < 0)
                continue;
            for (int m = 0; m < 3; m++) {
                double y = NAN;
                const char *g = csvio_get(&c, r, l->col[4 + m]);
                if (g)
                    csvio_parse_double(g, &y);
                l->ys[m][(size_t)e * (size_t)l->nsamp + (size_t)i] = (float)y;
            }
            changed = true;
        }
        csvio_free(&c);
    }
    l->offset += (off_t)n;
    free(buf);
    return changed;
}

/* ---- dataset label.csv --------------------------------------------------------- */

void rs_dataset_info_free(rs_dataset_info *d)
{
    if (!d)
        return;
    for (int i = 0; i < d->n; i++) {
        free(d->id[i]);
        free(d->text[i]);
    }
    free(d->id);
    free(d->text);
    for (int m = 0; m < 3; m++)
        free(d->ulabel[m]);
    memset(d, 0, sizeof *d);
}

bool rs_dataset_info_read(rs_dataset_info *d, const char *path)
{
    memset(d, 0, sizeof *d);
    csv_table c;
    sm_err err;
    if (csvio_read(&c, path, &err) != SM_OK)
        return false;
    int cv = csvio_column(&c, "video_id"), cc = csvio_column(&c, "clip_id"), ct = csvio_column(&c, "text");
    int cu[3] = {csvio_column(&c, "label_T"), csvio_column(&c, "label_A"), csvio_column(&c, "label_V")};
    int n = c.nrows > 0 ? c.nrows - 1 : 0;
    d->id = calloc((size_t)(n ? n : 1), sizeof *d->id);
    d->text = calloc((size_t)(n ? n : 1), sizeof *d->text);
    bool ok = d->id && d->text;
    for (int m = 0; m < 3 && ok; m++) {
        d->ulabel[m] = malloc((size_t)(n ? n : 1) * sizeof(float));
        ok = d->ulabel[m] != NULL;
    }
    for (int i = 0; i < n && ok; i++) {
        const char *v = cv >= 0 ? csvio_get(&c, i + 1, cv) : NULL;
        const char *k = cc >= 0 ? csvio_get(&c, i + 1, cc) : NULL;
        const char *t = ct >= 0 ? csvio_get(&c, i + 1, ct) : NULL;
        char id[512];
        snprintf(id, sizeof id, "%s$_$%s", v ? v : "", k ? k : "");
        d->id[i] = strdup(id);
        d->text[i] = strdup(t ? t : "");
        if (!d->id[i] || !d->text[i]) {
            d->n = i + 1;
            ok = false;
            break;
        }
        for (int m = 0; m < 3; m++) {
            double y = NAN;
            const char *f = cu[m] >= 0 ? csvio_get(&c, i + 1, cu[m]) : NULL;
            if (f && csvio_parse_double(f, &y))
                d->has_ulabels = true;
            else
                y = NAN;
            d->ulabel[m][i] = (float)y;
        }
        d->n = i + 1;
    }
    csvio_free(&c);
    if (!ok)
        rs_dataset_info_free(d);
    return ok;
}
