-- hfl.chart.schema against helm itself: a table of (values.schema.json, values) cases over
-- every keyword of drafts 4, 6, 7, 2019-09 and 2020-12, each judged by helm 3.17 (gojsonschema)
-- and helm 4.1 (santhosh-tekuri/jsonschema) in the same run. Where helm accepts the values the
-- native renderer prints helm's bytes; where helm refuses them (or the schema) it leaves the
-- release to helm. `left` marks cases the native renderer leaves to helm on purpose (a $id,
-- formats it does not reproduce…) whatever helm says. #unit
local umbrella = require "spec.support.schema_umbrella"
local schema = require "hfl.chart.schema"
local hyaml = require "hfl.chart.yaml"

local D4 = "http://json-schema.org/draft-04/schema#"
local D6 = "http://json-schema.org/draft-06/schema#"
local D7 = "http://json-schema.org/draft-07/schema#"
local D2019 = "https://json-schema.org/draft/2019-09/schema"
local D2020 = "https://json-schema.org/draft/2020-12/schema"
local BITNAMI = "http://json-schema.org/schema#"
local BOTH = { ["3"] = true, ["4"] = true }
local H3 = { ["3"] = true }
local H4 = { ["4"] = true }

local cases = {}

-- A schema {"$schema": draft, "properties": {"a": sub}} against each `a: value`.
local function prop(draft, sub, values, left)
  local head = draft and string.format('"$schema": "%s", ', draft) or ""
  for _, v in ipairs(values) do
    cases[#cases + 1] = { schema = "{" .. head .. '"properties": {"a": ' .. sub .. "}}",
      values = "a: " .. v .. "\n", left = left }
  end
end

-- A whole schema against whole values files.
local function root(text, values, left)
  for _, v in ipairs(values) do cases[#cases + 1] = { schema = text, values = v, left = left } end
end

-- type, and numbers that are integers as float64
prop(nil, '{"type": "integer"}', { "1", "1.0", "1.5", "1e3", "12345678901234567890", '"1"' })
prop(nil, '{"type": "number"}', { "1.5", "x" })
prop(nil, '{"type": ["string", "null"]}', { "null", "5", "s" })
prop(nil, '{"type": "boolean"}', { "true", '"true"' })
prop(nil, '{"type": "object"}', { "{}", "[]" })
prop(nil, '{"type": "array"}', { "[]", "{}" })
prop(nil, '{"type": "any"}', { "1" })
prop(nil, '{"type": []}', { "1" })
-- enum and const: deep equality, numbers by value (gojsonschema through float64, santhosh exact)
prop(nil, '{"enum": [1, "x", null]}', { "1.0", "x", "null", "2" })
prop(nil, '{"enum": [{"k": [1, 2]}]}', { "{k: [1, 2]}", "{k: [2, 1]}", "{k: [1, 2], j: 1}" })
prop(nil, '{"enum": [0.30000000000000001]}', { "0.3" })
prop(nil, '{"const": 0.30000000000000001}', { "0.3" })
prop(nil, '{"const": {"a": null}}', { "{a: null}", "{a: 1}" })
prop(D4, '{"const": 5}', { "4" })
prop(nil, '{"enum": []}', { "1" })
prop(D2019, '{"properties": {"x": {"enum": []}}}', { "{x: 1}", "{y: 1}" })
prop(nil, '{"enum": [1, 1.0]}', { "1" })
prop(D2019, '{"enum": [1, 1.0]}', { "1" })
prop(D7, '{"enum": ["x", "x"]}', { "x" })
-- numeric bounds as exact decimals; draft 4's boolean exclusive bounds
prop(nil, '{"minimum": 5}', { "5", "4.999" })
prop(nil, '{"maximum": 0.3}', { "0.3", "0.30000000000000004" })
prop(nil, '{"exclusiveMaximum": 0.30000000000000001}', { "0.3" })
prop(nil, '{"exclusiveMinimum": 5}', { "5", "5.0001" })
prop(D4, '{"maximum": 3, "exclusiveMaximum": true}', { "3", "2.9" })
prop(D4, '{"minimum": 3, "exclusiveMinimum": false}', { "3" })
prop(nil, '{"maximum": 3, "exclusiveMaximum": true}', { "3", "2" })
prop(BITNAMI, '{"maximum": 3, "exclusiveMaximum": true}', { "2" })
prop(D7, '{"maximum": 3, "exclusiveMaximum": true}', { "2" })
prop(D4, '{"exclusiveMaximum": 3}', { "2" })
prop(nil, '{"exclusiveMaximum": true}', { "2" })
prop(nil, '{"multipleOf": 0.01}', { "0.07", "0.071", "1e21" })
prop(nil, '{"multipleOf": 3}', { "9", "1e21", "-6", "0" })
prop(nil, '{"multipleOf": 0.1}', { "0.3" })
prop(nil, '{"multipleOf": 0}', { "1" })
prop(nil, '{"minimum": "5"}', { "6" })
-- strings: runes, Go regular expressions searched anywhere
prop(nil, '{"minLength": 2}', { "ü", "üü" })
prop(nil, '{"maxLength": 3}', { "abcd", "abc" })
prop(nil, '{"minLength": 2.0}', { "abc", "a" })
prop(D7, '{"maxItems": 1e0}', { "[1, 2]", "[1]" })
prop(nil, '{"minLength": 3, "maxLength": 2}', { "ab" })
prop(nil, '{"pattern": "^a+$"}', { "aaa", "ab" })
prop(nil, '{"pattern": "b"}', { "abc", "xyz" })
prop(nil, '{"pattern": "^\\\\w+\\\\d$"}', { "x1", "x" })
prop(nil, '{"pattern": "(?=a)"}', { "a" })
prop(nil, '{"pattern": "^[a-z]+$"}', { "5" })
-- formats: gojsonschema asserts its formats in every draft (and fails numbers); santhosh only
-- before 2019-09
prop(nil, '{"format": "uuid"}', { "abcdefab-1234-1234-1234-123456789012", "ABCDEFAB-1234-1234-1234-123456789012" })
prop(D7, '{"format": "uuid"}', { "ABCDEFAB-1234-1234-1234-123456789012", "abcdefab-1234-1234-1234-12345678901" })
prop(D7, '{"format": "ipv4"}', { "10.0.0.1", "10.0.0.01", "1.2.3", "256.1.1.1", "5" })
prop(nil, '{"format": "ipv4"}', { "5", "true" })
prop(D7, '{"format": "hostname"}', { "example.com", "example.com.", "-a.com", "a_b", "" })
prop(D7, '{"format": "date"}', { "2024-02-29", "2023-02-29", "2024-2-01", "2024-13-01" })
prop(D7, '{"format": "json-pointer"}', { '"/a~1b"', '"/a~2"', '"a"', '""' })
prop(D7, '{"format": "relative-json-pointer"}', { '"0#"', '"01/a"', '"2/x"' })
prop(D7, '{"format": "no-such-format"}', { "x" })
prop(D7, '{"format": "email"}', { "a@b.c" }, BOTH)
prop(nil, '{"format": "email"}', { "a@b.c" }, H3)
prop(D2019, '{"format": "email"}', { "nope" }, H3)
-- arrays
prop(nil, '{"items": {"type": "integer"}}', { "[1, 2]", "[1, x]" })
prop(nil, '{"items": [{"type": "integer"}], "additionalItems": false}', { "[1]", "[1, 2]" })
prop(D7, '{"items": [{"type": "integer"}], "additionalItems": false}', { "[1]", "[1, 2]", "[x]" })
prop(D7, '{"items": [{"type": "integer"}], "additionalItems": {"type": "string"}}', { "[1, x]", "[1, 2]" })
prop(D7, '{"items": {"type": "integer"}, "additionalItems": false}', { "[1, 2]" })
prop(D7, '{"items": []}', { "[1]" })
prop(D2020, '{"prefixItems": [{"type": "integer"}], "items": {"type": "string"}}', { "[1, x]", "[1, 2]" })
prop(D2019, '{"prefixItems": [{"type": "integer"}]}', { "[x]" })
prop(nil, '{"uniqueItems": true}', { "[1, 1.0]", "[{a: 1}, {a: 1}]", "[1, 2]", "[[1], [1.0]]", "[x, y, x]" })
prop(nil, '{"uniqueItems": false}', { "[1, 1]" })
prop(nil, '{"contains": {"type": "string"}}', { "[1, x]", "[1]", "[]" })
prop(D2019, '{"contains": {"type": "string"}, "minContains": 2}', { "[x, 1]", "[x, y]" })
prop(D2019, '{"contains": {"type": "string"}, "maxContains": 1}', { "[x, y]", "[x, 1]" })
prop(D2019, '{"contains": {"type": "string"}, "minContains": 0}', { "[1]" })
prop(D7, '{"contains": {"type": "string"}, "minContains": 0}', { "[1]" })
prop(D4, '{"contains": {"type": "string"}}', { "[1]" })
prop(nil, '{"minItems": 1}', { "[]", "[1]" })
prop(nil, '{"maxItems": 1}', { "[1, 2]" })
-- objects
prop(nil, '{"required": ["x"]}', { "{y: 1}", "{x: null}", "5" })
prop(nil, '{"required": ["x", "x"]}', { "{x: 1}" })
prop(D4, '{"required": []}', { "{x: 1}" })
prop(nil, '{"properties": {"x": {"type": "string"}}, "additionalProperties": false}', { "{x: s}", "{x: s, y: 1}" })
prop(nil, '{"patternProperties": {"^x": {"type": "integer"}}, "additionalProperties": false}',
  { "{x1: 1, x2: 2}", "{x1: s}", "{y: 1}" })
prop(nil, '{"patternProperties": {"\\\\d": {"type": "integer"}}}', { "{a1b: x}", "{ab: x}" })
prop(nil, '{"patternProperties": {"(?<n>x)": {}}}', { "{x: 1}" })
prop(nil, '{"additionalProperties": {"type": "integer"}}', { "{a: 1, b: x}", "{a: 1}" })
prop(nil, '{"propertyNames": {"pattern": "^[a-z]+$"}}', { "{abc: 1}", "{Abc: 1}" })
prop(nil, '{"propertyNames": {"maxLength": 2}}', { "{abc: 1}" })
prop(D4, '{"propertyNames": {"maxLength": 1}}', { "{abc: 1}" })
prop(D4, '{"properties": {"x": true}}', { "{x: 1}" })
prop(nil, '{"properties": {"x": false}}', { "{x: 1}", "{y: 1}" })
prop(nil, '{"minProperties": 2}', { "{x: 1}" })
prop(nil, '{"maxProperties": 1}', { "{x: 1, y: 2}" })
prop(nil, '{"dependencies": {"x": ["y"]}}', { "{x: 1}", "{x: 1, y: 2}", "{y: 1}" })
prop(nil, '{"dependencies": {"x": {"required": ["z"]}}}', { "{x: 1}", "{x: 1, z: 1}" })
prop(D2020, '{"dependentRequired": {"x": ["y"]}}', { "{x: 1}", "{x: 1, y: 1}" })
prop(D2019, '{"dependentSchemas": {"x": {"required": ["z"]}}}', { "{x: 1}" })
prop(D7, '{"dependentRequired": {"x": ["y"]}}', { "{x: 1}" })
-- unevaluated*: santhosh from 2019-09, through in-place applicators that hold
prop(D2019, '{"properties": {"x": {}}, "unevaluatedProperties": false}', { "{x: 1, y: 2}", "{x: 1}" })
prop(nil, '{"unevaluatedItems": false}', { "[1]", "[]" })
prop(D2020, '{"allOf": [{"properties": {"x": {}}}], "unevaluatedProperties": false}', { "{x: 1}", "{x: 1, y: 1}" })
prop(D2020, '{"anyOf": [{"properties": {"x": {"type": "string"}}}, {"properties": {"y": {}}}], "unevaluatedProperties": false}',
  { "{x: 1, y: 1}", "{x: s, y: 1}" })
prop(D2020, '{"oneOf": [{"properties": {"x": {"type": "string"}}, "required": ["x"]}, {"required": ["z"]}], "unevaluatedProperties": {"type": "integer"}}',
  { "{x: s, y: 1}", "{x: s, y: t}", "{z: 1, x: 5}" })
prop(D2020, '{"if": {"properties": {"x": {"const": 1}}}, "then": {"properties": {"y": {}}}, "unevaluatedProperties": false}',
  { "{x: 1, y: 2}", "{x: 2, y: 2}" })
prop(D2020, '{"patternProperties": {"^p": {}}, "additionalProperties": {"type": "string"}, "unevaluatedProperties": false}', { "{p1: 1, q: s}" })
prop(D2020, '{"dependentSchemas": {"x": {"properties": {"y": {}}}}, "properties": {"x": {}}, "unevaluatedProperties": false}',
  { "{x: 1, y: 1}", "{y: 1}" })
prop(D2019, '{"dependencies": {"x": {"properties": {"y": {}}}}, "properties": {"x": {}}, "unevaluatedProperties": false}', { "{x: 1, y: 1}" })
prop(D2020, '{"properties": {"x": {"unevaluatedProperties": false}}}', { "{x: {a: 1}}", "{x: {}}" })
prop(D2020, '{"not": {"properties": {"x": {"type": "string"}}}, "unevaluatedProperties": false}', { "{x: 1}" })
prop(D2020, '{"prefixItems": [{}], "unevaluatedItems": false}', { "[1]", "[1, 2]" })
prop(D2020, '{"contains": {"type": "string"}, "unevaluatedItems": {"type": "integer"}}', { "[x, 1]", "[x, 1.5]" })
prop(D2019, '{"contains": {"type": "string"}, "unevaluatedItems": {"type": "integer"}}', { "[x, 1]", "[2, 1]" })
prop(D2019, '{"items": [{}], "unevaluatedItems": false}', { "[1, 2]", "[1]" })
prop(D2019, '{"items": [{}], "additionalItems": true, "unevaluatedItems": false}', { "[1, 2]" })
prop(D2020, '{"allOf": [{"prefixItems": [{}, {}]}], "unevaluatedItems": false}', { "[1, 2]", "[1, 2, 3]" })
root('{"$defs": {"base": {"properties": {"x": {}}}}, "properties": {"a": {"$ref": "#/$defs/base", "unevaluatedProperties": false}}}',
  { "a: {x: 1}\n", "a: {x: 1, z: 1}\n" })
root('{"$schema": "' .. D7 .. '", "properties": {"a": {"unevaluatedProperties": false}}}', { "a: {x: 1}\n" })
-- applicators
prop(nil, '{"allOf": [{"type": "integer"}, {"minimum": 2}]}', { "1", "2" })
prop(nil, '{"anyOf": [{"type": "string"}, {"type": "integer"}]}', { "true", "x" })
prop(nil, '{"oneOf": [{"type": "integer"}, {"minimum": 0}]}', { "1", "-1", "1.5", "x" })
prop(nil, '{"not": {"type": "string"}}', { "x", "1" })
prop(nil, '{"if": {"type": "integer"}, "then": {"minimum": 10}, "else": {"type": "string"}}', { "5", "x", "true", "20" })
prop(D6, '{"if": {"type": "integer"}, "then": {"minimum": 10}}', { "5" })
prop(nil, '{"then": {"minimum": 10}}', { "5" })
prop(nil, '{"if": false, "else": {"type": "string"}}', { "5" })
prop(nil, '{"allOf": []}', { "1" })
prop(nil, '{"anyOf": [], "oneOf": []}', { "1" })
prop(D4, '{"dependencies": {"x": []}}', { "{x: 1}" })
prop(D4, '{"not": false}', { "1" })
-- references
root('{"definitions": {"p": {"type": "integer", "minimum": 1}}, "properties": {"a": {"$ref": "#/definitions/p"}}}',
  { "a: 0\n", "a: 1\n" })
root('{"$defs": {"p": {"type": "integer"}}, "properties": {"a": {"$ref": "#/$defs/p"}}}', { "a: x\n", "a: 1\n" })
for _, d in ipairs { "", '"$schema": "' .. D7 .. '", ', '"$schema": "' .. BITNAMI .. '", ', '"$schema": "' .. D2019 .. '", ' } do
  root("{" .. d .. '"definitions": {"p": {"type": "integer"}}, "properties": {"a": {"$ref": "#/definitions/p", "minimum": 5}}}',
    { "a: 1\n", "a: 7\n" })
end
root('{"definitions": {"node": {"type": "object", "properties": {"child": {"$ref": "#/definitions/node"}, "v": {"type": "integer"}}}}, '
  .. '"properties": {"a": {"$ref": "#/definitions/node"}}}', { "a: {child: {child: {v: 1}}}\n", "a: {child: {v: x}}\n" })
root('{"type": "object", "properties": {"a": {"$ref": "#"}}}', { "a: {a: {}}\n", "a: 5\n" })
root('{"properties": {"a": {"$ref": "#/properties/b"}, "b": {"type": "string"}}}', { "a: 1\n", "a: s\n" })
root('{"properties": {"a": {"$ref": "#/definitions/nope"}}}', { "a: 1\n" })
-- gojsonschema never reads the siblings of a $ref written once; santhosh's metaschema does
root('{"$schema": "' .. D7 .. '", "definitions": {"p": {}}, "properties": {"a": {"$ref": "#/definitions/p", "minLength": 1.5}}}', { "a: 1\n" })
root('{"definitions": {"p": {}}, "properties": {"a": {"$ref": "#/definitions/p", "title": 5}}}', { "a: 1\n" })
root('{"properties": {"a": {"$ref": "http://127.0.0.1:1/x.json"}}}', { "a: 1\n" })
root('{"properties": {"a": {"$ref": "other.json"}}}', { "a: 1\n" })
root('{"$id": "http://example.com/s.json", "properties": {"a": {"type": "integer"}}}', { "a: 1\n" }, BOTH)
root('{"$defs": {"x": {"$anchor": "foo", "type": "integer"}}, "properties": {"a": {"$ref": "#foo"}}}', { "a: 1\n" }, BOTH)
root('{"$dynamicAnchor": "meta", "properties": {"a": {"$dynamicRef": "#meta"}}}', { "a: {}\n" }, BOTH)
-- keywords a draft does not define are never read, whatever they hold (unless a $ref points in)
root('{"$schema": "' .. D7 .. '", "$defs": {"e": {"exclusiveMaximum": true}}, "properties": {"a": {"type": "integer"}}}', { "a: 1\n" })
root('{"$schema": "' .. D4 .. '", "properties": {"a": {"prefixItems": [true], "contains": false, "const": 2}}}', { "a: [1]\n" })
root('{"$schema": "' .. D7 .. '", "$defs": {"e": {"type": "strng"}}, "properties": {"a": {"$ref": "#/$defs/e"}}}', { "a: 1\n" })
-- $schema: which draft each library reads
root('{"$schema": "http://json-schema.org/draft-07/schema", "properties": {"a": {"maximum": 3, "exclusiveMaximum": true}}}', { "a: 2\n" })
root('{"$schema": "https://json-schema.org/draft-07/schema#", "properties": {"a": {"maximum": 3, "exclusiveMaximum": true}}}', { "a: 2\n" })
root('{"$schema": "https://json-schema.org/schema", "properties": {"a": {"items": [{"type": "string"}]}}}', { "a: [x]\n" })
root('{"$schema": "http://example.com/custom", "properties": {"a": {"type": "integer"}}}', { "a: 1\n" }, H4)
root('{"$schema": 5, "properties": {"a": {"type": "integer"}}}', { "a: 1\n" })
-- the whole values of a subchart: its own keys plus "global"
root('{"additionalProperties": false, "properties": {"a": {}}}', { "a: 1\n" })
root('{"required": ["global"]}', { "a: 1\n" })
root('{"properties": {"global": {"type": "object", "maxProperties": 0}}}', { "a: 1\n" })
root("true", { "a: 1\n" })
root("false", { "a: 1\n" })
root("{}", { "a: 1\n" })
root("null", { "a: 1\n" })
root("[]", { "a: 1\n" })
root('{"properties": {"a": {"type": "string"}}} trailing', { "a: x\n" }, H3)
-- annotations assert nothing; wrongly typed ones make the schema invalid
prop(nil, '{"description": "x", "default": 3, "examples": [1], "readOnly": true, "form": true, "sliderMin": 1, "x-extra": {"type": "string"}}', { "1" })
prop(nil, '{"title": 5}', { "1" })
prop(nil, '{"deprecated": "yes"}', { "1" })
prop(nil, '{"properties": {"x": {"type": "strng"}}}', { "{}" })

describe("hfl.chart.schema #unit", function()
  it("agrees with helm 3 and helm 4 on every case of the keyword table", function()
    local problems, rendered = umbrella.judge(cases)
    assert.are.same({}, problems)
    -- most cases are judged natively, by both versions
    assert.is_true(rendered["3"] > #cases / 3 and rendered["4"] > #cases / 3)
  end)

  it("lets --skip-schema-validation render values that fail, as helm does", function()
    local failing = {
      { schema = '{"properties": {"a": {"type": "integer"}}}', values = "a: x\n" },
      { schema = '{"required": ["missing"]}', values = "a: 1\n" },
    }
    local problems, rendered = umbrella.judge(failing, { "--skip-schema-validation" })
    assert.are.same({}, problems)
    assert.are.same({ ["3"] = 2, ["4"] = 2 }, rendered)
  end)

  describe("check()", function()
    local function values(text) return (hyaml.decode(text)) end

    it("compares numbers as exact decimals where helm does", function()
      local s = '{"properties": {"a": {"multipleOf": 0.01, "exclusiveMaximum": 0.30000000000000001}}}'
      assert.are.equal("valid", schema.check(s, values("a: 0.07\n"), "3"))
      assert.are.equal("valid", schema.check(s, values("a: 0.3\n"), "4"))
      assert.are.equal("invalid", schema.check(s, values("a: 0.071\n"), "4"))
    end)

    it("names what it leaves to helm", function()
      local verdict, why = schema.check('{"$id": "x.json"}', values("a: 1\n"), "4")
      assert.are.equal("unsupported", verdict)
      assert.matches("$id", why, 1, true)
      verdict, why = schema.check('{"$schema": "http://example.com/s"}', values("a: 1\n"), "4")
      assert.are.equal("unsupported", verdict)
      assert.matches("http://example.com/s", why, 1, true)
    end)
  end)
end)
