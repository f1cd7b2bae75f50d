/* placeholder until the proc engine lands */
#include <lauxlib.h>
#include "core.h"
int luaopen_hfl_core_proc(lua_State *L) { lua_newtable(L); return 1; }
