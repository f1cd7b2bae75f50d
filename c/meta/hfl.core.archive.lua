---@meta
-- Editor stub for the C module hfl.core.archive (c/l_archive.c, c/archive.c over libarchive).
-- Domain code uses hfl.archive.

---@class hfl.core.archive
local archive = {}

--- Extracts into the existing directory dest (paths confined to it).
---@param src string
---@param dest string
---@param max_size number|nil  bytes, 0/nil: none
---@param max_files integer|nil  entries, 0/nil: none
---@return true|nil ok, string? err
function archive.extract(src, dest, max_size, max_files) end

--- Writes src_dir as a gzip'd tar, entries under prefix/ (nil: no prefix).
---@return true|nil ok, string? err
function archive.create(src_dir, out_path, prefix) end

return archive
