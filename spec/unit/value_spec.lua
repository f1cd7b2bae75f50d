local value = require "hfl.value"

describe("hfl.value #unit", function()
  describe("kind()", function()
    it("tells ints from floats by integrality and boxes", function()
      assert.equal("int", value.kind(3))
      assert.equal("float", value.kind(3.5))
      assert.equal("float", value.kind(value.float(1e6)))
      assert.equal("int", value.kind(value.int("9007199254740993")))
    end)
    it("keeps empty maps and lists apart", function()
      assert.equal("map", value.kind(value.map()))
      assert.equal("list", value.kind(value.list()))
      assert.equal("null", value.kind(value.null))
    end)
  end)
  describe("keys()", function()
    it("returns keys in insertion order", function()
      local m = value.map()
      m.zeta = 1
      m.alpha = 2
      m.mid = 3
      assert.same({ "zeta", "alpha", "mid" }, value.keys(m))
      m.alpha = nil
      assert.same({ "zeta", "mid" }, value.keys(m))
    end)
  end)
  describe("int()", function()
    it("keeps the digits of integers beyond 2^53", function()
      assert.equal("9007199254740993", tostring(value.int("9007199254740993")))
      assert.equal(42, value.int("42"))
    end)
  end)
end)
