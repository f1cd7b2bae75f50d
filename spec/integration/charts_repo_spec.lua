-- hfl fetch / deps / repos / cache against a real HTTP chart repository (charts made with
-- `helm package`, indexed with `helm repo index`), compared with the real `helm pull`.
local servers = require "spec.support.servers"

local hflrun = require "spec.support.hflrun"

local function write(path, text)
  os.execute("mkdir -p '" .. path:match("^(.*)/") .. "'")
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end
local function read(path)
  local f = io.open(path)
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

-- Charts `name` at each version into dir, indexed with relative URLs.
local function package(dir, name, versions, src)
  for _, v in ipairs(versions) do
    servers.sh(("cd %s && rm -rf %s && helm create %s >/dev/null && sed -i 's/^version:.*/version: %s/' %s/Chart.yaml && helm package %s -d %s >/dev/null")
      :format(src, name, name, v, name, name, dir))
  end
  servers.sh(("helm repo index %s"):format(dir))
end

describe("hfl charts from an HTTP repository #integration", function()
  local repo_dir, src, srv, cache, work
  local env

  local function hfl(args, extra_env)
    local vars = { HFL_CACHE_HOME = cache }
    for k, v in pairs(env or {}) do vars[k] = v end
    for k, v in pairs(extra_env or {}) do vars[k] = v end
    return hflrun.capture(args, { cwd = work, env = vars })
  end

  local function state(releases, repos)
    write(work .. "/helmfile.yaml", (repos or ("repositories:\n  - name: stable\n    url: " .. srv.url .. "\n"))
      .. "releases:\n" .. releases)
  end

  setup(function()
    repo_dir, src = servers.tmpdir(), servers.tmpdir()
    package(repo_dir, "web", { "1.0.0", "1.1.0", "1.2.0-rc.1", "2.0.0" }, src)
    package(repo_dir, "api", { "0.1.0" }, src)
    srv = servers.httprepo(repo_dir)
  end)
  teardown(function()
    srv:stop()
    servers.cleanup()
  end)
  before_each(function()
    cache, work = servers.tmpdir(), servers.tmpdir()
    env = nil
    srv:reset()
  end)

  it("picks the same version as `helm pull` for each constraint", function()
    local constraints = { "1.0.0", "~1.0", "^1", ">=1.0.0 <2.0.0", "1.x", "*", ">=1.2.0-0 <2", "~1.2.0-0" }
    local rels = {}
    for i, c in ipairs(constraints) do
      rels[#rels + 1] = ("  - name: r%d\n    chart: stable/web\n    version: %q\n"):format(i, c)
    end
    state(table.concat(rels))
    local r = hfl { "fetch", "--output-dir", "out" }
    assert.equal(0, r.code, r.stderr)
    for i, c in ipairs(constraints) do
      local d = servers.tmpdir()
      servers.sh(("cd %s && helm pull web --repo %s --version '%s' >/dev/null"):format(d, srv.url, c))
      local want = servers.sh("ls " .. d):match("web%-(.-)%.tgz")
      local dir = ("%s/out/r%d/web/%s/web/Chart.yaml"):format(work, i, c)
      local got = (read(dir) or ""):match("\nversion: ([^\n]+)")
      assert.equal(want, got, "constraint " .. c)
    end
  end)

  it("picks prereleases as Helm 3 and Helm 4 each do, by the rule it is given", function()
    local index = require "hfl.charts.index"
    local idx = assert(index.parse(servers.sh(("curl -s %s/index.yaml"):format(srv.url)), srv.url))
    local constraints = { ">=1.2.0-0 <2", "!=2.0.0", "!=2.0.0 <3", "~1.2.0-0 || ^2", "1.2.0-0 - 1.5", ">1.1.0 <2",
      "<2.0.0-0", "^1.2.0-rc.0" }
    for _, helm in ipairs { "helm3", "helm4" } do
      for _, c in ipairs(constraints) do
        local d = servers.tmpdir()
        servers.sh(("cd %s && %s pull web --repo %s --version '%s' >/dev/null 2>&1 || true"):format(d, helm, srv.url, c))
        local want = servers.sh("ls " .. d):match("web%-(.-)%.tgz")
        local e = index.get(idx, "web", c, false, { prerelease = helm })
        assert.equal(want, e and e.version, helm .. " " .. c)
      end
    end
  end)

  it("fetches, through the CLI, the version the --helm-binary in use would pull", function()
    local constraints = { "!=2.0.0", "!=2.0.0 <3", "~1.2.0-0 || ^2", "^1.2.0-rc.0" }
    local rels = {}
    for i, c in ipairs(constraints) do
      rels[#rels + 1] = ("  - name: r%d\n    chart: stable/web\n    version: %q\n"):format(i, c)
    end
    state(table.concat(rels))
    local differ = 0
    local picked = {}
    for _, helm in ipairs { "helm3", "helm4" } do
      local out = "out-" .. helm
      local r = hfl { "--helm-binary", helm, "fetch", "--output-dir", out }
      assert.equal(0, r.code, r.stderr)
      picked[helm] = {}
      for i, c in ipairs(constraints) do
        local d = servers.tmpdir()
        servers.sh(("cd %s && %s pull web --repo %s --version '%s' >/dev/null 2>&1 || true"):format(d, helm, srv.url, c))
        local want = servers.sh("ls " .. d):match("web%-(.-)%.tgz")
        local got = (read(("%s/%s/r%d/web/%s/web/Chart.yaml"):format(work, out, i, c)) or ""):match("\nversion: ([^\n]+)")
        assert.equal(want, got, helm .. " " .. c)
        picked[helm][i] = got
      end
    end
    for i = 1, #constraints do
      if picked.helm3[i] ~= picked.helm4[i] then differ = differ + 1 end
    end
    assert.is_true(differ > 0, "the two helms should disagree on some constraint")
  end)

  it("downloads each chart once for many releases and nothing on the next run", function()
    local rels = {}
    for i = 1, 6 do rels[#rels + 1] = ("  - name: r%d\n    chart: stable/%s\n    version: %s\n"):format(i, i % 2 == 0 and "web" or "api", i % 2 == 0 and "~1.0" or "~0.1") end
    rels[#rels] = "  - name: r6\n    chart: stable/api\n"
    state(table.concat(rels))
    local r = hfl { "fetch", "--concurrency", "4" }
    assert.equal(0, r.code, r.stderr)
    local counts = srv:counts()
    assert.equal(1, counts["/web-1.0.0.tgz"])
    assert.equal(1, counts["/api-0.1.0.tgz"])
    assert.equal(1, counts["/index.yaml"])
    srv:reset()
    r = hfl { "fetch", "--skip-refresh" }
    assert.equal(0, r.code, r.stderr)
    assert.same({}, srv:counts())
  end)

  it("says which version constraint has no match and what is available", function()
    state("  - name: x\n    chart: stable/api\n    version: ~2.0\n")
    local r = hfl { "fetch" }
    assert.equal(1, r.code)
    assert.equal(('hfl: release x: chart stable/api (%s): no version matches "~2.0" (available: 0.1.0)\n'):format(srv.url), r.stderr)
  end)

  it("names an unknown repository", function()
    state("  - name: x\n    chart: nope/api\n")
    local r = hfl { "fetch" }
    assert.equal(1, r.code)
    assert.matches('^hfl: release x: chart nope/api: no repository named "nope" in `repositories:`', r.stderr)
  end)

  it("reports a malformed index.yaml with its URL", function()
    local bad = servers.tmpdir()
    write(bad .. "/index.yaml", "this: [is not\n")
    local s2 = servers.httprepo(bad)
    state("  - name: x\n    chart: bad/api\n", "repositories:\n  - name: bad\n    url: " .. s2.url .. "\n")
    local r = hfl { "fetch" }
    s2:stop()
    assert.equal(1, r.code)
    assert.matches("^hfl: release x: chart bad/api %(" .. s2.url:gsub("%p", "%%%0") .. "%): malformed index "
      .. s2.url:gsub("%p", "%%%0") .. "/index.yaml", r.stderr)
    assert.equal(1, select(2, r.stderr:gsub("\n", "")))
  end)

  it("refuses an archive whose digest differs from the index and leaves no entry", function()
    srv:fault("/api-0.1.0.tgz", "wrong")
    state("  - name: x\n    chart: stable/api\n    version: 0.1.0\n")
    local r = hfl { "fetch" }
    assert.equal(1, r.code)
    assert.matches("^hfl: release x: chart stable/api %(.-%): GET .-/api%-0%.1%.0%.tgz: digest mismatch", r.stderr)
    r = hfl { "cache", "info" }
    assert.matches("\n0 entries", r.stdout)
    srv:reset()
    r = hfl { "fetch" }
    assert.equal(0, r.code, r.stderr)
  end)

  it("writes helmfile.lock with `deps` and later runs use the locked version", function()
    state("  - name: x\n    namespace: ns\n    chart: stable/web\n    version: ~1.0\n  - name: y\n    chart: stable/api\n")
    local r = hfl { "deps" }
    assert.equal(0, r.code, r.stderr)
    local lock = read(work .. "/helmfile.lock")
    assert.matches(("^version: [^\n]+\ndependencies:\n  %%- name: api\n    repository: %s\n    version: 0%%.1%%.0\n  %%- name: web\n    repository: %s\n    version: 1%%.0%%.0\ndigest: sha256:%%x+\ngenerated: \"[^\"]+\"\n$")
      :format(srv.url:gsub("%p", "%%%0"), srv.url:gsub("%p", "%%%0")), lock)
    -- Pin an older version in the lock: fetch must use it, not the newest.
    write(work .. "/helmfile.lock", (lock:gsub("version: 1%.0%.0", "version: 1.0.0")))
    package(repo_dir, "web", { "1.0.5" }, src)
    srv:reset()
    r = hfl { "fetch", "--output-dir", "out" }
    assert.equal(0, r.code, r.stderr)
    assert.matches("\nversion: 1%.0%.0\n", read(work .. "/out/ns/x/web/~1.0/web/Chart.yaml"))
    r = hfl { "deps" }
    assert.matches("version: 1%.0%.5", read(work .. "/helmfile.lock"))
  end)

  it("fails with Helmfile's message when the lock has no matching version", function()
    state("  - name: x\n    chart: stable/web\n    version: ^2\n")
    write(work .. "/helmfile.lock", "version: 0.1.0\ndependencies:\n  - name: web\n    repository: " .. srv.url .. "\n    version: 1.0.0\n")
    local r = hfl { "fetch" }
    assert.equal(1, r.code)
    assert.equal('hfl: release x: chart stable/web: no resolved dependency found for "web", running "hfl deps" may resolve the issue\n', r.stderr)
  end)

  it("builds a local chart's dependencies into charts/ once", function()
    write(work .. "/mychart/Chart.yaml", ("apiVersion: v2\nname: mychart\nversion: 0.1.0\ndependencies:\n  - name: api\n    version: ~0.1\n    repository: %s\n  - name: web\n    version: 1.0.0\n    repository: \"@stable\"\n"):format(srv.url))
    state("  - name: a\n    chart: ./mychart\n  - name: b\n    chart: ./mychart\n")
    local r = hfl { "fetch" }
    assert.equal(0, r.code, r.stderr)
    assert.is_not_nil(read(work .. "/mychart/charts/api-0.1.0.tgz"))
    assert.is_not_nil(read(work .. "/mychart/charts/web-1.0.0.tgz"))
    assert.equal(1, srv:counts()["/api-0.1.0.tgz"])
    srv:reset()
    r = hfl { "fetch" }
    assert.equal(0, r.code, r.stderr)
    assert.same({}, srv:counts())
    servers.sh(("cd %s && helm template x ./mychart >/dev/null"):format(work))
  end)

  it("takes credentials from <NAME>_USERNAME/_PASSWORD and names the URL when they are wrong", function()
    local s2 = servers.httprepo(repo_dir, { auth = "alice:s3cret" })
    state("  - name: x\n    chart: private-repo/api\n", "repositories:\n  - name: private-repo\n    url: " .. s2.url .. "\n")
    env = { PRIVATE_REPO_USERNAME = "alice", PRIVATE_REPO_PASSWORD = "s3cret" }
    local r = hfl { "fetch" }
    assert.equal(0, r.code, r.stderr)
    cache = servers.tmpdir()
    env = { PRIVATE_REPO_USERNAME = "alice", PRIVATE_REPO_PASSWORD = "nope" }
    r = hfl { "fetch" }
    s2:stop()
    assert.equal(1, r.code)
    assert.matches("^hfl: release x: chart private%-repo/api %(.-%): GET .-/index%.yaml: HTTP 401 %(check the repository's username/password or PRIVATE_REPO_USERNAME/PRIVATE_REPO_PASSWORD%)\n$", r.stderr)
  end)

  it("lists and cleans the cache", function()
    state("  - name: x\n    chart: stable/api\n")
    assert.equal(0, hfl({ "fetch" }).code)
    local r = hfl { "cache", "info" }
    assert.equal(0, r.code)
    assert.matches("^Cache directory: " .. cache:gsub("%p", "%%%0") .. "\n%- repo " .. srv.url:gsub("%p", "%%%0") .. " api 0%.1%.0\n1 entries", r.stdout)
    r = hfl { "cache", "cleanup" }
    assert.equal(0, r.code)
    assert.matches("^Cleaning up cache directory: .-\n%- ", r.stdout)
    assert.matches("\n%- index %x+%.yaml\n", r.stdout)
    assert.same({}, require("hfl.core").fs.list(cache .. "/indexes"))
    assert.matches("\n0 entries", hfl({ "cache", "info" }).stdout)
  end)

  it("adds the repositories to helm with `repos`", function()
    state("  - name: x\n    chart: stable/api\n")
    local hc = servers.tmpdir()
    local henv = { HELM_REPOSITORY_CONFIG = hc .. "/repositories.yaml", HELM_REPOSITORY_CACHE = hc .. "/cache" }
    local r = hfl({ "repos" }, henv)
    assert.equal(0, r.code, r.stderr)
    local list = servers.sh(("HELM_REPOSITORY_CONFIG=%s helm repo list"):format(henv.HELM_REPOSITORY_CONFIG))
    assert.matches("stable%s+" .. srv.url:gsub("%p", "%%%0"), list)
  end)
  it("fetches only the selected releases", function()
    state("  - name: x\n    chart: stable/api\n    labels: {tier: a}\n  - name: y\n    chart: stable/web\n    version: 1.0.0\n    labels: {tier: b}\n")
    local r = hfl { "fetch", "-l", "tier=a" }
    assert.equal(0, r.code, r.stderr)
    local counts = srv:counts()
    assert.equal(1, counts["/api-0.1.0.tgz"])
    assert.is_nil(counts["/web-1.0.0.tgz"])
  end)

  it("fetches chart archive URLs and local archives", function()
    state(("  - name: u\n    chart: %s/web-1.1.0.tgz\n  - name: l\n    chart: %s/api-0.1.0.tgz\n"):format(srv.url, repo_dir))
    local r = hfl { "fetch", "--output-dir", "out" }
    assert.equal(0, r.code, r.stderr)
    assert.matches("\nversion: 1%.1%.0\n", read(work .. "/out/u/web/latest/web/Chart.yaml"))
    assert.matches("\nversion: 0%.1%.0\n", read(work .. "/out/l/api/latest/api/Chart.yaml"))
    assert.equal(1, srv:counts()["/web-1.1.0.tgz"])
  end)

  it("talks TLS with caFile or skipTLSVerify and explains a certificate it cannot trust #slow", function()
    local certs = servers.make_certs(servers.tmpdir())
    local s2 = servers.httprepo(repo_dir, { tls = certs })
    local function st(extra)
      state("  - name: x\n    chart: tls/api\n", "repositories:\n  - name: tls\n    url: " .. s2.url .. "\n" .. extra)
    end
    st("    caFile: " .. certs.ca .. "\n")
    local r = hfl { "fetch" }
    assert.equal(0, r.code, r.stderr)
    cache = servers.tmpdir()
    st("    skipTLSVerify: true\n")
    r = hfl { "fetch" }
    assert.equal(0, r.code, r.stderr)
    cache = servers.tmpdir()
    st("")
    r = hfl { "fetch" }
    s2:stop()
    assert.equal(1, r.code)
    assert.matches("^hfl: release x: chart tls/api %(https://127%.0%.0%.1:%d+%): GET https://127%.0%.0%.1:%d+/index%.yaml: .*caFile", r.stderr)
    assert.equal(1, select(2, r.stderr:gsub("\n", "")))
  end)
  it("refuses a corrupt archive from an index without digests and caches nothing", function()
    local bad = servers.tmpdir()
    local f = assert(io.open(bad .. "/index.yaml", "w"))
    f:write("apiVersion: v1\nentries:\n  junk:\n    - name: junk\n      version: 1.0.0\n      urls: [junk-1.0.0.tgz]\n")
    f:close()
    f = assert(io.open(bad .. "/junk-1.0.0.tgz", "w"))
    f:write("this is not a gzip archive")
    f:close()
    local s2 = servers.httprepo(bad)
    state("  - name: x\n    chart: bad/junk\n    version: 1.0.0\n", "repositories:\n  - name: bad\n    url: " .. s2.url .. "\n")
    local r = hfl { "fetch" }
    s2:stop()
    assert.equal(1, r.code)
    assert.matches("^hfl: release x: chart bad/junk %(.-%): http://.-/junk%-1%.0%.0%.tgz: corrupt or truncated archive", r.stderr)
    assert.equal(1, select(2, r.stderr:gsub("\n", "")))
    assert.matches("\n0 entries", hfl({ "cache", "info" }).stdout)
  end)
  it("prints the state with the charts' paths under --output-dir with --write-output", function()
    state("  - name: x\n    chart: stable/api\n    version: 0.1.0\n")
    local r = hfl { "fetch", "--output-dir", "out", "--write-output" }
    assert.equal(0, r.code, r.stderr)
    assert.matches("\nreleases:\n  %- chart: out/x/api/0%.1%.0/api\n    version: 0%.1%.0\n    name: x\n", r.stdout)
    assert.truthy(read(work .. "/out/x/api/0.1.0/api/Chart.yaml"))
  end)

  it("refuses --write-output without --output-dir, as Helmfile", function()
    state("  - name: x\n    chart: stable/api\n    version: 0.1.0\n")
    local r = hfl { "fetch", "--write-output" }
    assert.equal(1, r.code)
    assert.equal("hfl: --write-output needs --output-dir DIR: the state it prints points at the charts there\n", r.stderr)
    assert.equal("", r.stdout)
  end)

  it("says where each chart went: the cache without --output-dir", function()
    state("  - name: x\n    chart: stable/api\n    version: 0.1.0\n")
    local r = hfl { "fetch" }
    assert.equal(0, r.code, r.stderr)
    assert.matches("release x: chart stable/api 0%.1%.0: " .. cache:gsub("%p", "%%%0") .. "/entries/%x+/chart%.tgz\n", r.stderr)
    assert.matches("%-%-output%-dir DIR copies them to DIR", r.stderr)
  end)

  it("says no release matched the selector, exit 3", function()
    state("  - name: x\n    chart: stable/api\n")
    local r = hfl { "fetch", "-l", "name=nope" }
    assert.equal(3, r.code)
    assert.matches("no releases found that matches specified selector%(name=nope%)", r.stderr)
  end)
  it("packs file:// dependencies and leaves unknown repositories to helm dependency build", function()
    write(work .. "/sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 0.3.0\n")
    write(work .. "/sub/templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sub\n")
    write(work .. "/top/Chart.yaml", "apiVersion: v2\nname: top\nversion: 0.1.0\ndependencies:\n  - name: sub\n    version: 0.3.0\n    repository: file://../sub\n")
    state("  - name: a\n    chart: ./top\n")
    local r = hfl { "fetch" }
    assert.equal(0, r.code, r.stderr)
    assert.is_not_nil(read(work .. "/top/charts/sub-0.3.0.tgz"))
    local out = servers.sh(("cd %s && helm template x ./top"):format(work))
    assert.matches("name: sub", out)
    write(work .. "/other/Chart.yaml", "apiVersion: v2\nname: other\nversion: 0.1.0\ndependencies:\n  - name: api\n    version: 0.1.0\n    repository: \"@nothere\"\n")
    state("  - name: b\n    chart: ./other\n")
    local hc = servers.tmpdir()
    r = hfl({ "fetch" }, { HELM_REPOSITORY_CONFIG = hc .. "/repositories.yaml", HELM_REPOSITORY_CACHE = hc .. "/cache" })
    assert.equal(1, r.code)
    assert.matches("^hfl: release b: chart %./other %(.-/other%): helm dependency build .-/other failed: ", r.stderr)
    assert.equal(1, select(2, r.stderr:gsub("\n", "")))
  end)
  it("presents the client certificate of certFile/keyFile #slow", function()
    local certs = servers.make_certs(servers.tmpdir())
    local s2 = servers.httprepo(repo_dir, { tls = certs, client_ca = certs.ca })
    local base = "repositories:\n  - name: mtls\n    url: " .. s2.url .. "\n    caFile: " .. certs.ca .. "\n"
    state("  - name: x\n    chart: mtls/api\n", base .. "    certFile: " .. certs.client_cert .. "\n    keyFile: " .. certs.client_key .. "\n")
    local r = hfl { "fetch" }
    assert.equal(0, r.code, r.stderr)
    cache = servers.tmpdir()
    state("  - name: x\n    chart: mtls/api\n", base)
    r = hfl { "fetch" }
    s2:stop()
    assert.equal(1, r.code)
    assert.matches("^hfl: release x: chart mtls/api %(https://.-%): GET https://.-/index%.yaml: ", r.stderr)
  end)
end)
