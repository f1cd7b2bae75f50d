-- hfl against hostile input, through the CLI: a chart repository serving archives whose links
-- lead out, secrets in URLs, helmfile.lua chunks that try to outrun the sandbox. Each case is a
-- reproducer of issue 15 made fast and deterministic; README "Security model" cites them.
local proc = require "hfl.proc"
local servers = require "spec.support.servers"

local HFL = os.getenv("HFL_BIN") or "./hfl"

local function write(path, text)
  os.execute("mkdir -p '" .. path:match("^(.*)/") .. "'")
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

-- Writes a tar.gz at path with python3's tarfile: entries { name, data = | link = | hardlink = }
local function tar(path, entries)
  local lines = { "import tarfile, io", ("t = tarfile.open(%q, 'w:gz')"):format(path) }
  for _, e in ipairs(entries) do
    lines[#lines + 1] = ("i = tarfile.TarInfo(%q)"):format(e[1])
    if e.link then
      lines[#lines + 1] = ("i.type = tarfile.SYMTYPE; i.linkname = %q; t.addfile(i)"):format(e.link)
    elseif e.hardlink then
      lines[#lines + 1] = ("i.type = tarfile.LNKTYPE; i.linkname = %q; t.addfile(i)"):format(e.hardlink)
    else
      lines[#lines + 1] = ("d = %q.encode(); i.size = len(d); t.addfile(i, io.BytesIO(d))")
        :format(e.data or "x")
    end
  end
  lines[#lines + 1] = "t.close()"
  write(path .. ".py", table.concat(lines, "\n") .. "\n")
  servers.sh("python3 " .. path .. ".py && rm " .. path .. ".py")
end

describe("hfl against hostile input #integration", function()
  local cache, work

  local function hfl(args, env)
    local argv = { HFL }
    for _, a in ipairs(args) do argv[#argv + 1] = a end
    argv.cwd = work
    argv.env = { HFL_CACHE_HOME = cache }
    for k, v in pairs(env or {}) do argv.env[k] = v end
    return assert(proc.run(argv))
  end

  local function one_line_error(r, pattern)
    assert.equal(1, r.code, r.stderr)
    assert.matches(pattern, r.stderr)
    assert.equal(1, select(2, r.stderr:gsub("\n", "")), r.stderr)
  end

  before_each(function()
    cache, work = servers.tmpdir(), servers.tmpdir()
  end)
  teardown(servers.cleanup)

  describe("a chart repository serving archives with links", function()
    local repo, srv
    local chart = { "c/Chart.yaml", data = "apiVersion: v2\nname: c\nversion: 0.1.0\n" }
    local deep = "a/b/c/d/e/f/g/h"
    local archives = {
      -- each link is inside by itself; u1 is the root, u2 its parent, u3 above that
      symchain = { chart, { "c/l", link = "." }, { "c/u1", link = "l/l/.." },
        { "c/u2", link = "u1/.." }, { "c/u3", link = "u2/.." },
        { "c/templates", link = "u3/etc" } },
      -- a symlink confined where it is, hard-linked two levels up: the copy leads to /etc
      hardsym = { chart, { "c/" .. deep .. "/s", link = ("../"):rep(9) .. "etc" },
        { "c/templates", hardlink = "c/" .. deep .. "/s" } },
      -- a link that points at a later link that leads out
      forward = { chart, { "c/templates", link = "later/etc" }, { "c/l", link = "." },
        { "c/later", link = "l/l/../.." } },
      -- a hard link through a symlink to a file outside
      hardvia = { chart, { "c/up", link = "." }, { "c/h", hardlink = "c/up/Chart.yaml" } },
    }

    setup(function()
      repo = servers.tmpdir()
      local index = { "apiVersion: v1\nentries:\n" }
      for name, entries in pairs(archives) do
        tar(repo .. "/" .. name .. "-0.1.0.tgz", entries)
        index[#index + 1] = ("  %s:\n  - {apiVersion: v2, name: %s, version: 0.1.0, urls: [%s-0.1.0.tgz]}\n")
          :format(name, name, name)
      end
      write(repo .. "/index.yaml", table.concat(index))
      srv = servers.httprepo(repo)
    end)
    teardown(function() srv:stop() end)

    for _, case in ipairs {
      { "symchain", 'archive entry "c/u2" is a symlink that leads outside the destination' },
      { "hardsym", 'archive entry "c/templates" is a hard link to "c/' .. deep .. '/s", which is not a regular file' },
      { "forward", 'archive entry "c/templates" is a symlink that leads outside the destination' },
      { "hardvia", 'archive entry "c/h" is a hard link to "c/up/Chart.yaml", which is not a regular file' },
    } do
      it("refuses " .. case[1] .. ", caches nothing and writes nothing outside", function()
        write(work .. "/helmfile.yaml", ("repositories:\n- {name: evil, url: %q}\nreleases:\n- {name: s, chart: evil/%s, version: 0.1.0}\n")
          :format(srv.url, case[1]))
        local r = hfl { "fetch", "--output-dir", work .. "/out" }
        one_line_error(r, "^hfl: release s: chart evil/" .. case[1] .. " .-: "
          .. case[2]:gsub("%p", "%%%0"))
        assert.matches("\n0 entries", hfl({ "cache", "info" }).stdout)
        assert.equal("", (servers.sh("find " .. work .. " " .. cache .. " -type l")))
      end)
    end
  end)
end)
