--- Functions a helmfile.lua hands to hfl as values (a hook's `run`, a release's `health`): each is kept as a callable that runs the chunk's function later, in
--- the sandbox the file was evaluated in — the same globals and the same limits (instruction
--- budget, time limit, memory) as the file itself, counted afresh for each call.
---
---   local call = luafunc.wrap(sb, f)          -- in hfl.state.luafile, while converting
---   local ok, a, b = call(x, y)               -- ok false → a is "hook's file:line: msg"
---   luafunc.where(call)                        --> "helmfile.lua:12"
local crypto = require "hfl.crypto"
local value = require "hfl.value"

local M = {}

local unpack, maxn, fmt = unpack, table.maxn, string.format

-- "path:line" of a chunk function, from the sandbox's chunk tokens.
local function defined_at(sb, f)
  local info = debug.getinfo(f, "S")
  local tok = info and info.source and info.source:match("^=(<chunk%d+>)$")
  local path = tok and sb.paths[tok] or sb.main or "helmfile.lua"
  if info and info.linedefined and info.linedefined > 0 then
    return fmt("%s:%d", path, info.linedefined)
  end
  return path
end

--- Wraps a function of a sandboxed chunk. The result, called, returns true and the function's
--- results, or false and one line naming where the function failed ("path:line: msg"); a
--- message from the function that names no line is prefixed with where it was defined.
---@param sb table  the hfl.state.luasandbox the function's chunk ran in
---@param f function
---@return function call
function M.wrap(sb, f)
  local where = defined_at(sb, f)
  local function call(...)
    local r = { sb:call(f, ...) }
    if r[1] then return unpack(r, 1, maxn(r)) end
    local msg = type(r[2]) == "string" and r[2] or "failed"
    if not msg:match("^[^%s:]+:%d+: ") then msg = where .. ": " .. msg end
    return false, msg
  end
  return call, where
end

--- A digest of the chunk function a wrapped call runs: sha256 of its bytecode without line
--- information, so it changes with the function's code, not with lines moved around it (the
--- values it captures are not part of it). nil for a function wrap did not make.
---@param call function  a result of M.wrap
---@return string|nil hex
function M.digest(call)
  -- the chunk function is call's upvalue `f` (see wrap): read it back rather than keeping a
  -- registry of wrapped functions
  for i = 1, math.huge do
    local name, v = debug.getupvalue(call, i)
    if name == nil then return nil end
    if name == "f" and type(v) == "function" then
      return crypto.hex_digest("sha256", string.dump(v, true))
    end
  end
end

--- Whether v is a function handed over by a helmfile.lua (only they put functions in a state).
---@param v any
---@return boolean
function M.is(v) return type(v) == "function" end

--- What a release looks like to a helmfile.lua function: a plain table of its fields (a copy —
--- the function cannot change the state through it) plus id.
---@param r table  a Release
---@return table
function M.release_view(r)
  return { name = r.name, namespace = r.namespace or "", chart = r.chart or "", version = r.version or "",
    kubeContext = r.kubeContext or "", labels = value.copy(r.labels or value.map()),
    installed = r.installed ~= false, id = r:id() }
end

return M
