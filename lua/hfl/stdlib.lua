--- hfl.stdlib: the template function library — Sprig v3's text functions and Helmfile's —
--- written once for Go templates and helmfile.lua.
--
--   local F = require("hfl.stdlib").funcs{ basedir = dir, prerender = false,
--                                           render = function(text, data) … end }
--   F.upper("x")  --> "X"
--
-- Each function takes template values (hfl.value) and returns one value; a failure raises
-- error(msg, 0) with Go's or Sprig's text (the engine adds `error calling NAME: `).
-- Functions hfl does not implement are still present and fail with
-- "function NAME is not supported by hfl".
local M = {}

-- Groups without per-render state, each exporting `funcs`.
local GROUPS = { "strings", "collections", "numeric", "json", "misc", "regex", "dates", "semver", "crypto" }

local static

local function load_static()
  if static then return static end
  local F = {}
  for _, g in ipairs(GROUPS) do
    for name, fn in pairs(require("hfl.stdlib." .. g).funcs) do F[name] = fn end
  end
  require("hfl.stdlib.util").unsupported(F, { "getHostByName" },
    "hfl does not resolve host names in templates")
  static = F
  return F
end

--- The function map for one render context.
---@param ctx table|nil { basedir = dir for relative paths, prerender = bool,
---   render = function(text, data) (for tpl), include = function(name, data) }
---@return table<string, function>
function M.funcs(ctx)
  local F = {}
  for name, fn in pairs(load_static()) do F[name] = fn end
  require("hfl.stdlib.helmfile").install(F, ctx or {})
  return F
end

-- Go's parameter types of each function, as text/template checks them before the call
-- ("wrong number of args for NAME: want N got M", "wrong type for value; expected string;
-- got int"). any = interface {}, map = map[string]interface {}, list = []interface {},
-- maps = ...map[string]interface {}, strings = ...string, ints = ...int, anys = ...interface {}.
local SIGNATURES = [[
hello() now() uuidv4()
ago(any) date(string,any) date_in_zone(string,any,string) dateInZone(string,any,string)
date_modify(string,time) dateModify(string,time) must_date_modify(string,time)
mustDateModify(string,time) duration(any) durationRound(any) htmlDate(any)
htmlDateInZone(any,string) mustToDate(string,string) toDate(string,string) unixEpoch(time)
abbrev(int,string) abbrevboth(int,int,string) trunc(int,string) trim(string) upper(string)
lower(string) title(string) untitle(string) substr(int,int,string) repeat(int,string)
trimall(string,string) trimAll(string,string) trimSuffix(string,string) trimPrefix(string,string)
nospace(string) initials(string) randAlphaNum(int) randAlpha(int) randAscii(int) randNumeric(int)
swapcase(string) shuffle(string) snakecase(string) camelcase(string) kebabcase(string)
wrap(int,string) wrapWith(int,string,string) contains(string,string) hasPrefix(string,string)
hasSuffix(string,string) quote(anys) squote(anys) cat(anys) indent(int,string) nindent(int,string)
replace(string,string,string) plural(string,string,int) sha1sum(string) sha256sum(string)
sha512sum(string) adler32sum(string) toString(any) atoi(string) int64(any) int(any) float64(any)
seq(ints) toDecimal(any) split(string,string) splitList(string,string) splitn(string,int,string)
toStrings(any) until(int) untilStep(int,int,int) add1(any) add(anys) sub(any,any) div(any,any)
mod(any,any) mul(any,anys) randInt(int,int) add1f(any) addf(anys) subf(any,anys) divf(any,anys)
mulf(any,anys) biggest(any,anys) max(any,anys) min(any,anys) maxf(any,anys) minf(any,anys)
ceil(any) floor(any) round(any,int,floats) join(string,any) sortAlpha(any) default(any,anys)
empty(any) coalesce(anys) all(anys) any(anys) compact(any) mustCompact(any) fromJson(string)
toJson(any) toPrettyJson(any) toRawJson(any) mustFromJson(string) mustToJson(any)
mustToPrettyJson(any) mustToRawJson(any) ternary(any,any,bool) deepCopy(any) mustDeepCopy(any)
typeOf(any) typeIs(string,any) typeIsLike(string,any) kindOf(any) kindIs(string,any)
deepEqual(any,any) env(string) expandenv(string) getHostByName(string) base(string) dir(string)
clean(string) ext(string) isAbs(string) osBase(string) osClean(string) osDir(string) osExt(string)
osIsAbs(string) b64enc(string) b64dec(string) b32enc(string) b32dec(string) tuple(anys)
list(anys) dict(anys) sprigGet(map,string) set(map,string,any) unset(map,string)
hasKey(map,string) pluck(string,maps) keys(maps) pick(map,strings) omit(map,strings)
merge(map,maps) mergeOverwrite(map,maps) mustMerge(map,maps) mustMergeOverwrite(map,maps)
values(map) append(any,any) push(any,any) mustAppend(any,any) mustPush(any,any) prepend(any,any)
mustPrepend(any,any) first(any) mustFirst(any) rest(any) mustRest(any) last(any) mustLast(any)
initial(any) mustInitial(any) reverse(any) mustReverse(any) uniq(any) mustUniq(any)
without(any,anys) mustWithout(any,anys) has(any,any) mustHas(any,any) slice(any,anys)
mustSlice(any,anys) concat(anys) dig(anys) chunk(int,any) mustChunk(int,any) bcrypt(string)
htpasswd(string,string,strings) genPrivateKey(string)
derivePassword(uint32,string,string,string,string) buildCustomCert(string,string)
genCA(string,int) genCAWithKey(string,int,string) genSelfSignedCert(string,list,list,int)
genSelfSignedCertWithKey(string,list,list,int,string) genSignedCert(string,list,list,int,cert)
genSignedCertWithKey(string,list,list,int,cert,string) encryptAES(string,string)
decryptAES(string,string) randBytes(int) semver(string) semverCompare(string,string) fail(string)
regexMatch(string,string) mustRegexMatch(string,string) regexFindAll(string,string,int)
mustRegexFindAll(string,string,int) regexFind(string,string) mustRegexFind(string,string)
regexReplaceAll(string,string,string) mustRegexReplaceAll(string,string,string)
regexReplaceAllLiteral(string,string,string) mustRegexReplaceAllLiteral(string,string,string)
regexSplit(string,string,int) mustRegexSplit(string,string,int) regexQuoteMeta(string)
urlParse(string) urlJoin(map)
exec(string,list,strings) envExec(map,string,list,strings) isFile(string) isDir(string)
readFile(string) readDir(string) readDirEntries(string) toYaml(any) fromYaml(string)
setValueAtPath(string,any,map) requiredEnv(string) get(string,anys) getOrNil(string,any)
tpl(string,any) required(string,any) fetchSecretValue(string) expandSecretRefs(map)
]]

local GO_TYPES = {
  any = "interface {}", map = "map[string]interface {}", list = "[]interface {}",
  time = "time.Time", cert = "sprig.certificate", string = "string", int = "int",
  uint32 = "uint32", bool = "bool",
  anys = "interface {}", maps = "map[string]interface {}", strings = "string", ints = "int",
  floats = "float64",
}
local VARIADIC = { anys = true, maps = true, strings = true, ints = true, floats = true }

--- name → { params = { Go type, … }, variadic = Go type | nil, min =, max = } for every
--- function: what text/template checks before calling it.
M.signatures = {}
--- name → { min =, max = } (math.huge when variadic).
M.arity = {}
for name, params in SIGNATURES:gmatch("([%w_]+)%(([%w,]*)%)") do
  local sig = { params = {} }
  for p in params:gmatch("[%w]+") do
    if VARIADIC[p] then sig.variadic = GO_TYPES[p] else sig.params[#sig.params + 1] = GO_TYPES[p] end
  end
  sig.min = #sig.params
  sig.max = sig.variadic and math.huge or #sig.params
  M.signatures[name] = sig
  M.arity[name] = { min = sig.min, max = sig.max }
end

--- How Go's fmt prints values the library makes that have a String() method in Go
--- (time.Time, *semver.Version, sprig's certificate): the text, or nil for any other value.
--- The engine's %v printing should use it for tables that are neither maps nor lists.
---@param v any
---@return string|nil
function M.stringer(v)
  if type(v) ~= "table" then return nil end
  local t = require("hfl.stdlib.util").types[getmetatable(v)]
  if t and t.string then return t.string(v) end
  return nil
end

--- The Go type name (%T) of a value the library makes (time.Time, *semver.Version, …), or nil.
---@param v any
---@return string|nil
function M.go_type(v)
  if type(v) ~= "table" then return nil end
  local t = require("hfl.stdlib.util").types[getmetatable(v)]
  return t and t.go_type or nil
end

--- The names of every function in the map (sorted).
function M.names()
  local names = {}
  for name in pairs(M.funcs({})) do names[#names + 1] = name end
  table.sort(names)
  return names
end

return M
