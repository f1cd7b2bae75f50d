--- The sandbox helmfile.lua and `.lua` values files run in: a fresh global table of safe
--- builtins (no io, os.execute, require of modules, load, debug, setfenv, string.dump,
--- collectgarbage, coroutine), an instruction budget, a wall-clock limit and a memory limit
--- enforced by a count hook, a memory cap in the allocator (hfl.core.memcap) for what one
--- instruction allocates at once, pattern calls with a large worst case run in Lua
--- (hfl.state.luapattern) where the hook reaches them, and errors as one line "path:line: msg"
--- (never a traceback, never a frame of hfl's own).
--
--   local sb = sandbox.new{ basedir = dir, budget = 50e6, timeout = 30 }
--   sb.env.answer = 42                          -- more globals
--   local fn, err = sb:load(path)               -- text chunks only, runs with sb.env
--   local ok, result = sb:run(fn)               -- ok = false → result is the message
--
-- Why a count hook works under LuaJIT: every chunk is loaded with jit.off(fn, true), so its
-- loops stay in the interpreter, where the hook fires. The hook is global to the VM (LuaJIT
-- keeps one per state), so it is installed while any sandbox runs and charges the coroutine it
-- finds running: a sandbox waiting on a process (stdlib exec) does not pay for other tasks.
local fs = require "hfl.fs"
local luapattern = require "hfl.state.luapattern"
local memcap = require "hfl.memcap"

local M = {}

local type, pairs, tostring, select, setmetatable, getmetatable = type, pairs, tostring, select, setmetatable, getmetatable
local pcall, xpcall, error, unpack, fmt = pcall, xpcall, error, unpack, string.format
local running = coroutine.running

--- Defaults: instructions, seconds, extra megabytes of Lua heap.
M.BUDGET, M.TIMEOUT, M.MEMORY = 100e6, 30, 1024
local STEP = 1000            -- instructions between two hook calls
local MAX_STRING = 256 * 1024 * 1024

local MAIN = {}              -- coroutine.running() is nil on the main thread under LuaJIT
local active = setmetatable({}, { __mode = "k" })  -- coroutine → run record
local nactive, saved_hook, saved_index = 0, nil, nil
local clock = require("hfl.proc").now

-- The string library as string methods see it while a sandbox runs: no dump, a bounded rep.
local SAFE_STRING = {}
for k, v in pairs(string) do SAFE_STRING[k] = v end
SAFE_STRING.dump = nil
local srep = string.rep
SAFE_STRING.rep = function(s, n, sep)
  local ls, ln = #tostring(s), tonumber(n) or 0
  local lsep = sep and #tostring(sep) or 0
  if ln > 0 and (ls + lsep) * ln > MAX_STRING then
    error(fmt("string.rep: result would exceed %d MB", MAX_STRING / 1048576), 2)
  end
  return srep(s, n, sep)
end

-- Pattern functions: a backtracking pattern keeps one C call running for hours, where neither
-- the budget nor the time limit can stop it. A call whose worst case is large runs in Lua
-- instead (hfl.state.luapattern), under the count hook.
local PATTERN_STEPS = 1e8   -- worst-case steps left to one C call (well under a second)
local function guarded(name)
  local c, lua = string[name], luapattern[name]
  return function(s, p, ...)
    if type(s) == "string" and type(p) == "string"
      and luapattern.costly(#s, p, p:byte(1) == 94, PATTERN_STEPS) then
      return lua(s, p, ...)
    end
    return c(s, p, ...)
  end
end
for _, name in ipairs { "find", "match", "gsub" } do SAFE_STRING[name] = guarded(name) end
SAFE_STRING.gmatch = (function()
  local c, lua = string.gmatch, luapattern.gmatch
  return function(s, p)  -- in gmatch "^" anchors nothing
    if type(s) == "string" and type(p) == "string" and luapattern.costly(#s, p, false, PATTERN_STEPS) then
      return lua(s, p)
    end
    return c(s, p)
  end
end)()

local function exceeded_error(rec, what)
  rec.exceeded = what
  error(rec.sentinel, 0)
end

local function memory_exceeded(rec)
  return fmt("exceeded the memory limit (%d MB more than at the start)", rec.memory)
end

-- Whether the allocator refused memory to a sandbox: then rec says so, and true.
local function out_of_memory(rec)
  if rec.exceeded then return true end
  if not memcap.refused() then return false end
  rec.exceeded = memory_exceeded(rec)
  return true
end

local function hook()
  local rec = active[running() or MAIN]
  if not rec then return end
  if out_of_memory(rec) then error(rec.sentinel, 0) end
  rec.count = rec.count + STEP
  if rec.count > rec.budget then
    exceeded_error(rec, "exceeded the instruction budget (infinite loop?)")
  end
  if clock() > rec.deadline then
    exceeded_error(rec, fmt("exceeded the time limit of %gs (infinite loop?)", rec.timeout))
  end
  if collectgarbage("count") > rec.memlimit then exceeded_error(rec, memory_exceeded(rec)) end
end

local function enter(rec)
  local co = running() or MAIN
  rec.co, rec.outer = co, active[co]
  active[co] = rec
  nactive = nactive + 1
  if nactive == 1 then
    saved_hook = { debug.gethook() }
    debug.sethook(hook, "", STEP)
    local smt = getmetatable("")
    saved_index, smt.__index = smt.__index, SAFE_STRING
    -- the hook names the line when memory grows step by step; the allocator, a quarter
    -- higher, stops what one instruction allocates at once (no line: LuaJIT calls no
    -- handler for memory errors)
    memcap.limit(rec.memory * 1048576 * 1.25 + 16 * 1048576)
  end
end

local function leave(rec)
  active[rec.co] = rec.outer
  nactive = nactive - 1
  if nactive == 0 then
    if saved_hook[1] then debug.sethook(saved_hook[1], saved_hook[2], saved_hook[3])
    else debug.sethook() end
    getmetatable("").__index = saved_index
    memcap.unlimit()
  end
end

local Sandbox = {}
Sandbox.__index = Sandbox

local nchunks = 0

-- "<chunkN>" tokens stand for paths in chunk names: LuaJIT shortens long chunk names in
-- messages, so the real path goes back in afterwards.
local function token_to_path(sb, msg)
  return (msg:gsub("<chunk%d+>", function(tok) return sb.paths[tok] end))
end

--- The path and line of the innermost frame of a sandboxed chunk on the stack (nil when none).
---@return string|nil path, integer|nil line
function Sandbox:frame(level)
  level = level or 2
  while true do
    local info = debug.getinfo(level, "Sl")
    if not info then return nil end
    local tok = info.source and info.source:match("^=(<chunk%d+>)$")
    if tok and self.paths[tok] then
      local line = info.currentline
      return self.paths[tok], (line and line > 0) and line or nil
    end
    level = level + 1
  end
end

--- "path:line: " of the innermost frame of a sandboxed chunk on the stack, or "" when none.
---@return string
function Sandbox:position(level)
  local path, line = self:frame((level or 2) + 1)
  if not path then return "" end
  if line then return fmt("%s:%d: ", path, line) end
  return path .. ": "
end

-- Whether a message already starts with a sandboxed chunk's "path:" or "<chunkN>:".
local function positioned(sb, e)
  if e:match("^<chunk%d+>:") then return true end
  for _, p in pairs(sb.paths) do
    if e:sub(1, #p + 1) == p .. ":" then return true end
  end
  return false
end

-- The record of the run of this sandbox going on in the running coroutine: a later call of one
-- of the chunk's functions (Sandbox:call) has its own, so calls in several coroutines at once
-- each keep their own count; the sandbox's own record otherwise.
local function rec_of(sb)
  local rec = active[running() or MAIN]
  if rec and rec.owner == sb then return rec end
  return sb.rec
end

local function is_sentinel(sb, e) return type(e) == "table" and e == rec_of(sb).sentinel end

-- One line for a raised value, in the failing frame (called as xpcall's handler).
local function message(sb, e, level)
  if is_sentinel(sb, e) or out_of_memory(rec_of(sb)) then
    return sb:position(level) .. rec_of(sb).exceeded
  end
  if type(e) ~= "string" then
    -- the chunk's __tostring runs here, still under the limits; one that fails or returns no
    -- string must not turn the message into "error in error handling"
    local mt = type(e) == "table" and debug.getmetatable(e)
    local ok, s = false, nil
    if mt and rawget(mt, "__tostring") then ok, s = pcall(tostring, e) end
    if ok and type(s) == "string" then e = s
    elseif e == nil then e = "error(nil)"
    else e = fmt("(error object is a %s value)", type(e)) end
  end
  e = e:gsub("\nstack traceback:.*$", "")
  if positioned(sb, e) then return token_to_path(sb, e) end
  -- a frame of hfl's own (a library function) raised: name the helmfile line instead
  local src, rest = e:match("^([^%s:]+%.lua):%d+: (.*)$")
  local stripped = (src and (src:find("hfl", 1, true) or src:find("stdlib", 1, true)) and rest)
    or e:match("^%[string .-%]:%d+: (.*)$")
  return sb:position(level) .. token_to_path(sb, stripped or e)
end

--- Raises msg at the innermost sandboxed line ("path:line: msg"), for library functions.
function Sandbox:fail(msg)
  error(self:position(3) .. msg, 0)
end

--- Wraps a trusted function so the errors it raises read "path:line: name: msg".
---@param name string|nil prefix for messages ("" or nil for none)
---@param fn function
---@return function
function Sandbox:wrap(name, fn)
  local prefix = (name and name ~= "") and (name .. ": ") or ""
  local sb = self
  local function finish(ok, ...)
    if ok then return ... end
    local e = ...
    if is_sentinel(sb, e) or out_of_memory(rec_of(sb)) then error(rec_of(sb).sentinel, 0) end
    if type(e) == "string" and positioned(sb, e) then error(e, 0) end
    if type(e) ~= "string" then e = tostring(e) end
    error(sb:position(3) .. prefix .. e, 0)
  end
  return function(...) return finish(pcall(fn, ...)) end
end

local function safe_globals(sb)
  local env = {}
  for _, k in ipairs { "assert", "error", "ipairs", "next", "pairs", "rawequal", "rawget", "select",
    "tonumber", "tostring", "type", "unpack" } do
    env[k] = _G[k]
  end
  env._VERSION = _VERSION
  local function copy(t, drop)
    local c = {}
    for k, v in pairs(t) do if not (drop and drop[k]) then c[k] = v end end
    return c
  end
  env.string = copy(SAFE_STRING)
  env.table = copy(table)
  env.table.unpack = env.table.unpack or unpack
  env.math = copy(math)
  env.os = { time = os.time, clock = os.clock, date = os.date, getenv = os.getenv }
  local owned = setmetatable({}, { __mode = "k" })  -- metatables the chunk made itself
  env.setmetatable = function(t, mt)
    if type(t) ~= "table" then error("setmetatable: only tables may have a metatable in helmfile.lua", 2) end
    if mt ~= nil and type(mt) ~= "table" then error("setmetatable: the metatable must be a table or nil", 2) end
    local cur = getmetatable(t)
    if cur ~= nil and not owned[cur] then
      error("setmetatable: cannot change the metatable of a table hfl made", 2)
    end
    if mt then owned[mt] = true end
    return setmetatable(t, mt)
  end
  env.getmetatable = function(t)
    if type(t) ~= "table" then return nil end
    local mt = getmetatable(t)
    if mt ~= nil and owned[mt] then return mt end
    return nil
  end
  local function rethrow_exceeded(ok, ...)
    if not ok and out_of_memory(rec_of(sb)) then error(rec_of(sb).sentinel, 0) end
    if not ok then
      local e = ...
      if type(e) == "string" then return false, token_to_path(sb, e) end
    end
    return ok, ...
  end
  env.pcall = function(f, ...) return rethrow_exceeded(pcall(f, ...)) end
  env.xpcall = function(f, handler, ...)
    local args, n = { ... }, select("#", ...)
    return rethrow_exceeded(xpcall(function() return f(unpack(args, 1, n)) end, function(e)
      if rec_of(sb).exceeded then return e end
      return handler(type(e) == "string" and token_to_path(sb, e) or e)
    end))
  end
  env.print = function(...)
    local parts = {}
    for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
    io.stderr:write(table.concat(parts, "\t"), "\n")
  end
  env._G = env
  return env
end

--- A new sandbox.
---@param opts table|nil { basedir = dir for require of local modules, budget = instructions,
---   timeout = seconds, memory = MB of extra Lua heap }
---@return table sandbox with .env (its globals)
function M.new(opts)
  opts = opts or {}
  local sb = setmetatable({ paths = {}, modules = {}, basedir = opts.basedir or "." }, Sandbox)
  sb.rec = { budget = opts.budget or M.BUDGET, timeout = opts.timeout or M.TIMEOUT,
    memory = opts.memory or M.MEMORY, count = 0, sentinel = {} }
  sb.rec.owner = sb
  sb.env = safe_globals(sb)
  sb.env.require = function(name) return sb:_require(name) end
  return sb
end

local BUILTIN_MODULES = { string = true, table = true, math = true }

function Sandbox:_require(name)
  if type(name) ~= "string" then self:fail("require: the module name must be a string") end
  if BUILTIN_MODULES[name] then return self.env[name] end
  if self.modules[name] ~= nil then return self.modules[name] end
  if not name:match("^[%w_%-]+[%w_%-%.]*$") or name:find("..", 1, true) then
    self:fail(fmt("require: module %q is not available in helmfile.lua", name))
  end
  local path = self.basedir .. "/" .. name:gsub("%.", "/") .. ".lua"
  if not fs.exists(path) then
    self:fail(fmt("require: module %q is not available in helmfile.lua (only Lua files beside it can be required: %s not found)", name, path))
  end
  local fn, err = self:load(path)
  if not fn then error(err, 0) end
  local r = fn(name)
  if r == nil then r = true end
  self.modules[name] = r
  return r
end

--- Loads a Lua source file (bytecode refused) as a chunk running with the sandbox's globals.
---@param path string
---@param text string|nil the source (read from path when nil)
---@return function|nil chunk, string|nil err "path:line: msg"
function Sandbox:load(path, text)
  if not text then
    local err, code
    text, err, code = fs.read(path)
    if not text then
      if code == "EFBIG" then return nil, err end
      if code == "EISDIR" then return nil, path .. ": cannot read: is a directory" end
      return nil, fmt("%s: cannot read: %s", path, fs.strerror(err))
    end
  end
  if text:byte(1) == 27 then return nil, path .. ": precompiled Lua chunks are not allowed" end
  if text:sub(1, 1) == "#" then text = "--" .. text end  -- a shebang line
  nchunks = nchunks + 1
  local tok = fmt("<chunk%d>", nchunks)
  self.paths[tok] = path
  self.main = self.main or path
  local fn, err = load(text, "=" .. tok, "t")
  if not fn then return nil, token_to_path(self, err) end
  setfenv(fn, self.env)
  jit.off(fn, true)
  return fn
end

local function run_with(self, rec, fn, ...)
  rec.count, rec.exceeded = 0, nil
  rec.deadline = clock() + rec.timeout
  rec.memlimit = collectgarbage("count") + rec.memory * 1024
  local args, n = { ... }, select("#", ...)
  enter(rec)
  local r = { xpcall(function() return fn(unpack(args, 1, n)) end,
    function(e) return message(self, e, 3) end) }
  -- LuaJIT calls no error handler for a memory error: the message has no position yet
  local oom = not r[1] and (out_of_memory(rec) or r[2] == "not enough memory")
  leave(rec)
  if oom and not rec.exceeded then rec.exceeded = "not enough memory" end
  if (r[1] or oom) and rec.exceeded and not (type(r[2]) == "string" and positioned(self, r[2])) then
    return false, (self.main or "helmfile.lua") .. ": " .. rec.exceeded
  end
  return unpack(r, 1, table.maxn(r))
end

--- Runs fn(...) under the budget, the time limit and the memory limit.
---@return boolean ok, any ... results, or the message "path:line: msg"
function Sandbox:run(fn, ...)
  return run_with(self, self.rec, fn, ...)
end

--- Runs fn(...) — a function the sandbox's chunk made, called after its run (a hook's run, a
--- health gate) — under the same limits, counted afresh for this call alone (several calls may
--- run at once in different coroutines).
---@return boolean ok, any ... results, or the message "path:line: msg"
function Sandbox:call(fn, ...)
  local r = self.rec
  return run_with(self, { budget = r.budget, timeout = r.timeout, memory = r.memory, count = 0,
    sentinel = {}, owner = self }, fn, ...)
end

return M
