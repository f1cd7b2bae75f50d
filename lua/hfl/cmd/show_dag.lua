--- `hfl show-dag`: the releases in dependency order, in groups.
local clistate = require "hfl.cli.state"
local trim = require "hfl.trim"

local M = {}

M.summary = "Print the releases' dependency graph"

--- `hfl show-dag` has no flags of its own.
function M.add_to_parser() end

--- The table of one state's batches: GROUP RELEASE DEPENDENCIES (Go's tabwriter with one
--- space of padding, trailing spaces trimmed).
---@param batches table[]
---@return string
function M.format(batches)
  local rows = { { "GROUP", "RELEASE", "DEPENDENCIES" } }
  for i, batch in ipairs(batches) do
    for _, r in ipairs(batch) do
      rows[#rows + 1] = { tostring(i), r:id(), table.concat(r.needs or {}, ", ") }
    end
  end
  local w1, w2 = 0, 0
  for _, row in ipairs(rows) do
    w1, w2 = math.max(w1, #row[1]), math.max(w2, #row[2])
  end
  local out = {}
  for _, row in ipairs(rows) do
    local line = row[1] .. (" "):rep(w1 - #row[1] + 1) .. row[2] .. (" "):rep(w2 - #row[2] + 1) .. row[3]
    out[#out + 1] = trim.right(line)
  end
  return table.concat(out, "\n") .. "\n"
end

---@param inv hfl.cli.Invocation
function M.run(inv)
  local st, err, code = clistate.load(inv)
  if not st then return code, err end
  local groups, matched = st:show_dag()
  if not groups then return nil, matched end
  for _, g in ipairs(groups) do io.stdout:write(M.format(g.batches)) end
  if not matched then return clistate.no_match(st:no_match_message(), inv) end
  return 0
end

return M
