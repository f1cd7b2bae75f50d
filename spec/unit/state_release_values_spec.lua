-- Specs of hfl.state.releasevalues (release:values(), the --set parser) and of the hfl.load
-- state object (select, dag, build) on fixtures.
local hfl = require "hfl"
local value = require "hfl.value"
local rv = require "hfl.state.releasevalues"

local FIX = "spec/fixtures/state/releases/"
local DECRYPT = { "sh", "spec/support/fake-decrypt.sh" }

local function load(dir, opts)
  opts = opts or {}
  opts.file = FIX .. dir
  opts.secrets_decrypt = opts.secrets_decrypt or DECRYPT
  return assert(hfl.load(opts))
end

local function by_name(list)
  local m = {}
  for _, r in ipairs(list) do m[r.name] = r end
  return m
end

local function names(list)
  local out = {}
  for i, r in ipairs(list) do out[i] = r.name end
  return out
end

describe("hfl.state.releasevalues #unit", function()
  describe("typed()", function()
    it("types --set values as helm does", function()
      assert.equal(true, rv.typed("TRUE"))
      assert.equal(false, rv.typed("false"))
      assert.equal(value.null, rv.typed("null"))
      assert.equal(0, rv.typed("0"))
      assert.equal(42, rv.typed("42"))
      assert.equal("042", rv.typed("042"))
      assert.equal("1.5", rv.typed("1.5"))
      assert.equal("v1", rv.typed("v1"))
    end)
  end)

  describe("apply_set()", function()
    it("sets nested keys, list indexes, lists and escaped characters", function()
      local m = value.map()
      assert(rv.apply_set(m, [[a.b=c,l[1]=x,list={1,two},esc=a\,b,dot\.ted=1]]))
      assert.equal("c", m.a.b)
      assert.equal(value.null, m.l[1])
      assert.equal("x", m.l[2])
      assert.same({ 1, "two" }, { m.list[1], m.list[2] })
      assert.equal("a,b", m.esc)
      assert.equal(1, m["dot.ted"])
    end)

    it("keeps strings with --set-string", function()
      local m = value.map()
      assert(rv.apply_set(m, "n=10,b=true", { string = true }))
      assert.equal("10", m.n)
      assert.equal("true", m.b)
    end)

    it("rejects a key without a value", function()
      local ok, err = rv.apply_set(value.map(), "a,b=1")
      assert.is_nil(ok)
      assert.matches('key "a" has no value', err)
    end)
  end)

  describe("release:values()", function()
    local rels = by_name(load("values"):releases())

    it("merges valuesTemplate, values files (with valuesPathPrefix), .gotmpl files and inline maps in order", function()
      local v = assert(rels.app:values { set = false })
      assert.equal("app", v.low)
      assert.is_true(v.base)
      assert.equal(1, v.nested.a)
      assert.equal("ns", v.nested.b)
      assert.equal("app", v.release)
      assert.is_true(v.inline)
    end)

    it("replaces lists and lets an explicit null set null (Helmfile's write-values merge)", function()
      local v = assert(rels.app:values { set = false })
      assert.same({ 9 }, { v.list[1], v.list[2] })
      assert.equal(value.null, v.drop)
    end)

    it("adds decrypted secrets after the values", function()
      assert.equal("s3cret", assert(rels.app:values()).password)
    end)

    it("applies set, setString, set values lists and set files like helm --set", function()
      local v = assert(rels.app:values())
      assert.equal("1.0", v.image.tag)
      assert.equal(3, v.count)
      assert.equal("3", v.count2)
      assert.same({ "a", true }, { v.flags[1], v.flags[2] })
      assert.equal("dotted", v["a.b"])
      assert.equal("second", v.items[2].name)
      assert.equal("hello\n", v.cfg)
    end)

    it("applies --set before --set-string, as helm does", function()
      local v = assert(rels.envrel:values())
      assert.equal("1", v.s)
      assert.equal("overridden-by-set-string", v.home.dir)
    end)

    it("sets deprecated env entries from environment variables and fails for an unset one", function()
      local v = assert(rels.envrel:values { set = true })
      assert.equal(os.getenv("HOME"), v.home.path)
      local _, err = rels.envmissing:values()
      assert.matches('environment variable "HFL_SPEC_SURELY_UNSET_VARIABLE" is not set', err)
    end)

    it("leaves set out with set = false (what write-values writes)", function()
      local v = assert(rels.app:values { set = false })
      assert.is_nil(v.count)
      assert.is_nil(v.image)
    end)

    it("skips a missing file under missingFileHandler Warn", function()
      assert.same({}, (function() local t = {} for k, x in pairs(assert(rels.missing:values())) do t[k] = x end return t end)())
    end)

    it("fails for a missing file under the default handler", function()
      local st = hfl.load { file = FIX .. "anchors/helmfile.yaml" }
      local v = assert(st:releases()[1]:values())
      assert.equal(1, v.shared)
    end)

    it("evaluates .lua values files (hfl.state.luafile) with the environment", function()
      local v = assert(rels.lua:values())
      assert.is_true(v.from_lua)
      assert.equal("default", v.env)
    end)
  end)
end)

describe("hfl.load state objects #unit", function()
  describe(":releases()", function()
    it("leaves out releases whose condition is off, unless all = true", function()
      local st = load("basic")
      assert.same({ "api", "db", "old" }, names(st:releases()))
      assert.same({ "api", "db", "cache", "old" }, names(st:releases { all = true }))
      assert.same({ "api", "db", "cache", "old" }, names(load("basic", { environment = "prod" }):releases()))
    end)

    it("renders templates with environment values", function()
      local r = by_name(load("basic", { environment = "prod" }):releases())
      assert.equal("production", r.api.namespace)
      assert.equal("kind-dev/production/db", r.api.needs[1])
      assert.equal("kind-dev", r.api.kubeContext)
      assert.equal("true", r.api.labels.monitored)
    end)

    it("takes state values from a list of --state-values-set strings", function()
      local r = by_name(load("basic", { state_values = { "ns=override" } }):releases())
      assert.equal("override", r.api.namespace)
    end)
  end)

  describe(":select()", function()
    local st = load("basic", { environment = "prod" })

    it("selects by labels, built-ins included, with OR between selectors", function()
      assert.same({ "api", "db" }, names(assert(st:select("tier=backend"))))
      assert.same({ "api", "old" }, names(assert(st:select("name=api", "namespace=legacy"))))
      assert.same({ "db" }, names(assert(st:select("tier=backend,chart!=api"))))
    end)

    it("uses the selectors given to hfl.load by default", function()
      assert.same({ "cache" }, names(assert(load("basic", { environment = "prod", selectors = { "chart=redis" } }):select())))
    end)

    it("fails when two selected releases share an ID, not when one is selected", function()
      local dup = load("dup")
      local _, err = dup:select()
      assert.matches('duplicate release "api" found in namespace "a": there were 2 releases', err)
      assert.same({ "api" }, names(assert(dup:select("v=two"))))
      assert.equal("x/api2", assert(dup:select("v=two"))[1].chart)
    end)

    it("reports malformed selectors", function()
      local _, err = st:select("tier")
      assert.matches("malformed label: tier", err)
    end)
  end)

  describe(":dag()", function()
    local st = load("basic", { environment = "prod" })
    local function ids(batches)
      local out = {}
      for i, b in ipairs(batches) do out[i] = names(b) end
      return out
    end

    it("plans every selected release in batches", function()
      assert.same({ { "db", "old" }, { "api", "cache" } }, ids(assert(st:dag())))
    end)

    it("skips unselected needs by default and adds them with include_needs", function()
      assert.same({ { "api" } }, ids(assert(st:dag { selectors = { "name=api" } })))
      assert.same({ { "db" }, { "api" } }, ids(assert(st:dag { selectors = { "name=api" }, include_needs = true })))
      assert.same({ { "db" }, { "api" } }, ids(assert(st:dag { selectors = { "name=api" }, include_transitive_needs = true })))
    end)

    it("fails with skip_needs = false and no include", function()
      local _, err = st:dag { selectors = { "name=api" }, skip_needs = false }
      assert.matches('which does not match the selectors%. Please add a selector like "%-%-selector name=db"', err)
    end)

    it("reverses the plan for deletes", function()
      assert.same({ { "api", "cache" }, { "db", "old" } }, ids(assert(st:dag { reverse = true })))
    end)

    it("reports a needs cycle naming the state", function()
      local _, err = load("cycle"):dag()
      assert.matches("in .*helmfile%.yaml: cycle detected: a %-> b %-> c %-> a", err)
    end)
  end)

  describe(":build()", function()
    it("prints each state with its Source header and Helmfile's key order", function()
      local text = assert(load("basic"):build())
      assert.matches("^%-%-%-\n#  Source: /.*/basic/helmfile%.yaml%.gotmpl\n\nfilepath: helmfile%.yaml%.gotmpl\nhelmBinary: helm\nkustomizeBinary: kustomize\n", text)
      assert.matches("\ntemplates:\n", text)
      assert.matches("\nrenderedvalues:\n", text)
      assert.is_truthy(text:find("  %- chart: charts/api\n    version: 1%.2%.3\n    needs:\n"))
    end)

    it("inlines values files with embed_values", function()
      local text = assert(load("basic"):build { embed_values = true })
      assert.is_truthy(text:find("      %- common: true\n"))
      local rels = text:sub(1, text:find("\ntemplates:") or #text)
      assert.is_falsy(rels:find("values/common.yaml", 1, true))
    end)

    it("prints one document per state, sub-helmfiles first", function()
      local text = assert(load("sub"):build())
      local first = text:find("apps/a.yaml.gotmpl", 1, true)
      local second = text:find("sub/helmfile.yaml", 1, true)
      assert.is_truthy(first and second and first < second)
    end)
  end)
end)
