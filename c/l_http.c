/* hfl.core.http: the Lua binding of c/http.c. The transfer handle of a state sits on its
 * hfl.proc loop (and is freed with it); transfers are full userdata kept in the registry from
 * start until their finished handle is handed out. Private: domain code uses lua/hfl/http.lua. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "core.h"
#include "http.h"
#include "l_proc.h"

#define XFER_MT  "hfl.core.http.xfer"
#define HTTP_MT  "hfl.core.http.handle"
#define HTTP_KEY "hfl.core.http.the_handle"
/* registry[LIVE_KEY][tag] = transfer userdata, from start until the done one is handed out */
#define LIVE_KEY "hfl.core.http.live"

struct lhttp {
    struct hfl_http *h;  /* owned by the loop */
    unsigned long next_tag;
};

struct lxfer {
    struct hfl_xfer *x;
};

static struct lhttp *get_http(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, HTTP_KEY);
    struct lhttp *l = lua_touserdata(L, -1);
    lua_pop(L, 1);
    if (l)
        return l;
    const struct hfl_loop_ref *loop = hfl_lua_loop(L);
    l = lua_newuserdata(L, sizeof *l);
    l->h = NULL;
    l->next_tag = 1;
    luaL_getmetatable(L, HTTP_MT);
    lua_setmetatable(L, -2);
    int e = hfl_http_new(loop->loop, loop->ops, &l->h);
    if (e)
        luaL_error(L, "hfl.core.http: cannot set up libcurl: %s", strerror(e));
    lua_setfield(L, LUA_REGISTRYINDEX, HTTP_KEY);
    return l;
}

/* The handle is freed here rather than by the loop: as the state closes, this userdata (made
 * after the loop and after this shared object was loaded) is finalized before both, while
 * the code of hfl/core/http.so is still mapped — the loop's own teardown would come after
 * the library's handle has unloaded it. */
static int http_gc(lua_State *L)
{
    struct lhttp *l = luaL_checkudata(L, 1, HTTP_MT);
    if (l->h)
        hfl_http_free(l->h);
    l->h = NULL;
    return 0;
}

static int xfer_gc(lua_State *L)
{
    struct lxfer *lx = luaL_checkudata(L, 1, XFER_MT);
    if (lx->x)
        hfl_xfer_release(lx->x);
    lx->x = NULL;
    return 0;
}

static const char *opt_str(lua_State *L, int t, const char *field)
{
    lua_getfield(L, t, field);
    const char *s = lua_isnil(L, -1) ? NULL : luaL_checkstring(L, -1);
    lua_pop(L, 1);  /* the string stays referenced by the table */
    return s;
}

static double opt_num(lua_State *L, int t, const char *field)
{
    lua_getfield(L, t, field);
    double d = lua_isnil(L, -1) ? 0 : luaL_checknumber(L, -1);
    lua_pop(L, 1);
    return d;
}

static int opt_bool(lua_State *L, int t, const char *field)
{
    lua_getfield(L, t, field);
    int b = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return b;
}

// xfer | nil, err = http.start{url=, method=, headers={"K: v"...}, body=, username=, password=,
//   bearer=, ca_file=, cert_file=, key_file=, user_agent=, insecure=, follow=, pass_credentials=,
//   timeout=, connect_timeout=, output=, etag=, if_modified_since=, max_size=, proxy=,
//   connect_to="HOST:PORT:CONNECT-HOST:CONNECT-PORT"}
static int l_start(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    struct hfl_http_opts o;
    memset(&o, 0, sizeof o);
    o.url = opt_str(L, 1, "url");
    luaL_argcheck(L, o.url != NULL, 1, "url required");
    o.method = opt_str(L, 1, "method");
    o.username = opt_str(L, 1, "username");
    o.password = opt_str(L, 1, "password");
    o.bearer = opt_str(L, 1, "bearer");
    o.ca_file = opt_str(L, 1, "ca_file");
    o.cert_file = opt_str(L, 1, "cert_file");
    o.key_file = opt_str(L, 1, "key_file");
    o.user_agent = opt_str(L, 1, "user_agent");
    o.output = opt_str(L, 1, "output");
    o.etag = opt_str(L, 1, "etag");
    o.insecure = opt_bool(L, 1, "insecure");
    o.follow = opt_bool(L, 1, "follow");
    o.pass_credentials = opt_bool(L, 1, "pass_credentials");
    o.timeout = opt_num(L, 1, "timeout");
    o.connect_timeout = opt_num(L, 1, "connect_timeout");
    o.if_modified_since = (long long)opt_num(L, 1, "if_modified_since");
    o.max_size = (long long)opt_num(L, 1, "max_size");
    o.proxy = opt_str(L, 1, "proxy");
    o.connect_to = opt_str(L, 1, "connect_to");
    lua_getfield(L, 1, "body");
    if (!lua_isnil(L, -1))
        o.body = luaL_checklstring(L, -1, &o.body_len);
    lua_pop(L, 1);

    const char **headers = NULL;
    lua_getfield(L, 1, "headers");  /* [opts, headers] stays on the stack while we run */
    if (!lua_isnil(L, -1)) {
        luaL_checktype(L, -1, LUA_TTABLE);
        size_t n = lua_objlen(L, -1);
        headers = calloc(n + 1, sizeof *headers);
        if (!headers)
            return luaL_error(L, "hfl.core.http: out of memory");
        for (size_t i = 0; i < n; i++) {
            lua_rawgeti(L, -1, (int)i + 1);
            headers[i] = lua_tostring(L, -1);
            lua_pop(L, 1);
            if (!headers[i]) {
                free(headers);
                return luaL_error(L, "hfl.core.http: headers[%d] is not a string", (int)i + 1);
            }
        }
        o.headers = headers;
    }
    struct lhttp *lh = get_http(L);
    struct lxfer *lx = lua_newuserdata(L, sizeof *lx);
    lx->x = NULL;
    luaL_getmetatable(L, XFER_MT);
    lua_setmetatable(L, -2);
    char err[512];
    int e = hfl_http_start(lh->h, &o, &lx->x, err, sizeof err);
    free(headers);
    if (e) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    unsigned long tag = lh->next_tag++;
    hfl_xfer_set_tag(lx->x, tag);
    lua_getfield(L, LUA_REGISTRYINDEX, LIVE_KEY);  /* [.., xfer, live] */
    lua_pushvalue(L, -2);
    lua_rawseti(L, -2, (int)tag);
    lua_pop(L, 1);
    return 1;
}

// xfers = http.collect()  -- the transfers finished since the last call
static int l_collect(lua_State *L)
{
    struct lhttp *lh = get_http(L);
    lua_newtable(L);
    lua_getfield(L, LUA_REGISTRYINDEX, LIVE_KEY);  /* [list, live] */
    int n = 0;
    for (struct hfl_xfer *x; (x = hfl_http_pop(lh->h));) {
        int tag = (int)hfl_xfer_tag(x);
        lua_rawgeti(L, -1, tag);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            continue;
        }
        lua_rawseti(L, -3, ++n);
        lua_pushnil(L);
        lua_rawseti(L, -2, tag);
    }
    lua_pop(L, 1);
    return 1;
}

// n = http.running()
static int l_running(lua_State *L)
{
    lua_pushinteger(L, hfl_http_running(get_http(L)->h));
    return 1;
}

static const char *const fail_names[] = {
    "ok", "connect", "resolve", "timeout", "tls", "tls_peer", "tls_client",
    "partial", "too_large", "redirects", "file", "other",
};

// r | nil = xfer:result()  -- {fail=, error=, status=, headers=, body=, sha256=, size=, url=,
//                              unmet=, duration=}
static int x_result(lua_State *L)
{
    struct lxfer *lx = luaL_checkudata(L, 1, XFER_MT);
    struct hfl_http_result r;
    if (!lx->x || hfl_xfer_result(lx->x, &r) != 0)
        return 0;
    lua_createtable(L, 0, 10);
    lua_pushstring(L, fail_names[r.fail]);
    lua_setfield(L, -2, "fail");
    lua_pushstring(L, r.error);
    lua_setfield(L, -2, "error");
    lua_pushinteger(L, (lua_Integer)r.status);
    lua_setfield(L, -2, "status");
    lua_pushlstring(L, r.headers, r.headers_len);
    lua_setfield(L, -2, "headers");
    lua_pushlstring(L, r.body, r.body_len);
    lua_setfield(L, -2, "body");
    if (r.sha256) {
        lua_pushstring(L, r.sha256);
        lua_setfield(L, -2, "sha256");
    }
    lua_pushnumber(L, (lua_Number)r.size);
    lua_setfield(L, -2, "size");
    if (r.url) {
        lua_pushstring(L, r.url);
        lua_setfield(L, -2, "url");
    }
    lua_pushboolean(L, r.unmet);
    lua_setfield(L, -2, "unmet");
    lua_pushnumber(L, r.duration);
    lua_setfield(L, -2, "duration");
    return 1;
}

// bool = xfer:done()
static int x_done(lua_State *L)
{
    struct lxfer *lx = luaL_checkudata(L, 1, XFER_MT);
    lua_pushboolean(L, !lx->x || hfl_xfer_done(lx->x));
    return 1;
}

// xfer:cancel()  -- aborts a running transfer; its temp file is removed
static int x_cancel(lua_State *L)
{
    struct lxfer *lx = luaL_checkudata(L, 1, XFER_MT);
    if (lx->x && !hfl_xfer_done(lx->x)) {
        lua_getfield(L, LUA_REGISTRYINDEX, LIVE_KEY);
        lua_pushnil(L);
        lua_rawseti(L, -2, (int)hfl_xfer_tag(lx->x));
        lua_pop(L, 1);
        hfl_xfer_release(lx->x);
        lx->x = NULL;
    }
    return 0;
}

// chunk, status = xfer:take()  -- the body received since the last take (a streamed response);
//                                 status is 0 until the first body byte
static int x_take(lua_State *L)
{
    struct lxfer *lx = luaL_checkudata(L, 1, XFER_MT);
    if (!lx->x) {
        lua_pushliteral(L, "");
        lua_pushinteger(L, 0);
        return 2;
    }
    const char *data;
    size_t len;
    long status;
    hfl_xfer_take(lx->x, &data, &len, &status);
    lua_pushlstring(L, data, len);
    hfl_xfer_taken(lx->x);
    lua_pushinteger(L, (lua_Integer)status);
    return 2;
}

static const luaL_Reg xfer_methods[] = {
    {"result", x_result}, {"take", x_take}, {"done", x_done}, {"cancel", x_cancel}, {NULL, NULL},
};

static const luaL_Reg funcs[] = {
    {"start", l_start}, {"collect", l_collect}, {"running", l_running}, {NULL, NULL},
};

int luaopen_hfl_core_http(lua_State *L)
{
    if (luaL_newmetatable(L, HTTP_MT)) {
        lua_pushcfunction(L, http_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, XFER_MT)) {
        lua_pushcfunction(L, xfer_gc);
        lua_setfield(L, -2, "__gc");
        lua_newtable(L);
        luaL_register(L, NULL, xfer_methods);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, LIVE_KEY);
    if (lua_isnil(L, -1)) {
        lua_newtable(L);
        lua_setfield(L, LUA_REGISTRYINDEX, LIVE_KEY);
    }
    lua_pop(L, 1);
    lua_newtable(L);
    luaL_register(L, NULL, funcs);
    return 1;
}
