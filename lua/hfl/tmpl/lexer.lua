--- The lexer of Go's text/template: turns template text into tokens.
--
-- `scan` returns the tokens as parallel arrays (no table per token: a large chart has hundreds
-- of thousands of them): `typ[k]`, and `s[k]`/`e[k]` the 1-based byte span of the token in the
-- text; `n` is their count and `err` the message of a final `error` token. A token's Go
-- position (reported as a column) is `s[k] - 1`. Spaces inside actions are not tokens: a
-- token after a space starts past the end of the one before (`s[k] > e[k-1] + 1`). Trim markers
-- (`{{- `, ` -}}`) are applied here, comments are dropped, and a lexical error ends the tokens
-- with an `error` token. Lines are not recorded: `M.line_at` counts them where a message needs
-- one. `lex` returns the same tokens as `{ typ, val, pos, line }`.
local M = {}

local sbyte, ssub, sfind, sfmt = string.byte, string.sub, string.find, string.format

local keywords = {
  block = "block", ["break"] = "break", continue = "continue", define = "define",
  ["else"] = "else", ["end"] = "end", ["if"] = "if", range = "range", ["nil"] = "nil",
  template = "template", with = "with", ["true"] = "bool", ["false"] = "bool",
}
-- Token kinds printed as <val> in Go's "unexpected" messages.
M.keyword_kinds = { block = true, ["break"] = true, continue = true, dot = true, define = true,
  ["else"] = true, ["end"] = true, ["if"] = true, ["nil"] = true, range = true, template = true,
  with = true }

local SPACE = { [32] = true, [9] = true, [13] = true, [10] = true }
-- Bytes that may follow a word (identifier, keyword, field, variable) besides spaces and the
-- right delimiter: . , | : ) (
local AFTER_WORD = { [46] = true, [44] = true, [124] = true, [58] = true, [41] = true, [40] = true }
local NOT_SPACE = "[^ \t\r\n]"
-- A word's characters: letters, digits, _ and every non-ASCII byte (Go accepts Unicode
-- letters and digits; a byte ≥ 0x80 is taken as part of one).
local WORD = "^[0-9A-Za-z_\128-\255]*"
local DIGITS = { [10] = "^[0-9_]*", [16] = "^[0-9a-fA-F_]*", [8] = "^[0-7_]*", [2] = "^[01_]*" }

local function is_alnum(c)
  return c and (c == 95 or (c >= 48 and c <= 57) or (c >= 65 and c <= 90) or (c >= 97 and c <= 122) or c >= 128)
end
M.is_alnum = is_alnum

--- Go's %#U of a character: U+0021 '!'.
local function fmt_U(s, i)
  local c = sbyte(s, i)
  if not c then return "U+FFFFFFFF" end
  local len = c < 0x80 and 1 or c < 0xE0 and 2 or c < 0xF0 and 3 or 4
  local ch = ssub(s, i, i + len - 1)
  local cp = c
  if len > 1 then
    cp = c % (2 ^ (7 - len))
    for j = 1, len - 1 do cp = cp * 64 + ((sbyte(s, i + j) or 128) - 128) end
  end
  if cp < 32 or cp == 127 then return sfmt("U+%04X", cp) end
  return sfmt("U+%04X '%s'", cp, ch)
end
M.fmt_U = fmt_U

-- The end (exclusive) of the run matching an anchored pattern at p.
local function run_end(text, p, pattern)
  local _, e = sfind(text, pattern, p)
  return e + 1
end

-- Scans one number literal at p (Go's lexNumber/scanNumber); returns where it stops and
-- whether it is well formed.
local function scan_number(text, p)
  local c = sbyte(text, p)
  if c == 43 or c == 45 then p = p + 1 end
  local base = 10
  if sbyte(text, p) == 48 then
    p = p + 1
    c = sbyte(text, p)
    if c == 120 or c == 88 then base, p = 16, p + 1
    elseif c == 111 or c == 79 then base, p = 8, p + 1
    elseif c == 98 or c == 66 then base, p = 2, p + 1 end
  end
  p = run_end(text, p, DIGITS[base])
  if sbyte(text, p) == 46 then p = run_end(text, p + 1, DIGITS[base]) end
  c = sbyte(text, p)
  if (base == 10 and (c == 101 or c == 69)) or (base == 16 and (c == 112 or c == 80)) then
    p = p + 1
    c = sbyte(text, p)
    if c == 43 or c == 45 then p = p + 1 end
    p = run_end(text, p, DIGITS[10])
  end
  if sbyte(text, p) == 105 then p = p + 1 end
  if is_alnum(sbyte(text, p)) then return p + 1, false end
  return p, true
end

-- The end (inclusive) of a quoted string or character constant starting at p, or nil when
-- it is not terminated on its line.
local function quoted_end(text, p, stops)
  while true do
    local q = sfind(text, stops, p + 1)
    if not q then return nil end
    local ch = sbyte(text, q)
    if ch == 10 then return nil end
    if ch ~= 92 then return q end
    local ch2 = sbyte(text, q + 1)
    if not ch2 or ch2 == 10 then return nil end
    p = q + 1
  end
end

--- The line of the byte at pos (1-based).
---@param text string
---@param pos integer
---@return integer
function M.line_at(text, pos)
  local line, nl = 1, sfind(text, "\n", 1, true)
  while nl and nl < pos do
    line = line + 1
    nl = sfind(text, "\n", nl + 1, true)
  end
  return line
end

--- Lexes text into parallel token arrays (see the module comment).
---@param text string
---@param ldelim string|nil
---@param rdelim string|nil
---@return table tokens { typ=, s=, e=, n=, err= }
function M.scan(text, ldelim, rdelim)
  ldelim, rdelim = ldelim or "{{", rdelim or "}}"
  local llen, rlen, rd1 = #ldelim, #rdelim, sbyte(rdelim, 1)
  local typ, starts, ends = {}, {}, {}
  local toks = { typ = typ, s = starts, e = ends, n = 0 }
  local n = 0
  local len = #text

  local function fail(msg, at)
    n = n + 1
    typ[n], starts[n], ends[n] = "error", at, at - 1
    toks.n, toks.err = n, msg
  end
  local function rdelim_at(p)
    return sbyte(text, p) == rd1 and (rlen == 1 or ssub(text, p, p + rlen - 1) == rdelim)
  end
  local function skip_spaces(p)
    return sfind(text, NOT_SPACE, p) or len + 1
  end
  -- Whether the word ending before p may end there.
  local function word_ends(p)
    local nc = sbyte(text, p)
    return nc == nil or SPACE[nc] or AFTER_WORD[nc] or rdelim_at(p)
  end

  -- Lexes a number at pos; returns the position after it, or nil after an error token.
  local function number(pos)
    local p, ok = scan_number(text, pos)
    if ok then
      local nc = sbyte(text, p)
      -- a complex number such as 1+2i; anything else is malformed
      if nc == 43 or nc == 45 then
        p, ok = scan_number(text, p)
        ok = ok and sbyte(text, p - 1) == 105
      end
    end
    if not ok then fail(sfmt("bad number syntax: %q", ssub(text, pos, p - 1)), pos) return nil end
    n = n + 1
    typ[n], starts[n], ends[n] = "number", pos, p - 1
    return p
  end

  -- Lexes the less frequent tokens at pos; returns the position after, or nil after an error.
  local function rare_token(pos)
    local c = sbyte(text, pos)
    local kind, e = nil, pos
    if c == 61 then
      kind = "assign"
    elseif c == 58 then
      if sbyte(text, pos + 1) ~= 61 then fail("expected :=", pos) return nil end
      kind, e = "declare", pos + 1
    elseif c == 96 then -- `
      e = sfind(text, "`", pos + 1, true)
      if not e then fail("unterminated raw quoted string", pos) return nil end
      kind = "rawstring"
    elseif c == 39 then -- '
      e = quoted_end(text, pos, "['\\\n]")
      if not e then fail("unterminated character constant", pos) return nil end
      kind = "char"
    elseif not c then
      fail("unclosed action", pos)
      return nil
    elseif c < 128 and c >= 32 and c ~= 127 then
      kind = "punct"
    else
      fail("unrecognized character in action: " .. fmt_U(text, pos), pos)
      return nil
    end
    n = n + 1
    typ[n], starts[n], ends[n] = kind, pos, e
    return e + 1
  end

  -- Lexes the inside of an action from pos (after the left delimiter); returns the position
  -- after the right delimiter, or nil after an error token. The most frequent tokens come
  -- first and are stored in place (a function call each costs as much as the rest).
  local function action(pos)
    local depth = 0
    while true do
      local c = sbyte(text, pos)
      if c == rd1 and rdelim_at(pos) then
        if depth ~= 0 then fail("unclosed left paren", pos) return nil end
        n = n + 1
        typ[n], starts[n], ends[n] = "rdelim", pos, pos + rlen - 1
        return pos + rlen
      elseif SPACE[c] then
        local p = skip_spaces(pos + 1)
        if sbyte(text, p) == 45 and rdelim_at(p + 1) then
          -- a trim-marked right delimiter: the space before its '-' belongs to it
          if depth ~= 0 then fail("unclosed left paren", p - 1) return nil end
          n = n + 1
          typ[n], starts[n], ends[n] = "rdelim", p + 1, p + rlen
          return skip_spaces(p + 1 + rlen)
        end
        pos = p
      elseif c == 46 or c == 36 then -- .field, $variable (or a number such as .5)
        local nc = sbyte(text, pos + 1)
        if c == 46 and (not nc or (nc >= 48 and nc <= 57)) then
          pos = number(pos)
          if not pos then return nil end
        else
          local _, e = sfind(text, WORD, pos + 1)
          if not word_ends(e + 1) then fail("bad character " .. fmt_U(text, e + 1), pos) return nil end
          n = n + 1
          typ[n], starts[n], ends[n] = c == 36 and "variable" or e == pos and "dot" or "field", pos, e
          pos = e + 1
        end
      elseif c == 124 then
        n = n + 1
        typ[n], starts[n], ends[n] = "pipe", pos, pos
        pos = pos + 1
      elseif c == 34 then -- "
        local q = quoted_end(text, pos, '["\\\n]')
        if not q then fail("unterminated quoted string", pos) return nil end
        n = n + 1
        typ[n], starts[n], ends[n] = "string", pos, q
        pos = q + 1
      elseif c == 43 or c == 45 or (c and c >= 48 and c <= 57) then
        pos = number(pos)
        if not pos then return nil end
      elseif is_alnum(c) then
        local _, e = sfind(text, WORD, pos)
        if not word_ends(e + 1) then fail("bad character " .. fmt_U(text, e + 1), pos) return nil end
        n = n + 1
        typ[n], starts[n], ends[n] = keywords[ssub(text, pos, e)] or "identifier", pos, e
        pos = e + 1
      elseif c == 40 then
        n = n + 1
        typ[n], starts[n], ends[n] = "lparen", pos, pos
        pos = pos + 1
        depth = depth + 1
      elseif c == 41 then
        n = n + 1
        typ[n], starts[n], ends[n] = "rparen", pos, pos
        pos = pos + 1
        depth = depth - 1
        if depth < 0 then fail("unexpected right paren U+0029 ')'", pos) return nil end
      else
        pos = rare_token(pos)
        if not pos then return nil end
      end
    end
  end

  -- Lexes a comment from pos (at its /*); returns the position after the action, or nil.
  local function comment(pos)
    local c = sfind(text, "*/", pos + 2, true)
    if not c then fail("unclosed comment", pos) return nil end
    pos = c + 2
    if rdelim_at(pos) then return pos + rlen end
    if SPACE[sbyte(text, pos)] and sbyte(text, pos + 1) == 45 and rdelim_at(pos + 2) then
      return skip_spaces(pos + 2 + rlen)
    end
    fail("comment ends before closing delimiter", pos)
    return nil
  end

  local pos = 1
  while pos do
    local x = sfind(text, ldelim, pos, true)
    if not x then
      if pos <= len then
        n = n + 1
        typ[n], starts[n], ends[n] = "text", pos, len
      end
      n = n + 1
      typ[n], starts[n], ends[n] = "eof", len + 1, len
      toks.n = n
      return toks
    end
    local tend = x - 1
    local after = x + llen
    local trim = sbyte(text, after) == 45 and SPACE[sbyte(text, after + 1)]
    if trim then
      while tend >= pos and SPACE[sbyte(text, tend)] do tend = tend - 1 end
      after = after + 2
    end
    if tend >= pos then
      n = n + 1
      typ[n], starts[n], ends[n] = "text", pos, tend
    end
    if sbyte(text, after) == 47 and sbyte(text, after + 1) == 42 then
      pos = comment(after)
    else
      n = n + 1
      typ[n], starts[n], ends[n] = "ldelim", x, x + llen - 1
      pos = action(after)
    end
  end
  return toks
end

--- Lexes text; returns the tokens as `{ typ, val, pos, line }` (the last one `eof` or `error`).
---@param text string
---@param ldelim string|nil
---@param rdelim string|nil
---@return table[]
function M.lex(text, ldelim, rdelim)
  local toks = M.scan(text, ldelim, rdelim)
  local out = {}
  local line, at = 1, 1
  for k = 1, toks.n do
    local kind, s = toks.typ[k], toks.s[k]
    local _, newlines = ssub(text, at, s - 1):gsub("\n", "")
    line, at = line + newlines, s
    local val = kind == "error" and toks.err or ssub(text, s, toks.e[k])
    out[k] = { kind, val, s - 1, line }
  end
  return out
end

return M
