--- Lua 5.1 patterns matched in Lua, for the sandbox: string.find/match/gmatch/gsub are single C
--- calls that nothing can interrupt, and a backtracking pattern (("a*"):rep(30) .. "b") keeps
--- one running for hours. hfl.state.luasandbox sends a call here when its worst case is large
--- (see M.costly); here every step is a VM instruction, so the count hook enforces the
--- instruction budget and the time limit. Results are those of the string library.
--
--   local find = luapattern.find  -- same arguments and results as string.find
local M = {}

-- Runs under the sandbox's count hook: this file's functions stay out of compiled traces, where
-- the hook never fires.
jit.off(debug.getinfo(1, "f").func, true)

local byte, sub, type, tostring, tonumber, error = string.byte, string.sub, type, tostring, tonumber, error
local cfind, cgsub = string.find, string.gsub

local ESC, CAP_UNFINISHED, CAP_POSITION = 37, -1, -2

-- CLASS[letter byte] = { [byte] = true } for %a %c %d %l %p %s %u %w %x, built from the C
-- library so both agree.
local CLASS = {}
for letter in ("acdlpsuwx"):gmatch(".") do
  local set = {}
  for b = 0, 255 do set[b] = cfind(string.char(b), "%" .. letter) ~= nil end
  CLASS[byte(letter)] = set
end

local function fail(msg) error(msg, 0) end

local function class_match(c, cl)
  local set = CLASS[cl] or CLASS[cl + 32]
  if not set then return cl == c end
  if CLASS[cl] then return set[c] end
  return not set[c]  -- upper case: the complement
end

-- Index just past the single-character class starting at pi.
local function class_end(p, pi, plen)
  local c = byte(p, pi)
  pi = pi + 1
  if c == ESC then
    if pi > plen then fail("malformed pattern (ends with '%')") end
    return pi + 1
  end
  if c == 91 then  -- [
    if byte(p, pi) == 94 then pi = pi + 1 end
    repeat  -- the first character of a set may be "]"
      if pi > plen then fail("malformed pattern (missing ']')") end
      local cc = byte(p, pi)
      pi = pi + 1
      if cc == ESC and pi <= plen then pi = pi + 1 end
    until byte(p, pi) == 93
    return pi + 1
  end
  return pi
end

-- Whether c is in the set p[pi] == "[" … p[ec] == "]".
local function bracket_match(c, p, pi, ec)
  local sig = true
  pi = pi + 1
  if byte(p, pi) == 94 then sig = false; pi = pi + 1 end
  while pi < ec do
    local pc = byte(p, pi)
    if pc == ESC then
      pi = pi + 1
      if class_match(c, byte(p, pi)) then return sig end
    elseif byte(p, pi + 1) == 45 and pi + 2 < ec then  -- a range x-y
      if pc <= c and c <= byte(p, pi + 2) then return sig end
      pi = pi + 2
    elseif pc == c then
      return sig
    end
    pi = pi + 1
  end
  return not sig
end

local function single_match(ms, si, pi, ep)
  if si > ms.slen then return false end
  local c, pc = byte(ms.s, si), byte(ms.p, pi)
  if pc == 46 then return true end  -- .
  if pc == ESC then return class_match(c, byte(ms.p, pi + 1)) end
  if pc == 91 then return bracket_match(c, ms.p, pi, ep - 1) end
  return pc == c
end

local do_match

local function max_expand(ms, si, pi, ep)
  local i = 0
  while single_match(ms, si + i, pi, ep) do i = i + 1 end
  while i >= 0 do
    local r = do_match(ms, si + i, ep + 1)
    if r then return r end
    i = i - 1
  end
  return nil
end

local function min_expand(ms, si, pi, ep)
  while true do
    local r = do_match(ms, si, ep + 1)
    if r then return r end
    if not single_match(ms, si, pi, ep) then return nil end
    si = si + 1
  end
end

local function start_capture(ms, si, pi, what)
  local level = ms.level + 1
  ms.cinit[level], ms.clen[level], ms.level = si, what, level
  local r = do_match(ms, si, pi)
  if not r then ms.level = ms.level - 1 end
  return r
end

local function end_capture(ms, si, pi)
  local l
  for i = ms.level, 1, -1 do
    if ms.clen[i] == CAP_UNFINISHED then l = i; break end
  end
  if not l then fail("invalid pattern capture") end
  ms.clen[l] = si - ms.cinit[l]
  local r = do_match(ms, si, pi)
  if not r then ms.clen[l] = CAP_UNFINISHED end
  return r
end

local function match_balance(ms, si, pi)
  if pi + 1 > ms.plen then fail("unbalanced pattern") end
  local open, close = byte(ms.p, pi), byte(ms.p, pi + 1)
  if si > ms.slen or byte(ms.s, si) ~= open then return nil end
  local depth = 1
  for i = si + 1, ms.slen do
    local c = byte(ms.s, i)
    if c == close then
      depth = depth - 1
      if depth == 0 then return i + 1 end
    elseif c == open then
      depth = depth + 1
    end
  end
  return nil
end

local function match_capture(ms, si, d)
  local l = d - 48
  if l < 1 or l > ms.level or ms.clen[l] == CAP_UNFINISHED then fail("invalid capture index") end
  local len = ms.clen[l]
  if ms.slen - si + 1 >= len and sub(ms.s, ms.cinit[l], ms.cinit[l] + len - 1) == sub(ms.s, si, si + len - 1) then
    return si + len
  end
  return nil
end

-- The index just past the match of p[pi..] at s[si], or nil.
do_match = function(ms, si, pi)
  local p, plen = ms.p, ms.plen
  while true do
    if pi > plen then return si end
    local pc = byte(p, pi)
    if pc == 40 then  -- (
      if byte(p, pi + 1) == 41 then return start_capture(ms, si, pi + 2, CAP_POSITION) end
      return start_capture(ms, si, pi + 1, CAP_UNFINISHED)
    elseif pc == 41 then  -- )
      return end_capture(ms, si, pi + 1)
    elseif pc == 36 and pi == plen then  -- $ at the end
      return si == ms.slen + 1 and si or nil
    elseif pc == ESC and byte(p, pi + 1) == 98 then  -- %b
      si = match_balance(ms, si, pi + 2)
      if not si then return nil end
      pi = pi + 4
    elseif pc == ESC and byte(p, pi + 1) == 102 then  -- %f
      pi = pi + 2
      if byte(p, pi) ~= 91 then fail("missing '[' after '%f' in pattern") end
      local ep = class_end(p, pi, plen)
      local prev = si == 1 and 0 or byte(ms.s, si - 1)
      local cur = si <= ms.slen and byte(ms.s, si) or 0
      if bracket_match(prev, p, pi, ep - 1) or not bracket_match(cur, p, pi, ep - 1) then return nil end
      pi = ep
    elseif pc == ESC and (byte(p, pi + 1) or 0) >= 48 and byte(p, pi + 1) <= 57 then  -- %1 …
      si = match_capture(ms, si, byte(p, pi + 1))
      if not si then return nil end
      pi = pi + 2
    else
      local ep = class_end(p, pi, plen)
      local q = byte(p, ep)
      if q == 63 then  -- ?
        if single_match(ms, si, pi, ep) then
          local r = do_match(ms, si + 1, ep + 1)
          if r then return r end
        end
        pi = ep + 1
      elseif q == 42 then  -- *
        return max_expand(ms, si, pi, ep)
      elseif q == 43 then  -- +
        return single_match(ms, si, pi, ep) and max_expand(ms, si + 1, pi, ep) or nil
      elseif q == 45 then  -- -
        return min_expand(ms, si, pi, ep)
      else
        if not single_match(ms, si, pi, ep) then return nil end
        si, pi = si + 1, ep
      end
    end
  end
end

local function capture(ms, i, si, ei)
  if i > ms.level then
    if i == 1 then return sub(ms.s, si, ei - 1) end
    fail("invalid capture index")
  end
  local l = ms.clen[i]
  if l == CAP_UNFINISHED then fail("unfinished capture") end
  if l == CAP_POSITION then return ms.cinit[i] end
  return sub(ms.s, ms.cinit[i], ms.cinit[i] + l - 1)
end

-- The captures as a list (the whole match when the pattern has none and whole is true).
local function captures(ms, si, ei, whole)
  local n = (ms.level == 0 and whole) and 1 or ms.level
  local out = {}
  for i = 1, n do out[i] = capture(ms, i, si, ei) end
  return out, n
end

local function state(s, p)
  return { s = s, slen = #s, p = p, plen = #p, level = 0, cinit = {}, clen = {} }
end

local function check_string(v, n, fname)
  local t = type(v)
  if t == "string" then return v end
  if t == "number" then return tostring(v) end
  fail(("bad argument #%d to '%s' (string expected, got %s)"):format(n, fname, t == "nil" and "no value" or t))
end

local function start_index(init, len)
  init = tonumber(init) or 1
  if init < 0 then init = len + init + 1 end
  if init < 1 then init = 1 end
  return math.floor(init)
end

local function find_aux(is_find, s, p, init, plain)
  local fname = is_find and "find" or "match"
  s, p = check_string(s, 1, fname), check_string(p, 2, fname)
  init = start_index(init, #s)
  if init > #s + 1 then return nil end
  if is_find and (plain or not cfind(p, "[%^%$%*%+%?%.%(%[%%%-]")) then
    return cfind(s, p, init, true)
  end
  local anchor = byte(p, 1) == 94
  local ms = state(s, anchor and sub(p, 2) or p)
  local si = init
  repeat
    ms.level = 0
    local e = do_match(ms, si, 1)
    if e then
      if is_find then
        local caps, n = captures(ms, si, e, false)
        return si, e - 1, unpack(caps, 1, n)
      end
      local caps, n = captures(ms, si, e, true)
      return unpack(caps, 1, n)
    end
    si = si + 1
  until anchor or si > ms.slen + 1
  return nil
end

--- string.find
function M.find(s, p, init, plain) return find_aux(true, s, p, init, plain) end
--- string.match
function M.match(s, p, init) return find_aux(false, s, p, init) end

--- string.gmatch ("^" is an ordinary character here, as in Lua 5.1)
function M.gmatch(s, p)
  s, p = check_string(s, 1, "gmatch"), check_string(p, 2, "gmatch")
  local ms, pos = state(s, p), 1
  return function()
    for si = pos, ms.slen + 1 do
      ms.level = 0
      local e = do_match(ms, si, 1)
      if e then
        pos = (e == si) and e + 1 or e
        local caps, n = captures(ms, si, e, true)
        return unpack(caps, 1, n)
      end
    end
    pos = ms.slen + 2
    return nil
  end
end

local function add_value(ms, out, si, ei, repl, rtype)
  local v
  if rtype == "string" then
    local parts, i, rl = {}, 1, #repl
    while i <= rl do
      local c = byte(repl, i)
      if c == ESC and i < rl then
        i = i + 1
        local d = byte(repl, i)
        if d == 48 then parts[#parts + 1] = sub(ms.s, si, ei - 1)
        elseif d >= 49 and d <= 57 then parts[#parts + 1] = tostring(capture(ms, d - 48, si, ei))
        else parts[#parts + 1] = string.char(d) end
      else
        parts[#parts + 1] = string.char(c)
      end
      i = i + 1
    end
    out[#out + 1] = table.concat(parts)
    return
  elseif rtype == "table" then
    v = repl[capture(ms, 1, si, ei)]
  else
    local caps, n = captures(ms, si, ei, true)
    v = repl(unpack(caps, 1, n))
  end
  if v == nil or v == false then
    out[#out + 1] = sub(ms.s, si, ei - 1)
  elseif type(v) == "string" or type(v) == "number" then
    out[#out + 1] = tostring(v)
  else
    fail(("invalid replacement value (a %s)"):format(type(v)))
  end
end

--- string.gsub
function M.gsub(s, p, repl, max_n)
  s, p = check_string(s, 1, "gsub"), check_string(p, 2, "gsub")
  local rtype = type(repl)
  if rtype == "number" then repl, rtype = tostring(repl), "string" end
  if rtype ~= "string" and rtype ~= "table" and rtype ~= "function" then
    fail("bad argument #3 to 'gsub' (string/function/table expected)")
  end
  max_n = tonumber(max_n) or (#s + 1)
  local anchor = byte(p, 1) == 94
  local ms = state(s, anchor and sub(p, 2) or p)
  local out, si, n = {}, 1, 0
  while n < max_n do
    ms.level = 0
    local e = do_match(ms, si, 1)
    if e then
      n = n + 1
      add_value(ms, out, si, e, repl, rtype)
    end
    if e and e > si then si = e
    elseif si <= ms.slen then out[#out + 1] = sub(s, si, si); si = si + 1
    else break end
    if anchor then break end
  end
  out[#out + 1] = sub(s, si)
  return table.concat(out), n
end

--- Whether matching p against a subject of n bytes may take many steps in the worst case:
--- every quantifier (*, +, -), %b and back-reference may try each position again, so the
--- worst case grows as n to the power of their count, times n start positions unless the
--- pattern is anchored. Cheap patterns stay with the C functions.
---@param n integer subject length
---@param p string pattern
---@param anchored boolean whether only one start position is tried
---@param limit number steps allowed in one C call
---@return boolean
function M.costly(n, p, anchored, limit)
  if n < 64 then return false end
  local plain = cgsub(cgsub(p, "%%[^bf%d]", "x"), "%[%^?%]?[^%]]*%]", "x")  -- escapes, sets
  local q = select(2, cgsub(plain, "[%*%+%-]", "")) + select(2, cgsub(plain, "%%[b%d]", ""))
  local cost = anchored and 1 or n
  for _ = 1, q do
    cost = cost * n
    if cost > limit then return true end
  end
  return cost > limit
end

return M
