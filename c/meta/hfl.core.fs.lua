---@meta
-- Editor stub for the C module hfl.core.fs (c/l_fs.c, c/fs.c). Failures return
-- nil, message, code ("EEXIST", "ENOENT", "EWOULDBLOCK", "EPERM", "EACCES", "ENOTDIR",
-- "ENOTEMPTY", "EOTHER").

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

--- lstat(2)
---@return table|nil st { type = "file"|"dir"|"link"|"other", size =, mtime = }, string? err
function fs.stat(path) end

---@return integer
function fs.pid() end

return fs
