local trim = require "hfl.trim"

describe("hfl.trim #unit", function()
  it("removes Lua's whitespace from either end", function()
    assert.equal("a b", trim.both(" \t\r\n\v\fa b \n"))
    assert.equal("a b \n", trim.left("  a b \n"))
    assert.equal("  a b", trim.right("  a b \t\n"))
    assert.equal("", trim.both("   "))
    assert.equal("", trim.right(""))
    assert.equal("x", trim.both("x"))
  end)

  it("takes time linear in the length of a run of spaces inside the string", function()
    local s = "a" .. (" "):rep(2e6) .. "b"
    local t0 = os.clock()
    for _ = 1, 5 do
      assert.equal(s, trim.both(s))
      assert.equal(s, trim.right(s))
    end
    assert.truthy(os.clock() - t0 < 2)
  end)
end)
