-- hfl.stdlib called directly (no template engine): the function map's contents, the render
-- context (prerender, HELMFILE_DISABLE_INSECURE_FEATURES, basedir), and the building blocks
-- (JSON, regex, encoding, dates, semver) on inputs templates rarely reach.
local ffi = require "ffi"
local value = require "hfl.value"
local stdlib = require "hfl.stdlib"
local json = require "hfl.stdlib.json"
local regex = require "hfl.stdlib.regex"
local encoding = require "hfl.stdlib.encoding"
local dates = require "hfl.stdlib.dates"
local semver = require "hfl.semver"
local util = require "hfl.stdlib.util"

pcall(ffi.cdef, [[
int setenv(const char *name, const char *value, int overwrite);
int unsetenv(const char *name);
]])

-- Every name in Sprig v3's TxtFuncMap (3.2.3 and 3.3).
local SPRIG = [[hello ago date date_in_zone date_modify dateInZone dateModify duration durationRound
htmlDate htmlDateInZone must_date_modify mustDateModify mustToDate now toDate unixEpoch abbrev
abbrevboth trunc trim upper lower title untitle substr repeat trimall trimAll trimSuffix trimPrefix
nospace initials randAlphaNum randAlpha randAscii randNumeric swapcase shuffle snakecase camelcase
kebabcase wrap wrapWith contains hasPrefix hasSuffix quote squote cat indent nindent replace plural
sha1sum sha256sum sha512sum adler32sum toString atoi int64 int float64 seq toDecimal split
splitList splitn toStrings until untilStep add1 add sub div mod mul randInt add1f addf subf divf
mulf biggest max min maxf minf ceil floor round join sortAlpha default empty coalesce all any
compact mustCompact fromJson toJson toPrettyJson toRawJson mustFromJson mustToJson
mustToPrettyJson mustToRawJson ternary deepCopy mustDeepCopy typeOf typeIs typeIsLike kindOf
kindIs deepEqual env expandenv getHostByName base dir clean ext isAbs osBase osClean osDir osExt
osIsAbs b64enc b64dec b32enc b32dec tuple list dict get set unset hasKey pluck keys pick omit
merge mergeOverwrite mustMerge mustMergeOverwrite values append push mustAppend mustPush prepend
mustPrepend first mustFirst rest mustRest last mustLast initial mustInitial reverse mustReverse
uniq mustUniq without mustWithout has mustHas slice mustSlice concat dig chunk mustChunk bcrypt
htpasswd genPrivateKey derivePassword buildCustomCert genCA genCAWithKey genSelfSignedCert
genSelfSignedCertWithKey genSignedCert genSignedCertWithKey encryptAES decryptAES randBytes uuidv4
semver semverCompare fail regexMatch mustRegexMatch regexFindAll mustRegexFindAll regexFind
mustRegexFind regexReplaceAll mustRegexReplaceAll regexReplaceAllLiteral
mustRegexReplaceAllLiteral regexSplit mustRegexSplit regexQuoteMeta urlParse urlJoin]]

local HELMFILE = [[envExec exec isFile isDir readFile readDir readDirEntries toYaml fromYaml
setValueAtPath requiredEnv get getOrNil tpl required fetchSecretValue expandSecretRefs sprigGet]]

local function with_env(name, val, fn)
  local old = os.getenv(name)
  if val then ffi.C.setenv(name, val, 1) else ffi.C.unsetenv(name) end
  local ok, err = pcall(fn)
  if old then ffi.C.setenv(name, old, 1) else ffi.C.unsetenv(name) end
  if not ok then error(err, 0) end
end

describe("hfl.stdlib #unit", function()
  describe("funcs()", function()
    local F = stdlib.funcs { basedir = "spec/fixtures/tmpl/funcs/files" }

    it("has every function of Sprig v3's text function map", function()
      local missing = {}
      for name in SPRIG:gmatch("%S+") do
        if type(F[name]) ~= "function" then missing[#missing + 1] = name end
      end
      assert.are.same({}, missing)
    end)

    it("has every Helmfile function", function()
      local missing = {}
      for name in HELMFILE:gmatch("%S+") do
        if type(F[name]) ~= "function" then missing[#missing + 1] = name end
      end
      assert.are.same({}, missing)
    end)

    it("refuses what hfl does not do with 'function X is not supported by hfl'", function()
      local ok, err = pcall(F.getHostByName, "example.com")
      assert.is_false(ok)
      assert.matches("^function getHostByName is not supported by hfl", err)
    end)

    it("resolves relative paths against ctx.basedir", function()
      assert.are.equal("hello from a\n", F.readFile("a.txt"))
      assert.is_true(F.isFile("a.txt"))
      assert.is_true(F.isDir("sub"))
      assert.are.same({ "sub/c.txt" }, { unpack(F.readDir("sub")) })
    end)

    it("returns empty values from side-effecting functions in the pre-render pass", function()
      local P = stdlib.funcs { basedir = "spec/fixtures/tmpl/funcs/files", prerender = true }
      assert.are.equal("", P.exec("false", value.list {}))
      assert.are.equal("", P.readFile("missing"))
      assert.are.equal(0, #P.readDir("missing"))
      assert.are.equal(0, #P.readDirEntries("missing"))
      assert.are.equal("", P.envExec(value.map(), "false", value.list {}))
    end)

    it("disables exec and file reads under HELMFILE_DISABLE_INSECURE_FEATURES", function()
      with_env("HELMFILE_DISABLE_INSECURE_FEATURES", "true", function()
        local D = stdlib.funcs { basedir = "spec/fixtures/tmpl/funcs/files" }
        for _, name in ipairs { "exec", "envExec", "readFile", "readDir", "readDirEntries" } do
          local ok, err = pcall(D[name], "a.txt", value.list {})
          assert.is_false(ok, name)
          assert.are.equal("HELMFILE_DISABLE_INSECURE_FEATURES is active, insecure function calls are disabled", err)
        end
        assert.is_true(D.isFile("a.txt"))
      end)
    end)

    it("knows the Go parameters of every function", function()
      for _, name in ipairs(stdlib.names()) do
        assert.is_table(stdlib.arity[name], name)
      end
      assert.are.same({ min = 3, max = 3 }, stdlib.arity.substr)
      assert.are.same({ min = 1, max = math.huge }, stdlib.arity.default)
      assert.are.same({ "int", "int", "string" }, stdlib.signatures.substr.params)
      assert.are.same({ "map[string]interface {}" }, stdlib.signatures.merge.params)
      assert.are.equal("map[string]interface {}", stdlib.signatures.merge.variadic)
      assert.are.equal("string", stdlib.signatures.exec.variadic)
    end)

    it("bounds what repeat may allocate", function()
      assert.has_error(function() F["repeat"](2 ^ 20, ("x"):rep(2 ^ 11)) end, "strings: Repeat output length overflow")
    end)

    it("tells how Go prints its time, semver and certificate values", function()
      local t = F.toDate("2006-01-02", "2020-05-06")
      assert.matches("^2020%-05%-06 00:00:00 ", stdlib.stringer(t))
      assert.are.equal("time.Time", stdlib.go_type(t))
      assert.are.equal("1.2.3", stdlib.stringer(F.semver("v1.2.3")))
      assert.is_nil(stdlib.stringer(value.map()))
      assert.is_nil(stdlib.go_type("x"))
    end)

    it("takes plain Lua tables, as helmfile.lua passes them", function()
      assert.are.equal('{"a":[1,2]}', F.toJson { a = { 1, 2 } })
      assert.are.equal("a,b", F.join(",", { "a", "b" }))
      assert.are.equal("x\n", F.exec("echo", { "x" }))
      assert.are.equal("\n", F.exec("echo", {}))
    end)

    it("calls ctx.render for tpl", function()
      local T = stdlib.funcs { render = function(text, data) return text .. "|" .. data.x end }
      assert.are.equal("t|1", T.tpl("t", value.map { x = 1 }))
    end)

    it("treats Go nil as an empty argument where Sprig does", function()
      assert.are.equal("", F.sprigGet(nil, "a"))
      assert.is_false(F.hasKey(nil, "a"))
      assert.are.equal(0, #F.keys(nil))
    end)
  end)

  describe("json", function()
    it("decodes numbers as float64 and keeps digits of big ones", function()
      local v = json.decode('{"a":1,"b":1.5,"c":12345678901234567890}')
      assert.are.equal("float", value.kind(v.a))
      assert.are.equal("1", util.sprint(v.a))
      assert.are.equal("1.2345678901234567e+19", util.sprint(v.c))
    end)
    it("encodes like encoding/json", function()
      assert.are.equal('{"a":[1,2.5,"\\u003c"],"b":null}', json.encode(value.map { b = value.null, a = value.list { 1, 2.5, "<" } }))
      assert.are.equal('"\\u2028"', json.encode("\226\128\168"))
      assert.are.equal('"\\ufffd"', json.encode("\255"))
      -- a real U+FFFD is written as it is, as Go's encoder does; only invalid bytes become \ufffd
      assert.are.equal('"\239\191\189"', json.encode("\239\191\189"))
      assert.are.equal('"\\ufffd\\ufffd"', json.encode("\239\191"))
      assert.are.equal("1e+21", json.encode(value.float(1e21)))
      assert.are.equal("1e-7", json.encode(1e-7))
      assert.are.equal("100000000000000000000", json.encode(1e20))
    end)
    it("refuses NaN and infinities", function()
      assert.has_error(function() json.encode(0 / 0) end, "json: unsupported value: NaN")
      assert.has_error(function() json.encode(math.huge) end, "json: unsupported value: +Inf")
    end)
    it("reports Go's scanner errors", function()
      local _, err = json.decode("[1,2")
      assert.are.equal("unexpected end of JSON input", err)
      _, err = json.decode('{"a" 1}')
      assert.are.equal("invalid character '1' after object key", err)
    end)
    it("refuses cycles as Go does", function()
      local d = value.map()
      d.self = d
      assert.has_error(function() json.encode(d) end,
        "json: unsupported value: encountered a cycle via map[string]interface {}")
    end)
    it("survives deep nesting", function()
      local _, err = json.decode(("["):rep(20000))
      assert.are.equal("exceeded max depth", err)
    end)
  end)

  describe("regex", function()
    it("rejects syntax RE2 does not have", function()
      for _, p in ipairs { "(?=a)", "(?!a)", "(?<=a)", "(a)\\1", "a++", "(?>a)" } do
        local re, err = regex.compile(p)
        assert.is_nil(re, p)
        assert.matches("^error parsing regexp: ", err)
      end
    end)
    it("matches `$` only at the very end, as Go does", function()
      assert.is_nil(regex.compile("a$"):exec("a\n", 0))
    end)
    it("does not fail on invalid UTF-8 subjects", function()
      local re = regex.compile("b")
      assert.are.same({ 2, 3 }, re:exec("\255\254b", 0))
    end)
    it("names groups", function()
      assert.are.same({ "x", false }, regex.compile("(?P<x>a)(b)"):names())
    end)
  end)

  describe("encoding", function()
    it("round-trips every byte through base64 and base32", function()
      local all = {}
      for i = 0, 255 do all[#all + 1] = string.char(i) end
      all = table.concat(all)
      for n = 0, 7 do
        local s = all:sub(1, 250 + n)
        assert.are.equal(s, encoding.b64decode(encoding.b64encode(s)))
        assert.are.equal(s, encoding.b32decode(encoding.b32encode(s)))
      end
    end)
  end)

  describe("dates", function()
    it("formats and parses Go layouts", function()
      local t = assert(dates.parse("2006-01-02T15:04:05.999999999Z07:00", "2024-02-29T23:59:58.5-03:30", "UTC"))
      assert.are.equal("2024-02-29 23:59:58.5 -0330 -0330", tostring(t))
      assert.are.equal("Thu Feb 29 11:59:58 PM 2024 060", dates.format(t, "Mon Jan _2 03:04:05 PM 2006 002"))
    end)
    it("parses and prints durations", function()
      assert.are.equal(5400e9, dates.parse_duration("1h30m"))
      assert.are.equal(1500, dates.parse_duration("1.5us"))
      assert.are.equal("1h30m0s", dates.duration_string(5400e9))
      assert.are.equal("1.5µs", dates.duration_string(1500))
      assert.are.equal("-2m3.5s", dates.duration_string(-123.5e9))
      local _, err = dates.parse_duration("5")
      assert.are.equal('time: missing unit in duration "5"', err)
    end)
  end)

  describe("semver", function()
    it("orders prereleases as Masterminds/semver", function()
      local function cmp(a, b) return semver.compare(assert(semver.parse(a)), assert(semver.parse(b))) end
      assert.are.equal(-1, cmp("1.0.0-alpha", "1.0.0-alpha.1"))
      assert.are.equal(-1, cmp("1.0.0-alpha.1", "1.0.0-alpha.beta"))
      assert.are.equal(-1, cmp("1.0.0-beta.2", "1.0.0-beta.11"))
      assert.are.equal(-1, cmp("1.0.0-rc.1", "1.0.0"))
      assert.are.equal(0, cmp("1.0.0+a", "1.0.0+b"))
    end)
  end)
end)
