--- hfl.unittest.render: renders a chart the way helm-unittest does, with `helm template` (or
--- hfl's native renderer, which prints the same bytes).
---
--- helm-unittest renders only the templates a suite selects (plus partials), keeps each
--- template's output as the engine produced it (document order within a file untouched) and
--- names the release RELEASE-NAME in namespace NAMESPACE. With helm template that becomes:
---   * a copy of the chart per distinct (templates, excludeTemplates, chart version/appVersion)
---     whose templates (its own and its directory subcharts') are only the selected files and
---     the partials (`_*`);
---   * a generated template in that copy that `include`s every selected file of the chart and
---     writes its raw output as a JSON string (helm would otherwise re-order documents by
---     kind); a subchart's templates come from helm's own output (`# Source:`);
---   * a placeholder release name (RELEASE-NAME is not a valid helm release name) replaced in
---     the output.
--- Renders are memoised per distinct input, so tests that share values render once.
local fs = require "hfl.fs"
local helm = require "hfl.helm"
local template = require "hfl.helm.template"
local value = require "hfl.value"
local yaml = require "hfl.yaml"
local regex = require "hfl.regex"
local path = require "hfl.unittest.path"

local M = {}

local fmt = string.format

--- The release name rendered in place of RELEASE-NAME (same length, so `trunc` cuts alike).
M.PLACEHOLDER = "hflrelname00"
M.RELEASE_NAME = "RELEASE-NAME"
M.NAMESPACE = "NAMESPACE"
-- Sorts before every other template name: helm renders templates in reverse name order, so
-- this one renders last and a failing template reports its own file.
M.WRAPPER = "templates/!hfl-unittest.yaml"

--- "templates/x.yaml" for "x.yaml": a suite's template name relative to the chart
--- (helm-unittest's getTemplateFileName).
---@param name string
---@return string
local function template_file(name)
  for _, p in ipairs { "templates", "charts", "crds", "**" } do
    if name:sub(1, #p) == p then return name end
  end
  return "templates/" .. name
end
M.template_file = template_file

-- helm-unittest's wildcard → regex (unanchored, as its regexp.MatchString).
local function pattern_of(chart_name, name)
  local p = chart_name .. "/" .. template_file(name)
  p = p:gsub("[%.%+%[%]%?%(%)|{}%^%$]", "\\%0")
  p = p:gsub("%*%*", "\1"):gsub("%*", "[0-9a-zA-Z_\\-_/\\.]*"):gsub("\1", "[0-9a-zA-Z_\\-/\\.]+")
  return assert(regex.compile(p))
end

local function files_under(dir, prefix, out)
  for _, name in ipairs(fs.list(dir) or {}) do
    local full, rel = dir .. "/" .. name, prefix .. name
    if fs.kind(full) == "dir" then files_under(full, rel .. "/", out) else out[#out + 1] = rel end
  end
  return out
end

-- Whether a file of the chart (a path relative to it) is a template of the chart or of one of
-- its subcharts kept as directories ("templates/…", "charts/sub/templates/…").
local function is_template(f)
  local rest = f
  while rest:sub(1, 7) == "charts/" do
    local after = rest:match("^charts/[^/]+/(.*)$")
    if not after then return false end
    rest = after
  end
  return rest:sub(1, 10) == "templates/"
end
M.is_template = is_template

-- The template files under dir, relative to the top chart (rel is dir's own relative path).
local function templates_under(dir, rel, out)
  for _, f in ipairs(files_under(dir, rel, {})) do
    if is_template(f) then out[#out + 1] = f end
  end
  return out
end

--- The template files (relative to the chart: "templates/…", "charts/sub/templates/…") a
--- suite renders: those matching `templates` (all when empty) minus `excludeTemplates`,
--- partials (`_*`) always; and the test of the same choice for a rendered file's full name
--- ("chart/charts/sub/templates/x.yaml": subcharts kept as archives render whole).
---@param chart_dir string
---@param chart_name string
---@param templates string[]
---@param exclude string[]
---@return string[] selected, string[] partials, fun(full: string): boolean accepts
function M.select(chart_dir, chart_name, templates, exclude)
  local all = templates_under(chart_dir, "", {})
  local want = {}
  for _, t in ipairs(#templates > 0 and templates or { "**" }) do want[#want + 1] = pattern_of(chart_name, t) end
  local skip = {}
  for _, t in ipairs(exclude) do skip[#skip + 1] = pattern_of(chart_name, t) end
  local function accepts(full)
    local hit = false
    for _, re in ipairs(want) do if re:exec(full) then hit = true break end end
    for _, re in ipairs(skip) do if hit and re:exec(full) then hit = false end end
    return hit
  end
  local selected, partials = {}, {}
  for _, f in ipairs(all) do
    if fs.basename(f):sub(1, 1) == "_" then
      partials[#partials + 1] = f
    elseif accepts(chart_name .. "/" .. f) then
      selected[#selected + 1] = f
    end
  end
  return selected, partials, accepts
end

local function copy_file(from, to)
  local data, err = fs.read(from)
  if not data then return nil, err end
  local ok, derr = fs.mkdir_p(fs.dirname(to))
  if not ok then return nil, derr end
  return fs.write_atomic(to, data, { durable = false })
end

-- The generated template: the raw output of each selected template of the chart itself (a
-- subchart's templates need their own .Values, so helm renders those as usual).
local function wrapper_text(chart_name, selected)
  local names = {}
  for _, f in ipairs(selected) do
    if f:sub(1, 10) == "templates/" then names[#names + 1] = fmt("%q", chart_name .. "/" .. f) end
  end
  return "hflUnittest: true\n{{- range $name := list " .. table.concat(names, " ") .. " }}\n---\n"
    .. "hflUnittestFile: {{ $name | toJson }}\nhflUnittestOutput: {{ include $name $ | toJson }}\n{{- end }}\n"
end

-- A copy of the chart with only the selected templates, the partials and the wrapper, and
-- Chart.yaml's version/appVersion overridden when the test says so.
local function chart_copy(session, job)
  local key = table.concat({ job.chart_dir, table.concat(job.selected, "\0"), job.version or "",
    job.app_version or "" }, "\n")
  return session:once("unittest.chart", key, function()
    local tmp, err = session:tempdir()
    if not tmp then return nil, err end
    local seq = session:memo("unittest", "chart_seq", function() return { n = 0 } end)
    seq.n = seq.n + 1
    local dst = fmt("%s/unittest-chart-%d/%s", tmp, seq.n, job.chart_name)
    local keep = {}
    for _, f in ipairs(job.selected) do keep[f] = true end
    for _, f in ipairs(job.partials) do keep[f] = true end
    for _, f in ipairs(files_under(job.chart_dir, "", {})) do
      if keep[f] or not is_template(f) then
        local ok, cerr = copy_file(job.chart_dir .. "/" .. f, dst .. "/" .. f)
        if not ok then return nil, cerr end
      end
    end
    if job.version or job.app_version then
      local meta, merr = yaml.load_file(dst .. "/Chart.yaml")
      if not meta then return nil, merr end
      if job.version then meta.version = job.version end
      if job.app_version then meta.appVersion = job.app_version end
      local ok, werr = fs.write_atomic(dst .. "/Chart.yaml", yaml.encode(meta), { durable = false })
      if not ok then return nil, werr end
    end
    -- a chart may have no templates/ of its own (an umbrella of subcharts)
    local ok, werr = fs.mkdir_p(dst .. "/templates")
    if ok then
      ok, werr = fs.write_atomic(dst .. "/" .. M.WRAPPER, wrapper_text(job.chart_name, job.selected),
        { durable = false })
    end
    if not ok then return nil, werr end
    return dst
  end)
end

--- The user values of a test: its values files (suite's, the release's, its own) merged in
--- order, then the `set` entries, as one YAML text.
---@param job table
---@return string|nil text, string|nil err
function M.values_text(job)
  local layers = {}
  for _, f in ipairs(job.values) do
    local v, err = yaml.load_file(f)
    if v == nil then return nil, err end
    if err then return nil, err end
    if not value.is_null(v) then
      if value.kind(v) ~= "map" then return nil, fmt("%s: values must be a map", f) end
      layers[#layers + 1] = v
    end
  end
  for _, e in ipairs(job.set) do layers[#layers + 1] = path.build_set(e.cursors, e.value) end
  if #layers == 0 then return "{}\n" end
  -- helm-unittest merges as chartutil.MergeTables: maps key by key, lists and nulls replace
  return yaml.encode(yaml.merge_all(layers, { nulls = "set", lists = "replace" }))
end

local function restore_name(s)
  return (s:gsub(M.PLACEHOLDER, M.RELEASE_NAME):gsub(M.PLACEHOLDER:upper(), M.RELEASE_NAME))
end

-- A file's output as helm's engine leaves it: the placeholder name restored and "<no value>"
-- (a missing value printed) removed — helm removes it from each file, but the generated
-- template's toJson escaped the file's copy beyond its reach.
local function file_output(s)
  return (restore_name(s):gsub("<no value>", ""))
end

-- helm's default Kubernetes version ("1", "32"), asked once per helm binary by rendering a
-- one-template chart: a suite may set only one of majorVersion / minorVersion.
local function default_kube_version(session, binary)
  return session:once("unittest.kube_version", binary, function()
    local tmp, err = session:tempdir()
    if not tmp then return nil, err end
    local dir = tmp .. "/unittest-kube-version"
    local ok, werr = fs.mkdir_p(dir .. "/templates")
    if not ok then return nil, werr end
    fs.write_atomic(dir .. "/Chart.yaml", "apiVersion: v2\nname: kube-version\nversion: 0.0.0\n", { durable = false })
    fs.write_atomic(dir .. "/templates/v.yaml",
      "major: {{ .Capabilities.KubeVersion.Major | quote }}\nminor: {{ .Capabilities.KubeVersion.Minor | quote }}\n",
      { durable = false })
    local res, rerr = helm.run(session, { binary, "template", "kube-version", dir })
    if not res then return nil, rerr end
    local doc = yaml.decode(res.stdout or "")
    if value.kind(doc) ~= "map" then return nil, "cannot tell helm's default Kubernetes version" end
    return { major = tostring(doc.major), minor = tostring(doc.minor) }
  end)
end

--- Splits a helm render error into the template it names and helm-unittest's message
--- (what follows "): " for fail/required, the last ">: " part for other execution errors).
---@param stderr string
---@return string message, string|nil file, string|nil short
function M.parse_error(stderr)
  local msg = stderr:gsub("\n*Use %-%-debug flag to render out invalid YAML%s*$", "")
  msg = msg:match("Error: (.*)$") or msg
  msg = msg:gsub("%s+$", "")
  local file, short = msg:match("execution error at %(([^:()]+):%d+:%d+%): (.*)$")
  if not file then
    file, short = msg:match("template: ([^:]+):%d+:%d+: executing .->: (.*)$")
  end
  return msg, file, short
end

-- hfl's own renderer where it reproduces helm byte for byte (the default, as for `template`;
-- HFL_RENDERER=helm turns it off). What it leaves — every failing render among them, so
-- failedTemplate reads helm's own message — goes to helm.
local function render_native(session, h, argv)
  if template.renderer(nil) ~= "native" then return nil end
  local res = template.render_native(session, { name = "unittest " .. argv[3] }, { helm = h }, argv)
  return res and res.stdout
end

local function run_helm(session, job, copy, values_file)
  local h, err = session:helm()
  if not h then return nil, err end
  local name = job.release_name or M.PLACEHOLDER
  local argv = { h.binary, "template", name, copy, "--namespace", job.namespace or M.NAMESPACE,
    "--values", values_file }
  local caps = job.capabilities
  if caps.major or caps.minor then
    local major, minor = caps.major, caps.minor
    if not (major and minor) then
      local default, derr = default_kube_version(session, h.binary)
      if not default then return nil, derr end
      major, minor = major or default.major, minor or default.minor
    end
    argv[#argv + 1] = "--kube-version"
    argv[#argv + 1] = fmt("v%s.%s.0", major, minor)
  end
  for _, a in ipairs(caps.api_versions) do
    argv[#argv + 1] = "--api-versions"
    argv[#argv + 1] = a
  end
  if job.upgrade then argv[#argv + 1] = "--is-upgrade" end
  if job.verbose then session.log.info("unittest: %s", table.concat(argv, " ")) end
  local native = render_native(session, h, argv)
  if native then return { stdout = native } end
  local res, report, failed = helm.run(session, argv)
  if res then return { stdout = res.stdout or "" } end
  if failed and failed.code and failed.code ~= 0 then return { failed = failed.stderr or report } end
  return nil, report
end

-- helm template's output as {source, text} per document, in order.
local function documents_by_source(out)
  local docs, text = {}, "\n" .. out
  local head = #"\n---\n# Source: "
  local pos = text:find("\n%-%-%-\n# Source: ")
  while pos do
    local src_end = text:find("\n", pos + head, true) or #text + 1
    local source = text:sub(pos + head, src_end - 1)
    local nxt = text:find("\n%-%-%-\n# Source: ", src_end)
    docs[#docs + 1] = { source = source, text = text:sub(src_end + 1, nxt and nxt or #text) }
    pos = nxt
  end
  return docs
end

-- The raw output of each rendered template: the chart's own from the generated template, a
-- subchart's from helm's documents of that source (joined as one file's documents).
local function outputs_of(stdout, job)
  local files, wrapper = {}, job.chart_name .. "/" .. M.WRAPPER
  local sub_prefix = job.chart_name .. "/charts/"
  for _, d in ipairs(documents_by_source(stdout)) do
    if d.source == wrapper then
      local doc, err = yaml.decode(d.text, { filename = "helm template output" })
      if doc == nil then return nil, err end
      if value.kind(doc) == "map" and doc.hflUnittestFile then
        files[doc.hflUnittestFile] = file_output(tostring(doc.hflUnittestOutput or ""))
      end
    elseif d.source:sub(1, #sub_prefix) == sub_prefix and job.accepts(d.source) then
      local prev = files[d.source]
      local text = restore_name(d.text)
      files[d.source] = prev and (prev .. "---\n" .. text) or text
    end
  end
  return files
end

--- The key of a render: everything that changes helm's output.
function M.key(job, values_text)
  return table.concat({ job.chart_dir, table.concat(job.selected, "\0"), job.version or "",
    job.app_version or "", job.release_name or "", job.namespace or "", tostring(job.upgrade),
    job.capabilities.major or "", job.capabilities.minor or "",
    table.concat(job.capabilities.api_versions, ","), values_text }, "\n")
end

--- Renders a job (once per distinct key in the session).
---@param session hfl.Session
---@param job table  chart_dir, chart_name, selected, partials, values, set, release_name,
---   namespace, upgrade, capabilities, version, app_version
---@return table|nil out  {files = {["chart/templates/x.yaml"] = text}} or
---   {error = message, error_file = file|nil, error_message = short|nil}, string|nil err
function M.render(session, job)
  local vtext, verr = M.values_text(job)
  if not vtext then return nil, verr end
  return session:once("unittest.render", M.key(job, vtext), function()
    local copy, err = chart_copy(session, job)
    if not copy then return nil, err end
    local tmp = assert(session:tempdir())
    local vfile = fmt("%s/unittest-values-%s.yaml", tmp, fs.sha256_hex(vtext):sub(1, 16))
    local ok, werr = fs.write_atomic(vfile, vtext, { mode = tonumber("600", 8), durable = false })
    if not ok then return nil, werr end
    local res
    res, err = run_helm(session, job, copy, vfile)
    if not res then return nil, err end
    if res.failed then
      local msg, file, short = M.parse_error(restore_name(res.failed))
      return { error = msg, error_file = file, error_message = short }
    end
    local files
    files, err = outputs_of(res.stdout, job)
    if not files then return nil, err end
    return { files = files }
  end)
end

return M
