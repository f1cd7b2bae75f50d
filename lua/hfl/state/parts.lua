--- One state file's text: Helmfile v1's policy checks on the raw text, the split into parts,
--- the strict decode of a part (top-level keys and types validated, errors naming file:line),
--- and the two merges of decoded documents: parts (later non-empty fields override, lists
--- replaced, maps merged per key) and layers (bases and extra YAML documents of one part:
--- lists appended; for bases, environments merged by name as mergeEnvironments does).
local value = require "hfl.value"
local yaml = require "hfl.yaml"

local M = {}

local kind, null, vmap, vlist = value.kind, value.null, value.map, value.list
local fmt = string.format

--- Top-level keys and the kind each must have ("any" = not checked here).
M.KEYS = {
  bases = "list", environments = "map", values = "list", helmDefaults = "map", repositories = "list",
  releases = "list", templates = "map", defaultInherit = "any", helmfiles = "list", commonLabels = "map",
  hooks = "list", apiVersions = "list", kubeVersion = "string", lockFilePath = "string",
  missingFileHandler = "string", missingFileHandlerConfig = "map", helmBinary = "string",
  kustomizeBinary = "string", kubeContext = "string", namespace = "string", chart = "string", llm = "map",
  -- Fields of Helmfile's state struct that `helmfile build` prints: accepted on input (so build
  -- output loads again) and ignored, as Helmfile recomputes both.
  filepath = "string", renderedvalues = "any",
}

--- Keys accepted on input and then dropped.
M.IGNORED_KEYS = { filepath = true, renderedvalues = true }
M.KEY_ORDER = { "bases", "environments", "values", "helmDefaults", "repositories", "releases", "templates",
  "defaultInherit", "helmfiles", "commonLabels", "hooks", "apiVersions", "kubeVersion", "lockFilePath",
  "missingFileHandler", "missingFileHandlerConfig", "helmBinary", "kustomizeBinary", "kubeContext",
  "namespace", "chart", "llm" }

M.ENV_KEYS = { values = "list", secrets = "list", kubeContext = "string", missingFileHandler = "string",
  missingFileHandlerConfig = "map", mergeStrategy = "string" }

local KIND_NAME = { list = "a list", map = "a map", string = "a string" }

------------------------------------------------------------------------------------------
-- Policy checks (pkg/policy), on the CRLF-normalised text.

-- The top-level keys of the text in order (with_sep: "---" lines too). Only lines starting
-- with a letter or "-" can be either, so the others are never cut out of the text.
local function top_keys(text, with_sep)
  local keys = {}
  for line in ("\n" .. text):gmatch("\n([%a%-][^\n]*)") do
    local k = line:match("^(%a+):")
    if k then
      keys[#keys + 1] = k
    elseif with_sep and line:match("^%-%-%-%s*$") then
      keys[#keys + 1] = "---"
    end
  end
  return keys
end

local PRIORITY = { bases = 0, environments = 0, releases = 1 }

--- Helmfile's three fatal checks. name is the file as shown in messages.
---@return string|nil err
function M.policy_check(name, text)
  local keys = top_keys(text, false)
  if #keys == 0 then return fmt("no top-level config keys are found in %s", name) end
  local order = {}
  for _, k in ipairs(keys) do if PRIORITY[k] then order[#order + 1] = k end end
  for i = 2, #order do
    if PRIORITY[order[i - 1]] > PRIORITY[order[i]] then
      return fmt("top-level config key %s must be defined before %s in %s", order[i], order[i - 1], name)
    end
  end
  local seen, result = {}, {}
  for _, k in ipairs(top_keys(text, true)) do
    if k == "environments" or k == "releases" or k == "---" then
      if not seen[k] then
        result[#result + 1] = k
        if k ~= "---" then seen[k] = true end
      end
    end
  end
  for i = 1, #result - 1 do
    if result[i] ~= "---" and result[i + 1] ~= "---" then
      return fmt("%s: environments and releases cannot be defined within the same YAML part. "
        .. "Use --- to extract the environments into a dedicated part", name)
    end
  end
  return nil
end

--- Splits on the exact bytes "\n---\n". Also returns the file line each part starts on.
---@return string[] parts, integer[] first_lines
function M.split(text)
  local parts, firsts, pos, line = {}, {}, 1, 1
  while true do
    local s, e = text:find("\n---\n", pos, true)
    if not s then break end
    local part = text:sub(pos, s - 1)
    parts[#parts + 1], firsts[#firsts + 1] = part, line
    local _, newlines = part:gsub("\n", "")
    line = line + newlines + 2
    pos = e + 1
  end
  parts[#parts + 1], firsts[#firsts + 1] = text:sub(pos), line
  return parts, firsts
end

------------------------------------------------------------------------------------------
-- Validation.

local distance = require("hfl.suggest").distance

--- The closest known name, when close enough to be a typo.
function M.suggest(name, known)
  local best, bestd
  for _, k in ipairs(known) do
    local d = distance(name:lower(), k:lower())
    if not bestd or d < bestd then best, bestd = k, d end
  end
  if bestd and bestd <= math.max(2, math.floor(#name / 3)) then return best end
  return nil
end

--- "file:line" of a key of a decoded table. src is the file as shown in messages, or the
--- hfl.state.rendered part the table was decoded from (which traces the line to the file).
---@param src string|table
---@return string
local function at(src, tbl, key)
  local line = value.line(tbl, key)
  if type(src) == "table" then return src:where(line) end
  return line and fmt("%s:%d", src, line) or src
end
M.at = at

--- The file of a src (see at).
---@param src string|table
---@return string
function M.file(src)
  return type(src) == "table" and src.name or src
end

local function check_kind(name, tbl, key, want, label)
  local v = tbl[key]
  if want == "any" or v == null or v == nil then return nil end
  local k = kind(v)
  if k == want then return nil end
  if want == "string" and (k == "int" or k == "float" or k == "bool") then return nil end
  return fmt("%s: %s must be %s", at(name, tbl, key), label or key, KIND_NAME[want])
end

--- Validates a decoded document: keys, kinds, environments and their fields.
---@param doc table decoded with {lines=true}
---@param name string|table the file as shown in messages, or a rendered part (see at)
---@param hint boolean add Helmfile's ".gotmpl" hint to unknown-key errors
---@return string|nil err
function M.validate(doc, name, hint)
  for _, key in ipairs(value.keys(doc)) do
    if type(key) ~= "string" or not M.KEYS[key] then
      local s = M.suggest(tostring(key), M.KEY_ORDER)
      local msg = fmt('%s: unknown top-level key "%s"', at(name, doc, key), tostring(key))
      if s then msg = msg .. fmt(' (did you mean "%s"?)', s) end
      if hint then msg = msg .. ". Started seeing this since Helmfile v1? Add the .gotmpl file extension" end
      return msg
    end
    local err = check_kind(name, doc, key, M.KEYS[key])
    if err then return err end
  end
  local envs = doc.environments
  if kind(envs) == "map" then
    local env_keys = { "values", "secrets", "kubeContext", "missingFileHandler", "missingFileHandlerConfig",
      "mergeStrategy" }
    for _, ename in ipairs(value.keys(envs)) do
      local spec = envs[ename]
      if spec ~= null then
        if kind(spec) ~= "map" then
          return fmt("%s: environments.%s must be a map", at(name, envs, ename), tostring(ename))
        end
        for _, f in ipairs(value.keys(spec)) do
          if not M.ENV_KEYS[f] then
            local s = M.suggest(tostring(f), env_keys)
            local msg = fmt('%s: unknown field "%s" in environment "%s"', at(name, spec, f), tostring(f), ename)
            if s then msg = msg .. fmt(' (did you mean "%s"?)', s) end
            return msg
          end
          local err = check_kind(name, spec, f, M.ENV_KEYS[f], fmt("environments.%s.%s", ename, f))
          if err then return err end
        end
      end
    end
  end
  if kind(doc.bases) == "list" then
    for i, b in ipairs(doc.bases) do
      if kind(b) ~= "string" then return fmt("%s: bases[%d] must be a string", at(name, doc.bases, i), i - 1) end
    end
  end
  if kind(doc.releases) == "list" then
    for i, r in ipairs(doc.releases) do
      if kind(r) ~= "map" then
        return fmt("%s: releases[%d] must be a map", at(name, doc.releases, i), i - 1)
      end
    end
  end
  return nil
end

--- Decodes one part (possibly several YAML documents, merged as layers) and validates it.
--- An empty part is an empty map.
---@param text string
---@param src string|table the file as shown in messages, or the rendered part text came from
---@param hint boolean
---@param first_line? integer the file line the part starts on (default 1)
---@param from? table provenance of the containers merging its documents builds (see M.source)
---@return table|nil doc, string|nil err
function M.decode(text, src, hint, first_line, from)
  local name = M.file(src)
  -- blank lines in front make the decoder's lines (positions and syntax errors) the file's
  if first_line and first_line > 1 then text = string.rep("\n", first_line - 1) .. text end
  local docs, err = yaml.decode_all(text, { filename = name, lines = true })
  if not docs then
    if type(src) == "table" then err = src:error(err) end
    if hint then err = err .. ". Started seeing this since Helmfile v1? Add the .gotmpl file extension" end
    return nil, err
  end
  local out
  for _, d in ipairs(docs) do
    if d ~= null then
      if kind(d) ~= "map" then
        return nil, fmt("%s: the state must be a map of top-level keys, not a %s", name, kind(d))
      end
      local verr = M.validate(d, src, hint)
      if verr then return nil, verr end
      for k in pairs(M.IGNORED_KEYS) do d[k] = nil end
      out = out and M.merge_layer(out, d, false, from) or d
    end
  end
  return out or vmap {}
end

------------------------------------------------------------------------------------------
-- Merges. Both keep the input tables (and so their line information) where they can.

-- mergo's isEmptyValue: nothing to merge.
local function empty(v)
  if v == nil or v == null or v == "" or v == false or v == 0 then return true end
  local k = kind(v)
  if k == "list" then return #v == 0 end
  if k == "map" then return next(v) == nil end
  return false
end
M.empty = empty

-- Provenance of the containers a merge builds, kept in the caller's table `from` (weak keys;
-- nil keeps none) so that an error about a merged value names where it was written:
-- from[t] = {base = s, keys = {k = s2}}: key k of map t is key k of s2, else of s;
-- from[t] = {list = {a, n, b}}: item i of list t is item i of a (i <= n), else item i - n of b.
local function took(from, t, k, src)
  local r = from and from[t]
  if r then
    r.keys = r.keys or {}
    r.keys[k] = src
  end
end

local function shallow_map(src, from)
  local out = vmap {}
  for _, k in ipairs(value.keys(src)) do out[k] = src[k] end
  if from then from[out] = { base = src } end
  return out
end

--- The container and key a value of a merged container was decoded in (see the merges'
--- `from`); t, k themselves when they were not merged.
---@param from table|nil
---@return table t, any k
function M.source(from, t, k)
  local r = from and from[t]
  while r do
    if r.list then
      if type(k) ~= "number" then break end
      local a, n, b = r.list[1], r.list[2], r.list[3]
      if k <= n then t = a else t, k = b, k - n end
    else
      t = r.keys and r.keys[k] or r.base
    end
    r = from[t]
  end
  return t, k
end

--- Merges part b over accumulated part a (mergo WithOverride on ReleaseSetSpec): non-empty
--- fields of b override, lists replaced, maps merged per key (each key's value replaced:
--- `environments.X` replaced whole). Returns a new map. from: see M.source.
function M.merge_part(a, b, from)
  local out = shallow_map(a, from)
  for _, k in ipairs(value.keys(b)) do
    local v = b[k]
    if not empty(v) then
      if kind(v) == "map" and kind(out[k]) == "map" then
        local m = shallow_map(out[k], from)
        for _, kk in ipairs(value.keys(v)) do
          if not empty(v[kk]) or m[kk] == nil then
            m[kk] = v[kk]
            took(from, m, kk, v)
          end
        end
        out[k] = m
      else
        out[k] = v
      end
      took(from, out, k, b)
    end
  end
  return out
end

local function append(a, b, from)
  local l = {}
  for i = 1, #a do l[#l + 1] = a[i] end
  for i = 1, #b do l[#l + 1] = b[i] end
  l = vlist(l)
  if from then from[l] = { list = { a, #a, b } } end
  return l
end

local function env_field(a, b, key)
  if not empty(b and b[key]) then return b[key], b end
  return a and a[key], a
end

-- mergeEnvironments: values concatenated (fallback: the later layer first), secrets
-- concatenated, kubeContext / missingFileHandler(Config) / mergeStrategy from the later
-- layer when set.
local function merge_envs(a, b, from)
  local out = shallow_map(a, from)
  for _, name in ipairs(value.keys(b)) do
    local src, dst = b[name], out[name]
    if dst == nil then
      out[name] = src
    else
      local s = kind(src) == "map" and src or vmap {}
      local d = kind(dst) == "map" and dst or vmap {}
      local e = shallow_map(vmap {}, from)
      local strategy, sfrom = env_field(d, s, "mergeStrategy")
      local dv, svv = d.values ~= null and d.values or vlist {}, s.values ~= null and s.values or vlist {}
      if #dv + #svv > 0 then
        e.values = strategy == "fallback" and append(svv, dv, from) or append(dv, svv, from)
        took(from, e, "values", s.values ~= nil and s or d)
      end
      local ds, ss = d.secrets ~= null and d.secrets or vlist {}, s.secrets ~= null and s.secrets or vlist {}
      if #ds + #ss > 0 then
        e.secrets = append(ds, ss, from)
        took(from, e, "secrets", s.secrets ~= nil and s or d)
      end
      for _, f in ipairs { "kubeContext", "missingFileHandler", "missingFileHandlerConfig" } do
        local v, vfrom = env_field(d, s, f)
        if v ~= nil then
          e[f] = v
          took(from, e, f, vfrom)
        end
      end
      if strategy ~= nil then
        e.mergeStrategy = strategy
        took(from, e, "mergeStrategy", sfrom)
      end
      out[name] = e
    end
    took(from, out, name, b)
  end
  return out
end

--- Merges layer b over a with mergo WithAppendSlice + WithOverride: lists appended, maps
--- per key (helmDefaults: its list fields appended too), non-empty scalars override. With
--- bases=true, environments merge by name (mergeEnvironments). from: see M.source.
function M.merge_layer(a, b, bases, from)
  local out = shallow_map(a, from)
  for _, k in ipairs(value.keys(b)) do
    local v, cur = b[k], out[k]
    if k == "environments" and bases and kind(v) == "map" then
      out[k] = merge_envs(kind(cur) == "map" and cur or vmap {}, v, from)
      took(from, out, k, b)
    elseif not empty(v) then
      if kind(v) == "list" and kind(cur) == "list" then
        out[k] = append(cur, v, from)
      elseif kind(v) == "map" and kind(cur) == "map" then
        local m = shallow_map(cur, from)
        for _, kk in ipairs(value.keys(v)) do
          local x = v[kk]
          if k == "helmDefaults" and kind(x) == "list" and kind(m[kk]) == "list" then
            m[kk] = append(m[kk], x, from)
            took(from, m, kk, v)
          elseif not empty(x) or m[kk] == nil then
            m[kk] = x
            took(from, m, kk, v)
          end
        end
        out[k] = m
      else
        out[k] = v
      end
      took(from, out, k, b)
    end
  end
  return out
end

return M
