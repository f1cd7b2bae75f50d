-- bench/proc.lua: 200 children of `true` at concurrency 16 through hfl.proc, against
-- `seq 200 | xargs -P16 -n1 true` measured in the same run. Median of ROUNDS rounds each.
--   luajit bench/proc.lua [children] [concurrency] [rounds]
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../?.lua;" .. package.path
require "hfl"
local proc = require "hfl.proc"

local N = tonumber(arg[1]) or 200
local P = tonumber(arg[2]) or 16
local ROUNDS = tonumber(arg[3]) or 7

local function median(t)
  table.sort(t)
  return t[math.floor((#t + 1) / 2)]
end

local items = {}
for i = 1, N do items[i] = i end

local function hfl_round()
  local t0 = proc.now()
  proc.map(items, P, function()
    local r = assert(proc.run{ "true" })
    assert(r.code == 0)
  end)
  return proc.now() - t0
end

local function xargs_round()
  local t0 = proc.now()
  local ok = os.execute(("seq %d | xargs -P%d -n1 true"):format(N, P))
  assert(ok == 0 or ok == true, "xargs failed")
  return proc.now() - t0
end

hfl_round()
xargs_round()
local a, b = {}, {}
for i = 1, ROUNDS do
  a[i] = hfl_round()
  b[i] = xargs_round()
end
local ha, xb = median(a), median(b)
print(("proc: %d × true at concurrency %d, median of %d rounds"):format(N, P, ROUNDS))
print(("  hfl.proc          %7.1f ms"):format(ha * 1000))
print(("  xargs -P%-2d (rival) %7.1f ms"):format(P, xb * 1000))
print(("  ratio hfl/xargs   %7.2f"):format(ha / xb))
