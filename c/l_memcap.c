/* hfl.core.memcap: a cap on the Lua heap, counted in the allocator. The sandbox also checks the
 * heap in its count hook, but that runs every 1,000 instructions and one instruction can
 * allocate hundreds of MB (string.rep, "..", table.concat); the allocator sees each allocation
 * as it is asked for and refuses the one that crosses the cap, which LuaJIT raises as "not
 * enough memory" at that instruction. Private: hfl.state.luasandbox uses it. */
#include <lauxlib.h>
#include <lua.h>
#include <stdlib.h>

#include "core.h"

/* Room left after a refusal, so error handling and unwinding can still allocate. */
#define HEADROOM (64 * 1024 * 1024)

/* One per Lua state while a cap is set, found as the allocator's userdata. The wrapper is
 * removed again by unlimit(): under plain luajit this file is part of a C module that
 * lua_close unloads before it frees the last objects. */
struct memcap {
    lua_Alloc inner;   /* the allocator wrapped */
    void *inner_ud;
    long long used;    /* bytes allocated, net, since the wrapper was installed */
    long long limit;   /* refuse growth past this many bytes of `used`; 0: no cap */
    int refused;       /* an allocation was refused since the cap was set */
};

static void *capped_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct memcap *m = ud;
    if (ptr == NULL)
        osize = 0;
    if (m->limit > 0 && nsize > osize && m->used + (long long)(nsize - osize) > m->limit) {
        if (!m->refused) {
            m->refused = 1;
            m->limit = m->used + HEADROOM;
        }
        return NULL;
    }
    void *p = m->inner(m->inner_ud, ptr, osize, nsize);
    if (p != NULL || nsize == 0)
        m->used += (long long)nsize - (long long)osize;
    return p;
}

/* The state's memcap, installing the wrapper on first use; NULL when out of memory. */
static struct memcap *memcap_of(lua_State *L)
{
    void *ud;
    lua_Alloc f = lua_getallocf(L, &ud);
    if (f == capped_alloc)
        return ud;
    struct memcap *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->inner = f;
    m->inner_ud = ud;
    lua_setallocf(L, capped_alloc, m);
    return m;
}

// memcap.limit(bytes)  -- from now on the heap may grow by at most `bytes`
static int l_limit(lua_State *L)
{
    lua_Number extra = luaL_checknumber(L, 1);
    luaL_argcheck(L, extra > 0, 1, "the limit must be positive");
    struct memcap *m = memcap_of(L);
    if (!m)
        return luaL_error(L, "memcap.limit: out of memory");
    m->refused = 0;
    m->limit = m->used + (long long)extra;
    return 0;
}

// memcap.unlimit()  -- removes the cap and the wrapper
static int l_unlimit(lua_State *L)
{
    void *ud;
    if (lua_getallocf(L, &ud) == capped_alloc) {
        struct memcap *m = ud;
        lua_setallocf(L, m->inner, m->inner_ud);
        free(m);
    }
    return 0;
}

// refused = memcap.refused()  -- whether an allocation was refused since the last limit()
static int l_refused(lua_State *L)
{
    void *ud;
    lua_pushboolean(L, lua_getallocf(L, &ud) == capped_alloc && ((struct memcap *)ud)->refused);
    return 1;
}

static const luaL_Reg funcs[] = {
    {"limit", l_limit}, {"unlimit", l_unlimit}, {"refused", l_refused}, {NULL, NULL},
};

int luaopen_hfl_core_memcap(lua_State *L)
{
    lua_newtable(L);
    luaL_register(L, NULL, funcs);
    return 1;
}
