--- hfl.unittest.path: the two path syntaxes of helm-unittest suites.
---
--- Assertion paths (`path: spec.template.spec.containers[0].image`) are the subset of
--- yaml-jsonpath that suites use: dotted names, `["key.with.dots"]` / `['key']`, `[N]` (negative
--- from the end), `[*]` / `.*`, and filters `[?(@.a.b == "v")]` / `!=` (on a list: its elements;
--- on a map: the map itself, as helm-unittest's yaml-jsonpath does). A path selects zero or
--- more values; none is not an error (the assertion reports "unknown path").
---
--- Set paths (the keys of `set:`) are `--set` style: `a.b[0].c`, `a.[some.key]` for a key with dots.
local value = require "hfl.value"

local M = {}

local fmt = string.format

local function parse_literal(s)
  s = s:match("^%s*(.-)%s*$")
  local q = s:match("^\"(.*)\"$") or s:match("^'(.*)'$")
  if q then return q end
  if s == "true" then return true end
  if s == "false" then return false end
  if s == "null" then return value.null end
  local n = tonumber(s)
  if n then return n end
  return nil
end

-- A filter's inside `@.a.b == "v"`: the sub-path, the operator and the literal.
local function parse_filter(body, path)
  local sub, op, lit = body:match("^%s*@%.?([%w_%-%.]*)%s*([!=]=)%s*(.-)%s*$")
  if not sub then
    return nil, fmt("path %q: only filters of the form [?(@.key == value)] or != are supported", path)
  end
  local v = parse_literal(lit)
  if v == nil then return nil, fmt("path %q: cannot read the filter's value %q", path, lit) end
  local steps = {}
  for name in sub:gmatch("[^.]+") do steps[#steps + 1] = { kind = "key", key = name } end
  return { kind = "filter", steps = steps, op = op, value = v }
end

-- `[...]` starting at i (the "["): the step and the index after "]".
local function bracket(path, i)
  local c = path:sub(i + 1, i + 1)
  if c == '"' or c == "'" then
    local close = path:find(c .. "]", i + 2, true)
    if not close then return nil, fmt("path %q: unterminated %s in [...]", path, c) end
    return { kind = "key", key = path:sub(i + 2, close - 1) }, close + 2
  end
  if path:sub(i + 1, i + 2) == "?(" then
    local close = path:find(")]", i + 3, true)
    if not close then return nil, fmt("path %q: unterminated filter [?(...)]", path) end
    local step, err = parse_filter(path:sub(i + 3, close - 1), path)
    if not step then return nil, err end
    return step, close + 2
  end
  local close = path:find("]", i + 1, true)
  if not close then return nil, fmt("path %q: missing ]", path) end
  local inner = path:sub(i + 1, close - 1):match("^%s*(.-)%s*$")
  if inner == "*" then return { kind = "all" }, close + 1 end
  if inner:match("^%-?%d+$") then return { kind = "index", index = tonumber(inner) }, close + 1 end
  return nil, fmt("path %q: [%s] is not supported (use [N], [*], [\"key\"] or [?(@.key == value)])",
    path, inner)
end

--- Parses an assertion path into steps.
---@param path string
---@return table[]|nil steps, string|nil err
function M.parse(path)
  if type(path) ~= "string" then return nil, "path must be a string" end
  local p = path
  if p:sub(1, 1) == "$" then p = p:sub(2) end
  if p:sub(1, 1) == "." then p = p:sub(2) end
  local steps, i, n = {}, 1, #p
  while i <= n do
    local c = p:sub(i, i)
    if c == "[" then
      local step, nxt = bracket(p, i)
      if not step then return nil, nxt end
      steps[#steps + 1], i = step, nxt
    elseif c == "." then
      if p:sub(i + 1, i + 1) == "." then
        return nil, fmt("path %q: recursive descent (..) is not supported", path)
      end
      i = i + 1
      if i > n or p:sub(i, i) == "[" or p:sub(i, i) == "." then
        return nil, fmt("path %q: a name must follow \".\"", path)
      end
    else
      local name = p:match("^[^%.%[]+", i)
      if name:find("[%]%(%)@?]") or (name:find("*", 1, true) and name ~= "*") then
        return nil, fmt("path %q: %q is not a key this path syntax reads", path, name)
      end
      steps[#steps + 1] = name == "*" and { kind = "all" } or { kind = "key", key = name }
      i = i + #name
    end
  end
  return steps
end

local function children(v)
  local out = {}
  local k = value.kind(v)
  if k == "list" then
    for j = 1, #v do out[#out + 1] = v[j] end
  elseif k == "map" then
    for _, key in ipairs(value.keys(v)) do out[#out + 1] = v[key] end
  end
  return out
end

local function walk(v, steps, from, to)
  local cur = { v }
  for s = from, to do
    local step, nxt = steps[s], {}
    for _, x in ipairs(cur) do
      local kind = value.kind(x)
      if step.kind == "key" then
        if kind == "map" and x[step.key] ~= nil then nxt[#nxt + 1] = x[step.key] end
      elseif step.kind == "index" then
        if kind == "list" then
          local idx = step.index >= 0 and step.index + 1 or #x + step.index + 1
          if x[idx] ~= nil then nxt[#nxt + 1] = x[idx] end
        end
      elseif step.kind == "all" then
        for _, c in ipairs(children(x)) do nxt[#nxt + 1] = c end
      elseif step.kind == "filter" then
        -- on a list the filter picks elements; on a map (`$[?(@.kind == "Pod")]`) the map itself
        local candidates = kind == "map" and { x } or children(x)
        for _, c in ipairs(candidates) do
          local found = walk(c, step.steps, 1, #step.steps)
          local hit = false
          for _, f in ipairs(found) do
            if value.equal(f, step.value) then hit = true break end
          end
          if (step.op == "==") == hit and (step.op == "==" or #found > 0) then nxt[#nxt + 1] = c end
        end
      end
    end
    cur = nxt
  end
  return cur
end

--- The values a parsed path selects in v (a list, empty when the path leads nowhere).
---@param v any
---@param steps table[]  from M.parse
---@return any[]
function M.get(v, steps)
  if #steps == 0 then return { v } end
  return walk(v, steps, 1, #steps)
end

--- Parses a `set:` key (`a.b[0].c`, `a.[key.with.dots]`) into keys (strings) and indexes (numbers).
---@param path string
---@return (string|integer)[]|nil cursors, string|nil err
function M.parse_set(path)
  if type(path) ~= "string" or path == "" then return nil, "set path is empty" end
  local out, i, n = {}, 1, #path
  local expect_key = true
  while i <= n do
    local c = path:sub(i, i)
    if c == "[" then
      local close = path:find("]", i + 1, true)
      if not close then return nil, fmt("set path %q: missing ]", path) end
      local inner = path:sub(i + 1, close - 1)
      if expect_key then
        out[#out + 1] = inner -- `[a.b]` where a key is expected: a key with dots
      elseif inner:match("^%d+$") then
        out[#out + 1] = tonumber(inner)
      else
        return nil, fmt("set path %q: [%s] is not an index", path, inner)
      end
      expect_key, i = false, close + 1
    elseif c == "." then
      expect_key, i = true, i + 1
    else
      local name = path:match("^[^%.%[%]]+", i)
      if not name then return nil, fmt("set path %q: unexpected %q", path, c) end
      if name:find("[,{}=]") then return nil, fmt("set path %q: invalid token in %q", path, name) end
      out[#out + 1] = name
      expect_key, i = false, i + #name
    end
  end
  return out
end

--- The value `{a = {b = {…, v}}}` a set path builds (indexes make lists padded with null).
---@param cursors (string|integer)[]
---@param v any
---@return table
function M.build_set(cursors, v)
  local root = value.map()
  local cur = root
  for d, c in ipairs(cursors) do
    local nxt
    if d == #cursors then
      nxt = v
    elseif type(cursors[d + 1]) == "number" then
      nxt = value.list()
      for j = 1, cursors[d + 1] + 1 do nxt[j] = value.null end
    else
      nxt = value.map()
    end
    if type(c) == "number" then cur[c + 1] = nxt else cur[c] = nxt end
    cur = nxt
  end
  return root
end

return M
