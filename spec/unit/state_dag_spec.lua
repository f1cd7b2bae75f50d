-- Specs of hfl.state.needs and hfl.state.dag: release IDs, needs entries and the plan (§6.2, §6.3).
local needs = require "hfl.state.needs"
local dag = require "hfl.state.dag"

local function nodes(spec)
  local out = {}
  for i, s in ipairs(spec) do out[i] = { id = s[1], needs = s[2] or {} } end
  return out
end

local function ids(batches)
  local out = {}
  for i, b in ipairs(batches) do
    out[i] = {}
    for j, n in ipairs(b) do out[i][j] = n.id end
  end
  return out
end

local function set(list)
  local s = {}
  for _, k in ipairs(list) do s[k] = true end
  return s
end

describe("hfl.state.needs #unit", function()
  describe("id()", function()
    it("joins context, namespace and name, leaving out empty parts", function()
      assert.equal("api", needs.id("", "", "api"))
      assert.equal("web/api", needs.id("", "web", "api"))
      assert.equal("kind/web/api", needs.id("kind", "web", "api"))
    end)

    it("writes ctx//name when the namespace is empty", function()
      assert.equal("kind//api", needs.id("kind", "", "api"))
    end)
  end)

  describe("resolve()", function()
    it("takes namespace and context from the needing release for a bare name", function()
      assert.equal("ctx/web/db", (needs.resolve("db", "web", "ctx")))
    end)

    it("takes the context from the needing release for ns/name", function()
      assert.equal("ctx/data/db", (needs.resolve("data/db", "web", "ctx")))
      assert.equal("data/db", (needs.resolve("data/db", "web", "")))
    end)

    it("takes everything before the last two segments as the context", function()
      local id, ctx, ns, name = needs.resolve("arn:aws/eks/c1/data/db", "web", "x")
      assert.equal("arn:aws/eks/c1/data/db", id)
      assert.same({ "arn:aws/eks/c1", "data", "db" }, { ctx, ns, name })
    end)
  end)
end)

describe("hfl.state.dag #unit", function()
  describe("plan()", function()
    it("puts releases without needs first, then each layer after what it needs", function()
      local b = assert(dag.plan(nodes { { "app", { "mesh", "log" } }, { "mesh", { "log" } }, { "log" } }))
      assert.same({ { "log" }, { "mesh" }, { "app" } }, ids(b))
    end)

    it("keeps definition order within a batch", function()
      local b = assert(dag.plan(nodes { { "c" }, { "a" }, { "b", { "c" } }, { "d", { "a" } } }))
      assert.same({ { "c", "a" }, { "b", "d" } }, ids(b))
    end)

    it("reports a cycle with its path", function()
      local b, err = dag.plan(nodes { { "a", { "c" } }, { "b", { "a" } }, { "c", { "b" } }, { "d" } })
      assert.is_nil(b)
      assert.equal("cycle detected: a -> b -> c -> a", err)
    end)

    it("reports a release needing itself as a cycle", function()
      local _, err = dag.plan(nodes { { "a", { "a" } } })
      assert.equal("cycle detected: a -> a", err)
    end)

    it("reports an undefined need with Helmfile's message", function()
      local _, err = dag.plan(nodes { { "web/api", { "web/dbb" } }, { "web/db" } })
      assert.equal('release(s) "web/api" depend(s) on an undefined release "web/dbb". Perhaps you made a '
        .. 'typo in "needs" or forgot defining a release named "dbb" with appropriate "namespace" and '
        .. '"kubeContext"?', err)
    end)

    it("plans only the selected releases, skipping their needs with skip_needs", function()
      local b = assert(dag.plan(nodes { { "db" }, { "api", { "db" } }, { "web" } },
        { only = set { "api" }, skip_needs = true }))
      assert.same({ { "api" } }, ids(b))
    end)

    it("adds needs (recursively) with include_needs", function()
      local b = assert(dag.plan(nodes { { "base" }, { "db", { "base" } }, { "api", { "db" } }, { "web" } },
        { only = set { "api" }, include_needs = true }))
      assert.same({ { "base" }, { "db" }, { "api" } }, ids(b))
    end)

    it("fails when a selected release needs an unselected one and needs are neither skipped nor included", function()
      local _, err = dag.plan(nodes { { "default/ns1/bar" }, { "default//foo", { "default/ns1/bar" } } },
        { only = set { "default//foo" } })
      assert.equal('release "default//foo" depends on "default/ns1/bar" which does not match the selectors. '
        .. 'Please add a selector like "--selector name=bar", or indicate whether to skip (--skip-needs) or '
        .. 'include (--include-needs) these dependencies', err)
    end)

    it("names several dependents as Helmfile does", function()
      local _, err = dag.plan(nodes { { "db" }, { "a", { "db" } }, { "b", { "db" } } }, { only = set { "a", "b" } })
      assert.matches('^release "a" and "b" depend on "db"', err)
    end)

    it("reverses the batches for deletes", function()
      local b = assert(dag.plan(nodes { { "db" }, { "api", { "db" } } }, { reverse = true }))
      assert.same({ { "api" }, { "db" } }, ids(b))
    end)

    it("plans an empty state as no batches", function()
      assert.same({}, assert(dag.plan({})))
    end)
  end)
end)
