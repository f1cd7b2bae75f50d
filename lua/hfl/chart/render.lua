--- Renders a loaded chart's templates as Helm's engine does (pkg/engine): every template of
--- the chart and its enabled subcharts in one set, parsed deepest path first, executed
--- with missingkey=zero, "<no value>" removed from the output; include, tpl, required,
--- fail, toYaml & co. and lookup as Helm defines them.
---
---   local files, err, reason = render.render(chart, top, { helm = "3" })
--- files: { [template name] = text } for every non-partial template. On failure err is the
--- engine's message; reason is set when the failure is one this renderer does not reproduce
--- word for word (the caller then asks helm).
local tmpl = require "hfl.tmpl"
local value = require "hfl.value"
local hyaml = require "hfl.chart.yaml"
local toml = require "hfl.chart.toml"
local hfl_yaml = require "hfl.yaml"
local objects = require "hfl.chart.objects"
local bytes = require "hfl.chart.bytes"
local cvalues = require "hfl.chart.values"
local gotypes = require "hfl.stdlib.util"

local M = {}

local fmt, byte, find = string.format, string.byte, string.find

-- A chart's path as templates name it: "parent/charts/child".
local function full_path(c)
  if c.parent_path then return c.parent_path .. "/charts/" .. c.metadata.name end
  return c.metadata.name
end

-- Whether the template's file name (after the last "/") starts with "_".
local function is_partial(name)
  local i = #name
  while i > 0 and byte(name, i) ~= 47 do i = i - 1 end
  return byte(name, i + 1) == 95
end

-- A chart's .Values: Helm's own map type (typeOf says chartutil.Values, common.Values in Helm 4),
-- so a copy: the parent sees the same map as a plain map[string]interface {} (.Values.sub).
local function values_of(v, helm)
  local out = value.map()
  for _, k in ipairs(value.keys(v)) do out[k] = v[k] end
  return gotypes.go_typed(out, helm == "4" and "common.Values" or "chartutil.Values")
end

-- recAllTpls: each chart's data (.Values scoped to it) and its templates.
local function collect(c, parent_top, is_root, out, helm)
  local subcharts = value.map()
  local vals = values_of(is_root and parent_top.Values or cvalues.sub_values(parent_top.Values, c.metadata.name), helm)
  local top = value.map {
    Chart = objects.chart(c, is_root, helm),
    Files = objects.files(c),
    Release = parent_top.Release,
    Capabilities = parent_top.Capabilities,
    Values = vals,
    Subcharts = subcharts,
  }
  local path = full_path(c)
  for _, child in ipairs(c.dependencies) do
    child.parent_path = path
    subcharts[child.metadata.name] = collect(child, top, false, out, helm)
  end
  local library = c.metadata.type == "library"
  for _, t in ipairs(c.templates) do
    if not library or is_partial(t.name) then
      out[path .. "/" .. t.name] = { text = t.data, top = top, base = path .. "/templates" }
    end
  end
  return top
end

-- sortTemplates: more path segments first; equal depth in reverse byte order.
local function parse_order(tpls)
  local names, depth = {}, {}
  for k in pairs(tpls) do
    names[#names + 1] = k
    local _, n = k:gsub("/", "")
    depth[k] = n
  end
  table.sort(names, function(a, b)
    local da, db = depth[a], depth[b]
    if da ~= db then return da > db end
    return a > b
  end)
  return names
end

local function unsupported(reason) error({ unsupported = reason }, 0) end

local json = require "hfl.stdlib.json"

-- Whether v holds a value modelled on a Go type (a struct with JSON tags of its own).
-- "go" for one, else "nil" when v holds nil Go maps (__gonil, which encoding/json writes as
-- null), else false.
local function go_objects(v, depth)
  if type(v) ~= "table" or depth > 100 then return false end
  local mt = getmetatable(v)
  if mt and mt.__gotype then return mt.__gonil and "nil" or "go" end
  local found = false
  for _, x in pairs(v) do
    local f = go_objects(x, depth + 1)
    if f == "go" then return f end
    found = found or f
  end
  return found
end

local function holds_go_object(v, depth) return go_objects(v, depth) ~= false end

-- v with its nil Go maps as null: what JSON makes of it.
local function nils_as_null(v)
  if type(v) ~= "table" then return v end
  local mt = getmetatable(v)
  if mt and mt.__gonil then return value.null end
  if mt == value.list_mt then
    local out = setmetatable({}, value.list_mt)
    for i = 1, #v do out[i] = nils_as_null(v[i]) end
    return out
  end
  if mt ~= value.map_mt then return v end
  local out = value.map()
  for _, k in ipairs(value.keys(v)) do out[k] = nils_as_null(v[k]) end
  return out
end

-- The value a JSON-based encoder sees, or a fallback for one it cannot model.
local function json_model(v, what)
  local found = go_objects(v, 0)
  if found == "go" then unsupported(what .. " of a Go object (.Capabilities, .Files…)") end
  if found == "nil" then return nils_as_null(v) end
  return v
end

-- A Go struct that encoding/json writes by its tags (Helm 3's .Chart): its fields as an
-- ordered list of { key, value } (a value may itself be such a list), or nil.
local function json_fields(v)
  local mt = type(v) == "table" and getmetatable(v)
  if not (mt and mt.__gojson) then return nil end
  local fields, why = mt.__gojson()
  if not fields then unsupported(why) end
  return fields
end

local function encode_fields(fields)
  local out = {}
  for i, kv in ipairs(fields) do
    local v = kv[2]
    local text
    if type(v) == "table" and getmetatable(v) == value.list_mt and type(v[1]) == "table" and v[1][1] then
      local items = {}
      for j, x in ipairs(v) do items[j] = encode_fields(x) end
      text = "[" .. table.concat(items, ",") .. "]"
    else
      text = json.encode(v)
    end
    out[i] = json.encode(kv[1]) .. ":" .. text
  end
  return "{" .. table.concat(out, ",") .. "}"
end

-- The same struct as the map sigs.k8s.io/yaml makes of its JSON.
local function fields_map(fields)
  local m = {}
  for _, kv in ipairs(fields) do
    local v = kv[2]
    if type(v) == "table" and getmetatable(v) == value.list_mt and type(v[1]) == "table" and v[1][1] then
      local items = setmetatable({}, value.list_mt)
      for j, x in ipairs(v) do items[j] = fields_map(x) end
      v = items
    end
    m[kv[1]] = v
  end
  return value.map(m)
end

local function to_yaml(v)
  local fields = json_fields(v)
  if fields then return hyaml.encode(fields_map(fields)) end
  return hyaml.encode(json_model(v, "toYaml"))
end

-- Functions Helm's function map has and Helmfile's does not define the same way.
local function helm_funcs(set, helm, lookup)
  local F = {}
  F.toYaml = to_yaml
  F.mustToYaml = to_yaml
  -- go-yaml v3's Encoder with SetIndent(2): what hfl.yaml writes for Helmfile
  F.toYamlPretty = function(v)
    if holds_go_object(v, 0) then unsupported("toYamlPretty of a Go object (.Chart, .Capabilities, .Files…)") end
    local text, err = hfl_yaml.encode(v)
    if not text then unsupported("toYamlPretty: " .. tostring(err)) end
    return (text:gsub("\n$", ""))
  end
  F.fromYaml = function(s)
    if type(s) ~= "string" then unsupported("fromYaml of a non-string") end
    local v, err = hyaml.decode(s)
    if err then unsupported("fromYaml of invalid YAML") end
    if v == nil or v == value.null then return value.map() end
    if value.kind(v) ~= "map" then unsupported("fromYaml of a non-map") end
    return v
  end
  F.fromYamlArray = function(s)
    if type(s) ~= "string" then unsupported("fromYamlArray of a non-string") end
    local v, err = hyaml.decode(s)
    if err then unsupported("fromYamlArray of invalid YAML") end
    if v == nil or v == value.null then return setmetatable({}, value.list_mt) end
    if value.kind(v) ~= "list" then unsupported("fromYamlArray of a non-list") end
    return v
  end
  F.toJson = function(v)
    local fields = json_fields(v)
    if fields then return encode_fields(fields) end
    v = json_model(v, "toJson")
    local ok, s = pcall(json.encode, v)
    if not ok then unsupported("toJson of a value JSON cannot hold") end
    return s
  end
  F.mustToJson = F.toJson
  F.fromJson = function(s)
    local v, err = json.decode(s)
    if err or (v ~= nil and value.kind(v) ~= "map") then unsupported("fromJson of invalid JSON or a non-object") end
    return v or value.map()
  end
  F.fromJsonArray = function(s)
    local v, err = json.decode(s)
    if err or (v ~= nil and value.kind(v) ~= "list") then unsupported("fromJsonArray of invalid JSON or a non-array") end
    return v or setmetatable({}, value.list_mt)
  end
  F.toToml = function(v)
    local text, why = toml.encode(v, helm)
    if not text then unsupported(why) end
    return text
  end
  F.fromToml = function(s)
    local m, why = toml.decode(s)
    if not m then unsupported(why) end
    return m
  end
  -- lookup: empty without a cluster (helm template); else the hook's answer. A failed
  -- lookup fails helm's render, with helm's message: helm is asked instead
  F.lookup = function(api_version, kind, namespace, name)
    if not lookup then return value.map() end
    for _, a in ipairs { api_version, kind, namespace, name } do
      if type(a) ~= "string" then unsupported("lookup with an argument that is not a string") end
    end
    local v, err = lookup(api_version, kind, namespace, name)
    if v == nil then unsupported("lookup: " .. tostring(err)) end
    return v
  end
  F.required = function(msg, v)
    if v == nil or v == value.null or v == "" then unsupported("required: " .. tostring(msg)) end
    return v
  end
  F.fail = function(msg) unsupported("fail: " .. tostring(msg)) end
  -- without --enable-dns (which the native renderer leaves to helm) Helm answers ""
  F.getHostByName = function() return "" end
  -- Helm deletes env and expandenv from Sprig, and has none of Helmfile's own functions
  -- Sprig's get (a map's key or ""), which Helmfile replaces with its own
  F.get = require("hfl.stdlib.collections").funcs.sprigGet
  for _, name in ipairs { "env", "expandenv", "exec", "envExec", "readFile", "readDir", "readDirEntries",
    "isFile", "isDir", "sprigGet", "getOrNil", "setValueAtPath", "requiredEnv", "fetchSecretValue",
    "expandSecretRefs" } do
    F[name] = function() unsupported(fmt("%s is not a Helm function", name)) end
  end
  -- tpl parses its text into a copy of the chart's set (defines stay reachable); the copy
  -- is kept per text, as charts call tpl with the same few texts again and again
  local copies = {}
  F.tpl = function(text, data)
    if type(text) ~= "string" then unsupported("tpl of a non-string") end
    local copy = copies[text]
    if not copy then
      copy = tmpl.new { name = "gotpl", funcs = set.funcs, missingkey = "zero" }
      for k, v in pairs(set.trees) do copy.trees[k] = v end
      local ok, err = copy:parse(text, "gotpl")
      if not ok then unsupported("tpl: " .. err) end
      copies[text] = copy
    end
    local out, xerr = copy:execute("gotpl", data, { missingkey = "zero" })
    if not out then
      if type(xerr) == "table" and xerr.unsupported then error(xerr, 0) end
      unsupported("tpl: " .. tostring(xerr))
    end
    return (out:gsub("<no value>", ""))
  end
  return F
end

-- The first { unsupported = reason } raised inside a function, which the engine reports
-- as text ("error calling tpl: …"): found again by its marker.
local MARK = objects.MARK

local function marked(F)
  local out = {}
  for name, fn in pairs(F) do
    out[name] = function(...)
      local ok, res = pcall(fn, ...)
      if ok then return res end
      if type(res) == "table" and res.unsupported then error(MARK .. res.unsupported .. MARK, 0) end
      if type(res) == "string" and res:find(MARK, 1, true) then error(res, 0) end
      error(res, 0)
    end
  end
  return out
end

local function reason_of(err)
  if type(err) == "table" and err.unsupported then return err.unsupported end
  if type(err) == "string" then
    local a, b = err:find(MARK, 1, true)
    if a then
      local c = err:find(MARK, b + 1, true)
      if c then return err:sub(b + 1, c - 1) end
    end
  end
  return nil
end

-- The key of a set of templates in opts.cache: their names and texts, each text by a number
-- the cache gives it (texts are the loaded chart's strings, the same from render to render).
local function template_set_key(tpls, order, opts)
  local ids = opts.cache["template text ids"]
  if not ids then
    ids = { n = 0, of = {} }
    opts.cache["template text ids"] = ids
  end
  -- the set's functions hold the lookup hook: one set per hook (a session keeps one per cluster)
  local parts = { opts.helm, opts.lookup and tostring(opts.lookup) or "" }
  for i, name in ipairs(order) do
    local text = tpls[name].text
    local id = ids.of[text]
    if not id then
      ids.n = ids.n + 1
      id = ids.n
      ids.of[text] = id
    end
    parts[i + 2] = name .. "\0" .. id
  end
  return "templates\0" .. table.concat(parts, "\0")
end

-- The parsed set of every template, from opts.cache when the same templates were parsed
-- before (a set is never changed by executing it).
local function template_set(tpls, order, opts)
  local key = opts.cache and template_set_key(tpls, order, opts)
  local hit = key and opts.cache[key]
  if hit then return hit end
  local funcs = {}
  local set = tmpl.new { name = "gotpl", funcs = funcs, missingkey = "zero" }
  local F = helm_funcs(set, opts.helm, opts.lookup)
  for _, name in ipairs(order) do
    if tpls[name].text:find("GetBytes", 1, true) then
      F = bytes.guard(F)
      break
    end
  end
  for k, v in pairs(marked(F)) do funcs[k] = v end
  for _, name in ipairs(order) do
    local ok, err = set:parse(tpls[name].text, name)
    if not ok then return nil, err end
  end
  if key then opts.cache[key] = set end
  return set
end

--- Renders every template of chart c (dependencies processed) with the top-level data
--- (Values, Release, Capabilities). Returns files (name → text), or nil, err, reason.
---@param c table
---@param top table
---@param opts {helm: string, cache?: table, lookup?: function}  cache: kept by the caller
---  across renders; lookup(apiVersion, kind, namespace, name): what `lookup` returns (the
---  object, a List or an empty map), or nil, err (the render is left to helm)
---@return table|nil files, string|nil err, string|nil reason
function M.render(c, top, opts)
  local tpls = {}
  collect(c, top, true, tpls, opts.helm)
  local order = parse_order(tpls)
  local set, perr = template_set(tpls, order, opts)
  if not set then return nil, perr, "parse error: " .. tostring(perr) end
  local files = {}
  for _, name in ipairs(order) do
    if not is_partial(name) then
      local r = tpls[name]
      r.top.Template = value.map { Name = name, BasePath = r.base }
      local ok, out, err = pcall(set.execute, set, name, r.top, { missingkey = "zero" })
      if not ok then
        local reason = reason_of(out)
        if reason then return nil, reason, reason end
        error(out, 0)
      end
      if not out then
        local reason = reason_of(err) or ("render error: " .. tostring(err))
        return nil, err, reason
      end
      if out:find(objects.ADDRESS, 1, true) or out:find(objects.ADDRESS:upper(), 1, true) then
        local reason = "printing a Go pointer (its address) in " .. name
        return nil, reason, reason
      end
      if find(out, "<no value>", 1, true) then out = out:gsub("<no value>", "") end
      files[name] = out
    end
  end
  return files
end

M._parse_order = parse_order

return M
