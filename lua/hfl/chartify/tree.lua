--- hfl.chartify.tree: copying and walking directories for chartify's temporary charts.
local fs = require "hfl.fs"

local M = {}

-- The largest file a chart copy reads (a chart archive in charts/ can be large).
local MAX_FILE = 512 * 1024 * 1024

--- Every regular file under dir (symlinks followed), as sorted relative paths; directories
--- named in `skip` (relative paths) are left out.
---@param dir string
---@param skip? table<string, boolean>
---@return string[]
function M.files(dir, skip)
  local out = {}
  local function walk(d, prefix)
    for _, name in ipairs(fs.list(d) or {}) do
      local rel = prefix .. name
      local path = d .. "/" .. name
      local kind = fs.kind(path)
      if kind == "dir" then
        if not (skip and skip[rel]) then walk(path, rel .. "/") end
      elseif kind == "file" then
        out[#out + 1] = rel
      end
    end
  end
  walk(dir, "")
  return out
end

--- Copies the files under src to dst (created), skipping the directories in `skip`.
---@param src string
---@param dst string
---@param skip? table<string, boolean>
---@return true|nil ok, string|nil err
function M.copy(src, dst, skip)
  local ok, err = fs.mkdir_p(dst)
  if not ok then return nil, err end
  for _, rel in ipairs(M.files(src, skip)) do
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
