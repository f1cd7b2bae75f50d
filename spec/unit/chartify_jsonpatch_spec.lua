-- hfl.chartify.jsonpatch: RFC 6902 over hfl.value trees (the RFC's appendix A examples,
-- written from its text), kustomize-style targets, and jsonPatches items applied to objects.
local jsonpatch = require "hfl.chartify.jsonpatch"
local json = require "hfl.json"
local value = require "hfl.value"
local yaml = require "hfl.yaml"
local fs = require "hfl.fs"

local function J(text) return assert(json.decode(text)) end
local function Y(text) return assert(yaml.decode(text)) end

-- Compact JSON with map keys sorted, to compare results with the RFC's.
local function canon(v)
  local k = value.kind(v)
  if k == "map" then
    local parts = {}
    for _, key in ipairs(value.sorted_keys(v)) do parts[#parts + 1] = json.encode(key) .. ":" .. canon(v[key]) end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif k == "list" then
    local parts = {}
    for i = 1, #v do parts[i] = canon(v[i]) end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  return json.encode(v)
end

-- Patches doc (JSON text) with ops (JSON text); the result as canonical JSON, or nil, err.
local function patch(doc, ops)
  local out, err = jsonpatch.apply(J(doc), J(ops))
  if out == nil then return nil, err end
  return canon(out)
end

describe("hfl.chartify.jsonpatch #unit", function()
  describe("apply() with RFC 6902's appendix A", function()
    it("A.1 adds an object member", function()
      assert.equal('{"baz":"qux","foo":"bar"}',
        patch('{"foo":"bar"}', '[{"op":"add","path":"/baz","value":"qux"}]'))
    end)

    it("A.2 adds an array element before the index", function()
      assert.equal('{"foo":["bar","qux","baz"]}',
        patch('{"foo":["bar","baz"]}', '[{"op":"add","path":"/foo/1","value":"qux"}]'))
    end)

    it("A.3 removes an object member", function()
      assert.equal('{"foo":"bar"}', patch('{"baz":"qux","foo":"bar"}', '[{"op":"remove","path":"/baz"}]'))
    end)

    it("A.4 removes an array element", function()
      assert.equal('{"foo":["bar","baz"]}', patch('{"foo":["bar","qux","baz"]}', '[{"op":"remove","path":"/foo/1"}]'))
    end)

    it("A.5 replaces a value", function()
      assert.equal('{"baz":"boo","foo":"bar"}',
        patch('{"baz":"qux","foo":"bar"}', '[{"op":"replace","path":"/baz","value":"boo"}]'))
    end)

    it("A.6 moves a value between objects", function()
      assert.equal('{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}',
        patch('{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}',
          '[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]'))
    end)

    it("A.7 moves an array element", function()
      assert.equal('{"foo":["all","cows","eat","grass"]}',
        patch('{"foo":["all","grass","cows","eat"]}', '[{"op":"move","from":"/foo/1","path":"/foo/3"}]'))
    end)

    it("A.8 passes tests of equal values, numbers included", function()
      assert.equal('{"baz":"qux","foo":["a",2,"c"]}', patch('{"baz":"qux","foo":["a",2,"c"]}',
        '[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]'))
    end)

    it("A.9 fails a test of a different value, naming the op, its index and the path", function()
      local out, err = patch('{"baz":"qux"}', '[{"op":"test","path":"/baz","value":"bar"}]')
      assert.is_nil(out)
      assert.equal('patch[0] (test /baz): test failed at /baz: the value is "qux", not "bar"', err)
    end)

    it("A.10 adds a nested member object", function()
      assert.equal('{"child":{"grandchild":{}},"foo":"bar"}',
        patch('{"foo":"bar"}', '[{"op":"add","path":"/child","value":{"grandchild":{}}}]'))
    end)

    it("A.11 ignores members an operation does not know", function()
      assert.equal('{"baz":"qux","foo":"bar"}',
        patch('{"foo":"bar"}', '[{"op":"add","path":"/baz","value":"qux","xyz":123}]'))
    end)

    it("A.12 refuses to add below a member that does not exist", function()
      local out, err = patch('{"foo":"bar"}', '[{"op":"add","path":"/baz/bat","value":"qux"}]')
      assert.is_nil(out)
      assert.equal("patch[0] (add /baz/bat): /baz/bat: no such path", err)
    end)

    it("A.13 never sees an operation with op twice: the YAML it is read from refuses it", function()
      local ops, err = yaml.decode("- {op: add, path: /baz, value: qux, op: remove}\n", { filename = "p.yaml" })
      assert.is_nil(ops)
      assert.equal('p.yaml:1:37: mapping key "op" already defined at line 1', err)
    end)

    it("A.14 decodes ~01 as ~1 (~1 first, then ~0)", function()
      assert.truthy(patch('{"/":9,"~1":10}', '[{"op":"test","path":"/~01","value":10}]'))
      assert.equal('{"/":8,"~1":10}', patch('{"/":9,"~1":10}', '[{"op":"replace","path":"/~1","value":8}]'))
    end)

    it("A.15 does not find a string equal to a number", function()
      local out, err = patch('{"/":9,"~1":10}', '[{"op":"test","path":"/~01","value":"10"}]')
      assert.is_nil(out)
      assert.equal('patch[0] (test /~01): test failed at /~01: the value is 10, not "10"', err)
    end)

    it("A.16 appends an array value with -", function()
      assert.equal('{"foo":["bar",["abc","def"]]}',
        patch('{"foo":["bar"]}', '[{"op":"add","path":"/foo/-","value":["abc","def"]}]'))
    end)
  end)

  describe("apply()", function()
    it("copies a value so that later changes to the copy leave the original alone", function()
      assert.equal('{"a":{"x":1},"b":{"x":2}}',
        patch('{"a":{"x":1}}', '[{"op":"copy","from":"/a","path":"/b"},{"op":"replace","path":"/b/x","value":2}]'))
    end)

    it("replaces the whole document at the empty pointer", function()
      assert.equal('{"new":true}', patch('{"old":1}', '[{"op":"replace","path":"","value":{"new":true}}]'))
    end)

    it("keeps a map's key order when a member is replaced", function()
      local doc = Y("b: 1\na: 2\nc: 3\n")
      doc = assert(jsonpatch.apply(doc, Y("- {op: replace, path: /a, value: 5}\n- {op: add, path: /d, value: 4}")))
      assert.equal("b: 1\na: 5\nc: 3\nd: 4\n", yaml.encode(doc, { sort = false }))
    end)

    it("tests numbers by value whatever their kind", function()
      assert.truthy(patch('{"n":1}', '[{"op":"test","path":"/n","value":1.0}]'))
    end)

    it("reports the index of the failing operation and stops there", function()
      local doc = J('{"a":[1]}')
      local out, err = jsonpatch.apply(doc, J('[{"op":"add","path":"/b","value":1},{"op":"remove","path":"/a/3"}]'))
      assert.is_nil(out)
      assert.equal("patch[1] (remove /a/3): /a/3: index 3 is past the end of a list of 1", err)
    end)

    it("refuses bad operations with a message saying what is wanted", function()
      local cases = {
        { '[{"op":"frob","path":"/a"}]', 'patch[0]: unknown op "frob" (add, remove, replace, move, copy or test)' },
        { '[{"path":"/a"}]', "patch[0]: unknown op (none) (add, remove, replace, move, copy or test)" },
        { '[{"op":"add","value":1}]', "patch[0] (add ?): needs path (a JSON pointer)" },
        { '[{"op":"replace","path":"/a"}]', "patch[0] (replace /a): needs value" },
        { '[{"op":"move","path":"/a"}]', "patch[0] (move /a): needs from (a JSON pointer)" },
        { '[{"op":"move","from":"/a","path":"/a/b"}]', "patch[0] (move /a/b): cannot move /a into its own child /a/b" },
        { '[{"op":"remove","path":"a"}]', 'patch[0] (remove a): "a" is not a JSON pointer (it must start with /)' },
        { '[{"op":"remove","path":"/a~2"}]', 'patch[0] (remove /a~2): "/a~2": ~ must be followed by 0 or 1 (~0 is ~, ~1 is /)' },
        { '[{"op":"replace","path":"/nope","value":1}]', "patch[0] (replace /nope): /nope: no such path" },
        { '[{"op":"add","path":"/l/01","value":1}]', 'patch[0] (add /l/01): /l/01: "01" is not an index of a list (or - to append)' },
        { '[{"op":"add","path":"/a/x","value":1}]', "patch[0] (add /a/x): /a/x: the parent is not a map or a list" },
        { '{"op":"add"}', "the patch must be a list of operations, got a map" },
      }
      for _, c in ipairs(cases) do
        local out, err = patch('{"a":1,"l":[]}', c[1])
        assert.is_nil(out, c[1])
        assert.equal(c[2], err)
      end
    end)
  end)

  describe("target()", function()
    local deploy = Y([[
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-api
  namespace: shop
  labels: {tier: backend, team: core}
  annotations: {zone: west}
]])
    local cm = Y("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n")

    local function matches(t, doc) return assert(jsonpatch.target(t and Y(t)))(doc) end

    it("matches group, version, kind, name and namespace as anchored regular expressions", function()
      assert.is_true(matches("{group: apps, version: v1, kind: Deployment, name: web-api, namespace: shop}", deploy))
      assert.is_true(matches("{name: 'web.*'}", deploy))
      assert.is_false(matches("{name: web}", deploy))
      assert.is_true(matches("{name: web}", cm))
      assert.is_true(matches("{group: '', version: v1, kind: ConfigMap}", cm))
      assert.is_false(matches("{group: apps}", cm))
      assert.is_false(matches("{kind: Deploy}", deploy))
      assert.is_true(matches(nil, cm))
    end)

    it("matches label and annotation selectors", function()
      assert.is_true(matches("{labelSelector: 'tier=backend,team'}", deploy))
      assert.is_true(matches("{labelSelector: 'tier in (frontend, backend), !gone'}", deploy))
      assert.is_false(matches("{labelSelector: 'tier notin (backend)'}", deploy))
      assert.is_false(matches("{labelSelector: 'tier!=backend'}", deploy))
      assert.is_true(matches("{annotationSelector: 'zone=west'}", deploy))
      assert.is_false(matches("{annotationSelector: 'zone=west'}", cm))
    end)

    it("refuses unknown fields and bad expressions", function()
      local _, err = jsonpatch.target(Y("{knd: Deployment}"))
      assert.equal('target: unknown field "knd" (group, version, kind, name, namespace, labelSelector, annotationSelector)', err)
      _, err = jsonpatch.target(Y("{name: 'a('}"))
      assert.matches('^target.name: "a%(" is not a regular expression: ', err)
      _, err = jsonpatch.target(Y("{labelSelector: 'a=b=c'}"))
      assert.matches('^target.labelSelector: cannot read "a=b=c"', err)
    end)
  end)

  describe("apply_items()", function()
    local function objects()
      return {
        { doc = Y("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: '1'}\n"), source = "c/templates/a.yaml" },
        { doc = Y("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {x: '1'}\n"), source = "c/templates/b.yaml" },
      }
    end

    it("patches only the objects the target selects, each with its own copy of the values", function()
      local item = Y("target: {kind: ConfigMap}\npatch:\n- {op: add, path: /data/y, value: {n: 1}}\n")
      local out = assert(jsonpatch.apply_items("web", { { value = item, index = 1 } }, objects(), "."))
      assert.equal(1, out[1].doc.data.y.n)
      out[1].doc.data.y.n = 5
      assert.equal(1, out[2].doc.data.y.n)
      local only = Y("target: {name: b}\npatch:\n- {op: remove, path: /data/x}\n")
      out = assert(jsonpatch.apply_items("web", { { value = only, index = 1 } }, objects(), "."))
      assert.equal("1", out[1].doc.data.x)
      assert.is_nil(out[2].doc.data.x)
    end)

    it("names the release, the item, the object and the operation when a patch fails", function()
      local item = Y("target: {name: b}\npatch:\n- {op: test, path: /data/x, value: '2'}\n")
      local out, err = jsonpatch.apply_items("web", { { value = item, index = 2 } }, objects(), ".")
      assert.is_nil(out)
      assert.equal('release "web": jsonPatches[1]: ConfigMap/b: patch[0] (test /data/x): test failed at '
        .. '/data/x: the value is "1", not "2"', err)
    end)

    it("names the file and line of the operation when the item came from a file", function()
      local dir = assert(fs.mkdtemp("hfl-jsonpatch-XXXXXX"))
      local text = "target:\n  name: a\npatch:\n  - op: add\n    path: /data/y\n    value: z\n  - op: remove\n    path: /nope\n"
      local file = dir .. "/patch.yaml"
      local out, err = jsonpatch.apply_items("web", { { value = Y(text), text = text, file = file, index = 1 } }, objects(), dir)
      assert.is_nil(out)
      assert.equal('release "web": jsonPatches[0] (' .. file .. ':7): ConfigMap/a: patch[1] (remove /nope): /nope: no such path', err)
      fs.rm_r(dir, fs.tmpdir())
    end)

    it("reads the operations from the file path: names, relative to the item's file", function()
      local dir = assert(fs.mkdtemp("hfl-jsonpatch-XXXXXX"))
      assert(fs.write_atomic(dir .. "/ops.yaml", "- {op: replace, path: /data/x, value: '9'}\n"))
      local inline = Y("target: {name: a}\npath: ops.yaml\n")
      local out = assert(jsonpatch.apply_items("web", { { value = inline, index = 1 } }, objects(), dir))
      assert.equal("9", out[1].doc.data.x)
      assert.equal("1", out[2].doc.data.x)
      local _, err = jsonpatch.apply_items("web", { { value = Y("target: {name: a}\n"), index = 1 } }, objects(), dir)
      assert.equal('release "web": jsonPatches[0]: needs "patch" (a list of operations) or "path" (a file holding them)', err)
      fs.rm_r(dir, fs.tmpdir())
    end)
  end)
end)
