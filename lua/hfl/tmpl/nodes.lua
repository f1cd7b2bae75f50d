--- Literals and nodes of Go's template syntax: strconv.Unquote for strings and runes, number
--- literals with Go's int/float64 rules, and the String() forms of tokens and parse nodes
--- that Go's error messages quote.
local value = require "hfl.value"
local fmt = require "hfl.tmpl.fmt"
local lexer = require "hfl.tmpl.lexer"

local M = {}

local sfmt, ssub, sbyte, schar, sfind, concat = string.format, string.sub, string.byte, string.char, string.find, table.concat
local tonumber = tonumber

local function perr(msg) error({ tmpl_parse = msg }, 0) end
M.perr = perr

local escapes = { a = "\a", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t", v = "\v", ["\\"] = "\\" }

-- strconv.UnquoteChar on s at i; returns the text and next index, or nil.
local function unquote_char(s, i, quote)
  local c = ssub(s, i, i)
  if c == "" then return nil end
  if c ~= "\\" then
    if c == quote and quote == "'" then return nil end
    local b = sbyte(c)
    local l = b < 0x80 and 1 or b < 0xE0 and 2 or b < 0xF0 and 3 or 4
    return ssub(s, i, i + l - 1), i + l
  end
  local e = ssub(s, i + 1, i + 1)
  if escapes[e] then return escapes[e], i + 2 end
  if e == quote then return e, i + 2 end
  if e == "x" or e == "u" or e == "U" then
    local n = e == "x" and 2 or e == "u" and 4 or 8
    local h = ssub(s, i + 2, i + 1 + n)
    if #h ~= n or h:find("[^%x]") then return nil end
    local v = tonumber(h, 16)
    if e == "x" then return schar(v), i + 2 + n end
    if v > 0x10FFFF or (v >= 0xD800 and v <= 0xDFFF) then return nil end
    return fmt.utf8_encode(v), i + 2 + n, v
  end
  if e:match("[0-7]") then
    local o = ssub(s, i + 1, i + 3)
    if not o:match("^[0-7][0-7][0-7]$") then return nil end
    local v = tonumber(o, 8)
    if v > 255 then return nil end
    return schar(v), i + 4
  end
  return nil
end

--- strconv.Unquote for "..." and `...` literals.
---@return string|nil
function M.unquote(q)
  local first = ssub(q, 1, 1)
  if first == "`" then return (ssub(q, 2, -2):gsub("\r", "")) end
  -- most literals are plain ASCII: nothing to decode
  if not sfind(q, "[\\\128-\255]", 2) then return ssub(q, 2, -2) end
  local out, i, stop = {}, 2, #q
  while i < stop do
    local piece, nxt = unquote_char(q, i, '"')
    if not piece then return nil end
    out[#out + 1] = piece
    i = nxt
  end
  return concat(out)
end

-- Go's rule for underscores in number literals: each one separates two digits (a base
-- prefix counts as a digit).
local function underscores_ok(body)
  if not body:find("_", 1, true) then return true end
  local b = body:gsub("^0[xXoObB]", "0")
  return not (b:find("__", 1, true) or b:find("^_") or b:find("_$") or b:find("_[^%w]") or b:find("[^%w]_"))
end

-- Compares two decimal digit strings without leading zeros.
local function digits_le(a, b)
  if #a ~= #b then return #a < #b end
  return a <= b
end

local INT64_MAX, UINT64_MAX = "9223372036854775807", "18446744073709551615"

-- The value of a number literal, following parse.newNumber and exec's idealConstant:
-- syntax decides int or float64; an int beyond int64 but within uint64 fails only when
-- executed ("overflows int"), as Go's does.
function M.number_node(tok)
  local text = tok[2]
  local node = { t = "number", pos = tok[3], text = text }
  if tok[1] == "char" then
    local inner = ssub(text, 2, -2)
    local piece, nxt, cp = unquote_char(inner, 1, "'")
    if not piece then perr("invalid syntax") end
    if nxt ~= #inner + 1 then perr(sfmt("malformed character constant: %s", text)) end
    if not cp then
      local runes = fmt.runes(piece)
      cp = runes[1] and runes[1][1] or 0
    end
    node.is_int, node.int, node.value = true, cp, cp
    return node
  end
  if text:find("i$") then perr(sfmt("complex numbers are not supported by hfl: %q", text)) end
  local sign, body = text:match("^([+-]?)(.*)$")
  if not underscores_ok(body) then perr(sfmt("illegal number syntax: %q", text)) end
  local clean = body:gsub("_", "")
  local int, digits
  if clean:match("^0[xX]%x+$") then int = tonumber(ssub(clean, 3), 16)
  elseif clean:match("^0[oO][0-7]+$") then int = tonumber(ssub(clean, 3), 8)
  elseif clean:match("^0[bB][01]+$") then int = tonumber(ssub(clean, 3), 2)
  elseif clean:match("^0[0-7]+$") then int = tonumber(clean, 8)
  elseif clean:match("^[1-9]%d*$") or clean == "0" then int, digits = tonumber(clean), clean end
  local hex = clean:match("^0[xX]")
  local is_float_syntax = (hex and clean:find("[pP]")) or (not hex and clean:find("[.eE]"))
  if int then
    if digits then
      local limit = sign == "-" and "9223372036854775808" or INT64_MAX
      if not digits_le(digits, limit) then
        if sign ~= "-" and digits_le(digits, UINT64_MAX) then
          node.overflow = true
          return node
        end
        perr(sfmt("integer overflow: %q", text))
      end
    elseif int >= 2 ^ 64 then
      perr(sfmt("integer overflow: %q", text))
    elseif int >= 2 ^ 63 and sign ~= "-" then
      node.overflow = true
      return node
    end
    if sign == "-" then int = -int end
    node.is_int, node.int = true, int
    if digits and math.abs(int) >= 2 ^ 53 then
      node.value = value.int(sign == "-" and "-" .. digits or digits)
    else
      node.value = int
    end
    return node
  end
  local f = tonumber(clean)
  if not f or clean:match("^0[xX]") and not clean:find("[pP]") then
    perr(sfmt("illegal number syntax: %q", text))
  end
  if not is_float_syntax then perr(sfmt("integer overflow: %q", text)) end
  if sign == "-" then f = -f end
  node.float = f
  if f == math.floor(f) and math.abs(f) < 2 ^ 63 then node.is_int, node.int = true, f end
  node.value = value.float(f)
  return node
end

-- Go's item.String() for error messages.
function M.tok_string(tok)
  local typ, val = tok[1], tok[2]
  if typ == "eof" then return "EOF" end
  if typ == "error" then return val end
  if lexer.keyword_kinds[typ] then return "<" .. val .. ">" end
  local runes = fmt.runes(val)
  if #runes > 10 then
    local t = {}
    for i = 1, 10 do t[i] = runes[i][2] end
    return fmt.quote(concat(t)) .. "..."
  end
  return fmt.quote(val)
end

--- Go's Node.String() of a parse node (used in exec error contexts).
local function node_string(n)
  local t = n.t
  if t == "field" then return "." .. concat(n.ident, ".") end
  if t == "variable" then return concat(n.ident, ".") end
  if t == "identifier" then return n.name end
  if t == "dot" then return "." end
  if t == "nil" then return "nil" end
  if t == "bool" then return n.val and "true" or "false" end
  if t == "number" then return n.text end
  if t == "string" then return n.quoted end
  if t == "chain" then
    local s = n.node.t == "pipe" and "(" .. node_string(n.node) .. ")" or node_string(n.node)
    return s .. "." .. concat(n.field, ".")
  end
  if t == "command" then
    local parts = {}
    for i, a in ipairs(n.args) do
      parts[i] = a.t == "pipe" and "(" .. node_string(a) .. ")" or node_string(a)
    end
    return concat(parts, " ")
  end
  if t == "pipe" then
    local s = ""
    if #n.decl > 0 then
      local d = {}
      for i, v in ipairs(n.decl) do d[i] = node_string(v) end
      s = concat(d, ", ") .. " := "
    end
    local c = {}
    for i, cmd in ipairs(n.cmds) do c[i] = node_string(cmd) end
    return s .. concat(c, " | ")
  end
  if t == "template" then
    return "{{template " .. fmt.quote(n.name) .. (n.pipe and " " .. node_string(n.pipe) or "") .. "}}"
  end
  if t == "action" then return "{{" .. node_string(n.pipe) .. "}}" end
  if t == "text" then return n.text end
  if t == "list" then
    local parts = {}
    for i, c in ipairs(n.nodes) do parts[i] = node_string(c) end
    return concat(parts)
  end
  if t == "if" or t == "with" or t == "range" then
    return "{{" .. t .. " " .. node_string(n.pipe) .. "}}" .. node_string(n.list)
      .. (n.else_list and "{{else}}" .. node_string(n.else_list) or "") .. "{{end}}"
  end
  if t == "break" then return "{{break}}" end
  if t == "continue" then return "{{continue}}" end
  return t
end
M.node_string = node_string

return M
