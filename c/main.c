/* The hfl executable: a LuaJIT host with hfl.core linked in and every Lua module embedded
 * as bytecode (build/embedded.c), so it runs from any directory without LUA_PATH. The
 * hfl.core modules over heavy libraries (hfl/core/<mod>.so) are found beside it. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "core.h"

/* Where the hfl/core/<mod>.so of this build are, relative to the executable's directory:
 * the build tree's lua/ (build-asan/ for hfl-asan), then where make install and LuaRocks put
 * them next to bin/. */
#ifndef HFL_CORE_DIR
#define HFL_CORE_DIR "lua"
#endif
static const char *const core_dirs[] = {HFL_CORE_DIR, "../lib/lua/5.1", NULL};

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

/* package.loaders entry: finds hfl.core.<mod> as <dir>/hfl/core/<mod>.so for the
 * core_dirs beside the executable (upvalue 1: its directory, or nil if unknown). */
static int core_module_loader(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    const char *exedir = lua_tostring(L, lua_upvalueindex(1));
    if (strncmp(name, "hfl.core.", 9) != 0 || strchr(name + 9, '.') || !exedir) {
        lua_pushliteral(L, "");
        return 1;
    }
    const char *mod = name + 9;
    luaL_Buffer tried;
    luaL_buffinit(L, &tried);
    for (const char *const *d = core_dirs; *d; d++) {
        lua_pushfstring(L, "%s/%s/hfl/core/%s.so", exedir, *d, mod);
        const char *path = lua_tostring(L, -1);
        if (access(path, R_OK) != 0) {
            lua_pushfstring(L, "\n\tno file '%s'", path);
            lua_remove(L, -2);
            luaL_addvalue(&tried);
            continue;
        }
        lua_getglobal(L, "package");
        lua_getfield(L, -1, "loadlib");  /* [path, package, loadlib] */
        lua_pushvalue(L, -3);
        lua_pushfstring(L, "luaopen_hfl_core_%s", mod);
        lua_call(L, 2, 2);               /* [path, package, f | nil, err] */
        if (lua_isnil(L, -2))
            return luaL_error(L, "error loading module '%s' from file '%s':\n\t%s", name, path,
                              lua_tostring(L, -1));
        lua_pop(L, 1);
        return 1;
    }
    luaL_pushresult(&tried);
    return 1;
}

/* The directory of the running executable, or nil. */
static void push_exe_dir(lua_State *L)
{
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    char *slash = n > 0 ? memrchr(path, '/', (size_t)n) : NULL;
    if (!slash) {
        lua_pushnil(L);
        return;
    }
    lua_pushlstring(L, path, (size_t)(slash - path));
}

/* Puts embedded_loader and core_module_loader right after package.preload, before the
 * filesystem searchers, so the executable always runs the Lua and C it was built with. */
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
        lua_rawseti(L, -2, i + 2);
    }
    lua_pushcfunction(L, embedded_loader);
    lua_rawseti(L, -2, 2);
    push_exe_dir(L);
    lua_pushcclosure(L, core_module_loader, 1);
    lua_rawseti(L, -2, 3);
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
    hfl_core_seed_random(L);
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
