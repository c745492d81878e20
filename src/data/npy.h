/* npy.h: the numpy .npy array format (versions 1.0-3.0), read and written.
 *
 * Reading accepts little-endian float32/float64/int32/int64 ('<f4', '<f8',
 * '<i4', '<i8') arrays in C order with 1 to 3 dimensions; anything else
 * (big-endian, Fortran order, object or structured dtypes, truncated data,
 * trailing bytes) is refused with a message naming the file and what was
 * found. The header is parsed from a bounded buffer by a small parser of the
 * Python dict literal numpy writes, so arbitrary bytes cannot crash or hang
 * it. Writing produces version 1.0 files (float32 and int32/int64) through
 * a temporary file renamed into place. */
#ifndef SELFMI_NPY_H
#define SELFMI_NPY_H

#include "base/base.h"

typedef enum { NPY_F4 = 0, NPY_F8, NPY_I4, NPY_I8 } npy_dtype;

enum { NPY_MAX_NDIM = 3, NPY_MAX_HEADER = 1 << 16 };

typedef struct {
    int major;                      /* format version 1, 2 or 3 */
    npy_dtype dtype;
    int ndim;                       /* 1..NPY_MAX_NDIM */
    int64_t shape[NPY_MAX_NDIM];
    size_t count;                   /* product of shape */
    size_t data_offset;             /* bytes before the data */
    size_t data_bytes;              /* count * element size */
} npy_header;

const char *npy_dtype_str(npy_dtype dt);   /* "<f4" ... */
size_t npy_dtype_size(npy_dtype dt);
/* "(2, 3, 4)" */
void npy_shape_str(const npy_header *h, char *buf, size_t n);

/* Parses the header at the start of buf[0..n) (n may cover just the header).
 * name prefixes messages. */
sm_status npy_header_parse(const uint8_t *buf, size_t n, const char *name, npy_header *h, sm_err *err);
/* Parses a whole .npy file held in memory: the header, then checks that the
 * data is exactly data_bytes long. *data points into buf. */
sm_status npy_parse(const uint8_t *buf, size_t n, const char *name, npy_header *h,
                    const uint8_t **data, sm_err *err);

/* Converts count little-endian elements of dtype dt at src to float32 / to
 * int64 (floats must then be whole numbers within int64: false otherwise,
 * with *bad the index of the first offending element). */
void npy_convert_f32(npy_dtype dt, const uint8_t *src, size_t count, float *dst);
bool npy_convert_i64(npy_dtype dt, const uint8_t *src, size_t count, int64_t *dst, size_t *bad);

/* Reads a file into a fresh float32 (C order) array: *out has h->count
 * values (free() it). The data is streamed, so memory is one copy of the
 * array. */
sm_status npy_read_f32(const char *path, npy_header *h, float **out, sm_err *err);
/* The same for integer data (lengths): *out has h->count int64 values. */
sm_status npy_read_i64(const char *path, npy_header *h, int64_t **out, sm_err *err);

/* A read-only private mapping of a whole file; addr is NULL when the data
 * was read into the heap instead. */
typedef struct {
    void *addr;
    size_t len;
} npy_map;

/* Like npy_read_f32, but a '<f4' file on a little-endian host is mapped
 * (mmap, read-only, MAP_PRIVATE) and used in place: nothing is read until
 * touched, only touched pages are resident, and processes mapping the same
 * file share its page cache. Other dtypes are read and converted into the
 * heap (map->addr NULL). The size is checked against the header before
 * mapping. A file truncated while mapped makes a later read of the lost
 * pages raise SIGBUS: read mapped data under sm_guarded (base/fsutil.h).
 * A file rewritten in place is seen as it changes; one replaced by rename
 * (a new inode) is not: the mapping keeps the old file. Release with
 * npy_release. */
sm_status npy_map_f32(const char *path, npy_header *h, float **out, npy_map *map, sm_err *err);
/* Makes the pages holding p[0..n) of a mapping writable; writes then copy
 * those pages for this process only (copy on write). No-op for heap data. */
sm_status npy_map_writable(npy_map *map, void *p, size_t n, sm_err *err);
/* Unmaps map, or frees x when the data was read into the heap. */
void npy_release(float *x, npy_map *map);
/* Reads only x[:, 0, :] of a 3-D array (a 1- or 2-D array whole), by
 * positioned reads that skip the rest of the file: *out is (shape[0],
 * shape[2]) float32 (free() it). The header and size checks are those of
 * npy_read_f32; h describes the whole file. */
sm_status npy_read_f32_first(const char *path, npy_header *h, float **out, sm_err *err);

/* Writes a version 1.0 file: dt is NPY_F4 (data is float *), NPY_I4 (int32_t *)
 * or NPY_I8 (int64_t *); shape has ndim (1..3) entries. Written to a
 * temporary beside path and renamed. */
sm_status npy_write(const char *path, npy_dtype dt, const void *data, int ndim, const int64_t *shape,
                    sm_err *err);

#endif
