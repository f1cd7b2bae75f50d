-- helmfile.lua that reads `values` its own environments, bases and values define: the first
-- pass learns the declarations (a key not known yet reads as a hole), the second renders with
-- them; through the hfl binary (list, build) and through hfl.load.
local hflrun = require "spec.support.hflrun"

local function tmpdir()
  local p = io.popen("mktemp -d")
  local d = p:read("*l")
  p:close()
  return d
end

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

-- A directory with values files for default and prod, a base, and helmfile.lua = body.
local function project(body)
  local d = tmpdir()
  write(d .. "/default.yaml", "namespace: dev\ndb:\n  enabled: false\n")
  write(d .. "/prod.yaml", "namespace: shop\ndb:\n  enabled: true\n")
  write(d .. "/base.yaml", "values:\n  - team: core\n")
  write(d .. "/helmfile.lua", body)
  return d
end

local NATURAL = [[
bases { "base.yaml" }
environments {
  default = { values = { "default.yaml" } },
  prod = { values = { "prod.yaml" } },
}

release "backend" { chart = "./charts/app", namespace = values.namespace, labels = { team = values.team } }
release "db" {
  chart = "./charts/app",
  namespace = values.namespace,
  installed = values.db.enabled,
}
release "web" {
  chart = "./charts/app",
  namespace = values.namespace,
  needs = { values.namespace .. "/backend" },
}
]]

local function hfl(dir, args)
  return hflrun.run(args, { cwd = dir, env = { NO_COLOR = "1" } })
end

describe("helmfile.lua reading the values it declares #integration", function()
  it("lists releases with values of the selected environment", function()
    local d = project(NATURAL)
    local code, out, err = hfl(d, { "-e", "prod", "list" })
    assert.equal(0, code, err)
    assert.matches("\ndb     \tshop     \ttrue   \ttrue     \t", out, 1, true)
    code, out, err = hfl(d, { "list" })
    assert.equal(0, code, err)
    assert.matches("\ndb     \tdev      \ttrue   \tfalse    \t", out, 1, true)
  end)

  it("builds needs and labels from values of bases and environments", function()
    local d = project(NATURAL)
    local code, out, err = hfl(d, { "-e", "prod", "build" })
    assert.equal(0, code, err)
    assert.matches("    needs:\n      - shop/backend\n", out, 1, true)
    assert.matches("      team: core\n", out, 1, true)
    assert.equal("", err)
  end)

  it("works when the helmfile returns one table", function()
    local d = project([[
return {
  environments = { default = { values = { "default.yaml" } }, prod = { values = { "prod.yaml" } } },
  releases = {
    { name = "db", chart = "./c", namespace = values.namespace, installed = values.db.enabled },
    { name = "web", chart = "./c", needs = { values.namespace .. "/db" } },
  },
}
]])
    local code, out, err = hfl(d, { "-e", "prod", "build" })
    assert.equal(0, code, err)
    assert.matches("    installed: true\n    name: db\n    namespace: shop\n", out, 1, true)
    assert.matches("      - shop/db\n", out, 1, true)
  end)

  it("names the line, the environment and its keys when a value is really missing", function()
    local d = project([[
environments { default = { values = { "default.yaml" } } }
release "db" { chart = "./c", replicas = values.web.replicas }
]])
    local code, out, err = hfl(d, { "list" })
    assert.equal(1, code)
    assert.equal("", out)
    assert.equal(d .. "/helmfile.lua:2: attempt to index field 'web' (a nil value) (in environment "
      .. "\"default\", `values` has the keys namespace, db; give the key a default with `or`, or define "
      .. "it in the environment's values)\n", err:gsub("^hfl: ", ""))
  end)

  it("adds nothing about declarations to a file that makes none", function()
    local d = project([[
release "db" { chart = "./c", values = { { size = values.db.size > 1 } } }
]])
    local code, _, err = hfl(d, { "list" })
    assert.equal(1, code)
    assert.equal("hfl: " .. d .. "/helmfile.lua:1: attempt to index field 'db' (a nil value) (in environment "
      .. "\"default\", `values` has no keys; give the key a default with `or`, or define it in the "
      .. "environment's values)\n", err)
  end)

  it("explains that declarations cannot be made from the values they define", function()
    local d = project([[
environments { default = { values = { values.file .. ".yaml" } } }
release "db" { chart = "./c" }
]])
    local code, _, err = hfl(d, { "list" })
    assert.equal(1, code)
    assert.matches("helmfile.lua: environments.default.values[1]: uses values.file, a value not known",
      err, 1, true)
    assert.not_matches("traceback", err)
  end)

  it("says where the first pass stopped when a library function gets a value not known yet", function()
    local d = project([[
return {
  releases = { { name = "db", chart = "./c", replicas = math.max(values.db.replicas, 1) } },
  environments = { default = { values = { "default.yaml" } } },
}
]])
    local code, _, err = hfl(d, { "list" })
    assert.equal(1, code)
    assert.matches("stopped at " .. d .. "/helmfile.lua:2 — declare them with environments{}, ", err, 1, true)
  end)

  it("compares and computes with values its environments declare after the comparison", function()
    local d = tmpdir()
    write(d .. "/helmfile.lua", [[
return {
  releases = {
    { name = "web-" .. values.suffix, chart = "./c", installed = values.replicas > 2,
      labels = { size = tostring(values.replicas * 2), small = tostring(values.replicas <= 2) } },
    { name = "api", chart = "./c", installed = values.replicas >= 3 and #values.zones > 1 },
  },
  environments = {
    default = { values = { { replicas = 1, suffix = "dev", zones = { "a" } } } },
    prod = { values = { { replicas = 5, suffix = "prod", zones = { "a", "b" } } } },
  },
}
]])
    local code, out, err = hfl(d, { "list" })
    assert.equal(0, code, err)
    assert.matches("\napi    \t         \ttrue   \tfalse    \t", out, 1, true)
    assert.matches("\nweb-dev\t         \ttrue   \tfalse    \tchart:c,name:web-dev,namespace:,size:2,small:true\t", out, 1, true)
    code, out, err = hfl(d, { "-e", "prod", "list" })
    assert.equal(0, code, err)
    assert.matches("\napi     \t         \ttrue   \ttrue     \t", out, 1, true)
    assert.matches("\nweb-prod\t         \ttrue   \ttrue     \tchart:c,name:web-prod,namespace:,size:10,small:false\t", out, 1, true)
  end)

  it("evaluates a helmfile without declarations once", function()
    local d = project([[
write_count = (write_count or 0) + 1
exec("sh", { "-c", "echo x >> count.txt" })
release "a" { chart = "./c", namespace = values.ns or "none" }
]])
    local code, out, err = hfl(d, { "list" })
    assert.equal(0, code, err)
    assert.matches("\na   \tnone", out, 1, true)
    local f = assert(io.open(d .. "/count.txt"))
    assert.equal("x\n", f:read("*a"))
    f:close()
  end)

  it("never calls a template function with a value not known yet", function()
    local d = project([[
environments { default = { values = { "default.yaml" } } }
release "a" { chart = "./c", labels = { who = exec("sh", { "-c", "echo ran-$1 >> log.txt; echo ok", "x", values.db.enabled and "on" or values.namespace }) } }
]])
    local code, out, err = hfl(d, { "list" })
    assert.equal(0, code, err)
    assert.matches("who:ok", out, 1, true)
    local f = assert(io.open(d .. "/log.txt"))
    assert.equal("ran-dev\n", f:read("*a"))
    f:close()
  end)

  it("gives hfl.load the same state", function()
    local hfl_api = require "hfl"
    local d = project(NATURAL)
    local st = assert(hfl_api.load { file = d .. "/helmfile.lua", environment = "prod" })
    local byname = {}
    for _, r in ipairs(st:releases()) do byname[r.name] = r end
    assert.equal("shop", byname.db.namespace)
    assert.is_true(byname.db.installed ~= false)
    assert.same({ "shop/backend" }, byname.web.needs)
    local dev = assert(hfl_api.load { file = d .. "/helmfile.lua" })
    for _, r in ipairs(dev:releases()) do
      if r.name == "db" then assert.is_false(r.installed) end
    end
  end)
end)
