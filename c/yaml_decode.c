/* Decoding: libyaml events → value tree, with go-yaml's rules for merge keys, duplicate
 * keys and alias expansion. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "yaml_internal.h"

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
    /* how many nodes go-yaml decodes for this node, alias expansions included */
    long nodes;
    /* maps */
    pending_pair *pairs;
    size_t plen, pcap;
    int have_key;
    pending_pair key;
} frame;

typedef struct {
    char *name;
    yv *node;
    long nodes; /* see frame */
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
    long last_nodes; /* node count of the node being handed to its parent */
    const char *text; /* the whole input, for checks libyaml does not make */
    size_t len;
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
    d->anchors[d->nanchors].nodes = d->last_nodes;
    d->anchors[d->nanchors++].node = node;
    return 0;
}

static void forget_anchors(decoder *d)
{
    for (size_t i = 0; i < d->nanchors; i++)
        free(d->anchors[i].name);
    d->nanchors = 0;
}

static const anchor_entry *find_anchor(decoder *d, const char *name)
{
    for (size_t i = d->nanchors; i-- > 0;)
        if (strcmp(d->anchors[i].name, name) == 0)
            return &d->anchors[i];
    return NULL;
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

static int scalar_key_text(decoder *d, const yv *v, char **out, uint32_t *len)
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
    if (n > YV_MAX_STRING) {
        seterr(d->err, d->errlen, fname(d), v->line, 0, "a map key longer than 2 GiB");
        return -1;
    }
    *out = arena_strdup(d->arena, s, n);
    *len = (uint32_t)n;
    return *out ? 0 : oom(d);
}

/* go-yaml knows no "\/" escape (libyaml accepts it): refuse it as go-yaml does. */
static int bad_escape(decoder *d, const yaml_event_t *ev)
{
    if (ev->data.scalar.style != YAML_DOUBLE_QUOTED_SCALAR_STYLE)
        return 0;
    size_t end = ev->end_mark.index < d->len ? ev->end_mark.index : d->len;
    for (size_t i = ev->start_mark.index; i + 1 < end; i++) {
        if (d->text[i] != '\\')
            continue;
        if (d->text[i + 1] == '/')
            return 1;
        i++;
    }
    return 0;
}

static size_t skip_newlines(const char *s, size_t len, size_t i)
{
    while (i < len && (s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

/* Go's base64.StdEncoding.DecodeString: line breaks are ignored, padding is required, and
 * nothing but line breaks may follow it. out holds len / 4 * 3 bytes and a NUL. */
static int decode_base64(const char *in, size_t len, char *out, size_t *outlen)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = 0, i = 0;
    for (;;) {
        uint32_t acc = 0;
        int j = 0;
        while (j < 4) {
            i = skip_newlines(in, len, i);
            if (i == len) {
                if (j != 0)
                    return -1; /* a partial group without its padding */
                *outlen = n;
                return 0;
            }
            unsigned char c = (unsigned char)in[i++];
            if (c == '=') {
                if (j < 2)
                    return -1;
                if (j == 2) {
                    i = skip_newlines(in, len, i);
                    if (i == len || in[i] != '=')
                        return -1;
                    i++;
                }
                if (skip_newlines(in, len, i) != len)
                    return -1; /* something after the padding */
                break;
            }
            const char *p = c ? strchr(b64, c) : NULL;
            if (!p)
                return -1;
            acc |= (uint32_t)(p - b64) << (18 - 6 * j++);
        }
        out[n++] = (char)(acc >> 16);
        if (j > 2)
            out[n++] = (char)(acc >> 8 & 0xFF);
        if (j > 3)
            out[n++] = (char)(acc & 0xFF);
        if (j < 4) {
            *outlen = n;
            return 0;
        }
    }
}

static yv *make_scalar(decoder *d, const yaml_event_t *ev)
{
    const char *val = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    size_t line = ev->start_mark.line + 1, col = ev->start_mark.column + 1;
    int tag = short_tag((const char *)ev->data.scalar.tag);
    int quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
    if (bad_escape(d, ev)) {
        seterr(d->err, d->errlen, fname(d), line, col,
               "found unknown escape character while parsing a quoted scalar");
        return NULL;
    }
    /* go-yaml resolves only untagged plain scalars and the tags it knows; !!merge and unknown
     * tags keep the text as a string. */
    if (tag == T_STR || tag == T_OTHER || tag == T_MERGE || (tag == T_NONE && quoted))
        return yv_new_str(d->arena, val, len);
    if (tag == T_BINARY) {
        yv *v = yv_new(d->arena, YV_STR);
        char *out = v ? yv_alloc(d->arena, len / 4 * 3 + 3) : NULL;
        if (!out)
            return NULL;
        if (decode_base64(val, len, out, &v->as.s.len) < 0) {
            seterr(d->err, d->errlen, fname(d), line, col,
                   "!!binary value contains invalid base64 data");
            return NULL;
        }
        out[v->as.s.len] = '\0';
        v->as.s.ptr = out;
        return v;
    }
    resolved r;
    resolve_plain(val, len, d->opts->yaml11, &r);
    if (tag == T_FLOAT && r.t == T_INT) {
        r.t = T_FLOAT;
        r.f = r.is_uint ? (double)r.u : (double)r.i;
    }
    if (tag == T_NULL && r.t == T_NULL)
        return yv_new(d->arena, YV_NULL);
    /* indexed by T_STR .. T_TIMESTAMP: every tag and resolution that reaches here */
    static const char *const names[] = {"", "!!str", "!!bool", "!!int", "!!float", "!!null",
                                        "!!timestamp"};
    if (tag != T_NONE && r.t != tag) {
        seterr(d->err, d->errlen, fname(d), line, col, "cannot decode %s `%s` as a %s",
               names[r.t], val, names[tag]);
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
    f->nodes = 1;
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

/* Appends p unless its key is there already; returns the index of the equal key, or -1. */
static long add_key(yv_pair *items, size_t *n, keyset *ks, const yv_pair *p)
{
    items[*n] = *p;
    long dup = -1;
    if (ks->slots) {
        dup = keyset_find_add(ks, items, *n, 1);
    } else {
        for (size_t k = 0; k < *n && dup < 0; k++)
            if (items[k].klen == p->klen && !memcmp(items[k].key, p->key, p->klen))
                dup = (long)k;
    }
    if (dup < 0)
        (*n)++;
    return dup;
}

/* The maps a `<<` value merges, in the order go-yaml applies them (reverse for v2 lists). */
static const yv *merge_source(const yv *src, size_t i, int reverse)
{
    if (src->kind == YV_MAP)
        return src;
    return src->as.list.items[reverse ? src->as.list.len - 1 - i : i];
}

static size_t merge_source_count(const yv *src)
{
    return src->kind == YV_MAP ? 1 : src->as.list.len;
}

/* go-yaml v3: explicit keys first (a duplicate is an error, and so is a second `<<`), then
 * merged keys that are not set yet, earlier sources first. */
static int merge_explicit_first(decoder *d, frame *f, yv_pair *items, size_t *n, keyset *ks)
{
    size_t merge_line = 0;
    for (size_t i = 0; i < f->plen; i++) {
        const pending_pair *p = &f->pairs[i];
        if (p->is_merge) {
            if (merge_line) {
                seterr(d->err, d->errlen, fname(d), p->line, p->col,
                       "mapping key \"<<\" already defined at line %zu", merge_line);
                return 0;
            }
            merge_line = p->line;
            continue;
        }
        long dup = add_key(items, n, ks, &p->pair);
        if (dup >= 0) {
            size_t first_line = 0;
            for (size_t k = 0; k < f->plen; k++)
                if (!f->pairs[k].is_merge && f->pairs[k].pair.key == items[dup].key)
                    first_line = f->pairs[k].line;
            seterr(d->err, d->errlen, fname(d), p->line, p->col,
                   "mapping key \"%s\" already defined at line %zu", p->pair.key, first_line);
            return 0;
        }
    }
    for (size_t i = 0; i < f->plen; i++) {
        if (!f->pairs[i].is_merge)
            continue;
        const yv *src = f->pairs[i].pair.val;
        for (size_t s = 0; s < merge_source_count(src); s++) {
            const yv *m = merge_source(src, s, 0);
            for (size_t k = 0; k < m->as.map.len; k++)
                add_key(items, n, ks, &m->as.map.items[k]);
        }
    }
    return 1;
}

/* go-yaml v2: keys are set in document order, a `<<` where it stands, each later setting
 * winning — so duplicates keep the last value (yes/on/true all read as true). */
static int merge_in_order(frame *f, yv_pair *items, size_t *n, keyset *ks)
{
    for (size_t i = 0; i < f->plen; i++) {
        const pending_pair *p = &f->pairs[i];
        if (!p->is_merge) {
            long dup = add_key(items, n, ks, &p->pair);
            if (dup >= 0)
                items[dup].val = p->pair.val;
            continue;
        }
        for (size_t s = 0; s < merge_source_count(p->pair.val); s++) {
            const yv *m = merge_source(p->pair.val, s, 1);
            for (size_t k = 0; k < m->as.map.len; k++) {
                long dup = add_key(items, n, ks, &m->as.map.items[k]);
                if (dup >= 0)
                    items[dup].val = m->as.map.items[k].val;
            }
        }
    }
    return 1;
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
    int ok = d->opts->yaml11 ? merge_in_order(f, items, &n, &ks) : merge_explicit_first(d, f, items, &n, &ks);
    if (!ok) {
        free(ks.slots);
        return NULL;
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
    if (d->depth == 0)
        return 1; /* a document root: the caller keeps it */
    frame *f = &d->stack[d->depth - 1];
    f->nodes += d->last_nodes;
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
        k->pair.line = (uint32_t)line;
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
        d->last_nodes = 1;
        d->decode_count++;
        if (ev->data.scalar.anchor) {
            char *name = strdup((const char *)ev->data.scalar.anchor);
            if (!name || define_anchor(d, name, node) < 0)
                return name ? -1 : oom(d);
        }
        break;
    case YAML_ALIAS_EVENT: {
        const anchor_entry *target = find_anchor(d, (const char *)ev->data.alias.anchor);
        if (!target) {
            seterr(d->err, d->errlen, fname(d), line, col, "unknown anchor '%s' referenced",
                   ev->data.alias.anchor);
            return -1;
        }
        /* go-yaml decodes an alias by decoding its target again and counts every node of
         * that expansion as aliased: a bomb's ratio of aliased nodes tends to 1. */
        d->last_nodes = 1 + target->nodes;
        d->alias_count += target->nodes;
        d->decode_count += d->last_nodes;
        if (excessive_aliasing(d)) {
            seterr(d->err, d->errlen, fname(d), line, col, "document contains excessive aliasing");
            return -1;
        }
        /* Copied, so that merging into one alias never changes another. */
        node = yv_copy(d->arena, target->node);
        if (!node)
            return oom(d);
        break;
    }
    case YAML_DOCUMENT_START_EVENT: {
        const yaml_version_directive_t *v = ev->data.document_start.version_directive;
        if (v && (v->major != 1 || v->minor != 1)) {
            /* go-yaml reads YAML 1.1 documents only */
            seterr(d->err, d->errlen, fname(d), line, col,
                   "found incompatible YAML document (%%YAML %d.%d; only 1.1 is read)", v->major, v->minor);
            return -1;
        }
        return 0;
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
        d->last_nodes = f->nodes;
        d->decode_count++;
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
    node->line = (uint32_t)line;
    int rc = add_node_at(d, node, line, col, merge_key);
    if (rc == 1)
        *root = node;
    return rc;
}

int yv_decode(const char *text, size_t len, const yv_decode_opts *opts, yv_doc *out, char *err,
              size_t errlen)
{
    decoder d = {.opts = opts, .err = err, .errlen = errlen, .text = text, .len = len};
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

