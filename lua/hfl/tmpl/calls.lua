--- Compiles function calls of a template: arity checks of Go's builtins, printf's string
--- format parameter, short-circuit and/or, and Go's "error calling NAME: MSG" wrapping.
--- The engine's own functions (include, tpl) receive the execution state first.
local runtime = require "hfl.tmpl.runtime"
local builtins = require "hfl.tmpl.builtins"
local fmt = require "hfl.tmpl.fmt"
local parser = require "hfl.tmpl.parser"

local M = {}

local type, error, pcall, tostring, unpack = type, error, pcall, tostring, unpack
local sfmt = string.format
local null = require("hfl.value").null
local type_name, node_string, truth = fmt.type_name, parser.node_string, builtins.truth
local exec_error, MISSING = runtime.exec_error, runtime.MISSING

local builtin_arity = {
  ["not"] = { 1, 1 }, len = { 1, 1 }, ne = { 2, 2 }, lt = { 2, 2 }, le = { 2, 2 }, gt = { 2, 2 },
  ge = { 2, 2 }, eq = { 1 }, index = { 1 }, slice = { 1 }, ["and"] = { 1 }, ["or"] = { 1 },
  printf = { 1 }, call = { 1 },
}

local function arity_error(st, tree, node, name, numin)
  local a = builtin_arity[name]
  if not a then return end
  if a[2] then
    if numin ~= a[1] then
      exec_error(st, tree, node, sfmt("wrong number of args for %s: want %d got %d", name, a[1], numin))
    end
  elseif numin < a[1] then
    exec_error(st, tree, node, sfmt("wrong number of args for %s: want at least %d got %d", name, a[1], numin))
  end
end

-- printf's format parameter is a Go string: check it as evalArg/validateType do.
local function string_param(cc, node)
  local tree = cc.tree
  local t = node.t
  if t == "number" or t == "bool" then
    return function(st) exec_error(st, tree, node, "expected string; found " .. node_string(node)) end
  elseif t == "nil" then
    return function(st) exec_error(st, tree, node, "cannot assign nil to string") end
  end
  local eval = cc.compile_arg(cc, node)
  return function(st, dot)
    local v = eval(st, dot)
    if type(v) == "string" then return v end
    if v == nil then exec_error(st, tree, node, "invalid value; expected string") end
    exec_error(st, tree, node, "wrong type for value; expected string; got " .. (v == null and "interface {}" or type_name(v)))
  end
end

local function call_error(st, tree, cmd, name, err)
  if type(err) == "table" and err.tmpl_exec then error(err, 0) end
  if type(err) == "table" and err.tmpl_error then err = err.tmpl_error end
  exec_error(st, tree, cmd, "error calling " .. name .. ": " .. tostring(err))
end

-- A function call: `name args...` with the pipeline's previous value as the last arg.
function M.compile_call(cc, cmd, ident)
  local tree = cc.tree
  local name = ident.name
  local nargs = #cmd.args - 1
  local evals = {}
  local kind = cc.resolve(name) -- "user", "engine", "stdlib", "builtin"
  for i = 2, #cmd.args do
    if i == 2 and name == "printf" and kind == "builtin" then
      evals[1] = string_param(cc, cmd.args[2])
    else
      evals[i - 1] = cc.compile_arg(cc, cmd.args[i])
    end
  end
  if kind == "builtin" and (name == "and" or name == "or") then
    local want = name == "or"
    return function(st, dot, final)
      local numin = nargs + (final ~= MISSING and 1 or 0)
      arity_error(st, tree, ident, name, numin)
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
  local check_arity = kind == "builtin" and builtin_arity[name]
  local e1, e2, e3 = evals[1], evals[2], evals[3]
  if nargs == 0 and not engine then
    return function(st, dot, final)
      local fn = st.funcs[name]
      local ok, r
      if final == MISSING then
        if check_arity then arity_error(st, tree, ident, name, 0) end
        ok, r = pcall(fn)
      else
        if check_arity then arity_error(st, tree, ident, name, 1) end
        ok, r = pcall(fn, final)
      end
      if not ok then call_error(st, tree, cmd, name, r) end
      return r
    end
  elseif nargs == 1 and not engine then
    return function(st, dot, final)
      local fn = st.funcs[name]
      local ok, r
      if final == MISSING then
        if check_arity then arity_error(st, tree, ident, name, 1) end
        local a = e1(st, dot)
        ok, r = pcall(fn, a)
      else
        if check_arity then arity_error(st, tree, ident, name, 2) end
        local a = e1(st, dot)
        ok, r = pcall(fn, a, final)
      end
      if not ok then call_error(st, tree, cmd, name, r) end
      return r
    end
  elseif nargs == 2 and not engine then
    return function(st, dot, final)
      local fn = st.funcs[name]
      local ok, r
      if final == MISSING then
        if check_arity then arity_error(st, tree, ident, name, 2) end
        local a, b = e1(st, dot), e2(st, dot)
        ok, r = pcall(fn, a, b)
      else
        if check_arity then arity_error(st, tree, ident, name, 3) end
        local a, b = e1(st, dot), e2(st, dot)
        ok, r = pcall(fn, a, b, final)
      end
      if not ok then call_error(st, tree, cmd, name, r) end
      return r
    end
  elseif nargs == 3 and not engine then
    return function(st, dot, final)
      local fn = st.funcs[name]
      local ok, r
      if check_arity then arity_error(st, tree, ident, name, final == MISSING and 3 or 4) end
      local a, b, c = e1(st, dot), e2(st, dot), e3(st, dot)
      if final == MISSING then
        ok, r = pcall(fn, a, b, c)
      else
        ok, r = pcall(fn, a, b, c, final)
      end
      if not ok then call_error(st, tree, cmd, name, r) end
      return r
    end
  end
  return function(st, dot, final)
    local args, n = {}, nargs
    if check_arity then arity_error(st, tree, ident, name, nargs + (final == MISSING and 0 or 1)) end
    for i = 1, nargs do args[i] = evals[i](st, dot) end
    if final ~= MISSING then n = n + 1 args[n] = final end
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

return M
