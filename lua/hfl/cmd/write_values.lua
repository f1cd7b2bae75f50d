--- `hfl write-values`: write each release's merged values to a file.
local clistate = require "hfl.cli.state"
local groups = require "hfl.cli.groups"

local M = {}

M.summary = "Write the merged values of each release to files"

--- Declares the flags of `hfl write-values`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  groups.values(set)
  set:string("output-file-template", "Go template for each values file's path",
    { arg = "TEMPLATE" })
end

---@param inv hfl.cli.Invocation
function M.run(inv)
  local st, err, code = clistate.load(inv)
  if not st then return code, err end
  local written
  written, err = st:write_values { output_file_template = inv.options.output_file_template,
    values = inv.options.values }
  if not written then return nil, err end
  if written.selected == 0 then return clistate.no_match(st:no_match_message(), inv) end
  return 0
end

return M
