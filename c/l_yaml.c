/* Lua binding of the YAML core (c/yaml.c): hfl.core.yaml. Values cross as the value model
 * of lua/hfl/value.lua, whose metatables and null sentinel live here, in the registry. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "core.h"
#include "yaml.h"

#define NULL_KEY "hfl.null"
#define ORDER_KEY "hfl.order"
#define LINES_KEY "hfl.lines"
#define MAP_MT "hfl.map"
#define LIST_MT "hfl.list"
#define FLOAT_MT "hfl.float"
#define INT_MT "hfl.int"
#define TREE_MT "hfl.yaml.tree"

typedef struct {
    yv_doc doc;
} tree_ud;

/* ---- options ---------------------------------------------------------------------------- */

static int opt_bool(lua_State *L, int idx, const char *name, int def)
{
    if (lua_type(L, idx) != LUA_TTABLE)
        return def;
    lua_getfield(L, idx, name);
    int v = lua_isnil(L, -1) ? def : lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

static const char *opt_string(lua_State *L, int idx, const char *name, const char *def)
{
    if (lua_type(L, idx) != LUA_TTABLE)
        return def;
    lua_getfield(L, idx, name);
    const char *v = lua_isstring(L, -1) ? lua_tostring(L, -1) : def;
    lua_pop(L, 1); /* the string stays referenced by the options table */
    return v;
}

static void merge_opts(lua_State *L, int idx, yv_merge_opts *o)
{
    const char *nulls = opt_string(L, idx, "nulls", "keep");
    const char *lists = opt_string(L, idx, "lists", "elementwise");
    if (strcmp(nulls, "keep") == 0)
        o->nulls = YV_NULL_KEEP;
    else if (strcmp(nulls, "set") == 0)
        o->nulls = YV_NULL_SET;
    else if (strcmp(nulls, "delete") == 0)
        o->nulls = YV_NULL_DELETE;
    else
        luaL_error(L, "merge: nulls must be \"keep\", \"set\" or \"delete\", not \"%s\"", nulls);
    if (strcmp(lists, "replace") == 0)
        o->lists_elementwise = 0;
    else if (strcmp(lists, "elementwise") == 0)
        o->lists_elementwise = 1;
    else
        luaL_error(L, "merge: lists must be \"replace\" or \"elementwise\", not \"%s\"", lists);
}

static void encode_opts(lua_State *L, int idx, yv_encode_opts *o)
{
    o->sort_keys = opt_bool(L, idx, "sort", 1);
    o->indent = 2;
    if (lua_type(L, idx) == LUA_TTABLE) {
        lua_getfield(L, idx, "indent");
        if (lua_isnumber(L, -1))
            o->indent = (int)lua_tointeger(L, -1);
        lua_pop(L, 1);
    }
}

/* ---- tree → Lua ----------------------------------------------------------------------------- */

typedef struct {
    int order; /* stack index of the order table, 0 when key order is not recorded */
    int lines; /* stack index of the lines table, 0 when positions are not recorded */
} push_ctx;

/* Files a side table for a new container t at index t: order[t] / lines[t] = side, where
 * side is at the top of the stack; pops side. */
static void file_side_table(lua_State *L, int registry_table, int t)
{
    lua_pushvalue(L, t);
    lua_insert(L, -2);
    lua_rawset(L, registry_table);
}

static void push_number_box(lua_State *L, const char *mt)
{
    lua_rawseti(L, -2, 1);
    luaL_getmetatable(L, mt);
    lua_setmetatable(L, -2);
}

static int push_value(lua_State *L, const yv *v, const push_ctx *ctx)
{
    if (!lua_checkstack(L, 6))
        return -1;
    char buf[32];
    switch (v->kind) {
    case YV_NULL:
        lua_getfield(L, LUA_REGISTRYINDEX, NULL_KEY);
        break;
    case YV_BOOL:
        lua_pushboolean(L, v->as.b);
        break;
    case YV_INT:
        if (v->as.i > -(INT64_C(1) << 53) && v->as.i < (INT64_C(1) << 53)) {
            lua_pushnumber(L, (lua_Number)v->as.i);
        } else {
            lua_createtable(L, 1, 0);
            snprintf(buf, sizeof buf, "%lld", (long long)v->as.i);
            lua_pushstring(L, buf);
            push_number_box(L, INT_MT);
        }
        break;
    case YV_UINT:
        lua_createtable(L, 1, 0);
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)v->as.u);
        lua_pushstring(L, buf);
        push_number_box(L, INT_MT);
        break;
    case YV_FLOAT:
        /* Integral floats are boxed: as plain numbers they would read back as ints. */
        if (isfinite(v->as.f) && v->as.f == floor(v->as.f)) {
            lua_createtable(L, 1, 0);
            lua_pushnumber(L, v->as.f);
            push_number_box(L, FLOAT_MT);
        } else {
            lua_pushnumber(L, v->as.f);
        }
        break;
    case YV_STR:
        lua_pushlstring(L, v->as.s.ptr, v->as.s.len);
        break;
    case YV_LIST: {
        lua_createtable(L, (int)v->as.list.len, 0);
        int t = lua_gettop(L), lines = 0;
        if (ctx->lines) {
            lua_createtable(L, (int)v->as.list.len, 0);
            lines = lua_gettop(L);
        }
        for (size_t i = 0; i < v->as.list.len; i++) {
            if (push_value(L, v->as.list.items[i], ctx) < 0)
                return -1;
            lua_rawseti(L, t, (int)i + 1);
            if (lines) {
                lua_pushnumber(L, v->as.list.items[i]->line);
                lua_rawseti(L, lines, (int)i + 1);
            }
        }
        if (lines)
            file_side_table(L, ctx->lines, t);
        luaL_getmetatable(L, LIST_MT);
        lua_setmetatable(L, t);
        break;
    }
    case YV_MAP: {
        lua_createtable(L, 0, (int)v->as.map.len);
        int t = lua_gettop(L), keys = 0, lines = 0;
        if (ctx->order) {
            lua_createtable(L, (int)v->as.map.len, 0);
            keys = lua_gettop(L);
        }
        if (ctx->lines) {
            lua_createtable(L, 0, (int)v->as.map.len);
            lines = lua_gettop(L);
        }
        for (size_t i = 0; i < v->as.map.len; i++) {
            const yv_pair *p = &v->as.map.items[i];
            lua_pushlstring(L, p->key, p->klen);
            if (keys) {
                lua_pushvalue(L, -1);
                lua_rawseti(L, keys, (int)i + 1);
            }
            if (lines) {
                lua_pushvalue(L, -1);
                lua_pushnumber(L, p->line);
                lua_rawset(L, lines);
            }
            if (push_value(L, p->val, ctx) < 0)
                return -1;
            lua_rawset(L, t);
        }
        if (lines)
            file_side_table(L, ctx->lines, t);
        if (keys)
            file_side_table(L, ctx->order, t);
        luaL_getmetatable(L, MAP_MT);
        lua_setmetatable(L, t);
        break;
    }
    }
    return 0;
}

/* Pushes the value of root; on failure pushes nil, message and returns 2. */
static int push_root(lua_State *L, const yv *root, int record_order, int record_lines)
{
    push_ctx ctx = {0};
    int base = lua_gettop(L);
    if (record_order) {
        lua_getfield(L, LUA_REGISTRYINDEX, ORDER_KEY);
        ctx.order = lua_gettop(L);
    }
    if (record_lines) {
        lua_getfield(L, LUA_REGISTRYINDEX, LINES_KEY);
        ctx.lines = lua_gettop(L);
    }
    if (push_value(L, root, &ctx) < 0) {
        lua_settop(L, base);
        lua_pushnil(L);
        lua_pushliteral(L, "value too deeply nested for the Lua stack");
        return 2;
    }
    lua_replace(L, base + 1);
    lua_settop(L, base + 1);
    return 1;
}

/* ---- Lua → tree ----------------------------------------------------------------------------- */

typedef struct {
    yv_arena *arena;
    int keep_order;
    char err[256];
} build_ctx;

static yv *build(lua_State *L, int idx, build_ctx *b, int depth);

static int is_mt(lua_State *L, int idx, const char *name)
{
    if (!lua_getmetatable(L, idx))
        return 0;
    luaL_getmetatable(L, name);
    int eq = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return eq;
}

static yv *build_number(build_ctx *b, lua_Number n)
{
    /* An integral Lua number is an int, as in the value model; 2^63 and beyond cannot be. */
    if (isfinite(n) && n == floor(n) && fabs(n) < 9.2233720368547758e18) {
        yv *v = yv_new(b->arena, YV_INT);
        if (v)
            v->as.i = (int64_t)n;
        return v;
    }
    yv *v = yv_new(b->arena, YV_FLOAT);
    if (v)
        v->as.f = n;
    return v;
}

static int key_string(lua_State *L, int idx, build_ctx *b, char *buf, size_t buflen,
                      const char **key, size_t *klen)
{
    if (lua_type(L, idx) == LUA_TSTRING) {
        *key = lua_tolstring(L, idx, klen);
        return 0;
    }
    if (lua_type(L, idx) == LUA_TNUMBER) {
        lua_Number n = lua_tonumber(L, idx);
        if (n == floor(n) && fabs(n) < 1e18)
            snprintf(buf, buflen, "%lld", (long long)n);
        else
            yv_format_float(n, 0, buf, buflen);
        *key = buf;
        *klen = strlen(buf);
        return 0;
    }
    snprintf(b->err, sizeof b->err, "a map key must be a string, not a %s", luaL_typename(L, idx));
    return -1;
}

static int build_pair(lua_State *L, yv *map, build_ctx *b, int depth, size_t *cap)
{
    /* [... key, value] */
    char buf[64];
    const char *key;
    size_t klen;
    if (key_string(L, -2, b, buf, sizeof buf, &key, &klen) < 0)
        return -1;
    yv *val = build(L, lua_gettop(L), b, depth + 1);
    if (!val)
        return -1;
    if (yv_map_set(b->arena, map, key, klen, val, cap) < 0) {
        snprintf(b->err, sizeof b->err, "out of memory");
        return -1;
    }
    return 0;
}

static yv *build_map(lua_State *L, int idx, build_ctx *b, int depth)
{
    yv *map = yv_new(b->arena, YV_MAP);
    size_t cap = 0;
    if (!map)
        return NULL;
    int keys = 0;
    if (b->keep_order) {
        lua_getfield(L, LUA_REGISTRYINDEX, ORDER_KEY);
        lua_pushvalue(L, idx);
        lua_rawget(L, -2);
        lua_remove(L, -2);
        if (lua_istable(L, -1))
            keys = lua_gettop(L);
        else
            lua_pop(L, 1);
    }
    int seen = 0; /* the recorded keys written: a Lua table, so big maps stay linear */
    if (keys) {
        /* recorded keys first; the rest are appended below when not yet present */
        lua_newtable(L);
        seen = lua_gettop(L);
        int n = (int)lua_objlen(L, keys);
        for (int i = 1; i <= n; i++) {
            lua_rawgeti(L, keys, i);
            lua_pushvalue(L, -1);
            lua_rawget(L, idx);
            if (lua_isnil(L, -1)) {
                lua_pop(L, 2);
                continue;
            }
            lua_tostring(L, -2); /* a number key is written as its string */
            lua_pushvalue(L, -2);
            lua_rawget(L, seen);
            int dup = lua_toboolean(L, -1);
            lua_pop(L, 1);
            if (!dup && build_pair(L, map, b, depth, &cap) < 0)
                return NULL;
            lua_pop(L, 1);
            lua_pushboolean(L, 1);
            lua_rawset(L, seen);
        }
    }
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        int written = 0;
        if (seen && lua_type(L, -2) == LUA_TSTRING) {
            lua_pushvalue(L, -2);
            lua_rawget(L, seen);
            written = lua_toboolean(L, -1);
            lua_pop(L, 1);
        }
        if (!written && build_pair(L, map, b, depth, &cap) < 0)
            return NULL;
        lua_pop(L, 1);
    }
    if (keys)
        lua_pop(L, 2); /* keys, seen */
    return map;
}

static yv *build_list(lua_State *L, int idx, build_ctx *b, int depth)
{
    yv *list = yv_new(b->arena, YV_LIST);
    size_t cap = 0;
    if (!list)
        return NULL;
    int n = (int)lua_objlen(L, idx);
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        yv *item = build(L, lua_gettop(L), b, depth + 1);
        lua_pop(L, 1);
        if (!item || yv_list_push(b->arena, list, item, &cap) < 0)
            return NULL;
    }
    return list;
}

/* A plain table (no model metatable) is a list when its keys are exactly 1..n, n > 0. */
static int plain_is_list(lua_State *L, int idx)
{
    size_t n = lua_objlen(L, idx), count = 0;
    if (n == 0)
        return 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        count++;
        lua_pop(L, 1);
    }
    return count == n;
}

static yv *build_boxed(lua_State *L, int idx, build_ctx *b, int is_float)
{
    lua_rawgeti(L, idx, 1);
    yv *v = NULL;
    if (is_float) {
        if ((v = yv_new(b->arena, YV_FLOAT)))
            v->as.f = lua_tonumber(L, -1);
    } else {
        const char *digits = lua_tostring(L, -1);
        char *end;
        errno = 0;
        long long i = digits ? strtoll(digits, &end, 10) : 0;
        if (digits && errno == 0 && !*end && (v = yv_new(b->arena, YV_INT))) {
            v->as.i = i;
        } else if (digits && (v = yv_new(b->arena, YV_UINT))) {
            v->as.u = strtoull(digits, NULL, 10);
        }
    }
    lua_pop(L, 1);
    return v;
}

static yv *build(lua_State *L, int idx, build_ctx *b, int depth)
{
    if (depth > YV_MAX_DEPTH || !lua_checkstack(L, 8)) {
        snprintf(b->err, sizeof b->err, "value nested deeper than %d levels (is it cyclic?)", YV_MAX_DEPTH);
        return NULL;
    }
    yv *v = NULL;
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        v = yv_new(b->arena, YV_NULL);
        break;
    case LUA_TBOOLEAN:
        if ((v = yv_new(b->arena, YV_BOOL)))
            v->as.b = lua_toboolean(L, idx);
        break;
    case LUA_TNUMBER:
        v = build_number(b, lua_tonumber(L, idx));
        break;
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        v = yv_new_str(b->arena, s, len);
        break;
    }
    case LUA_TUSERDATA:
        lua_getfield(L, LUA_REGISTRYINDEX, NULL_KEY);
        if (lua_rawequal(L, -1, idx))
            v = yv_new(b->arena, YV_NULL);
        else
            snprintf(b->err, sizeof b->err, "cannot encode a userdata value");
        lua_pop(L, 1);
        if (!v)
            return NULL;
        break;
    case LUA_TTABLE:
        if (is_mt(L, idx, FLOAT_MT))
            v = build_boxed(L, idx, b, 1);
        else if (is_mt(L, idx, INT_MT))
            v = build_boxed(L, idx, b, 0);
        else if (is_mt(L, idx, LIST_MT))
            v = build_list(L, idx, b, depth);
        else if (is_mt(L, idx, MAP_MT))
            v = build_map(L, idx, b, depth);
        else if (plain_is_list(L, idx))
            v = build_list(L, idx, b, depth);
        else
            v = build_map(L, idx, b, depth);
        break;
    default:
        snprintf(b->err, sizeof b->err, "cannot encode a %s value", luaL_typename(L, idx));
        return NULL;
    }
    if (!v && !b->err[0])
        snprintf(b->err, sizeof b->err, "out of memory");
    return v;
}

/* ---- functions ------------------------------------------------------------------------------ */

static int push_error(lua_State *L, const char *msg)
{
    lua_pushnil(L);
    lua_pushstring(L, msg);
    return 2;
}

static int decode_into(lua_State *L, int all, yv_doc *doc, char *err, size_t errlen)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    yv_decode_opts o = {
        .filename = opt_string(L, 2, "filename", NULL),
        .yaml11 = opt_bool(L, 2, "v2", 0),
        .all = all,
    };
    return yv_decode(text, len, &o, doc, err, errlen);
}

// value, err = yaml.decode(text [, {filename=, v2=, all=, order=}])
static int hfl_yaml_decode(lua_State *L)
{
    char err[512];
    yv_doc doc;
    if (decode_into(L, opt_bool(L, 2, "all", 0), &doc, err, sizeof err) < 0)
        return push_error(L, err);
    int n = push_root(L, doc.root, opt_bool(L, 2, "order", 1), opt_bool(L, 2, "lines", 0));
    yv_doc_free(&doc);
    return n;
}

static char *encode_value(lua_State *L, int idx, int opts, size_t *len, char *err, size_t errlen)
{
    yv_encode_opts eo;
    encode_opts(L, opts, &eo);
    /* Sorted output starts from the recorded order too: go-yaml's key order is not a total
     * one, and a sort that starts from what hfl wrote keeps it (c/yaml_emit.c). */
    build_ctx b = {.arena = yv_arena_new(), .keep_order = 1};
    if (!b.arena) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    yv *root = build(L, idx, &b, 0);
    char *text = NULL;
    if (!root)
        snprintf(err, errlen, "cannot encode as YAML: %s", b.err);
    else
        text = yv_encode(root, &eo, len, err, errlen);
    yv_arena_free(b.arena);
    return text;
}

// text, err = yaml.encode(value [, {sort=true, indent=2}])
static int hfl_yaml_encode(lua_State *L)
{
    luaL_checkany(L, 1);
    char err[512];
    size_t len;
    char *text = encode_value(L, 1, 2, &len, err, sizeof err);
    if (!text)
        return push_error(L, err);
    lua_pushlstring(L, text, len);
    free(text);
    return 1;
}

// merged = yaml.merge(base, override [, {nulls="keep"|"set"|"delete", lists="elementwise"|"replace"}])
static int hfl_yaml_merge(lua_State *L)
{
    luaL_checkany(L, 1);
    luaL_checkany(L, 2);
    yv_merge_opts mo;
    merge_opts(L, 3, &mo);
    build_ctx b = {.arena = yv_arena_new(), .keep_order = 1};
    if (!b.arena)
        return luaL_error(L, "out of memory");
    yv *base = build(L, 1, &b, 0);
    yv *over = base ? build(L, 2, &b, 0) : NULL;
    if (!over || yv_merge(b.arena, &base, over, &mo) < 0) {
        char msg[300];
        snprintf(msg, sizeof msg, "merge: %s", b.err[0] ? b.err : "out of memory");
        yv_arena_free(b.arena);
        return luaL_error(L, "%s", msg);
    }
    int n = push_root(L, base, 1, 0);
    yv_arena_free(b.arena);
    return n;
}

// merged = yaml.merge_all({v1, v2, ...} [, opts])  -- v1 merged with v2, then v3, ... as
// yaml.merge would one pair at a time, but each value crosses into C once and the result back once
static int hfl_yaml_merge_all(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    yv_merge_opts mo;
    merge_opts(L, 2, &mo);
    int n = (int)lua_objlen(L, 1);
    if (n == 0)
        return luaL_argerror(L, 1, "no values to merge");
    build_ctx b = {.arena = yv_arena_new(), .keep_order = 1};
    if (!b.arena)
        return luaL_error(L, "out of memory");
    yv *acc = NULL;
    int failed = 0;
    for (int i = 1; i <= n && !failed; i++) {
        lua_rawgeti(L, 1, i); /* [layers, opts?, v_i]; strings stay referenced by layers */
        yv *v = build(L, lua_gettop(L), &b, 0);
        lua_pop(L, 1);
        if (!v)
            failed = 1;
        else if (!acc)
            acc = v;
        else if (yv_merge(b.arena, &acc, v, &mo) < 0)
            failed = 1;
    }
    if (failed) {
        char msg[300];
        snprintf(msg, sizeof msg, "merge: %s", b.err[0] ? b.err : "out of memory");
        yv_arena_free(b.arena);
        return luaL_error(L, "%s", msg);
    }
    int r = push_root(L, acc, 1, 0);
    yv_arena_free(b.arena);
    return r;
}

// count, err = yaml.scan(text)  -- libyaml events only: the benchmark floor
static int hfl_yaml_scan(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    char err[256];
    long n = yv_scan(text, len, err, sizeof err);
    if (n < 0)
        return push_error(L, err);
    lua_pushnumber(L, (lua_Number)n);
    return 1;
}

// text = yaml.format_float(n)  -- Go's strconv.FormatFloat(n, 'g', -1, 64)
static int hfl_yaml_format_float(lua_State *L)
{
    char buf[64];
    yv_format_float(luaL_checknumber(L, 1), 0, buf, sizeof buf);
    lua_pushstring(L, buf);
    return 1;
}

/* ---- trees: values kept in C, for parse → merge → write without Lua tables ------------------ */

static tree_ud *new_tree(lua_State *L)
{
    tree_ud *t = lua_newuserdata(L, sizeof *t);
    t->doc.arena = NULL;
    t->doc.root = NULL;
    luaL_getmetatable(L, TREE_MT);
    lua_setmetatable(L, -2);
    return t;
}

// tree, err = yaml.parse(text [, {filename=, v2=}])
static int hfl_yaml_parse(lua_State *L)
{
    char err[512];
    tree_ud *t = new_tree(L);
    if (decode_into(L, 0, &t->doc, err, sizeof err) < 0)
        return push_error(L, err);
    return 1;
}

// tree, err = yaml.tree(value)
static int hfl_yaml_tree(lua_State *L)
{
    luaL_checkany(L, 1);
    tree_ud *t = new_tree(L);
    build_ctx b = {.arena = yv_arena_new(), .keep_order = 1};
    if (!b.arena)
        return luaL_error(L, "out of memory");
    t->doc.arena = b.arena;
    t->doc.root = build(L, 1, &b, 0);
    if (!t->doc.root)
        return push_error(L, b.err);
    return 1;
}

static tree_ud *check_tree(lua_State *L, int idx)
{
    tree_ud *t = luaL_checkudata(L, idx, TREE_MT);
    if (!t->doc.root)
        luaL_argerror(L, idx, "empty YAML tree");
    return t;
}

// tree = tree:merge(other [, opts])  -- in place; other is unchanged
static int hfl_yaml_tree_merge(lua_State *L)
{
    tree_ud *t = check_tree(L, 1);
    tree_ud *o = check_tree(L, 2);
    yv_merge_opts mo;
    merge_opts(L, 3, &mo);
    if (yv_merge(t->doc.arena, &t->doc.root, o->doc.root, &mo) < 0)
        return luaL_error(L, "merge: out of memory");
    lua_settop(L, 1);
    return 1;
}

// text, err = tree:encode([opts])
static int hfl_yaml_tree_encode(lua_State *L)
{
    tree_ud *t = check_tree(L, 1);
    yv_encode_opts eo;
    encode_opts(L, 2, &eo);
    char err[256];
    size_t len;
    char *text = yv_encode(t->doc.root, &eo, &len, err, sizeof err);
    if (!text)
        return push_error(L, err);
    lua_pushlstring(L, text, len);
    free(text);
    return 1;
}

// value = tree:value()
static int hfl_yaml_tree_value(lua_State *L)
{
    tree_ud *t = check_tree(L, 1);
    return push_root(L, t->doc.root, 1, 0);
}

/* Writes data to path through a temp file in the same directory and a rename, so readers
 * see the old file or the new one, never a part. */
static int write_atomically(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot create a temporary file: %s", path, strerror(errno));
        free(tmp);
        return -1;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            break;
        off += (size_t)w;
    }
    int ok = off == len && fsync(fd) == 0;
    int saved = errno;
    ok = close(fd) == 0 && ok;
    /* mkstemp makes 0600; hfl's outputs are ordinary files */
    if (ok && chmod(tmp, 0644) == 0 && rename(tmp, path) == 0) {
        free(tmp);
        return 0;
    }
    snprintf(err, errlen, "%s: cannot write: %s", path, strerror(saved ? saved : errno));
    unlink(tmp);
    free(tmp);
    return -1;
}

// ok, err = tree:write(path [, opts])
static int hfl_yaml_tree_write(lua_State *L)
{
    tree_ud *t = check_tree(L, 1);
    const char *path = luaL_checkstring(L, 2);
    yv_encode_opts eo;
    encode_opts(L, 3, &eo);
    char err[512];
    size_t len;
    char *text = yv_encode(t->doc.root, &eo, &len, err, sizeof err);
    if (!text)
        return push_error(L, err);
    int rc = write_atomically(path, text, len, err, sizeof err);
    free(text);
    if (rc < 0)
        return push_error(L, err);
    lua_pushboolean(L, 1);
    return 1;
}

static int hfl_yaml_tree_gc(lua_State *L)
{
    tree_ud *t = luaL_checkudata(L, 1, TREE_MT);
    yv_doc_free(&t->doc);
    return 0;
}

// ok, err = yaml.write_file(path, text)  -- temp file + rename
static int hfl_yaml_write_file(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    size_t len;
    const char *text = luaL_checklstring(L, 2, &len);
    char err[512];
    if (write_atomically(path, text, len, err, sizeof err) < 0)
        return push_error(L, err);
    lua_pushboolean(L, 1);
    return 1;
}

static const luaL_Reg tree_methods[] = {
    {"merge", hfl_yaml_tree_merge},
    {"encode", hfl_yaml_tree_encode},
    {"value", hfl_yaml_tree_value},
    {"write", hfl_yaml_tree_write},
    {NULL, NULL},
};

static const luaL_Reg funcs[] = {
    {"decode", hfl_yaml_decode},
    {"encode", hfl_yaml_encode},
    {"merge", hfl_yaml_merge},
    {"merge_all", hfl_yaml_merge_all},
    {"parse", hfl_yaml_parse},
    {"tree", hfl_yaml_tree},
    {"scan", hfl_yaml_scan},
    {"format_float", hfl_yaml_format_float},
    {"write_file", hfl_yaml_write_file},
    {NULL, NULL},
};

static int null_tostring(lua_State *L)
{
    lua_pushliteral(L, "null");
    return 1;
}

/* The value model's types, created once per Lua state and shared with lua/hfl/value.lua. */
static void push_types(lua_State *L)
{
    lua_newtable(L);
    lua_getfield(L, LUA_REGISTRYINDEX, NULL_KEY);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_newuserdata(L, 1);
        lua_newtable(L);
        lua_pushcfunction(L, null_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushliteral(L, "hfl.null");
        lua_setfield(L, -2, "__name");
        lua_setmetatable(L, -2);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, NULL_KEY);
    }
    lua_setfield(L, -2, "null");
    static const char *const mts[][2] = {{MAP_MT, "map"}, {LIST_MT, "list"}, {FLOAT_MT, "float"}, {INT_MT, "int"}};
    for (size_t i = 0; i < 4; i++) {
        luaL_newmetatable(L, mts[i][0]);
        lua_setfield(L, -2, mts[i][1]);
    }
    static const char *const weak[][2] = {{ORDER_KEY, "order"}, {LINES_KEY, "lines"}};
    for (size_t i = 0; i < 2; i++) {
        lua_getfield(L, LUA_REGISTRYINDEX, weak[i][0]);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            lua_newtable(L);
            lua_newtable(L);
            lua_pushliteral(L, "k");
            lua_setfield(L, -2, "__mode");
            lua_setmetatable(L, -2);
            lua_pushvalue(L, -1);
            lua_setfield(L, LUA_REGISTRYINDEX, weak[i][0]);
        }
        lua_setfield(L, -2, weak[i][1]);
    }
}

int luaopen_hfl_core_yaml(lua_State *L)
{
    if (luaL_newmetatable(L, TREE_MT)) {
        lua_newtable(L);
        luaL_register(L, NULL, tree_methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, hfl_yaml_tree_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    lua_newtable(L);
    luaL_register(L, NULL, funcs);
    push_types(L);
    lua_setfield(L, -2, "types");
    return 1;
}
