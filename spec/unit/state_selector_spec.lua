-- Specs of hfl.state.selector: Helmfile's -l selectors (compat §6.1).
local selector = require "hfl.state.selector"

local function labels(t) return t end

describe("hfl.state.selector #unit", function()
  describe("parse()", function()
    it("reads k=v and k!=v terms into the map form the loader uses", function()
      local f = assert(selector.parse { "tier=web,app!=x" })
      assert.equal(1, #f)
      assert.equal("web", f[1].tier)
      assert.equal("x", f[1]["!app"])
      assert.same({ { "tier", "web", false }, { "app", "x", true } }, f[1].terms)
    end)

    it("gives one filter per selector (repeated -l)", function()
      local f = assert(selector.parse { "a=1", "b=2" })
      assert.equal(2, #f)
    end)

    it("rejects malformed terms with Helmfile's message", function()
      local f, err = selector.parse { "tier" }
      assert.is_nil(f)
      assert.equal("malformed label: tier. Expected label in form k=v or k!=v", err)
      assert.is_nil((selector.parse { "a=" }))
      assert.is_nil((selector.parse { "a b=c" }))
      assert.is_nil((selector.parse { "a=1,,b=2" }))
    end)

    it("accepts the characters Helmfile allows in keys and values", function()
      assert.is_table((selector.parse { "app.kubernetes.io/name=my_app-1+2" }))
    end)
  end)

  describe("match()", function()
    local rel = labels { name = "api", namespace = "web", chart = "api", tier = "front" }

    it("matches everything when there is no selector", function()
      assert.is_true(selector.match({}, rel))
      assert.is_true(selector.match(nil, rel))
    end)

    it("ANDs the terms of one selector", function()
      assert.is_true(selector.match(selector.parse { "tier=front,name=api" }, rel))
      assert.is_false(selector.match(selector.parse { "tier=front,name=db" }, rel))
    end)

    it("ORs several selectors", function()
      assert.is_true(selector.match(selector.parse { "name=db", "name=api" }, rel))
      assert.is_false(selector.match(selector.parse { "name=db", "name=cache" }, rel))
    end)

    it("treats k!=v as absent or different", function()
      assert.is_true(selector.match(selector.parse { "missing!=x" }, rel))
      assert.is_true(selector.match(selector.parse { "tier!=back" }, rel))
      assert.is_false(selector.match(selector.parse { "tier!=front" }, rel))
    end)

    it("requires k=v labels to be present", function()
      assert.is_false(selector.match(selector.parse { "missing=x" }, rel))
    end)

    it("accepts filters in the plain map form", function()
      assert.is_true(selector.match({ { tier = "front", ["!name"] = "db" } }, rel))
      assert.is_false(selector.match({ { tier = "front", ["!name"] = "api" } }, rel))
    end)
  end)

  describe("compatible()", function()
    it("is false only when every pair requires one key to have two values", function()
      assert.is_false(selector.compatible(selector.parse { "tier=a" }, selector.parse { "tier=b" }))
      assert.is_true(selector.compatible(selector.parse { "tier=a" }, selector.parse { "tier=b", "tier=a" }))
      assert.is_true(selector.compatible(selector.parse { "tier=a" }, selector.parse { "tier!=a" }))
      assert.is_true(selector.compatible({}, selector.parse { "tier=a" }))
    end)
  end)
end)
