/* Regular expressions with RE2-like syntax over PCRE2. Go's regexp (RE2) is mostly a subset
 * of PCRE's syntax; the differences that matter are handled here: `$` matches only at the
 * very end (PCRE2_DOLLAR_ENDONLY), invalid UTF-8 never fails a match, and constructs RE2
 * rejects (backreferences, lookaround, atomic groups, possessive quantifiers, \Z) are refused
 * so templates do not come to depend on them. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regex.h"

struct hfl_regex {
    pcre2_code *code;
    /* The same pattern without PCRE2_MATCH_INVALID_UTF, for subjects known to be valid UTF-8:
     * with it, PCRE2 checks the rest of the subject on every call, which made find-all loops
     * quadratic. NULL when it does not compile (it always should). */
    pcre2_code *strict;
    pcre2_match_data *md;
    int groups;
    char **names; /* groups + 1 entries, NULL where unnamed */
};

static void set_error(hfl_regex_error *err, int code, size_t offset, const char *msg)
{
    err->code = code;
    err->offset = offset;
    snprintf(err->message, sizeof err->message, "%s", msg);
}

/* Finds syntax RE2 does not support; returns its offset and a message, or -1. */
static long unsupported(const char *p, size_t len, const char **msg)
{
    int in_class = 0;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (c == '\\' && i + 1 < len) {
            char d = p[i + 1];
            if (!in_class && d >= '1' && d <= '9') {
                *msg = "invalid escape sequence";
                return (long)i;
            }
            if (d == 'Z' || d == 'K' || d == 'R' || d == 'X' || d == 'g' || d == 'k') {
                *msg = "invalid escape sequence";
                return (long)i;
            }
            i++;
            continue;
        }
        if (in_class) {
            if (c == ']')
                in_class = 0;
            continue;
        }
        if (c == '[') {
            in_class = 1;
            if (i + 1 < len && p[i + 1] == '^')
                i++;
            if (i + 1 < len && p[i + 1] == ']')
                i++;
            continue;
        }
        if (c == '(' && i + 2 < len && p[i + 1] == '?') {
            char d = p[i + 2];
            if (d == '=' || d == '!' || d == '>' || d == '|' || d == '#' ||
                (d == '<' && i + 3 < len && (p[i + 3] == '=' || p[i + 3] == '!'))) {
                *msg = "invalid or unsupported Perl syntax";
                return (long)i;
            }
        }
        if ((c == '*' || c == '+' || c == '?' || c == '}') && i + 1 < len && p[i + 1] == '+') {
            *msg = "invalid nested repetition operator";
            return (long)i;
        }
    }
    return -1;
}

hfl_regex *hfl_regex_compile(const char *pattern, size_t len, hfl_regex_error *err)
{
    const char *msg = NULL;
    long bad = unsupported(pattern, len, &msg);
    if (bad >= 0) {
        set_error(err, 0, (size_t)bad, msg);
        return NULL;
    }
    int code = 0;
    PCRE2_SIZE offset = 0;
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)pattern, len,
                                  PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY |
                                      PCRE2_ALLOW_EMPTY_CLASS,
                                  &code, &offset, NULL);
    if (!c) {
        PCRE2_UCHAR buf[256];
        if (pcre2_get_error_message(code, buf, sizeof buf) < 0)
            snprintf((char *)buf, sizeof buf, "error %d", code);
        set_error(err, code, offset, (const char *)buf);
        return NULL;
    }
    hfl_regex *re = calloc(1, sizeof *re);
    if (!re) {
        pcre2_code_free(c);
        set_error(err, -1, 0, "out of memory");
        return NULL;
    }
    re->code = c;
    re->strict = pcre2_compile((PCRE2_SPTR)pattern, len,
                               PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_ALLOW_EMPTY_CLASS, &code,
                               &offset, NULL);
    uint32_t n = 0;
    pcre2_pattern_info(c, PCRE2_INFO_CAPTURECOUNT, &n);
    re->groups = (int)n;
    re->md = pcre2_match_data_create_from_pattern(c, NULL);
    re->names = calloc(n + 1, sizeof *re->names);
    if (!re->md || !re->names) {
        hfl_regex_free(re);
        set_error(err, -1, 0, "out of memory");
        return NULL;
    }
    uint32_t count = 0, entry = 0;
    PCRE2_SPTR table = NULL;
    pcre2_pattern_info(c, PCRE2_INFO_NAMECOUNT, &count);
    pcre2_pattern_info(c, PCRE2_INFO_NAMEENTRYSIZE, &entry);
    pcre2_pattern_info(c, PCRE2_INFO_NAMETABLE, &table);
    for (uint32_t i = 0; i < count; i++) {
        const unsigned char *e = table + (size_t)i * entry;
        int idx = (e[0] << 8) | e[1];
        if (idx < 1 || idx > (int)n)
            continue;
        size_t l = strlen((const char *)e + 2);
        char *name = malloc(l + 1);
        if (!name) {
            hfl_regex_free(re);
            set_error(err, -1, 0, "out of memory");
            return NULL;
        }
        memcpy(name, e + 2, l + 1);
        free(re->names[idx]);
        re->names[idx] = name;
    }
    return re;
}

void hfl_regex_free(hfl_regex *re)
{
    if (!re)
        return;
    if (re->names) {
        for (int i = 0; i <= re->groups; i++)
            free(re->names[i]);
        free(re->names);
    }
    pcre2_match_data_free(re->md);
    pcre2_code_free(re->code);
    pcre2_code_free(re->strict);
    free(re);
}

int hfl_regex_groups(const hfl_regex *re) { return re->groups; }

const char *hfl_regex_group_name(const hfl_regex *re, int i)
{
    if (i < 1 || i > re->groups)
        return NULL;
    return re->names[i];
}

int hfl_regex_exec(hfl_regex *re, const char *subject, size_t len, size_t start, size_t *ovec,
                   int valid_utf)
{
    if (start > len)
        return 0;
    int rc = valid_utf && re->strict
                 ? pcre2_match(re->strict, (PCRE2_SPTR)subject, len, start, PCRE2_NO_UTF_CHECK,
                               re->md, NULL)
                 : pcre2_match(re->code, (PCRE2_SPTR)subject, len, start, 0, re->md, NULL);
    /* Go's RE2 never backtracks, so it answers where PCRE2 gives up; a pattern backtracks
     * that much while failing to match (the `(a+)+$` kind), so the answer is "no match". */
    if (rc == PCRE2_ERROR_NOMATCH || rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
        rc == PCRE2_ERROR_HEAPLIMIT)
        return 0;
    if (rc < 0)
        return -1;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(re->md);
    uint32_t pairs = pcre2_get_ovector_count(re->md);
    for (int i = 0; i <= re->groups; i++) {
        if ((uint32_t)i < pairs && i < rc && ov[2 * i] != PCRE2_UNSET) {
            ovec[2 * i] = ov[2 * i];
            ovec[2 * i + 1] = ov[2 * i + 1];
        } else {
            ovec[2 * i] = (size_t)-1;
            ovec[2 * i + 1] = (size_t)-1;
        }
    }
    return 1;
}

int hfl_regex_valid_utf8(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        unsigned c = *p;
        if (c < 0x80) {
            p++;
            continue;
        }
        size_t n;
        unsigned cp, min;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1, cp = c & 0x1F, min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2, cp = c & 0x0F, min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if ((size_t)(end - p) <= n)
            return 0;
        for (size_t i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        p += n + 1;
    }
    return 1;
}
