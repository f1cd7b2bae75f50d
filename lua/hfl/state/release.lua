--- One release: its fields (compat §2), their types, and the Release object the state hands out.
local value = require "hfl.value"
local needs = require "hfl.state.needs"
local suggest = require "hfl.suggest"

local M = {}

-- Every field Helmfile's ReleaseSpec accepts, in its struct order (the order `build` prints).
-- Kinds: string, bool, int, float, strings (list of strings), labels (map of strings),
-- list (list of anything), setvalues (list of {name, value, file, values}), map, inherit.
M.FIELDS = {
  { "chart", "string" }, { "chartPath", "string" }, { "directory", "string" },
  { "version", "string" }, { "verify", "bool" }, { "keyring", "string" }, { "enableDNS", "bool" },
  { "devel", "bool" }, { "wait", "bool" }, { "waitRetries", "int" }, { "waitForJobs", "bool" },
  { "timeout", "int" }, { "recreatePods", "bool" }, { "force", "bool" }, { "installed", "bool" },
  { "updateStrategy", "string" }, { "atomic", "bool" }, { "rollbackOnFailure", "bool" },
  { "cleanupOnFail", "bool" }, { "forceConflicts", "bool" }, { "historyMax", "int" },
  { "condition", "string" }, { "createNamespace", "bool" }, { "reuseValues", "bool" },
  { "disableOpenAPIValidation", "bool" }, { "disableValidation", "bool" },
  { "disableValidationOnInstall", "bool" }, { "missingFileHandler", "string" },
  { "missingFileHandlerConfig", "map" }, { "needs", "strings" }, { "hooks", "list" },
  { "unitTests", "strings" }, { "name", "string" }, { "description", "string" },
  { "namespace", "string" }, { "labels", "labels" }, { "values", "list" }, { "secrets", "list" },
  { "set", "setvalues" }, { "setString", "setvalues" }, { "valuesTemplate", "list" },
  { "setTemplate", "setvalues" }, { "apiVersions", "strings" }, { "kubeVersion", "string" },
  { "env", "setvalues" }, { "valuesPathPrefix", "string" }, { "kubeContext", "string" },
  { "insecureSkipTLSVerify", "bool" }, { "plainHttp", "bool" }, { "verifyTemplate", "string" },
  { "waitTemplate", "string" }, { "installedTemplate", "string" }, { "conditionTemplate", "string" },
  { "dependencies", "list" }, { "jsonPatches", "list" }, { "strategicMergePatches", "list" },
  { "transformers", "list" }, { "adopt", "strings" }, { "forceGoGetter", "bool" },
  { "forceNamespace", "string" }, { "skipDeps", "bool" }, { "skipRefresh", "bool" },
  { "postRenderer", "string" }, { "skipSchemaValidation", "bool" }, { "postRendererArgs", "strings" },
  { "cascade", "string" }, { "suppressOutputLineRegex", "strings" },
  { "disableAutoDetectedKubeVersionForDiff", "bool" }, { "inherit", "inherit" },
  { "suppressDiff", "bool" }, { "deleteWait", "bool" }, { "deleteTimeout", "int" },
  { "syncReleaseLabels", "bool" }, { "takeOwnership", "bool" }, { "serverSide", "string" },
  { "trackMode", "string" }, { "trackTimeout", "int" }, { "trackLogs", "bool" },
  { "trackFailedLogs", "bool" }, { "helmStuckGrace", "int" }, { "trackKinds", "strings" },
  { "skipKinds", "strings" }, { "trackResources", "list" }, { "kubedogQPS", "float" },
  { "kubedogBurst", "int" }, { "trackFailOnError", "bool" },
  -- hfl extensions (absent from Helmfile's files, so `build` prints them only where set)
  { "continueOnError", "bool" },  -- a failure does not skip the releases that need this one
  -- helmfile.lua only (a Lua function, hfl.state.luafunc): the health gate after an upgrade,
  -- and whether an unhealthy release is rolled back; the rendered objects' last change
  -- (hfl.chartify.transform)
  { "health", "function" }, { "rollback_on_unhealthy", "bool" }, { "transform", "function" },
}

M.KIND = {}
M.NAMES = {}
for i, f in ipairs(M.FIELDS) do
  M.KIND[f[1]] = f[2]
  M.NAMES[i] = f[1]
end

local SETVALUE = { name = "string", value = "string", file = "string", values = "list" }

local function scalar_string(v)
  local k = value.kind(v)
  if k == "string" then return v end
  if k == "bool" then return tostring(v) end
  if k == "int" then return type(v) == "table" and v[1] or ("%d"):format(v) end
  if k == "float" then return require("hfl.yaml").format_float(value.tonumber(v)) end
  return nil
end
M.scalar_string = scalar_string

--- The field name closest to a mistyped one, or nil.
---@param word string
---@param names string[]
---@return string|nil
function M.suggest(word, names)
  local best, best_d
  local lw = word:lower()
  for _, n in ipairs(names) do
    local d = suggest.distance(lw, n:lower())
    if d <= math.max(1, math.floor(#word / 3)) and (not best_d or d < best_d) then best, best_d = n, d end
  end
  return best or suggest.closest(word, names)
end

local function type_error(where, what, field, want, v)
  local got = value.kind(v)
  if got == "null" then got = "null" end
  return ("%s: %s: field \"%s\" must be %s, not %s"):format(where, what, field, want, got)
end

--- Checks a raw release (or template) map and converts its scalars to the field kinds:
--- unknown fields are errors naming file and line (with a suggestion), strings accept any
--- scalar (as Go's YAML decoder does), bools and ints must be those.
---@param raw table  the release map as decoded
---@param what string  `release "api"` or `template "base"`, for messages
---@param where fun(tbl: table, key: any): string  file:line of a key
---@return table|nil spec  a new map with converted fields, string|nil err
function M.check(raw, what, where)
  if value.kind(raw) ~= "map" then
    return nil, ("%s: %s must be a map, not %s"):format(where(raw), what, value.kind(raw))
  end
  local out = value.map()
  for _, k in ipairs(value.keys(raw)) do
    local v = raw[k]
    local kind = M.KIND[k]
    if not kind then
      local hint = M.suggest(tostring(k), M.NAMES)
      return nil, ('%s: %s: unknown field "%s"%s'):format(where(raw, k), what, tostring(k),
        hint and (' (did you mean "%s"?)'):format(hint) or "")
    end
    if v == value.null then
      -- a null field is the zero value: left out
    elseif kind == "string" then
      local s = scalar_string(v)
      if not s then return nil, type_error(where(raw, k), what, k, "a string", v) end
      out[k] = s
    elseif kind == "bool" then
      if type(v) ~= "boolean" then return nil, type_error(where(raw, k), what, k, "a boolean", v) end
      out[k] = v
    elseif kind == "int" then
      if value.kind(v) ~= "int" then return nil, type_error(where(raw, k), what, k, "an integer", v) end
      out[k] = value.tonumber(v)
    elseif kind == "float" then
      local kk = value.kind(v)
      if kk ~= "int" and kk ~= "float" then return nil, type_error(where(raw, k), what, k, "a number", v) end
      out[k] = v
    elseif kind == "strings" then
      if value.kind(v) ~= "list" then return nil, type_error(where(raw, k), what, k, "a list of strings", v) end
      local l = value.list()
      for i = 1, #v do
        local s = scalar_string(v[i])
        if not s then return nil, type_error(where(v, i), what, k .. "[" .. (i - 1) .. "]", "a string", v[i]) end
        l[i] = s
      end
      out[k] = l
    elseif kind == "labels" then
      if value.kind(v) ~= "map" then return nil, type_error(where(raw, k), what, k, "a map of strings", v) end
      local m = value.map()
      for _, lk in ipairs(value.keys(v)) do
        local s = v[lk] == value.null and "" or scalar_string(v[lk])
        if not s then return nil, type_error(where(v, lk), what, k .. "." .. tostring(lk), "a string", v[lk]) end
        m[tostring(lk)] = s
      end
      out[k] = m
    elseif kind == "list" then
      if value.kind(v) ~= "list" then return nil, type_error(where(raw, k), what, k, "a list", v) end
      out[k] = v
    elseif kind == "map" then
      if value.kind(v) ~= "map" then return nil, type_error(where(raw, k), what, k, "a map", v) end
      out[k] = v
    elseif kind == "setvalues" then
      if value.kind(v) ~= "list" then return nil, type_error(where(raw, k), what, k, "a list", v) end
      local l = value.list()
      for i = 1, #v do
        local e = v[i]
        if value.kind(e) ~= "map" then
          return nil, type_error(where(v, i), what, k .. "[" .. (i - 1) .. "]", "a map", e)
        end
        local m = value.map()
        for _, ek in ipairs(value.keys(e)) do
          local ekind = SETVALUE[ek]
          if not ekind then
            return nil, ('%s: %s: unknown field "%s" in %s[%d] (want name, value, file or values)')
              :format(where(e, ek), what, tostring(ek), k, i - 1)
          end
          local ev = e[ek]
          if ekind == "string" and ev ~= value.null then
            local s = scalar_string(ev)
            if not s then return nil, type_error(where(e, ek), what, k .. "." .. ek, "a string", ev) end
            m[ek] = s
          elseif ekind == "list" and ev ~= value.null then
            if value.kind(ev) ~= "list" then return nil, type_error(where(e, ek), what, k .. ".values", "a list", ev) end
            m[ek] = ev
          end
        end
        l[i] = m
      end
      out[k] = l
    elseif kind == "function" then
      if type(v) ~= "function" then
        return nil, type_error(where(raw, k), what, k, "a Lua function (helmfile.lua only)", v)
      end
      out[k] = v
    elseif kind == "inherit" then
      local kk = value.kind(v)
      if kk ~= "list" and kk ~= "map" then
        return nil, type_error(where(raw, k), what, k, "a list of {template, except}", v)
      end
      local items = kk == "map" and { v } or v
      for i = 1, #items do
        local e = items[i]
        if value.kind(e) ~= "map" then return nil, type_error(where(raw, k), what, k, "a list of maps", e) end
        for _, ek in ipairs(value.keys(e)) do
          if ek ~= "template" and ek ~= "except" then
            return nil, ('%s: %s: unknown field "%s" in inherit (want template or except)')
              :format(where(e, ek), what, tostring(ek))
          end
        end
      end
      out[k] = v
    end
  end
  return out
end

--- Release objects: every field as a plain Lua value (rendered) plus methods. The fields live
--- once, in `release.spec` (a map in Helmfile's order): `release.chart` reads
--- `release.spec.chart` and writing a field writes the spec. `values` is the method giving the
--- merged values; the raw `values:` list is `release.values_entries` (`release.spec.values`).
--- Other keys (state, enabled, where, …) are the release's own.
local Release = {}
M.Release = Release

local FIELD = {}
for _, k in ipairs(M.NAMES) do FIELD[k] = k ~= "values" end

Release.__index = function(rel, k)
  local method = Release[k]
  if method ~= nil then return method end
  if FIELD[k] then return rawget(rel, "spec")[k] end
  -- "file:line" of the release: found on first use (in a rendered part that means tracing the
  -- template, which only an error needs)
  if k == "where" then
    local of = rawget(rel, "_where")
    local w = of and of()
    rawset(rel, "where", w)
    return w
  end
end

Release.__newindex = function(rel, k, v)
  if FIELD[k] then rel.spec[k] = v else rawset(rel, k, v) end
end

--- The release's ID (`ctx/ns/name`, compat §6.2).
---@return string
function Release:id()
  return needs.id(self.kubeContext or "", self.namespace or "", self.name)
end

--- The release's labels with commonLabels and the built-ins name, namespace and chart.
---@return table<string, string>
function Release:selector_labels()
  local l = {}
  for k, v in pairs(self.labels or {}) do l[k] = v end
  l.name = self.name
  l.namespace = self.namespace or ""
  l.chart = (self.chart or ""):match("([^/]*)$")
  return l
end

--- Whether the release is to be installed (`installed` not false).
---@return boolean
function Release:desired()
  return self.installed ~= false
end

--- The merged values the release gets (see hfl.state.releasevalues).
---@param opts? {set?: boolean, values?: string[]}
---@return table|nil values, string|nil err
function Release:values(opts)
  return require("hfl.state.releasevalues").values(self, opts)
end

return M
