--- The parser of HCL's native syntax (compat §3.5): bodies of `values {}` / `locals {}`
--- blocks; expressions with templates, heredocs, operators, conditionals, for-expressions,
--- splats and function calls, as AST nodes {op=, line=, …}.
local value = require "hfl.value"
local lexer = require "hfl.hcl.lexer"
local trim = require "hfl.trim"

local M = {}

local null = value.null
local fmt = string.format
local perr = lexer.fail

local Parser = setmetatable({}, { __index = lexer.Lexer })
Parser.__index = Parser

-- Templates: a list of parts {lit=} | {expr=} | {cond=, yes=, no=} | {key=, val=, coll=, body=}.

-- Scans template text until `stop` (a function of (src, i) → true at the end); returns the
-- parts and the position after the text. Directive ends are returned as {directive=word}.
function Parser:template(stop, heredoc)
  local s = self.src
  local parts, buf = {}, {}
  local function flush()
    if #buf > 0 then parts[#parts + 1] = { lit = table.concat(buf) }; buf = {} end
  end
  local i = self.pos
  while true do
    if stop(s, i) then break end
    local c = s:sub(i, i)
    if c == "" then perr(self, heredoc and "unterminated heredoc" or "unterminated string") end
    if c == "\n" then
      if not heredoc then perr(self, "unterminated string (newline in quoted string)") end
      self.line = self.line + 1
      buf[#buf + 1] = c
      i = i + 1
    elseif c == "\\" and not heredoc then
      local n = s:sub(i + 1, i + 1)
      local esc = { n = "\n", r = "\r", t = "\t", ['"'] = '"', ["\\"] = "\\" }
      if esc[n] then
        buf[#buf + 1], i = esc[n], i + 2
      elseif n == "u" or n == "U" then
        local len = n == "u" and 4 or 8
        local hex = s:sub(i + 2, i + 1 + len)
        local cp = #hex == len and hex:match("^%x+$") and tonumber(hex, 16)
        if not cp then perr(self, "invalid unicode escape") end
        local ch
        if cp < 0x80 then ch = string.char(cp)
        elseif cp < 0x800 then ch = string.char(0xC0 + math.floor(cp / 64), 0x80 + cp % 64)
        elseif cp < 0x10000 then
          ch = string.char(0xE0 + math.floor(cp / 4096), 0x80 + math.floor(cp / 64) % 64, 0x80 + cp % 64)
        elseif cp < 0x110000 then
          ch = string.char(0xF0 + math.floor(cp / 262144), 0x80 + math.floor(cp / 4096) % 64,
            0x80 + math.floor(cp / 64) % 64, 0x80 + cp % 64)
        else
          perr(self, "invalid unicode escape")
        end
        buf[#buf + 1], i = ch, i + 2 + len
      else
        perr(self, fmt("invalid escape sequence \\%s", n))
      end
    elseif (c == "$" or c == "%") and s:sub(i + 1, i + 2) == c .. "{" then
      buf[#buf + 1], i = c .. "{", i + 3
    elseif (c == "$" or c == "%") and s:sub(i + 1, i + 1) == "{" then
      i = i + 2
      if s:sub(i, i) == "~" then
        i = i + 1
        if #buf > 0 then buf[#buf] = trim.right(buf[#buf]) end
      end
      flush()
      self.pos, self.tok = i, nil
      local part
      self:with_nl(true, function()
        if c == "$" then
          part = { expr = self:expr() }
        else
          part = self:directive()
        end
      end)
      self:skip()
      i = self.pos
      local trim = false
      if s:sub(i, i) == "~" then trim, i = true, i + 1 end
      if s:sub(i, i) ~= "}" then perr(self, "expected \"}\" to end the template sequence") end
      i = i + 1
      if trim then i = s:find("[^ \t\r\n]", i) or (#s + 1) end
      if part.directive then
        part.trim_after = trim
        parts[#parts + 1] = part
      else
        parts[#parts + 1] = part
      end
    else
      buf[#buf + 1] = c
      i = i + 1
    end
  end
  flush()
  self.pos, self.tok = i, nil
  return self:nest(parts)
end

-- `%{ … }` contents: if COND / else / endif / for K, V in COLL / endfor.
function Parser:directive()
  local w = self:expect("ident", "a template directive").v
  if w == "if" then
    return { directive = "if", cond = self:expr() }
  elseif w == "for" then
    local a = self:expect("ident", "a variable name").v
    local b
    if self:accept(",") then b = self:expect("ident", "a variable name").v end
    local inw = self:expect("ident", '"in"')
    if inw.v ~= "in" then perr(self, 'expected "in"') end
    return { directive = "for", key = b and a or nil, val = b or a, coll = self:expr() }
  elseif w == "else" or w == "endif" or w == "endfor" then
    return { directive = w }
  end
  perr(self, fmt("unknown template directive %q", w))
end

-- Turns the flat list of parts with directive markers into nested if/for parts.
function Parser:nest(flat)
  local pos = 1
  local function block(stops)
    local out = {}
    while pos <= #flat do
      local p = flat[pos]
      if p.directive and stops[p.directive] then return out, p.directive end
      pos = pos + 1
      if p.directive == "if" then
        local yes, ended = block { ["else"] = true, endif = true }
        local no = {}
        if ended == "else" then
          pos = pos + 1
          no, ended = block { endif = true }
        end
        if ended ~= "endif" then perr(self, "missing %{endif} in template") end
        pos = pos + 1
        out[#out + 1] = { cond = p.cond, yes = yes, no = no }
      elseif p.directive == "for" then
        local body, ended = block { endfor = true }
        if ended ~= "endfor" then perr(self, "missing %{endfor} in template") end
        pos = pos + 1
        out[#out + 1] = { coll = p.coll, key = p.key, val = p.val, body = body }
      elseif p.directive then
        perr(self, fmt("unexpected %%{%s} in template", p.directive))
      else
        out[#out + 1] = p
      end
    end
    return out, nil
  end
  local out, ended = block {}
  if ended then perr(self, fmt("unexpected %%{%s} in template", ended)) end
  return out
end

------------------------------------------------------------------------------------------
-- Expressions: AST nodes {op=..., line=}.

local BINARY = {
  { ["||"] = true }, { ["&&"] = true }, { ["=="] = true, ["!="] = true },
  { ["<"] = true, [">"] = true, ["<="] = true, [">="] = true },
  { ["+"] = true, ["-"] = true }, { ["*"] = true, ["/"] = true, ["%"] = true },
}

function Parser:expr()
  local line = self.line
  local c = self:binary(1)
  if self:accept("?") then
    local a = self:expr()
    self:expect(":", '":" in a conditional')
    local b = self:expr()
    return { op = "cond", c = c, a = a, b = b, line = line }
  end
  return c
end

function Parser:binary(level)
  if level > #BINARY then return self:unary() end
  local left = self:binary(level + 1)
  while true do
    local t = self:peek()
    if not BINARY[level][t.t] then return left end
    self:next()
    local right = self:binary(level + 1)
    left = { op = "bin", o = t.t, l = left, r = right, line = t.line }
  end
end

function Parser:unary()
  local t = self:peek()
  if t.t == "-" or t.t == "!" then
    self:next()
    return { op = "un", o = t.t, x = self:unary(), line = t.line }
  end
  return self:postfix(self:primary())
end

function Parser:postfix(x)
  while true do
    local t = self:peek()
    if t.t == "." then
      self:next()
      local n = self:peek()
      if n.t == "ident" then
        self:next()
        x = { op = "attr", x = x, name = n.v, line = n.line }
      elseif n.t == "number" then
        self:next()
        x = { op = "index", x = x, key = { op = "lit", v = n.v }, line = n.line }
      elseif n.t == "*" then
        self:next()
        x = { op = "splat", x = x, line = n.line, rest = {} }
        return self:splat_rest(x)
      else
        perr(self, "expected an attribute name after \".\"", n.line)
      end
    elseif t.t == "[" then
      self:next()
      if self:peek().t == "*" then
        self:next()
        self:with_nl(true, function() self:expect("]") end)
        x = { op = "splat", x = x, line = t.line, rest = {} }
        return self:splat_rest(x)
      end
      local key = self:with_nl(true, function()
        local k = self:expr()
        self:expect("]")
        return k
      end)
      x = { op = "index", x = x, key = key, line = t.line }
    else
      return x
    end
  end
end

-- Traversals after a splat apply to each element.
function Parser:splat_rest(s)
  local item = { op = "var", name = "\0item", line = s.line }
  local cur = item
  while true do
    local t = self:peek()
    if t.t == "." and self.src:sub(t.e, t.e):match("[%a_]") then
      self:next()
      cur = { op = "attr", x = cur, name = self:expect("ident").v, line = t.line }
    elseif t.t == "[" and s.full then
      self:next()
      local key = self:with_nl(true, function()
        local k = self:expr()
        self:expect("]")
        return k
      end)
      cur = { op = "index", x = cur, key = key, line = t.line }
    else
      break
    end
  end
  s.each = cur
  return s
end

function Parser:primary()
  local t = self:peek()
  if t.t == "number" then
    self:next()
    return { op = "lit", v = t.v }
  elseif t.t == "ident" then
    self:next()
    if t.v == "true" then return { op = "lit", v = true } end
    if t.v == "false" then return { op = "lit", v = false } end
    if t.v == "null" then return { op = "lit", v = null } end
    if self.src:sub(self.pos, self.pos) == "(" then
      self:next()
      return self:with_nl(true, function()
        local args, expand = {}, false
        if not self:accept(")") then
          repeat
            if self:peek().t == ")" then break end
            args[#args + 1] = self:expr()
            if self:accept("...") then expand = true end
          until not self:accept(",")
          self:expect(")", '")" or ","')
        end
        return { op = "call", name = t.v, args = args, expand = expand, line = t.line }
      end)
    end
    return { op = "var", name = t.v, line = t.line }
  elseif t.t == "quote" then
    self:next()
    local parts = self:template(function(s, i) return s:sub(i, i) == '"' end, false)
    self.pos = self.pos + 1
    self.tok = nil
    return { op = "tmpl", parts = parts, line = t.line }
  elseif t.t == "heredoc" then
    self:next()
    self.line = self.line + 1
    local word = t.v
    local parts = self:template(function(s, i)
      return (i == 1 or s:sub(i - 1, i - 1) == "\n") and s:match("^[ \t]*" .. word:gsub("%-", "%%-") .. "[ \t\r]*\n", i) ~= nil
        or (i == 1 or s:sub(i - 1, i - 1) == "\n") and s:match("^[ \t]*" .. word:gsub("%-", "%%-") .. "[ \t\r]*$", i) ~= nil
    end, true)
    local line_end = self.src:find("\n", self.pos, true) or (#self.src + 1)
    self.pos, self.tok = line_end, nil
    return { op = "tmpl", parts = parts, heredoc = true, dash = t.dash, line = t.line }
  elseif t.t == "(" then
    self:next()
    return self:with_nl(true, function()
      local e = self:expr()
      self:expect(")")
      return { op = "paren", x = e, line = t.line }
    end)
  elseif t.t == "[" then
    self:next()
    return self:with_nl(true, function() return self:tuple(t.line) end)
  elseif t.t == "{" then
    self:next()
    return self:object(t.line)
  end
  local got = t.t == "nl" and "newline" or t.t == "eof" and "end of file" or ("%q"):format(t.t)
  perr(self, "expected an expression, got " .. got, t.line)
end

function Parser:for_head()
  local a = self:expect("ident", "a variable name").v
  local b
  if self:accept(",") then b = self:expect("ident", "a variable name").v end
  local inw = self:expect("ident", '"in"')
  if inw.v ~= "in" then perr(self, 'expected "in"') end
  local coll = self:expr()
  self:expect(":", '":" in a for expression')
  return b and a or nil, b or a, coll
end

function Parser:tuple(line)
  local t = self:peek()
  if t.t == "ident" and t.v == "for" and self.src:sub(t.e, t.e):match("%s") then
    self:next()
    local k, v, coll = self:for_head()
    local body = self:expr()
    local cond
    if self:peek().t == "ident" and self:peek().v == "if" then
      self:next()
      cond = self:expr()
    end
    self:expect("]")
    return { op = "for", key = k, val = v, coll = coll, body = body, cond = cond, line = line }
  end
  local items = {}
  while not self:accept("]") do
    items[#items + 1] = self:expr()
    if not self:accept(",") then
      self:expect("]", '"," or "]"')
      break
    end
  end
  return { op = "tuple", items = items, line = line }
end

function Parser:object(line)
  return self:with_nl(false, function()
    local function skipnl() while self:accept("nl") do end end
    skipnl()
    local t = self:peek()
    if t.t == "ident" and t.v == "for" and self.src:sub(t.e, t.e):match("%s") then
      return self:with_nl(true, function()
        self:next()
        local k, v, coll = self:for_head()
        local kexpr = self:expr()
        self:expect("=>", '"=>" in an object for expression')
        local vexpr = self:expr()
        local group = self:accept("...") ~= nil
        local cond
        if self:peek().t == "ident" and self:peek().v == "if" then
          self:next()
          cond = self:expr()
        end
        self:expect("}")
        return { op = "ofor", key = k, val = v, coll = coll, kexpr = kexpr, vexpr = vexpr, group = group,
          cond = cond, line = line }
      end)
    end
    local items = {}
    while true do
      skipnl()
      if self:accept("}") then break end
      local kt = self:peek()
      local key
      if kt.t == "ident" then
        self:next()
        key = { op = "lit", v = kt.v, ident = true }
      elseif kt.t == "(" then
        key = self:with_nl(true, function() return self:primary() end)
      else
        key = self:with_nl(true, function() return self:unary() end)
      end
      local sep = self:peek()
      if sep.t ~= "=" and sep.t ~= ":" then perr(self, 'expected "=" or ":" after an object key', sep.line) end
      self:next()
      local v = self:expr() -- ends at a newline, "," or "}"
      items[#items + 1] = { k = key, v = v }
      local n = self:peek()
      if n.t == "," or n.t == "nl" then
        self:next()
      elseif n.t ~= "}" then
        perr(self, 'expected ",", a newline or "}" after an object item', n.line)
      end
    end
    return { op = "object", items = items, line = line }
  end)
end

-- Body: attributes and blocks, one per line.
function Parser:body(closing)
  local items = {}
  while true do
    while self:accept("nl") do end
    local t = self:peek()
    if closing and t.t == "}" then self:next(); break end
    if t.t == "eof" then
      if closing then perr(self, 'expected "}" to close the block', t.line) end
      break
    end
    if t.t ~= "ident" then perr(self, "expected an attribute or block name", t.line) end
    self:next()
    local n = self:peek()
    if n.t == "=" then
      self:next()
      local e = self:expr()
      items[#items + 1] = { attr = t.v, expr = e, line = t.line }
      local after = self:peek()
      if after.t ~= "nl" and after.t ~= "eof" and not (closing and after.t == "}") then
        perr(self, "expected a newline after the attribute", after.line)
      end
    else
      local labels = {}
      while self:peek().t == "quote" or self:peek().t == "ident" do
        local l = self:peek()
        if l.t == "ident" then
          self:next()
          labels[#labels + 1] = l.v
        else
          local lit = self:primary()
          labels[#labels + 1] = lit.parts[1] and lit.parts[1].lit or ""
        end
      end
      self:expect("{", '"=" or "{"')
      items[#items + 1] = { block = t.v, labels = labels, body = self:body(true), line = t.line }
    end
  end
  return items
end

--- Parses HCL source into a body: a list of {attr=, expr=, line=} | {block=, labels=, body=, line=}.
---@param text string
---@param name string file name for messages
---@return table|nil body, string|nil err
function M.parse(text, name)
  local p = setmetatable({ src = text:gsub("\r\n", "\n"), pos = 1, line = 1, nl_depth = 0, name = name }, Parser)
  local ok, r = pcall(function() return p:body(false) end)
  if not ok then
    if type(r) == "table" and r.hcl then return nil, r.msg end
    error(r, 0)
  end
  return r
end

return M
