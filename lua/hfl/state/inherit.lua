--- Release templates: `inherit:` and `defaultInherit` (compat §2.5). Inheriting is a fill-only
--- merge: templates in order, then the release; a field keeps the first value set (a template
--- beats the release's own value, as in Helmfile), maps are filled key by key and lists are
--- concatenated (templates' items first).
local value = require "hfl.value"
local trim = require "hfl.trim"

local M = {}

local EXCEPT = { labels = true, values = true, valuesTemplate = true, set = true, setString = true,
  setTemplate = true, secrets = true }

-- Fields Go holds as plain (non-pointer) bools: false is "unset" for the merge.
local PLAIN_BOOL = { insecureSkipTLSVerify = true, plainHttp = true, forceGoGetter = true }

local function is_unset(k, v)
  if v == nil or v == value.null or v == "" then return true end
  return v == false and PLAIN_BOOL[k] == true
end

-- value.copy, without the call for what needs no copy (most release fields are strings)
local function copy(v)
  if type(v) ~= "table" then return v end
  return value.copy(v)
end

local function fill(dst, src, top, skip)
  for _, k in ipairs(value.keys(src)) do
    local s, d = src[k], dst[k]
    if skip and skip[k] then s = nil end
    if s == nil then
      -- left out by `except`
    elseif is_unset(top and k or nil, d) then
      if not is_unset(top and k or nil, s) then dst[k] = copy(s) end
    else
      local kd, ks = value.kind(d), value.kind(s)
      if kd == "list" and ks == "list" then
        for i = 1, #s do d[#d + 1] = copy(s[i]) end
      elseif kd == "map" and ks == "map" then
        fill(d, s, false)
      end
    end
  end
end
M._fill = fill

--- The effective inherit list: `defaultInherit` names not named by the release, then the
--- release's own entries (blank names dropped).
---@param default_inherit any  string or list of strings (or nil)
---@param inherit any  the release's `inherit` (list of {template, except}, or one map)
---@param log hfl.Logger  for the deprecation warning
---@return table[]|nil entries {template=, except={...}}, string|nil err  (a malformed field)
function M.effective(default_inherit, inherit, log)
  local own = {}
  local ik = value.kind(inherit)
  if ik == "map" then
    log.warn("inherit as a map is deprecated: use a list of {template: NAME}")
    inherit = { inherit }
  elseif ik == "null" then
    inherit = {}
  elseif ik ~= "list" then
    return nil, ("inherit must be a list of {template, except}, not %s"):format(ik)
  end
  local existing = {}
  for _, e in ipairs(inherit) do
    if value.kind(e) ~= "map" then
      return nil, ("inherit entries must be maps of {template, except}, not %s"):format(value.kind(e))
    end
    local ek = value.kind(e.except)
    if ek ~= "null" and ek ~= "list" then
      return nil, ("inherit.except must be a list of field names, not %s"):format(ek)
    end
    local name = e.template
    local nk = value.kind(name)
    if nk == "int" or nk == "float" or nk == "bool" then name = tostring(value.tonumber(name) or name) end
    name = type(name) == "string" and trim.both(name) or ""
    if name ~= "" then
      existing[name] = true
      own[#own + 1] = { template = name, except = ek == "list" and e.except or nil }
    end
  end
  local defaults = default_inherit
  local dk = value.kind(defaults)
  if dk == "string" or dk == "int" or dk == "float" or dk == "bool" then
    defaults = { defaults }
  elseif dk == "null" then
    defaults = {}
  elseif dk ~= "list" then
    return nil, ("defaultInherit must be a string or a list of strings, not %s"):format(dk)
  end
  local out = {}
  for _, name in ipairs(defaults) do
    local nk = value.kind(name)
    if nk == "map" or nk == "list" then
      return nil, ("defaultInherit must be a string or a list of strings, not a list of %ss"):format(nk)
    end
    name = nk == "null" and "" or trim.both(tostring(value.tonumber(name) or name))
    if name ~= "" and not existing[name] then
      existing[name] = true
      out[#out + 1] = { template = name }
    end
  end
  for _, e in ipairs(own) do out[#out + 1] = e end
  return out
end

local function cyclic(msg) return setmetatable({ msg = msg }, { __tostring = function(e) return e.msg end }) end

-- Resolved templates, per templates table (they do not depend on the inheriting release).
local resolved_cache = setmetatable({}, { __mode = "k" })

local function resolve(spec, entries, templates, path, name, log)
  local merged = value.map()
  for _, e in ipairs(entries) do
    local tname = e.template
    local p = {}
    for i, t in ipairs(path) do p[i] = t end
    p[#p + 1] = tname
    for _, t in ipairs(path) do
      if t == tname then
        return nil, cyclic("cyclic inheritance detected: " .. table.concat(p, "->"))
      end
    end
    local tpl = templates and templates[tname]
    if value.kind(tpl) ~= "map" then
      return nil, ('release "%s" tried to inherit inexistent release template "%s"'):format(name, tname)
    end
    local cache = templates and resolved_cache[templates]
    if templates and not cache then
      cache = {}
      resolved_cache[templates] = cache
    end
    local src, err
    local hit = cache and cache[tname]
    if hit then
      src = hit
    else
      local entries, eerr = M.effective(nil, tpl.inherit, log)
      if entries then
        src, err = resolve(tpl, entries, templates, p, name, log)
      else
        err = eerr
      end
      if not src then
        if type(err) == "table" then return nil, err end
        return nil, ('unable to load release template "%s": %s'):format(tname, err)
      end
      if cache then cache[tname] = src end
    end
    local skip
    for _, k in ipairs(e.except or {}) do
      if type(k) ~= "string" or not EXCEPT[k] then
        return nil, ('"%s" is not allowed under `inherit`. Allowed values are "set", "setTemplate", '
          .. '"values", "valuesTemplate", "secrets", and "labels"'):format(
          type(k) == "table" and value.kind(k) ~= "int" and value.kind(k) ~= "float" and ("a " .. value.kind(k))
          or tostring(value.tonumber(k) or k))
      end
      skip = skip or {}
      skip[k] = true
    end
    fill(merged, src, true, skip)
  end
  fill(merged, spec, true)
  merged.inherit = nil
  return merged
end

--- The release merged with the templates it inherits (recursively). Without templates the
--- spec itself is returned (its `inherit` removed).
---@param spec table  raw release map
---@param templates table|nil  the state's `templates:` map
---@param default_inherit any  the state's `defaultInherit`
---@param log hfl.Logger
---@return table|nil release, string|nil err
function M.apply(spec, templates, default_inherit, log)
  local entries, eerr = M.effective(default_inherit, spec.inherit, log)
  if not entries then
    return nil, ('release "%s": %s'):format(tostring(value.tonumber(spec.name) or spec.name or ""), eerr)
  end
  if #entries == 0 then
    spec.inherit = nil
    return spec
  end
  local name = type(spec.name) == "string" and spec.name or tostring(spec.name or "")
  local r, err = resolve(spec, entries, templates, {}, name, log)
  if not r then
    if type(err) == "table" then
      return nil, ('unable to load release "%s" with template: %s'):format(name, err.msg)
    end
    return nil, err
  end
  return r
end

return M
