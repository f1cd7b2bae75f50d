/* hfl.core.time: the clock and the system's time zones (libc's zoneinfo), for the template
 * date functions. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>

#include "core.h"

// sec, nsec = time.now()  -- the wall clock
static int l_now(lua_State *L)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    lua_pushnumber(L, (lua_Number)ts.tv_sec);
    lua_pushnumber(L, (lua_Number)ts.tv_nsec);
    return 2;
}

/* Sets TZ (or restores it: NULL unsets) and makes libc read it again. */
static void set_tz(const char *tz)
{
    if (tz)
        setenv("TZ", tz, 1);
    else
        unsetenv("TZ");
    tzset();
}

// offset, abbr | nil = time.zone(location, sec)  -- "Local" is the process's zone; other
// names are IANA zones, read by pointing TZ at them for the one call
static int l_zone(lua_State *L)
{
    const char *loc = luaL_checkstring(L, 1);
    time_t t = (time_t)luaL_checknumber(L, 2);
    int local = strcmp(loc, "Local") == 0;
    char *saved = NULL;
    if (!local) {
        const char *old = getenv("TZ");
        if (old && !(saved = strdup(old)))
            return luaL_error(L, "hfl.core.time: out of memory");
        set_tz(loc);
    }
    struct tm tm;
    int ok = localtime_r(&t, &tm) != NULL;
    if (!local) {
        set_tz(saved);
        free(saved);
    }
    if (!ok)
        return 0;
    lua_pushnumber(L, (lua_Number)tm.tm_gmtoff);
    lua_pushstring(L, tm.tm_zone ? tm.tm_zone : "UTC");
    return 2;
}

static const luaL_Reg funcs[] = {
    {"now", l_now}, {"zone", l_zone}, {NULL, NULL},
};

int luaopen_hfl_core_time(lua_State *L)
{
    lua_newtable(L);
    luaL_register(L, NULL, funcs);
    return 1;
}
