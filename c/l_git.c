/* Lua binding of c/git.c: hfl.core.git. */
#include <lauxlib.h>
#include <lua.h>

#include "core.h"
#include "git.h"

// commit | nil, err = git.checkout(url, ref, gitdir, workdir)
static int hfl_git_lcheckout(lua_State *L)
{
    const char *url = luaL_checkstring(L, 1);
    const char *ref = luaL_optstring(L, 2, "");
    const char *gitdir = luaL_checkstring(L, 3);
    const char *workdir = luaL_checkstring(L, 4);
    char commit[41] = {0};
    char err[1024];
    if (hfl_git_checkout(url, ref, gitdir, workdir, commit, err, sizeof err) < 0) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_pushstring(L, commit);
    return 1;
}

static const luaL_Reg funcs[] = {
    {"checkout", hfl_git_lcheckout},
    {NULL, NULL},
};

// git = require "hfl.core.git"
int luaopen_hfl_core_git(lua_State *L)
{
    if (hfl_git_init() < 0)
        return luaL_error(L, "hfl.core.git: libgit2 failed to initialise");
    lua_newtable(L);
    luaL_register(L, NULL, funcs);
    return 1;
}
