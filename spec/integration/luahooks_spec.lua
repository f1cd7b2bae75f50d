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
end)
