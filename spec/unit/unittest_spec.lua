-- The parts of hfl.unittest that need no helm: assertion paths and set paths, suite files and
-- their errors, the assertions on decoded documents and their failure messages.
local path = require "hfl.unittest.path"
local suite = require "hfl.unittest.suite"
local assertions = require "hfl.unittest.assertions"
local yaml = require "hfl.yaml"
local value = require "hfl.value"
local fs = require "hfl.fs"
local files = require "spec.support.files"

local function doc(text) return assert(yaml.decode(text)) end

describe("hfl.unittest #unit", function()
  describe("path", function()
    local d = doc [[
metadata:
  name: web
  labels:
    app.kubernetes.io/name: demo
spec:
  containers:
    - name: app
      image: nginx
    - name: side
      image: busybox
]]
    local function get(p) return path.get(d, assert(path.parse(p))) end

    it("follows names, quoted keys, indexes, wildcards and equality filters", function()
      assert.same({ "web" }, get("metadata.name"))
      assert.same({ "demo" }, get('metadata.labels["app.kubernetes.io/name"]'))
      assert.same({ "demo" }, get("metadata.labels['app.kubernetes.io/name']"))
      assert.same({ "busybox" }, get("spec.containers[1].image"))
      assert.same({ "busybox" }, get("spec.containers[-1].image"))
      assert.same({ "nginx", "busybox" }, get("spec.containers[*].image"))
      assert.same({ "app", "side" }, get("spec.containers.*.name"))
      assert.same({ "busybox" }, get('spec.containers[?(@.name == "side")].image'))
      assert.same({ "nginx" }, get("spec.containers[?(@.name != 'side')].image"))
      assert.same({ "web" }, get("$.metadata.name"))
      assert.same({ "web" }, get('$[?(@.metadata.name == "web")].metadata.name'))
      assert.same({}, get('$[?(@.metadata.name == "db")].metadata.name'))
    end)

    it("selects nothing where the path leads nowhere", function()
      assert.same({}, get("metadata.namespace"))
      assert.same({}, get("spec.containers[5]"))
      assert.same({}, get("metadata.name.first"))
    end)

    it("rejects the syntax it does not read with the path in the message", function()
      assert.same({ nil, 'path "a..b": recursive descent (..) is not supported' }, { path.parse("a..b") })
      assert.matches("%[0:2%] is not supported", select(2, path.parse("a[0:2]")))
      assert.matches("only filters of the form", select(2, path.parse("a[?(@.x > 1)]")))
      assert.matches("unterminated", select(2, path.parse('a["b]')))
    end)

    it("builds set values from --set style keys", function()
      local function build(k, v) return path.build_set(assert(path.parse_set(k)), v) end
      assert.same({ image = { tag = "1" } }, build("image.tag", "1"))
      assert.same({ a = { value.null, { b = true } } }, build("a[1].b", true))
      assert.same({ annotations = { ["x.io/y"] = "z" } }, build("annotations.[x.io/y]", "z"))
      assert.matches("is not an index", select(2, path.parse_set("annotations[x.io/y]")))
      assert.same({ list = { 1, 2 } }, build("list", value.list { 1, 2 }))
      assert.matches("invalid token", select(2, path.parse_set("a,b")))
      assert.matches("missing %]", select(2, path.parse_set("a[1")))
    end)
  end)

  describe("suite.load", function()
    local dir
    before_each(function() dir = assert(fs.mkdtemp("hfl-spec-XXXXXX")) end)
    after_each(function() fs.rm_r(dir, fs.dirname(dir)) end)

    local function load(text)
      files.write(dir .. "/s_test.yaml", text)
      return suite.load(dir .. "/s_test.yaml", "tests/s_test.yaml", { "/release-values.yaml" })
    end

    it("folds the suite's settings into each test, release values after the suite's", function()
      local s = assert(load [[
suite: s
values: [a.yaml]
set: {x: 1}
templates: [app.yaml]
release: {name: web, upgrade: true}
capabilities: {majorVersion: 1, minorVersion: 28, apiVersions: [a/v1]}
chart: {version: 2.0.0}
tests:
  - it: t
    values: [b.yaml]
    set: {y: 2}
    release: {namespace: team}
    capabilities: {apiVersions: [b/v1]}
    chart: {appVersion: "3"}
    asserts:
      - exists: {path: kind}
]])[1]
      local t = s.tests[1]
      assert.same({ dir .. "/a.yaml", "/release-values.yaml", dir .. "/b.yaml" }, t.values)
      assert.same({ "x", "y" }, { t.set[1].key, t.set[2].key })
      assert.same({ name = "web", namespace = "team", upgrade = true }, t.release)
      assert.same({ major = "1", minor = "28", api_versions = { "b/v1", "a/v1" } }, t.capabilities)
      assert.same({ version = "2.0.0", app_version = "3" }, t.chart)
      assert.equal("exists", t.asserts[1].type)
      assert.equal(16, t.asserts[1].line)
    end)

    it("reads each YAML document of a file as a suite", function()
      local suites = assert(load("suite: a\ntests: [{it: x, asserts: [{exists: {path: a}}]}]\n---\n"
        .. "suite: b\ntests: [{it: y, asserts: [{notExists: {path: a}}]}]\n"))
      assert.same({ "a", "b" }, { suites[1].name, suites[2].name })
    end)

    it("names the file and line of what it cannot run", function()
      local cases = {
        { "tests:\n  - it: x\n    postRenderer: {cmd: yq}\n    asserts:\n      - matchSnapshot: {}\n",
          "tests/s_test.yaml:3: postRenderer: post-renderers are not supported" },
        { "tests:\n  - it: x\n    asserts:\n      - matchSnapshot: {matchRegex: {pattern: '('}}\n",
          "tests/s_test.yaml:4: asserts[0]: matchSnapshot: bad matchRegex.pattern \"(\": missing closing parenthesis" },
        { "tests:\n  - it: x\n    asserts:\n      - equl: {path: a, value: 1}\n",
          'tests/s_test.yaml:4: asserts[0]: assertion type `equl` is invalid (did you mean "equal"?)' },
        { "tests:\n  - it: x\n    asserts:\n      - equal: {path: a, valeu: 1}\n",
          'tests/s_test.yaml:4: asserts[0]: equal: unknown parameter "valeu" (did you mean "value"?)' },
        { "tests:\n  - it: x\n    asserts:\n      - isKind: {}\n",
          "tests/s_test.yaml:4: asserts[0]: isKind: of is required" },
        { "tests:\n  - it: x\n    asserts:\n      - exists: {path: 'a..b'}\n",
          'tests/s_test.yaml:4: asserts[0]: exists: path "a..b": recursive descent (..) is not supported' },
        { "tests:\n  - it: x\n    asserts:\n      - equal: {path: a, value: 1}\n        isKind: {of: X}\n",
          "tests/s_test.yaml:4: asserts[0]: assertion type `equal` and `isKind` is declared duplicately" },
        { "tests:\n  - it: x\n    asserts: []\n", "tests/s_test.yaml:2: tests[0]: no asserts found" },
        { "suite: s\n", "tests/s_test.yaml: no tests found" },
        { "suite: s\npostRenderer: {cmd: yq}\ntests: []\n",
          "tests/s_test.yaml:2: postRenderer: post-renderers are not supported" },
        { "tests:\n  - it: x\n    documentIndx: 0\n    asserts: [{exists: {path: a}}]\n",
          'tests/s_test.yaml:3: tests[0]: unknown field "documentIndx" (did you mean "documentIndex"?)' },
        { "tests:\n  - it: x\n    release: {revision: 2}\n    asserts: [{exists: {path: a}}]\n",
          "tests/s_test.yaml:3: release.revision is not supported (helm template always renders revision 1)" },
        { "tests:\n  - it: x\n    documentIndex: first\n    asserts: [{exists: {path: a}}]\n",
          "tests/s_test.yaml:3: tests[0].documentIndex must be an integer" },
        { "tests:\n  - it: x\n    asserts: [{exists: {path: a}, documentSelector: {value: 1}}]\n",
          "tests/s_test.yaml:3: empty 'documentSelector.path' not supported" },
        { "tests: [\n", "tests/s_test.yaml:2:1: did not find expected node content while parsing a flow node" },
      }
      for _, c in ipairs(cases) do
        local s, err = load(c[1])
        assert.is_nil(s, c[1])
        assert.equal(c[2], (err:gsub("\n.*", "")))
      end
    end)
  end)

  describe("assertions", function()
    local function run(kind, params, docs, negate)
      local p = assert(assertions.prepare(kind, params))
      local def = assertions.TYPES[kind]
      return assertions.validate(kind, p, { docs = docs, selected = docs, negative = (negate == true) ~= def.antonym })
    end
    local d = doc "kind: Pod\napiVersion: v1\nspec:\n  n: 2\n  s: \"b\"\n  l: [1, 2]\n  m: {}\n"

    it("compares kinds the way the plugin does: an int never equals a float or a string", function()
      assert.is_true((run("equal", { path = "spec.n", value = 2 }, { d })))
      assert.is_false((run("equal", { path = "spec.n", value = value.float(2) }, { d })))
      assert.is_false((run("equal", { path = "spec.n", value = "2" }, { d })))
      assert.is_true((run("notEqual", { path = "spec.n", value = 3 }, { d })))
      assert.is_true((run("equal", { path = "spec.n", value = 3 }, { d }, true)))
    end)

    it("orders numbers and strings, and checks Go type names", function()
      assert.is_true((run("greaterOrEqual", { path = "spec.n", value = 2 }, { d })))
      assert.is_false((run("greaterOrEqual", { path = "spec.n", value = 3 }, { d })))
      assert.is_true((run("lessOrEqual", { path = "spec.s", value = "c" }, { d })))
      assert.is_true((run("notLessOrEqual", { path = "spec.n", value = 1 }, { d })))
      local ok, info = run("greaterOrEqual", { path = "spec.n", value = "2" }, { d })
      assert.is_false(ok)
      assert.same({ "DocumentIndex:\t0", "ValuesIndex:\t0", "Error:",
        "\tactual 'int' and expected 'string' types do not match" }, info)
      assert.is_true((run("isType", { path = "spec.l", type = "[]interface {}" }, { d })))
      assert.is_true((run("isType", { path = "spec.m", type = "map[string]interface {}" }, { d })))
      assert.is_true((run("isNotType", { path = "spec.n", type = "string" }, { d })))
    end)

    it("tells an empty map, an empty string and zero as empty", function()
      assert.is_true((run("isEmpty", { path = "spec.m" }, { d })))
      assert.is_true((run("isNotEmpty", { path = "spec.l" }, { d })))
      local ok, info = run("isEmpty", { path = "spec.nope" }, { d })
      assert.is_false(ok)
      assert.same({ "DocumentIndex:\t0", "Error:", "\tunknown path spec.nope" }, info)
    end)

    it("says no manifest was found when the template rendered none", function()
      local ok, info = run("isKind", { of = "Pod" }, {})
      assert.is_false(ok)
      assert.same({ "Expected to be kind:", "\tPod", "Actual:", "\tno manifest found" }, info)
      assert.is_true((run("isKind", { of = "Pod" }, {}, true)))
    end)
  end)

  describe("diff", function()
    it("writes go-difflib's unified diff with one line of context", function()
      assert.equal("--- Expected\n+++ Actual\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n",
        assertions.diff("a\nb\nc\nd\ne\n", "a\nB\nc\nd\ne\n"))
      -- the empty "line" after the last newline counts, as go-difflib's SplitLines makes it
      assert.equal("--- Expected\n+++ Actual\n@@ -1,2 +1,2 @@\n-x\n+y\n ", assertions.diff("x\n", "y\n"))
      assert.equal("--- Expected\n+++ Actual\n@@ -1,3 +1,2 @@\n a\n-b\n \n@@ -5,3 +4,3 @@\n e\n-f\n+g\n ",
        assertions.diff("a\nb\n\nd\ne\nf\n", "a\n\nd\ne\ng\n"))
    end)
  end)
end)
