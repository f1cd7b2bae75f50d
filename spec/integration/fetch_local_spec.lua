-- `hfl fetch` with local charts: where they go with --output-dir (Helmfile's layout), and what
-- it says. #integration
local hflrun = require "spec.support.hflrun"

local function write(path, text)
  os.execute("mkdir -p '" .. path:match("^(.*)/") .. "'")
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

describe("hfl fetch with a local chart #integration", function()
  local dir
  before_each(function()
    local p = io.popen("mktemp -d")
    dir = p:read("*l")
    p:close()
    write(dir .. "/charts/raw/Chart.yaml", "apiVersion: v2\nname: raw\nversion: 0.1.0\n")
    write(dir .. "/charts/raw/templates/cm.yaml", "kind: ConfigMap\n")
    write(dir .. "/helmfile.yaml", "releases:\n- name: local-chart\n  chart: ./charts/raw\n  namespace: local-chart\n")
  end)
  after_each(function() os.execute("rm -rf '" .. dir .. "'") end)

  it("copies it to <output-dir>/<namespace>/<release>/<chart>/latest/, as Helmfile", function()
    local code, _, err = hflrun.run({ "fetch", "--output-dir", "out" }, { cwd = dir })
    assert.equal(0, code, err)
    assert.equal("apiVersion: v2\nname: raw\nversion: 0.1.0\n", read(dir .. "/out/local-chart/local-chart/raw/latest/Chart.yaml"))
    assert.equal("kind: ConfigMap\n", read(dir .. "/out/local-chart/local-chart/raw/latest/templates/cm.yaml"))
    assert.matches("release local%-chart: chart %./charts/raw: out/local%-chart/local%-chart/raw/latest\n", err)
  end)

  it("replaces what an earlier fetch left there", function()
    assert.equal(0, (hflrun.run({ "fetch", "--output-dir", "out" }, { cwd = dir })))
    os.remove(dir .. "/charts/raw/templates/cm.yaml")
    assert.equal(0, (hflrun.run({ "fetch", "--output-dir", "out" }, { cwd = dir })))
    assert.is_nil(read(dir .. "/out/local-chart/local-chart/raw/latest/templates/cm.yaml"))
  end)

  it("says the chart stays where it is without --output-dir", function()
    local code, out, err = hflrun.run({ "fetch" }, { cwd = dir })
    assert.equal(0, code, err)
    assert.equal("", out)
    assert.matches("release local%-chart: chart %./charts/raw: " .. dir:gsub("%p", "%%%0") .. "/charts/raw\n", err)
  end)

  it("prints the state pointing at the copy with --write-output", function()
    local code, out, err = hflrun.run({ "fetch", "--output-dir", "out", "--write-output" }, { cwd = dir })
    assert.equal(0, code, err)
    assert.matches("\n  %- chart: out/local%-chart/local%-chart/raw/latest\n", out)
  end)
end)
