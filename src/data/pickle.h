/* pickle.h: a safe reader of Python pickles (protocols 2-5) over a memory
 * buffer, enough for numpy feature files (MMSA's *.pkl, SPEC section 9).
 *
 * The reader is a pickle virtual machine that builds a tree of typed values
 * (dict, list, tuple, str, bytes, int, float, bool, none, ndarray). It never
 * runs code: REDUCE, NEWOBJ and BUILD are honoured only for a whitelist of
 * callables (numpy's array and dtype reconstruction, numpy scalars, bytes and
 * bytearray constructors, collections.OrderedDict); any other global is an
 * error that names it. Every read is bounds checked, sizes and nesting are
 * limited, and the machine is a loop over a heap stack, so input cannot drive
 * recursion. All values live in one arena owned by the pickle_doc and freed
 * at once, so shared references through the memo (and even cycles) are safe.
 *
 * Strings, bytes and array data point into the input buffer where possible:
 * the buffer must outlive the pickle_doc. */
#ifndef SELFMI_PICKLE_H
#define SELFMI_PICKLE_H

#include "base/base.h"

typedef enum {
    PK_NONE,
    PK_BOOL,
    PK_INT,
    PK_FLOAT,
    PK_STR,      /* UTF-8 text (Python str) */
    PK_BYTES,    /* bytes, bytearray, or a Python 2 str */
    PK_LIST,
    PK_TUPLE,
    PK_DICT,
    PK_NDARRAY,
    PK_DTYPE,    /* a numpy dtype, as an argument of array reconstruction */
    PK_GLOBAL,   /* a whitelisted callable or class */
    PK_MARK      /* internal: never reachable from a finished document */
} pk_type;

/* Element kinds of numpy arrays the reader understands. */
typedef enum {
    PK_DT_BOOL,    /* b1 */
    PK_DT_INT,     /* i1 i2 i4 i8 */
    PK_DT_UINT,    /* u1 u2 u4 u8 */
    PK_DT_FLOAT,   /* f2 f4 f8 */
    PK_DT_UNICODE, /* U<n>: n UCS-4 code points per element */
    PK_DT_OBJECT   /* O: elements are pickled values */
} pk_dtkind;

typedef struct {
    pk_dtkind kind;
    int size;        /* bytes per element */
    bool big_endian; /* byte order of the data */
} pk_dtype_info;

enum { PK_MAX_NDIM = 32 };

typedef struct pk_value pk_value;

typedef struct {
    pk_dtype_info dtype;
    int ndim;
    int64_t shape[PK_MAX_NDIM];
    int64_t count;          /* product of shape */
    bool fortran;           /* column-major data */
    bool built;             /* state was set (BUILD or _frombuffer) */
    const uint8_t *data;    /* count * dtype.size bytes (not for PK_DT_OBJECT) */
    pk_value **objects;     /* (count) for PK_DT_OBJECT, in data order */
} pk_ndarray;

struct pk_value {
    pk_type type;
    int depth;              /* containers: 1 + deepest child (bounded) */
    union {
        bool b;
        int64_t i;
        double f;
        struct { const char *p; size_t n; } s;   /* PK_STR, PK_BYTES (not NUL-terminated) */
        struct { pk_value **items; size_t n, cap; } seq;  /* PK_LIST, PK_TUPLE; PK_DICT: 2n (key, value) */
        pk_ndarray *arr;
        pk_dtype_info *dtype;
        int global;         /* PK_GLOBAL: index into the whitelist */
    } u;
};

/* Limits; pickle_limits_default() gives values far above what real feature
 * files need and far below what would exhaust memory. */
typedef struct {
    size_t max_stack;   /* values on the machine stack */
    size_t max_marks;   /* open MARKs */
    size_t max_memo;    /* highest memo index + 1 */
    int max_depth;      /* container nesting */
} pickle_limits;

pickle_limits pickle_limits_default(void);

typedef struct pickle_doc pickle_doc;

/* Runs the pickle in buf[0..n). On success *out is a document whose root is
 * pickle_doc_root(); on failure *out is NULL and err says what and where
 * ("offset 123: opcode 0x8f (EMPTY_SET) is not supported"). name prefixes
 * messages (a file name; may be NULL). limits may be NULL (defaults). */
sm_status pickle_parse(const uint8_t *buf, size_t n, const char *name,
                       const pickle_limits *limits, pickle_doc **out, sm_err *err);
void pickle_doc_free(pickle_doc *doc);
const pk_value *pickle_doc_root(const pickle_doc *doc);
/* Protocol given by the PROTO opcode (0 when absent). */
int pickle_doc_protocol(const pickle_doc *doc);

/* Helpers over the tree. */
const char *pk_type_name(pk_type t);
/* The value under a str key of a dict (the last one set wins), or NULL. */
const pk_value *pk_dict_get(const pk_value *dict, const char *key);
/* Number of (key, value) pairs of a dict. */
size_t pk_dict_size(const pk_value *dict);
const pk_value *pk_dict_key(const pk_value *dict, size_t i);
const pk_value *pk_dict_value(const pk_value *dict, size_t i);
/* True for a str key equal to key. */
bool pk_str_eq(const pk_value *v, const char *key);

/* Length of a flat sequence: a list's or tuple's item count, a built
 * ndarray's element count (all axes); -1 for anything else. */
int64_t pk_seq_len(const pk_value *v);
/* Element i of a sequence of numbers (list/tuple of int, float, bool, or a
 * numeric ndarray of any shape in C order). */
sm_status pk_seq_number(const pk_value *v, int64_t i, double *out, sm_err *err);
/* Element i of a sequence of strings (list/tuple of str or bytes, an object
 * ndarray of them, or a U<n> ndarray) as a fresh NUL-terminated UTF-8 string
 * (free() it). */
sm_status pk_seq_string(const pk_value *v, int64_t i, char **out, sm_err *err);
/* Converts a numeric ndarray to float32 in C order: out has room for
 * arr->count values. Values are converted as C casts do. */
sm_status pk_ndarray_to_f32(const pk_ndarray *arr, float *out, sm_err *err);
/* Writes "(2, 3, 4)" into buf. */
void pk_shape_str(const pk_ndarray *arr, char *buf, size_t n);

#endif
