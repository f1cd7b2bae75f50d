--- hfl.unittest.evaluate: one test of a suite against its render — which templates and
--- documents each assertion looks at (template, documentIndex, documentSelector) and the
--- outcome, as helm-unittest's TestJob and Assertion decide them.
local value = require "hfl.value"
local yaml = require "hfl.yaml"
local assertions = require "hfl.unittest.assertions"
local path = require "hfl.unittest.path"
local template_file = require("hfl.unittest.render").template_file

local M = {}

local fmt = string.format
local RAW = assertions.RAW

-- The documents of one template's output: YAML documents (empty ones dropped), or the text
-- itself for a .txt file.
local function documents(file, text)
  if file:match("%.txt$") then return { value.map { [RAW] = text } } end
  local docs, err = yaml.decode_all(text, { filename = file })
  if not docs then return nil, err end
  local out = {}
  for _, d in ipairs(docs) do
    local k = value.kind(d)
    if k == "map" then
      if next(d) ~= nil then out[#out + 1] = d end
    elseif k ~= "null" then
      return nil, fmt("%s: a rendered document is a %s, not a map", file, k)
    end
  end
  return out
end

-- Every template's documents, or a render failure as helm-unittest records it: the failing
-- template (each suite template when a partial failed) holding the message as a raw document.
local function outputs(out, t, suite, chart_name)
  if out.files then
    local docs = {}
    for file, text in pairs(out.files) do
      local d, err = documents(file, text)
      if not d then return nil, err end
      docs[file] = d
    end
    return docs, true
  end
  if not out.error_file then return {}, false, out.error end
  local docs, raw = {}, value.map { [RAW] = out.error_message }
  local base = out.error_file:match("([^/]*)$")
  if base:sub(1, 1) == "_" then
    for _, name in ipairs(#suite.templates > 0 and suite.templates or {}) do
      docs[chart_name .. "/" .. template_file(name)] = { raw }
    end
  else
    docs[out.error_file] = { raw }
  end
  return docs, false
end

-- The templates an assertion looks at (full names "chart/templates/x.yaml").
local function templates_of(a, t, suite, chart_name, docs)
  local list
  if a.template then list = { a.template }
  elseif t.templates then list = t.templates
  elseif t.template then list = { t.template }
  else
    local wild = #suite.templates == 0
    for _, name in ipairs(suite.templates) do if name:find("*", 1, true) then wild = true end end
    if wild then
      local all = {}
      for file in pairs(docs) do all[#all + 1] = file end
      return all
    end
    list = suite.templates
  end
  local out = {}
  for i, name in ipairs(list) do out[i] = chart_name .. "/" .. template_file(name) end
  return out
end

local function select_by_selector(sel, by_template, names)
  local picked, total = {}, 0
  for _, name in ipairs(names) do
    local found = {}
    for _, doc in ipairs(by_template[name] or {}) do
      local hit = false
      for _, v in ipairs(path.get(doc, sel._steps)) do
        if value.is_null(sel.value) or value.equal(sel.value, v) then hit = true break end
      end
      if hit then
        if not sel.match_many and #found > 0 then return nil, "multiple indexes found" end
        found[#found + 1] = doc
      end
    end
    if #found == 0 and not sel.skip_empty then return nil, "document not found" end
    total = total + #found
    if not sel.match_many and total > 1 then return nil, "multiple indexes found" end
    if #found > 0 or not sel.skip_empty then picked[name] = found end
  end
  return picked
end

local function select_docs(index, selector, by_template, names)
  if selector then return select_by_selector(selector, by_template, names) end
  local picked = {}
  if index ~= nil and index ~= -1 then
    for _, name in ipairs(names) do
      local docs = by_template[name] or {}
      if index >= #docs or index < 0 then return nil, fmt("document index %s is out of range", tostring(index)) end
      picked[name] = { docs[index + 1] }
    end
    return picked
  end
  for _, name in ipairs(names) do picked[name] = by_template[name] or false end
  return picked
end

-- One assertion → {index, type, negate, passed, skipped, info}.
local function run_assertion(a, t, env)
  local res = { index = a.index, type = a.type, negate = a.negate, line = a.line }
  local require_ok = a.def.render_ok
  local names = templates_of(a, t, env.suite, env.chart_name, env.docs)
  local by_template = {}
  for _, n in ipairs(names) do by_template[n] = env.docs[n] end
  local index = t.document_index
  if index == nil then index = a.document_index end
  local picked, err = select_docs(index, a.selector or t.selector, by_template, names)
  if not picked then
    res.passed, res.info = false, { "Error:", err }
    return res
  end
  local selected = {}
  for n in pairs(picked) do selected[#selected + 1] = n end
  table.sort(selected)
  local ctx = { negative = a.negate ~= a.def.antonym, fail_fast = env.fail_fast, render_error = env.render_error,
    snapshot = env.snapshot }
  if #selected == 0 then
    if (a.selector or t.selector or {}).skip_empty then
      res.passed, res.skipped, res.info = true, true, {}
      return res
    end
    if require_ok ~= env.render_ok then
      res.passed, res.info = false, { "Error: rendered manifest is empty" }
      return res
    end
    ctx.docs, ctx.selected = {}, {}
    res.passed, res.info = assertions.validate(a.type, a.params, ctx)
    return res
  end
  local passed, info = true, {}
  for i, name in ipairs(selected) do
    local rendered = env.docs[name]
    local ok, lines, with_template = false, nil, true
    if rendered == nil and require_ok then
      lines, with_template = { "Error:", fmt("\ttemplate \"%s\" not exists or not selected in test suite", name) }, false
    elseif require_ok ~= env.render_ok then
      if rendered and rendered[1] and rendered[1][RAW] then
        lines = { "Error: Invalid rendering: " .. tostring(rendered[1][RAW]) }
      elseif rendered and #rendered > 0 then
        lines = { "Error: the template rendered without error" }
      else
        lines = { "Error: rendered manifest is empty" }
      end
    else
      ctx.docs = rendered or {}
      ctx.selected = picked[name] or {}
      ok, lines = assertions.validate(a.type, a.params, ctx)
    end
    if not ok then
      if with_template then info[#info + 1] = "Template:\t" .. name end
      for _, l in ipairs(lines or {}) do info[#info + 1] = l end
    end
    passed = (i == 1) and ok or (passed and ok)
  end
  res.passed, res.info = passed, info
  return res
end

--- Evaluates a test on its render (hfl.unittest.render's result).
---@param t table  a test of hfl.unittest.suite
---@param out table  {files=} or {error=, error_file=, error_message=}
---@param env {chart_name: string, suite: table, fail_fast?: boolean, snapshot?: function}
---   snapshot: the test's comparer (hfl.unittest.snapshot)
---@return table result  {name=, passed=, skipped=, error=?, asserts={…}}
function M.test(t, out, env)
  local res = { name = t.name, line = t.line, asserts = {}, passed = false }
  local require_ok = false
  for _, a in ipairs(t.asserts) do require_ok = require_ok or a.def.render_ok end
  if out.error and require_ok then
    res.error = out.error
    return res
  end
  local docs, render_ok, render_error = outputs(out, t, env.suite, env.chart_name)
  if not docs then
    res.error = render_ok
    return res
  end
  local e = { docs = docs, render_ok = render_ok, render_error = render_error, suite = env.suite,
    chart_name = env.chart_name, fail_fast = env.fail_fast, snapshot = env.snapshot }
  local passed = false
  for i, a in ipairs(t.asserts) do
    local ar
    if render_error and not out.error_file then
      -- a failure helm-unittest cannot attribute to a template: failedTemplate checks the
      -- whole message
      local doc = value.map { [RAW] = render_error }
      local ctx = { negative = a.negate ~= a.def.antonym, docs = { doc }, selected = { doc },
        fail_fast = env.fail_fast }
      ar = { index = a.index, type = a.type, negate = a.negate, line = a.line }
      ar.passed, ar.info = assertions.validate(a.type, a.params, ctx)
    else
      ar = run_assertion(a, t, e)
    end
    res.asserts[#res.asserts + 1] = ar
    passed = (i == 1) and ar.passed or (passed and ar.passed)
    if not passed and env.fail_fast then break end
  end
  res.passed = passed
  local all_skipped = #res.asserts > 0
  for _, ar in ipairs(res.asserts) do if not ar.skipped then all_skipped = false end end
  res.skipped = all_skipped
  return res
end

return M
