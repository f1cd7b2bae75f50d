-- hfl.archive (hfl.core.archive under it) and hfl.core.fs: real charts from `helm package`,
-- hostile archives written with python3's tarfile.
local archive = require "hfl.archive"
local fs = require("hfl.core").fs
local S = require "spec.support.servers"

-- Writes a tar.gz at path with the given entries: { name =, data = | link = | hardlink = | dir = true }
local function evil_tar(path, entries)
  local lines = { "import tarfile, io, sys", ("t = tarfile.open(%q, 'w:gz')"):format(path) }
  for _, e in ipairs(entries) do
    lines[#lines + 1] = ("i = tarfile.TarInfo(%q)"):format(e.name)
    if e.link then
      lines[#lines + 1] = ("i.type = tarfile.SYMTYPE; i.linkname = %q; t.addfile(i)"):format(e.link)
    elseif e.hardlink then
      lines[#lines + 1] = ("i.type = tarfile.LNKTYPE; i.linkname = %q; t.addfile(i)"):format(e.hardlink)
    elseif e.dir then
      lines[#lines + 1] = "i.type = tarfile.DIRTYPE; t.addfile(i)"
    elseif e.fifo then
      lines[#lines + 1] = "i.type = tarfile.FIFOTYPE; t.addfile(i)"
    else
      lines[#lines + 1] = ("d = %q.encode(); i.size = len(d); t.addfile(i, io.BytesIO(d))")
        :format(e.data or "x")
    end
  end
  lines[#lines + 1] = "t.close()"
  local py = path .. ".py"
  local f = assert(io.open(py, "w"))
  f:write(table.concat(lines, "\n"), "\n")
  f:close()
  S.sh("python3 " .. py)
end

local function tree(dir)
  return (S.sh("cd " .. dir .. " && find . | sort"))
end

describe("hfl.archive #integration", function()
  local dir, tgz

  setup(function()
    dir = S.tmpdir()
    S.make_charts(dir, 1)
    tgz = dir .. "/chart-1-0.1.0.tgz"
  end)

  teardown(S.cleanup)

  describe("extract()", function()
    it("extracts a chart packaged by helm", function()
      local dest = S.tmpdir() .. "/out"
      assert.is_true(archive.extract(tgz, dest))
      assert.equal("file", fs.stat(dest .. "/chart-1/Chart.yaml").type)
      assert.equal("file", fs.stat(dest .. "/chart-1/templates/deployment.yaml").type)
      assert.equal(tree(dest), tree(dest))
    end)

    it("moves the entries into an existing directory without replacing files", function()
      local dest = S.tmpdir()
      assert.is_true(archive.extract(tgz, dest))
      local ok, err = archive.extract(tgz, dest)
      assert.is_nil(ok)
      assert.truthy(err:find("cannot extract into " .. dest, 1, true))
      assert.same({ "chart-1" }, fs.list(dest))
    end)

    local hostile = {
      { "a ../ path", { { name = "chart/../../evil", data = "x" } }, '"chart/../../evil" escapes' },
      { "an absolute path", { { name = "/tmp/evil", data = "x" } }, '"/tmp/evil" escapes' },
      { "a symlink out", { { name = "chart/l", link = "../../etc" } }, "symlink to \"../../etc\"" },
      { "an absolute symlink", { { name = "chart/l", link = "/etc/passwd" } }, "symlink to" },
      { "a hardlink out", { { name = "chart/h", hardlink = "../../etc/passwd" } }, "links to" },
      { "a write through a symlink", { { name = "chart/l", link = "." },
        { name = "chart/l/x", data = "y" } }, "cannot extract" },
      { "a symlink chain that leads out", { { name = "c/l", link = "." }, { name = "c/u", link = "l/l/.." },
        { name = "c/v", link = "u/.." } }, '"c/v" is a symlink that leads outside the destination' },
      { "a hard link to a symlink", { { name = "c/d/s", link = "../f" }, { name = "c/f", data = "y" },
        { name = "c/h", hardlink = "c/d/s" } }, '"c/h" is a hard link to "c/d/s", which is not a regular file' },
      { "a dangling symlink", { { name = "c/l", link = "nothing" } }, '"c/l" is a symlink that leads to nothing' },
      { "a loop of symlinks", { { name = "c/a", link = "b" }, { name = "c/b", link = "a" } },
        '"c/a" is a symlink that is part of a loop of links' },
      { "a fifo", { { name = "chart/f", fifo = true } }, "device, fifo or socket" },
    }
    for _, case in ipairs(hostile) do
      it("refuses an archive with " .. case[1] .. " and leaves nothing behind", function()
        local work = S.tmpdir()
        local bad = work .. "/bad.tgz"
        evil_tar(bad, case[2])
        local ok, err = archive.extract(bad, work .. "/out", { source = "https://repo/bad.tgz" })
        assert.is_nil(ok)
        assert.truthy(err:find("^https://repo/bad.tgz: "))
        assert.truthy(err:find(case[3], 1, true), err)
        assert.truthy(err:find("(the archive is damaged or unsafe: fetch it again, or check its "
          .. "source)", 1, true))
        assert.is_nil(err:find("\n"))
        assert.same({ "bad.tgz", "bad.tgz.py" }, (function()
          local l = fs.list(work); table.sort(l); return l end)())
      end)
    end

    it("keeps a symlink that stays inside the destination", function()
      local work = S.tmpdir()
      evil_tar(work .. "/ok.tgz", { { name = "c/a/f", data = "1" }, { name = "c/b", link = "a/f" } })
      assert.is_true(archive.extract(work .. "/ok.tgz", work .. "/out"))
      assert.equal("link", fs.stat(work .. "/out/c/b").type)
    end)

    it("enforces the size and file-count limits", function()
      local work = S.tmpdir()
      local ok, err = archive.extract(tgz, work .. "/a", { max_size = 1000 })
      assert.is_nil(ok)
      assert.truthy(err:find("more than 1000 bytes (the size limit)", 1, true))
      ok, err = archive.extract(tgz, work .. "/b", { max_files = 3 })
      assert.is_nil(ok)
      assert.truthy(err:find("more than 3 entries (the file-count limit)", 1, true))
      assert.same({}, fs.list(work))
    end)

    it("reports a truncated archive", function()
      local work = S.tmpdir()
      S.sh(("head -c %d %s > %s/t.tgz"):format(math.floor(fs.stat(tgz).size / 2), tgz, work))
      local ok, err = archive.extract(work .. "/t.tgz", work .. "/out", { source = "u" })
      assert.is_nil(ok)
      assert.truthy(err:find("^u: corrupt or truncated archive"))
      assert.same({ "t.tgz" }, fs.list(work))
    end)

    it("reports a file that is no archive", function()
      local work = S.tmpdir()
      S.sh("head -c 3000 /dev/urandom > " .. work .. "/r.tgz")
      local ok, err = archive.extract(work .. "/r.tgz", work .. "/out")
      assert.is_nil(ok)
      assert.truthy(err:find("damaged or unsafe", 1, true))
      assert.same({ "r.tgz" }, fs.list(work))
    end)
  end)

  describe("create()", function()
    it("writes a tar.gz that helm reads and that extracts to the same tree", function()
      local work = S.tmpdir()
      assert.is_true(archive.extract(tgz, work .. "/src"))
      assert.is_true(archive.create(work .. "/src/chart-1", work .. "/new.tgz"))
      local shown = S.sh("helm show chart " .. work .. "/new.tgz")
      assert.truthy(shown:find("name: chart%-1"))
      assert.is_true(archive.extract(work .. "/new.tgz", work .. "/back"))
      assert.equal(tree(work .. "/src"), tree(work .. "/back"))
    end)

    it("refuses a missing directory and writes nothing", function()
      local work = S.tmpdir()
      local ok, err = archive.create(work .. "/nope", work .. "/x.tgz")
      assert.is_nil(ok)
      assert.truthy(err:find("not a directory", 1, true))
      assert.same({}, fs.list(work))
    end)
  end)
end)

describe("hfl.core.fs #unit", function()
  teardown(S.cleanup)

  it("rm_r refuses paths outside the root and never follows symlinks", function()
    local root = S.tmpdir()
    local outside = S.tmpdir()
    S.sh(("mkdir -p %s/d && touch %s/keep && ln -s %s %s/d/link"):format(root, outside, outside, root))
    local ok, err, code = fs.rm_r(outside .. "/keep", root)
    assert.is_nil(ok)
    assert.equal("EPERM", code)
    assert.truthy(err)
    assert.is_nil(fs.rm_r(root, root))
    assert.is_true(fs.rm_r(root .. "/d", root))
    assert.equal("file", fs.stat(outside .. "/keep").type)
    assert.same({}, fs.list(root))
  end)

  it("rename with noreplace never replaces an existing entry", function()
    local d = S.tmpdir()
    S.sh(("mkdir -p %s/a %s/b && touch %s/b/x"):format(d, d, d))
    local ok, _, code = fs.rename(d .. "/a", d .. "/b", true)
    assert.is_nil(ok)
    assert.equal("EEXIST", code)
    assert.equal("file", fs.stat(d .. "/b/x").type)
  end)

  it("lock is exclusive across processes until released", function()
    local d = S.tmpdir()
    local lk = assert(fs.lock(d .. "/l.lock"))
    local r = S.sh(("flock -n %s/l.lock true && echo free || echo busy"):format(d))
    assert.equal("busy\n", r)
    local again, _, code = fs.lock(d .. "/l.lock", true)
    assert.is_nil(again)
    assert.equal("EWOULDBLOCK", code)
    lk:unlock()
    assert.equal("free\n", S.sh(("flock -n %s/l.lock true && echo free || echo busy"):format(d)))
  end)

  it("sha256 matches sha256sum", function()
    local d = S.tmpdir()
    S.sh("head -c 100000 /dev/urandom > " .. d .. "/f")
    assert.equal(S.sh("sha256sum " .. d .. "/f"):match("^%x+"), fs.sha256(d .. "/f"))
  end)
end)
