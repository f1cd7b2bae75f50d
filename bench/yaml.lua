-- bench/yaml.lua: decode + merge + encode of two ~10 MB values layers on hfl's C tree,
-- against the floor of libyaml merely parsing both files (events only, no tree), measured
-- in the same run; then peak RSS of a fresh process doing the same work.
--   luajit bench/yaml.lua [MB per layer] [rounds]
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../?.lua;" .. package.path
require "hfl"
local yaml = require "hfl.yaml"
local core = require("hfl.core").yaml
local ffi = require "ffi"
pcall(ffi.cdef, [[
  typedef struct { long tv_sec; long tv_nsec; } hfl_timespec;
  int clock_gettime(int, hfl_timespec *);
]])

local MB = tonumber(arg[1]) or 10
local ROUNDS = tonumber(arg[2]) or 5
local out_dir = here .. "/out"
os.execute("mkdir -p " .. out_dir)

local function now()
  local ts = ffi.new("hfl_timespec")
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

local function median(t)
  table.sort(t)
  return t[math.floor((#t + 1) / 2)]
end

-- A values layer shaped like real charts' values: nested maps, lists of maps, ports,
-- resources, annotations, long strings; `variant` changes some values and adds keys.
local function layer(seed, bytes)
  local parts, size, i = {}, 0, 0
  while size < bytes do
    i = i + 1
    local svc = ([[
service%d:
  enabled: %s
  replicaCount: %d
  image:
    repository: registry.example.com/team/app-%d
    tag: "v1.%d.%d"
    pullPolicy: IfNotPresent
  resources:
    limits: {cpu: "%dm", memory: %dMi}
    requests: {cpu: 100m, memory: 128Mi}
  ports:
    - name: http
      containerPort: %d
      protocol: TCP
    - name: metrics
      containerPort: 9090
  annotations:
    prometheus.io/scrape: "true"
    description: "service %d of seed %d, a reasonably long string to look like real annotations"
  env:
    - {name: LOG_LEVEL, value: %s}
    - {name: FEATURE_%d, value: "on"}
  config: |
    server.port=%d
    feature.flag=%s
]]):format(i, i % 3 == 0 and "false" or "true", (i + seed) % 7 + 1, i, seed, i,
      (i % 9 + 1) * 100, (i % 5 + 1) * 256, 8000 + i, i, seed, seed == 1 and "info" or "debug", i, 8000 + i,
      seed == 1 and "a" or "b")
    parts[#parts + 1] = svc
    size = size + #svc
  end
  return table.concat(parts)
end

local a, b = layer(1, MB * 1024 * 1024), layer(2, MB * 1024 * 1024)
local pa, pb = out_dir .. "/layer-a.yaml", out_dir .. "/layer-b.yaml"
assert(yaml.write_file(pa, a))
assert(yaml.write_file(pb, b))

local floor_t, hfl_t, out_len = {}, {}, 0
for _ = 1, ROUNDS do
  local t0 = now()
  assert(core.scan(a))
  assert(core.scan(b))
  floor_t[#floor_t + 1] = now() - t0

  t0 = now()
  local ta = assert(yaml.parse(a))
  ta:merge(assert(yaml.parse(b)))
  local text = assert(ta:encode())
  hfl_t[#hfl_t + 1] = now() - t0
  out_len = #text
  ta, text = nil, nil
  collectgarbage()
end

local floor_s, hfl_s = median(floor_t), median(hfl_t)
print(("yaml: two layers of %.1f MB each, output %.1f MB, median of %d rounds"):format(
  #a / 1048576, out_len / 1048576, ROUNDS))
print(("  floor  libyaml parse only (both files)      %8.1f ms"):format(floor_s * 1000))
print(("  hfl    decode + merge + encode (C tree)     %8.1f ms   %.2fx the floor (target <= 3x)"):format(
  hfl_s * 1000, hfl_s / floor_s))

-- Peak RSS in a fresh process that reads both files, merges and writes the result.
local child = ([[luajit -e 'package.path=%q..package.path' -e '
  require "hfl"
  local yaml = require "hfl.yaml"
  local function slurp(p) local f = assert(io.open(p, "rb")) local s = f:read("*a") f:close() return s end
  local ta = assert(yaml.parse(slurp(%q)))
  ta:merge(assert(yaml.parse(slurp(%q))))
  assert(ta:write(%q))
  for line in io.lines("/proc/self/status") do
    local kb = line:match("^VmHWM:%%s*(%%d+)") if kb then print(kb) end
  end']]):format(here .. "/../?.lua;", pa, pb, out_dir .. "/merged.yaml")
local peak_kb = tonumber(io.popen(child):read("*l"))
local base_kb = tonumber(io.popen([[luajit -e 'for l in io.lines("/proc/self/status") do local kb = l:match("^VmHWM:%s*(%d+)") if kb then print(kb) end end']]):read("*l"))
local input_mb = (#a + #b) / 1048576
print(("  peak RSS %.1f MB for %.1f MB of input: %.1fx (target <= 10x; a bare luajit is %.1f MB)"):format(
  peak_kb / 1024, input_mb, peak_kb / 1024 / input_mb, base_kb / 1024))
