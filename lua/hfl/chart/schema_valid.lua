--- hfl.chart.schema's validator: whether values meet a read and linted schema, keyword by
--- keyword as the schema's library (ctx.lib: "gojsonschema" for Helm 3, "santhosh" for Helm 4)
--- and draft (ctx.draft) read it, including what unevaluated* needs (ctx.track).
---
---   local ok = schema_valid.valid(ctx, values)   -- raises { unsupported = why }
local value = require "hfl.value"
local decimal = require "hfl.chart.decimal"
local sformat = require "hfl.chart.schema_format"
local node = require "hfl.chart.schema_node"

local M = {}

-- Interpreted only: compiled, hfl.chart.schema's mutually recursive checks (lint, valid, equal)
-- crashed LuaJIT 2.1.0-beta3 now and then (a segfault in a recursive trace, about 1 run in 3
-- over the spec table; never with the JIT off). Schemas are small: the interpreter is enough.
jit.off(debug.getinfo(1, "f").func, true)

local kind, tonum = value.kind, value.tonumber
local unsupported, skind, jkind, equal, count = node.unsupported, node.skind, node.jkind, node.equal, node.count
local num_decimal, num_float, compiled, resolve = node.num_decimal, node.num_float, node.compiled, node.resolve

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
  if s.enum ~= nil and (#s.enum > 0 or lib == "santhosh") then
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

--- Whether values meet ctx's schema. Raises { unsupported = why }.
---@param ctx table  from hfl.chart.schema's compile
---@param values any
---@return boolean
function M.valid(ctx, values)
  check_finite(values)
  return (valid(ctx.root, values, ctx, 0))
end

return M
