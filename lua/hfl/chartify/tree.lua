--- hfl.chartify.tree: copying and walking directories for chartify's temporary charts.
local fs = require "hfl.fs"

local M = {}

-- The largest file a chart copy reads (a chart archive in charts/ can be large).
local MAX_FILE = 512 * 1024 * 1024

-- Whether the real path p is root or under it.
local function inside(p, root)
  return p == root or root == "/" or p:sub(1, #root + 1) == root .. "/"
end

-- The git work tree holding the real directory dir (the nearest ancestor with a .git), or nil.
local function repository(dir)
  local d = dir
  while true do
    if fs.lstat(d .. "/.git") then return d end
    if d == "/" then return nil end
    d = fs.dirname(d)
  end
end

--- The directories a symlink in a chart or manifests directory may resolve into: the directory
--- itself, the state file's directory and the git repository holding it (real paths). For a
--- fetched directory (a go-getter source in hfl's cache) the directory's own last component is
--- not resolved: fetched content that is itself a link out of the cache gets no root.
---@param src string  the directory copied or walked
---@param basedir? string  the state file's directory
---@param fetched? boolean
---@return string[]
function M.roots(src, basedir, fetched)
  local out = {}
  local own = fs.realpath(src)
  if fetched then
    local parent = fs.realpath(fs.dirname(fs.clean(src)))
    own = parent and (parent == "/" and "" or parent) .. "/" .. fs.basename(fs.clean(src))
  end
  out[#out + 1] = own
  local real = basedir and fs.realpath(basedir)
  if real then
    out[#out + 1] = real
    local repo = repository(real)
    if repo then out[#out + 1] = repo end
  end
  return out
end

-- The real path of a symlink at path, or nil, err when it leaves the roots.
local function confined(path, roots)
  local real, err = fs.realpath(path)
  if not real then return nil, err end
  for _, root in ipairs(roots) do
    if inside(real, root) then return real end
  end
  return nil, ("%s is a symlink to %s, outside the chart and the project (%s): copy the "
    .. "file in instead"):format(path, real, table.concat(roots, ", "))
end

--- Every regular file under dir, as sorted relative paths; directories named in `opts.skip`
--- (relative paths) are left out. Symlinks are followed when they resolve inside `opts.roots`
--- (real paths; default: dir itself, see M.roots) — a link to /etc/passwd or ~/.kube/config
--- in a hostile repository is an error, not part of a chart — and a link back to a directory
--- being walked (a loop) is an error too.
---@param dir string
---@param opts? {skip?: table<string, boolean>, roots?: string[]}
---@return string[]|nil files, string|nil err
function M.files(dir, opts)
  opts = opts or {}
  local skip, roots = opts.skip, opts.roots or M.roots(dir)
  local out = {}
  local walking = {}
  local function walk(d, prefix, real)
    walking[real] = true
    for _, name in ipairs(fs.list(d) or {}) do
      local rel = prefix .. name
      local path = d .. "/" .. name
      local target = real .. "/" .. name
      local lst = fs.lstat(path)
      if lst and lst.type == "link" then
        local err
        target, err = confined(path, roots)
        if not target then return nil, err end
      end
      local kind = fs.kind(path)
      if kind == "dir" and not (skip and skip[rel]) then
        if walking[target] then
          return nil, ("%s is a symlink to %s, a directory it is in (a loop)"):format(path, target)
        end
        local ok, err = walk(path, rel .. "/", target)
        if not ok then return nil, err end
      elseif kind == "file" then
        out[#out + 1] = rel
      end
    end
    walking[real] = nil
    return true
  end
  local real, err = fs.realpath(dir)
  if not real then return nil, err end
  if real ~= fs.clean(fs.abs(dir)) then
    -- the directory itself is (or is under) a link: its target must be allowed too
    real, err = confined(dir, roots)
    if not real then return nil, err end
  end
  local ok
  ok, err = walk(dir, "", real)
  if not ok then return nil, err end
  return out
end

--- Copies the files under src to dst (created); opts as M.files'.
---@param src string
---@param dst string
---@param opts? {skip?: table<string, boolean>, roots?: string[]}
---@return true|nil ok, string|nil err
function M.copy(src, dst, opts)
  local files, err = M.files(src, opts)
  if not files then return nil, err end
  local ok
  ok, err = fs.mkdir_p(dst)
  if not ok then return nil, err end
  for _, rel in ipairs(files) do
    local data
    data, err = fs.read(src .. "/" .. rel, { max = MAX_FILE })
    if not data then return nil, err end
    local target = dst .. "/" .. rel
    fs.mkdir_p(fs.dirname(target))
    ok, err = fs.write_atomic(target, data, { durable = false })
    if not ok then return nil, err end
  end
  return true
end

--- Writes text to dir/rel, creating the directories between.
---@return true|nil ok, string|nil err
function M.write(dir, rel, text)
  local path = dir .. "/" .. rel
  fs.mkdir_p(fs.dirname(path))
  return fs.write_atomic(path, text, { durable = false })
end

return M
