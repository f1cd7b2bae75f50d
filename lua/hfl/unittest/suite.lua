--- hfl.unittest.suite: reads helm-unittest suite files (`tests/*_test.yaml`) into plain tables,
--- the suite's settings folded into each test as helm-unittest does, and every assertion
--- checked up front: a field or assertion hfl does not evaluate is an error naming the file and
--- line, never a test that silently passes.
local fs = require "hfl.fs"
local value = require "hfl.value"
local yaml = require "hfl.yaml"
local assertions = require "hfl.unittest.assertions"
local path = require "hfl.unittest.path"

local M = {}

local fmt = string.format

-- Fields of a suite / a test that hfl reads, and the type each takes.
local RELEASE = { name = "string", namespace = "string", revision = "int", upgrade = "bool" }
local CAPABILITIES = { majorVersion = "scalar", minorVersion = "scalar", apiVersions = "list" }
local CHART = { version = "string", appVersion = "string" }
local SELECTOR = { path = "string", value = "any", matchMany = "bool", skipEmptyTemplates = "bool" }
local SUITE_FIELDS = { suite = "string", values = "list", set = "map", templates = "list",
  excludeTemplates = "list", release = RELEASE, capabilities = CAPABILITIES, chart = CHART,
  skip = { reason = "string" }, tests = "list" }
local TEST_FIELDS = { it = "string", values = "list", set = "map", template = "string",
  templates = "list", documentIndex = "int", documentSelector = SELECTOR, release = RELEASE,
  capabilities = CAPABILITIES, chart = CHART, skip = { reason = "string" }, asserts = "list" }
local ASSERT_COMMON = { ["not"] = "bool", template = "string", documentIndex = "int",
  documentSelector = SELECTOR }

-- Fields of helm-unittest that hfl knows and does not support, with what to do instead.
local UNSUPPORTED = {
  kubernetesProvider = "faking cluster objects for lookup is not supported",
  postRenderer = "post-renderers are not supported",
  includeCrds = "includeCrds is not supported",
  snapshotId = "snapshotId is for test suites rendered from a chart (--chart-tests-path), which hfl does not run",
  minimumVersion = "skip.minimumVersion is not supported (use skip.reason)",
}

local WANT_TEXT = { scalar = "a string or an integer", list = "a list", map = "a map", string = "a string",
  bool = "true or false", int = "an integer" }

local function kind_ok(want, v)
  local k = value.kind(v)
  if want == "any" then return true end
  if want == "scalar" then return k == "string" or k == "int" end
  if want == "list" then return k == "list" end
  if want == "map" then return k == "map" end
  if want == "string" then return k == "string" end
  if want == "bool" then return k == "bool" end
  if want == "int" then return k == "int" end
  return false
end

local function where(file, container, key)
  local line = value.line(container, key)
  return line and fmt("%s:%d", file, line) or file
end

-- Checks a map's keys against a schema (nested schemas are maps of field → type).
local function check_fields(file, m, schema, what, at)
  if value.kind(m) ~= "map" then return nil, fmt("%s: %s must be a map", at or file, what) end
  for _, k in ipairs(value.keys(m)) do
    local want, v = schema[k], m[k]
    local at = where(file, m, k)
    if UNSUPPORTED[k] then return nil, fmt("%s: %s: %s", at, k, UNSUPPORTED[k]) end
    if not want then
      return nil, fmt("%s: %s: unknown field %q%s", at, what, k,
        require("hfl.suggest").hint(k, value.sorted_keys(schema)))
    end
    if not value.is_null(v) then
      if type(want) == "table" then
        local ok, err = check_fields(file, v, want, what .. "." .. k, at)
        if not ok then return nil, err end
      elseif not kind_ok(want, v) then
        return nil, fmt("%s: %s.%s must be %s", at, what, k, WANT_TEXT[want])
      end
    end
  end
  return true
end

local function strings(l)
  local out = {}
  for i, v in ipairs(l or {}) do out[i] = tostring(v) end
  return out
end

local function present(v)
  if value.is_null(v) then return nil end
  return v
end

-- The first non-empty of a, b (helm-unittest's cmp.Or).
local function either(a, b)
  if a ~= nil and a ~= "" and a ~= 0 and a ~= false then return a end
  return b
end

local function index_of(v)
  v = present(v)
  return v ~= nil and value.tonumber(v) or nil
end

local function selector_of(s)
  s = present(s)
  if not s then return nil end
  return { path = s.path, value = s.value, match_many = s.matchMany == true,
    skip_empty = s.skipEmptyTemplates == true, _steps = assert(path.parse(s.path)) }
end

local function check_selector(file, container, key, s)
  s = present(s)
  if not s then return true end
  if type(s.path) ~= "string" or s.path == "" then
    return nil, fmt("%s: empty 'documentSelector.path' not supported", where(file, container, key))
  end
  local _, err = path.parse(s.path)
  if err then return nil, fmt("%s: documentSelector: %s", where(file, container, key), err) end
  return true
end

-- The set entries as {cursors=, value=} in file order.
local function set_entries(file, m)
  local out = {}
  for _, k in ipairs(value.keys(m or {})) do
    local cursors, err = path.parse_set(k)
    if not cursors then return nil, fmt("%s: set: %s", where(file, m, k), err) end
    out[#out + 1] = { key = k, cursors = cursors, value = m[k] }
  end
  return out
end

local function assertion_of(file, list, i, a)
  local at = where(file, list, i)
  if value.kind(a) ~= "map" then return nil, fmt("%s: asserts[%d] must be a map", at, i - 1) end
  local type_name
  for _, k in ipairs(value.keys(a)) do
    if not ASSERT_COMMON[k] then
      if assertions.UNSUPPORTED[k] then
        return nil, fmt("%s: asserts[%d]: %s: %s by hfl unittest", where(file, a, k), i - 1, k,
          assertions.UNSUPPORTED[k])
      end
      if not assertions.TYPES[k] then
        return nil, fmt("%s: asserts[%d]: assertion type `%s` is invalid%s", where(file, a, k), i - 1, k,
          require("hfl.suggest").hint(k, value.sorted_keys(assertions.TYPES)))
      end
      if type_name then
        return nil, fmt("%s: asserts[%d]: assertion type `%s` and `%s` is declared duplicately",
          at, i - 1, type_name, k)
      end
      type_name = k
    end
  end
  if not type_name then return nil, fmt("%s: asserts[%d]: no assertion type defined", at, i - 1) end
  for k, want in pairs(ASSERT_COMMON) do
    local v = a[k]
    if not value.is_null(v) and type(want) == "string" and not kind_ok(want, v) then
      return nil, fmt("%s: asserts[%d].%s must be %s", where(file, a, k), i - 1, k, WANT_TEXT[want])
    end
  end
  local ok, serr = check_selector(file, a, "documentSelector", a.documentSelector)
  if not ok then return nil, serr end
  local params, err = assertions.prepare(type_name, a[type_name])
  if not params then return nil, fmt("%s: asserts[%d]: %s", where(file, a, type_name), i - 1, err) end
  return { index = i - 1, type = type_name, negate = a["not"] == true, params = params,
    template = present(a.template), document_index = index_of(a.documentIndex),
    selector = selector_of(a.documentSelector), line = value.line(list, i),
    def = assertions.TYPES[type_name] }
end

-- api_versions is nil when the key is absent; `apiVersions:` left null is `cleared` (a test
-- that writes it does not inherit the suite's, as in helm-unittest).
local function capabilities_of(c)
  c = present(c) or {}
  local api = present(c.apiVersions)
  return { major = present(c.majorVersion) and tostring(c.majorVersion) or nil,
    minor = present(c.minorVersion) and tostring(c.minorVersion) or nil,
    api_versions = api and strings(api) or nil,
    cleared = c.apiVersions ~= nil and value.is_null(c.apiVersions) }
end

local function test_of(file, dir, suite, tests, i, t)
  local at = where(file, tests, i)
  local ok, err = check_fields(file, t, TEST_FIELDS, fmt("tests[%d]", i - 1), at)
  if not ok then return nil, err end
  ok, err = check_selector(file, t, "documentSelector", t.documentSelector)
  if not ok then return nil, err end
  local asserts = present(t.asserts)
  if not asserts or #asserts == 0 then return nil, fmt("%s: tests[%d]: no asserts found", at, i - 1) end
  local test = { name = present(t.it) or "", line = value.line(tests, i), asserts = {} }
  for j, a in ipairs(asserts) do
    local as, aerr = assertion_of(file, asserts, j, a)
    if not as then return nil, aerr end
    test.asserts[j] = as
  end
  local rel, srel = present(t.release) or {}, suite.release
  if present(rel.revision) or srel.revision then
    return nil, fmt("%s: release.revision is not supported (helm template always renders revision 1)",
      where(file, present(t.release) and t.release or t, present(t.release) and "revision" or "it"))
  end
  test.release = { name = either(present(rel.name), srel.name), namespace = either(present(rel.namespace), srel.namespace),
    upgrade = either(present(rel.upgrade), srel.upgrade) == true }
  local caps = capabilities_of(t.capabilities)
  local sc = suite.capabilities
  test.capabilities = { major = either(caps.major, sc.major), minor = either(caps.minor, sc.minor),
    api_versions = {} }
  for _, v in ipairs(caps.api_versions or {}) do test.capabilities.api_versions[#test.capabilities.api_versions + 1] = v end
  if not caps.cleared then
    for _, v in ipairs(sc.api_versions or {}) do test.capabilities.api_versions[#test.capabilities.api_versions + 1] = v end
  end
  local chart = present(t.chart) or {}
  test.chart = { version = either(present(chart.version), suite.chart.version),
    app_version = either(present(chart.appVersion), suite.chart.app_version) }
  local skip = present(t.skip)
  test.skip = suite.skip or (skip and present(skip.reason)) or nil
  test.values = {}
  for _, v in ipairs(suite.values) do test.values[#test.values + 1] = v end
  for _, v in ipairs(strings(present(t.values))) do test.values[#test.values + 1] = fs.abs(v, dir) end
  local set
  set, err = set_entries(file, present(t.set))
  if not set then return nil, err end
  test.set = {}
  for _, e in ipairs(suite.set) do test.set[#test.set + 1] = e end
  for _, e in ipairs(set) do test.set[#test.set + 1] = e end
  test.template = present(t.template)
  test.templates = present(t.templates) and strings(t.templates) or nil
  test.document_index = index_of(t.documentIndex)
  test.selector = selector_of(t.documentSelector)
  return test
end

local function suite_of(file, shown, doc, release_values)
  local dir = fs.dirname(file)
  local ok, err = check_fields(shown, doc, SUITE_FIELDS, "suite")
  if not ok then return nil, err end
  local tests = present(doc.tests)
  if not tests or #tests == 0 then return nil, fmt("%s: no tests found", shown) end
  local rel = present(doc.release) or {}
  local chart = present(doc.chart) or {}
  local skip = present(doc.skip)
  local suite = { file = file, shown = shown, name = present(doc.suite) or "",
    templates = strings(present(doc.templates)), exclude = strings(present(doc.excludeTemplates)),
    release = { name = present(rel.name), namespace = present(rel.namespace), revision = present(rel.revision),
      upgrade = present(rel.upgrade) },
    capabilities = capabilities_of(doc.capabilities),
    chart = { version = present(chart.version), app_version = present(chart.appVersion) },
    skip = skip and present(skip.reason) or nil, values = {}, tests = {} }
  for _, v in ipairs(strings(present(doc.values))) do suite.values[#suite.values + 1] = fs.abs(v, dir) end
  -- the values of the release (helmfile's merged values) come after the suite's own files
  for _, v in ipairs(release_values or {}) do suite.values[#suite.values + 1] = v end
  suite.set, err = set_entries(shown, present(doc.set))
  if not suite.set then return nil, err end
  for i, t in ipairs(tests) do
    local test, terr = test_of(shown, dir, suite, tests, i, t)
    if not test then return nil, terr end
    suite.tests[i] = test
  end
  local skipped = 0
  for _, t in ipairs(suite.tests) do if t.skip then skipped = skipped + 1 end end
  suite.all_skipped = skipped == #suite.tests
  return suite
end

--- Reads one suite file (several suites when it has several YAML documents).
---@param file string  absolute path
---@param shown string  the path as output shows it
---@param release_values? string[]  values files every test renders with (after the suite's)
---@return table[]|nil suites, string|nil err  err names the file and line
function M.load(file, shown, release_values)
  local text, err = fs.read(file)
  if not text then return nil, fmt("%s: %s", shown, err) end
  local docs
  docs, err = yaml.decode_all(text, { filename = shown, lines = true })
  if not docs then return nil, err end
  local out = {}
  for _, doc in ipairs(docs) do
    if not value.is_null(doc) then
      local s, serr = suite_of(file, shown, doc, release_values)
      if not s then return nil, serr end
      out[#out + 1] = s
    end
  end
  return out
end

return M
