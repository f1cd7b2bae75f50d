-- hfl.state.luapattern: Lua patterns matched in Lua (for the sandbox) give the string library's
-- results, and hfl.state.luasandbox sends only costly calls there.
local luapattern = require "hfl.state.luapattern"

local function all(...) return { n = select("#", ...), ... } end
local function same(a, b)
  if a.n ~= b.n then return false end
  for i = 1, a.n do if a[i] ~= b[i] then return false end end
  return true
end
local function show(r)
  local t = {}
  for i = 1, r.n do t[i] = tostring(r[i]) end
  return table.concat(t, ", ")
end

local CASES = {
  { "hello world", "o", 1 }, { "hello world", "(o)(r)" }, { "hello", "l+" }, { "hello", "^h(.-)o$" },
  { "  trim me  ", "^%s*(.-)%s*$" }, { "key = value", "(%w+)%s*=%s*(%w+)" }, { "a,b,,c", "([^,]*)" },
  { "THE (quick) fox", "%((%a+)%)" }, { "f(a(b)c)d", "%b()" }, { "THE (quick) fox", "%f[%a]%a+", 5 },
  { "abcabc", "(abc)%1" }, { "hello", "()ll()" }, { "x", "" }, { "", "a*" }, { "abc", "b", -1 },
  { "abc", "b", -2 }, { "a.b", ".", 1, true }, { "a+b", "+", 1, true }, { "[x]", "[]]" },
  { "a-b", "[a%-]+" }, { "a]b", "[^]]+" }, { "abc", "[a-b]+" }, { "1.5e10", "^[%d%.]+e?%d*$" },
  { "x^y", "x^y" }, { "end$", "d$" }, { "a$b", "$b" }, { "ü-ß", "[\128-\255]+" }, { "a1 B2", "%u%d" },
  { "tab\there", "%c" }, { "x=1, y=22", "(%a)=(%d+)" }, { "aaa", "a-", 2 }, { "abc", "c", 10 },
}

describe("hfl.state.luapattern #unit", function()
  for _, name in ipairs { "find", "match" } do
    it(name .. " gives string." .. name .. "'s results", function()
      for _, c in ipairs(CASES) do
        local want, got = all(pcall(string[name], c[1], c[2], c[3], c[4])), all(pcall(luapattern[name], c[1], c[2], c[3], c[4]))
        assert(same(want, got), ("%s(%q, %q): %s ≠ %s"):format(name, c[1], c[2], show(want), show(got)))
      end
    end)
  end

  it("gmatch and gsub give the string library's results", function()
    for _, c in ipairs(CASES) do
      local want, got = {}, {}
      for a, b in string.gmatch(c[1], c[2]) do want[#want + 1] = tostring(a) .. "/" .. tostring(b) end
      for a, b in luapattern.gmatch(c[1], c[2]) do got[#got + 1] = tostring(a) .. "/" .. tostring(b) end
      assert.same(want, got)
      for _, r in ipairs { "<%0>", "%1-%1", "x", "%%", function(a) return a and a:upper() end, { hello = "HI", o = 0 } } do
        for _, max in ipairs { false, 1 } do
          local w = all(pcall(string.gsub, c[1], c[2], r, max or nil))
          local g = all(pcall(luapattern.gsub, c[1], c[2], r, max or nil))
          assert(same(w, g), ("gsub(%q, %q, %s): %s ≠ %s"):format(c[1], c[2], tostring(r), show(w), show(g)))
        end
      end
    end
  end)

  it("raises the string library's messages for malformed patterns", function()
    for _, p in ipairs { "%", "[a", "(a", "%b", "%f", "%1", "(()" } do
      local _, want = pcall(string.find, "abc", p)
      local _, got = pcall(luapattern.find, "abc", p)
      assert.equal(want:gsub("^.-: ", ""), got)
    end
  end)

  it("calls a pattern costly from its quantifiers, the subject length and the anchor", function()
    assert.is_false(luapattern.costly(1e6, "abc", false, 1e8))
    assert.is_false(luapattern.costly(5000, "%s+", false, 1e8))
    assert.is_true(luapattern.costly(5000, ("a*"):rep(3), false, 1e8))
    assert.is_false(luapattern.costly(400, "^%s*(.-)%s*$", true, 1e8))
    assert.is_true(luapattern.costly(50000, "^%s*(.-)%s*$", true, 1e8))
    assert.is_false(luapattern.costly(1e6, "a%*b%-c[*+-]", false, 1e8))
  end)
end)
