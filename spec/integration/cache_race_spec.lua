-- The race Helmfile had (seeds 000, 001): many processes sharing one cache. Real hfl processes
-- (`hfl run spec/support/fetch_charts.lua`) against the real chart repository server.
local proc = require "hfl.proc"
local fs = require("hfl.core").fs
local cache = require "hfl.charts.cache"
local S = require "spec.support.servers"

local hflrun = require "spec.support.hflrun"

local function fetch_argv(cache_root, urls)
  local args = { "run", "spec/support/fetch_charts.lua" }
  for _, u in ipairs(urls) do args[#args + 1] = u end
  return hflrun.command(args, { env = { HFL_CACHE_HOME = cache_root } })
end

local function sha256(path)
  return (S.sh("sha256sum " .. path):match("^%x+"))
end

-- Waits until pred() holds (polling), at most `secs`.
local function eventually(secs, pred, what)
  local deadline = proc.now() + secs
  while not pred() do
    if proc.now() > deadline then error("timed out waiting for " .. what, 2) end
    proc.sleep(0.01)
  end
end

describe("the chart cache shared by many processes #integration #slow", function()
  local repo, srv, files, digests

  lazy_setup(function()
    repo = S.tmpdir()
    files = S.make_charts(repo, 5, { padding = 300000 })
    digests = {}
    for i, f in ipairs(files) do digests[i] = sha256(repo .. "/" .. f) end
    srv = S.httprepo(repo)
  end)

  lazy_teardown(function()
    srv:stop()
    S.cleanup()
  end)

  before_each(function() srv:reset() end)

  it("downloads every chart once for 8 processes started at once, none failing, no partial entry ever visible", function()
    local root = S.tmpdir()
    for _, f in ipairs(files) do srv:fault("/" .. f, "slow", { delay = 0.6 }) end
    local urls = {}
    for rel = 1, 20 do  -- 20 releases over 5 charts
      local i = (rel - 1) % 5 + 1
      urls[rel] = srv.url .. "/" .. files[i] .. "#" .. digests[i]
    end
    local stop = root .. ".stop"
    local watcher_args = { "run", "spec/support/watch_cache.lua", root, stop }
    for _, d in ipairs(digests) do watcher_args[#watcher_args + 1] = d end
    local watcher = hflrun.spawn(watcher_args)
    local hs = {}
    for p = 1, 8 do hs[p] = assert(proc.spawn(fetch_argv(root, urls))) end
    local entries = {}
    for p = 1, 8 do
      local r = hs[p]:wait()
      assert.equal(0, r.code, "process " .. p .. " failed:\n" .. r.stdout .. r.stderr)
      local n = 0
      for url, path in r.stdout:gmatch("ok (%S+) (%S+)") do
        n = n + 1
        entries[url] = entries[url] or path
        assert.equal(entries[url], path, "processes disagree on the entry of " .. url)
      end
      assert.equal(20, n)
    end
    io.open(stop, "w"):close()
    local w = watcher:wait()
    assert.equal(0, w.code, "the watcher saw a partial entry:\n" .. w.stdout .. w.stderr)
    local scans, seen = w.stdout:match("scans (%d+) seen (%d+)")
    assert.is_true(tonumber(scans) > 10, "the watcher scanned only " .. scans .. " times")
    assert.equal(5, tonumber(seen))
    local counts = srv:counts()
    for _, f in ipairs(files) do
      assert.equal(1, counts["/" .. f], f .. " was downloaded " .. tostring(counts["/" .. f]) .. " times")
    end
    for i, f in ipairs(files) do
      local path = entries[srv.url .. "/" .. f .. "#" .. digests[i]]
      assert.equal(digests[i], sha256(path .. "/chart.tgz"))
    end
    assert.same({}, fs.list(root .. "/tmp"))
    assert.equal(5, #cache.info({ root = root }).entries)
  end)

  it("recovers after a process is killed in the middle of a download", function()
    local root = S.tmpdir()
    local f = files[1]
    local url = srv.url .. "/" .. f
    srv:fault("/" .. f, "slow", { delay = 20, times = 1 })
    local victim = assert(proc.spawn(fetch_argv(root, { url })))
    -- the download is under way: a temp directory with a partial file in it
    eventually(10, function()
      for _, t in ipairs(fs.list(root .. "/tmp") or {}) do
        for _, n in ipairs(fs.list(root .. "/tmp/" .. t) or {}) do
          if n:find("^chart%.tgz%.part%-") and fs.stat(root .. "/tmp/" .. t .. "/" .. n).size > 0 then
            return true
          end
        end
      end
    end, "the download to start")
    -- a second process needing the chart waits on the victim's lock
    local waiter = assert(proc.spawn(fetch_argv(root, { url })))
    proc.sleep(0.3)
    victim:kill("KILL")
    local vr = victim:wait()
    assert.equal(9, vr.signal)
    local wr = waiter:wait()
    assert.equal(0, wr.code, wr.stdout .. wr.stderr)
    local path = wr.stdout:match("ok %S+ (%S+)")
    assert.equal(digests[1], sha256(path .. "/chart.tgz"))
    assert.same({}, fs.list(root .. "/tmp"))
    assert.equal(2, srv:counts()["/" .. f])
    -- and a run after that uses the entry without downloading
    local again = proc.run(fetch_argv(root, { url }))
    assert.equal(0, again.code)
    assert.equal(2, srv:counts()["/" .. f])
  end)

  it("never shows a partial entry when the process is killed with nobody waiting", function()
    local root = S.tmpdir()
    local f = files[2]
    local url = srv.url .. "/" .. f
    srv:fault("/" .. f, "slow", { delay = 20, times = 1 })
    local victim = assert(proc.spawn(fetch_argv(root, { url })))
    eventually(10, function() return #(fs.list(root .. "/tmp") or {}) > 0 end, "the download")
    proc.sleep(0.3)
    victim:kill("KILL")
    victim:wait()
    assert.same({}, fs.list(root .. "/entries"))
    assert.equal(1, #fs.list(root .. "/tmp"))  -- the leftover, never an entry
    local r = proc.run(fetch_argv(root, { url }))
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.same({}, fs.list(root .. "/tmp"))
    assert.equal(1, #fs.list(root .. "/entries"))
  end)
end)

describe("fetch errors through the cache #integration", function()
  local repo, srv, files
  setup(function()
    repo = S.tmpdir()
    files = S.make_charts(repo, 1)
    srv = S.httprepo(repo)
  end)
  teardown(function()
    srv:stop()
    S.cleanup()
  end)
  before_each(function() srv:reset() end)

  local function fetch_one(root, url)
    local r = proc.run(fetch_argv(root, { url }))
    return r.code, (r.stdout:match("^error (.-)\n")), r
  end

  it("names the URL and what to do, and leaves nothing in the cache", function()
    local root = S.tmpdir()
    local cases = {
      { srv.url .. "/nope-1.0.0.tgz", "HTTP 404 Not Found (check the URL, the chart name and the version)" },
      { "http://127.0.0.1:1/x-1.0.0.tgz", "cannot connect" },
      { srv.url .. "/" .. files[1] .. "#" .. string.rep("0", 64), "digest mismatch" },
    }
    for _, c in ipairs(cases) do
      local code, err = fetch_one(root, c[1])
      assert.equal(1, code)
      assert.truthy(err, "no error line for " .. c[1])
      assert.truthy(err:find(c[1]:gsub("#.*", ""), 1, true), err)
      assert.truthy(err:find(c[2], 1, true), err)
    end
    srv:fault("/" .. files[1], "wrong")
    local code, err = fetch_one(root, srv.url .. "/" .. files[1])
    assert.equal(1, code)
    assert.truthy(err:find("damaged or unsafe", 1, true), err)
    assert.same({}, fs.list(root .. "/entries"))
    assert.same({}, fs.list(root .. "/tmp"))
  end)
end)
