-- bench/template.lua: `hfl template` of N releases of a local chart (each with its own values)
-- at --concurrency P, beside what Helmfile does — one `helm template` per release, one after
-- another — measured in the same run with the same helm and the same values. Checks that both
-- print the same bytes.
--   luajit bench/template.lua [releases] [concurrency] [helm binary]
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../?.lua;" .. package.path
require "hfl"
local proc = require "hfl.proc"
local fs = require "hfl.fs"

local N = tonumber(arg[1]) or 100
local P = tonumber(arg[2]) or 8
local root = io.popen("cd " .. here .. "/.. && pwd"):read("*l")
local HELM = arg[3] or (root .. "/.deps/bin/helm4")
local HFL = os.getenv("HFL_BIN") or root .. "/hfl"

local dir = assert(fs.mkdtemp("hfl-bench-template-XXXXXX"))
assert(os.execute(("cp -r %s/spec/fixtures/helm/charts/hello %s/chart"):format(root, dir)) == 0)
local lines = { "releases:" }
for i = 1, N do
  lines[#lines + 1] = ("  - name: rel-%03d\n    namespace: ns-%d\n    chart: ./chart\n    values:\n"
    .. "      - values/rel-%03d.yaml"):format(i, i % 7, i)
end
assert(fs.mkdir_p(dir .. "/values"))
for i = 1, N do
  assert(fs.write_atomic(("%s/values/rel-%03d.yaml"):format(dir, i), ("greeting: hello-%d\n"):format(i)))
end
assert(fs.write_atomic(dir .. "/helmfile.yaml", table.concat(lines, "\n") .. "\n"))

local function timed(argv)
  local t0 = proc.now()
  local r = assert(proc.run(argv))
  if r.code ~= 0 then error(table.concat(argv, " ") .. ": " .. (r.stderr or "")) end
  return proc.now() - t0, r.stdout
end

local function hfl_run(conc)
  return timed { HFL, "-f", dir .. "/helmfile.yaml", "-b", HELM, "--concurrency", tostring(conc), "template" }
end

local function helm_sequential()
  local t0, out = proc.now(), {}
  for i = 1, N do
    local r = assert(proc.run { HELM, "template", ("rel-%03d"):format(i), dir .. "/chart",
      "--namespace", "ns-" .. (i % 7), "--values", ("%s/values/rel-%03d.yaml"):format(dir, i) })
    assert(r.code == 0, r.stderr)
    out[i] = r.stdout
  end
  return proc.now() - t0, table.concat(out)
end

hfl_run(P)  -- warm the page cache and the chart digest's files
local best = { hfl = math.huge, seq = math.huge, hfl1 = math.huge }
local hout, sout
for _ = 1, 3 do
  local t
  t, hout = hfl_run(P)
  best.hfl = math.min(best.hfl, t)
  t, sout = helm_sequential()
  best.seq = math.min(best.seq, t)
end
local t1 = hfl_run(1)
best.hfl1 = t1
assert(hout == sout, "hfl template's output differs from the sequential helm template calls")
local cores = tonumber(io.popen("nproc"):read("*l")) or 0
print(("template: %d releases, %s, %d cores"):format(N, HELM:match("[^/]*$"), cores))
print(("  hfl template --concurrency %d   %7.0f ms  (best of 3)"):format(P, best.hfl * 1000))
print(("  hfl template --concurrency 1   %7.0f ms  (one run)"):format(best.hfl1 * 1000))
print(("  %d x helm template in a row   %7.0f ms  (best of 3; %.2fx hfl's time)"):format(N,
  best.seq * 1000, best.seq / best.hfl))
print(("  outputs identical: %d bytes"):format(#hout))
fs.rm_r(dir, fs.dirname(dir))
