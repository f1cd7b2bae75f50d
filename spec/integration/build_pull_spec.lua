-- build and show-dag pull OCI and go-getter (git) charts as Helmfile's do (pkg/app
-- PrintState / PrintDAGState → WithPreparedCharts): against Debian's docker-registry (charts
-- pushed with the real `helm push`) and `git daemon` on the loopback. build prints each pulled
-- chart's place as `chartPath:`; a chart that cannot be pulled fails both commands naming the
-- state file and the release; list pulls nothing, and classic-repository and local charts are
-- left to helm.
local servers = require "spec.support.servers"
local registry = require "spec.support.servers.registry"
local gitd = require "spec.support.servers.gitd"
local hflrun = require "spec.support.hflrun"
local files = require "spec.support.files"
local yaml = require "hfl.yaml"
local write = files.write

local CHART = "apiVersion: v2\nname: %s\nversion: %s\n"

describe("build and show-dag pull OCI and git charts #integration", function()
  local reg, daemon, repo, cache, work

  local function hfl(args)
    return hflrun.capture(args, { cwd = work, env = { HFL_CACHE_HOME = cache,
      HELM_REGISTRY_CONFIG = work .. "/no-registry-config.json", DOCKER_CONFIG = work .. "/no-docker",
      NO_COLOR = "1" } })
  end

  -- The releases of build's output by name.
  local function built(out)
    local by_name = {}
    for doc in out:gmatch("#  Source: [^\n]*\n\n(.-)\n%-%-%-") do
      local d = assert(yaml.decode(doc))
      for _, r in ipairs(d.releases or {}) do by_name[r.name] = r end
    end
    return by_name
  end

  setup(function()
    local pkgs = servers.tmpdir()
    servers.sh(("cd %s && mkdir web && printf '%s' > web/Chart.yaml && helm package web >/dev/null")
      :format(pkgs, CHART:format("web", "1.2.0")))
    reg = registry.start()
    reg:push(pkgs .. "/web-1.2.0.tgz", "charts")
    local base
    repo, base = gitd.repo({ ["charts/g/Chart.yaml"] = CHART:format("g", "3.0.0") })
    gitd.tag(repo, "v3")
    daemon = gitd.daemon(base)
  end)

  teardown(function()
    reg:stop()
    daemon:stop()
    servers.cleanup()
  end)

  before_each(function()
    cache, work = servers.tmpdir(), servers.tmpdir()
    files.tree(work .. "/charts/local", { ["Chart.yaml"] = CHART:format("local", "0.1.0") })
    write(work .. "/helmfile.yaml", ([[
repositories:
  - name: ocirepo
    url: %s/charts
    oci: true
  - name: classic
    url: http://127.0.0.1:1/never-asked
releases:
  - name: oci
    chart: oci://%s/charts/web
    version: 1.2.0
  - name: viarepo
    chart: ocirepo/web
    version: 1.2.0
  - name: git
    chart: git::%s/repo.git@charts/g?ref=v3
    needs: [oci]
  - name: classic
    chart: classic/app
    version: 1.0.0
  - name: local
    chart: ./charts/local
  - name: off
    chart: oci://127.0.0.1:1/charts/never
    installed: false
]]):format(reg.host, reg.host, daemon.url))
  end)

  it("build pulls them and prints where each is as chartPath", function()
    local r = hfl { "build" }
    assert.equal(0, r.code, r.stderr)
    local rels = built(r.stdout .. "\n---")
    for _, name in ipairs { "oci", "viarepo" } do
      local path = rels[name].chartPath
      assert.is_string(path, name)
      assert.equal(cache, path:sub(1, #cache), path)
      assert.matches("\nversion: 1.2.0\n", files.read(path .. "/Chart.yaml"), 1, true)
    end
    assert.matches("\nversion: 3.0.0\n", files.read(rels.git.chartPath .. "/Chart.yaml"), 1, true)
    assert.equal("oci://" .. reg.host .. "/charts/web", rels.oci.chart)
    assert.is_nil(rels.classic.chartPath)
    assert.is_nil(rels["local"].chartPath)
    assert.is_nil(rels.off.chartPath)
  end)

  it("show-dag pulls them into the cache; list pulls nothing", function()
    local r = hfl { "list" }
    assert.equal(0, r.code, r.stderr)
    assert.is_nil(next(require("hfl.fs").list(cache) or {}))
    r = hfl { "show-dag" }
    assert.equal(0, r.code, r.stderr)
    assert.matches("\n2 +git +oci\n", r.stdout)
    assert.truthy(next(require("hfl.fs").list(cache) or {}), "the cache stays empty")
  end)

  it("fails build and show-dag naming the state file and the release when a pull fails", function()
    files.write(work .. "/helmfile.yaml", ([[
releases:
  - name: gone
    chart: oci://%s/charts/missing
    version: 9.9.9
]]):format(reg.host))
    for _, cmd in ipairs { "build", "show-dag" } do
      local r = hfl { cmd }
      assert.equal(1, r.code, cmd)
      assert.matches("in helmfile.yaml: release gone: chart oci://" .. reg.host:gsub("%p", "%%%0")
        .. "/charts/missing", r.stderr)
      assert.equal("", r.stdout)
    end
  end)
end)
