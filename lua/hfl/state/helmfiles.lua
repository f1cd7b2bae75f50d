--- `helmfiles:` entries of a state (compat §1.5): parsing the string and map forms, expanding
--- globs against the state's directory, the selectors a child runs with, the CLI-selector
--- conflict check that skips a child unloaded, and `inherits`.
local value = require "hfl.value"
local files = require "hfl.state.files"
local selector = require "hfl.state.selector"
local fs = require "hfl.fs"

local M = {}

local kind, null, vmap, vlist = value.kind, value.null, value.map, value.list
local fmt = string.format

M.INHERITS = { "repositories", "helmDefaults", "commonLabels", "apiVersions", "kubeVersion", "templates",
  "environments" }
local ALLOWED = {}
for _, k in ipairs(M.INHERITS) do ALLOWED[k] = true end
local ENTRY_KEYS = { path = true, selectors = true, selectorsInherited = true, values = true, inherits = true }

local function strlist(v, what, where)
  if v == nil or v == null then return nil end
  if kind(v) ~= "list" then return nil, fmt("%s: %s must be a list of strings", where, what) end
  local out = {}
  for i, s in ipairs(v) do
    if kind(s) ~= "string" then return nil, fmt("%s: %s[%d] must be a string", where, what, i - 1) end
    out[i] = s
  end
  return out
end

--- Parses the entries of doc.helmfiles into specs {path=, selectors=string[]|nil,
--- selectors_inherited=bool, values=list|nil, inherits=string[], index=0-based, line=}.
---@param list table
---@param name string the file as shown
---@param where_of? fun(tbl: table, key: any): string  file:line of a key (default: name and the decoded line)
---@return table[]|nil specs, string|nil err
function M.parse(list, name, where_of)
  local out = {}
  if list == nil or list == null then return out end
  for i, e in ipairs(list) do
    local line = value.line(list, i)
    local where = where_of and where_of(list, i) or line and fmt("%s:%d", name, line) or name
    local spec = { index = i - 1, line = line, where = where, inherits = {} }
    local k = kind(e)
    if k == "string" then
      spec.path = e
    elseif k == "map" then
      for _, key in ipairs(value.keys(e)) do
        if not ENTRY_KEYS[key] then
          return nil, fmt('%s: unknown field "%s" in helmfiles[%d]', where, tostring(key), i - 1)
        end
      end
      spec.path = e.path ~= null and e.path or nil
      if spec.path ~= nil and kind(spec.path) ~= "string" then
        return nil, fmt("%s: helmfiles[%d].path must be a string", where, i - 1)
      end
      local err
      spec.selectors, err = strlist(e.selectors, "selectors", where)
      if err then return nil, err end
      spec.selectors_inherited = e.selectorsInherited == true
      if e.values ~= nil and e.values ~= null then
        if kind(e.values) ~= "list" then return nil, fmt("%s: helmfiles[%d].values must be a list", where, i - 1) end
        spec.values = e.values
      end
      spec.inherits, err = strlist(e.inherits, "inherits", where)
      if err then return nil, err end
      spec.inherits = spec.inherits or {}
      if spec.selectors and (spec.path == nil or spec.path == "") then
        return nil, fmt("%s: found 'selectors' definition without path: [%s]", where, table.concat(spec.selectors, " "))
      end
      if spec.selectors_inherited and spec.selectors and #spec.selectors > 0 then
        return nil, fmt("%s: you cannot use 'SelectorsInherited: true' along with and explicit selector for path: %s",
          where, tostring(spec.path))
      end
      if #spec.inherits > 0 and (spec.path == nil or spec.path == "") then
        return nil, fmt("%s: found 'inherits' definition without path: [%s]", where, table.concat(spec.inherits, " "))
      end
      for _, key in ipairs(spec.inherits) do
        if not ALLOWED[key] then
          return nil, fmt('%s: invalid inherits entry "%s" for path "%s": allowed values are [%s]', where, key,
            tostring(spec.path), table.concat(M.INHERITS, " "))
        end
      end
    else
      return nil, fmt("%s: helmfiles[%d] must be a path or a map", where, i - 1)
    end
    if spec.path == nil or spec.path == "" then
      return nil, fmt("%s: helmfiles[%d] has no path", where, i - 1)
    end
    out[#out + 1] = spec
  end
  return out
end

--- Expands each spec's path (glob, relative to dir, sorted) into one spec per match. No match
--- is an error unless the state's missingFileHandler is not Error (then a warning). The
--- recursion checks of Helmfile: a path equal to the file itself, or ".".
---@return table[]|nil specs, string|nil err
function M.expand(specs, dir, self_path, handler, self_name, log)
  local out = {}
  for _, spec in ipairs(specs) do
    if spec.path == "." then
      return nil, fmt("%s contains a recursion into the the directory containing this helmfile at helmfiles[%d]",
        self_name, spec.index)
    end
    local matches
    if files.is_remote(spec.path) then
      -- fetched when visited (a child skipped for its selectors is never fetched)
      local copy = {}
      for k, v in pairs(spec) do copy[k] = v end
      copy.remote = spec.path
      out[#out + 1] = copy
      matches = nil
    else
      matches = fs.glob(fs.join(dir, spec.path))
    end
    if matches then
    if #matches == 0 then
      local msg = fmt("no matches for path: %s", spec.path)
      if (handler or "Error") == "Error" then return nil, fmt("%s: %s", spec.where, msg) end
      log.warn("%s", msg)
    end
    for _, m in ipairs(matches) do
      if m == self_path then
        return nil, fmt("%s contains a recursion into the same sub-helmfile at helmfiles[%d]", self_name, spec.index)
      end
      local copy = {}
      for k, v in pairs(spec) do copy[k] = v end
      copy.path = m
      out[#out + 1] = copy
    end
    end
  end
  return out
end

--- Fetches a remote sub-helmfile (spec.remote, a go-getter source) and sets spec.path to the
--- file or directory inside the checkout. Returns the spec, or false when the source names no
--- file in the repository (or, with ignoreMissingGitBranch, a missing ref) and the state's
--- missingFileHandler lets that pass, or nil, err naming the source.
---@param spec table from expand
---@param o {handler?: string, ignore_missing_git_branch?: boolean, fetched?: table, session: hfl.Session}
---@return table|false|nil spec, string|nil err, table|nil fetched
function M.fetch(spec, o)
  local r, err = files.fetch_remote(spec.remote, o.fetched, o.session)
  local log = o.session.log
  local msg
  if not r then
    if not (o.ignore_missing_git_branch and files.is_missing_ref(err)) then return nil, fmt("%s: %s", spec.where, err) end
    msg = err
  elseif not fs.kind(r.path) then
    msg = fmt("no matches for path: %s (not in the repository at commit %s)", spec.remote, tostring(r.commit):sub(1, 12))
  end
  if msg then
    local handler = o.handler or "Error"
    if handler == "Error" then return nil, fmt("%s: %s", spec.where, msg) end
    local say = handler == "Info" and log.info or handler == "Debug" and log.debug or log.warn
    say("%s", "skipping missing sub-helmfile: " .. msg)
    return false
  end
  local copy = {}
  for k, v in pairs(spec) do copy[k] = v end
  copy.path = r.path
  return copy, nil, r
end

local function experimental_explicit()
  local e = os.getenv("HELMFILE_EXPERIMENTAL") or ""
  if e == "true" then return true end
  for w in e:gmatch("[^,]+") do
    if w == "explicit-selector-inheritance" then return true end
  end
  return false
end

--- The selectors a child runs with: its own `selectors` (`[]` = all), or the parent's
--- (selectorsInherited, or neither set — legacy; HELMFILE_EXPERIMENTAL=explicit-selector-
--- inheritance selects all then).
function M.child_selectors(spec, parent_selectors)
  if spec.selectors_inherited or (spec.selectors == nil and not experimental_explicit()) then
    return parent_selectors
  end
  if spec.selectors == nil then return {} end
  return selector.parse(spec.selectors)
end

--- Whether a child with explicit selectors provably selects nothing the CLI selectors select
--- (then Helmfile skips it without loading it).
function M.conflicts(cli_selectors, spec, log)
  if not cli_selectors or #cli_selectors == 0 or not spec.selectors or #spec.selectors == 0
    or spec.selectors_inherited then
    return false
  end
  local mine, err = selector.parse(spec.selectors)
  if not mine then
    log.debug("%s", fmt("selector compatibility check failed for subhelmfile %q: %s", spec.path, err))
    return false
  end
  return not selector.compatible(cli_selectors, mine)
end

--- What a parent hands down for `inherits` (taken from its merged document and env).
function M.build_inherited(doc, env, want)
  local set = {}
  for _, w in ipairs(want) do set[w] = true end
  local inh = {}
  for _, k in ipairs { "repositories", "helmDefaults", "commonLabels", "apiVersions", "kubeVersion", "templates" } do
    if set[k] and doc[k] ~= nil and doc[k] ~= null then inh[k] = value.copy(doc[k]) end
  end
  if set.environments then inh.env = env:copy() end
  return inh
end

--- Child wins, parent fills gaps (MergeInherited); returns the new document.
function M.merge_inherited(doc, inh)
  local out = vmap {}
  for _, k in ipairs(value.keys(doc)) do out[k] = doc[k] end
  if inh.repositories then
    local combined = {}
    for _, r in ipairs(inh.repositories) do combined[#combined + 1] = r end
    if kind(out.repositories) == "list" then for _, r in ipairs(out.repositories) do combined[#combined + 1] = r end end
    local last = {}
    for i, r in ipairs(combined) do last[tostring(kind(r) == "map" and r.name or i)] = i end
    local l = {}
    for i, r in ipairs(combined) do
      if last[tostring(kind(r) == "map" and r.name or i)] == i then l[#l + 1] = r end
    end
    out.repositories = vlist(l)
  end
  if inh.helmDefaults and kind(inh.helmDefaults) == "map" then
    local hd = vmap {}
    local mine = kind(out.helmDefaults) == "map" and out.helmDefaults or vmap {}
    for _, k in ipairs(value.keys(mine)) do hd[k] = mine[k] end
    for _, k in ipairs(value.keys(inh.helmDefaults)) do
      local cur = hd[k]
      if cur == nil or cur == null or cur == "" or cur == false or cur == 0
        or (kind(cur) == "list" and #cur == 0) then
        hd[k] = inh.helmDefaults[k]
      end
    end
    out.helmDefaults = hd
  end
  for _, k in ipairs { "commonLabels", "templates" } do
    if inh[k] and kind(inh[k]) == "map" then
      local m = vmap {}
      local mine = kind(out[k]) == "map" and out[k] or vmap {}
      for _, kk in ipairs(value.keys(mine)) do m[kk] = mine[kk] end
      for _, kk in ipairs(value.keys(inh[k])) do
        if m[kk] == nil then m[kk] = inh[k][kk] end
      end
      out[k] = m
    end
  end
  if inh.apiVersions and kind(inh.apiVersions) == "list" then
    local seen, l = {}, {}
    local function add(list)
      for _, s in ipairs(list) do
        if not seen[s] then seen[s] = true l[#l + 1] = s end
      end
    end
    add(inh.apiVersions)
    if kind(out.apiVersions) == "list" then add(out.apiVersions) end
    out.apiVersions = vlist(l)
  end
  if inh.kubeVersion and inh.kubeVersion ~= "" and (out.kubeVersion == nil or out.kubeVersion == null
    or out.kubeVersion == "") then
    out.kubeVersion = inh.kubeVersion
  end
  return out
end

return M
