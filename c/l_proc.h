/* For other bindings that put event sources on the Lua state's one loop (c/l_http.c). */
#ifndef HFL_L_PROC_H
#define HFL_L_PROC_H

#include <lua.h>

#include "proc.h"

/* The state's loop, created on first use; pushes nothing. The loop lives as long as the
 * registry holds it (until the state closes). */
struct hfl_loop *hfl_lua_loop(lua_State *L);

#endif
