--- `hfl fetch`: download every selected release's chart through the cache (concurrently), and
--- with --output-dir copy each to
--- {{ .OutputDir }}[/{{ ns }}][/{{ ctx }}]/{{ .Release.Name }}/{{ .ChartName }}/{{ version or "latest" }}/<chart>.
local M = {}

M.summary = "Download the charts of the releases in the state file"

--- Declares the flags of `hfl fetch`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:string("output-dir", "put the charts under DIR", { arg = "DIR" })
  set:string("output-dir-template", "Go template for each chart's directory", { arg = "TEMPLATE" })
  set:bool("write-output", "print the state with charts replaced by their local paths")
end

local function chart_name(r, res)
  if res.name and res.name ~= "" then return res.name end
  local ok, doc = pcall(require("hfl.charts.localchart").chart_yaml, res.path)
  if ok and type(doc) == "table" and doc.name then return tostring(doc.name) end
  local c = tostring(r.chart or "")
  return (c:gsub("[@?].*$", ""):gsub(":[^/]*$", ""):match("([^/]+)/*$")) or c
end

local function output_dir(inv, r, res)
  local o = inv.options or {}
  local name = chart_name(r, res)
  local version = (r.version and r.version ~= "" and tostring(r.version)) or "latest"
  local tmpl = o.output_dir_template
  if tmpl and tmpl ~= "" then
    local out, err = require("hfl.tmpl").render(tmpl, {
      OutputDir = o.output_dir, ChartName = name,
      Release = { Name = r.name, Namespace = r.namespace or "", KubeContext = r.kubeContext or "",
        Chart = r.chart, Version = version },
    }, { name = "output-dir-template" })
    if not out then return nil, err end
    return out
  end
  local parts = { o.output_dir }
  if r.namespace and r.namespace ~= "" then parts[#parts + 1] = r.namespace end
  local ctx = r.kubeContext or r.kube_context
  if ctx and ctx ~= "" then parts[#parts + 1] = ctx end
  parts[#parts + 1] = r.name
  parts[#parts + 1] = name
  parts[#parts + 1] = version
  return table.concat(parts, "/")
end

--- Runs `hfl fetch`.
---@param inv hfl.cli.Invocation
---@return integer|nil code, string|nil err
function M.run(inv)
  local resolve = require "hfl.charts.resolve"
  local log = require "hfl.log"
  local releases, st = resolve.load_releases(inv)
  if not releases then return nil, st end
  if #releases == 0 and st and #(inv.global.selector or {}) > 0 and st.no_match then return st:no_match(inv) end
  local results = resolve.resolve_all(releases, function(r) return r.state end, {
    concurrency = inv.global.concurrency, skip_refresh = inv.global.skip_refresh,
    helm_binary = inv.global.helm_binary, deps = not inv.global.skip_deps,
  })
  local failed = {}
  for i, r in ipairs(releases) do
    local x = results[i]
    if not x.result then
      failed[#failed + 1] = x.err
    elseif inv.options.output_dir and inv.options.output_dir ~= "" then
      if x.result.archive and not x.result.name then
        local dir, uerr = resolve.unpack(x.result)
        if not dir then return nil, "release " .. r.name .. ": chart " .. tostring(r.chart) .. ": " .. uerr end
        x.result.path, x.result.archive = dir, nil
      end
      local dir, derr = output_dir(inv, r, x.result)
      if not dir then return nil, derr end
      local name = chart_name(r, x.result)
      local dest = dir .. "/" .. name
      local fs = require("hfl.core").fs
      if fs.stat(dest) then fs.rm_r(dest, dir) end
      local mk, merr = fs.mkdir_p(dir)
      if not mk then return nil, "release " .. r.name .. ": " .. dir .. ": " .. tostring(merr) end
      if x.result.archive then
        local ok, aerr = require("hfl.archive").extract(x.result.archive, dir, { source = x.result.url })
        if not ok then return nil, "release " .. r.name .. ": chart " .. tostring(r.chart) .. ": " .. aerr end
      else
        local cp = require("hfl.proc").run { "cp", "-R", "--", x.result.path, dest }
        if not cp or cp.code ~= 0 then
          return nil, "release " .. r.name .. ": copying the chart to " .. dest .. " failed: "
            .. (cp and (cp.stderr or ""):gsub("%s+$", "") or "cp did not start")
        end
      end
      x.result.path = dest
      log.debug("release %s: %s %s → %s", r.name, r.chart, x.result.version or "", dest)
    else
      log.debug("release %s: %s %s → %s", r.name, r.chart, x.result.version or "", x.result.path)
    end
  end
  if #failed > 0 then return nil, table.concat(failed, "\n") end
  if inv.options.write_output then
    -- the state with each chart replaced by its local path
    for i, r in ipairs(releases) do
      if type(r.spec) == "table" then r.spec.chart = results[i].result.path end
      r.chart = results[i].result.path
    end
    if st and st.build then
      local text, berr = st:build()
      if not text then return nil, berr end
      io.stdout:write(text)
    else
      for i, r in ipairs(releases) do io.stdout:write(r.name, ": ", results[i].result.path, "\n") end
    end
  end
  return 0
end

return M
