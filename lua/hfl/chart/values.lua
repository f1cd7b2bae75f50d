--- Values as Helm coalesces them for a render (pkg/chartutil coalesce.go and
--- dependencies.go): which subcharts are enabled (condition, tags, alias), import-values,
--- then chart defaults under user values with subchart scoping and `global` passed down.
--- Helm 3.17 and Helm 4.1 differ in one rule (a null in the user's values over a null
--- default); `helm` is the major version, "3" or "4".
local value = require "hfl.value"
local semver = require "hfl.semver"

local M = {}

local null, map_mt, kind = value.null, value.map_mt, value.kind

local function is_table(v) return kind(v) == "map" end

local function keys(m) return value.sorted_keys(m) end

local function concat_prefix(a, b)
  if a == "" then return b end
  return a .. "." .. b
end

local function new_map() return setmetatable({}, map_mt) end

local function copy_map(m)
  local out = new_map()
  for _, k in ipairs(keys(m)) do out[k] = m[k] end
  return out
end

-- coalesceTablesFullKey: dst (higher priority) keeps its values, src fills in.
local function coalesce_tables(dst, src, merge, helm)
  if src == nil then return dst end
  if dst == nil then return src end
  local src_non_nil = {}
  if helm == "4" then
    for k, v in pairs(src) do
      if v ~= null then src_non_nil[k] = true end
    end
    for k, v in pairs(dst) do
      if v == null then src[k] = null end
    end
  end
  for _, key in ipairs(keys(src)) do
    local val = src[key]
    local dv = dst[key]
    if dv ~= nil and not merge and dv == null and (helm ~= "4" or src_non_nil[key]) then
      dst[key] = nil
    elseif dv == nil then
      dst[key] = val
    elseif is_table(val) then
      if is_table(dv) then coalesce_tables(dv, val, merge, helm) end
    end
  end
  return dst
end
M.coalesce_tables = coalesce_tables

local function dependency_names(c)
  local names = {}
  for _, d in ipairs(c.dependencies) do names[d.metadata.name] = true end
  return names
end

local coalesce

-- coalesceValues: the chart's defaults (a copy) under v.
local function coalesce_values(c, v, merge, helm)
  local vc = value.copy(c.values)
  local subs = dependency_names(c)
  for _, key in ipairs(keys(vc)) do
    local val = vc[key]
    local cur = v[key]
    if cur ~= nil then
      if cur == null and not merge then
        v[key] = nil
      elseif is_table(cur) then
        if is_table(val) then
          coalesce_tables(cur, val, merge or subs[key] == true, helm)
        end
      end
    else
      v[key] = val
    end
  end
end

-- coalesceGlobals: the parent's globals into the subchart's, the subchart's own winning.
local function coalesce_globals(dest, src, helm)
  local dg, sg
  local dglob = dest.global
  if dglob == nil then dg = new_map()
  elseif is_table(dglob) then dg = dglob
  else return end
  local sglob = src.global
  if sglob == nil then sg = new_map()
  elseif is_table(sglob) then sg = sglob
  else return end
  for _, key in ipairs(keys(sg)) do
    local val = sg[key]
    if is_table(val) then
      local vv = copy_map(val)
      local destv = dg[key]
      if destv == nil then
        dg[key] = vv
      elseif is_table(destv) then
        coalesce_tables(vv, destv, true, helm)
        dg[key] = vv
      end
    elseif dg[key] ~= nil and is_table(dg[key]) then
      -- a table in the subchart is not replaced by a scalar
    else
      dg[key] = val
    end
  end
  dest.global = dg
end

local function coalesce_deps(c, dest, merge, helm)
  for _, sub in ipairs(c.dependencies) do
    local name = sub.metadata.name
    local cur = dest[name]
    if cur == nil then
      dest[name] = new_map()
    elseif not is_table(cur) then
      return nil, string.format("type mismatch on %s: %%!t(%s)", name, value.kind(cur))
    end
    local dv = dest[name]
    coalesce_globals(dv, dest, helm)
    local out, err = coalesce(sub, dv, merge, helm)
    if not out then return nil, err end
    dest[name] = out
  end
  return dest
end

function coalesce(c, dest, merge, helm)
  coalesce_values(c, dest, merge, helm)
  return coalesce_deps(c, dest, merge, helm)
end

--- CoalesceValues (merge=false) / MergeValues (merge=true) of a chart with values (copied).
function M.coalesce(c, vals, merge, helm)
  local copy = vals and value.copy(vals) or new_map()
  if kind(copy) ~= "map" then copy = new_map() end
  return coalesce(c, copy, merge, helm)
end

-- Values.PathValue for a condition: a dotted path to a non-table value.
local function path_value(vals, path)
  local parts = {}
  for p in (path .. "."):gmatch("([^.]*)%.") do parts[#parts + 1] = p end
  local cur = vals
  for i = 1, #parts - 1 do
    cur = cur[parts[i]]
    if not is_table(cur) then return nil end
  end
  local v = cur[parts[#parts]]
  if v == nil or is_table(v) then return nil end
  return v
end

local function check_version(constraint, version, helm)
  local v = semver.parse(version or "")
  if not v then return false end
  local c = semver.constraint(constraint or "", { prerelease = semver.rule_for_helm(helm) })
  if not c then return false end
  return c:check(v)
end

-- Whether a subchart's version meets its requirement; the verdicts on strings are kept in
-- memo (if given: the same charts are rendered again and again).
local function compatible(constraint, version, helm, memo)
  if not memo or type(constraint) ~= "string" or type(version) ~= "string" then
    return check_version(constraint, version, helm)
  end
  local key = helm .. "\0" .. constraint .. "\0" .. version
  local known = memo[key]
  if known == nil then
    known = check_version(constraint, version, helm)
    memo[key] = known
  end
  return known
end

-- A copy of the chart record with another name (getAliasDependency).
local function aliased(sub, alias)
  local md = {}
  for k, v in pairs(sub.metadata) do md[k] = v end
  if alias and alias ~= "" then md.name = alias end
  local out = {}
  for k, v in pairs(sub) do out[k] = v end
  out.metadata = md
  out.dependencies = {}
  for i, d in ipairs(sub.dependencies) do out.dependencies[i] = d end
  return out
end

local function process_enabled(c, v, path, helm, memo)
  local reqs = c.metadata.dependencies
  if reqs == nil then return true end
  -- the chart's own copy of its requirement list, modified as Helm modifies it
  local list = {}
  for i, r in ipairs(reqs) do
    local copy = {}
    for k, x in pairs(r) do copy[k] = x end
    list[i] = copy
  end
  local deps = {}
  for _, existing in ipairs(c.dependencies) do
    local listed = false
    for _, req in ipairs(list) do
      if existing.metadata.name == req.name and compatible(req.version, existing.metadata.version, helm, memo) then
        listed = true
        break
      end
    end
    if not listed then deps[#deps + 1] = existing end
  end
  for _, req in ipairs(list) do
    for _, existing in ipairs(c.dependencies) do
      if existing.metadata.name == req.name and compatible(req.version, existing.metadata.version, helm, memo) then
        deps[#deps + 1] = aliased(existing, req.alias)
        break
      end
    end
    if req.alias and req.alias ~= "" then req.name = req.alias end
  end
  c.dependencies = deps
  for _, r in ipairs(list) do r.enabled = true end
  local cvals, err = M.coalesce(c, v, false, helm)
  if not cvals then return nil, err end
  -- tags
  local tags = cvals.tags
  if is_table(tags) then
    for _, r in ipairs(list) do
      local has_true, has_false = false, false
      if kind(r.tags) == "list" then
        for _, t in ipairs(r.tags) do
          local b = tags[t]
          if b == true then has_true = true elseif b == false then has_false = true end
        end
      end
      if not has_true and has_false then r.enabled = false else r.enabled = true end
    end
  end
  -- conditions
  for _, r in ipairs(list) do
    local cond = (r.condition or ""):gsub("^%s+", ""):gsub("%s+$", "")
    for cpath in (cond .. ","):gmatch("([^,]*),") do
      if #cpath > 0 then
        local vv = path_value(cvals, path .. cpath)
        if type(vv) == "boolean" then
          r.enabled = vv
          break
        end
      end
    end
  end
  local rm = {}
  for _, r in ipairs(list) do
    if not r.enabled then rm[r.name] = true end
  end
  local kept, kept_md = {}, {}
  for _, d in ipairs(c.dependencies) do
    if not rm[d.metadata.name] then kept[#kept + 1] = d end
  end
  for _, r in ipairs(list) do
    if not rm[r.name] then kept_md[#kept_md + 1] = r end
  end
  for _, t in ipairs(kept) do
    local ok, perr = process_enabled(t, cvals, path .. t.metadata.name .. ".", helm, memo)
    if not ok then return nil, perr end
  end
  local md = {}
  for k, x in pairs(c.metadata) do md[k] = x end
  -- Go appends the kept requirements to a nil slice: none kept leaves no list at all, and
  -- import-values then leaves the chart's values alone
  md.dependencies = #kept_md > 0 and kept_md or nil
  c.metadata = md
  c.dependencies = kept
  return true
end

local function path_to_map(path, data)
  if path == "." then return data end
  local parts = {}
  for p in (path .. "."):gmatch("([^.]*)%.") do parts[#parts + 1] = p end
  local cur = data
  for i = #parts, 1, -1 do
    local m = new_map()
    m[parts[i]] = cur
    cur = m
  end
  return cur
end

local function table_at(vals, path)
  local cur = vals
  for p in (path .. "."):gmatch("([^.]*)%.") do
    if not is_table(cur) then return nil end
    cur = cur[p]
  end
  if is_table(cur) then return cur end
  return nil
end

local function trim_nils(m)
  local out = new_map()
  for _, k in ipairs(keys(m)) do
    local v = m[k]
    if v ~= null then out[k] = is_table(v) and trim_nils(v) or value.copy(v) end
  end
  return out
end

local function process_imports(c, merge, helm)
  local reqs = c.metadata.dependencies
  if reqs == nil then return true end
  local cvals, err = M.coalesce(c, nil, merge, helm)
  if not cvals then return nil, err end
  local b = new_map()
  for _, r in ipairs(reqs) do
    local ivs = r["import-values"]
    if kind(ivs) == "list" then
      for _, iv in ipairs(ivs) do
        if is_table(iv) then
          local child, parent = iv.child, iv.parent
          if type(child) ~= "string" or type(parent) ~= "string" then
            return nil, "import-values with a non-string child or parent", "unsupported"
          end
          local vv = table_at(cvals, r.name .. "." .. child)
          if vv then b = coalesce_tables(b, path_to_map(parent, value.copy(vv)), merge, helm) end
        elseif type(iv) == "string" then
          local vm = table_at(cvals, r.name .. ".exports." .. iv)
          if vm then b = coalesce_tables(b, value.copy(vm), merge, helm) end
        end
      end
    end
  end
  if merge then
    c.values = coalesce_tables(value.copy(cvals), b, true, helm)
  else
    c.values = coalesce_tables(trim_nils(cvals), b, false, helm)
  end
  return true
end

local function process_imports_rec(c, merge, helm)
  for _, d in ipairs(c.dependencies) do
    local ok, err, code = process_imports_rec(d, merge, helm)
    if not ok then return nil, err, code end
  end
  return process_imports(c, merge, helm)
end

--- ProcessDependenciesWithMerge (what install and template run): drops disabled
--- subcharts, applies aliases, then import-values. Changes the chart in place. memo: an
--- optional table kept across renders (the verdicts of subchart version checks).
---@return true|nil ok, string|nil err, string|nil code
function M.process_dependencies(c, vals, helm, memo)
  local ok, err = process_enabled(c, vals, "", helm, memo)
  if not ok then return nil, err end
  return process_imports_rec(c, true, helm)
end

--- The values of one subchart as .Values sees them (Values.Table("Values.<name>")).
function M.sub_values(vals, name)
  local v = vals[name]
  if is_table(v) then return v end
  return new_map()
end

return M
