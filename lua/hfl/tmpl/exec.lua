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
local runtime = require "hfl.tmpl.runtime"
local calls = require "hfl.tmpl.calls"

local M = {}

local type, getmetatable, error, tostring = type, getmetatable, error, tostring
local sfmt, floor = string.format, math.floor
local null, map_mt, list_mt, float_mt, int_mt = value.null, value.map_mt, value.list_mt, value.float_mt, value.int_mt
local quote, sprint = fmt.quote, fmt.sprint
local truth, node_string = builtins.truth, parser.node_string
local MISSING, BREAK, CONTINUE = runtime.MISSING, runtime.BREAK, runtime.CONTINUE
local BOUND = runtime.BOUND
local exec_error, printable, last_at = runtime.exec_error, runtime.printable, runtime.last_at
local chain_walker, compile_call = runtime.chain_walker, calls.compile_call
M.MISSING, M.exec_error, M.printable, M.last_at = MISSING, exec_error, printable, last_at

--- Maximum nesting of {{template}} calls and include (Go allows 100000; a Lua stack
--- allows far fewer, Helm stops include at 1000).
M.max_depth = 1000

local compile_pipe, compile_list, compile_arg

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
    local v = node.value -- an ideal constant: int or float64 by its syntax
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

-- A Go method reached by a field chain (runtime.BOUND) called with the command's
-- arguments, then the piped value.
local function bound_caller(cc, cmd, first)
  local tree, nargs, margs = cc.tree, #cmd.args, {}
  for i = 2, nargs do margs[i - 1] = compile_arg(cc, cmd.args[i]) end
  return function(st, dot, final, v)
    local args = { n = #margs }
    for i, a in ipairs(margs) do args[i] = a(st, dot) end
    if final ~= MISSING then args.n = args.n + 1; args[args.n] = final end
    local ok, res = pcall(runtime.call_bound, v, args)
    if not ok then
      if type(res) == "table" and res.tmpl_exec then error(res, 0) end
      exec_error(st, tree, first, sfmt("error calling %s: %s", v.name, tostring(res)))
    end
    return res
  end
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
    local call = bound_caller(cc, cmd, first)
    return function(st, dot, final)
      local v = walk(st, dot, has_args or final ~= MISSING, st.dot_iface)
      if type(v) == "table" and getmetatable(v) == BOUND then return call(st, dot, final, v) end
      return v
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
    local call = bound_caller(cc, cmd, first)
    return function(st, dot, final)
      local r = base(st, dot)
      if r == null then r = nil end
      local v = walk(st, r, has_args or final ~= MISSING)
      if type(v) == "table" and getmetatable(v) == BOUND then return call(st, dot, final, v) end
      return v
    end
  elseif t == "variable" and #first.ident > 1 then
    local slot = lookup_var(cc, first.ident[1])
    local walk = chain_walker(tree, first, first.ident, 2, cc.iface_slots[slot])
    local has_args = nargs > 1
    local call = bound_caller(cc, cmd, first)
    return function(st, dot, final)
      local v = walk(st, st.vars[slot], has_args or final ~= MISSING)
      if type(v) == "table" and getmetatable(v) == BOUND then return call(st, dot, final, v) end
      return v
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
    return function(st, dot, final)
      not_a_function(st, tree, first, first, nargs, final)
      exec_error(st, tree, first, "nil is not a command")
    end
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
  -- Go's parser declares the variables before the commands are parsed, but at run time a
  -- variable is pushed only after its pipeline ran: `$x := append $x 1` reads the $x declared
  -- before. A redeclaration therefore compiles its commands against the earlier slots.
  local slots = {}
  local redeclares = not pipe.is_assign and #pipe.decl > 0
  for _, d in ipairs(pipe.decl) do
    if not lookup_var(cc, d.ident[1]) then redeclares = false end
  end
  if redeclares then
    for i, c in ipairs(pipe.cmds) do cmds[i] = compile_command(cc, c, pipe, pipe.cmds[i - 1]) end
  end
  for i, d in ipairs(pipe.decl) do
    if pipe.is_assign then
      slots[i] = lookup_var(cc, d.ident[1])
    else
      slots[i] = declare_var(cc, d.ident[1])
    end
  end
  if not redeclares then
    for i, c in ipairs(pipe.cmds) do cmds[i] = compile_command(cc, c, pipe, pipe.cmds[i - 1]) end
  end
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
      -- __gorange: a Go map or slice type with methods (runtime.struct) ranges as one
      local k = (mt == list_mt and "list") or (mt == map_mt and "map") or (mt and mt.__gorange)
        or ((mt == int_mt or mt == float_mt or (mt and mt.__gotype)) and "scalar") or value.kind(v)
      if k == "list" then
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
      elseif k == "map" then
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
      else
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
    iface_slots = {}, range_int = set.range_int ~= false, compile_arg = compile_arg }
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
