--- hfl.chartify.jsonpatch: JSON Patch (RFC 6902) over hfl.value trees, and a release's
--- `jsonPatches` applied to its rendered objects (hfl.chartify step 3), in process.
--
-- A `jsonPatches` item is Helmfile's (chartify's) shape: `target:` selects objects as a
-- kustomize patch target does — group, version, kind, name, namespace as anchored regular
-- expressions, labelSelector and annotationSelector — and `patch:` is the list of operations,
-- or `path:` names a file holding it. An item that selects no object changes nothing, as
-- kustomize's `patches` do.
local fs = require "hfl.fs"
local items = require "hfl.chartify.items"
local regex = require "hfl.regex"
local value = require "hfl.value"
local yaml = require "hfl.yaml"

local M = {}

local type, tostring, tonumber, fmt = type, tostring, tonumber, string.format
local null, kind, copy = value.null, value.kind, value.copy

------------------------------------------------------------------------------------------
-- JSON pointers (RFC 6901).

--- The reference tokens of a JSON pointer ("" is the whole document).
---@param pointer string
---@return string[]|nil tokens, string|nil err
function M.tokens(pointer)
  if type(pointer) ~= "string" then return nil, "the path must be a string (a JSON pointer)" end
  local out = {}
  if pointer == "" then return out end
  if pointer:sub(1, 1) ~= "/" then
    return nil, fmt("%q is not a JSON pointer (it must start with /)", pointer)
  end
  for raw in (pointer:sub(2) .. "/"):gmatch("([^/]*)/") do
    if raw:find("~[^01]") or raw:sub(-1) == "~" then
      return nil, fmt("%q: ~ must be followed by 0 or 1 (~0 is ~, ~1 is /)", pointer)
    end
    out[#out + 1] = raw:gsub("~1", "/"):gsub("~0", "~")
  end
  return out
end

-- A list index token: digits without a leading zero (0-based), or nil.
local function index_of(tok)
  if tok == "0" or tok:match("^[1-9]%d*$") then return tonumber(tok) end
  return nil
end

local function is_container(v)
  local k = kind(v)
  return k == "map" or k == "list", k
end

-- The value at tokens[1..n] of doc, or nil, err.
local function walk(doc, tokens, n, pointer)
  local cur = doc
  for i = 1, n do
    local tok = tokens[i]
    local ok, k = is_container(cur)
    if not ok then
      local at = i == 1 and "the document" or "/" .. table.concat(tokens, "/", 1, i - 1)
      return nil, fmt("%s: %s is not a map or a list", pointer, at)
    end
    if k == "map" then
      cur = cur[tok]
    else
      local idx = index_of(tok)
      if not idx then return nil, fmt("%s: %q is not an index of a list", pointer, tok) end
      cur = cur[idx + 1]
    end
    if cur == nil then return nil, fmt("%s: no such path", pointer) end
  end
  return cur
end

-- Number-aware deep equality (RFC 6902 §4.6: numbers equal when their values are).
local function same(a, b)
  local ka, kb = kind(a), kind(b)
  if (ka == "int" or ka == "float") and (kb == "int" or kb == "float") then
    return value.tonumber(a) == value.tonumber(b)
  end
  if ka ~= kb then return false end
  if ka == "map" then
    for k, v in pairs(a) do if b[k] == nil or not same(v, b[k]) then return false end end
    for k in pairs(b) do if a[k] == nil then return false end end
    return true
  elseif ka == "list" then
    if #a ~= #b then return false end
    for i = 1, #a do if not same(a[i], b[i]) then return false end end
    return true
  end
  return a == b
end

------------------------------------------------------------------------------------------
-- Operations. Each takes (doc, op) and returns the (possibly new) document, or nil, err.

-- The container holding the last token of pointer, and that token; false for "" (the
-- document itself); nil, err when the pointer is bad or its parent does not exist.
local function parent_of(doc, pointer)
  local tokens, err = M.tokens(pointer)
  if not tokens then return nil, err end
  if #tokens == 0 then return false end
  local parent, perr = walk(doc, tokens, #tokens - 1, pointer)
  if parent == nil then return nil, perr end
  if not is_container(parent) then return nil, fmt("%s: the parent is not a map or a list", pointer) end
  return parent, tokens[#tokens]
end

local function add(doc, pointer, v)
  local parent, tok = parent_of(doc, pointer)
  if parent == nil then return nil, tok end
  if parent == false then return v end  -- "" replaces the whole document
  if kind(parent) == "map" then
    parent[tok] = v
    return doc
  end
  local n = #parent
  local idx = tok == "-" and n or index_of(tok)
  if not idx then return nil, fmt("%s: %q is not an index of a list (or - to append)", pointer, tok) end
  if idx > n then return nil, fmt("%s: index %d is past the end of a list of %d", pointer, idx, n) end
  table.insert(parent, idx + 1, v)
  return doc
end

-- Removes the value at pointer: the value and the document left (null for ""), or nil, err.
local function take(doc, pointer)
  local parent, tok = parent_of(doc, pointer)
  if parent == nil then return nil, tok end
  if parent == false then return doc, null end
  if kind(parent) == "map" then
    local v = parent[tok]
    if v == nil then return nil, fmt("%s: no such path", pointer) end
    parent[tok] = nil
    return v, doc
  end
  local idx = index_of(tok)
  if not idx then return nil, fmt("%s: %q is not an index of a list", pointer, tok) end
  if idx >= #parent then return nil, fmt("%s: index %d is past the end of a list of %d", pointer, idx, #parent) end
  return table.remove(parent, idx + 1), doc
end

local function get(doc, pointer)
  local tokens, err = M.tokens(pointer)
  if not tokens then return nil, err end
  return walk(doc, tokens, #tokens, pointer)
end

local function describe(v)
  local k = kind(v)
  if k == "map" or k == "list" then return "a " .. k end
  if k == "string" then return fmt("%q", v) end
  if k == "null" then return "null" end
  return tostring(value.tonumber(v))
end

local OPS = {}

function OPS.add(doc, op) return add(doc, op.path, copy(op.value)) end

function OPS.remove(doc, op)
  local v, rest = take(doc, op.path)
  if v == nil then return nil, rest end
  return rest
end

function OPS.replace(doc, op)
  local cur, err = get(doc, op.path)
  if cur == nil then return nil, err end
  if op.path == "" then return copy(op.value) end
  local v, rest = take(doc, op.path)
  if v == nil then return nil, rest end
  return add(rest, op.path, copy(op.value))
end

-- "from" must not be a proper prefix of "path" (an object cannot move into its own child).
local function inside(from, path) return path:sub(1, #from + 1) == from .. "/" end

function OPS.move(doc, op)
  if type(op.from) ~= "string" then return nil, "needs from (a JSON pointer)" end
  if op.from == op.path then
    local v, err = get(doc, op.from)
    if v == nil then return nil, err end
    return doc
  end
  if inside(op.from, op.path) then return nil, fmt("cannot move %s into its own child %s", op.from, op.path) end
  local v, rest = take(doc, op.from)
  if v == nil then return nil, rest end
  return add(rest, op.path, v)
end

function OPS.copy(doc, op)
  if type(op.from) ~= "string" then return nil, "needs from (a JSON pointer)" end
  local v, err = get(doc, op.from)
  if v == nil then return nil, err end
  return add(doc, op.path, copy(v))
end

function OPS.test(doc, op)
  local v, err = get(doc, op.path)
  if v == nil then return nil, fmt("test failed: %s", err) end
  if not same(v, op.value) then
    return nil, fmt("test failed at %s: the value is %s, not %s", op.path == "" and "the document" or op.path,
      describe(v), describe(op.value))
  end
  return doc
end

local NEEDS_VALUE = { add = true, replace = true, test = true }

--- Applies JSON Patch operations (RFC 6902) to doc, in order; the document is changed in place
--- (the result is a new root only when an operation targets "" itself). Values are copied in,
--- so one list of operations can patch many documents.
---@param doc any  an hfl.value tree
---@param ops table  list of { op =, path =, value =, from = } maps
---@return any|nil doc, string|nil err  "patch[I] (OP PATH): what is wrong" (I 0-based)
function M.apply(doc, ops)
  if kind(ops) ~= "list" then
    return nil, fmt("the patch must be a list of operations, got %s", kind(ops) == "null" and "nothing" or "a " .. kind(ops))
  end
  for i, op in ipairs(ops) do
    local where = fmt("patch[%d]", i - 1)
    if kind(op) ~= "map" then return nil, fmt("%s: an operation must be a map (op:, path:, …)", where) end
    local name = op.op
    local run = type(name) == "string" and OPS[name]
    if not run then
      return nil, fmt("%s: unknown op %s (add, remove, replace, move, copy or test)", where,
        type(name) == "string" and fmt("%q", name) or "(none)")
    end
    where = fmt("%s (%s %s)", where, name, type(op.path) == "string" and op.path or "?")
    if type(op.path) ~= "string" then return nil, where .. ": needs path (a JSON pointer)" end
    if NEEDS_VALUE[name] and op.value == nil then return nil, where .. ": needs value" end
    local out, err = run(doc, op)
    if out == nil then return nil, where .. ": " .. err end
    doc = out
  end
  return doc
end

------------------------------------------------------------------------------------------
-- Targets.

local TARGET_KEYS = { group = true, version = true, kind = true, name = true, namespace = true,
  labelSelector = true, annotationSelector = true }

-- "apps/v1" → "apps", "v1"; "v1" → "", "v1".
local function group_version(doc)
  local av = type(doc.apiVersion) == "string" and doc.apiVersion or ""
  local g, v = av:match("^(.*)/([^/]*)$")
  if g then return g, v end
  return "", av
end

local function anchored(field, pattern)
  local re, msg = regex.compile("^(?:" .. pattern .. ")$")
  if not re then return nil, fmt("target.%s: %q is not a regular expression: %s", field, pattern, msg) end
  return re
end

-- One requirement of a label selector: "k=v", "k==v", "k!=v", "k", "!k", "k in (a,b)", "k notin (a,b)".
local function requirement(text)
  text = text:match("^%s*(.-)%s*$")
  local k, set = text:match("^([%w%._/%-]+)%s+in%s*%((.-)%)$")
  local negate = false
  if not k then
    k, set = text:match("^([%w%._/%-]+)%s+notin%s*%((.-)%)$")
    negate = k ~= nil
  end
  if k then
    local values = {}
    for v in (set .. ","):gmatch("%s*(.-)%s*,") do values[v] = true end
    return function(labels)
      local v = labels[k]
      local hit = type(v) == "string" and values[v] == true
      if negate then return not hit end
      return hit
    end
  end
  local key, op, v = text:match("^([%w%._/%-]+)%s*([!=]?=)%s*([%w%._%-]*)$")
  if key then
    if op == "!=" then return function(labels) return labels[key] ~= v end end
    return function(labels) return labels[key] == v end
  end
  key = text:match("^!%s*([%w%._/%-]+)$")
  if key then return function(labels) return labels[key] == nil end end
  key = text:match("^([%w%._/%-]+)$")
  if key then return function(labels) return labels[key] ~= nil end end
  return nil
end

-- Splits "a=b,c in (x,y)" on the commas outside parentheses.
local function split_requirements(text)
  local out, depth, cur = {}, 0, {}
  for c in text:gmatch(".") do
    if c == "(" then depth = depth + 1 elseif c == ")" then depth = depth - 1 end
    if c == "," and depth == 0 then
      out[#out + 1] = table.concat(cur)
      cur = {}
    else
      cur[#cur + 1] = c
    end
  end
  out[#out + 1] = table.concat(cur)
  return out
end

local function selector(field, text)
  local reqs = {}
  for _, part in ipairs(split_requirements(text)) do
    if part:match("%S") then
      local r = requirement(part)
      if not r then
        return nil, fmt("target.%s: cannot read %q (key=value, key!=value, key, !key, key in (a,b), key notin (a,b))",
          field, part:match("^%s*(.-)%s*$"))
      end
      reqs[#reqs + 1] = r
    end
  end
  return function(map)
    local labels = {}
    if kind(map) == "map" then for k, v in pairs(map) do labels[k] = v end end
    for _, r in ipairs(reqs) do if not r(labels) then return false end end
    return true
  end
end

--- A predicate over objects (hfl.value maps) from a patch target, or nil, err.
---@param target table|nil  { group=, version=, kind=, name=, namespace=, labelSelector=, annotationSelector= }
---@return function|nil matches, string|nil err
function M.target(target)
  if target == nil or target == null then return function() return true end end
  if kind(target) ~= "map" then return nil, "target must be a map (group, version, kind, name, namespace, …)" end
  local tests = {}
  for _, field in ipairs(value.keys(target)) do
    local want = target[field]
    if not TARGET_KEYS[field] then
      return nil, fmt("target: unknown field %q (group, version, kind, name, namespace, labelSelector, annotationSelector)", tostring(field))
    end
    if type(want) ~= "string" then return nil, fmt("target.%s must be a string", field) end
    if want ~= "" then
      if field == "labelSelector" or field == "annotationSelector" then
        local sel, err = selector(field, want)
        if not sel then return nil, err end
        local key = field == "labelSelector" and "labels" or "annotations"
        tests[#tests + 1] = function(doc)
          local meta = doc.metadata
          return sel(kind(meta) == "map" and meta[key] or nil)
        end
      else
        local re, err = anchored(field, want)
        if not re then return nil, err end
        tests[#tests + 1] = function(doc)
          local g, v = group_version(doc)
          local meta = kind(doc.metadata) == "map" and doc.metadata or {}
          local got = ({ group = g, version = v, kind = doc.kind, name = meta.name,
            namespace = meta.namespace })[field]
          if type(got) ~= "string" then got = "" end
          return re:exec(got) ~= nil
        end
      end
    end
  end
  return function(doc)
    for _, t in ipairs(tests) do if not t(doc) then return false end end
    return true
  end
end

------------------------------------------------------------------------------------------
-- A release's jsonPatches.

-- "ConfigMap/web in apps" for messages.
local function object_name(doc)
  local meta = kind(doc.metadata) == "map" and doc.metadata or {}
  local s = fmt("%s/%s", tostring(doc.kind or "?"), tostring(meta.name or "?"))
  if type(meta.namespace) == "string" and meta.namespace ~= "" then s = s .. " in " .. meta.namespace end
  return s
end

-- "file:line" of operation i of an item read from a file, or the file.
local function op_position(item, i)
  if not item.file then return nil end
  local doc = yaml.decode(item.text, { filename = item.file, lines = true })
  local patch = kind(doc) == "map" and doc.patch
  local line = kind(patch) == "list" and value.line(patch, i)
  if line then return fmt("%s:%d", item.file, line) end
  return item.file
end

-- The operations of an item: its `patch:` list, or the file its `path:` names.
local function operations(item, basedir)
  local v = item.value
  if kind(v) ~= "map" then return nil, "must be a map with target: and patch: (or path:)" end
  for _, k in ipairs(value.keys(v)) do
    if k ~= "target" and k ~= "patch" and k ~= "path" then
      return nil, fmt("unknown field %q (target, patch, path)", tostring(k))
    end
  end
  if v.patch ~= nil and v.patch ~= null then return v.patch end
  if type(v.path) == "string" and v.path ~= "" then
    local dir = item.file and fs.dirname(item.file) or basedir
    local path = fs.abs(v.path, dir)
    local text, err = fs.read(path)
    if not text then return nil, err end
    local ops, derr = yaml.decode(text, { filename = path })
    if derr then return nil, derr end
    return ops
  end
  return nil, 'needs "patch" (a list of operations) or "path" (a file holding them)'
end

--- Applies items (hfl.chartify.items.read of "jsonPatches") to objects, in order.
---@param name string  the release name, for messages
---@param list table[]  { value =, file =, text =, index = }
---@param objects table[]  { doc =, source = }
---@param basedir string  where a `path:` of an inline item is relative to
---@return table[]|nil objects, string|nil err
function M.apply_items(name, list, objects, basedir)
  for _, item in ipairs(list) do
    local where = fmt('release "%s": jsonPatches[%d]', name, item.index - 1)
    if item.file then where = fmt("%s (%s)", where, item.file) end
    local ops, oerr = operations(item, basedir)
    if not ops then return nil, fmt("%s: %s", where, oerr) end
    local matches, terr = M.target(item.value.target)
    if not matches then return nil, fmt("%s: %s", where, terr) end
    for _, o in ipairs(objects) do
      if matches(o.doc) then
        local doc, err = M.apply(o.doc, ops)
        if doc == nil then
          local i = tonumber(err:match("^patch%[(%d+)%]"))
          local pos = i and op_position(item, i + 1)
          local at = pos and fmt('release "%s": jsonPatches[%d] (%s)', name, item.index - 1, pos) or where
          return nil, fmt("%s: %s: %s", at, object_name(o.doc), err)
        end
        if kind(doc) ~= "map" then
          return nil, fmt("%s: %s: the patch made the object %s, not a map", where, object_name(o.doc), describe(doc))
        end
        o.doc = doc
      end
    end
  end
  return objects
end

--- The objects after the release's jsonPatches (in place; objects a patch selects change).
---@param r table  a Release
---@param objects table[]  { doc = hfl.value map, source = "chart/templates/x.yaml" }
---@param ctx table|nil  { session =, prep = }
---@return table[]|nil objects, string|nil err
function M.apply_release(r, objects, ctx)
  local _ = ctx
  local list, err = items.read(r, "jsonPatches")
  if not list then return nil, err end
  if #list == 0 then return objects end
  return M.apply_items(r.name, list, objects, r.state and r.state.dir or fs.cwd())
end

return M
