--- hfl.unittest.report: the text helm-unittest prints for a chart's run — the chart header,
--- PASS/FAIL/SKIP per suite, each failed test with its failed assertions, and the summary.
local M = {}

local fmt = string.format

local COLORS = {
  success_label = "\27[42;30m", danger_label = "\27[41;37m", warning_label = "\27[43;30m",
  danger = "\27[31m", warning = "\27[33m", highlight = "\27[1m", faint = "\27[2m",
}

local function painter(color)
  return function(style, s)
    if not color or s == "" then return s end
    return COLORS[style] .. s .. "\27[0m"
  end
end

local function counting(c, paint)
  local s = ""
  if c.failed > 0 then s = paint("danger", fmt("%d failed, ", c.failed)) end
  if c.errored > 0 then s = s .. fmt("%d errored, ", c.errored) end
  if c.skipped > 0 then
    return s .. fmt("%d passed, %d skipped, %d total", c.passed, c.skipped, c.passed + c.failed + c.skipped)
  end
  return s .. fmt("%d passed, %d total", c.passed, c.passed + c.failed)
end

-- Go's time.Duration.String for the sub-minute durations a run takes.
local function duration(sec)
  if sec >= 1 then return (fmt("%.6f", sec):gsub("0+$", ""):gsub("%.$", "")) .. "s" end
  if sec >= 1e-3 then return (fmt("%.6f", sec * 1e3):gsub("0+$", ""):gsub("%.$", "")) .. "ms" end
  return (fmt("%.3f", sec * 1e6):gsub("0+$", ""):gsub("%.$", "")) .. "µs"
end
M.duration = duration

local function test_lines(out, t, paint)
  if t.passed then return end
  if t.skipped then
    out[#out + 1] = "\t" .. paint("highlight", "- ") .. paint("warning_label", "SKIPPED")
      .. paint("warning", fmt(" '%s'", t.name))
    return
  end
  if t.error then
    out[#out + 1] = "\t" .. paint("highlight", "- " .. t.name)
    out[#out + 1] = "\t\t" .. paint("highlight", "Error: " .. t.error:gsub("\n", "\n\t\t") .. "\n")
    return
  end
  out[#out + 1] = "\t" .. paint("danger", "- " .. t.name .. "\n")
  for _, a in ipairs(t.asserts) do
    if not a.passed then
      out[#out + 1] = "\t\t" .. paint("danger", fmt("- asserts[%d]%s `%s` fail", a.index, a.negate and " NOT" or "", a.type))
      for _, l in ipairs(a.info or {}) do out[#out + 1] = "\t\t\t" .. l end
      out[#out + 1] = ""
    end
  end
end

local function suite_lines(out, s, paint)
  local label
  if s.skipped then label = paint("warning_label", " SKIP ")
  elseif s.passed then label = paint("success_label", " PASS ")
  else label = paint("danger_label", " FAIL ") end
  local dir, base = s.file:match("^(.*/)([^/]*)$")
  if not dir then dir, base = "./", s.file end
  out[#out + 1] = fmt("%s %s\t%s", label, paint("highlight", s.name), paint("faint", dir) .. base)
  for _, t in ipairs(s.tests) do test_lines(out, t, paint) end
end

--- The output of one release's run (a result of hfl.unittest.run's `releases`).
---@param r table
---@param opts? {color?: boolean}
---@return string
function M.release(r, opts)
  local paint = painter(opts and opts.color)
  local out = { "", fmt("### Chart [ %s ] %s", paint("highlight", r.chart), paint("faint", r.chart_path)), "", "" }
  for _, s in ipairs(r.suites) do suite_lines(out, s, paint) end
  local c = r.counts
  if c.snapshots.failed > 0 then
    out[#out + 1] = ""
    out[#out + 1] = "Snapshot Summary: " .. paint("danger", fmt("%d snapshot failed", c.snapshots.failed))
      .. fmt(" in %d test suite.", c.snapshots.suites_failed)
      .. paint("faint", " Check the changes; delete the .snap file to record them anew.")
  end
  out[#out + 1] = ""
  out[#out + 1] = "Charts:      " .. counting(c.charts, paint)
  out[#out + 1] = "Test Suites: " .. counting(c.suites, paint)
  out[#out + 1] = "Tests:       " .. counting(c.tests, paint)
  out[#out + 1] = "Snapshot:    " .. counting(c.snapshots, paint)
  out[#out + 1] = "Time:        " .. duration(r.duration or 0)
  out[#out + 1] = ""
  return table.concat(out, "\n") .. "\n"
end

return M
