-- `hfl deps` on a local chart with dependencies writes its Chart.lock as `helm dependency
-- update` (which Helmfile runs) does: compared with the real helm's. #integration
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

local function tmpdir()
  local p = io.popen("mktemp -d")
  local dir = p:read("*l")
  p:close()
  return dir
end

local APP = [[
apiVersion: v2
name: app
version: 0.1.0
dependencies:
- name: dep
  version: ">=0.1.0 <1"
  repository: file://../dep
  alias: other
  condition: other.enabled
  tags: [a]
- name: dep
  version: "~0.2"
  repository: "file://../dep"
]]

-- A chart app depending on ../dep (0.2.0) twice, and a helmfile releasing it.
local function tree(dir)
  write(dir .. "/dep/Chart.yaml", "apiVersion: v2\nname: dep\nversion: 0.2.0\n")
  write(dir .. "/app/Chart.yaml", APP)
  write(dir .. "/helmfile.yaml", "releases:\n- name: a\n  chart: ./app\n")
end

local function without_time(lock)
  return (lock:gsub('\ngenerated: "[^"]*"\n$', "\n"))
end

describe("hfl deps on a local chart #integration", function()
  local dir, ref
  before_each(function()
    dir, ref = tmpdir(), tmpdir()
    tree(dir)
    tree(ref)
  end)
  after_each(function() os.execute("rm -rf '" .. dir .. "' '" .. ref .. "'") end)

  it("writes the Chart.lock helm dependency update writes, beside the dependency in charts/", function()
    local code, _, err = hflrun.run({ "deps" }, { cwd = dir, env = { NO_COLOR = "1" } })
    assert.equal(0, code, err)
    assert.truthy(read(dir .. "/app/charts/dep-0.2.0.tgz"))
    assert.equal(0, select(3, os.execute("cd '" .. ref .. "' && helm dependency update app >/dev/null 2>&1")) or 0)
    local ours, helms = read(dir .. "/app/Chart.lock"), read(ref .. "/app/Chart.lock")
    assert.truthy(helms)
    assert.equal(without_time(helms), without_time(ours))
    assert.matches('\ngenerated: "%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d[.%d]*Z"\n$', ours)
  end)

  it("leaves an up-to-date Chart.lock as it is, as helm does", function()
    assert.equal(0, (hflrun.run({ "deps" }, { cwd = dir })))
    local first = read(dir .. "/app/Chart.lock")
    assert.equal(0, (hflrun.run({ "deps" }, { cwd = dir })))
    assert.equal(first, read(dir .. "/app/Chart.lock"))
  end)
end)
