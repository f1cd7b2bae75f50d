--- hfl.unittest.snapshot: helm-unittest's snapshot files — `__snapshot__/<suite file>.snap`
--- beside a suite, a map of test name → numbered snapshots (each the go-yaml text of what a
--- matchSnapshot assertion saw, numbered per test in the order the assertions compare).
---
--- As the plugin without `-u`: a snapshot that exists must match; one that does not is
--- recorded, and the file is rewritten when snapshots were recorded or vanished (tests gone).
--- Files in hfl's chart cache are never written (a cache entry is never changed).
local fs = require "hfl.fs"
local value = require "hfl.value"
local yaml = require "hfl.yaml"
local messages = require "hfl.unittest.messages"

local M = {}

local fmt = string.format

local Cache = {}
Cache.__index = Cache

--- The snapshot file of a suite file.
---@param suite_file string
---@return string
function M.file_of(suite_file)
  return fs.dirname(suite_file) .. "/__snapshot__/" .. fs.basename(suite_file) .. ".snap"
end

--- Whether the path, symlinks resolved, is inside root (symlinks resolved), and its real path.
---@param path string
---@param root string
---@return boolean inside, string real
function M.inside(path, root)
  local rdir, rroot = fs.realpath(path), fs.realpath(root)
  if not (rdir and rroot) then return false, rdir or path end
  return rdir == rroot or rdir:sub(1, #rroot + 1) == rroot .. "/", rdir
end

--- Opens the snapshots of a suite file (none yet when the file does not exist).
---@param suite_file string  absolute path
---@param shown string  the snapshot file as messages name it
---@param root? string  the chart directory: a snapshot file resolving outside it is an error
---@return table|nil cache, string|nil err
function M.open(suite_file, shown, root)
  local file = M.file_of(suite_file)
  local cache = setmetatable({ file = file, shown = shown, cached = {}, current = {},
    inserted = 0, updated = 0, total = 0 }, Cache)
  if not fs.exists(file) then return cache end
  if root then
    -- a symlink to ~/.kube/config would be read, and shown in a failed comparison's diff
    local ok, real = M.inside(file, root)
    if not ok then
      return nil, fmt("%s resolves to %s, outside the chart %s (a symlink?): not read", shown, real, root)
    end
  end
  local doc, err = yaml.load_file(file)
  if doc == nil or err then return nil, err end
  if value.is_null(doc) then return cache end
  if value.kind(doc) ~= "map" then return nil, fmt("%s: a snapshot file is a map of test names", shown) end
  for test, snaps in pairs(doc) do
    local t = {}
    if value.kind(snaps) == "map" then
      for idx, s in pairs(snaps) do t[tostring(idx)] = tostring(s) end
    end
    cache.cached[tostring(test)] = t
  end
  return cache
end

local function matches(pattern, text)
  local re, err = require("hfl.regex").compile(pattern)
  if not re then return nil, err end
  return re:exec(text) ~= nil
end

--- Compares content with snapshot number idx of a test (helm-unittest's Cache.Compare).
---@param test string
---@param idx integer
---@param content any
---@param opts? {match?: string, not_match?: string}  regex checks instead of equality
---@return table result {passed=, index=, cached=, new=, msg=, err=}
function Cache:compare(test, idx, content, opts)
  opts = opts or {}
  self.total = self.total + 1
  local key = tostring(idx)
  local cached = (self.cached[test] or {})[key]
  if cached == nil then self.inserted = self.inserted + 1 end
  local new = messages.to_yaml(content)
  local passed, msg, err = true, nil, nil
  if opts.match or opts.not_match then
    if opts.match then
      passed, err = matches(opts.match, new)
      if passed == false then msg = fmt(" pattern '%s' not found in snapshot", opts.match) end
    end
    if opts.not_match and passed then
      local hit
      hit, err = matches(opts.not_match, new)
      if hit then passed, msg = false, fmt(" pattern '%s' should not be in snapshot", opts.not_match) end
    end
  elseif cached ~= nil and cached ~= new then
    passed = false
    self.updated = self.updated + 1
  end
  self.current[test] = self.current[test] or {}
  self.current[test][key] = cached ~= nil and cached or new
  return { passed = passed ~= false and not err, index = idx, cached = cached or "", new = new, msg = msg, err = err }
end

--- A comparer for one test: numbers its comparisons from 1.
---@param test string
---@return fun(content: any, opts?: table): table
function Cache:comparer(test)
  local n = 0
  return function(content, opts)
    n = n + 1
    return self:compare(test, n, content, opts)
  end
end

--- Snapshots of the file that no test compared this run.
---@return integer
function Cache:vanished()
  local n = 0
  for test, snaps in pairs(self.cached) do
    for key in pairs(snaps) do
      if not (self.current[test] and self.current[test][key]) then n = n + 1 end
    end
  end
  return n
end

--- The counts the summary shows: {total=, failed=, created=, vanished=}.
function Cache:counts()
  return { total = self.total, failed = self.updated, created = self.inserted, vanished = self:vanished() }
end

-- The file as go-yaml writes map[string]map[uint]string: keys sorted, the numbers bare.
local function encode(current)
  local doc = value.map()
  for test, snaps in pairs(current) do
    local m = value.map()
    for key, s in pairs(snaps) do m[key] = s end
    doc[test] = m
  end
  local text = yaml.encode(doc)
  return (text:gsub('\n  "(%d+)":', "\n  %1:"))
end

--- Writes the file when snapshots were recorded or vanished (not in a read-only place). With
--- `root`, the file's directory must resolve inside it: a chart whose `__snapshot__` (or suite
--- directory) is a symlink to somewhere else gets an error, and nothing is written there.
---@param writable boolean
---@param root? string  the chart directory
---@return boolean|nil written, string|nil err
function Cache:store(writable, root)
  if self.inserted == 0 and self:vanished() == 0 then return false end
  if not writable then return false end
  local dir = fs.dirname(self.file)
  local ok, err, real
  -- the suite's directory first, so no __snapshot__ is made outside either
  for _, d in ipairs(root and { fs.dirname(dir), dir } or {}) do
    if d == dir then
      ok, err = fs.mkdir_p(dir)
      if not ok then return nil, fmt("%s: %s", self.shown, err) end
    end
    ok, real = M.inside(d, root)
    if not ok then
      return nil, fmt("%s: %s resolves to %s, outside the chart %s (a symlink?): not written",
        self.shown, d, real, root)
    end
  end
  ok, err = fs.mkdir_p(dir)
  if not ok then return nil, fmt("%s: %s", self.shown, err) end
  ok, err = fs.write_atomic(self.file, encode(self.current))
  if not ok then return nil, fmt("%s: %s", self.shown, err) end
  return true
end

return M
