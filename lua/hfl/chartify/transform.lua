--- hfl.chartify.transform: the Lua `transform = function(objects, release) … end` of a
--- helmfile.lua release, run last on its rendered objects (hfl.chartify step 3), so what helm
--- installs — and what the diff shows — is what the function made, with Helm 3 and Helm 4 alike
--- (no post-renderer).
--
-- The function runs in its file's sandbox with its limits (hfl.state.luafunc). It gets the
-- objects as a list of Kubernetes objects (hfl.value maps) and a copy of the release; it may
-- change them in place (and return nothing) or return a new list. An object it keeps keeps its
-- source file; an object it makes goes to `<chart>/templates/transform.yaml`.
local luafile = require "hfl.state.luafile"
local luafunc = require "hfl.state.luafunc"
local value = require "hfl.value"

local M = {}

local type, rawget, next, fmt = type, rawget, next, string.format

-- Where objects the function made are written (beside the chart's own templates).
local function new_source(r, objects)
  local first = objects[1] and objects[1].source
  local chart = type(first) == "string" and first:match("^([^/]+)/") or r.name
  return chart .. "/templates/transform.yaml"
end

-- The objects the function left: its result (a list), or the list it was given.
local function result_list(ret, given, where)
  if ret == nil or rawequal(ret, value.null) then return given end
  local what = type(ret)
  if what == "table" then
    -- raw: a table the chunk made may have metamethods; `#` never calls them on a table
    local n, count = #ret, 0
    for _ in next, ret do count = count + 1 end
    if count == n then return ret end
    what = "table with named keys"
  end
  return nil, fmt("%s: must return a list of objects (or nothing, to keep the ones it changed), got a %s",
    where, what)
end

-- Checks one converted object: a map with kind and apiVersion.
local function check_object(doc, i, where)
  if value.kind(doc) ~= "map" then
    return fmt("%s: objects[%d] is a %s, not a Kubernetes object (a map)", where, i, value.kind(doc))
  end
  for _, k in ipairs { "apiVersion", "kind" } do
    if type(doc[k]) ~= "string" or doc[k] == "" then
      return fmt("%s: objects[%d] has no %s", where, i, k)
    end
  end
  return nil
end

--- The objects after the release's transform function (objects unchanged without one).
---@param r table  a Release
---@param objects table[]  { doc = hfl.value map, source = "chart/templates/x.yaml" }
---@param ctx table|nil  { session =, prep = }
---@return table[]|nil objects, string|nil err  `release "NAME": transform: helmfile.lua:12: …`
function M.apply_release(r, objects, ctx)
  local _ = ctx
  local f = r.transform
  if f == nil then return objects end
  local where = fmt('release "%s": transform', r.name)
  local docs, source_of = value.list(), {}
  for i, o in ipairs(objects) do
    docs[i] = o.doc
    source_of[o.doc] = o.source
  end
  local ok, ret = f(docs, luafunc.release_view(r))
  if not ok then return nil, fmt("%s: %s", where, ret) end
  local list, lerr = result_list(ret, docs, where)
  if not list then return nil, lerr end
  local made = new_source(r, objects)
  local out = {}
  for i = 1, #list do
    local raw = rawget(list, i)
    local doc, cerr = luafile.to_value(raw)
    if doc == nil then
      -- "the result: msg" is the object itself; "metadata.labels: msg" a path inside it
      local rest = cerr:match("^the result: (.*)$")
      local msg = rest and (": " .. rest) or ((cerr:match("^%[") and "" or ".") .. cerr)
      return nil, fmt("%s: objects[%d]%s", where, i, msg)
    end
    local bad = check_object(doc, i, where)
    if bad then return nil, bad end
    out[i] = { doc = doc, source = type(raw) == "table" and source_of[raw] or made }
  end
  return out
end

--- What of the transform function goes into the release's digest ("" without one): a digest
--- of its code (hfl.state.luafunc.digest).
---@param r table  a Release
---@return string
function M.digest_part(r)
  local f = r.transform
  if f == nil then return "" end
  return "transform:" .. (luafunc.digest(f) or "?")
end

return M
