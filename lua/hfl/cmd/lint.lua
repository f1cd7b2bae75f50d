--- `hfl lint`: helm lint every selected release's chart with its values.
local clistate = require "hfl.cli.state"
local groups = require "hfl.cli.groups"

local M = {}

M.summary = "Lint the charts of the releases in the state file"

--- Declares V and the needs flags.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  groups.values(set)
  groups.needs(set, false)
  groups.args(set)
end

---@param inv hfl.cli.Invocation
function M.run(inv)
  local st, err, code = clistate.load(inv)
  if not st then return code, err end
  local o = inv.options
  local opts = clistate.helm_options(inv)
  opts.skip_needs, opts.include_needs = o.skip_needs, o.include_needs
  opts.include_transitive_needs = o.include_transitive_needs
  local selected = st:select()
  if selected and #selected == 0 then return clistate.no_match(st:no_match_message(), inv) end
  local linted, partial
  linted, err, partial = st:lint(opts)
  for _, r in ipairs(linted or partial or {}) do io.stdout:write(r.output) end
  if not linted then return nil, err end
  return 0
end

return M
