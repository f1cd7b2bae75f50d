--- `status` and `test`: one helm call per selected, desired release, run concurrently (within
--- the session's limit), results in plan order.
local helm = require "hfl.helm"
local graph = require "hfl.deploy.graph"
local hooks = require "hfl.deploy.hooks"

local M = {}

local function each_release(st, opts, command, argv_of)
  local g, err = graph.build(st, { selectors = opts.selectors, skip_needs = opts.skip_needs,
    include_needs = opts.include_needs, include_transitive_needs = opts.include_transitive_needs })
  if not g then return nil, err end
  local nodes = {}
  for _, n in ipairs(g.nodes) do
    if n.release:desired() then nodes[#nodes + 1] = n end
  end
  local results = st.session:map(nodes, function(node)
    local r = node.release
    local argv, rerr = argv_of(r)
    local res
    if argv then res, rerr = helm.run(st.session, argv, { release = r, live = opts.live_output }) end
    local ok, herr = hooks.run(st.session, { event = "cleanup", state = node.state, release = r,
      command = command })
    if not ok then st.session.log.warn("%s", herr) end
    return { release = r, id = node.id, ok = res ~= nil, output = res and res.stdout or "",
      error = rerr }
  end)
  results.failed = 0
  for _, x in ipairs(results) do
    if not x.ok then results.failed = results.failed + 1 end
  end
  return results
end

--- `helm status` of every selected release.
---@return table[]|nil results {release=, id=, ok=, output=, error=}, string|nil err
function M.status(st, opts)
  opts = opts or {}
  return each_release(st, opts, "status", function(r) return helm.argv.status(r, st.session, opts) end)
end

--- `helm test` of every selected release (opts.logs, opts.timeout, opts.cleanup).
---@return table[]|nil results, string|nil err
function M.test(st, opts)
  opts = opts or {}
  if opts.cleanup then
    st.session.log.warn("--cleanup has no effect: helm 3 and 4 removed it from helm test")
  end
  return each_release(st, opts, "test", function(r) return helm.argv.test(r, st.session, opts) end)
end

return M
