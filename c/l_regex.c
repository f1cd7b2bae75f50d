/* Lua binding of c/regex.c: hfl.core.regex. A compiled pattern is a full userdata
 * ("hfl.regex") that frees its PCRE2 code when collected. */
#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>

#include "core.h"
#include "regex.h"

#define REGEX_MT "hfl.regex"

/* The last subject is remembered with whether it is valid UTF-8, so loops over one subject
 * (find all, replace all, split) check it once. The ud holds a registry reference to it, so
 * the string, and its address, stay the same while remembered. */
typedef struct {
    hfl_regex *re;
    const char *subject;  /* the remembered subject, NULL when none */
    int subject_ref;      /* its registry reference */
    int subject_valid;
} regex_ud;

static hfl_regex *check_regex(lua_State *L)
{
    regex_ud *ud = luaL_checkudata(L, 1, REGEX_MT);
    if (!ud->re)
        luaL_argerror(L, 1, "freed regex");
    return ud->re;
}

// re | nil, message, offset, code = regex.compile(pattern)
static int hfl_regex_lcompile(lua_State *L)
{
    size_t len;
    const char *pattern = luaL_checklstring(L, 1, &len);
    regex_ud *ud = lua_newuserdata(L, sizeof *ud);  /* [ud] */
    ud->re = NULL;
    ud->subject = NULL;
    ud->subject_ref = LUA_NOREF;
    luaL_getmetatable(L, REGEX_MT);
    lua_setmetatable(L, -2);
    hfl_regex_error err;
    ud->re = hfl_regex_compile(pattern, len, &err);
    if (!ud->re) {
        if (err.code == -1)  /* PCRE2's own negative codes are UTF errors in the pattern */
            return luaL_error(L, "regex.compile: out of memory");
        lua_pushnil(L);
        lua_pushstring(L, err.message);
        lua_pushinteger(L, (lua_Integer)err.offset);
        lua_pushinteger(L, err.code);
        return 4;
    }
    return 1;
}

/* Whether the subject at index 2 is valid UTF-8, checked once per subject. */
static int subject_valid(lua_State *L, regex_ud *ud, const char *subject, size_t len)
{
    if (subject != ud->subject) {
        luaL_unref(L, LUA_REGISTRYINDEX, ud->subject_ref);
        lua_pushvalue(L, 2);
        ud->subject_ref = luaL_ref(L, LUA_REGISTRYINDEX);
        ud->subject = subject;
        ud->subject_valid = hfl_regex_valid_utf8(subject, len);
    }
    return ud->subject_valid;
}

// offsets | nil = re:exec(subject, start)  -- offsets {s0, e0, s1, e1, …}, 0-based, -1 unset
static int hfl_regex_lexec(lua_State *L)
{
    hfl_regex *re = check_regex(L);
    regex_ud *ud = lua_touserdata(L, 1);
    size_t len;
    const char *subject = luaL_checklstring(L, 2, &len);
    lua_Integer start = luaL_optinteger(L, 3, 0);
    if (start < 0)
        start = 0;
    int n = hfl_regex_groups(re) + 1;
    size_t *ovec = malloc(sizeof *ovec * 2 * (size_t)n);
    if (!ovec)
        return luaL_error(L, "regex.exec: out of memory");
    int rc = hfl_regex_exec(re, subject, len, (size_t)start, ovec,
                            subject_valid(L, ud, subject, len));
    if (rc <= 0) {
        free(ovec);
        if (rc < 0)
            return luaL_error(L, "regex.exec: matching failed (out of memory)");
        lua_pushnil(L);
        return 1;
    }
    lua_createtable(L, 2 * n, 0);  /* [offsets] */
    for (int i = 0; i < 2 * n; i++) {
        if (ovec[i] == (size_t)-1)
            lua_pushinteger(L, -1);
        else
            lua_pushinteger(L, (lua_Integer)ovec[i]);
        lua_rawseti(L, -2, i + 1);
    }
    free(ovec);
    return 1;
}

// n = re:groups()
static int hfl_regex_lgroups(lua_State *L)
{
    lua_pushinteger(L, hfl_regex_groups(check_regex(L)));
    return 1;
}

// names = re:names()  -- {[i] = name | false} for groups 1..n
static int hfl_regex_lnames(lua_State *L)
{
    hfl_regex *re = check_regex(L);
    int n = hfl_regex_groups(re);
    lua_createtable(L, n, 0);
    for (int i = 1; i <= n; i++) {
        const char *name = hfl_regex_group_name(re, i);
        if (name)
            lua_pushstring(L, name);
        else
            lua_pushboolean(L, 0);
        lua_rawseti(L, -2, i);
    }
    return 1;
}

static int hfl_regex_lgc(lua_State *L)
{
    regex_ud *ud = luaL_checkudata(L, 1, REGEX_MT);
    hfl_regex_free(ud->re);
    ud->re = NULL;
    luaL_unref(L, LUA_REGISTRYINDEX, ud->subject_ref);
    ud->subject_ref = LUA_NOREF;
    ud->subject = NULL;
    return 0;
}

static const luaL_Reg methods[] = {
    {"exec", hfl_regex_lexec},
    {"groups", hfl_regex_lgroups},
    {"names", hfl_regex_lnames},
    {NULL, NULL},
};

static const luaL_Reg functions[] = {
    {"compile", hfl_regex_lcompile},
    {NULL, NULL},
};

int luaopen_hfl_core_regex(lua_State *L)
{
    if (luaL_newmetatable(L, REGEX_MT)) {  /* [mt] */
        lua_newtable(L);
        luaL_register(L, NULL, methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, hfl_regex_lgc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    lua_newtable(L);
    luaL_register(L, NULL, functions);
    return 1;
}
