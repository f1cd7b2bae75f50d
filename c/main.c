/* The hfl executable: a LuaJIT host with hfl.core linked in and every Lua module embedded
 * as bytecode (build/embedded.c), so it runs from any directory without LUA_PATH. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "core.h"

struct hfl_embedded {
    const char *name;
    const unsigned char *code;
    size_t len;
};
extern const struct hfl_embedded hfl_embedded[];

/* package.loaders entry: finds a module among the embedded ones. */
static int embedded_loader(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    for (const struct hfl_embedded *m = hfl_embedded; m->name; m++) {
        if (strcmp(m->name, name) != 0)
            continue;
        lua_pushfstring(L, "=%s", name);
        if (luaL_loadbuffer(L, (const char *)m->code, m->len, lua_tostring(L, -1)) != 0)
            return lua_error(L);
        return 1;
    }
    lua_pushfstring(L, "\n\tno embedded module '%s'", name);
    return 1;
}

/* Puts embedded_loader right after package.preload, before the filesystem searchers, so
 * the executable always runs the Lua it was built with. */
static void install_loaders(lua_State *L)
{
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "preload");
    lua_pushcfunction(L, luaopen_hfl_core);
    lua_setfield(L, -2, "hfl.core");
    lua_pop(L, 1);
    lua_getfield(L, -1, "loaders");  /* [package, loaders] */
    int n = (int)lua_objlen(L, -1);
    for (int i = n; i >= 2; i--) {
        lua_rawgeti(L, -1, i);
        lua_rawseti(L, -2, i + 1);
    }
    lua_pushcfunction(L, embedded_loader);
    lua_rawseti(L, -2, 2);
    lua_pop(L, 2);
}

static int report(lua_State *L)
{
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "hfl: internal error: %s\n", msg ? msg : "(no message)");
    return 70;
}

int main(int argc, char **argv)
{
    lua_State *L = luaL_newstate();
    if (!L) {
        fputs("hfl: cannot create the Lua state (out of memory)\n", stderr);
        return 70;
    }
    luaL_openlibs(L);
    install_loaders(L);

    lua_createtable(L, argc, 1);
    for (int i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i);
    }
    lua_setglobal(L, "arg");

    lua_getglobal(L, "require");
    lua_pushliteral(L, "hfl.cli");
    if (lua_pcall(L, 1, 1, 0) != 0)
        return report(L);
    lua_getfield(L, -1, "main");  /* [cli, main] */
    lua_createtable(L, argc - 1, 0);
    for (int i = 1; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i);
    }
    if (lua_pcall(L, 1, 1, 0) != 0)
        return report(L);
    int code = (int)lua_tointeger(L, -1);
    /* The CLI has flushed and cleaned up; closing the state would only run finalizers. */
    fflush(stdout);
    return code;
}
