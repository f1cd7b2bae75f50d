/* Scalars as go-yaml resolves them (v3, or v2's YAML 1.1 booleans), Go's float
 * formatting, and error messages. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml_internal.h"

/* ---- scalars ----------------------------------------------------------------------------- */

/* Go's strconv.ParseInt/ParseUint with base 0 on an underscore-free string.
 * Returns 1 for int64 (*i), 2 for uint64 above INT64_MAX (*u), 0 when not an integer. */
int parse_go_int(const char *s, int64_t *i, uint64_t *u)
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
int yaml_style_float(const char *s)
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
int looks_like_timestamp(const char *s)
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

int short_tag(const char *tag)
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

int in_list(const char *s, const char *const *list)
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
void resolve_plain(const char *s, size_t len, int yaml11, resolved *r)
{
    memset(r, 0, sizeof *r);
    r->t = T_STR;
    /* A NUL (from a "\0" escape) matches no bool, null or number: the text is a string. */
    if (memchr(s, '\0', len))
        return;
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

void seterr(char *err, size_t errlen, const char *file, size_t line, size_t col,
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

