--- values.schema.json checked the way Helm checks it before rendering — but only as far as
--- this module is sure to agree with Helm's validators (gojsonschema in Helm 3, santhosh-
--- tekuri/jsonschema in Helm 4): a schema using a keyword outside the supported set is
--- "unsupported", and so are values that fail it (helm then reports the failure in its own
--- words). Only "valid" lets the native renderer go on.
---
---   local verdict, why = schema.check(schema_text, values)  -- "valid" | "invalid" | "unsupported"
local json = require "hfl.stdlib.json"
local value = require "hfl.value"
local regex = require "hfl.regex"

local M = {}

local kind, null, tonum = value.kind, value.null, value.tonumber

-- Keywords that only annotate (and the form hints charts add): never checked.
local ANNOTATIONS = {}
for k in ([[description title default examples $schema $id id $comment readOnly writeOnly deprecated
  definitions $defs form hidden render sliderMin sliderMax sliderUnit nullable]]):gmatch("%S+") do
  ANNOTATIONS[k] = true
end

local check

local function json_type_ok(t, v)
  local k = kind(v)
  if t == "null" then return k == "null" end
  if t == "boolean" then return k == "bool" end
  if t == "object" then return k == "map" end
  if t == "array" then return k == "list" end
  if t == "string" then return k == "string" end
  if t == "number" then return k == "int" or k == "float" end
  if t == "integer" then
    if k == "int" then return true end
    if k == "float" then
      local n = tonum(v)
      return n == math.floor(n)
    end
    return false
  end
  return nil
end

-- JSON equality: numbers by value whatever their kind.
local function json_equal(a, b)
  local ka, kb = kind(a), kind(b)
  local na = ka == "int" or ka == "float"
  local nb = kb == "int" or kb == "float"
  if na and nb then return tonum(a) == tonum(b) end
  if ka ~= kb then return false end
  if ka == "map" then
    for k, x in pairs(a) do
      if b[k] == nil or not json_equal(x, b[k]) then return false end
    end
    for k in pairs(b) do
      if a[k] == nil then return false end
    end
    return true
  elseif ka == "list" then
    if #a ~= #b then return false end
    for i = 1, #a do
      if not json_equal(a[i], b[i]) then return false end
    end
    return true
  end
  return a == b
end

local function runes(s)
  local _, n = s:gsub("[^\128-\191]", "")
  return n
end

local function pointer(root, ref)
  local path = ref:match("^#(.*)$")
  if not path then return nil end
  local cur = root
  for part in path:gmatch("/([^/]*)") do
    part = part:gsub("~1", "/"):gsub("~0", "~")
    if kind(cur) ~= "map" then return nil end
    cur = cur[part]
    if cur == nil then return nil end
  end
  return cur
end

local function num_kw(s, name)
  local x = s[name]
  if x == nil then return nil end
  local k = kind(x)
  if k ~= "int" and k ~= "float" then error({ unsupported = name .. " that is not a number" }, 0) end
  return tonum(x)
end

-- Raises { unsupported = why } or returns true (valid) / false (invalid).
function check(s, v, root, depth)
  if depth > 100 then error({ unsupported = "schema nested deeper than 100" }, 0) end
  if s == true then return true end
  if s == false then return false end
  if kind(s) ~= "map" then error({ unsupported = "a schema that is not an object" }, 0) end
  if s["$ref"] ~= nil then
    local target = type(s["$ref"]) == "string" and pointer(root, s["$ref"])
    if target == nil then error({ unsupported = "$ref " .. tostring(s["$ref"]) }, 0) end
    local siblings
    for k, x in pairs(s) do
      if k ~= "$ref" and not ANNOTATIONS[k] then
        siblings = siblings or setmetatable({}, value.map_mt)
        siblings[k] = x
      end
    end
    if not siblings then return check(target, v, root, depth + 1) end
    -- draft-07 validators ignore a $ref's siblings, newer drafts apply them: values meeting
    -- both are valid either way; anything else is for helm to judge
    if check(target, v, root, depth + 1) and check(siblings, v, root, depth + 1) then return true end
    error({ unsupported = "values where a $ref has sibling keywords" }, 0)
  end
  local ok = true
  for key, kv in pairs(s) do
    if ANNOTATIONS[key] then
      -- nothing to check
    elseif key == "type" then
      local types = kind(kv) == "list" and kv or { kv }
      if #types == 0 then error({ unsupported = "an empty type list" }, 0) end
      local any = false
      for _, t in ipairs(types) do
        local r = json_type_ok(t, v)
        if r == nil then error({ unsupported = "type " .. tostring(t) }, 0) end
        if r then any = true end
      end
      if not any then ok = false end
    elseif key == "properties" then
      if kind(kv) ~= "map" then error({ unsupported = "properties that is not an object" }, 0) end
      if kind(v) == "map" then
        for name, sub in pairs(kv) do
          if v[name] ~= nil and not check(sub, v[name], root, depth + 1) then ok = false end
        end
      end
    elseif key == "additionalProperties" then
      if kind(v) == "map" then
        local props = s.properties or {}
        if s.patternProperties ~= nil then error({ unsupported = "patternProperties" }, 0) end
        for name, x in pairs(v) do
          if props[name] == nil and not check(kv, x, root, depth + 1) then ok = false end
        end
      end
    elseif key == "required" then
      if kind(kv) ~= "list" then error({ unsupported = "required that is not a list" }, 0) end
      if kind(v) == "map" then
        for _, name in ipairs(kv) do
          if v[name] == nil then ok = false end
        end
      end
    elseif key == "items" then
      if kind(kv) == "list" then error({ unsupported = "items as a list of schemas" }, 0) end
      if kind(v) == "list" then
        for i = 1, #v do
          if not check(kv, v[i], root, depth + 1) then ok = false end
        end
      end
    elseif key == "enum" then
      if kind(kv) ~= "list" then error({ unsupported = "enum that is not a list" }, 0) end
      local found = false
      for _, e in ipairs(kv) do
        if json_equal(e, v) then found = true break end
      end
      if not found then ok = false end
    elseif key == "const" then
      if not json_equal(kv, v) then ok = false end
    elseif key == "minimum" or key == "maximum" or key == "exclusiveMinimum" or key == "exclusiveMaximum" then
      local bound = num_kw(s, key)
      local k = kind(v)
      if k == "int" or k == "float" then
        local x = tonum(v)
        if (key == "minimum" and x < bound) or (key == "maximum" and x > bound)
          or (key == "exclusiveMinimum" and x <= bound) or (key == "exclusiveMaximum" and x >= bound) then
          ok = false
        end
      end
    elseif key == "minLength" or key == "maxLength" then
      local bound = num_kw(s, key)
      if type(v) == "string" then
        local n = runes(v)
        if (key == "minLength" and n < bound) or (key == "maxLength" and n > bound) then ok = false end
      end
    elseif key == "minItems" or key == "maxItems" then
      local bound = num_kw(s, key)
      if kind(v) == "list" then
        if (key == "minItems" and #v < bound) or (key == "maxItems" and #v > bound) then ok = false end
      end
    elseif key == "minProperties" or key == "maxProperties" then
      local bound = num_kw(s, key)
      if kind(v) == "map" then
        local n = 0
        for _ in pairs(v) do n = n + 1 end
        if (key == "minProperties" and n < bound) or (key == "maxProperties" and n > bound) then ok = false end
      end
    elseif key == "pattern" then
      if type(kv) ~= "string" then error({ unsupported = "pattern that is not a string" }, 0) end
      if type(v) == "string" then
        local re = regex.compile(kv)
        if not re then error({ unsupported = "pattern " .. kv }, 0) end
        if not re:exec(v, 0) then ok = false end
      end
    elseif key == "allOf" or key == "anyOf" or key == "oneOf" then
      if kind(kv) ~= "list" or #kv == 0 then error({ unsupported = key .. " that is not a list" }, 0) end
      local n = 0
      for _, sub in ipairs(kv) do
        if check(sub, v, root, depth + 1) then n = n + 1 end
      end
      if (key == "allOf" and n < #kv) or (key == "anyOf" and n == 0) or (key == "oneOf" and n ~= 1) then
        ok = false
      end
    elseif key == "if" then
      -- draft-07 conditionals; a validator of an older draft ignores them, so values meeting
      -- them meet that reading too
      local branch = check(kv, v, root, depth + 1) and s["then"] or s["else"]
      if branch ~= nil and not check(branch, v, root, depth + 1) then ok = false end
    elseif key == "then" or key == "else" then
      -- read with "if"; alone they assert nothing
    elseif key == "not" then
      if check(kv, v, root, depth + 1) then ok = false end
    else
      -- format, uniqueItems, multipleOf, patternProperties, dependencies, if/then/else…
      -- and keywords no validator knows: Helm's validators differ on them, so helm decides
      error({ unsupported = "schema keyword " .. tostring(key) }, 0)
    end
  end
  return ok
end

--- Checks values against a values.schema.json text.
---@param text string
---@param values table
---@return string verdict "valid" | "invalid" | "unsupported", string|nil why
function M.check(text, values)
  local s, err = json.decode(text)
  if err then return "unsupported", "values.schema.json is not valid JSON" end
  if s == nil then return "unsupported", "values.schema.json is null" end
  local ok, res = pcall(check, s, values, s, 0)
  if not ok then
    if type(res) == "table" and res.unsupported then return "unsupported", res.unsupported end
    error(res, 0)
  end
  if res then return "valid" end
  return "invalid", "values do not match values.schema.json"
end

return M
