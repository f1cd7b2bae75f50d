--- The plan of releases: `needs` as a DAG, layered into batches as Helmfile does (Kahn's
--- algorithm by depth; a batch holds the releases whose needs are all in earlier batches).
local M = {}

local function quote(s) return ('"%s"'):format(s) end

local function humanize(list)
  local q = {}
  for i, s in ipairs(list) do q[i] = quote(s) end
  if #q < 3 then return table.concat(q, " and ") end
  return table.concat(q, ", ", 1, #q - 1) .. ", and " .. q[#q]
end

--- Plans nodes into batches.
---@param nodes {id: string, needs: string[]}[]  every release of the state, in definition order
---@param opts? {only?: table<string, boolean>, include_needs?: boolean, skip_needs?: boolean}
---   only: IDs of the selected releases (nil = all); include_needs: add the needs of selected
---   releases (recursively); skip_needs: leave unselected needs out silently. With neither, an
---   unselected need is an error.
---@return table[]|nil batches  lists of nodes, in definition order within a batch
---@return string|nil err
function M.plan(nodes, opts)
  opts = opts or {}
  local by_id, index = {}, {}
  for i, n in ipairs(nodes) do
    if not by_id[n.id] then by_id[n.id], index[n.id] = n, i end
  end
  local inputs, outputs, deps_of = {}, {}, {}
  local order = {}
  for _, n in ipairs(nodes) do
    if by_id[n.id] == n then
      order[#order + 1] = n
      inputs[n.id] = inputs[n.id] or 0
      outputs[n.id] = outputs[n.id] or {}
      local seen = {}
      deps_of[n.id] = {}
      for _, d in ipairs(n.needs or {}) do
        if not seen[d] then
          seen[d] = true
          deps_of[n.id][#deps_of[n.id] + 1] = d
          outputs[d] = outputs[d] or {}
          if not outputs[d][n.id] then
            outputs[d][n.id] = true
            outputs[d][#outputs[d] + 1] = n.id
            inputs[n.id] = inputs[n.id] + 1
          end
        end
      end
    end
  end
  for _, n in ipairs(order) do
    for _, d in ipairs(deps_of[n.id]) do
      if not by_id[d] then
        local dependents = {}
        for _, m in ipairs(order) do
          if outputs[d][m.id] then dependents[#dependents + 1] = quote(m.id) end
        end
        return nil, ('release(s) %s depend(s) on an undefined release "%s". Perhaps you made a typo '
          .. 'in "needs" or forgot defining a release named "%s" with appropriate "namespace" and '
          .. '"kubeContext"?'):format(table.concat(dependents, ", "), d, d:match("([^/]*)$"))
      end
    end
  end

  local remaining = {}
  for k, v in pairs(inputs) do remaining[k] = v end
  local layers, current = {}, {}
  for _, n in ipairs(order) do
    if remaining[n.id] == 0 then current[#current + 1] = n end
  end
  local done = {}
  while #current > 0 do
    local layer, next_ = {}, {}
    for _, n in ipairs(current) do
      layer[#layer + 1] = n
      done[n.id] = true
      for _, m in ipairs(outputs[n.id]) do
        remaining[m] = remaining[m] - 1
        if remaining[m] == 0 then next_[#next_ + 1] = by_id[m] end
      end
    end
    layers[#layers + 1] = layer
    current = next_
  end
  if #layers == 0 and #order == 0 then return {} end
  local stuck = {}
  for _, n in ipairs(order) do
    if not done[n.id] then stuck[#stuck + 1] = n.id end
  end
  if #stuck > 0 then
    table.sort(stuck)
    local cur = stuck[1]
    local seen, path = {}, {}
    while not seen[cur] do
      seen[cur] = true
      path[#path + 1] = cur
      local nxt
      for _, m in ipairs(outputs[cur]) do
        if not done[m] then nxt = m break end
      end
      cur = nxt
    end
    path[#path + 1] = cur
    local start = 1
    for i, p in ipairs(path) do
      if p == cur then start = i break end
    end
    return nil, "cycle detected: " .. table.concat(path, " -> ", start)
  end

  local only = opts.only
  if only then
    local o = {}
    for k, v in pairs(only) do o[k] = v end
    only = o
  end
  local result = {}
  for k = #layers, 1, -1 do
    local included = {}
    for _, n in ipairs(layers[k]) do
      if not only or only[n.id] then
        included[#included + 1] = n
      elseif not opts.skip_needs then
        local dependents = {}
        for _, m in ipairs(outputs[n.id]) do
          if only[m] then dependents[#dependents + 1] = m end
        end
        if #dependents > 0 then
          if not opts.include_needs then
            table.sort(dependents)
            return nil, ('release %s %s on "%s" which does not match the selectors. Please add a '
              .. 'selector like "--selector name=%s", or indicate whether to skip (--skip-needs) or '
              .. 'include (--include-needs) these dependencies'):format(humanize(dependents),
              #dependents == 1 and "depends" or "depend", n.id, n.id:match("([^/]*)$"))
          end
          only[n.id] = true
          included[#included + 1] = n
        end
      end
    end
    if #included > 0 then
      table.sort(included, function(a, b) return index[a.id] < index[b.id] end)
      table.insert(result, 1, included)
    end
  end
  if opts.reverse then
    local r = {}
    for i = #result, 1, -1 do r[#r + 1] = result[i] end
    result = r
  end
  return result
end

return M
