--- HCL environment values files (compat §3.5): a parser for HCL's native syntax (bodies of
--- `values {}` / `locals {}` blocks; expressions with templates, heredocs, operators,
--- conditionals, for-expressions, splats and function calls) and Helmfile's evaluation of a
--- set of files: `values` attributes of every file share one namespace read as `hv.NAME`
--- (several definitions of a name are evaluated in file order and deep-merged: maps per key,
--- lists and scalars replaced, null keeps the earlier value); each file's single `locals` block
--- is read as `local.NAME` in that file only. References are resolved lazily (a cycle is an
--- error). Functions: hfl.state.hcl_funcs.
local value = require "hfl.value"

local M = {}

local null, vmap, vlist, kind = value.null, value.map, value.list, value.kind
local fmt = string.format

------------------------------------------------------------------------------------------
-- Parser. The lexer is driven by the parser (string templates switch it to raw scanning).

local Parser = {}
Parser.__index = Parser

local function perr(p, msg, line)
  error({ hcl = true, msg = fmt("%s:%d: %s", p.name, line or p.line, msg) }, 0)
end

local PUNCT3 = { ["..."] = true }
local PUNCT2 = { ["=="] = true, ["!="] = true, ["<="] = true, [">="] = true, ["&&"] = true, ["||"] = true,
  ["=>"] = true }
local PUNCT1 = "{}[]()=:,.?+-*/%<>!~"

-- Skips spaces and comments; newlines too unless they matter (p.nl_depth == 0).
function Parser:skip()
  local s, i = self.src, self.pos
  while true do
    local c = s:sub(i, i)
    if c == " " or c == "\t" or c == "\r" then
      i = i + 1
    elseif c == "\n" and self.nl_depth > 0 then
      i, self.line = i + 1, self.line + 1
    elseif c == "#" or (c == "/" and s:sub(i + 1, i + 1) == "/") then
      local e = s:find("\n", i, true) or (#s + 1)
      i = e
    elseif c == "/" and s:sub(i + 1, i + 1) == "*" then
      local e = s:find("*/", i + 2, true)
      if not e then self.pos = i; perr(self, "unterminated comment") end
      local _, n = s:sub(i, e):gsub("\n", "")
      self.line = self.line + n
      i = e + 2
    else
      break
    end
  end
  self.pos = i
end

--- The next token without consuming it: {t=kind, v=value, s=start, e=end (exclusive), line=}.
function Parser:peek()
  if self.tok and self.tok.s == self.pos and self.tok.depth == self.nl_depth then return self.tok end
  self:skip()
  local s, i = self.src, self.pos
  local tok = { s = i, line = self.line, depth = self.nl_depth }
  local c = s:sub(i, i)
  if c == "" then
    tok.t, tok.e = "eof", i
  elseif c == "\n" then
    tok.t, tok.e = "nl", i + 1
  elseif c:match("[%a_]") then
    local w = s:match("^[%w_%-]+", i)
    tok.t, tok.v, tok.e = "ident", w, i + #w
  elseif c:match("%d") then
    local n = s:match("^%d+%.?%d*[eE][%+%-]?%d+", i) or s:match("^%d+%.%d+", i) or s:match("^%d+", i)
    tok.t, tok.v, tok.e = "number", tonumber(n), i + #n
  elseif c == '"' then
    tok.t, tok.e = "quote", i + 1
  elseif s:sub(i, i + 1) == "<<" and s:match("^<<%-?[%a_][%w_%-]*\n", i) then
    local dash, word = s:match("^<<(%-?)([%a_][%w_%-]*)\n", i)
    tok.t, tok.v, tok.dash, tok.e = "heredoc", word, dash == "-", i + 2 + #dash + #word + 1
  elseif PUNCT3[s:sub(i, i + 2)] then
    tok.t, tok.e = s:sub(i, i + 2), i + 3
  elseif PUNCT2[s:sub(i, i + 1)] then
    tok.t, tok.e = s:sub(i, i + 1), i + 2
  elseif PUNCT1:find(c, 1, true) then
    tok.t, tok.e = c, i + 1
  else
    perr(self, fmt("invalid character %q", c))
  end
  self.tok = tok
  return tok
end

function Parser:next()
  local t = self:peek()
  self.pos = t.e
  if t.t == "nl" then self.line = self.line + 1 end
  self.tok = nil
  return t
end

function Parser:accept(t)
  if self:peek().t == t then return self:next() end
  return nil
end

function Parser:expect(t, what)
  local tok = self:peek()
  if tok.t ~= t then
    local got = tok.t == "ident" and ("%q"):format(tok.v) or tok.t == "nl" and "newline"
      or tok.t == "eof" and "end of file" or ("%q"):format(tok.t)
    perr(self, fmt("expected %s, got %s", what or ("%q"):format(t), got), tok.line)
  end
  return self:next()
end

-- Runs fn with newlines ignored (depth > 0) or significant (depth 0).
function Parser:with_nl(ignore, fn)
  local saved = self.nl_depth
  self.nl_depth = ignore and saved + 1 or 0
  self.tok = nil
  local ok, r = pcall(fn)
  self.nl_depth = saved
  self.tok = nil
  if not ok then error(r, 0) end
  return r
end

------------------------------------------------------------------------------------------
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
        if #buf > 0 then buf[#buf] = buf[#buf]:gsub("%s+$", "") end
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

------------------------------------------------------------------------------------------
-- Evaluation.

local funcs = require "hfl.state.hcl_funcs"

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
M._merge = merge

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

--- Evaluates a set of HCL values files (Helmfile's HCLRender) into one map.
---@param paths string[] files in order
---@param shown table|nil path → how it is named in messages
---@param texts table|nil path → source text to use instead of reading the file (decrypted secrets)
---@return table|nil values, string|nil err
function M.render(paths, shown, texts)
  local defs, def_order = {}, {} -- name → list of {expr, file}
  local locals = {}                -- file → name → {expr, line}
  for _, path in ipairs(paths) do
    local name = shown and shown[path] or path
    local text = texts and texts[path]
    if not text then
      local f, ferr = io.open(path, "rb")
      if not f then return nil, fmt("%s: %s", name, tostring(ferr)) end
      local rerr
      text, rerr = f:read("*a")
      f:close()
      if not text then return nil, fmt("%s: %s", name, tostring(rerr)) end
    end
    local body, perr_ = M.parse(text, name)
    if not body then return nil, perr_ end
    local file_locals, nlocals = {}, 0
    for _, item in ipairs(body) do
      if item.attr then
        return nil, fmt('%s:%d: Unsupported argument: an argument named "%s" is not expected here '
          .. '(use a values or locals block)', name, item.line, item.attr)
      elseif item.block ~= "values" and item.block ~= "locals" then
        return nil, fmt('%s:%d: Unsupported block type: blocks of type "%s" are not expected here',
          name, item.line, item.block)
      end
      if item.block == "locals" then
        nlocals = nlocals + 1
        if nlocals > 1 then return nil, fmt("%s:%d: A file can only support exactly 1 `locals` block", name, item.line) end
      end
      local seen = {}
      for _, a in ipairs(item.body) do
        if a.block then
          return nil, fmt('%s:%d: Unexpected "%s" block: blocks are not allowed here', name, a.line, a.block)
        end
        if seen[a.attr] then
          return nil, fmt('%s:%d: Duplicate argument: the argument "%s" was already set in this block', name, a.line, a.attr)
        end
        seen[a.attr] = true
        local def = { expr = a.expr, file = name, line = a.line, name = a.attr }
        if item.block == "locals" then
          file_locals[a.attr] = def
        else
          if not defs[a.attr] then
            defs[a.attr] = {}
            def_order[#def_order + 1] = a.attr
          end
          local list = defs[a.attr]
          list[#list + 1] = def
        end
      end
    end
    locals[name] = file_locals
  end

  local done, busy = {}, {}
  local ldone, lbusy = {}, {}
  local resolve_value, resolve_local

  local function context(file, in_locals)
    local ctx = { file = file, vars = {} }
    ctx.resolve_ref = function(root, attr, node)
      if root == "hv" then
        if in_locals then eerr(ctx, node, 'Unknown variable: there is no variable named "hv" in a locals block') end
        if not defs[attr] then
          eerr(ctx, node, fmt('Unsupported attribute: this object does not have an attribute named "%s"', attr))
        end
        return resolve_value(attr, ctx, node)
      elseif root == "local" then
        local l = locals[file] or {}
        if not l[attr] then
          eerr(ctx, node, fmt('Unsupported attribute: this object does not have an attribute named "%s"', attr))
        end
        return resolve_local(file, attr, ctx, node)
      end
      return nil
    end
    ctx.resolve_root = function(node)
      if node.name == "local" then
        local out = vmap {}
        for k in pairs(locals[file] or {}) do out[k] = resolve_local(file, k, ctx, node) end
        return out
      elseif node.name == "hv" then
        eerr(ctx, node, 'Invalid reference: the "hv" object cannot be accessed directly. Instead, access it from one of its root.')
      end
      eerr(ctx, node, fmt('Unknown variable: there is no variable named "%s"', node.name))
    end
    return ctx
  end

  resolve_local = function(file, name, from, node)
    ldone[file] = ldone[file] or {}
    lbusy[file] = lbusy[file] or {}
    if ldone[file][name] ~= nil then return ldone[file][name] end
    if lbusy[file][name] then eerr(from, node, fmt('Cycle detected: local.%s refers to itself', name)) end
    lbusy[file][name] = true
    local def = locals[file][name]
    local v = eval(context(file, true), def.expr)
    lbusy[file][name] = nil
    ldone[file][name] = v
    return v
  end

  resolve_value = function(name, from, node)
    if done[name] ~= nil then return done[name] end
    if busy[name] then eerr(from, node, fmt("Cycle detected: hv.%s refers to itself", name)) end
    busy[name] = true
    local merged
    for i, def in ipairs(defs[name]) do
      local v = eval(context(def.file, false), def.expr)
      merged = i == 1 and v or merge(merged, v)
    end
    busy[name] = nil
    done[name] = merged
    return merged
  end

  local ok, r = pcall(function()
    local out = vmap {}
    for _, name in ipairs(def_order) do
      local v = resolve_value(name, context(paths[1] and (shown and shown[paths[1]] or paths[1]) or "", false), nil)
      out[name] = v
    end
    -- evaluate locals nobody referenced too (errors in them are errors, as in Helmfile)
    for file, l in pairs(locals) do
      for k in pairs(l) do resolve_local(file, k, context(file, true), l[k]) end
    end
    return sorted(out)
  end)
  if not ok then
    if type(r) == "table" and r.hcl then return nil, r.msg end
    error(r, 0)
  end
  -- JSON round trip in Helmfile: null members stay null
  return r
end

return M
