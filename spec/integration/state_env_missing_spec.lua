local hflrun = require "spec.support.hflrun"

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

describe("an environment a helmfile does not define #integration", function()
  local dir
  before_each(function()
    dir = os.tmpname()
    os.remove(dir)
    os.execute("mkdir -p " .. dir .. "/sub")
    write(dir .. "/helmfile.yaml", "environments:\n  default: {}\n  prod: {}\n---\nhelmfiles:\n- sub/apps.yaml\nreleases:\n- name: web\n  chart: ./web\n")
    write(dir .. "/sub/apps.yaml", "releases:\n- name: worker\n  chart: ./worker\n")
  end)
  after_each(function() os.execute("rm -rf " .. dir) end)

  it("names the file that lacks it and exits 3, as Helmfile does", function()
    local code, out, err = hflrun.run({ "-e", "staging", "list" }, { cwd = dir })
    assert.equal(3, code)
    assert.equal("", out)
    assert.matches('helmfile.yaml: environment "staging" is not defined; defined: default, prod (skipping this state file)', err, 1, true)
    assert.matches("err: no releases found that matches specified selector() and environment(staging), in any helmfile", err, 1, true)
  end)

  it("suggests the environment meant by a typo and lists the defined ones", function()
    local code, _, err = hflrun.run({ "-e", "prdo", "list" }, { cwd = dir })
    assert.equal(3, code)
    assert.matches('helmfile.yaml: environment "prdo" is not defined (did you mean "prod"?); defined: default, prod',
      err, 1, true)
  end)

  it("skips sub-helmfiles without the environment quietly, as Helmfile does", function()
    local code, out, err = hflrun.run({ "-e", "prod", "list" }, { cwd = dir })
    assert.equal(0, code)
    assert.matches("\nweb ", out)
    assert.not_matches("worker", out)
    assert.equal("", err)
  end)
end)
