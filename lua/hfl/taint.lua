--- hfl.taint: the strings of one run that came from a secret source, and text with every one
--- of them masked. A Session owns one (session:taint, session:mask); everything hfl shows or
--- writes for users goes through mask().
--
--   local t = require("hfl.taint").new()
--   t:add("s3cr3t-pass")                 -- or a table: every string in it
--   t:mask("password=s3cr3t-pass")        --> "password=<redacted>"
--
-- What is registered for a value v (at least MIN_LENGTH bytes): v itself, its base64 form (how
-- it appears in a Secret's data), each line of a multi-line v (YAML shows it indented) but PEM
-- armour lines, and v as a quoted string shows it (\" \\ \n escaped) when that differs.
--
-- mask() is one pass over the text whatever the number of values (Aho-Corasick): at each
-- byte it knows the longest tainted string ending there; overlapping and nested matches are
-- merged, and each merged range becomes one MARK, so no byte of any value survives.
local encoding = require "hfl.stdlib.encoding"

local M = {}

M.MARK = "<redacted>"

--- Shorter values are not masked: a secret of a few bytes ("1", "true", "app") occurs by
--- chance in almost any text, and masking it everywhere would destroy the output (every "1"
--- of every number) while telling a reader which short strings are secret.
M.MIN_LENGTH = 6

local byte, sub, concat = string.byte, string.sub, table.concat

---@class hfl.Taint
---@field skipped integer  how many values were too short to be masked
local Taint = {}
Taint.__index = Taint

--- An empty taint set.
---@return hfl.Taint
function M.new()
  return setmetatable({ strings = {}, count = 0, skipped = 0, automaton = nil }, Taint)
end

-- Go's %q / JSON escaping of the characters a quoted string changes.
local ESCAPES = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }

function Taint:_register(s)
  if #s < M.MIN_LENGTH or M.MARK:find(s, 1, true) then return false end
  if not self.strings[s] then
    self.strings[s] = true
    self.count = self.count + 1
    self.automaton = nil
  end
  return true
end

function Taint:_add_string(s)
  if not self:_register(s) then
    if s ~= "" then self.skipped = self.skipped + 1 end
    return
  end
  self:_register(encoding.b64encode(s))
  local quoted = s:gsub('[\\"\n\r\t]', ESCAPES)
  self:_register(quoted)
  if s:find("\n", 1, true) then
    for line in s:gmatch("[^\r\n]+") do
      line = line:gsub("^%s+", ""):gsub("%s+$", "")
      -- PEM armour ("-----BEGIN PRIVATE KEY-----") is no secret, and public certificates
      -- in the output carry the same lines
      if not line:match("^%-%-%-%-%-.*%-%-%-%-%-$") then self:_register(line) end
    end
  end
end

function Taint:_add_table(t, seen)
  if seen[t] then return end
  seen[t] = true
  for k, v in pairs(t) do
    if type(v) == "string" then self:_add_string(v)
    elseif type(v) == "table" then self:_add_table(v, seen) end
  end
end

--- Registers a value from a secret source: a string, or every string value in a table
--- (nested; keys are names such as "password", not secrets). Other types are ignored.
---@param v any
function Taint:add(v)
  if type(v) == "string" then self:_add_string(v)
  elseif type(v) == "table" then self:_add_table(v, {}) end
end

-- The automaton: node 1 is the root; next[n][b] the child on byte b, fail[n] the longest
-- proper suffix that is a node, best[n] the length of the longest tainted string that ends
-- at n (through fail links).
local function build(strings)
  local nxt, fail, best, depth = { {} }, { 0 }, { 0 }, { 0 }
  for s in pairs(strings) do
    local n = 1
    for i = 1, #s do
      local b = byte(s, i)
      local c = nxt[n][b]
      if not c then
        c = #nxt + 1
        nxt[c], fail[c], best[c], depth[c] = {}, 1, 0, depth[n] + 1
        nxt[n][b] = c
      end
      n = c
    end
    best[n] = #s
  end
  local queue, head = {}, 1
  for _, c in pairs(nxt[1]) do queue[#queue + 1] = c end
  while head <= #queue do
    local n = queue[head]
    head = head + 1
    for b, c in pairs(nxt[n]) do
      local f = fail[n]
      while f ~= 1 and not nxt[f][b] do f = fail[f] end
      local to = nxt[f][b]
      fail[c] = to or 1
      if best[fail[c]] > best[c] then best[c] = best[fail[c]] end
      queue[#queue + 1] = c
    end
  end
  return { next = nxt, fail = fail, best = best }
end

-- The ranges [start, stop] of text covered by tainted strings, merged where they overlap,
-- as a flat list start1, stop1, start2, stop2, …
local function covered(a, text)
  local nxt, fail, best = a.next, a.fail, a.best
  local ranges, top = {}, 0
  local n = 1
  for i = 1, #text do
    local b = byte(text, i)
    local c = nxt[n][b]
    while not c and n ~= 1 do
      n = fail[n]
      c = nxt[n][b]
    end
    n = c or 1
    local len = best[n]
    if len > 0 then
      local start = i - len + 1
      -- ranges end in increasing order: pop those this one overlaps
      while top > 0 and ranges[top] >= start do
        if ranges[top - 1] < start then start = ranges[top - 1] end
        ranges[top], ranges[top - 1] = nil, nil
        top = top - 2
      end
      ranges[top + 1], ranges[top + 2] = start, i
      top = top + 2
    end
  end
  return ranges, top
end

--- The text with every tainted string in it replaced by MARK. Non-strings raise.
---@param text string
---@return string
function Taint:mask(text)
  if type(text) ~= "string" then error("hfl.taint: mask wants a string, got " .. type(text), 2) end
  if self.count == 0 or #text < M.MIN_LENGTH then return text end
  local a = self.automaton
  if not a then
    a = build(self.strings)
    self.automaton = a
  end
  local ranges, top = covered(a, text)
  if top == 0 then return text end
  local out, pos = {}, 1
  for j = 1, top, 2 do
    out[#out + 1] = sub(text, pos, ranges[j] - 1)
    out[#out + 1] = M.MARK
    pos = ranges[j + 1] + 1
  end
  out[#out + 1] = sub(text, pos)
  return concat(out)
end

--- Whether anything is registered.
---@return boolean
function Taint:empty()
  return self.count == 0
end

return M
