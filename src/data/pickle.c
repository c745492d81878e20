/* pickle.c: the pickle virtual machine of pickle.h. One loop reads opcodes
 * and keeps values on a heap stack; values live in an arena freed at once. */
#include "config.h"
#include "data/pickle.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- arena ---------------------------------------------------------------- */

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    unsigned char data[];
} arena_chunk;

enum { ARENA_CHUNK = 64 * 1024, ARENA_ALIGN = 16 };

typedef struct {
    arena_chunk *head;
} arena;

static void *arena_alloc(arena *ar, size_t size, sm_err *err)
{
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX - 2 * ARENA_ALIGN - sizeof(arena_chunk)) {
        sm_err_set(err, SM_ENOMEM, "out of memory (%zu bytes)", size);
        return NULL;
    }
    arena_chunk *c = ar->head;
    if (c) {
        uintptr_t base = (uintptr_t)c->data;
        uintptr_t p = (base + c->used + ARENA_ALIGN - 1) & ~(uintptr_t)(ARENA_ALIGN - 1);
        if (p - base + size <= c->cap) {
            c->used = p - base + size;
            memset((void *)p, 0, size);
            return (void *)p;
        }
    }
    size_t cap = size + ARENA_ALIGN > ARENA_CHUNK ? size + ARENA_ALIGN : ARENA_CHUNK;
    arena_chunk *nc = sm_alloc(1, sizeof *nc + cap, err);
    if (!nc)
        return NULL;
    nc->cap = cap;
    /* a big dedicated chunk goes behind the head so the head keeps its room */
    if (c && cap > ARENA_CHUNK) {
        nc->next = c->next;
        c->next = nc;
    } else {
        nc->next = c;
        ar->head = nc;
    }
    uintptr_t base = (uintptr_t)nc->data;
    uintptr_t p = (base + ARENA_ALIGN - 1) & ~(uintptr_t)(ARENA_ALIGN - 1);
    nc->used = p - base + size;
    return (void *)p;
}

static void arena_free(arena *ar)
{
    arena_chunk *c = ar->head;
    while (c) {
        arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    ar->head = NULL;
}

/* ---- documents ---------------------------------------------------------------- */

struct pickle_doc {
    arena ar;
    pk_value *root;
    int proto;
};

pickle_limits pickle_limits_default(void)
{
    return (pickle_limits){
        .max_stack = (size_t)1 << 22,
        .max_marks = 4096,
        .max_memo = (size_t)1 << 26,
        .max_depth = 100,
    };
}

void pickle_doc_free(pickle_doc *doc)
{
    if (!doc)
        return;
    arena_free(&doc->ar);
    free(doc);
}

const pk_value *pickle_doc_root(const pickle_doc *doc) { return doc ? doc->root : NULL; }
int pickle_doc_protocol(const pickle_doc *doc) { return doc ? doc->proto : 0; }

/* ---- the whitelist of globals ------------------------------------------------ */

enum {
    G_RECONSTRUCT, G_NDARRAY, G_DTYPE, G_SCALAR, G_FROMBUFFER,
    G_ENCODE, G_BYTES, G_BYTEARRAY, G_ODICT
};

static const struct {
    const char *module, *name;
    int id;
} globals[] = {
    {"numpy.core.multiarray", "_reconstruct", G_RECONSTRUCT},
    {"numpy._core.multiarray", "_reconstruct", G_RECONSTRUCT},
    {"numpy", "ndarray", G_NDARRAY},
    {"numpy", "dtype", G_DTYPE},
    {"numpy.core.multiarray", "scalar", G_SCALAR},
    {"numpy._core.multiarray", "scalar", G_SCALAR},
    {"numpy.core.numeric", "_frombuffer", G_FROMBUFFER},
    {"numpy._core.numeric", "_frombuffer", G_FROMBUFFER},
    {"_codecs", "encode", G_ENCODE},
    {"builtins", "bytes", G_BYTES},
    {"__builtin__", "bytes", G_BYTES},
    {"builtins", "bytearray", G_BYTEARRAY},
    {"__builtin__", "bytearray", G_BYTEARRAY},
    {"collections", "OrderedDict", G_ODICT},
};
enum { N_GLOBALS = sizeof globals / sizeof globals[0] };

/* ---- opcodes ------------------------------------------------------------------- */

static const char *opcode_name(int op)
{
    switch (op) {
    case 0x49: return "INT";
    case 0x4a: return "BININT";
    case 0x4b: return "BININT1";
    case 0x4d: return "BININT2";
    case 0x4c: return "LONG";
    case 0x8a: return "LONG1";
    case 0x8b: return "LONG4";
    case 0x53: return "STRING";
    case 0x54: return "BINSTRING";
    case 0x55: return "SHORT_BINSTRING";
    case 0x42: return "BINBYTES";
    case 0x43: return "SHORT_BINBYTES";
    case 0x8e: return "BINBYTES8";
    case 0x96: return "BYTEARRAY8";
    case 0x97: return "NEXT_BUFFER";
    case 0x98: return "READONLY_BUFFER";
    case 0x4e: return "NONE";
    case 0x88: return "NEWTRUE";
    case 0x89: return "NEWFALSE";
    case 0x56: return "UNICODE";
    case 0x8c: return "SHORT_BINUNICODE";
    case 0x58: return "BINUNICODE";
    case 0x8d: return "BINUNICODE8";
    case 0x46: return "FLOAT";
    case 0x47: return "BINFLOAT";
    case 0x5d: return "EMPTY_LIST";
    case 0x61: return "APPEND";
    case 0x65: return "APPENDS";
    case 0x6c: return "LIST";
    case 0x29: return "EMPTY_TUPLE";
    case 0x74: return "TUPLE";
    case 0x85: return "TUPLE1";
    case 0x86: return "TUPLE2";
    case 0x87: return "TUPLE3";
    case 0x7d: return "EMPTY_DICT";
    case 0x64: return "DICT";
    case 0x73: return "SETITEM";
    case 0x75: return "SETITEMS";
    case 0x8f: return "EMPTY_SET";
    case 0x90: return "ADDITEMS";
    case 0x91: return "FROZENSET";
    case 0x30: return "POP";
    case 0x32: return "DUP";
    case 0x28: return "MARK";
    case 0x31: return "POP_MARK";
    case 0x67: return "GET";
    case 0x68: return "BINGET";
    case 0x6a: return "LONG_BINGET";
    case 0x70: return "PUT";
    case 0x71: return "BINPUT";
    case 0x72: return "LONG_BINPUT";
    case 0x94: return "MEMOIZE";
    case 0x82: return "EXT1";
    case 0x83: return "EXT2";
    case 0x84: return "EXT4";
    case 0x63: return "GLOBAL";
    case 0x93: return "STACK_GLOBAL";
    case 0x52: return "REDUCE";
    case 0x62: return "BUILD";
    case 0x69: return "INST";
    case 0x6f: return "OBJ";
    case 0x81: return "NEWOBJ";
    case 0x92: return "NEWOBJ_EX";
    case 0x80: return "PROTO";
    case 0x2e: return "STOP";
    case 0x95: return "FRAME";
    case 0x50: return "PERSID";
    case 0x51: return "BINPERSID";
    }
    return NULL;
}

/* ---- the machine ---------------------------------------------------------------- */

typedef struct {
    const uint8_t *buf;
    size_t n, pos, op_pos;
    int op;
    const char *name;
    pickle_limits lim;
    arena *ar;
    pk_value **stack;      /* (scap) */
    size_t sp, scap;
    size_t *marks;         /* (mcap) stack heights at each open MARK */
    size_t nmarks, mcap;
    pk_value **memo;       /* (memo_cap) */
    size_t memo_cap, memo_used;
    int proto;
    bool saw_proto;        /* a PROTO opcode was read (protocols 2 and later) */
    sm_err *err;
} vm;

static sm_status vm_fail(vm *m, sm_status s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static sm_status vm_fail(vm *m, sm_status s, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *on = opcode_name(m->op);
    if (m->op < 0)
        return sm_err_set(m->err, s, "%s: offset %zu: %s", m->name, m->op_pos, msg);
    return sm_err_set(m->err, s, "%s: offset %zu: %s: %s", m->name, m->op_pos,
                      on ? on : "opcode", msg);
}

static sm_status truncated(vm *m, size_t need)
{
    return vm_fail(m, SM_EFORMAT, "truncated: needs %zu more bytes, %zu left",
                   need, m->n - m->pos);
}

static sm_status take(vm *m, size_t k, const uint8_t **p)
{
    if (k > m->n - m->pos)
        return truncated(m, k);
    *p = m->buf + m->pos;
    m->pos += k;
    return SM_OK;
}

static uint64_t le_uint(const uint8_t *p, int k)
{
    uint64_t v = 0;
    for (int i = k - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static sm_status read_uint(vm *m, int k, uint64_t *out)
{
    const uint8_t *p = NULL;
    sm_status s = take(m, (size_t)k, &p);
    if (s)
        return s;
    *out = le_uint(p, k);
    return SM_OK;
}

static pk_value *new_value(vm *m, pk_type t)
{
    pk_value *v = arena_alloc(m->ar, sizeof *v, m->err);
    if (v)
        v->type = t;
    return v;
}

static size_t floor_height(const vm *m) { return m->nmarks ? m->marks[m->nmarks - 1] : 0; }

static sm_status push(vm *m, pk_value *v)
{
    if (!v)
        return m->err ? m->err->status : SM_ENOMEM;
    if (m->sp == m->scap) {
        if (m->scap >= m->lim.max_stack)
            return vm_fail(m, SM_EFORMAT, "stack holds more than %zu values", m->lim.max_stack);
        size_t cap = m->scap ? m->scap * 2 : 64;
        if (cap > m->lim.max_stack)
            cap = m->lim.max_stack;
        pk_value **ns = sm_realloc(m->stack, cap, sizeof *ns, m->err);
        if (!ns)
            return SM_ENOMEM;
        m->stack = ns;
        m->scap = cap;
    }
    m->stack[m->sp++] = v;
    return SM_OK;
}

static sm_status pop(vm *m, pk_value **out)
{
    if (m->sp <= floor_height(m))
        return vm_fail(m, SM_EFORMAT, "stack underflow");
    *out = m->stack[--m->sp];
    return SM_OK;
}

static sm_status top(vm *m, pk_value **out)
{
    if (m->sp <= floor_height(m))
        return vm_fail(m, SM_EFORMAT, "stack underflow");
    *out = m->stack[m->sp - 1];
    return SM_OK;
}

/* Pops the innermost MARK; *base is its stack height (items are
 * stack[*base .. sp)). */
static sm_status pop_mark(vm *m, size_t *base)
{
    if (m->nmarks == 0)
        return vm_fail(m, SM_EFORMAT, "no MARK on the stack");
    *base = m->marks[--m->nmarks];
    return SM_OK;
}

static sm_status set_depth(vm *m, pk_value *c, const pk_value *child)
{
    if (child->depth + 1 > c->depth)
        c->depth = child->depth + 1;
    if (c->depth > m->lim.max_depth)
        return vm_fail(m, SM_EFORMAT, "containers nested deeper than %d", m->lim.max_depth);
    return SM_OK;
}

/* Makes room for one more entry (an item, or a key/value pair for a dict:
 * per = 2) in a container. */
static sm_status seq_reserve(vm *m, pk_value *c, size_t per)
{
    if (c->u.seq.n < c->u.seq.cap)
        return SM_OK;
    size_t cap = c->u.seq.cap ? c->u.seq.cap * 2 : 4;
    if (cap > SIZE_MAX / (per * sizeof(pk_value *)))
        return vm_fail(m, SM_ENOMEM, "container too large");
    pk_value **ni = arena_alloc(m->ar, cap * per * sizeof *ni, m->err);
    if (!ni)
        return SM_ENOMEM;
    if (c->u.seq.n)
        memcpy(ni, c->u.seq.items, c->u.seq.n * per * sizeof *ni);
    c->u.seq.items = ni;
    c->u.seq.cap = cap;
    return SM_OK;
}

static sm_status seq_append(vm *m, pk_value *c, pk_value *item)
{
    sm_status s = seq_reserve(m, c, 1);
    if (s)
        return s;
    c->u.seq.items[c->u.seq.n++] = item;
    return set_depth(m, c, item);
}

static sm_status dict_set(vm *m, pk_value *d, pk_value *key, pk_value *val)
{
    sm_status s = seq_reserve(m, d, 2);
    if (s)
        return s;
    d->u.seq.items[2 * d->u.seq.n] = key;
    d->u.seq.items[2 * d->u.seq.n + 1] = val;
    d->u.seq.n++;
    s = set_depth(m, d, key);
    return s ? s : set_depth(m, d, val);
}

/* A list, tuple or dict holding stack[base .. sp); pops them. */
static sm_status collect(vm *m, pk_type t, size_t base, pk_value **out)
{
    size_t k = m->sp - base;
    if (t == PK_DICT && k % 2)
        return vm_fail(m, SM_EFORMAT, "odd number of values (%zu) for key/value pairs", k);
    pk_value *c = new_value(m, t);
    if (!c)
        return SM_ENOMEM;
    if (k) {
        c->u.seq.items = arena_alloc(m->ar, k * sizeof(pk_value *), m->err);
        if (!c->u.seq.items)
            return SM_ENOMEM;
        memcpy(c->u.seq.items, m->stack + base, k * sizeof(pk_value *));
        for (size_t i = 0; i < k; i++) {
            sm_status s = set_depth(m, c, m->stack[base + i]);
            if (s)
                return s;
        }
    }
    c->u.seq.n = t == PK_DICT ? k / 2 : k;
    c->u.seq.cap = c->u.seq.n;
    m->sp = base;
    *out = c;
    return SM_OK;
}

static sm_status tuple_n(vm *m, size_t k)
{
    if (m->sp - floor_height(m) < k)
        return vm_fail(m, SM_EFORMAT, "stack underflow");
    pk_value *t;
    sm_status s = collect(m, PK_TUPLE, m->sp - k, &t);
    return s ? s : push(m, t);
}

static sm_status push_blob(vm *m, pk_type t, size_t len)
{
    const uint8_t *p = NULL;
    sm_status s = take(m, len, &p);
    if (s)
        return s;
    pk_value *v = new_value(m, t);
    if (!v)
        return SM_ENOMEM;
    v->u.s.p = (const char *)p;
    v->u.s.n = len;
    return push(m, v);
}

static sm_status push_blob_sized(vm *m, pk_type t, int width)
{
    uint64_t len;
    sm_status s = read_uint(m, width, &len);
    if (s)
        return s;
    if (len > m->n - m->pos)
        return truncated(m, len > SIZE_MAX ? SIZE_MAX : (size_t)len);
    return push_blob(m, t, (size_t)len);
}

static sm_status push_int(vm *m, int64_t i)
{
    pk_value *v = new_value(m, PK_INT);
    if (!v)
        return SM_ENOMEM;
    v->u.i = i;
    return push(m, v);
}

static sm_status push_long(vm *m, uint64_t len)
{
    if (len > m->n - m->pos)
        return truncated(m, len > SIZE_MAX ? SIZE_MAX : (size_t)len);
    if (len > 8)
        return vm_fail(m, SM_EFORMAT, "integer of %llu bytes is wider than 64 bits",
                       (unsigned long long)len);
    const uint8_t *p = NULL;
    sm_status s = take(m, (size_t)len, &p);
    if (s)
        return s;
    uint64_t u = le_uint(p, (int)len);
    if (len > 0 && len < 8 && (p[len - 1] & 0x80))
        u |= ~(uint64_t)0 << (8 * len);   /* sign extension */
    int64_t i;
    memcpy(&i, &u, sizeof i);
    return push_int(m, i);
}

static sm_status memo_put(vm *m, uint64_t idx)
{
    pk_value *v = NULL;
    sm_status s = top(m, &v);
    if (s)
        return s;
    if (idx >= m->lim.max_memo || idx > m->n)
        return vm_fail(m, SM_EFORMAT, "memo index %llu out of range", (unsigned long long)idx);
    if (idx >= m->memo_cap) {
        size_t cap = m->memo_cap ? m->memo_cap : 64;
        while (cap <= idx)
            cap *= 2;
        pk_value **nm = sm_realloc(m->memo, cap, sizeof *nm, m->err);
        if (!nm)
            return SM_ENOMEM;
        memset(nm + m->memo_cap, 0, (cap - m->memo_cap) * sizeof *nm);
        m->memo = nm;
        m->memo_cap = cap;
    }
    if (!m->memo[idx])
        m->memo_used++;
    m->memo[idx] = v;
    return SM_OK;
}

static sm_status memo_get(vm *m, uint64_t idx)
{
    if (idx >= m->memo_cap || !m->memo[idx])
        return vm_fail(m, SM_EFORMAT, "memo index %llu was never set", (unsigned long long)idx);
    return push(m, m->memo[idx]);
}

static sm_status push_global(vm *m, const char *mod, size_t nmod, const char *name, size_t nname)
{
    for (int g = 0; g < N_GLOBALS; g++) {
        if (strlen(globals[g].module) == nmod && memcmp(globals[g].module, mod, nmod) == 0 &&
            strlen(globals[g].name) == nname && memcmp(globals[g].name, name, nname) == 0) {
            pk_value *v = new_value(m, PK_GLOBAL);
            if (!v)
                return SM_ENOMEM;
            v->u.global = globals[g].id;
            return push(m, v);
        }
    }
    int a = nmod > 200 ? 200 : (int)nmod, b = nname > 200 ? 200 : (int)nname;
    char shown[420];
    snprintf(shown, sizeof shown, "%.*s.%.*s", a, mod, b, name);
    for (char *c = shown; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c == 0x7f)
            *c = '?';
    return vm_fail(m, SM_EFORMAT, "class or function %s is not allowed", shown);
}

static sm_status read_line(vm *m, const char **p, size_t *len)
{
    size_t start = m->pos, lim = m->n - m->pos < 256 ? m->n - m->pos : 256;
    for (size_t i = 0; i < lim; i++) {
        if (m->buf[start + i] == '\n') {
            *p = (const char *)m->buf + start;
            *len = i;
            m->pos = start + i + 1;
            return SM_OK;
        }
    }
    if (lim < 256)
        return vm_fail(m, SM_EFORMAT, "truncated: no end of line");
    return vm_fail(m, SM_EFORMAT, "line longer than 255 bytes");
}

/* -- numpy reconstruction -- */

static bool is_str(const pk_value *v) { return v && v->type == PK_STR; }

static sm_status parse_typestr(vm *m, const char *s, size_t n, pk_dtype_info *dt)
{
    char buf[32];
    if (n == 0 || n >= sizeof buf)
        return vm_fail(m, SM_EFORMAT, "bad numpy dtype string of %zu bytes", n);
    memcpy(buf, s, n);
    buf[n] = '\0';
    const char *p = buf;
    dt->big_endian = false;
    if (*p == '<' || *p == '|' || *p == '=') {
        p++;
    } else if (*p == '>') {
        dt->big_endian = true;
        p++;
    }
    char kind = *p++;
    long k = 0;
    if (*p < '0' || *p > '9')
        return vm_fail(m, SM_EFORMAT, "numpy dtype '%s' is not supported", buf);
    while (*p >= '0' && *p <= '9' && k < 1000000)
        k = k * 10 + (*p++ - '0');
    if (*p)
        return vm_fail(m, SM_EFORMAT, "numpy dtype '%s' is not supported", buf);
    bool ok = false;
    switch (kind) {
    case 'b': dt->kind = PK_DT_BOOL; ok = k == 1; break;
    case 'i': dt->kind = PK_DT_INT; ok = k == 1 || k == 2 || k == 4 || k == 8; break;
    case 'u': dt->kind = PK_DT_UINT; ok = k == 1 || k == 2 || k == 4 || k == 8; break;
    case 'f': dt->kind = PK_DT_FLOAT; ok = k == 2 || k == 4 || k == 8; break;
    case 'O': dt->kind = PK_DT_OBJECT; ok = k == 4 || k == 8; break;
    case 'U': dt->kind = PK_DT_UNICODE; ok = k >= 1 && k <= 1000000; k *= 4; break;
    default: break;
    }
    if (!ok)
        return vm_fail(m, SM_EFORMAT, "numpy dtype '%s' is not supported", buf);
    dt->size = (int)k;
    return SM_OK;
}

static sm_status need_tuple(vm *m, const pk_value *v, size_t lo, size_t hi, const char *what)
{
    if (!v || v->type != PK_TUPLE)
        return vm_fail(m, SM_EFORMAT, "%s: expected a tuple, got %s", what,
                       v ? pk_type_name(v->type) : "nothing");
    if (v->u.seq.n < lo || v->u.seq.n > hi)
        return vm_fail(m, SM_EFORMAT, "%s: expected %zu to %zu arguments, got %zu", what, lo, hi,
                       v->u.seq.n);
    return SM_OK;
}

static sm_status set_shape(vm *m, pk_ndarray *a, const pk_value *shape)
{
    if (!shape || shape->type != PK_TUPLE)
        return vm_fail(m, SM_EFORMAT, "array shape: expected a tuple of integers");
    if (shape->u.seq.n > PK_MAX_NDIM)
        return vm_fail(m, SM_EFORMAT, "array of %zu dimensions (at most %d)", shape->u.seq.n,
                       PK_MAX_NDIM);
    a->ndim = (int)shape->u.seq.n;
    a->count = 1;
    for (int d = 0; d < a->ndim; d++) {
        const pk_value *e = shape->u.seq.items[d];
        if (e->type != PK_INT || e->u.i < 0)
            return vm_fail(m, SM_EFORMAT, "array shape: dimension %d is not a non-negative integer", d);
        a->shape[d] = e->u.i;
        if (e->u.i != 0 && a->count > INT64_MAX / e->u.i)
            return vm_fail(m, SM_EFORMAT, "array shape: too many elements");
        a->count *= e->u.i;
    }
    return SM_OK;
}

/* Attaches raw data (bytes) or objects (a list, object dtype) to a shaped array. */
static sm_status set_data(vm *m, pk_ndarray *a, const pk_value *data)
{
    if (a->dtype.kind == PK_DT_OBJECT) {
        if (!data || (data->type != PK_LIST && data->type != PK_TUPLE))
            return vm_fail(m, SM_EFORMAT, "object array: expected a list of elements");
        if ((uint64_t)a->count != data->u.seq.n)
            return vm_fail(m, SM_EFORMAT, "object array: %zu elements for %lld in the shape",
                           data->u.seq.n, (long long)a->count);
        if (a->count) {
            a->objects = arena_alloc(m->ar, (size_t)a->count * sizeof(pk_value *), m->err);
            if (!a->objects)
                return SM_ENOMEM;
            memcpy(a->objects, data->u.seq.items, (size_t)a->count * sizeof(pk_value *));
        }
    } else {
        if (!data || (data->type != PK_BYTES && data->type != PK_STR))
            return vm_fail(m, SM_EFORMAT, "array data: expected bytes, got %s",
                           data ? pk_type_name(data->type) : "nothing");
        if ((uint64_t)a->count > SIZE_MAX / (uint64_t)a->dtype.size ||
            (size_t)a->count * (size_t)a->dtype.size != data->u.s.n)
            return vm_fail(m, SM_EFORMAT, "array data: %zu bytes for %lld elements of %d bytes",
                           data->u.s.n, (long long)a->count, a->dtype.size);
        a->data = (const uint8_t *)data->u.s.p;
    }
    a->built = true;
    return SM_OK;
}

static sm_status build_ndarray(vm *m, pk_ndarray *a, const pk_value *st)
{
    if (a->built)
        return vm_fail(m, SM_EFORMAT, "array state set twice");
    sm_status s = need_tuple(m, st, 4, 5, "array state");
    if (s)
        return s;
    pk_value *const *it = st->u.seq.items;
    if (st->u.seq.n == 5) {
        if (it[0]->type != PK_INT)
            return vm_fail(m, SM_EFORMAT, "array state: version is not an integer");
        it++;
    }
    if (it[1]->type != PK_DTYPE)
        return vm_fail(m, SM_EFORMAT, "array state: expected a numpy dtype, got %s",
                       pk_type_name(it[1]->type));
    if (it[2]->type != PK_BOOL && it[2]->type != PK_INT)
        return vm_fail(m, SM_EFORMAT, "array state: is_fortran is not a bool");
    a->dtype = *it[1]->u.dtype;
    a->fortran = it[2]->type == PK_BOOL ? it[2]->u.b : it[2]->u.i != 0;
    s = set_shape(m, a, it[0]);
    return s ? s : set_data(m, a, it[3]);
}

static sm_status build_dtype(vm *m, pk_dtype_info *dt, const pk_value *st)
{
    sm_status s = need_tuple(m, st, 2, 9, "dtype state");
    if (s)
        return s;
    const pk_value *bo = st->u.seq.items[1];
    if (!is_str(bo) || bo->u.s.n != 1 || !strchr("<>|=", bo->u.s.p[0]))
        return vm_fail(m, SM_EFORMAT, "dtype state: byte order is not one of < > | =");
    if (bo->u.s.p[0] == '>')
        dt->big_endian = true;
    else if (bo->u.s.p[0] == '<')
        dt->big_endian = false;
    if (st->u.seq.n >= 3) {
        const pk_value *names = st->u.seq.items[2];
        if (names->type != PK_NONE && names->type != PK_TUPLE)
            return vm_fail(m, SM_EFORMAT, "dtype state: bad subarray field");
        if (names->type != PK_NONE)
            return vm_fail(m, SM_EFORMAT, "numpy sub-array dtypes are not supported");
    }
    if (st->u.seq.n >= 4 && st->u.seq.items[3]->type != PK_NONE)
        return vm_fail(m, SM_EFORMAT, "numpy structured dtypes are not supported");
    if (st->u.seq.n >= 6 && dt->kind == PK_DT_UNICODE) {
        const pk_value *es = st->u.seq.items[5];
        if (es->type == PK_INT && es->u.i > 0 && es->u.i != dt->size)
            return vm_fail(m, SM_EFORMAT, "dtype state: element size %lld, expected %d",
                           (long long)es->u.i, dt->size);
    }
    return SM_OK;
}

/* Decodes UTF-8 text whose code points are all below 256 into bytes
 * (what _codecs.encode(text, "latin1") gives). */
static sm_status latin1_bytes(vm *m, const pk_value *text, pk_value **out)
{
    uint8_t *b = arena_alloc(m->ar, text->u.s.n, m->err);
    if (!b)
        return SM_ENOMEM;
    const uint8_t *p = (const uint8_t *)text->u.s.p;
    size_t n = text->u.s.n, k = 0;
    for (size_t i = 0; i < n;) {
        if (p[i] < 0x80) {
            b[k++] = p[i++];
        } else if ((p[i] & 0xe0) == 0xc0 && i + 1 < n && (p[i + 1] & 0xc0) == 0x80) {
            unsigned cp = ((unsigned)(p[i] & 0x1f) << 6) | (p[i + 1] & 0x3f);
            if (cp > 0xff || cp < 0x80)
                return vm_fail(m, SM_EFORMAT, "latin1 encode: code point U+%04X above U+00FF", cp);
            b[k++] = (uint8_t)cp;
            i += 2;
        } else {
            return vm_fail(m, SM_EFORMAT, "latin1 encode: not latin1 text at byte %zu", i);
        }
    }
    pk_value *v = new_value(m, PK_BYTES);
    if (!v)
        return SM_ENOMEM;
    v->u.s.p = (const char *)b;
    v->u.s.n = k;
    *out = v;
    return SM_OK;
}

static double half_to_double(uint16_t h)
{
    int e = (h >> 10) & 0x1f, f = h & 0x3ff;
    double v;
    if (e == 0)
        v = ldexp(f, -24);
    else if (e == 31)
        v = f ? NAN : INFINITY;
    else
        v = ldexp(f + 1024, e - 25);
    return (h & 0x8000) ? -v : v;
}

/* Reads one numeric element at p as a double. */
static double elem_number(const pk_dtype_info *dt, const uint8_t *p)
{
    uint8_t b[8];
    int k = dt->size;
    if (dt->big_endian) {
        for (int i = 0; i < k; i++)
            b[i] = p[k - 1 - i];
    } else {
        memcpy(b, p, (size_t)k);
    }
    uint64_t u = le_uint(b, k);
    switch (dt->kind) {
    case PK_DT_BOOL:
        return u != 0;
    case PK_DT_UINT:
        return (double)u;
    case PK_DT_INT:
        if (k < 8 && (u >> (8 * k - 1)) & 1)
            u |= ~(uint64_t)0 << (8 * k);
        {
            int64_t i;
            memcpy(&i, &u, sizeof i);
            return (double)i;
        }
    case PK_DT_FLOAT:
        if (k == 2)
            return half_to_double((uint16_t)u);
        if (k == 4) {
            uint32_t u32 = (uint32_t)u;
            float f;
            memcpy(&f, &u32, sizeof f);
            return f;
        } else {
            double d;
            memcpy(&d, &u, sizeof d);
            return d;
        }
    default:
        return NAN;
    }
}

static sm_status scalar_value(vm *m, const pk_value *args, pk_value **out)
{
    sm_status s = need_tuple(m, args, 2, 2, "numpy scalar");
    if (s)
        return s;
    const pk_value *dt = args->u.seq.items[0], *data = args->u.seq.items[1];
    if (dt->type != PK_DTYPE)
        return vm_fail(m, SM_EFORMAT, "numpy scalar: expected a dtype");
    const pk_dtype_info *d = dt->u.dtype;
    if (d->kind == PK_DT_OBJECT || d->kind == PK_DT_UNICODE)
        return vm_fail(m, SM_EFORMAT, "numpy scalar: only numeric scalars are supported");
    if (data->type != PK_BYTES || data->u.s.n != (size_t)d->size)
        return vm_fail(m, SM_EFORMAT, "numpy scalar: expected %d bytes of data", d->size);
    const uint8_t *p = (const uint8_t *)data->u.s.p;
    pk_value *v = NULL;
    if (d->kind == PK_DT_FLOAT) {
        v = new_value(m, PK_FLOAT);
        if (v)
            v->u.f = elem_number(d, p);
    } else if (d->kind == PK_DT_BOOL) {
        v = new_value(m, PK_BOOL);
        if (v)
            v->u.b = p[0] != 0;
    } else {
        v = new_value(m, PK_INT);
        if (v) {
            uint8_t b[8];
            for (int i = 0; i < d->size; i++)
                b[i] = d->big_endian ? p[d->size - 1 - i] : p[i];
            uint64_t u = le_uint(b, d->size);
            if (d->kind == PK_DT_INT && d->size < 8 && ((u >> (8 * d->size - 1)) & 1))
                u |= ~(uint64_t)0 << (8 * d->size);
            if (d->kind == PK_DT_UINT && u > INT64_MAX)
                return vm_fail(m, SM_EFORMAT, "numpy scalar: unsigned value above 2^63");
            memcpy(&v->u.i, &u, sizeof u);
        }
    }
    if (!v)
        return SM_ENOMEM;
    *out = v;
    return SM_OK;
}

static sm_status call_global(vm *m, int g, const pk_value *args, bool newobj, pk_value **out)
{
    sm_status s;
    pk_value *v = NULL;
    if (newobj && g != G_ODICT)
        return vm_fail(m, SM_EFORMAT, "NEWOBJ is only allowed for collections.OrderedDict");
    switch (g) {
    case G_RECONSTRUCT: {
        if ((s = need_tuple(m, args, 3, 3, "numpy _reconstruct")))
            return s;
        const pk_value *cls = args->u.seq.items[0];
        if (cls->type != PK_GLOBAL || cls->u.global != G_NDARRAY)
            return vm_fail(m, SM_EFORMAT, "numpy _reconstruct: only numpy.ndarray is allowed");
        v = new_value(m, PK_NDARRAY);
        if (!v || !(v->u.arr = arena_alloc(m->ar, sizeof *v->u.arr, m->err)))
            return SM_ENOMEM;
        break;
    }
    case G_DTYPE: {
        if ((s = need_tuple(m, args, 1, 3, "numpy dtype")))
            return s;
        const pk_value *ts = args->u.seq.items[0];
        if (!is_str(ts))
            return vm_fail(m, SM_EFORMAT, "numpy dtype: expected a type string");
        v = new_value(m, PK_DTYPE);
        if (!v || !(v->u.dtype = arena_alloc(m->ar, sizeof *v->u.dtype, m->err)))
            return SM_ENOMEM;
        if ((s = parse_typestr(m, ts->u.s.p, ts->u.s.n, v->u.dtype)))
            return s;
        break;
    }
    case G_SCALAR:
        if ((s = scalar_value(m, args, &v)))
            return s;
        break;
    case G_FROMBUFFER: {
        if ((s = need_tuple(m, args, 4, 4, "numpy _frombuffer")))
            return s;
        pk_value *const *it = args->u.seq.items;
        if (it[1]->type != PK_DTYPE)
            return vm_fail(m, SM_EFORMAT, "numpy _frombuffer: expected a dtype");
        if (!is_str(it[3]) || it[3]->u.s.n != 1 || (it[3]->u.s.p[0] != 'C' && it[3]->u.s.p[0] != 'F'))
            return vm_fail(m, SM_EFORMAT, "numpy _frombuffer: order is not 'C' or 'F'");
        v = new_value(m, PK_NDARRAY);
        if (!v || !(v->u.arr = arena_alloc(m->ar, sizeof *v->u.arr, m->err)))
            return SM_ENOMEM;
        v->u.arr->dtype = *it[1]->u.dtype;
        if (v->u.arr->dtype.kind == PK_DT_OBJECT)
            return vm_fail(m, SM_EFORMAT, "numpy _frombuffer: object arrays have no buffer");
        v->u.arr->fortran = it[3]->u.s.p[0] == 'F';
        if ((s = set_shape(m, v->u.arr, it[2])) || (s = set_data(m, v->u.arr, it[0])))
            return s;
        break;
    }
    case G_ENCODE: {
        if ((s = need_tuple(m, args, 2, 2, "_codecs.encode")))
            return s;
        const pk_value *text = args->u.seq.items[0], *enc = args->u.seq.items[1];
        if (!is_str(text) || !is_str(enc) ||
            !((enc->u.s.n == 6 && memcmp(enc->u.s.p, "latin1", 6) == 0) ||
              (enc->u.s.n == 7 && memcmp(enc->u.s.p, "latin-1", 7) == 0)))
            return vm_fail(m, SM_EFORMAT, "_codecs.encode: only (str, 'latin1') is allowed");
        if ((s = latin1_bytes(m, text, &v)))
            return s;
        break;
    }
    case G_BYTES:
    case G_BYTEARRAY:
        if ((s = need_tuple(m, args, 0, 1, "bytes")))
            return s;
        if (args->u.seq.n == 1) {
            v = args->u.seq.items[0];
            if (v->type != PK_BYTES)
                return vm_fail(m, SM_EFORMAT, "bytes: expected bytes, got %s", pk_type_name(v->type));
            if (g == G_BYTEARRAY) {
                /* a fresh object, as bytearray(b) is */
                pk_value *c = new_value(m, PK_BYTES);
                if (!c)
                    return SM_ENOMEM;
                c->u.s = v->u.s;
                v = c;
            }
        } else {
            v = new_value(m, PK_BYTES);
            if (!v)
                return SM_ENOMEM;
            v->u.s.p = "";
        }
        break;
    case G_ODICT:
        if ((s = need_tuple(m, args, 0, 0, "collections.OrderedDict")))
            return s;
        v = new_value(m, PK_DICT);
        if (!v)
            return SM_ENOMEM;
        break;
    default:
        return vm_fail(m, SM_EFORMAT, "numpy.ndarray cannot be called directly");
    }
    *out = v;
    return SM_OK;
}

static sm_status op_reduce(vm *m, bool newobj)
{
    pk_value *args = NULL, *fn = NULL, *res = NULL;
    sm_status s = pop(m, &args);
    if (!s)
        s = pop(m, &fn);
    if (s)
        return s;
    if (fn->type != PK_GLOBAL)
        return vm_fail(m, SM_EFORMAT, "cannot call a %s", pk_type_name(fn->type));
    if ((s = call_global(m, fn->u.global, args, newobj, &res)))
        return s;
    return push(m, res);
}

static sm_status op_build(vm *m)
{
    pk_value *st = NULL, *obj = NULL;
    sm_status s = pop(m, &st);
    if (!s)
        s = top(m, &obj);
    if (s)
        return s;
    if (obj->type == PK_NDARRAY)
        return build_ndarray(m, obj->u.arr, st);
    if (obj->type == PK_DTYPE)
        return build_dtype(m, obj->u.dtype, st);
    return vm_fail(m, SM_EFORMAT, "cannot set the state of a %s", pk_type_name(obj->type));
}

static sm_status op_setitems(vm *m, size_t base)
{
    if (base == 0 || base > m->sp)
        return vm_fail(m, SM_EFORMAT, "stack underflow");
    pk_value *d = m->stack[base - 1];
    size_t k = m->sp - base;
    if (d->type != PK_DICT)
        return vm_fail(m, SM_EFORMAT, "target is a %s, not a dict", pk_type_name(d->type));
    if (k % 2)
        return vm_fail(m, SM_EFORMAT, "odd number of values (%zu) for key/value pairs", k);
    for (size_t i = 0; i < k; i += 2) {
        sm_status s = dict_set(m, d, m->stack[base + i], m->stack[base + i + 1]);
        if (s)
            return s;
    }
    m->sp = base;
    return SM_OK;
}

static sm_status op_appends(vm *m, size_t base)
{
    if (base == 0 || base > m->sp)
        return vm_fail(m, SM_EFORMAT, "stack underflow");
    pk_value *l = m->stack[base - 1];
    if (l->type != PK_LIST)
        return vm_fail(m, SM_EFORMAT, "target is a %s, not a list", pk_type_name(l->type));
    for (size_t i = base; i < m->sp; i++) {
        sm_status s = seq_append(m, l, m->stack[i]);
        if (s)
            return s;
    }
    m->sp = base;
    return SM_OK;
}

static sm_status step(vm *m, bool *stop)
{
    m->op_pos = m->pos;
    m->op = -1;
    if (m->pos >= m->n)
        return vm_fail(m, SM_EFORMAT, "truncated: the pickle ends without STOP");
    int op = m->buf[m->pos++];
    m->op = op;
    uint64_t u = 0;
    size_t base = 0;
    sm_status s;
    pk_value *v = NULL, *a = NULL, *b = NULL;
    switch (op) {
    case 0x80: /* PROTO */
        if ((s = read_uint(m, 1, &u)))
            return s;
        if (u > 5)
            return vm_fail(m, SM_EFORMAT, "protocol %llu is not supported (0 to 5)", (unsigned long long)u);
        m->proto = (int)u;
        m->saw_proto = true;
        return SM_OK;
    case 0x95: /* FRAME */
        if ((s = read_uint(m, 8, &u)))
            return s;
        if (u > m->n - m->pos)
            return truncated(m, u > SIZE_MAX ? SIZE_MAX : (size_t)u);
        return SM_OK;
    case 0x2e: /* STOP */
        if (m->nmarks)
            return vm_fail(m, SM_EFORMAT, "%zu MARKs left open", m->nmarks);
        if (m->sp != 1)
            return vm_fail(m, SM_EFORMAT, "%zu values on the stack, expected 1", m->sp);
        *stop = true;
        return SM_OK;
    case 0x28: /* MARK */
        if (m->nmarks == m->mcap) {
            if (m->mcap >= m->lim.max_marks)
                return vm_fail(m, SM_EFORMAT, "more than %zu nested MARKs", m->lim.max_marks);
            size_t cap = m->mcap ? m->mcap * 2 : 16;
            if (cap > m->lim.max_marks)
                cap = m->lim.max_marks;
            size_t *nm = sm_realloc(m->marks, cap, sizeof *nm, m->err);
            if (!nm)
                return SM_ENOMEM;
            m->marks = nm;
            m->mcap = cap;
        }
        m->marks[m->nmarks++] = m->sp;
        return SM_OK;
    case 0x30: /* POP */
        if (m->sp == floor_height(m) && m->nmarks) {
            m->nmarks--;
            return SM_OK;
        }
        return pop(m, &v);
    case 0x31: /* POP_MARK */
        if ((s = pop_mark(m, &base)))
            return s;
        m->sp = base;
        return SM_OK;
    case 0x32: /* DUP */
        if ((s = top(m, &v)))
            return s;
        return push(m, v);
    case 0x4e: /* NONE */
        return push(m, new_value(m, PK_NONE));
    case 0x88: /* NEWTRUE */
    case 0x89: /* NEWFALSE */
        if (!(v = new_value(m, PK_BOOL)))
            return SM_ENOMEM;
        v->u.b = op == 0x88;
        return push(m, v);
    case 0x4a: /* BININT */
        if ((s = read_uint(m, 4, &u)))
            return s;
        return push_int(m, (int32_t)(uint32_t)u);
    case 0x4b: /* BININT1 */
        if ((s = read_uint(m, 1, &u)))
            return s;
        return push_int(m, (int64_t)u);
    case 0x4d: /* BININT2 */
        if ((s = read_uint(m, 2, &u)))
            return s;
        return push_int(m, (int64_t)u);
    case 0x8a: /* LONG1 */
        if ((s = read_uint(m, 1, &u)))
            return s;
        return push_long(m, u);
    case 0x8b: /* LONG4 */
        if ((s = read_uint(m, 4, &u)))
            return s;
        if (u & 0x80000000u)
            return vm_fail(m, SM_EFORMAT, "negative length");
        return push_long(m, u);
    case 0x47: { /* BINFLOAT: big-endian IEEE double */
        const uint8_t *p = NULL;
        if ((s = take(m, 8, &p)))
            return s;
        uint64_t bits = 0;
        for (int i = 0; i < 8; i++)
            bits = (bits << 8) | p[i];
        if (!(v = new_value(m, PK_FLOAT)))
            return SM_ENOMEM;
        memcpy(&v->u.f, &bits, sizeof bits);
        return push(m, v);
    }
    case 0x58: return push_blob_sized(m, PK_STR, 4);   /* BINUNICODE */
    case 0x8c: return push_blob_sized(m, PK_STR, 1);   /* SHORT_BINUNICODE */
    case 0x8d: return push_blob_sized(m, PK_STR, 8);   /* BINUNICODE8 */
    case 0x42: return push_blob_sized(m, PK_BYTES, 4); /* BINBYTES */
    case 0x43: return push_blob_sized(m, PK_BYTES, 1); /* SHORT_BINBYTES */
    case 0x8e: return push_blob_sized(m, PK_BYTES, 8); /* BINBYTES8 */
    case 0x96: return push_blob_sized(m, PK_BYTES, 8); /* BYTEARRAY8 */
    case 0x55: return push_blob_sized(m, PK_BYTES, 1); /* SHORT_BINSTRING */
    case 0x54: /* BINSTRING */
        if ((s = read_uint(m, 4, &u)))
            return s;
        if (u & 0x80000000u)
            return vm_fail(m, SM_EFORMAT, "negative length");
        if (u > m->n - m->pos)
            return truncated(m, (size_t)u);
        return push_blob(m, PK_BYTES, (size_t)u);
    case 0x5d: /* EMPTY_LIST */
        return push(m, new_value(m, PK_LIST));
    case 0x7d: /* EMPTY_DICT */
        return push(m, new_value(m, PK_DICT));
    case 0x29: /* EMPTY_TUPLE */
        return push(m, new_value(m, PK_TUPLE));
    case 0x85: return tuple_n(m, 1);
    case 0x86: return tuple_n(m, 2);
    case 0x87: return tuple_n(m, 3);
    case 0x74: /* TUPLE */
    case 0x6c: /* LIST */
    case 0x64: /* DICT */
        if ((s = pop_mark(m, &base)))
            return s;
        if ((s = collect(m, op == 0x74 ? PK_TUPLE : op == 0x6c ? PK_LIST : PK_DICT, base, &v)))
            return s;
        return push(m, v);
    case 0x61: /* APPEND */
        if ((s = pop(m, &v)) || (s = top(m, &a)))
            return s;
        if (a->type != PK_LIST)
            return vm_fail(m, SM_EFORMAT, "target is a %s, not a list", pk_type_name(a->type));
        return seq_append(m, a, v);
    case 0x65: /* APPENDS */
        if ((s = pop_mark(m, &base)))
            return s;
        return op_appends(m, base);
    case 0x73: /* SETITEM */
        if ((s = pop(m, &b)) || (s = pop(m, &a)))
            return s;
        if ((s = push(m, a)) || (s = push(m, b)))
            return s;
        return op_setitems(m, m->sp - 2);
    case 0x75: /* SETITEMS */
        if ((s = pop_mark(m, &base)))
            return s;
        return op_setitems(m, base);
    case 0x71: /* BINPUT */
        if ((s = read_uint(m, 1, &u)))
            return s;
        return memo_put(m, u);
    case 0x72: /* LONG_BINPUT */
        if ((s = read_uint(m, 4, &u)))
            return s;
        return memo_put(m, u);
    case 0x94: /* MEMOIZE */
        return memo_put(m, m->memo_used);
    case 0x68: /* BINGET */
        if ((s = read_uint(m, 1, &u)))
            return s;
        return memo_get(m, u);
    case 0x6a: /* LONG_BINGET */
        if ((s = read_uint(m, 4, &u)))
            return s;
        return memo_get(m, u);
    case 0x63: { /* GLOBAL: "module\nname\n" */
        const char *mod = NULL, *name = NULL;
        size_t nmod = 0, nname = 0;
        if ((s = read_line(m, &mod, &nmod)) || (s = read_line(m, &name, &nname)))
            return s;
        return push_global(m, mod, nmod, name, nname);
    }
    case 0x93: /* STACK_GLOBAL */
        if ((s = pop(m, &b)) || (s = pop(m, &a)))
            return s;
        if (!is_str(a) || !is_str(b))
            return vm_fail(m, SM_EFORMAT, "module and name are not strings");
        return push_global(m, a->u.s.p, a->u.s.n, b->u.s.p, b->u.s.n);
    case 0x52: /* REDUCE */
        return op_reduce(m, false);
    case 0x81: /* NEWOBJ */
        return op_reduce(m, true);
    case 0x62: /* BUILD */
        return op_build(m);
    case 0x97: /* NEXT_BUFFER */
    case 0x98: /* READONLY_BUFFER */
        return vm_fail(m, SM_EFORMAT, "out-of-band buffers are not supported "
                       "(pickle without a buffer_callback)");
    default:
        /* protocols 2 and later start with PROTO; without it the text
         * opcodes of protocols 0 and 1 are the likely cause */
        if (opcode_name(op) && !m->saw_proto)
            return sm_err_set(m->err, SM_EFORMAT, "%s: protocol 0/1 pickles are not supported; MMSA writes "
                              "protocol 4 (no PROTO opcode; offset %zu: %s, opcode 0x%02x)", m->name, m->op_pos,
                              opcode_name(op), op);
        if (opcode_name(op))
            return vm_fail(m, SM_EFORMAT, "opcode 0x%02x is not supported", op);
        m->op = -1;
        return vm_fail(m, SM_EFORMAT, "unknown opcode 0x%02x", op);
    }
}

sm_status pickle_parse(const uint8_t *buf, size_t n, const char *name,
                       const pickle_limits *limits, pickle_doc **out, sm_err *err)
{
    *out = NULL;
    pickle_doc *doc = sm_alloc(1, sizeof *doc, err);
    if (!doc)
        return SM_ENOMEM;
    vm m = {
        .buf = buf, .n = buf ? n : 0, .name = name ? name : "pickle",
        .lim = limits ? *limits : pickle_limits_default(),
        .ar = &doc->ar, .err = err, .op = -1,
    };
    if (m.n == 0) {
        pickle_doc_free(doc);
        return sm_err_set(err, SM_EFORMAT, "%s: empty file, not a pickle", m.name);
    }
    bool stop = false;
    sm_status s = SM_OK;
    while (!stop && !s)
        s = step(&m, &stop);
    if (!s) {
        doc->root = m.stack[0];
        doc->proto = m.proto;
    }
    free(m.stack);
    free(m.marks);
    free(m.memo);
    if (s) {
        if (err && err->status == SM_OK)
            sm_err_set(err, s, "%s: offset %zu: %s", m.name, m.op_pos, sm_status_str(s));
        pickle_doc_free(doc);
        return s;
    }
    *out = doc;
    return SM_OK;
}

/* ---- helpers over the tree -------------------------------------------------------- */

const char *pk_type_name(pk_type t)
{
    switch (t) {
    case PK_NONE: return "None";
    case PK_BOOL: return "bool";
    case PK_INT: return "int";
    case PK_FLOAT: return "float";
    case PK_STR: return "str";
    case PK_BYTES: return "bytes";
    case PK_LIST: return "list";
    case PK_TUPLE: return "tuple";
    case PK_DICT: return "dict";
    case PK_NDARRAY: return "numpy array";
    case PK_DTYPE: return "numpy dtype";
    case PK_GLOBAL: return "class or function";
    case PK_MARK: return "mark";
    }
    return "unknown";
}

bool pk_str_eq(const pk_value *v, const char *key)
{
    size_t k = strlen(key);
    return v && v->type == PK_STR && v->u.s.n == k && memcmp(v->u.s.p, key, k) == 0;
}

size_t pk_dict_size(const pk_value *d) { return d && d->type == PK_DICT ? d->u.seq.n : 0; }

const pk_value *pk_dict_key(const pk_value *d, size_t i)
{
    return i < pk_dict_size(d) ? d->u.seq.items[2 * i] : NULL;
}

const pk_value *pk_dict_value(const pk_value *d, size_t i)
{
    return i < pk_dict_size(d) ? d->u.seq.items[2 * i + 1] : NULL;
}

const pk_value *pk_dict_get(const pk_value *d, const char *key)
{
    for (size_t i = pk_dict_size(d); i-- > 0;)
        if (pk_str_eq(d->u.seq.items[2 * i], key))
            return d->u.seq.items[2 * i + 1];
    return NULL;
}

int64_t pk_seq_len(const pk_value *v)
{
    if (!v)
        return -1;
    if (v->type == PK_LIST || v->type == PK_TUPLE)
        return (int64_t)v->u.seq.n;
    if (v->type == PK_NDARRAY && v->u.arr->built)
        return v->u.arr->count;
    return -1;
}

/* Position in the data of the element at C-order flat index i. */
static int64_t data_index(const pk_ndarray *a, int64_t i)
{
    if (!a->fortran || a->ndim < 2)
        return i;
    int64_t off = 0, stride = 1, idx[PK_MAX_NDIM];
    for (int d = a->ndim - 1; d >= 0; d--) {
        idx[d] = i % a->shape[d];
        i /= a->shape[d];
    }
    for (int d = 0; d < a->ndim; d++) {
        off += idx[d] * stride;
        stride *= a->shape[d];
    }
    return off;
}

static sm_status value_number(const pk_value *e, int64_t i, double *out, sm_err *err)
{
    switch (e->type) {
    case PK_INT: *out = (double)e->u.i; return SM_OK;
    case PK_FLOAT: *out = e->u.f; return SM_OK;
    case PK_BOOL: *out = e->u.b; return SM_OK;
    default:
        return sm_err_set(err, SM_EFORMAT, "element %lld is a %s, expected a number",
                          (long long)i, pk_type_name(e->type));
    }
}

sm_status pk_seq_number(const pk_value *v, int64_t i, double *out, sm_err *err)
{
    int64_t n = pk_seq_len(v);
    if (n < 0)
        return sm_err_set(err, SM_EFORMAT, "expected a sequence of numbers, got a %s",
                          v ? pk_type_name(v->type) : "nothing");
    if (i < 0 || i >= n)
        return sm_err_set(err, SM_EINTERNAL, "element %lld out of range", (long long)i);
    if (v->type != PK_NDARRAY)
        return value_number(v->u.seq.items[i], i, out, err);
    const pk_ndarray *a = v->u.arr;
    int64_t j = data_index(a, i);
    if (a->dtype.kind == PK_DT_OBJECT)
        return value_number(a->objects[j], i, out, err);
    if (a->dtype.kind == PK_DT_UNICODE)
        return sm_err_set(err, SM_EFORMAT, "expected numbers, got an array of strings");
    *out = elem_number(&a->dtype, a->data + (size_t)j * (size_t)a->dtype.size);
    return SM_OK;
}

static sm_status copy_text(const char *p, size_t n, int64_t i, char **out, sm_err *err)
{
    if (memchr(p, '\0', n))
        return sm_err_set(err, SM_EFORMAT, "element %lld holds a NUL character", (long long)i);
    char *s = sm_alloc(n + 1, 1, err);
    if (!s)
        return SM_ENOMEM;
    memcpy(s, p, n);
    *out = s;
    return SM_OK;
}

static sm_status value_string(const pk_value *e, int64_t i, char **out, sm_err *err)
{
    if (e->type != PK_STR && e->type != PK_BYTES)
        return sm_err_set(err, SM_EFORMAT, "element %lld is a %s, expected a string",
                          (long long)i, pk_type_name(e->type));
    return copy_text(e->u.s.p, e->u.s.n, i, out, err);
}

static uint32_t ucs4_at(const uint8_t *q, bool big_endian)
{
    if (big_endian)
        return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
    return (uint32_t)le_uint(q, 4);
}

/* UCS-4 code points (trailing NULs trimmed, as numpy does) to UTF-8. */
static sm_status ucs4_string(const pk_ndarray *a, const uint8_t *p, int64_t i, char **out, sm_err *err)
{
    int k = a->dtype.size / 4;
    while (k > 0 && ucs4_at(p + 4 * (k - 1), a->dtype.big_endian) == 0)
        k--;
    char *s = sm_alloc((size_t)k * 4 + 1, 1, err);
    if (!s)
        return SM_ENOMEM;
    size_t n = 0;
    for (int j = 0; j < k; j++) {
        uint32_t c = ucs4_at(p + 4 * j, a->dtype.big_endian);
        if (c == 0 || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
            free(s);
            return sm_err_set(err, SM_EFORMAT, "element %lld: bad code point 0x%x", (long long)i, c);
        }
        if (c < 0x80) {
            s[n++] = (char)c;
        } else if (c < 0x800) {
            s[n++] = (char)(0xc0 | (c >> 6));
            s[n++] = (char)(0x80 | (c & 0x3f));
        } else if (c < 0x10000) {
            s[n++] = (char)(0xe0 | (c >> 12));
            s[n++] = (char)(0x80 | ((c >> 6) & 0x3f));
            s[n++] = (char)(0x80 | (c & 0x3f));
        } else {
            s[n++] = (char)(0xf0 | (c >> 18));
            s[n++] = (char)(0x80 | ((c >> 12) & 0x3f));
            s[n++] = (char)(0x80 | ((c >> 6) & 0x3f));
            s[n++] = (char)(0x80 | (c & 0x3f));
        }
    }
    s[n] = '\0';
    *out = s;
    return SM_OK;
}

sm_status pk_seq_string(const pk_value *v, int64_t i, char **out, sm_err *err)
{
    *out = NULL;
    int64_t n = pk_seq_len(v);
    if (n < 0)
        return sm_err_set(err, SM_EFORMAT, "expected a sequence of strings, got a %s",
                          v ? pk_type_name(v->type) : "nothing");
    if (i < 0 || i >= n)
        return sm_err_set(err, SM_EINTERNAL, "element %lld out of range", (long long)i);
    if (v->type != PK_NDARRAY)
        return value_string(v->u.seq.items[i], i, out, err);
    const pk_ndarray *a = v->u.arr;
    int64_t j = data_index(a, i);
    if (a->dtype.kind == PK_DT_OBJECT)
        return value_string(a->objects[j], i, out, err);
    if (a->dtype.kind == PK_DT_UNICODE)
        return ucs4_string(a, a->data + (size_t)j * (size_t)a->dtype.size, i, out, err);
    return sm_err_set(err, SM_EFORMAT, "expected strings, got an array of numbers");
}

sm_status pk_ndarray_to_f32(const pk_ndarray *a, float *out, sm_err *err)
{
    if (!a->built)
        return sm_err_set(err, SM_EFORMAT, "array without data (no state was set)");
    if (a->dtype.kind == PK_DT_UNICODE)
        return sm_err_set(err, SM_EFORMAT, "expected numbers, got an array of strings");
    if (a->dtype.kind == PK_DT_FLOAT && a->dtype.size == 4 && !a->dtype.big_endian &&
        (!a->fortran || a->ndim < 2)) {
        if (a->count)
            memcpy(out, a->data, (size_t)a->count * 4);
        return SM_OK;
    }
    for (int64_t i = 0; i < a->count; i++) {
        int64_t j = data_index(a, i);
        if (a->dtype.kind == PK_DT_OBJECT) {
            double d = 0;
            sm_status s = value_number(a->objects[j], i, &d, err);
            if (s)
                return s;
            out[i] = (float)d;
        } else {
            out[i] = (float)elem_number(&a->dtype, a->data + (size_t)j * (size_t)a->dtype.size);
        }
    }
    return SM_OK;
}

void pk_shape_str(const pk_ndarray *a, char *buf, size_t n)
{
    size_t k = 0;
    if (n == 0)
        return;
    buf[0] = '\0';
    k += (size_t)snprintf(buf, n, "(");
    for (int d = 0; d < a->ndim && k < n; d++)
        k += (size_t)snprintf(buf + k, n - k, "%s%lld", d ? ", " : "", (long long)a->shape[d]);
    if (k < n)
        snprintf(buf + k, n - k, a->ndim == 1 ? ",)" : ")");
}
