local hflrun = require "spec.support.hflrun"

local function script(body)
  local path = os.tmpname() .. ".lua"
  local f = assert(io.open(path, "w"))
  f:write(body)
  f:close()
  return path
end

describe("hfl run #integration", function()
  it("runs a workflow that layers values files with the Lua API", function()
    local code, out, err = hflrun.run({ "run", "examples/workflows/layer-values.lua" })
    assert.equal(0, code, err)
    assert.matches("image registry.example.com/shop/web:1.5.0, 3 replicas", out, 1, true)
    assert.matches("\nreplicaCount: 3\n", out, 1, true)
    assert.matches("  search: true\n", out, 1, true)
  end)

  it("runs a workflow that checks several environments through the State API", function()
    local code, out, err = hflrun.run({ "run", "examples/workflows/check-environments.lua" })
    assert.equal(0, code, err)
    assert.equal("", err)
    assert.matches("default: step 1: apps/db (bitnami/postgresql) replicas=1\n", out, 1, true)
    assert.matches("prod: step 2: prod-cluster/apps/web (bitnami/nginx) replicas=3\n", out, 1, true)
    assert.matches('warning: skipping missing values file matching "values/web.yaml"', out, 1, true)
    code, out = hflrun.run({ "run", "examples/workflows/check-environments.lua", "staging" })
    assert.equal(1, code)
    assert.matches('staging: cannot load: [^\n]*environment "staging" is not defined', out)
  end)

  it("works from any directory, without LUA_PATH", function()
    local code, out, err = hflrun.run({ "run", hflrun.root() .. "/examples/workflows/layer-values.lua" },
      { cwd = "/", env = { LUA_PATH = false, LUA_CPATH = false } })
    assert.equal(0, code, err)
    assert.matches("3 replicas", out, 1, true)
  end)

  it("passes arguments and returns the script's exit code", function()
    local path = script('local a, b = ... assert(arg[1] == a) io.write(a, "+", b) return 7')
    local code, out, err = hflrun.run({ "run", path, "one", "two" })
    os.remove(path)
    assert.equal(7, code)
    assert.equal("one+two", out)
    assert.equal("", err)
  end)

  it("reports a script's error as one line with file and line", function()
    local path = script('local x = 1\nerror("values are wrong")\n')
    local code, out, err = hflrun.run({ "run", path })
    os.remove(path)
    assert.equal(1, code)
    assert.equal("", out)
    assert.equal("hfl: " .. path .. ":2: values are wrong\n", err)
  end)

  it("reports a missing script", function()
    local code, _, err = hflrun.run({ "run", "/nonexistent/flow.lua" })
    assert.equal(1, code)
    assert.matches("cannot open /nonexistent/flow.lua", err, 1, true)
  end)
end)
