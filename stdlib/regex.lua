--- Sprig's regex functions over hfl.regex (PCRE2 with RE2's syntax), with Go's regexp
--- semantics for FindAll, ReplaceAll ($1 / ${name} expansion), Split and QuoteMeta.
local util = require("hfl.stdlib.util")

local M = {}

local str, int, concat, fmt = util.str, util.int, table.concat, string.format

local core_regex
local cache = setmetatable({}, { __mode = "v" })

-- Go's wording for a PCRE2 compile error (by PCRE2 error code).
local function go_error(pattern, msg, offset, code)
  local text
  if code == 114 then text = "missing closing ): `" .. pattern .. "`"
  elseif code == 122 then text = "unexpected ): `" .. pattern .. "`"
  elseif code == 106 then text = "missing closing ]: `" .. pattern:sub(offset) .. "`"
  elseif code == 109 then
    local op = pattern:sub(offset + 1, offset + 1)
    text = "missing argument to repetition operator: `" .. op .. "`"
  elseif code == 101 then text = "trailing backslash at end of expression: ``"
  elseif code and code < 0 then text = "invalid UTF-8: `" .. pattern:sub(offset + 1) .. "`"
  elseif code == 0 then
    local rest = pattern:sub(offset + 1)
    local shown = rest:match("^%(%?<?[=!]") or rest:match("^%(%?[>|#]") or rest:match("^\\.") or rest:match("^..") or rest
    text = msg .. ": `" .. shown .. "`"
  else
    text = msg
  end
  return "error parsing regexp: " .. text
end

--- Compiles a pattern: regex object, or nil, Go's error text.
function M.compile(pattern)
  local re = cache[pattern]
  if re then return re end
  core_regex = core_regex or require("hfl.regex")
  local r, msg, offset, code = core_regex.compile(pattern)
  if not r then return nil, go_error(pattern, msg, offset, code) end
  cache[pattern] = r
  return r
end

local function must_compile(pattern)
  local re, err = M.compile(pattern)
  if not re then error("regexp: Compile(" .. util.quote(pattern):gsub("^\"(.*)\"$", "`%1`") .. "): " .. err, 0) end
  return re
end

local function rune_width(s, pos)
  local c = s:byte(pos + 1)
  if not c then return 0 end
  if c >= 0xF0 and c < 0xF5 then return 4 end
  if c >= 0xE0 and c < 0xF0 then return 3 end
  if c >= 0xC2 and c < 0xE0 then return 2 end
  return 1
end

--- Go's allMatches: offsets tables of up to n matches (n < 0: all), empty matches right
--- after a match skipped.
function M.find_all(re, s, n)
  local out, pos, prev_end, len = {}, 0, -1, #s
  while (n < 0 or #out < n) and pos <= len do
    local m = re:exec(s, pos)
    if not m then break end
    local accept = true
    if m[2] == pos then
      if m[1] == prev_end then accept = false end
      local w = rune_width(s, pos)
      pos = pos + (w > 0 and w or 1)
    else
      pos = m[2]
    end
    prev_end = m[2]
    if accept then out[#out + 1] = m end
  end
  return out
end

-- Go's Regexp.expand of a template with $1, ${1}, $name, ${name}, $$.
local names_of = setmetatable({}, { __mode = "k" })

local function expand(re, template, s, m)
  local names = names_of[re]
  if not names then
    names = re:names()
    names_of[re] = names
  end
  local function group(name)
    local idx = tonumber(name)
    if idx == nil or not name:match("^%d+$") then
      for i, nm in ipairs(names) do
        if nm == name then idx = i break end
      end
    end
    if not idx or idx > #names then return "" end
    local a, b = m[2 * idx + 1], m[2 * idx + 2]
    if a < 0 then return "" end
    return s:sub(a + 1, b)
  end
  local out, i, n = {}, 1, #template
  while i <= n do
    local d = template:find("$", i, true)
    if not d then out[#out + 1] = template:sub(i) break end
    out[#out + 1] = template:sub(i, d - 1)
    local rest = template:sub(d + 1)
    if rest:sub(1, 1) == "$" then
      out[#out + 1] = "$"
      i = d + 2
    else
      local name, used
      local braced = rest:match("^{([%w_]+)}")
      if braced then name, used = braced, #braced + 2
      else
        local plain = rest:match("^[%w_]+")
        if plain then name, used = plain, #plain end
      end
      if not name then
        out[#out + 1] = "$"
        i = d + 1
      else
        out[#out + 1] = group(name)
        i = d + 1 + used
      end
    end
  end
  return concat(out)
end

--- Go's ReplaceAllString (literal = false) / ReplaceAllLiteralString.
function M.replace_all(re, s, repl, literal)
  local out, last_end, search, len = {}, 0, 0, #s
  while search <= len do
    local m = re:exec(s, search)
    if not m then break end
    out[#out + 1] = s:sub(last_end + 1, m[1])
    if m[2] > last_end or m[1] == 0 then
      out[#out + 1] = (literal or not repl:find("$", 1, true)) and repl or expand(re, repl, s, m)
    end
    last_end = m[2]
    local w = rune_width(s, search)
    if search + w > m[2] then search = search + w
    elseif search + 1 > m[2] then search = search + 1
    else search = m[2] end
  end
  out[#out + 1] = s:sub(last_end + 1)
  return concat(out)
end

--- Go's Split.
function M.split(re, pattern, s, n)
  if n == 0 then return {} end
  if #pattern > 0 and #s == 0 then return { "" } end
  local matches = M.find_all(re, s, n)
  local out, beg, stop = {}, 0, 0
  for _, m in ipairs(matches) do
    if n > 0 and #out == n - 1 then break end
    stop = m[1]
    if m[2] ~= 0 then out[#out + 1] = s:sub(beg + 1, stop) end
    beg = m[2]
  end
  if stop ~= #s then out[#out + 1] = s:sub(beg + 1) end
  return out
end

--- regexp.QuoteMeta.
function M.quote_meta(s)
  return (s:gsub("[\\%.%+%*%?%(%)|%[%]{}%^%$]", "\\%0"))
end

local function find_all_strings(re, s, n)
  local out = {}
  for i, m in ipairs(M.find_all(re, s, n)) do out[i] = s:sub(m[1] + 1, m[2]) end
  return util.strlist(out)
end

local function find_string(re, s)
  local m = re:exec(s, 0)
  if not m then return "" end
  return s:sub(m[1] + 1, m[2])
end

M.funcs = {
  regexMatch = function(pattern, s)
    local re = M.compile(str(pattern))
    s = str(s)
    return re ~= nil and re:exec(s, 0) ~= nil
  end,
  mustRegexMatch = function(pattern, s)
    local re, err = M.compile(str(pattern))
    if not re then error(err, 0) end
    return re:exec(str(s), 0) ~= nil
  end,
  regexFindAll = function(pattern, s, n)
    return find_all_strings(must_compile(str(pattern)), str(s), int(n))
  end,
  mustRegexFindAll = function(pattern, s, n)
    local re, err = M.compile(str(pattern))
    if not re then error(err, 0) end
    return find_all_strings(re, str(s), int(n))
  end,
  regexFind = function(pattern, s) return find_string(must_compile(str(pattern)), str(s)) end,
  mustRegexFind = function(pattern, s)
    local re, err = M.compile(str(pattern))
    if not re then error(err, 0) end
    return find_string(re, str(s))
  end,
  regexReplaceAll = function(pattern, s, repl)
    return M.replace_all(must_compile(str(pattern)), str(s), str(repl), false)
  end,
  mustRegexReplaceAll = function(pattern, s, repl)
    local re, err = M.compile(str(pattern))
    if not re then error(err, 0) end
    return M.replace_all(re, str(s), str(repl), false)
  end,
  regexReplaceAllLiteral = function(pattern, s, repl)
    return M.replace_all(must_compile(str(pattern)), str(s), str(repl), true)
  end,
  mustRegexReplaceAllLiteral = function(pattern, s, repl)
    local re, err = M.compile(str(pattern))
    if not re then error(err, 0) end
    return M.replace_all(re, str(s), str(repl), true)
  end,
  regexSplit = function(pattern, s, n)
    pattern = str(pattern)
    return util.strlist(M.split(must_compile(pattern), pattern, str(s), int(n)))
  end,
  mustRegexSplit = function(pattern, s, n)
    pattern = str(pattern)
    local re, err = M.compile(pattern)
    if not re then error(err, 0) end
    return util.strlist(M.split(re, pattern, str(s), int(n)))
  end,
  regexQuoteMeta = function(s) return M.quote_meta(str(s)) end,
}

return M
