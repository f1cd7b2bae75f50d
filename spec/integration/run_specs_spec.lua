-- spec/support/run-specs.sh, the runner behind `make test`, on spec files of its own: the one
-- summed line CI reads, failures in full, crashes and hangs counted, busted options passed on.
local proc = require "hfl.proc"
local servers = require "spec.support.servers"

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

-- Runs the runner on dir with args; returns code, output.
local function run_specs(dir, args, env)
  local argv = { "bash", "spec/support/run-specs.sh" }
  for _, a in ipairs(args or {}) do argv[#argv + 1] = a end
  argv[#argv + 1] = dir
  local vars = { HFL_SPEC_DURATIONS = dir .. "/durations", HFL_SPEC_JOBS = "3" }
  for k, v in pairs(env or {}) do vars[k] = v end
  argv.env, argv.timeout = vars, 120
  local r = assert(proc.run(argv))
  return r.code, r.stdout .. r.stderr
end

local function last_line(out)
  return out:match("([^\n]*)\n?$")
end

describe("the parallel spec runner #integration", function()
  after_each(servers.cleanup)

  it("sums every file into one last line and shows each failure in full", function()
    local dir = servers.tmpdir()
    write(dir .. "/a_spec.lua", [[describe("a", function()
      it("adds", function() assert.equal(2, 1 + 1) end)
      it("compares", function() assert.equal("expected text", "actual text") end)
    end)]])
    write(dir .. "/b_spec.lua", [[describe("b", function()
      it("passes", function() end)
      it("raises", function() error("raised on purpose") end)
    end)]])
    write(dir .. "/c_spec.lua", [[describe("c", function() it("passes", function() end) end)]])
    local code, out = run_specs(dir)
    assert.are_not.equal(0, code)
    assert.equal("3 passed, 2 failed", last_line(out))
    assert.matches("FAIL: a compares", out, 1, true)
    assert.matches("expected text", out, 1, true)
    assert.matches("ERROR: b raises", out, 1, true)
    assert.matches("raised on purpose", out, 1, true)
  end)

  it("counts a file whose process dies as a failure, with what it printed", function()
    local dir = servers.tmpdir()
    write(dir .. "/a_spec.lua", [[describe("a", function() it("passes", function() end) end)]])
    write(dir .. "/dies_spec.lua", [[describe("d", function()
      it("exits", function() io.stderr:write("last words\n") os.exit(0) end)
    end)]])
    local code, out = run_specs(dir)
    assert.are_not.equal(0, code)
    assert.equal("1 passed, 1 failed", last_line(out))
    assert.matches("CRASH: " .. dir .. "/dies_spec.lua", out, 1, true)
    assert.matches("last words", out, 1, true)
  end)

  it("runs a file again once when LuaJIT dies of a segmentation fault, and names the crash", function()
    local dir = servers.tmpdir()
    -- the first run leaves a marker and dies as LuaJIT's JIT now and then does
    write(dir .. "/once_spec.lua", ([[describe("o", function() it("passes the second time", function()
      local marker = "%s/crashed"
      local f = io.open(marker)
      if f then f:close() return end
      io.open(marker, "w"):close()
      require("ffi").cast("int *", 0)[0] = 1
    end) end)]]):format(dir))
    write(dir .. "/always_spec.lua", [[describe("a", function() it("dies", function()
      require("ffi").cast("int *", 0)[0] = 1
    end) end)]])
    local code, out = run_specs(dir)
    assert.are_not.equal(0, code)
    assert.equal("1 passed, 1 failed", last_line(out))
    assert.matches("RUN AGAIN after a LuaJIT segmentation fault: " .. dir .. "/once_spec.lua", out, 1, true)
    assert.matches("RUN AGAIN after a LuaJIT segmentation fault: " .. dir .. "/always_spec.lua", out, 1, true)
    assert.matches("CRASH: " .. dir .. "/always_spec.lua", out, 1, true)
    assert.not_matches("CRASH: " .. dir .. "/once_spec.lua", out, 1, true)
  end)

  it("stops a file that outlives HFL_SPEC_TIMEOUT and counts it as a failure", function()
    local dir = servers.tmpdir()
    write(dir .. "/hangs_spec.lua", [[describe("h", function()
      it("sleeps", function() os.execute("sleep 60") end)
    end)]])
    write(dir .. "/a_spec.lua", [[describe("a", function() it("passes", function() end) end)]])
    local t0 = proc.now()
    local code, out = run_specs(dir, {}, { HFL_SPEC_TIMEOUT = "8" })
    assert.is_true(proc.now() - t0 < 45, "the runner waited for the hung file")
    assert.are_not.equal(0, code)
    assert.equal("1 passed, 1 failed", last_line(out))
    assert.matches("TIMEOUT: " .. dir .. "/hangs_spec.lua", out, 1, true)
  end)

  it("passes busted options to every file and exits 0 when all pass", function()
    local dir = servers.tmpdir()
    for _, name in ipairs { "a", "b" } do
      write(dir .. "/" .. name .. "_spec.lua", [[describe("x", function()
        it("is quick", function() end)
        it("is slow #slow", function() error("should have been excluded") end)
      end)]])
    end
    local code, out = run_specs(dir, { "--exclude-tags=slow" })
    assert.equal(0, code, out)
    assert.equal("2 passed, 0 failed", last_line(out))
  end)
end)
