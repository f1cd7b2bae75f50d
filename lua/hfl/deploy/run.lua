--- apply, sync and destroy: plan, then carry the plan out over the dependency graph.
---
---   local result, err = require("hfl.deploy.run").apply(st, { dry_run = true })
---   print(result.plan_text)
---
--- Options (the CLI turns flags into these): those of hfl.helm (set, values, wait, timeout, …)
--- and selectors, skip_needs, include_needs, include_transitive_needs (the graph);
--- dry_run, plan_file (write the plan, change nothing), from_plan (carry out a plan file),
--- full_diff (never trust digests), prune, resume (a --report file), confirm (fn(text) →
--- boolean, asked once before changing anything), on_event (fn(kind, node, info)),
--- skip_cleanup, live_output, on_line.
---
--- result = { plan =, rows = { report rows }, changed = n, failed = n, errors = { … },
---            plan_text = (dry runs), plan_json = (dry runs), cancelled = bool, aborted = bool }
local graph = require "hfl.deploy.graph"
local scheduler = require "hfl.deploy.scheduler"
local context = require "hfl.deploy.context"
local decide = require "hfl.deploy.decide"
local plan_mod = require "hfl.deploy.plan"
local ops = require "hfl.deploy.ops"
local prune = require "hfl.deploy.prune"
local fs = require "hfl.fs"
local hooks = require "hfl.deploy.hooks"
local proc = require "hfl.proc"
local target = require "hfl.deploy.target"
local report = require "hfl.deploy.report"

local M = {}

local function graph_of(st, opts, reverse)
  return graph.build(st, { selectors = opts.selectors, skip_needs = opts.skip_needs,
    include_needs = opts.include_needs, include_transitive_needs = opts.include_transitive_needs,
    reverse = reverse })
end

local function row_of(ctx, item, res)
  return { release = item.name, id = item.id, namespace = item.namespace,
    kube_context = target.kube_context(item.release, ctx.session),
    chart = item.chart or "", version = item.chart_version or item.version or "",
    action = item.action, reason = item.reason, result = res and res.status or "skipped",
    duration = res and res.duration or 0, revision = item.revision_after or item.revision,
    error = res and res.error or item.error }
end

-- The run's event callback: on_event (scheduler events) and the workflow callbacks
-- on_release_start(release, item) / on_release_done(release, item, result).
local function release_events(ctx)
  local o = ctx.opts
  if not (o.on_event or o.on_release_start or o.on_release_done) then return nil end
  return function(kind, node, info)
    if o.on_event then o.on_event(kind, node, info) end
    if kind == "start" then
      if o.on_release_start then o.on_release_start(node.release, node) end
    elseif o.on_release_done then
      o.on_release_done(node.release, node, { result = kind == "done" and "ok" or kind,
        error = info and info.error, duration = info and info.duration })
    end
  end
end

-- Carries out the items of one phase over the graph; `act(item)` → true | nil, err.
local function carry_out(ctx, g, by_id, reverse, act)
  local on_event = release_events(ctx)
  return scheduler.run(g, {
    session = ctx.session, reverse = reverse, concurrency = ctx.session.concurrency,
    cancelled = ctx.opts.cancelled,
    work = function(node)
      local item = by_id[node.id]
      if not item then return true end
      return act(item)
    end,
    continue_on_error = function(node) return node.release.continueOnError == true end,
    -- only the releases this phase changes show up in the progress
    on_event = on_event and function(kind, node, info)
      local item = by_id[node.id]
      if item and plan_mod.changes(item) then on_event(kind, node, info) end
    end,
  })
end

-- Whether a release this item needs was changed by this run (so the cluster it was planned
-- against is not the one it will meet: a CRD installed, an API now served).
local function needs_changed(ctx, item)
  for _, need in ipairs(item.node and item.node.needs or {}) do
    if ctx.applied[need.id] then return true end
  end
  return false
end

-- A release whose decision came from rendering is decided again once what it needs has been
-- applied in this run — its diff runs against the cluster it will meet. A plan file is
-- carried out as written.
local function decide_again(ctx, item)
  ctx.session:forget("capabilities", target.kube_context(item.release, ctx.session))
  local again, err = decide.item(ctx, item.node)
  if not again then return nil, err end
  if again.action ~= item.action then
    ctx:info("release %s: %s now that what it needs is applied (%s)", item.id, again.action,
      again.reason or "")
  end
  for k, v in pairs(again) do item[k] = v end
  return true
end

local function act_on(ctx, item)
  if item.action == "deferred"
    or (item.rendered and not ctx.opts.from_plan and needs_changed(ctx, item)) then
    local ok, err = decide_again(ctx, item)
    if not ok then return nil, err end
  end
  if item.action == "install" or item.action == "upgrade" then
    local ok, err = ops.upgrade(ctx, item)
    if ok then ctx.applied[item.id] = true end
    return ok, err
  end
  if item.action == "error" then return nil, item.error end
  if item.action == "unchanged" or item.action == "skip" then ops.cleanup(ctx, item) end
  return true
end

local function resumed(plan, path)
  local last, err = report.read(path)
  if not last then return nil, err end
  local ok_in_report = {}
  for _, r in ipairs(last.releases or {}) do
    if r.result == "ok" then
      ok_in_report[(r.kube_context or "") .. "/" .. (r.namespace or "") .. "/" .. r.release] = true
    end
  end
  for _, item in ipairs(plan.items) do
    local key = target.kube_context(item.release, plan.session) .. "/"
      .. item.namespace .. "/" .. item.name
    if ok_in_report[key] and plan_mod.changes(item) then
      item.action, item.reason = "skip", "succeeded in the run of " .. path
    end
  end
  return true
end

local function make_plan(ctx, g)
  local opts = ctx.opts
  if opts.from_plan then
    local doc, err = plan_mod.read(opts.from_plan)
    if not doc then return nil, err end
    return plan_mod.from_document(ctx, g, doc)
  end
  local plan = plan_mod.make(ctx, g)
  if opts.prune then
    local ok, err = prune.add(ctx, plan)
    if not ok then return nil, err end
  end
  if opts.resume then
    local ok, err = resumed(plan, opts.resume)
    if not ok then return nil, err end
  end
  return plan
end

-- The releases the plan changes, in execution order, as a graph for the progress display.
local function changing_graph(plan)
  local nodes = {}
  for _, item in ipairs(plan_mod.execution_order(plan)) do
    if plan_mod.changes(item) then nodes[#nodes + 1] = item.node or { id = item.id } end
  end
  return { nodes = nodes }
end

local function dry_result(plan)
  return { plan = plan, rows = {}, changed = 0, failed = 0, errors = {}, dry_run = true,
    plan_text = plan_mod.text(plan), plan_json = plan_mod.to_json(plan) }
end

local function preapply(ctx, plan)
  for i = #plan.items, 1, -1 do
    local item = plan.items[i]
    local ok, err = item.pruned or hooks.run(ctx.session, { event = "preapply", state = item.state,
      release = item.release, command = ctx.command })
    if not ok then return nil, err end
  end
  return true
end

-- Runs the plan: uninstalls over the reverse graph, then the rest over the graph.
local function execute(ctx, g, plan)
  local uninstalls, rest, pruned = {}, {}, {}
  for _, item in ipairs(plan.items) do
    if item.pruned then
      pruned[#pruned + 1] = item
    elseif item.action == "uninstall" then
      uninstalls[item.id] = item
    else
      rest[item.id] = item
    end
  end
  local results = {}
  local r1 = carry_out(ctx, g, uninstalls, true, function(item)
    local ok, err = ops.uninstall(ctx, item)
    if ok then ctx.applied[item.id] = true end
    return ok, err
  end)
  local r2 = carry_out(ctx, g, rest, false, function(item) return act_on(ctx, item) end)
  local r3 = #pruned > 0 and prune.run(ctx, pruned) or {}
  for _, r in ipairs { r1, r2, r3 } do
    for id, res in pairs(r) do if type(res) == "table" and res.status then results[id] = res end end
  end
  return results
end

local function collect(ctx, plan, results)
  local out = { plan = plan, rows = {}, changed = 0, failed = 0, errors = {} }
  for _, item in ipairs(plan_mod.execution_order(plan)) do
    local res = results[item.id]
    local row = row_of(ctx, item, res)
    -- a release left as it is stays "ok" when a need failed; one that could not be planned
    -- does not
    if row.result == "skipped" and (item.action == "unchanged" or item.action == "skip") then
      row.result = "ok"
    end
    if row.result == "failed" and tostring(row.error):find("interrupted", 1, true) then
      row.result = "cancelled"
    end
    out.rows[#out.rows + 1] = row
    if row.result == "failed" then
      out.failed = out.failed + 1
      out.errors[#out.errors + 1] = ("failed processing release %s: %s"):format(item.name,
        tostring(row.error))
    elseif row.result == "cancelled" then
      out.cancelled = true
    elseif row.result == "ok" and plan_mod.changes(item) then
      out.changed = out.changed + 1
    end
  end
  return out
end

local function write_plan_file(path, plan)
  local ok, err = fs.write_atomic(path, plan_mod.to_json(plan), { mode = 384 })
  if not ok then return nil, ("writing plan %s: %s"):format(path, tostring(err)) end
  return true
end

-- The graph's releases in plan order (the global hooks group them by state file).
local function releases_of(g)
  local out = {}
  for i, node in ipairs(g.nodes) do out[i] = node.release end
  return out
end

local function write_report(ctx, result, started)
  local files = {}
  for i, s in ipairs(ctx.st.states) do files[i] = s.path end
  local ok, err = report.write(ctx.opts.report, result.rows, {
    command = ctx.command, started = started, finished = os.time(), state_files = files,
    plan_digest = fs.sha256_hex(plan_mod.to_json(result.plan)):sub(1, 16),
    mask = function(text) return ctx.session:mask(text) end })
  if not ok then return nil, ("writing report %s: %s"):format(ctx.opts.report, tostring(err)) end
  return true
end

-- Options that are not flags of the command: the API's own.
local API_OPTIONS = { "on_release_start", "on_release_done", "on_hook", "cancelled", "selectors", "dry_run", "plan_file", "from_plan", "full_diff", "prune", "on_plan", "color",
  "report", "resume", "confirm", "on_event", "on_graph", "on_line", "live_output", "debug",
  "strip_args_values", "labels", "api_versions", "skip_cleanup", "output", "kube_version" }

-- Misuse raises: an option that is neither a flag of the command nor one of the API's.
local function check_options(command, opts)
  if type(opts) ~= "table" then error(("State:%s: options must be a table"):format(command), 4) end
  local known = {}
  for _, k in ipairs(API_OPTIONS) do known[k] = true end
  for _, f in ipairs(require("hfl.cli.commands").flags(command).flags) do known[f.key] = true end
  for k in pairs(opts) do
    if not known[k] then
      local names = {}
      for n in pairs(known) do names[#names + 1] = n end
      table.sort(names)
      error(("State:%s: unknown option %q%s"):format(command, tostring(k),
        require("hfl.suggest").hint(tostring(k), names)), 4)
    end
  end
end

local function deploy(st, command, opts)
  opts = opts or {}
  check_options(command, opts)
  local started = os.time()
  local ctx = context.new(st, command, opts)
  st.session.on_hook = opts.on_hook
  ctx.show_diff = command == "diff" or (command == "apply" and not opts.suppress_diff
    and (opts.on_plan ~= nil or opts.confirm ~= nil))
  local g, err = graph_of(st, opts, command == "destroy")
  if not g then return nil, err end
  local result
  -- values files exist while this runs: a signal between helm processes must reach the cleanup
  local ok, thrown, ferr = pcall(proc.with_signals_trapped, hooks.around_states,
    st.session, releases_of(g), command, function()
    local plan, perr = make_plan(ctx, g)
    if not plan then return nil, perr end
    if opts.plan_file then
      local w, werr = write_plan_file(opts.plan_file, plan)
      if not w then return nil, werr end
    end
    if command == "diff" then
      result = dry_result(plan)
      result.diff_text = require("hfl.deploy.difftext").text(plan, opts)
      local c = plan_mod.counts(plan)
      result.changed = c.install + c.upgrade + c.uninstall + c.deferred
      for _, item in ipairs(plan.items) do
        if item.action == "error" then result.errors[#result.errors + 1] = item.error end
        ops.cleanup(ctx, item)
      end
      return result
    end
    if opts.dry_run or opts.plan_file then result = dry_result(plan) return result end
    local diff_text = ctx.show_diff and require("hfl.deploy.difftext").text(plan, opts) or ""
    if opts.on_plan then opts.on_plan(plan, diff_text) end
    if opts.on_graph then opts.on_graph(changing_graph(plan)) end
    local c = plan_mod.counts(plan)
    local changes = c.install + c.upgrade + c.uninstall + c.deferred
    if changes == 0 and c.error == 0 then
      for _, item in ipairs(plan.items) do ops.cleanup(ctx, item) end
      result = collect(ctx, plan, {})
      return result
    end
    if opts.confirm and changes > 0 and not opts.confirm(plan_mod.text(plan), diff_text) then
      result = collect(ctx, plan, {})
      result.aborted = true
      return result
    end
    if command == "apply" and changes > 0 then
      local pok, pe = preapply(ctx, plan)
      if not pok then return nil, pe end
    end
    result = collect(ctx, plan, execute(ctx, g, plan))
    return result
  end)
  ctx:cleanup()
  st.session.on_hook = nil
  if not ok then error(thrown, 0) end
  if not result then return nil, ferr end
  if ferr then result.errors[#result.errors + 1] = ferr end  -- a failing global cleanup hook
  if opts.report and not result.dry_run then
    local wok, werr = write_report(ctx, result, started)
    if not wok then return nil, werr end
  end
  return result
end

--- Plans the selected releases and installs, upgrades or uninstalls only what changed.
function M.apply(st, opts) return deploy(st, "apply", opts) end

--- Upgrades every selected release and uninstalls `installed: false` ones that exist.
function M.sync(st, opts) return deploy(st, "sync", opts) end

--- The changes apply would make, per release and resource, changing nothing: result.plan
--- (items with .changes, hfl.diff's result), result.diff_text, result.changed.
function M.diff(st, opts) return deploy(st, "diff", opts) end

--- Uninstalls every selected release that exists, dependents first.
function M.destroy(st, opts) return deploy(st, "destroy", opts) end

return M
