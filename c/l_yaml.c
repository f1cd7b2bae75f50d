/* Lua binding of the YAML core (c/yaml.c): hfl.core.yaml — decode, encode, merge, and trees
 * (values kept in C for parse → merge → write). Conversion to and from Lua values is in
 * c/l_yaml_value.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "core.h"
#include "fs.h"
#include "l_yaml.h"

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
    int n = hfl_yaml_push_root(L, doc.root, opt_bool(L, 2, "order", 1), opt_bool(L, 2, "lines", 0));
    yv_doc_free(&doc);
    const char *filename = opt_string(L, 2, "filename", NULL);
    if (n == 2 && filename) {
        /* [nil, message]: name the file, as the decoder's own errors do */
        lua_pushfstring(L, "%s: %s (flatten the document)", filename, lua_tostring(L, -1));
        lua_replace(L, -2);
    }
    return n;
}

static char *encode_value(lua_State *L, int idx, int opts, size_t *len, char *err, size_t errlen)
{
    yv_encode_opts eo;
    encode_opts(L, opts, &eo);
    /* Sorted output starts from the recorded order too: go-yaml's key order is not a total
     * one, and a sort that starts from what hfl wrote keeps it (c/yaml_emit.c). */
    yv_arena *arena = yv_arena_new();
    if (!arena) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    char berr[256];
    yv *root = hfl_yaml_build(L, idx, arena, berr, sizeof berr);
    char *text = NULL;
    if (!root)
        snprintf(err, errlen, "cannot encode as YAML: %s", berr);
    else
        text = yv_encode(root, &eo, len, err, errlen);
    yv_arena_free(arena);
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
    yv_arena *arena = yv_arena_new();
    if (!arena)
        return luaL_error(L, "out of memory");
    char berr[256] = "";
    yv *base = hfl_yaml_build(L, 1, arena, berr, sizeof berr);
    yv *over = base ? hfl_yaml_build(L, 2, arena, berr, sizeof berr) : NULL;
    if (!over || yv_merge(arena, &base, over, &mo) < 0) {
        char msg[300];
        snprintf(msg, sizeof msg, "merge: %s", berr[0] ? berr : "out of memory");
        yv_arena_free(arena);
        return luaL_error(L, "%s", msg);
    }
    int n = hfl_yaml_push_root(L, base, 1, 0);
    yv_arena_free(arena);
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
    yv_arena *arena = yv_arena_new();
    if (!arena)
        return luaL_error(L, "out of memory");
    char berr[256] = "";
    yv *acc = NULL;
    int failed = 0;
    for (int i = 1; i <= n && !failed; i++) {
        lua_rawgeti(L, 1, i); /* [layers, opts?, v_i]; strings stay referenced by layers */
        yv *v = hfl_yaml_build(L, lua_gettop(L), arena, berr, sizeof berr);
        lua_pop(L, 1);
        if (!v)
            failed = 1;
        else if (!acc)
            acc = v;
        else if (yv_merge(arena, &acc, v, &mo) < 0)
            failed = 1;
    }
    if (failed) {
        char msg[300];
        snprintf(msg, sizeof msg, "merge: %s", berr[0] ? berr : "out of memory");
        yv_arena_free(arena);
        return luaL_error(L, "%s", msg);
    }
    int r = hfl_yaml_push_root(L, acc, 1, 0);
    yv_arena_free(arena);
    return r;
}

/* Whether v is absent or null, the two a Go struct field reads as its zero value. */
static int is_unset(const yv *v)
{
    return v == NULL || v->kind == YV_NULL;
}

/* SimpleHead's fields of a decoded document, pushed as kind, hook; or a reason (returned, with
 * nothing pushed) when a field is not of the type SimpleHead holds. */
static const char *push_head(lua_State *L, const yv *root)
{
    if (is_unset(root)) {
        lua_pushliteral(L, "");
        lua_pushnil(L);
        return NULL;
    }
    if (root->kind != YV_MAP)
        return "not a map";
    const yv *kind = yv_map_get(root, "kind");
    if (!is_unset(kind) && kind->kind != YV_STR)
        return "kind is not a string";
    const yv *hook = NULL;
    const yv *md = yv_map_get(root, "metadata");
    if (!is_unset(md)) {
        if (md->kind != YV_MAP)
            return "metadata";
        const yv *ann = yv_map_get(md, "annotations");
        if (!is_unset(ann)) {
            if (ann->kind != YV_MAP)
                return "annotations";
            for (size_t i = 0; i < ann->as.map.len; i++) {
                const yv *a = ann->as.map.items[i].val;
                if (!is_unset(a) && a->kind != YV_STR)
                    return "an annotation is not a string";
            }
            hook = yv_map_get(ann, "helm.sh/hook");
        }
    }
    if (is_unset(kind))
        lua_pushliteral(L, "");
    else
        lua_pushlstring(L, kind->as.s.ptr, kind->as.s.len);
    if (hook && hook->kind == YV_STR)
        lua_pushlstring(L, hook->as.s.ptr, hook->as.s.len);
    else
        lua_pushnil(L);
    return NULL;
}

// kind, hook | nil, why = yaml.head(text)  -- what Helm's SimpleHead reads of the first
// document, YAML 1.1 scalars (go-yaml v2): its kind ("" when absent or null) and its
// helm.sh/hook annotation (nil unless a string); why: a parse error, or a field of another type
static int hfl_yaml_head(lua_State *L)
{
    char err[512];
    yv_doc doc;
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    yv_decode_opts o = {.yaml11 = 1};
    if (yv_decode(text, len, &o, &doc, err, sizeof err) < 0)
        return push_error(L, err);
    const char *why = push_head(L, doc.root);
    yv_doc_free(&doc);
    if (why)
        return push_error(L, why);
    return 2;
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
    t->doc.arena = yv_arena_new();
    if (!t->doc.arena)
        return luaL_error(L, "out of memory");
    char err[256];
    t->doc.root = hfl_yaml_build(L, 1, t->doc.arena, err, sizeof err);
    if (!t->doc.root)
        return push_error(L, err);
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
    return hfl_yaml_push_root(L, t->doc.root, 1, 0);
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
    const char *step;
    int e = hfl_fs_write_atomic(path, text, len, 0644, 1, &step);
    free(text);
    if (e) {
        snprintf(err, sizeof err, "%s: %s: %s", path, step, strerror(e));
        return push_error(L, err);
    }
    lua_pushboolean(L, 1);
    return 1;
}

static int hfl_yaml_tree_gc(lua_State *L)
{
    tree_ud *t = luaL_checkudata(L, 1, TREE_MT);
    yv_doc_free(&t->doc);
    return 0;
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
    {"head", hfl_yaml_head},
    {"format_float", hfl_yaml_format_float},
    {NULL, NULL},
};

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
    hfl_yaml_push_types(L);
    lua_setfield(L, -2, "types");
    return 1;
}
