-- The deploy methods of the Lua API (st:plan, st:apply, st:sync, st:destroy, st:status) as a
-- workflow script run by `hfl run`, against the fake cluster.
local fakecluster = require "spec.support.fakecluster"
local servers = require "spec.support.servers"
local files = require "spec.support.files"
local write = files.write

describe("the deploy API from Lua #integration", function()
  local fc, dir

  before_each(function()
    fc = fakecluster.new { helm = 4 }
    dir = servers.tmpdir()
    write(dir .. "/charts/app/Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\n")
    write(dir .. "/charts/app/templates/cm.yaml",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n")
    write(dir .. "/helmfile.yaml", [[
releases:
  - name: db
    namespace: apps
    chart: ./charts/app
  - name: api
    namespace: apps
    chart: ./charts/app
    needs: [db]
]])
  end)

  after_each(function()
    fc:cleanup()
    servers.cleanup()
  end)

  local function run(script)
    write(dir .. "/flow.lua", script)
    return fc:hfl({ "run", "flow.lua" }, { cwd = dir })
  end

  it("plans, applies with events, and reads the result table", function()
    local code, out, err = run [[
local hfl = require "hfl"
local st = assert(hfl.load{ file = "helmfile.yaml" })
local planned = assert(st:plan{})
for _, item in ipairs(planned.plan.items) do print("plan", item.action, item.id, item.reason) end
local events = {}
local result = assert(st:apply{ on_event = function(kind, node) events[#events + 1] = kind .. " " .. node.id end })
for _, row in ipairs(result.rows) do print("row", row.release, row.action, row.result, row.revision) end
print("events", table.concat(events, ", "))
print("changed", result.changed, "failed", result.failed)
local again = assert(hfl.load{ file = "helmfile.yaml" }):apply{}
print("again", again.changed)
]]
    assert.equal(0, code, err)
    assert.matches("plan\tinstall\tapps/db\tnot installed", out, 1, true)
    assert.matches("row\tapi\tinstall\tok\t1", out, 1, true)
    assert.matches("events\tstart apps/db, done apps/db, start apps/api, done apps/api", out, 1, true)
    assert.matches("changed\t2\tfailed\t0", out, 1, true)
    assert.matches("again\t0", out, 1, true)
  end)

  it("returns failed releases in the result and a cycle as nil, err", function()
    fc.opts.fail = { "db" }
    local code, out, err = run [[
local hfl = require "hfl"
local st = assert(hfl.load{ file = "helmfile.yaml" })
local result = assert(st:apply{})
for _, row in ipairs(result.rows) do print("row", row.release, row.result) end
print("error", result.errors[1]:match("^[^\n]*"))
local ok, perr = pcall(st.apply, st, { bogus = true })
print("misuse", ok, (tostring(perr):match("unknown option[^\n]*")))
]]
    assert.equal(0, code, err)
    assert.matches("row\tdb\tfailed", out, 1, true)
    assert.matches("row\tapi\tskipped", out, 1, true)
    assert.matches("error\tfailed processing release db", out, 1, true)
    assert.matches('misuse\tfalse\tunknown option "bogus"', out, 1, true)
  end)

  it("calls on_release_start/done and on_hook, and stops when cancelled says so", function()
    write(dir .. "/helmfile.yaml", [[
releases:
  - name: db
    namespace: apps
    chart: ./charts/app
    hooks:
      - events: [presync]
        command: "true"
  - name: api
    namespace: apps
    chart: ./charts/app
    needs: [db]
  - name: web
    namespace: apps
    chart: ./charts/app
    needs: [api]
]])
    local code, out, err = run [[
local hfl = require "hfl"
local st = assert(hfl.load{ file = "helmfile.yaml" })
local stop = false
local result = assert(st:apply{
  on_release_start = function(r) print("start", r.name) end,
  on_release_done = function(r, _, info) print("done", r.name, info.result); stop = r.name == "api" end,
  on_hook = function(event, r, ok) print("hook", event, r.name, ok) end,
  cancelled = function() return stop end,
})
for _, row in ipairs(result.rows) do print("row", row.release, row.result) end
local diff = assert(hfl.load{ file = "helmfile.yaml" }):diff{}
for _, item in ipairs(diff.plan.items) do
  print("diff", item.name, item.action, item.changes and #item.changes.changes or 0)
end
]]
    assert.equal(0, code, err)
    assert.matches("start\tdb\nhook\tpresync\tdb\ttrue\ndone\tdb\tok\nstart\tapi\ndone\tapi\tok\n", out, 1, true)
    assert.matches("row\tweb\tcancelled", out, 1, true)
    assert.matches("diff\tweb\tinstall\t1", out, 1, true)
    assert.matches("diff\tdb\tunchanged\t0", out, 1, true)
  end)

  it("reports a release that could not be planned as failed, and its dependents as skipped", function()
    local code, out, err = run [[
local hfl = require "hfl"
local st = assert(hfl.load{ file = "helmfile.yaml", kube_context = "nowhere" })
local result = assert(st:apply{})
for _, row in ipairs(result.rows) do print("row", row.release, row.action, row.result) end
]]
    assert.equal(0, code, err)
    assert.matches("row\tdb\terror\tfailed", out, 1, true)
    assert.matches("row\tapi\terror\tskipped", out, 1, true)
  end)
end)

