/* hfl.core: opens every C module and registers each as package.loaded["hfl.core.<mod>"],
 * so the executable (preload) and lua/hfl/core.so (a plain C module) behave the same. */
#include <lauxlib.h>
#include <lua.h>

#include "core.h"

static const luaL_Reg modules[] = {
    {"yaml", luaopen_hfl_core_yaml},
    {"proc", luaopen_hfl_core_proc},
    {"regex", luaopen_hfl_core_regex},
    {"crypto", luaopen_hfl_core_crypto},
    {"http", luaopen_hfl_core_http},
    {"archive", luaopen_hfl_core_archive},
    {"fs", luaopen_hfl_core_fs},
    {"git", luaopen_hfl_core_git},
    {NULL, NULL},
};

// core = require "hfl.core"  -- {yaml = …, proc = …}
int luaopen_hfl_core(lua_State *L)
{
    lua_newtable(L);                               /* [core] */
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "loaded");                 /* [core, package, loaded] */
    for (const luaL_Reg *m = modules; m->name; m++) {
        lua_pushcfunction(L, m->func);
        lua_call(L, 0, 1);                         /* [core, package, loaded, mod] */
        lua_pushvalue(L, -1);
        lua_setfield(L, -5, m->name);
        lua_pushfstring(L, "hfl.core.%s", m->name);
        lua_insert(L, -2);
        lua_settable(L, -3);
    }
    lua_pop(L, 2);
    return 1;
}
