--- The deployed and the desired manifest of a release compared resource by resource.
local yaml = require "hfl.yaml"
local value = require "hfl.value"
local documents = require "hfl.diff.documents"
local identity = require "hfl.diff.identity"
local normalize = require "hfl.diff.normalize"
local secrets = require "hfl.diff.secrets"
local drift = require "hfl.diff.drift"
local lines = require "hfl.diff.lines"

local M = {}

local KEEP = "helm.sh/resource-policy"

-- The object as the API server places it: in its namespace whether or not the manifest
-- names it, in none when its kind is cluster-scoped.
local function placed(object, ns)
  local meta = object.metadata
  if value.kind(meta) ~= "map" or meta.namespace == (ns ~= "" and ns or nil) then return object end
  local out, m = value.map(), value.map()
  for _, k in ipairs(value.keys(object)) do out[k] = object[k] end
  for _, k in ipairs(value.keys(meta)) do m[k] = meta[k] end
  m.namespace = ns ~= "" and ns or nil
  out.metadata = m
  return out
end

-- The resources of one manifest by identity: { [identity] = resource }, and warnings.
local function index(text, opts, side)
  local objects, err = documents.objects(text)
  if not objects then return nil, side .. " manifest: " .. err end
  local out, warnings = {}, {}
  for _, o in ipairs(objects) do
    local api, kind, ns, name = identity.parts(o.object, opts.namespace, opts.cluster_scoped)
    if name == "" then
      return nil, ("%s manifest: %s: %s %s has no metadata.name"):format(side,
        documents.describe(o.doc), api, kind)
    end
    local id = identity.identity(api, kind, ns, name)
    if out[id] then
      warnings[#warnings + 1] = ("%s manifest: %s: %s %s/%s is already in %s; the first is used"):format(
        side, documents.describe(o.doc), kind, ns, name, documents.describe(out[id].doc))
    else
      local object = normalize.object(o.object)
      out[id] = { id = id, api_version = api, kind = kind, namespace = ns, name = name,
        key = table.concat({ api, kind, ns, name }, "/"), doc = o.doc,
        object = object, compared = placed(object, ns) }
    end
  end
  return out, warnings
end

local function kept(resource)
  local meta = resource.object.metadata
  local ann = value.kind(meta) == "map" and meta.annotations
  return value.kind(ann) == "map" and ann[KEEP] == "keep"
end

-- The text shown for one side: the "# Source:" line, then the normalised YAML.
local function text_of(resource, object)
  if not object then return "" end
  local body = assert(yaml.encode(object))
  if resource.doc.source then return "# Source: " .. resource.doc.source .. "\n" .. body end
  return body
end

local function suppressed(kind, list)
  for _, k in ipairs(list or {}) do
    if k == kind then return true end
  end
  return false
end

-- One change between an old resource and a new one (either may be nil).
local function make_change(opts, action, old, new, current)
  local r = new or old
  if action == "remove" then r = old end
  local change = { key = r.key, api_version = r.api_version, kind = r.kind,
    group = identity.group(r.api_version), namespace = r.namespace, name = r.name,
    action = action, drift = current ~= nil }
  if suppressed(r.kind, opts.suppress) then
    change.suppressed, change.old, change.new, change.lines = true, "", "", {}
    return change
  end
  local old_obj = current or (old and old.object)
  local new_obj = new and new.object
  if action == "add" then old_obj = nil end
  if action == "remove" then new_obj = nil end
  if normalize.is_secret(r.object) and opts.show_secrets ~= true then
    old_obj, new_obj = secrets.display(old_obj, new_obj, opts.show_secrets)
  end
  local old_text = old_obj and text_of(old, old_obj) or ""
  local new_text = new_obj and text_of(new, new_obj) or ""
  change.lines = lines.diff(lines.split(old_text), lines.split(new_text))
  change.old, change.new = old_text, new_text
  return change
end

-- Whether the lines of one side of masked records are the lines of the masked text.
local function side_matches(records, skip, text)
  local want, i = lines.split(text), 0
  for _, rec in ipairs(records) do
    if rec.op ~= skip then
      i = i + 1
      if want[i] ~= rec.text then return false end
    end
  end
  return i == #want
end

-- Masks every text of a change. Lines are masked one by one so a changed secret value still
-- shows as a changed line; when a masked value spans lines (which masking line by line cannot
-- see) the diff is taken of the masked texts instead.
local function mask_change(change, mask)
  for _, f in ipairs { "key", "namespace", "name", "old", "new" } do change[f] = mask(change[f]) end
  if change.renamed_to then change.renamed_to = mask(change.renamed_to) end
  for _, rec in ipairs(change.lines) do rec.text = mask(rec.text) end
  if not (side_matches(change.lines, "+", change.old) and side_matches(change.lines, "-", change.new)) then
    change.lines = lines.diff(lines.split(change.old), lines.split(change.new))
  end
  return change
end

local function sorted(map)
  local list = {}
  for _, r in pairs(map) do list[#list + 1] = r end
  table.sort(list, function(a, b)
    local ta, tb = identity.title(a), identity.title(b)
    if ta ~= tb then return ta < tb end
    return a.id < b.id
  end)
  return list
end

-- The live object for a resource: by its key, else by any version of its identity.
local function live_of(live, by_identity, r)
  local obj = live[r.key]
  if obj == nil then obj = by_identity[r.id] end
  return obj
end

local function live_index(live, opts)
  local by_identity = {}
  for _, obj in pairs(live) do
    if value.kind(obj) == "map" then
      local api, kind, ns, name = identity.parts(obj, opts.namespace, opts.cluster_scoped)
      by_identity[identity.identity(api, kind, ns, name)] = obj
    end
  end
  return by_identity
end

-- The deployed object as the server holds it for the fields `new` sets, when that differs
-- from the deployed manifest (drift); nil when it does not.
local function current_state(old, new, live_obj)
  local projected = drift.project(normalize.object(live_obj), new.object)
  local current = drift.overlay(old.object, projected, new.object)
  if value.equal(current, old.object) then return nil end
  return current
end

-- Pairs removed and added resources of one kind whose texts differ in less than `fraction`
-- of their lines (helm-diff's --find-renames).
local function find_renames(removed, added, fraction)
  local pairs_found, left = {}, {}
  local taken = {}
  for _, old in ipairs(removed) do
    local best, best_fraction = nil, math.huge
    for i, new in ipairs(added) do
      if not taken[i] and new.kind == old.kind then
        local recs = lines.diff(lines.split(text_of(old, old.object)), lines.split(text_of(new, new.object)))
        local f = lines.changes(recs) / #recs
        if f > 0 and f < best_fraction then best, best_fraction = i, f end
      end
    end
    if best and best_fraction < fraction then
      taken[best] = true
      pairs_found[#pairs_found + 1] = { old, added[best] }
    else
      left[#left + 1] = old
    end
  end
  local rest = {}
  for i, new in ipairs(added) do
    if not taken[i] then rest[#rest + 1] = new end
  end
  return pairs_found, left, rest
end

--- See hfl.diff.compare.
function M.run(opts)
  local mask = opts.mask or function(s) return s end
  local prefix = opts.release and ("release %q: "):format(opts.release) or ""
  local old_index, old_warn = index(opts.old or "", opts, prefix .. "deployed")
  if not old_index then return nil, mask(old_warn) end
  local new_index, new_warn = index(opts.new or "", opts, prefix .. "desired")
  if not new_index then return nil, mask(new_warn) end
  local by_identity = opts.live and live_index(opts.live, opts)
  local changes, removed, added = {}, {}, {}
  local function push(c) changes[#changes + 1] = c end

  for _, old in ipairs(sorted(old_index)) do
    local new = new_index[old.id]
    if not new then
      if not kept(old) then removed[#removed + 1] = old end
    elseif opts.live and live_of(opts.live, by_identity, new) == nil then
      push(make_change(opts, "add", nil, new, nil))
      changes[#changes].drift = true
    else
      local current = opts.live and current_state(old, new, live_of(opts.live, by_identity, new))
      if current or not value.equal(old.compared, new.compared) then
        push(make_change(opts, "change", old, new, current))
      end
    end
  end
  for _, new in ipairs(sorted(new_index)) do
    if not old_index[new.id] then added[#added + 1] = new end
  end
  if (opts.find_renames or 0) > 0 then
    local renamed
    renamed, removed, added = find_renames(removed, added, opts.find_renames)
    for _, p in ipairs(renamed) do
      local c = make_change(opts, "change", p[1], p[2], nil)
      c.key, c.namespace, c.name, c.renamed_to = p[1].key, p[1].namespace, p[1].name, p[2].key
      push(c)
    end
  end
  for _, old in ipairs(removed) do push(make_change(opts, "remove", old, nil, nil)) end
  for _, new in ipairs(added) do push(make_change(opts, "add", nil, new, nil)) end

  local warnings = {}
  for _, w in ipairs(old_warn) do warnings[#warnings + 1] = mask(w) end
  for _, w in ipairs(new_warn) do warnings[#warnings + 1] = mask(w) end
  for _, c in ipairs(changes) do mask_change(c, mask) end
  return { changes = changes, changed = #changes > 0, warnings = warnings }
end

return M
