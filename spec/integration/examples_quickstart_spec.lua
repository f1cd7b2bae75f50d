-- examples/quickstart (local charts, two environments, no network) through the CLI, applied to
-- the fake cluster, and examples/embed (a plain LuaJIT program using require "hfl") over it.
local fakecluster = require "spec.support.fakecluster"
local hflrun = require "spec.support.hflrun"
local proc = require "hfl.proc"

local DIR = hflrun.root() .. "/examples/quickstart"

describe("examples/quickstart #integration", function()
  it("renders with `hfl template`, per environment", function()
    local code, out, err = hflrun.run({ "-e", "prod", "template" }, { cwd = DIR })
    assert.equal(0, code, err)
    assert.matches("# Source: db/templates/pvc.yaml\n", out, 1, true)
    assert.matches("  namespace: shop\nspec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n"
      .. "      storage: 20Gi\n", out, 1, true)
    assert.matches('  greeting: "hello from prod"\n  replicas: "3"\n', out, 1, true)
    -- db first: web needs it
    assert.truthy(out:find("db/templates", 1, true) < out:find("web/templates", 1, true))
    code, out, err = hflrun.run({ "template", "-l", "tier=web" }, { cwd = DIR })
    assert.equal(0, code, err)
    assert.matches('  greeting: "hello from default"\n  replicas: "1"\n', out, 1, true)
    assert.not_matches("PersistentVolumeClaim", out)
  end)

  it("shows the rendered state with `hfl build`", function()
    local code, out, err = hflrun.run({ "-e", "prod", "build" }, { cwd = DIR })
    assert.equal(0, code, err)
    assert.matches("  - chart: ./charts/web\n    needs:\n      - shop/db\n", out, 1, true)
    assert.matches("      - greeting: hello from prod\n        replicas: 3\n", out, 1, true)
  end)

  describe("hfl apply against the fake cluster", function()
    local fc
    before_each(function() fc = fakecluster.new { helm = 4 } end)
    after_each(function() fc:cleanup() end)

    it("installs db before web, then changes nothing on a second apply", function()
      local code, out, err = fc:hfl({ "-e", "prod", "apply" }, { cwd = DIR })
      assert.equal(0, code, out .. err)
      local installs = {}
      for _, c in ipairs(fc:calls("helm")) do
        if c.argv[1] == "upgrade" then
          for i = 2, #c.argv do
            if c.argv[i]:sub(1, 1) ~= "-" then installs[#installs + 1] = c.argv[i] break end
          end
        end
      end
      assert.same({ "db", "web" }, installs)
      assert.equal(1, #fc:records("shop", "web"))
      assert.matches('greeting: "hello from prod"', fc:records("shop", "web")[1].release.manifest, 1, true)
      fc:clear_calls()
      code, out, err = fc:hfl({ "-e", "prod", "apply" }, { cwd = DIR })
      assert.equal(0, code, out .. err)
      for _, c in ipairs(fc:calls("helm")) do assert.not_equal("upgrade", c.argv[1]) end
    end)
  end)
end)

describe("examples/embed #integration", function()
  it("reports the quickstart's releases per environment from plain luajit", function()
    local r = assert(proc.run { "luajit", "examples/embed/main.lua", cwd = hflrun.root(),
      env = { LUA_PATH = false, LUA_CPATH = false, LUA_INIT = false } })
    assert.equal(0, r.code, r.stderr)
    assert.equal(table.concat({
      "default:",
      "  - shop-dev/db (./charts/db)",
      "  - shop-dev/web (./charts/web)",
      "prod:",
      "  - shop/db (./charts/db)",
      "  - shop/web (./charts/web)",
      "",
    }, "\n"), r.stdout)
    assert.equal("", r.stderr)
  end)

  it("fails with one line for an environment the helmfile does not define", function()
    local r = assert(proc.run { "luajit", "examples/embed/main.lua", "examples/quickstart", "staging",
      cwd = hflrun.root() })
    assert.equal(1, r.code)
    assert.equal('embed: failed to read examples/quickstart/helmfile.yaml.gotmpl: environment "staging" '
      .. "is not defined; defined: default, prod\n", r.stderr)
  end)
end)
