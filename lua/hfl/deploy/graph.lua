--- hfl.deploy.graph: one dependency graph over every selected release of every state file.
--
-- Helmfile plans each state file alone; hfl plans them together so that a release waits only
-- for what it needs, and a `needs` entry may name a release of another file by
-- `[kubeContext/]namespace/name` (a release of its own file is preferred). Selection follows
-- Helmfile (compat §6.3): --skip-needs (default) leaves unselected needs out, --include-needs
-- adds them, --include-transitive-needs adds them recursively even when their selector or
-- condition is off, and --skip-needs=false alone makes an unselected need an error.
--
--   local g = assert(graph.build(st, { selectors = { "tier=web" } }))
--   for _, node in ipairs(g.nodes) do print(node.id, #node.needs) end
local state = require "hfl.state"

local M = {}

local function file_of(s)
  return s.name or s.path or "?"
end

local function quote(s) return ('"%s"'):format(s) end

local function humanize(list)
  local q = {}
  for i, s in ipairs(list) do q[i] = quote(s) end
  if #q < 3 then return table.concat(q, " and ") end
  return table.concat(q, ", ", 1, #q - 1) .. ", and " .. q[#q]
end

-- Every release of every state (one per ID and file, the selected one preferred), in
-- processing order then definition order, with the selected ones marked.
local function universe(st, selectors)
  local all, taken = {}, {}
  for _, s in ipairs(st.states) do
    local selected, err = st:selected_in(s, selectors)
    if not selected then return nil, state.in_state(s, err) end
    local pick = {}
    for _, r in ipairs(selected) do pick[r:id()] = r end
    local seen = {}
    for _, r in ipairs(s.releases_built) do
      local rid = r:id()
      if not seen[rid] then
        seen[rid] = true
        local rel = pick[rid] or r
        -- the same release in two files (sub-helmfiles for two environments): both are nodes
        local id = rid
        if taken[id] then id = ("%s (%s)"):format(rid, file_of(s)) end
        taken[id] = true
        all[#all + 1] = { id = id, rid = rid, release = rel, state = s, selected = pick[rid] ~= nil,
          needs = {}, dependents = {}, index = #all + 1 }
      end
    end
  end
  return all
end

-- needs entries → nodes: the release of the needing file, else the one file that defines it.
local function link(all)
  local by_rid = {}
  for _, n in ipairs(all) do
    by_rid[n.rid] = by_rid[n.rid] or {}
    table.insert(by_rid[n.rid], n)
  end
  for _, n in ipairs(all) do
    local seen = {}
    for _, id in ipairs(n.release.needs or {}) do
      local cands, target = by_rid[id] or {}, nil
      for _, c in ipairs(cands) do
        if c.state == n.state then target = c break end
      end
      if not target and #cands > 1 then
        local files = {}
        for i, c in ipairs(cands) do files[i] = file_of(c.state) end
        return nil, state.in_state(n.state, ('release "%s" needs "%s", which is defined in %s: '
          .. 'define it in one state file only, or in the needing release\'s own file')
          :format(n.rid, id, table.concat(files, " and ")))
      end
      target = target or cands[1]
      if not target then
        return nil, state.in_state(n.state, ('release(s) "%s" depend(s) on an undefined release "%s". '
          .. 'Perhaps you made a typo in "needs" or forgot defining a release named "%s" with '
          .. 'appropriate "namespace" and "kubeContext"?'):format(n.rid, id, id:match("([^/]*)$")))
      end
      if not seen[target] and target ~= n then
        seen[target] = true
        n.needs[#n.needs + 1] = target
        target.dependents[#target.dependents + 1] = n
      elseif target == n then
        return nil, state.in_state(n.state, "cycle detected: " .. n.rid .. " -> " .. n.rid)
      end
    end
  end
  return true
end

-- A cycle as "a -> b -> a", starting at its smallest ID, with the files it runs through.
local function cycle_error(path)
  local min = 1
  for i = 2, #path do
    if path[i].id < path[min].id then min = i end
  end
  local ids, files, fseen = {}, {}, {}
  for k = 0, #path do
    local n = path[(min - 1 + k) % #path + 1]
    ids[#ids + 1] = n.id
    local f = file_of(n.state)
    if not fseen[f] then fseen[f] = true files[#files + 1] = f end
  end
  if #files == 1 then
    return ("in %s: cycle detected: %s"):format(files[1], table.concat(ids, " -> "))
  end
  return ("cycle detected across %s: %s"):format(table.concat(files, " and "), table.concat(ids, " -> "))
end

local function find_cycle(all)
  local color, stack = {}, {}
  local function visit(n)
    color[n] = "grey"
    stack[#stack + 1] = n
    for _, d in ipairs(n.needs) do
      if color[d] == "grey" then
        local path = {}
        for i = #stack, 1, -1 do
          table.insert(path, 1, stack[i])
          if stack[i] == d then break end
        end
        -- path runs needing → needed; a cycle reads the same either way round
        return path
      elseif not color[d] then
        local p = visit(d)
        if p then return p end
      end
    end
    stack[#stack] = nil
    color[n] = "black"
  end
  for _, n in ipairs(all) do
    if not color[n] then
      local p = visit(n)
      if p then return p end
    end
  end
end

-- Layer of each node as Helmfile's plan has it (0: needs nothing), for the order in which
-- unselected needs are judged: dependents before what they need.
local function depths(all)
  local depth = {}
  local function d(n)
    if depth[n] then return depth[n] end
    local m = 0
    for _, x in ipairs(n.needs) do m = math.max(m, d(x) + 1) end
    depth[n] = m
    return m
  end
  for _, n in ipairs(all) do d(n) end
  return depth
end

local function select_nodes(all, opts)
  local include = opts.include_needs or opts.include_transitive_needs
  local skip = opts.skip_needs
  if skip == nil then skip = true end
  if include then skip = false end
  local only = {}
  for _, n in ipairs(all) do
    if n.selected then only[n] = true end
  end
  if opts.include_transitive_needs then
    local function add(n)
      for _, d in ipairs(n.needs) do
        if not only[d] then only[d] = true add(d) end
      end
    end
    for _, n in ipairs(all) do if n.selected then add(n) end end
  end
  if skip then return only end
  local depth = depths(all)
  local order = {}
  for i, n in ipairs(all) do order[i] = n end
  table.sort(order, function(a, b)
    if depth[a] ~= depth[b] then return depth[a] > depth[b] end
    return a.index < b.index
  end)
  for _, n in ipairs(order) do
    if not only[n] then
      local dependents = {}
      for _, m in ipairs(n.dependents) do
        if only[m] then dependents[#dependents + 1] = m.id end
      end
      if #dependents > 0 then
        if not include then
          table.sort(dependents)
          return nil, state.in_state(n.state, ('release %s %s on "%s" which does not match the '
            .. 'selectors. Please add a selector like "--selector name=%s", or indicate whether to '
            .. 'skip (--skip-needs) or include (--include-needs) these dependencies')
            :format(humanize(dependents), #dependents == 1 and "depends" or "depend", n.id,
              n.rid:match("([^/]*)$")))
        end
        only[n] = true
      end
    end
  end
  return only
end

-- Plan order: processing order, then definition order, each node after what it needs.
local function plan_order(all, only)
  local out, placed = {}, {}
  local function place(n)
    if placed[n] then return end
    placed[n] = true
    for _, d in ipairs(n.needs) do
      if only[d] then place(d) end
    end
    out[#out + 1] = n
  end
  for _, n in ipairs(all) do
    if only[n] then place(n) end
  end
  return out
end

--- Builds the graph of the selected releases of every state file of st.
---@param st table  a loaded state (hfl.load)
---@param opts? {selectors?: string[], skip_needs?: boolean, include_needs?: boolean,
---   include_transitive_needs?: boolean, reverse?: boolean}
---@return table|nil g  { nodes = {node…} in plan order, by_id = {id → node}, reverse = bool };
---   node = { id=, release=, state=, needs = {node…}, dependents = {node…} }; with reverse
---   (destroy) each node's needs are the releases that need it, and dependents come first
---@return string|nil err  a selector error, an unselected need (with --skip-needs=false), a
---   cycle ("in helmfile.yaml: cycle detected: a -> b -> a"), a need defined in two other files
function M.build(st, opts)
  if type(st) ~= "table" or not st.states then error("hfl.deploy.graph.build: expected a loaded state", 2) end
  opts = opts or {}
  local all, err = universe(st, opts.selectors)
  if not all then return nil, err end
  local ok
  ok, err = link(all)
  if not ok then return nil, err end
  local cycle = find_cycle(all)
  if cycle then return nil, cycle_error(cycle) end
  local only
  only, err = select_nodes(all, opts)
  if not only then return nil, err end

  local order = plan_order(all, only)
  local nodes, by_id = {}, {}
  for i, n in ipairs(order) do
    local needs, dependents = {}, {}
    for _, d in ipairs(n.needs) do if only[d] then needs[#needs + 1] = d end end
    for _, d in ipairs(n.dependents) do if only[d] then dependents[#dependents + 1] = d end end
    nodes[i] = { id = n.id, release = n.release, state = n.state, needs = needs, dependents = dependents }
    by_id[n.id] = nodes[i]
    n.out = nodes[i]
  end
  for _, node in ipairs(nodes) do
    for i, d in ipairs(node.needs) do node.needs[i] = d.out end
    for i, d in ipairs(node.dependents) do node.dependents[i] = d.out end
  end
  for _, n in ipairs(all) do n.out = nil end
  if opts.reverse then
    local rev = {}
    for i = #nodes, 1, -1 do
      local node = nodes[i]
      node.needs, node.dependents = node.dependents, node.needs
      rev[#rev + 1] = node
    end
    nodes = rev
  end
  return { nodes = nodes, by_id = by_id, reverse = opts.reverse == true }
end

return M
