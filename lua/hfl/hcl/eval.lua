--- Evaluation of parsed HCL expressions (hfl.hcl.parser) against a context {file=, vars=,
--- resolve_ref=, resolve_root=} that hfl.hcl supplies for `hv.*` and `local.*`.
local value = require "hfl.value"
local funcs = require "hfl.hcl.funcs"

local M = {}

local null, vmap, vlist, kind = value.null, value.map, value.list, value.kind
local fmt = string.format

local function eerr(ctx, node, msg)
  error({ hcl = true, msg = fmt("%s:%d: %s", ctx.file, node and node.line or 0, msg) }, 0)
end

local function type_name(v)
  local k = kind(v)
  return ({ null = "null", bool = "bool", int = "number", float = "number", string = "string", map = "object",
    list = "tuple" })[k] or k
end
M.type_name = type_name

local function num(v)
  local k = kind(v)
  if k == "int" or k == "float" then return value.tonumber(v) end
  if k == "string" then return tonumber(v) end
  return nil
end

local function tostr(ctx, node, v)
  local k = kind(v)
  if k == "string" then return v end
  if k == "bool" then return tostring(v) end
  if k == "int" or k == "float" then return funcs.number_string(value.tonumber(v)) end
  if k == "null" then eerr(ctx, node, "Invalid template interpolation value: the expression result is null") end
  eerr(ctx, node, fmt("Invalid template interpolation value: cannot include a %s in the string template",
    type_name(v)))
end

local function truthy(ctx, node, v)
  if type(v) == "boolean" then return v end
  if v == "true" then return true end
  if v == "false" then return false end
  eerr(ctx, node, fmt("a bool is required, not %s", type_name(v)))
end

local eval

local function with_var(ctx, name, v, fn)
  local saved = ctx.vars[name]
  ctx.vars[name] = v == nil and null or v
  local ok, r = pcall(fn)
  ctx.vars[name] = saved
  if not ok then error(r, 0) end
  return r
end

-- Iterates a collection as (key, value) in HCL order (lists by index from 0, maps by key).
local function each(ctx, node, coll, fn)
  local k = kind(coll)
  if k == "list" then
    for i = 1, #coll do fn(i - 1, coll[i]) end
  elseif k == "map" then
    for _, key in ipairs(value.sorted_keys(coll)) do fn(key, coll[key]) end
  else
    eerr(ctx, node, fmt("a for expression needs a collection, not %s", type_name(coll)))
  end
end

local function render(ctx, parts, out)
  for _, p in ipairs(parts) do
    if p.lit then
      out[#out + 1] = p.lit
    elseif p.expr then
      out[#out + 1] = tostr(ctx, p.expr, eval(ctx, p.expr))
    elseif p.cond then
      if truthy(ctx, p.cond, eval(ctx, p.cond)) then render(ctx, p.yes, out) else render(ctx, p.no, out) end
    elseif p.body then
      each(ctx, p.coll, eval(ctx, p.coll), function(k, v)
        with_var(ctx, p.val, v, function()
          if p.key then
            with_var(ctx, p.key, k, function() render(ctx, p.body, out) end)
          else
            render(ctx, p.body, out)
          end
        end)
      end)
    end
  end
end

local function dedent(text)
  local min
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    if line:match("%S") then
      local ind = #line:match("^[ \t]*")
      if not min or ind < min then min = ind end
    end
  end
  if not min or min == 0 then return text end
  return (("\n" .. text):gsub("\n" .. ("[ \t]"):rep(min), "\n"):sub(2))
end

local function get_attr(ctx, node, obj, name)
  local k = kind(obj)
  if k == "map" then
    local v = obj[name]
    if v == nil then eerr(ctx, node, fmt('Unsupported attribute: this object does not have an attribute named "%s"', name)) end
    return v
  end
  if k == "null" then eerr(ctx, node, fmt('Attempt to get attribute "%s" from a null value', name)) end
  eerr(ctx, node, fmt('Unsupported attribute: can\'t access attribute "%s" on a %s', name, type_name(obj)))
end

local OPS = {
  ["+"] = function(a, b) return a + b end, ["-"] = function(a, b) return a - b end,
  ["*"] = function(a, b) return a * b end,
  ["/"] = function(a, b) return a / b end, ["%"] = function(a, b) return math.fmod(a, b) end,
  ["<"] = function(a, b) return a < b end, [">"] = function(a, b) return a > b end,
  ["<="] = function(a, b) return a <= b end, [">="] = function(a, b) return a >= b end,
}

eval = function(ctx, n)
  local op = n.op
  if op == "lit" then
    return n.v
  elseif op == "paren" then
    return eval(ctx, n.x)
  elseif op == "tmpl" then
    local parts = n.parts
    if not n.heredoc and #parts == 1 and parts[1].expr then
      return eval(ctx, parts[1].expr) -- a lone interpolation keeps the value's type
    end
    local out = {}
    render(ctx, parts, out)
    local s = table.concat(out)
    if n.dash then s = dedent(s) end
    return s
  elseif op == "var" then
    local v = ctx.vars[n.name]
    if v ~= nil then return v end
    return ctx.resolve_root(n)
  elseif op == "attr" then
    if n.x.op == "var" and ctx.vars[n.x.name] == nil then
      local v = ctx.resolve_ref(n.x.name, n.name, n)
      if v ~= nil then return v end
    end
    return get_attr(ctx, n, eval(ctx, n.x), n.name)
  elseif op == "index" then
    local obj, key = eval(ctx, n.x), eval(ctx, n.key)
    local k = kind(obj)
    if k == "list" then
      local i = num(key)
      if not i or i ~= math.floor(i) then eerr(ctx, n, "Invalid index: a number is required") end
      local v = obj[i + 1]
      if v == nil then eerr(ctx, n, fmt("Invalid index: the given index (%d) is out of range", i)) end
      return v
    elseif k == "map" then
      local ks = kind(key)
      if ks ~= "string" and ks ~= "int" and ks ~= "float" then eerr(ctx, n, "Invalid index: a string is required") end
      local s = tostr(ctx, n, key)
      local v = obj[s]
      if v == nil then eerr(ctx, n, fmt('Invalid index: the given key "%s" does not exist', s)) end
      return v
    end
    eerr(ctx, n, fmt("Invalid index: a %s cannot be indexed", type_name(obj)))
  elseif op == "splat" then
    local coll = eval(ctx, n.x)
    local k = kind(coll)
    if k == "null" then return vlist {} end
    if k ~= "list" then coll = vlist { coll } end
    local out = vlist {}
    for i = 1, #coll do
      out[i] = with_var(ctx, "\0item", coll[i], function() return eval(ctx, n.each) end)
    end
    return out
  elseif op == "un" then
    local v = eval(ctx, n.x)
    if n.o == "!" then return not truthy(ctx, n, v) end
    local x = num(v)
    if not x then eerr(ctx, n, fmt("Invalid operand: a number is required, not %s", type_name(v))) end
    return -x
  elseif op == "bin" then
    local o = n.o
    if o == "&&" then
      return truthy(ctx, n.l, eval(ctx, n.l)) and truthy(ctx, n.r, eval(ctx, n.r))
    elseif o == "||" then
      return truthy(ctx, n.l, eval(ctx, n.l)) or truthy(ctx, n.r, eval(ctx, n.r))
    elseif o == "==" or o == "!=" then
      local a, b = eval(ctx, n.l), eval(ctx, n.r)
      local na, nb = num(a), num(b)
      local eq
      if kind(a) ~= "string" and kind(b) ~= "string" and na and nb then eq = na == nb else eq = value.equal(a, b) end
      if o == "==" then return eq end
      return not eq
    end
    local a, b = eval(ctx, n.l), eval(ctx, n.r)
    local x, y = num(a), num(b)
    if not x then eerr(ctx, n.l, fmt("Invalid operand: a number is required, not %s", type_name(a))) end
    if not y then eerr(ctx, n.r, fmt("Invalid operand: a number is required, not %s", type_name(b))) end
    if (o == "/" or o == "%") and y == 0 then eerr(ctx, n, "Error in function call: divide by zero") end
    return OPS[o](x, y)
  elseif op == "cond" then
    if truthy(ctx, n.c, eval(ctx, n.c)) then return eval(ctx, n.a) end
    return eval(ctx, n.b)
  elseif op == "tuple" then
    local out = vlist {}
    for i, e in ipairs(n.items) do out[i] = eval(ctx, e) end
    return out
  elseif op == "object" then
    local out = vmap {}
    for _, it in ipairs(n.items) do
      local key
      if it.k.ident then
        key = it.k.v
      else
        key = tostr(ctx, it.k, eval(ctx, it.k))
      end
      out[key] = eval(ctx, it.v)
    end
    return out
  elseif op == "for" or op == "ofor" then
    local coll = eval(ctx, n.coll)
    local out = op == "for" and vlist {} or vmap {}
    each(ctx, n.coll, coll, function(k, v)
      with_var(ctx, n.val, v, function()
        local function one()
          if n.cond and not truthy(ctx, n.cond, eval(ctx, n.cond)) then return end
          if op == "for" then
            out[#out + 1] = eval(ctx, n.body)
          else
            local key = tostr(ctx, n.kexpr, eval(ctx, n.kexpr))
            local val = eval(ctx, n.vexpr)
            if n.group then
              out[key] = out[key] or vlist {}
              out[key][#out[key] + 1] = val
            else
              if out[key] ~= nil then eerr(ctx, n, fmt('Duplicate object key "%s" in a for expression', key)) end
              out[key] = val
            end
          end
        end
        if n.key then with_var(ctx, n.key, k, one) else one() end
      end)
    end)
    return out
  elseif op == "call" then
    local name = n.name
    if name == "try" then
      for _, a in ipairs(n.args) do
        local ok, v = pcall(eval, ctx, a)
        if ok then return v end
        if not (type(v) == "table" and v.hcl) then error(v, 0) end
      end
      eerr(ctx, n, "Error in function call: no expression succeeded")
    elseif name == "can" then
      if #n.args ~= 1 then eerr(ctx, n, "Not enough function arguments: can needs 1") end
      local ok, v = pcall(eval, ctx, n.args[1])
      if not ok and not (type(v) == "table" and v.hcl) then error(v, 0) end
      return ok
    end
    local f = funcs.funcs[name]
    if not f then eerr(ctx, n, fmt('Call to unknown function: there is no function named "%s"', name)) end
    local args = {}
    for i, a in ipairs(n.args) do args[i] = eval(ctx, a) end
    if n.expand then
      local last = table.remove(args)
      if kind(last) ~= "list" then eerr(ctx, n, "Invalid expanding argument value: a list is required") end
      for i = 1, #last do args[#args + 1] = last[i] end
    end
    local ok, v = pcall(f, args)
    if not ok then
      if type(v) == "table" and v.hcl then error(v, 0) end
      eerr(ctx, n, fmt("Error in function call: call to function \"%s\" failed: %s", name, tostring(v)))
    end
    if v == nil then return null end
    return v
  end
  error("hcl: unknown node " .. tostring(op))
end

-- Helmfile's ctyMergeValues: null keeps a, maps merged per key, anything else replaced.
local function merge(a, b)
  if b == null or b == nil then return a end
  if a == null or a == nil then return b end
  if kind(a) == "map" and kind(b) == "map" then
    local out = vmap {}
    for _, k in ipairs(value.keys(a)) do out[k] = a[k] end
    for _, k in ipairs(value.keys(b)) do out[k] = out[k] ~= nil and merge(out[k], b[k]) or b[k] end
    return out
  end
  return b
end

-- Sorts map keys (as cty objects do) all the way down.
local function sorted(v)
  local k = kind(v)
  if k == "map" then
    local out = vmap {}
    for _, key in ipairs(value.sorted_keys(v)) do out[key] = sorted(v[key]) end
    return out
  elseif k == "list" then
    local out = vlist {}
    for i = 1, #v do out[i] = sorted(v[i]) end
    return out
  end
  return v
end

--- Evaluates an expression node: its value; errors raise {hcl = true, msg = "file:line: …"}.
M.eval = eval
--- Raises an evaluation error at `node` (file:line from ctx and node).
M.fail = eerr
--- Helmfile's ctyMergeValues of two values.
M.merge = merge
--- A value with map keys sorted all the way down.
M.sorted = sorted

return M
