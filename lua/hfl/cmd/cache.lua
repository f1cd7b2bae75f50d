--- `hfl cache`: show or clean hfl's download cache.
local M = {}

M.summary = "Show or clean the cache of downloaded charts"

--- Declares the flags of `hfl cache`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:positional("info|cleanup", 1, { "info", "cleanup" })
end

local function human(n)
  local units = { "B", "KiB", "MiB", "GiB" }
  local i = 1
  while n >= 1024 and i < #units do n, i = n / 1024, i + 1 end
  return i == 1 and string.format("%d %s", n, units[i]) or string.format("%.1f %s", n, units[i])
end

--- Runs `hfl cache info|cleanup` (compat §5.3 output).
---@param inv hfl.cli.Invocation
---@return integer|nil code, string|nil err
function M.run(inv)
  local cache = require "hfl.charts.cache"
  local sub = inv.args[1]
  if sub == "info" then
    local info, err = cache.info()
    if not info then return nil, err end
    io.stdout:write("Cache directory: ", info.root, "\n")
    for _, e in ipairs(info.entries) do
      io.stdout:write("- ", e.key or e.path, "\n")
    end
    io.stdout:write(string.format("%d entries, %s\n", #info.entries, human(info.size or 0)))
    return 0
  elseif sub == "cleanup" then
    io.stdout:write("Cleaning up cache directory: ", cache.root(), "\n")
    local removed, err = cache.cleanup()
    if not removed then return nil, err end
    for _, e in ipairs(removed) do
      io.stdout:write("- ", type(e) == "table" and (e.key or e.path) or tostring(e), "\n")
    end
    for _, name in ipairs(cache.cleanup_indexes()) do io.stdout:write("- index ", name, "\n") end
    return 0
  end
  return nil, "cache: want `info` or `cleanup`"
end

return M
