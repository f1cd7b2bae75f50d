-- semverCompare on a generated grid of versions × constraints #oracle: hfl's template
-- function against Go's text/template + Sprig (build/tmplref, Masterminds/semver as Debian
-- builds it), which must agree on every pair, prereleases and malformed constraints included.
local tmpl_oracle = require "spec.support.tmpl_oracle"
local tmpl = require "hfl.tmpl"

local function q(s) return '"' .. s .. '"' end

local VERSIONS = {}
for _, core in ipairs { "0.0.0", "0.0.3", "0.1.0", "0.2.5", "1.0.0", "1.2.0", "1.2.3", "1.3.0", "2.0.0", "10.1.2" } do
  for _, pre in ipairs { "", "-0", "-alpha", "-rc.1" } do VERSIONS[#VERSIONS + 1] = core .. pre end
end
for _, v in ipairs { "v1.2.3", "1.2", "1", "1.2.3+build.7", "1.2.3-rc.1+b", "1.2.3-alpha.10", "1.2.3-alpha.9" } do
  VERSIONS[#VERSIONS + 1] = v
end

local OPS = { "", "=", "!=", ">", "<", ">=", "<=", "=>", "=<", "~", "~>", "^" }
local TARGETS = { "1.2.3", "1.2", "1", "1.2.x", "1.x", "*", "0.0.3", "0.2", "0", "1.2.3-0", "1.3.0-rc.1", "2.0.0-alpha",
  "0.0.0" }
local CONSTRAINTS = {}
for _, o in ipairs(OPS) do
  for _, t in ipairs(TARGETS) do CONSTRAINTS[#CONSTRAINTS + 1] = o .. t end
end
for _, c in ipairs { ">=1.2.0 <2", ">=1.2.0, <2", ">=1.2.0-0 <2", ">1.0.0-0, <1.3.0", "~1.2 || ^2", "<1 || >=2.0.0-0",
  "1.0 - 1.3", "1.0.0-0 - 1.3.0", "1 - 2 3", "!=1.2.3 >=1", "!=1.2.x", "!=1.x || 0.x", ">= 1.2.3", "  ^1.2  ",
  "1.2.3 - 2", "x", "X.X", "~0", "^0.0", "^0.0.x", "~>1.2.0", "=>1.2 =<1.3" } do
  CONSTRAINTS[#CONSTRAINTS + 1] = c
end
-- Go stops a template at its first error, so these stay out of the grid
local MALFORMED = { "", "abc", ">=1.2.3 ~>", "1.2.3.4", "1.2.3 ||", ">=1.0.0-", "~1.2.3+" }

local templates = {}
for _, v in ipairs(VERSIONS) do
  local parts = {}
  for i, c in ipairs(CONSTRAINTS) do parts[i] = ("{{ semverCompare %s %s }}"):format(q(c), q(v)) end
  templates[#templates + 1] = table.concat(parts, " ")
end
-- malformed constraints stop the whole template, so each also gets a template of its own
local singles = {}
for _, list in ipairs { CONSTRAINTS, MALFORMED } do
  for _, c in ipairs(list) do
    singles[#singles + 1] = ("{{ semverCompare %s %s }}"):format(q(c), q("1.2.3-rc.1"))
    templates[#templates + 1] = singles[#singles]
  end
end

describe("semverCompare against Go's Sprig #unit #oracle", function()
  local requests = {}
  for i, t in ipairs(templates) do requests[i] = { template = t } end
  local results, missing = tmpl_oracle.render(requests, { TZ = "UTC" })
  if not results then
    it("has the Go oracle", function() error(missing) end)
    return
  end

  it("covers a grid of versions and constraints", function()
    assert.is_true(#VERSIONS * #CONSTRAINTS >= 5000, #VERSIONS * #CONSTRAINTS .. " pairs")
    assert.equal(#templates, #results)
  end)

  it("agrees with Go on every constraint alone", function()
    local wrong = {}
    for i, t in ipairs(singles) do
      local want = results[#VERSIONS + i]
      local out, err = tmpl.render(t, nil)
      if want.err ~= err or want.out ~= out then
        wrong[#wrong + 1] = ("%s: Go %s, hfl %s"):format(t, tostring(want.err or want.out), tostring(err or out))
      end
    end
    assert.same({}, wrong)
  end)

  it("agrees with Go on every version × constraint", function()
    local wrong = {}
    for i, v in ipairs(VERSIONS) do
      local want = results[i]
      assert(want.out, "the grid holds a constraint Go rejects: " .. tostring(want.err))
      local out, err = tmpl.render(templates[i], nil)
      if want.err ~= err or want.out ~= out then
        -- name the first pair that differs
        local go = {}
        for w in (want.out or ""):gmatch("%S+") do go[#go + 1] = w end
        local mine = {}
        for w in (out or ""):gmatch("%S+") do mine[#mine + 1] = w end
        local first = "?"
        for j, c in ipairs(CONSTRAINTS) do
          if go[j] ~= mine[j] then first = ("%q: Go %s, hfl %s"):format(c, tostring(go[j]), tostring(mine[j])) break end
        end
        wrong[#wrong + 1] = ("version %s: %s %s"):format(v, want.err or "", first)
      end
    end
    assert.same({}, wrong)
  end)
end)
