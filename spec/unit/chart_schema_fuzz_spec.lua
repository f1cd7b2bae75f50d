-- Random values against a few values.schema.json files (one per draft family), judged by helm 3
-- and helm 4 and by hfl.chart.schema: where helm accepts the values the native renderer prints
-- helm's bytes, where helm refuses them it leaves the release to helm. Each round puts every
-- case in one umbrella chart (spec/support/schema_umbrella.lua), so a round costs a few helm
-- calls. HFL_FUZZ_SECONDS runs it longer (`make fuzz`); HFL_FUZZ_SEED repeats a run. #unit
local umbrella = require "spec.support.schema_umbrella"

local SECONDS = tonumber(os.getenv("HFL_FUZZ_SECONDS") or "") or 4
local SEED = tonumber(os.getenv("HFL_FUZZ_SEED") or "") or os.time()
local PER_ROUND = 30

local SCHEMAS = {
  -- bitnami's $schema: gojsonschema's hybrid draft, santhosh's 2020-12
  [[{"$schema": "http://json-schema.org/schema#", "type": "object", "properties": {
    "a": {"type": "integer", "minimum": 0, "maximum": 10},
    "b": {"type": ["string", "null"], "pattern": "^[a-z]*$", "maxLength": 5},
    "c": {"type": "array", "items": {"type": "number", "multipleOf": 0.5}, "uniqueItems": true, "maxItems": 3},
    "d": {"type": "object", "additionalProperties": {"type": "boolean"}, "propertyNames": {"maxLength": 2}},
    "e": {"enum": [1, "1", true, null, 0.5, [1, 2], {"k": 1}]},
    "f": {"$ref": "#/definitions/small", "minimum": 3}},
    "definitions": {"small": {"type": "number", "exclusiveMaximum": 5}}}]],
  [[{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
    "properties": {
      "a": {"oneOf": [{"type": "integer"}, {"type": "string", "minLength": 2}]},
      "b": {"if": {"type": "string"}, "then": {"format": "ipv4"}, "else": {"type": ["number", "boolean"]}},
      "c": {"items": [{"type": "string"}, {"type": "number"}], "additionalItems": false, "contains": {"const": 1}},
      "d": {"dependencies": {"x": ["y"], "z": {"required": ["a"]}}, "patternProperties": {"^[xyz]$": {"type": "integer"}}},
      "e": {"not": {"type": "array"}, "format": "date"}},
    "additionalProperties": {"type": ["object", "array", "string"]}}]],
  [[{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
    "$defs": {"n": {"type": "number", "multipleOf": 0.1}},
    "properties": {
      "a": {"prefixItems": [{"type": "string"}, {"$ref": "#/$defs/n"}], "items": {"type": "boolean"}},
      "b": {"contains": {"type": "string"}, "minContains": 1, "maxContains": 2},
      "c": {"dependentRequired": {"x": ["y"]}, "dependentSchemas": {"y": {"maxProperties": 2}}},
      "d": {"$ref": "#/$defs/n", "maximum": 1},
      "e": {"anyOf": [{"const": 0.3}, {"type": "string", "format": "uuid"}]}},
    "allOf": [{"properties": {"x": {"type": "integer"}}}],
    "unevaluatedProperties": {"not": {"type": ["null", "boolean"]}}}]],
  [[{"$schema": "http://json-schema.org/draft-04/schema#", "type": "object",
    "properties": {
      "a": {"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 1},
      "b": {"format": "hostname"},
      "c": {"format": "uuid", "type": ["string", "array"], "items": {"enum": ["x", 1]}},
      "d": {"required": ["x"], "minProperties": 1, "properties": {"x": {"type": "null"}}},
      "e": {"format": "json-pointer", "minLength": 1}}}]],
}

-- Random schemas too: fragments (some a draft refuses) under random drafts, referenced through
-- definitions and $defs, so what a library reads, ignores or refuses is fuzzed as well.
local DRAFTS = { false, "http://json-schema.org/draft-04/schema#", "http://json-schema.org/draft-06/schema#",
  "http://json-schema.org/draft-07/schema#", "https://json-schema.org/draft/2019-09/schema",
  "https://json-schema.org/draft/2020-12/schema", "http://json-schema.org/schema#" }
local FRAGMENTS = {
  '"type": "integer"', '"type": ["string", "null"]', '"type": "number"', '"type": "object"', '"type": "array"',
  '"minimum": 1', '"maximum": 3, "exclusiveMaximum": true', '"minimum": 0, "exclusiveMinimum": false',
  '"exclusiveMaximum": 2.5', '"multipleOf": 0.5', '"minLength": 1', '"maxLength": 2', '"minLength": 1.0',
  '"pattern": "^[a-z]+$"', '"enum": [1, "a", null, [1]]', '"const": 1', '"items": {"type": "integer"}',
  '"items": [{"type": "string"}]', '"additionalItems": false', '"prefixItems": [{"type": "string"}]',
  '"contains": {"const": 1}', '"minContains": 2', '"maxContains": 1', '"uniqueItems": true', '"required": ["x"]',
  '"properties": {"x": {"type": "integer"}}', '"additionalProperties": false', '"additionalProperties": {"type": "string"}',
  '"patternProperties": {"^y": {"type": "boolean"}}', '"propertyNames": {"maxLength": 1}', '"dependencies": {"x": ["y"]}',
  '"dependencies": {"x": {"required": ["z"]}}', '"dependentRequired": {"x": ["y"]}',
  '"dependentSchemas": {"y": {"required": ["x"]}}', '"unevaluatedProperties": false',
  '"unevaluatedItems": {"type": "integer"}', '"allOf": [{"minimum": 0}]', '"anyOf": [{"type": "string"}, {"properties": {"z": {}}}]',
  '"oneOf": [{"type": "integer"}, {"type": "number"}]', '"not": {"type": "null"}', '"not": true',
  '"if": {"type": "integer"}, "then": {"minimum": 2}, "else": {"type": "object"}', '"format": "ipv4"', '"format": "date"',
  '"format": "uuid"', '"$ref": "#/definitions/d"', '"$ref": "#/$defs/e"', '"minProperties": 1', '"maxItems": 2',
  '"description": "d", "default": 1', '"title": 1', '"enum": []',
}

local function pick(t) return t[math.random(#t)] end

-- A random subschema of one to three fragments ($refs only where they cannot loop).
local function fragment_schema(refs)
  local parts, seen = {}, {}
  for _ = 1, math.random(1, 3) do
    local f = pick(FRAGMENTS)
    local k = f:match('^"([^"]+)"')
    if not seen[k] and (refs or k ~= "$ref") then
      seen[k] = true
      parts[#parts + 1] = f
    end
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

local function random_schema()
  local draft = pick(DRAFTS)
  return "{" .. (draft and ('"$schema": "' .. draft .. '", ') or "")
    .. '"definitions": {"d": ' .. fragment_schema(false) .. '}, "$defs": {"e": ' .. fragment_schema(false) .. "}, "
    .. '"properties": {"a": ' .. fragment_schema(true) .. ', "b": ' .. fragment_schema(true) .. "}}"
end

local STRINGS = { "", "abc", "ABC", "x", "xy", "10.0.0.1", "10.0.0.256", "2024-02-29", "2023-02-29",
  "example.com", "-bad.com", "abcdefab-1234-1234-1234-123456789012", "ABCDEFAB-1234-1234-1234-123456789012",
  "/a~1b", "/a~2", "1", "true", "null", "ü" }
local NUMBERS = { "0", "1", "-1", "2", "3", "4.5", "5", "0.5", "1.0", "0.1", "0.3", "0.30000000000000004",
  "1e21", "10", "11", "1.5", "-0.5", "0.7" }
local KEYS = { "a", "b", "c", "d", "e", "f", "x", "y", "z", "zz", "a", "b" }

local gen
-- A random YAML flow value.
function gen(depth)
  local r = math.random(depth > 1 and 4 or 6)
  if r == 1 then return string.format("%q", pick(STRINGS)) end
  if r == 2 then return pick(NUMBERS) end
  if r == 3 then return pick { "true", "false", "null" } end
  if r == 4 then return pick(NUMBERS) end
  local items = {}
  for _ = 1, math.random(0, 3) do
    if r == 5 then
      items[#items + 1] = gen(depth + 1)
    else
      items[#items + 1] = pick(KEYS) .. ": " .. gen(depth + 1)
    end
  end
  if r == 5 then return "[" .. table.concat(items, ", ") .. "]" end
  local seen, uniq = {}, {}
  for _, kv in ipairs(items) do
    local k = kv:match("^(%w+):")
    if not seen[k] then seen[k] = true uniq[#uniq + 1] = kv end
  end
  return "{" .. table.concat(uniq, ", ") .. "}"
end

local function values_text()
  local lines, seen = {}, {}
  for _ = 1, math.random(1, 4) do
    local k = pick(KEYS)
    if not seen[k] then
      seen[k] = true
      lines[#lines + 1] = k .. ": " .. gen(1)
    end
  end
  return table.concat(lines, "\n") .. "\n"
end

describe("hfl.chart.schema against helm on random values #unit", function()
  it("renders what helm accepts and leaves the rest to helm (seed " .. SEED .. ")", function()
    math.randomseed(SEED)
    local deadline, rounds = os.time() + SECONDS, 0
    local total = { ["3"] = 0, ["4"] = 0 }
    while rounds == 0 or os.time() < deadline do
      local cases = {}
      for i = 1, PER_ROUND do
        cases[i] = { schema = i % 2 == 0 and random_schema() or pick(SCHEMAS), values = values_text() }
      end
      local problems, rendered = umbrella.judge(cases)
      assert.are.same({}, problems)
      total["3"], total["4"] = total["3"] + rendered["3"], total["4"] + rendered["4"]
      rounds = rounds + 1
    end
    assert.is_true(total["3"] > 0 and total["4"] > 0, "no case was rendered natively")
  end)
end)
