-- examples/workflows/canary.lua, multi-cluster.lua and drift-report.lua run through `hfl run`
-- over examples/quickstart, against the fake cluster: what they print, their exit codes, what
-- they install and the report they write.
local fakecluster = require "spec.support.fakecluster"
local hflrun = require "spec.support.hflrun"
local json = require "hfl.stdlib.json"
local fs = require "hfl.fs"
local value = require "hfl.value"
local servers = require "spec.support.servers"

local ROOT = hflrun.root()
local QUICKSTART = ROOT .. "/examples/quickstart"
local function script(name) return ROOT .. "/examples/workflows/" .. name end

-- the releases helm installed or upgraded, in order
local function upgrades(fc)
  local out = {}
  for _, c in ipairs(fc:calls("helm")) do
    if c.argv[1] == "upgrade" then
      for i = 2, #c.argv do
        if c.argv[i]:sub(1, 1) ~= "-" then out[#out + 1] = c.argv[i] break end
      end
    end
  end
  return out
end

describe("examples/workflows/canary.lua #integration", function()
  local fc
  before_each(function() fc = fakecluster.new { helm = 4 } end)
  after_each(function() fc:cleanup() end)

  it("applies tier=db, checks its status, then applies the rest", function()
    local code, out, err = fc:hfl({ "-e", "prod", "run", script("canary.lua") }, { cwd = QUICKSTART })
    assert.equal(0, code, out .. err)
    assert.matches("[tier=db] shop/db ok (", out, 1, true)
    assert.matches("[tier=db] shop/db status deployed\n", out, 1, true)
    assert.matches("[tier!=db] shop/web ok (", out, 1, true)
    assert.matches("canary: tier=db and the rest applied (2 changed)\n", out, 1, true)
    assert.truthy(out:find("status deployed", 1, true) < out:find("shop/web ok", 1, true))
    assert.same({ "db", "web" }, upgrades(fc))
    local statuses = {}
    for _, c in ipairs(fc:calls("helm")) do
      if c.argv[1] == "status" then statuses[#statuses + 1] = c.argv[2] end
    end
    assert.same({ "db" }, statuses)
    assert.equal(1, #fc:records("shop", "web"))
  end)

  it("stops before the rest with a clear message and exit 1 when the db step fails", function()
    fc.opts.fail = { "db" }
    local code, out, err = fc:hfl({ "-e", "prod", "run", script("canary.lua") }, { cwd = QUICKSTART })
    assert.equal(1, code, out .. err)
    assert.matches("[tier=db] shop/db failed (", out, 1, true)
    assert.matches("canary: step tier=db failed, nothing else was applied: ", err, 1, true)
    assert.matches("db", err:match("nothing else was applied: ([^\n]*)"), 1, true)
    assert.equal(1, select(2, err:gsub("\n", "")), err)   -- one line, no traceback
    assert.same({ "db" }, upgrades(fc))
    assert.equal(0, #fc:records("shop", "web"))
  end)

  it("refuses a first step that is not KEY=VALUE", function()
    local code, out, err = fc:hfl({ "run", script("canary.lua"), "tier" }, { cwd = QUICKSTART })
    assert.equal(1, code, out .. err)
    assert.equal('canary: "tier" is not KEY=VALUE (e.g. tier=db)\n', err)
    assert.same({}, upgrades(fc))
  end)
end)

describe("examples/workflows/multi-cluster.lua #integration", function()
  local fc
  before_each(function() fc = fakecluster.new { helm = 4, contexts = { "east", "west" } } end)
  after_each(function() fc:cleanup() end)

  it("applies the state to each context given and prints one summary table", function()
    local code, out, err = fc:hfl({ "-e", "prod", "run", script("multi-cluster.lua"), "east", "west" },
      { cwd = QUICKSTART })
    assert.equal(0, code, out .. err)
    local lines = {}
    for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
    assert.equal(5, #lines, out)
    assert.matches("^CONTEXT%s+RELEASE%s+ACTION%s+RESULT%s+DURATION$", lines[1])
    assert.matches("^east%s+shop/db%s+install%s+ok%s+%d+%.%ds$", lines[2])
    assert.matches("^east%s+shop/web%s+install%s+ok%s+%d+%.%ds$", lines[3])
    assert.matches("^west%s+shop/db%s+install%s+ok%s+%d+%.%ds$", lines[4])
    assert.matches("^west%s+shop/web%s+install%s+ok%s+%d+%.%ds$", lines[5])
    for _, ctx in ipairs { "east", "west" } do
      assert.equal(1, #fc:records("shop", "db", ctx))
      assert.equal(1, #fc:records("shop", "web", ctx))
    end
    assert.equal(0, #fc:records("shop", "web"))   -- the current context is left alone
    -- every helm call named its context
    for _, c in ipairs(fc:calls("helm")) do
      if c.argv[1] == "upgrade" then
        assert.truthy(table.concat(c.argv, " "):find("--kube-context", 1, true), table.concat(c.argv, " "))
      end
    end
  end)

  it("says unchanged on a second run and exit 1 with the failures in the table", function()
    assert.equal(0, (fc:hfl({ "run", script("multi-cluster.lua"), "east" }, { cwd = QUICKSTART })))
    fc.opts.fail = { "web" }
    local code, out, err = fc:hfl({ "run", script("multi-cluster.lua"), "east", "west" },
      { cwd = QUICKSTART })
    assert.equal(1, code, out .. err)
    assert.matches("\neast%s+shop%-dev/db%s+unchanged%s+ok%s", out)
    assert.matches("\neast%s+shop%-dev/web%s+unchanged%s+ok%s", out)
    assert.matches("\nwest%s+shop%-dev/db%s+install%s+ok%s", out)
    assert.matches("\nwest%s+shop%-dev/web%s+install%s+failed%s", out)
    assert.matches("^west: [^\n]*web", err)   -- why it failed, one line per error
  end)

  it("with --dry-run prints the plan per context and installs nothing", function()
    local code, out, err = fc:hfl({ "run", script("multi-cluster.lua"), "--dry-run", "east", "west" },
      { cwd = QUICKSTART })
    assert.equal(0, code, out .. err)
    assert.matches("\neast%s+shop%-dev/db%s+install%s+planned\n", out)
    assert.matches("\nwest%s+shop%-dev/web%s+install%s+planned\n", out)
    assert.same({}, upgrades(fc))
  end)

  it("wants at least one context", function()
    local code, _, err = fc:hfl({ "run", script("multi-cluster.lua") }, { cwd = QUICKSTART })
    assert.equal(1, code)
    assert.matches("^multi%-cluster: name at least one kube context", err)
  end)
end)

describe("examples/workflows/drift-report.lua #integration", function()
  local fc, dir
  before_each(function()
    fc = fakecluster.new { helm = 4 }
    dir = servers.tmpdir()
  end)
  after_each(function()
    fc:cleanup()
    servers.cleanup()
  end)

  local function report(path)
    return assert(json.decode(assert(fs.read(path))))
  end

  it("exits 0 and reports every release unchanged when the cluster matches the state", function()
    local code, out, err = fc:hfl({ "apply" }, { cwd = QUICKSTART })
    assert.equal(0, code, out .. err)
    code, out, err = fc:hfl({ "run", script("drift-report.lua"), dir .. "/drift.json" }, { cwd = QUICKSTART })
    assert.equal(0, code, out .. err)
    assert.matches("drift-report: 0 of 2 releases differ, 0 errors; wrote " .. dir .. "/drift.json", out, 1, true)
    local r = report(dir .. "/drift.json")
    assert.equal(0, value.tonumber(r.drifted))
    assert.equal("default", r.environment)
    assert.equal(2, #r.releases)
    for _, rel in ipairs(r.releases) do
      assert.equal("unchanged", rel.action)
      assert.equal(0, #rel.resources)
    end
  end)

  it("exits 2 and writes the per-resource changes when releases differ", function()
    assert.equal(0, (fc:hfl({ "apply", "-l", "tier=db" }, { cwd = QUICKSTART })))
    local code, out, err = fc:hfl({ "--state-values-set", "db.storage=50Gi", "run", script("drift-report.lua"),
      dir .. "/drift.json" }, { cwd = QUICKSTART })
    assert.equal(2, code, out .. err)
    assert.matches("drift-report: 2 of 2 releases differ", out, 1, true)
    local r = report(dir .. "/drift.json")
    assert.equal(2, value.tonumber(r.drifted))
    local by = {}
    for _, rel in ipairs(r.releases) do by[rel.name] = rel end
    assert.equal("upgrade", by.db.action)
    assert.equal(1, #by.db.resources)
    local pvc = by.db.resources[1]
    assert.same({ "change", "PersistentVolumeClaim", "db-data", "shop-dev" }, { pvc.action, pvc.kind, pvc.name, pvc.namespace })
    assert.matches("\n-       storage: 1Gi\n+       storage: 50Gi", pvc.diff, 1, true)
    assert.equal("install", by.web.action)
    assert.equal("ConfigMap", by.web.resources[1].kind)
    assert.equal("add", by.web.resources[1].action)
  end)

  it("wants the report file and writes nothing on a state that does not load", function()
    local code, _, err = fc:hfl({ "run", script("drift-report.lua") }, { cwd = QUICKSTART })
    assert.equal(1, code)
    assert.matches("^drift%-report: name the report file", err)
    code, _, err = fc:hfl({ "-e", "nope", "run", script("drift-report.lua"), dir .. "/drift.json" },
      { cwd = QUICKSTART })
    assert.equal(1, code)
    assert.matches("^drift%-report: [^\n]*nope", err)
    assert.is_nil(fs.read(dir .. "/drift.json"))
  end)
end)
