/* test_pickle.c: the pickle VM on hand-written opcode streams: values,
 * memo sharing, numpy arrays in each layout numpy pickles, and every kind
 * of bad input giving its own error. */
#include "config.h"
#include "data/pickle.h"
#include "../tap.h"

#include <string.h>

/* ---- a tiny pickle writer ---- */

typedef struct {
    uint8_t b[8192];
    size_t n;
} pk_buf;

static void put(pk_buf *p, const void *src, size_t n)
{
    if (p->n + n > sizeof p->b)
        abort();
    memcpy(p->b + p->n, src, n);
    p->n += n;
}
static void op(pk_buf *p, int c) { uint8_t b = (uint8_t)c; put(p, &b, 1); }
static void le(pk_buf *p, uint64_t v, int k)
{
    for (int i = 0; i < k; i++)
        op(p, (int)((v >> (8 * i)) & 0xff));
}
static void ustr(pk_buf *p, const char *s)   /* SHORT_BINUNICODE */
{
    op(p, 0x8c);
    op(p, (int)strlen(s));
    put(p, s, strlen(s));
}
static void bytes8(pk_buf *p, int opc, const void *d, size_t n)   /* BINBYTES8 / BYTEARRAY8 */
{
    op(p, opc);
    le(p, n, 8);
    put(p, d, n);
}
static void global(pk_buf *p, const char *mod, const char *name)
{
    op(p, 'c');
    put(p, mod, strlen(mod));
    op(p, '\n');
    put(p, name, strlen(name));
    op(p, '\n');
}
static void int1(pk_buf *p, int v) { op(p, 'K'); op(p, v); }
/* numpy.dtype(typestr, False, True) with BUILD state (3, order, None, None, None, -1, -1, 0) */
static void dtype(pk_buf *p, const char *typestr, const char *order)
{
    global(p, "numpy", "dtype");
    ustr(p, typestr);
    op(p, 0x89);
    op(p, 0x88);
    op(p, 0x87);
    op(p, 'R');
    op(p, '(');
    int1(p, 3);
    ustr(p, order);
    op(p, 'N');
    op(p, 'N');
    op(p, 'N');
    op(p, 'J'); le(p, 0xffffffffu, 4);
    op(p, 'J'); le(p, 0xffffffffu, 4);
    int1(p, 0);
    op(p, 't');
    op(p, 'b');
}
/* _reconstruct(ndarray, (0,), b'b') + BUILD (1, shape2, dtype, fortran, data) */
static void ndarray2(pk_buf *p, int r, int c, const char *typestr, const char *order,
                     bool fortran, const void *data, size_t n)
{
    global(p, "numpy.core.multiarray", "_reconstruct");
    global(p, "numpy", "ndarray");
    int1(p, 0);
    op(p, 0x85);
    op(p, 'C'); op(p, 1); op(p, 'b');
    op(p, 0x87);
    op(p, 'R');
    op(p, '(');
    int1(p, 1);
    int1(p, r);
    int1(p, c);
    op(p, 0x86);
    dtype(p, typestr, order);
    op(p, fortran ? 0x88 : 0x89);
    bytes8(p, 0x8e, data, n);
    op(p, 't');
    op(p, 'b');
}

static sm_status parse(const pk_buf *p, pickle_doc **doc, sm_err *err)
{
    sm_err_clear(err);
    return pickle_parse(p->b, p->n, "t.pkl", NULL, doc, err);
}

/* Parses and expects failure with a message containing want. */
static void expect_error(const pk_buf *p, const char *want, const char *what)
{
    pickle_doc *doc = (pickle_doc *)1;
    sm_err err;
    sm_status s = parse(p, &doc, &err);
    int ok = s == SM_EFORMAT && doc == NULL && strstr(err.msg, want) != NULL;
    tap_ok(ok, "%s: error mentions \"%s\"", what, want);
    if (!ok)
        tap_diag("status %d, message: %s", (int)s, err.msg);
    pickle_doc_free(doc == (pickle_doc *)1 ? NULL : doc);
}

static void test_scalars_and_containers(void)
{
    pk_buf p = {.n = 0};
    op(&p, 0x80); op(&p, 2);
    op(&p, '}'); op(&p, 'q'); op(&p, 0);
    op(&p, '(');
    ustr(&p, "i"); op(&p, 'J'); le(&p, (uint64_t)(uint32_t)-123456, 4);
    ustr(&p, "f"); op(&p, 'G'); { uint8_t be[8] = {0x3f, 0xf8, 0, 0, 0, 0, 0, 0}; put(&p, be, 8); } /* 1.5 */
    ustr(&p, "big"); op(&p, 0x8a); op(&p, 5); le(&p, 0xfffffffffeull, 5);   /* -2 in 5 bytes */
    ustr(&p, "u2"); op(&p, 'M'); le(&p, 65000, 2);
    ustr(&p, "t"); op(&p, 0x88);
    ustr(&p, "n"); op(&p, 'N');
    ustr(&p, "l"); op(&p, ']'); op(&p, 'q'); op(&p, 1);
    op(&p, '('); int1(&p, 1); int1(&p, 2); int1(&p, 3); op(&p, 'e');
    ustr(&p, "shared"); op(&p, 'h'); op(&p, 1);
    ustr(&p, "b"); op(&p, 'C'); op(&p, 3); put(&p, "x\0y", 3);
    ustr(&p, "i"); int1(&p, 7);   /* a later SETITEM wins */
    op(&p, 'u');
    op(&p, '.');

    pickle_doc *doc;
    sm_err err;
    sm_status s = parse(&p, &doc, &err);
    tap_ok(s == SM_OK, "dict of scalars parses (%s)", err.msg);
    if (s)
        return;
    const pk_value *r = pickle_doc_root(doc);
    tap_ok(r->type == PK_DICT && pk_dict_size(r) == 10, "root is a dict of 10 pairs");
    tap_ok(pickle_doc_protocol(doc) == 2, "protocol 2 recorded");
    const pk_value *v = pk_dict_get(r, "i");
    tap_ok(v && v->type == PK_INT && v->u.i == 7, "last value of a repeated key wins");
    v = pk_dict_get(r, "f");
    tap_ok(v && v->type == PK_FLOAT && v->u.f == 1.5, "BINFLOAT is big-endian 1.5");
    v = pk_dict_get(r, "big");
    tap_ok(v && v->type == PK_INT && v->u.i == -2, "LONG1 sign-extends");
    v = pk_dict_get(r, "u2");
    tap_ok(v && v->u.i == 65000, "BININT2 unsigned");
    v = pk_dict_get(r, "t");
    tap_ok(v && v->type == PK_BOOL && v->u.b, "NEWTRUE");
    v = pk_dict_get(r, "n");
    tap_ok(v && v->type == PK_NONE, "NONE");
    const pk_value *l = pk_dict_get(r, "l"), *sh = pk_dict_get(r, "shared");
    tap_ok(l && l->type == PK_LIST && pk_seq_len(l) == 3, "list of 3 from APPENDS");
    tap_ok(l == sh, "BINGET shares the memoized list");
    double d = 0;
    tap_ok(pk_seq_number(l, 2, &d, &err) == SM_OK && d == 3, "list element 2 is 3");
    v = pk_dict_get(r, "b");
    tap_ok(v && v->type == PK_BYTES && v->u.s.n == 3 && memcmp(v->u.s.p, "x\0y", 3) == 0,
           "SHORT_BINBYTES keeps NUL bytes");
    tap_ok(pk_dict_get(r, "missing") == NULL, "absent key gives NULL");
    pickle_doc_free(doc);
}

static void test_ndarray_reconstruct(void)
{
    /* float32 (2, 3) C order, little-endian */
    float a[6] = {0, 1, 2, 3, 4, 5};
    pk_buf p = {.n = 0};
    op(&p, 0x80); op(&p, 4);
    ndarray2(&p, 2, 3, "f4", "<", false, a, sizeof a);
    op(&p, '.');
    pickle_doc *doc;
    sm_err err;
    tap_ok(parse(&p, &doc, &err) == SM_OK, "_reconstruct float32 parses (%s)", err.msg);
    if (!doc)
        return;
    const pk_value *r = pickle_doc_root(doc);
    tap_ok(r->type == PK_NDARRAY && r->u.arr->ndim == 2 && r->u.arr->shape[1] == 3 &&
           r->u.arr->count == 6, "shape (2, 3)");
    float out[6];
    tap_ok(pk_ndarray_to_f32(r->u.arr, out, &err) == SM_OK && out[5] == 5.0f && out[1] == 1.0f,
           "float32 values");
    char shape[64];
    pk_shape_str(r->u.arr, shape, sizeof shape);
    tap_ok(strcmp(shape, "(2, 3)") == 0, "shape string %s", shape);
    pickle_doc_free(doc);

    /* float64 big-endian, Fortran order: logical [[0,1,2],[3,4,5]] stored by columns */
    uint8_t be[6][8];
    double col[6] = {0, 3, 1, 4, 2, 5};
    for (int i = 0; i < 6; i++) {
        uint64_t u;
        memcpy(&u, &col[i], 8);
        for (int k = 0; k < 8; k++)
            be[i][k] = (uint8_t)(u >> (56 - 8 * k));
    }
    p.n = 0;
    op(&p, 0x80); op(&p, 2);
    ndarray2(&p, 2, 3, "f8", ">", true, be, sizeof be);
    op(&p, '.');
    tap_ok(parse(&p, &doc, &err) == SM_OK, "big-endian Fortran float64 parses (%s)", err.msg);
    if (!doc)
        return;
    r = pickle_doc_root(doc);
    int good = pk_ndarray_to_f32(r->u.arr, out, &err) == SM_OK;
    for (int i = 0; i < 6; i++)
        good &= out[i] == (float)i;
    tap_ok(good, "byte-swapped, transposed to C order");
    double d;
    tap_ok(pk_seq_number(r, 4, &d, &err) == SM_OK && d == 4, "element 4 in C order is 4");
    pickle_doc_free(doc);

    /* int64 and a mismatch between data length and shape */
    int64_t iv[2] = {-1, 7};
    p.n = 0;
    op(&p, 0x80); op(&p, 2);
    ndarray2(&p, 1, 2, "i8", "<", false, iv, sizeof iv);
    op(&p, '.');
    tap_ok(parse(&p, &doc, &err) == SM_OK && pk_seq_number(pickle_doc_root(doc), 0, &d, &err) == SM_OK &&
           d == -1, "int64 array element -1");
    pickle_doc_free(doc);
    p.n = 0;
    op(&p, 0x80); op(&p, 2);
    ndarray2(&p, 2, 2, "i8", "<", false, iv, sizeof iv);
    op(&p, '.');
    expect_error(&p, "16 bytes for 4 elements of 8 bytes", "array data shorter than its shape");
    p.n = 0;
    op(&p, 0x80); op(&p, 2);
    ndarray2(&p, 1, 2, "c16", "<", false, iv, sizeof iv);
    op(&p, '.');
    expect_error(&p, "dtype 'c16' is not supported", "complex dtype");
}

static void test_frombuffer_and_strings(void)
{
    /* protocol 5: _frombuffer(bytearray, dtype, shape, 'F') */
    float col[4] = {1, 3, 2, 4};   /* [[1, 2], [3, 4]] by columns */
    pk_buf p = {.n = 0};
    op(&p, 0x80); op(&p, 5);
    op(&p, 0x95); le(&p, 0, 8);   /* an empty frame is harmless */
    ustr(&p, "numpy._core.numeric"); ustr(&p, "_frombuffer"); op(&p, 0x93);
    op(&p, '(');
    bytes8(&p, 0x96, col, sizeof col);
    dtype(&p, "f4", "<");
    int1(&p, 2); int1(&p, 2); op(&p, 0x86);
    ustr(&p, "F");
    op(&p, 't');
    op(&p, 'R');
    op(&p, '.');
    pickle_doc *doc;
    sm_err err;
    tap_ok(parse(&p, &doc, &err) == SM_OK, "numpy 2 _frombuffer parses (%s)", err.msg);
    if (doc) {
        float out[4];
        const pk_value *r = pickle_doc_root(doc);
        tap_ok(r->type == PK_NDARRAY && pk_ndarray_to_f32(r->u.arr, out, &err) == SM_OK &&
               out[0] == 1 && out[1] == 2 && out[2] == 3 && out[3] == 4, "Fortran buffer to C order");
        pickle_doc_free(doc);
    }

    /* protocol 2 bytes: _codecs.encode(u'\u00e9a', 'latin1') */
    p.n = 0;
    op(&p, 0x80); op(&p, 2);
    global(&p, "_codecs", "encode");
    op(&p, 'X'); le(&p, 3, 4); put(&p, "\xc3\xa9" "a", 3);
    ustr(&p, "latin1");
    op(&p, 0x86);
    op(&p, 'R');
    op(&p, '.');
    tap_ok(parse(&p, &doc, &err) == SM_OK, "_codecs.encode parses (%s)", err.msg);
    if (doc) {
        const pk_value *r = pickle_doc_root(doc);
        tap_ok(r->type == PK_BYTES && r->u.s.n == 2 && (uint8_t)r->u.s.p[0] == 0xe9 && r->u.s.p[1] == 'a',
               "latin1 bytes e9 61");
        pickle_doc_free(doc);
    }
    p.n = 0;
    op(&p, 0x80); op(&p, 2);
    global(&p, "_codecs", "encode");
    ustr(&p, "\xe2\x82\xac");
    ustr(&p, "latin1");
    op(&p, 0x86);
    op(&p, 'R');
    op(&p, '.');
    expect_error(&p, "latin1 encode", "a euro sign is not latin1");

    /* a U3 array ["ab", "\u00e9"] and an object array of str */
    uint32_t ucs[6] = {'a', 'b', 0, 0xe9, 0, 0};
    p.n = 0;
    op(&p, 0x80); op(&p, 4);
    op(&p, ']');
    op(&p, '(');
    ndarray2(&p, 1, 2, "U3", "<", false, ucs, sizeof ucs);
    global(&p, "numpy.core.multiarray", "_reconstruct");
    global(&p, "numpy", "ndarray");
    int1(&p, 0); op(&p, 0x85); op(&p, 'C'); op(&p, 1); op(&p, 'b'); op(&p, 0x87); op(&p, 'R');
    op(&p, '(');
    int1(&p, 1); int1(&p, 2); op(&p, 0x85);
    dtype(&p, "O8", "|");
    op(&p, 0x89);
    op(&p, ']'); op(&p, '('); ustr(&p, "x$_$1"); ustr(&p, "y"); op(&p, 'e');
    op(&p, 't');
    op(&p, 'b');
    global(&p, "numpy.core.multiarray", "scalar");
    dtype(&p, "f8", "<");
    { double h = 0.25; op(&p, 'C'); op(&p, 8); put(&p, &h, 8); }
    op(&p, 0x86);
    op(&p, 'R');
    op(&p, 'e');
    op(&p, '.');
    tap_ok(parse(&p, &doc, &err) == SM_OK, "string arrays and a numpy scalar parse (%s)", err.msg);
    if (doc) {
        const pk_value *r = pickle_doc_root(doc);
        char *s = NULL;
        const pk_value *u = r->u.seq.items[0], *o = r->u.seq.items[1], *sc = r->u.seq.items[2];
        tap_ok(pk_seq_string(u, 1, &s, &err) == SM_OK && strcmp(s, "\xc3\xa9") == 0,
               "U3 element 1 is e-acute in UTF-8");
        free(s);
        tap_ok(pk_seq_string(u, 0, &s, &err) == SM_OK && strcmp(s, "ab") == 0, "U3 element 0 is ab");
        free(s);
        tap_ok(pk_seq_string(o, 0, &s, &err) == SM_OK && strcmp(s, "x$_$1") == 0, "object array element");
        free(s);
        tap_ok(sc->type == PK_FLOAT && sc->u.f == 0.25, "numpy float64 scalar is 0.25");
        double d;
        tap_ok(pk_seq_number(o, 0, &d, &err) == SM_EFORMAT && strstr(err.msg, "expected a number"),
               "a string is not a number");
        pickle_doc_free(doc);
    }
}

static void test_errors(void)
{
    pk_buf p = {.n = 0};
    op(&p, 0x80); op(&p, 2); op(&p, ']');
    expect_error(&p, "ends without STOP", "no STOP");

    p.n = 0;
    op(&p, 0x80); op(&p, 2); op(&p, 'X'); le(&p, 10, 4); put(&p, "abc", 3);
    expect_error(&p, "truncated: needs 10 more bytes, 3 left", "short BINUNICODE");

    p.n = 0;
    op(&p, 0x80); op(&p, 4); op(&p, 0x8d); le(&p, (uint64_t)1 << 63, 8); put(&p, "abc.", 4);
    expect_error(&p, "truncated", "BINUNICODE8 declaring 2^63 bytes");

    p.n = 0;
    op(&p, 0x80); op(&p, 4); op(&p, 0x95); le(&p, ~(uint64_t)0, 8); op(&p, 'N'); op(&p, '.');
    expect_error(&p, "truncated", "FRAME declaring 2^64-1 bytes");

    p.n = 0;
    op(&p, 0x80); op(&p, 2); op(&p, 0x8b); le(&p, 0x7fffffff, 4); op(&p, '.');
    expect_error(&p, "truncated", "LONG4 declaring 2 GB");

    p.n = 0;
    op(&p, 0x80); op(&p, 2); op(&p, 0x8a); op(&p, 9); le(&p, 1, 8); op(&p, 0); op(&p, '.');
    expect_error(&p, "wider than 64 bits", "LONG1 of 9 bytes");

    p.n = 0;
    op(&p, 0x80); op(&p, 2); op(&p, 0xff);
    expect_error(&p, "offset 2: unknown opcode 0xff", "unknown opcode");

    p.n = 0;
    op(&p, 0x80); op(&p, 4); op(&p, 0x8f); op(&p, '.');
    expect_error(&p, "EMPTY_SET: opcode 0x8f is not supported", "EMPTY_SET");

    p.n = 0;
    op(&p, 0x80); op(&p, 6); op(&p, 'N'); op(&p, '.');
    expect_error(&p, "protocol 6 is not supported", "protocol 6");

    /* pickle.dumps({'a': 1}, protocol=0): no PROTO opcode, text opcodes */
    p.n = 0;
    for (const char *q = "(dp0\nVa\np1\nI1\ns."; *q; q++)
        op(&p, (uint8_t)*q);
    expect_error(&p, "t.pkl: protocol 0/1 pickles are not supported; MMSA writes protocol 4", "protocol 0 named");
    /* protocol 2 onwards: the opcode itself is named */
    p.n = 0;
    op(&p, 0x80); op(&p, 2); op(&p, 'N'); op(&p, 'p'); op(&p, '1'); op(&p, '\n'); op(&p, '.');
    expect_error(&p, "PUT: opcode 0x70 is not supported", "PUT in a protocol 2 pickle");

    p.n = 0;
    op(&p, 0x80); op(&p, 2); op(&p, 'h'); op(&p, 7); op(&p, '.');
    expect_error(&p, "memo index 7 was never set", "BINGET of an unset memo slot");

    p.n = 0;
    op(&p, 0x80); op(&p, 2); op(&p, 'N'); op(&p, 'r'); le(&p, 0xffffffffu, 4); op(&p, '.');
    expect_error(&p, "memo index 4294967295 out of range", "LONG_BINPUT far out of range");

    p.n = 0;
    op(&p, 0x80); op(&p, 2); op(&p, '('); op(&p, 'q'); op(&p, 0); op(&p, '.');
    expect_error(&p, "stack underflow", "memoizing a MARK");

    p.n = 0;
    op(&p, 0x80); op(&p, 2); op(&p, 'a'); op(&p, '.');
    expect_error(&p, "APPEND: stack underflow", "APPEND on an empty stack");

    p.n = 0;
    op(&p, 0x80); op(&p, 2); op(&p, ']'); op(&p, 'N'); op(&p, 'N'); op(&p, 's'); op(&p, '.');
    expect_error(&p, "not a dict", "SETITEM on a list");

    p.n = 0;
    op(&p, 0x80); op(&p, 2); op(&p, 'N'); op(&p, 'N'); op(&p, '.');
    expect_error(&p, "2 values on the stack", "STOP with two values");

    p.n = 0;
    op(&p, 0x80); op(&p, 2); op(&p, '('); op(&p, 'N'); op(&p, '.');
    expect_error(&p, "MARKs left open", "STOP inside a MARK");

    p.n = 0;
    op(&p, 0x80); op(&p, 2); global(&p, "os", "system"); ustr(&p, "ls"); op(&p, 0x85); op(&p, 'R'); op(&p, '.');
    expect_error(&p, "class or function os.system is not allowed", "os.system");

    p.n = 0;
    op(&p, 0x80); op(&p, 4); ustr(&p, "builtins"); ustr(&p, "eval"); op(&p, 0x93); op(&p, '.');
    expect_error(&p, "builtins.eval is not allowed", "STACK_GLOBAL builtins.eval");

    p.n = 0;
    op(&p, 0x80); op(&p, 5); op(&p, 0x97); op(&p, '.');
    expect_error(&p, "out-of-band buffers", "NEXT_BUFFER");

    p.n = 0;
    op(&p, 0x80); op(&p, 2); op(&p, 'N'); op(&p, 'N'); op(&p, 'b'); op(&p, '.');
    expect_error(&p, "cannot set the state of a None", "BUILD on None");

    p.n = 0;
    op(&p, 0x80); op(&p, 2); int1(&p, 1); op(&p, ')'); op(&p, 'R'); op(&p, '.');
    expect_error(&p, "cannot call a int", "REDUCE on an int");

    /* deep nesting: MARKs, then nested lists */
    p.n = 0;
    op(&p, 0x80); op(&p, 2);
    for (int i = 0; i < 5000; i++)
        op(&p, '(');
    op(&p, '.');
    expect_error(&p, "more than 4096 nested MARKs", "5000 nested MARKs");

    p.n = 0;
    op(&p, 0x80); op(&p, 2);
    for (int i = 0; i < 150; i++)
        op(&p, ']');
    for (int i = 0; i < 149; i++)
        op(&p, 'a');
    op(&p, '.');
    expect_error(&p, "nested deeper than 100", "150 nested lists");

    /* a list appended to itself is a cycle: bounded, then refused */
    p.n = 0;
    op(&p, 0x80); op(&p, 2); op(&p, ']'); op(&p, 'q'); op(&p, 0);
    for (int i = 0; i < 200; i++) {
        op(&p, 'h'); op(&p, 0); op(&p, 'a');
    }
    op(&p, '.');
    expect_error(&p, "nested deeper", "a list appended to itself 200 times");

    /* huge declared array shape with little data */
    uint8_t four[4] = {0};
    p.n = 0;
    op(&p, 0x80); op(&p, 2);
    global(&p, "numpy.core.multiarray", "_reconstruct");
    global(&p, "numpy", "ndarray");
    int1(&p, 0); op(&p, 0x85); op(&p, 'C'); op(&p, 1); op(&p, 'b'); op(&p, 0x87); op(&p, 'R');
    op(&p, '('); int1(&p, 1);
    op(&p, 0x8a); op(&p, 8); le(&p, (uint64_t)1 << 40, 8);
    op(&p, 0x8a); op(&p, 8); le(&p, (uint64_t)1 << 40, 8);
    op(&p, 0x86);
    dtype(&p, "f4", "<");
    op(&p, 0x89);
    bytes8(&p, 0x8e, four, 4);
    op(&p, 't'); op(&p, 'b'); op(&p, '.');
    expect_error(&p, "too many elements", "shape (2^40, 2^40)");

    /* a limit on the stack */
    p.n = 0;
    op(&p, 0x80); op(&p, 2);
    for (int i = 0; i < 100; i++)
        op(&p, 'N');
    op(&p, '.');
    pickle_limits lim = pickle_limits_default();
    lim.max_stack = 50;
    pickle_doc *doc = NULL;
    sm_err err;
    sm_status s = pickle_parse(p.b, p.n, "t.pkl", &lim, &doc, &err);
    tap_ok(s == SM_EFORMAT && strstr(err.msg, "more than 50 values"), "stack limit: %s", err.msg);

    tap_ok(pickle_parse(NULL, 0, "e.pkl", NULL, &doc, &err) == SM_EFORMAT && strstr(err.msg, "empty"),
           "empty input");
}

/* Every prefix of a valid pickle fails cleanly; the whole parses. */
static void test_all_prefixes(void)
{
    float a[6] = {0, 1, 2, 3, 4, 5};
    pk_buf p = {.n = 0};
    op(&p, 0x80); op(&p, 4);
    op(&p, '}');
    op(&p, '(');
    ustr(&p, "x");
    ndarray2(&p, 2, 3, "f4", "<", false, a, sizeof a);
    ustr(&p, "s");
    op(&p, ']'); op(&p, '('); ustr(&p, "a$_$b"); op(&p, 'X'); le(&p, 2, 4); put(&p, "hi", 2); op(&p, 'e');
    op(&p, 'u');
    op(&p, '.');
    int bad = 0;
    for (size_t k = 0; k < p.n; k++) {
        pickle_doc *doc = NULL;
        sm_err err;
        uint8_t *copy = malloc(k ? k : 1);
        memcpy(copy, p.b, k);
        sm_status s = pickle_parse(copy, k, "cut.pkl", NULL, &doc, &err);
        if (s != SM_EFORMAT || doc)
            bad++;
        pickle_doc_free(doc);
        free(copy);
    }
    tap_ok(bad == 0, "all %zu truncations are format errors", p.n);
    pickle_doc *doc = NULL;
    sm_err err;
    tap_ok(parse(&p, &doc, &err) == SM_OK, "the whole stream parses");
    pickle_doc_free(doc);
}

int main(void)
{
    test_scalars_and_containers();
    test_ndarray_reconstruct();
    test_frombuffer_and_strings();
    test_errors();
    test_all_prefixes();
    return tap_done();
}
