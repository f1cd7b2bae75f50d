--- Git sources (go-getter syntax, as Helmfile's remote helmfiles and git charts use it):
---   git::https://host/org/repo.git@path/to/file?ref=v1.2.3
---   git::file:///abs/repo@sub/dir?ref=main
--- fetched with libgit2 (hfl.git) into a cache entry keyed by the repository and ref.
local fs = require "hfl.fs"
local redact = require "hfl.redact"

local M = {}

local function unescape(s)
  return (s:gsub("+", " "):gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

local function parse_query(q)
  local out, order = {}, {}
  for part in (q or ""):gmatch("[^&]+") do
    local k, v = part:match("^([^=]*)=?(.*)$")
    k = unescape(k)
    if out[k] == nil then order[#order + 1] = k end
    out[k] = unescape(v)
  end
  return out, order
end

--- True when `s` uses go-getter syntax that names a getter (`git::…`, `s3::…`).
---@param s string
---@return boolean
function M.is_getter(s)
  return type(s) == "string" and s:match("^%a[%w]*::%a[%w+.-]*://") ~= nil
end

--- Parses a go-getter source the way Helmfile's remote.Parse does.
---@param src string
---@return table|nil source {getter=, scheme=, user=, host=, dir=, file=, query={}, raw_query=, repo_url=, ref=}, string|nil err
function M.parse(src)
  local getter, rest = src:match("^([%w]+)::(.*)$")
  if not getter then
    rest = src
    if not src:find("://", 1, true) then
      return nil, "parse url: missing scheme - probably this is a local file path? " .. src
    end
  end
  if rest:sub(1, 1) == "/" then
    return nil, "parse url: local absolute path is not a remote URL: " .. rest
  end
  local scheme, after = rest:match("^(%a[%w+.-]*)://(.*)$")
  if not scheme then return nil, "parse url: missing scheme - probably this is a local file path? " .. src end
  local raw_query = after:match("%?(.*)$") or ""
  after = after:gsub("%?.*$", "")
  local authority, path = after:match("^([^/]*)(.*)$")
  local user, host = authority:match("^(.*)@(.*)$")
  if not user then user, host = nil, authority end
  local dir, file
  local a, b = path:match("^(.-)@(.*)$")
  if a and not b:find("@", 1, true) then
    dir, file = a, b
  else
    dir, file = path:match("^(.*)/([^/]*)$")
    dir, file = dir or "", file or path
  end
  local query, order = parse_query(raw_query)
  local s = {
    getter = getter or "normal", scheme = scheme:lower(), user = user, host = host,
    dir = dir:gsub("^/", ""), file = file, query = query, query_order = order, raw_query = raw_query,
    ref = query.ref,
  }
  local base = s.scheme .. "://" .. (user and (user .. "@") or "") .. host
  s.repo_url = base .. "/" .. s.dir
  return s
end

--- The cache key of a source: repository, ref and every other query parameter except
--- `cache` (so two refs or two depths never share an entry).
---@param s table  from M.parse
---@return string
function M.key(s)
  local parts = {}
  local keys = {}
  for _, k in ipairs(s.query_order) do if k ~= "cache" then keys[#keys + 1] = k end end
  table.sort(keys)
  for _, k in ipairs(keys) do parts[#parts + 1] = k .. "=" .. s.query[k] end
  return "git:" .. s.repo_url .. "?" .. table.concat(parts, "&")
end

local function rm_rf(path)
  fs.rm_r(path, path:match("^(.*)/[^/]+$") or ".")
end

--- Fetches the repository at the source's ref into `dir` (work tree only, no .git).
---@param s table  from M.parse
---@param dir string  an empty or missing directory
---@return string|nil commit, string|nil err
function M.checkout_into(s, dir)
  local core = require "hfl.git"
  local proc = require "hfl.proc"
  local gitdir = dir .. ".gitdir"
  -- libgit2 blocks: it runs on a thread of its own while this task sleeps, so downloads and
  -- children of other tasks go on.
  local commit, err
  local job, jerr = core.start(s.repo_url, s.ref or "", gitdir, dir)
  if job then
    local wait = 0.002
    while not job:done() do
      proc.sleep(wait)
      wait = math.min(wait * 2, 0.05)
    end
    commit, err = job:result()
  else
    commit, err = core.checkout(s.repo_url, s.ref or "", gitdir, dir)
    if not commit and jerr then err = err or jerr end
  end
  rm_rf(gitdir)
  if not commit then return nil, err end
  rm_rf(dir .. "/.git")
  return commit
end

--- Fetches a go-getter git source through the cache and returns the local path of its
--- `@sub/path` (the repository root when there is none).
---@param src string
---@param opts table  {session=hfl.Session, skip_cache=bool}
---@return table|nil result {path=, root=, commit=, source=}, string|nil err
function M.fetch(src, opts)
  if not (opts and opts.session) then error("hfl.charts.git.fetch: opts.session is required", 2) end
  local s, perr = M.parse(src)
  if not s then return nil, perr end
  if s.getter ~= "git" and s.getter ~= "normal" then
    return nil, string.format("fetch %s: the %q getter is not supported (use git::)", src, s.getter)
  end
  local cache = require "hfl.charts.cache"
  local commit
  local fill = function(tmp)
    local c, err = M.checkout_into(s, tmp .. "/repo")
    if not c then return nil, err end
    assert(fs.write_atomic(tmp .. "/commit", c .. "\n"))
    commit = c
    return true
  end
  local entry, err
  if s.query.cache == "false" or opts.skip_cache then
    entry, err = fs.mkdtemp("hfl-git-XXXXXX")
    if entry then
      local ok, ferr = fill(entry)
      if not ok then entry, err = nil, ferr end
    end
  else
    entry, err = cache.get(M.key(s), fill, { session = opts.session })
  end
  if not entry then return nil, redact.text(tostring(err)) end
  if not commit then
    local text = fs.read(entry .. "/commit", { max = 4096 })
    if text then commit = text:match("^[^\n]*") end
  end
  local path = entry .. "/repo"
  if s.file ~= "" then path = path .. "/" .. s.file end
  return { path = path, root = entry .. "/repo", commit = commit, source = src }
end

return M
