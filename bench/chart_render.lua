-- bench/chart_render.lua: the native chart renderer (hfl.chart) beside `helm template`, same
-- run, same chart (spec/fixtures/charts/webapp: helpers, a subchart twice, hooks, tpl,
-- .Files), same values: N releases rendered in process, one after another, vs `helm template`
-- processes one after another. Checks every native output is helm's, byte for byte.
--   luajit bench/chart_render.lua [releases] [helm calls] [helm major 3|4]
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
local FIX = root .. "/spec/fixtures/charts/webapp"
local HELM = root .. "/.deps/bin/helm" .. V

local function argv_for(i)
  return { HELM, "template", ("rel-%03d"):format(i), FIX, "--namespace", "ns-" .. (i % 7),
    "--values", FIX .. "/ci/prod-values.yaml" }
end

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

collectgarbage()
local mem0 = collectgarbage("count")
t0 = clock()
for i = 1, N do
  local text, why = chart.template_argv(argv_for(i), V, cache)
  assert(text, why)
  if helm_out[i] and text ~= helm_out[i] then error("native output differs from helm's for release " .. i) end
end
local native_s = clock() - t0
local mem1 = collectgarbage("count")

local per_helm, per_native = helm_s / H * 1000, native_s / N * 1000
print(("chart render (helm %s, %s): native %d releases %.1f ms (%.2f ms/release, Lua heap +%.0f KiB)"
  .. " | helm template %d calls %.1f ms (%.1f ms/release) | native %.1fx faster per release")
  :format(V, "webapp fixture", N, native_s * 1000, per_native, mem1 - mem0, H, helm_s * 1000, per_helm,
    per_helm / per_native))
