-- Generated differential cases for the function library #oracle: deterministic pseudo-random
-- inputs (strings with spaces, case, digits, punctuation and UTF-8; numbers; versions and
-- constraints; regex subjects) for the functions whose output depends most on detail, each
-- rendered by hfl and by Go's text/template + Sprig (build/tmplref), which must agree.
local tmpl_oracle = require "spec.support.tmpl_oracle"

local tmpl = require "hfl.tmpl"

-- A small LCG so the cases are the same on every run and every machine.
local seed = 12345
local function rnd(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n + 1
end
local function pick(t) return t[rnd(#t)] end

local PIECES = { "a", "b", "Z", "x", "HTTP", "Server", "id", "2", "42", " ", "  ", "-", "_", ".", "é",
  "ß", "Ω", "\t", "\n", "$", "%", "\"", "'", "\\", "http2xx", "Name", "fooBar", "URL", "v1.2", "" }
local function rstring(max)
  local parts = {}
  for i = 1, rnd(max or 6) - 1 do parts[i] = pick(PIECES) end
  return table.concat(parts)
end

local function q(s)
  return '"' .. s:gsub('[\\"\n\t]', { ["\\"] = "\\\\", ['"'] = '\\"', ["\n"] = "\\n", ["\t"] = "\\t" }) .. '"'
end

local cases = {}
local function add(t) cases[#cases + 1] = t end

for _ = 1, 60 do
  local s = q(rstring(7))
  add(("{{ %s | title }}|{{ %s | untitle }}|{{ %s | upper }}|{{ %s | lower }}|{{ %s | swapcase }}"):format(s, s, s, s, s))
  add(("{{ %s | snakecase }}|{{ %s | kebabcase }}|{{ %s | camelcase }}|{{ %s | initials }}|{{ %s | nospace }}"):format(s, s, s, s, s))
  add(("{{ %s | trim }}|{{ trimAll \" -\" %s }}|{{ %s | quote }}|{{ %s | squote }}|{{ %s | toJson }}"):format(s, s, s, s, s))
  local n, m = rnd(14) - 4, rnd(14) - 4
  add(("{{ trunc %d %s }}|{{ abbrev %d %s }}|{{ abbrevboth %d %d %s }}|{{ wrap %d %s }}|{{ wrapWith %d \"|\" %s }}"):format(
    n, s, n + 3, s, n, m + 4, s, rnd(8), s, rnd(8), s))
  add(("{{ %s | b64enc }}|{{ %s | b32enc }}|{{ %s | b64enc | b64dec }}|{{ %s | sha1sum }}|{{ %s | adler32sum }}"):format(s, s, s, s, s))
  add(("{{ splitList \" \" %s }}|{{ split \"-\" %s }}|{{ splitn \"_\" 2 %s }}|{{ %s | indent 2 }}|{{ replace \"a\" \"[]\" %s }}"):format(s, s, s, s, s))
  add(("{{ regexFindAll \"[a-z]+\" %s -1 }}|{{ regexReplaceAll \"([A-Z])\" %s \"<$1>\" }}|{{ regexSplit \"[ _-]+\" %s -1 }}|{{ regexQuoteMeta %s }}"):format(s, s, s, s))
end

local NUMS = { "0", "1", "-1", "7", "-7", "2.5", "-2.5", "0.1", "0.2", "1e6", "1.5e-7", "123456789", "3.14159",
  "100", "1000000", "0.000123", "99.99", "-0.5", "1e21", "12.0" }
for _ = 1, 60 do
  local a, b = pick(NUMS), pick(NUMS)
  add(("{{ add %s %s }}|{{ sub %s %s }}|{{ mul %s %s }}|{{ max %s %s }}|{{ min %s %s }}"):format(a, b, a, b, a, b, a, b, a, b))
  add(("{{ addf %s %s }}|{{ subf %s %s }}|{{ mulf %s %s }}|{{ maxf %s %s }}|{{ minf %s %s }}"):format(a, b, a, b, a, b, a, b, a, b))
  add(("{{ floor %s }}|{{ ceil %s }}|{{ round %s 2 }}|{{ float64 %s }}|{{ int %s }}|{{ toString %s }}|{{ toJson %s }}"):format(a, a, a, a, a, a, a))
  if tonumber(b) ~= 0 and not b:find("[.e]") then
    add(("{{ div %s %s }}|{{ mod %s %s }}"):format(a, b, a, b))
  end
end

local VERSIONS = { "1.0.0", "1.2.3", "1.2.10", "2.0.0", "0.1.0", "0.0.3", "1.2.3-alpha", "1.2.3-alpha.1",
  "1.2.3-beta.2", "1.2.3-rc.1+build.5", "v1.25.4", "1.3", "3", "10.0.0", "1.2.4-0" }
local CONSTRAINTS = { ">=1.2.3", "<2", "~1.2", "^1.2.3", "^0.1", "1.2.x", "*", ">1.0 <1.3", ">=1.2.3-0",
  "!=1.2.3", "1.0 - 2.0", "~0.0.3", "<=1.2", ">= 1.23-0", "=1.2.3", "^0.0.3", "~>1.2.0", "1.x || >=3",
  ">1.2.3-alpha", "<1.2.3-beta" }
for _, v in ipairs(VERSIONS) do
  local parts = {}
  for _, c in ipairs(CONSTRAINTS) do parts[#parts + 1] = ("{{ semverCompare %s %s }}"):format(q(c), q(v)) end
  add(table.concat(parts, " "))
end

-- Random nested values as JSON text, for merges, JSON round trips and list functions.
local LEAVES = { '""', '"x"', '"y"', "0", "1", "2.5", "true", "false", "null", "[]", "{}", '["a"]', "[1,2]" }
local KEYS = { "a", "b", "c" }
local function rvalue(depth)
  local r = rnd(10)
  if depth > 0 and r <= 3 then
    local parts = {}
    for i = 1, rnd(3) do
      parts[#parts + 1] = ('"%s":%s'):format(KEYS[i], rvalue(depth - 1))
    end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif depth > 0 and r == 4 then
    local parts = {}
    for i = 1, rnd(3) - 1 do parts[i] = rvalue(depth - 1) end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  return pick(LEAVES)
end
local function rmap(depth)
  local parts = {}
  for i = 1, 3 do
    if rnd(3) > 1 then parts[#parts + 1] = ('"%s":%s'):format(KEYS[i], rvalue(depth)) end
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

for _ = 1, 80 do
  local a, b = q(rmap(2)), q(rmap(2))
  add(("{{ $a := fromJson %s }}{{ $b := fromJson %s }}{{ merge $a $b | toJson }}"):format(a, b))
  add(("{{ $a := fromJson %s }}{{ $b := fromJson %s }}{{ mergeOverwrite $a $b | toJson }}"):format(a, b))
  add(("{{ $a := fromJson %s }}{{ $a }}|{{ toPrettyJson $a }}|{{ empty $a.a }}|{{ len (values $a) }}|{{ compact (values (pick $a \"a\")) }}|{{ keys $a | sortAlpha }}"):format(a))
  add(("{{ $l := fromJson %s }}{{ uniq $l }}|{{ without $l 1 \"x\" }}|{{ has 1 $l }}|{{ reverse $l }}|{{ first $l }}|{{ rest $l | toJson }}"):format(
    q("[" .. rvalue(1) .. "," .. rvalue(1) .. "," .. pick(LEAVES) .. "," .. pick(LEAVES) .. "]")))
end

local PATTERNS = { "a+", "[a-z]+", "\\d+", "(\\w+)-(\\w+)", "^a", "a$", "(?i)http", "x*", "\\s+", "[^a-z]",
  "(a|ab)(c|bcd)?", "\\bid\\b", "\\.", "(?P<v>v\\d)", "[[:upper:]]+", "é+", ".", "a{2}", "" }
local SUBJECTS = { "abc", "aaa-bbb", "HTTP http", "id 42 id2", "v1.2.3", "", "a\nb", "xx yy", "Ωé é", "a.b.c", "ab_cd-ef" }
for _, p in ipairs(PATTERNS) do
  for _ = 1, 3 do
    local subj = q(pick(SUBJECTS))
    add(("{{ regexMatch %s %s }}|{{ regexFind %s %s }}|{{ regexFindAll %s %s -1 }}|{{ regexSplit %s %s -1 }}|{{ regexReplaceAll %s %s \"<$1>\" }}|{{ regexReplaceAllLiteral %s %s \"$0\" }}"):format(
      q(p), subj, q(p), subj, q(p), subj, q(p), subj, q(p), subj, q(p), subj))
  end
end

local LAYOUTS = { "2006-01-02", "Mon Jan _2 15:04:05 MST 2006", "02 Jan 06 15:04 -0700", "January 2, 2006 3:04:05.000 PM",
  "2006-01-02T15:04:05Z07:00", "Monday 002 __2", ".999999999 .000 ,9", "3:4:5 pm", "06-1-2 15h", "Z0700 Z07:00 -07" }
local ZONES = { "UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Adelaide", "Pacific/Chatham", "Local" }
for _ = 1, 40 do
  local ts = rnd(2000000000) - 100000000
  add(("{{ dateInZone %s %d %s }}|{{ htmlDateInZone %d %s }}"):format(q(pick(LAYOUTS)), ts, q(pick(ZONES)), ts, q(pick(ZONES))))
end
local DURATIONS = { "1h", "90m", "1.5h", "-2h3m4s", "300ms", "1us", "2µs", "45s", "0", "1h0m0.5s", "100h", "9000h",
  "1d", "x", "", "3.000001s", ".5s" }
for _, d in ipairs(DURATIONS) do
  add(("{{ durationRound %s }}|{{ dateModify %s (toDate \"2006-01-02\" \"2020-02-28\") | date \"2006-01-02 15:04:05.000\" }}"):format(q(d), q(d)))
end
for _ = 1, 15 do
  add(("{{ duration %s }}|{{ duration (add %d 0) }}"):format(q(tostring(rnd(200000) - 1000)), rnd(400000)))
end

local B64 = { "YQ==", "YWI=", "YWJj", "YQ", "Y", "!!!!", "YQ==YQ==", "YW\nJj", "", "YWJjZA==", "YWJjZA=", "=", "YQ===",
  "NBSWY3DP", "ME======", "MFRGG===", "MZXW6YQ=", "mzxw6", "MZXW6===" }
for _, b in ipairs(B64) do
  add(("{{ b64dec %s }}|{{ b32dec %s }}"):format(q(b), q(b)))
end

local PATHS = { "/a/b/c", "a/b/", "", "/", "//x//y/", "./a/../b", "../..", "a.b/c.d.e", ".hidden", "x.", "/a/./b/../../c" }
for _, p in ipairs(PATHS) do
  add(("{{ base %s }}|{{ dir %s }}|{{ clean %s }}|{{ ext %s }}|{{ isAbs %s }}"):format(q(p), q(p), q(p), q(p), q(p)))
end

local INTS = { "42", "-7", "0x1f", "0o17", "017", "0b11", "1_000", "_1", "1__0", "3.0", "3.5", "", "x", "+5", " 5", "9223372036854775807", "1e3" }
for _, n in ipairs(INTS) do
  add(("{{ atoi %s }}|{{ int %s }}|{{ int64 %s }}|{{ float64 %s }}|{{ toDecimal %s }}"):format(q(n), q(n), q(n), q(n), q(n)))
end

local URLS = { "https://u:p@example.com:8443/a/b?x=1#f", "http://h", "mailto:a@b.c", "/just/path?q", "file:///etc/hosts",
  "HTTP://Example.COM/%7Efoo", "//host/p", "s3://bucket/key.tgz", "oci://reg.io/charts/app" }
for _, u in ipairs(URLS) do
  add(("{{ urlParse %s | toJson }}"):format(q(u)))
end

for _ = 1, 20 do
  local a, b, c = rnd(12) - 6, rnd(12) - 6, rnd(5) - 3
  add(("{{ seq %d }}|{{ seq %d %d }}|{{ seq %d %d %d }}|{{ until %d }}|{{ untilStep %d %d %d }}"):format(a, a, b, a, c, b, a, a, b, c))
end

local STRS = { "<a&b>", "\\u00e9\\u2028x", "tab\\there", "nl\\nx", "q\\\"uote", "back\\\\slash", "\\u0001ctl", "",
  "plain", "\\u00ff\\u00fe" }
for _ = 1, 30 do
  local v = ('{"s":"%s","l":[%s,"%s"],"m":{"k":%s}}'):format(pick(STRS), rvalue(1), pick(STRS), rvalue(2))
  add(("{{ $v := fromJson %s }}{{ toJson $v }}|{{ toRawJson $v }}|{{ toPrettyJson $v }}|{{ $v.s | quote }}|{{ $v.s | squote }}"):format(q(v)))
end

for _ = 1, 40 do
  local a, b = rstring(4), rstring(3)
  local n, m = rnd(12) - 3, rnd(12) - 3
  add(("{{ trimPrefix %s %s }}|{{ trimSuffix %s %s }}|{{ contains %s %s }}|{{ hasPrefix %s %s }}|{{ hasSuffix %s %s }}|{{ substr %d %d %s }}"):format(
    q(b), q(a), q(b), q(a), q(b), q(a), q(b), q(a), q(b), q(a), n, m, q(a)))
  add(("{{ sortAlpha (list %s %s %s %s) }}|{{ join %s (list %s 1 2.5 nil) }}|{{ repeat %d %s }}|{{ plural \"one\" \"many\" %d }}"):format(
    q(a), q(b), q(rstring(3)), q(rstring(2)), q(b), q(a), rnd(4) - 1, q(b), rnd(4) - 2))
end

local LAYOUT_VALUES = {
  { "2006-01-02", "2023-13-01" }, { "2006-01-02", "2023-02-29" }, { "2006-01-02", "2024-02-29" }, { "2006-01-02", "23-01-01" },
  { "15:04", "25:00" }, { "15:04", "12:60" }, { "Jan 2 2006", "Foo 2 2006" }, { "Jan 2 2006", "jan 2 2006" },
  { "2006-01-02T15:04:05Z07:00", "2023-01-02T03:04:05Z" }, { "2006-01-02T15:04:05Z07:00", "2023-01-02T03:04:05+0100" },
  { "2006-01-02 15:04:05.000", "2023-01-02 03:04:05.12" }, { "2006-01-02 15:04:05", "2023-01-02 03:04:05.123456" },
  { "3:04PM", "3:04AM" }, { "3:04PM", "13:04PM" }, { "02/01/2006", "31/12/1999" }, { "2006", "abcd" },
  { "Mon, 02 Jan 2006", "Tue, 03 Jan 2023" }, { "2006-01-02 MST", "2023-01-02 UTC" }, { "2006-01-02", "2023-01-02 " },
}
for _, lv in ipairs(LAYOUT_VALUES) do
  add(("{{ toDate %s %s | date \"2006-01-02 15:04:05.999 -0700\" }}|{{ toDate %s %s | unixEpoch }}"):format(q(lv[1]), q(lv[2]), q(lv[1]), q(lv[2])))
  add(("{{ mustToDate %s %s | unixEpoch }}"):format(q(lv[1]), q(lv[2])))
end

local SEMVERS = { "1.2.3", "v1.2", "1", "1.2.3.4", "01.2.3", "1.02.3", "1.2.3-", "1.2.3-a..b", "1.2.3-0a", "1.2.3-01",
  "1.2.3+meta.1", "1.2.3+", "x", "", " 1.2.3", "1.2.3-alpha_beta", "18446744073709551616.0.0" }
for _, v in ipairs(SEMVERS) do
  add(("{{ $v := semver %s }}{{ $v.Major }}.{{ $v.Minor }}.{{ $v.Patch }}-{{ $v.Prerelease }}+{{ $v.Metadata }} {{ $v.Original }}"):format(q(v)))
  add(("{{ semverCompare \">=1.0.0-0\" %s }}"):format(q(v)))
end

for _ = 1, 40 do
  local m = q(rmap(2))
  local l = q("[" .. rvalue(1) .. "," .. pick(LEAVES) .. "," .. rvalue(1) .. "," .. pick(LEAVES) .. "," .. pick(LEAVES) .. "]")
  local k = pick(KEYS)
  add(("{{ $m := fromJson %s }}{{ pick $m %q %q }}|{{ omit $m %q }}|{{ pluck %q $m $m }}|{{ dig %q %q \"D\" $m }}|{{ hasKey $m %q }}"):format(
    m, k, pick(KEYS), k, k, k, pick(KEYS), k))
  add(("{{ $m := fromJson %s }}{{ default \"D\" $m.%s }}|{{ empty $m.%s }}|{{ coalesce $m.a $m.b $m.c }}|{{ ternary 1 2 (empty $m) }}|{{ all $m.a $m.b }}|{{ any $m.a $m.c }}"):format(
    m, k, k))
  local n1, n2 = rnd(6) - 1, rnd(7) - 1
  add(("{{ $l := fromJson %s }}{{ chunk %d $l }}|{{ slice $l %d }}|{{ initial $l }}|{{ last $l }}|{{ compact $l }}|{{ len (concat $l $l) }}"):format(
    l, rnd(4), math.min(n1, 5)))
  -- (ends past the length are left out: Go slices up to the capacity, which for a decoded
  -- JSON list exceeds its length)
  add(("{{ $l := fromJson %s }}{{ slice $l %d %d }}"):format(l, n1, math.min(n2, 5)))
end

local function valid_utf8(s)
  local text = require "hfl.stdlib.text"
  local out, i = {}, 1
  while i <= #s do
    local c = s:byte(i)
    local len = c < 0x80 and 1 or c >= 0xF0 and 4 or c >= 0xE0 and 3 or c >= 0xC2 and 2 or 0
    local ch = len > 0 and s:sub(i, i + len - 1) or ""
    local r = len > 0 and text.runes(ch)
    if len > 0 and #ch == len and #r == 1 and (r[1] ~= 0xFFFD or ch == "\239\191\189") then
      out[#out + 1] = ch
      i = i + len
    else
      out[#out + 1] = "\239\191\189"
      i = i + 1
    end
  end
  return table.concat(out)
end

-- Go's answers for the cases, one oracle process for all of them; nil, why when not built.
local function oracle_run()
  local requests = {}
  for i, t in ipairs(cases) do requests[i] = { template = t } end
  return tmpl_oracle.render(requests, { TZ = "UTC" })
end

describe("hfl.stdlib on generated inputs against Go's Sprig #unit #oracle", function()
  local results, missing = oracle_run()
  if not results then
    it("has the Go oracle", function() error(missing) end)
    return
  end
  it("has generated cases", function()
    assert.is_true(#cases >= 800, #cases .. " cases")
  end)
  for i, t in ipairs(cases) do
    it("#" .. i .. " " .. t, function()
      local want = results[i]
      assert(want, "the oracle gave no answer")
      local out, err = tmpl.render(t, nil)
      -- the oracle's JSON transport turns invalid UTF-8 (e.g. wrap splitting a rune) into
      -- U+FFFD; Go's template output itself holds the raw bytes, as hfl's does
      if out then out = valid_utf8(out) end
      if want.err then
        assert.are.equal(want.err, err)
      else
        assert.is_nil(err)
        assert.are.equal(want.out, out)
      end
    end)
  end
end)
