/* hfl.core: the C modules, each a Lua library. core.c lists them; each c/l_<mod>.c defines
 * its luaopen_hfl_core_<mod>. http, archive and git are built as their own shared objects
 * (hfl/core/<mod>.so) and reached through require, never linked to from hfl.core. */
#ifndef HFL_CORE_H
#define HFL_CORE_H

#include <lua.h>

int luaopen_hfl_core(lua_State *L);
/* Seeds math.random from getrandom(2), once per Lua state (the executable at start, an
 * embedding host when it first requires hfl.core). */
void hfl_core_seed_random(lua_State *L);
int luaopen_hfl_core_yaml(lua_State *L);
int luaopen_hfl_core_proc(lua_State *L);
int luaopen_hfl_core_regex(lua_State *L);
int luaopen_hfl_core_crypto(lua_State *L);
int luaopen_hfl_core_http(lua_State *L);
int luaopen_hfl_core_archive(lua_State *L);
int luaopen_hfl_core_fs(lua_State *L);
int luaopen_hfl_core_git(lua_State *L);
int luaopen_hfl_core_edit(lua_State *L);  /* optional: built only with libedit */
int luaopen_hfl_core_time(lua_State *L);
int luaopen_hfl_core_memcap(lua_State *L);

#endif
