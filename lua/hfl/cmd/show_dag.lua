--- `hfl show-dag`: the releases in dependency order, in groups.
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
    out[#out + 1] = (line:gsub("%s+$", ""))
  end
  return table.concat(out, "\n") .. "\n"
end

---@param inv hfl.cli.Invocation
function M.run(inv)
  local st, err = require("hfl.state").from_invocation(inv)
  if not st then return nil, err end
  local dag = require "hfl.state.dag"
  local any = false
  for _, s in ipairs(st.states) do
    local rels
    rels, err = st:filtered(s)
    if not rels then return nil, err end
    if #rels > 0 then
      any = true
      local nodes, only = {}, {}
      for i, r in ipairs(rels) do
        nodes[i] = { id = r:id(), needs = r.needs, rel = r }
        only[nodes[i].id] = true
      end
      local batches
      batches, err = dag.plan(nodes, { only = only, include_needs = true })
      if not batches then return nil, require("hfl.state").in_state(s, err) end
      for i, b in ipairs(batches) do
        local l = {}
        for j, n in ipairs(b) do l[j] = n.rel end
        batches[i] = l
      end
      io.stdout:write(M.format(batches))
    end
  end
  if not any then return st:no_match(inv) end
  return 0
end

return M
