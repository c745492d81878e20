/* fuzz_npy.c: fuzz target for the .npy reader (header parser, size checks,
 * conversion). Any input gives an array or an error with a message; never
 * a crash, a hang, a leak or an internal error. */
#include "config.h"
#include "data/npy.h"
#include "fuzz.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    npy_header h;
    const uint8_t *d = NULL;
    sm_err err;
    sm_err_clear(&err);
    sm_status s = npy_parse(data, size, "fuzz.npy", &h, &d, &err);
    if (s == SM_OK) {
        SM_ASSERT(h.ndim >= 1 && h.ndim <= NPY_MAX_NDIM);
        SM_ASSERT(h.data_offset + h.data_bytes == size && d == data + h.data_offset);
        size_t count = 1;
        for (int i = 0; i < h.ndim; i++) {
            SM_ASSERT(h.shape[i] >= 0);
            count *= (size_t)h.shape[i];
        }
        SM_ASSERT(count == h.count && h.count * npy_dtype_size(h.dtype) == h.data_bytes);
        /* the data fits in the input, so these buffers are bounded by it */
        float *f = malloc((h.count ? h.count : 1) * sizeof *f);
        int64_t *l = malloc((h.count ? h.count : 1) * sizeof *l);
        SM_ASSERT(f && l);
        npy_convert_f32(h.dtype, d, h.count, f);
        size_t bad = 0;
        if (!npy_convert_i64(h.dtype, d, h.count, l, &bad))
            SM_ASSERT(bad < h.count);
        char shape[96];
        npy_shape_str(&h, shape, sizeof shape);
        free(f);
        free(l);
    } else {
        SM_ASSERT(s != SM_EINTERNAL);
        SM_ASSERT(err.status == s && err.msg[0] != '\0');
    }
    return 0;
}
