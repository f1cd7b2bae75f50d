/* The YAML value tree: arena allocation, key sets, copy and the Helmfile merge. */
#include <stdlib.h>
#include <string.h>

#include "yaml_internal.h"

/* ---- arena ---------------------------------------------------------------------------- */

typedef struct chunk {
    struct chunk *next;
    size_t used, size;
    _Alignas(8) unsigned char data[];
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
    /* 8-byte alignment suits every node and string, and keeps short strings small */
    n = (n + 7) & ~(size_t)7;
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

char *arena_strdup(yv_arena *a, const char *s, size_t len)
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
    if (klen > YV_MAX_STRING)
        return -1;
    yv_pair *p = &items[map->as.map.len++];
    p->key = arena_strdup(a, key, klen);
    p->klen = (uint32_t)klen;
    p->line = 0;
    p->val = val;
    return p->key ? 0 : -1;
}

const yv *yv_map_get(const yv *map, const char *key)
{
    size_t klen = strlen(key);
    for (size_t i = map->as.map.len; i > 0; i--) {
        const yv_pair *p = &map->as.map.items[i - 1];
        if (p->klen == klen && memcmp(p->key, key, klen) == 0)
            return p->val;
    }
    return NULL;
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

uint64_t hash_key(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

int keyset_init(keyset *ks, size_t n)
{
    size_t size = 16;
    while (size < n * 2)
        size <<= 1;
    ks->slots = calloc(size, sizeof(size_t));
    ks->mask = size - 1;
    return ks->slots ? 0 : -1;
}

/* Returns the index of an equal key already in the set, else adds idx and returns -1. */
long keyset_find_add(keyset *ks, const yv_pair *pairs, size_t idx, int add)
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

/* ---- copy and merge ----------------------------------------------------------------------- */

/* drop_nulls: leave out map keys whose value is null, at every depth (a "delete" layer). */
static yv *copy(yv_arena *a, const yv *v, int drop_nulls)
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
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            const yv_pair *p = &v->as.map.items[i];
            if (drop_nulls && p->val->kind == YV_NULL)
                continue;
            items[k].klen = p->klen;
            items[k].line = p->line;
            items[k].key = arena_strdup(a, p->key, p->klen);
            items[k].val = copy(a, p->val, drop_nulls);
            if (!items[k].key || !items[k].val)
                return NULL;
            k++;
        }
        c->as.map.items = items;
        c->as.map.len = k;
    } else if (v->kind == YV_LIST) {
        size_t n = v->as.list.len;
        yv **items = yv_alloc(a, (n ? n : 1) * sizeof(yv *));
        if (!items)
            return NULL;
        for (size_t i = 0; i < n; i++)
            if (!(items[i] = copy(a, v->as.list.items[i], drop_nulls)))
                return NULL;
        c->as.list.items = items;
    }
    return c;
}

yv *yv_copy(yv_arena *a, const yv *v)
{
    return copy(a, v, 0);
}

/* A value from the override layer placed as a whole: with nulls = delete a null in it never
 * becomes a key, as it would not had the base held a map there (so merging is idempotent). */
static yv *copy_over(yv_arena *a, const yv *v, const yv_merge_opts *o)
{
    return copy(a, v, o->nulls == YV_NULL_DELETE);
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
                } else if (!(items[i] = copy_over(a, s, o))) {
                    return -1;
                }
            }
        }
        d->as.list.items = items;
        d->as.list.len = n;
        return 0;
    }
    *dst = copy_over(a, src, o);
    return *dst ? 0 : -1;
}

static int merge_map(yv_arena *a, yv *dst, const yv *src, const yv_merge_opts *o)
{
    size_t cap = dst->as.map.len, n0 = dst->as.map.len;
    keyset ks = {0};
    /* Each source key is looked up among the keys added before it as well, so index by the
     * size the map can reach, not the size it has (merging into {} was quadratic). */
    if (n0 + src->as.map.len > 8) {
        if (keyset_init(&ks, n0 + src->as.map.len) < 0)
            return -1;
        for (size_t i = 0; i < n0; i++)
            keyset_find_add(&ks, dst->as.map.items, i, 1);
    }
    int rc = 0, deleted = 0;
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
                /* A tombstone, dropped below: indexes stay valid and deleting stays linear
                 * (the source's keys are unique, so it is never looked up again). */
                dst->as.map.items[at].val = NULL;
                deleted = 1;
                continue;
            }
            rc = yv_merge(a, &dst->as.map.items[at].val, sp->val, o);
            continue;
        }
        if (sp->val->kind == YV_NULL && o->nulls == YV_NULL_DELETE)
            continue;
        yv *val = copy_over(a, sp->val, o);
        if (!val || yv_map_set(a, dst, sp->key, sp->klen, val, &cap) < 0) {
            rc = -1;
            continue;
        }
        dst->as.map.items[dst->as.map.len - 1].line = sp->line;
        if (ks.slots)
            keyset_find_add(&ks, dst->as.map.items, dst->as.map.len - 1, 1);
    }
    free(ks.slots);
    if (deleted) {
        size_t n = 0;
        for (size_t k = 0; k < dst->as.map.len; k++)
            if (dst->as.map.items[k].val)
                dst->as.map.items[n++] = dst->as.map.items[k];
        dst->as.map.len = n;
    }
    return rc;
}

