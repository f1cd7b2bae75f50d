--- The runtime pieces shared by the template compiler: Go's ExecError texts, how an
--- action prints a value, field-chain evaluation with Go's missing-key and nil rules, and
--- the sentinels for a missing pipeline value and for break/continue.
local value = require "hfl.value"
local fmt = require "hfl.tmpl.fmt"
local parser = require "hfl.tmpl.parser"

local M = {}

local type, getmetatable, setmetatable, error, ipairs = type, getmetatable, setmetatable, error, ipairs
local sfmt, sfind, ssub, floor = string.format, string.find, string.sub, math.floor
local null, map_mt = value.null, value.map_mt
local kind_of, type_name, quote, sprint = value.kind, fmt.type_name, fmt.quote, fmt.sprint
local node_string = parser.node_string

local MISSING = setmetatable({}, { __tostring = function() return "<missing>" end })
-- A method of a Go value awaiting its arguments: { recv =, fn =, name = }.
local BOUND = {}
M.BOUND = BOUND
local BREAK, CONTINUE = {}, {}
M.MISSING, M.BREAK, M.CONTINUE = MISSING, BREAK, CONTINUE

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
    local gotype = mt and mt ~= map_mt and mt.__gotype
    if gotype then
      -- a Go struct (see M.struct): fields, never map keys; missingkey does not apply
      local method = mt.__gomethods and mt.__gomethods[name]
      if method then
        -- with arguments the command calls it (see M.bound); without, Go calls it here
        if has_args then return setmetatable({ recv = recv, fn = method, name = name }, BOUND) end
        return method(recv)
      end
      local v = recv[name]
      if v ~= nil then return v end
      -- a declared field left unset: the zero value of Helmfile's string fields
      for _, f in ipairs(mt.__gofields or {}) do
        if f == name then return "" end
      end
      exec_error(st, tree, node, sfmt("can't evaluate field %s in type %s", name, gotype))
    end
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

M.eval_field = eval_field

--- Marks a table as a Go struct for templates: its missing fields fail as Go's do
--- ("can't evaluate field Foo in type state.EnvironmentTemplateData"), whatever the
--- missingkey option, and fmt prints it as `{v1 v2}` (`%+v`: `{Name:v1 Other:v2}`).
---@param t table
---@param gotype string Go's type name, e.g. "environment.Environment"
---@param fields string[] field names in declaration order
---@return table t
--- methods (name → function(recv, ...)) are called as Go calls methods: `.Files.Get "x"`,
--- `.Capabilities.APIVersions.Has "v1"`, or without arguments inside a chain.
---@param methods table|nil
function M.struct(t, gotype, fields, methods)
  return setmetatable(t, { __gotype = gotype, __gofields = fields, __gomethods = methods })
end

--- Calls a bound method with the command's arguments (and the piped value, if any).
function M.call_bound(b, args)
  local ok, res = pcall(b.fn, b.recv, unpack(args, 1, args.n))
  if not ok then
    if type(res) == "table" and res.tmpl_exec then error(res, 0) end
    error(res, 0)
  end
  return res
end
M.chain_walker = chain_walker

return M
