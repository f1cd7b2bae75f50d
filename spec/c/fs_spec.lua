-- hfl.core.fs and hfl.core.time through their bindings (c/fs.c, c/l_fs.c, c/l_time.c): the
-- byte-level promises hfl.fs builds on. #unit
local core = require "hfl.core"
local fs, time = core.fs, core.time

local function sh(cmd)
  local p = io.popen(cmd .. " 2>&1")
  local out = p:read("*a")
  p:close()
  return out
end

describe("hfl.core.fs #unit", function()
  local dir
  before_each(function() dir = assert(fs.mkdtemp((os.getenv("TMPDIR") or "/tmp") .. "/hfl-cfs-XXXXXX")) end)
  after_each(function() fs.rm_r(dir, dir:match("^(.*)/")) end)

  describe("read(path, max)", function()
    it("reads exactly max bytes, and refuses one more", function()
      assert(fs.write_atomic(dir .. "/f", ("x"):rep(65537)))
      assert.equal(65537, #fs.read(dir .. "/f", 65537))
      local t, err, code = fs.read(dir .. "/f", 65536)
      assert.is_nil(t)
      assert.equal("EFBIG", code)
      assert.equal(dir .. "/f: file is larger than 65536 bytes", err)
    end)

    it("reads an empty file and a file with NUL bytes", function()
      assert(fs.write_atomic(dir .. "/e", ""))
      assert.equal("", fs.read(dir .. "/e", 10))
      assert(fs.write_atomic(dir .. "/z", "a\0b"))
      assert.equal("a\0b", fs.read(dir .. "/z", 10))
    end)

    it("bounds a device read that would never end", function()
      local t, _, code = fs.read("/dev/urandom", 100000)
      assert.is_nil(t)
      assert.equal("EFBIG", code)
      assert.equal("", fs.read("/dev/null", 10))
    end)

    it("says Go's words for open errors", function()
      assert(fs.write_atomic(dir .. "/secret", "x", 0))
      if sh("id -u"):match("^0") then return end -- root reads anything
      local _, err, code = fs.read(dir .. "/secret", 10)
      assert.equal("open " .. dir .. "/secret: permission denied", err)
      assert.equal("EACCES", code)
    end)
  end)

  describe("write_atomic(path, data, mode)", function()
    it("sets the mode asked for", function()
      assert(fs.write_atomic(dir .. "/m", "x", tonumber("600", 8)))
      assert.equal("600", sh(("stat -c %%a %q"):format(dir .. "/m")):match("%d+"))
    end)

    it("replaces a file without changing what a reader that holds it open sees", function()
      assert(fs.write_atomic(dir .. "/f", "old"))
      local h = assert(io.open(dir .. "/f", "rb"))
      assert(fs.write_atomic(dir .. "/f", "new"))
      assert.equal("old", h:read("*a")) -- the reader keeps the file it opened
      h:close()
      assert.equal("new", fs.read(dir .. "/f", 10))
    end)

    it("with durable = false writes the same bytes and mode but skips the fsync", function()
      assert(fs.write_atomic(dir .. "/t", "old", tonumber("600", 8), false))
      assert(fs.write_atomic(dir .. "/t", "a\0b", tonumber("600", 8), false))
      assert.equal("a\0b", fs.read(dir .. "/t", 10))
      assert.equal("600", sh(("stat -c %%a %q"):format(dir .. "/t")):match("%d+"))
      assert.same({ "t" }, fs.list(dir))
      assert(sh("command -v strace"):match("strace"), "strace is not installed: `make deps` installs it")
      -- a luajit child cannot load the sanitizer build of hfl.core from under strace
      if os.getenv("HFL_ASAN") then return pending("fsync count: not under make asan") end
      local function fsyncs(durable)
        local script = ("package.cpath = %q .. package.cpath; require('hfl.core').fs.write_atomic(%q, 'x', 420, %s)")
          :format(package.cpath:match("^[^;]*/%?%.so;") or "", dir .. "/s", tostring(durable))
        return select(2, sh(("strace -f -e trace=fsync luajit -e %q"):format(script)):gsub("fsync%(", ""))
      end
      assert.equal(1, fsyncs(true))
      assert.equal(0, fsyncs(false))
    end)
  end)

  describe("glob(pattern)", function()
    it("sorts by bytes, as Go's sort.Strings does", function()
      for _, n in ipairs { "b", "B", "_", "\195\169", "a" } do assert(fs.write_atomic(dir .. "/" .. n, "")) end
      local got = fs.glob(dir .. "/*")
      for i, p in ipairs(got) do got[i] = p:sub(#dir + 2) end
      assert.same({ "B", "_", "a", "b", "\195\169" }, got)
    end)
  end)

  describe("cwd()", function()
    it("keeps $PWD when it names the current directory through a symlink, as Go's os.Getwd", function()
      assert(fs.mkdir_p(dir .. "/real"))
      assert(os.execute(("ln -s real %q/alias"):format(dir)) == 0)
      local script = dir .. "/cwd.lua"
      assert(fs.write_atomic(script, "print(require('hfl.core').fs.cwd())"))
      local hfl = require("spec.support.hflrun").bin()
      assert.equal(dir .. "/alias\n", sh(("cd %q/alias && PWD=%q/alias %s run %q"):format(dir, dir, hfl, script)))
      assert.equal(dir .. "/real\n", sh(("cd %q/alias && PWD=/tmp %s run %q"):format(dir, hfl, script)))
    end)
  end)
end)

describe("hfl.core.time #unit", function()
  it("tells a zone's offset and abbreviation at a time, and restores TZ", function()
    local before = os.getenv("TZ")
    assert.same({ 3600, "CET" }, { time.zone("Europe/Berlin", 1700000000) })
    assert.same({ 7200, "CEST" }, { time.zone("Europe/Berlin", 1690000000) })
    assert.same({ 0, "UTC" }, { time.zone("UTC", 1700000000) })
    assert.equal(before, os.getenv("TZ"))
  end)

  it("reads the wall clock", function()
    local sec, nsec = time.now()
    assert.is_true(math.abs(sec - os.time()) <= 1)
    assert.is_true(nsec >= 0 and nsec < 1e9)
  end)
end)
