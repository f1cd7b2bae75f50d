--- `helm version --short` of a helm binary, kept in hfl's cache directory: a run whose
--- releases all render natively then starts no helm process at all (the version alone cost
--- about 50 ms a run). An entry is keyed by the binary's resolved path and its file identity
--- (device, inode, size, mtime and ctime to the nanosecond), which writing, replacing or
--- touching the file changes. Only ELF executables are kept: a script may pick a helm by its
--- environment, so its answer is asked every time.
local fs = require "hfl.fs"
local cache = require "hfl.charts.cache"

local M = {}

-- The file `binary` runs: a path as given, else the first executable regular file of that
-- name on $PATH (as execvp looks for it).
local function resolve(binary)
  if binary:find("/", 1, true) then return binary end
  for dir in ((os.getenv("PATH") or "") .. ":"):gmatch("([^:]*):") do
    local p = (dir == "" and "." or dir) .. "/" .. binary
    local st = fs.stat(p)
    if st and st.type == "file" and fs.is_executable(p) then return p end
  end
  return nil
end

local function entry_path(binary)
  local path = resolve(binary)
  if not path then return nil end
  local real = fs.realpath(path)
  local st = real and fs.stat(real)
  if not st or st.type ~= "file" or fs.read_prefix(real, 4) ~= "\127ELF" then return nil end
  return ("%s/helm-version/%s"):format(cache.root(), cache.id("helm version\0" .. real .. "\0" .. st.identity))
end

--- The kept output of `binary version --short`, or nil (then `key` names where store() keeps
--- it; nil when it is not to be kept).
---@param binary string
---@return string|nil output, string|nil key
function M.lookup(binary)
  local path = entry_path(binary)
  if not path then return nil, nil end
  local text = fs.read(path, { max = 4096 })
  if text and text:match("v%d+%.%d+%.%d+") then return text, nil end
  return nil, path
end

--- Keeps the output for the key lookup() gave. A cache that cannot be written is no error:
--- the next run asks helm again.
---@param key string
---@param output string
function M.store(key, output)
  if fs.mkdir_p(fs.dirname(key)) then
    fs.write_atomic(key, output, { durable = false })
  end
end

return M
