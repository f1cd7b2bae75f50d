-- The holes of helmfile.lua's first pass (hfl.state.luaholes): values not known yet that can
-- be indexed, compared, computed with and concatenated, and that remember what they stand for.
local holes = require "hfl.state.luaholes"
local value = require "hfl.value"

local function new()
  local st = { kinds = setmetatable({}, { __mode = "k" }) }
  return holes.new(st), st
end

describe("hfl.state.luaholes #unit", function()
  it("reads a missing key as a hole named by its path, and marks the pass touched", function()
    local h, st = new()
    local v = h.values(value.map { db = value.map { host = "x" } })
    assert.equal("x", v.db.host)
    assert.is_nil(st.touched)
    local r = v.db.replicas
    assert.is_true(st.touched)
    assert.is_true(h.is_hole(r))
    assert.equal("values.db.replicas", h.path(r))
    assert.equal("values.db.replicas.x[\"a-b\"]", h.path(r.x["a-b"]))
    assert.equal("<values.db.replicas not known yet>", tostring(r))
  end)

  it("compares with numbers and strings on either side without failing", function()
    local h = new()
    local v = h.values(value.map {})
    assert.is_false(v.n > 2)
    assert.is_false(2 < v.n)
    assert.is_false(v.n <= 2)
    assert.is_false(v.n == 2)
    assert.is_true(v.n ~= 2)
    assert.is_false(v.s < "m")
  end)

  it("gives a hole of the same value for arithmetic, concatenation and calls", function()
    local h = new()
    local v = h.values(value.map {})
    for _, r in ipairs { v.n + 1, 1 + v.n, v.n * 2, -v.n, "web-" .. v.n, v.n .. "-x", v.n:upper() } do
      assert.is_true(h.is_hole(r))
      assert.matches("^values%.n", h.path(r))
    end
  end)

  it("has no items: length 0 and loops over it run no iteration", function()
    local h = new()
    local v = h.values(value.map {})
    assert.equal(0, #v.list)
    local n = 0
    for _ in pairs(v.list) do n = n + 1 end
    for _ in ipairs(v.list) do n = n + 1 end
    assert.equal(0, n)
  end)

  it("keeps the holes of two evaluations apart", function()
    local a, b = new(), new()
    local ha = a.values(value.map {}).x
    assert.is_true(a.is_hole(ha))
    assert.is_false(b.is_hole(ha))
    assert.is_false(a.is_hole({}))
    assert.is_nil(b.path(ha))
  end)

  it("returns a hole from a template function given one, and never runs exec", function()
    local h = new()
    local calls = 0
    local upper = h.function_for("upper", function(s) calls = calls + 1 return s:upper() end)
    assert.equal("A", upper("a"))
    assert.is_true(h.is_hole(upper(h.values(value.map {}).x)))
    assert.is_true(h.is_hole(upper({ nested = h.values(value.map {}).x })))
    assert.equal(1, calls)
    local exec = h.function_for("exec", function() error("ran") end)
    assert.equal("exec(…)", h.path(exec("sh")))
  end)
end)
