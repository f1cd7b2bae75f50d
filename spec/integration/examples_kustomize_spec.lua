-- examples/kustomize (a manifests directory, a kustomization with an overlay and a patched
-- chart) through the CLI: `hfl template` and `hfl lint` with the real helm 4 and kubectl's
-- kustomize, leaving nothing in TMPDIR.
local hflrun = require "spec.support.hflrun"
local servers = require "spec.support.servers"

local DIR = hflrun.root() .. "/examples/kustomize"

describe("examples/kustomize #integration", function()
  local tmp, env
  before_each(function()
    tmp = servers.tmpdir()
    env = { TMPDIR = tmp, HFL_CACHE_HOME = tmp .. "/cache" }
  end)
  teardown(function() servers.cleanup() end)

  it("renders the three releases with `hfl template`", function()
    local code, out, err = hflrun.run({ "template" }, { cwd = DIR, env = env })
    assert.equal(0, code, err)
    -- the manifests: the release's namespace added, the Go template in the ConfigMap kept
    assert.matches("# Source: manifests/templates/config.yaml\napiVersion: v1\nkind: ConfigMap\n"
      .. "metadata:\n  name: demo%-settings\n  namespace: demo\ndata:\n  alert: '{{ $labels.instance }} is down'\n", out)
    assert.matches("# Source: manifests/templates/rbac/reader.yaml\n", out, 1, true)
    -- the overlay: its own patch (2 replicas), the release's image tag and name suffix
    assert.matches("# Source: prod/templates/kustomized.yaml\napiVersion: apps/v1\nkind: Deployment\n"
      .. "metadata:\n  labels:\n    app: hello\n  name: hello-prod\n  namespace: demo\nspec:\n  replicas: 2\n", out, 1, true)
    assert.matches("        - image: nginx:1.27\n          name: hello\n", out, 1, true)
    -- the chart: the .gotmpl patch (replicas, a limit merged into the container by name) and
    -- the label transformer
    assert.matches([[
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    owner: platform
  name: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - image: nginx:1.27
          name: web
          resources:
            limits:
              memory: 128Mi
]], out, 1, true)
    assert.equal("", servers.sh("ls -A " .. tmp .. " | grep -v '^cache$' || true"))
  end)

  it("lints the temporary charts with `hfl lint`", function()
    local code, out, err = hflrun.run({ "lint" }, { cwd = DIR, env = env })
    assert.equal(0, code, err)
    assert.equal(3, select(2, (out .. err):gsub("1 chart%(s%) linted, 0 chart%(s%) failed", "")))
    assert.equal("", servers.sh("ls -A " .. tmp .. " | grep -v '^cache$' || true"))
  end)
end)
