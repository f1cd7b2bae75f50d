-- The race, proven: 8 hfl processes start at once, each needing the same 5 charts (20 releases,
-- HTTP repository and OCI registry): each chart is downloaded exactly once (server counts), no
-- process fails, and the cache holds only complete entries.
local proc = require "hfl.proc"
local servers = require "spec.support.servers"
local registry = require "spec.support.servers.registry"

local hflrun = require "spec.support.hflrun"

describe("many hfl processes sharing one cache #integration #slow", function()
  it("download each chart once and all succeed", function()
    local d = servers.tmpdir()
    servers.make_charts(d, 3, { url = "." })
    local srv = servers.httprepo(d)
    local reg = registry.start()
    reg:push(d .. "/chart-1-0.1.0.tgz", "charts")
    reg:push(d .. "/chart-2-0.1.0.tgz", "charts")
    local front = reg:token_proxy("-")
    local work = servers.tmpdir()
    local lines = { "repositories:", "  - name: web", "    url: " .. srv.url, "  - name: reg",
      "    url: " .. front.host .. "/charts", "    oci: true", "releases:" }
    for i = 1, 20 do
      local c = i % 5
      local chart = c < 3 and ("web/chart-" .. (c + 1)) or ("reg/chart-" .. (c - 2))
      lines[#lines + 1] = ("  - name: r%d\n    chart: %s\n    version: 0.1.0"):format(i, chart)
    end
    local f = assert(io.open(work .. "/helmfile.yaml", "w"))
    f:write(table.concat(lines, "\n"), "\n")
    f:close()
    local cache = servers.tmpdir()
    local hs = {}
    for i = 1, 8 do
      hs[i] = hflrun.spawn({ "fetch", "--concurrency", "4" }, { cwd = work, env = { HFL_CACHE_HOME = cache } })
    end
    for i = 1, 8 do
      local r = hs[i]:wait()
      assert.equal(0, r.code, r.stderr)
    end
    local counts = srv:counts()
    for i = 1, 3 do assert.equal(1, counts[("/chart-%d-0.1.0.tgz"):format(i)]) end
    local blobs, manifests = 0, 0
    for path, n in pairs(front:counts()) do
      if path:match("/blobs/") then blobs = blobs + n end
      if path:match("/manifests/") then manifests = manifests + n; assert.equal(1, n, path) end
    end
    assert.equal(2, manifests)
    assert.equal(2, blobs)  -- one chart layer each
    local info = hflrun.capture({ "cache", "info" }, { env = { HFL_CACHE_HOME = cache } })
    assert.matches("\n5 entries", info.stdout)
    assert.same({}, require("hfl.core").fs.list(cache .. "/tmp") or {})
    front:stop()
    reg:stop()
    srv:stop()
    servers.cleanup()
  end)
  it("recovers on the next run after a process is killed in the middle of a download", function()
    local d = servers.tmpdir()
    servers.make_charts(d, 1, { url = ".", padding = 200000 })
    local srv = servers.httprepo(d)
    srv:fault("/chart-1-0.1.0.tgz", "slow", { delay = 3, times = 1 })
    local work = servers.tmpdir()
    local f = assert(io.open(work .. "/helmfile.yaml", "w"))
    f:write("repositories:\n  - name: web\n    url: " .. srv.url .. "\nreleases:\n  - name: a\n    chart: web/chart-1\n    version: 0.1.0\n")
    f:close()
    local cache = servers.tmpdir()
    local h = hflrun.spawn({ "fetch" }, { cwd = work, env = { HFL_CACHE_HOME = cache } })
    local deadline = proc.now() + 10
    while (srv:counts()["/chart-1-0.1.0.tgz"] or 0) == 0 and proc.now() < deadline do proc.sleep(0.05) end
    proc.sleep(0.3)
    h:kill("KILL")
    h:wait()
    local info = hflrun.capture({ "cache", "info" }, { env = { HFL_CACHE_HOME = cache } })
    assert.matches("\n0 entries", info.stdout)
    local r = hflrun.capture({ "fetch", "--output-dir", "out" }, { cwd = work, env = { HFL_CACHE_HOME = cache } })
    assert.equal(0, r.code, r.stderr)
    assert.equal(2, srv:counts()["/chart-1-0.1.0.tgz"])
    local chart = io.open(work .. "/out/a/chart-1/0.1.0/chart-1/files.txt")
    assert.is_not_nil(chart)
    chart:close()
    srv:stop()
    servers.cleanup()
  end)
end)
