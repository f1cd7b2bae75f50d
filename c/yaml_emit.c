/* Encoding: go-yaml v3's emitter (indent 2, block style, its quoting rules). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml_internal.h"

/* ---- encode: go-yaml v3's emitter, for the block style it uses ----------------------------- */

typedef struct {
    char *buf;
    size_t len, cap;
    int column, whitespace, indention;
    int indent, best_indent, sort_keys, failed;
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
            plain_ok = r.t == T_STR && !is_base60_float(s) && !is_old_bool(s);
        }
        style = plain_ok ? ST_PLAIN : ST_DOUBLE;
    }
    if (simple_key && a.multiline)
        style = ST_DOUBLE;
    /* go-yaml writes a "<<" key plain, which then reads back as a merge key; hfl quotes it
     * so that what it writes reads back unchanged */
    if (simple_key && n == 2 && s[0] == '<' && s[1] == '<')
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
}

static void write_break_char(emitter *e, const char *s, size_t n, size_t *i)
{
    if (s[*i] == '\n') {
        put_break(e);
        (*i)++;
    } else {
        /* NEL, LS, PS and CR are written as they are and end the line */
        int w = s[*i] == '\r' ? 1 : utf8_width((unsigned char)s[*i]);
        if (*i + (size_t)w > n)
            w = (int)(n - *i);
        put_n(e, s + *i, (size_t)w);
        e->column = 0;
        *i += (size_t)w;
    }
    e->indention = 1;
}

static void write_single(emitter *e, const char *s, size_t n)
{
    const unsigned char *v = (const unsigned char *)s;
    write_indicator(e, "'", 1, 0, 0);
    int breaks = 0;
    for (size_t i = 0; i < n;) {
        if (is_break_at(v, n, i)) {
            if (!breaks && s[i] == '\n')
                put_break(e);
            write_break_char(e, s, n, &i);
            breaks = 1;
        } else {
            if (breaks)
                write_indent(e);
            int w = utf8_width(v[i]);
            if (s[i] == '\'')
                put_c(e, '\'');
            put_n(e, s + i, (size_t)w);
            i += (size_t)w;
            e->indention = 0;
            breaks = 0;
        }
    }
    write_indicator(e, "'", 0, 0, 0);
}

static void write_double(emitter *e, const char *str, size_t n)
{
    const unsigned char *v = (const unsigned char *)str;
    write_indicator(e, "\"", 1, 0, 0);
    for (size_t i = 0; i < n;) {
        /* go-yaml tests for a BOM at the start of the string at every position, so a
         * leading BOM escapes the whole string; kept for byte-identical output */
        int bom = n >= 3 && v[0] == 0xEF && v[1] == 0xBB && v[2] == 0xBF;
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
    /* libyaml cannot detect the indentation of a block whose first line starts with a tab
     * (go-yaml's parser can), so hfl then states it: "|2" where go-yaml writes "|" */
    size_t first = 0;
    while (first < n && v[first] == '\n')
        first++;
    int tab_first = first < n && v[first] == '\t';
    if (n && (v[0] == ' ' || is_break_at(v, n, 0) || tab_first)) {
        char hint[2] = {(char)('0' + e->best_indent), 0};
        write_indicator(e, hint, 0, 0, 0);
    }
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
        } else {
            i--;
            while (i > 0 && (v[i] & 0xC0) == 0x80)
                i--;
            if (is_break_at(v, n, i)) {
                chomp = "+";
            }
        }
    }
    if (chomp)
        write_indicator(e, chomp, 0, 0, 0);
    /* The header line ends here, as in libyaml. go-yaml v3 lets the value's first line
     * break end it instead, which drops a leading newline ("\nx" reads back as "x"):
     * the one place where hfl's output deliberately differs from go-yaml's. */
    put_break(e);
    e->indention = 1;
    e->whitespace = 1;
    int breaks = 1;
    for (size_t i = 0; i < n;) {
        if (is_break_at(v, n, i)) {
            write_break_char(e, str, n, &i);
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

/* Bytes that are not UTF-8 are written as go-yaml writes them: tagged !!binary, base64 in
 * lines of 70, as a literal block when there is more than one line. */
static void emit_binary(emitter *e, const char *s, size_t n)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    enum { LINE = 70 };
    size_t enc = (n + 2) / 3 * 4, lines = enc / LINE + 1;
    char *in = malloc(enc + 1), *out = malloc(enc + lines + 1);
    if (!in || !out) {
        free(in);
        free(out);
        e->failed = 1;
        return;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned x = (unsigned)(unsigned char)s[i] << 16;
        if (i + 1 < n) x |= (unsigned)(unsigned char)s[i + 1] << 8;
        if (i + 2 < n) x |= (unsigned char)s[i + 2];
        in[o++] = b64[(x >> 18) & 63];
        in[o++] = b64[(x >> 12) & 63];
        in[o++] = i + 1 < n ? b64[(x >> 6) & 63] : '=';
        in[o++] = i + 2 < n ? b64[x & 63] : '=';
    }
    size_t k = 0;
    for (size_t i = 0; i < enc; i += LINE) {
        size_t j = i + LINE < enc ? i + LINE : enc;
        memcpy(out + k, in + i, j - i);
        k += j - i;
        if (lines > 1)
            out[k++] = '\n';
    }
    write_indicator(e, "!!binary", 1, 0, 0);
    emit_scalar_text(e, out, k, lines > 1 ? ST_LITERAL : ST_PLAIN);
    free(in);
    free(out);
}

static void emit_string(emitter *e, const char *s, size_t n, int simple_key)
{
    if (!valid_utf8((const unsigned char *)s, n)) {
        emit_binary(e, s, n);
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
        /* Go's int64 arithmetic wraps on long digit runs: accumulate unsigned (defined
         * wrap-around), compare as int64 as Go does. */
        uint64_t an = 0, bn = 0;
        size_t ai, bi;
        if (ar[i] == '0' || br[i] == '0') {
            for (size_t j = i; j-- > 0 && rune_is_digit(ar[j]);)
                if (ar[j] != '0') {
                    an = bn = 1;
                    break;
                }
        }
        for (ai = i; ai < a->n && rune_is_digit(ar[ai]); ai++)
            an = an * 10 + (uint64_t)(ar[ai] - '0');
        for (bi = i; bi < b->n && rune_is_digit(br[bi]); bi++)
            bn = bn * 10 + (uint64_t)(br[bi] - '0');
        if (an != bn)
            return (int64_t)an < (int64_t)bn;
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
    /* go-yaml's order is not transitive everywhere (a wrapped digit run: "a9" < "a1" is
     * false, yet "a1" < "a9", "a9" < "a9223372036854775808" < "a1"), so a sort of a sorted
     * list may still move keys. Keys whose every neighbour pair is in order stay as they
     * are, and a sort ends with an insertion pass that leaves every neighbour pair in order
     * (linear on qsort's output when the order is a true one): what hfl writes, sorted
     * again, stays put. */
    int in_order = 1;
    for (size_t i = 1; i < n && in_order; i++)
        in_order = !key_less(&items[i].key, &items[i - 1].key);
    if (!in_order) {
        qsort(items, n, sizeof *items, cmp_items);
        for (size_t i = 1; i < n; i++) {
            sort_item x = items[i];
            size_t j = i;
            for (; j > 0 && key_less(&x.key, &items[j - 1].key); j--)
                items[j] = items[j - 1];
            items[j] = x;
        }
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = items[i].pair;
        free(items[i].key.r);
    }
    free(items);
    return out;
}

static int is_simple_key(const yv_pair *p)
{
    if (p->klen > 128)
        return 0;
    scalar_analysis a;
    analyze_scalar((const unsigned char *)p->key, p->klen, &a);
    return !a.multiline;
}

static void emit_block_map(emitter *e, const yv *m)
{
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
                 .sort_keys = opts->sort_keys};
    emit_node(&e, root, 0);
    /* document end: go-yaml always finishes the last line */
    e.indent = -1;
    write_indent(&e);
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

