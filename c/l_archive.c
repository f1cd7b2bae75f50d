/* hfl.core.archive: the Lua binding of c/archive.c. Private: domain code uses
 * lua/hfl/archive.lua (temp directories, renames, messages naming the source). */
#include <lauxlib.h>
#include <lua.h>

#include "archive.h"
#include "core.h"

static int result(lua_State *L, int rc, const char *err)
{
    if (rc != 0) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

// true | nil, err = archive.extract(src, dest_dir [, max_size [, max_files]])
static int l_extract(lua_State *L)
{
    const char *src = luaL_checkstring(L, 1), *dest = luaL_checkstring(L, 2);
    struct hfl_archive_limits lim = {
        .max_size = (long long)luaL_optnumber(L, 3, 0),
        .max_files = (long)luaL_optinteger(L, 4, 0),
    };
    char err[1024];
    return result(L, hfl_archive_extract(src, dest, &lim, err, sizeof err), err);
}

// true | nil, err = archive.create(src_dir, out_path [, prefix])
static int l_create(lua_State *L)
{
    const char *src = luaL_checkstring(L, 1), *out = luaL_checkstring(L, 2);
    const char *prefix = luaL_optstring(L, 3, NULL);
    char err[1024];
    return result(L, hfl_archive_create(src, out, prefix, err, sizeof err), err);
}

static const luaL_Reg funcs[] = {
    {"extract", l_extract}, {"create", l_create}, {NULL, NULL},
};

int luaopen_hfl_core_archive(lua_State *L)
{
    lua_newtable(L);
    luaL_register(L, NULL, funcs);
    return 1;
}
