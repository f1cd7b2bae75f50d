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
    local ok, mod = pcall(require, "hfl.stdlib." .. g)
    if not ok then error(mod, 0) end
    for name, fn in pairs(mod.funcs) do F[name] = fn end
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

-- Go's parameter counts of each function: "name=n" (exactly n), "name=n+" (n or more),
-- "name=n-m". text/template checks them before the call ("wrong number of args for NAME:
-- want N got M"); the engine may use M.arity to do the same.
local ARITY = [[
hello=0 now=0 uuidv4=0
ago=1 duration=1 durationRound=1 htmlDate=1 unixEpoch=1 trim=1 upper=1 lower=1 title=1 untitle=1
nospace=1 initials=1 randAlphaNum=1 randAlpha=1 randAscii=1 randNumeric=1 randBytes=1 swapcase=1
shuffle=1 snakecase=1 camelcase=1 kebabcase=1 sha1sum=1 sha256sum=1 sha512sum=1 adler32sum=1
toString=1 atoi=1 int64=1 int=1 float64=1 toDecimal=1 toStrings=1 until=1 add1=1 add1f=1 floor=1
ceil=1 sortAlpha=1 empty=1 fromJson=1 toJson=1 toPrettyJson=1 toRawJson=1 mustFromJson=1
mustToJson=1 mustToPrettyJson=1 mustToRawJson=1 deepCopy=1 mustDeepCopy=1 typeOf=1 kindOf=1 env=1
expandenv=1 getHostByName=1 base=1 dir=1 clean=1 ext=1 isAbs=1 osBase=1 osClean=1 osDir=1 osExt=1
osIsAbs=1 b64enc=1 b64dec=1 b32enc=1 b32dec=1 values=1 first=1 mustFirst=1 rest=1 mustRest=1
last=1 mustLast=1 initial=1 mustInitial=1 reverse=1 mustReverse=1 uniq=1 mustUniq=1 compact=1
mustCompact=1 bcrypt=1 genPrivateKey=1 semver=1 fail=1 regexQuoteMeta=1 urlParse=1 urlJoin=1
requiredEnv=1 toYaml=1 fromYaml=1 isFile=1 isDir=1 readFile=1 readDir=1 readDirEntries=1
fetchSecretValue=1 expandSecretRefs=1
date=2 dateModify=2 date_modify=2 mustDateModify=2 must_date_modify=2 htmlDateInZone=2 toDate=2
mustToDate=2 abbrev=2 trunc=2 repeat=2 trimall=2 trimAll=2 trimSuffix=2 trimPrefix=2 wrap=2
contains=2 hasPrefix=2 hasSuffix=2 indent=2 nindent=2 split=2 splitList=2 randInt=2 join=2 typeIs=2
typeIsLike=2 kindIs=2 deepEqual=2 sprigGet=2 unset=2 hasKey=2 append=2 push=2 mustAppend=2
mustPush=2 prepend=2 mustPrepend=2 has=2 mustHas=2 chunk=2 mustChunk=2 decryptAES=2 encryptAES=2
genCA=2 buildCustomCert=2 semverCompare=2 regexMatch=2 mustRegexMatch=2 regexFind=2
mustRegexFind=2 getOrNil=2 required=2 tpl=2 sub=2 div=2 mod=2 sub=2
dateInZone=3 date_in_zone=3 abbrevboth=3 substr=3 replace=3 plural=3 splitn=3 wrapWith=3 set=3
untilStep=3 ternary=3 genCAWithKey=3 regexFindAll=3 mustRegexFindAll=3 regexReplaceAll=3
mustRegexReplaceAll=3 regexReplaceAllLiteral=3 mustRegexReplaceAllLiteral=3 regexSplit=3
mustRegexSplit=3 setValueAtPath=3
genSelfSignedCert=4 genSignedCert=5 genSelfSignedCertWithKey=5 genSignedCertWithKey=6
derivePassword=5
add=0+ list=0+ tuple=0+ dict=0+ cat=0+ quote=0+ squote=0+ coalesce=0+ all=0+ any=0+ concat=0+
seq=0+ keys=0+ addf=0+ mul=1+ mulf=1+ subf=1+ divf=1+ max=1+ min=1+ biggest=1+ maxf=1+ minf=1+
default=1+ pick=1+ omit=1+ merge=1+ mergeOverwrite=1+ mustMerge=1+ mustMergeOverwrite=1+
without=1+ mustWithout=1+ slice=1+ mustSlice=1+ pluck=1+ dig=0+
round=2+ htpasswd=2-3 get=1+ exec=2+ envExec=3+
]]
M.arity = {}
for name, lo, plus, hi in ARITY:gmatch("([%w_]+)=(%d+)(%+?)%-?(%d*)") do
  lo = tonumber(lo)
  M.arity[name] = { min = lo, max = plus == "+" and math.huge or tonumber(hi) or lo }
end

--- The names of every function in the map (sorted).
function M.names()
  local names = {}
  for name in pairs(M.funcs({})) do names[#names + 1] = name end
  table.sort(names)
  return names
end

return M
