/* Regular expressions with RE2-like syntax over PCRE2 (c/regex.c), for hfl.core.regex.
 * Pure C: knows nothing of Lua. */
#ifndef HFL_REGEX_H
#define HFL_REGEX_H

#include <stddef.h>

typedef struct hfl_regex hfl_regex;

/* Why a pattern failed to compile: PCRE2's error code, its message and the byte offset. */
typedef struct {
    int code;
    size_t offset;
    char message[256];
} hfl_regex_error;

/* Compiles pattern (RE2 syntax: PCRE2 with UTF, `$` only at the end, no backreferences or
 * lookaround). Returns NULL and fills err on failure (err->code -1: out of memory; other
 * negative codes: invalid UTF-8 in the pattern at err->offset). */
hfl_regex *hfl_regex_compile(const char *pattern, size_t len, hfl_regex_error *err);
void hfl_regex_free(hfl_regex *re);

/* Number of capture groups (not counting the whole match). */
int hfl_regex_groups(const hfl_regex *re);

/* Name of group i (1-based), or NULL when unnamed. */
const char *hfl_regex_group_name(const hfl_regex *re, int i);

/* Searches subject from byte offset start. On a match fills ovec (2 * (groups + 1) entries,
 * unset groups as (size_t)-1) and returns 1; returns 0 when nothing matches, -1 on error.
 * valid_utf: the caller checked (hfl_regex_valid_utf8) that subject is valid UTF-8, so PCRE2
 * need not check it again — a check of the whole rest of the subject on every call. */
int hfl_regex_exec(hfl_regex *re, const char *subject, size_t len, size_t start, size_t *ovec,
                   int valid_utf);

/* Whether s is valid UTF-8 as PCRE2 defines it (no overlong forms, surrogates or code points
 * past U+10FFFF). */
int hfl_regex_valid_utf8(const char *s, size_t len);

#endif
