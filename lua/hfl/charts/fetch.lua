--- `fetch`: every selected release's chart downloaded through the cache (concurrently), and
--- with output_dir copied to
--- {{ .OutputDir }}[/{{ ns }}][/{{ ctx }}]/{{ .Release.Name }}/{{ .ChartName }}/{{ version or "latest" }}/<chart>
--- (a local chart directory: to that directory itself, as Helmfile).
local fs = require "hfl.fs"
local resolve = require "hfl.charts.resolve"
local localchart = require "hfl.charts.localchart"
local trim = require "hfl.trim"

local M = {}

local function chart_name(r, res)
  if res.name and res.name ~= "" then return res.name end
  local doc = localchart.chart_yaml(res.path)
  if type(doc) == "table" and doc.name then return tostring(doc.name) end
  local c = tostring(r.chart or "")
  return (c:gsub("[@?].*$", ""):gsub(":[^/]*$", ""):match("([^/]+)/*$")) or c
end

local function output_dir(opts, r, res)
  local name = chart_name(r, res)
  local version = (r.version and r.version ~= "" and tostring(r.version)) or "latest"
  local tmpl = opts.output_dir_template
  if tmpl and tmpl ~= "" then
    return require("hfl.tmpl").render(tmpl, {
      OutputDir = opts.output_dir, ChartName = name,
      Release = { Name = r.name, Namespace = r.namespace or "", KubeContext = r.kubeContext or "",
        Chart = r.chart, Version = version },
    }, { name = "output-dir-template" })
  end
  local parts = { opts.output_dir }
  if r.namespace and r.namespace ~= "" then parts[#parts + 1] = r.namespace end
  if r.kubeContext and r.kubeContext ~= "" then parts[#parts + 1] = r.kubeContext end
  parts[#parts + 1] = r.name
  parts[#parts + 1] = name
  parts[#parts + 1] = version
  return table.concat(parts, "/")
end

-- Copies (or extracts) a resolved chart into its output directory; returns the new path.
local function place(session, opts, r, res)
  -- a local chart directory becomes the output directory itself, as Helmfile copies it
  -- (`<output-dir>/<namespace>/<release>/<chart>/latest/Chart.yaml`); a pulled or packed one
  -- is a directory in it, as `helm pull --untar -d` leaves it
  local is_local_dir = res.kind == "local" and not res.archive
  if res.archive and not res.name then
    local dir, uerr = resolve.unpack(res, session)
    if not dir then return nil, "release " .. r.name .. ": chart " .. tostring(r.chart) .. ": " .. uerr end
    res.path, res.archive = dir, nil
  end
  local dir, derr = output_dir(opts, r, res)
  if not dir then return nil, derr end
  local dest = is_local_dir and dir or dir .. "/" .. chart_name(r, res)
  local parent = fs.dirname(dest)
  if fs.lstat(dest) then fs.rm_r(dest, parent) end
  local mk, merr = fs.mkdir_p(parent)
  if not mk then return nil, "release " .. r.name .. ": " .. parent .. ": " .. tostring(merr) end
  if res.archive then
    local ok, aerr = require("hfl.archive").extract(res.archive, dir, { source = res.url })
    if not ok then return nil, "release " .. r.name .. ": chart " .. tostring(r.chart) .. ": " .. aerr end
  else
    local cp = require("hfl.proc").run { "cp", "-R", "--", res.path, dest }
    if not cp or cp.code ~= 0 then
      return nil, "release " .. r.name .. ": copying the chart to " .. dest .. " failed: "
        .. (cp and trim.right(cp.stderr or "") or "cp did not start")
    end
  end
  return dest
end

--- Downloads the chart of every selected release (st:select()); with opts.output_dir copies
--- each into its directory there.
---@param st table  State
---@param opts? {output_dir?: string, output_dir_template?: string}
---@return table[]|nil charts {release=, path=, version=, digest=, source=}, string|nil err
function M.fetch(st, opts)
  opts = opts or {}
  local releases, err = st:select()
  if not releases then return nil, err end
  local session = st.session
  local results = resolve.resolve_all(releases, { session = session })
  local failed, out = {}, {}
  for i, r in ipairs(releases) do
    local x = results[i]
    if not x.result then
      failed[#failed + 1] = x.err
    else
      local res = x.result
      if opts.output_dir and opts.output_dir ~= "" then
        local dest, perr = place(session, opts, r, res)
        if not dest then return nil, perr end
        res.path = dest
      end
      session.log.debug("release %s: %s %s → %s", r.name, r.chart, res.version or "", res.path)
      out[#out + 1] = { release = r, path = res.path, version = res.version, digest = res.digest,
        source = res.source }
    end
  end
  if #failed > 0 then return nil, require("hfl.errlist").combined(failed) end
  return out
end

return M
