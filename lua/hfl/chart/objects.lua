--- The objects a chart's templates see besides .Values, shaped as Helm's Go types:
--- .Chart (chart.Metadata plus IsRoot), .Capabilities (KubeVersion, APIVersions with Has,
--- HelmVersion), .Files (Get, GetBytes — see hfl.chart.bytes —, Glob, Lines, AsConfig, AsSecrets),
--- each printable whole as the helm version prints it where that text is stable.
local value = require "hfl.value"
local runtime = require "hfl.tmpl.runtime"
local hyaml = require "hfl.chart.yaml"
local capdata = require "hfl.chart.capabilities"
local bytes = require "hfl.chart.bytes"

local M = {}

local struct = runtime.struct

--- The marker around a reason for leaving a render to helm, raised as a string so that it
--- survives the engine turning errors into text ("error calling dict: …").
M.MARK = "\1hfl-unsupported\1"

--- Stops the render: helm has to render this chart (reason says why).
function M.unsupported(reason) error(M.MARK .. reason .. M.MARK, 0) end

local METADATA_FIELDS = { "Name", "Home", "Sources", "Version", "Description", "Keywords", "Maintainers",
  "Icon", "APIVersion", "Condition", "Tags", "AppVersion", "Deprecated", "Annotations", "KubeVersion",
  "Dependencies", "Type", "IsRoot" }

local YAML_NAMES = { Name = "name", Home = "home", Sources = "sources", Version = "version",
  Description = "description", Keywords = "keywords", Maintainers = "maintainers", Icon = "icon",
  APIVersion = "apiVersion", Condition = "condition", Tags = "tags", AppVersion = "appVersion",
  Deprecated = "deprecated", Annotations = "annotations", KubeVersion = "kubeVersion",
  Dependencies = "dependencies", Type = "type" }

local STRINGS = { Name = true, Home = true, Version = true, Description = true, Icon = true,
  APIVersion = true, Condition = true, Tags = true, AppVersion = true, KubeVersion = true, Type = true }

--- The text standing for a value Go prints with a memory address (a pointer inside a value):
--- helm's own output would differ from run to run. A render whose output holds it (as it is,
--- upper-cased, or escaped by quote or toJson: it is plain ASCII) is left to helm (render.lua);
--- used only as, say, a map key, it never shows.
M.ADDRESS = "0xhfl-go-pointer"

local function list_of(v)
  local out = setmetatable({}, value.list_mt)
  if value.kind(v) == "list" then
    for i, x in ipairs(v) do out[i] = x end
  end
  return out
end

local function is_empty_list(v) return v == nil or v == value.null or #v == 0 end

-- Go's %v of a []string or map[string]string field.
local function print_strings(v)
  local out = {}
  for i, x in ipairs(v or {}) do out[i] = tostring(x) end
  return "[" .. table.concat(out, " ") .. "]"
end
local function print_string_map(m)
  if m == nil or m == value.null then return "map[]" end
  local out = {}
  for i, k in ipairs(value.sorted_keys(m)) do out[i] = k .. ":" .. tostring(m[k]) end
  return "map[" .. table.concat(out, " ") .. "]"
end

-- A nil map[string]string: printed map[], written null by encoding/json.
local NIL_ANNOTATIONS_MT = { __gotype = "map[string]string", __gorange = "map", __gonil = true,
  __gostring = function() return "map[]" end }
-- Helm 3's .Chart printed by %v: struct { chart.Metadata; IsRoot bool } — its maintainers and
-- dependencies are pointers (addresses); %+v and %#v are left to helm.
local function print_chart3(t, md)
  return function(_, f, depth)
    if f and (f.plusv or f.sharpv) then M.unsupported("printing .Chart with %+v or %#v") end
    if not is_empty_list(md.maintainers) or not is_empty_list(md.dependencies) then return M.ADDRESS end
    local fields = {}
    for i, name in ipairs(METADATA_FIELDS) do
      if name == "IsRoot" then break end
      local v = t[name]
      if name == "Sources" or name == "Keywords" or name == "Maintainers" or name == "Dependencies" then
        v = print_strings(v)
      elseif name == "Annotations" then
        v = print_string_map(v)
      else
        v = tostring(v)
      end
      fields[i] = v
    end
    return "{{" .. table.concat(fields, " ") .. "} " .. tostring(t.IsRoot) .. "}"
  end
end

-- Helm 4's .Chart: chart.Metadata turned into a map by its Go field names (structToMap).
local DEPENDENCIES_MT = { __gotype = "[]interface {}", __gorange = "list",
  -- each holds Enabled, the outcome of condition and tags: not modelled
  __gostring = function() M.unsupported("printing .Chart.Dependencies") end }

local function chart4(c, is_root)
  local md = c.metadata
  local m = value.map()
  for field, key in pairs(YAML_NAMES) do
    local v = md[key]
    if v == value.null then v = nil end
    if STRINGS[field] then m[field] = v or "" end
  end
  m.Deprecated = md.deprecated == true
  m.IsRoot = is_root
  m.Sources, m.Keywords = list_of(md.sources), list_of(md.keywords)
  local maintainers = setmetatable({}, value.list_mt)
  for i, x in ipairs(value.kind(md.maintainers) == "list" and md.maintainers or {}) do
    maintainers[i] = value.map { Name = x.name or "", Email = x.email or "", URL = x.url or "" }
  end
  m.Maintainers = maintainers
  if value.kind(md.annotations) == "map" then
    local a = value.map()
    for _, k in ipairs(value.sorted_keys(md.annotations)) do a[k] = md.annotations[k] end
    m.Annotations = a
  else
    m.Annotations = setmetatable({}, NIL_ANNOTATIONS_MT)
  end
  m.Dependencies = setmetatable(list_of(md.dependencies), DEPENDENCIES_MT)
  if #m.Dependencies == 0 then m.Dependencies = setmetatable({}, value.list_mt) end
  return m
end

--- .Chart for a chart record: Helm 3's struct, Helm 4's map.
---@param c table chart record
---@param is_root boolean
---@param helm string "3"|"4"
function M.chart(c, is_root, helm)
  if helm == "4" then return chart4(c, is_root) end
  local t = {}
  for field, key in pairs(YAML_NAMES) do
    local v = c.metadata[key]
    if v == value.null then v = nil end
    if v == nil and STRINGS[field] then v = "" end
    if v == nil and field == "Deprecated" then v = false end
    t[field] = v
  end
  -- nil slices and maps print as [] and map[]
  for _, field in ipairs { "Sources", "Keywords", "Maintainers", "Dependencies" } do
    if value.kind(t[field]) ~= "list" then t[field] = setmetatable({}, value.list_mt) end
  end
  if value.kind(t.Annotations) ~= "map" then t.Annotations = setmetatable({}, NIL_ANNOTATIONS_MT) end
  t.IsRoot = is_root
  local chart = struct(t, "struct { chart.Metadata; IsRoot bool }", METADATA_FIELDS)
  getmetatable(chart).__gostring = print_chart3(t, c.metadata)
  getmetatable(chart).__gojson = function() return M.chart3_json(t, c.metadata) end
  return chart
end

local JSON_ORDER = { "Name", "Home", "Sources", "Version", "Description", "Keywords", "Maintainers", "Icon",
  "APIVersion", "Condition", "Tags", "AppVersion", "Deprecated", "Annotations", "KubeVersion", "Dependencies",
  "Type" }

--- Helm 3's .Chart as encoding/json writes it (the embedded Metadata's fields by their json
--- tags, empty ones omitted, then IsRoot), as an ordered list of { key, value }; nil, reason
--- when it holds dependencies (their Enabled is not modelled).
function M.chart3_json(t, md)
  if not is_empty_list(md.dependencies) then return nil, "toJson of .Chart with dependencies" end
  local out = {}
  for _, field in ipairs(JSON_ORDER) do
    local v = t[field]
    local empty = v == nil or v == "" or v == false or (type(v) == "table" and next(v) == nil)
    if not empty then
      if field == "Maintainers" then
        local list = setmetatable({}, value.list_mt)
        for i, x in ipairs(v) do
          local mm = {}
          for _, k in ipairs { "name", "email", "url" } do
            if x[k] ~= nil and x[k] ~= "" and x[k] ~= value.null then mm[#mm + 1] = { k, x[k] } end
          end
          list[i] = mm
        end
        v = list
      end
      out[#out + 1] = { YAML_NAMES[field], v }
    end
  end
  out[#out + 1] = { "IsRoot", t.IsRoot }
  return out
end

--- .Capabilities for a helm major version, --kube-version and --api-versions.
---@param helm string "3"|"4"
---@param kube_version string|nil  "v1.30.0" or "1.30"
---@param api_versions string[]|nil
---@param server table|nil  { major =, minor = } as the API server reports them: the
---  Capabilities of a server-side render (getCapabilities), kube_version its gitVersion as
---  is and api_versions its whole set (no defaults)
---@return table|nil caps, string|nil err
function M.capabilities(helm, kube_version, api_versions, server)
  local d = capdata[helm]
  local version = d.kube_version
  if server then
    return M._server_capabilities(helm, kube_version, api_versions, server)
  end
  if kube_version and kube_version ~= "" then
    -- ParseKubeVersion: Helm 3 prints Masterminds' canonical form, Helm 4 keeps the input
    local v = require("hfl.semver").parse(kube_version)
    if not v or not kube_version:match("^v?%d+%.%d+[%.%d]*[-+]?") then
      return nil, "kube version " .. kube_version .. " is read by helm"
    end
    if helm == "4" then
      version = kube_version:sub(1, 1) == "v" and kube_version or "v" .. kube_version
    else
      version = string.format("v%d.%d.%d", v.Major, v.Minor, v.Patch)
      if v.Prerelease ~= "" then version = version .. "-" .. v.Prerelease end
      if v.Metadata ~= "" then version = version .. "+" .. v.Metadata end
    end
  end
  local major, minor = version:match("^v(%d+)%.(%d+)")
  -- String(): Helm 4 prints the numeric part only (k8s ParseGeneric), Helm 3 the Version
  local shown = helm == "4" and "v" .. version:match("^v?([%d.]+)"):gsub("%.$", "") or version
  local list = {}
  for i, a in ipairs(d.api_versions) do list[i] = a end
  for _, a in ipairs(api_versions or {}) do list[#list + 1] = a end
  return M._capabilities_of(d, { version = version, major = major, minor = minor, shown = shown }, list)
end

-- The server's own: KubeVersion straight from /version, APIVersions only what discovery
-- lists. Printed whole, a server's KubeVersion is Go's struct syntax (helm 4's has an empty
-- normalised version in it): left to helm.
function M._server_capabilities(helm, git_version, api_versions, server)
  if type(git_version) ~= "string" or git_version == "" then return nil, "the server reports no version" end
  local list = {}
  for i, a in ipairs(api_versions or {}) do list[i] = a end
  -- GetVersionSet falls back to helm's defaults when discovery lists nothing
  if #list == 0 then return nil, "the server lists no API versions" end
  return M._capabilities_of(capdata[helm], { version = git_version, major = tostring(server.major),
    minor = tostring(server.minor) }, list)
end

function M._capabilities_of(d, k, list)
  local kv = struct({ Version = k.version, Major = k.major, Minor = k.minor, GitVersion = k.version },
    "*common.KubeVersion", { "Version", "Major", "Minor" })
  getmetatable(kv).__gostring = function()
    if not k.shown then M.unsupported("printing .Capabilities.KubeVersion as a whole") end
    return k.shown
  end
  local set = {}
  for _, a in ipairs(list) do set[a] = true end
  local apis = setmetatable(list, { __gotype = "common.VersionSet", __gorange = "list", __gomethods = {
    Has = function(_, name)
      if type(name) ~= "string" then M.unsupported(".Capabilities.APIVersions.Has of a non-string") end
      return set[name] == true
    end,
  } })
  local hv_fields = { "Version", "GitCommit", "GitTreeState", "GoVersion" }
  if d.kube_client_version then hv_fields[#hv_fields + 1] = "KubeClientVersion" end
  local hv = struct({ Version = d.helm_version, GitCommit = d.git_commit, GitTreeState = "clean",
    GoVersion = d.go_version, KubeClientVersion = d.kube_client_version }, "common.BuildInfo", hv_fields)
  local caps = struct({ KubeVersion = kv, APIVersions = apis, HelmVersion = hv }, "*common.Capabilities",
    { "APIVersions", "KubeVersion", "HelmVersion" })
  -- a pointer: inside a printed value Go shows its address
  getmetatable(caps).__gostring = function(_, _, depth)
    if depth and depth > 0 then return M.ADDRESS end
    M.unsupported("printing .Capabilities whole")
  end
  return caps
end

-- gobwas/glob with '/' as separator: `*` and `?` stay within a path segment, `**` crosses
-- them, `[…]` classes, `{a,b}` alternatives, `\` escapes. A matcher function or nil.
local function compile_glob(pattern)
  local pos = 1
  local function parse_seq(stop)
    local items = {}
    while pos <= #pattern do
      local c = pattern:sub(pos, pos)
      if stop and stop:find(c, 1, true) then break end
      if c == "*" then
        if pattern:sub(pos + 1, pos + 1) == "*" then
          items[#items + 1] = { t = "any" }
          pos = pos + 2
        else
          items[#items + 1] = { t = "star" }
          pos = pos + 1
        end
      elseif c == "?" then
        items[#items + 1] = { t = "one" }
        pos = pos + 1
      elseif c == "[" then
        local j = pattern:find("]", pos + 1, true)
        if not j then return nil end
        local body = pattern:sub(pos + 1, j - 1)
        local neg = body:sub(1, 1) == "!"
        if neg then body = body:sub(2) end
        items[#items + 1] = { t = "class", neg = neg, body = body }
        pos = j + 1
      elseif c == "{" then
        pos = pos + 1
        local alts = {}
        while true do
          local seq = parse_seq(",}")
          if not seq then return nil end
          alts[#alts + 1] = seq
          local d = pattern:sub(pos, pos)
          pos = pos + 1
          if d == "}" then break end
          if d ~= "," then return nil end
        end
        items[#items + 1] = { t = "alt", alts = alts }
      else
        if c == "\\" then
          pos = pos + 1
          c = pattern:sub(pos, pos)
        end
        items[#items + 1] = { t = "lit", c = c }
        pos = pos + 1
      end
    end
    return items
  end
  local seq = parse_seq(nil)
  if not seq then return nil end

  local function class_match(item, ch)
    local body, i, found = item.body, 1, false
    while i <= #body do
      local a = body:sub(i, i)
      if body:sub(i + 1, i + 1) == "-" and i + 2 <= #body then
        if ch >= a and ch <= body:sub(i + 2, i + 2) then found = true end
        i = i + 3
      else
        if ch == a then found = true end
        i = i + 1
      end
    end
    return found ~= item.neg
  end

  local match_seq
  -- whether items[k..] followed by rest (a continuation) match s from i
  function match_seq(items, k, s, i, cont)
    if k > #items then return cont(i) end
    local it = items[k]
    if it.t == "lit" then
      if s:sub(i, i) ~= it.c then return false end
      return match_seq(items, k + 1, s, i + 1, cont)
    elseif it.t == "one" then
      local ch = s:sub(i, i)
      if ch == "" or ch == "/" then return false end
      return match_seq(items, k + 1, s, i + 1, cont)
    elseif it.t == "class" then
      local ch = s:sub(i, i)
      if ch == "" or ch == "/" or not class_match(it, ch) then return false end
      return match_seq(items, k + 1, s, i + 1, cont)
    elseif it.t == "star" or it.t == "any" then
      local j = i
      while true do
        if match_seq(items, k + 1, s, j, cont) then return true end
        local ch = s:sub(j, j)
        if ch == "" or (it.t == "star" and ch == "/") then return false end
        j = j + 1
      end
    elseif it.t == "alt" then
      for _, alt in ipairs(it.alts) do
        if match_seq(alt, 1, s, i, function(ni) return match_seq(items, k + 1, s, ni, cont) end) then
          return true
        end
      end
      return false
    end
    return false
  end
  return function(s)
    return match_seq(seq, 1, s, 1, function(i) return i == #s + 1 end)
  end
end
M.compile_glob = compile_glob

local files_methods = {}
-- engine.files is a Go map[string][]byte with methods: `range` walks it by name.
local function sorted_names(f)
  local names = {}
  for k in pairs(f) do names[#names + 1] = k end
  table.sort(names)
  return names
end

-- Printed as Go prints a map[string][]byte: map[name:[104 105] …].
local function print_files(f, fl)
  if fl and (fl.plusv or fl.sharpv) then M.unsupported("printing .Files with %+v or %#v") end
  local out = {}
  for i, name in ipairs(sorted_names(f)) do
    local s, codes = f[name], {}
    for j = 1, #s do codes[j] = s:byte(j) end
    out[i] = name .. ":[" .. table.concat(codes, " ") .. "]"
  end
  return "map[" .. table.concat(out, " ") .. "]"
end
local FILES_MT = { __gotype = "engine.files", __gomethods = files_methods, __gorange = "map",
  __gostring = print_files }

local function new_files(entries)
  local f = setmetatable({}, FILES_MT)
  for _, e in ipairs(entries) do rawset(f, e.name, e.data) end
  return f
end

-- The methods take a Go string: anything else is a template error (left to helm).
local function file_name(name, method)
  if type(name) ~= "string" then M.unsupported(".Files." .. method .. " of a non-string") end
  return name
end

function files_methods.Get(f, name) return rawget(f, file_name(name, "Get")) or "" end
function files_methods.GetBytes(f, name)
  local data = rawget(f, file_name(name, "GetBytes"))
  -- an empty []byte is false to if/with/default, which the engine's truth does not know
  if data == nil or data == "" then M.unsupported(".Files.GetBytes of an empty or missing file") end
  return bytes.new(data)
end
function files_methods.Glob(f, pattern)
  file_name(pattern, "Glob")
  local m = compile_glob(pattern) or compile_glob("**")
  local out = {}
  for _, name in ipairs(sorted_names(f)) do
    if m(name) then out[#out + 1] = { name = name, data = f[name] } end
  end
  return new_files(out)
end
function files_methods.Lines(f, path)
  file_name(path, "Lines")
  local s = rawget(f, path)
  local out = setmetatable({}, value.list_mt)
  if s == nil then return out end
  if s == "" then error({ unsupported = ".Files.Lines of an empty file" }, 0) end
  if s:sub(-1) == "\n" then s = s:sub(1, -2) end
  for line in (s .. "\n"):gmatch("([^\n]*)\n") do out[#out + 1] = line end
  return out
end

local function by_base(f, transform)
  local m = setmetatable({}, value.map_mt)
  for _, name in ipairs(sorted_names(f)) do m[name:match("([^/]*)$")] = transform(f[name]) end
  return hyaml.encode(m)
end

function files_methods.AsConfig(f)
  return by_base(f, function(d) return d end)
end
function files_methods.AsSecrets(f)
  local b64 = require("hfl.stdlib.encoding").b64encode
  return by_base(f, function(d) return b64(d) end)
end

--- .Files of a chart record.
function M.files(c) return new_files(c.files) end

return M
