--- Deterministic pseudo-random YAML values for the differential specs: values-file-shaped
--- nested maps and lists whose scalars are the ones YAML readers and writers get wrong —
--- strings that look like booleans, numbers, nulls or syntax, multi-line text with trailing
--- spaces and newlines, unicode, big ints, integral floats, empty containers.
---
---   local gen = require("support.yamlgen").new(42)
---   local v = gen:document()        -- one hfl value (value.map / value.list / scalar)
---   local cases = require("support.yamlgen").cases(300, 1)  -- {{name=, value=}, ...}
local value = require "hfl.value"

local M = {}

-- Strings a reader could take for something else, or that need care to write.
M.tricky_strings = {
  "", " ", "  ", " lead", "trail ", " both ", "yes", "no", "on", "off", "y", "n", "Y", "N",
  "Yes", "NO", "On", "OFF", "true", "false", "True", "FALSE", "null", "Null", "NULL", "~",
  "0755", "0o755", "0x1F", "0X1f", "0b101", "010", "08", "09", "1.0", "1e6", "1E6", "1e+06",
  "+1", "-1", "+0", "-0", ".5", "5.", "1_000", "1,000", ".inf", "-.inf", "+.inf", ".nan",
  ".NaN", "NaN", "inf", "Infinity", "1:20", "190:20:30", "2001-12-14", "2001-12-14T21:59:43.10-05:00",
  "2001-12-14 21:59:43.10 -5", "12:30", "a: b", "a:b", "a:", ":a", "#x", "x #y", "x#y",
  "- x", "-", "--", "---", "...", "--- x", "? x", "?", ":", "|", ">", "|-", ">+", "!", "!!str",
  "!foo bar", "&a", "*a", "%x", "@x", "`x", "'", "\"", "''", "it's", "say \"hi\"", "{}", "[]",
  "{a: 1}", "[1, 2]", ",", "a,b", "a, b", "[", "]", "{", "}", "=", "x\ty", "\t", "\tx",
  "back\\slash", "C:\\path\\to", "100%", "$HOME", "${VAR}", "{{ .Values.x }}", "a\\nb",
  "line1\nline2", "line1\nline2\n", "line1\nline2\n\n", "trailing space \nx", "x\ntrailing space ",
  " leading space\nsecond", "a\r\nb", "a\rb",
  "text\n  indented\nback\n", "#!/bin/bash\nset -e\necho \"hi\"\n", "a\n\n\nb\n", "x\n ",
  "ünïcödé", "日本語テキスト", "emoji 🎉 party", "Ελληνικά", "עברית", "\u{85}nel", "a\u{2028}b",
  "\u{feff}bom", "\127del", "\1ctrl", "\0nul", "null\n", "0", "00", "0.0", "-0.0", "1e", "e1",
  "0x", "0o", "1__0", "_1", "1_", "12e3", "12e-3", "-.5", "+.5e2", "0.1.2", "1.2.3.4",
  "v1.2.3", "1-2", "true false", "yes please", "NULL ", "~ ", " ~", "TRUE\n",
}

-- Strings go-yaml v3 itself writes so that they do not read back (it drops a leading line
-- break, indents a leading tab, writes the key `<<` plain so it reads as a merge key). They
-- come up rarely, so most generated documents check hfl's output byte for byte.
M.go_lossy_strings = { "<<", "\n", "\n\n", "\nleading newline", "\ttab\nline" }

local words = {
  "nginx", "controller", "replicaCount", "image", "tag", "repository", "enabled", "service",
  "port", "targetPort", "resources", "limits", "requests", "cpu", "memory", "annotations",
  "labels", "app", "ingress", "hosts", "paths", "tls", "secretName", "config", "data",
  "persistence", "size", "storageClass", "affinity", "tolerations", "nodeSelector", "metrics",
  "serviceMonitor", "interval", "scrapeTimeout", "env", "name", "value", "valueFrom", "key",
  "prometheus", "grafana", "redis", "postgres", "auth", "password", "existingSecret", "rbac",
  "create", "serviceAccount", "podSecurityContext", "runAsUser", "fsGroup", "livenessProbe",
}

local keys_extra = {
  "a1", "a10", "a2", "a01", "a001", "A", "B", "b", "Z", "_x", "-x", ".x", "1", "10", "2", "01",
  "x.y", "x/y", "app.kubernetes.io/name", "with space", "ü", "é", "日本", "x-1", "x_1", "x1y",
  "x10y", "x9y", "abc", "ABC", "aBc", "key:", "#k", "k#", "- k", "@k", "true", "yes", "null",
  "~", "0755", "1.0", "", " ", "on", "a0b", "a00b", "ab1", "ab01", "ab10", "Ab", "aB",
}

local long_text = "The quick brown fox jumps over the lazy dog while the chart renders its "
  .. "templates and the release controller reconciles the desired state with the cluster"

local Gen = {}
Gen.__index = Gen

--- A generator seeded with a positive integer; same seed, same values.
---@param seed integer
function M.new(seed)
  local s = math.floor(seed) % 2147483646 + 1
  return setmetatable({ s = s }, Gen)
end

-- Park–Miller: exact in doubles (products stay below 2^53).
function Gen:next()
  self.s = self.s * 16807 % 2147483647
  return self.s
end

--- An integer in [lo, hi].
function Gen:int(lo, hi)
  return lo + self:next() % (hi - lo + 1)
end

function Gen:pick(list)
  return list[self:int(1, #list)]
end

function Gen:chance(p)
  return self:next() / 2147483647 < p
end

local big_ints = {
  "9007199254740992", "9007199254740993", "-9007199254740993", "12345678901234567",
  "9223372036854775807", "-9223372036854775808", "9223372036854775808", "18446744073709551615",
  "10000000000000000",
}

function Gen:integer()
  local r = self:int(1, 10)
  if r <= 4 then return self:int(0, 100) end
  if r <= 6 then return self:int(-100000, 100000) end
  if r <= 8 then return self:int(0, 2147483646) * self:int(1, 4194303) end
  if r == 9 then return value.int(self:pick(big_ints)) end
  return self:pick { 0, 1, -1, 1000000, 1e15, 2 ^ 53 - 1, -(2 ^ 53 - 1), 493, 31 }
end

local special_floats = {
  1.0, 0.0, -0.0, 1e6, 1e21, 1e20, 2 ^ 53, 100.0, 123456789.0, 1e-7, 0.0001, 0.00001, 0.1, 0.5,
  -2.5, 3.14159, 1 / 3, 2 / 3, 1.7976931348623157e308, 5e-324, 2.2250738585072014e-308,
  123456.7, 999999.9, 1e100, 6.02214076e23, math.huge, -math.huge, 0 / 0,
}

function Gen:float()
  local r = self:int(1, 5)
  local n
  if r <= 2 then
    n = self:pick(special_floats)
  elseif r == 3 then
    n = self:int(-1000000, 1000000) / self:pick { 2, 4, 8, 10, 100, 1000, 3, 7 }
  elseif r == 4 then
    n = (self:int(1, 2147483646) / 2147483647) * 10 ^ self:int(-12, 25)
  else
    n = self:int(0, 100000) -- an integral float: 5 is float(5)
  end
  return value.float(n)
end

function Gen:word()
  return self:pick(words)
end

function Gen:string()
  if self:chance(0.01) then return self:pick(M.go_lossy_strings) end
  local r = self:int(1, 12)
  if r <= 5 then return self:pick(M.tricky_strings) end
  if r == 6 then
    return self:word() .. "-" .. self:int(0, 999)
  end
  if r == 7 then
    -- Multi-line text, sometimes with trailing spaces, blank lines or indentation.
    -- The first line is plain: go-yaml v3 drops a leading empty line and cannot read back a
    -- leading tab in a block scalar; the tricky-string table keeps a few such cases.
    local lines = { self:word() }
    for i = 2, self:int(1, 5) do
      local line = self:pick { self:word(), self:word() .. " " .. self:word(), "", "  indented",
        "trailing  ", "key: value", "- item", "# comment", "\tTab", self:pick(M.tricky_strings) }
      lines[i] = line
    end
    return table.concat(lines, "\n") .. self:pick { "", "\n", "\n\n", " ", "\n " }
  end
  if r == 8 then
    local n = self:int(40, 200)
    local start = self:int(1, #long_text - 20)
    local s = (long_text .. " " .. long_text .. " " .. long_text):sub(start, start + n)
    return s
  end
  if r == 9 then
    return self:pick { "https://charts.example.com/stable", "registry.k8s.io/ingress-nginx/controller",
      "sha256:3f1a2b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70",
      "--set=a.b=c", "-Xmx512m -Xms512m", "0 2 * * *", "*/5 * * * *", "10.0.0.0/8", "::1",
      "user@example.com", "{\"a\": 1, \"b\": [true, null]}", "<html>&amp;</html>" }
  end
  if r == 10 then
    return self:pick(M.tricky_strings) .. self:pick { "", " ", "x", "\n", ":" } .. self:pick(M.tricky_strings)
  end
  if r == 11 then
    return self:pick { "ü", "日本", "🎉", "é", "ß", "Ж", "中文", "ا" } .. self:word()
  end
  return tostring(self:int(0, 99999)) .. self:pick { "", "Mi", "Gi", "m", "s", "ms", "%", ".0.1", "e" }
end

function Gen:key()
  if self:chance(0.001) then return "<<" end
  if self:chance(0.7) then
    return self:chance(0.3) and self:word() .. self:int(0, 20) or self:word()
  end
  if self:chance(0.6) then return self:pick(keys_extra) end
  return self:pick(M.tricky_strings)
end

function Gen:scalar()
  local r = self:int(1, 12)
  if r <= 5 then return self:string() end
  if r <= 7 then return self:integer() end
  if r <= 9 then return self:float() end
  if r <= 11 then return self:chance(0.5) end
  return value.null
end

function Gen:map(depth)
  local m = value.map()
  local n = self:int(0, depth > 0 and 6 or 4)
  for _ = 1, n do
    local k = self:key()
    if m[k] == nil then m[k] = self:node(depth - 1) end
  end
  return m
end

function Gen:list(depth)
  local l = value.list()
  for i = 1, self:int(0, 5) do l[i] = self:node(depth - 1) end
  return l
end

function Gen:node(depth)
  if depth <= 0 then
    local r = self:int(1, 10)
    if r == 1 then return value.map() end
    if r == 2 then return value.list() end
    return self:scalar()
  end
  local r = self:int(1, 10)
  if r <= 3 then return self:map(depth) end
  if r <= 5 then return self:list(depth) end
  return self:scalar()
end

--- One document: mostly a values-file-shaped map, sometimes a list or a lone scalar.
function Gen:document()
  local r = self:int(1, 20)
  if r <= 15 then
    local m = value.map()
    for _ = 1, self:int(1, 8) do
      local k = self:key()
      if m[k] == nil then m[k] = self:node(self:int(0, 4)) end
    end
    return m
  end
  if r <= 18 then return self:list(self:int(1, 3)) end
  return self:scalar()
end

-- YAML source text in the styles people write by hand: block and flow collections, plain,
-- quoted and block scalars, zero-indented sequences, anchors, aliases and merge keys,
-- comments and document markers. Only the text matters: the oracle says what it means.

-- Plain scalars as a reader resolves them differently under YAML 1.1 and 1.2.
M.plain_tokens = {
  "yes", "no", "on", "off", "y", "n", "Yes", "NO", "True", "FALSE", "true", "false", "null",
  "Null", "~", "0755", "0o755", "0x1F", "0b101", "1_000", "+1", "-1", "-0", "00", "08", ".5",
  "1.", "1.0", "1e6", "1E6", "-.inf", ".nan", ".NaN", "+.inf", "1e400", "0.1", "3.14159",
  "2001-12-14x", "190:20:30", "12:30", "1.2.3", "v1.0", "foo", "foo bar", "a:b", "x#y",
  "a -b", "a  b", "日本語", "ü", "-x", "?x", "x?", "=", "9223372036854775808",
  "18446744073709551615", "99999999999999999999", "123456789012", "0.000001", "1e-7",
  "100Mi", "250m", "http://example.com:8080/x", "10.0.0.1", "a/b", "$VAR", "a%x", "a'b", "a\"b",
  ".", "..", "x.", "--x", "<<",
}

local flow_unsafe = "[,%[%]{}?]"

local double_escapes = {
  ["\n"] = "\\n", ["\t"] = "\\t", ["\""] = "\\\"", ["\\"] = "\\\\", ["\0"] = "\\0",
  ["\r"] = "\\r", ["\27"] = "\\e", ["\7"] = "\\a",
}

local function double_quoted(s)
  return '"' .. s:gsub('[%z\1-\31"\\]', function(c)
    return double_escapes[c] or ("\\x%02x"):format(c:byte())
  end) .. '"'
end

local function single_quoted(s)
  return "'" .. s:gsub("'", "''") .. "'"
end

local Src = {}
Src.__index = Src

function Src:line(indent, text)
  self.out[#self.out + 1] = string.rep(" ", indent) .. text
end

-- An anchor for the next node ("&a3 ", "a3"), or "" now and then.
function Src:anchor()
  if not self.g:chance(0.08) then return "", nil end
  self.n_anchors = self.n_anchors + 1
  local name = "a" .. self.n_anchors
  return "&" .. name .. " ", name
end

-- Strings a single-quoted or plain scalar cannot hold (go-yaml rejects them unescaped).
local function needs_escapes(s)
  return s:find("[%z\1-\31\127]") or s:find("\194\133") or s:find("\239\187\191")
    or s:find("\226\128[\168\169]")
end

function Src:comment()
  if self.g:chance(0.1) then
    return self.g:pick { "  # comment", " #c", "    # " .. self.g:word() .. ": not a key" }
  end
  return ""
end

-- A scalar as inline text (flow: inside [] or {}), or nil for a block scalar the caller
-- writes with Src:block_scalar.
function Src:scalar_text(flow)
  local g = self.g
  local r = g:int(1, 10)
  if r <= 4 then
    local t
    repeat t = g:pick(M.plain_tokens) until not (flow and t:find(flow_unsafe))
    return t
  elseif r <= 6 then
    return double_quoted(g:string())
  elseif r <= 8 then
    local s
    repeat s = g:string() until not needs_escapes(s)
    return single_quoted(s)
  elseif r == 9 and #self.aliases > 0 and not flow then
    return "*" .. g:pick(self.aliases)
  end
  return tostring(g:integer())
end

function Src:block_scalar(indent)
  local g = self.g
  local head = g:pick { "|", "|-", "|+", ">", ">-", ">+" }
  local lines = {}
  for i = 1, g:int(1, 4) do
    lines[i] = g:pick { g:word(), g:word() .. " " .. g:word(), "", "  more indented", "#not a comment",
      "key: value", "- item", g:pick(M.plain_tokens) }
  end
  if lines[1] == "" or lines[1]:match("^ ") then lines[1] = g:word() end
  local body = {}
  for i, l in ipairs(lines) do body[i] = l == "" and "" or string.rep(" ", indent) .. l end
  local trail = g:pick { "", "\n", "\n\n" }
  return head, table.concat(body, "\n") .. "\n" .. trail
end

-- Whether a string, written plain, could read as something other than a string under
-- YAML 1.1 or 1.2 (such keys would collide with the one special key a map may have).
local function looks_special(k)
  local l = k:lower()
  return l == "" or l == "~" or l == "y" or l == "n" or l == "yes" or l == "no" or l == "on"
    or l == "off" or l == "true" or l == "false" or l == "null" or l:find("^[-+.%d]")
end

-- A key as written and the string it stands for.
function Src:key()
  local g = self.g
  local r = g:int(1, 20)
  if r <= 14 then
    local k = g:word() .. (g:chance(0.3) and tostring(g:int(0, 9)) or "")
    return k, k
  end
  if r <= 17 then
    local k
    repeat k = g:key() until not looks_special(k)
    return double_quoted(k), k
  end
  if r <= 19 then
    local k
    repeat k = g:key() until not needs_escapes(k) and not looks_special(k)
    return single_quoted(k), k
  end
  -- At most one key per map that resolves to a non-string, so v2's stringified keys never collide.
  if self.special_used then
    local k = g:word() .. "_" .. g:int(10, 99)
    return k, k
  end
  self.special_used = true
  local k = g:pick { "yes", "on", "1", "1.5", "0755", "0x1F", "true", "-7" }
  return k, "\0special"
end

function Src:flow(depth)
  local g = self.g
  if depth <= 0 or g:chance(0.5) then return self:scalar_text(true) end
  if g:chance(0.5) then
    local items = {}
    for i = 1, g:int(0, 4) do items[i] = self:flow(depth - 1) end
    return "[" .. table.concat(items, g:pick { ", ", "," }) .. "]"
  end
  local items, seen = {}, {}
  for _ = 1, g:int(0, 4) do
    local k = g:word()
    if not seen[k] then
      seen[k] = true
      items[#items + 1] = k .. ": " .. self:flow(depth - 1)
    end
  end
  return "{" .. table.concat(items, ", ") .. "}"
end

-- Writes `prefix` followed by a node: inline (scalar, flow, alias) or a nested block.
function Src:node(indent, prefix, depth, in_seq)
  local g = self.g
  local r = g:int(1, 12)
  if depth <= 0 or r <= 5 then
    if g:chance(0.12) then
      local head, body = self:block_scalar(indent + 2)
      self:line(0, prefix .. head)
      self.out[#self.out] = self.out[#self.out] .. "\n" .. body:gsub("\n$", "")
      return
    end
    local anchor, name = self:anchor()
    local text = self:scalar_text(false)
    if text:sub(1, 1) == "*" then anchor, name = "", nil end
    self:line(0, prefix .. anchor .. text .. self:comment())
    if name then self.aliases[#self.aliases + 1] = name end
    return
  end
  if r == 6 then
    self:line(0, prefix .. self:flow(2) .. self:comment())
    return
  end
  local anchor, name = self:anchor()
  if r <= 9 then
    self:line(0, prefix .. anchor .. self:comment())
    self:map(indent + 2, depth - 1)
  else
    self:line(0, prefix .. anchor)
    -- Kubernetes style puts a map's sequence at the map's own indentation.
    local seq_indent = (not in_seq and g:chance(0.4)) and indent or indent + 2
    self:seq(seq_indent, depth - 1)
  end
  if name then
    self.aliases[#self.aliases + 1] = name
    if r <= 9 then self.map_aliases[#self.map_aliases + 1] = name end
  end
end

function Src:map(indent, depth)
  local g = self.g
  local saved = self.special_used
  self.special_used = false
  local n, seen = g:int(1, 5), {}
  if #self.map_aliases > 0 and g:chance(0.2) then
    if g:chance(0.7) then
      self:line(indent, "<<: *" .. g:pick(self.map_aliases))
    else
      self:line(indent, "<<: [*" .. g:pick(self.map_aliases) .. ", *" .. g:pick(self.map_aliases) .. "]")
    end
  end
  for _ = 1, n do
    local k, meaning = self:key()
    if not seen[meaning] then
      seen[meaning] = true
      self:node(indent, string.rep(" ", indent) .. k .. ":" .. " ", depth)
    end
  end
  self.special_used = saved
end

function Src:seq(indent, depth)
  local g = self.g
  for _ = 1, g:int(1, 4) do
    if depth > 0 and g:chance(0.3) then
      -- A map inside a sequence item, its first key on the dash's line.
      local saved = self.special_used
      self.special_used = false
      local first, seen = true, {}
      for _ = 1, g:int(1, 3) do
        local k = g:word() .. g:int(0, 50)
        while seen[k] do k = k .. "x" end
        seen[k] = true
        self:node(indent + 2, (first and string.rep(" ", indent) .. "- " or string.rep(" ", indent + 2))
          .. k .. ": ", depth - 1, true)
        first = false
      end
      self.special_used = saved
    else
      self:node(indent, string.rep(" ", indent) .. "- ", depth, true)
    end
  end
end

--- YAML source text of one or more documents written in hand-written styles.
function Gen:source()
  local src = setmetatable({ g = self, out = {}, aliases = {}, map_aliases = {}, n_anchors = 0 }, Src)
  local docs = self:chance(0.2) and self:int(2, 3) or 1
  for d = 1, docs do
    src.aliases, src.map_aliases = {}, {}
    if d > 1 or self:chance(0.3) then src:line(0, self:pick { "---", "--- # doc", "---" }) end
    if self:chance(0.15) then src:line(0, "# " .. self:word() .. " settings") end
    if self:chance(0.85) then
      src:map(0, self:int(1, 4))
    else
      src:seq(0, self:int(1, 3))
    end
    if self:chance(0.1) then src:line(0, "...") end
  end
  return table.concat(src.out, "\n") .. "\n"
end

--- n named YAML source texts from one seed: {{name = "src-001", text = "..."}, ...}.
function M.sources(n, seed)
  local gen = M.new(seed or 1)
  local out = {}
  for i = 1, n do out[i] = { name = ("src-%03d"):format(i), text = gen:source() } end
  return out
end

--- n named random documents from one seed: {{name = "gen-001", value = v}, ...}.
function M.cases(n, seed)
  local gen = M.new(seed or 1)
  local cases = {}
  for i = 1, n do
    cases[i] = { name = ("gen-%03d"):format(i), value = gen:document() }
  end
  return cases
end

return M
