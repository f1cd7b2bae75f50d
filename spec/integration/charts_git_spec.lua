-- Git sources (go-getter syntax) through libgit2: repositories made with the real git, reached
-- as file:// and through `git daemon` on the loopback.
local proc = require "hfl.proc"
local servers = require "spec.support.servers"
local gitd = require "spec.support.servers.gitd"

local hflrun = require "spec.support.hflrun"

local function read(path)
  local f = io.open(path)
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local CHART = "apiVersion: v2\nname: gchart\nversion: %s\n"
local CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  v: %q\n"

describe("git sources #integration", function()
  local repo, base, v1, v2, daemon, cache

  setup(function()
    repo, base = gitd.repo({ ["charts/g/Chart.yaml"] = CHART:format("1.0.0"),
      ["charts/g/templates/cm.yaml"] = CM:format("one") })
    v1 = gitd.commit(repo, { ["README"] = "x" }, "readme")
    gitd.tag(repo, "v1.0.0")
    gitd.branch(repo, "stable")
    v2 = gitd.commit(repo, { ["charts/g/Chart.yaml"] = CHART:format("2.0.0"),
      ["charts/g/templates/cm.yaml"] = CM:format("two") }, "two")
    daemon = gitd.daemon(base)
  end)
  teardown(function()
    daemon:stop()
    servers.cleanup()
  end)
  before_each(function() cache = servers.tmpdir() end)

  describe("hfl.charts.git.fetch", function()
    local git = require "hfl.charts.git"
    local getenv = os.getenv
    before_each(function()
      os.getenv = function(k) if k == "HFL_CACHE_HOME" then return cache end return getenv(k) end
    end)
    after_each(function() os.getenv = getenv end)
    local session = require("hfl.session").new()
    local function fetch(src) return git.fetch(src, { session = session }) end

    it("checks out a tag, a branch, a commit and the default branch over file://", function()
      local cases = { { "v1.0.0", v1, "1.0.0" }, { "stable", v1, "1.0.0" }, { v2, v2, "2.0.0" }, { v1:sub(1, 12), v1, "1.0.0" } }
      for _, c in ipairs(cases) do
        local r = assert(fetch(("git::file://%s@charts/g?ref=%s"):format(repo, c[1])))
        assert.equal(c[2], r.commit)
        assert.matches("version: " .. c[3], read(r.path .. "/Chart.yaml"))
        assert.is_nil(read(r.root .. "/.git/HEAD"))
      end
      local r = assert(fetch(("git::file://%s@charts/g/Chart.yaml"):format(repo)))
      assert.equal(v2, r.commit)
      assert.matches("version: 2.0.0", read(r.path))
    end)

    it("runs several checkouts at once on their own threads", function()
      local proc = require "hfl.proc"
      local refs = { "v1.0.0", "stable", v2, "main" }
      local res = proc.map(refs, 4, function(ref)
        local r, err = fetch(("git::file://%s@charts/g?ref=%s"):format(repo, ref))
        return r and r.commit or err
      end)
      assert.same({ v1, v1, v2, v2 }, res)
    end)

    it("fetches through git daemon and reuses the cache entry", function()
      local src = ("git::%s/repo.git@charts/g?ref=v1.0.0"):format(daemon.url)
      local a = assert(fetch(src))
      assert.equal(v1, a.commit)
      local b = assert(fetch(src))
      assert.equal(a.path, b.path)
    end)

    it("names the repository and the ref that does not exist", function()
      local r, err = fetch(("git::file://%s@charts/g?ref=nope"):format(repo))
      assert.is_nil(r)
      assert.equal(('git fetch file://%s: no branch, tag or commit named "nope"'):format(repo), err)
      r, err = fetch(("git::%s/missing.git@x?ref=v1"):format(daemon.url))
      assert.is_nil(r)
      assert.matches("^git fetch git://127%.0%.0%.1:%d+/missing%.git: ", err)
    end)
  end)

  it("renders a release whose chart is a git source with hfl fetch", function()
    local work = servers.tmpdir()
    local f = assert(io.open(work .. "/helmfile.yaml", "w"))
    f:write(("releases:\n  - name: g\n    chart: git::%s/repo.git@charts/g?ref=v1.0.0\n"):format(daemon.url))
    f:close()
    local r = hflrun.capture({ "fetch", "--output-dir", "out" }, { cwd = work, env = { HFL_CACHE_HOME = cache } })
    assert.equal(0, r.code, r.stderr)
    assert.matches("version: 1.0.0", read(work .. "/out/g/gchart/latest/gchart/Chart.yaml"))
  end)
end)
