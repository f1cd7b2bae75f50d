--- Compiles parse trees to Lua closures and runs them with Go's execution rules.
--
-- A compiled list is `fn(st, dot) -> nil | BREAK | CONTINUE`; a compiled pipeline or
-- command returns a value. `st` is one execution: `buf`/`n` (output), `vars` (the
-- variable frame: variables are resolved to slots at compile time, `$` is slot 1),
-- `name` (template being executed, for error texts), `missing` ("error" | "zero" |
-- "default"), `funcs` (name → function), `set` (the template set), `depth`.
-- Go's invalid value (a missing value) is Lua nil; a nil held in an interface (a null map
-- entry) is value.null; a pipeline's result is unwrapped (null → nil) as Go does.
local value = require "hfl.value"
local fmt = require "hfl.tmpl.fmt"
local parser = require "hfl.tmpl.parser"
local builtins = require "hfl.tmpl.builtins"

local M = {}

local type, getmetatable, select, error, pcall, tostring = type, getmetatable, select, error, pcall, tostring
local sfmt, sfind, ssub, concat, floor = string.format, string.find, string.sub, table.concat, math.floor
local null, map_mt, list_mt, float_mt, int_mt = value.null, value.map_mt, value.list_mt, value.float_mt, value.int_mt
local kind_of, type_name, quote, sprint = value.kind, fmt.type_name, fmt.quote, fmt.sprint
local truth, node_string = builtins.truth, parser.node_string

local MISSING = setmetatable({}, { __tostring = function() return "<missing>" end })
local BREAK, CONTINUE = {}, {}
M.MISSING = MISSING

--- Maximum nesting of {{template}} calls and include (Go allows 100000; a Lua stack
--- allows far fewer, Helm stops include at 1000).
M.max_depth = 1000

local function location(tree, node)
  local text, pos = tree.text, node.pos or 0
  local before = ssub(text, 1, pos)
  local line, last = 1, nil
  local i = 1
  while true do
    local j = sfind(before, "\n", i, true)
    if not j then break end
    line, last, i = line + 1, j, j + 1
  end
  local col = last and pos - last or pos
  return sfmt("%s:%d:%d", tree.parse_name, line, col)
end

--- Raises Go's ExecError text for node.
local function exec_error(st, tree, node, msg)
  error({ tmpl_exec = sfmt("template: %s: executing %s at <%s>: %s", location(tree, node),
    quote(st.name), node_string(node), msg) }, 0)
end
M.exec_error = exec_error

local function out(st, s)
  local n = st.n + 1
  st.n = n
  st.buf[n] = s
end

-- Go's printableValue + fmt.Fprint for an action's result.
local function printable(v)
  local t = type(v)
  if t == "string" then return v end
  if v == nil or v == null then return "<no value>" end
  if t == "number" and v == floor(v) and v < 1e15 and v > -1e15 then return sfmt("%d", v) end
  return sprint(v)
end
M.printable = printable

-- One step of a field chain (evalField). iface: the receiver is held in an interface
-- (a map or list element), which is how Go names its type in errors.
local function eval_field(st, tree, node, recv, name, has_args, iface)
  if recv == nil then
    if st.missing == "error" then
      exec_error(st, tree, node, sfmt("nil data; no entry for key %s", quote(name)))
    end
    return nil
  end
  if recv == null then
    exec_error(st, tree, node, sfmt("nil pointer evaluating interface {}.%s", name))
  end
  if type(recv) == "table" then
    local mt = getmetatable(recv)
    if mt == map_mt or (mt == nil and kind_of(recv) == "map") then
      if has_args then exec_error(st, tree, node, name .. " is not a method but has arguments") end
      local v = recv[name]
      if v == nil then
        local mk = st.missing
        if mk == "error" then
          exec_error(st, tree, node, sfmt("map has no entry for key %s", quote(name)))
        elseif mk == "zero" then
          return null
        end
      end
      return v
    end
  end
  exec_error(st, tree, node, sfmt("can't evaluate field %s in type %s", name,
    iface and "interface {}" or type_name(recv)))
end

-- A closure walking the field chain `idents[from..]` starting at a receiver.
local function chain_walker(tree, node, idents, from, first_iface)
  local n = #idents
  if n - from == 0 then
    local a = idents[from]
    return function(st, recv, has_args, iface)
      if not has_args and type(recv) == "table" then
        local v = recv[a]
        if v ~= nil then return v end
      end
      return eval_field(st, tree, node, recv, a, has_args, first_iface or iface)
    end
  elseif n - from == 1 then
    local a, b = idents[from], idents[from + 1]
    return function(st, recv, has_args, iface)
      local v
      if type(recv) == "table" then v = recv[a] end
      if v == nil then v = eval_field(st, tree, node, recv, a, false, first_iface or iface) end
      if not has_args and type(v) == "table" then
        local w = v[b]
        if w ~= nil then return w end
      end
      return eval_field(st, tree, node, v, b, has_args, true)
    end
  end
  return function(st, recv, has_args, iface)
    local v = recv
    for i = from, n do
      local last = i == n
      local w
      if type(v) == "table" and not (last and has_args) then w = v[idents[i]] end
      if w == nil then
        w = eval_field(st, tree, node, v, idents[i], last and has_args, i > from or first_iface or iface)
      end
      v = w
    end
    return v
  end
end

local compile_pipe, compile_list, compile_arg

-- The node Go's executor last marked (s.at) after evaluating node: its error contexts name
-- that node, not always the one that failed.
local function last_at(node)
  local t = node.t
  if t == "pipe" then return last_at(node.cmds[#node.cmds]) end
  if t == "command" then
    local first = node.args[1]
    if first.t == "identifier" then
      if #node.args > 1 then return last_at(node.args[#node.args]) end
      return first
    end
    return last_at(first)
  end
  if t == "chain" then return last_at(node.node) end
  return node
end
M.last_at = last_at

-- Compile context: tree, scope (variable names → slots), slot counter, set.
local function lookup_var(cc, name)
  local scope = cc.scope
  for i = #scope, 1, -1 do
    if scope[i][1] == name then return scope[i][2] end
  end
  return nil
end

local function declare_var(cc, name)
  cc.nslots = cc.nslots + 1
  cc.scope[#cc.scope + 1] = { name, cc.nslots }
  return cc.nslots
end

local function not_a_function(st, tree, node, first, nargs, final)
  if nargs > 1 or final ~= MISSING then
    exec_error(st, tree, node, "can't give argument to non-function " .. node_string(first))
  end
end

-- Number literal as an ideal constant: int or float64 by its syntax.
local function constant_value(n)
  return n.value
end

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
  local eval = compile_arg(cc, node)
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
local function compile_call(cc, cmd, ident)
  local tree = cc.tree
  local name = ident.name
  local nargs = #cmd.args - 1
  local evals = {}
  local kind = cc.resolve(name) -- "user", "engine", "stdlib", "builtin"
  for i = 2, #cmd.args do
    if i == 2 and name == "printf" and kind == "builtin" then
      evals[1] = string_param(cc, cmd.args[2])
    else
      evals[i - 1] = compile_arg(cc, cmd.args[i])
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

-- A value-producing node used as an argument (evalArg with an interface type).
function compile_arg(cc, node)
  local tree = cc.tree
  local t = node.t
  if t == "dot" then
    return function(st, dot) return dot end
  elseif t == "nil" then
    return function() return nil end
  elseif t == "bool" then
    local v = node.val
    return function() return v end
  elseif t == "number" then
    if node.overflow then
      return function(st) exec_error(st, tree, node, node.text .. " overflows int") end
    end
    local v = constant_value(node)
    return function() return v end
  elseif t == "string" then
    local v = node.text
    return function() return v end
  elseif t == "field" then
    local walk = chain_walker(tree, node, node.ident, 1, false)
    return function(st, dot) return walk(st, dot, false, st.dot_iface) end
  elseif t == "variable" then
    local slot = lookup_var(cc, node.ident[1])
    if #node.ident == 1 then
      return function(st) return st.vars[slot] end
    end
    local walk = chain_walker(tree, node, node.ident, 2, cc.iface_slots[slot])
    return function(st) return walk(st, st.vars[slot], false) end
  elseif t == "pipe" then
    local p = compile_pipe(cc, node)
    return p
  elseif t == "identifier" then
    local call = compile_call(cc, { t = "command", pos = node.pos, args = { node } }, node)
    return function(st, dot) return call(st, dot, MISSING) end
  elseif t == "chain" then
    if node.node.t == "nil" then
      return function(st) exec_error(st, tree, node, "indirection through explicit nil in " .. node_string(node)) end
    end
    local base = compile_arg(cc, node.node)
    local walk = chain_walker(tree, last_at(node.node), node.field, 1, false)
    return function(st, dot)
      local r = base(st, dot)
      if r == null then r = nil end
      return walk(st, r, false)
    end
  end
  error("tmpl: unknown argument node " .. tostring(t))
end

local function compile_command(cc, cmd, pipe, prev)
  local tree = cc.tree
  local first = cmd.args[1]
  local t = first.t
  local nargs = #cmd.args
  if t == "identifier" then
    return compile_call(cc, cmd, first)
  elseif t == "field" then
    local walk = chain_walker(tree, first, first.ident, 1, false)
    local has_args = nargs > 1
    return function(st, dot, final)
      return walk(st, dot, has_args or final ~= MISSING, st.dot_iface)
    end
  elseif t == "chain" then
    local base = compile_arg(cc, first.node)
    local walk = chain_walker(tree, last_at(first.node), first.field, 1, false)
    local has_args = nargs > 1
    if first.node.t == "nil" then
      return function(st)
        exec_error(st, tree, first, "indirection through explicit nil in " .. node_string(first))
      end
    end
    return function(st, dot, final)
      local r = base(st, dot)
      if r == null then r = nil end
      return walk(st, r, has_args or final ~= MISSING)
    end
  elseif t == "variable" and #first.ident > 1 then
    local slot = lookup_var(cc, first.ident[1])
    local walk = chain_walker(tree, first, first.ident, 2, cc.iface_slots[slot])
    local has_args = nargs > 1
    return function(st, dot, final)
      return walk(st, st.vars[slot], has_args or final ~= MISSING)
    end
  elseif t == "pipe" then
    local p = compile_pipe(cc, first)
    local ctx_final = prev and last_at(prev) or pipe
    return function(st, dot, final)
      if final ~= MISSING then
        exec_error(st, tree, ctx_final, "can't give argument to non-function " .. node_string(first))
      elseif nargs > 1 then
        exec_error(st, tree, pipe, "can't give argument to non-function " .. node_string(first))
      end
      return p(st, dot)
    end
  elseif t == "nil" then
    return function(st) exec_error(st, tree, first, "nil is not a command") end
  end
  local eval = compile_arg(cc, first)
  return function(st, dot, final)
    not_a_function(st, tree, first, first, nargs, final)
    return eval(st, dot)
  end
end

-- A pipeline: commands chained through `final`, then variable declarations.
function compile_pipe(cc, pipe)
  local cmds = {}
  -- Go's parser declares the variables before the commands are parsed.
  local slots = {}
  for i, d in ipairs(pipe.decl) do
    if pipe.is_assign then
      slots[i] = lookup_var(cc, d.ident[1])
    else
      slots[i] = declare_var(cc, d.ident[1])
    end
  end
  for i, c in ipairs(pipe.cmds) do cmds[i] = compile_command(cc, c, pipe, pipe.cmds[i - 1]) end
  local ncmds = #cmds
  local c1, c2 = cmds[1], cmds[2]
  local run
  if ncmds == 1 then
    run = function(st, dot)
      local v = c1(st, dot, MISSING)
      if v == null then return nil end
      return v
    end
  elseif ncmds == 2 then
    run = function(st, dot)
      local v = c1(st, dot, MISSING)
      if v == null then v = nil end
      v = c2(st, dot, v)
      if v == null then return nil end
      return v
    end
  else
    run = function(st, dot)
      local v = MISSING
      for i = 1, ncmds do
        v = cmds[i](st, dot, v)
        if v == null then v = nil end
      end
      return v
    end
  end
  if #pipe.decl == 0 then return run end
  for i, d in ipairs(pipe.decl) do
    if not slots[i] then
      -- `$x = …` of a variable never declared: Go fails when it executes
      local at, name, tree = last_at(pipe), d.ident[1], cc.tree
      return function(st, dot)
        run(st, dot)
        exec_error(st, tree, at, "undefined variable: " .. name)
      end
    end
  end
  return function(st, dot)
    local v = run(st, dot)
    local vars = st.vars
    for i = 1, #slots do vars[slots[i]] = v end
    return v
  end
end

local function compile_range(cc, node)
  local tree = cc.tree
  local mark = #cc.scope
  local pipe = compile_pipe(cc, node.pipe)
  local decl = node.pipe.decl
  local vslot, islot
  if #decl == 1 then
    vslot = lookup_var(cc, decl[1].ident[1])
  elseif #decl == 2 then
    islot = lookup_var(cc, decl[1].ident[1])
    vslot = lookup_var(cc, decl[2].ident[1])
  end
  if vslot then cc.iface_slots[vslot] = true end
  local body = compile_list(cc, node.list)
  local else_body = node.else_list and compile_list(cc, node.else_list)
  for i = #cc.scope, mark + 1, -1 do cc.scope[i] = nil end
  local errnode = last_at(node.pipe)
  local allow_int = cc.range_int
  return function(st, dot)
    local v = pipe(st, dot)
    local vars = st.vars
    local t = type(v)
    if t == "table" then
      local mt = getmetatable(v)
      if mt == list_mt or (mt == nil and v[1] ~= nil) then
        local n = #v
        if n > 0 then
          local saved = st.dot_iface
          st.dot_iface = true
          for i = 1, n do
            local e = v[i]
            if e == nil then e = null end
            if vslot then vars[vslot] = e end
            if islot then vars[islot] = i - 1 end
            local r = body(st, e)
            if r == BREAK then break end
          end
          st.dot_iface = saved
          return
        end
      elseif mt == map_mt or mt == nil then
        local keys = value.sorted_keys(v)
        if #keys > 0 then
          local saved = st.dot_iface
          st.dot_iface = true
          for i = 1, #keys do
            local k = keys[i]
            local e = v[k]
            if vslot then vars[vslot] = e end
            if islot then vars[islot] = k end
            local r = body(st, e)
            if r == BREAK then break end
          end
          st.dot_iface = saved
          return
        end
      elseif mt == int_mt or mt == float_mt then
        exec_error(st, tree, errnode, "range can't iterate over " .. sprint(v))
      end
    elseif t == "number" then
      if not allow_int or v ~= floor(v) then
        exec_error(st, tree, errnode, "range can't iterate over " .. sprint(v))
      end
      if islot then
        exec_error(st, tree, errnode, "can't use " .. sprint(v) .. " to iterate over more than one variable")
      end
      if v > 0 then
        local saved = st.dot_iface
        st.dot_iface = false
        for i = 0, v - 1 do
          if vslot then vars[vslot] = i end
          local r = body(st, i)
          if r == BREAK then break end
        end
        st.dot_iface = saved
        return
      end
    elseif v ~= nil then
      exec_error(st, tree, errnode, "range can't iterate over " .. sprint(v))
    end
    if else_body then return else_body(st, dot) end
  end
end

local function compile_if_with(cc, node, is_with)
  local mark = #cc.scope
  local pipe = compile_pipe(cc, node.pipe)
  local body = compile_list(cc, node.list)
  local else_body = node.else_list and compile_list(cc, node.else_list)
  for i = #cc.scope, mark + 1, -1 do cc.scope[i] = nil end
  if is_with then
    return function(st, dot)
      local v = pipe(st, dot)
      if truth(v) then
        local saved = st.dot_iface
        st.dot_iface = false
        local r = body(st, v)
        st.dot_iface = saved
        return r
      end
      if else_body then return else_body(st, dot) end
    end
  end
  return function(st, dot)
    if truth(pipe(st, dot)) then return body(st, dot) end
    if else_body then return else_body(st, dot) end
  end
end

local run_tree

local function compile_template_call(cc, node)
  local tree = cc.tree
  local name = node.name
  local pipe = node.pipe and compile_pipe(cc, node.pipe)
  return function(st, dot)
    local target = st.set.trees[name]
    if not target then exec_error(st, tree, node, sfmt("template %s not defined", quote(name))) end
    if st.depth >= M.max_depth then
      exec_error(st, tree, node, sfmt("exceeded maximum template depth (%d)", M.max_depth))
    end
    local newdot = nil
    if pipe then newdot = pipe(st, dot) end
    run_tree(st, target, newdot)
  end
end

local function compile_node(cc, node)
  local t = node.t
  if t == "text" then
    local s = node.text
    return function(st)
      local n = st.n + 1
      st.n = n
      st.buf[n] = s
    end
  elseif t == "action" then
    local pipe = compile_pipe(cc, node.pipe)
    if #node.pipe.decl > 0 then
      return function(st, dot) pipe(st, dot) end
    end
    return function(st, dot)
      local v = pipe(st, dot)
      local n = st.n + 1
      st.n = n
      if type(v) == "string" then st.buf[n] = v else st.buf[n] = printable(v) end
    end
  elseif t == "if" then
    return compile_if_with(cc, node, false)
  elseif t == "with" then
    return compile_if_with(cc, node, true)
  elseif t == "range" then
    return compile_range(cc, node)
  elseif t == "template" then
    return compile_template_call(cc, node)
  elseif t == "break" then
    return function() return BREAK end
  elseif t == "continue" then
    return function() return CONTINUE end
  end
  error("tmpl: unknown node " .. tostring(t))
end

function compile_list(cc, list)
  local fns = {}
  for _, node in ipairs(list.nodes) do
    fns[#fns + 1] = compile_node(cc, node)
  end
  local n = #fns
  if n == 0 then return function() end end
  if n == 1 then return fns[1] end
  if n == 2 then
    local a, b = fns[1], fns[2]
    return function(st, dot)
      local r = a(st, dot)
      if r then return r end
      return b(st, dot)
    end
  end
  return function(st, dot)
    for i = 1, n do
      local r = fns[i](st, dot)
      if r then return r end
    end
  end
end

--- Compiles a tree (once) into `tree.fn(st, dot)`.
---@param tree table
---@param set table the template set (resolve(name) → function kind; range_int)
function M.compile_tree(tree, set)
  if tree.fn then return tree.fn end
  local cc = { tree = tree, scope = { { "$", 1 } }, nslots = 1, resolve = set.resolve,
    iface_slots = {}, range_int = set.range_int ~= false }
  tree.fn = compile_list(cc, tree.root)
  return tree.fn
end

-- Runs a tree with a fresh variable frame ($ = dot), as a {{template}} call does.
function run_tree(st, tree, dot)
  local fn = tree.fn or M.compile_tree(tree, st.set)
  local saved_vars, saved_name, saved_iface = st.vars, st.name, st.dot_iface
  st.vars, st.name, st.dot_iface = { dot }, tree.name, false
  st.depth = st.depth + 1
  fn(st, dot)
  st.depth = st.depth - 1
  st.vars, st.name, st.dot_iface = saved_vars, saved_name, saved_iface
end
M.run_tree = run_tree

return M
