--- The lexer of HCL's native syntax. Tokens are pulled one at a time by hfl.hcl.parser, which
--- scans string templates itself, so both share one position (`pos`) and line count.
local M = {}

local fmt = string.format

--- Raises a syntax error at `line` (default: the current one); hfl.hcl.parser.parse returns it.
---@param p table  the parser
---@param msg string
---@param line integer|nil
function M.fail(p, msg, line)
  error({ hcl = true, msg = fmt("%s:%d: %s", p.name, line or p.line, msg) }, 0)
end
local perr = M.fail

--- The lexer's methods, inherited by the parser (fields: src, pos, line, nl_depth, name, tok).
local Lexer = {}
M.Lexer = Lexer

local PUNCT3 = { ["..."] = true }
local PUNCT2 = { ["=="] = true, ["!="] = true, ["<="] = true, [">="] = true, ["&&"] = true, ["||"] = true,
  ["=>"] = true }
local PUNCT1 = "{}[]()=:,.?+-*/%<>!~"

-- Skips spaces and comments; newlines too unless they matter (p.nl_depth == 0).
function Lexer:skip()
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
function Lexer:peek()
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

function Lexer:next()
  local t = self:peek()
  self.pos = t.e
  if t.t == "nl" then self.line = self.line + 1 end
  self.tok = nil
  return t
end

function Lexer:accept(t)
  if self:peek().t == t then return self:next() end
  return nil
end

function Lexer:expect(t, what)
  local tok = self:peek()
  if tok.t ~= t then
    local got = tok.t == "ident" and ("%q"):format(tok.v) or tok.t == "nl" and "newline"
      or tok.t == "eof" and "end of file" or ("%q"):format(tok.t)
    perr(self, fmt("expected %s, got %s", what or ("%q"):format(t), got), tok.line)
  end
  return self:next()
end

-- Runs fn with newlines ignored (depth > 0) or significant (depth 0).
function Lexer:with_nl(ignore, fn)
  local saved = self.nl_depth
  self.nl_depth = ignore and saved + 1 or 0
  self.tok = nil
  local ok, r = pcall(fn)
  self.nl_depth = saved
  self.tok = nil
  if not ok then error(r, 0) end
  return r
end

return M
