-- OCI charts against Debian's docker-registry (with and without htpasswd auth), charts pushed
-- with the real `helm push`.
local servers = require "spec.support.servers"
local registry = require "spec.support.servers.registry"

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

describe("hfl charts from an OCI registry #integration", function()
  local pkgs, open_reg, auth_reg, cache, work

  local function hfl(args, env)
    local vars = { HFL_CACHE_HOME = cache, HELM_REGISTRY_CONFIG = work .. "/no-registry-config.json",
      DOCKER_CONFIG = work .. "/no-docker" }
    for k, v in pairs(env or {}) do vars[k] = v end
    return hflrun.capture(args, { cwd = work, env = vars })
  end

  local function version_of(dir)
    return (read(dir .. "/Chart.yaml") or ""):match("\nversion: ([^\n]+)")
  end

  setup(function()
    pkgs = servers.tmpdir()
    for _, v in ipairs { "1.0.0", "1.1.0", "2.0.0-rc.1" } do
      servers.sh(("cd %s && rm -rf web && helm create web >/dev/null && sed -i 's/^version:.*/version: %s/' web/Chart.yaml && helm package web >/dev/null"):format(pkgs, v))
    end
    open_reg = registry.start()
    auth_reg = registry.start { auth = { username = "alice", password = "s3cret" } }
    for _, reg in ipairs { open_reg, auth_reg } do
      for _, v in ipairs { "1.0.0", "1.1.0", "2.0.0-rc.1" } do reg:push(pkgs .. "/web-" .. v .. ".tgz", "charts") end
    end
  end)
  teardown(function()
    open_reg:stop()
    auth_reg:stop()
    servers.cleanup()
  end)
  before_each(function()
    cache, work = servers.tmpdir(), servers.tmpdir()
  end)

  it("pulls oci:// charts by tag, by range and by digest", function()
    local digest = servers.sh(("curl -s -I -H 'Accept: application/vnd.oci.image.manifest.v1+json' http://%s/v2/charts/web/manifests/1.0.0")
      :format(open_reg.host)):match("[Dd]ocker%-[Cc]ontent%-[Dd]igest: (sha256:%x+)")
    write(work .. "/helmfile.yaml", ([[
releases:
  - name: tag
    chart: oci://%s/charts/web:1.0.0
  - name: range
    chart: oci://%s/charts/web
    version: ~1
  - name: digest
    chart: oci://%s/charts/web@%s
  - name: latest
    chart: oci://%s/charts/web
  - name: devel
    chart: oci://%s/charts/web
    version: ">=2.0.0-0"
]]):format(open_reg.host, open_reg.host, open_reg.host, digest, open_reg.host, open_reg.host))
    local r = hfl { "fetch", "--output-dir", "out" }
    assert.equal(0, r.code, r.stderr)
    assert.equal("1.0.0", version_of(work .. "/out/tag/web/latest/web"))
    assert.equal("1.1.0", version_of(work .. "/out/range/web/~1/web"))
    assert.equal("1.0.0", version_of(work .. "/out/digest/web/latest/web"))
    assert.equal("1.1.0", version_of(work .. "/out/latest/web/latest/web"))
    assert.equal("2.0.0-rc.1", version_of(work .. "/out/devel/web/>=2.0.0-0/web"))
    -- the same choice as helm
    local d = servers.tmpdir()
    servers.sh(("cd %s && helm pull oci://%s/charts/web --version '~1' --plain-http >/dev/null 2>&1"):format(d, open_reg.host))
    assert.matches("web%-1%.1%.0%.tgz", servers.sh("ls " .. d))
  end)

  it("uses repositories with oci: true and their credentials, and rejects wrong ones", function()
    local function st(password)
      write(work .. "/helmfile.yaml", ([[
repositories:
  - name: reg
    url: %s/charts
    oci: true
    username: alice
    password: %s
releases:
  - name: x
    chart: reg/web
    version: 1.1.0
]]):format(auth_reg.host, password))
    end
    st("s3cret")
    local r = hfl { "fetch", "--output-dir", "out" }
    assert.equal(0, r.code, r.stderr)
    assert.equal("1.1.0", version_of(work .. "/out/x/web/1.1.0/web"))
    cache = servers.tmpdir()
    st("wrong")
    r = hfl { "fetch" }
    assert.equal(1, r.code)
    assert.matches("^hfl: release x: chart reg/web %(oci://" .. auth_reg.host:gsub("%p", "%%%0")
      .. "/charts/web%): GET .-/manifests/1%.1%.0: HTTP 401, credentials rejected %(check the registry username/password", r.stderr)
    assert.equal(1, select(2, r.stderr:gsub("\n", "")))
  end)

  it("takes credentials from Helm's registry config and writes the lock for OCI charts", function()
    write(work .. "/helmfile.yaml", ([[
repositories:
  - name: reg
    url: %s/charts
    oci: true
releases:
  - name: x
    chart: reg/web
    version: ^1.0.0
]]):format(auth_reg.host))
    local r = hfl({ "deps" }, { HELM_REGISTRY_CONFIG = auth_reg.config })
    assert.equal(0, r.code, r.stderr)
    assert.matches("  %- name: web\n    repository: oci://" .. auth_reg.host:gsub("%p", "%%%0") .. "/charts\n    version: 1%.1%.0\n",
      read(work .. "/helmfile.lock"))
    r = hfl({ "fetch" }, { HELM_REGISTRY_CONFIG = auth_reg.config })
    assert.equal(0, r.code, r.stderr)
    r = hfl { "fetch", "--output-dir", "o2" }
    assert.equal(0, r.code, r.stderr)  -- cached: no registry access needed
  end)

  it("refuses a digest that does not match", function()
    write(work .. "/helmfile.yaml", ("releases:\n  - name: x\n    chart: oci://%s/charts/web@sha256:%s\n")
      :format(open_reg.host, string.rep("0", 64)))
    local r = hfl { "fetch" }
    assert.equal(1, r.code)
    assert.matches("^hfl: release x: chart oci://.-: GET .-/manifests/sha256:0+: HTTP 404", r.stderr)
  end)

  it("rejects version: latest for OCI charts", function()
    write(work .. "/helmfile.yaml", ("releases:\n  - name: x\n    chart: oci://%s/charts/web\n    version: latest\n"):format(open_reg.host))
    local r = hfl { "fetch" }
    assert.equal(1, r.code)
    assert.matches('version "latest" is not supported', r.stderr)
  end)
  it("follows the Bearer token flow from WWW-Authenticate", function()
    local px = open_reg:token_proxy("bob:tok3n")
    local function st(password)
      write(work .. "/helmfile.yaml", ([[
repositories:
  - name: reg
    url: %s/charts
    oci: true
    username: bob
    password: %s
releases:
  - name: x
    chart: reg/web
    version: ~1.0
]]):format(px.host, password))
    end
    st("tok3n")
    local r = hfl { "fetch", "--output-dir", "out" }
    assert.equal(0, r.code, r.stderr)
    assert.equal("1.0.0", version_of(work .. "/out/x/web/~1.0/web"))
    cache = servers.tmpdir()
    st("bad")
    r = hfl { "fetch" }
    px:stop()
    assert.equal(1, r.code)
    assert.matches("^hfl: release x: chart reg/web %(.-%): GET .-/tags/list: token request failed with HTTP 401", r.stderr)
  end)
end)
