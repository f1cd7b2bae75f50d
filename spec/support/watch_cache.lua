-- Watches a cache directory while other processes fill it (for cache_race_spec):
--   hfl run spec/support/watch_cache.lua ROOT STOPFILE SHA256...
-- Lists ROOT/entries over and over until STOPFILE exists; every entry visible must be whole:
-- its marker, chart.tgz with one of the given sha256 digests, and chart/ extracted. Prints
-- "scans N seen M violations V" and one line per violation; exits 1 on any violation.
local fs = require("hfl.core").fs
local proc = require "hfl.proc"

local root, stop = arg[1], arg[2]
local want = {}
for i = 3, #arg do want[arg[i]] = true end
local scans, seen, bad = 0, 0, {}
local checked = {}  -- entry -> true once found whole (entries never change afterwards)

local function check(entry)
  if not fs.stat(entry .. "/.hfl-entry") then return "no marker" end
  local sha = fs.sha256(entry .. "/chart.tgz")
  if not sha then return "no chart.tgz" end
  if not want[sha] then return "chart.tgz has unexpected sha256 " .. sha end
  local names = fs.list(entry .. "/chart") or {}
  if #names ~= 1 or not fs.stat(entry .. "/chart/" .. names[1] .. "/Chart.yaml") then
    return "chart/ not extracted"
  end
end

while true do
  local done = fs.stat(stop) ~= nil
  scans = scans + 1
  for _, id in ipairs(fs.list(root .. "/entries") or {}) do
    local entry = root .. "/entries/" .. id
    if not checked[entry] then
      seen = seen + 1
      local problem = check(entry)
      if problem then bad[#bad + 1] = entry .. ": " .. problem end
      checked[entry] = true
    end
  end
  if done then break end
  proc.sleep(0.002)
end
print(("scans %d seen %d violations %d"):format(scans, seen, #bad))
for _, b in ipairs(bad) do print(b) end
return #bad == 0 and 0 or 1
