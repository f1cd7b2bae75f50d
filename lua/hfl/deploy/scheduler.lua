--- hfl.deploy.scheduler: runs a graph's releases as tasks on hfl.proc, each as soon as what it
--- needs has finished — not layer by layer, so a slow release holds back only its dependents.
--
-- A failure skips the releases that (transitively) need it, unless the failed release has
-- `continueOnError: true`; independent releases finish. After SIGINT/SIGTERM nothing new
-- starts and what has not started is "cancelled". The number of helm processes is bounded
-- by the session (session:limited in the helm driver); opts.concurrency bounds running nodes.
--
--   local results = scheduler.run(g, { work = function(node) return deploy(node.release) end })
--   for _, id in ipairs(results.order) do print(id, results[id].status) end
local proc = require "hfl.proc"

local M = {}

--- Whether the run was interrupted (SIGINT/SIGTERM); a function on the module so a workflow
--- can stop a run on its own condition too.
M.interrupted = function() return proc.interrupted() ~= nil end

local function default_continue(node)
  local r = node.release
  return r ~= nil and r.continueOnError == true
end

-- What a node waits for, and what its end lets go, in the run's direction.
local function edges(g, reverse)
  if reverse and not g.reverse then
    return function(n) return n.dependents end, function(n) return n.needs end
  end
  return function(n) return n.needs end, function(n) return n.dependents end
end

--- Runs every node of g.
---@param g table  a graph (hfl.deploy.graph.build)
---@param opts {work: fun(node: table): (true|nil, string|nil), session?: table,
---   reverse?: boolean, concurrency?: integer, continue_on_error?: fun(node: table): boolean,
---   on_event?: fun(kind: string, node: table, info: table), cancelled?: fun(): boolean}
---   cancelled: asked before each release starts; true stops the run as a signal would;
---   reverse: dependents first (destroy), unless g was built reversed already;
---   concurrency: at most this many nodes running (0 or nil: unlimited);
---   on_event kinds "start" | "done" | "failed" | "skipped" | "cancelled", info the node's
---   result so far (skipped: info.because = the failed node's id)
---@return table results  results[node.id] = { status = "ok"|"failed"|"skipped"|"cancelled",
---   error=, duration=, started=, finished= } (seconds of hfl.proc.now); results.order = ids
---   in plan order. A work function that raises fails its node; the first such error is
---   raised again once every node has ended (it is a bug).
function M.run(g, opts)
  if type(g) ~= "table" or type(g.nodes) ~= "table" then error("scheduler.run: expected a graph", 2) end
  if type(opts) ~= "table" or type(opts.work) ~= "function" then
    error("scheduler.run: opts.work must be a function", 2)
  end
  local waits_on, lets_go = edges(g, opts.reverse)
  -- a signal, or the caller's own reason to stop (a workflow cancelling the run)
  local cancelled = opts.cancelled
  local function stopping() return M.interrupted() or (cancelled ~= nil and cancelled() == true) end
  local continue = opts.continue_on_error or default_continue
  local on_event = opts.on_event or function() end
  local sem = proc.semaphore(opts.concurrency or 0)
  local results = { order = {} }
  local waiting, open, raised = {}, #g.nodes, nil
  local all_done = proc.event()

  local function settle(node, status, info)
    local res = results[node.id]
    res.status = status
    for k, v in pairs(info or {}) do res[k] = v end
    open = open - 1
    on_event(status == "ok" and "done" or status, node, res)
    if open == 0 then all_done:fire() end
  end

  local function skip_from(node, because)
    for _, d in ipairs(lets_go(node)) do
      if not results[d.id].status and not results[d.id].running then
        settle(d, "skipped", { because = because })
        skip_from(d, because)
      end
    end
  end

  local function cancel_rest()
    for _, n in ipairs(g.nodes) do
      local res = results[n.id]
      if not res.status and not res.running then settle(n, "cancelled") end
    end
  end

  local launch

  local function finished(node, ok, err)
    local res = results[node.id]
    res.running = nil
    res.finished = proc.now()
    res.duration = res.finished - res.started
    settle(node, ok and "ok" or "failed", { error = err })
    if stopping() then return cancel_rest() end
    if not ok and not continue(node) then skip_from(node, node.id) end
    for _, d in ipairs(lets_go(node)) do
      waiting[d] = waiting[d] - 1
      if waiting[d] == 0 and not results[d.id].status then launch(d) end
    end
  end

  local function body(node)
    sem:acquire()
    if stopping() or results[node.id].status then
      sem:release()
      return cancel_rest()
    end
    local res = results[node.id]
    res.running, res.started = true, proc.now()
    on_event("start", node, res)
    local pok, ok, err = pcall(opts.work, node)
    sem:release()
    if not pok then
      raised = raised or ok
      ok, err = nil, tostring(ok)
    elseif not ok and err == nil then
      err = "failed"
    end
    finished(node, ok and true or false, err)
  end

  function launch(node)
    if stopping() then return cancel_rest() end
    proc.go(body, node)
  end

  for _, node in ipairs(g.nodes) do
    results.order[#results.order + 1] = node.id
    results[node.id] = {}
    waiting[node] = #waits_on(node)
  end
  if open == 0 then return results end
  for _, node in ipairs(g.nodes) do
    if waiting[node] == 0 and not results[node.id].status then launch(node) end
  end
  all_done:wait()
  if raised then error(raised, 0) end
  return results
end

return M
