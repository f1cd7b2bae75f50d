--- hfl.archive: chart archives (tar, tar.gz) — extraction confined to the destination, and
--- creation for packaging. Both write through a temp name and a rename, so a failure leaves
--- nothing half-written.
--
--   local ok, err = archive.extract("/cache/x/nginx-1.2.3.tgz", dir, { max_size = 50e6 })
local core = require("hfl.core").archive
local fs = require "hfl.fs"

local M = {}

--- Bytes of file data an archive may expand to by default (Helm's limit for charts too).
M.MAX_SIZE = 100 * 1024 * 1024
--- Entries an archive may hold by default.
M.MAX_FILES = 20000

--- Extracts a tar or tar.gz archive into dest_dir. Absolute paths, ".." components, links
--- leading outside dest_dir and special files are refused; so are archives past the limits.
--- dest_dir is created when missing; entries are moved into an existing one, never replacing
--- what is there.
---@param src string   archive path
---@param dest_dir string
---@param opts table|nil { max_size = bytes, max_files = n, source = name for messages (URL) }
---@return true|nil ok, string|nil err  one line naming the source and what to do
function M.extract(src, dest_dir, opts)
  opts = opts or {}
  local name = opts.source or src
  dest_dir = dest_dir:gsub("(.)/+$", "%1")
  local parent = fs.dirname(dest_dir)
  local ok, err = fs.mkdir_p(parent)
  if not ok then return nil, ("%s: %s"):format(name, err) end
  local tmp
  tmp, err = fs.mkdtemp(("%s/.%s.extract-XXXXXX"):format(parent, fs.basename(dest_dir)))
  if not tmp then return nil, ("%s: %s"):format(name, err) end
  ok, err = core.extract(src, tmp, opts.max_size or M.MAX_SIZE, opts.max_files or M.MAX_FILES)
  if not ok then
    fs.rm_r(tmp, parent)
    return nil, ("%s: %s (the archive is damaged or unsafe: fetch it again, or check its source)")
      :format(name, err)
  end
  local st = fs.lstat(dest_dir)
  if not st then
    ok, err = fs.rename(tmp, dest_dir, true)
  elseif st.type ~= "dir" then
    ok, err = nil, dest_dir .. " exists and is not a directory"
  else
    ok = true
    for _, entry in ipairs(fs.list(tmp) or {}) do
      local r, e = fs.rename(tmp .. "/" .. entry, dest_dir .. "/" .. entry, true)
      if not r then ok, err = nil, e; break end
    end
  end
  fs.rm_r(tmp, parent)
  if not ok then return nil, ("%s: cannot extract into %s: %s"):format(name, dest_dir, err) end
  return true
end

--- Writes the directory src_dir as a tar.gz archive, entries under `prefix/` (default: the
--- directory's name, as `helm package` does; "" for none), in sorted order.
---@param src_dir string
---@param tgz_path string
---@param opts table|nil { prefix = string }
---@return true|nil ok, string|nil err
function M.create(src_dir, tgz_path, opts)
  opts = opts or {}
  src_dir = src_dir:gsub("(.)/+$", "%1")
  local st = fs.lstat(src_dir)
  if not st or st.type ~= "dir" then
    return nil, ("cannot package %s: not a directory"):format(src_dir)
  end
  local prefix = opts.prefix
  if prefix == nil then prefix = fs.basename(src_dir) end
  -- a fresh directory beside the target (mkdtemp): no two writers share a temp name, and
  -- the rename stays on one file system
  local dir = fs.dirname(tgz_path)
  local tmpdir, err = fs.mkdtemp(("%s/.%s.part-XXXXXX"):format(dir, fs.basename(tgz_path)))
  local ok = tmpdir ~= nil
  if ok then
    ok, err = core.create(src_dir, tmpdir .. "/archive", prefix)
    if ok then ok, err = fs.rename(tmpdir .. "/archive", tgz_path) end
    fs.rm_r(tmpdir, dir)
  end
  if not ok then return nil, ("cannot package %s into %s: %s"):format(src_dir, tgz_path, err) end
  return true
end

return M
