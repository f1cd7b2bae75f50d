--- `hfl build`: the state as hfl read it, as YAML.
local clistate = require "hfl.cli.state"

local M = {}

M.summary = "Print the state as hfl reads it, after templating"

--- Declares the flags of `hfl build`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:bool("embed-values", "inline the content of values files")
end

---@param inv hfl.cli.Invocation
function M.run(inv)
  local st, err, code = clistate.load(inv)
  if not st then return code, err end
  local text, matched
  text, err, matched = st:build({ embed_values = inv.options.embed_values })
  if not text then return nil, err end
  io.stdout:write(st.session:mask(text))  -- the state for reading, secrets masked (hfl.taint)
  if not matched then return clistate.no_match(st:no_match_message(), inv) end
  return 0
end

return M
