--- values.schema.json checked the way each Helm version checks it before rendering: Helm 3.17
--- with xeipuuv/gojsonschema v1.2.0, Helm 4.1 with santhosh-tekuri/jsonschema v6 — each with
--- its own draft detection, keyword set and number semantics. What this module is not sure to
--- judge exactly as that library does (a $id, a remote $ref, $dynamicRef, most formats, a
--- schema the library would reject) is "unsupported", and so are values that fail
--- the schema: helm then reports the failure in its own words. Only "valid" lets the native
--- renderer go on.
---
---   local verdict, why = schema.check(schema_text, values, "3")  -- "valid" | "invalid" | "unsupported"
local json = require "hfl.stdlib.json"
local value = require "hfl.value"
local node = require "hfl.chart.schema_node"
local schema_valid = require "hfl.chart.schema_valid"

local M = {}

-- Interpreted only: compiled, hfl.chart.schema's mutually recursive checks (lint, valid, equal)
-- crashed LuaJIT 2.1.0-beta3 now and then (a segfault in a recursive trace, about 1 run in 3
-- over the spec table; never with the JIT off). Schemas are small: the interpreter is enough.
jit.off(debug.getinfo(1, "f").func, true)

local kind = value.kind
local unsupported, skind, is_lit, equal, count = node.unsupported, node.skind, node.is_lit, node.equal, node.count
local num_decimal, compiled, resolve = node.num_decimal, node.compiled, node.resolve

local HYBRID = 8  -- gojsonschema without a known $schema: every draft's keywords, draft-4 forms too

local GOJS_DRAFTS = {
  ["http://json-schema.org/draft-04/schema"] = 4,
  ["http://json-schema.org/draft-06/schema"] = 6,
  ["http://json-schema.org/draft-07/schema"] = 7,
}
local SANTHOSH_DRAFTS = {
  ["json-schema.org/schema"] = 2020,
  ["json-schema.org/draft/2020-12/schema"] = 2020,
  ["json-schema.org/draft/2019-09/schema"] = 2019,
  ["json-schema.org/draft-07/schema"] = 7,
  ["json-schema.org/draft-06/schema"] = 6,
  ["json-schema.org/draft-04/schema"] = 4,
}

-- The draft lib reads the schema with: gojsonschema knows three $schema URLs and is "hybrid"
-- otherwise; santhosh knows six (http or https) and defaults to 2020-12, and any other
-- $schema would be fetched as a metaschema.
local function draft_of(root, lib)
  local s = skind(root) == "map" and root["$schema"] or nil
  if s == nil then return lib == "gojsonschema" and HYBRID or 2020 end
  if type(s) ~= "string" or not s:match("^[%w:/._#~?=&+-]*$") then
    unsupported("$schema " .. tostring(s))
  end
  if lib == "gojsonschema" then return GOJS_DRAFTS[(s:gsub("#$", ""))] or HYBRID end
  local url, frag = s:match("^([^#]*)#?(.*)$")
  local d = frag == "" and SANTHOSH_DRAFTS[(url:gsub("^https?://", ""))]
  if not d then unsupported("$schema " .. s) end
  return d
end

local SCHEMA_MAPS, SCHEMA_ONE, SCHEMA_LISTS, COUNTS, STRINGS, BOOLS, NOT_NATIVE = {}, {}, {}, {}, {}, {}, {}
local function set(t, words) for w in words:gmatch("%S+") do t[w] = true end end
set(SCHEMA_MAPS, "properties patternProperties definitions $defs dependentSchemas")
set(SCHEMA_ONE, [[additionalProperties additionalItems not if then else contains propertyNames
  unevaluatedProperties unevaluatedItems contentSchema]])
set(SCHEMA_LISTS, "allOf anyOf oneOf prefixItems")
set(COUNTS, "minLength maxLength minItems maxItems minProperties maxProperties minContains maxContains")
set(STRINGS, "title description $comment format contentEncoding contentMediaType")
set(BOOLS, "uniqueItems readOnly writeOnly deprecated")
set(NOT_NATIVE, "$id id $anchor $dynamicRef $dynamicAnchor $recursiveRef $recursiveAnchor $vocabulary")
local TYPES = {}
set(TYPES, "array boolean integer null number object string")

-- The draft whose metaschema first defines each keyword (santhosh checks a schema against its
-- draft's metaschema and compiles those keywords; others are unknown and unchecked).
local SINCE = {}
local function since(draft, words) for w in words:gmatch("%S+") do SINCE[w] = draft end end
since(4, [[$ref type properties patternProperties additionalProperties required dependencies items
  additionalItems enum multipleOf minimum maximum exclusiveMinimum exclusiveMaximum minLength
  maxLength pattern format minItems maxItems uniqueItems minProperties maxProperties allOf anyOf
  oneOf not definitions title description default]])
since(6, "contains propertyNames const examples")
since(7, "if then else $comment readOnly writeOnly contentMediaType contentEncoding")
since(2019, [[$defs dependentSchemas dependentRequired unevaluatedProperties unevaluatedItems
  minContains maxContains deprecated contentSchema]])
since(2020, "prefixItems")
-- Keywords of those drafts that gojsonschema never parses
local GOJS_IGNORES = {}
set(GOJS_IGNORES, "examples $comment readOnly writeOnly contentMediaType contentEncoding")

-- Whether ctx's library and draft read keyword key (and so may refuse a schema over it).
local function known(ctx, key)
  local first = SINCE[key]
  if not first or ctx.draft < first then return false end
  if ctx.lib == "gojsonschema" then return first < 2019 and not GOJS_IGNORES[key] end
  -- 2020-12 dropped additionalItems
  return not (key == "additionalItems" and ctx.draft >= 2020)
end

local function string_list(x, key, allow_empty)
  if skind(x) ~= "list" or (#x == 0 and not allow_empty) then unsupported(key .. " that is not a list of names") end
  local seen = {}
  for _, name in ipairs(x) do
    if type(name) ~= "string" or seen[name] then unsupported(key .. " that is not a list of distinct names") end
    seen[name] = true
  end
end


local lint

local function lint_keyword(s, key, x, ctx)
  local draft = ctx.draft
  if NOT_NATIVE[key] then
    unsupported("schema keyword " .. key)
  elseif key == "$schema" then
    if s ~= ctx.root then unsupported("$schema inside a schema") end
  elseif key == "$ref" then
    lint(resolve(ctx, x), ctx)
  elseif not known(ctx, key) then
    -- unknown to this library and draft: never read (a $ref into it is linted where it points)
    return
  elseif key == "type" then
    -- gojsonschema takes an empty list as no type at all
    if type(x) ~= "string" and (skind(x) ~= "list" or (#x == 0 and ctx.lib ~= "gojsonschema")) then
      unsupported("type that is not a name or a list of names")
    end
    local seen = {}
    for _, t in ipairs(type(x) == "string" and { x } or x) do
      if not TYPES[t] or seen[t] then unsupported("type " .. tostring(t)) end
      seen[t] = true
    end
  elseif SCHEMA_MAPS[key] then
    if skind(x) ~= "map" then unsupported(key .. " that is not an object") end
    for name, sub in pairs(x) do
      if key == "patternProperties" then compiled(ctx, name) end
      lint(sub, ctx)
    end
  elseif SCHEMA_ONE[key] then
    -- santhosh applies unevaluated* from 2019-09: valid() then tracks what each schema evaluates
    if ctx.lib == "santhosh" and draft >= 2019 and key:match("^unevaluated") then ctx.track = true end
    if type(x) ~= "boolean" or not key:match("^additional") then lint(x, ctx) end
  elseif SCHEMA_LISTS[key] or (key == "items" and skind(x) == "list") then
    -- metaschemas want one schema at least; gojsonschema reads an empty list as no constraint
    if skind(x) ~= "list" or (#x == 0 and ctx.lib ~= "gojsonschema") then
      unsupported(key .. " that is not a list of schemas")
    end
    if key == "items" and ctx.lib == "santhosh" and draft >= 2020 then unsupported("items as a list in draft 2020-12") end
    for _, sub in ipairs(x) do lint(sub, ctx) end
  elseif key == "items" then
    lint(x, ctx)
  elseif key == "dependencies" or key == "dependentRequired" then
    if skind(x) ~= "map" then unsupported(key .. " that is not an object") end
    for _, dep in pairs(x) do
      if skind(dep) == "list" then string_list(dep, key, key == "dependentRequired" or ctx.lib == "gojsonschema" or draft ~= 4)
      elseif key == "dependencies" then lint(dep, ctx)
      else unsupported("dependentRequired that is not lists of names") end
    end
  elseif key == "required" then
    string_list(x, key, ctx.lib == "gojsonschema" or draft ~= 4)
  elseif key == "enum" then
    -- empty: gojsonschema ignores it, santhosh matches nothing (its metaschemas before 2019-09 refuse it)
    if skind(x) ~= "list" or (#x == 0 and ctx.lib == "santhosh" and draft < 2019) then unsupported("enum that is not a list") end
    -- gojsonschema refuses repeated values, and so do the metaschemas before 2019-09
    for i = 2, (ctx.lib == "santhosh" and draft >= 2019) and 0 or #x do
      for j = 1, i - 1 do
        if equal(x[i], x[j], "gojsonschema") then unsupported("enum with repeated values") end
      end
    end
  elseif COUNTS[key] then
    count(s, key, ctx.lib)
  elseif key == "minimum" or key == "maximum" then
    if not is_lit(x) then unsupported(key .. " that is not a number") end
  elseif key == "multipleOf" then
    if not is_lit(x) or num_decimal(x).sign <= 0 then unsupported("multipleOf that is not a positive number") end
  elseif key == "exclusiveMinimum" or key == "exclusiveMaximum" then
    -- a boolean (draft 4) needs its bound; a number is draft 6 on; gojsonschema's hybrid takes both
    if type(x) == "boolean" then
      if (draft ~= 4 and draft ~= HYBRID) or not is_lit(s[key == "exclusiveMinimum" and "minimum" or "maximum"]) then
        unsupported(key .. " as a boolean")
      end
    elseif not is_lit(x) or draft == 4 then
      unsupported(key .. " as a number")
    end
  elseif key == "pattern" then
    if type(x) ~= "string" then unsupported("pattern that is not a string") end
    compiled(ctx, x)
  elseif STRINGS[key] then
    if type(x) ~= "string" then unsupported(key .. " that is not a string") end
  elseif BOOLS[key] then
    if type(x) ~= "boolean" then unsupported(key .. " that is not a boolean") end
  elseif key == "examples" then
    if skind(x) ~= "list" then unsupported("examples that is not a list") end
  end
  -- default, const and keywords neither library knows (bitnami's form hints…) assert nothing
end

-- Raises { unsupported = why } where the schema is one lib would reject or read in a way this
-- module does not reproduce. Each node is looked at once.
function lint(s, ctx)
  if type(s) == "boolean" then
    if ctx.draft == 4 then unsupported("a boolean schema in draft 4") end
    return
  end
  if skind(s) ~= "map" then unsupported("a schema that is not an object") end
  if ctx.linted[s] then return end
  ctx.linted[s] = true
  local ref = s["$ref"]
  if ctx.lib == "gojsonschema" and type(ref) == "string" and ctx.ref_counts[ref] == 1 then
    -- gojsonschema parses ids, definitions, title and description, then stops at a $ref it
    -- meets first: the siblings of a $ref written once are never read (written twice, the
    -- second one's are, in Go's random map order, so those are linted)
    for key, x in pairs(s) do
      if NOT_NATIVE[key] or key == "$ref" or key == "definitions" or key == "title" or key == "description" then
        lint_keyword(s, key, x, ctx)
      end
    end
    return
  end
  for key, x in pairs(s) do lint_keyword(s, key, x, ctx) end
  for _, pair in ipairs { { "minLength", "maxLength" }, { "minProperties", "maxProperties" } } do
    -- gojsonschema refuses such a schema; santhosh accepts it
    if s[pair[1]] ~= nil and s[pair[2]] ~= nil and count(s, pair[1], ctx.lib) > count(s, pair[2], ctx.lib) then
      unsupported(pair[1] .. " above " .. pair[2])
    end
  end
end

-- Reads and lints a schema for lib: its context for valid(), or nil and why it is left to helm.
-- How often each $ref string is written in the document (anywhere: counting too many only lints more).
local function count_refs(x, counts)
  local k = skind(x)
  if k == "map" then
    if type(x["$ref"]) == "string" then counts[x["$ref"]] = (counts[x["$ref"]] or 0) + 1 end
    for _, sub in pairs(x) do count_refs(sub, counts) end
  elseif k == "list" then
    for _, sub in ipairs(x) do count_refs(sub, counts) end
  end
  return counts
end

local function compile(text, lib)
  local root, err = json.decode(text, { number = node.literal })
  if err then return nil, "values.schema.json is not valid JSON" end
  if root == nil then return nil, "values.schema.json is null" end
  local ctx = { lib = lib, root = root, linted = {}, regexes = {}, targets = {}, ref_counts = count_refs(root, {}) }
  local ok, res = pcall(function()
    ctx.draft = draft_of(root, lib)
    lint(root, ctx)
  end)
  if ok then return ctx end
  if type(res) == "table" and res.unsupported then return nil, res.unsupported end
  error(res, 0)
end

--- Checks values against a values.schema.json text as helm `helm` ("3" or "4") would. cache
--- (a table the caller keeps, e.g. hfl.chart's per-session cache) keeps read schemas.
---@param text string
---@param values table
---@param helm string|nil "3" (the default) or "4"
---@param cache table|nil
---@return string verdict "valid" | "invalid" | "unsupported", string|nil why
function M.check(text, values, helm, cache)
  local lib = helm == "4" and "santhosh" or "gojsonschema"
  local key = "schema\0" .. lib .. "\0" .. text
  local hit = cache and cache[key]
  if not hit then
    local ctx, why = compile(text, lib)
    hit = { ctx = ctx, why = why }
    if cache then cache[key] = hit end
  end
  if not hit.ctx then return "unsupported", hit.why end
  local ctx = hit.ctx
  local ok, res = pcall(schema_valid.valid, ctx, values)
  if not ok then
    if type(res) == "table" and res.unsupported then return "unsupported", res.unsupported end
    error(res, 0)
  end
  if res then return "valid" end
  return "invalid", "values do not match values.schema.json"
end

return M