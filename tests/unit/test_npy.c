/* test_npy.c: the .npy reader and writer, including every refusal. */
#include "config.h"
#include "data/npy.h"
#include "../tap.h"
#include "test_data_util.h"

#include <math.h>
#include <string.h>

/* Parses an image; returns the status, err holds the message. */
static sm_status parse(int major, const char *dict, const void *data, size_t nbytes, npy_header *h, sm_err *err)
{
    size_t n;
    uint8_t *b = tdu_npy(major, dict, data, nbytes, &n);
    const uint8_t *d;
    sm_status st = npy_parse(b, n, "x.npy", h, &d, err);
    free(b);
    return st;
}

static void refused(int major, const char *dict, size_t nbytes, const char *want, const char *what)
{
    uint8_t data[256] = {0};
    npy_header h;
    sm_err err;
    sm_err_clear(&err);
    sm_status st = parse(major, dict, data, nbytes, &h, &err);
    tap_ok(st == SM_EFORMAT && strstr(err.msg, "x.npy") && strstr(err.msg, want), "refuses %s: %s", what, err.msg);
}

int main(void)
{
    npy_header h;
    sm_err err;
    float f6[6] = {1, -2, 3.5f, 0, 1e-3f, -7};

    /* accepted headers */
    tap_ok(parse(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", f6, 24, &h, &err) == SM_OK &&
               h.ndim == 2 && h.shape[0] == 2 && h.shape[1] == 3 && h.count == 6 && h.dtype == NPY_F4,
           "v1.0 <f4 (2, 3)");
    tap_ok(parse(2, "{'shape': (6,), 'fortran_order': False, 'descr': '<f4'}", f6, 24, &h, &err) == SM_OK &&
               h.ndim == 1 && h.shape[0] == 6 && h.major == 2,
           "v2.0, keys in another order, 1-D, no trailing comma");
    tap_ok(parse(3, "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (1L, 2L, 3L)}", f6, 24, &h, &err) ==
                   SM_OK && h.ndim == 3 && h.shape[2] == 3,
           "v3.0, double quotes, Python 2 longs, 3-D");
    tap_ok(parse(1, "{'descr':'<f4','fortran_order':False,'shape':(0, 5)}", NULL, 0, &h, &err) == SM_OK &&
               h.count == 0, "zero rows, no spaces");

    /* conversions */
    double d3[3] = {0.5, -1e10, 3.25};
    int32_t i3[3] = {5, -6, 2147483647};
    int64_t l3[3] = {1, -2, 9000000000LL};
    float out[6];
    int64_t li[3];
    size_t bad;
    npy_convert_f32(NPY_F4, (const uint8_t *)f6, 6, out);
    tap_ok(memcmp(out, f6, sizeof f6) == 0, "<f4 copied");
    npy_convert_f32(NPY_F8, (const uint8_t *)d3, 3, out);
    tap_ok(out[0] == 0.5f && out[1] == -1e10f && out[2] == 3.25f, "<f8 converted to float32");
    npy_convert_f32(NPY_I4, (const uint8_t *)i3, 3, out);
    tap_ok(out[0] == 5 && out[1] == -6 && out[2] == 2147483647.0f, "<i4 converted");
    npy_convert_f32(NPY_I8, (const uint8_t *)l3, 3, out);
    tap_ok(out[2] == 9e9f, "<i8 converted");
    tap_ok(npy_convert_i64(NPY_I8, (const uint8_t *)l3, 3, li, &bad) && li[2] == 9000000000LL, "<i8 as int64");
    tap_ok(npy_convert_i64(NPY_I4, (const uint8_t *)i3, 3, li, &bad) && li[1] == -6, "<i4 as int64");
    float fl[3] = {3, 4, 5.5f};
    tap_ok(!npy_convert_i64(NPY_F4, (const uint8_t *)fl, 3, li, &bad) && bad == 2, "fractional length refused at 2");
    double dn[2] = {2, NAN};
    tap_ok(!npy_convert_i64(NPY_F8, (const uint8_t *)dn, 2, li, &bad) && bad == 1, "NaN length refused");

    /* refusals */
    {
        uint8_t junk[16] = "NUMPY not really";
        const uint8_t *dp;
        tap_ok(npy_parse(junk, sizeof junk, "x.npy", &h, &dp, &err) == SM_EFORMAT && strstr(err.msg, "magic"),
               "refuses a missing magic: %s", err.msg);
        tap_ok(npy_parse(junk, 3, "x.npy", &h, &dp, &err) == SM_EFORMAT && strstr(err.msg, "x.npy"),
               "refuses a 3-byte file: %s", err.msg);
    }
    refused(4, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 4, "version 4.0", "version 4.0");
    refused(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", 4, "big-endian", "big-endian data");
    refused(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16, "Fortran", "Fortran order");
    refused(1, "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", 8, "object", "object arrays");
    refused(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (1,), }", 2, "'<f2'", "float16");
    refused(1, "{'descr': '<U5', 'fortran_order': False, 'shape': (1,), }", 20, "'<U5'", "unicode strings");
    refused(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", 4, "structured",
            "structured dtype");
    refused(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 4, "0 dimensions", "a 0-d array");
    refused(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1), }", 4, "expected 1 to 3",
            "4 dimensions");
    refused(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 20, "truncated data",
            "truncated data");
    refused(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 28, "4 unexpected bytes",
            "trailing bytes");
    refused(1, "{'descr': '<f4', 'shape': (1,), }", 4, "missing key 'fortran_order'", "a missing key");
    refused(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}", 4, "unknown key 'extra'",
            "an unknown key");
    refused(1, "{'descr': '<f4, 'fortran_order': False, 'shape': (1,)}", 4, "expected", "a broken string");
    refused(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", 4, "dimension", "a negative dimension");
    refused(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999, 9999999), }", 4,
            "too large", "an overflowing shape");
    refused(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } junk", 4, "padding", "junk after the dict");
    refused(1, "['descr', '<f4']", 4, "'{'", "a list instead of a dict");
    refused(1, "{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", 8, "one quoted dtype",
            "a repeated key");
    {
        /* announced header longer than the buffer */
        uint8_t b[12] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0xff, 0x00, '{', '}'};
        const uint8_t *dp;
        tap_ok(npy_parse(b, sizeof b, "x.npy", &h, &dp, &err) == SM_EFORMAT && strstr(err.msg, "truncated .npy header"),
               "refuses a truncated header: %s", err.msg);
        uint8_t b2[12] = {0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0, 0, 0, 0x40};
        tap_ok(npy_parse(b2, sizeof b2, "x.npy", &h, &dp, &err) == SM_EFORMAT && strstr(err.msg, "at most"),
               "refuses a 1 GB header length: %s", err.msg);
    }

    /* files: write, read back, byte layout, refusals on disk */
    char *dir = tdu_scratch("npy");
    tap_ok(dir != NULL, "scratch directory");
    char path[4200];
    snprintf(path, sizeof path, "%s/a.npy", dir);
    float x[2 * 3 * 4];
    for (int k = 0; k < 24; k++)
        x[k] = (float)k * 0.25f - 3;
    int64_t shape[3] = {2, 3, 4};
    tap_ok(npy_write(path, NPY_F4, x, 3, shape, &err) == SM_OK, "writes <f4 (2, 3, 4)");
    float *y = NULL;
    tap_ok(npy_read_f32(path, &h, &y, &err) == SM_OK && h.ndim == 3 && h.shape[1] == 3 && h.data_offset % 64 == 0 &&
               h.major == 1 && memcmp(x, y, sizeof x) == 0,
           "reads it back bit for bit, data 64-byte aligned (offset %zu)", h.data_offset);
    free(y);
    tap_ok(tdu_count_entries(dir) == 1, "no temporary left beside it");

    /* mapped: the same floats, in place in the file's pages */
    npy_map map;
    tap_ok(npy_map_f32(path, &h, &y, &map, &err) == SM_OK && map.addr && h.count == 24 &&
               (const uint8_t *)y == (const uint8_t *)map.addr + h.data_offset && memcmp(x, y, sizeof x) == 0,
           "<f4 mapped in place, the same bits as read");
    tap_ok(npy_map_writable(&map, y + 5, sizeof *y, &err) == SM_OK, "a page made writable: %s", err.msg);
    y[5] = 42;
    npy_release(y, &map);
    tap_ok(map.addr == NULL && npy_read_f32(path, &h, &y, &err) == SM_OK && y[5] == x[5],
           "a write to the mapping stays private: the file is unchanged");
    free(y);
    /* the first step of each row only */
    tap_ok(npy_read_f32_first(path, &h, &y, &err) == SM_OK && h.ndim == 3 && h.shape[1] == 3 &&
               memcmp(y, x, 4 * sizeof *y) == 0 && memcmp(y + 4, x + 12, 4 * sizeof *y) == 0,
           "x[:, 0, :] read of (2, 3, 4)");
    free(y);

    int32_t len32[5] = {1, 2, 3, 4, 5};
    int64_t len64[5] = {10, 20, 30, 40, 50};
    int64_t *li64 = NULL;
    int64_t s5[1] = {5};
    snprintf(path, sizeof path, "%s/l4.npy", dir);
    tap_ok(npy_write(path, NPY_I4, len32, 1, s5, &err) == SM_OK && npy_read_i64(path, &h, &li64, &err) == SM_OK &&
               h.dtype == NPY_I4 && li64[4] == 5, "<i4 round trip");
    free(li64);
    snprintf(path, sizeof path, "%s/l8.npy", dir);
    tap_ok(npy_write(path, NPY_I8, len64, 1, s5, &err) == SM_OK && npy_read_i64(path, &h, &li64, &err) == SM_OK &&
               h.dtype == NPY_I8 && li64[4] == 50, "<i8 round trip");
    free(li64);
    tap_ok(npy_read_f32(path, &h, &y, &err) == SM_OK && y[0] == 10.0f, "integers read as float32 too");
    free(y);

    /* an <f8 file on disk is converted while streaming */
    {
        double dd[4] = {1.5, -2.5, 1e300, 0};
        size_t n;
        uint8_t *b = tdu_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", dd, sizeof dd, &n);
        snprintf(path, sizeof path, "%s/d.npy", dir);
        tdu_write(path, b, n);
        tap_ok(npy_read_f32(path, &h, &y, &err) == SM_OK && y[0] == 1.5f && y[1] == -2.5f && isinf(y[2]),
               "<f8 file read as float32");
        free(y);
        tap_ok(npy_map_f32(path, &h, &y, &map, &err) == SM_OK && map.addr == NULL && y[0] == 1.5f && isinf(y[2]),
               "<f8 is not mapped: read and converted");
        npy_release(y, &map);
        size_t n2;
        uint8_t *b2 = tdu_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", dd, sizeof dd, &n2);
        tdu_write(path, b2, n2);
        free(b2);
        tap_ok(npy_read_f32_first(path, &h, &y, &err) == SM_OK && y[0] == 1.5f && y[1] == -2.5f && isinf(y[2]),
               "a 2-D <f8 file: the first-step read takes it whole, converted");
        free(y);
        tdu_write(path, b, n);
        /* truncated on disk */
        tdu_write(path, b, n - 3);
        y = (float *)1;
        tap_ok(npy_read_f32(path, &h, &y, &err) == SM_EFORMAT && strstr(err.msg, "truncated data") &&
                   strstr(err.msg, "d.npy") && y == NULL, "truncated file refused: %s", err.msg);
        /* a fractional 'length' */
        snprintf(path, sizeof path, "%s/frac.npy", dir);
        double fr[4] = {1, 2, 2.5, 3};
        free(b);
        b = tdu_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", fr, sizeof fr, &n);
        tdu_write(path, b, n);
        tap_ok(npy_read_i64(path, &h, &li64, &err) == SM_EFORMAT && strstr(err.msg, "element 2"),
               "non-integer lengths refused: %s", err.msg);
        free(b);
        /* an empty file and garbage */
        snprintf(path, sizeof path, "%s/empty.npy", dir);
        tdu_write(path, "", 0);
        tap_ok(npy_read_f32(path, &h, &y, &err) == SM_EFORMAT && strstr(err.msg, "empty.npy"),
               "empty file refused: %s", err.msg);
        b = tdu_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 1000), }", NULL, 0, &n);
        snprintf(path, sizeof path, "%s/huge.npy", dir);
        tdu_write(path, b, n);
        tap_ok(npy_read_f32(path, &h, &y, &err) == SM_EFORMAT && strstr(err.msg, "truncated data"),
               "a huge shape over a tiny file is refused before allocating: %s", err.msg);
        tap_ok(npy_map_f32(path, &h, &y, &map, &err) == SM_EFORMAT && strstr(err.msg, "truncated data") && !map.addr,
               "... and before mapping: %s", err.msg);
        tap_ok(npy_read_f32_first(path, &h, &y, &err) == SM_EFORMAT && strstr(err.msg, "truncated data"),
               "... and before a first-step read: %s", err.msg);
        free(b);
    }
    snprintf(path, sizeof path, "%s/none.npy", dir);
    tap_ok(npy_read_f32(path, &h, &y, &err) == SM_EIO && strstr(err.msg, "none.npy"), "missing file: %s", err.msg);
    snprintf(path, sizeof path, "%s/nodir/x.npy", dir);
    tap_ok(npy_write(path, NPY_F4, x, 1, shape, &err) == SM_EIO, "write into a missing directory fails: %s", err.msg);
    tap_ok(npy_write(path, NPY_F8, x, 1, shape, &err) == SM_EINVAL, "writing <f8 is not offered");

    char s[64];
    h.ndim = 1;
    h.shape[0] = 7;
    npy_shape_str(&h, s, sizeof s);
    tap_ok(strcmp(s, "(7,)") == 0, "shape string (7,)");
    tdu_rmtree(dir);
    return tap_done();
}
