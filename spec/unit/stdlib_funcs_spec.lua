-- The conformance suite of the template function library: every case in
-- spec/fixtures/tmpl/funcs/ renders through hfl.tmpl (with hfl.stdlib's functions) and, when
-- build/tmplref is built (spec/support/tmplref/build.sh), through Go's text/template + Sprig
-- as well (#oracle).
--
-- A case: { t = template, data = JSON text, out = expected output | err = expected error (a
-- substring), missingkey=, basedir=, prerender=, stringer = true when the output prints a
-- time.Time or semver value (Go's Stringer), oracle = false with why= when Go's Sprig 3.2.3
-- cannot check it (Helmfile-only functions, Go type-check wording, int64 vs int), slow = true
-- when it takes seconds (RSA key generation: `make test-fast` leaves it out) }.
-- The suite runs with TZ=UTC, HFL_TEST_ENV=v1 and HFL_TEST_UNSET_ENV unset.
local ffi = require "ffi"
local yaml = require "hfl.yaml"
local tmpl_oracle = require "spec.support.tmpl_oracle"

pcall(ffi.cdef, [[
int setenv(const char *name, const char *value, int overwrite);
int unsetenv(const char *name);
void tzset(void);
]])

local tmpl = require "hfl.tmpl"

local dir = "spec/fixtures/tmpl/funcs/"
local files = {}
for f in io.popen("ls " .. dir .. " 2>/dev/null"):lines() do
  if f:match("%.lua$") then files[#files + 1] = f end
end
table.sort(files)

local all = {}
for _, f in ipairs(files) do
  for i, c in ipairs(dofile(dir .. f)) do
    c.file, c.index = f, i
    c.t = c.t or c.template
    c.out = c.out or c.expect
    c.err = c.err or c.error
    all[#all + 1] = c
  end
end

local ENV = { TZ = "UTC", HFL_TEST_ENV = "v1", HFL_TEST_UNSET_ENV = false }
local saved = {}
local function set_env()
  for k, v in pairs(ENV) do
    saved[k] = os.getenv(k) or false
    if v then ffi.C.setenv(k, v, 1) else ffi.C.unsetenv(k) end
  end
  ffi.C.tzset()
end
local function restore_env()
  for k, v in pairs(saved) do
    if v then ffi.C.setenv(k, v, 1) else ffi.C.unsetenv(k) end
  end
  ffi.C.tzset()
end

local function decode(json)
  if json == nil then return nil end
  local v, err = yaml.decode(json)
  assert(err == nil, err)
  return v
end

-- Renders a case with hfl once; the expected-output and the oracle specs both read the result
-- (RSA key generation makes rendering some cases take seconds).
local function run(c)
  if not c.rendered then
    c.rendered = { tmpl.render(c.t, decode(c.data), { missingkey = c.missingkey, basedir = c.basedir,
      prerender = c.prerender }) }
  end
  return c.rendered[1], c.rendered[2]
end

-- Go's answers for the cases, one oracle process for all of them; nil, why when not built.
local function oracle_run(cases)
  local requests = {}
  for i, c in ipairs(cases) do
    requests[i] = { template = c.t, data = c.data, missingkey = c.missingkey or "error" }
  end
  return tmpl_oracle.render(requests, ENV)
end

local function label(c)
  return c.file .. " #" .. c.index .. ": " .. (c.name or c.t) .. (c.slow and " #slow" or "")
end

describe("hfl.stdlib template functions #unit", function()
  setup(set_env)
  teardown(restore_env)

  it("has at least 200 cases", function()
    assert.is_true(#all >= 200, "only " .. #all .. " cases")
  end)

  it("has a case for every function in the map", function()
    local text = {}
    for _, c in ipairs(all) do text[#text + 1] = c.t end
    text = table.concat(text, "\n")
    local missing = {}
    for _, name in ipairs(require("hfl.stdlib").names()) do
      if not text:find("%f[%w_]" .. name .. "%f[^%w_]") then missing[#missing + 1] = name end
    end
    assert.are.same({}, missing)
  end)

  for _, c in ipairs(all) do
    it(label(c), function()
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

describe("hfl.stdlib template functions against Go's Sprig #unit #oracle", function()
  setup(set_env)
  teardown(restore_env)
  local checked = {}
  for _, c in ipairs(all) do
    if c.oracle ~= false and not c.basedir and not c.prerender then checked[#checked + 1] = c end
  end
  local results, missing = oracle_run(checked)
  if not results then
    it("has the Go oracle", function() error(missing) end)
    return
  end
  for i, c in ipairs(checked) do
    it(label(c), function()
      local want = results[i]
      assert(want, "the oracle gave no answer")
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
