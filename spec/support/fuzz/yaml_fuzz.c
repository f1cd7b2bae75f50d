/* libFuzzer harness for hfl's YAML C core (c/yaml.h).
 *
 * For each input:
 *  1. decode it in v3 and v2 (YAML 1.1) mode, first document and all documents; when a decode
 *     succeeds, encode the tree sorted and unsorted (E1) and decode E1 again (v3). That must
 *     give the tree's value back, within the round-trip limits of README "YAML" (an integral
 *     float written without point or exponent comes back as an int; timestamps are strings
 *     anyway), and its encoding E2 must equal E1: encode(decode(encode(x))) is a fixed point.
 *  2. split the input at its first NUL byte (no NUL: the input against itself), decode both
 *     halves and merge the second into a copy of the first with every nulls/lists option, then
 *     encode the merge and check the same fixed point; merging the layer a second time must
 *     change nothing, and the layer merged from must be left as it was.
 * A crash, a sanitizer report or a broken invariant aborts.
 *
 * Build: bash spec/support/fuzz/build.sh (clang with libFuzzer, ASan and UBSan; libyaml itself
 * is not instrumented) → /tmp/hfl-fuzz/yaml_fuzz. Run, e.g.:
 *   mkdir -p /tmp/hfl-fuzz/corpus /tmp/hfl-fuzz/art
 *   ASAN_OPTIONS=detect_leaks=1 /tmp/hfl-fuzz/yaml_fuzz -jobs=1 -max_len=4096 -timeout=60 \
 *       -max_total_time=600 -dict=spec/support/fuzz/yaml.dict -artifact_prefix=/tmp/hfl-fuzz/art/ \
 *       /tmp/hfl-fuzz/corpus spec/fixtures/yaml/corpus
 * (-max_len=65536 for long inputs: deep nesting, big maps). Replay one input: yaml_fuzz FILE.
 * Keep corpora and crash files out of the repository (under /tmp). Every finding so far has a
 * regression spec in spec/c/yaml_spec.lua ("found by fuzzing").
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../c/yaml.h"

static void fail(const char *what, const char *a, size_t alen, const char *b, size_t blen)
{
    fprintf(stderr, "yaml_fuzz: %s\n--- first (%zu bytes)\n%.*s\n--- second (%zu bytes)\n%.*s\n---\n",
            what, alen, (int)alen, a ? a : "", blen, (int)blen, b ? b : "");
    abort();
}

static char *encode(const yv *root, size_t *n)
{
    char err[512];
    yv_encode_opts eo = {.sort_keys = 0, .indent = 2};
    char *e = yv_encode(root, &eo, n, err, sizeof err);
    if (!e)
        fail("encode failed", err, strlen(err), NULL, 0);
    return e;
}

/* Whether b (decoded from the encoding of a) is a's value again. The documented round-trip
 * limits hold: an integral float written without exponent or point comes back as an int. */
static int same_value(const yv *a, const yv *b, int ordered)
{
    if (a->kind == YV_FLOAT && (b->kind == YV_INT || b->kind == YV_UINT)) {
        char buf[64];
        yv_format_float(a->as.f, 1, buf, sizeof buf);
        if (strpbrk(buf, ".en"))
            return 0;
        return b->kind == YV_INT ? (double)b->as.i == a->as.f : (double)b->as.u == a->as.f;
    }
    if (a->kind != b->kind)
        return 0;
    switch (a->kind) {
    case YV_NULL:
        return 1;
    case YV_BOOL:
        return a->as.b == b->as.b;
    case YV_INT:
        return a->as.i == b->as.i;
    case YV_UINT:
        return a->as.u == b->as.u;
    case YV_FLOAT:
        return a->as.f == b->as.f || (a->as.f != a->as.f && b->as.f != b->as.f);
    case YV_STR:
        return a->as.s.len == b->as.s.len && !memcmp(a->as.s.ptr, b->as.s.ptr, a->as.s.len);
    case YV_LIST:
        if (a->as.list.len != b->as.list.len)
            return 0;
        for (size_t i = 0; i < a->as.list.len; i++)
            if (!same_value(a->as.list.items[i], b->as.list.items[i], ordered))
                return 0;
        return 1;
    case YV_MAP:
        if (a->as.map.len != b->as.map.len)
            return 0;
        for (size_t i = 0; i < a->as.map.len; i++) {
            const yv_pair *p = &a->as.map.items[i], *q = NULL;
            if (ordered) {
                q = &b->as.map.items[i];
            } else {
                for (size_t k = 0; k < b->as.map.len && !q; k++)
                    if (b->as.map.items[k].klen == p->klen && !memcmp(b->as.map.items[k].key, p->key, p->klen))
                        q = &b->as.map.items[k];
            }
            if (!q || q->klen != p->klen || memcmp(q->key, p->key, p->klen) || !same_value(p->val, q->val, ordered))
                return 0;
        }
        return 1;
    }
    return 0;
}

/* Encodes root; checks that the encoding decodes and re-encodes to itself. */
static void check_fixed_point(const yv *root, int sort)
{
    char err[512];
    yv_encode_opts eo = {.sort_keys = sort, .indent = 2};
    size_t n1 = 0, n2 = 0;
    char *e1 = yv_encode(root, &eo, &n1, err, sizeof err);
    if (!e1)
        fail("encode failed", err, strlen(err), NULL, 0);
    yv_decode_opts dopts = {.filename = "enc"};
    yv_doc doc;
    if (yv_decode(e1, n1, &dopts, &doc, err, sizeof err) < 0)
        fail("the encoding does not decode", e1, n1, err, strlen(err));
    if (!same_value(root, doc.root, !sort))
        fail(sort ? "the encoding decodes to another value (sorted)" : "the encoding decodes to another value (unsorted)",
             e1, n1, NULL, 0);
    char *e2 = yv_encode(doc.root, &eo, &n2, err, sizeof err);
    if (!e2)
        fail("second encode failed", err, strlen(err), NULL, 0);
    if (n1 != n2 || memcmp(e1, e2, n1) != 0)
        fail(sort ? "encode is not a fixed point (sorted)" : "encode is not a fixed point (unsorted)",
             e1, n1, e2, n2);
    free(e2);
    yv_doc_free(&doc);
    free(e1);
}

static int decode(const char *text, size_t len, int yaml11, int all, yv_doc *doc)
{
    char err[512];
    yv_decode_opts o = {.filename = "in", .yaml11 = yaml11, .all = all};
    int rc = yv_decode(text, len, &o, doc, err, sizeof err);
    if (rc < 0 && (doc->arena || doc->root))
        fail("failed decode left a document", err, strlen(err), NULL, 0);
    if (rc == 0 && !doc->root)
        fail("decode succeeded without a root", text, len, NULL, 0);
    return rc;
}

static void check_merge(const char *a, size_t alen, const char *b, size_t blen, int yaml11)
{
    yv_doc da, db;
    if (decode(a, alen, yaml11, 0, &da) < 0)
        return;
    if (decode(b, blen, yaml11, 0, &db) < 0) {
        yv_doc_free(&da);
        return;
    }
    size_t bn;
    char *be = encode(db.root, &bn);
    for (int nulls = YV_NULL_KEEP; nulls <= YV_NULL_DELETE; nulls++)
        for (int lists = 0; lists <= 1; lists++) {
            yv_arena *arena = yv_arena_new();
            if (!arena)
                abort();
            yv *dst = yv_copy(arena, da.root);
            if (!dst)
                abort();
            yv_merge_opts mo = {.nulls = nulls, .lists_elementwise = lists};
            if (yv_merge(arena, &dst, db.root, &mo) < 0 || !dst)
                fail("merge failed", a, alen, b, blen);
            check_fixed_point(dst, 1);
            check_fixed_point(dst, 0);
            /* merging the same layer again changes nothing, and the layer stays as it was */
            size_t n1, n2;
            char *e1 = encode(dst, &n1);
            if (yv_merge(arena, &dst, db.root, &mo) < 0 || !dst)
                fail("second merge failed", a, alen, b, blen);
            char *e2 = encode(dst, &n2);
            if (n1 != n2 || memcmp(e1, e2, n1) != 0)
                fail("merging twice is not merging once", e1, n1, e2, n2);
            free(e2);
            e2 = encode(db.root, &n2);
            if (n2 != bn || memcmp(e2, be, bn) != 0)
                fail("merge changed the layer merged from", be, bn, e2, n2);
            free(e2);
            free(e1);
            yv_arena_free(arena);
        }
    free(be);
    yv_doc_free(&db);
    yv_doc_free(&da);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    for (int yaml11 = 0; yaml11 <= 1; yaml11++)
        for (int all = 0; all <= 1; all++) {
            yv_doc doc;
            if (decode(text, size, yaml11, all, &doc) < 0)
                continue;
            check_fixed_point(doc.root, 1);
            check_fixed_point(doc.root, 0);
            yv_doc_free(&doc);
        }
    const char *nul = memchr(text, 0, size);
    if (nul)
        check_merge(text, (size_t)(nul - text), nul + 1, size - (size_t)(nul - text) - 1, 0);
    else
        check_merge(text, size, text, size, 0);
    return 0;
}
