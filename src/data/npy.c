/* npy.c: .npy headers parsed from bounded buffers, data streamed and
 * converted to float32, version 1.0 files written atomically. */
#include "config.h"
#include "data/npy.h"
#include "base/fsutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const dtype_strs[] = {"<f4", "<f8", "<i4", "<i8"};
static const size_t dtype_sizes[] = {4, 8, 4, 8};

const char *npy_dtype_str(npy_dtype dt)
{
    return dtype_strs[dt];
}

size_t npy_dtype_size(npy_dtype dt)
{
    return dtype_sizes[dt];
}

void npy_shape_str(const npy_header *h, char *buf, size_t n)
{
    size_t k = 0;
    k += (size_t)snprintf(buf, n, "(");
    for (int i = 0; i < h->ndim && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? ", " : "", (long long)h->shape[i]);
    if (k < n)
        snprintf(buf + k, n - k, h->ndim == 1 ? ",)" : ")");
}

/* ---- the header: a Python dict literal --------------------------------- */

typedef struct {
    const char *p, *beg, *end;
} lexer;

static void skip_ws(lexer *lx)
{
    while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\n' || *lx->p == '\r'))
        lx->p++;
}

static bool eat(lexer *lx, char c)
{
    skip_ws(lx);
    if (lx->p < lx->end && *lx->p == c) {
        lx->p++;
        return true;
    }
    return false;
}

/* A quoted string without escapes, copied into out (cap bytes). */
static bool lex_str(lexer *lx, char *out, size_t cap)
{
    skip_ws(lx);
    if (lx->p >= lx->end || (*lx->p != '\'' && *lx->p != '"'))
        return false;
    char q = *lx->p++;
    size_t k = 0;
    while (lx->p < lx->end && *lx->p != q) {
        if (*lx->p == '\\' || k + 1 >= cap)
            return false;
        out[k++] = *lx->p++;
    }
    if (lx->p >= lx->end)
        return false;
    lx->p++;
    out[k] = '\0';
    return true;
}

static bool lex_word(lexer *lx, const char *w)
{
    skip_ws(lx);
    size_t n = strlen(w);
    if ((size_t)(lx->end - lx->p) >= n && memcmp(lx->p, w, n) == 0) {
        lx->p += n;
        return true;
    }
    return false;
}

static bool lex_int(lexer *lx, int64_t *out)
{
    skip_ws(lx);
    int64_t v = 0;
    int digits = 0;
    while (lx->p < lx->end && *lx->p >= '0' && *lx->p <= '9') {
        if (v > (INT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (*lx->p++ - '0');
        digits++;
    }
    if (!digits)
        return false;
    if (lx->p < lx->end && *lx->p == 'L')   /* Python 2 long */
        lx->p++;
    *out = v;
    return true;
}

/* Describes what stands at the lexer's position, for messages. */
static void found(const lexer *lx, char *buf, size_t n)
{
    size_t k = 0;
    for (const char *q = lx->p; q < lx->end && k + 1 < n && k < 20; q++)
        buf[k++] = (*q >= 32 && *q < 127) ? *q : '?';
    buf[k] = '\0';
    if (k == 0)
        snprintf(buf, n, "the end of the header");
}

static sm_status hdr_err(const lexer *lx, const char *name, const char *what, sm_err *err)
{
    char f[32];
    found(lx, f, sizeof f);
    return sm_err_set(err, SM_EFORMAT, "%s: bad .npy header: expected %s at header byte %d, found '%s'", name, what,
                      (int)(lx->p - lx->beg), f);
}

static sm_status parse_dict(lexer *lx, const char *name, npy_header *h, sm_err *err)
{
    bool have_descr = false, have_order = false, have_shape = false;
    if (!eat(lx, '{'))
        return hdr_err(lx, name, "'{'", err);
    for (;;) {
        if (eat(lx, '}'))
            break;
        char key[32];
        if (!lex_str(lx, key, sizeof key))
            return hdr_err(lx, name, "a quoted key or '}'", err);
        if (!eat(lx, ':'))
            return hdr_err(lx, name, "':'", err);
        if (strcmp(key, "descr") == 0) {
            char d[32];
            skip_ws(lx);
            if (lx->p < lx->end && *lx->p == '[')
                return sm_err_set(err, SM_EFORMAT, "%s: structured dtype (a list of fields) is not supported; "
                                  "expected <f4, <f8, <i4 or <i8", name);
            if (have_descr || !lex_str(lx, d, sizeof d))
                return hdr_err(lx, name, "one quoted dtype for 'descr'", err);
            have_descr = true;
            int dt = -1;
            for (int i = 0; i < 4; i++)
                if (strcmp(d, dtype_strs[i]) == 0)
                    dt = i;
            if (dt < 0) {
                if (d[0] == '>')
                    return sm_err_set(err, SM_EFORMAT, "%s: big-endian data ('%s') is not supported; "
                                      "expected little-endian <f4, <f8, <i4 or <i8", name, d);
                if (strchr(d, 'O'))
                    return sm_err_set(err, SM_EFORMAT, "%s: object arrays ('%s') are not supported; "
                                      "expected <f4, <f8, <i4 or <i8", name, d);
                return sm_err_set(err, SM_EFORMAT, "%s: dtype '%s' is not supported; expected <f4, <f8, <i4 or <i8",
                                  name, d);
            }
            h->dtype = (npy_dtype)dt;
        } else if (strcmp(key, "fortran_order") == 0) {
            if (have_order)
                return hdr_err(lx, name, "one 'fortran_order'", err);
            have_order = true;
            if (lex_word(lx, "True"))
                return sm_err_set(err, SM_EFORMAT, "%s: Fortran-order data is not supported; expected C order "
                                  "(numpy: np.ascontiguousarray)", name);
            if (!lex_word(lx, "False"))
                return hdr_err(lx, name, "True or False", err);
        } else if (strcmp(key, "shape") == 0) {
            if (have_shape || !eat(lx, '('))
                return hdr_err(lx, name, "a shape tuple '('", err);
            have_shape = true;
            int nd = 0;
            int64_t dims[NPY_MAX_NDIM + 1];
            for (;;) {
                if (eat(lx, ')'))
                    break;
                int64_t v;
                if (!lex_int(lx, &v))
                    return hdr_err(lx, name, "a non-negative dimension", err);
                if (nd > NPY_MAX_NDIM)
                    return sm_err_set(err, SM_EFORMAT, "%s: %d or more dimensions; expected 1 to %d", name, nd + 1,
                                      NPY_MAX_NDIM);
                dims[nd++] = v;
                if (eat(lx, ')'))
                    break;
                if (!eat(lx, ','))
                    return hdr_err(lx, name, "',' or ')' in the shape", err);
            }
            if (nd == 0 || nd > NPY_MAX_NDIM)
                return sm_err_set(err, SM_EFORMAT, "%s: %d dimensions; expected 1 to %d", name, nd, NPY_MAX_NDIM);
            h->ndim = nd;
            for (int i = 0; i < nd; i++)
                h->shape[i] = dims[i];
        } else {
            return sm_err_set(err, SM_EFORMAT, "%s: bad .npy header: unknown key '%s' (expected descr, "
                              "fortran_order, shape)", name, key);
        }
        if (eat(lx, '}'))
            break;
        if (!eat(lx, ','))
            return hdr_err(lx, name, "',' or '}'", err);
    }
    skip_ws(lx);
    while (lx->p < lx->end && *lx->p == '\0')   /* padding some writers use */
        lx->p++;
    skip_ws(lx);
    if (lx->p != lx->end)
        return hdr_err(lx, name, "only padding after the dict", err);
    if (!have_descr || !have_order || !have_shape)
        return sm_err_set(err, SM_EFORMAT, "%s: bad .npy header: missing key '%s'", name,
                          !have_descr ? "descr" : !have_order ? "fortran_order" : "shape");
    return SM_OK;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

sm_status npy_header_parse(const uint8_t *buf, size_t n, const char *name, npy_header *h, sm_err *err)
{
    memset(h, 0, sizeof *h);
    if (n < 10 || memcmp(buf, "\x93NUMPY", 6) != 0)
        return sm_err_set(err, SM_EFORMAT, "%s: not a .npy file (%s)", name,
                          n < 10 ? "shorter than the 10-byte preamble" : "the magic string \\x93NUMPY is missing");
    h->major = buf[6];
    int minor = buf[7];
    if (h->major < 1 || h->major > 3 || minor != 0)
        return sm_err_set(err, SM_EFORMAT, "%s: .npy format version %d.%d is not supported; expected 1.0, 2.0 or 3.0",
                          name, h->major, minor);
    size_t pre = h->major == 1 ? 10 : 12;
    if (n < pre)
        return sm_err_set(err, SM_EFORMAT, "%s: truncated .npy preamble", name);
    size_t hl = h->major == 1 ? (size_t)buf[8] | (size_t)buf[9] << 8 : le32(buf + 8);
    if (hl > NPY_MAX_HEADER)
        return sm_err_set(err, SM_EFORMAT, "%s: .npy header of %zu bytes; at most %d expected", name, hl,
                          NPY_MAX_HEADER);
    if (n - pre < hl)
        return sm_err_set(err, SM_EFORMAT, "%s: truncated .npy header: %zu bytes announced, %zu present", name, hl,
                          n - pre);
    lexer lx = {(const char *)buf + pre, (const char *)buf + pre, (const char *)buf + pre + hl};
    sm_status st = parse_dict(&lx, name, h, err);
    if (st != SM_OK)
        return st;
    size_t count = 1, es = npy_dtype_size(h->dtype);
    for (int i = 0; i < h->ndim; i++) {
        if (h->shape[i] > 0 && count > SIZE_MAX / es / (uint64_t)h->shape[i])
            return sm_err_set(err, SM_EFORMAT, "%s: shape too large", name);
        count *= (size_t)h->shape[i];
    }
    h->count = count;
    h->data_offset = pre + hl;
    h->data_bytes = count * es;
    return SM_OK;
}

sm_status npy_parse(const uint8_t *buf, size_t n, const char *name, npy_header *h, const uint8_t **data,
                    sm_err *err)
{
    sm_status st = npy_header_parse(buf, n, name, h, err);
    if (st != SM_OK)
        return st;
    size_t have = n - h->data_offset;
    char s[96];
    npy_shape_str(h, s, sizeof s);
    if (have < h->data_bytes)
        return sm_err_set(err, SM_EFORMAT, "%s: truncated data: shape %s of %s needs %zu bytes, the file holds %zu",
                          name, s, npy_dtype_str(h->dtype), h->data_bytes, have);
    if (have > h->data_bytes)
        return sm_err_set(err, SM_EFORMAT, "%s: %zu unexpected bytes after the data of shape %s", name,
                          have - h->data_bytes, s);
    *data = buf + h->data_offset;
    return SM_OK;
}

/* ---- conversion ------------------------------------------------------------ */

static bool host_little_endian(void)
{
    const uint16_t one = 1;
    uint8_t b;
    memcpy(&b, &one, 1);
    return b == 1;
}

void npy_convert_f32(npy_dtype dt, const uint8_t *src, size_t count, float *dst)
{
    bool le = host_little_endian();
    switch (dt) {
    case NPY_F4:
        if (le) {
            memcpy(dst, src, count * 4);
        } else {
            for (size_t i = 0; i < count; i++) {
                uint32_t u = le32(src + 4 * i);
                memcpy(dst + i, &u, 4);
            }
        }
        break;
    case NPY_F8:
        for (size_t i = 0; i < count; i++) {
            uint64_t u = le64(src + 8 * i);
            double d;
            memcpy(&d, &u, 8);
            dst[i] = (float)d;
        }
        break;
    case NPY_I4:
        for (size_t i = 0; i < count; i++)
            dst[i] = (float)(int32_t)le32(src + 4 * i);
        break;
    case NPY_I8:
        for (size_t i = 0; i < count; i++)
            dst[i] = (float)(int64_t)le64(src + 8 * i);
        break;
    }
}

bool npy_convert_i64(npy_dtype dt, const uint8_t *src, size_t count, int64_t *dst, size_t *bad)
{
    for (size_t i = 0; i < count; i++) {
        double d;
        switch (dt) {
        case NPY_I4:
            dst[i] = (int32_t)le32(src + 4 * i);
            continue;
        case NPY_I8:
            dst[i] = (int64_t)le64(src + 8 * i);
            continue;
        case NPY_F4: {
            uint32_t u = le32(src + 4 * i);
            float f;
            memcpy(&f, &u, 4);
            d = f;
            break;
        }
        case NPY_F8:
        default: {
            uint64_t u = le64(src + 8 * i);
            memcpy(&d, &u, 8);
            break;
        }
        }
        /* a whole number well inside int64 (NaN fails both tests) */
        if (!(d >= -9.0e18 && d <= 9.0e18) || d != (double)(int64_t)d) {
            *bad = i;
            return false;
        }
        dst[i] = (int64_t)d;
    }
    return true;
}

/* ---- reading files --------------------------------------------------------- */

/* Room for count elements of size bytes. Large arrays are aligned to 2 MB
 * and marked for transparent huge pages where the system offers them: the
 * kernel then fills them with a few hundred page faults instead of a
 * hundred thousand, which halves the time to read a MOSI-size file. The
 * memory is released with free(). */
static void *alloc_array(size_t count, size_t size, sm_err *err)
{
    enum { HUGE = 2 << 20 };
    if (count > SIZE_MAX / size)
        return sm_alloc(count, size, err);   /* reports the overflow */
    size_t bytes = count * size;
    if (bytes < 4 * (size_t)HUGE)
        return sm_alloc(count, size, err);
    void *p = NULL;
    if (posix_memalign(&p, HUGE, bytes) != 0) {
        sm_err_set(err, SM_ENOMEM, "out of memory allocating %zu bytes", bytes);
        return NULL;
    }
#ifdef MADV_HUGEPAGE
    (void)madvise(p, (bytes + HUGE - 1) / HUGE * HUGE, MADV_HUGEPAGE);
#endif
    return p;
}

typedef enum { AS_F32, AS_I64 } read_kind;

/* Opens path (a regular file, sm_fopen_input), reads and parses its header
 * and checks that the file holds exactly the data the header announces.
 * Returns the stream positioned at the data, or NULL with err set. */
static FILE *open_checked(const char *path, npy_header *h, sm_err *err)
{
    memset(h, 0, sizeof *h);
    struct stat sb;
    FILE *f = sm_fopen_input(path, &sb, err);
    if (!f)
        return NULL;
    size_t fsize = (size_t)sb.st_size;
    uint8_t pre[12];
    size_t got = fread(pre, 1, sizeof pre, f);
    /* the preamble gives the header length; the header is then read whole */
    size_t hl = 0, np = 10;
    if (got >= 10 && memcmp(pre, "\x93NUMPY", 6) == 0) {
        np = pre[6] == 1 ? 10 : 12;
        if (got >= np)
            hl = pre[6] == 1 ? (size_t)pre[8] | (size_t)pre[9] << 8 : le32(pre + 8);
    }
    if (hl > NPY_MAX_HEADER)
        hl = NPY_MAX_HEADER + 1;   /* the parser reports it */
    size_t want = SM_MIN(np + hl, fsize);
    uint8_t *hbuf = sm_alloc(want > got ? want : got, 1, err);
    sm_status st = hbuf ? SM_OK : SM_ENOMEM;
    if (st == SM_OK) {
        memcpy(hbuf, pre, got);
        if (want > got)
            got += fread(hbuf + got, 1, want - got, f);
        st = npy_header_parse(hbuf, got, path, h, err);
        free(hbuf);
    }
    char s[96];
    npy_shape_str(h, s, sizeof s);
    if (st == SM_OK && fsize < h->data_offset + h->data_bytes)
        st = sm_err_set(err, SM_EFORMAT, "%s: truncated data: shape %s of %s needs %zu bytes, the file holds %zu",
                        path, s, npy_dtype_str(h->dtype), h->data_bytes, fsize - h->data_offset);
    else if (st == SM_OK && fsize > h->data_offset + h->data_bytes)
        st = sm_err_set(err, SM_EFORMAT, "%s: %zu unexpected bytes after the data of shape %s", path,
                        fsize - h->data_offset - h->data_bytes, s);
    else if (st == SM_OK && fseek(f, (long)h->data_offset, SEEK_SET) != 0)
        st = sm_err_set(err, SM_EIO, "%s: seek failed: %s", path, strerror(errno));
    if (st != SM_OK) {
        fclose(f);
        return NULL;
    }
    return f;
}

static sm_status read_file(const char *path, read_kind kind, npy_header *h, void **out, sm_err *err)
{
    *out = NULL;
    FILE *f = open_checked(path, h, err);
    if (!f)
        return err ? err->status : SM_EFORMAT;
    sm_status st = SM_OK;
    uint8_t *chunk = NULL;
    void *data = alloc_array(h->count, kind == AS_F32 ? sizeof(float) : sizeof(int64_t), err);
    if (!data) {
        st = SM_ENOMEM;
        goto done;
    }
    size_t es = npy_dtype_size(h->dtype);
    if (kind == AS_F32 && h->dtype == NPY_F4 && host_little_endian()) {
        /* straight into the array: one copy in memory */
        if (fread(data, 4, h->count, f) != h->count) {
            st = sm_err_set(err, SM_EIO, "%s: read error", path);
            goto done;
        }
    } else {
        enum { CHUNK = 1 << 16 };   /* elements per read */
        chunk = sm_alloc(CHUNK, es, err);
        if (!chunk) {
            st = SM_ENOMEM;
            goto done;
        }
        for (size_t i = 0; i < h->count; i += CHUNK) {
            size_t k = SM_MIN((size_t)CHUNK, h->count - i);
            if (fread(chunk, es, k, f) != k) {
                st = sm_err_set(err, SM_EIO, "%s: read error", path);
                goto done;
            }
            if (kind == AS_F32) {
                npy_convert_f32(h->dtype, chunk, k, (float *)data + i);
            } else {
                size_t bad;
                if (!npy_convert_i64(h->dtype, chunk, k, (int64_t *)data + i, &bad)) {
                    st = sm_err_set(err, SM_EFORMAT, "%s: element %zu is not a whole number; expected integer data",
                                    path, i + bad);
                    goto done;
                }
            }
        }
    }
done:
    fclose(f);
    free(chunk);
    if (st != SM_OK) {
        free(data);
        data = NULL;
    }
    *out = data;
    return st;
}

sm_status npy_read_f32(const char *path, npy_header *h, float **out, sm_err *err)
{
    void *p;
    sm_status st = read_file(path, AS_F32, h, &p, err);
    *out = p;
    return st;
}

sm_status npy_read_i64(const char *path, npy_header *h, int64_t **out, sm_err *err)
{
    void *p;
    sm_status st = read_file(path, AS_I64, h, &p, err);
    *out = p;
    return st;
}

/* ---- mapping ----------------------------------------------------------------- */

sm_status npy_map_f32(const char *path, npy_header *h, float **out, npy_map *map, sm_err *err)
{
    *out = NULL;
    memset(map, 0, sizeof *map);
    FILE *f = open_checked(path, h, err);
    if (!f)
        return err ? err->status : SM_EFORMAT;
    /* in place only when the bytes are the floats: <f4 on a little-endian
     * host, at an offset a float can start at */
    if (h->dtype != NPY_F4 || !host_little_endian() || h->data_offset % sizeof(float) != 0 || h->data_bytes == 0) {
        fclose(f);
        return npy_read_f32(path, h, out, err);
    }
    /* open_checked compared the size from fstat with the header: the
     * mapping covers exactly the bytes that were there */
    size_t len = h->data_offset + h->data_bytes;
    void *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fileno(f), 0);
    int e = errno;
    fclose(f);
    if (p == MAP_FAILED) {
        if (e == ENODEV || e == EINVAL || e == EACCES)   /* a file system without mmap */
            return npy_read_f32(path, h, out, err);
        return sm_err_set(err, SM_EIO, "%s: cannot map %zu bytes: %s", path, len, strerror(e));
    }
    map->addr = p;
    map->len = len;
    *out = (float *)((uint8_t *)p + h->data_offset);
    return SM_OK;
}

sm_status npy_map_writable(npy_map *map, void *p, size_t n, sm_err *err)
{
    if (!map->addr || n == 0)
        return SM_OK;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uintptr_t lo = (uintptr_t)p / page * page, hi = ((uintptr_t)p + n + page - 1) / page * page;
    if (mprotect((void *)lo, hi - lo, PROT_READ | PROT_WRITE) != 0)
        return sm_err_set(err, SM_EIO, "cannot make %zu mapped bytes writable: %s", hi - lo, strerror(errno));
    return SM_OK;
}

void npy_release(float *x, npy_map *map)
{
    if (map && map->addr)
        munmap(map->addr, map->len);
    else
        free(x);
    if (map)
        memset(map, 0, sizeof *map);
}

sm_status npy_read_f32_first(const char *path, npy_header *h, float **out, sm_err *err)
{
    *out = NULL;
    FILE *f = open_checked(path, h, err);
    if (!f)
        return err ? err->status : SM_EFORMAT;
    size_t rows = (size_t)h->shape[0], row = rows ? h->count / rows : 0, es = npy_dtype_size(h->dtype);
    size_t take = h->ndim == 3 ? (size_t)h->shape[2] : row;
    uint8_t *buf = sm_alloc(take ? take : 1, es, err);
    float *x = buf ? alloc_array(rows * take > 0 ? rows * take : 1, sizeof(float), err) : NULL;
    sm_status st = x ? SM_OK : SM_ENOMEM;
    for (size_t i = 0; st == SM_OK && i < rows; i++) {
        off_t off = (off_t)(h->data_offset + i * row * es);
        size_t want = take * es, got = 0;
        while (got < want) {
            ssize_t k = pread(fileno(f), buf + got, want - got, off + (off_t)got);
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0) {
                st = sm_err_set(err, SM_EIO, "%s: read error at row %zu: %s", path, i,
                                k < 0 ? strerror(errno) : "the file got shorter");
                break;
            }
            got += (size_t)k;
        }
        if (st == SM_OK)
            npy_convert_f32(h->dtype, buf, take, x + i * take);
    }
    fclose(f);
    free(buf);
    if (st != SM_OK) {
        free(x);
        x = NULL;
    }
    *out = x;
    return st;
}

/* ---- writing --------------------------------------------------------------- */

sm_status npy_write(const char *path, npy_dtype dt, const void *data, int ndim, const int64_t *shape, sm_err *err)
{
    if (dt == NPY_F8 || ndim < 1 || ndim > NPY_MAX_NDIM)
        return sm_err_set(err, SM_EINVAL, "%s: cannot write dtype %s with %d dimensions", path, npy_dtype_str(dt),
                          ndim);
    /* header: the dict numpy writes, padded with spaces so that the data
     * starts at a multiple of 64 bytes, ending in '\n' */
    char dict[256];
    int k = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (", npy_dtype_str(dt));
    size_t count = 1;
    for (int i = 0; i < ndim; i++) {
        k += snprintf(dict + k, sizeof dict - (size_t)k, "%lld%s", (long long)shape[i],
                      ndim == 1 ? "," : i + 1 < ndim ? ", " : "");
        count *= (size_t)shape[i];
    }
    k += snprintf(dict + k, sizeof dict - (size_t)k, "), }");
    size_t total = 10 + (size_t)k + 1;
    size_t padded = (total + 63) / 64 * 64;
    uint8_t hdr[320];
    memcpy(hdr, "\x93NUMPY\x01\x00", 8);
    size_t hl = padded - 10;
    hdr[8] = (uint8_t)(hl & 0xff);
    hdr[9] = (uint8_t)(hl >> 8);
    memcpy(hdr + 10, dict, (size_t)k);
    memset(hdr + 10 + k, ' ', padded - 10 - (size_t)k - 1);
    hdr[padded - 1] = '\n';

    sm_atomic af;
    sm_status st = sm_atomic_open(&af, path, err);
    if (st != SM_OK)
        return st;
    FILE *out = sm_atomic_stream(&af, err);
    if (!out) {
        sm_atomic_abort(&af);
        return SM_EIO;
    }
    bool ok = fwrite(hdr, 1, padded, out) == padded;
    size_t es = npy_dtype_size(dt);
    if (host_little_endian()) {
        ok = ok && (count == 0 || fwrite(data, es, count, out) == count);
    } else {
        const uint8_t *src = data;
        for (size_t i = 0; ok && i < count; i++)
            for (size_t b = 0; ok && b < es; b++)
                ok = fputc(src[i * es + es - 1 - b], out) != EOF;
    }
    if (!ok) {
        sm_err_set(err, SM_EIO, "%s: write failed: %s", path, strerror(errno));
        sm_atomic_abort(&af);
        return SM_EIO;
    }
    return sm_atomic_commit(&af, err);
}
