--- A comparison printed in helm-diff's formats:
---   diff     "NAMESPACE, NAME, KIND (GROUP) has changed:" (has been added / has been removed)
---            then the object's lines, "+ " added, "- " removed, "  " kept; with a context of
---            N only N lines around each change are kept and each gap is one "..." line
---   simple   "NAMESPACE, NAME, KIND (GROUP) to be changed." lines, then
---            "Plan: N to add, N to change, N to destroy, N to change ownership."
---   json     [{"api": GROUP, "kind":, "namespace":, "name":, "change": ADD|REMOVE|MODIFY}]
---   template the same entries through a Go template (opts.template)
local identity = require "hfl.diff.identity"
local regex = require "hfl.regex"
local json = require "hfl.stdlib.json"
local value = require "hfl.value"

local M = {}

local ANSI = { red = "\27[31m", green = "\27[32m", yellow = "\27[33m", blue = "\27[94m" }
local RESET = "\27[0m"

local CHANGE_TYPE = { add = "ADD", remove = "REMOVE", change = "MODIFY" }
local DIFF_WORDS = { ADD = "has been added:", REMOVE = "has been removed:", MODIFY = "has changed:",
  MODIFY_SUPPRESSED = "has changed, but diff is empty after suppression." }
local SIMPLE_WORDS = { ADD = "to be added.", REMOVE = "to be removed.", MODIFY = "to be changed.",
  MODIFY_SUPPRESSED = "has changed, but diff is empty after suppression." }
local COLOR = { ADD = "green", REMOVE = "red", MODIFY = "yellow", MODIFY_SUPPRESSED = "blue" }

local function paint(opts, color, text)
  if not opts.color then return text end
  return ANSI[color] .. text .. RESET
end

local function compile_all(patterns)
  local out = {}
  for _, p in ipairs(patterns or {}) do
    local re, msg = regex.compile(p)
    if not re then
      return nil, ("--suppress-output-line-regex %q: %s"):format(p, tostring(msg))
    end
    out[#out + 1] = re
  end
  return out
end

-- The records of a change left after suppression, and its change type.
local function entry_of(change, res, opts)
  local records = {}
  for _, rec in ipairs(change.lines or {}) do
    local text = rec.text
    if opts.strip_trailing_cr then text = text:gsub("\r$", "") end
    local drop = false
    for _, re in ipairs(res) do
      if re:exec(text) then drop = true break end
    end
    if not drop then records[#records + 1] = { op = rec.op, text = text } end
  end
  local ctype = CHANGE_TYPE[change.action]
  if #res > 0 and not change.suppressed then
    local any = false
    for _, r in ipairs(records) do
      if r.op ~= " " then any = true break end
    end
    if not any then
      records = {}
      if ctype == "MODIFY" then ctype = "MODIFY_SUPPRESSED" end
    end
  end
  return { change = change, records = records, type = ctype }
end

-- How far each record is from the nearest added or removed line.
local function distances(records)
  local d, last = {}, nil
  for i, r in ipairs(records) do
    if r.op ~= " " then last = i end
    d[i] = last and i - last or math.huge
  end
  last = nil
  for i = #records, 1, -1 do
    if records[i].op ~= " " then last = i end
    if last and last - i < d[i] then d[i] = last - i end
  end
  return d
end

local function record_line(opts, r)
  if r.op == "+" then return paint(opts, "green", "+ " .. r.text) end
  if r.op == "-" then return paint(opts, "red", "- " .. r.text) end
  if r.text == "" then return "" end
  return "  " .. r.text
end

local function diff_body(out, entry, opts)
  if entry.change.suppressed then
    out[#out + 1] = paint(opts, "yellow", "+ Changes suppressed on sensitive content of type "
      .. entry.change.kind)
    return
  end
  local context = opts.context or -1
  local records = entry.records
  if context < 0 then
    for _, r in ipairs(records) do out[#out + 1] = record_line(opts, r) end
    return
  end
  local d, omitting = distances(records), false
  for i, r in ipairs(records) do
    if d[i] > context then
      if not omitting then out[#out + 1] = "..." end
      omitting = true
    else
      omitting = false
      out[#out + 1] = record_line(opts, r)
    end
  end
end

local function render_diff(entries, opts)
  local out = {}
  for _, e in ipairs(entries) do
    out[#out + 1] = paint(opts, COLOR[e.type], identity.title(e.change) .. " " .. DIFF_WORDS[e.type])
    diff_body(out, e, opts)
    out[#out + 1] = ""
  end
  if #out == 0 then return "" end
  return table.concat(out, "\n") .. "\n"
end

local function render_simple(entries, opts)
  local out, count = {}, { ADD = 0, REMOVE = 0, MODIFY = 0 }
  for _, e in ipairs(entries) do
    out[#out + 1] = paint(opts, COLOR[e.type], identity.title(e.change) .. " " .. SIMPLE_WORDS[e.type])
    count[e.type] = (count[e.type] or 0) + 1
  end
  out[#out + 1] = ("Plan: %d to add, %d to change, %d to destroy, %d to change ownership."):format(
    count.ADD, count.MODIFY, count.REMOVE, 0)
  return table.concat(out, "\n") .. "\n"
end

local function quote(s)
  return json.encode(s, { html = false })
end

-- The layout of helm-diff's JSON output (its default report template), with strings escaped.
local function render_json(entries)
  local items = {}
  for _, e in ipairs(entries) do
    local c = e.change
    items[#items + 1] = table.concat({
      "{",
      '  "api": ' .. quote(identity.api_base(c.api_version)) .. ",",
      '  "kind": ' .. quote(c.kind) .. ",",
      '  "namespace": ' .. quote(c.namespace) .. ",",
      '  "name": ' .. quote(c.name) .. ",",
      '  "change": ' .. quote(e.type),
      "}" }, "\n")
  end
  return "[" .. table.concat(items, ",") .. "]\n"
end

local function render_template(entries, opts)
  -- the template engine is loaded only for the one format that needs it
  local tmpl = require "hfl.tmpl"
  local data = value.list()
  for i, e in ipairs(entries) do
    local c = e.change
    data[i] = value.map { API = identity.api_base(c.api_version), Kind = c.kind,
      Namespace = c.namespace, Name = c.name, Change = e.type }
  end
  local funcs = { last = function(i, list) return i == #list - 1 end }
  local text, err = tmpl.render(opts.template, data, { name = "diff template", funcs = funcs })
  if not text then return nil, err end
  return text .. "\n"
end

local FORMATS = { diff = render_diff, simple = render_simple, json = render_json,
  template = render_template }

--- See hfl.diff.render.
---@return string|nil text, string|nil err
function M.run(result, opts)
  opts = opts or {}
  local format = opts.format or "diff"
  local fn = FORMATS[format]
  if not fn then
    return nil, ("unknown diff output %q (use diff, simple, json or template)"):format(format)
  end
  if format == "template" and type(opts.template) ~= "string" then
    return nil, "the template output needs a template"
  end
  local res, err = compile_all(opts.suppress_output_line_regex)
  if not res then return nil, err end
  local entries = {}
  for _, change in ipairs(result.changes) do entries[#entries + 1] = entry_of(change, res, opts) end
  return fn(entries, opts)
end

return M
