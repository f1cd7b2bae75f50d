--- hfl.fs: paths and files, the one place domain code touches the file system (over the C
--- module hfl.core.fs). Paths follow Go's path/filepath rules, as Helmfile's do; reads are
--- bounded; writes are atomic.
--
--   local fs = require "hfl.fs"
--   local text, err = fs.read(fs.join(dir, "values.yaml"))       -- nil, "open …: …" on failure
--   local ok, err = fs.write_atomic(path, text)                  -- old file or new, never a part
--   for _, p in ipairs(fs.glob(dir .. "/helmfile.d/*.yaml")) do … end
--
-- Expected failures return `nil, message, code` (code: "ENOENT", "EISDIR", "EFBIG",
-- "EEXIST", "EWOULDBLOCK", "EPERM", "EACCES", "ENOTDIR", "ENOSPC", … "EOTHER"); misuse
-- (a non-string path) raises.
local core = require("hfl.core").fs

local M = {}

--- Bytes `read` accepts by default: 64 MiB. Helm and Helmfile set no limit on values or state
--- files; the largest real ones are a few MiB (a big repository index.yaml is ~20 MiB), so this
--- only stops a mistake (a glob catching a log, `-f /dev/zero`) before it eats the memory.
M.MAX_READ = 64 * 1024 * 1024

------------------------------------------------------------------------------------------
-- Paths (pure string functions: they never touch the file system)

--- Go's filepath.Clean: "." and ".." folded, repeated and trailing slashes dropped; "" → ".".
---@param p string
---@return string
function M.clean(p)
  if p == "" then return "." end
  local rooted = p:sub(1, 1) == "/"
  local parts = {}
  for seg in p:gmatch("[^/]+") do
    if seg == ".." then
      if #parts > 0 and parts[#parts] ~= ".." then
        parts[#parts] = nil
      elseif not rooted then
        parts[#parts + 1] = ".."
      end
    elseif seg ~= "." then
      parts[#parts + 1] = seg
    end
  end
  local out = table.concat(parts, "/")
  if rooted then out = "/" .. out end
  return out == "" and "." or out
end

--- Whether p is absolute.
---@param p string
---@return boolean
function M.is_abs(p) return p:sub(1, 1) == "/" end

--- p resolved against dir, cleaned: p itself (cleaned) when absolute or when dir is nil or "".
---@param dir string|nil
---@param p string
---@return string
function M.join(dir, p)
  if M.is_abs(p) or not dir or dir == "" then return M.clean(p) end
  return M.clean(dir .. "/" .. p)
end

--- Everything before the last slash: "." when there is none, "/" for a file in the root.
---@param p string
---@return string
function M.dirname(p)
  local d = p:match("^(.*)/[^/]*$")
  if d == nil then return "." end
  if d == "" then return "/" end
  return d
end

--- Everything after the last slash ("" for a path ending in one).
---@param p string
---@return string
function M.basename(p) return (p:match("([^/]*)$")) end

--- The last extension with its dot, "" when none (Go's filepath.Ext).
---@param p string
---@return string
function M.ext(p) return M.basename(p):match("(%.[^.]*)$") or "" end

--- Whether a pattern has glob metacharacters (`*`, `?`, `[`, `\`).
---@param p string
---@return boolean
function M.has_meta(p) return p:find("[%*%?%[\\]") ~= nil end

------------------------------------------------------------------------------------------
-- The process and the file system

--- The current directory as Go's os.Getwd gives it: $PWD when it names it, else getcwd(3);
--- "." when neither can be had (the directory was removed).
---@return string
function M.cwd()
  return core.cwd() or os.getenv("PWD") or "."
end

--- The path with every symlink resolved (realpath(3)), or nil, err when it does not exist.
---@param path string
---@return string|nil path, string|nil err
function M.realpath(path) return core.realpath(path) end

--- p made absolute against base (default: the current directory; a relative base is taken
--- against it too), cleaned. Like Go's filepath.Abs, it does not resolve symlinks.
---@param p string
---@param base string|nil
---@return string
function M.abs(p, base)
  if M.is_abs(p) then return M.clean(p) end
  if not base or base == "" then base = M.cwd() end
  if not M.is_abs(base) then base = M.cwd() .. "/" .. base end
  return M.clean(base .. "/" .. p)
end

--- stat(2) (following symlinks; `lstat` does not): {type = "file"|"dir"|"link"|"other",
--- size =, mtime =, identity =, mode = permission bits}, or nil, err, code. identity is a string
--- that changes whenever the file is written, replaced or touched (device, inode, size, mtime and
--- ctime in ns).
---@param path string
---@return table|nil st, string|nil err, string|nil code
function M.stat(path) return core.stat(path, true) end

--- lstat(2): as `stat`, but a symlink is reported as type "link".
---@param path string
---@return table|nil st, string|nil err, string|nil code
function M.lstat(path) return core.stat(path, false) end

--- Whether something exists at path (a dangling symlink does not).
---@param path string
---@return boolean
function M.exists(path) return core.stat(path, true) ~= nil end

--- "dir" for a directory, "file" for anything else that exists (regular files, and devices or
--- pipes, which `read` bounds), nil when nothing is there. Follows symlinks.
---@param path string
---@return "file"|"dir"|nil
function M.kind(path)
  local st = core.stat(path, true)
  if not st then return nil end
  return st.type == "dir" and "dir" or "file"
end

--- Whether path is a file this process may execute (access(2) X_OK; directories are not).
---@param path string
---@return boolean
function M.is_executable(path)
  return core.executable(path) and M.kind(path) == "file"
end

--- Whether path is a directory (following symlinks).
---@param path string
---@return boolean
function M.is_dir(path) return M.kind(path) == "dir" end

local function size_text(n)
  if n >= 1024 * 1024 and n % (1024 * 1024) == 0 then return ("%d MiB"):format(n / (1024 * 1024)) end
  if n >= 1024 and n % 1024 == 0 then return ("%d KiB"):format(n / 1024) end
  return ("%d bytes"):format(n)
end

--- The whole file, at most opts.max bytes (default M.MAX_READ). Pipes and devices are read up
--- to the bound, never waited on for a writer; a FIFO nobody writes to reads as "".
---@param path string
---@param opts? {max?: integer}
---@return string|nil text, string|nil err, string|nil code  err: "open PATH: no such file or
--- directory", "read PATH: is a directory", "PATH: file is larger than 64 MiB (…)"
function M.read(path, opts)
  if type(path) ~= "string" then error("hfl.fs.read: path must be a string", 2) end
  local max = opts and opts.max or M.MAX_READ
  local text, err, code = core.read(path, max)
  if text then return text end
  if code == "EFBIG" then
    err = ("%s: file is larger than %s, the most hfl reads of one file (is it the right file?)")
      :format(path, size_text(max))
  end
  return text, err, code
end

--- The first n bytes of a file (fewer when it is shorter), or nil, err.
---@param path string
---@param n integer
---@return string|nil bytes, string|nil err
function M.read_prefix(path, n)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local bytes = f:read(n) or ""
  f:close()
  return bytes
end

--- The reason in an error from `read` as strerror(3) words it ("No such file or directory"),
--- for messages that name the file their own way.
---@param err string
---@return string
function M.strerror(err)
  return ((err:match(": ([^:]*)$") or err):gsub("^%l", string.upper))
end

--- Replaces path with data so that readers see the old file or the new one, never a part:
--- written to a unique temp file (mkstemp) in path's directory, every write checked, fsync,
--- renamed over path. On failure path is untouched and no temp file is left. durable = false
--- skips the fsync, for temporary files that need not survive a crash (it costs about a
--- millisecond per file on ext4).
---@param path string
---@param data string
---@param opts? {mode?: integer, durable?: boolean}  mode default 420 (0644), durable true
---@return true|nil ok, string|nil err, string|nil code  err: "PATH: cannot write: reason" (or
--- "PATH: cannot create a temporary file: reason")
function M.write_atomic(path, data, opts)
  return core.write_atomic(path, data, opts and opts.mode, not opts or opts.durable ~= false)
end

--- mkdir -p (mode 0755).
---@param path string
---@return true|nil ok, string|nil err, string|nil code
function M.mkdir_p(path) return core.mkdir_p(path) end

--- The names in a directory (without "." and ".."), sorted bytewise; nil, err when it cannot
--- be listed.
---@param dir string
---@return string[]|nil names, string|nil err, string|nil code
function M.list(dir)
  local names, err, code = core.list(dir)
  if not names then return nil, err, code end
  table.sort(names)
  return names
end

--- Paths matching a glob pattern, as Go's filepath.Glob (which Helmfile uses for
--- helmfile.d/, values and bases globs): `*` and `?` match a leading dot too, never "/";
--- `[…]` classes; `\` escapes; "." and ".." never match; unreadable directories are
--- skipped; sorted bytewise; {} when nothing matches.
---@param pattern string
---@return string[]
function M.glob(pattern) return core.glob(pattern) end

--- Lowercase hex sha256 of a string.
---@param s string
---@return string
local HEX32 = ("%02x"):rep(32)
function M.sha256_hex(s)
  local raw = require("hfl.core").crypto.digest("sha256", s)
  return HEX32:format(raw:byte(1, 32))
end

--- Lowercase hex sha256 of a file's bytes (read in chunks: any size).
---@param path string
---@return string|nil hex, string|nil err, string|nil code
function M.sha256_file(path) return core.sha256(path) end

--- rm -r that never follows symlinks and refuses (code "EPERM") unless path lies strictly
--- inside root. A missing path is not an error.
---@param path string
---@param root string
---@return true|nil ok, string|nil err, string|nil code
function M.rm_r(path, root) return core.rm_r(path, root) end

--- The directory for temporary files: $TMPDIR, else /tmp.
---@return string
function M.tmpdir()
  local d = os.getenv("TMPDIR")
  if d == nil or d == "" then return "/tmp" end
  return d
end

--- Creates a new directory from a template ending in XXXXXX (mkdtemp(3)); a bare name
--- prefix ("hfl-chart-XXXXXX") is placed in M.tmpdir().
---@param template string
---@return string|nil path, string|nil err, string|nil code
function M.mkdtemp(template)
  if not template:find("/", 1, true) then template = M.tmpdir() .. "/" .. template end
  return core.mkdtemp(template)
end

--- rename(2); with noreplace, fails with code "EEXIST" instead of replacing a target.
---@return true|nil ok, string|nil err, string|nil code
function M.rename(from, to, noreplace) return core.rename(from, to, noreplace) end

--- Removes one file (not a directory); a missing file is not an error.
---@param path string
---@return true|nil ok, string|nil err
function M.remove(path)
  local ok, err = os.remove(path)
  if ok or not M.lstat(path) then return true end
  return nil, err
end

--- fsync(2) of a file or directory.
---@return true|nil ok, string|nil err, string|nil code
function M.fsync(path) return core.fsync(path) end

--- An exclusive flock on path (created); with nonblock, fails with code "EWOULDBLOCK"
--- instead of waiting. The lock is held until lock:unlock() or collection.
---@return table|nil lock, string|nil err, string|nil code
function M.lock(path, nonblock) return core.lock(path, nonblock) end

--- Bytes of the regular files under path (symlinks not followed).
---@return number|nil bytes, string|nil err
function M.du(path) return core.du(path) end

--- This process's id.
---@return integer
function M.pid() return core.pid() end

--- Whether file descriptor fd (1 stdout, 2 stderr) is a terminal.
---@param fd integer
---@return boolean
function M.isatty(fd) return core.isatty(fd) end

return M
