-- Ctrl-C (SIGINT) sent to a running ./hfl: template `exec` children run in their own process
-- group and go as a group, so nothing they started keeps running; downloads stop cleanly
-- (exit 130, no temp files, no half-written cache entries) rather than hfl dying mid-write.
local proc = require "hfl.proc"
local hflrun = require "spec.support.hflrun"
local servers = require "spec.support.servers"

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

-- A running process (a zombie is as good as gone: init reaps it).
local function alive(pid)
  local f = io.open("/proc/" .. pid .. "/stat")
  if not f then return false end
  local stat = f:read("*a")
  f:close()
  return stat:match("^%d+ %b() (%a)") ~= "Z"
end

local function wait_for(what, pred, seconds)
  local deadline = proc.now() + (seconds or 10)
  while not pred() do
    assert(proc.now() < deadline, "timed out waiting for " .. what)
    proc.sleep(0.02)
  end
end

local function read_pid(path)
  local f = io.open(path)
  local pid = f and tonumber(f:read("*a"))
  if f then f:close() end
  return pid
end

describe("hfl on SIGINT #integration", function()
  local work
  local leftovers = {}

  before_each(function()
    work = servers.tmpdir()
  end)
  after_each(function()
    for _, pid in ipairs(leftovers) do
      if alive(pid) then os.execute("kill -9 " .. pid) end
    end
    leftovers = {}
  end)
  teardown(function()
    servers.cleanup()
  end)

  -- `hfl list` on a template whose exec runs script; returns the handle once the script has
  -- written the pid of its background child to grandchild.pid.
  local function list_with_exec(script)
    local pidfile = work .. "/grandchild.pid"
    write(work .. "/helmfile.yaml.gotmpl", ("releases:\n- name: a\n  chart: ./c\n  labels:\n"
      .. "    x: '{{ exec \"sh\" (list \"-c\" %q) }}'\n"):format(script:gsub("PIDFILE", pidfile)))
    local h = hflrun.spawn({ "-f", "helmfile.yaml.gotmpl", "list" }, { cwd = work })
    wait_for("the exec script to start", function() return read_pid(pidfile) ~= nil end)
    local pid = read_pid(pidfile)
    leftovers[#leftovers + 1] = pid
    return h, pid
  end

  it("ends what a template exec started in the background, at once", function()
    -- sh runs `sleep &` with SIGINT ignored, so only a kill of the whole group reaches it
    local h, grandchild = list_with_exec("sleep 30 & echo $! > PIDFILE; wait")
    local t0 = proc.now()
    h:kill("INT")
    local r = h:wait()
    assert.are.equal(130, r.code, r.stderr)
    assert.is_true(proc.now() - t0 < 5)
    wait_for("the grandchild to end", function() return not alive(grandchild) end, 2)
  end)

  it("kills an exec that ignores SIGINT with its children after the grace period #slow", function()
    local h, grandchild = list_with_exec("trap '' INT TERM; sleep 30 & echo $! > PIDFILE; wait")
    h:kill("INT")
    local r = h:wait()
    assert.are.equal(130, r.code, r.stderr)
    wait_for("the grandchild to end", function() return not alive(grandchild) end, 2)
  end)

  describe("during chart downloads", function()
    local srv, cache
    local N = 4

    setup(function()
      local repo = servers.tmpdir()
      servers.make_charts(repo, N, { url = "." })
      srv = servers.httprepo(repo)
    end)
    teardown(function()
      srv:stop()
    end)

    local function fetch_state()
      local lines = { "repositories:", "  - name: many", "    url: " .. srv.url, "releases:" }
      for i = 1, N do
        lines[#lines + 1] = ("  - name: r%d\n    chart: many/chart-%d\n    version: 0.1.0"):format(i, i)
      end
      write(work .. "/helmfile.yaml", table.concat(lines, "\n") .. "\n")
    end

    local function files_under(dir)
      local p = io.popen("cd '" .. dir .. "' && find . -type f | sort")
      local out = p:read("*a")
      p:close()
      return out
    end

    it("exits 130 with one line, leaving no temp file and no cache entry", function()
      cache = servers.tmpdir()
      fetch_state()
      srv:reset()
      for i = 1, N do srv:fault(("/chart-%d-0.1.0.tgz"):format(i), "slow", { delay = 20 }) end
      local h = hflrun.spawn({ "fetch" }, { cwd = work, env = { HFL_CACHE_HOME = cache } })
      -- bodies are arriving: the temp files have bytes in them
      wait_for("the downloads to start", function()
        return files_under(cache):find("%.part") ~= nil
      end)
      proc.sleep(0.3)
      h:kill("INT")
      local r = h:wait()
      assert.are.equal(130, r.code, r.stderr)
      assert.are.equal("hfl: interrupted by SIGINT\n", r.stderr)
      assert.are.equal("", files_under(cache .. "/tmp"))
      assert.are.equal("", files_under(cache .. "/entries"))

      -- and the cache works: the next fetch fills it
      srv:reset()
      local code, _, err = hflrun.run({ "fetch" }, { cwd = work, env = { HFL_CACHE_HOME = cache } })
      assert.are.equal(0, code, err)
      assert.is_true(select(2, files_under(cache .. "/entries"):gsub("chart%.tgz", "")) == N)
    end)
  end)
end)
