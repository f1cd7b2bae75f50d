--- hfl.unittest: `hfl unittest` — helm-unittest's test suites, evaluated natively.
---
--- For every selected release that declares `unitTests:` (in plan order, as Helmfile runs
--- `helm unittest` release by release), the release's chart and merged values are prepared as
--- for `template`, its suite files read (hfl.unittest.suite), each test rendered with
--- `helm template` (hfl.unittest.render, one render per distinct input, concurrently) and its
--- assertions evaluated (hfl.unittest.assertions). No helm plugin is involved.
local fs = require "hfl.fs"
local helm = require "hfl.helm"
local hooks = require "hfl.deploy.hooks"
local value = require "hfl.value"
local yaml = require "hfl.yaml"
local clock = require "hfl.time"
local suitemod = require "hfl.unittest.suite"
local render = require "hfl.unittest.render"
local evaluate = require "hfl.unittest.evaluate"
local snapshot = require "hfl.unittest.snapshot"

local M = {}

local fmt = string.format

local function seconds()
  local sec, nsec = clock.now()
  return sec + nsec / 1e9
end

--- Releases at once while rendering when the session sets no limit.
M.UNBOUNDED = 8

local function unit_tests(r)
  local l = r.spec and r.spec.unitTests
  if value.is_null(l) then return {} end
  return l
end

-- The suite-file globs of a release (compat: a path without glob characters that is not a
-- YAML file is a directory: `<p>/*_test.yaml`), relative to the chart.
local function patterns(r)
  local out = {}
  for _, p in ipairs(unit_tests(r)) do
    p = tostring(p)
    local clean = fs.clean(p)
    if fs.is_abs(clean) or clean == ".." or clean:sub(1, 3) == "../" then
      return nil, fmt('release "%s": unitTests path "%s" must be a relative path within the chart directory',
        r.name, p)
    end
    if p:find("**", 1, true) then
      return nil, fmt('release "%s": unitTests path "%s": "**" is not supported (list the directories)', r.name, p)
    end
    if not p:find("[%*%?%[]") then
      local lower = p:lower()
      if not (lower:match("%.yaml$") or lower:match("%.yml$")) then p = p:gsub("/+$", "") .. "/*_test.yaml" end
    end
    out[#out + 1] = p
  end
  return out
end

local function under(p, dir)
  dir = fs.abs(dir):gsub("/+$", "")
  return p:sub(1, #dir + 1) == dir .. "/"
end

local function shown_path(p)
  local cwd = fs.cwd()
  if cwd and p:sub(1, #cwd + 1) == cwd .. "/" then return p:sub(#cwd + 2) end
  return p
end

-- Prepares one release: chart, values, suites. Returns the release's work or nil, err.
local function load_release(session, r, opts)
  local pats, err = patterns(r)
  if not pats then return nil, err end
  local prep
  prep, err = helm.prepare(session, r, { values = opts.values, set = opts.set })
  if not prep then return nil, err end
  local chart_dir = fs.abs(prep.chart)
  local meta
  meta, err = yaml.load_file(chart_dir .. "/Chart.yaml")
  if not meta then return nil, fmt('release "%s": %s', r.name, err) end
  local work = { release = r, prep = prep, chart_dir = chart_dir, chart_name = tostring(meta.name or ""),
    suites = {}, unmatched = {}, verbose = opts.debug_plugin,
    -- a chart in hfl's cache is never changed: its suites' new snapshots are not recorded
    snapshots_writable = not under(chart_dir, session.cache_root or require("hfl.charts.cache").root()) }
  local seen = {}
  for _, p in ipairs(pats) do
    local files = fs.glob(chart_dir .. "/" .. p)
    if #files == 0 then work.unmatched[#work.unmatched + 1] = p end
    for _, f in ipairs(files) do
      if not seen[f] and fs.kind(f) == "file" then
        seen[f] = true
        local suites, serr = suitemod.load(f, shown_path(f), { prep.values_file })
        if not suites then return nil, fmt('release "%s": %s', r.name, serr) end
        for _, s in ipairs(suites) do work.suites[#work.suites + 1] = s end
      end
    end
  end
  return work
end

-- The render job of a test (everything hfl.unittest.render needs).
local function job_of(work, s, t)
  local selected, partials, accepts = render.select(work.chart_dir, work.chart_name, s.templates, s.exclude)
  return { chart_dir = work.chart_dir, chart_name = work.chart_name, selected = selected, partials = partials,
    accepts = accepts,
    values = t.values, set = t.set, release_name = t.release.name, namespace = t.release.namespace,
    upgrade = t.release.upgrade, capabilities = t.capabilities, version = t.chart.version,
    app_version = t.chart.app_version, verbose = work.verbose }
end

local function count(c, ok, skipped, errored)
  if skipped then c.skipped = c.skipped + 1
  elseif ok then c.passed = c.passed + 1
  else
    c.failed = c.failed + 1
    if errored then c.errored = c.errored + 1 end
  end
end

local function counts()
  return { charts = { passed = 0, failed = 0, skipped = 0, errored = 0 },
    suites = { passed = 0, failed = 0, skipped = 0, errored = 0 },
    tests = { passed = 0, failed = 0, skipped = 0, errored = 0 },
    snapshots = { passed = 0, failed = 0, skipped = 0, errored = 0, suites_failed = 0 } }
end

-- The snapshot file of a suite that has matchSnapshot assertions (nil without); root: the chart.
local function snapshots_of(s, root)
  for _, t in ipairs(s.tests) do
    for _, a in ipairs(t.asserts) do
      if a.type == "matchSnapshot" or a.type == "matchSnapshotRaw" then
        local file = snapshot.file_of(s.file)
        return snapshot.open(s.file, fs.dirname(s.shown) .. "/__snapshot__/" .. fs.basename(file), root)
      end
    end
  end
  return nil
end

-- Renders every distinct job of a release at once (bounded by --concurrency).
local function prefetch(session, jobs)
  local list = {}
  for _, j in ipairs(jobs) do list[#list + 1] = j end
  session:map(list, function(j) return render.render(session, j) end, session:bounded(M.UNBOUNDED))
end

-- Runs the suites of one prepared release; returns its result.
local function run_release(session, work, opts)
  local started = seconds()
  local res = { release = work.release, chart = work.chart_name, chart_path = shown_path(work.chart_dir),
    suites = {}, unmatched = work.unmatched, counts = counts(), passed = true }
  local jobs = {}
  for _, s in ipairs(work.suites) do
    for _, t in ipairs(s.tests) do
      if not t.skip then
        t.job = job_of(work, s, t)
        jobs[#jobs + 1] = t.job
      end
    end
  end
  if not opts.fail_fast then prefetch(session, jobs) end
  local stop = false
  for _, s in ipairs(work.suites) do
    if stop then break end
    local sr = { name = s.name, file = s.shown, tests = {}, passed = true, skipped = s.all_skipped }
    local snaps, serr = snapshots_of(s, work.chart_dir)
    if serr then return nil, fmt('release "%s": %s', work.release.name, serr) end
    for _, t in ipairs(s.tests) do
      local tr
      if t.skip then
        tr = { name = t.name, skipped = true, passed = false, asserts = {} }
      else
        local out, err = render.render(session, t.job)
        if out then
          tr = evaluate.test(t, out, { chart_name = work.chart_name, suite = s, fail_fast = opts.fail_fast,
            snapshot = snaps and snaps:comparer(t.name) })
        else
          -- the test's own input is wrong (a values file missing or not YAML): helm-unittest
          -- fails that test with the error and goes on
          tr = { name = t.name, line = t.line, passed = false, error = err, asserts = {} }
        end
      end
      sr.tests[#sr.tests + 1] = tr
      count(res.counts.tests, tr.passed, tr.skipped, tr.error ~= nil)
      if not tr.passed and not tr.skipped then sr.passed = false end
      if not sr.passed and opts.fail_fast then stop = true break end
    end
    if snaps then
      local written, werr = snaps:store(work.snapshots_writable, work.chart_dir)
      if written == nil then return nil, fmt('release "%s": %s', work.release.name, werr) end
      sr.snapshots = snaps:counts()
      local c = res.counts.snapshots
      c.passed, c.failed = c.passed + sr.snapshots.total - sr.snapshots.failed, c.failed + sr.snapshots.failed
      if sr.snapshots.failed > 0 then c.suites_failed = c.suites_failed + 1 end
    end
    res.suites[#res.suites + 1] = sr
    count(res.counts.suites, sr.passed, sr.skipped, false)
    res.passed = res.passed and sr.passed
  end
  count(res.counts.charts, res.passed, false, false)
  res.stopped = stop
  res.duration = seconds() - started
  return res
end

-- The selected releases to test, in plan order: desired ones that declare unitTests.
local function planned(st, opts)
  local found, herr = st.session:helm()
  if not found then return nil, herr end
  local batches, err = st:dag { skip_needs = opts.skip_needs, include_needs = opts.include_needs,
    include_transitive_needs = opts.include_transitive_needs }
  if not batches then return nil, err end
  local out = {}
  for _, b in ipairs(batches) do
    for _, r in ipairs(b) do
      if r:desired() and #unit_tests(r) > 0 then out[#out + 1] = r end
    end
  end
  return out
end

--- Runs the unit tests of the selected releases (see State:unittest).
---@param st table  a State
---@param opts? {set?: string[], values?: string[], fail_fast?: boolean, skip_needs?: boolean,
---   include_needs?: boolean, include_transitive_needs?: boolean, debug_plugin?: boolean,
---   on_release?: fun(result: table)}  debug_plugin: log every helm command at info level
---@return table|nil result, string|nil err
function M.run(st, opts)
  opts = opts or {}
  local rels, err = planned(st, opts)
  if not rels then return nil, err end
  local session = st.session
  local result = { releases = {}, passed = true, counts = counts() }
  local ok, herr = hooks.around_states(session, rels, "unittest", function()
    local works = {}
    for i, r in ipairs(rels) do
      local w, werr = load_release(session, r, opts)
      if not w then return nil, werr end
      works[i] = w
    end
    for _, w in ipairs(works) do
      session.log.info("Unit testing release=%s, chart=%s", w.release.name, w.release.chart)
      local rr, rerr = run_release(session, w, opts)
      w.prep:cleanup()
      local cok, cerr = hooks.run(session, { event = "cleanup", state = w.release.state, release = w.release,
        command = "unittest" })
      if not cok then session.log.warn("%s", cerr) end
      if not rr then return nil, rerr end
      result.releases[#result.releases + 1] = rr
      for _, k in ipairs { "charts", "suites", "tests", "snapshots" } do
        for f, n in pairs(rr.counts[k]) do result.counts[k][f] = result.counts[k][f] + n end
      end
      result.passed = result.passed and rr.passed
      if opts.on_release then opts.on_release(rr) end
      if not rr.passed and opts.fail_fast then break end
    end
    return true
  end)
  if not ok then return nil, herr end
  return result
end

return M
