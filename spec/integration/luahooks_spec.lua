-- Lua functions in helmfile.lua: hooks (`run = function(release, event)`), health gates
-- (`health`, `rollback_on_unhealthy`), through `hfl apply` and the Lua API on the fake cluster.
local fakecluster = require "spec.support.fakecluster"
local servers = require "spec.support.servers"
local files = require "spec.support.files"
local write = files.write

local CHART = {
  ["Chart.yaml"] = "apiVersion: v2\nname: app\nversion: 1.0.0\n",
  ["values.yaml"] = "greeting: hello\n",
  ["templates/cm.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n"
    .. "data:\n  greeting: {{ .Values.greeting | quote }}\n",
}

-- The helm calls of one subcommand, as "sub release" strings in call order.
local function helm_calls(fc, sub)
  local out = {}
  for _, c in ipairs(fc:calls("helm")) do
    if c.argv[1] == sub then
      out[#out + 1] = c.argv[2] == "--install" and c.argv[3] or c.argv[2]
    end
  end
  return out
end

describe("Lua functions in helmfile.lua #integration", function()
  local fc, dir

  local function helmfile(text) write(dir .. "/helmfile.lua", text) end
  local function hfl(args) return fc:hfl(args, { cwd = dir }) end

  before_each(function()
    fc = fakecluster.new { helm = 4 }
    dir = servers.tmpdir()
    files.tree(dir .. "/charts/app", CHART)
  end)

  after_each(function()
    fc:cleanup()
    servers.cleanup()
  end)

  describe("hooks with run = function", function()
    it("calls the function with the release and the event, in order with command hooks", function()
      helmfile [[
hooks { { events = { "prepare" }, run = function(r, event) print("global", r == nil, event) end } }
release "db" {
  namespace = "apps", chart = "./charts/app", labels = { tier = "db" },
  hooks = {
    { events = { "presync", "postsync" }, run = function(r, event)
        print("lua", event, r.name, r.namespace, r.id, r.labels.tier)
      end },
    { events = { "postsync" }, command = "echo", args = { "command", "{{ .Event.Name }}" },
      showlogs = true },
  },
}
]]
      local code, _, err = hfl { "apply" }  -- print writes to stderr in helmfile.lua
      assert.equal(0, code, err)
      assert.matches("global\ttrue\tprepare\n", err, 1, true)
      assert.matches("lua\tpresync\tdb\tapps\tapps/db\tdb\n", err, 1, true)
      assert.matches("lua\tpostsync\tdb\tapps\tapps/db\tdb\n", err, 1, true)
      assert.is_true(err:find("lua\tpostsync", 1, true) < err:find("command postsync", 1, true))
      assert.matches("hook[postsync] logs | command postsync", err, 1, true)
      assert.same({ "db" }, helm_calls(fc, "upgrade"))
    end)

    it("fails the release when the function raises, naming its line, and skips its dependents", function()
      helmfile [[
release "db" {
  namespace = "apps", chart = "./charts/app",
  hooks = { { name = "check", events = { "presync" }, run = function(r)
    error("refusing " .. r.name)
  end } },
}
release "api" { namespace = "apps", chart = "./charts/app", needs = { "db" } }
release "other" { namespace = "apps", chart = "./charts/app" }
]]
      local code, _, err = hfl { "apply" }
      assert.equal(1, code)
      assert.matches("failed processing release db: hook[check]: Lua function failed: " .. dir
        .. "/helmfile.lua:4: refusing db", err, 1, true)
      assert.same({ "other" }, helm_calls(fc, "upgrade"))
      assert.matches("Skipped Releases", err)
    end)

    it("runs the function under helmfile.lua's limits: an endless loop is stopped", function()
      helmfile [[
release "db" {
  namespace = "apps", chart = "./charts/app",
  hooks = { { events = { "presync" }, run = function() while true do end end } },
}
]]
      local code, _, err = fc:hfl({ "apply" }, { cwd = dir, env = { HFL_LUA_TIMEOUT = "1",
        HFL_LUA_BUDGET = "1e12" } })
      assert.equal(1, code)
      assert.matches("hook[lua]: Lua function failed: " .. dir .. "/helmfile.lua:3: exceeded the time limit of 1s",
        err, 1, true)
      assert.same({}, helm_calls(fc, "upgrade"))
    end)

    it("shows the hook in build as `run: <lua function>` and refuses run with command", function()
      helmfile [[
release "db" { namespace = "apps", chart = "./charts/app",
  hooks = { { events = { "presync" }, run = function() end } } }
]]
      local code, out, err = hfl { "build" }
      assert.equal(0, code, err)
      assert.matches("    hooks:\n      - events:\n          - presync\n        run: <lua function>\n", out, 1, true)
      helmfile [[
release "db" { namespace = "apps", chart = "./charts/app",
  hooks = { { events = { "presync" }, command = "true", run = function() end } } }
]]
      code, _, err = hfl { "apply" }
      assert.equal(1, code)
      assert.matches("hooks: a hook has either run (a Lua function) or command/kubectlApply, not both", err, 1, true)
      assert.same({}, helm_calls(fc, "upgrade"))
    end)
  end)

  describe("health gates", function()
    -- A ConfigMap the health functions read through ctx.get (the fake API server serves it).
    local function readiness(ready)
      fc:preset_object("apps", { apiVersion = "v1", kind = "ConfigMap",
        metadata = { name = "readiness", namespace = "apps" }, data = { ready = ready } }, nil, "configmap")
    end

    local STATE = [[
release "db" {
  namespace = "apps", chart = "./charts/app", values = { { greeting = "%s" } },
  rollback_on_unhealthy = %s,
  health = function(r, ctx)
    local cm = ctx.get("v1", "ConfigMap", "readiness")
    if not cm then return false, "no readiness ConfigMap" end
    print("health", r.name, cm.data.ready)
    return cm.data.ready == "yes", "readiness of " .. r.name .. " is " .. cm.data.ready
  end,
}
release "api" { namespace = "apps", chart = "./charts/app", needs = { "db" } }
]]

    it("passes a healthy release and its dependents go on", function()
      readiness("yes")
      helmfile(STATE:format("one", "false"))
      local code, _, err = hfl { "apply" }
      assert.equal(0, code, err)
      assert.matches("health\tdb\tyes", err, 1, true)
      assert.same({ "db", "api" }, helm_calls(fc, "upgrade"))
    end)

    it("fails an unhealthy release with the function's reason and skips its dependents", function()
      readiness("no")
      helmfile(STATE:format("one", "false"))
      local code, _, err = hfl { "apply" }
      assert.equal(1, code)
      assert.matches("failed processing release db: unhealthy: readiness of db is no", err, 1, true)
      assert.same({ "db" }, helm_calls(fc, "upgrade"))
      assert.same({}, helm_calls(fc, "rollback"))
      assert.equal(1, #fc:records("apps", "db"))  -- left as it is, not rolled back
    end)

    it("names a missing object and a raised error as unhealthy", function()
      helmfile(STATE:format("one", "false"))
      local code, _, err = hfl { "apply" }
      assert.equal(1, code)
      assert.matches("failed processing release db: unhealthy: no readiness ConfigMap", err, 1, true)
      helmfile [[
release "web" { namespace = "apps", chart = "./charts/app",
  health = function(r, ctx) return ctx.get("v1", "ConfigMap") end }
]]
      code, _, err = hfl { "apply" }
      assert.equal(1, code)
      assert.matches("unhealthy: " .. dir .. "/helmfile.lua:2: get: argument 3 must be a non-empty string", err, 1, true)
    end)

    it("rolls an unhealthy upgrade back to the revision before, and uninstalls an unhealthy first install", function()
      readiness("yes")
      helmfile(STATE:format("one", "true"))
      assert.equal(0, (hfl { "apply" }))
      readiness("no")
      helmfile(STATE:format("two", "true"))
      local code, _, err = hfl { "apply" }
      assert.equal(1, code)
      assert.matches("failed processing release db: unhealthy: readiness of db is no (rolled back to revision 1)",
        err, 1, true)
      assert.same({ "db" }, helm_calls(fc, "rollback"))
      local recs = fc:records("apps", "db")
      assert.equal(3, #recs)
      assert.equal("deployed", recs[3].release.info.status)
      assert.matches('greeting: "one"', recs[3].release.manifest, 1, true)

      helmfile((STATE:format("one", "true"):gsub('"db"', '"cache"')))
      code, _, err = hfl { "apply" }
      assert.equal(1, code)
      assert.matches("failed processing release cache: unhealthy: readiness of cache is no (uninstalled)", err, 1, true)
      assert.same({}, fc:records("apps", "cache"))
    end)

    it("refuses health given as something else than a function", function()
      write(dir .. "/helmfile.yaml", "releases:\n  - name: db\n    chart: ./charts/app\n    health: ok\n")
      os.remove(dir .. "/helmfile.lua")
      local code, _, err = hfl { "apply" }
      assert.equal(1, code)
      assert.matches('release "db": field "health" must be a Lua function (helmfile.lua only), not string', err, 1, true)
    end)
  end)

  it("work the same through the Lua API: st:apply's rows and on_hook see them", function()
    helmfile [[
release "db" { namespace = "apps", chart = "./charts/app",
  hooks = { { name = "note", events = { "postsync" }, run = function(r, event) print("hook", event, r.name) end } },
  health = function(r, ctx) return false, "db never gets ready" end }
release "api" { namespace = "apps", chart = "./charts/app", needs = { "db" } }
]]
    write(dir .. "/flow.lua", [[
local hfl = require "hfl"
local st = assert(hfl.load{ file = "helmfile.lua" })
local result = st:apply{ on_hook = function(event, release, ok, err)
  print("on_hook", event, release and release.name, ok, err)
end }
for _, row in ipairs(result.rows) do print("row", row.release, row.result, row.error) end
]])
    local code, out, err = fc:hfl({ "run", "flow.lua" }, { cwd = dir })
    assert.equal(0, code, err)
    assert.matches("hook\tpostsync\tdb", err, 1, true)
    assert.matches("on_hook\tpostsync\tdb\ttrue\tnil", out, 1, true)
    assert.matches("row\tdb\tfailed\tunhealthy: db never gets ready", out, 1, true)
    assert.matches("row\tapi\tskipped", out, 1, true)
  end)

  it("leaves the functions out of every command's output: list, build, template, diff, plans", function()
    helmfile [[
release "db" { namespace = "apps", chart = "./charts/app",
  hooks = { { events = { "presync" }, run = function() end } },
  health = function() return true end }
]]
    for _, args in ipairs {
      { "list", "--output", "json" }, { "build", "--embed-values" }, { "show-dag" }, { "write-values" },
      { "template" }, { "diff" }, { "lint" }, { "apply", "--dry-run", "--plan-file", "plan.json" },
    } do
      local code, _, err = hfl(args)
      assert.is_true(code == 0 or (args[1] == "diff" and code == 2), table.concat(args, " ") .. ": " .. err)
    end
    local code, _, err = hfl { "apply", "--from-plan", "plan.json" }
    assert.equal(0, code, err)
    assert.same({ "db" }, helm_calls(fc, "upgrade"))
  end)
end)
