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

local M = {}

local State = {}
State.__index = State
M.State = State

--- Wraps loaded states (hfl.state.load output) and builds their releases.
---@param states table[]  States in processing order
---@param opts? {selectors?: string[], environment?: string}
---@return table|nil st, string|nil err
function M.new(states, opts)
  opts = opts or {}
  local filters, err = selector.parse(opts.selectors or {})
  if not filters then return nil, err end
  local st = setmetatable({ states = states, selectors = opts.selectors or {}, filters = filters,
    environment = opts.environment or "default" }, State)
  for _, s in ipairs(states) do
    local rels, rerr = releases.build(s)
    if not rels then
      if s.chain and #s.chain > 1 then
        local names = {}
        for i, p in ipairs(s.chain) do names[i] = p:match("([^/]*)$") end
        rerr = table.concat(names, " → ", 1, #names - 1) .. " → " .. rerr
      end
      return nil, rerr
    end
    s.releases_built = rels
  end
  return st
end

--- Loads the state files (through hfl.state.load) and builds their releases.
---@param opts {file?: string, environment?: string, state_values?: string[]|table,
---   state_values_set_string?: string[], state_values_files?: string[], selectors?: string[],
---   namespace?: string, kube_context?: string, chart?: string, cwd?: string, reverse?: boolean}
---@return table|nil st, string|nil err
function M.load(opts)
  opts = opts or {}
  local loader = require "hfl.state.load"
  local selectors = opts.selectors or {}
  if type(selectors) == "string" then selectors = { selectors } end
  local filters, err = selector.parse(selectors)
  if not filters then return nil, err end
  local lo = {
    file = opts.file, environment = opts.environment or "default", cwd = opts.cwd,
    state_values_set_string = opts.state_values_set_string, state_values_files = opts.state_values_files,
    namespace = opts.namespace, kube_context = opts.kube_context, chart = opts.chart,
    selectors = filters, reverse = opts.reverse, secrets_decrypt = opts.secrets_decrypt,
    hints = opts.hints ~= false, -- a template error gets a second line of advice (hfl.tmpl.hint)
  }
  if value.kind(opts.state_values) == "map" then
    lo.state_values = opts.state_values
  else
    lo.state_values_set = opts.state_values or opts.state_values_set
  end
  local states, skipped
  states, err, skipped = loader.load(lo)
  if not states then return nil, err end
  -- Helmfile silently skips a state that lacks the selected environment; say so when it is a
  -- top-level state (sub-helmfiles without the environment are a normal setup).
  for _, sk in ipairs(skipped or {}) do
    if #sk.chain == 1 then require("hfl.log").warn("%s (skipping this state file)", sk.error) end
  end
  return M.new(states, { selectors = selectors, environment = lo.environment })
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
  local filters = state_filters(self, s, opts.selectors and assert(selector.parse(opts.selectors)))
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
  for i, r in ipairs(nodes) do view[i] = { id = r.id_, needs = r.needs, rel = r } end
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

--- The state as `helmfile build` prints it (see hfl.state.build).
---@param opts? {embed_values?: boolean}
---@return string|nil text, string|nil err
function State:build(opts)
  return require("hfl.state.build").build(self, opts)
end

--- Loads the state a command invocation names (global flags -f, -e, -l, --state-values-*,
--- -n, --kube-context, --chart).
---@param inv table  hfl.cli.Invocation
---@return table|nil st, string|nil err
function M.from_invocation(inv)
  local g = inv.global or {}
  return M.load {
    file = g.file, environment = g.environment or "default", selectors = g.selector or {},
    state_values_set = g.state_values_set, state_values_set_string = g.state_values_set_string,
    state_values_files = g.state_values_file, namespace = g.namespace ~= "" and g.namespace or nil,
    kube_context = g.kube_context ~= "" and g.kube_context or nil, chart = g.chart ~= "" and g.chart or nil,
  }
end

--- For commands: the "no releases found" outcome — prints Helmfile's message and gives exit 3,
--- or 0 with --allow-no-matching-release.
---@param inv table
---@return integer code
function State:no_match(inv)
  io.stderr:write(self:no_match_message() .. "\n")
  return (inv.global or {}).allow_no_matching_release and 0 or 3
end

--- The "no releases found" error of Helmfile (exit code 3 in commands).
function State:no_match_message()
  return ("err: no releases found that matches specified selector(%s) and environment(%s), in any helmfile")
    :format(table.concat(self.selectors, ", "), self.environment)
end

return M
