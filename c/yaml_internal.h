/* Internals shared by the YAML core's files (c/yaml_*.c); the API is c/yaml.h. */
#ifndef HFL_YAML_INTERNAL_H
#define HFL_YAML_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "yaml.h"

char *arena_strdup(yv_arena *a, const char *s, size_t len);

/* Open-addressing set of map keys: duplicate checks and merge lookups in big maps. */
typedef struct {
    size_t *slots; /* index + 1 into the pairs; 0 = empty */
    size_t mask;
} keyset;

uint64_t hash_key(const char *s, size_t n);
int keyset_init(keyset *ks, size_t n);
long keyset_find_add(keyset *ks, const yv_pair *pairs, size_t idx, int add);

enum { T_NONE, T_STR, T_BOOL, T_INT, T_FLOAT, T_NULL, T_TIMESTAMP, T_BINARY, T_MERGE, T_OTHER };

typedef struct {
    int t; /* T_STR, T_BOOL, T_INT, T_FLOAT, T_NULL, T_TIMESTAMP (kept as a string) */
    int b, is_uint;
    int64_t i;
    uint64_t u;
    double f;
} resolved;

int parse_go_int(const char *s, int64_t *i, uint64_t *u);
int short_tag(const char *tag);
int in_list(const char *s, const char *const *list);
void resolve_plain(const char *s, size_t len, int yaml11, resolved *r);
void seterr(char *err, size_t errlen, const char *file, size_t line, size_t col, const char *fmt, ...);

#endif
