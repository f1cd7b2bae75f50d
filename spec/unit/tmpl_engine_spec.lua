-- The conformance suite of the Go template engine: every case in spec/fixtures/tmpl/engine/
-- runs through hfl.tmpl and, when build/tmplref is built (spec/support/tmplref/build.sh),
-- through Go's text/template + Sprig as well (#oracle).
--
-- A case: { name=, t = template, data = JSON text, out = expected output | err = expected
-- error (a substring), missingkey=, helpers = { texts parsed first }, gofuncs = { Go builtins
-- used instead of the library's functions of the same name }, oracle = false when the
-- oracle cannot check it (why=) }.
local tmpl = require "hfl.tmpl"
local yaml = require "hfl.yaml"
local tmpl_oracle = require "spec.support.tmpl_oracle"

local dir = "spec/fixtures/tmpl/engine/"
local files = {}
for f in io.popen("ls " .. dir .. " 2>/dev/null"):lines() do
  if f:match("%.lua$") then files[#files + 1] = f end
end
table.sort(files)

local function decode(json)
  if json == nil then return nil end
  local v, err = yaml.decode(json)
  assert(err == nil, err)
  return v
end

-- Renders a case with hfl; returns out, err.
local function run(case)
  local opts = { missingkey = case.missingkey, name = case.tname }
  if case.gofuncs then
    -- Go's builtin in place of the function library's (Sprig replaces `slice`)
    opts.funcs = {}
    for _, name in ipairs(case.gofuncs) do opts.funcs[name] = tmpl.builtins[name] end
  end
  if case.helpers then
    local set = tmpl.new { name = case.tname }
    for i, h in ipairs(case.helpers) do
      local ok, err = set:parse(h, "_helper" .. (i - 1) .. ".tpl")
      if not ok then return nil, err end
    end
    local ok, err = set:parse(case.t, case.tname or "stringTemplate")
    if not ok then return nil, err end
    return set:execute(case.tname or "stringTemplate", decode(case.data), opts)
  end
  return tmpl.render(case.t, decode(case.data), opts)
end

-- Go's answers for the cases, one oracle process for all of them; nil, why when not built.
local function oracle_run(cases)
  local requests = {}
  for i, c in ipairs(cases) do
    requests[i] = { template = c.t, data = c.data, missingkey = c.missingkey or "error", name = c.tname,
      helpers = c.helpers or {} }
  end
  return tmpl_oracle.render(requests)
end

local all = {}
for _, f in ipairs(files) do
  local cases = dofile(dir .. f)
  for i, c in ipairs(cases) do
    c.file, c.index = f, i
    all[#all + 1] = c
  end
end

describe("hfl.tmpl conformance #unit", function()
  it("has at least 250 cases", function()
    assert.is_true(#all >= 250, "only " .. #all .. " cases")
  end)
  for _, c in ipairs(all) do
    local label = c.file .. " #" .. c.index .. ": " .. (c.name or c.t)
    it(label, function()
      local out, err = run(c)
      if c.err then
        assert.is_nil(out, "expected an error, got output: " .. tostring(out))
        assert.is_truthy(err and err:find(c.err, 1, true), "error was: " .. tostring(err) .. "\nexpected: " .. c.err)
      else
        assert.is_nil(err)
        assert.are.equal(c.out, out)
      end
    end)
  end
end)

describe("hfl.tmpl against Go's text/template #unit #oracle", function()
  local checked = {}
  for _, c in ipairs(all) do
    if c.oracle ~= false then checked[#checked + 1] = c end
  end
  local results, missing = oracle_run(checked)
  if not results then
    it("has the Go oracle", function() error(missing) end)
    return
  end
  for i, c in ipairs(checked) do
    local label = c.file .. " #" .. c.index .. ": " .. (c.name or c.t)
    it(label, function()
      local want = results[i]
      local out, err = run(c)
      if want.err then
        assert.are.equal(want.err, err)
      else
        assert.is_nil(err)
        assert.are.equal(want.out, out)
      end
    end)
  end
end)

-- Generated cases, checked only against the oracle: every printf verb × flag × kind of
-- value, every comparison × pair of kinds, truthiness, printing and field access per kind.
local kinds = {
  '1', '-42', '0', '3.14159', '2.0', '-0.5', '1e21', '1.5e-7', '123456.0', '"héllo"', '""',
  '"a\\"b\\n\\u0001"', 'true', 'false', 'null', '[1,"a",2.5]', '[]', '{"b":1,"a":"x"}', '{}', '233',
}

local function generated()
  local cases = {}
  local verbs = { "v", "+v", "#v", "d", "s", "q", "x", "X", "o", "O", "b", "e", "E", "f", "F", "g", "G",
    "t", "c", "U", "T", "#U", "#q", "#x", "#o", "#g", "#e", "#f" }
  local flags = { "", "6", "-6", "06", "+", " ", ".2", "8.3", "-8.3", "+.1", "08.3", ".0" }
  for _, v in ipairs(kinds) do
    for _, verb in ipairs(verbs) do
      for _, fl in ipairs(flags) do
        local f = "%" .. fl .. verb
        if #verb > 1 then f = "%" .. verb:sub(1, 1) .. fl .. verb:sub(2) end
        cases[#cases + 1] = { group = "printf " .. v, t = '{{ printf "' .. f .. '" .v }}', data = '{"v":' .. v .. '}' }
      end
    end
  end
  for _, op in ipairs { "eq", "ne", "lt", "le", "gt", "ge" } do
    for _, a in ipairs(kinds) do
      for _, b in ipairs(kinds) do
        cases[#cases + 1] = { group = op, t = "{{ " .. op .. " .a .b }}", data = '{"a":' .. a .. ',"b":' .. b .. '}' }
      end
    end
  end
  local per_kind = {
    "{{ if .v }}T{{ else }}F{{ end }} {{ not .v }} {{ and .v 1 }} {{ or .v 1 }} {{ with .v }}W{{ end }}",
    "{{ .v }}|{{ print .v }}|{{ println .v .v }}|{{ print .v 1 .v }}",
    "{{ len .v }}", "{{ index .v 0 }}", "{{ index .v \"a\" }}", "{{ .v.x }}", "{{ $x := .v }}{{ $x.y }}",
    "{{ range .v }}[{{ . }}]{{ else }}none{{ end }}", "{{ range $k, $e := .v }}{{ $k }}={{ $e }};{{ end }}",
    "{{ html .v }} {{ js .v }} {{ urlquery .v }}", "{{ .v | printf \"%v-%v\" 1 }}", "{{ eq .v .v }}",
  }
  for _, t in ipairs(per_kind) do
    for _, v in ipairs(kinds) do
      -- range over an int is Go 1.22+; the oracle is Go 1.19
      if t:find("range", 1, true) and v:match("^%-?%d+$") then goto next end
      cases[#cases + 1] = { group = t, t = t, data = '{"v":' .. v .. '}' }
      cases[#cases + 1] = { group = t .. " (zero)", t = t, data = '{"v":' .. v .. '}', missingkey = "zero" }
      ::next::
    end
  end
  -- random token soup, biased towards well-formed actions (seeded: the same every run)
  local frags = { "{{", "}}", "{{-", "-}}", " ", ".", ".a", ".b", ".a.b", ".l", ".m", ".n", "$", "$x",
    "$x :=", "$x =", "$i, $v :=", "if", "else", "end", "range", "with", "define", "template", "block",
    "break", "continue", "\"s\"", "`r`", "1", "-2", "1.5", "'c'", "nil", "true", "false", "|", "(", ")",
    "print", "printf", "\"%v\"", "len", "index", "eq", "ne", "lt", "and", "or", "not", "html", "js",
    "urlquery", "println", "slice", "text", "\n", "/* c */", "{{/* c */}}", ",", "=", "0", "\"t\"", "x" }
  local soup = '{"a":{"b":"B","c":[1,2]},"b":2,"l":[1,"two",3.5,null],"m":{"k":"v","z":{"y":1}},"n":null,"s":"str"}'
  math.randomseed(20240607)
  for _ = 1, 3000 do
    local t
    if math.random() < 0.6 then
      local inner = {}
      for j = 1, math.random(1, 5) do inner[j] = frags[math.random(13, #frags)] end
      t = "{{ " .. table.concat(inner, " ") .. " }}" .. (math.random() < 0.3 and "{{ end }}" or "")
    else
      local parts = {}
      for j = 1, math.random(2, 14) do parts[j] = frags[math.random(#frags)] end
      t = table.concat(parts, math.random() < 0.5 and " " or "")
    end
    -- Go 1.19 has no `else with`; its $x = … context names an and/or operand evaluated last
    if not t:find("else *with") and not t:find("$x =", 1, true) then
      cases[#cases + 1] = { group = "random templates", t = t, data = soup }
    end
  end
  return cases
end

describe("hfl.tmpl on generated cases #unit #oracle", function()
  local cases = generated()
  local results, missing = oracle_run(cases)
  if not results then
    it("has the Go oracle", function() error(missing) end)
    return
  end
  local groups, order = {}, {}
  for i, c in ipairs(cases) do
    if not groups[c.group] then
      groups[c.group] = {}
      order[#order + 1] = c.group
    end
    table.insert(groups[c.group], { c, results[i] })
  end
  for _, g in ipairs(order) do
    it(g .. " (" .. #groups[g] .. " cases)", function()
      local bad = {}
      for _, pair in ipairs(groups[g]) do
        local c, want = pair[1], pair[2]
        local out, err = run(c)
        local ok
        if want.err then ok = want.err == err else ok = err == nil and want.out == out end
        if not ok then
          bad[#bad + 1] = c.t .. " " .. c.data .. "\n  go:  " .. tostring(want.out or want.err)
            .. "\n  hfl: " .. tostring(out or err)
        end
      end
      assert(#bad == 0, #bad .. " mismatches:\n" .. table.concat(bad, "\n"))
    end)
  end
end)
