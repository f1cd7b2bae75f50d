-- Loads one helmfile for several environments and checks what each would deploy, with the
-- State API: the releases each environment selects, their merged values, the order the needs
-- impose, and that production releases go to the production cluster. Warnings go to a log sink
-- of ours, not to stderr. Exit code 1 when a check fails or an environment does not load.
--   hfl run examples/workflows/check-environments.lua [ENV ...]   (default: default prod)
local hfl = require "hfl"
local here = arg[0]:match("^(.*)/workflows/[^/]*$") or "examples"

local envs = { ... }
if #envs == 0 then envs = { "default", "prod" } end

local warnings = {}
local function keep(fmt, ...) warnings[#warnings + 1] = fmt:format(...) end
local function drop() end
-- one Session for every load: indexes and charts are shared, not fetched again per environment
local session = hfl.session.new { log = { debug = drop, info = drop, warn = keep, error = keep } }

local failed = 0
for _, env in ipairs(envs) do
  local st, err = hfl.load { file = here .. "/lua/helmfile.yaml", environment = env, session = session }
  if not st then
    print(("%s: cannot load: %s"):format(env, err))
    failed = failed + 1
  else
    for i, batch in ipairs(assert(st:dag())) do
      for _, r in ipairs(batch) do
        local values = assert(r:values())
        local replicas = values.replicaCount or 1
        print(("%s: step %d: %s (%s) replicas=%s"):format(env, i, r:id(), r.chart, tostring(replicas)))
        if env == "prod" and r.kubeContext ~= "prod-cluster" then
          print(("%s: %s would not go to the production cluster"):format(env, r.name))
          failed = failed + 1
        end
      end
    end
  end
end
for _, w in ipairs(warnings) do print("warning: " .. w) end
return failed == 0 and 0 or 1
