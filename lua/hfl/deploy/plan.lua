--- The plan of a deploy run: per release what will be done (install, upgrade, uninstall,
--- unchanged, skip) and why, with the digest of what would be deployed. apply, sync, destroy,
--- --dry-run, --plan-file and --from-plan all build or read this one shape.
local decide = require "hfl.deploy.decide"
local target = require "hfl.deploy.target"
local value = require "hfl.value"
local json = require "hfl.stdlib.json"
local fs = require "hfl.fs"
local proc = require "hfl.proc"

local M = {}

M.FORMAT = "hfl-plan/v1"
local CHANGES = { install = true, upgrade = true, uninstall = true, deferred = true }

--- Whether an item changes the cluster.
---@param item table
---@return boolean
function M.changes(item)
  return CHANGES[item.action] == true
end

-- A release whose decision failed while a release it needs is about to change is decided
-- again once that one is applied (CRDs it installs may be what the render needed).
local function defer_or_fail(items_by_id, item, err)
  for _, need in ipairs(item.node.needs or {}) do
    local n = items_by_id[need.id]
    if n and M.changes(n) then
      item.action = "deferred"
      item.reason = ("decided after %s is applied (%s)"):format(need.id, (err:match("[^\n]*")))
      return
    end
  end
  item.action, item.error, item.reason = "error", err, "could not be planned"
end

--- Decides every node of the graph (concurrently; helm processes stay within the session's
--- limit) and returns the plan: { command=, items = {…} in graph order, by_id = {…} }.
---@param ctx table  hfl.deploy.context
---@param g table  hfl.deploy.graph
---@return table plan
function M.make(ctx, g)
  local failed = {}
  -- Deciding a release needs both its namespace's bulk record read and the session's Helm
  -- detection (`helm version`): run the detection beside the reads, not after the first one.
  local detect
  if ctx.command ~= "destroy" then
    for _, node in ipairs(g.nodes) do
      if node.release:desired() then
        detect = proc.go(function() return ctx.session:helm() end)
        break
      end
    end
  end
  local items = ctx.session:map(g.nodes, function(node, i)
    local item, err = decide.item(ctx, node)
    if not item then
      failed[i] = err
      return decide.new_item(node, node.release)
    end
    return item
  end, ctx.session:bounded(8))
  if detect then detect:join() end  -- its result is the session's; any error came out above
  local by_id = {}
  for _, item in ipairs(items) do by_id[item.id] = item end
  for i, err in pairs(failed) do defer_or_fail(by_id, items[i], err) end
  return { command = ctx.command, state_id = ctx.state_id, environment = ctx.st.environment,
    items = items, by_id = by_id, session = ctx.session }
end

--- Counts per action: { install=, upgrade=, uninstall=, unchanged=, skip=, deferred=, error= }.
function M.counts(plan)
  local c = { install = 0, upgrade = 0, uninstall = 0, unchanged = 0, skip = 0, deferred = 0,
    error = 0 }
  for _, item in ipairs(plan.items) do c[item.action] = (c[item.action] or 0) + 1 end
  return c
end

--- "N to install, N to upgrade, N to uninstall, N unchanged".
function M.summary_line(plan)
  local c = M.counts(plan)
  local s = ("%d to install, %d to upgrade, %d to uninstall, %d unchanged"):format(
    c.install, c.upgrade + c.deferred, c.uninstall, c.unchanged + c.skip)
  if c.error > 0 then s = s .. (", %d failed to plan"):format(c.error) end
  return s
end

--- The items in the order they run: uninstalls first, dependents before what they need;
--- then the rest in graph order.
function M.execution_order(plan)
  local out = {}
  for i = #plan.items, 1, -1 do
    if plan.items[i].action == "uninstall" then out[#out + 1] = plan.items[i] end
  end
  for _, item in ipairs(plan.items) do
    if item.action ~= "uninstall" then out[#out + 1] = item end
  end
  return out
end

-- The plan's session masks secrets (hfl.taint) in what the plan shows; a plan made without
-- one shows its text as it is.
local function masker(plan)
  local session = plan.session
  if session and session.mask then return function(text) return session:mask(text) end end
  return function(text) return text end
end

--- The plan as text: one line per release in execution order, then the summary line.
function M.text(plan)
  local lines = {}
  local order = M.execution_order(plan)
  local w = 0
  for _, item in ipairs(order) do w = math.max(w, #item.id) end
  for i, item in ipairs(order) do
    lines[#lines + 1] = ("%3d. %-9s  %-" .. w .. "s  %s"):format(i, item.action, item.id,
      item.reason or "")
  end
  lines[#lines + 1] = "Plan: " .. M.summary_line(plan)
  return masker(plan)(table.concat(lines, "\n") .. "\n")
end

local function needs_of(item)
  local l = value.list()
  for _, n in ipairs(item.node and item.node.needs or {}) do l[#l + 1] = n.id end
  return l
end

--- The plan as one JSON document (--output json, --plan-file).
function M.to_json(plan)
  local c = M.counts(plan)
  local mask = masker(plan)  -- field by field: the JSON escapes of a value would not match
  local rels = value.list()
  for _, item in ipairs(M.execution_order(plan)) do
    local m = value.map()
    m.id, m.name, m.namespace = item.id, item.name, item.namespace
    m.kube_context = target.kube_context(item.release, plan.session or { })
    m.chart, m.version = item.chart or "", item.chart_version or item.version or ""
    m.action, m.reason = item.action, item.reason or ""
    m.digest = item.digest or ""
    m.revision = item.revision or 0
    m.needs = needs_of(item)
    if item.error then m.error = item.error end
    for _, k in ipairs(value.keys(m)) do
      if type(m[k]) == "string" then m[k] = mask(m[k]) end
    end
    rels[#rels + 1] = m
  end
  local doc = value.map()
  doc.format = M.FORMAT
  doc.command = plan.command
  doc.state = plan.state_id
  doc.environment = plan.environment or "default"
  doc.summary = value.map { install = c.install, upgrade = c.upgrade + c.deferred,
    uninstall = c.uninstall, unchanged = c.unchanged + c.skip, text = M.summary_line(plan) }
  doc.releases = rels
  return json.encode(doc, { indent = "  ", html = false }) .. "\n"
end

--- Reads a plan file written by --plan-file: the document, or nil, err.
---@param path string
---@return table|nil doc, string|nil err
function M.read(path)
  local text, err = fs.read(path)
  if not text then return nil, ("reading plan %s: %s"):format(path, err) end
  local doc, jerr = json.decode(text)
  if value.kind(doc) ~= "map" or doc.format ~= M.FORMAT or value.kind(doc.releases) ~= "list" then
    return nil, ("%s is not an hfl plan file (%s)"):format(path, jerr or "want format " .. M.FORMAT)
  end
  return doc
end

--- The plan of the current state that carries out `doc` exactly: each release the plan names
--- must be in the state and prepare to the digest it had when the plan was written.
---@param ctx table
---@param g table  graph
---@param doc table  M.read
---@return table|nil plan, string|nil err
function M.from_document(ctx, g, doc)
  if doc.state ~= ctx.state_id or (doc.environment or "default") ~= (ctx.st.environment or "default") then
    return nil, "the plan was written for another state file or environment; plan again"
  end
  if doc.command ~= ctx.command then
    return nil, ("the plan was written by %s, not %s"):format(tostring(doc.command), ctx.command)
  end
  local nodes = {}
  for _, n in ipairs(g.nodes) do nodes[n.id] = n end
  local wanted = {}
  for _, e in ipairs(doc.releases) do
    if not nodes[e.id] then
      return nil, ("release %s is in the plan but not in the state any more; plan again"):format(e.id)
    end
    wanted[e.id] = e
  end
  local items, by_id = {}, {}
  for _, node in ipairs(g.nodes) do
    local e = wanted[node.id]
    if e then
      local item, err = decide.base(ctx, node, e.action ~= "uninstall" and e.action ~= "skip")
      if not item then return nil, err end
      if e.digest ~= "" and item.digest ~= e.digest then
        return nil, ("release %s changed since the plan was written (its chart or values); plan again")
          :format(node.id)
      end
      if e.action ~= "unchanged" and e.action ~= "skip" then
        item.action = e.action == "deferred" and "upgrade" or e.action
      else
        item.action = e.action
      end
      item.reason = e.reason
      items[#items + 1] = item
      by_id[item.id] = item
    end
  end
  return { command = ctx.command, state_id = ctx.state_id, environment = ctx.st.environment,
    items = items, by_id = by_id, session = ctx.session }
end

return M
