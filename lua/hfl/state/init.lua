--- hfl.state: a loaded state as a Lua object — its releases, selection, needs plan and build.
--
--   local st = assert(require("hfl.state").load{ file = "helmfile.yaml", environment = "prod",
--                                               selectors = { "tier=web" } })
--   for _, r in ipairs(st:select()) do print(r:id(), r.chart) end
--   local batches = st:dag()      -- { {rel, rel}, {rel} }
--   print(st:build())
local value = require "hfl.value"
local selector = require "hfl.state.selector"
local releases = require "hfl.state.releases"
local dagmod = require "hfl.state.dag"
local hooks = require "hfl.deploy.hooks"

local M = {}

local State = {}
State.__index = State
M.State = State

-- An error of a sub-helmfile, prefixed with the files that led to it.
local function chained(s, err)
  if s.chain and #s.chain > 1 then
    local names = {}
    for i, p in ipairs(s.chain) do names[i] = p:match("([^/]*)$") end
    err = table.concat(names, " → ", 1, #names - 1) .. " → " .. err
  end
  return err
end

-- A `needs` entry naming no release of its own file must name one of another file (an hfl
-- extension: hfl.deploy.graph plans across files); else Helmfile's "undefined release" error.
local function check_foreign_needs(states)
  local defined = {}
  for _, s in ipairs(states) do
    for _, r in ipairs(s.releases_built) do defined[r:id()] = true end
  end
  for _, s in ipairs(states) do
    for _, r in ipairs(s.releases_built) do
      for _, id in ipairs(r.foreign_needs and r.needs or {}) do
        local name = r.foreign_needs[id]
        if name and not defined[id] then
          return nil, chained(s, releases.undefined_need_error(r, id, name))
        end
      end
    end
  end
  return true
end

--- The needs of a release within its own state file (a state file is planned alone).
---@param r table  a Release
---@return string[]
function M.local_needs(r)
  if not r.foreign_needs then return r.needs end
  local l = {}
  for _, id in ipairs(r.needs) do
    if not r.foreign_needs[id] then l[#l + 1] = id end
  end
  return l
end

--- Wraps loaded states (hfl.state.load output) and builds their releases.
---@param states table[]  States in processing order
---@param opts? {selectors?: string[], environment?: string}
---@return table|nil st, string|nil err
function M.new(states, opts)
  opts = opts or {}
  local session = opts.session or require("hfl.session").new()
  local filters, err = selector.parse(opts.selectors or {})
  if not filters then return nil, err end
  local st = setmetatable({ states = states, selectors = opts.selectors or {}, filters = filters,
    environment = opts.environment or "default", session = session }, State)
  for _, s in ipairs(states) do
    local rels, rerr = releases.build(s, session.log)
    if not rels then return nil, chained(s, rerr) end
    s.releases_built = rels
  end
  local ok, nerr = check_foreign_needs(states)
  if not ok then return nil, nerr end
  return st
end

-- hfl.load's options and the types they take ("list" = a string or a list of strings).
local LOAD_OPTIONS = {
  file = "string", environment = "string", selectors = "list", state_values = "table",
  state_values_set = "list", state_values_set_string = "list", state_values_files = "list",
  namespace = "string", kube_context = "string", chart = "string", cwd = "string",
  reverse = "boolean", secrets_decrypt = "any", hints = "boolean", session = "table",
  helm_binary = "string", concurrency = "number", skip_refresh = "boolean", skip_deps = "boolean",
  log = "table",
}
-- Options that configure the run rather than the state: they make the Session when none is given.
local SESSION_OPTIONS = { "helm_binary", "concurrency", "skip_refresh", "skip_deps", "log", "kube_context" }

local function as_list(v)
  if type(v) == "string" then return { v } end
  return v
end

-- Misuse (an unknown key, a wrong type) raises: a typo must not silently load `default`.
local function check_options(opts)
  for k, v in pairs(opts) do
    local want = LOAD_OPTIONS[k]
    if not want then
      error(("hfl.load: unknown option %q%s"):format(tostring(k),
        require("hfl.suggest").hint(tostring(k), value.sorted_keys(LOAD_OPTIONS))), 3)
    end
    local ok = want == "any" or type(v) == want
      or (want == "list" and (type(v) == "string" or type(v) == "table"))
    if not ok then
      error(("hfl.load: option %q must be a %s, got %s"):format(k, want, type(v)), 3)
    end
  end
end

local function session_for(opts)
  if opts.session then
    if not require("hfl.session").is(opts.session) then
      error("hfl.load: option \"session\" must be made by hfl.session.new", 3)
    end
    return opts.session
  end
  local so = {}
  for _, k in ipairs(SESSION_OPTIONS) do so[k] = opts[k] end
  return require("hfl.session").new(so)
end

--- Loads the state files (through hfl.state.load) and builds their releases.
--- `hfl.load("path/helmfile.yaml")` is short for `hfl.load{ file = "path/helmfile.yaml" }`.
--- An unknown option key or a value of the wrong type raises; a state that cannot be loaded
--- (a missing file, bad YAML, an undefined environment, a bad selector) is nil, err.
---@param opts string|{file?: string, environment?: string, selectors?: string|string[],
---   state_values?: table|string[], state_values_set?: string[], state_values_set_string?: string[],
---   state_values_files?: string[], namespace?: string, kube_context?: string, chart?: string,
---   cwd?: string, reverse?: boolean, hints?: boolean, session?: hfl.Session,
---   helm_binary?: string, concurrency?: integer, skip_refresh?: boolean, skip_deps?: boolean,
---   log?: hfl.Logger}
---@return table|nil st, string|nil err, table|nil why  why.undefined_environment when no
---   top-level state defines the environment (Helmfile skips such states: the CLI says so, exit 3)
function M.load(opts)
  if opts == nil then opts = {} end
  if type(opts) == "string" then opts = { file = opts } end
  if type(opts) ~= "table" then error("hfl.load: want a file name or an options table", 2) end
  check_options(opts)
  local session = session_for(opts)
  local loader = require "hfl.state.load"
  local selectors = as_list(opts.selectors) or {}
  local filters, err = selector.parse(selectors)
  if not filters then return nil, err end
  local lo = {
    file = opts.file, environment = opts.environment or "default", cwd = opts.cwd,
    state_values_set_string = as_list(opts.state_values_set_string),
    state_values_files = as_list(opts.state_values_files),
    namespace = opts.namespace, kube_context = opts.kube_context, chart = opts.chart,
    selectors = filters, reverse = opts.reverse, secrets_decrypt = opts.secrets_decrypt,
    hints = opts.hints ~= false, -- a template error gets a second line of advice (hfl.tmpl.hint)
    session = session,
  }
  if value.kind(opts.state_values) == "map" then
    lo.state_values = opts.state_values
  else
    lo.state_values_set = as_list(opts.state_values or opts.state_values_set)
  end
  local states, skipped
  states, err, skipped = loader.load(lo)
  if not states then return nil, err end
  local top_skipped = {}
  for _, sk in ipairs(skipped or {}) do
    if #sk.chain == 1 then top_skipped[#top_skipped + 1] = sk end
  end
  -- Helmfile skips a state that lacks the selected environment silently; a top-level state
  -- skipped so means the environment is undefined — an error of the API (the CLI keeps
  -- Helmfile's skip-and-exit behaviour through st.skipped).
  if #states == 0 and #top_skipped > 0 then
    return nil, top_skipped[1].error, { undefined_environment = lo.environment, skipped = top_skipped }
  end
  for _, sk in ipairs(top_skipped) do
    session.log.warn("%s (skipping this state file)", sk.error)
  end
  local st
  st, err = M.new(states, { selectors = selectors, environment = lo.environment, session = session })
  if not st then return nil, err end
  st.skipped = top_skipped
  return st
end

--- Every release of every state, in processing order. Releases whose condition is off are left
--- out unless opts.all.
---@param opts? {all?: boolean}
---@return table[]
function State:releases(opts)
  local out = {}
  for _, s in ipairs(self.states) do
    for _, r in ipairs(s.releases_built) do
      if r.enabled or (opts and opts.all) then out[#out + 1] = r end
    end
  end
  return out
end

local function state_filters(self, s, given)
  if given then return given end
  if s.selectors ~= nil then
    local sel = s.selectors
    if type(sel[1]) == "string" then
      local f = selector.parse(sel)
      return f or self.filters
    end
    return sel
  end
  return self.filters
end

local function transitive(all, selected)
  local by_name = {}
  for _, r in ipairs(all) do
    by_name[r.name] = by_name[r.name] or {}
    table.insert(by_name[r.name], r)
  end
  local want = {}
  local function collect(r)
    for _, id in ipairs(r.needs or {}) do
      if not want[id] then
        want[id] = true
        for _, d in ipairs(by_name[id:match("([^/]*)$")] or {}) do collect(d) end
      end
    end
  end
  for _, r in ipairs(selected) do collect(r) end
  return want
end

-- The selected releases of one state: selector match and condition on (+ transitive needs).
local function select_state(self, s, filters, opts)
  local all = s.releases_built
  local out = {}
  for _, r in ipairs(all) do
    if r.enabled and selector.match(filters, r.labels) then out[#out + 1] = r end
  end
  if opts and opts.include_transitive_needs then
    local want = transitive(all, out)
    local keep = {}
    for _, r in ipairs(out) do keep[r] = true end
    out = {}
    for _, r in ipairs(all) do
      if keep[r] or want[r:id()] then out[#out + 1] = r end
    end
  end
  return out
end

local function check_duplicates(list)
  local count, order = {}, {}
  for _, r in ipairs(list) do
    local k = r:id()
    if not count[k] then order[#order + 1] = r end
    count[k] = (count[k] or 0) + 1
  end
  for _, r in ipairs(order) do
    local c = count[r:id()]
    if c > 1 then
      local msg = ""
      if r.namespace ~= "" then msg = msg .. (' in namespace "%s"'):format(r.namespace) end
      if r.kubeContext ~= "" then msg = msg .. (' in kubecontext "%s"'):format(r.kubeContext) end
      return nil, ('duplicate release "%s" found%s: there were %d releases named "%s" matching specified selector')
        :format(r.name, msg, c, r.name)
    end
  end
  return true
end

--- The releases selected by selectors (strings like "tier=web,name!=x"; several = OR; none = the
--- selectors given at load time, or each sub-helmfile's own), whose condition is on. Two
--- selected releases with one ID are an error.
---@param ... string
---@return table[]|nil releases, string|nil err
function State:select(...)
  local given = select("#", ...) > 0 and { ... } or nil
  if given and type(given[1]) == "table" then given = given[1] end
  local filters
  if given then
    local err
    filters, err = selector.parse(given)
    if not filters then return nil, err end
  end
  local out = {}
  for _, s in ipairs(self.states) do
    local sel = select_state(self, s, state_filters(self, s, filters))
    local ok, err = check_duplicates(sel)
    if not ok then return nil, err end
    for _, r in ipairs(sel) do out[#out + 1] = r end
  end
  return out
end

--- The releases of one state that Helmfile's list/build/show-dag work on: with selectors, the
--- selected ones whose condition is on; without, all of them. Duplicate IDs are an error.
---@param s table  a State
---@return table[]|nil releases, string|nil err
function State:filtered(s)
  local filters = state_filters(self, s)
  local rels = s.releases_built
  if #filters > 0 then rels = select_state(self, s, filters) end
  local ok, err = check_duplicates(rels)
  if not ok then return nil, err end
  return rels
end

--- The releases of one state that a plan starts from: those its selectors (the given ones, else
--- the state's own or the load-time ones) pick whose condition is on. Two with one ID are an error.
---@param s table  a State
---@param selectors? string[]
---@return table[]|nil releases, string|nil err
function State:selected_in(s, selectors)
  local given
  if selectors then
    local err
    given, err = selector.parse(as_list(selectors))
    if not given then return nil, err end
  end
  local sel = select_state(self, s, state_filters(self, s, given))
  local ok, err = check_duplicates(sel)
  if not ok then return nil, err end
  return sel
end

--- An error about a state, prefixed with its file ("in helmfile.yaml: …", as Helmfile does).
function M.in_state(s, err)
  return ("in %s: %s"):format(s.name or s.path or "?", err)
end

--- The plan of one state (see State:dag).
function State:plan_state(s, opts)
  opts = opts or {}
  local include = opts.include_needs or opts.include_transitive_needs
  local skip = opts.skip_needs
  if skip == nil then skip = true end
  if include then skip = false end
  local given
  if opts.selectors then
    local perr
    given, perr = selector.parse(as_list(opts.selectors))
    if not given then return nil, perr end
  end
  local filters = state_filters(self, s, given)
  local selected = select_state(self, s, filters, opts)
  local ok, err = check_duplicates(selected)
  if not ok then return nil, err end
  local only = {}
  for _, r in ipairs(selected) do only[r:id()] = true end
  local nodes, seen = {}, {}
  for _, r in ipairs(s.releases_built) do
    local id = r:id()
    if not seen[id] then
      local pick = r
      if only[id] then
        for _, c in ipairs(selected) do if c:id() == id then pick = c break end end
      end
      seen[id] = true
      nodes[#nodes + 1] = pick
    end
  end
  for _, r in ipairs(nodes) do r.id_ = r:id() end
  local view = {}
  for i, r in ipairs(nodes) do view[i] = { id = r.id_, needs = M.local_needs(r), rel = r } end
  local batches
  batches, err = dagmod.plan(view, { only = only, include_needs = include, skip_needs = skip,
    reverse = opts.reverse })
  if not batches then return nil, M.in_state(s, err) end
  for i, b in ipairs(batches) do
    local l = { state = s }
    for j, n in ipairs(b) do l[j] = n.rel end
    batches[i] = l
  end
  return batches
end

--- The deployment plan: batches of releases (each batch's needs are in earlier batches), state
--- by state in processing order (needs never cross state files).
---@param opts? {selectors?: string[], skip_needs?: boolean, include_needs?: boolean,
---   include_transitive_needs?: boolean, reverse?: boolean}
---@return table[]|nil batches  each a list of releases with .state, string|nil err
function State:dag(opts)
  local out = {}
  for _, s in ipairs(self.states) do
    local b, err = self:plan_state(s, opts)
    if not b then return nil, err end
    for _, batch in ipairs(b) do out[#out + 1] = batch end
  end
  return out
end

--- The state as `helmfile build` prints it (see hfl.state.build), with the global and release
--- `prepare` hooks and the global `cleanup` hooks unless opts.hooks is false.
---@param opts? {embed_values?: boolean, charts?: table<table, string>, hooks?: boolean}
---@return string|nil text, string|nil err, boolean matched  whether any state had a selected release
function State:build(opts)
  return require("hfl.state.build").build(self, opts)
end

--- The "no releases found" message of Helmfile (the CLI exits 3 with it).
---@param selectors string[]
---@param environment string
---@return string
function M.no_match_message(selectors, environment)
  return ("err: no releases found that matches specified selector(%s) and environment(%s), in any helmfile")
    :format(table.concat(selectors, ", "), environment)
end

--- The "no releases found" message for this state's selectors and environment.
---@return string
function State:no_match_message()
  return M.no_match_message(self.selectors, self.environment)
end

--- The releases as `hfl list` shows them (see hfl.state.list), each state's global `prepare`
--- and `cleanup` hooks around its rows unless opts.hooks is false.
---@param opts? {hooks?: boolean}
---@return table[]|nil rows, string|nil err
function State:list(opts)
  return require("hfl.state.list").rows(self, opts)
end

--- Writes each selected release's merged values to a file (see hfl.state.writevalues), with
--- the global `prepare`/`cleanup` and release `cleanup` hooks unless opts.hooks is false.
---@param opts? {output_file_template?: string, values?: string[], hooks?: boolean}
---@return table[]|nil written {release=, path=, shown=}, string|nil err
function State:write_values(opts)
  return require("hfl.state.writevalues").write(self, opts)
end

-- The batches show-dag prints for one state's releases (all their needs included).
local function dag_batches(s, rels)
  local nodes, only = {}, {}
  for i, r in ipairs(rels) do
    nodes[i] = { id = r:id(), needs = M.local_needs(r), rel = r }
    only[nodes[i].id] = true
  end
  local batches, err = dagmod.plan(nodes, { only = only, include_needs = true })
  if not batches then return nil, M.in_state(s, err) end
  for i, b in ipairs(batches) do
    local l = {}
    for j, n in ipairs(b) do l[j] = n.rel end
    batches[i] = l
  end
  return batches
end

--- Renders the selected releases that are to be installed with `helm template`, concurrently
--- (at most the session's --concurrency helm processes), in plan order (st:dag()).
---@param opts? {set?: string[], values?: string[], skip_needs?: boolean, include_needs?: boolean,
---   include_transitive_needs?: boolean, output_dir?: string, output_dir_template?: string,
---   include_crds?: boolean, skip_tests?: boolean, no_hooks?: boolean, validate?: boolean,
---   args?: string, template_args?: string, kube_version?: string, api_versions?: string[],
---   show_only?: string[], post_renderer?: string, post_renderer_args?: string[],
---   skip_schema_validation?: boolean, skip_cleanup?: boolean, debug?: boolean}
---   values: extra values files (absolute paths); set: extra `KEY=VALUE`s
---@return table[]|nil rendered  {release=, manifest=, output_dir=, digest=} per release in plan
---   order, string|nil err  every failed release named, table[]|nil partial  the rendered ones
---   when some failed
function State:template(opts)
  return require("hfl.helm.template").template(self, opts)
end

--- Lints the charts of the selected releases that are to be installed (`helm lint` with each
--- release's merged values); failures are collected and reported together.
---@param opts? table  as for State:template (set, values, needs flags, args, skip_schema_validation)
---@return table[]|nil linted  {release=, output=} per release in plan order, string|nil err,
---   table[]|nil partial
function State:lint(opts)
  return require("hfl.helm.template").lint(self, opts)
end

--- The dependency groups `show-dag` prints: per state file (those without a selected release
--- too, with no batches, as Helmfile prints a header-only table for them), its batches; the
--- second result says whether any state had a selected release. Per state, as Helmfile's
--- show-dag: the global `prepare` hooks, the releases' `prepare` hooks, their OCI and
--- go-getter charts pulled (hfl.charts.prepare; opts.pull = false pulls none), the plan, the
--- global `cleanup` hooks (opts.hooks = false runs no hook).
---@param opts? {hooks?: boolean, pull?: boolean}
---@return table[]|nil groups {state=, batches=}, string|boolean err_or_matched
function State:show_dag(opts)
  opts = opts or {}
  local out, matched = {}, false
  for _, s in ipairs(self.states) do
    local rels, err = self:filtered(s)
    if not rels then return nil, err end
    matched = matched or #rels > 0
    local function body()
      if #rels == 0 then return {} end
      return dag_batches(s, rels)
    end
    local function pull()
      if opts.pull == false then return true end
      return require("hfl.charts.prepare").pull(self.session, rels)
    end
    local batches
    if opts.hooks ~= false then
      batches, err = hooks.around(self.session, s, "show-dag", body, function()
        local ok, herr = hooks.prepare(self.session, s, rels, "show-dag")
        if not ok then return nil, herr end
        return pull()
      end)
    else
      local ok, perr = pull()
      if ok then batches, err = body() else err = M.in_state(s, perr) end
    end
    if not batches then return nil, err end
    out[#out + 1] = { state = s, batches = batches }
  end
  return out, matched
end

--- The environment of every state file, as `print-env` shows it (Helmfile's PrintEnv): per
--- state, in processing order, its absolute path, the environment's name, the merged values
--- the state's templates see as .Values, and the environment's kubeContext when set. States
--- without releases are included; no hook runs.
---@return table[] envs {filePath=, name=, values=, kubeContext=?}
function State:environments()
  local out = {}
  for _, s in ipairs(self.states) do
    local env = s.environment or {}
    local e = value.map { filePath = s.path or "", name = env.name or self.environment,
      values = s.values or value.map() }
    if env.kubeContext and env.kubeContext ~= "" then e.kubeContext = env.kubeContext end
    out[#out + 1] = e
  end
  return out
end

--- Downloads the chart of every selected release through the cache (see hfl.charts.fetch).
---@param opts? {output_dir?: string, output_dir_template?: string}
---@return table[]|nil charts {release=, path=, version=, …}, string|nil err
function State:fetch(opts)
  return require("hfl.charts.fetch").fetch(self, opts)
end

--- Builds local charts' dependencies and writes each state's lock file (`hfl deps`).
---@return table[]|nil written {state=, path=}, string|nil err
function State:lock()
  return require("hfl.charts.lockdeps").update(self)
end

--- Adds the state's repositories to helm (`hfl repos`): the helm calls run and their output.
---@return table[]|nil added {repository=, output=}, string|nil err
function State:repos()
  return require("hfl.charts.repos").add(self)
end

--- Plans the selected releases and installs, upgrades or uninstalls only what changed (see
--- hfl.deploy.run for the options and the result).
---@param opts? table
---@return table|nil result, string|nil err
function State:apply(opts)
  return require("hfl.deploy.run").apply(self, opts)
end

--- Upgrades every selected release; uninstalls the `installed: false` ones that exist.
---@param opts? table
---@return table|nil result, string|nil err
function State:sync(opts)
  return require("hfl.deploy.run").sync(self, opts)
end

--- The changes apply would make, per release and resource (hfl.diff), changing nothing:
--- result.plan.items[i].changes, result.diff_text (as `hfl diff` prints it), result.changed.
---@param opts? table
---@return table|nil result, string|nil err
function State:diff(opts)
  return require("hfl.deploy.run").diff(self, opts)
end

--- The diff reviewed for risks (`hfl doctor`): with an OpenAI-compatible LLM configured
--- (HELMFILE_LLM_* < the state's `llm:` < opts.llm_*), the redacted diff is sent for a summary
--- and risks; without one it is st:diff with secrets hidden. See hfl.doctor for the options
--- and the result (result.text / result.json: the report; result.high_risk).
---@param opts? table
---@return table|nil result, string|nil err
function State:doctor(opts)
  return require("hfl.doctor").run(self, opts)
end

--- Uninstalls every selected release that exists, dependents first.
---@param opts? table
---@return table|nil result, string|nil err
function State:destroy(opts)
  return require("hfl.deploy.run").destroy(self, opts)
end

--- The plan of `opts.command` ("apply" by default, "sync", "destroy"), changing nothing:
--- result.plan (items with action and reason), result.plan_text, result.plan_json.
---@param opts? table
---@return table|nil result, string|nil err
function State:plan(opts)
  local o = {}
  for k, v in pairs(opts or {}) do o[k] = v end
  local command = o.command or "apply"
  o.command, o.dry_run = nil, true
  local run = require("hfl.deploy.run")
  if not run[command] then error("State:plan: command must be apply, sync or destroy", 2) end
  return run[command](self, o)
end

--- Runs the helm-unittest suites of the selected releases that declare `unitTests`, natively
--- (hfl.unittest: no helm plugin), release by release in plan order.
---@param opts? {set?: string[], values?: string[], fail_fast?: boolean, skip_needs?: boolean,
---   include_needs?: boolean, include_transitive_needs?: boolean, on_release?: fun(r: table)}
---@return table|nil result  {passed=, counts={charts=,suites=,tests=}, releases={{release=,
---   chart=, chart_path=, passed=, counts=, duration=, unmatched=, suites={{name=, file=,
---   passed=, skipped=, tests={{name=, passed=, skipped=, error=?, asserts={{index=, type=,
---   negate=, passed=, info=}}}}}}}}}, string|nil err  a suite hfl cannot run (file:line)
function State:unittest(opts)
  return require("hfl.unittest").run(self, opts)
end

--- `helm status` of every selected release: { {release=, id=, ok=, output=, error=} … }.
---@param opts? table
---@return table[]|nil results, string|nil err
function State:status(opts)
  return require("hfl.deploy.status").status(self, opts)
end

--- `helm test` of every selected release (opts.logs, opts.timeout).
---@param opts? table
---@return table[]|nil results, string|nil err
function State:test(opts)
  return require("hfl.deploy.status").test(self, opts)
end

return M
