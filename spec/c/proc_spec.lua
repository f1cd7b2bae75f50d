-- hfl.proc and the C engine under it (c/proc.c, c/l_proc.c), with real child processes.
local proc = require "hfl.proc"

local PROCS = "spec/support/procs"

local function tmpfile()
  local p = os.tmpname()
  os.remove(p)
  return p
end

local function slurp(path)
  local f = io.open(path)
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local function rss_kb()
  return tonumber(slurp("/proc/self/status"):match("VmRSS:%s*(%d+)"))
end

describe("hfl.proc #unit", function()
  describe("run()", function()
    it("returns the exit code and the captured stdout and stderr", function()
      local r = assert(proc.run{ "sh", "-c", "echo out; echo err >&2; exit 7" })
      assert.equal(7, r.code)
      assert.is_nil(r.signal)
      assert.equal("out\n", r.stdout)
      assert.equal("err\n", r.stderr)
      assert.is_false(r.ok)
      assert.is_false(r.timed_out)
    end)

    it("says ok for a child that exits 0", function()
      local r = assert(proc.run{ "true" })
      assert.equal(0, r.code)
      assert.is_true(r.ok)
      assert.equal("", r.stdout)
    end)

    it("passes arguments verbatim, without a shell", function()
      local r = assert(proc.run{ "printf", "%s|", "a b", "$HOME", "*", "'q'", 42 })
      assert.equal("a b|$HOME|*|'q'|42|", r.stdout)
    end)

    it("runs a script through /bin/sh only when shell = true, with the rest as $1…", function()
      local r = assert(proc.run{ 'echo "$1-$2" $((1+2))', "x", "y", shell = true })
      assert.equal("x-y 3\n", r.stdout)
    end)

    it("adds, replaces and unsets variables on top of hfl's environment", function()
      local r = assert(proc.run{ "sh", "-c", 'echo "$HFL_A|$HOME|${PATH:+path}|${HFL_B-unset}"',
        env = { HFL_A = "added", HOME = "/replaced", HFL_B = false } })
      assert.equal("added|/replaced|path|unset\n", r.stdout)
    end)

    it("replaces the whole environment with env_replace", function()
      local r = assert(proc.run{ "/usr/bin/env", env = { ONLY = "1" }, env_replace = true })
      assert.equal("ONLY=1\n", r.stdout)
    end)

    it("runs the child in cwd", function()
      local r = assert(proc.run{ "pwd", cwd = "/usr" })
      assert.equal("/usr\n", r.stdout)
    end)

    it("writes stdin data to the child, then closes it", function()
      local r = assert(proc.run{ "sh", "-c", "cat; echo end", stdin = "line1\nline2" })
      assert.equal("line1\nline2end\n", r.stdout)
    end)

    it("gives the child an empty stdin by default", function()
      local r = assert(proc.run{ "cat", timeout = 5 })
      assert.equal("", r.stdout)
      assert.is_false(r.timed_out)
    end)

    it("moves 8 MiB in and 8 MiB out at once without deadlock", function()
      local big = ("0123456789abcdef"):rep(512 * 1024)
      -- writes all of its output before reading any input: blocking writes would deadlock
      local r = assert(proc.run{ "sh", "-c", "head -c 8388608 /dev/zero; cat >&2",
        stdin = big, timeout = 20 })
      assert.equal(0, r.code)
      assert.equal(8388608, #r.stdout)
      assert.equal(big, r.stderr)
      local echo = assert(proc.run{ "cat", stdin = big, timeout = 20 })
      assert.equal(big, echo.stdout)
    end)

    it("survives a child that exits without reading its stdin", function()
      local r = assert(proc.run{ "true", stdin = ("x"):rep(4 * 1024 * 1024) })
      assert.equal(0, r.code)
    end)

    it("reports the signal that killed a child", function()
      local r = assert(proc.run{ "sh", "-c", "kill -KILL $$" })
      assert.is_nil(r.code)
      assert.equal(9, r.signal)
      assert.is_false(r.ok)
    end)

    it("returns nil and an error naming a command that is not found", function()
      local r, err = proc.run{ "hfl-no-such-command", "x" }
      assert.is_nil(r)
      assert.matches('"hfl%-no%-such%-command": command not found', err)
    end)

    it("returns nil and an error naming a missing working directory", function()
      local r, err = proc.run{ "ls", cwd = "/nonexistent/dir" }
      assert.is_nil(r)
      assert.matches('"ls".*"/nonexistent/dir" does not exist', err)
    end)

    it("returns nil and an error for a file that is not executable", function()
      local path = tmpfile()
      assert(io.open(path, "w")):close()
      local r, err = proc.run{ path }
      os.remove(path)
      assert.is_nil(r)
      assert.equal('cannot run "' .. path .. '": permission denied', err)
    end)

    it("raises on misuse", function()
      assert.has_error(function() proc.run{} end)
      assert.has_error(function() proc.run{ "true", stdout = "bogus" } end)
      assert.has_error(function() proc.run{ "true", env = { X = {} } } end)
    end)

    it("passes stdout through to hfl's own with stdout = \"null\" or \"inherit\"", function()
      local r = assert(proc.run{ "echo", "x", stdout = "null" })
      assert.is_nil(r.stdout)
      assert.equal(0, r.code)
    end)
  end)

  describe("streaming", function()
    it("hands stdout and stderr to callbacks line by line, the last line without newline too",
      function()
        local out, err = {}, {}
        local r = assert(proc.run{ "sh", "-c", "printf 'a\\n\\nb\\n'; printf 'e1\\ne2' >&2; printf c",
          on_stdout = function(l) out[#out + 1] = l end,
          on_stderr = function(l) err[#err + 1] = l end })
        assert.same({ "a", "", "b", "c" }, out)
        assert.same({ "e1", "e2" }, err)
        assert.equal(0, r.code)
        assert.is_nil(r.stdout)
      end)

    it("joins lines split across reads", function()
      local n, bad = 0, 0
      local r = assert(proc.run{ "seq", "1", "200000", on_stdout = function(l)
        n = n + 1
        if tonumber(l) ~= n then bad = bad + 1 end
      end })
      assert.equal(0, r.code)
      assert.equal(200000, n)
      assert.equal(0, bad)
    end)

    it("cuts a line longer than MAX_LINE into pieces", function()
      local saved = proc.MAX_LINE
      proc.MAX_LINE = 1000
      local pieces = {}
      local ok, err = pcall(proc.run, { "head", "-c", "2500", "/dev/zero",
        on_stdout = function(l) pieces[#pieces + 1] = #l end })
      proc.MAX_LINE = saved
      assert(ok, err)
      assert.same({ 1000, 1000, 500 }, pieces)
    end)

    it("streams a child flooding stdout in constant memory", function()
      local lines, bytes = 0, 0
      local rss0, peak = rss_kb(), 0
      local r = assert(proc.run{ "yes", "a line of a child that floods its stdout", timeout = 1.5,
        grace = 0.2, on_stdout = function(l)
          lines = lines + 1
          bytes = bytes + #l + 1
          if lines % 50000 == 0 then peak = math.max(peak, rss_kb()) end
        end })
      assert.is_true(r.timed_out)
      assert.truthy(bytes > 32 * 1024 * 1024, "flood too small to tell: " .. bytes)
      assert.truthy(peak - rss0 < 16 * 1024, ("RSS grew by %d KiB"):format(peak - rss0))
    end)

    it("raises a callback's error from wait() and terminates the child", function()
      local h = assert(proc.spawn{ "sh", "-c", "echo boom; sleep 5", timeout = 10,
        on_stdout = function() error("callback failed") end })
      local t0 = proc.now()
      assert.has_error(function() h:wait() end, nil)
      assert.truthy(proc.now() - t0 < 4)
      assert.equal(15, h.result.signal)
    end)
  end)

  describe("bounded capture", function()
    it("keeps max_output bytes of a large output and flags the truncation", function()
      local r = assert(proc.run{ "head", "-c", "10000000", "/dev/zero", max_output = 1048576 })
      assert.equal(0, r.code)
      assert.equal(1048576, #r.stdout)
      assert.is_true(r.stdout_truncated)
      assert.is_true(r.truncated)
      assert.is_nil(r.stderr_truncated)
    end)

    it("keeps memory bounded while a child floods a captured stdout", function()
      local rss0 = rss_kb()
      local r = assert(proc.run{ "yes", max_output = 4 * 1048576, timeout = 1, grace = 0.2 })
      assert.is_true(r.timed_out)
      assert.equal(4 * 1048576, #r.stdout)
      assert.is_true(r.stdout_truncated)
      assert.truthy(rss_kb() - rss0 < 64 * 1024)
    end)
  end)

  describe("timeouts", function()
    it("terminates a child that outlives its timeout and says it timed out", function()
      local t0 = proc.now()
      local r = assert(proc.run{ "sleep", "30", timeout = 0.3 })
      assert.is_true(r.timed_out)
      assert.equal(15, r.signal)
      assert.is_nil(r.code)
      assert.is_false(r.ok)
      assert.truthy(proc.now() - t0 < 3)
    end)

    it("kills a child that ignores SIGTERM once the grace period is over", function()
      local t0 = proc.now()
      local r = assert(proc.run{ "sh", "-c", "trap '' TERM; echo started; sleep 30",
        timeout = 0.3, grace = 0.3 })
      local took = proc.now() - t0
      assert.is_true(r.timed_out)
      assert.equal(9, r.signal)
      assert.equal("started\n", r.stdout)
      -- sleep 30, orphaned, still holds the pipes: hfl stops waiting for them shortly after
      assert.truthy(took >= 0.6 and took < 4, "took " .. took)
    end)

    it("reaches grandchildren too when the child has its own process group", function()
      local r = assert(proc.run{ "sh", "-c", "sleep 30 & echo $!; wait", timeout = 0.3,
        group = true })
      assert.is_true(r.timed_out)
      local grandchild = assert(tonumber(r.stdout))
      local state
      for _ = 1, 40 do  -- dead: gone, or a zombie its new parent has yet to reap
        state = (slurp("/proc/" .. grandchild .. "/stat") or ""):match("^%d+ %b() (%a)")
        if state == nil or state == "Z" then break end
        proc.sleep(0.05)
      end
      assert.truthy(state == nil or state == "Z", "grandchild state " .. tostring(state))
    end)

    it("lets a child that finishes in time finish", function()
      local r = assert(proc.run{ "sh", "-c", "sleep 0.1; echo done", timeout = 10 })
      assert.is_false(r.timed_out)
      assert.equal("done\n", r.stdout)
    end)
  end)

  describe("concurrency", function()
    it("runs 20 × sleep 0.2 at concurrency 10 well under the serial 4 s", function()
      local items = {}
      for i = 1, 20 do items[i] = i end
      local now, peak = 0, 0
      local t0 = proc.now()
      local codes = proc.map(items, 10, function(i)
        now = now + 1
        peak = math.max(peak, now)
        local r = assert(proc.run{ "sleep", "0.2" })
        now = now - 1
        return r.code + i
      end)
      local took = proc.now() - t0
      assert.truthy(took < 2.0, "took " .. took)
      assert.equal(10, peak)
      for i = 1, 20 do assert.equal(i, codes[i]) end
    end)

    it("lets tasks wait on their children while the others run", function()
      local order = {}
      proc.go(function()
        proc.run{ "sleep", "0.3" }
        order[#order + 1] = "slow"
      end)
      proc.go(function()
        proc.run{ "sleep", "0.05" }
        order[#order + 1] = "fast"
      end)
      proc.wait_all()
      assert.same({ "fast", "slow" }, order)
    end)

    it("drives running tasks while blocking outside of them", function()
      local done = false
      proc.go(function()
        proc.run{ "true" }
        done = true
      end)
      local h = assert(proc.spawn{ "sleep", "0.2" })
      h:wait()
      assert.is_true(done)
    end)

    it("limits concurrency with a semaphore", function()
      local sem, now, peak = proc.semaphore(3), 0, 0
      for _ = 1, 9 do
        proc.go(function()
          sem:with(function()
            now = now + 1
            peak = math.max(peak, now)
            proc.run{ "sleep", "0.05" }
            now = now - 1
          end)
        end)
      end
      proc.wait_all()
      assert.equal(3, peak)
    end)

    it("returns every value of the function a semaphore runs (an error after nil too)", function()
      local sem = proc.semaphore(1)
      local a, b, c = sem:with(function(x) return nil, "why", x end, 3)
      assert.same({ nil, "why", 3 }, { a, b, c })
      local r, err = sem:with(proc.run, { "/nonexistent/command" })
      assert.is_nil(r)
      assert.matches("nonexistent", err, 1, true)
    end)

    it("returns a task's values from join() and raises its error", function()
      local t = proc.go(function(a, b) return a + b, "x" end, 1, 2)
      local bad = proc.go(function() error("task failed") end)
      local sum, x = t:join()
      assert.equal(3, sum)
      assert.equal("x", x)
      assert.has_error(function() bad:join() end)
      proc.wait_all()
    end)

    it("raises from wait_all() the error of a task nobody joined", function()
      proc.go(function() proc.run{ "true" }; error("unjoined failure") end)
      local ok, err = pcall(proc.wait_all)
      assert.is_false(ok)
      assert.matches("unjoined failure", err)
    end)

    it("sleeps in a task without holding up the others", function()
      local order = {}
      proc.go(function() proc.sleep(0.2); order[#order + 1] = "sleeper" end)
      proc.go(function() proc.run{ "true" }; order[#order + 1] = "runner" end)
      local t0 = proc.now()
      proc.wait_all()
      assert.same({ "runner", "sleeper" }, order)
      assert.truthy(proc.now() - t0 >= 0.19)
    end)

    it("raises instead of waiting forever when nothing can happen", function()
      local sem = proc.semaphore(1)
      sem:acquire()
      assert.has_error(function() sem:acquire() end)
    end)
  end)
end)

describe("hfl.proc signal forwarding #integration", function()
  local function run_forward(sig, mode, grace)
    local mark = tmpfile()
    local h
    h = assert(proc.spawn{ "luajit", PROCS .. "/forward.lua", mark, mode or "",
      tostring(grace or 10), timeout = 20,
      on_stdout = function(line)
        if line == "ready" then h:kill(sig) end
      end })
    local r = h:wait()
    local got = slurp(mark)
    os.remove(mark)
    return r, got
  end

  it("forwards SIGINT to running children, waits for them and exits 130", function()
    local r, got = run_forward("INT")
    assert.equal(130, r.code)
    assert.equal("INT\n", got)
  end)

  it("forwards SIGTERM to running children, waits for them and exits 143", function()
    local r, got = run_forward("TERM")
    assert.equal(143, r.code)
    assert.equal("TERM\n", got)
  end)

  it("kills children that ignore the forwarded signal after the interrupt grace", function()
    local t0 = proc.now()
    local r, got = run_forward("INT", "ignore", 0.3)
    assert.equal(130, r.code)
    assert.is_nil(got)
    assert.truthy(proc.now() - t0 < 8)
  end)

  it("gives SIGINT back to its previous handler once no child runs", function()
    -- luajit's own SIGINT handler raises "interrupted!" in the script
    local r = assert(proc.run{ "luajit", "-e", [[
      package.path = "./?.lua;" .. package.path
      require "hfl"
      local proc = require "hfl.proc"
      assert(proc.run{ "true" }).code = 0
      local ffi = require "ffi"
      ffi.cdef "int kill(int pid, int sig); int getpid(void);"
      ffi.C.kill(ffi.C.getpid(), 2)
      jit.off()
      for _ = 1, 1e8 do end
      os.exit(5)
    ]], timeout = 20 })
    assert.equal(1, r.code)
    assert.matches("interrupted", r.stderr)
  end)

  it("with_signals_trapped() keeps a signal that comes between children for the caller", function()
    -- the signal arrives while no child runs: it neither kills the process nor is lost
    local r = assert(proc.run{ "luajit", "-e", [[
      package.path = "./?.lua;" .. package.path
      require "hfl"
      local proc = require "hfl.proc"
      local ffi = require "ffi"
      ffi.cdef "int kill(int pid, int sig); int getpid(void);"
      proc.with_signals_trapped(function()
        assert(proc.run{ "true" }).code = 0
        ffi.C.kill(ffi.C.getpid(), 15)
        io.write("after the signal: ", tostring(proc.interrupted()), "\n")
      end)
      local started, err = proc.run{ "true" }
      io.write(tostring(started), " | ", tostring(err), "\n")
      os.exit(proc.exit_code() or 0)
    ]], timeout = 20 })
    assert.equal(143, r.code)
    assert.equal('after the signal: SIGTERM\nnil | cannot run "true": hfl is being interrupted (SIGTERM)\n', r.stdout)
  end)

  it("refuses to start children once interrupted", function()
    local mark = tmpfile()
    local out = {}
    local h
    h = assert(proc.spawn{ "luajit", PROCS .. "/forward.lua", mark, timeout = 20,
      on_stdout = function(line)
        out[#out + 1] = line
        if line == "ready" then h:kill("INT") end
      end })
    local r = h:wait()
    os.remove(mark)
    assert.equal(130, r.code)
    assert.matches("interrupted %(SIGINT%)", table.concat(out, "\n"))
  end)
end)
