/* hfl's YAML core: a value tree that libyaml documents decode into, that merges the way
 * Helmfile layers values, and that encodes the way go-yaml v3 writes (indent 2).
 * Pure C; c/l_yaml.c and c/l_yaml_value.c bind it to Lua. */
#ifndef HFL_YAML_H
#define HFL_YAML_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    YV_NULL,
    YV_BOOL,
    YV_INT,    /* i */
    YV_UINT,   /* u: only for values above INT64_MAX */
    YV_FLOAT,  /* f */
    YV_STR,    /* s */
    YV_MAP,    /* map: keys are strings, in document order */
    YV_LIST,
} yv_kind;

typedef struct yv yv;
typedef struct yv_pair yv_pair;

struct yv {
    yv_kind kind;
    uint32_t line; /* where the node starts in its document (1-based), 0 when built */
    union {
        int b;
        int64_t i;
        uint64_t u;
        double f;
        struct { char *ptr; size_t len; } s;
        struct { yv_pair *items; size_t len; } map;
        struct { yv **items; size_t len; } list;
    } as;
};

struct yv_pair {
    char *key;
    uint32_t klen;
    uint32_t line; /* the key's line, 0 when built */
    yv *val;
};

/* All nodes and strings of a tree live in one arena, freed at once. */
typedef struct yv_arena yv_arena;

typedef struct {
    yv_arena *arena;
    yv *root;
} yv_doc;

typedef struct {
    const char *filename;  /* for messages; NULL → "<input>" */
    int yaml11;            /* go-yaml v2 / YAML 1.1 scalars: yes/no/on/off booleans */
    int all;               /* every document: root is a list of documents */
} yv_decode_opts;

enum { YV_MAX_STRING = 0x7fffffff }; /* map keys are at most this long */

enum { YV_NULL_KEEP, YV_NULL_SET, YV_NULL_DELETE };

typedef struct {
    int nulls;              /* YV_NULL_*: what a null in the override does to a key */
    int lists_elementwise;  /* override lists containing null merge element by element */
} yv_merge_opts;

typedef struct {
    int sort_keys;  /* go-yaml's key order; otherwise document order */
    int indent;     /* 2 unless set */
} yv_encode_opts;

enum { YV_MAX_DEPTH = 10000 };

/* Error text is written to err (size errlen). Functions returning int: 0 ok, -1 error. */
yv_arena *yv_arena_new(void);
void yv_arena_free(yv_arena *a);
void *yv_alloc(yv_arena *a, size_t n);

int yv_decode(const char *text, size_t len, const yv_decode_opts *opts, yv_doc *out, char *err,
              size_t errlen);
void yv_doc_free(yv_doc *doc);

/* Merges src into *dst in place; nodes taken from src are copied into arena. */
int yv_merge(yv_arena *arena, yv **dst, const yv *src, const yv_merge_opts *opts);
yv *yv_copy(yv_arena *arena, const yv *v);

/* Encoded text in a malloc'd buffer (caller frees), NULL with err on failure. */
char *yv_encode(const yv *root, const yv_encode_opts *opts, size_t *len, char *err, size_t errlen);

/* Go's strconv.FormatFloat(f, 'g', -1, 64), with YAML's .inf/.nan when yaml != 0. */
void yv_format_float(double f, int yaml, char *buf, size_t buflen);

/* Counts libyaml events without building anything: the floor for benchmarks. */
long yv_scan(const char *text, size_t len, char *err, size_t errlen);

/* Node constructors for the binding (allocated in arena). NULL when out of memory. */
yv *yv_new(yv_arena *a, yv_kind kind);
yv *yv_new_str(yv_arena *a, const char *s, size_t len);
int yv_map_set(yv_arena *a, yv *map, const char *key, size_t klen, yv *val, size_t *cap);
int yv_list_push(yv_arena *a, yv *list, yv *item, size_t *cap);
/* The value of key in a map as a Lua table built from it holds it: the last pair with that
 * key wins. NULL when the map has no such key. */
const yv *yv_map_get(const yv *map, const char *key);

#endif
