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
