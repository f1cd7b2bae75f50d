-- bench/chart_render.lua: the native chart renderer (hfl.chart) beside `helm template`, same
-- run, same chart (spec/fixtures/charts/webapp: helpers, a subchart twice, hooks, tpl,
-- .Files), same values: N releases rendered in process, one after another, vs `helm template`
-- processes one after another. Checks every native output is helm's, byte for byte.
--   luajit bench/chart_render.lua [releases] [helm calls] [helm major 3|4] [chart dir]
-- A chart dir (e.g. kube-prometheus-stack from bench/chart-corpus.sh) replaces the fixture; it
-- is rendered with its default values. Native CPU time is the process's (os.clock).
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../?.lua;" .. package.path
require "hfl"
local proc = require "hfl.proc"
local chart = require "hfl.chart"
local clock = proc.now

local cache = {}
local N = tonumber(arg[1]) or 100
local H = tonumber(arg[2]) or 10
local V = arg[3] or "4"
local root = io.popen("cd " .. here .. "/.. && pwd"):read("*l")
local FIX = arg[4] or (root .. "/spec/fixtures/charts/webapp")
local VALUES = not arg[4] and (FIX .. "/ci/prod-values.yaml") or nil
local HELM = root .. "/.deps/bin/helm" .. V

local function argv_for(i)
  local a = { HELM, "template", ("rel-%03d"):format(i), FIX, "--namespace", "ns-" .. (i % 7) }
  if VALUES then a[#a + 1] = "--values"; a[#a + 1] = VALUES end
  return a
end

-- CPU time of waited-for children (cutime + cstime of /proc/self/stat), in seconds: the load
-- of a shared machine stretches wall times, not CPU times.
local function children_cpu()
  local f = io.open("/proc/self/stat")
  if not f then return 0 end
  local stat = f:read("*a")
  f:close()
  local fields = {}
  for x in stat:match("%) (.*)$"):gmatch("%S+") do fields[#fields + 1] = x end
  return (tonumber(fields[14]) + tonumber(fields[15])) / 100
end

local ccpu0 = children_cpu()
local t0 = clock()
local helm_out = {}
for i = 1, H do
  local a = argv_for(i)
  a.env = { KUBECONFIG = "/dev/null/none" }
  local res = assert(proc.run(a))
  assert(res.code == 0, res.stderr)
  helm_out[i] = res.stdout
end
local helm_s = clock() - t0
local helm_cpu = children_cpu() - ccpu0

collectgarbage()
local mem0 = collectgarbage("count")
local cpu0 = os.clock()
t0 = clock()
-- the first release pays for parsing the chart's templates (as one `hfl template` run does)
local first_cpu
for i = 1, N do
  local text, why = chart.template_argv(argv_for(i), V, cache)
  if i == 1 then first_cpu = os.clock() - cpu0 end
  assert(text, why)
  -- charts with random values (passwords, certificates) differ from helm in those only
  if helm_out[i] and text ~= helm_out[i] and not arg[4] then
    error("native output differs from helm's for release " .. i)
  end
end
local native_s = clock() - t0
local native_cpu = os.clock() - cpu0
local mem1 = collectgarbage("count")

local per_helm, per_native = helm_s / H * 1000, native_s / N * 1000
local cpu_native, cpu_helm = native_cpu / N * 1000, helm_cpu / H * 1000
print(("chart render (helm %s, %s): native %d releases: %.2f ms/release CPU, %.2f ms wall (Lua heap +%.0f KiB)"
  .. " | helm template, %d calls: %.1f ms/release CPU, %.1f ms wall | native %.1fx less CPU, %.1fx less wall")
  :format(V, arg[4] and FIX:match("[^/]+$") or "webapp fixture", N, cpu_native, per_native, mem1 - mem0,
    H, cpu_helm, per_helm, cpu_helm / cpu_native, per_helm / per_native))
print(("first render (parses the templates): native %.1f ms CPU | helm template %.1f ms/call CPU | native %.1fx less CPU")
  :format(first_cpu * 1000, cpu_helm, cpu_helm / (first_cpu * 1000)))

-- End to end: `hfl template` of N releases of the chart, --renderer native vs helm (at
-- --concurrency 8), same run, same output.
if arg[4] then return end
local fs = require "hfl.fs"
local HFL = os.getenv("HFL_BIN") or root .. "/hfl"
local dir = assert(fs.mkdtemp(fs.tmpdir() .. "/hfl-bench-chart-XXXXXX"))
local lines = { "releases:" }
for i = 1, N do
  lines[#lines + 1] = ("  - name: rel-%03d\n    namespace: ns-%d\n    chart: %s\n    values:\n      - %s")
    :format(i, i % 7, FIX, VALUES)
end
assert(fs.write_atomic(dir .. "/helmfile.yaml", table.concat(lines, "\n") .. "\n"))
local function hfl_template(renderer)
  local c0 = children_cpu()
  local t = clock()
  local res = assert(proc.run { HFL, "-f", dir .. "/helmfile.yaml", "-b", HELM, "--concurrency", "8",
    "template", "--renderer", renderer, env = { KUBECONFIG = "/dev/null/none" } })
  assert(res.code == 0, res.stderr)
  return clock() - t, children_cpu() - c0, res.stdout
end
local hw, hc, hout = hfl_template("helm")
local nw, nc, nout = hfl_template("native")
fs.rm_r(dir, dir)
assert(hout == nout, "hfl template --renderer native differs from --renderer helm")
print(("hfl template, %d releases, --concurrency 8 (helm %s): --renderer native %.0f ms wall, %.0f ms CPU"
  .. " | --renderer helm %.0f ms wall, %.0f ms CPU (hfl and its helm processes) | native %.1fx less wall,"
  .. " %.1fx less CPU; outputs identical (%d bytes)")
  :format(N, V, nw * 1000, nc * 1000, hw * 1000, hc * 1000, hw / nw, hc / nc, #nout))
