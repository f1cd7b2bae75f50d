--- Compiles function calls of a template the way text/template's evalCall runs them: the
--- argument count, each argument against its Go parameter type (hfl.tmpl.arity), the
--- pipeline's previous value as the last argument, short-circuit and/or, and Go's
--- "error calling NAME: MSG" wrapping. The engine's own functions (include, tpl) receive
--- the execution state first.
local runtime = require "hfl.tmpl.runtime"
local builtins = require "hfl.tmpl.builtins"
local arity = require "hfl.tmpl.arity"
local fmt = require "hfl.tmpl.fmt"
local parser = require "hfl.tmpl.parser"
local value = require "hfl.value"

local M = {}

local type, error, pcall, tostring, unpack = type, error, pcall, tostring, unpack
local sfmt = string.format
local null, kind_of = value.null, value.kind
local type_name, node_string, truth = fmt.type_name, parser.node_string, builtins.truth
local exec_error, MISSING, last_at = runtime.exec_error, runtime.MISSING, runtime.last_at

-- Go's builtins take reflect.Value arguments: only their count is checked.
local builtin_arity = {
  ["not"] = { 1, false }, len = { 1, false }, ne = { 2, false }, lt = { 2, false }, le = { 2, false },
  gt = { 2, false }, ge = { 2, false }, eq = { 2, true }, index = { 2, true }, slice = { 2, true },
  ["and"] = { 2, true }, ["or"] = { 2, true }, call = { 2, true },
  printf = { 2, true, "string", "any" }, print = { 1, true, "any" }, println = { 1, true, "any" },
  html = { 1, true, "any" }, js = { 1, true, "any" }, urlquery = { 1, true, "any" },
}

local go_type = { string = "string", int = "int", float64 = "float64", bool = "bool",
  map = "map[string]interface {}", list = "[]interface {}" }

-- The parameter type for argument i (1-based) of a signature.
local function param_type(sig, i)
  local n = sig[1]
  if sig[2] and i >= n then return sig[2 + n] or "any" end
  return sig[2 + i] or "any"
end

-- validateType for an evaluated value; returns the value as the function receives it.
local function check_value(st, tree, node, v, t)
  if v == nil then
    if t == "map" or t == "list" then return nil end
    exec_error(st, tree, node, "invalid value; expected " .. go_type[t])
  end
  local ok
  if v == null then
    ok = false
  elseif t == "string" then
    ok = type(v) == "string"
  elseif t == "bool" then
    ok = type(v) == "boolean"
  elseif t == "int" then
    -- Go refuses an int64 (a --set integer, a looked-up object's) for an int parameter
    ok = kind_of(v) == "int" and not value.is_int64(v)
  elseif t == "float64" then
    ok = kind_of(v) == "float"
  else
    ok = kind_of(v) == t
  end
  if not ok then
    exec_error(st, tree, node, sfmt("wrong type for value; expected %s; got %s", go_type[t],
      v == null and "interface {}" or type_name(v)))
  end
  return v
end
M.check_value = check_value

-- evalArg for a parameter of type t: constants are converted or rejected at compile time
-- as Go's evalBool/evalString/evalInteger/evalFloat do; other operands are checked when run.
local function typed_arg(cc, node, t)
  if t == "any" then return cc.compile_arg(cc, node) end
  local tree = cc.tree
  local nt = node.t
  local function fail(msg) return function(st) exec_error(st, tree, node, msg) end end
  if nt == "nil" then
    if t == "map" or t == "list" then return function() return nil end end
    return fail("cannot assign nil to " .. go_type[t])
  elseif nt == "string" or nt == "number" or nt == "bool" then
    local found = node_string(node)
    if t == "string" then
      if nt ~= "string" then return fail("expected string; found " .. found) end
      local s = node.text
      return function() return s end
    elseif t == "int" then
      if nt ~= "number" or not node.is_int then return fail("expected integer; found " .. found) end
      local n = node.int
      return function() return n end
    elseif t == "float64" then
      if nt ~= "number" or node.overflow then return fail("expected float; found " .. found) end
      local f = value.float(node.float or node.int)
      return function() return f end
    elseif t == "bool" then
      if nt ~= "bool" then return fail("expected bool; found " .. found) end
      local b = node.val
      return function() return b end
    end
    return fail(sfmt("can't handle %s for arg of type %s", found, go_type[t]))
  end
  local eval = cc.compile_arg(cc, node)
  return function(st, dot) return check_value(st, tree, node, eval(st, dot), t) end
end

-- A function's error without the "file.lua:N: " of hfl's own frame (Lua adds it to errors
-- raised inside stdlib functions): the template's position is what the user needs.
local function without_frame(err)
  if type(err) ~= "string" then return tostring(err) end
  return (err:gsub("^[%w_./%-]+%.lua:%d+: ", "", 1))
end

local function call_error(st, tree, cmd, name, err)
  if type(err) == "table" and err.tmpl_exec then error(err, 0) end
  if type(err) == "table" and err.tmpl_error then err = err.tmpl_error end
  exec_error(st, tree, cmd, "error calling " .. name .. ": " .. without_frame(err))
end

-- Raises Go's error for a wrong argument count (numin counts the pipeline's value).
local function check_count(st, tree, ident, name, sig, nargs, numin)
  local n = sig[1]
  if sig[2] then
    if numin < n - 1 then
      exec_error(st, tree, ident, sfmt("wrong number of args for %s: want at least %d got %d", name, n - 1, nargs))
    end
  elseif numin ~= n then
    exec_error(st, tree, ident, sfmt("wrong number of args for %s: want %d got %d", name, n, numin))
  end
end

-- A function call: `name args...` with the pipeline's previous value as the last arg.
function M.compile_call(cc, cmd, ident)
  local tree = cc.tree
  local name = ident.name
  local nargs = #cmd.args - 1
  local kind = cc.resolve(name) -- "user", "engine", "stdlib", "builtin"
  local sig
  if kind == "builtin" then
    sig = builtin_arity[name]
  elseif kind == "stdlib" or kind == "engine" then
    sig = arity.lookup(name)
  end
  local evals = {}
  for i = 1, nargs do
    evals[i] = sig and typed_arg(cc, cmd.args[i + 1], param_type(sig, i)) or cc.compile_arg(cc, cmd.args[i + 1])
  end
  -- the node Go's executor last marked before it validates the pipeline's value
  local final_at = last_at(cmd)

  -- Checks the pipeline's value against its parameter; returns it as passed.
  local check_final
  if sig then
    local nfixed = sig[2] and sig[1] - 1 or sig[1]
    check_final = function(st, final)
      local numin = nargs + 1
      local t
      if sig[2] and numin - 1 >= nfixed then t = param_type(sig, sig[1]) else t = param_type(sig, numin) end
      if t == "any" then return final end
      return check_value(st, tree, final_at, final, t)
    end
  end

  if kind == "builtin" and (name == "and" or name == "or") then
    local want = name == "or"
    return function(st, dot, final)
      check_count(st, tree, ident, name, sig, nargs, nargs + (final ~= MISSING and 1 or 0))
      local v
      for i = 1, nargs do
        v = evals[i](st, dot)
        if truth(v) == want then return v end
      end
      if final ~= MISSING then v = final end
      return v
    end
  end

  local engine = kind == "engine"
  local e1, e2, e3 = evals[1], evals[2], evals[3]
  if engine or nargs > 3 then
    return function(st, dot, final)
      if sig then check_count(st, tree, ident, name, sig, nargs, nargs + (final ~= MISSING and 1 or 0)) end
      local args, n = {}, nargs
      for i = 1, nargs do args[i] = evals[i](st, dot) end
      if final ~= MISSING then
        if check_final then final = check_final(st, final) end
        n = n + 1
        args[n] = final
      end
      local ok, r
      if engine then
        ok, r = pcall(st.engine[name], st, unpack(args, 1, n))
      else
        ok, r = pcall(st.funcs[name], unpack(args, 1, n))
      end
      if not ok then call_error(st, tree, cmd, name, r) end
      return r
    end
  end
  -- Unrolled for up to three arguments: most calls, and the hot path of big templates.
  -- The count is checked before the arguments are evaluated, the pipeline's value after.
  return function(st, dot, final)
    if sig then check_count(st, tree, ident, name, sig, nargs, nargs + (final ~= MISSING and 1 or 0)) end
    local fn = st.funcs[name]
    local a, b, c
    if nargs >= 1 then a = e1(st, dot) end
    if nargs >= 2 then b = e2(st, dot) end
    if nargs == 3 then c = e3(st, dot) end
    local ok, r
    if final == MISSING then
      if nargs == 0 then ok, r = pcall(fn)
      elseif nargs == 1 then ok, r = pcall(fn, a)
      elseif nargs == 2 then ok, r = pcall(fn, a, b)
      else ok, r = pcall(fn, a, b, c) end
    else
      if check_final then final = check_final(st, final) end
      if nargs == 0 then ok, r = pcall(fn, final)
      elseif nargs == 1 then ok, r = pcall(fn, a, final)
      elseif nargs == 2 then ok, r = pcall(fn, a, b, final)
      else ok, r = pcall(fn, a, b, c, final) end
    end
    if not ok then call_error(st, tree, cmd, name, r) end
    return r
  end
end

return M
