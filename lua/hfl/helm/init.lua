--- hfl.helm: the helm driver. Prepares a release for helm (its chart as a local directory
--- from the cache, its merged values in one private file, a digest of what it would deploy),
--- builds helm's command lines (hfl.helm.argv) and runs them under the session's concurrency
--- limit, logging them with `--set` values redacted.
---
---   local prep = assert(helm.prepare(session, release, opts))
---   local res, err = helm.run(session, helm.argv.template(prep, opts), { release = release })
---   prep:cleanup()
local argv = require "hfl.helm.argv"
local fs = require "hfl.fs"
local proc = require "hfl.proc"
local redact = require "hfl.redact"
local yaml = require "hfl.yaml"

local M = {}

M.argv = argv

local fmt = string.format

--- Marks the value of every `--set*` in a command line (compat §5.1
--- --strip-args-values-on-exit-error).
M.STRIP = "*** STRIP ***"

---@class hfl.helm.Prep
---@field release table       the Release
---@field session hfl.Session
---@field helm table          {binary=, version=, major=} from session:helm()
---@field major string        "3" | "4"
---@field chart string        the chart as a local directory
---@field chart_version string|nil
---@field values table        the merged values
---@field values_file string  those values, in a 0600 file under session:tempdir()
---@field values_text string|nil  the file's text while it is not written yet (opts.defer_values_file)
---@field digest string       hex sha256 of chart content + merged values + manifest flags
---@field chartify_dir string|nil  the directory of its temporary chart (hfl.chartify), removed by cleanup
local Prep = {}
Prep.__index = Prep

--- Writes the values file that prepare{defer_values_file = true} left unwritten (a native
--- render reads values_text instead); nothing when it is written already.
---@return true|nil ok, string|nil err
function Prep:write_values_file()
  local text = self.values_text
  if not text then return true end
  -- a temp file helm reads during this run and hfl removes: no fsync (~1 ms per release)
  local ok, err = fs.write_atomic(self.values_file, text, { mode = tonumber("600", 8), durable = false })
  if not ok then return nil, fmt('release "%s": %s', self.release.name, err) end
  self.values_text = nil
  return true
end

--- Removes the prepared release's files (idempotent).
function Prep:cleanup()
  if self.values_file and not self.values_text then fs.remove(self.values_file) end
  local work = self.chartify_dir
  if work then
    self.chartify_dir = nil
    fs.rm_r(work, fs.dirname(work))
  end
end

-- Every regular file under dir, as "relative/path" sorted bytewise (symlinks followed, as
-- helm reads a chart).
local function chart_files(dir, prefix, out)
  local names = fs.list(dir) or {}
  for _, name in ipairs(names) do
    local rel = prefix .. name
    local path = dir .. "/" .. name
    if fs.kind(path) == "dir" then
      chart_files(path, rel .. "/", out)
    else
      out[#out + 1] = rel
    end
  end
  return out
end

--- The digest of a chart's content: of an archive, its bytes; of a directory, every file's
--- relative path and content, in sorted order (so it is the same in every run and process).
---@param path string
---@return string|nil hex, string|nil err
function M.chart_digest(path)
  if fs.kind(path) ~= "dir" then return fs.sha256_file(path) end
  local lines = {}
  for _, rel in ipairs(chart_files(path, "", {})) do
    local h, err = fs.sha256_file(path .. "/" .. rel)
    if not h then return nil, err end
    lines[#lines + 1] = rel .. "\0" .. h
  end
  return fs.sha256_hex(table.concat(lines, "\n"))
end

-- The chart's digest once per session (many releases share a chart).
local function session_chart_digest(session, source)
  return session:once("helm.chart_digest", source, function() return M.chart_digest(source) end)
end

local function values_path(session, r)
  local dir, err = session:tempdir()
  if not dir then return nil, err end
  local seq = session:memo("helm", "values_seq", function() return { n = 0 } end)
  seq.n = seq.n + 1
  local ns = tostring(r.namespace or "")
  local safe = ((ns ~= "" and ns .. "-" or "") .. tostring(r.name)):gsub("[^%w._-]", "_")
  return fmt("%s/%s-values-%d.yaml", dir, safe, seq.n)
end

--- Prepares a release for helm: resolves its chart through the cache (archives unpacked),
--- writes its merged values (release:values() with the CLI's --values and --set) once to a
--- 0600 file under session:tempdir(), and computes its digest. With opts.defer_values_file
--- the file is written only by prep:write_values_file() (before helm runs: a native render
--- reads prep.values_text), unless chartify needs it now.
---@param session hfl.Session
---@param r table  a Release
---@param opts? table  the cluster commands' options (see hfl.helm.argv)
---@return hfl.helm.Prep|nil prep, string|nil err  err names the release
function M.prepare(session, r, opts)
  opts = opts or {}
  local helm, err = session:helm()
  if not helm then return nil, err end
  local resolve = require "hfl.charts.resolve"
  local res
  res, err = resolve.resolve(r, r.state, { session = session,
    prerelease = require("hfl.semver").rule_for_helm(helm.major) })
  if not res then return nil, err end
  local chart
  chart, err = resolve.unpack(res, session)
  if not chart then return nil, fmt('release "%s": %s', r.name, err) end
  local values
  values, err = r:values { values = opts.values, set_args = opts.set }
  if not values then return nil, err end
  local text = yaml.encode(values)
  local version = res.version
  if version == nil or version == "" then
    -- read once a run: the releases of one chart share it
    version = session:once("chart version", chart, function()
      local meta = require("hfl.charts.localchart").chart_yaml(chart)
      return meta and meta.version and tostring(meta.version) or nil
    end)
  end
  local prep = setmetatable({ release = r, session = session, helm = helm, major = helm.major,
    chart = chart, chart_version = version, values = values }, Prep)
  local path
  path, err = values_path(session, r)
  if not path then return nil, err end
  prep.values_file, prep.values_text = path, text
  local chartify = require "hfl.chartify"
  local chartified = chartify.needed(r, chart)
  if not opts.defer_values_file or chartified then
    local ok
    ok, err = prep:write_values_file()
    if not ok then return nil, err end
  end
  local chart_sum
  -- chartify (manifests, kustomizations, dependencies, patches): the temporary chart replaces
  -- the release's for every later helm call, and the digest covers it
  if chartified then
    local dir, cerr, work = chartify.prepare(prep, opts)
    prep.chartify_dir = work
    if not dir then
      prep:cleanup()
      return nil, cerr
    end
    prep.chart = dir
    chart_sum, err = M.chart_digest(dir)
    if chart_sum then chart_sum = chart_sum .. chartify.digest_part(r) end
  else
    chart_sum, err = session_chart_digest(session, res.archive or chart)
  end
  if not chart_sum then
    prep:cleanup()
    return nil, fmt('release "%s": chart %s: %s', r.name, prep.chart, err)
  end
  local flags = argv.render_flags(prep, opts)
  prep.digest = fs.sha256_hex(table.concat({ "hfl-digest-1", chart_sum, r.name,
    tostring(r.namespace or ""), table.concat(flags, "\0"), opts.skip_crds and "skip-crds" or "",
    text }, "\n"))
  return prep
end

--- The command line with the value after every `--set*` flag (and in `--set*=v`) replaced by
--- `mark`, and URL credentials removed: what logs and error reports may show.
---@param list string[]
---@param mark? string  default M.STRIP
---@return string[]
function M.redact_argv(list, mark)
  mark = mark or M.STRIP
  local out, hide = {}, false
  for i, a in ipairs(list) do
    if hide then
      out[i], hide = mark, false
    elseif a:match("^%-%-set[%w-]*=") then
      out[i] = a:match("^(%-%-set[%w-]*=)") .. mark
    elseif a:match("^%-%-set[%w-]*$") then
      out[i], hide = a, true
    else
      out[i] = redact.text(a)
    end
  end
  return out
end

local function indent(text)
  return (("  " .. text):gsub("\n", "\n  "))
end

--- Helmfile's report of a helm command that failed (compat §9.3), secrets masked when a
--- session is given (helm may echo values in its errors).
---@param res table  proc.run's result
---@param session? hfl.Session
---@return string
function M.failure_report(res, session)
  local list = M.redact_argv(res.argv)
  local b = { fmt("command %q exited with non-zero status:\n\nPATH:\n\n%s\n\nARGS:\n\n",
    list[1], indent(list[1])) }
  for i, a in ipairs(list) do b[#b + 1] = indent(fmt("%d: %s (%d bytes)", i - 1, a, #a)) .. "\n" end
  local status = res.code or (res.signal and 128 + res.signal) or -1
  local why = res.timed_out and "timed out" or res.signal and fmt("signal %d", res.signal)
    or fmt("exit status %d", status)
  b[#b + 1] = fmt("\nERROR:\n\n%s\n\nEXIT STATUS\n\n%s\n\n", indent(why), indent(tostring(status)))
  local stderr = res.stderr or ""
  if stderr ~= "" then b[#b + 1] = fmt("STDERR:\n\n%s\n\n", indent(stderr:gsub("\n$", ""))) end
  local combined = (res.stdout or "") .. stderr
  if combined ~= "" then b[#b + 1] = fmt("COMBINED OUTPUT:\n\n%s", indent(combined:gsub("\n$", ""))) end
  local text = table.concat(b):gsub("\n+$", "")
  return session and session:mask(text) or text
end

--- Runs a helm command line under session:limited (the global --concurrency), logging it at
--- debug level with --set values redacted. With opts.live, output lines go to opts.on_line
--- (line, "stdout"|"stderr") or the session's info log as they come, instead of being kept.
---@param session hfl.Session
---@param list string[]  from hfl.helm.argv
---@param opts? {release?: table, live?: boolean, on_line?: fun(line: string, stream: string), cwd?: string}
---@return table|nil res, string|nil err  res: proc.run's result; err: Helmfile's failure
---   report (a non-zero exit), or why helm could not start
function M.run(session, list, opts)
  opts = opts or {}
  if type(list) ~= "table" or not list[1] then error("hfl.helm.run: argv must be a list", 2) end
  session.log.debug("exec: %s", session:mask(table.concat(M.redact_argv(list, "***"), " ")))
  local spec = { cwd = opts.cwd }
  for i, a in ipairs(list) do spec[i] = a end
  if opts.live then
    local sink = opts.on_line or function(line) session.log.info("%s", line) end
    spec.on_stdout = function(line) sink(line, "stdout") end
    spec.on_stderr = function(line) sink(line, "stderr") end
  end
  local res, err = session:limited(proc.run, spec)
  if not res then
    local what = opts.release and fmt('release "%s": ', opts.release.name) or ""
    return nil, what .. tostring(err)
  end
  if res.code ~= 0 or res.timed_out or res.signal then
    return nil, M.failure_report(res, session), res
  end
  return res
end

return M
