/* hfl.core.yaml's conversion between Lua values and YAML trees (yv, c/yaml.h), in the value
 * model of lua/hfl/value.lua: maps and lists are tables with the hfl.map / hfl.list
 * metatables, key order and source lines sit in weak side tables, null is one sentinel
 * userdata, and boxed numbers keep floats and ints apart. All of them live in the registry.
 * The bound functions are in c/l_yaml.c. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "l_yaml.h"

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

int hfl_yaml_push_root(lua_State *L, const yv *root, int record_order, int record_lines)
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
    /* [side tables…, value]: the value goes where the first side table is (with none
     * recorded it is there already) */
    if (lua_gettop(L) > base + 1)
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

/* Builds the tree of the value at idx in arena (keys in their recorded order); NULL with a
 * message in err. */
yv *hfl_yaml_build(lua_State *L, int idx, yv_arena *arena, char *err, size_t errlen)
{
    build_ctx b = {.arena = arena, .keep_order = 1};
    yv *v = build(L, idx, &b, 0);
    if (!v)
        snprintf(err, errlen, "%s", b.err);
    return v;
}

static int null_tostring(lua_State *L)
{
    lua_pushliteral(L, "null");
    return 1;
}

void hfl_yaml_push_types(lua_State *L)
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
