/* hfl.core.proc: the Lua binding of c/proc.c and c/loop.c. One loop per Lua state, kept in
 * the registry (where other bindings find it: l_proc.h); children are full userdata whose
 * environment is the loop userdata (so the loop outlives them). Private: domain code uses
 * lua/hfl/proc.lua. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "core.h"
#include "l_proc.h"
#include "proc.h"

extern char **environ;

#define LOOP_MT  "hfl.core.proc.loop"
#define CHILD_MT "hfl.core.proc.child"
/* registry[LIVE_KEY][tag] = child userdata, from spawn until the done child is handed out */
#define LIVE_KEY "hfl.core.proc.live"

struct lloop {
    struct hfl_loop_ref ref;  /* first: other bindings read it (l_proc.h) */
    unsigned long next_tag;
};

struct lchild {
    struct hfl_child *c;
};

static const struct {
    const char *name;
    int num;
} signals[] = {
    {"HUP", SIGHUP}, {"INT", SIGINT}, {"QUIT", SIGQUIT}, {"KILL", SIGKILL}, {"USR1", SIGUSR1},
    {"USR2", SIGUSR2}, {"PIPE", SIGPIPE}, {"ALRM", SIGALRM}, {"TERM", SIGTERM},
    {"CONT", SIGCONT}, {"STOP", SIGSTOP}, {NULL, 0},
};

static int check_signal(lua_State *L, int idx)
{
    if (lua_type(L, idx) == LUA_TNUMBER)
        return (int)lua_tointeger(L, idx);
    const char *s = luaL_checkstring(L, idx);
    if (strncmp(s, "SIG", 3) == 0)
        s += 3;
    for (int i = 0; signals[i].name; i++)
        if (strcmp(signals[i].name, s) == 0)
            return signals[i].num;
    return luaL_argerror(L, idx, "unknown signal name");
}

static int loop_gc(lua_State *L)
{
    struct lloop *l = luaL_checkudata(L, 1, LOOP_MT);
    hfl_loop_free(l->ref.loop);
    l->ref.loop = NULL;
    return 0;
}

/* Pushes the state's loop userdata, creating it on first use. */
static struct lloop *get_loop(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, HFL_LOOP_KEY);
    if (!lua_isnil(L, -1))
        return lua_touserdata(L, -1);
    lua_pop(L, 1);
    struct lloop *l = lua_newuserdata(L, sizeof *l);
    l->ref.loop = NULL;
    l->ref.ops = &hfl_loop_ops;
    l->next_tag = 1;
    luaL_getmetatable(L, LOOP_MT);
    lua_setmetatable(L, -2);
    int e = hfl_loop_new(&l->ref.loop);
    if (e)
        luaL_error(L, "hfl.core.proc: cannot create the event loop: %s", strerror(e));
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, HFL_LOOP_KEY);
    return l;
}

static struct hfl_loop *loop_of(lua_State *L)
{
    struct hfl_loop *loop = get_loop(L)->ref.loop;
    lua_pop(L, 1);
    return loop;
}

static struct lchild *check_child(lua_State *L, int idx)
{
    struct lchild *ch = luaL_checkudata(L, idx, CHILD_MT);
    if (!ch->c)
        luaL_argerror(L, idx, "released child");
    return ch;
}

static int child_gc(lua_State *L)
{
    struct lchild *ch = luaL_checkudata(L, 1, CHILD_MT);
    if (ch->c)
        hfl_child_release(ch->c);
    ch->c = NULL;
    return 0;
}

static enum hfl_io opt_io(lua_State *L, int t, const char *field, enum hfl_io def)
{
    lua_getfield(L, t, field);
    const char *s = lua_tostring(L, -1);
    enum hfl_io io = def;
    if (s && strcmp(s, "capture") == 0)
        io = HFL_IO_CAPTURE;
    else if (s && strcmp(s, "stream") == 0)
        io = HFL_IO_STREAM;
    else if (s && strcmp(s, "inherit") == 0)
        io = HFL_IO_INHERIT;
    else if (s && strcmp(s, "null") == 0)
        io = HFL_IO_NULL;
    else if (!lua_isnil(L, -1))
        luaL_error(L, "opts.%s: expected \"capture\", \"stream\", \"inherit\" or \"null\"", field);
    lua_pop(L, 1);
    return io;
}

static double opt_number(lua_State *L, int t, const char *field, double def)
{
    lua_getfield(L, t, field);
    double d = lua_isnil(L, -1) ? def : luaL_checknumber(L, -1);
    lua_pop(L, 1);
    return d;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Builds the child's environment: environ (unless replace) minus the keys of the table at t,
 * plus its string values ("K=V" each, malloc'd). Returns NULL on out of memory. */
static char **build_env(lua_State *L, int t, int replace, size_t *count)
{
    size_t nenv = 0, nover = 0, n = 0;
    if (!replace)
        while (environ[nenv])
            nenv++;
    lua_pushnil(L);
    while (lua_next(L, t)) {  /* [.., key, value]: checked here, before anything is allocated */
        if (lua_type(L, -2) != LUA_TSTRING)
            luaL_error(L, "opts.env: keys must be strings");
        int vt = lua_type(L, -1);
        if (vt != LUA_TSTRING && vt != LUA_TNUMBER && !(vt == LUA_TBOOLEAN && !lua_toboolean(L, -1)))
            luaL_error(L, "opts.env.%s: expected a string, or false to unset", lua_tostring(L, -2));
        nover++;
        lua_pop(L, 1);
    }
    char **v = calloc(nenv + nover + 1, sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < nenv; i++) {
        const char *eq = strchr(environ[i], '=');
        if (!eq)
            continue;
        lua_pushlstring(L, environ[i], (size_t)(eq - environ[i]));
        lua_rawget(L, t);
        int overridden = !lua_isnil(L, -1);
        lua_pop(L, 1);
        if (overridden)
            continue;
        if (!(v[n++] = strdup(environ[i]))) {
            free_strings(v, n);
            return NULL;
        }
    }
    lua_pushnil(L);
    while (lua_next(L, t)) {  /* [.., key, value] */
        if (lua_type(L, -1) == LUA_TSTRING) {
            size_t kl, vl;
            const char *k = lua_tolstring(L, -2, &kl);
            const char *val = lua_tolstring(L, -1, &vl);
            char *kv = malloc(kl + vl + 2);
            if (!kv) {
                free_strings(v, n);
                return NULL;
            }
            memcpy(kv, k, kl);
            kv[kl] = '=';
            memcpy(kv + kl + 1, val, vl + 1);
            v[n++] = kv;
        }
        lua_pop(L, 1);
    }
    *count = n;
    return v;
}

// child, err = proc.spawn(argv, opts)
//   opts: env = {K = "v" | false}, env_replace, cwd, stdin = data | nil,
//         stdin_mode / stdout / stderr = "capture" | "stream" | "inherit" | "null",
//         max_output, timeout, grace (seconds), group (own process group)
static int l_spawn(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    if (lua_isnoneornil(L, 2)) {
        lua_settop(L, 1);
        lua_newtable(L);
    }
    luaL_checktype(L, 2, LUA_TTABLE);
    struct lloop *l = get_loop(L);  /* [argv, opts, loop] */
    int argc = (int)lua_objlen(L, 1);
    if (argc < 1)
        return luaL_argerror(L, 1, "empty argv");

    struct hfl_spawn_opts o;
    memset(&o, 0, sizeof o);
    const char **argv = lua_newuserdata(L, (size_t)(argc + 1) * sizeof *argv);  /* [.., tmp] */
    for (int i = 1; i <= argc; i++) {
        lua_rawgeti(L, 1, i);
        if (lua_type(L, -1) != LUA_TSTRING)
            return luaL_error(L, "argv[%d]: expected a string", i);
        argv[i - 1] = lua_tostring(L, -1);  /* kept alive by the argv table */
        lua_pop(L, 1);
    }
    argv[argc] = NULL;
    o.argv = argv;

    lua_getfield(L, 2, "cwd");
    o.cwd = lua_tostring(L, -1);
    lua_pop(L, 1);  /* the string stays referenced by opts */
    lua_getfield(L, 2, "stdin");
    o.in_data = lua_tolstring(L, -1, &o.in_len);
    lua_pop(L, 1);
    o.in = opt_io(L, 2, "stdin_mode", o.in_data ? HFL_IO_CAPTURE : HFL_IO_NULL);
    o.out = opt_io(L, 2, "stdout", HFL_IO_CAPTURE);
    o.err = opt_io(L, 2, "stderr", HFL_IO_CAPTURE);
    o.max_output = (size_t)opt_number(L, 2, "max_output", 64.0 * 1024 * 1024);
    o.timeout = opt_number(L, 2, "timeout", 0);
    o.grace = opt_number(L, 2, "grace", 5);
    lua_getfield(L, 2, "group");
    o.group = lua_toboolean(L, -1);
    lua_pop(L, 1);

    char **env = NULL;
    size_t nenv = 0;
    lua_getfield(L, 2, "env");
    lua_getfield(L, 2, "env_replace");
    int replace = lua_toboolean(L, -1);
    lua_pop(L, 1);  /* [.., env] */
    if (!lua_isnil(L, -1) || replace) {
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            lua_newtable(L);
        }
        luaL_checktype(L, -1, LUA_TTABLE);
        if (!(env = build_env(L, lua_gettop(L), replace, &nenv)))
            return luaL_error(L, "hfl.core.proc: out of memory");
        o.envp = (const char *const *)env;
    }
    lua_pop(L, 1);

    char err[512];
    struct hfl_child *c;
    int e = hfl_spawn(l->ref.loop, &o, &c, err, sizeof err);
    if (env)
        free_strings(env, nenv);
    if (e) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    struct lchild *ch = lua_newuserdata(L, sizeof *ch);  /* [.., tmp, child] */
    ch->c = c;
    hfl_child_set_tag(c, l->next_tag++);
    luaL_getmetatable(L, CHILD_MT);
    lua_setmetatable(L, -2);
    lua_pushvalue(L, 3);
    lua_setfenv(L, -2);
    lua_getfield(L, LUA_REGISTRYINDEX, LIVE_KEY);
    lua_pushvalue(L, -2);
    lua_rawseti(L, -2, (int)hfl_child_tag(c));
    lua_pop(L, 1);
    return 1;
}

// children = proc.step(timeout_ms)  -- one turn of the loop; the children with news
static int l_step(lua_State *L)
{
    int ms = (int)luaL_optinteger(L, 1, -1);
    struct hfl_loop *loop = loop_of(L);
    int e = hfl_loop_step(loop, ms);
    if (e)
        return luaL_error(L, "hfl.core.proc: event loop: %s", strerror(e));
    lua_newtable(L);
    lua_getfield(L, LUA_REGISTRYINDEX, LIVE_KEY);  /* [list, live] */
    int n = 0;
    for (struct hfl_child *c; (c = hfl_loop_pop(loop));) {
        int tag = (int)hfl_child_tag(c);
        lua_rawgeti(L, -1, tag);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            continue;
        }
        lua_rawseti(L, -3, ++n);
        if (hfl_child_done(c)) {
            lua_pushnil(L);
            lua_rawseti(L, -2, tag);
        }
    }
    lua_pop(L, 1);
    return 1;
}

// n = proc.live()
static int l_live(lua_State *L)
{
    lua_pushinteger(L, hfl_loop_live(loop_of(L)));
    return 1;
}

// n = proc.watching()  -- watches and timers other modules (http) keep on the loop
static int l_watching(lua_State *L)
{
    lua_pushinteger(L, hfl_loop_watching(loop_of(L)));
    return 1;
}

// signum|nil = proc.interrupted()
static int l_interrupted(lua_State *L)
{
    int sig = hfl_loop_poll_interrupt(loop_of(L));
    if (sig)
        lua_pushinteger(L, sig);
    else
        lua_pushnil(L);
    return 1;
}

// proc.hold()  -- traps SIGINT/SIGTERM until the matching release(), children or not
static int l_hold(lua_State *L)
{
    hfl_loop_hold(loop_of(L));
    return 0;
}

// proc.release()
static int l_release(lua_State *L)
{
    hfl_loop_release(loop_of(L));
    return 0;
}

// proc.clear_interrupt()
static int l_clear_interrupt(lua_State *L)
{
    hfl_loop_clear_interrupt(loop_of(L));
    return 0;
}

// proc.set_interrupt_grace(seconds)
static int l_set_interrupt_grace(lua_State *L)
{
    hfl_loop_set_interrupt_grace(loop_of(L), luaL_checknumber(L, 1));
    return 0;
}

// seconds = proc.now()  -- monotonic clock
static int l_now(lua_State *L)
{
    lua_pushnumber(L, hfl_now());
    return 1;
}

// n = proc.signum(name|n)
static int l_signum(lua_State *L)
{
    lua_pushinteger(L, check_signal(L, 1));
    return 1;
}

// pid = child:pid()
static int c_pid(lua_State *L)
{
    lua_pushinteger(L, hfl_child_pid(check_child(L, 1)->c));
    return 1;
}

// bool = child:done()
static int c_done(lua_State *L)
{
    lua_pushboolean(L, hfl_child_done(check_child(L, 1)->c));
    return 1;
}

// data|nil = child:take(stream)  -- 1 stdout, 2 stderr, with stdout/stderr = "stream"
static int c_take(lua_State *L)
{
    struct lchild *ch = check_child(L, 1);
    int stream = (int)luaL_checkinteger(L, 2);
    luaL_argcheck(L, stream == 1 || stream == 2, 2, "1 (stdout) or 2 (stderr)");
    size_t len;
    const char *p = hfl_child_take(ch->c, stream, &len);
    if (!p)
        return 0;
    lua_pushlstring(L, p, len);
    hfl_child_consumed(ch->c, stream);
    return 1;
}

// r|nil = child:result()  -- {code=, signal=, timed_out=, stdout=, stderr=,
//                              stdout_truncated=, stderr_truncated=, duration=}
static int c_result(lua_State *L)
{
    struct hfl_result r;
    if (hfl_child_result(check_child(L, 1)->c, &r) != 0)
        return 0;
    lua_createtable(L, 0, 8);
    if (r.exited) {
        lua_pushinteger(L, r.code);
        lua_setfield(L, -2, "code");
    }
    if (r.signal) {
        lua_pushinteger(L, r.signal);
        lua_setfield(L, -2, "signal");
    }
    lua_pushboolean(L, r.timed_out);
    lua_setfield(L, -2, "timed_out");
    lua_pushnumber(L, r.duration);
    lua_setfield(L, -2, "duration");
    static const char *const names[2] = {"stdout", "stderr"};
    static const char *const trunc[2] = {"stdout_truncated", "stderr_truncated"};
    for (int i = 0; i < 2; i++) {
        if (r.data[i]) {
            lua_pushlstring(L, r.data[i], r.len[i]);
            lua_setfield(L, -2, names[i]);
        }
        if (r.truncated[i]) {
            lua_pushboolean(L, 1);
            lua_setfield(L, -2, trunc[i]);
        }
    }
    return 1;
}

// true | nil, err = child:kill(sig)
static int c_kill(lua_State *L)
{
    struct lchild *ch = check_child(L, 1);
    int sig = lua_isnoneornil(L, 2) ? SIGTERM : check_signal(L, 2);
    int e = hfl_child_kill(ch->c, sig);
    if (e) {
        lua_pushnil(L);
        lua_pushstring(L, strerror(e));
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

static const luaL_Reg child_methods[] = {
    {"pid", c_pid}, {"done", c_done}, {"take", c_take},
    {"result", c_result}, {"kill", c_kill}, {NULL, NULL},
};

static const luaL_Reg funcs[] = {
    {"spawn", l_spawn},
    {"step", l_step},
    {"live", l_live},
    {"watching", l_watching},
    {"interrupted", l_interrupted},
    {"clear_interrupt", l_clear_interrupt},
    {"hold", l_hold},
    {"release", l_release},
    {"set_interrupt_grace", l_set_interrupt_grace},
    {"now", l_now},
    {"signum", l_signum},
    {NULL, NULL},
};

int luaopen_hfl_core_proc(lua_State *L)
{
    if (luaL_newmetatable(L, LOOP_MT)) {
        lua_pushcfunction(L, loop_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, CHILD_MT)) {
        lua_pushcfunction(L, child_gc);
        lua_setfield(L, -2, "__gc");
        lua_newtable(L);
        luaL_register(L, NULL, child_methods);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, LIVE_KEY);
    if (lua_isnil(L, -1)) {
        lua_newtable(L);
        lua_setfield(L, LUA_REGISTRYINDEX, LIVE_KEY);
    }
    lua_pop(L, 1);
    get_loop(L);  /* now, so that other bindings find it (l_proc.h) */
    lua_pop(L, 1);
    lua_newtable(L);
    luaL_register(L, NULL, funcs);
    return 1;
}
