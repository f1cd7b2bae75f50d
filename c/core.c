/* hfl.core: the C modules, each reachable as require("hfl.core").<mod> and as
 * require "hfl.core.<mod>", opened on first use. The light ones are linked into hfl.core
 * itself and registered in package.preload; the ones over heavy libraries are each their own
 * shared object (hfl/core/<mod>.so, found by require), so that commands which never download
 * or unpack do not pay for loading libcurl, libgit2, libarchive and the ~45 libraries they
 * pull in. The executable (preload of hfl.core) and lua/hfl/core.so (a plain C module)
 * behave the same. */
#include <string.h>
#include <sys/random.h>

#include <lauxlib.h>
#include <lua.h>

#include "core.h"

/* build/commit.h is written by the Makefile; a build without it does not know its commit. */
#if defined(__has_include)
#if __has_include("commit.h")
#include "commit.h"
#endif
#endif
#ifndef HFL_GIT_COMMIT
#define HFL_GIT_COMMIT "unknown"
#endif

static const luaL_Reg modules[] = {
    {"yaml", luaopen_hfl_core_yaml},
    {"proc", luaopen_hfl_core_proc},
    {"regex", luaopen_hfl_core_regex},
    {"crypto", luaopen_hfl_core_crypto},
    {"fs", luaopen_hfl_core_fs},
    {"time", luaopen_hfl_core_time},
    {"memcap", luaopen_hfl_core_memcap},
    {NULL, NULL},
};

/* Built as hfl/core/<name>.so (see the Makefile's SEPARATE). */
static const char *const separate[] = {"http", "git", "archive", NULL};

/* Opens module `name` once: core[name] = require("hfl.core.<name>"), through
 * package.preload or the shared object's searcher, so that require and core[name] agree. */
static void open_module(lua_State *L, int core, const char *name)
{
    lua_getglobal(L, "require");
    lua_pushfstring(L, "hfl.core.%s", name);
    lua_call(L, 1, 1);
    lua_pushvalue(L, -1);
    lua_setfield(L, core, name);
}

/* core.__index: the modules open on first use — libcurl, libgit2 and OpenSSL cost
 * milliseconds to load and initialise, and most commands need few of them. */
static int core_index(lua_State *L)
{
    const char *name = luaL_checkstring(L, 2);
    for (const luaL_Reg *m = modules; m->name; m++) {
        if (strcmp(m->name, name) == 0) {
            open_module(L, 1, name);
            return 1;
        }
    }
    for (const char *const *m = separate; *m; m++) {
        if (strcmp(*m, name) == 0) {
            open_module(L, 1, name);
            return 1;
        }
    }
    return 0;
}

/* Seeds math.random from the kernel's entropy once per Lua state: unseeded, every process
 * draws the same sequence (randInt, shuffle, and any name picked with math.random). */
void hfl_core_seed_random(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, "hfl.core.seeded");
    int seeded = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (seeded)
        return;
    lua_pushboolean(L, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, "hfl.core.seeded");
    unsigned long long r = 0;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
        return; /* no entropy yet (early boot): keep LuaJIT's default sequence */
    lua_getglobal(L, "math");
    if (lua_istable(L, -1)) {
        lua_getfield(L, -1, "randomseed");
        if (lua_isfunction(L, -1)) {
            lua_pushnumber(L, (lua_Number)(r >> 11)); /* 53 bits: exact in a double */
            lua_call(L, 1, 0);
        } else {
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
}

// core = require "hfl.core"  -- {yaml = …, proc = …}, each opened when first used
int luaopen_hfl_core(lua_State *L)
{
    hfl_core_seed_random(L);
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "preload");                /* [package, preload] */
    for (const luaL_Reg *m = modules; m->name; m++) {
        lua_pushfstring(L, "hfl.core.%s", m->name);
        lua_pushcfunction(L, m->func);
        lua_rawset(L, -3);                         /* preload[name] = luaopen */
    }
    lua_pop(L, 2);
    lua_newtable(L);                               /* [core] */
    lua_pushstring(L, HFL_GIT_COMMIT);
    lua_setfield(L, -2, "git_commit");
    lua_newtable(L);
    lua_pushcfunction(L, core_index);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    return 1;
}
