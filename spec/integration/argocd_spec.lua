-- examples/argocd: runs the generate command of plugin.yaml exactly as Argo CD's cmp-server
-- would (its command and args, in the application's directory, with Argo CD's environment) on
-- examples/argocd/app, and checks what it prints and that it changes nothing.
local hflrun = require "spec.support.hflrun"
local fs = require "hfl.fs"
local proc = require "hfl.proc"
local yaml = require "hfl.yaml"

local ROOT = hflrun.root()
local EX = ROOT .. "/examples/argocd/"

local function plugin()
  return assert(yaml.decode(assert(fs.read(EX .. "plugin.yaml"))))
end

-- Runs the plugin's generate command in examples/argocd/app with `env` added to Argo CD's.
local function generate(env)
  local home = assert(fs.mkdtemp("hfl-argocd-XXXXXX"))
  local bin = home .. "/bin"
  assert(fs.mkdir_p(bin))
  assert(os.execute(("ln -s %s %s/hfl && ln -s %s/.deps/bin/helm4 %s/helm"):format(hflrun.bin(), bin, ROOT, bin)) == 0)
  local gen = plugin().spec.generate
  local argv = {}
  for _, a in ipairs(gen.command) do argv[#argv + 1] = a end
  for _, a in ipairs(gen.args or {}) do argv[#argv + 1] = a end
  argv.cwd = EX .. "app"
  argv.env_replace = true
  argv.env = { PATH = bin .. ":/usr/bin:/bin", HOME = home, TMPDIR = home,
    ARGOCD_APP_NAME = "shop", ARGOCD_APP_NAMESPACE = "argocd",
    HFL_CACHE_HOME = home .. "/cache",
    HELM_REPOSITORY_CONFIG = home .. "/helm/repositories.yaml",
    HELM_REPOSITORY_CACHE = home .. "/helm/repository",
    -- `make asan` runs the sanitizer build, whose settings must reach it through the shell
    ASAN_OPTIONS = os.getenv("ASAN_OPTIONS") or nil }
  for k, v in pairs(env or {}) do argv.env[k] = v end
  local r = assert(proc.run(argv))
  return r, home
end

local function deployments(out)
  local list = {}
  for _, doc in ipairs(assert(yaml.decode_all(out))) do
    if doc ~= yaml.null and doc.kind == "Deployment" then
      list[#list + 1] = { name = doc.metadata.name, replicas = tonumber(tostring(doc.spec.replicas)) }
    end
  end
  return list
end

describe("examples/argocd #integration", function()
  it("is a ConfigManagementPlugin whose generate command runs hfl template", function()
    local p = plugin()
    assert.equal("argoproj.io/v1alpha1", p.apiVersion)
    assert.equal("ConfigManagementPlugin", p.kind)
    assert.matches("hfl .*template", p.spec.generate.args[1])
  end)

  it("renders the application's releases in plan order for the environment Argo CD passes", function()
    local r, home = generate { ARGOCD_ENV_HELMFILE_ENVIRONMENT = "prod", KUBE_VERSION = "1.29.0" }
    assert.equal(0, r.code, r.stderr)
    assert.equal("", r.stderr)
    assert.same({ { name = "web", replicas = 3 }, { name = "worker", replicas = 1 } }, deployments(r.stdout))
    -- no helm repository was added or refreshed, nothing written next to the sources
    assert.is_false(fs.exists(home .. "/helm/repositories.yaml"))
    assert.is_false(fs.exists(home .. "/helm/repository"))
    assert.same({ "charts", "helmfile.yaml.gotmpl" }, fs.list(EX .. "app"))
    assert.same({ "Chart.yaml", "templates", "values.yaml" }, fs.list(EX .. "app/charts/web"))
    fs.rm_r(home, fs.dirname(home))
  end)

  it("prints the same bytes on every run, and the default environment without plugin env", function()
    local a, ha = generate {}
    local b, hb = generate {}
    assert.equal(0, a.code, a.stderr)
    assert.equal(a.stdout, b.stdout)
    assert.same({ { name = "web", replicas = 1 }, { name = "worker", replicas = 1 } }, deployments(a.stdout))
    local one, ho = generate { ARGOCD_ENV_HELMFILE_SELECTOR = "name=worker" }
    assert.same({ { name = "worker", replicas = 1 } }, deployments(one.stdout))
    for _, h in ipairs { ha, hb, ho } do fs.rm_r(h, fs.dirname(h)) end
  end)
end)
