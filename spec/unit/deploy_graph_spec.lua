-- Specs of hfl.deploy.graph: one plan over every state file, Helmfile's selector/needs rules,
-- needs across files, cycles, reverse order.
local hfl = require "hfl"
local fs = require "hfl.fs"
local graph = require "hfl.deploy.graph"

local function write(path, text)
  assert(fs.mkdir_p(fs.dirname(path)))
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

local function ids(list)
  local out = {}
  for i, n in ipairs(list) do out[i] = n.id end
  return out
end

describe("hfl.deploy.graph #unit", function()
  local dir
  before_each(function() dir = assert(fs.mkdtemp(fs.tmpdir() .. "/hfl-graph-XXXXXX")) end)
  after_each(function() fs.rm_r(dir, dir) end)

  local function load(files, opts)
    for name, text in pairs(files) do write(dir .. "/" .. name, text) end
    opts = opts or {}
    opts.file = dir .. "/helmfile.yaml"
    return hfl.load(opts)
  end

  local SUBS = {
    ["helmfile.yaml"] = "helmfiles:\n- a.yaml\n- b.yaml\n",
    ["a.yaml"] = [[
releases:
- {name: app, namespace: web, chart: ./c, needs: [data/db], labels: {tier: front}}
- {name: cache, namespace: web, chart: ./c}
]],
    ["b.yaml"] = [[
releases:
- {name: db, namespace: data, chart: ./c, labels: {tier: back}}
- {name: backup, namespace: data, chart: ./c, needs: [db]}
]],
  }

  describe("build()", function()
    it("puts every state file's releases in one graph, each after what it needs", function()
      local st = assert(load(SUBS))
      local g = assert(graph.build(st))
      assert.same({ "data/db", "web/app", "web/cache", "data/backup" }, ids(g.nodes))
      local app = g.by_id["web/app"]
      assert.same({ "data/db" }, ids(app.needs))
      assert.same({ "web/app", "data/backup" }, ids(g.by_id["data/db"].dependents))
      assert.matches("a%.yaml$", app.state.path)
      assert.equal("app", app.release.name)
    end)

    it("lets a need name another file's release only when its own file has none by that ID", function()
      local files = {
        ["helmfile.yaml"] = "helmfiles:\n- a.yaml\n- b.yaml\n",
        ["a.yaml"] = "releases:\n- {name: db, namespace: data, chart: ./c}\n- {name: app, namespace: data, chart: ./c, needs: [db]}\n",
        ["b.yaml"] = "releases:\n- {name: db, namespace: data, chart: ./other}\n",
      }
      local g = assert(graph.build(assert(load(files))))
      local app = g.by_id["data/app"]
      assert.matches("a%.yaml$", app.needs[1].state.path)
      -- the second data/db is a node of its own, named with its file
      assert.equal(3, #g.nodes)
      assert.matches("^data/db %(.*b%.yaml%)$", g.nodes[3].id)
    end)

    it("keeps Helmfile's error for a need no file defines", function()
      local st, err = load {
        ["helmfile.yaml"] = "helmfiles:\n- a.yaml\n",
        ["a.yaml"] = "releases:\n- {name: app, namespace: web, chart: ./c, needs: [data/dbb]}\n",
      }
      assert.is_nil(st)
      assert.matches('a%.yaml:2: release%(s%) "web/app" depend%(s%) on an undefined release "data/dbb"%. '
        .. 'Perhaps you made a typo in "needs" or forgot defining a release named "dbb"', err)
    end)

    it("names a cycle within one file with the file", function()
      local st = assert(load { ["helmfile.yaml"] = [[
releases:
- {name: a, chart: ./c, needs: [b]}
- {name: b, chart: ./c, needs: [a]}
- {name: c, chart: ./c}
]] })
      local g, err = graph.build(st)
      assert.is_nil(g)
      assert.equal("in " .. dir .. "/helmfile.yaml: cycle detected: a -> b -> a", err)
    end)

    it("names a cycle across files with both files", function()
      local st = assert(load {
        ["helmfile.yaml"] = "helmfiles:\n- a.yaml\n- b.yaml\n",
        ["a.yaml"] = "releases:\n- {name: a, namespace: x, chart: ./c, needs: [y/b]}\n",
        ["b.yaml"] = "releases:\n- {name: b, namespace: y, chart: ./c, needs: [x/a]}\n",
      })
      local g, err = graph.build(st)
      assert.is_nil(g)
      assert.equal("cycle detected across " .. dir .. "/a.yaml and " .. dir .. "/b.yaml: x/a -> y/b -> x/a", err)
    end)

    it("leaves unselected needs out by default (--skip-needs)", function()
      local st = assert(load(SUBS, { selectors = "tier=front" }))
      local g = assert(graph.build(st))
      assert.same({ "web/app" }, ids(g.nodes))
      assert.same({}, g.nodes[1].needs)
    end)

    it("adds needs across files with --include-needs", function()
      local st = assert(load(SUBS, { selectors = "tier=front" }))
      local g = assert(graph.build(st, { include_needs = true }))
      assert.same({ "data/db", "web/app" }, ids(g.nodes))
      assert.same({ "data/db" }, ids(g.nodes[2].needs))
    end)

    it("adds needs of needs with --include-transitive-needs", function()
      local files = {
        ["helmfile.yaml"] = "helmfiles:\n- a.yaml\n- b.yaml\n",
        ["a.yaml"] = "releases:\n- {name: app, namespace: web, chart: ./c, labels: {pick: y}, needs: [data/db]}\n",
        ["b.yaml"] = "releases:\n- {name: db, namespace: data, chart: ./c, needs: [vol]}\n"
          .. "- {name: vol, namespace: data, chart: ./c}\n",
      }
      local st = assert(load(files, { selectors = "pick=y" }))
      local g = assert(graph.build(st, { include_transitive_needs = true }))
      assert.same({ "data/vol", "data/db", "web/app" }, ids(g.nodes))
    end)

    it("refuses an unselected need with --skip-needs=false, as Helmfile words it", function()
      local st = assert(load(SUBS, { selectors = "tier=front" }))
      local g, err = graph.build(st, { skip_needs = false })
      assert.is_nil(g)
      assert.equal("in " .. dir .. '/b.yaml: release "web/app" depends on "data/db" which does not '
        .. 'match the selectors. Please add a selector like "--selector name=db", or indicate whether '
        .. 'to skip (--skip-needs) or include (--include-needs) these dependencies', err)
    end)

    it("takes selectors given to build over the load-time ones", function()
      local st = assert(load(SUBS))
      local g = assert(graph.build(st, { selectors = { "tier=back" } }))
      assert.same({ "data/db" }, ids(g.nodes))
    end)

    it("reverses the graph for destroy: dependents first, needs and dependents swapped", function()
      local st = assert(load(SUBS))
      local g = assert(graph.build(st, { reverse = true }))
      assert.is_true(g.reverse)
      assert.same({ "data/backup", "web/cache", "web/app", "data/db" }, ids(g.nodes))
      assert.same({ "web/app", "data/backup" }, ids(g.by_id["data/db"].needs))
      assert.same({}, g.by_id["web/app"].needs)
    end)

    it("leaves the per-file plan (show-dag) of a file with a cross-file need as it was", function()
      local st = assert(load(SUBS))
      local batches = assert(st:dag())
      local names = {}
      for i, b in ipairs(batches) do
        names[i] = {}
        for j, r in ipairs(b) do names[i][j] = r.name end
      end
      assert.same({ { "app", "cache" }, { "db" }, { "backup" } }, names)
    end)
  end)
end)
