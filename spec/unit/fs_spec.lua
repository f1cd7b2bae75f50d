-- hfl.fs: paths (Go's filepath rules), bounded reads, atomic writes, glob. Writers that must
-- run at the same time, or under a file size limit, are real hfl processes. #unit
local fs = require "hfl.fs"
local proc = require "hfl.proc"

local HFL = require("spec.support.hflrun").bin()  -- run through shells (pipes, process substitution)
local WRITER = "spec/support/procs/write_atomic.lua"

local function sh(cmd)
  local p = io.popen(cmd .. " 2>&1")
  local out = p:read("*a")
  p:close()
  return out
end

local function tmpdir()
  return assert(fs.mkdtemp("hfl-fs-spec-XXXXXX"))
end

local function put(path, text)
  assert(fs.write_atomic(path, text))
end

describe("hfl.fs #unit", function()
  local dir
  before_each(function() dir = tmpdir() end)
  after_each(function() fs.rm_r(dir, fs.dirname(dir)) end)

  describe("paths", function()
    it("cleans as Go's filepath.Clean does", function()
      local cases = {
        [""] = ".", ["."] = ".", ["a//b/./c/"] = "a/b/c", ["/../a"] = "/a", ["../../a"] = "../../a",
        ["a/../.."] = "..", ["/"] = "/", ["//x/"] = "/x", ["a/b/../../c"] = "c",
      }
      for input, want in pairs(cases) do assert.equal(want, fs.clean(input), input) end
    end)

    it("joins a relative path to a directory, and keeps an absolute one", function()
      assert.equal("/srv/app/values.yaml", fs.join("/srv/app", "./values.yaml"))
      assert.equal("/etc/x.yaml", fs.join("/srv/app", "/etc/x.yaml"))
      assert.equal("../x", fs.join("a", "../../x"))
      assert.equal("x", fs.join(nil, "x"))
    end)

    it("splits dirname and basename", function()
      assert.equal("/a/b", fs.dirname("/a/b/c.yaml"))
      assert.equal("/", fs.dirname("/c.yaml"))
      assert.equal(".", fs.dirname("c.yaml"))
      assert.equal("c.yaml", fs.basename("/a/b/c.yaml"))
      assert.equal(".gotmpl", fs.ext("/a/values.yaml.gotmpl"))
    end)

    it("makes a path absolute against a base or the current directory", function()
      assert.equal("/srv/c", fs.abs("../c", "/srv/app"))
      assert.equal("/x", fs.abs("/x/./", "/srv"))
      assert.equal(fs.clean(fs.cwd() .. "/a/b"), fs.abs("a/b"))
      assert.equal(fs.clean(fs.cwd() .. "/base/c"), fs.abs("c", "base"))
    end)
  end)

  describe("stat, kind, exists", function()
    it("follows symlinks unless lstat is asked", function()
      assert(fs.mkdir_p(dir .. "/d/e"))
      assert(os.execute(("ln -s d %q/link"):format(dir)) == 0)
      assert.equal("dir", fs.kind(dir .. "/link"))
      assert.is_true(fs.is_dir(dir .. "/link"))
      assert.equal("link", fs.lstat(dir .. "/link").type)
      assert.is_nil(fs.kind(dir .. "/missing"))
      assert.is_false(fs.exists(dir .. "/missing"))
      put(dir .. "/f", "x")
      assert.equal("file", fs.kind(dir .. "/f"))
    end)
  end)

  describe("read()", function()
    it("returns the bytes of a file", function()
      put(dir .. "/a", "a: 1\n\0b")
      assert.equal("a: 1\n\0b", fs.read(dir .. "/a"))
    end)

    it("says what is wrong with a missing file or a directory, with a code", function()
      local t, err, code = fs.read(dir .. "/none.yaml")
      assert.is_nil(t)
      assert.equal("open " .. dir .. "/none.yaml: no such file or directory", err)
      assert.equal("ENOENT", code)
      t, err, code = fs.read(dir)
      assert.is_nil(t)
      assert.equal("read " .. dir .. ": is a directory", err)
      assert.equal("EISDIR", code)
    end)

    it("refuses a file larger than the bound, naming it and the bound", function()
      put(dir .. "/eleven", "0123456789A")
      assert.equal("0123456789A", fs.read(dir .. "/eleven", { max = 11 }))
      local t, err, code = fs.read(dir .. "/eleven", { max = 10 })
      assert.is_nil(t)
      assert.equal("EFBIG", code)
      assert.equal(dir .. "/eleven: file is larger than 10 bytes, the most hfl reads of one file (is it the right file?)", err)
    end)

    it("refuses a huge sparse file by its size, without reading it", function()
      assert(os.execute(("truncate -s 20G %q/huge.yaml"):format(dir)) == 0)
      local t0 = proc.now()
      local t, err = fs.read(dir .. "/huge.yaml")
      assert.is_nil(t)
      assert.matches("huge.yaml: file is larger than 64 MiB", err, 1, true)
      assert.is_true(proc.now() - t0 < 1)
    end)

    it("reads /dev/zero only up to the bound", function()
      local t, err, code = fs.read("/dev/zero", { max = 1024 * 1024 })
      assert.is_nil(t)
      assert.equal("EFBIG", code)
      assert.equal("/dev/zero: file is larger than 1 MiB, the most hfl reads of one file (is it the right file?)", err)
    end)

    it("does not wait for a writer on a FIFO nobody writes to", function()
      assert(os.execute(("mkfifo %q/fifo"):format(dir)) == 0)
      local t0 = proc.now()
      assert.equal("", fs.read(dir .. "/fifo"))
      assert.is_true(proc.now() - t0 < 1)
    end)

    it("reads what a pipe's writer wrote (process substitution)", function()
      put(dir .. "/cat.lua", "local t, e = require('hfl.fs').read(arg[1]); io.write(t or e)")
      local out = sh(("bash -c '%s run %q <(printf \"x: 1\\n\")'"):format(HFL, dir .. "/cat.lua"))
      assert.equal("x: 1\n", out)
    end)
  end)

  describe("write_atomic()", function()
    it("replaces a file whole, mode 0644, and leaves no temp file", function()
      put(dir .. "/v.yaml", "old\n")
      put(dir .. "/v.yaml", "new\n")
      assert.equal("new\n", fs.read(dir .. "/v.yaml"))
      assert.same({ "v.yaml" }, fs.list(dir))
      assert.equal("644", sh(("stat -c %%a %q/v.yaml"):format(dir)):match("%d+"))
    end)

    it("fails with the path and the reason when the directory is missing", function()
      local ok, err, code = fs.write_atomic(dir .. "/no/v.yaml", "x")
      assert.is_nil(ok)
      assert.equal(dir .. "/no/v.yaml: cannot create a temporary file: No such file or directory", err)
      assert.equal("ENOENT", code)
    end)

    it("leaves the old file intact and no temp file when a write fails (file size limit)", function()
      put(dir .. "/v.yaml", "old: true\n")
      -- SIGXFSZ ignored, so the write past the limit fails with EFBIG instead of killing hfl
      local out = sh(("sh -c \"trap '' XFSZ; ulimit -f 64; exec %s run %s %q x 1 1000000\"")
        :format(HFL, WRITER, dir .. "/v.yaml"))
      assert.matches("^nil\t" .. dir:gsub("%p", "%%%0") .. "/v.yaml: cannot write: File too large\tEFBIG\n$", out)
      assert.equal("old: true\n", fs.read(dir .. "/v.yaml"))
      assert.same({ "v.yaml" }, fs.list(dir))
    end)

    it("never shows a mixed file while two processes write one path at once", function()
      local path, size = dir .. "/index.yaml", 300000
      local a = assert(proc.spawn { HFL, "run", WRITER, path, "a", "150", tostring(size), stdout = "null" })
      local b = assert(proc.spawn { HFL, "run", WRITER, path, "b", "150", tostring(size), stdout = "null" })
      local reads, seen = 0, {}
      while not (a:done() and b:done()) do
        local t = fs.read(path)
        if t then
          reads = reads + 1
          assert.equal(size, #t)
          local c = t:sub(1, 1)
          assert.is_nil(t:find(c == "a" and "b" or "a", 1, true), "a file mixing both writers")
          seen[c] = true
        end
        proc.sleep(0.001) -- lets the event loop notice the writers' exit
      end
      assert.equal(0, a:wait().code)
      assert.equal(0, b:wait().code)
      assert.is_true(reads > 0)
      local last = fs.read(path)
      assert.is_true(last == ("a"):rep(size) or last == ("b"):rep(size))
      assert.same({ "index.yaml" }, fs.list(dir))
    end)
  end)

  describe("glob()", function()
    before_each(function()
      for _, name in ipairs { ".hidden.yaml", "B.yaml", "a.yaml", "a.yml", "b.yaml.gotmpl", "x*y.yaml" } do
        put(dir .. "/" .. name, "")
      end
      assert(fs.mkdir_p(dir .. "/sub/deep"))
      put(dir .. "/sub/c.yaml", "")
    end)

    local function names(list)
      local out = {}
      for i, p in ipairs(list) do out[i] = p:sub(#dir + 2) end
      return out
    end

    it("matches like Go's filepath.Glob: * takes dot files, results sorted bytewise", function()
      assert.same({ ".hidden.yaml", "B.yaml", "a.yaml", "x*y.yaml" }, names(fs.glob(dir .. "/*.yaml")))
      assert.same({ ".hidden.yaml", "B.yaml", "a.yaml", "a.yml", "x*y.yaml" }, names(fs.glob(dir .. "/*.y*ml")))
    end)

    it("knows ?, classes, escapes and directory levels, never . or ..", function()
      assert.same({ "B.yaml", "a.yaml", "a.yml" }, names(fs.glob(dir .. "/?.y*ml")))
      assert.same({ "B.yaml", "a.yaml" }, names(fs.glob(dir .. "/[aB].yaml")))
      assert.same({ "x*y.yaml" }, names(fs.glob(dir .. "/x\\*y.yaml")))
      assert.same({ "sub/c.yaml" }, names(fs.glob(dir .. "/*/*.yaml")))
      assert.same({}, names(fs.glob(dir .. "/.*/c.yaml")))
    end)

    it("returns a path without metacharacters when it exists, else nothing", function()
      assert.same({ "a.yaml" }, names(fs.glob(dir .. "/a.yaml")))
      assert.same({}, fs.glob(dir .. "/none.yaml"))
      assert.same({}, fs.glob(dir .. "/none/*.yaml"))
    end)
  end)

  describe("list(), mkdtemp(), rm_r()", function()
    it("lists names sorted, and fails on a missing directory", function()
      put(dir .. "/b", "")
      put(dir .. "/a", "")
      assert.same({ "a", "b" }, fs.list(dir))
      local names, err = fs.list(dir .. "/none")
      assert.is_nil(names)
      assert.matches("none", err)
    end)

    it("makes fresh temp directories from a bare template in TMPDIR", function()
      local a, b = assert(fs.mkdtemp("hfl-x-XXXXXX")), assert(fs.mkdtemp("hfl-x-XXXXXX"))
      assert.not_equal(a, b)
      assert.equal(fs.tmpdir(), fs.dirname(a))
      assert(fs.rm_r(a, fs.tmpdir()))
      assert(fs.rm_r(b, fs.tmpdir()))
      assert.is_false(fs.exists(a))
    end)

    it("refuses to remove what is not inside its root", function()
      local ok, _, code = fs.rm_r(dir, dir)
      assert.is_nil(ok)
      assert.equal("EPERM", code)
      assert.is_true(fs.is_dir(dir))
    end)
  end)

  describe("sha256", function()
    it("hashes strings and files in lowercase hex", function()
      local abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
      assert.equal(abc, fs.sha256_hex("abc"))
      put(dir .. "/abc", "abc")
      assert.equal(abc, fs.sha256_file(dir .. "/abc"))
    end)
  end)

  describe("the process", function()
    it("knows a pipe is not a terminal, and what may be executed", function()
      put(dir .. "/tty.lua", "print(require('hfl.fs').isatty(1))")
      assert.equal("false\n", sh(("%s run %q | cat"):format(HFL, dir .. "/tty.lua")))
      assert.is_true(fs.is_executable("/bin/sh"))
      assert.is_false(fs.is_executable("/bin"))
      put(dir .. "/plain", "")
      assert.is_false(fs.is_executable(dir .. "/plain"))
    end)
  end)
end)
