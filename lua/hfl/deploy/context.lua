--- One deploy run's context: the state, its Session, the command and its options, and the
--- releases prepared so far (each chart resolved and values file written once per run).
local helm = require "hfl.helm"
local labels = require "hfl.deploy.labels"

local M = {}

local Context = {}
Context.__index = Context

--- A context for `command` over the State st.
---@param st table  State
---@param command string  "apply" | "sync" | "destroy" | "diff" | "template" | …
---@param opts table  the command's options (see hfl.deploy.run)
---@return table ctx
function M.new(st, command, opts)
  return setmetatable({ st = st, session = st.session, command = command, opts = opts or {},
    state_id = labels.state_id(st), _preps = {}, applied = {} }, Context)
end

--- The release prepared for helm (hfl.helm.prepare), once per release and run.
---@param r table  Release
---@return table|nil prep, string|nil err
function Context:prepare(r)
  -- per run: a later run in the same Session writes its values files again
  return self.session:once("deploy-prepare", tostring(self) .. tostring(r), function()
    local prep, err = helm.prepare(self.session, r, self.opts)
    if prep then self._preps[#self._preps + 1] = prep end
    if not prep then return nil, err end
    return prep
  end)
end

--- The run's options with some replaced (false removes one): a new table.
---@param changes table
---@return table
function Context:options(changes)
  local o = {}
  for k, v in pairs(self.opts) do o[k] = v end
  for k, v in pairs(changes) do
    if v == false then o[k] = nil else o[k] = v end
  end
  return o
end

--- Removes every values file the run wrote.
function Context:cleanup()
  if self.opts.skip_cleanup then return end
  for _, prep in ipairs(self._preps) do prep:cleanup() end
  self._preps = {}
end

--- Logs through the session's sink.
function Context:info(fmt, ...) self.session.log.info(fmt, ...) end
function Context:warn(fmt, ...) self.session.log.warn(fmt, ...) end

return M
