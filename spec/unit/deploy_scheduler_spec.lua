-- Specs of hfl.deploy.scheduler: releases start as soon as what they need has finished, the
-- concurrency bound, failures, continueOnError, reverse runs and interrupts. Work is simulated
-- with proc.sleep (and real `sleep` children for the interrupt).
local hfl = require "hfl"
local fs = require "hfl.fs"
local proc = require "hfl.proc"
local graph = require "hfl.deploy.graph"
local scheduler = require "hfl.deploy.scheduler"
local shapes = require "bench.lib.shapes"

-- A graph from { {id, {needs…}}, … } (what graph.build returns, without states).
local function make(spec)
  local g, by = { nodes = {}, by_id = {} }, {}
  for _, s in ipairs(spec) do
    local n = { id = s[1], needs = {}, dependents = {}, seconds = s[3] or 0 }
    by[s[1]] = n
    g.nodes[#g.nodes + 1] = n
    g.by_id[n.id] = n
  end
  for _, s in ipairs(spec) do
    for _, d in ipairs(s[2] or {}) do
      table.insert(by[s[1]].needs, by[d])
      table.insert(by[d].dependents, by[s[1]])
    end
  end
  return g
end

local function statuses(results)
  local out = {}
  for _, id in ipairs(results.order) do out[id] = results[id].status end
  return out
end

local function sleeper(fail)
  return function(node)
    proc.sleep(node.seconds)
    if fail and fail[node.id] then return nil, node.id .. " broke" end
    return true
  end
end

describe("hfl.deploy.scheduler #unit", function()
  local dir
  before_each(function() dir = assert(fs.mkdtemp(fs.tmpdir() .. "/hfl-sched-XXXXXX")) end)
  after_each(function() fs.rm_r(dir, dir) end)

  local function shape_graph(shape, files)
    shapes.write_helmfile(dir, shape, { files = files })
    local st = assert(hfl.load(dir .. "/helmfile.yaml"))
    local g = assert(graph.build(st))
    for _, n in ipairs(g.nodes) do n.seconds = tonumber(n.release.labels.seconds) end
    return g
  end

  it("runs up to the concurrency limit at once and never more", function()
    local spec = {}
    for i = 1, 12 do spec[i] = { "r" .. i, {}, 0.05 } end
    local running, most = 0, 0
    local results = scheduler.run(make(spec), { concurrency = 3, work = function(node)
      running = running + 1
      most = math.max(most, running)
      proc.sleep(node.seconds)
      running = running - 1
      return true
    end })
    assert.equal(3, most)
    for i = 1, 12 do assert.equal("ok", results["r" .. i].status) end
  end)

  it("starts a release when its own needs finish, so a graph takes its critical path, not the layers' sum", function()
    local shape = shapes.chain_fanout { unit = 0.2, fan = 4 }
    local g = shape_graph(shape, 3)   -- spread over three files: needs cross files
    local t0 = proc.now()
    local results = scheduler.run(g, { work = sleeper() })
    local took = proc.now() - t0
    assert.near(0.8, shapes.critical_path(shape), 1e-9)
    assert.near(1.6, shapes.layered(shape), 1e-9)
    assert.is_true(took >= 0.8, "took " .. took)
    assert.is_true(took < 1.2, ("took %.2fs: layered batches would take 1.6s"):format(took))
    -- y2 (slow, second layer) starts as soon as y1 ends, while x (slow, first layer) still runs
    assert.is_true(results["bench/y2"].started < results["bench/x"].finished)
    for _, id in ipairs(results.order) do assert.equal("ok", results[id].status) end
  end)

  it("skips the dependents of a failure, transitively, and finishes independent releases", function()
    local g = make { { "db", {}, 0.05 }, { "api", { "db" } }, { "web", { "api" } }, { "cache", {}, 0.1 },
      { "worker", { "cache" } } }
    local events = {}
    local results = scheduler.run(g, { work = sleeper { db = true }, on_event = function(kind, node, info)
      events[#events + 1] = kind .. " " .. node.id .. (info.because and (" because " .. info.because) or "")
    end })
    assert.same({ db = "failed", api = "skipped", web = "skipped", cache = "ok", worker = "ok" }, statuses(results))
    assert.equal("db broke", results.db.error)
    assert.is_true(results.db.duration >= 0.05)
    assert.same({ "start db", "start cache", "failed db", "skipped api because db", "skipped web because db",
      "done cache", "start worker", "done worker" }, events)
  end)

  it("lets the dependents of a failed release with continueOnError: true go on", function()
    local f = assert(io.open(dir .. "/helmfile.yaml", "wb"))
    f:write([[
releases:
- {name: crds, chart: ./c, continueOnError: true}
- {name: app, chart: ./c, needs: [crds]}
- {name: db, chart: ./c}
- {name: api, chart: ./c, needs: [db]}
]])
    f:close()
    local g = assert(graph.build(assert(hfl.load(dir .. "/helmfile.yaml"))))
    assert.is_true(g.by_id.crds.release.continueOnError)
    local results = scheduler.run(g, { work = function(node)
      if node.id == "crds" or node.id == "db" then return nil, "no" end
      return true
    end })
    assert.same({ crds = "failed", app = "ok", db = "failed", api = "skipped" }, statuses(results))
  end)

  it("asks opts.continue_on_error when given", function()
    local g = make { { "a" }, { "b", { "a" } } }
    local results = scheduler.run(g, { work = function(n) return n.id ~= "a" end,
      continue_on_error = function(n) return n.id == "a" end })
    assert.same({ a = "failed", b = "ok" }, statuses(results))
    assert.equal("failed", results.a.error)
  end)

  it("runs dependents first with reverse (destroy)", function()
    local g = make { { "db", {}, 0.01 }, { "api", { "db" }, 0.01 }, { "web", { "api" }, 0.01 } }
    local ended = {}
    scheduler.run(g, { reverse = true, work = function(n)
      proc.sleep(n.seconds)
      ended[#ended + 1] = n.id
      return true
    end })
    assert.same({ "web", "api", "db" }, ended)
  end)

  it("skips what a failed release was needed by in a reverse run", function()
    local g = make { { "db" }, { "api", { "db" } } }
    local results = scheduler.run(g, { reverse = true, work = function(n) return n.id ~= "api", "stuck" end })
    assert.same({ api = "failed", db = "skipped" }, statuses(results))
  end)

  it("runs a graph built reversed in its own order", function()
    local f = assert(io.open(dir .. "/helmfile.yaml", "wb"))
    f:write("releases:\n- {name: db, chart: ./c}\n- {name: api, chart: ./c, needs: [db]}\n")
    f:close()
    local g = assert(graph.build(assert(hfl.load(dir .. "/helmfile.yaml")), { reverse = true }))
    local ended = {}
    -- reverse = true again is not a second reversal
    scheduler.run(g, { reverse = true, work = function(n) ended[#ended + 1] = n.id return true end })
    assert.same({ "api", "db" }, ended)
  end)

  it("fails a release whose work raises, finishes the others, then raises the error", function()
    local g = make { { "a" }, { "b", { "a" } }, { "c", {}, 0.02 } }
    local seen
    local ok, err = pcall(scheduler.run, g, { work = function(n)
      if n.id == "a" then error("bug in a") end
      proc.sleep(n.seconds)
      return true
    end, on_event = function(kind, node, info) if kind == "failed" then seen = info.error end end })
    assert.is_false(ok)
    assert.matches("bug in a", err)
    assert.matches("bug in a", seen)
  end)

  it("returns at once for an empty graph", function()
    local results = scheduler.run({ nodes = {} }, { work = function() error("no") end })
    assert.same({}, results.order)
  end)

  it("starts nothing new after SIGINT and reports the rest as cancelled", function()
    local script = dir .. "/run.lua"
    local f = assert(io.open(script, "wb"))
    f:write([[
package.path = "./?.lua;" .. package.path
require "hfl"
local proc = require "hfl.proc"
local scheduler = require "hfl.deploy.scheduler"
local function node(id) return { id = id, needs = {}, dependents = {} } end
local a, b, c, d = node("a"), node("b"), node("c"), node("d")
b.needs, a.dependents = { a }, { b }
local results = scheduler.run({ nodes = { a, b, c, d } }, { concurrency = 2, work = function(n)
  io.stdout:write("start ", n.id, "\n") io.stdout:flush()
  local r = proc.run{ "sleep", "5" }
  return r.ok, "sleep ended by signal " .. tostring(r.signal)
end })
for _, id in ipairs(results.order) do io.stdout:write(id, " ", results[id].status, "\n") end
]])
    f:close()
    local lines, started = {}, 0
    local h
    local t0 = proc.now()
    h = assert(proc.spawn { "luajit", script, timeout = 20, on_stdout = function(line)
      lines[#lines + 1] = line
      if line:match("^start") then
        started = started + 1
        if started == 2 then h:kill("INT") end
      end
    end })
    local r = h:wait()
    assert.is_true(proc.now() - t0 < 4, "the run waited for its sleeps")
    assert.equal(0, r.code, r.stderr)
    assert.same({ "start a", "start c", "a failed", "b cancelled", "c failed", "d cancelled" }, lines)
  end)
end)
