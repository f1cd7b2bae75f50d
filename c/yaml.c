/* hfl's YAML core: see yaml.h. Decoding follows go-yaml (v3 by default, v2's YAML 1.1
 * scalars on request) because Helmfile reads every file with it; encoding reproduces
 * go-yaml v3's output with indent 2, which is what Helmfile writes for helm. */
#include "yaml.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

/* ---- arena ---------------------------------------------------------------------------- */

typedef struct chunk {
    struct chunk *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
} chunk;

struct yv_arena {
    chunk *head;
};

yv_arena *yv_arena_new(void)
{
    return calloc(1, sizeof(yv_arena));
}

void yv_arena_free(yv_arena *a)
{
    if (!a)
        return;
    for (chunk *c = a->head, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(a);
}

void *yv_alloc(yv_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    chunk *c = a->head;
    if (!c || c->size - c->used < n) {
        size_t size = n > 60000 ? n : 65536 - sizeof(chunk);
        c = malloc(sizeof(chunk) + size);
        if (!c)
            return NULL;
        c->size = size;
        c->used = 0;
        /* A big block goes behind the current chunk so the current one keeps filling. */
        if (a->head && n > 60000) {
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

static char *arena_strdup(yv_arena *a, const char *s, size_t len)
{
    char *p = yv_alloc(a, len + 1);
    if (p) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

yv *yv_new(yv_arena *a, yv_kind kind)
{
    yv *v = yv_alloc(a, sizeof(yv));
    if (v) {
        memset(v, 0, sizeof *v);
        v->kind = kind;
    }
    return v;
}

yv *yv_new_str(yv_arena *a, const char *s, size_t len)
{
    yv *v = yv_new(a, YV_STR);
    if (v && !(v->as.s.ptr = arena_strdup(a, s, len)))
        return NULL;
    if (v)
        v->as.s.len = len;
    return v;
}

/* Arrays in the arena grow by doubling; the old block is simply abandoned. */
static void *grow(yv_arena *a, void *items, size_t len, size_t *cap, size_t elem)
{
    if (len < *cap)
        return items;
    size_t ncap = *cap ? *cap * 2 : 4;
    void *n = yv_alloc(a, ncap * elem);
    if (!n)
        return NULL;
    if (len)
        memcpy(n, items, len * elem);
    *cap = ncap;
    return n;
}

int yv_map_set(yv_arena *a, yv *map, const char *key, size_t klen, yv *val, size_t *cap)
{
    yv_pair *items = grow(a, map->as.map.items, map->as.map.len, cap, sizeof(yv_pair));
    if (!items)
        return -1;
    map->as.map.items = items;
    yv_pair *p = &items[map->as.map.len++];
    p->key = arena_strdup(a, key, klen);
    p->klen = klen;
    p->val = val;
    return p->key ? 0 : -1;
}

int yv_list_push(yv_arena *a, yv *list, yv *item, size_t *cap)
{
    yv **items = grow(a, list->as.list.items, list->as.list.len, cap, sizeof(yv *));
    if (!items)
        return -1;
    list->as.list.items = items;
    items[list->as.list.len++] = item;
    return 0;
}

void yv_doc_free(yv_doc *doc)
{
    yv_arena_free(doc->arena);
    doc->arena = NULL;
    doc->root = NULL;
}

/* ---- key sets: duplicate checks and merge lookups for big maps ------------------------- */

typedef struct {
    size_t *slots;  /* index + 1 into the pairs; 0 = empty */
    size_t mask;
} keyset;

static uint64_t hash_key(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static int keyset_init(keyset *ks, size_t n)
{
    size_t size = 16;
    while (size < n * 2)
        size <<= 1;
    ks->slots = calloc(size, sizeof(size_t));
    ks->mask = size - 1;
    return ks->slots ? 0 : -1;
}

/* Returns the index of an equal key already in the set, else adds idx and returns -1. */
static long keyset_find_add(keyset *ks, const yv_pair *pairs, size_t idx, int add)
{
    const yv_pair *p = &pairs[idx];
    size_t h = hash_key(p->key, p->klen) & ks->mask;
    while (ks->slots[h]) {
        const yv_pair *q = &pairs[ks->slots[h] - 1];
        if (q->klen == p->klen && memcmp(q->key, p->key, p->klen) == 0)
            return (long)(ks->slots[h] - 1);
        h = (h + 1) & ks->mask;
    }
    if (add)
        ks->slots[h] = idx + 1;
    return -1;
}

/* ---- scalars ----------------------------------------------------------------------------- */

/* Go's strconv.ParseInt/ParseUint with base 0 on an underscore-free string.
 * Returns 1 for int64 (*i), 2 for uint64 above INT64_MAX (*u), 0 when not an integer. */
static int parse_go_int(const char *s, int64_t *i, uint64_t *u)
{
    int neg = 0;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        base = 16, s += 2;
    else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
        base = 8, s += 2;
    else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
        base = 2, s += 2;
    else if (s[0] == '0' && s[1])
        base = 8, s += 1;
    if (!*s)
        return 0;
    uint64_t acc = 0;
    for (; *s; s++) {
        int d;
        if (*s >= '0' && *s <= '9')
            d = *s - '0';
        else if (*s >= 'a' && *s <= 'f')
            d = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F')
            d = *s - 'A' + 10;
        else
            return 0;
        if (d >= base)
            return 0;
        if (acc > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
            return 0;
        acc = acc * (uint64_t)base + (uint64_t)d;
    }
    if (neg) {
        if (acc > (uint64_t)INT64_MAX + 1)
            return 0;
        *i = acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)acc;
        return 1;
    }
    if (acc <= (uint64_t)INT64_MAX) {
        *i = (int64_t)acc;
        return 1;
    }
    *u = acc;
    return 2;
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static int yaml_style_float(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    if (*s == '.') {
        s++;
        if (!isdigit((unsigned char)*s))
            return 0;
        while (isdigit((unsigned char)*s))
            s++;
    } else {
        if (!isdigit((unsigned char)*s))
            return 0;
        while (isdigit((unsigned char)*s))
            s++;
        if (*s == '.') {
            s++;
            while (isdigit((unsigned char)*s))
                s++;
        }
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!isdigit((unsigned char)*s))
            return 0;
        while (isdigit((unsigned char)*s))
            s++;
    }
    return *s == '\0';
}

/* Go's ParseFloat fails on overflow, where strtod returns HUGE_VAL. */
static int parse_float(const char *s, double *out)
{
    errno = 0;
    char *end;
    double f = strtod(s, &end);
    if (*end || (errno == ERANGE && isinf(f)))
        return 0;
    *out = f;
    return 1;
}

static int digits_n(const char **p, int min, int max, int *val)
{
    int n = 0, v = 0;
    while (n < max && isdigit((unsigned char)(*p)[n]))
        v = v * 10 + ((*p)[n++] - '0');
    if (n < min)
        return 0;
    *p += n;
    *val = v;
    return 1;
}

/* go-yaml's timestamp forms: 2006-1-2, 2006-1-2 15:4:5[.frac], 2006-1-2T15:4:5[.frac]Z07:00. */
static int looks_like_timestamp(const char *s)
{
    int y, mo, d, h, mi, sec;
    const char *p = s;
    if (!digits_n(&p, 4, 4, &y) || *p++ != '-' || !digits_n(&p, 1, 2, &mo) || *p++ != '-' ||
        !digits_n(&p, 1, 2, &d))
        return 0;
    if (mo < 1 || mo > 12 || d < 1 || d > 31)
        return 0;
    if (!*p)
        return 1;
    char sep = *p++;
    if (sep != 'T' && sep != 't' && sep != ' ')
        return 0;
    if (!digits_n(&p, 1, 2, &h) || *p++ != ':' || !digits_n(&p, 1, 2, &mi) || *p++ != ':' ||
        !digits_n(&p, 1, 2, &sec) || h > 23 || mi > 59 || sec > 59)
        return 0;
    if (*p == '.') {
        p++;
        int f;
        if (!digits_n(&p, 1, 9, &f))
            return 0;
    }
    if (sep == ' ')
        return *p == '\0';
    if (*p == 'Z')
        return p[1] == '\0';
    if (*p != '+' && *p != '-')
        return 0;
    p++;
    int zh, zm;
    return digits_n(&p, 2, 2, &zh) && *p++ == ':' && digits_n(&p, 2, 2, &zm) && *p == '\0';
}

enum { T_NONE, T_STR, T_BOOL, T_INT, T_FLOAT, T_NULL, T_TIMESTAMP, T_BINARY, T_MERGE, T_OTHER };

static int short_tag(const char *tag)
{
    if (!tag || !*tag || strcmp(tag, "!") == 0)
        return T_NONE;
    static const struct { const char *name; int t; } tags[] = {
        {"tag:yaml.org,2002:str", T_STR},     {"tag:yaml.org,2002:bool", T_BOOL},
        {"tag:yaml.org,2002:int", T_INT},     {"tag:yaml.org,2002:float", T_FLOAT},
        {"tag:yaml.org,2002:null", T_NULL},   {"tag:yaml.org,2002:timestamp", T_TIMESTAMP},
        {"tag:yaml.org,2002:binary", T_BINARY}, {"tag:yaml.org,2002:merge", T_MERGE},
    };
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
        if (strcmp(tag, tags[i].name) == 0)
            return tags[i].t;
    return T_OTHER;
}

typedef struct {
    int t;  /* T_STR, T_BOOL, T_INT, T_FLOAT, T_NULL, T_TIMESTAMP (kept as a string) */
    int b, is_uint;
    int64_t i;
    uint64_t u;
    double f;
} resolved;

static int in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

static const char *const true_v3[] = {"true", "True", "TRUE", NULL};
static const char *const false_v3[] = {"false", "False", "FALSE", NULL};
static const char *const true_v2[] = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE",
                                      "on", "On", "ON", NULL};
static const char *const false_v2[] = {"n", "N", "no", "No", "NO", "false", "False", "FALSE",
                                       "off", "Off", "OFF", NULL};
static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};

/* What an untagged plain scalar means, as go-yaml's resolve() decides. s is NUL-terminated. */
static void resolve_plain(const char *s, size_t len, int yaml11, resolved *r)
{
    memset(r, 0, sizeof *r);
    r->t = T_STR;
    char c = s[0];
    int hint = (c == '+' || c == '-') ? 'S'
             : isdigit((unsigned char)c) ? 'D'
             : (len == 0 || strchr("yYnNtTfFoO~", c)) ? 'M'
             : c == '.' ? '.'
             : 0;
    if (!hint)
        return;
    if (in_list(s, yaml11 ? true_v2 : true_v3)) {
        r->t = T_BOOL, r->b = 1;
        return;
    }
    if (in_list(s, yaml11 ? false_v2 : false_v3)) {
        r->t = T_BOOL, r->b = 0;
        return;
    }
    if (in_list(s, nulls)) {
        r->t = T_NULL;
        return;
    }
    if (!strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN")) {
        r->t = T_FLOAT, r->f = NAN;
        return;
    }
    const char *inf = (*s == '+' || *s == '-') ? s + 1 : s;
    if (!strcmp(inf, ".inf") || !strcmp(inf, ".Inf") || !strcmp(inf, ".INF")) {
        r->t = T_FLOAT, r->f = *s == '-' ? -INFINITY : INFINITY;
        return;
    }
    if (hint == '.') {
        if (yaml_style_float(s) && parse_float(s, &r->f))
            r->t = T_FLOAT;
        return;
    }
    if (hint == 'M')
        return;
    if (looks_like_timestamp(s)) {
        r->t = T_TIMESTAMP;
        return;
    }
    char small[64], *plain = len < sizeof small ? small : malloc(len + 1);
    if (!plain)
        return;
    size_t n = 0;
    for (size_t k = 0; k < len; k++)
        if (s[k] != '_')
            plain[n++] = s[k];
    plain[n] = '\0';
    int k = parse_go_int(plain, &r->i, &r->u);
    if (k) {
        r->t = T_INT;
        r->is_uint = k == 2;
    } else if (yaml_style_float(plain) && parse_float(plain, &r->f)) {
        r->t = T_FLOAT;
    }
    if (plain != small)
        free(plain);
}

/* ---- errors ------------------------------------------------------------------------------- */

static void seterr(char *err, size_t errlen, const char *file, size_t line, size_t col,
                   const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    int n;
    if (line)
        n = snprintf(err, errlen, "%s:%zu:%zu: ", file ? file : "<input>", line, col);
    else
        n = snprintf(err, errlen, "%s: ", file ? file : "<input>");
    if (n < 0 || (size_t)n >= errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

/* ---- decode ------------------------------------------------------------------------------- */

typedef struct {
    yv_pair pair;
    size_t line, col;
    int is_merge;
} pending_pair;

typedef struct {
    yv_kind kind;       /* YV_MAP or YV_LIST */
    char *anchor;       /* malloc'd; registered when the node completes */
    size_t line, col;
    /* lists */
    yv **items;
    size_t len, cap;
    /* maps */
    pending_pair *pairs;
    size_t plen, pcap;
    int have_key;
    pending_pair key;
} frame;

typedef struct {
    char *name;
    yv *node;
} anchor_entry;

typedef struct {
    const yv_decode_opts *opts;
    yv_arena *arena;
    char *err;
    size_t errlen;
    frame *stack;
    size_t depth, cap;
    anchor_entry *anchors;
    size_t nanchors, acap;
    long decode_count, alias_count;
} decoder;

static const char *fname(decoder *d)
{
    return d->opts->filename ? d->opts->filename : "<input>";
}

static int oom(decoder *d)
{
    seterr(d->err, d->errlen, fname(d), 0, 0, "out of memory");
    return -1;
}

static int define_anchor(decoder *d, char *name, yv *node)
{
    if (!name)
        return 0;
    /* A later anchor of the same name shadows the earlier one, as in YAML. */
    if (d->nanchors == d->acap) {
        size_t ncap = d->acap ? d->acap * 2 : 16;
        anchor_entry *n = realloc(d->anchors, ncap * sizeof *n);
        if (!n) {
            free(name);
            return oom(d);
        }
        d->anchors = n;
        d->acap = ncap;
    }
    d->anchors[d->nanchors].name = name;
    d->anchors[d->nanchors++].node = node;
    return 0;
}

static void forget_anchors(decoder *d)
{
    for (size_t i = 0; i < d->nanchors; i++)
        free(d->anchors[i].name);
    d->nanchors = 0;
}

static yv *find_anchor(decoder *d, const char *name)
{
    for (size_t i = d->nanchors; i-- > 0;)
        if (strcmp(d->anchors[i].name, name) == 0)
            return d->anchors[i].node;
    return NULL;
}

static long count_nodes(const yv *v)
{
    long n = 1;
    if (v->kind == YV_MAP)
        for (size_t i = 0; i < v->as.map.len; i++)
            n += count_nodes(v->as.map.items[i].val);
    else if (v->kind == YV_LIST)
        for (size_t i = 0; i < v->as.list.len; i++)
            n += count_nodes(v->as.list.items[i]);
    return n;
}

/* go-yaml's bound on alias expansion ("billion laughs"). */
static int excessive_aliasing(decoder *d)
{
    if (d->alias_count <= 100 || d->decode_count <= 1000)
        return 0;
    double ratio = (double)d->alias_count / (double)d->decode_count, allowed;
    if (d->decode_count <= 400000)
        allowed = 0.99;
    else if (d->decode_count >= 4000000)
        allowed = 0.10;
    else
        allowed = 0.99 - 0.89 * ((double)(d->decode_count - 400000) / 3600000.0);
    return ratio > allowed;
}

static int scalar_key_text(decoder *d, const yv *v, char **out, size_t *len)
{
    char buf[64];
    const char *s = buf;
    size_t n;
    switch (v->kind) {
    case YV_STR:
        s = v->as.s.ptr, n = v->as.s.len;
        break;
    case YV_NULL:
        s = "null", n = 4;
        break;
    case YV_BOOL:
        s = v->as.b ? "true" : "false", n = strlen(s);
        break;
    case YV_INT:
        n = (size_t)snprintf(buf, sizeof buf, "%lld", (long long)v->as.i);
        break;
    case YV_UINT:
        n = (size_t)snprintf(buf, sizeof buf, "%llu", (unsigned long long)v->as.u);
        break;
    case YV_FLOAT:
        yv_format_float(v->as.f, 1, buf, sizeof buf);
        n = strlen(buf);
        break;
    default:
        return -1;
    }
    *out = arena_strdup(d->arena, s, n);
    *len = n;
    return *out ? 0 : oom(d);
}

static yv *make_scalar(decoder *d, const yaml_event_t *ev)
{
    const char *val = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    size_t line = ev->start_mark.line + 1, col = ev->start_mark.column + 1;
    int tag = short_tag((const char *)ev->data.scalar.tag);
    int quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
    if (tag == T_STR || tag == T_OTHER || (tag == T_NONE && quoted) || tag == T_TIMESTAMP)
        return yv_new_str(d->arena, val, len);
    if (tag == T_BINARY) {
        /* base64 → bytes */
        yv *v = yv_new(d->arena, YV_STR);
        char *out = v ? yv_alloc(d->arena, len + 1) : NULL;
        if (!out)
            return NULL;
        size_t n = 0;
        unsigned acc = 0;
        int bits = 0;
        for (size_t i = 0; i < len; i++) {
            const char *b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            unsigned char ch = (unsigned char)val[i];
            if (ch == '=' || isspace(ch))
                continue;
            const char *p = ch ? strchr(b64, ch) : NULL;
            if (!p) {
                seterr(d->err, d->errlen, fname(d), line, col,
                       "!!binary value contains invalid base64 data");
                return NULL;
            }
            acc = (acc << 6) | (unsigned)(p - b64);
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                out[n++] = (char)((acc >> bits) & 0xFF);
            }
        }
        out[n] = '\0';
        v->as.s.ptr = out;
        v->as.s.len = n;
        return v;
    }
    if (tag == T_NULL)
        return yv_new(d->arena, YV_NULL);
    resolved r;
    resolve_plain(val, len, d->opts->yaml11, &r);
    if (tag == T_FLOAT && r.t == T_INT) {
        r.t = T_FLOAT;
        r.f = r.is_uint ? (double)r.u : (double)r.i;
    }
    static const char *names[] = {"", "!!str", "!!bool", "!!int", "!!float", "!!null",
                                  "!!timestamp"};
    if (tag != T_NONE && r.t != tag) {
        seterr(d->err, d->errlen, fname(d), line, col, "cannot decode %s `%s` as a %s",
               names[r.t == T_TIMESTAMP ? T_TIMESTAMP : r.t], val, names[tag]);
        return NULL;
    }
    yv *v;
    switch (r.t) {
    case T_BOOL:
        if ((v = yv_new(d->arena, YV_BOOL)))
            v->as.b = r.b;
        return v;
    case T_NULL:
        return yv_new(d->arena, YV_NULL);
    case T_INT:
        if ((v = yv_new(d->arena, r.is_uint ? YV_UINT : YV_INT))) {
            if (r.is_uint)
                v->as.u = r.u;
            else
                v->as.i = r.i;
        }
        return v;
    case T_FLOAT:
        if ((v = yv_new(d->arena, YV_FLOAT)))
            v->as.f = r.f;
        return v;
    default:
        return yv_new_str(d->arena, val, len);
    }
}

static int push_frame(decoder *d, yv_kind kind, const yaml_event_t *ev, const char *anchor)
{
    if (d->depth >= YV_MAX_DEPTH) {
        seterr(d->err, d->errlen, fname(d), ev->start_mark.line + 1, ev->start_mark.column + 1,
               "exceeded max depth of %d", YV_MAX_DEPTH);
        return -1;
    }
    if (d->depth == d->cap) {
        size_t ncap = d->cap ? d->cap * 2 : 32;
        frame *n = realloc(d->stack, ncap * sizeof *n);
        if (!n)
            return oom(d);
        memset(n + d->cap, 0, (ncap - d->cap) * sizeof *n);
        d->stack = n;
        d->cap = ncap;
    }
    frame *f = &d->stack[d->depth++];
    f->kind = kind;
    f->len = f->plen = 0;
    f->have_key = 0;
    f->line = ev->start_mark.line + 1;
    f->col = ev->start_mark.column + 1;
    f->anchor = NULL;
    if (anchor && !(f->anchor = strdup(anchor)))
        return oom(d);
    return 0;
}

static int add_pair(decoder *d, frame *f, pending_pair *p)
{
    if (f->plen == f->pcap) {
        size_t ncap = f->pcap ? f->pcap * 2 : 8;
        pending_pair *n = realloc(f->pairs, ncap * sizeof *n);
        if (!n)
            return oom(d);
        f->pairs = n;
        f->pcap = ncap;
    }
    f->pairs[f->plen++] = *p;
    return 0;
}

/* Builds the map of a finished mapping: explicit keys in order (duplicates are an error),
 * then keys from `<<` merges that are not set yet — earlier merge sources win. */
static yv *finish_map(decoder *d, frame *f)
{
    yv *map = yv_new(d->arena, YV_MAP);
    if (!map)
        return NULL;
    size_t nexplicit = 0, nmerged = 0;
    for (size_t i = 0; i < f->plen; i++) {
        if (!f->pairs[i].is_merge) {
            nexplicit++;
            continue;
        }
        const yv *src = f->pairs[i].pair.val;
        if (src->kind == YV_MAP) {
            nmerged += src->as.map.len;
            continue;
        }
        int ok = src->kind == YV_LIST;
        for (size_t k = 0; ok && k < src->as.list.len; k++) {
            ok = src->as.list.items[k]->kind == YV_MAP;
            if (ok)
                nmerged += src->as.list.items[k]->as.map.len;
        }
        if (!ok) {
            seterr(d->err, d->errlen, fname(d), f->pairs[i].line, f->pairs[i].col,
                   "map merge requires map or sequence of maps as the value");
            return NULL;
        }
    }
    size_t total = nexplicit + nmerged;
    yv_pair *items = yv_alloc(d->arena, (total ? total : 1) * sizeof(yv_pair));
    keyset ks = {0};
    if (!items || (total > 8 && keyset_init(&ks, total) < 0)) {
        oom(d);
        return NULL;
    }
    size_t n = 0;
    for (size_t i = 0; i < f->plen; i++) {
        if (f->pairs[i].is_merge)
            continue;
        items[n] = f->pairs[i].pair;
        long dup = -1;
        if (ks.slots)
            dup = keyset_find_add(&ks, items, n, 1);
        else
            for (size_t k = 0; k < n && dup < 0; k++)
                if (items[k].klen == items[n].klen && !memcmp(items[k].key, items[n].key, items[n].klen))
                    dup = (long)k;
        if (dup >= 0) {
            size_t first_line = 0;
            for (size_t k = 0; k < f->plen; k++)
                if (!f->pairs[k].is_merge && f->pairs[k].pair.key == items[dup].key)
                    first_line = f->pairs[k].line;
            seterr(d->err, d->errlen, fname(d), f->pairs[i].line, f->pairs[i].col,
                   "mapping key \"%s\" already defined at line %zu", items[n].key, first_line);
            free(ks.slots);
            return NULL;
        }
        n++;
    }
    for (size_t i = 0; i < f->plen; i++) {
        if (!f->pairs[i].is_merge)
            continue;
        const yv *src = f->pairs[i].pair.val;
        size_t nsrc = src->kind == YV_MAP ? 1 : src->as.list.len;
        for (size_t s = 0; s < nsrc; s++) {
            const yv *m = src->kind == YV_MAP ? src : src->as.list.items[s];
            for (size_t k = 0; k < m->as.map.len; k++) {
                items[n] = m->as.map.items[k];
                long dup = -1;
                if (ks.slots)
                    dup = keyset_find_add(&ks, items, n, 1);
                else
                    for (size_t j = 0; j < n && dup < 0; j++)
                        if (items[j].klen == items[n].klen &&
                            !memcmp(items[j].key, items[n].key, items[n].klen))
                            dup = (long)j;
                if (dup < 0)
                    n++;
            }
        }
    }
    free(ks.slots);
    map->as.map.items = items;
    map->as.map.len = n;
    return map;
}

static yv *finish_list(decoder *d, frame *f)
{
    yv *list = yv_new(d->arena, YV_LIST);
    yv **items = list ? yv_alloc(d->arena, (f->len ? f->len : 1) * sizeof(yv *)) : NULL;
    if (!items) {
        oom(d);
        return NULL;
    }
    if (f->len)
        memcpy(items, f->items, f->len * sizeof(yv *));
    list->as.list.items = items;
    list->as.list.len = f->len;
    return list;
}

/* Hands a finished node to the enclosing container (or makes it a document root). */
static int add_node_at(decoder *d, yv *node, size_t line, size_t col, int merge_key);

static int add_node_at(decoder *d, yv *node, size_t line, size_t col, int merge_key)
{
    d->decode_count++;
    if (d->depth == 0)
        return 1; /* a document root: the caller keeps it */
    frame *f = &d->stack[d->depth - 1];
    if (f->kind == YV_LIST) {
        if (f->len == f->cap) {
            size_t ncap = f->cap ? f->cap * 2 : 8;
            yv **n = realloc(f->items, ncap * sizeof *n);
            if (!n)
                return oom(d);
            f->items = n;
            f->cap = ncap;
        }
        f->items[f->len++] = node;
        return 0;
    }
    if (!f->have_key) {
        pending_pair *k = &f->key;
        memset(k, 0, sizeof *k);
        k->line = line;
        k->col = col;
        k->is_merge = merge_key;
        if (node->kind == YV_MAP || node->kind == YV_LIST) {
            seterr(d->err, d->errlen, fname(d), line, col,
                   "invalid map key: a map or list cannot be a key");
            return -1;
        }
        if (scalar_key_text(d, node, &k->pair.key, &k->pair.klen) < 0)
            return -1;
        f->have_key = 1;
        return 0;
    }
    f->key.pair.val = node;
    f->have_key = 0;
    return add_pair(d, f, &f->key);
}

static void free_decoder(decoder *d)
{
    for (size_t i = 0; i < d->cap; i++) {
        free(d->stack[i].items);
        free(d->stack[i].pairs);
        free(d->stack[i].anchor);
    }
    free(d->stack);
    forget_anchors(d);
    free(d->anchors);
}

static void parser_error(decoder *d, yaml_parser_t *p, const char *text, size_t len)
{
    const yaml_mark_t *m = p->problem_mark.line || p->problem_mark.column ? &p->problem_mark
                                                                          : &p->context_mark;
    const char *hint = "";
    size_t idx = m->index;
    if (idx < len && text[idx] == '\t')
        hint = " (a tab: YAML indentation must use spaces)";
    const char *problem = p->problem ? p->problem : "invalid YAML";
    if (p->context)
        seterr(d->err, d->errlen, fname(d), m->line + 1, m->column + 1, "%s %s%s", problem,
               p->context, hint);
    else
        seterr(d->err, d->errlen, fname(d), m->line + 1, m->column + 1, "%s%s", problem, hint);
}

static int is_merge_key(const yaml_event_t *ev)
{
    int tag = short_tag((const char *)ev->data.scalar.tag);
    return ev->data.scalar.length == 2 && memcmp(ev->data.scalar.value, "<<", 2) == 0 &&
           ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && (tag == T_NONE || tag == T_MERGE);
}

static int expecting_key(decoder *d)
{
    return d->depth && d->stack[d->depth - 1].kind == YV_MAP && !d->stack[d->depth - 1].have_key;
}

/* One event; returns 0 to go on, 1 when a document root was produced (in *root), -1 error. */
static int on_event(decoder *d, yaml_event_t *ev, yv **root)
{
    size_t line = ev->start_mark.line + 1, col = ev->start_mark.column + 1;
    yv *node = NULL;
    int merge_key = 0;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        merge_key = expecting_key(d) && is_merge_key(ev);
        node = make_scalar(d, ev);
        if (!node)
            return d->err[0] ? -1 : oom(d);
        if (ev->data.scalar.anchor) {
            char *name = strdup((const char *)ev->data.scalar.anchor);
            if (!name || define_anchor(d, name, node) < 0)
                return name ? -1 : oom(d);
        }
        break;
    case YAML_ALIAS_EVENT: {
        const yv *target = find_anchor(d, (const char *)ev->data.alias.anchor);
        if (!target) {
            seterr(d->err, d->errlen, fname(d), line, col, "unknown anchor '%s' referenced",
                   ev->data.alias.anchor);
            return -1;
        }
        d->alias_count++;
        d->decode_count += count_nodes(target) - 1;
        if (excessive_aliasing(d)) {
            seterr(d->err, d->errlen, fname(d), line, col, "document contains excessive aliasing");
            return -1;
        }
        /* Copied, so that merging into one alias never changes another. */
        node = yv_copy(d->arena, target);
        if (!node)
            return oom(d);
        break;
    }
    case YAML_SEQUENCE_START_EVENT:
        return push_frame(d, YV_LIST, ev, (const char *)ev->data.sequence_start.anchor);
    case YAML_MAPPING_START_EVENT:
        return push_frame(d, YV_MAP, ev, (const char *)ev->data.mapping_start.anchor);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: {
        frame *f = &d->stack[d->depth - 1];
        node = f->kind == YV_MAP ? finish_map(d, f) : finish_list(d, f);
        if (!node)
            return -1;
        line = f->line, col = f->col;
        char *anchor = f->anchor;
        f->anchor = NULL;
        d->depth--;
        if (define_anchor(d, anchor, node) < 0)
            return -1;
        break;
    }
    default:
        return 0;
    }
    int rc = add_node_at(d, node, line, col, merge_key);
    if (rc == 1)
        *root = node;
    return rc;
}

int yv_decode(const char *text, size_t len, const yv_decode_opts *opts, yv_doc *out, char *err,
              size_t errlen)
{
    decoder d = {.opts = opts, .err = err, .errlen = errlen};
    if (err && errlen)
        err[0] = '\0';
    out->root = NULL;
    out->arena = d.arena = yv_arena_new();
    if (!d.arena)
        return oom(&d);
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        yv_doc_free(out);
        return oom(&d);
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    yv *docs = opts->all ? yv_new(d.arena, YV_LIST) : NULL;
    size_t docs_cap = 0;
    int rc = 0, done = 0;
    while (!done && rc == 0) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            parser_error(&d, &parser, text, len);
            rc = -1;
            break;
        }
        yv *root = NULL;
        if (ev.type == YAML_STREAM_END_EVENT)
            done = 1;
        else if (ev.type == YAML_DOCUMENT_START_EVENT)
            forget_anchors(&d); /* anchors do not cross documents */
        int r = on_event(&d, &ev, &root);
        yaml_event_delete(&ev);
        if (r < 0)
            rc = -1;
        else if (r == 1) {
            if (!opts->all) {
                out->root = root;
                done = 1;
            } else if (yv_list_push(d.arena, docs, root, &docs_cap) < 0) {
                rc = oom(&d);
            }
        }
    }
    yaml_parser_delete(&parser);
    free_decoder(&d);
    if (rc < 0) {
        yv_doc_free(out);
        return -1;
    }
    if (opts->all)
        out->root = docs;
    else if (!out->root && !(out->root = yv_new(out->arena, YV_NULL))) {
        yv_doc_free(out);
        return -1;
    }
    return 0;
}

long yv_scan(const char *text, size_t len, char *err, size_t errlen)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return -1;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    long n = 0;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            seterr(err, errlen, NULL, parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                   "%s", parser.problem ? parser.problem : "invalid YAML");
            n = -1;
            break;
        }
        int end = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
        n++;
        if (end)
            break;
    }
    yaml_parser_delete(&parser);
    return n;
}

/* ---- copy and merge ----------------------------------------------------------------------- */

yv *yv_copy(yv_arena *a, const yv *v)
{
    yv *c = yv_new(a, v->kind);
    if (!c)
        return NULL;
    c->as = v->as;
    if (v->kind == YV_STR) {
        if (!(c->as.s.ptr = arena_strdup(a, v->as.s.ptr, v->as.s.len)))
            return NULL;
    } else if (v->kind == YV_MAP) {
        size_t n = v->as.map.len;
        yv_pair *items = yv_alloc(a, (n ? n : 1) * sizeof(yv_pair));
        if (!items)
            return NULL;
        for (size_t i = 0; i < n; i++) {
            items[i].klen = v->as.map.items[i].klen;
            items[i].key = arena_strdup(a, v->as.map.items[i].key, items[i].klen);
            items[i].val = yv_copy(a, v->as.map.items[i].val);
            if (!items[i].key || !items[i].val)
                return NULL;
        }
        c->as.map.items = items;
    } else if (v->kind == YV_LIST) {
        size_t n = v->as.list.len;
        yv **items = yv_alloc(a, (n ? n : 1) * sizeof(yv *));
        if (!items)
            return NULL;
        for (size_t i = 0; i < n; i++)
            if (!(items[i] = yv_copy(a, v->as.list.items[i])))
                return NULL;
        c->as.list.items = items;
    }
    return c;
}

static int list_has_null(const yv *v)
{
    for (size_t i = 0; i < v->as.list.len; i++)
        if (v->as.list.items[i]->kind == YV_NULL)
            return 1;
    return 0;
}

static int merge_map(yv_arena *a, yv *dst, const yv *src, const yv_merge_opts *o);

int yv_merge(yv_arena *a, yv **dst, const yv *src, const yv_merge_opts *o)
{
    if (src->kind == YV_NULL) {
        if (o->nulls == YV_NULL_SET || (*dst)->kind == YV_NULL)
            *dst = yv_copy(a, src);
        return *dst ? 0 : -1;
    }
    if (src->kind == YV_MAP && (*dst)->kind == YV_MAP)
        return merge_map(a, *dst, src, o);
    if (src->kind == YV_LIST && (*dst)->kind == YV_LIST && o->lists_elementwise &&
        list_has_null(src)) {
        /* Element-wise: null keeps the base element, maps merge, others replace. */
        yv *d = *dst;
        size_t n = src->as.list.len > d->as.list.len ? src->as.list.len : d->as.list.len;
        yv **items = yv_alloc(a, (n ? n : 1) * sizeof(yv *));
        if (!items)
            return -1;
        for (size_t i = 0; i < n; i++) {
            items[i] = i < d->as.list.len ? d->as.list.items[i] : NULL;
            if (i >= src->as.list.len)
                continue;
            const yv *s = src->as.list.items[i];
            if (!items[i] || s->kind != YV_NULL) {
                if (items[i] && s->kind == YV_MAP && items[i]->kind == YV_MAP) {
                    if (merge_map(a, items[i], s, o) < 0)
                        return -1;
                } else if (!(items[i] = yv_copy(a, s))) {
                    return -1;
                }
            }
        }
        d->as.list.items = items;
        d->as.list.len = n;
        return 0;
    }
    *dst = yv_copy(a, src);
    return *dst ? 0 : -1;
}

static int merge_map(yv_arena *a, yv *dst, const yv *src, const yv_merge_opts *o)
{
    size_t cap = dst->as.map.len, n0 = dst->as.map.len;
    keyset ks = {0};
    if (n0 > 8) {
        if (keyset_init(&ks, n0 + src->as.map.len) < 0)
            return -1;
        for (size_t i = 0; i < n0; i++)
            keyset_find_add(&ks, dst->as.map.items, i, 1);
    }
    int rc = 0;
    for (size_t i = 0; i < src->as.map.len && rc == 0; i++) {
        const yv_pair *sp = &src->as.map.items[i];
        long at = -1;
        if (ks.slots) {
            /* Probe with a temporary pair view of the source key. */
            size_t h = hash_key(sp->key, sp->klen) & ks.mask;
            while (ks.slots[h]) {
                const yv_pair *q = &dst->as.map.items[ks.slots[h] - 1];
                if (q->klen == sp->klen && !memcmp(q->key, sp->key, sp->klen)) {
                    at = (long)(ks.slots[h] - 1);
                    break;
                }
                h = (h + 1) & ks.mask;
            }
        } else {
            for (size_t k = 0; k < dst->as.map.len && at < 0; k++)
                if (dst->as.map.items[k].klen == sp->klen &&
                    !memcmp(dst->as.map.items[k].key, sp->key, sp->klen))
                    at = (long)k;
        }
        if (at >= 0) {
            if (sp->val->kind == YV_NULL && o->nulls == YV_NULL_DELETE) {
                yv_pair *items = dst->as.map.items;
                memmove(&items[at], &items[at + 1], (dst->as.map.len - (size_t)at - 1) * sizeof *items);
                dst->as.map.len--;
                if (ks.slots) { /* indexes moved: rebuild */
                    memset(ks.slots, 0, (ks.mask + 1) * sizeof(size_t));
                    for (size_t k = 0; k < dst->as.map.len; k++)
                        keyset_find_add(&ks, dst->as.map.items, k, 1);
                }
                continue;
            }
            rc = yv_merge(a, &dst->as.map.items[at].val, sp->val, o);
            continue;
        }
        if (sp->val->kind == YV_NULL && o->nulls == YV_NULL_DELETE)
            continue;
        yv *copy = yv_copy(a, sp->val);
        if (!copy || yv_map_set(a, dst, sp->key, sp->klen, copy, &cap) < 0)
            rc = -1;
        else if (ks.slots)
            keyset_find_add(&ks, dst->as.map.items, dst->as.map.len - 1, 1);
    }
    free(ks.slots);
    return rc;
}

/* ---- numbers as Go prints them ------------------------------------------------------------ */

void yv_format_float(double f, int yaml, char *buf, size_t buflen)
{
    if (isnan(f)) {
        snprintf(buf, buflen, "%s", yaml ? ".nan" : "NaN");
        return;
    }
    if (isinf(f)) {
        snprintf(buf, buflen, "%s", f > 0 ? (yaml ? ".inf" : "+Inf") : (yaml ? "-.inf" : "-Inf"));
        return;
    }
    if (f == 0) {
        snprintf(buf, buflen, "%s", signbit(f) ? "-0" : "0");
        return;
    }
    /* The shortest %e form that reads back as f: Go's shortest decimal. */
    char e[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, f);
        if (strtod(e, NULL) == f)
            break;
    }
    int neg = e[0] == '-';
    char digits[24];
    int nd = 0;
    const char *p = e + neg;
    for (; *p && *p != 'e'; p++)
        if (isdigit((unsigned char)*p))
            digits[nd++] = *p;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    int exp = atoi(p + 1);
    char *o = buf, *end = buf + buflen - 1;
#define OUT(c) do { if (o < end) *o++ = (c); } while (0)
    if (neg)
        OUT('-');
    if (exp < -4 || exp >= 6) {
        OUT(digits[0]);
        if (nd > 1) {
            OUT('.');
            for (int i = 1; i < nd; i++)
                OUT(digits[i]);
        }
        OUT('e');
        OUT(exp < 0 ? '-' : '+');
        int ax = exp < 0 ? -exp : exp;
        char xb[16];
        snprintf(xb, sizeof xb, "%02d", ax);
        for (char *x = xb; *x; x++)
            OUT(*x);
    } else {
        int dp = exp + 1;
        if (dp <= 0) {
            OUT('0');
            OUT('.');
            for (int i = 0; i < -dp; i++)
                OUT('0');
            for (int i = 0; i < nd; i++)
                OUT(digits[i]);
        } else {
            for (int i = 0; i < dp; i++)
                OUT(i < nd ? digits[i] : '0');
            if (dp < nd) {
                OUT('.');
                for (int i = dp; i < nd; i++)
                    OUT(digits[i]);
            }
        }
    }
#undef OUT
    *o = '\0';
}

/* ---- encode: go-yaml v3's emitter, for the block style it uses ----------------------------- */

typedef struct {
    char *buf;
    size_t len, cap;
    int column, whitespace, indention, open_ended;
    int indent, best_indent, sort_keys, failed;
    int root_context; /* emitting the document's root node */
} emitter;

static void put_n(emitter *e, const char *s, size_t n)
{
    if (e->failed)
        return;
    if (e->len + n + 1 > e->cap) {
        size_t ncap = e->cap ? e->cap : 4096;
        while (e->len + n + 1 > ncap)
            ncap *= 2;
        char *b = realloc(e->buf, ncap);
        if (!b) {
            e->failed = 1;
            return;
        }
        e->buf = b;
        e->cap = ncap;
    }
    memcpy(e->buf + e->len, s, n);
    e->len += n;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            e->column++;
}

static void put_c(emitter *e, char c)
{
    put_n(e, &c, 1);
}

static void put_break(emitter *e)
{
    put_c(e, '\n');
    e->column = 0;
}

static void write_indent(emitter *e)
{
    int indent = e->indent >= 0 ? e->indent : 0;
    if (!e->indention || e->column > indent || (e->column == indent && !e->whitespace))
        put_break(e);
    while (e->column < indent)
        put_c(e, ' ');
    e->whitespace = 1;
    e->indention = 1;
}

static void write_indicator(emitter *e, const char *ind, int need_ws, int is_ws, int is_indention)
{
    if (need_ws && !e->whitespace)
        put_c(e, ' ');
    put_n(e, ind, strlen(ind));
    e->whitespace = is_ws;
    e->indention = e->indention && is_indention;
    e->open_ended = 0;
}

static int utf8_width(unsigned char c)
{
    return (c & 0x80) == 0 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
}

static int is_break_at(const unsigned char *s, size_t n, size_t i)
{
    return s[i] == '\r' || s[i] == '\n' ||
           (s[i] == 0xC2 && i + 1 < n && s[i + 1] == 0x85) ||
           (s[i] == 0xE2 && i + 2 < n && s[i + 1] == 0x80 && (s[i + 2] == 0xA8 || s[i + 2] == 0xA9));
}

static int is_printable_at(const unsigned char *b, size_t n, size_t i)
{
    unsigned char c = b[i], c1 = i + 1 < n ? b[i + 1] : 0, c2 = i + 2 < n ? b[i + 2] : 0;
    return c == 0x0A || (c >= 0x20 && c <= 0x7E) || (c == 0xC2 && c1 >= 0xA0) ||
           (c > 0xC2 && c < 0xED) || (c == 0xED && c1 < 0xA0) || c == 0xEE ||
           (c == 0xEF && !(c1 == 0xBB && c2 == 0xBF) && !(c1 == 0xBF && (c2 == 0xBE || c2 == 0xBF)));
}

typedef struct {
    int multiline, flow_plain, block_plain, single_ok, block_ok;
} scalar_analysis;

static void analyze_scalar(const unsigned char *v, size_t n, scalar_analysis *a)
{
    if (n == 0) {
        *a = (scalar_analysis){0, 0, 1, 1, 0};
        return;
    }
    int block_ind = 0, flow_ind = 0, line_breaks = 0, special = 0, tabs = 0;
    int leading_space = 0, leading_break = 0, trailing_space = 0, trailing_break = 0;
    int break_space = 0, space_break = 0, prev_space = 0, prev_break = 0;
    if (n >= 3 && ((v[0] == '-' && v[1] == '-' && v[2] == '-') || (v[0] == '.' && v[1] == '.' && v[2] == '.')))
        block_ind = flow_ind = 1;
    int preceded_by_ws = 1;
    for (size_t i = 0, w; i < n; i += w) {
        w = (size_t)utf8_width(v[i]);
        int followed_by_ws = i + w >= n || v[i + w] == ' ' || v[i + w] == '\t';
        if (i == 0) {
            switch (v[i]) {
            case '#': case ',': case '[': case ']': case '{': case '}': case '&': case '*':
            case '!': case '|': case '>': case '\'': case '"': case '%': case '@': case '`':
                flow_ind = block_ind = 1;
                break;
            case '?': case ':':
                flow_ind = 1;
                if (followed_by_ws)
                    block_ind = 1;
                break;
            case '-':
                if (followed_by_ws)
                    flow_ind = block_ind = 1;
                break;
            }
        } else {
            switch (v[i]) {
            case ',': case '?': case '[': case ']': case '{': case '}':
                flow_ind = 1;
                break;
            case ':':
                flow_ind = 1;
                if (followed_by_ws)
                    block_ind = 1;
                break;
            case '#':
                if (preceded_by_ws)
                    flow_ind = block_ind = 1;
                break;
            }
        }
        if (v[i] == '\t')
            tabs = 1;
        else if (!is_printable_at(v, n, i))
            special = 1;
        if (v[i] == ' ') {
            if (i == 0)
                leading_space = 1;
            if (i + w == n)
                trailing_space = 1;
            if (prev_break)
                break_space = 1;
            prev_space = 1, prev_break = 0;
        } else if (is_break_at(v, n, i)) {
            line_breaks = 1;
            if (i == 0)
                leading_break = 1;
            if (i + w == n)
                trailing_break = 1;
            if (prev_space)
                space_break = 1;
            prev_space = 0, prev_break = 1;
        } else {
            prev_space = prev_break = 0;
        }
        preceded_by_ws = v[i] == ' ' || v[i] == '\t' || is_break_at(v, n, i);
    }
    *a = (scalar_analysis){line_breaks, 1, 1, 1, 1};
    if (leading_space || leading_break || trailing_space || trailing_break)
        a->flow_plain = a->block_plain = 0;
    if (trailing_space)
        a->block_ok = 0;
    if (break_space)
        a->flow_plain = a->block_plain = a->single_ok = 0;
    if (space_break || tabs || special)
        a->flow_plain = a->block_plain = a->single_ok = 0;
    if (space_break || special)
        a->block_ok = 0;
    if (line_breaks)
        a->flow_plain = a->block_plain = 0;
    if (flow_ind)
        a->flow_plain = 0;
    if (block_ind)
        a->block_plain = 0;
}

/* ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$ — YAML 1.1 sexagesimal, kept quoted. */
static int is_base60_float(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    if (!isdigit((unsigned char)*s))
        return 0;
    while (isdigit((unsigned char)*s) || *s == '_')
        s++;
    int groups = 0;
    while (*s == ':') {
        s++;
        if (!isdigit((unsigned char)*s))
            return 0;
        if (isdigit((unsigned char)s[1])) {
            if (*s > '5')
                return 0;
            s += 2;
        } else {
            s++;
        }
        groups++;
    }
    if (!groups)
        return 0;
    if (*s == '.') {
        s++;
        while (isdigit((unsigned char)*s) || *s == '_')
            s++;
    }
    return *s == '\0';
}

static int is_old_bool(const char *s)
{
    static const char *const old[] = {"y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N",
                                      "no", "No", "NO", "off", "Off", "OFF", NULL};
    return in_list(s, old);
}

static int valid_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        int w = utf8_width(s[i]);
        if ((s[i] & 0xC0) == 0x80 || s[i] >= 0xF8 || i + (size_t)w > n)
            return 0;
        for (int k = 1; k < w; k++)
            if ((s[i + (size_t)k] & 0xC0) != 0x80)
                return 0;
        i += (size_t)w;
    }
    return 1;
}

enum { ST_PLAIN, ST_SINGLE, ST_DOUBLE, ST_LITERAL };

/* go-yaml v3's choice for a string (encoder.stringv), refined by the emitter's analysis. */
static int string_style(const char *s, size_t n, int simple_key)
{
    int style;
    scalar_analysis a;
    analyze_scalar((const unsigned char *)s, n, &a);
    if (memchr(s, '\n', n)) {
        style = ST_LITERAL;
    } else {
        resolved r;
        int plain_ok = 0;
        if (!memchr(s, '\0', n)) {
            resolve_plain(s, n, 0, &r);
            plain_ok = r.t == T_STR && !is_base60_float(s) && !is_old_bool(s) && strcmp(s, "<<") != 0;
        }
        style = plain_ok ? ST_PLAIN : ST_DOUBLE;
    }
    if (simple_key && a.multiline)
        style = ST_DOUBLE;
    if (style == ST_PLAIN && (!a.block_plain || (n == 0 && simple_key)))
        style = ST_SINGLE;
    if (style == ST_SINGLE && !a.single_ok)
        style = ST_DOUBLE;
    if (style == ST_LITERAL && (!a.block_ok || simple_key))
        style = ST_DOUBLE;
    return style;
}

static void write_plain(emitter *e, const char *s, size_t n)
{
    if (n > 0 && !e->whitespace)
        put_c(e, ' ');
    put_n(e, s, n);
    if (n > 0)
        e->whitespace = 0;
    e->indention = 0;
    /* go-yaml marks a plain root scalar open-ended: the stream then ends with "..." */
    if (e->root_context)
        e->open_ended = 1;
}

static void write_single(emitter *e, const char *s, size_t n)
{
    write_indicator(e, "'", 1, 0, 0);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'')
            put_c(e, '\'');
        put_c(e, s[i]);
    }
    write_indicator(e, "'", 0, 0, 0);
}

static void write_double(emitter *e, const char *str, size_t n)
{
    const unsigned char *v = (const unsigned char *)str;
    write_indicator(e, "\"", 1, 0, 0);
    for (size_t i = 0; i < n;) {
        int bom = i + 2 < n && v[i] == 0xEF && v[i + 1] == 0xBB && v[i + 2] == 0xBF;
        if (!is_printable_at(v, n, i) || bom || is_break_at(v, n, i) || v[i] == '"' || v[i] == '\\') {
            int w = utf8_width(v[i]);
            unsigned long cp = w == 1 ? v[i] : w == 2 ? (v[i] & 0x1Fu) : w == 3 ? (v[i] & 0x0Fu) : (v[i] & 0x07u);
            for (int k = 1; k < w && i + (size_t)k < n; k++)
                cp = (cp << 6) | (v[i + (size_t)k] & 0x3Fu);
            i += (size_t)w;
            put_c(e, '\\');
            const char *esc = NULL;
            switch (cp) {
            case 0x00: esc = "0"; break;
            case 0x07: esc = "a"; break;
            case 0x08: esc = "b"; break;
            case 0x09: esc = "t"; break;
            case 0x0A: esc = "n"; break;
            case 0x0B: esc = "v"; break;
            case 0x0C: esc = "f"; break;
            case 0x0D: esc = "r"; break;
            case 0x1B: esc = "e"; break;
            case 0x22: esc = "\""; break;
            case 0x5C: esc = "\\"; break;
            case 0x85: esc = "N"; break;
            case 0xA0: esc = "_"; break;
            case 0x2028: esc = "L"; break;
            case 0x2029: esc = "P"; break;
            }
            if (esc) {
                put_n(e, esc, strlen(esc));
            } else {
                char hex[24];
                if (cp <= 0xFF)
                    snprintf(hex, sizeof hex, "x%02lX", cp);
                else if (cp <= 0xFFFF)
                    snprintf(hex, sizeof hex, "u%04lX", cp);
                else
                    snprintf(hex, sizeof hex, "U%08lX", cp);
                put_n(e, hex, strlen(hex));
            }
        } else {
            int w = utf8_width(v[i]);
            put_n(e, str + i, (size_t)w);
            i += (size_t)w;
        }
    }
    write_indicator(e, "\"", 0, 0, 0);
    e->whitespace = 0;
    e->indention = 0;
}

static void write_literal(emitter *e, const char *str, size_t n)
{
    const unsigned char *v = (const unsigned char *)str;
    write_indicator(e, "|", 1, 0, 0);
    if (n && (v[0] == ' ' || is_break_at(v, n, 0))) {
        char hint[2] = {(char)('0' + e->best_indent), 0};
        write_indicator(e, hint, 0, 0, 0);
    }
    e->open_ended = 0;
    const char *chomp = NULL;
    if (n == 0) {
        chomp = "-";
    } else {
        size_t i = n - 1;
        while (i > 0 && (v[i] & 0xC0) == 0x80)
            i--;
        if (!is_break_at(v, n, i)) {
            chomp = "-";
        } else if (i == 0) {
            chomp = "+";
            e->open_ended = 1;
        } else {
            i--;
            while (i > 0 && (v[i] & 0xC0) == 0x80)
                i--;
            if (is_break_at(v, n, i)) {
                chomp = "+";
                e->open_ended = 1;
            }
        }
    }
    if (chomp)
        write_indicator(e, chomp, 0, 0, 0);
    e->whitespace = 1;
    int breaks = 1;
    for (size_t i = 0; i < n;) {
        if (is_break_at(v, n, i)) {
            /* Line separators other than \n are written as they are, then a newline. */
            if (v[i] == '\n') {
                put_break(e);
                i++;
            } else {
                int w = v[i] == '\r' ? 1 : utf8_width(v[i]);
                put_n(e, str + i, (size_t)w);
                e->column = 0;
                i += (size_t)w;
            }
            e->indention = 1;
            breaks = 1;
        } else {
            if (breaks)
                write_indent(e);
            int w = utf8_width(v[i]);
            put_n(e, str + i, (size_t)w);
            i += (size_t)w;
            e->indention = 0;
            breaks = 0;
        }
    }
}

static void emit_node(emitter *e, const yv *v, int simple_key);

static void emit_scalar_text(emitter *e, const char *s, size_t n, int style)
{
    int saved = e->indent;
    e->indent = e->indent < 0 ? e->best_indent : e->indent + e->best_indent;
    switch (style) {
    case ST_PLAIN: write_plain(e, s, n); break;
    case ST_SINGLE: write_single(e, s, n); break;
    case ST_DOUBLE: write_double(e, s, n); break;
    default: write_literal(e, s, n); break;
    }
    e->indent = saved;
}

static void emit_string(emitter *e, const char *s, size_t n, int simple_key)
{
    if (!valid_utf8((const unsigned char *)s, n)) {
        static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        write_indicator(e, "!!binary", 1, 0, 0);
        size_t olen = (n + 2) / 3 * 4;
        char *out = malloc(olen + 1);
        if (!out) {
            e->failed = 1;
            return;
        }
        size_t o = 0;
        for (size_t i = 0; i < n; i += 3) {
            unsigned x = (unsigned)(unsigned char)s[i] << 16;
            if (i + 1 < n) x |= (unsigned)(unsigned char)s[i + 1] << 8;
            if (i + 2 < n) x |= (unsigned char)s[i + 2];
            out[o++] = b64[(x >> 18) & 63];
            out[o++] = b64[(x >> 12) & 63];
            out[o++] = i + 1 < n ? b64[(x >> 6) & 63] : '=';
            out[o++] = i + 2 < n ? b64[x & 63] : '=';
        }
        emit_scalar_text(e, out, o, ST_PLAIN);
        free(out);
        return;
    }
    emit_scalar_text(e, s, n, string_style(s, n, simple_key));
}

/* go-yaml v3's key order: numbers inside keys compare numerically ("a2" < "a10"). */
static unsigned long next_rune(const unsigned char *s, size_t n, size_t *i)
{
    int w = utf8_width(s[*i]);
    unsigned long cp = w == 1 ? s[*i] : w == 2 ? (s[*i] & 0x1Fu) : w == 3 ? (s[*i] & 0x0Fu) : (s[*i] & 0x07u);
    for (int k = 1; k < w && *i + (size_t)k < n; k++)
        cp = (cp << 6) | (s[*i + (size_t)k] & 0x3Fu);
    *i += (size_t)w;
    return cp;
}

static int rune_is_letter(unsigned long c)
{
    if (c < 0x80)
        return isalpha((int)c);
    return (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) || (c >= 0x370 && c <= 0x52F && c != 0x37E) ||
           (c >= 0x5D0 && c <= 0x6FF) || (c >= 0x3040 && c <= 0x30FF) || (c >= 0x4E00 && c <= 0x9FFF) ||
           (c >= 0xAC00 && c <= 0xD7AF);
}

static int rune_is_digit(unsigned long c)
{
    return c >= '0' && c <= '9';
}

typedef struct {
    unsigned long *r;
    size_t n;
} runes;

static int to_runes(const char *s, size_t n, runes *out)
{
    out->r = malloc((n ? n : 1) * sizeof(unsigned long));
    if (!out->r)
        return -1;
    out->n = 0;
    for (size_t i = 0; i < n;)
        out->r[out->n++] = next_rune((const unsigned char *)s, n, &i);
    return 0;
}

static int key_less(const runes *a, const runes *b)
{
    const unsigned long *ar = a->r, *br = b->r;
    int digits = 0;
    for (size_t i = 0; i < a->n && i < b->n; i++) {
        if (ar[i] == br[i]) {
            digits = rune_is_digit(ar[i]);
            continue;
        }
        int al = rune_is_letter(ar[i]), bl = rune_is_letter(br[i]);
        if (al && bl)
            return ar[i] < br[i];
        if (al || bl)
            return digits ? al : bl;
        int64_t an = 0, bn = 0;
        size_t ai, bi;
        if (ar[i] == '0' || br[i] == '0') {
            for (size_t j = i; j-- > 0 && rune_is_digit(ar[j]);)
                if (ar[j] != '0') {
                    an = bn = 1;
                    break;
                }
        }
        for (ai = i; ai < a->n && rune_is_digit(ar[ai]); ai++)
            an = an * 10 + (int64_t)(ar[ai] - '0');
        for (bi = i; bi < b->n && rune_is_digit(br[bi]); bi++)
            bn = bn * 10 + (int64_t)(br[bi] - '0');
        if (an != bn)
            return an < bn;
        if (ai != bi)
            return ai < bi;
        return ar[i] < br[i];
    }
    return a->n < b->n;
}

typedef struct {
    const yv_pair *pair;
    runes key;
} sort_item;

static int cmp_items(const void *x, const void *y)
{
    const sort_item *a = x, *b = y;
    if (key_less(&a->key, &b->key))
        return -1;
    if (key_less(&b->key, &a->key))
        return 1;
    return 0;
}

/* The pairs of a map in output order (malloc'd array of pointers). */
static const yv_pair **ordered_pairs(emitter *e, const yv *m)
{
    size_t n = m->as.map.len;
    const yv_pair **out = malloc((n ? n : 1) * sizeof *out);
    if (!out) {
        e->failed = 1;
        return NULL;
    }
    if (!e->sort_keys || n < 2) {
        for (size_t i = 0; i < n; i++)
            out[i] = &m->as.map.items[i];
        return out;
    }
    sort_item *items = malloc(n * sizeof *items);
    size_t made = 0;
    for (; items && made < n; made++) {
        items[made].pair = &m->as.map.items[made];
        if (to_runes(m->as.map.items[made].key, m->as.map.items[made].klen, &items[made].key) < 0)
            break;
    }
    if (!items || made < n) {
        for (size_t i = 0; items && i < made; i++)
            free(items[i].key.r);
        free(items);
        free(out);
        e->failed = 1;
        return NULL;
    }
    qsort(items, n, sizeof *items, cmp_items);
    for (size_t i = 0; i < n; i++) {
        out[i] = items[i].pair;
        free(items[i].key.r);
    }
    free(items);
    return out;
}

static int is_simple_key(const yv_pair *p)
{
    return p->klen <= 128 && !memchr(p->key, '\n', p->klen) && !memchr(p->key, '\r', p->klen);
}

static void emit_block_map(emitter *e, const yv *m)
{
    e->root_context = 0;
    int saved = e->indent;
    e->indent = e->indent < 0 ? 0 : e->indent + e->best_indent;
    const yv_pair **pairs = ordered_pairs(e, m);
    for (size_t i = 0; pairs && i < m->as.map.len && !e->failed; i++) {
        const yv_pair *p = pairs[i];
        write_indent(e);
        if (is_simple_key(p)) {
            emit_string(e, p->key, p->klen, 1);
            write_indicator(e, ":", 0, 0, 0);
        } else {
            write_indicator(e, "?", 1, 0, 1);
            emit_string(e, p->key, p->klen, 0);
            write_indent(e);
            write_indicator(e, ":", 1, 0, 1);
        }
        emit_node(e, p->val, 0);
    }
    free(pairs);
    e->indent = saved;
}

static void emit_block_list(emitter *e, const yv *l)
{
    e->root_context = 0;
    int saved = e->indent;
    e->indent = e->indent < 0 ? 0 : e->indent + e->best_indent;
    for (size_t i = 0; i < l->as.list.len && !e->failed; i++) {
        write_indent(e);
        write_indicator(e, "-", 1, 0, 1);
        emit_node(e, l->as.list.items[i], 0);
    }
    e->indent = saved;
}

static void emit_node(emitter *e, const yv *v, int simple_key)
{
    char buf[64];
    switch (v->kind) {
    case YV_NULL:
        emit_scalar_text(e, "null", 4, ST_PLAIN);
        break;
    case YV_BOOL:
        emit_scalar_text(e, v->as.b ? "true" : "false", v->as.b ? 4 : 5, ST_PLAIN);
        break;
    case YV_INT:
        snprintf(buf, sizeof buf, "%lld", (long long)v->as.i);
        emit_scalar_text(e, buf, strlen(buf), ST_PLAIN);
        break;
    case YV_UINT:
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)v->as.u);
        emit_scalar_text(e, buf, strlen(buf), ST_PLAIN);
        break;
    case YV_FLOAT:
        yv_format_float(v->as.f, 1, buf, sizeof buf);
        emit_scalar_text(e, buf, strlen(buf), ST_PLAIN);
        break;
    case YV_STR:
        emit_string(e, v->as.s.ptr, v->as.s.len, simple_key);
        break;
    case YV_MAP:
        if (v->as.map.len == 0) {
            write_indicator(e, "{", 1, 1, 0);
            write_indicator(e, "}", 0, 0, 0);
        } else {
            emit_block_map(e, v);
        }
        break;
    case YV_LIST:
        if (v->as.list.len == 0) {
            write_indicator(e, "[", 1, 1, 0);
            write_indicator(e, "]", 0, 0, 0);
        } else {
            emit_block_list(e, v);
        }
        break;
    }
}

char *yv_encode(const yv *root, const yv_encode_opts *opts, size_t *len, char *err, size_t errlen)
{
    emitter e = {.indent = -1, .whitespace = 1, .indention = 1,
                 .best_indent = opts->indent >= 2 && opts->indent <= 9 ? opts->indent : 2,
                 .sort_keys = opts->sort_keys, .root_context = 1};
    emit_node(&e, root, 0);
    /* document end: go-yaml always finishes the last line */
    e.indent = -1;
    write_indent(&e);
    if (e.open_ended) {
        write_indicator(&e, "...", 1, 0, 0);
        write_indent(&e);
    }
    if (e.failed) {
        free(e.buf);
        seterr(err, errlen, NULL, 0, 0, "out of memory while encoding YAML");
        return NULL;
    }
    if (!e.buf && !(e.buf = malloc(1))) {
        seterr(err, errlen, NULL, 0, 0, "out of memory while encoding YAML");
        return NULL;
    }
    e.buf[e.len] = '\0';
    *len = e.len;
    return e.buf;
}
