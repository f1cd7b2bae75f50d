/* Lua binding of c/git.c: hfl.core.git. */
#include <lauxlib.h>
#include <lua.h>

#include "core.h"
#include "git.h"

// commit | nil, err = git.checkout(url, ref, gitdir, workdir)
static int hfl_git_lcheckout(lua_State *L)
{
    const char *url = luaL_checkstring(L, 1);
    const char *ref = luaL_optstring(L, 2, "");
    const char *gitdir = luaL_checkstring(L, 3);
    const char *workdir = luaL_checkstring(L, 4);
    char commit[41] = {0};
    char err[1024];
    if (hfl_git_checkout(url, ref, gitdir, workdir, commit, err, sizeof err) < 0) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_pushstring(L, commit);
    return 1;
}

#define JOB_MT "hfl.git.job"

typedef struct {
    struct hfl_git_job *job;
} job_ud;

// job | nil, err = git.start(url, ref, gitdir, workdir)  -- the checkout on its own thread
static int hfl_git_lstart(lua_State *L)
{
    const char *url = luaL_checkstring(L, 1);
    const char *ref = luaL_optstring(L, 2, "");
    const char *gitdir = luaL_checkstring(L, 3);
    const char *workdir = luaL_checkstring(L, 4);
    job_ud *ud = lua_newuserdata(L, sizeof *ud);
    ud->job = NULL;
    luaL_getmetatable(L, JOB_MT);
    lua_setmetatable(L, -2);
    int e = hfl_git_start(url, ref, gitdir, workdir, &ud->job);
    if (e != 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "git fetch %s: cannot start a thread (error %d)", url, e);
        return 2;
    }
    return 1;
}

static job_ud *check_job(lua_State *L)
{
    job_ud *ud = luaL_checkudata(L, 1, JOB_MT);
    if (!ud->job)
        luaL_argerror(L, 1, "finished git job");
    return ud;
}

// bool = job:done()
static int hfl_git_ldone(lua_State *L)
{
    lua_pushboolean(L, hfl_git_done(check_job(L)->job));
    return 1;
}

// commit | nil, err = job:result()  -- waits for the thread; the job is spent afterwards
static int hfl_git_lresult(lua_State *L)
{
    job_ud *ud = check_job(L);
    char commit[41] = {0};
    char err[1024];
    int rc = hfl_git_result(ud->job, commit, err, sizeof err);
    hfl_git_free(ud->job);
    ud->job = NULL;
    if (rc != 0) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_pushstring(L, commit);
    return 1;
}

static int hfl_git_lgc(lua_State *L)
{
    job_ud *ud = luaL_checkudata(L, 1, JOB_MT);
    hfl_git_free(ud->job);
    ud->job = NULL;
    return 0;
}

static const luaL_Reg job_methods[] = {
    {"done", hfl_git_ldone},
    {"result", hfl_git_lresult},
    {NULL, NULL},
};

static const luaL_Reg funcs[] = {
    {"checkout", hfl_git_lcheckout},
    {"start", hfl_git_lstart},
    {NULL, NULL},
};

// git = require "hfl.core.git"
int luaopen_hfl_core_git(lua_State *L)
{
    if (hfl_git_init() < 0)
        return luaL_error(L, "hfl.core.git: libgit2 failed to initialise");
    luaL_newmetatable(L, JOB_MT);
    lua_pushcfunction(L, hfl_git_lgc);
    lua_setfield(L, -2, "__gc");
    lua_newtable(L);
    luaL_register(L, NULL, job_methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    lua_newtable(L);
    luaL_register(L, NULL, funcs);
    return 1;
}
