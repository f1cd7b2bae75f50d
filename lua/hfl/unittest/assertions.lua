--- hfl.unittest.assertions: helm-unittest's assertion types, evaluated on decoded manifests,
--- with its failure messages (the lines its plugin prints under "- asserts[N] `type` fail").
---
--- Each validator takes (params, ctx) where ctx = {docs = every document of the template,
--- selected = the documents the assertion looks at, negative = not XOR antonym, fail_fast}
--- and returns passed, info (a list of lines).
local value = require "hfl.value"
local path = require "hfl.unittest.path"
local regex = require "hfl.regex"

local M = {}

local fmt = string.format

--- The key under which a text file (NOTES.txt) or a render error is kept as one "document".
M.RAW = "raw"

local messages = require "hfl.unittest.messages"
local to_yaml, fail_format, split_info = messages.to_yaml, messages.fail_format, messages.split_info
local error_info, append, uniform = messages.error_info, messages.append, messages.uniform

--- A unified diff of two texts (see hfl.unittest.messages).
M.diff = messages.diff

-- Success over a list the way helm-unittest folds it: the first result, then AND.
local function fold(idx, acc, ok)
  if idx == 1 then return ok end
  return acc and ok
end

local function is_empty(v)
  local k = value.kind(v)
  if k == "null" then return true end
  if k == "list" or k == "map" then return next(v) == nil end
  if k == "string" then return v == "" end
  if k == "bool" then return v == false end
  if k == "int" or k == "float" then return value.tonumber(v) == 0 end
  return false
end

local function b64decode(s)
  return (require("hfl.stdlib.encoding").b64decode(s))
end

-- The common shape of path validators: for every selected document, every value at the path
-- goes through single(actual, doc_index, values_index) → ok, info.
local function each_value(params, ctx, single, no_manifest)
  local docs = ctx.selected
  local ok_all, info = false, {}
  local steps = params._steps
  for di, doc in ipairs(docs) do
    local actuals = path.get(doc, steps)
    local doc_ok, doc_info
    if #actuals == 0 and not ctx.negative then
      doc_ok, doc_info = false, error_info(di - 1, -1, "unknown path " .. params.path)
    else
      doc_ok, doc_info = #actuals == 0 and ctx.negative, {}
      for ai, actual in ipairs(actuals) do
        local ok, lines = single(actual, di - 1, ai - 1)
        append(doc_info, lines)
        doc_ok = fold(ai, doc_ok, ok)
        if not ok and ctx.fail_fast then break end
      end
    end
    append(info, doc_info)
    ok_all = fold(di, ok_all, doc_ok)
    if not ok_all and ctx.fail_fast then break end
  end
  if #docs == 0 then
    if ctx.negative then return true, info end
    append(info, no_manifest())
  end
  return ok_all, info
end

local V = {}

function V.equal(p, ctx)
  local expected = to_yaml(p.value)
  local function info(actual, di, ai)
    if ctx.negative then
      return split_info(fail_format(true, true, false, false, " to equal"), di, ai, p.path, expected)
    end
    local actual_yaml = to_yaml(actual)
    return split_info(fail_format(false, true, true, true, " to equal"), di, ai, p.path, expected,
      actual_yaml, M.diff(expected, actual_yaml))
  end
  return each_value(p, ctx, function(actual, di, ai)
    if type(actual) == "string" then
      if p.decodeBase64 then
        local d = b64decode(actual)
        if not d then return false, error_info(di, ai, "unable to decode base64 expected content " .. actual) end
        actual = d
      end
      actual = uniform(actual)
    end
    if value.equal(p.value, actual) == ctx.negative then return false, info(actual, di, ai) end
    return true
  end, function() return info("no manifest found", -1, -1) end)
end

function V.matchRegex(p, ctx)
  local re = p._regex
  local function info(actual, di, ai)
    return split_info(fail_format(ctx.negative, true, true, false, " to match"), di, ai, p.path, p.pattern, actual)
  end
  return each_value(p, ctx, function(actual, di, ai)
    if type(actual) ~= "string" then
      return false, error_info(di, ai, fmt("expect '%s' to be a string, got:\n%s", p.path, to_yaml(actual)))
    end
    if p.decodeBase64 then
      local d = b64decode(actual)
      if not d then return false, error_info(di, ai, "unable to decode base64 expected content " .. actual) end
      actual = d
    end
    if (re:exec(actual) ~= nil) == ctx.negative then return false, info(actual, di, ai) end
    return true
  end, function() return info("no manifest found", -1, -1) end)
end

function V.isNullOrEmpty(p, ctx)
  local function info(actual, di, ai)
    return split_info(fail_format(ctx.negative, true, false, false, " to be null or empty, got"), di, ai,
      p.path, to_yaml(actual))
  end
  return each_value(p, ctx, function(actual, di, ai)
    if is_empty(actual) == ctx.negative then return false, info(actual, di, ai) end
    return true
  end, function() return info("no manifest found", -1, -1) end)
end

function V.contains(p, ctx)
  local function info(actual, di, ai)
    return split_info(fail_format(ctx.negative, true, true, false, " to contain"), di, ai, p.path,
      to_yaml(value.list { p.content }), to_yaml(actual))
  end
  return each_value(p, ctx, function(actual, di, ai)
    if value.kind(actual) ~= "list" then
      return false, error_info(di, ai, fmt("expect '%s' to be an array, got:\n%s", p.path, to_yaml(actual)))
    end
    local count = 0
    for _, el in ipairs(actual) do
      if p.any and value.kind(el) == "map" and value.kind(p.content) == "map" then
        local sub = true
        for k, v in pairs(p.content) do
          if not value.equal(el[k], v) then sub = false break end
        end
        if sub then count = count + 1 end
      elseif value.equal(el, p.content) then
        count = count + 1
      end
    end
    local found = count > 0
    if p.count == nil then
      if found == ctx.negative then return false, info(actual, di, ai) end
      return true
    end
    if (found and count == p.count) == ctx.negative then
      if not found then return false, info(actual, di, ai) end
      return false, error_info(di, ai, fmt("expect count %s in '%s' to be in array, got %d:\n%s",
        p._count_text, p.path, count, to_yaml(actual)))
    end
    return true
  end, function() return info("no manifest found", 0, -1) end)
end

function V.isSubset(p, ctx)
  local function info(actual, di, ai)
    return split_info(fail_format(ctx.negative, true, true, false, " to contain"), di, ai, p.path,
      to_yaml(p.content), to_yaml(actual))
  end
  return each_value(p, ctx, function(actual, di, ai)
    if value.kind(actual) ~= "map" or value.kind(p.content) ~= "map" then
      return false, error_info(di, ai, fmt("expect '%s' to be an object, got:\n%s", p.path, to_yaml(actual)))
    end
    local found = true
    for k, v in pairs(p.content) do
      if not value.equal(actual[k], v) then found = false break end
    end
    if found == ctx.negative then return false, info(actual, di, ai) end
    return true
  end, function() return info("no manifest found", -1, -1) end)
end

function V.exists(p, ctx)
  local docs = ctx.selected
  local ok_all, info = false, {}
  local function fail(di)
    return split_info("Path:%s expected to " .. (ctx.negative and "NOT " or "") .. "exists", di, -1, p.path)
  end
  for di, doc in ipairs(docs) do
    local found = #path.get(doc, p._steps) > 0
    if found == ctx.negative then
      ok_all = false
      append(info, fail(di - 1))
    else
      ok_all = fold(di, ok_all, true)
    end
  end
  if #docs == 0 then
    if ctx.negative then return true, info end
    append(info, fail(-1))
  end
  return ok_all, info
end

-- isKind / isAPIVersion: a document's top-level field equals `of`.
local function top_field(field, what)
  return function(p, ctx)
    local docs = ctx.selected
    local ok_all, info = false, {}
    local function fail(actual, di)
      if ctx.negative then
        return split_info(fail_format(true, false, false, false, what), di, -1, p.of)
      end
      return split_info(fail_format(false, false, true, false, what), di, -1, p.of, to_yaml(actual))
    end
    for di, doc in ipairs(docs) do
      local v = doc[field]
      if (type(v) == "string" and v == p.of) == ctx.negative then
        ok_all = false
        append(info, fail(v, di - 1))
        if ctx.fail_fast then break end
      else
        ok_all = fold(di, ok_all, true)
      end
    end
    if #docs == 0 then
      if ctx.negative then return true, info end
      append(info, fail("no manifest found", -1))
    end
    return ok_all, info
  end
end
V.isKind = top_field("kind", " to be kind")
V.isAPIVersion = top_field("apiVersion", " to be apiVersion")

function V.hasDocuments(p, ctx)
  local n = p.filterAware and #ctx.selected or #ctx.docs
  if (n == p.count) ~= ctx.negative then return true, {} end
  if ctx.negative then
    return false, split_info(fail_format(true, false, false, false, " documents count to be"), -1, -1, p._count_text)
  end
  return false, split_info(fail_format(false, false, true, false, " documents count to be"), -1, -1, p._count_text, n)
end

function V.lengthEqual(p, ctx)
  local docs = ctx.selected
  local ok_all, info = false, {}
  local function fail(pth, count, actual, di)
    return split_info(fail_format(ctx.negative, true, true, false, " to match count"), di, -1, pth, count, actual)
  end
  local function counts(doc, pth, steps, di)
    local actuals = path.get(doc, steps)
    local ok, lines, len = #actuals == 0 and ctx.negative, {}, 0
    for ai, actual in ipairs(actuals) do
      local is_list = value.kind(actual) == "list"
      if not is_list and p.count == nil then
        append(lines, error_info(di, ai - 1, pth .. " is not array"))
      else
        len = is_list and #actual or 0
        local single = true
        if p.count ~= nil and ((len == p.count) == ctx.negative) then
          append(lines, fail(pth, p._count_text, tostring(len), di))
          single = false
        end
        ok = fold(ai, ok, single)
      end
    end
    return ok, lines, len
  end
  for di, doc in ipairs(docs) do
    local doc_ok, lines
    if p.path then
      doc_ok, lines = counts(doc, p.path, p._steps, di - 1)
    else
      doc_ok, lines = true, {}
      local lens = {}
      for k, pth in ipairs(p.paths) do
        local ok, l, len = counts(doc, pth, p._paths_steps[k], di - 1)
        if not ok then doc_ok = false; append(lines, l) end
        lens[#lens + 1] = { pth, len }
      end
      if doc_ok then
        table.sort(lens, function(a, b) return a[1] < b[1] end)
        for k = 2, #lens do
          if (lens[k][2] == lens[1][2]) == ctx.negative then
            doc_ok = false
            append(lines, fail(lens[k][1], "-1", tostring(lens[k][2]), di - 1))
            break
          end
        end
      end
    end
    append(info, lines)
    ok_all = fold(di, ok_all, doc_ok)
    if not ok_all and ctx.fail_fast then break end
  end
  if #docs == 0 then
    if ctx.negative then return true, info end
    append(info, fail("", "", "no manifest found", -1))
  end
  return ok_all, info
end

-- Go's name of a decoded value's type (what helm-unittest's isType compares with).
local GO_TYPES = { string = "string", int = "int", float = "float64", bool = "bool",
  map = "map[string]interface {}", list = "[]interface {}", null = "" }

function V.isType(p, ctx)
  local function info(actual, di, ai)
    return split_info(fail_format(ctx.negative, true, true, false, " to be of type"), di, ai, p.path, p.type, actual)
  end
  return each_value(p, ctx, function(actual, di, ai)
    local name = GO_TYPES[value.kind(actual)] or value.kind(actual)
    if (name == p.type) == ctx.negative then return false, info(name, di, ai) end
    return true
  end, function() return info("no manifest found", -1, -1) end)
end

-- greaterOrEqual / lessOrEqual: numbers with numbers of the same kind, strings bytewise.
local function ordered(direction)
  return function(p, ctx)
    local expected_kind = value.kind(p.value)
    local function info(msg, di, ai)
      return split_info(fail_format(ctx.negative, true, false, false,
        fmt(" to be %s then or equal to, got", direction)), di, ai, p.path, msg)
    end
    return each_value(p, ctx, function(actual, di, ai)
      local k = value.kind(actual)
      if k ~= expected_kind then
        return false, error_info(di, ai, fmt("actual '%s' and expected '%s' types do not match",
          GO_TYPES[k] or k, GO_TYPES[expected_kind] or expected_kind))
      end
      local a, e = actual, p.value
      if k ~= "string" then a, e = value.tonumber(a), value.tonumber(e) end
      local holds
      if direction == "greater" then holds = a >= e else holds = a <= e end
      if holds == ctx.negative then
        return false, info(fmt("the actual '%s' is %s%s or equal to the expected '%s'", tostring(actual),
          ctx.negative and "" or "not ", direction, tostring(p.value)), di, ai)
      end
      return true
    end, function() return info("no manifests found", -1, -1) end)
  end
end
V.greaterOrEqual = ordered("greater")
V.lessOrEqual = ordered("less")

-- equalRaw / matchRegexRaw: the text of a text template (NOTES.txt). Each selected
-- document's text (through normalise) must satisfy holds; fail(text) describes a miss.
local function check_raw(ctx, normalise, holds, fail)
  local ok_all, info = false, {}
  for di, doc in ipairs(ctx.selected) do
    local actual = normalise(tostring(doc[M.RAW] or ""))
    if holds(actual) == ctx.negative then
      ok_all = false
      append(info, fail(actual))
      if ctx.fail_fast then break end
    else
      ok_all = fold(di, ok_all, true)
    end
  end
  if #ctx.selected == 0 then
    if ctx.negative then return true, info end
    append(info, fail("no manifest found"))
  end
  return ok_all, info
end

function V.equalRaw(p, ctx)
  local expected = to_yaml(p.value)
  local function fail(actual)
    if ctx.negative then return split_info(fail_format(true, false, false, false, " to equal"), -1, -1, expected) end
    local a = to_yaml(actual)
    return split_info(fail_format(false, false, true, true, " to equal"), -1, -1, expected, a, M.diff(expected, a))
  end
  return check_raw(ctx, uniform, function(actual) return p.value == actual end, fail)
end

function V.matchRegexRaw(p, ctx)
  local function fail(actual)
    return split_info(fail_format(ctx.negative, false, true, false, " to match"), -1, -1, p.pattern, actual)
  end
  local function same(text) return text end
  return check_raw(ctx, same, function(actual) return p._regex:exec(actual) ~= nil end, fail)
end

function V.containsDocument(p, ctx)
  local function describe()
    local parts = { fmt("Kind = %s, apiVersion = %s", p.kind, p.apiVersion) }
    if p.name then parts[#parts + 1] = "Name = " .. p.name end
    if p.namespace then parts[#parts + 1] = "Namespace = " .. p.namespace end
    return table.concat(parts, ", ")
  end
  local function matches(doc)
    if type(doc.kind) == "string" and doc.kind ~= p.kind then return false end
    if type(doc.apiVersion) == "string" and doc.apiVersion ~= p.apiVersion then return false end
    local meta = value.kind(doc.metadata) == "map" and doc.metadata or {}
    if p.name and meta.name ~= p.name then return false end
    if p.namespace and meta.namespace ~= p.namespace then return false end
    return true
  end
  local function fail(di)
    return split_info(fail_format(ctx.negative, false, false, false, " to contain document"), di, -1, describe())
  end
  local ok_all, info = false, {}
  for di, doc in ipairs(ctx.selected) do
    local ok = matches(doc)
    if ok == ctx.negative then
      ok = false
      append(info, fail(di - 1))
      if ctx.fail_fast then ok_all = false break end
    else
      ok = true
      if (p.any == true) ~= ctx.negative then return true, {} end
    end
    ok_all = fold(di, ok_all, ok)
  end
  if #ctx.selected == 0 then
    if ctx.negative then return true, info end
    append(info, fail(0))
  end
  return ok_all, info
end

-- matchSnapshot: the value at path (the whole document without one) equals the test's
-- snapshot of that number, or matches / does not match a pattern.
function V.matchSnapshot(p, ctx)
  local docs = ctx.selected
  local ok_all, info = #docs == 0 and not ctx.negative, {}
  local opts = { match = p.matchRegex and p.matchRegex.pattern, not_match = p.notMatchRegex and p.notMatchRegex.pattern }
  local function fail(r, di, ai)
    if r.msg then
      return split_info(fail_format(ctx.negative, false, false, false, r.msg), di, ai, r.cached)
    end
    return split_info(fail_format(ctx.negative, true, false, false, " to match snapshot " .. r.index), di, ai,
      p.path or "", ctx.negative and r.cached or M.diff(r.cached, r.new))
  end
  for di, doc in ipairs(docs) do
    local actuals = p._steps and path.get(doc, p._steps) or { doc }
    local doc_ok, doc_info
    if #actuals == 0 and not ctx.negative then
      doc_ok, doc_info = false, error_info(di - 1, -1, "unknown path " .. p.path)
    else
      doc_ok, doc_info = #actuals == 0 and ctx.negative, {}
      for ai, actual in ipairs(actuals) do
        local r = ctx.snapshot(actual, opts)
        local ok = true
        if r.err then
          ok = false
          append(doc_info, error_info(di - 1, ai - 1, tostring(r.err)))
        elseif r.passed == ctx.negative then
          ok = false
          append(doc_info, fail(r, di - 1, ai - 1))
        end
        doc_ok = fold(ai, doc_ok, ok)
        if not doc_ok and ctx.fail_fast then break end
      end
    end
    append(info, doc_info)
    ok_all = fold(di, ok_all, doc_ok)
    if not ok_all and ctx.fail_fast then break end
  end
  return ok_all, info
end

function V.matchSnapshotRaw(_, ctx)
  local docs = ctx.selected
  local ok_all, info = #docs == 0 and not ctx.negative, {}
  for di, doc in ipairs(docs) do
    local r = ctx.snapshot(uniform(tostring(doc[M.RAW] or "")))
    local ok = r.passed ~= ctx.negative
    if not ok then
      append(info, split_info(fail_format(ctx.negative, false, false, false, " to match snapshot " .. r.index),
        -1, -1, ctx.negative and r.cached or M.diff(r.cached, r.new)))
    end
    ok_all = fold(di, ok_all, ok)
    if not ok_all and ctx.fail_fast then break end
  end
  return ok_all, info
end

-- failedTemplate: the render failed (ctx.selected holds the error as a raw document of the
-- template it names) with errorMessage (equal) or errorPattern (regex).
function V.failedTemplate(p, ctx)
  local what = p.errorPattern and " to match" or " to equal"
  local expected = p.errorMessage or p.errorPattern or ""
  local function fail(actual, di)
    if ctx.negative then return split_info(fail_format(true, false, false, false, what), di, -1, expected) end
    return split_info(fail_format(false, false, true, false, what), di, -1, expected, tostring(actual))
  end
  local function check(actual, di)
    local hit
    if p.errorPattern then
      hit = actual ~= nil and (p._regex:exec(actual) ~= nil or actual:find(p.errorPattern, 1, true) ~= nil)
    elseif p.errorMessage then
      hit = actual == p.errorMessage
    else
      return true
    end
    if hit == ctx.negative then return false, fail(actual, di) end
    return true
  end
  local ok_all, info = true, {}
  local docs = ctx.selected
  for di, doc in ipairs(docs) do
    if p.errorMessage or p.errorPattern or ctx.negative then
      local ok, lines = check(doc[M.RAW], di - 1)
      append(info, lines)
      ok_all = fold(di, ok_all, ok)
      if not ok_all and ctx.fail_fast then break end
    end
  end
  if #docs == 0 and not ctx.negative then
    ok_all = false
    append(info, fail("No failed document", -1))
  end
  return ok_all, info
end

---@class hfl.unittest.AssertType
---@field validator string    key of the validator
---@field antonym boolean      the type asserts the opposite of its validator
---@field render_ok boolean    the type needs a successful render (all but failedTemplate)
---@field params table<string, string>  parameter → "string"|"any"|"bool"|"int"|"list"
---@field required string[]

local function t(validator, antonym, params, required, render_ok)
  return { validator = validator, antonym = antonym, params = params, required = required or {},
    render_ok = render_ok ~= false }
end

local P_VALUE = { path = "string", value = "any", decodeBase64 = "bool" }
local P_REGEX = { path = "string", pattern = "string", decodeBase64 = "bool" }
local P_PATH = { path = "string" }
local P_CONTAINS = { path = "string", content = "any", count = "int", any = "bool" }
local P_SUBSET = { path = "string", content = "any" }
local P_LENGTH = { path = "string", paths = "list", count = "int" }
local P_ORDER = { path = "string", value = "ordered" }
local P_FAILED = { errorMessage = "string", errorPattern = "string" }

--- The supported assertion types (helm-unittest's names and antonyms).
M.TYPES = {
  equal = t("equal", false, P_VALUE, { "path" }),
  notEqual = t("equal", true, P_VALUE, { "path" }),
  equalRaw = t("equalRaw", false, { value = "string" }, { "value" }),
  notEqualRaw = t("equalRaw", true, { value = "string" }, { "value" }),
  matchRegex = t("matchRegex", false, P_REGEX, { "path", "pattern" }),
  notMatchRegex = t("matchRegex", true, P_REGEX, { "path", "pattern" }),
  matchRegexRaw = t("matchRegexRaw", false, { pattern = "string" }, { "pattern" }),
  notMatchRegexRaw = t("matchRegexRaw", true, { pattern = "string" }, { "pattern" }),
  contains = t("contains", false, P_CONTAINS, { "path" }),
  notContains = t("contains", true, P_CONTAINS, { "path" }),
  exists = t("exists", false, P_PATH, { "path" }),
  notExists = t("exists", true, P_PATH, { "path" }),
  isNotNull = t("exists", false, P_PATH, { "path" }),
  isNull = t("exists", true, P_PATH, { "path" }),
  isNullOrEmpty = t("isNullOrEmpty", false, P_PATH, { "path" }),
  isEmpty = t("isNullOrEmpty", false, P_PATH, { "path" }),
  isNotNullOrEmpty = t("isNullOrEmpty", true, P_PATH, { "path" }),
  isNotEmpty = t("isNullOrEmpty", true, P_PATH, { "path" }),
  isKind = t("isKind", false, { of = "string" }, { "of" }),
  isAPIVersion = t("isAPIVersion", false, { of = "string" }, { "of" }),
  hasDocuments = t("hasDocuments", false, { count = "int", filterAware = "bool" }, { "count" }),
  isSubset = t("isSubset", false, P_SUBSET, { "path" }),
  isNotSubset = t("isSubset", true, P_SUBSET, { "path" }),
  lengthEqual = t("lengthEqual", false, P_LENGTH),
  notLengthEqual = t("lengthEqual", true, P_LENGTH),
  containsDocument = t("containsDocument", false,
    { kind = "string", apiVersion = "string", name = "string", namespace = "string", any = "bool" },
    { "kind", "apiVersion" }),
  greaterOrEqual = t("greaterOrEqual", false, P_ORDER, { "path", "value" }),
  notGreaterOrEqual = t("greaterOrEqual", true, P_ORDER, { "path", "value" }),
  lessOrEqual = t("lessOrEqual", false, P_ORDER, { "path", "value" }),
  notLessOrEqual = t("lessOrEqual", true, P_ORDER, { "path", "value" }),
  isType = t("isType", false, { path = "string", type = "string" }, { "path", "type" }),
  isNotType = t("isType", true, { path = "string", type = "string" }, { "path", "type" }),
  matchSnapshot = t("matchSnapshot", false, { path = "string", matchRegex = "pattern", notMatchRegex = "pattern" }),
  matchSnapshotRaw = t("matchSnapshotRaw", false, {}),
  failedTemplate = t("failedTemplate", false, P_FAILED, {}, false),
  notFailedTemplate = t("failedTemplate", true, P_FAILED, {}),
}

--- Assertion types of helm-unittest that hfl does not evaluate (yet), with why.
M.UNSUPPORTED = {}

local WANT_TEXT = { string = "a string", bool = "true or false", int = "an integer", list = "a list",
  ordered = "a number or a string", pattern = "a map with a pattern" }

local function kind_ok(want, v)
  local k = value.kind(v)
  if want == "any" then return true end
  if want == "string" then return k == "string" end
  if want == "bool" then return k == "bool" end
  if want == "int" then return k == "int" end
  if want == "list" then return k == "list" end
  if want == "ordered" then return k == "int" or k == "float" or k == "string" end
  if want == "pattern" then return k == "map" and type(v.pattern) == "string" end
  return false
end

--- Checks an assertion's parameters and prepares them (parsed paths, compiled patterns).
---@param type_name string
---@param params any
---@return table|nil prepared, string|nil err
function M.prepare(type_name, params)
  local def = M.TYPES[type_name]
  if value.is_null(params) then params = value.map() end
  if value.kind(params) ~= "map" then return nil, fmt("%s: parameters must be a map", type_name) end
  local p = {}
  for _, k in ipairs(value.keys(params)) do
    local want = def.params[k]
    if not want then
      return nil, fmt("%s: unknown parameter %q%s", type_name, k,
        require("hfl.suggest").hint(k, value.sorted_keys(def.params)))
    end
    local v = params[k]
    if not value.is_null(v) or want == "any" then
      if not kind_ok(want, v) then return nil, fmt("%s: %s must be %s", type_name, k, WANT_TEXT[want]) end
      p[k] = v
    end
  end
  if p.count ~= nil then
    -- an integer beyond 2^53 stays boxed (hfl.value): compared as a number, shown with its digits
    p._count_text, p.count = tostring(p.count), value.tonumber(p.count)
  end
  for _, k in ipairs(def.required) do
    if p[k] == nil then return nil, fmt("%s: %s is required", type_name, k) end
  end
  if def.params.value == "any" and p.value == nil then p.value = value.null end
  if type_name == "lengthEqual" or type_name == "notLengthEqual" then
    if p.path and p.paths then return nil, type_name .. ": 'paths' couldn't be used with 'path'" end
    if p.path and p.count == nil then return nil, type_name .. ": 'count' field must be set if 'path' is used" end
    if not p.path and not p.paths then return nil, type_name .. ": path or paths is required" end
  end
  if p.errorMessage and p.errorPattern then
    return nil, type_name .. ": single attribute 'errorMessage' or 'errorPattern' supported at the same time"
  end
  if p.path then
    local steps, err = path.parse(p.path)
    if not steps then return nil, type_name .. ": " .. err end
    p._steps = steps
  end
  if p.paths then
    p._paths_steps = {}
    for i, pth in ipairs(p.paths) do
      local steps, err = path.parse(pth)
      if not steps then return nil, type_name .. ": " .. err end
      p._paths_steps[i] = steps
    end
  end
  for _, k in ipairs { "matchRegex", "notMatchRegex" } do
    if p[k] then
      local re, err = regex.compile(p[k].pattern)
      if not re then return nil, fmt("%s: bad %s.pattern %q: %s", type_name, k, p[k].pattern, err) end
    end
  end
  local pattern = p.pattern or p.errorPattern
  if pattern then
    local re, err = regex.compile(pattern)
    if not re and p.errorPattern then re = regex.compile((pattern:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?{}|\\]", "\\%0"))) end
    if not re then return nil, fmt("%s: bad pattern %q: %s", type_name, pattern, err) end
    p._regex = re
  end
  return p
end

--- Evaluates one assertion on the documents of one template.
---@param type_name string
---@param p table  from M.prepare
---@param ctx {docs: table[], selected: table[], negative: boolean, fail_fast?: boolean}
---@return boolean passed, string[] info
function M.validate(type_name, p, ctx)
  return V[M.TYPES[type_name].validator](p, ctx)
end

return M
