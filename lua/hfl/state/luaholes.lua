--- The first pass over a helmfile.lua that declares environments, bases or values (see
--- hfl.state.luafile.first_pass) runs before `values` are known: they are what those
--- declarations define. There a key that is not known yet reads as a hole: indexing, calling,
--- concatenating, computing with or comparing it goes on instead of failing on
--- `values.db.enabled`, `values.namespace .. "/x"` or `values.replicas > 2`, so the body reaches
--- its declarations. Nothing of that pass but its declarations is kept.
--
-- A hole is a cdata of an empty struct type made for one evaluation (hfl.state.luaholes.new):
-- LuaJIT calls a cdata's metamethods for mixed operands (`hole > 2`, `2 + hole`, `"a" .. hole`),
-- where a table's __lt is never called against a number. Each hole maps to the path it stands
-- for (`values.db.replicas`), so an error can say which value was not known.
local ffi = require("ffi")
local value = require("hfl.value")

local M = {}

local type, next, select, rawequal, setmetatable, tostring = type, next, select, rawequal, setmetatable, tostring
local getrealmt = debug.getmetatable
local null, map_mt = value.null, value.map_mt
local istype = ffi.istype

local function nothing() return nil end
local function no_pairs() return nothing, nil, nil end

-- "values.db" + "replicas" → "values.db.replicas"; other keys as Lua indexes them.
local function child_path(path, k)
  if type(k) == "string" and k:match("^[%a_][%w_]*$") then return path .. "." .. k end
  if type(k) == "string" then return path .. "[" .. string.format("%q", k) .. "]" end
  return path .. "[" .. tostring(k) .. "]"
end

--- The holes of one evaluation.
---@param st table the evaluation's record: st.touched is set when a key not known is read;
---   st.kinds (weak table) records the kind of each values copy
---@return table holes { values = fn(v), function_for = fn(name, f), is_hole = fn(v), path = fn(v) }
function M.new(st)
  -- a fresh anonymous type per evaluation: its metatable closes over this evaluation alone.
  -- ffi.new parses the declaration anew each call (busted's patched ffi.typeof returns one type
  -- per declaration string)
  local ctype = ffi.typeof(ffi.new("struct {}"))
  local paths = setmetatable({}, { __mode = "k" })
  local H = {}

  local function hole(path)
    local h = ctype()
    paths[h] = path
    return h
  end
  local function is_hole(v) return istype(ctype, v) end
  -- The hole an operation on a and b gives: it stands for the first hole operand's value.
  local function derived(a, b)
    if is_hole(a) then return hole(paths[a]) end
    return hole(paths[b])
  end
  local function never() return false end

  ffi.metatype(ctype, {
    __index = function(h, k) return hole(child_path(paths[h], k)) end,
    __newindex = nothing,
    __call = function(h) return hole(paths[h] .. "(…)") end,
    __concat = derived, __add = derived, __sub = derived, __mul = derived, __div = derived,
    __mod = derived, __pow = derived, __unm = derived,
    -- whichever branch a comparison takes, the pass keeps only the declarations
    __lt = never, __le = never, __eq = never,
    -- a list not known yet has no items: `#x` is 0 and loops over it run no iteration
    __len = function() return 0 end,
    __pairs = no_pairs, __ipairs = no_pairs,
    __tostring = function(h) return "<" .. paths[h] .. " not known yet>" end,
  })

  --- Whether v is a hole of this evaluation.
  ---@return boolean
  H.is_hole = is_hole

  --- The path a hole stands for ("values.db.replicas"), or nil when v is no hole.
  ---@return string|nil
  function H.path(v)
    if is_hole(v) then return paths[v] end
    return nil
  end

  -- Whether v is a hole or holds one (within a few levels: what a function argument carries).
  local function has_hole(v, depth)
    if is_hole(v) then return true end
    if type(v) ~= "table" or depth > 4 then return false end
    for k, x in next, v do
      if has_hole(k, depth + 1) or has_hole(x, depth + 1) then return true end
    end
    return false
  end

  --- A template function as the first pass sees it: called with a hole, it gives a hole (its
  --- result is not known either); exec and envExec are not run at all there (their result is a
  --- hole), so a command never runs with arguments chosen from stand-ins.
  ---@param name string
  ---@param f function
  ---@return function
  function H.function_for(name, f)
    local result = name .. "(…)"
    if name == "exec" or name == "envExec" then return function() return hole(result) end end
    return function(...)
      for i = 1, select("#", ...) do
        if has_hole((select(i, ...)), 1) then return hole(result) end
      end
      return f(...)
    end
  end

  --- A copy of values whose missing keys read as holes (and set st.touched). Maps keep their
  --- key order and both kinds are recorded in st.kinds, so an exact first pass converts them as
  --- it would the plain copy.
  ---@param v any  a value of the values model
  ---@param path string|nil what v is called in the chunk ("values")
  ---@return any
  function H.values(v, path)
    path = path or "values"
    if type(v) ~= "table" or rawequal(v, null) then return v end
    local mt = getrealmt(v)
    if mt == value.float_mt or mt == value.int_mt then return v end
    local is_map = value.kind(v) == "map"
    local out = {}
    if is_map then
      for _, k in ipairs(value.keys(v)) do map_mt.__newindex(out, k, H.values(v[k], child_path(path, k))) end
    else
      for i = 1, #v do out[i] = H.values(v[i], child_path(path, i)) end
    end
    st.kinds[out] = is_map and "map" or "list"
    return setmetatable(out, { __metatable = false, __index = function(_, k)
      st.touched = true
      return hole(child_path(path, k))
    end })
  end

  return H
end

return M
