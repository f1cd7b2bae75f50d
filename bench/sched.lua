-- bench/sched.lua: the deploy scheduler with simulated work (proc.sleep of each release's
-- `seconds` label), on helmfiles written by bench/lib/shapes.lua and planned by graph.build:
--   1. 100 independent releases of 1 s at concurrency 10 (ideal 10 s);
--   2. chain + fan-out (bench/lib/shapes.lua chain_fanout) spread over 3 state files with
--      needs across them: hfl's time beside the critical path and beside layer-by-layer
--      batches (computed, and run the same way in this process);
--   3. hfl's own cost per release at 0 s work: graph.build + scheduler.run + line progress
--      (to /dev/null) over N independent releases, and over a chain of N.
--   luajit bench/sched.lua [unit seconds, default 1] [N for 3, default 1000]
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../?.lua;" .. package.path
local hfl = require "hfl"
local fs = require "hfl.fs"
local proc = require "hfl.proc"
local graph = require "hfl.deploy.graph"
local scheduler = require "hfl.deploy.scheduler"
local progress = require "hfl.deploy.progress"
local shapes = require "bench.lib.shapes"

local UNIT = tonumber(arg[1]) or 1
local N = tonumber(arg[2]) or 1000

local root = assert(fs.mkdtemp(fs.tmpdir() .. "/hfl-bench-sched-XXXXXX"))

local function graph_of(name, shape, files)
  local dir = root .. "/" .. name
  assert(fs.mkdir_p(dir))
  shapes.write_helmfile(dir, shape, { files = files })
  local st = assert(hfl.load(dir .. "/helmfile.yaml"))
  local t0 = proc.now()
  local g = assert(graph.build(st))
  return g, proc.now() - t0
end

local function sleep_work(node)
  proc.sleep(tonumber(node.release.labels.seconds))
  return true
end

local function timed_run(g, opts)
  opts.work = opts.work or sleep_work
  local t0 = proc.now()
  local results = scheduler.run(g, opts)
  local took = proc.now() - t0
  for _, id in ipairs(results.order) do assert(results[id].status == "ok", id) end
  return took
end

-- Layer-by-layer batches with the same work: each layer waits for the previous one.
local function layered_run(shape, concurrency)
  local t0 = proc.now()
  for _, layer in ipairs(shapes.layers(shape)) do
    proc.map(layer, concurrency, function(r) proc.sleep(r.seconds) end)
  end
  return proc.now() - t0
end

local function s(x) return ("%.2f s"):format(x) end

-- 1
local shape = shapes.independent(100, UNIT)
local g = graph_of("independent", shape, 1)
local took = timed_run(g, { concurrency = 10 })
print(("independent: 100 releases x %g s at concurrency 10: hfl %s (ideal %s; target <= %s)"):format(
  UNIT, s(took), s(10 * UNIT), s(11 * UNIT)))

-- 2
shape = shapes.chain_fanout { unit = UNIT, fan = 10 }
g = graph_of("chain_fanout", shape, 3)
took = timed_run(g, {})
local layered = layered_run(shape, 0)
print(("chain+fan-out: %d releases in 3 files: hfl %s; critical path %s; layered batches %s computed, %s run here (%.2fx hfl)")
  :format(#shape, s(took), s(shapes.critical_path(shape)), s(shapes.layered(shape)), s(layered), layered / took))

-- 3
local function overhead(name, shp)
  local gg, build = graph_of(name, shp, 1)
  local null = assert(io.open("/dev/null", "w"))
  local p = progress.new { stream = null }
  local run = timed_run(gg, { work = function() return true end, on_event = function(...) p:event(...) end })
  null:close()
  print(("overhead, %s of %d at 0 s: graph.build %.1f ms, run + progress %.1f ms: %.3f ms per release (target <= 5 ms)")
    :format(name, N, build * 1000, run * 1000, (build + run) * 1000 / N))
end
overhead("independent", shapes.independent(N, 0))
local chain = shapes.independent(N, 0)
for i = 2, N do chain[i].needs = { chain[i - 1].name } end
overhead("chain", chain)

fs.rm_r(root, root)
