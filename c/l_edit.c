/* hfl.core.edit: the Lua binding of c/edit.c. Private: the REPL uses lua/hfl/lineedit.lua. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "core.h"
#include "edit.h"

#define EDITOR_MT "hfl.core.edit.editor"

typedef struct {
    struct hfl_edit *ed;
    lua_State *L;  /* the state reading, while hfl_edit_read runs: completion calls into it */
    int complete;  /* registry ref of the completion function, or LUA_NOREF */
} editor_ud;

static editor_ud *check_editor(lua_State *L)
{
    editor_ud *ud = luaL_checkudata(L, 1, EDITOR_MT);
    if (!ud->ed)
        luaL_argerror(L, 1, "closed editor");
    return ud;
}

/* Calls complete(before) -> insert, candidates. A Lua error in it is swallowed (the terminal
 * beeps): raising would unwind through libedit. */
static enum hfl_edit_completed complete(void *data, struct hfl_edit *ed, const char *before, size_t len)
{
    editor_ud *ud = data;
    lua_State *L = ud->L;
    if (!L || ud->complete == LUA_NOREF)
        return HFL_EDIT_NONE;
    int top = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ud->complete);
    lua_pushlstring(L, before, len);
    enum hfl_edit_completed done = HFL_EDIT_NONE;
    if (lua_pcall(L, 1, 2, 0) == 0) {  /* [insert, candidates] */
        size_t n;
        const char *insert = lua_tolstring(L, -2, &n);
        if (insert && n > 0 && hfl_edit_insert(ed, insert) == 0)
            done = HFL_EDIT_INSERTED;
        if (lua_istable(L, -1) && lua_objlen(L, -1) > 1) {
            size_t count = lua_objlen(L, -1);
            const char **items = lua_newuserdata(L, count * sizeof *items);  /* freed by the GC */
            for (size_t i = 0; i < count; i++) {
                lua_rawgeti(L, -2, (int)i + 1);
                items[i] = lua_isstring(L, -1) ? lua_tostring(L, -1) : "";
                lua_pop(L, 1);  /* the string stays alive in the table */
            }
            hfl_edit_list(ed, items, count);
            done = HFL_EDIT_LISTED;
        }
    }
    lua_settop(L, top);
    return done;
}

// editor | nil, err = edit.new([complete])  -- complete(before) -> insert?, candidates?
static int hfl_edit_lnew(lua_State *L)
{
    if (!lua_isnoneornil(L, 1))
        luaL_checktype(L, 1, LUA_TFUNCTION);
    editor_ud *ud = lua_newuserdata(L, sizeof *ud);
    ud->ed = NULL;
    ud->L = NULL;
    ud->complete = LUA_NOREF;
    luaL_getmetatable(L, EDITOR_MT);
    lua_setmetatable(L, -2);
    ud->ed = hfl_edit_new("hfl", complete, ud);
    if (!ud->ed) {
        lua_pushnil(L);
        lua_pushliteral(L, "cannot set up line editing on this terminal");
        return 2;
    }
    if (!lua_isnoneornil(L, 1)) {
        lua_pushvalue(L, 1);
        ud->complete = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    return 1;
}

// line | nil (end of input) | false (Ctrl-C) = editor:read(prompt)
static int hfl_edit_lread(lua_State *L)
{
    editor_ud *ud = check_editor(L);
    const char *prompt = luaL_checkstring(L, 2);
    size_t len = 0;
    int interrupted = 0;
    ud->L = L;
    const char *line = hfl_edit_read(ud->ed, prompt, &len, &interrupted);
    ud->L = NULL;
    if (interrupted)
        lua_pushboolean(L, 0);
    else if (!line)
        lua_pushnil(L);
    else
        lua_pushlstring(L, line, len);
    return 1;
}

// editor:add(line)  -- to the history
static int hfl_edit_ladd(lua_State *L)
{
    editor_ud *ud = check_editor(L);
    hfl_edit_history_add(ud->ed, luaL_checkstring(L, 2));
    return 0;
}

// true | nil, err = editor:load(path)
static int hfl_edit_lload(lua_State *L)
{
    editor_ud *ud = check_editor(L);
    const char *path = luaL_checkstring(L, 2);
    if (hfl_edit_history_load(ud->ed, path) < 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "cannot read the history file %s", path);
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

// true | nil, err = editor:save(path)  -- mode 0600
static int hfl_edit_lsave(lua_State *L)
{
    editor_ud *ud = check_editor(L);
    const char *path = luaL_checkstring(L, 2);
    if (hfl_edit_history_save(ud->ed, path) < 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "cannot write the history file %s", path);
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

// editor:close()  -- restores the terminal; also done by the GC
static int hfl_edit_lclose(lua_State *L)
{
    editor_ud *ud = luaL_checkudata(L, 1, EDITOR_MT);
    if (ud->ed) {
        hfl_edit_free(ud->ed);
        ud->ed = NULL;
    }
    if (ud->complete != LUA_NOREF) {
        luaL_unref(L, LUA_REGISTRYINDEX, ud->complete);
        ud->complete = LUA_NOREF;
    }
    return 0;
}

/* Ctrl-C while a statement runs. A signal handler can reach no registry, so the state to stop
 * is kept here, as LuaJIT's own REPL keeps it: the first SIGINT sets a hook that raises
 * "interrupted" at the next call, return or instruction count, and restores the default
 * action, so that a second Ctrl-C ends a loop the hook cannot reach (compiled traces run no
 * hooks). */
static lua_State *volatile interrupt_L;
static struct sigaction interrupt_saved;

static void interrupt_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    lua_pushliteral(L, "interrupted");
    lua_error(L);
}

static void on_interrupt_signal(int sig)
{
    signal(sig, SIG_DFL);
    /* the terminal echoed ^C: the report of the interruption starts on a line of its own */
    ssize_t n = write(STDOUT_FILENO, "\n", 1);
    (void)n;
    if (interrupt_L)
        lua_sethook(interrupt_L, interrupt_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

// editor:interruptible(on)  -- while on, Ctrl-C raises "interrupted" in the running code
static int hfl_edit_linterruptible(lua_State *L)
{
    check_editor(L);
    int on = lua_toboolean(L, 2);
    if (on && !interrupt_L) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_interrupt_signal;
        sigemptyset(&sa.sa_mask);
        interrupt_L = L;
        sigaction(SIGINT, &sa, &interrupt_saved);
    } else if (!on && interrupt_L) {
        sigaction(SIGINT, &interrupt_saved, NULL);
        lua_sethook(L, NULL, 0, 0);
        interrupt_L = NULL;
    }
    return 0;
}

static const luaL_Reg editor_methods[] = {
    {"read", hfl_edit_lread},   {"add", hfl_edit_ladd},     {"load", hfl_edit_lload},
    {"save", hfl_edit_lsave},   {"close", hfl_edit_lclose}, {"interruptible", hfl_edit_linterruptible},
    {NULL, NULL},
};

static const luaL_Reg functions[] = {
    {"new", hfl_edit_lnew},
    {NULL, NULL},
};

int luaopen_hfl_core_edit(lua_State *L)
{
    if (luaL_newmetatable(L, EDITOR_MT)) {  /* [mt] */
        lua_newtable(L);
        luaL_register(L, NULL, editor_methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, hfl_edit_lclose);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    lua_newtable(L);
    luaL_register(L, NULL, functions);
    return 1;
}
