/* For other bindings that put event sources on the Lua state's one loop (c/l_http.c). Such a
 * binding may be its own shared object, which cannot link against the hfl.core that made the
 * loop: it finds the loop and the loop's entry points in the registry instead. */
#ifndef HFL_L_PROC_H
#define HFL_L_PROC_H

#include <lauxlib.h>
#include <lua.h>

#include "loop.h"

/* registry[HFL_LOOP_KEY]: the state's loop userdata, made when hfl.core.proc opens and freed
 * when the state closes. It begins with a struct hfl_loop_ref. */
#define HFL_LOOP_KEY "hfl.core.proc.the_loop"

struct hfl_loop_ref {
    struct hfl_loop *loop;
    const struct hfl_loop_ops *ops;
};

/* The state's loop (opening hfl.core.proc if need be); pushes nothing. Valid while the state
 * lives. */
static inline const struct hfl_loop_ref *hfl_lua_loop(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, HFL_LOOP_KEY);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_getglobal(L, "require");
        lua_pushliteral(L, "hfl.core.proc");
        lua_call(L, 1, 0);
        lua_getfield(L, LUA_REGISTRYINDEX, HFL_LOOP_KEY);
    }
    const struct hfl_loop_ref *ref = lua_touserdata(L, -1);
    lua_pop(L, 1);
    if (!ref || !ref->loop)
        luaL_error(L, "hfl.core.proc: the event loop is gone");
    return ref;
}

#endif
