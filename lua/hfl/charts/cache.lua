--- hfl.charts.cache: the download cache shared by every hfl process on the machine.
--
-- An entry is a directory keyed by the full source string (URL with its query, chart, version,
-- digest): `<root>/entries/<sha256(key)[1..32]>/`, holding what the fill function produced plus
-- `.hfl-entry` (the key without credentials: hfl.redact). It is safe under concurrency:
--   * within a process, single-flight: callers wanting a key being filled wait for that fill;
--   * across processes, an flock on `<root>/locks/<id>.lock`, and a check again once it is held;
--   * the fill writes into `<root>/tmp/<id>.<pid>.XXXXXX/`, is verified, and is renamed into
--     place (never replacing anything), so an entry is visible only complete;
--   * an entry is never deleted or replaced during a run: only cleanup() removes entries.
-- A process killed mid-fill leaves a temp directory and no entry; the next holder of that
-- key's lock removes such leftovers (the lock proves their owner is gone).
--
--   local dir, err = cache.get(url, function(tmp)
--     local res, e = http.get(url, { output = tmp .. "/chart.tgz", fail = true })
--     return res ~= nil, e
--   end)
local fs = require "hfl.fs"
local proc = require "hfl.proc"
local redact = require "hfl.redact"


local M = {}

--- Seconds to wait for another process's lock on an entry before giving up.
M.LOCK_TIMEOUT = 900
--- The marker file inside every entry (its first line is the key).
M.MARKER = ".hfl-entry"

--- The cache root: $HFL_CACHE_HOME, else Helmfile's $HELMFILE_CACHE_HOME (so an existing
--- Helmfile setup keeps its cache location), else $XDG_CACHE_HOME/hfl, else ~/.cache/hfl.
---@return string
function M.root()
  for _, name in ipairs { "HFL_CACHE_HOME", "HELMFILE_CACHE_HOME" } do
    local env = os.getenv(name)
    if env and env ~= "" then return env end
  end
  local env = os.getenv("XDG_CACHE_HOME")
  if env and env ~= "" then return env .. "/hfl" end
  return (os.getenv("HOME") or "/tmp") .. "/.cache/hfl"
end

--- The entry id of a key: the first 32 hex digits of its sha256.
---@param key string
---@return string
function M.id(key)
  return fs.sha256_hex(key):sub(1, 32)
end

local function complete(entry)
  local st = fs.lstat(entry .. "/" .. M.MARKER)
  return st ~= nil and st.type == "file"
end

--- The entry directory of key and whether it exists (complete) now.
---@param key string
---@param opts table|nil { root = dir }
---@return string path, boolean exists
function M.path(key, opts)
  local entry = ((opts and opts.root) or M.root()) .. "/entries/" .. M.id(key)
  return entry, complete(entry)
end

local function ensure_dirs(root)
  for _, d in ipairs { "/entries", "/locks", "/tmp" } do
    local ok, err = fs.mkdir_p(root .. d)
    if not ok then return nil, "cache: " .. err .. " (is the cache directory writable? "
      .. "set HFL_CACHE_HOME)" end
  end
  return true
end

-- Takes the entry's lock, polling so that the other tasks of this process keep running.
local function lock(root, id, timeout)
  local path = ("%s/locks/%s.lock"):format(root, id)
  local deadline, delay = proc.now() + timeout, 0.005
  while true do
    local lk, err, code = fs.lock(path, true)
    if lk then return lk end
    if code ~= "EWOULDBLOCK" then return nil, "cache: " .. err end
    if proc.now() > deadline then
      return nil, ("cache: %s is locked by another process for more than %ds (is an hfl "
        .. "process stuck? stop it, or raise the lock timeout)"):format(path, timeout)
    end
    proc.sleep(delay)
    delay = math.min(delay * 2, 0.1)
  end
end

-- Removes what killed fills of this id left in tmp/ (we hold the id's lock, so they are dead).
local function remove_leftovers(root, id)
  local prefix = id .. "."
  for _, name in ipairs(fs.list(root .. "/tmp") or {}) do
    if name:sub(1, #prefix) == prefix then fs.rm_r(root .. "/tmp/" .. name, root .. "/tmp") end
  end
end

local function write_marker(dir, key)
  local path = dir .. "/" .. M.MARKER
  return fs.write_atomic(path, redact.text(key) .. "\n")  -- a file users read: no credentials
end

local function fill_entry(root, id, key, entry, fill, opts)
  local ok, err = ensure_dirs(root)
  if not ok then return nil, err end
  local lk
  lk, err = lock(root, id, opts.lock_timeout or M.LOCK_TIMEOUT)
  if not lk then return nil, err end
  if complete(entry) then
    lk:unlock()
    return entry
  end
  remove_leftovers(root, id)
  local tmp
  tmp, err = fs.mkdtemp(("%s/tmp/%s.%d.XXXXXX"):format(root, id, fs.pid()))
  if not tmp then
    lk:unlock()
    return nil, "cache: " .. err
  end
  local res = { pcall(fill, tmp) }
  if res[1] then
    ok, err = res[2], res[3]
    if ok and opts.verify then ok, err = opts.verify(tmp) end
    if ok then ok, err = write_marker(tmp, key) end
    if ok then ok, err = fs.fsync(tmp) end
    if ok then
      local code
      ok, err, code = fs.rename(tmp, entry, true)
      if not ok and (code == "EEXIST" or code == "ENOTEMPTY") and complete(entry) then
        ok, err = true, nil  -- someone filled it without the lock: theirs stays
      elseif not ok then
        err = "cache: " .. err .. " (something that is no complete entry is in the way: run "
          .. "`hfl cache cleanup`)"
      end
      if ok then fs.fsync(root .. "/entries") end
    end
    if not ok and not err then err = "cache: the download for " .. redact.text(key) .. " failed" end
  end
  fs.rm_r(tmp, root .. "/tmp")
  lk:unlock()
  if not res[1] then error(res[2], 0) end
  if not ok then return nil, err end
  return entry
end

--- The entry directory for key, filled by fill(tmpdir) when it does not exist yet.
--- fill writes the entry's files into tmpdir and returns true | nil, err; opts.verify(tmpdir)
--- may refuse the result. Concurrent callers (tasks of this process, other processes) wait
--- for the one fill; an existing entry is returned as it is.
---@param key string  the full source (URL with query string, chart, version, digest)
---@param fill fun(tmpdir: string): (boolean|nil, string|nil)
---@param opts table { session = hfl.Session, verify = fn(tmpdir) → true | nil, err, root = dir, lock_timeout = s }
---@return string|nil path, string|nil err  err is fill's or verify's message, or the cache's
function M.get(key, fill, opts)
  if type(key) ~= "string" or key == "" then error("hfl.charts.cache.get: key must be a string", 2) end
  if type(fill) ~= "function" then error("hfl.charts.cache.get: fill must be a function", 2) end
  if not (opts and opts.session) then error("hfl.charts.cache.get: opts.session is required", 2) end
  local root = opts.root or opts.session.cache_root or M.root()
  local id = M.id(key)
  local entry = root .. "/entries/" .. id
  if complete(entry) then return entry end
  -- Tasks of this session wanting the entry being filled wait for that fill (a second flock
  -- from this process would only poll against our own lock).
  return opts.session:in_flight("cache fill", root .. "\0" .. key, function()
    return fill_entry(root, id, key, entry, fill, opts)
  end)
end

local KEY_MAX = 1024 * 1024  -- a marker holds one key: a source URL and a version

local function read_key(entry)
  local text = fs.read(entry .. "/" .. M.MARKER, { max = KEY_MAX })
  return text and redact.text(text:match("^[^\n]*"))  -- entries written before markers were redacted
end

--- What the cache holds.
---@param opts table|nil { root = dir }
---@return table info { root =, entries = { { key =, path =, size = } … } (sorted by key), size = }
function M.info(opts)
  local root = (opts and opts.root) or M.root()
  local info = { root = root, entries = {}, size = 0 }
  for _, id in ipairs(fs.list(root .. "/entries") or {}) do
    local path = root .. "/entries/" .. id
    local key = read_key(path)
    if key then
      local size = fs.du(path) or 0
      info.entries[#info.entries + 1] = { key = key, path = path, size = size }
      info.size = info.size + size
    end
  end
  table.sort(info.entries, function(a, b) return a.key < b.key end)
  return info
end

--- Removes every entry (each under its lock: a fill in progress finishes first) and the
--- leftovers of killed fills. Processes running now may lose entries they are using: run it
--- when no hfl is working.
---@param opts table|nil { root = dir }
---@return table removed  the keys (or temp names) removed
---@return string|nil err  the first failure, if any
function M.cleanup(opts)
  local root = (opts and opts.root) or M.root()
  local removed, first = {}, nil
  local tmpdir = root .. "/tmp"
  fs.mkdir_p(tmpdir)
  for _, id in ipairs(fs.list(root .. "/entries") or {}) do
    local path = root .. "/entries/" .. id
    local key = read_key(path) or id
    local lk, err = lock(root, id, (opts and opts.lock_timeout) or M.LOCK_TIMEOUT)
    if lk then
      -- moved into a fresh directory first (a unique name, even after a crashed cleanup), so
      -- the entry vanishes at once and is removed at leisure
      local gone, e = fs.mkdtemp(("%s/%s.cleanup-XXXXXX"):format(tmpdir, id))
      local ok = gone ~= nil
      if ok then ok, e = fs.rename(path, gone .. "/entry", true) end
      if gone then
        local rm_ok, rm_err = fs.rm_r(gone, tmpdir)
        if ok then ok, e = rm_ok, rm_err end
      end
      lk:unlock()
      if ok then removed[#removed + 1] = key else first = first or e end
    else
      first = first or err
    end
  end
  for _, name in ipairs(fs.list(tmpdir) or {}) do
    local id = name:match("^(%x+)%.")
    local lk = id and fs.lock(("%s/locks/%s.lock"):format(root, id), true)
    if lk then
      fs.rm_r(tmpdir .. "/" .. name, tmpdir)
      lk:unlock()
      removed[#removed + 1] = "tmp/" .. name
    end
  end
  return removed, first
end

--- Removes the stored repository indexes (revalidated copies, see hfl.charts.repo).
---@param opts table|nil { root = dir }
---@return string[] removed  the index file names
function M.cleanup_indexes(opts)
  local dir = ((opts and opts.root) or M.root()) .. "/indexes"
  local removed = {}
  for _, name in ipairs(fs.list(dir) or {}) do
    if name:match("%.yaml$") then removed[#removed + 1] = name end
    fs.rm_r(dir .. "/" .. name, dir)
  end
  return removed
end

return M
