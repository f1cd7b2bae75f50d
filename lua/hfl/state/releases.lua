--- Builds a state's releases from its raw `releases:` (compat §2, §4.2): field checks,
--- templates and inheritance, commonLabels, helmDefaults.kubeContext, release templating until
--- stable, *Template fields, -n / --kube-context overrides, needs as IDs, condition.
local value = require "hfl.value"
local yaml = require "hfl.yaml"
local release = require "hfl.state.release"
local inherit = require "hfl.state.inherit"
local needs = require "hfl.state.needs"

local M = {}

local HELM_DEFAULTS = {
  kubeContext = "string", args = "strings", diffArgs = "strings", syncArgs = "strings",
  templateArgs = "strings", verify = "bool", keyring = "string", enableDNS = "bool",
  skipSchemaValidation = "bool", devel = "bool", wait = "bool", waitRetries = "int",
  waitForJobs = "bool", timeout = "int", recreatePods = "bool", force = "bool", atomic = "bool",
  rollbackOnFailure = "bool", cleanupOnFail = "bool", forceConflicts = "bool", historyMax = "int",
  createNamespace = "bool", skipCRDs = "bool", skipDeps = "bool", skipRefresh = "bool",
  reuseValues = "bool", postRenderer = "string", postRendererArgs = "strings", cascade = "string",
  suppressOutputLineRegex = "strings", disableAutoDetectedKubeVersionForDiff = "bool",
  disableValidation = "bool", disableOpenAPIValidation = "bool", insecureSkipTLSVerify = "bool",
  plainHttp = "bool", deleteWait = "bool", deleteTimeout = "int", syncReleaseLabels = "bool",
  takeOwnership = "bool", serverSide = "string", trackMode = "string", helmStuckGrace = "int",
}
M.HELM_DEFAULTS = HELM_DEFAULTS

local function where_of(state)
  return function(tbl, key)
    if state.where then return state:where(tbl, key) end
    return state.path or "?"
  end
end

--- Checks `helmDefaults:` (unknown keys and kinds are errors naming file and line).
---@return table|nil helm_defaults, string|nil err
function M.check_helm_defaults(state, hd)
  if hd == nil or hd == value.null then return value.map() end
  local where = where_of(state)
  if value.kind(hd) ~= "map" then
    return nil, ("%s: helmDefaults must be a map, not %s"):format(where(state.doc, "helmDefaults"), value.kind(hd))
  end
  local names = {}
  for k in pairs(HELM_DEFAULTS) do names[#names + 1] = k end
  table.sort(names)
  for _, k in ipairs(value.keys(hd)) do
    local kind = HELM_DEFAULTS[k]
    if not kind then
      local hint = release.suggest(tostring(k), names)
      return nil, ('%s: helmDefaults: unknown field "%s"%s'):format(where(hd, k), tostring(k),
        hint and (' (did you mean "%s"?)'):format(hint) or "")
    end
    local v, bad = hd[k], false
    if v ~= value.null then
      if kind == "bool" then bad = type(v) ~= "boolean"
      elseif kind == "int" then bad = value.kind(v) ~= "int"
      elseif kind == "strings" then bad = value.kind(v) ~= "list"
      else bad = release.scalar_string(v) == nil end
    end
    if bad then
      return nil, ('%s: helmDefaults: field "%s" must be %s, not %s'):format(where(hd, k), k,
        ({ bool = "a boolean", int = "an integer", strings = "a list of strings", string = "a string" })[kind],
        value.kind(v))
    end
  end
  return hd
end

local function render(state, text, data, name)
  if type(text) ~= "string" or not text:find("{{", 1, true) then return text end
  if state.render then return state:render(text, data, name) end
  return require("hfl.tmpl").render(text, data, { name = name, basedir = state.dir, missingkey = "error" })
end
M._render = render

local trim = require("hfl.trim").both

local env_cache = setmetatable({}, { __mode = "k" })

--- The data release templates see (compat §4.3).
function M.template_data(state, rel)
  local c = env_cache[state]
  if not c then
    local env = state.environment or {}
    local vals = state.values or value.map()
    c = { vals = vals, env = value.map { Name = env.name or "default", KubeContext = env.kubeContext or "",
      Values = env.values or value.map() } }
    env_cache[state] = c
  end
  local data = value.map()
  data.Environment = c.env
  data.KubeContext = state.kube_context or ""
  data.Namespace = state.namespace or ""
  data.Chart = state.chart or ""
  data.Values = c.vals
  data.StateValues = c.vals
  local r = value.map()
  r.Name = rel.name or ""
  r.Chart = rel.chart or ""
  r.Namespace = rel.namespace or ""
  r.Labels = rel.labels or value.map()
  r.KubeContext = rel.kubeContext or ""
  r.ChartVersion = rel.version or ""
  data.Release = r
  return data
end

local function shallow_map(m)
  local out = value.map()
  for _, k in ipairs(value.keys(m)) do out[k] = m[k] end
  return out
end

local function shallow_list(l)
  local out = value.list()
  for i = 1, #l do out[i] = l[i] end
  return out
end

-- One templating pass over the original spec with data made from prev (Helmfile re-renders
-- the original each time, feeding it the previous result).
local function execute(state, orig, prev, memo)
  local data = M.template_data(state, prev)
  -- A shallow copy: fields rendered below get fresh tables; the rest is shared with orig.
  local r = setmetatable({}, { __index = orig })
  local function own(k, deep)
    local v = r[k]
    if v ~= nil then r[k] = deep and value.copy(v) or (value.kind(v) == "map" and shallow_map(v) or shallow_list(v)) end
  end
  own("labels"); own("postRendererArgs"); own("valuesTemplate"); own("values"); own("secrets")
  own("setTemplate", true); own("needs")
  local fname = "stringTemplate"
  local function fail(field, text, err)
    return nil, ('failed executing template expressions in release "%s".%s = "%s": %s')
      :format(orig.name or "", field, tostring(text), err)
  end
  for _, f in ipairs { "name", "chart", "namespace", "version" } do
    if r[f] then
      local out, err = render(state, r[f], data, fname)
      if not out then return fail(f, r[f], err) end
      r[f] = trim(out)
    end
  end
  for _, f in ipairs { "waitTemplate", "installedTemplate", "conditionTemplate", "verifyTemplate" } do
    if r[f] then
      local out, err = render(state, r[f], data, fname)
      if not out then return fail(f, r[f], err) end
      r[f] = out
    end
  end
  if r.labels then
    for _, k in ipairs(value.keys(r.labels)) do
      local out, err = render(state, r.labels[k], data, fname)
      if not out then return fail("labels[" .. k .. "]", r.labels[k], err) end
      r.labels[k] = out
    end
  end
  if r.postRendererArgs then
    for i = 1, #r.postRendererArgs do
      local out, err = render(state, r.postRendererArgs[i], data, fname)
      if not out then return fail("postRendererArgs", r.postRendererArgs[i], err) end
      r.postRendererArgs[i] = out
    end
  end
  if r.valuesTemplate and #r.valuesTemplate > 0 then
    local vt = r.valuesTemplate
    for i = 1, #vt do
      if value.kind(vt[i]) == "map" then
        local text = memo[i]
        if not text then
          text = yaml.encode(vt[i])
          memo[i] = text
        end
        local out, err = render(state, text, data, fname)
        memo.rendered = memo.rendered or {}
        memo.rendered[i] = out
        if not out then return fail("values[" .. (i - 1) .. "]", text, err) end
        -- the pass that confirms the release is stable renders the same text again: its
        -- decoded map is the previous pass's (that pass's result is dropped, nothing changes it)
        local decoded = memo.decoded and memo.decoded[i]
        local m
        if decoded and decoded.out == out then
          m = decoded.map
        else
          local derr
          m, derr = yaml.decode(out)
          if derr then return fail("values[" .. (i - 1) .. "]", text, derr) end
          if m == nil or m == value.null then m = value.map() end
          if value.kind(m) ~= "map" then return fail("values[" .. (i - 1) .. "]", text, "not a map") end
          memo.decoded = memo.decoded or {}
          memo.decoded[i] = { out = out, map = m }
        end
        vt[i] = m
      end
    end
    local vals = value.list()
    for i = 1, #vt do vals[#vals + 1] = value.copy(vt[i]) end
    for i = 1, #(r.values or {}) do vals[#vals + 1] = r.values[i] end
    r.values = vals
  end
  for _, f in ipairs { "values", "secrets" } do
    local l = r[f]
    if l then
      for i = 1, #l do
        if type(l[i]) == "string" then
          local out, err = render(state, l[i], data, fname)
          if not out then return fail(f .. "[" .. (i - 1) .. "]", l[i], err) end
          l[i] = out
        end
      end
    end
  end
  if r.setTemplate and #r.setTemplate > 0 then
    local st = r.setTemplate
    for i = 1, #st do
      for _, k in ipairs { "name", "value", "file" } do
        local out, err = render(state, st[i][k] or "", data, fname)
        if not out then return fail("set[" .. (i - 1) .. "]." .. k, st[i][k], err) end
        if st[i][k] or out ~= "" then st[i][k] = out end
      end
      if st[i].values then
        for j = 1, #st[i].values do
          if type(st[i].values[j]) == "string" then
            local out, err = render(state, st[i].values[j], data, fname)
            if not out then return fail(("set[%d].values[%d]"):format(i - 1, j - 1), st[i].values[j], err) end
            st[i].values[j] = out
          end
        end
      end
    end
    local set = value.list()
    for i = 1, #st do set[#set + 1] = value.copy(st[i]) end
    for i = 1, #(r.set or {}) do set[#set + 1] = r.set[i] end
    r.set = set
  end
  if r.needs then
    for i = 1, #r.needs do
      local out, err = render(state, r.needs[i], data, fname)
      if not out then return fail("needs[" .. (i - 1) .. "]", r.needs[i], err) end
      r.needs[i] = out
    end
  end
  return r
end

-- What templating can change in a release, as one string: two passes with equal signatures
-- mean the release is stable (Helmfile compares the whole spec with reflect.DeepEqual).
local function signature(r, texts)
  local parts, n = {}, 0
  local function add(v)
    n = n + 1
    parts[n] = v == nil and "\1" or tostring(v)
  end
  for _, f in ipairs { "name", "chart", "namespace", "version", "waitTemplate", "installedTemplate",
    "conditionTemplate", "verifyTemplate" } do add(r[f]) end
  if r.labels then
    for _, k in ipairs(value.sorted_keys(r.labels)) do add(k) add(r.labels[k]) end
  end
  add("|")
  for _, f in ipairs { "postRendererArgs", "values", "secrets", "needs" } do
    local l = r[f]
    add(l and #l or -1)
    for i = 1, l and #l or 0 do add(type(l[i]) == "string" and l[i] or "\2") end
  end
  local vt = r.valuesTemplate
  for i = 1, vt and #vt or 0 do
    if value.kind(vt[i]) == "map" then add(texts and texts[i] or yaml.encode(vt[i])) else add(vt[i]) end
  end
  for _, f in ipairs { "set", "setTemplate" } do
    local l = r[f]
    add(l and #l or -1)
    for i = 1, l and #l or 0 do
      add(l[i].name) add(l[i].value) add(l[i].file)
      local vs = l[i].values
      for j = 1, vs and #vs or 0 do add(vs[j]) end
    end
  end
  return table.concat(parts, "\0")
end
M._signature = signature

local function parse_bool(text, field)
  local b, err = yaml.decode(text)
  if type(b) ~= "boolean" then
    return nil, ("%s: failed deserialising string %s: %s"):format(field, text,
      err or "cannot unmarshal into bool")
  end
  return b
end

--- Whether a release's condition holds for the state values (compat §2.1).
---@return boolean|nil enabled, string|nil err
function M.condition_enabled(rel, values)
  local c = rel.condition
  if not c or c == "" then return true end
  local lc = c:lower()
  if lc == "true" then return true end
  if lc == "false" then return false end
  local keys = {}
  for k in (c .. "."):gmatch("([^.]*)%.") do keys[#keys + 1] = k end
  if keys[#keys] ~= "enabled" then
    return nil, "Condition value must be in the form 'foo.enabled' where 'foo' can be modified as necessary"
  end
  local cur, path = values or value.map(), ""
  for i = 1, #keys - 1 do
    path = path .. "." .. keys[i]
    local v = value.kind(cur) == "map" and cur[keys[i]] or nil
    if v == nil then return nil, ("environment values field '%s' not found"):format(path) end
    if value.kind(v) ~= "map" then return nil, ("environment values field '%s' is not a map"):format(path) end
    cur = v
  end
  return cur.enabled == true
end

local function checked_templates(state, where)
  local raw = state.doc and state.doc.templates
  if raw == nil or raw == value.null then return value.map() end
  if value.kind(raw) ~= "map" then
    return nil, ("%s: templates must be a map, not %s"):format(where(state.doc, "templates"), value.kind(raw))
  end
  local out = value.map()
  for _, name in ipairs(value.keys(raw)) do
    local spec, err = release.check(raw[name] == value.null and value.map() or raw[name],
      ('template "%s"'):format(name), where)
    if not spec then return nil, err end
    out[name] = spec
  end
  return out
end

local function common_labels(state, where)
  local cl = state.doc and state.doc.commonLabels
  if cl == nil or cl == value.null then return value.map() end
  if value.kind(cl) ~= "map" then
    return nil, ("%s: commonLabels must be a map, not %s"):format(where(state.doc, "commonLabels"), value.kind(cl))
  end
  local m = value.map()
  for _, k in ipairs(value.keys(cl)) do
    m[tostring(k)] = cl[k] == value.null and "" or release.scalar_string(cl[k]) or ""
  end
  return m
end

local function override(state, key, cli)
  local doc = state.doc or {}
  local v = cli or doc[key]
  if v == value.null or v == "" then return nil end
  return v
end

--- Builds the releases of one state.
---@param state table  a State from hfl.state.load (path, dir, doc, values, environment, where, render)
---@param log hfl.Logger  for warnings (a needed release that is not installed)
---@return table[]|nil releases  Release objects in definition order (condition-off ones included,
---   with `enabled = false`), string|nil err
function M.build(state, log)
  local where = where_of(state)
  local doc = state.doc or value.map()
  local raw = doc.releases
  if raw == nil or raw == value.null then raw = value.list() end
  if value.kind(raw) ~= "list" then
    return nil, ("%s: releases must be a list, not %s"):format(where(doc, "releases"), value.kind(raw))
  end
  local templates, err = checked_templates(state, where)
  if not templates then return nil, err end
  local hd
  hd, err = M.check_helm_defaults(state, doc.helmDefaults)
  if not hd then return nil, err end
  local common
  common, err = common_labels(state, where)
  if not common then return nil, err end
  local default_ctx = release.scalar_string(hd.kubeContext or "") or ""
  if default_ctx == "" and state.environment then default_ctx = state.environment.kubeContext or "" end
  local api_versions, kube_version = doc.apiVersions, doc.kubeVersion
  local ns_override = override(state, "namespace", state.namespace)
  local ctx_override = override(state, "kubeContext", state.kube_context)
  local chart_override = override(state, "chart", state.chart)
  if state.namespace and state.namespace ~= "" and doc.namespace and doc.namespace ~= value.null and doc.namespace ~= "" then
    return nil, ("%s: namespace:%s is set in the state and with --namespace=%s"):format(
      where(doc, "namespace"), tostring(doc.namespace), state.namespace)
  end
  if state.kube_context and state.kube_context ~= "" and doc.kubeContext and doc.kubeContext ~= value.null
    and doc.kubeContext ~= "" then
    return nil, ("%s: kubeContext:%s is set in the state and with --kube-context=%s"):format(
      where(doc, "kubeContext"), tostring(doc.kubeContext), state.kube_context)
  end

  local out = {}
  for i = 1, #raw do
    local spec, cerr = release.check(raw[i], ('release "%s"'):format(
      value.kind(raw[i]) == "map" and tostring(release.scalar_string(raw[i].name) or "") or ""), where)
    if not spec then return nil, cerr end
    local merged, ierr = inherit.apply(spec, templates, doc.defaultInherit, log)
    if not merged then return nil, ("%s: %s"):format(where(raw, i), ierr) end
    if not merged.kubeContext or merged.kubeContext == "" then
      merged.kubeContext = default_ctx ~= "" and default_ctx or nil
    end
    if next(common) then
      merged.labels = merged.labels or value.map()
      for _, k in ipairs(value.keys(common)) do merged.labels[k] = common[k] end
    end
    if (not merged.apiVersions or #merged.apiVersions == 0) and value.kind(api_versions) == "list" and #api_versions > 0 then
      merged.apiVersions = value.copy(api_versions)
    end
    if (not merged.kubeVersion or merged.kubeVersion == "") and type(kube_version) == "string" and kube_version ~= "" then
      merged.kubeVersion = kube_version
    end

    local prev, done = merged, nil
    local memo = {}
    local prev_sig = signature(merged)
    for _ = 1, 6 do
      memo.rendered = nil
      local r, terr = execute(state, merged, prev, memo)
      if not r then return nil, ("%s: %s"):format(where(raw, i), terr) end
      local sig = signature(r, memo.rendered)
      if sig == prev_sig then done = r break end
      prev, prev_sig = r, sig
    end
    if not done then
      return nil, ('%s: failed executing templates in release "%s"."%s": recursive references can\'t be resolved')
        :format(where(raw, i), state.path or "", merged.name or "")
    end
    local r = {}
    for _, k in ipairs(release.NAMES) do r[k] = done[k] end
    for _, f in ipairs { { "installedTemplate", "installed" }, { "waitTemplate", "wait" },
      { "verifyTemplate", "verify" }, { "conditionTemplate", "condition" } } do
      if r[f[1]] then
        local b, berr = parse_bool(r[f[1]], f[1])
        if b == nil then
          return nil, ('%s: failed executing templates in release "%s"."%s": %s'):format(where(raw, i),
            state.path or "", r.name or "", berr)
        end
        r[f[1]] = nil
        r[f[2]] = f[2] == "condition" and tostring(b) or b
      end
    end
    if (not r.chart or r.chart == "") and r.directory and r.directory ~= "" then r.chart = r.directory end
    if not r.chart or r.chart == "" then
      return nil, ('%s: encountered empty chart while reading release "%s"'):format(where(raw, i), r.name or "")
    end
    if not r.name or r.name == "" then
      return nil, ("%s: release has no name"):format(where(raw, i))
    end
    if ctx_override then r.kubeContext = ctx_override end
    if ns_override then r.namespace = ns_override end
    r.namespace = r.namespace or ""
    r.kubeContext = r.kubeContext or ""
    local rel = setmetatable({ spec = r }, release.Release)
    rel.values_entries = r.values
    rel.state, rel.index, rel.line = state, i, value.line(raw, i)
    rel.chart_override = chart_override
    rel._where = function() return where(raw, i) end
    -- values_entries are valuesTemplate's maps, then the release's own `values:` as written
    local own = value.kind(raw[i]) == "map" and value.kind(raw[i].values) == "list" and raw[i].values
    local shift = own and #(r.values or {}) - #own
    rel._values_where = function(j)
      if own and shift and j > shift then return where(own, j - shift) end
      return where(raw, i)
    end
    out[i] = rel
  end

  -- needs as IDs, labels with the built-ins, condition (after every release is known).
  local installed = {}
  for _, rel in ipairs(out) do
    installed[rel.kubeContext .. "/" .. rel.namespace .. "/" .. rel.name] = rel:desired()
  end
  local ids = {}
  for _, rel in ipairs(out) do ids[rel:id()] = true end
  for _, rel in ipairs(out) do
    if rel.needs then
      local l = value.list()
      for j = 1, #rel.needs do
        local id, ctx, ns, name = needs.resolve(rel.needs[j], rel.namespace, rel.kubeContext)
        if rel:desired() and installed[ctx .. "/" .. ns .. "/" .. name] == false then
          log.warn("release %s needs %s, but %s is not installed due to installed: false. "
            .. "Either mark %s as installed or remove %s from %s's needs", rel.name, name, name, name, name, rel.name)
        end
        if not ids[id] then
          -- maybe a release of another state file (an hfl extension): hfl.state.new checks it
          -- once every file is built, and gives this error when no file defines it
          rel.foreign_needs = rel.foreign_needs or {}
          rel.foreign_needs[id] = name
        end
        l[j] = id
      end
      rel.needs = l
    end
    local labels = value.map()
    for _, k in ipairs(value.keys(common)) do labels[k] = common[k] end
    for _, k in ipairs(value.keys(rel.labels or {})) do labels[k] = rel.labels[k] end
    rel.own_labels = rel.labels
    local builtin = rel:selector_labels()
    labels.name, labels.namespace, labels.chart = builtin.name, builtin.namespace, builtin.chart
    rel.labels = labels
    local enabled, cerr = M.condition_enabled(rel, state.values)
    if enabled == nil then
      return nil, ("%s: failed to parse condition in release %s: %s"):format(rel.where, rel.name, cerr)
    end
    rel.enabled = enabled
  end
  return out
end

--- The error for a `needs` entry that names no release of any loaded state file.
---@param rel table  the needing release
---@param id string  the resolved ID
---@param name string  its release name
---@return string
function M.undefined_need_error(rel, id, name)
  return ('%s: release(s) "%s" depend(s) on an undefined release "%s". Perhaps you made a '
    .. 'typo in "needs" or forgot defining a release named "%s" with appropriate "namespace" and '
    .. '"kubeContext"?'):format(rel.where, rel:id(), id, name)
end

return M
