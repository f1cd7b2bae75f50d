--- `--set n=3` gives Helm an int64; hfl's values model has one integer kind, which the
--- template engine treats as Go's int. They print, compare, encode and compute alike; they
--- differ where a template looks at Go types (typeOf, kindIs "int", deepEqual, %T) or passes
--- the value to a parameter of type int (Go refuses an int64 there). A chart whose templates
--- might do either is left to helm when --set typed a value as an integer: this module
--- finds such templates, erring on the side of helm.
local arity = require "hfl.tmpl.arity"

local M = {}

-- Functions whose result depends on the Go type of their argument.
local TYPE_WORDS = { "typeOf", "kindOf", "deepEqual" }
-- Functions taking a type name first: safe when it is a literal not naming an integer type.
local TYPE_TESTS = { "kindIs", "typeIs", "typeIsLike" }

-- name → { int params' positions, last param is int }
local function int_params()
  local out = {}
  for _, set in ipairs { arity.sprig, arity.helmfile } do
    for name, sig in pairs(set) do
      local positions, last = {}, false
      for i = 1, sig[1] do
        if sig[2 + i] == "int" then
          positions[#positions + 1] = i
          if i == sig[1] then last = true end
        end
      end
      if #positions > 0 then out[name] = { positions = positions, last = last } end
    end
  end
  return out
end

-- The whitespace-separated operands after position i of an action's text (up to a pipe or
-- a closing parenthesis).
local function operands(text, i)
  local rest = text:sub(i)
  rest = rest:match("^([^|)]*)") or rest
  local out = {}
  for w in rest:gmatch("%S+") do out[#out + 1] = w end
  return out
end

local function literal_int(tok)
  return tok ~= nil and tok:match("^[-+]?%d+$") ~= nil
end

-- Whether one action's text (between {{ and }}) might tell an int64 from an int.
local function sensitive_action(text, ints)
  if text:find("%T", 1, true) then return true end
  for _, w in ipairs(TYPE_WORDS) do
    if text:find("%f[%w_]" .. w .. "%f[^%w_]") then return true end
  end
  for _, w in ipairs(TYPE_TESTS) do
    for arg in text:gmatch("%f[%w_]" .. w .. "%f[^%w_]%s*(%S*)") do
      local name = arg:match('^"([^"]*)"') or arg:match("^`([^`]*)`")
      if not name or name:find("int", 1, true) then return true end
    end
  end
  for s, e in text:gmatch("()[%a_][%w_]*()") do
    local name = text:sub(s, e - 1)
    local info = ints[name]
    -- a field (.Values.until) or a variable ($trunc) is not a call
    local before = text:sub(s - 1, s - 1)
    if info and before ~= "." and before ~= "$" then
      local ops = operands(text, e)
      for _, pos in ipairs(info.positions) do
        if ops[pos] ~= nil and not literal_int(ops[pos]) then return true end
      end
      -- a pipeline's value goes to the last parameter
      if info.last and #ops < #info.positions and text:sub(1, s - 1):match("|%s*$") then return true end
    end
  end
  return false
end

local function sensitive(text, ints)
  for action in text:gmatch("{{(.-)}}") do
    if sensitive_action((action:gsub("^%-", ""):gsub("%-$", "")), ints) then return true end
  end
  return false
end

--- The first template (of the chart and its subcharts) that might tell an int64 from an int,
--- or nil.
---@param c table  a loaded chart
---@return string|nil name
function M.sensitive_template(c)
  local ints = int_params()
  local function walk(ch)
    for _, t in ipairs(ch.templates) do
      if sensitive(t.data, ints) then return t.name end
    end
    for _, d in ipairs(ch.dependencies) do
      local found = walk(d)
      if found then return found end
    end
  end
  return walk(c)
end

return M
