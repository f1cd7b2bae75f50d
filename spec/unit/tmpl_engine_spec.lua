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

local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == "\\" then return "\\\\" end
    return string.format("\\u%04x", c:byte())
  end) .. '"'
end

-- Runs all cases through the oracle in one process; returns responses by index, or nil.
local function oracle_run(cases)
  local bin = "build/tmplref"
  local f = io.open(bin)
  if not f then return nil end
  f:close()
  local req = os.tmpname()
  local w = assert(io.open(req, "w"))
  for _, c in ipairs(cases) do
    local helpers = {}
    for i, h in ipairs(c.helpers or {}) do helpers[i] = json_string(h) end
    w:write("{\"template\":", json_string(c.t), ",\"data\":", c.data or "null",
      ",\"missingkey\":", json_string(c.missingkey or "error"),
      c.tname and (",\"name\":" .. json_string(c.tname)) or "",
      ",\"helpers\":[", table.concat(helpers, ","), "]}\n")
  end
  w:close()
  local p = io.popen(bin .. " < " .. req)
  local results = {}
  for line in p:lines() do results[#results + 1] = decode(line) end
  p:close()
  os.remove(req)
  return results
end

local all = {}
for _, f in ipairs(files) do
  local cases = dofile(dir .. f)
  for i, c in ipairs(cases) do
    c.file, c.index = f, i
    all[#all + 1] = c
  end
end

describe("hfl.tmpl conformance", function()
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

describe("hfl.tmpl against Go's text/template #oracle", function()
  local checked = {}
  for _, c in ipairs(all) do
    if c.oracle ~= false then checked[#checked + 1] = c end
  end
  local results = oracle_run(checked)
  if not results then
    pending("build/tmplref is not built (spec/support/tmplref/build.sh)")
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
