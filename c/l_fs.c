/* hfl.core.fs: the Lua binding of c/fs.c, plus list/stat/pid/cwd/isatty. Failures return nil, message,
 * errno name ("EEXIST", "EWOULDBLOCK", …) so callers can tell expected ones apart. Locks are
 * full userdata; collecting one releases it. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "core.h"
#include "fs.h"

#define LOCK_MT "hfl.core.fs.lock"

struct llock {
    int fd;
};

static const char *errno_name(int e)
{
    switch (e) {
    case EEXIST: return "EEXIST";
    case ENOENT: return "ENOENT";
    case EWOULDBLOCK: return "EWOULDBLOCK";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENOTDIR: return "ENOTDIR";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EISDIR: return "EISDIR";
    case EFBIG: return "EFBIG";
    case ENOSPC: return "ENOSPC";
    default: return "EOTHER";
    }
}

static int fail(lua_State *L, const char *what, const char *path, int e)
{
    lua_pushnil(L);
    lua_pushfstring(L, "%s %s: %s", what, path, strerror(e));
    lua_pushstring(L, errno_name(e));
    return 3;
}

static int ok(lua_State *L, const char *what, const char *path, int e)
{
    if (e)
        return fail(L, what, path, e);
    lua_pushboolean(L, 1);
    return 1;
}

// lock | nil, err, code = fs.lock(path [, nonblock])  -- exclusive flock, held until lock:unlock()
static int l_lock(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    int nonblock = lua_toboolean(L, 2);
    struct llock *lk = lua_newuserdata(L, sizeof *lk);
    lk->fd = -1;
    luaL_getmetatable(L, LOCK_MT);
    lua_setmetatable(L, -2);
    int e = hfl_fs_lock(path, nonblock, &lk->fd);
    if (e)
        return fail(L, "cannot lock", path, e);
    return 1;
}

// lock:unlock()
static int lock_unlock(lua_State *L)
{
    struct llock *lk = luaL_checkudata(L, 1, LOCK_MT);
    if (lk->fd >= 0)
        close(lk->fd);
    lk->fd = -1;
    return 0;
}

// path | nil, err = fs.mkdtemp(template)  -- template ends in XXXXXX
static int l_mkdtemp(lua_State *L)
{
    size_t n;
    const char *t = luaL_checklstring(L, 1, &n);
    char *p = malloc(n + 1);
    if (!p)
        return luaL_error(L, "hfl.core.fs: out of memory");
    memcpy(p, t, n + 1);
    if (!mkdtemp(p)) {
        int e = errno;
        free(p);
        return fail(L, "cannot create a directory like", t, e);
    }
    lua_pushstring(L, p);
    free(p);
    return 1;
}

// true | nil, err, code = fs.rename(from, to [, noreplace])
static int l_rename(lua_State *L)
{
    const char *from = luaL_checkstring(L, 1), *to = luaL_checkstring(L, 2);
    int e = hfl_fs_rename(from, to, lua_toboolean(L, 3));
    if (e) {
        lua_pushnil(L);
        lua_pushfstring(L, "cannot rename %s to %s: %s", from, to, strerror(e));
        lua_pushstring(L, errno_name(e));
        return 3;
    }
    lua_pushboolean(L, 1);
    return 1;
}

// true | nil, err = fs.fsync(path)
static int l_fsync(lua_State *L)
{
    const char *p = luaL_checkstring(L, 1);
    return ok(L, "cannot fsync", p, hfl_fs_fsync(p));
}

// hex | nil, err = fs.sha256(path)
static int l_sha256(lua_State *L)
{
    const char *p = luaL_checkstring(L, 1);
    char hex[65] = {0};
    int e = hfl_fs_sha256(p, hex);
    if (e)
        return fail(L, "cannot read", p, e);
    lua_pushstring(L, hex);
    return 1;
}

// true | nil, err = fs.rm_r(path, root)  -- refuses paths not strictly inside root
static int l_rm_r(lua_State *L)
{
    const char *p = luaL_checkstring(L, 1), *root = luaL_checkstring(L, 2);
    return ok(L, "cannot remove", p, hfl_fs_rm_r(p, root));
}

// true | nil, err = fs.mkdir_p(path)
static int l_mkdir_p(lua_State *L)
{
    const char *p = luaL_checkstring(L, 1);
    return ok(L, "cannot create directory", p, hfl_fs_mkdir_p(p));
}

// bytes | nil, err = fs.du(path)
static int l_du(lua_State *L)
{
    const char *p = luaL_checkstring(L, 1);
    long long n;
    int e = hfl_fs_du(p, &n);
    if (e)
        return fail(L, "cannot measure", p, e);
    lua_pushnumber(L, (lua_Number)n);
    return 1;
}

// names | nil, err = fs.list(dir)  -- without "." and "..", unsorted
static int l_list(lua_State *L)
{
    const char *p = luaL_checkstring(L, 1);
    DIR *d = opendir(p);
    if (!d)
        return fail(L, "cannot list", p, errno);
    lua_newtable(L);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        lua_pushstring(L, de->d_name);
        lua_rawseti(L, -2, ++n);
    }
    closedir(d);
    return 1;
}

// st | nil, err, code = fs.stat(path [, follow])  -- {type="file"|"dir"|"link"|"other", size=, mtime=,
// identity=, mode=} (lstat unless follow)
static int l_stat(lua_State *L)
{
    const char *p = luaL_checkstring(L, 1);
    struct stat st;
    if ((lua_toboolean(L, 2) ? stat(p, &st) : lstat(p, &st)) != 0)
        return fail(L, "cannot stat", p, errno);
    lua_createtable(L, 0, 5);
    lua_pushstring(L, S_ISREG(st.st_mode) ? "file" : S_ISDIR(st.st_mode) ? "dir"
                      : S_ISLNK(st.st_mode) ? "link" : "other");
    lua_setfield(L, -2, "type");
    lua_pushnumber(L, (lua_Number)st.st_size);
    lua_setfield(L, -2, "size");
    lua_pushnumber(L, (lua_Number)st.st_mtime);
    lua_setfield(L, -2, "mtime");
    /* changes whenever the file is written, replaced, renamed over or touched: ctime cannot
     * be set back from user space */
    char id[128];
    snprintf(id, sizeof id, "%llu:%llu:%lld:%lld.%09ld:%lld.%09ld", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
             st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
    lua_pushstring(L, id);
    lua_setfield(L, -2, "identity");
    lua_pushinteger(L, (lua_Integer)(st.st_mode & 07777));
    lua_setfield(L, -2, "mode");
    return 1;
}

// pid = fs.pid()
static int l_pid(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)getpid());
    return 1;
}

/* Go's wording of an errno ("no such file or directory"): strerror, lowercased. */
static void push_reason(lua_State *L, int e)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (const char *s = strerror(e); *s; s++)
        luaL_addchar(&b, (char)tolower((unsigned char)*s));
    luaL_pushresult(&b);
}

// text | nil, err, code = fs.read(path, max)  -- err "open PATH: reason" | "read PATH: is a
// directory"; code "EFBIG" when the file holds more than max bytes
static int l_read(lua_State *L)
{
    const char *p = luaL_checkstring(L, 1);
    lua_Number max = luaL_checknumber(L, 2);
    luaL_argcheck(L, max >= 0 && max < 1e15, 2, "a byte count");
    char *buf;
    size_t len;
    int e = hfl_fs_read(p, (size_t)max, &buf, &len);
    if (e) {
        lua_pushnil(L);
        push_reason(L, e);
        const char *why = lua_tostring(L, -1);
        if (e == EISDIR)
            lua_pushfstring(L, "read %s: %s", p, why);
        else if (e == EFBIG)
            lua_pushfstring(L, "%s: file is larger than %f bytes", p, max);
        else
            lua_pushfstring(L, "open %s: %s", p, why);
        lua_remove(L, -2);
        lua_pushstring(L, errno_name(e));
        return 3;
    }
    lua_pushlstring(L, buf, len);
    free(buf);
    return 1;
}

// true | nil, err, code = fs.write_atomic(path, data [, mode [, durable]])
//   mode defaults to 0644; durable (default true) false skips the fsync
static int l_write_atomic(lua_State *L)
{
    const char *p = luaL_checkstring(L, 1);
    size_t len;
    const char *data = luaL_checklstring(L, 2, &len);
    unsigned mode = (unsigned)luaL_optinteger(L, 3, 0644);
    int durable = lua_isnoneornil(L, 4) || lua_toboolean(L, 4);
    const char *step;
    int e = hfl_fs_write_atomic(p, data, len, mode & 07777, durable, &step);
    if (e) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: %s: %s", p, step, strerror(e));
        lua_pushstring(L, errno_name(e));
        return 3;
    }
    lua_pushboolean(L, 1);
    return 1;
}

// paths = fs.glob(pattern)  -- Go's filepath.Glob: sorted, {} when nothing matches
static int l_glob(lua_State *L)
{
    const char *pat = luaL_checkstring(L, 1);
    char **paths;
    size_t n;
    if (hfl_fs_glob(pat, &paths, &n) != 0)
        return luaL_error(L, "hfl.core.fs: out of memory");
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, paths[i]);
        lua_rawseti(L, -2, (int)i + 1);
    }
    hfl_fs_glob_free(paths, n);
    return 1;
}

// dir | nil, err = fs.cwd()  -- as Go's os.Getwd: $PWD when it names the current directory
// (it keeps the symlinked path the user typed), else getcwd(3)
static int l_cwd(lua_State *L)
{
    const char *pwd = getenv("PWD");
    struct stat a, b;
    if (pwd && pwd[0] == '/' && stat(pwd, &a) == 0 && stat(".", &b) == 0
        && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
        lua_pushstring(L, pwd);
        return 1;
    }
    char buf[PATH_MAX];
    if (!getcwd(buf, sizeof buf))
        return fail(L, "cannot read", "the current directory", errno);
    lua_pushstring(L, buf);
    return 1;
}

// bool = fs.executable(path)  -- access(X_OK): what exec would be allowed to run
static int l_executable(lua_State *L)
{
    lua_pushboolean(L, access(luaL_checkstring(L, 1), X_OK) == 0);
    return 1;
}

// bool = fs.isatty(fd)
static int l_isatty(lua_State *L)
{
    lua_pushboolean(L, isatty((int)luaL_checkinteger(L, 1)) == 1);
    return 1;
}

// path | nil, err = fs.realpath(path)  -- realpath(3): absolute, every symlink resolved
static int l_realpath(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    char buf[PATH_MAX];
    if (!realpath(path, buf))
        return fail(L, "cannot resolve", path, errno);
    lua_pushstring(L, buf);
    return 1;
}

static const luaL_Reg funcs[] = {
    {"lock", l_lock}, {"mkdtemp", l_mkdtemp}, {"rename", l_rename}, {"fsync", l_fsync},
    {"sha256", l_sha256}, {"rm_r", l_rm_r}, {"mkdir_p", l_mkdir_p}, {"du", l_du},
    {"list", l_list}, {"stat", l_stat}, {"pid", l_pid}, {"read", l_read},
    {"write_atomic", l_write_atomic}, {"glob", l_glob}, {"cwd", l_cwd}, {"isatty", l_isatty},
    {"executable", l_executable}, {"realpath", l_realpath},
    {NULL, NULL},
};

int luaopen_hfl_core_fs(lua_State *L)
{
    if (luaL_newmetatable(L, LOCK_MT)) {
        lua_pushcfunction(L, lock_unlock);
        lua_setfield(L, -2, "__gc");
        lua_newtable(L);
        lua_pushcfunction(L, lock_unlock);
        lua_setfield(L, -2, "unlock");
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    lua_newtable(L);
    luaL_register(L, NULL, funcs);
    return 1;
}
