--- hfl.kube.openapi: whether an object surely passes the client-side validation helm runs
--- against the server's OpenAPI (v2) document before an install or upgrade (kubectl's schema
--- validation: no unknown fields, required fields present, values of the declared types).
--- It answers only "surely valid" or "not sure": anything it does not read with certainty (a
--- kind without a schema, a null, a type it does not know, an `int-or-string` holding a float…)
--- is "not sure", and the caller lets helm validate (and fail, in its own words, when helm
--- finds the object invalid). The document is read once, on first use.
---
---   local valid = require("hfl.kube.openapi").new(client)
---   local ok, why = valid(object)      -- true, or nil and the first doubt
local value = require "hfl.value"

local M = {}

local SCALARS = {
  string = { string = true },
  integer = { int = true },
  number = { int = true, float = true },
  boolean = { bool = true },
}

-- The definitions and an index of them by "group/version/Kind" (core group "").
local function load(client)
  local doc, err = client:get("/openapi/v2")
  if not doc then return nil, err end
  local defs = value.kind(doc.definitions) == "map" and doc.definitions or nil
  if not defs then return nil, "the server's OpenAPI document has no definitions" end
  local by_gvk = {}
  for name, def in pairs(defs) do
    local gvks = value.kind(def) == "map" and def["x-kubernetes-group-version-kind"]
    for _, g in ipairs(value.kind(gvks) == "list" and gvks or {}) do
      local key = ("%s/%s/%s"):format(tostring(g.group or ""), tostring(g.version), tostring(g.kind))
      -- a kind two definitions claim is not read with certainty
      by_gvk[key] = by_gvk[key] == nil and name or false
    end
  end
  return { defs = defs, by_gvk = by_gvk }
end

local check

local function check_object(v, schema, path, defs)
  if value.kind(v) ~= "map" then return nil, path .. ": not an object" end
  local props = value.kind(schema.properties) == "map" and schema.properties or nil
  local extra = schema.additionalProperties
  for k, sub in pairs(v) do
    local s = props and props[k]
    if s == nil and value.kind(extra) == "map" then s = extra end
    if s == nil then return nil, ("%s: field %s is not in the schema"):format(path, tostring(k)) end
    local ok, why = check(sub, s, path .. "." .. tostring(k), defs)
    if not ok then return nil, why end
  end
  for _, req in ipairs(value.kind(schema.required) == "list" and schema.required or {}) do
    if v[req] == nil then return nil, ("%s: required field %s is missing"):format(path, tostring(req)) end
  end
  return true
end

function check(v, schema, path, defs)
  if value.kind(schema) ~= "map" then return nil, path .. ": a schema hfl does not read" end
  local ref = schema["$ref"]
  if ref ~= nil then
    local name = type(ref) == "string" and ref:match("^#/definitions/(.+)$")
    local def = name and defs[name]
    if not def then return nil, path .. ": an unresolved $ref" end
    return check(v, def, path, defs)
  end
  if v == value.null or v == nil then return nil, path .. ": null" end
  local t = schema.type
  local kind = value.kind(v)
  if t == "object" then return check_object(v, schema, path, defs) end
  if t == "array" then
    if kind ~= "list" then return nil, path .. ": not an array" end
    for i, item in ipairs(v) do
      local ok, why = check(item, schema.items, ("%s[%d]"):format(path, i - 1), defs)
      if not ok then return nil, why end
    end
    return true
  end
  if t == "string" and schema.format == "int-or-string" then
    if kind == "string" or kind == "int" then return true end
    return nil, path .. ": not an int or a string"
  end
  if SCALARS[t] then
    if SCALARS[t][kind] then return true end
    return nil, ("%s: a %s where the schema has %s"):format(path, kind, t)
  end
  if t == nil and schema.properties == nil and schema.items == nil and schema.additionalProperties == nil then
    return true -- no type: kubectl validates nothing there (raw JSON, preserved unknown fields)
  end
  return nil, path .. ": a schema hfl does not read"
end

--- A validator for the objects of the client's server.
---@param client table  hfl.kube client
---@return fun(obj: table): boolean|nil, string|nil
function M.new(client)
  local doc, load_err
  return function(obj)
    if doc == nil and load_err == nil then
      doc, load_err = load(client)
    end
    if not doc then return nil, "reading the server's OpenAPI document: " .. tostring(load_err) end
    local av, kind = obj.apiVersion, obj.kind
    local group, version = tostring(av):match("^(.*)/([^/]*)$")
    if not group then group, version = "", tostring(av) end
    local name = doc.by_gvk[("%s/%s/%s"):format(group, version, tostring(kind))]
    if not name then return nil, ("no OpenAPI schema for %s %s"):format(tostring(kind), tostring(av)) end
    return check(obj, doc.defs[name], tostring(kind), doc.defs)
  end
end

return M
