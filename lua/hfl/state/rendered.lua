--- A rendered (Go-template) part of a state file, and where its lines came from, so that an
--- error in the YAML the template produced can name the line of the file that wrote it.
--
--   local rendered = require "hfl.state.rendered"
--   local src = rendered.new{ name = "helmfile.yaml.gotmpl", index = 1, first = 12,
--     source = template_text, output = rendered_text }
--   src:where(14)   --> "helmfile.yaml.gotmpl:14"  or  "helmfile.yaml.gotmpl: rendered part 1, line 3"
--
-- Lines given to `where` are those of the output decoded with first - 1 blank lines in front
-- (hfl.state.parts.decode does so), so they are file lines whenever the template kept its
-- lines where they were. The mapping is traced only when an error asks for it.
--
-- Tracing: a source line without template actions that appears unchanged in the output is an
-- anchor; the anchors are matched in order (longest common subsequence); between two matched
-- anchors (or over the whole part), a stretch of output lines maps line by line onto the
-- stretch of source lines when both have the same length and each output line keeps the text
-- around its source line's actions (`chart: {{ .Values.c }}` → `chart: ./c`); otherwise the
-- stretch is untraceable (a `{{ range }}` that multiplied lines, a trimmed `{{- if }}`).
local trim = require "hfl.trim"

local M = {}

local fmt = string.format

-- Largest anchors × candidate lines table the tracer fills by default; beyond it, only a part
-- that kept its line count can be traced.
local BUDGET = 4e6

local function lines_of(text)
  local out = {}
  for l in (text .. "\n"):gmatch("([^\n]*)\n") do out[#out + 1] = l end
  return out
end

-- A source line whose text the template copies verbatim: no action starts or ends on it, and
-- it is not blank (blank lines are what actions leave behind, so they anchor nothing).
local function literal(s)
  return s:find("%S") ~= nil and not s:find("{{", 1, true) and not s:find("}}", 1, true)
end

-- Whether output line o can be what source line s rendered to, alone: o starts with the text
-- before s's first action and ends with the text after its last (less what `{{-` / `-}}`
-- trim); a line without actions renders to itself. A line that starts with `{{-` or ends
-- with `-}}` joins its neighbour (the trim eats the line break), so it renders to no line alone.
local function fits(s, o)
  if s:find("^%s*{{%-") or s:find("%-}}%s*$") then return false end
  local open = s:find("{{", 1, true)
  local close, pos = nil, 1
  while true do
    local e = s:find("}}", pos, true)
    if not e then break end
    close, pos = e, e + 2
  end
  if not open and not close then return s == o end
  local pre, suf = "", ""
  if open then
    pre = s:sub(1, open - 1)
    if s:sub(open + 2, open + 2) == "-" then pre = trim.right(pre) end
  end
  if close then
    suf = s:sub(close + 2)
    if s:sub(close - 1, close - 1) == "-" then suf = suf:gsub("^%s+", "") end
  end
  return #o >= #pre + #suf and o:sub(1, #pre) == pre and (suf == "" or o:sub(-#suf) == suf)
end

-- Maps output lines po+1 … po+n onto source lines ps+1 … ps+n when each fits.
local function map_stretch(map, src, out, ps, po, n)
  for k = 1, n do
    if not fits(src[ps + k], out[po + k]) then return false end
  end
  for k = 1, n do map[po + k] = ps + k end
  return true
end

-- Matched anchor pairs {source line, output line}, in order: a longest common subsequence
-- of the literal source lines and the output lines equal to one of them. The literal lines
-- both start (or both end) with belong to one, so only the middle fills the table, which must
-- stay within budget cells (else nil).
local function anchors(src, out, budget)
  local ns, no = #src, #out
  local pre, suf = 0, 0
  while pre < ns and pre < no and src[pre + 1] == out[pre + 1] and literal(src[pre + 1]) do pre = pre + 1 end
  while suf < ns - pre and suf < no - pre and src[ns - suf] == out[no - suf] and literal(src[ns - suf]) do
    suf = suf + 1
  end
  local a, texts = {}, {}
  for i = pre + 1, ns - suf do
    if literal(src[i]) then a[#a + 1] = i; texts[src[i]] = true end
  end
  local b = {}
  for j = pre + 1, no - suf do
    if texts[out[j]] then b[#b + 1] = j end
  end
  local na, nb = #a, #b
  if na * nb > budget then return nil end
  -- L[x * w + y]: the length of the longest common subsequence of a[x..] and b[y..]
  local w, L = nb + 2, {}
  for k = 0, (na + 2) * w - 1 do L[k] = 0 end
  for x = na, 1, -1 do
    local sx = src[a[x]]
    for y = nb, 1, -1 do
      local v
      if sx == out[b[y]] then
        v = L[(x + 1) * w + y + 1] + 1
      else
        local down, right = L[(x + 1) * w + y], L[x * w + y + 1]
        v = down > right and down or right
      end
      L[x * w + y] = v
    end
  end
  local matched = {}
  for i = 1, pre do matched[i] = { i, i } end
  local x, y = 1, 1
  while x <= na and y <= nb do
    if src[a[x]] == out[b[y]] and L[x * w + y] == L[(x + 1) * w + y + 1] + 1 then
      matched[#matched + 1] = { a[x], b[y] }
      x, y = x + 1, y + 1
    elseif L[(x + 1) * w + y] >= L[x * w + y + 1] then
      x = x + 1
    else
      y = y + 1
    end
  end
  for k = suf - 1, 0, -1 do matched[#matched + 1] = { ns - k, no - k } end
  return matched
end

--- Traces the lines of a template's output back to the template's lines.
---@param source string the template
---@param output string what it rendered
---@param budget? number the largest matching table to fill (default 4e6 cells)
---@return table<integer, integer> map  output line → source line, for the lines that trace
function M.trace(source, output, budget)
  local src, out = lines_of(source), lines_of(output)
  local map = {}
  if #src == #out and map_stretch(map, src, out, 0, 0, #out) then return map end
  local matched = anchors(src, out, budget or BUDGET) or {}
  matched[#matched + 1] = { #src + 1, #out + 1 }
  local ps, po = 0, 0
  for _, p in ipairs(matched) do
    local s, o = p[1], p[2]
    if s - ps == o - po then map_stretch(map, src, out, ps, po, o - po - 1) end
    if o <= #out then map[o] = s end
    ps, po = s, o
  end
  return map
end

local Rendered = {}
Rendered.__index = Rendered

--- A rendered part.
---@param o {name: string, index: integer, first: integer, source: string, output: string}
---   name: the file as shown in messages; index: the part's 0-based index (Helmfile's
---   `<file>.part.<index>`); first: the file line the part starts on
function M.new(o)
  return setmetatable({ name = o.name, index = o.index, first = o.first, source = o.source, output = o.output },
    Rendered)
end

function Rendered:_map()
  if not self.map then self.map = M.trace(self.source, self.output) end
  return self.map
end

-- The file line of a decoded line (nil when it does not trace) and the output line.
function Rendered:_locate(line)
  local r = line - self.first + 1
  local s = self:_map()[r]
  return s and self.first - 1 + s, r
end

--- Where a decoded line was written: "name:line" (the file's line) when it traces, else
--- "name: rendered part N, line L" (L counts the part's output lines, as `--debug` shows them).
---@param line integer|nil
---@return string
function Rendered:where(line)
  if not line then return self.name end
  local fl, r = self:_locate(line)
  if fl then return fmt("%s:%d", self.name, fl) end
  if r < 1 then return fmt("%s:%d", self.name, line) end
  return fmt("%s: rendered part %d, line %d", self.name, self.index, r)
end

--- Rewrites the position of a YAML decoder message ("name:line:column: …") the same way;
--- the column stays only where the output line is the template's line, unchanged.
---@param msg string
---@return string
function Rendered:error(msg)
  local n = #self.name
  if msg:sub(1, n + 1) ~= self.name .. ":" then return msg end
  local l, c, rest = msg:match("^(%d+):(%d+): (.*)$", n + 2)
  if not l then return msg end
  local fl, r = self:_locate(tonumber(l))
  if not fl then
    if r < 1 then return msg end
    return fmt("%s: rendered part %d, line %d, column %s: %s", self.name, self.index, r, c, rest)
  end
  local src, out = lines_of(self.source), lines_of(self.output)
  if src[fl - self.first + 1] == out[r] then return fmt("%s:%d:%s: %s", self.name, fl, c, rest) end
  return fmt("%s:%d: %s", self.name, fl, rest)
end

--- text with each line prefixed by its number (from `first`, default 1), for `--debug`.
---@param text string
---@param first? integer
---@return string
function M.numbered(text, first)
  first = first or 1
  local lines = lines_of(text)
  local f = "%" .. math.max(2, #tostring(first + #lines - 1)) .. "d: %s"
  local out = {}
  for i, l in ipairs(lines) do out[i] = fmt(f, first + i - 1, l) end
  return table.concat(out, "\n")
end

--- Logs at debug level, on `log` (a hfl.Logger; nil logs nothing), `title` and then `text`
--- with numbered lines (from `first`, default 1). The message is a value whose text is built
--- only when a sink formats it, so a run without --debug does no work for it.
---@param log hfl.Logger|nil
---@param title string
---@param text string
---@param first? integer
function M.debug(log, title, text, first)
  if not log then return end
  log.debug("%s", setmetatable({}, { __tostring = function() return title .. "\n" .. M.numbered(text, first) end }))
end

return M
