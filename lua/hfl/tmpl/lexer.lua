--- The lexer of Go's text/template: turns template text into a token array.
--
-- Tokens are `{ typ, val, pos, line }` with pos a 0-based byte offset (as Go reports columns)
-- and line the line where the token starts. Trim markers (`{{- `, ` -}}`) are applied here,
-- comments are dropped, and a lexical error ends the array with an `error` token whose val
-- is Go's message.
local M = {}

local sbyte, ssub, sfind, sfmt = string.byte, string.sub, string.find, string.format

local keywords = {
  block = "block", ["break"] = "break", continue = "continue", define = "define",
  ["else"] = "else", ["end"] = "end", ["if"] = "if", range = "range", ["nil"] = "nil",
  template = "template", with = "with",
}
M.keywords = keywords
-- Token kinds printed as <val> in Go's "unexpected" messages.
M.keyword_kinds = { block = true, ["break"] = true, continue = true, dot = true, define = true,
  ["else"] = true, ["end"] = true, ["if"] = true, ["nil"] = true, range = true, template = true,
  with = true }

local SPACE = { [32] = true, [9] = true, [13] = true, [10] = true }

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

--- Lexes text; returns the tokens (the last one `eof` or `error`).
---@param text string
---@param ldelim string|nil
---@param rdelim string|nil
---@return table[]
function M.lex(text, ldelim, rdelim)
  ldelim, rdelim = ldelim or "{{", rdelim or "}}"
  local toks, n = {}, 0
  local len = #text
  local pos = 1 -- 1-based cursor
  local line = 1
  -- the next newline not counted yet in `line` (nil: none left). Remembering it keeps a long
  -- line linear: searching from the last position on every token rescanned the rest of it.
  local next_nl = sfind(text, "\n", 1, true)

  local function line_of(p)
    -- p 1-based; counts newlines before p incrementally (positions only grow)
    while next_nl and next_nl < p do
      line = line + 1
      next_nl = sfind(text, "\n", next_nl + 1, true)
    end
    return line
  end

  local function emit(typ, s, e)
    n = n + 1
    toks[n] = { typ, ssub(text, s, e), s - 1, line_of(s) }
  end
  local function fail(msg, at)
    n = n + 1
    toks[n] = { "error", msg, (at or pos) - 1, line_of(at or pos) }
    return toks
  end

  local function has_left_trim(p)
    return sbyte(text, p) == 45 and SPACE[sbyte(text, p + 1)]
  end
  local function at_right_delim(p)
    if SPACE[sbyte(text, p)] and sbyte(text, p + 1) == 45 and ssub(text, p + 2, p + 1 + #rdelim) == rdelim then
      return true, true
    end
    if ssub(text, p, p + #rdelim - 1) == rdelim then return true, false end
    return false, false
  end
  local function skip_spaces(p)
    while SPACE[sbyte(text, p)] do p = p + 1 end
    return p
  end

  while true do
    -- text
    local x = sfind(text, ldelim, pos, true)
    if not x then
      if pos <= len then emit("text", pos, len) end
      n = n + 1
      toks[n] = { "eof", "", len, line_of(len + 1) }
      return toks
    end
    local tend = x - 1
    local after = x + #ldelim
    local trim = has_left_trim(after)
    if trim then
      while tend >= pos and SPACE[sbyte(text, tend)] do tend = tend - 1 end
    end
    if tend >= pos then emit("text", pos, tend) end
    pos = after
    if trim then pos = pos + 2 end
    if ssub(text, pos, pos + 1) == "/*" then
      local c = sfind(text, "*/", pos + 2, true)
      if not c then return fail("unclosed comment") end
      pos = c + 2
      local d, tr = at_right_delim(pos)
      if not d then return fail("comment ends before closing delimiter") end
      if tr then pos = pos + 2 end
      pos = pos + #rdelim
      if tr then pos = skip_spaces(pos) end
    else
      emit("ldelim", x, after - 1)
      local depth = 0
      -- inside the action
      while true do
        local d, tr = at_right_delim(pos)
        if d then
          if depth ~= 0 then return fail("unclosed left paren") end
          if tr then pos = pos + 2 end
          emit("rdelim", pos, pos + #rdelim - 1)
          pos = pos + #rdelim
          if tr then pos = skip_spaces(pos) end
          break
        end
        local c = sbyte(text, pos)
        local start = pos
        if not c then
          return fail("unclosed action", pos)
        elseif SPACE[c] then
          local p = pos
          while SPACE[sbyte(text, p)] do p = p + 1 end
          -- a trim-marked right delimiter starts with a space
          local d2, tr2 = at_right_delim(p - 1)
          if d2 and tr2 then
            if p - 1 > pos then emit("space", pos, p - 2) end
            pos = p - 1
          else
            emit("space", pos, p - 1)
            pos = p
          end
        elseif c == 61 then -- =
          emit("assign", pos, pos) pos = pos + 1
        elseif c == 58 then -- :
          if sbyte(text, pos + 1) ~= 61 then return fail("expected :=", pos) end
          emit("declare", pos, pos + 1) pos = pos + 2
        elseif c == 124 then
          emit("pipe", pos, pos) pos = pos + 1
        elseif c == 34 then -- "
          local p = pos + 1
          while true do
            local ch = sbyte(text, p)
            if ch == 92 then
              p = p + 1
              local ch2 = sbyte(text, p)
              if not ch2 or ch2 == 10 then return fail("unterminated quoted string", start) end
            elseif not ch or ch == 10 then
              return fail("unterminated quoted string", start)
            elseif ch == 34 then
              break
            end
            p = p + 1
          end
          emit("string", pos, p) pos = p + 1
        elseif c == 96 then -- `
          local p = sfind(text, "`", pos + 1, true)
          if not p then return fail("unterminated raw quoted string", start) end
          emit("rawstring", pos, p) pos = p + 1
        elseif c == 36 or (c == 46 and sbyte(text, pos + 1) and not (sbyte(text, pos + 1) >= 48 and sbyte(text, pos + 1) <= 57)) then
          -- $var or .field
          local p = pos + 1
          while is_alnum(sbyte(text, p)) do p = p + 1 end
          local nc = sbyte(text, p)
          local dd = at_right_delim(p)
          if not (nc == nil or SPACE[nc] or nc == 46 or nc == 44 or nc == 124 or nc == 58 or nc == 41 or nc == 40 or dd) then
            return fail("bad character " .. fmt_U(text, p), start)
          end
          if c == 36 then
            emit("variable", pos, p - 1)
          elseif p == pos + 1 then
            emit("dot", pos, pos)
          else
            emit("field", pos, p - 1)
          end
          pos = p
        elseif c == 39 then -- '
          local p = pos + 1
          while true do
            local ch = sbyte(text, p)
            if ch == 92 then
              p = p + 1
              local ch2 = sbyte(text, p)
              if not ch2 or ch2 == 10 then return fail("unterminated character constant", start) end
            elseif not ch or ch == 10 then
              return fail("unterminated character constant", start)
            elseif ch == 39 then
              break
            end
            p = p + 1
          end
          emit("char", pos, p) pos = p + 1
        elseif c == 43 or c == 45 or c == 46 or (c >= 48 and c <= 57) then
          local p = pos
          local function accept(set)
            local ch = sbyte(text, p)
            if ch and sfind(set, string.char(ch), 1, true) then p = p + 1 return true end
            return false
          end
          local function run(set) while accept(set) do end end
          local function scan()
            accept("+-")
            local digits = "0123456789_"
            if accept("0") then
              if accept("xX") then digits = "0123456789abcdefABCDEF_"
              elseif accept("oO") then digits = "01234567_"
              elseif accept("bB") then digits = "01_" end
            end
            run(digits)
            if accept(".") then run(digits) end
            if #digits == 11 and accept("eE") then accept("+-") run("0123456789_") end
            if #digits == 23 and accept("pP") then accept("+-") run("0123456789_") end
            accept("i")
            if is_alnum(sbyte(text, p)) then p = p + 1 return false end
            return true
          end
          if not scan() then
            return fail(sfmt("bad number syntax: %q", ssub(text, pos, p - 1)), start)
          end
          local nc = sbyte(text, p)
          if nc == 43 or nc == 45 then
            -- a complex number such as 1+2i; anything else is malformed
            if not scan() or sbyte(text, p - 1) ~= 105 then
              return fail(sfmt("bad number syntax: %q", ssub(text, pos, p - 1)), start)
            end
          end
          emit("number", pos, p - 1)
          pos = p
        elseif is_alnum(c) then
          local p = pos
          while is_alnum(sbyte(text, p)) do p = p + 1 end
          local nc = sbyte(text, p)
          local dd = at_right_delim(p)
          if not (nc == nil or SPACE[nc] or nc == 46 or nc == 44 or nc == 124 or nc == 58 or nc == 41 or nc == 40 or dd) then
            return fail("bad character " .. fmt_U(text, p), start)
          end
          local word = ssub(text, pos, p - 1)
          if keywords[word] then
            emit(keywords[word], pos, p - 1)
          elseif word == "true" or word == "false" then
            emit("bool", pos, p - 1)
          else
            emit("identifier", pos, p - 1)
          end
          pos = p
        elseif c == 40 then
          emit("lparen", pos, pos) pos = pos + 1
          depth = depth + 1
        elseif c == 41 then
          emit("rparen", pos, pos) pos = pos + 1
          depth = depth - 1
          if depth < 0 then return fail("unexpected right paren U+0029 ')'", pos) end
        elseif c < 128 and c >= 32 and c ~= 127 then
          emit("punct", pos, pos) pos = pos + 1
        else
          return fail("unrecognized character in action: " .. fmt_U(text, pos), start)
        end
      end
    end
  end
end

return M
