---@meta
-- Editor stub for the C module hfl.core.fs (c/l_fs.c, c/fs.c). Domain code uses hfl.fs.
-- Failures return nil, message, code ("EEXIST", "ENOENT", "EWOULDBLOCK", "EPERM", "EACCES",
-- "ENOTDIR", "ENOTEMPTY", "EISDIR", "EFBIG", "ENOSPC", "EOTHER").

---@class hfl.core.fs
local fs = {}

---@class hfl.core.fs.Lock
local Lock = {}
--- Releases the lock (also when collected).
function Lock:unlock() end

--- Exclusive flock on path (created); nonblock: fail with "EWOULDBLOCK" instead of waiting.
---@return hfl.core.fs.Lock|nil lock, string? err, string? code
function fs.lock(path, nonblock) end

---@param template string  ending in XXXXXX
---@return string|nil path, string? err
function fs.mkdtemp(template) end

--- rename(2); noreplace: fail with "EEXIST" instead of replacing.
---@return true|nil ok, string? err, string? code
function fs.rename(from, to, noreplace) end

---@return true|nil ok, string? err
function fs.fsync(path) end

---@return string|nil hex, string? err
function fs.sha256(path) end

--- rm -r without following symlinks; refuses ("EPERM") unless path is strictly inside root.
---@return true|nil ok, string? err, string? code
function fs.rm_r(path, root) end

---@return true|nil ok, string? err
function fs.mkdir_p(path) end

---@return number|nil bytes, string? err
function fs.du(path) end

---@return string[]|nil names, string? err
function fs.list(dir) end

--- lstat(2), or stat(2) with follow
---@param path string
---@param follow? boolean
---@return table|nil st { type = "file"|"dir"|"link"|"other", size =, mtime = }, string? err
function fs.stat(path, follow) end

--- The whole file, at most max bytes: "EFBIG" past it (a regular file by its size, before
--- reading), "EISDIR" for a directory; a FIFO without a writer reads as "".
---@param path string
---@param max number
---@return string|nil text, string? err, string? code
function fs.read(path, max) end

--- mkstemp in path's directory, every write checked, fsync (unless durable is false),
--- chmod mode (default 0644), rename over path. On failure path is untouched and no temp
--- file remains.
---@param path string
---@param data string
---@param mode? integer
---@param durable? boolean
---@return true|nil ok, string? err, string? code
function fs.write_atomic(path, data, mode, durable) end

--- glob(3) as Go's filepath.Glob: `*` matches a leading dot, no "." / "..", sorted bytewise.
---@param pattern string
---@return string[]
function fs.glob(pattern) end

--- $PWD when it names the current directory, else getcwd(3).
---@return string|nil dir, string? err
function fs.cwd() end

--- realpath(3): the absolute path with every symlink resolved.
---@param path string
---@return string|nil path, string|nil err
function fs.realpath(path) end

---@param fd integer
---@return boolean
function fs.isatty(fd) end

--- access(2) X_OK.
---@param path string
---@return boolean
function fs.executable(path) end

---@return integer
function fs.pid() end

return fs
