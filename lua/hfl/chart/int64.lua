--- `--set n=3` gives Helm an int64; hfl's values model has one integer kind, which the
--- template engine treats as Go's int. They print, compare, encode and compute alike; they
--- differ where a template looks at Go types (typeOf, kindIs "int", deepEqual, %T) or passes
--- the value to a parameter of type int (Go refuses an int64 there). A chart whose templates
--- might do either is left to helm when --set typed a value as an integer: this module
--- finds such templates, erring on the side of helm.
local arity = require "hfl.tmpl.arity"

local M = {}

-- Functions whose result names the Go type of their argument: safe only as the operand of an
-- eq/ne with string literals not naming an integer type.
local TYPE_NAMES = { typeOf = true, kindOf = true }
-- Functions taking a type name first: safe when it is a literal not naming an integer type.
local TYPE_TESTS = { kindIs = true, typeIs = true, typeIsLike = true }
-- Functions whose result is a Go int (safe as an int argument).
local GIVES_INT = { int = true, len = true }

-- name → { positions of its int parameters, parameter count, last one is int }
local function int_params()
  local out = {}
  for _, set in ipairs { arity.sprig, arity.helmfile } do
    for name, sig in pairs(set) do
      local positions = {}
      for i = 1, sig[1] do
        if sig[2 + i] == "int" then positions[#positions + 1] = i end
      end
      if #positions > 0 then
        out[name] = { positions = positions, n = sig[1], last = positions[#positions] == sig[1] }
      end
    end
  end
  return out
end

-- An action's tokens: strings {s=}, "(", ")", "|", and words (identifiers, fields,
-- variables, numbers, operators).
local function tokens(text)
  local out, i, n = {}, 1, #text
  while i <= n do
    local c = text:sub(i, i)
    if c:match("%s") then
      i = i + 1
    elseif c == '"' then
      local j = i + 1
      while j <= n and text:sub(j, j) ~= '"' do
        if text:sub(j, j) == "\\" then j = j + 1 end
        j = j + 1
      end
      out[#out + 1] = { s = text:sub(i + 1, j - 1) }
      i = j + 1
    elseif c == "`" then
      local j = text:find("`", i + 1, true) or n
      out[#out + 1] = { s = text:sub(i + 1, j - 1) }
      i = j + 1
    elseif c == "(" or c == ")" or c == "|" then
      out[#out + 1] = c
      i = i + 1
    else
      local j = i
      while j <= n and not text:sub(j, j):match('[%s()|"`]') do j = j + 1 end
      out[#out + 1] = text:sub(i, j - 1)
      i = j
    end
  end
  return out
end

-- The operands of the command whose function is at toks[k]: each a token or a parenthesised
-- group {from, to}, up to a pipe or the closing parenthesis of the command's group.
local function operands(toks, k)
  local out, j = {}, k + 1
  while toks[j] ~= nil and toks[j] ~= "|" and toks[j] ~= ")" do
    if toks[j] == "(" then
      local depth, e = 0, j
      repeat
        if toks[e] == "(" then depth = depth + 1 elseif toks[e] == ")" then depth = depth - 1 end
        e = e + 1
      until depth == 0 or toks[e] == nil
      out[#out + 1] = { from = j, to = e - 1 }
      j = e
    else
      out[#out + 1] = { from = j, to = j }
      j = j + 1
    end
  end
  return out
end

-- Whether an operand surely is a Go int: a number, or a call of int/len.
local function gives_int(toks, op)
  if op.from == op.to then return type(toks[op.from]) == "string" and toks[op.from]:match("^[-+]?%d+$") ~= nil end
  return GIVES_INT[toks[op.from + 1]] == true
end

-- Whether a string token names an integer type (int, int64, uint8…; not "interface").
local function names_int(tok)
  return type(tok) == "table" and tok.s:find("%f[%w]u?int%d*%f[^%w]") ~= nil
end

-- The first word of the command that feeds the pipe just before toks[k] (nil without one).
local function piped_from(toks, k)
  if toks[k - 1] ~= "|" then return false end
  local j, depth = k - 2, 0
  while j >= 1 do
    local t = toks[j]
    if t == ")" then depth = depth + 1
    elseif t == "(" then
      if depth == 0 then break end
      depth = depth - 1
    elseif t == "|" and depth == 0 then break end
    j = j - 1
  end
  return toks[j + 1]
end

-- Whether one action's text (between {{ and }}) might tell an int64 from an int.
local function sensitive_action(text, ints)
  if text:find("%T", 1, true) or text:find("%f[%w_]deepEqual%f[^%w_]") then return true end
  local toks = tokens(text)
  for k, t in ipairs(toks) do
    if TYPE_NAMES[t] then
      -- eq (typeOf X) "lit" / eq "lit" (typeOf X)
      local cmp = toks[k - 1] == "(" and (toks[k - 2] == "eq" or toks[k - 2] == "ne"
        or (type(toks[k - 2]) == "table" and (toks[k - 3] == "eq" or toks[k - 3] == "ne")))
      if not cmp then return true end
      for _, u in ipairs(toks) do
        if names_int(u) then return true end
      end
    elseif TYPE_TESTS[t] then
      local name = toks[k + 1]
      if type(name) ~= "table" or names_int(name) then return true end
    elseif type(t) == "string" and ints[t] then
      local info = ints[t]
      local ops = operands(toks, k)
      for _, pos in ipairs(info.positions) do
        if ops[pos] and not gives_int(toks, ops[pos]) then return true end
      end
      -- a pipeline's value goes to the last parameter
      if info.last and #ops < info.n then
        local from = piped_from(toks, k)
        if from ~= false and not GIVES_INT[from] then return true end
      end
    end
  end
  return false
end

local function sensitive(text, ints)
  -- comments first: their text may hold braces of its own
  text = text:gsub("{{%-?%s*/%*.-%*/%s*%-?}}", "")
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
