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
local regex = require "hfl.regex"
local decimal = require "hfl.chart.decimal"
local sformat = require "hfl.chart.schema_format"

local M = {}

-- Interpreted only: compiled, the mutually recursive checks below (lint, valid, equal) crashed
-- LuaJIT 2.1.0-beta3 now and then (a segfault in a recursive trace, about 1 run in 3 over this
-- module's spec table; never with the JIT off). Schemas are small: the interpreter is enough.
jit.off(debug.getinfo(1, "f").func, true)

local kind, tonum = value.kind, value.tonumber

-- A number of the schema, kept as its literal text: both libraries decode schemas with
-- UseNumber and compare json.Number as exact decimals.
local NUM = {}

local function unsupported(why) error({ unsupported = why }, 0) end

local function is_lit(x) return type(x) == "table" and getmetatable(x) == NUM end

-- The kind of a schema node: decoded JSON, whose maps and lists carry their metatables (and
-- value.kind's fallback for plain tables, a pairs() loop, is not needed here).
local map_mt, list_mt = value.map_mt, value.list_mt
local function skind(x)
  if is_lit(x) then return "number" end
  local mt = type(x) == "table" and getmetatable(x)
  if mt == map_mt then return "map" elseif mt == list_mt then return "list" end
  return type(x)
end

-- The JSON kind of a schema or values node: every number is "number".
local function jkind(x)
  if is_lit(x) then return "number" end
  local k = kind(x)
  if k == "int" or k == "float" then return "number" end
  return k
end

local function num_decimal(x)
  if is_lit(x) then return decimal.parse(x[1]) end
  return decimal.parse(json.format_number(x))
end

local function num_float(x)
  if is_lit(x) then return tonumber(x[1]) end
  return tonum(x)
end

-- Deep JSON equality. gojsonschema compares const, enum and uniqueItems on JSON re-encoded
-- through float64; santhosh compares numbers as exact decimals.
local function equal(a, b, lib)
  local ka = jkind(a)
  if ka ~= jkind(b) then return false end
  if ka == "number" then
    if lib == "gojsonschema" then return num_float(a) == num_float(b) end
    return decimal.compare(num_decimal(a), num_decimal(b)) == 0
  elseif ka == "map" then
    local n = 0
    for k, x in pairs(a) do
      if b[k] == nil or not equal(x, b[k], lib) then return false end
      n = n + 1
    end
    for _ in pairs(b) do n = n - 1 end
    return n == 0
  elseif ka == "list" then
    if #a ~= #b then return false end
    for i = 1, #a do
      if not equal(a[i], b[i], lib) then return false end
    end
    return true
  end
  return a == b
end

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

local function compiled(ctx, pattern)
  local re = ctx.regexes[pattern]
  if re == nil then
    re = regex.compile(pattern) or false
    ctx.regexes[pattern] = re
  end
  if not re then unsupported("regular expression " .. pattern) end
  return re
end

-- The schema a local $ref names: "#" or a JSON pointer through objects.
local function resolve(ctx, ref)
  if type(ref) ~= "string" then unsupported("$ref that is not a string") end
  local target = ctx.targets[ref]
  if target ~= nil then return target end
  local path = ref == "#" and "" or ref:match("^#(/.*)$")
  if not path or path:find("%", 1, true) then unsupported("$ref " .. ref) end
  target = ctx.root
  for part in path:gmatch("/([^/]*)") do
    if part:gsub("~[01]", ""):find("~", 1, true) then unsupported("$ref " .. ref) end
    part = part:gsub("~1", "/"):gsub("~0", "~")
    if skind(target) ~= "map" or target[part] == nil then unsupported("$ref " .. ref) end
    target = target[part]
  end
  ctx.targets[ref] = target
  return target
end

local function string_list(x, key, allow_empty)
  if skind(x) ~= "list" or (#x == 0 and not allow_empty) then unsupported(key .. " that is not a list of names") end
  local seen = {}
  for _, name in ipairs(x) do
    if type(name) ~= "string" or seen[name] then unsupported(key .. " that is not a list of distinct names") end
    seen[name] = true
  end
end

-- A non-negative integer keyword: gojsonschema parses its literal as an int64 ("2.0" is an
-- error), santhosh takes any integral number.
local function count(s, key, lib)
  local x = s[key]
  local d = is_lit(x) and decimal.parse(x[1])
  local plain = d and x[1]:match("^%d+$") and #x[1] <= 9
  if plain or (lib == "santhosh" and d and d.sign >= 0 and d.exp >= 0 and #d.digits + d.exp <= 9) then
    return tonumber(d.digits .. ("0"):rep(d.exp)) or 0
  end
  unsupported(key .. " that is not a count")
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
    if skind(x) ~= "list" or (#x == 0 and ctx.lib ~= "gojsonschema") then unsupported("enum that is not a list") end
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
  for key, x in pairs(s) do lint_keyword(s, key, x, ctx) end
  for _, pair in ipairs { { "minLength", "maxLength" }, { "minProperties", "maxProperties" } } do
    -- gojsonschema refuses such a schema; santhosh accepts it
    if s[pair[1]] ~= nil and s[pair[2]] ~= nil and count(s, pair[1], ctx.lib) > count(s, pair[2], ctx.lib) then
      unsupported(pair[1] .. " above " .. pair[2])
    end
  end
end

local valid

-- ev (what a schema evaluated of the values: { props = {name = true}, items = {i = true} }, kept
-- only while a schema uses unevaluated*) takes in what a successful in-place subschema evaluated.
local function merge(ev, sub)
  if not ev or not sub then return end
  for name in pairs(sub.props) do ev.props[name] = true end
  for i in pairs(sub.items) do ev.items[i] = true end
end

local function mark_items(ev, from, to)
  if ev then
    for i = from, to do ev.items[i] = true end
  end
end

local function type_ok(t, v, k)
  if t == "number" or t == "integer" then
    if k ~= "number" then return false end
    if t == "integer" then
      local n = num_float(v)
      return n == math.floor(n)
    end
    return true
  end
  return ({ null = "null", boolean = "bool", object = "map", array = "list", string = "string" })[t] == k
end

local function runes(s)
  local _, n = s:gsub("[^\128-\191]", "")
  return n
end

local function number_ok(s, v)
  local x = num_decimal(v)
  local min, max, emin, emax = s.minimum, s.maximum, s.exclusiveMinimum, s.exclusiveMaximum
  -- draft 4's booleans make the bound exclusive
  if emin == true then min, emin = nil, min elseif emin == false then emin = nil end
  if emax == true then max, emax = nil, max elseif emax == false then emax = nil end
  if min ~= nil and decimal.compare(x, num_decimal(min)) < 0 then return false end
  if max ~= nil and decimal.compare(x, num_decimal(max)) > 0 then return false end
  if emin ~= nil and decimal.compare(x, num_decimal(emin)) <= 0 then return false end
  if emax ~= nil and decimal.compare(x, num_decimal(emax)) >= 0 then return false end
  if s.multipleOf ~= nil then
    local r = decimal.multiple_of(x, num_decimal(s.multipleOf))
    if r == nil then unsupported("multipleOf with too many digits") end
    if not r then return false end
  end
  return true
end

local function string_ok(s, v, ctx)
  if s.minLength ~= nil and runes(v) < count(s, "minLength", ctx.lib) then return false end
  if s.maxLength ~= nil and runes(v) > count(s, "maxLength", ctx.lib) then return false end
  if s.pattern ~= nil and not compiled(ctx, s.pattern):exec(v, 0) then return false end
  return true
end

local function array_ok(s, v, ctx, depth, ev)
  local lib, draft, n = ctx.lib, ctx.draft, #v
  if s.minItems ~= nil and n < count(s, "minItems", lib) then return false end
  if s.maxItems ~= nil and n > count(s, "maxItems", lib) then return false end
  if s.uniqueItems == true then
    for i = 2, n do
      for j = 1, i - 1 do
        if equal(v[i], v[j], lib) then return false end
      end
    end
  end
  local tuple, rest = nil, nil
  if lib == "santhosh" and draft >= 2020 then
    tuple, rest = s.prefixItems, s.items
  elseif skind(s.items) == "list" then
    -- gojsonschema reads an empty list as no items keyword (and no additionalItems)
    tuple = s.items
    if #tuple > 0 then rest = s.additionalItems end
  else
    rest = s.items
  end
  local first_rest = 1
  if tuple ~= nil then
    for i = 1, math.min(n, #tuple) do
      if not valid(tuple[i], v[i], ctx, depth + 1) then return false end
    end
    first_rest = #tuple + 1
    mark_items(ev, 1, math.min(n, #tuple))
  end
  if rest ~= nil then
    for i = first_rest, n do
      if not valid(rest, v[i], ctx, depth + 1) then return false end
    end
    mark_items(ev, first_rest, n)
  end
  if s.contains ~= nil and draft >= 6 then
    local matched = 0
    for i = 1, n do
      if valid(s.contains, v[i], ctx, depth + 1) then
        matched = matched + 1
        -- 2020-12's contains evaluates the items it matches
        if draft >= 2020 then mark_items(ev, i, i) end
      end
    end
    local newer = lib == "santhosh" and draft >= 2019
    local least = (newer and s.minContains ~= nil) and count(s, "minContains", lib) or 1
    if matched < least then return false end
    if newer and s.maxContains ~= nil and matched > count(s, "maxContains", lib) then return false end
  end
  return true
end

local function required_ok(names, v)
  for _, name in ipairs(names) do
    if v[name] == nil then return false end
  end
  return true
end

local function object_ok(s, v, ctx, depth, ev)
  local lib, draft = ctx.lib, ctx.draft
  local n = 0
  for _ in pairs(v) do n = n + 1 end
  if s.minProperties ~= nil and n < count(s, "minProperties", lib) then return false end
  if s.maxProperties ~= nil and n > count(s, "maxProperties", lib) then return false end
  if s.required ~= nil and not required_ok(s.required, v) then return false end
  if s.dependencies ~= nil then
    for name, dep in pairs(s.dependencies) do
      if v[name] ~= nil then
        if skind(dep) == "list" then
          if not required_ok(dep, v) then return false end
        else
          local ok, sub = valid(dep, v, ctx, depth + 1)
          if not ok then return false end
          merge(ev, sub)
        end
      end
    end
  end
  local props, patterns, additional = s.properties, s.patternProperties, s.additionalProperties
  for name, x in pairs(v) do
    local matched = false
    if props ~= nil and props[name] ~= nil then
      matched = true
      if not valid(props[name], x, ctx, depth + 1) then return false end
    end
    if patterns ~= nil then
      for pattern, sub in pairs(patterns) do
        if compiled(ctx, pattern):exec(name, 0) then
          matched = true
          if not valid(sub, x, ctx, depth + 1) then return false end
        end
      end
    end
    if not matched and additional ~= nil then
      if not valid(additional, x, ctx, depth + 1) then return false end
      matched = true
    end
    if matched and ev then ev.props[name] = true end
  end
  if s.propertyNames ~= nil and draft >= 6 then
    for name in pairs(v) do
      if not valid(s.propertyNames, name, ctx, depth + 1) then return false end
    end
  end
  if lib == "santhosh" and draft >= 2019 then
    for name, dep in pairs(s.dependentSchemas or {}) do
      if v[name] ~= nil then
        local ok, sub = valid(dep, v, ctx, depth + 1)
        if not ok then return false end
        merge(ev, sub)
      end
    end
    for name, names in pairs(s.dependentRequired or {}) do
      if v[name] ~= nil and not required_ok(names, v) then return false end
    end
  end
  return true
end

local function applicators_ok(s, v, ctx, depth, ev)
  if s.allOf ~= nil then
    for _, one in ipairs(s.allOf) do
      local ok, sub = valid(one, v, ctx, depth + 1)
      if not ok then return false end
      merge(ev, sub)
    end
  end
  -- gojsonschema reads empty lists as no constraint (santhosh refuses them: linted)
  if s.anyOf ~= nil and #s.anyOf > 0 then
    local any = false
    for _, one in ipairs(s.anyOf) do
      local ok, sub = valid(one, v, ctx, depth + 1)
      if ok then
        any = true
        -- every branch that holds counts as evaluated, so go on when tracking
        if not ev then break end
        merge(ev, sub)
      end
    end
    if not any then return false end
  end
  if s.oneOf ~= nil and #s.oneOf > 0 then
    local matched, evaluated = 0, nil
    for _, one in ipairs(s.oneOf) do
      local ok, sub = valid(one, v, ctx, depth + 1)
      if ok then matched, evaluated = matched + 1, sub end
    end
    if matched ~= 1 then return false end
    merge(ev, evaluated)
  end
  if s["not"] ~= nil and valid(s["not"], v, ctx, depth + 1) then return false end
  if s["if"] ~= nil and ctx.draft >= 7 then
    local held, sub = valid(s["if"], v, ctx, depth + 1)
    if held then merge(ev, sub) end
    local branch = s[held and "then" or "else"]
    if branch ~= nil then
      local ok, bsub = valid(branch, v, ctx, depth + 1)
      if not ok then return false end
      merge(ev, bsub)
    end
  end
  return true
end

-- unevaluatedProperties / unevaluatedItems: what nothing else evaluated meets them, and then
-- counts as evaluated.
local function unevaluated_ok(s, v, k, ctx, depth, ev)
  if k == "map" and s.unevaluatedProperties ~= nil then
    for name, x in pairs(v) do
      if not ev.props[name] then
        if not valid(s.unevaluatedProperties, x, ctx, depth + 1) then return false end
        ev.props[name] = true
      end
    end
  elseif k == "list" and s.unevaluatedItems ~= nil then
    for i = 1, #v do
      if not ev.items[i] then
        if not valid(s.unevaluatedItems, v[i], ctx, depth + 1) then return false end
        ev.items[i] = true
      end
    end
  end
  return true
end

-- Whether v meets schema s (already linted), and (when ctx.track) what of v it evaluated.
-- Raises { unsupported = why }.
function valid(s, v, ctx, depth)
  if depth > 200 then unsupported("schema or values nested deeper than 200") end
  if s == true then return true, nil end
  if s == false then return false end
  local lib, draft = ctx.lib, ctx.draft
  local ev = ctx.track and { props = {}, items = {} } or nil
  if s["$ref"] ~= nil then
    local ok, sub = valid(resolve(ctx, s["$ref"]), v, ctx, depth + 1)
    -- before 2019-09 a $ref replaces its siblings (gojsonschema always reads it so)
    if lib == "gojsonschema" or draft < 2019 then return ok, sub end
    if not ok then return false end
    merge(ev, sub)
  end
  local k = jkind(v)
  if s.type ~= nil and (type(s.type) == "string" or #s.type > 0) then
    local any = false
    for _, t in ipairs(type(s.type) == "string" and { s.type } or s.type) do
      if type_ok(t, v, k) then any = true break end
    end
    if not any then return false end
  end
  if s.enum ~= nil and #s.enum > 0 then
    local found = false
    for _, e in ipairs(s.enum) do
      if equal(e, v, lib) then found = true break end
    end
    if not found then return false end
  end
  if s.const ~= nil and draft >= 6 and not equal(s.const, v, lib) then return false end
  if s.format ~= nil and (lib == "gojsonschema" or draft < 2019) then
    if sformat.check(lib, s.format, v) == false then return false end
  end
  if k == "number" and not number_ok(s, v) then return false end
  if k == "string" and not string_ok(s, v, ctx) then return false end
  if k == "list" and not array_ok(s, v, ctx, depth, ev) then return false end
  if k == "map" and not object_ok(s, v, ctx, depth, ev) then return false end
  if not applicators_ok(s, v, ctx, depth, ev) then return false end
  if ev and not unevaluated_ok(s, v, k, ctx, depth, ev) then return false end
  return true, ev
end

-- Helm 3 marshals the values to JSON first: a number JSON cannot hold fails there.
local function check_finite(v)
  local k = kind(v)
  if k == "float" then
    local n = tonum(v)
    if n ~= n or n == math.huge or n == -math.huge then unsupported("values with a non-finite number") end
  elseif k == "map" or k == "list" then
    for _, x in pairs(v) do check_finite(x) end
  end
end

local function number_literal(text) return setmetatable({ text }, NUM) end

-- Reads and lints a schema for lib: its context for valid(), or nil and why it is left to helm.
local function compile(text, lib)
  local root, err = json.decode(text, { number = number_literal })
  if err then return nil, "values.schema.json is not valid JSON" end
  if root == nil then return nil, "values.schema.json is null" end
  local ctx = { lib = lib, root = root, linted = {}, regexes = {}, targets = {} }
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
  local ok, res = pcall(function()
    check_finite(values)
    return valid(ctx.root, values, ctx, 0)
  end)
  if not ok then
    if type(res) == "table" and res.unsupported then return "unsupported", res.unsupported end
    error(res, 0)
  end
  if res then return "valid" end
  return "invalid", "values do not match values.schema.json"
end

return M
