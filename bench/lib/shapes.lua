-- bench/lib/shapes.lua: release graphs for the scheduler benchmarks, as data and as helmfiles,
-- so the same shapes run with simulated work (bench/sched.lua) and through the fake helm shim.
--
--   local shapes = require "bench.lib.shapes"
--   local shape = shapes.chain_fanout{ unit = 1 }        -- { {name=, needs={…}, seconds=}, … }
--   shapes.write_helmfile(dir, shape, { chart = "./chart", files = 2 })
--   print(shapes.critical_path(shape), shapes.layered(shape, 10))
local M = {}

--- n releases that need nothing, `seconds` each.
function M.independent(n, seconds)
  local out = {}
  for i = 1, n do out[i] = { name = ("r%03d"):format(i), needs = {}, seconds = seconds } end
  return out
end

--- A chain, a slow release that fans out, and a chain whose slow step comes second, so that
--- layer-by-layer batches (Helmfile) take twice the critical path:
---   c1 → c2 → c3 → c4                (unit each)      critical path 4 units
---   x (3 units) → x01 … x<fan> (unit each)            4 units
---   y1 (unit) → y2 (3 units)                          4 units
--- layers: max(c1, x, y1) = 3, max(c2, x*, y2) = 3, then 1 and 1: 8 units.
function M.chain_fanout(opts)
  opts = opts or {}
  local unit, fan = opts.unit or 1, opts.fan or 10
  local out = {}
  local function add(name, needs, units) out[#out + 1] = { name = name, needs = needs, seconds = units * unit } end
  add("c1", {}, 1)
  for i = 2, 4 do add("c" .. i, { "c" .. (i - 1) }, 1) end
  add("x", {}, 3)
  for i = 1, fan do add(("x%02d"):format(i), { "x" }, 1) end
  add("y1", {}, 1)
  add("y2", { "y1" }, 3)
  return out
end

local function by_name(shape)
  local m = {}
  for _, r in ipairs(shape) do m[r.name] = r end
  return m
end

--- The longest chain of seconds through the shape (the best any scheduler can do).
function M.critical_path(shape)
  local m, finish = by_name(shape), {}
  local function f(r)
    if finish[r] then return finish[r] end
    local start = 0
    for _, d in ipairs(r.needs) do start = math.max(start, f(m[d])) end
    finish[r] = start + r.seconds
    return finish[r]
  end
  local best = 0
  for _, r in ipairs(shape) do best = math.max(best, f(r)) end
  return best
end

--- The layers (Helmfile's batches): lists of releases whose needs are all in earlier layers.
function M.layers(shape)
  local m, depth = by_name(shape), {}
  local function d(r)
    if depth[r] then return depth[r] end
    local k = 1
    for _, n in ipairs(r.needs) do k = math.max(k, d(m[n]) + 1) end
    depth[r] = k
    return k
  end
  local layers = {}
  for _, r in ipairs(shape) do
    local k = d(r)
    for i = #layers + 1, k do layers[i] = {} end
    table.insert(layers[k], r)
  end
  return layers
end

--- Seconds layer-by-layer batches take at `concurrency` (0: unlimited), each batch started
--- only when the previous one ended, its releases taken in order into free slots.
function M.layered(shape, concurrency)
  local total = 0
  for _, layer in ipairs(M.layers(shape)) do
    local n = (concurrency and concurrency > 0) and concurrency or #layer
    local slots = {}
    for i = 1, n do slots[i] = 0 end
    for _, r in ipairs(layer) do
      table.sort(slots)
      slots[1] = slots[1] + r.seconds
    end
    table.sort(slots)
    total = total + slots[#slots]
  end
  return total
end

--- Writes the shape as helmfile.yaml in dir (releases of opts.chart, default "./chart", in
--- namespace opts.namespace or "bench"; each release's seconds in its label `seconds`, for
--- a shim or a work function). opts.files = k > 1 spreads the releases over k sub-helmfiles
--- (helmfile.d-style `helmfiles:` entries) round-robin, with needs written as `ns/name` so
--- they cross files. Returns the path of the top-level helmfile.
function M.write_helmfile(dir, shape, opts)
  opts = opts or {}
  local ns, chart, files = opts.namespace or "bench", opts.chart or "./chart", opts.files or 1
  local parts = {}
  for k = 1, files do parts[k] = { "releases:" } end
  for i, r in ipairs(shape) do
    local lines = parts[(i - 1) % files + 1]
    lines[#lines + 1] = ("- name: %s\n  namespace: %s\n  chart: %s\n  labels:\n    seconds: %q")
      :format(r.name, ns, files > 1 and "../" .. chart:gsub("^%./", "") or chart, tostring(r.seconds))
    if #r.needs > 0 then
      lines[#lines + 1] = "  needs:"
      for _, d in ipairs(r.needs) do lines[#lines + 1] = ("  - %s/%s"):format(ns, d) end
    end
  end
  local function write(path, text)
    local f = assert(io.open(path, "wb"))
    f:write(text)
    f:close()
  end
  local top = dir .. "/helmfile.yaml"
  if files == 1 then
    write(top, table.concat(parts[1], "\n") .. "\n")
    return top
  end
  os.execute(("mkdir -p %q"):format(dir .. "/parts"))
  local list = { "helmfiles:" }
  for k = 1, files do
    local name = ("parts/%02d.yaml"):format(k)
    write(dir .. "/" .. name, table.concat(parts[k], "\n") .. "\n")
    list[#list + 1] = "- " .. name
  end
  write(top, table.concat(list, "\n") .. "\n")
  return top
end

return M
