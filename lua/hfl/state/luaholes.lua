--- The first pass over a helmfile.lua that declares environments, bases or values (see
--- hfl.state.luafile.first_pass) runs before `values` are known: they are what those
--- declarations define. There a key that is not known yet reads as the hole: indexing, calling,
--- concatenating or computing with it gives the hole again, so the body goes on to its
--- declarations instead of failing on `values.db.enabled` or `values.namespace .. "/x"`.
--- Nothing of that pass but its declarations is kept.
local value = require("hfl.value")

local M = {}

local type, next, select, rawequal, setmetatable = type, next, select, rawequal, setmetatable
local getrealmt = debug.getmetatable
local null, map_mt = value.null, value.map_mt

local HOLE_MT = { __metatable = false }
local HOLE = setmetatable({}, HOLE_MT)
local function hole() return HOLE end
HOLE_MT.__index, HOLE_MT.__call, HOLE_MT.__concat, HOLE_MT.__unm = hole, hole, hole, hole
HOLE_MT.__add, HOLE_MT.__sub, HOLE_MT.__mul, HOLE_MT.__div, HOLE_MT.__mod, HOLE_MT.__pow =
  hole, hole, hole, hole, hole, hole
HOLE_MT.__tostring = function() return "<values not known yet>" end

--- Whether v is the hole (raw comparison: never calls a metamethod of the chunk's).
---@return boolean
function M.is_hole(v) return rawequal(v, HOLE) end

-- Whether v is the hole or holds one (within a few levels: what a function argument carries).
local function has_hole(v, depth)
  if rawequal(v, HOLE) then return true end
  if type(v) ~= "table" or depth > 4 then return false end
  for k, x in next, v do
    if has_hole(k, depth + 1) or has_hole(x, depth + 1) then return true end
  end
  return false
end

--- A template function as the first pass sees it: called with a hole, it gives the hole (its
--- result is not known either); exec and envExec are not run at all there (their result is the
--- hole), so a command never runs with arguments chosen from stand-ins.
---@param name string
---@param f function
---@return function
function M.function_for(name, f)
  if name == "exec" or name == "envExec" then return hole end
  return function(...)
    for i = 1, select("#", ...) do
      if has_hole((select(i, ...)), 1) then return HOLE end
    end
    return f(...)
  end
end

--- A copy of values whose missing keys read as the hole (and set st.touched). Maps keep their
--- key order and both kinds are recorded in st.kinds, so an exact first pass converts them as
--- it would the plain copy.
---@param v any  a value of the values model
---@param st table  { touched = boolean, kinds = weak table }
---@return any
function M.values(v, st)
  if type(v) ~= "table" or rawequal(v, null) then return v end
  local mt = getrealmt(v)
  if mt == value.float_mt or mt == value.int_mt then return v end
  local is_map = value.kind(v) == "map"
  local out = {}
  if is_map then
    for _, k in ipairs(value.keys(v)) do map_mt.__newindex(out, k, M.values(v[k], st)) end
  else
    for i = 1, #v do out[i] = M.values(v[i], st) end
  end
  st.kinds[out] = is_map and "map" or "list"
  return setmetatable(out, { __index = function() st.touched = true return HOLE end, __metatable = false })
end

return M
