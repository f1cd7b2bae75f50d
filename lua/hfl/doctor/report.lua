--- The report of `hfl doctor` in Helmfile's two formats: Markdown text (a summary, the risks
--- high first, the affected resources, a footer with the model, the duration and how many
--- secrets were redacted) and JSON (summary, risks, affected_resources, diff, secrets_redacted,
--- model, duration, timestamp, llm_error). The diff in either is always the redacted one.
local json = require "hfl.json"
local value = require "hfl.value"

local M = {}

local MARK = { high = "🔴", medium = "🟡", low = "🟢" }

--- Go's time.Duration.String() of a number of seconds ("8.2s", "350ms", "1m2.5s").
---@param seconds number
---@return string
function M.go_duration(seconds)
  local ns = math.floor(seconds * 1e9 + 0.5)
  if ns == 0 then return "0s" end
  local function trimmed(n, scale, digits)
    local s = ("%." .. digits .. "f"):format(n / scale)
    if s:find("%.") then s = s:gsub("0+$", ""):gsub("%.$", "") end
    return s
  end
  if ns < 1e3 then return ns .. "ns" end
  if ns < 1e6 then return trimmed(ns, 1e3, 3) .. "µs" end
  if ns < 1e9 then return trimmed(ns, 1e6, 6) .. "ms" end
  local h = math.floor(ns / 3600e9)
  local m = math.floor((ns - h * 3600e9) / 60e9)
  local rest = ns - h * 3600e9 - m * 60e9
  local s = trimmed(rest, 1e9, 9) .. "s"
  if h > 0 then return ("%dh%dm%s"):format(h, m, s) end
  if m > 0 then return ("%dm%s"):format(m, s) end
  return s
end

-- The footer's duration: whole milliseconds under a second, else seconds to one decimal.
local function short_duration(seconds)
  if seconds < 1 then return ("%dms"):format(math.floor(seconds * 1000)) end
  return ("%.1fs"):format(seconds)
end

local function risk_section(out, r)
  out[#out + 1] = ("### %s [%s] %s\n\n"):format(MARK[r.level:lower()] or "⚪", r.level:upper(),
    r.category)
  if r.description ~= "" then out[#out + 1] = r.description .. "\n\n" end
  if r.suggestion ~= "" then out[#out + 1] = "**Suggestion:** " .. r.suggestion .. "\n\n" end
end

--- The Markdown report. With no analysis (the call failed) the redacted diff under a warning;
--- "" when there is nothing to say (no analysis and no diff).
---@param r table  hfl.doctor result
---@return string
function M.text(r)
  local out = {}
  if r.llm_error then
    out[#out + 1] = "# Helmfile Doctor (degraded)\n\n"
    out[#out + 1] = ("> ⚠️  LLM analysis failed: %s\n"):format(r.llm_error)
    out[#out + 1] = "> Falling back to redacted diff output.\n"
    out[#out + 1] = ("> 🔒 %d secret(s) redacted.\n"):format(r.secrets_redacted)
    out[#out + 1] = "\n```\n" .. r.diff_text .. "\n```\n"
    return table.concat(out)
  end
  local a = r.analysis
  if not a then return r.diff_text end
  out[#out + 1] = "# Helmfile Doctor Report\n\n## Summary\n\n"
  out[#out + 1] = (a.summary ~= "" and a.summary or "_No summary produced._") .. "\n\n"
  out[#out + 1] = "## Risks\n\n"
  if #a.risks == 0 then out[#out + 1] = "_No risks identified._\n\n" end
  for _, risk in ipairs(a.risks) do risk_section(out, risk) end
  if #a.affected_resources > 0 then
    out[#out + 1] = "## Affected Resources\n\n"
    for _, res in ipairs(a.affected_resources) do out[#out + 1] = "- " .. res .. "\n" end
    out[#out + 1] = "\n"
  end
  local footer = {}
  if r.model and r.model ~= "" then footer[#footer + 1] = "Model: " .. r.model end
  footer[#footer + 1] = "Duration: " .. short_duration(r.duration or 0)
  footer[#footer + 1] = ("Secrets redacted: %d"):format(r.secrets_redacted)
  out[#out + 1] = "---\n" .. table.concat(footer, " | ") .. "\n"
  return table.concat(out)
end

local function risks_value(risks)
  local l = value.list()
  for i, r in ipairs(risks) do
    local m = value.map()
    m.level, m.category, m.description = r.level, r.category, r.description
    if r.suggestion ~= "" then m.suggestion = r.suggestion end
    l[i] = m
  end
  return l
end

--- The JSON report (fields in Helmfile's order, two-space indent, <>& escaped as Go does).
--- `risks` is present, possibly empty, exactly when an analysis ran.
---@param r table  hfl.doctor result
---@param now? integer  unix time of the timestamp (default: now)
---@return string
function M.json(r, now)
  local fields = {}
  local function put(k, v) fields[#fields + 1] = { k, v } end
  local a = r.analysis
  if a and a.summary ~= "" then put("summary", a.summary) end
  if a then put("risks", risks_value(a.risks)) end
  if a and #a.affected_resources > 0 then
    local l = value.list()
    for i, x in ipairs(a.affected_resources) do l[i] = x end
    put("affected_resources", l)
  end
  put("diff", r.diff_text)
  put("secrets_redacted", r.secrets_redacted)
  if r.model and r.model ~= "" then put("model", r.model) end
  put("duration", M.go_duration(r.duration or 0))
  put("timestamp", os.date("!%Y-%m-%dT%H:%M:%SZ", now or os.time()))
  if r.llm_error then put("llm_error", r.llm_error) end
  local lines = {}
  for i, f in ipairs(fields) do
    local v = json.encode(f[2], { indent = "  ", html = true }):gsub("\n", "\n  ")
    lines[i] = "  " .. json.encode(f[1]) .. ": " .. v
  end
  return "{\n" .. table.concat(lines, ",\n") .. "\n}"
end

return M
