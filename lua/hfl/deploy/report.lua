--- hfl.deploy.report: the end of a run — Helmfile's summary tables (compat §9.3) and the
--- `--report FILE` JSON document that CI dashboards and `apply --resume` read.
--
--   io.stderr:write(report.summary(rows, { color = true }))
--   assert(report.write("report.json", rows, { command = "apply", started = t0, finished = t1 }))
--   local doc = assert(report.read("report.json"))   -- doc.releases[i].result == "ok"
local fs = require "hfl.fs"
local json = require "hfl.stdlib.json"
local value = require "hfl.value"

local M = {}

--- The document's kind and format version; read() refuses other files.
M.KIND = "hfl-report"
M.VERSION = 1

-- Go's time.Duration.String of a duration rounded to whole seconds: 0s, 59s, 1m5s, 1h0m0s.
local function go_seconds(seconds)
  local s = math.floor((seconds or 0) + 0.5)
  if s < 60 then return s .. "s" end
  local h, m = math.floor(s / 3600), math.floor(s % 3600 / 60)
  if h > 0 then return ("%dh%dm%ds"):format(h, m, s % 60) end
  return ("%dm%ds"):format(m, s % 60)
end
M.go_seconds = go_seconds

-- Credentials in a chart URL are shown as ---:--- (as Helmfile does).
local function chart_text(chart)
  return ((chart or ""):gsub("//[^/@]*:[^/@]*@", "//---:---@"))
end

-- Columns: name, header, right-aligned.
local NAME, NAMESPACE, CHART, VERSION, DURATION = { "release", "NAME" }, { "namespace", "NAMESPACE" },
  { "chart", "CHART" }, { "version", "VERSION" }, { "duration", "DURATION", true }
local RELEASE_COLUMNS = { NAME, NAMESPACE, CHART, VERSION, DURATION }
local DELETE_COLUMNS = { NAME, NAMESPACE, DURATION }
local PLAIN_COLUMNS = { NAME, NAMESPACE, CHART, VERSION }

-- Sections in Helmfile's order; the last two are hfl's (no Helmfile run has such releases).
local SECTIONS = {
  { "Updated Releases", RELEASE_COLUMNS, function(r) return r.result == "ok" and (r.action == "install" or r.action == "upgrade") end },
  { "Deleted Releases", DELETE_COLUMNS, function(r) return r.result == "ok" and r.action == "uninstall" end },
  { "Failed Releases", RELEASE_COLUMNS, function(r) return r.result == "failed" and r.action ~= "uninstall" end },
  { "Failed to Delete Releases", DELETE_COLUMNS, function(r) return r.result == "failed" and r.action == "uninstall" end },
  { "Skipped Releases", PLAIN_COLUMNS, function(r) return r.result == "skipped" end },
  { "Cancelled Releases", PLAIN_COLUMNS, function(r) return r.result == "cancelled" end },
}

local function cell(row, col)
  local k = col[1]
  if k == "duration" then return go_seconds(row.duration) end
  if k == "chart" then return chart_text(row.chart) end
  local v = row[k]
  return v == nil and "" or tostring(v)
end

-- A table with 3-space gaps (Go's tabwriter as Helmfile sets it up), trailing spaces trimmed.
local function table_text(columns, rows)
  local cells, width = { {} }, {}
  for i, c in ipairs(columns) do
    cells[1][i] = c[2]
    width[i] = #c[2]
  end
  for _, r in ipairs(rows) do
    local line = {}
    for i, c in ipairs(columns) do
      line[i] = cell(r, c)
      width[i] = math.max(width[i], #line[i])
    end
    cells[#cells + 1] = line
  end
  local out, total = {}, 0
  for i = 1, #columns do total = total + width[i] + (i > 1 and 3 or 0) end
  for _, line in ipairs(cells) do
    local parts = {}
    for i, c in ipairs(columns) do
      local fmt = c[3] and "%" .. width[i] .. "s" or "%-" .. width[i] .. "s"
      parts[i] = fmt:format(line[i])
    end
    out[#out + 1] = (table.concat(parts, "   "):gsub("%s+$", ""))
  end
  return out, total
end

local function divider(title, width, color)
  local t = " " .. title .. " "
  width = math.max(width, #t + 6)  -- a title wider than its table keeps some = either side
  local left = math.floor((width - #t) / 2)
  local right = width - #t - left
  local line = ("="):rep(left) .. t .. ("="):rep(right)
  if color then line = "\27[1;34m" .. line .. "\27[0m" end
  return line
end

--- Helmfile's run summary: for each non-empty section a blank line, a divider with the
--- centred title, and the table (3-space gaps, DURATION right-aligned, whole seconds).
---@param rows table[]  { release=, namespace=, chart=, version=, action=, result=, duration= }
---@param opts? {color?: boolean, mask?: fun(text: string): string}  mask: hides secrets (session:mask)
---@return string text  "" when no row belongs to a section
function M.summary(rows, opts)
  local out = {}
  for _, sec in ipairs(SECTIONS) do
    local picked = {}
    for _, r in ipairs(rows) do
      if sec[3](r) then picked[#picked + 1] = r end
    end
    if #picked > 0 then
      local lines, width = table_text(sec[2], picked)
      out[#out + 1] = ""
      out[#out + 1] = divider(sec[1], width, opts and opts.color)
      for _, l in ipairs(lines) do out[#out + 1] = l end
    end
  end
  if #out == 0 then return "" end
  local text = table.concat(out, "\n") .. "\n"
  return opts and opts.mask and opts.mask(text) or text
end

local function iso(t)
  if t == nil then return value.null end
  if type(t) == "string" then return t end
  local sec = math.floor(t)
  return os.date("!%Y-%m-%dT%H:%M:%S", sec) .. (".%03dZ"):format(math.floor((t - sec) * 1000))
end

local function or_null(v)
  if v == nil then return value.null end
  return v
end

local function round_ms(x)
  if x == nil then return value.null end
  return math.floor(x * 1000 + 0.5) / 1000
end

--- The --report document as a table: run metadata and one entry per release.
---@param rows table[]  rows as for summary, plus kube_context=
---@param meta? {command?: string, started?: number|string, finished?: number|string,
---   state_files?: string[], plan_digest?: string, mask?: fun(text: string): string}
---   started/finished: epoch seconds (hfl.time.now); mask hides secrets in every string a
---   release entry holds (session:mask)
---@return table doc
function M.document(rows, meta)
  meta = meta or {}
  local releases = value.list()
  for i, r in ipairs(rows) do
    releases[i] = value.map()
    local e = releases[i]
    e.release, e.namespace, e.kube_context = r.release, r.namespace or "", r.kube_context or ""
    e.chart, e.version = or_null(r.chart), or_null(r.version)
    e.action, e.result = r.action, r.result
    e.duration, e.revision, e.error = round_ms(r.duration), or_null(r.revision), or_null(r.error)
    if meta.mask then
      for _, k in ipairs(value.keys(e)) do
        if type(e[k]) == "string" then e[k] = meta.mask(e[k]) end
      end
    end
  end
  local files = value.list()
  for i, f in ipairs(meta.state_files or {}) do files[i] = f end
  local doc = value.map()
  doc.kind, doc.version = M.KIND, M.VERSION
  doc.command = or_null(meta.command)
  doc.started, doc.finished = iso(meta.started), iso(meta.finished)
  doc.state_files = files
  doc.plan_digest = or_null(meta.plan_digest)
  doc.releases = releases
  return doc
end

--- The --report FILE document as JSON text (see document).
---@return string
function M.json(rows, meta)
  return json.encode(M.document(rows, meta), { html = false, indent = "  " }) .. "\n"
end

--- Writes the report atomically (a temp file renamed over path: a reader never sees half).
---@return true|nil ok, string|nil err
function M.write(path, rows, meta)
  return fs.write_atomic(path, M.json(rows, meta))
end

local RESULTS = { ok = true, failed = true, skipped = true, cancelled = true }

--- Reads a report written by hfl (for `apply --resume`).
---@param path string
---@return table|nil doc  as document() made it (nulls as nil), string|nil err  naming the
---   file: unreadable, not JSON, not an hfl report, a newer format, a malformed release entry
function M.read(path)
  local text, err = fs.read(path)
  if not text then return nil, err end
  local ok, doc, derr = pcall(json.decode, text)
  if not ok then derr = tostring(doc) doc = nil end
  if not doc then return nil, ("%s: not a report: %s"):format(path, derr or "empty") end
  if value.kind(doc) ~= "map" or doc.kind ~= M.KIND then
    return nil, ("%s: not an hfl report (no \"kind\": %q): give the file --report wrote"):format(path, M.KIND)
  end
  if value.tonumber(doc.version) ~= M.VERSION then
    return nil, ("%s: hfl report version %s, this hfl reads version %d"):format(path,
      tostring(doc.version), M.VERSION)
  end
  if value.kind(doc.releases) ~= "list" then
    return nil, ("%s: \"releases\" must be a list"):format(path)
  end
  for k, v in pairs(doc) do if v == value.null then doc[k] = nil end end
  for i, e in ipairs(doc.releases) do
    if value.kind(e) ~= "map" or type(e.release) ~= "string" or not RESULTS[e.result] then
      return nil, ("%s: releases[%d] needs a \"release\" and a \"result\" (ok, failed, skipped, cancelled)")
        :format(path, i - 1)
    end
    for k, v in pairs(e) do if v == value.null then e[k] = nil end end
    if e.duration then e.duration = value.tonumber(e.duration) end
    if e.revision then e.revision = value.tonumber(e.revision) end
  end
  return doc
end

return M
