/* placeholder: types only */
#include <lauxlib.h>
#include "core.h"
static void push_types(lua_State *L)
{
    lua_newtable(L);
    lua_newuserdata(L, 1);
    luaL_newmetatable(L, "hfl.null");
    lua_setmetatable(L, -2);
    lua_setfield(L, -2, "null");
    luaL_newmetatable(L, "hfl.map"); lua_setfield(L, -2, "map");
    luaL_newmetatable(L, "hfl.list"); lua_setfield(L, -2, "list");
    luaL_newmetatable(L, "hfl.float"); lua_setfield(L, -2, "float");
    luaL_newmetatable(L, "hfl.int"); lua_setfield(L, -2, "int");
    lua_newtable(L);
    lua_newtable(L); lua_pushliteral(L, "k"); lua_setfield(L, -2, "__mode"); lua_setmetatable(L, -2);
    lua_setfield(L, -2, "order");
}
int luaopen_hfl_core_yaml(lua_State *L) { lua_newtable(L); push_types(L); lua_setfield(L, -2, "types"); return 1; }
