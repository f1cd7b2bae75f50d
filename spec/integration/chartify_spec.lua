-- Helmfile's chartify in hfl (issue 16): plain manifests directories, kustomizations, ad-hoc
-- dependencies (local, HTTP repository, OCI registry), strategicMergePatches, transformers and
-- forceNamespace, through `hfl template` with the real helm and `kubectl kustomize` (no
-- kustomize binary on PATH). The expected manifests are written from Helmfile's documentation
-- and chartify's source (helmfile/chartify: chartify.go, kustomize.go, patch.go,
-- set_namespace.go); guesses are marked "guess:".
local servers = require "spec.support.servers"
local registry = require "spec.support.servers.registry"
local hflrun = require "spec.support.hflrun"
local files = require "spec.support.files"
local write, read = files.write, files.read

local ROOT = hflrun.root()

-- A PATH with helm and kubectl and the system's tools, and surely no kustomize.
local function bin_dir(dir)
  os.execute(("mkdir -p %s && ln -sf %s/.deps/bin/helm %s/helm && ln -sf %s/.deps/bin/kubectl %s/kubectl")
    :format(dir, ROOT, dir, ROOT, dir))
  return dir .. ":/usr/local/bin:/usr/bin:/bin"
end

-- "app": a Deployment and a ConfigMap that names its namespace.
local APP = {
  ["Chart.yaml"] = "apiVersion: v2\nname: app\nversion: 1.0.0\n",
  ["values.yaml"] = "replicas: 1\n",
  ["templates/deploy.yaml"] = [[
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicas }}
  template:
    spec:
      containers:
        - name: main
          image: busybox:1.0
]],
  ["templates/cm.yaml"] = [[
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-cm
  namespace: keep
data:
  k: v
]],
}

-- "dep": the chart added as an ad-hoc dependency.
local DEP = {
  ["Chart.yaml"] = "apiVersion: v2\nname: dep\nversion: 1.0.0\n",
  ["templates/cm.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-{{ .Chart.Name }}\n",
}

describe("chartify: manifests, kustomizations, dependencies and patches #integration", function()
  local work, tmp, path

  local function hfl(args, env)
    local vars = { HFL_CACHE_HOME = work .. "/cache", PATH = path, TMPDIR = tmp,
      HELM_REPOSITORY_CONFIG = work .. "/helm/repositories.yaml",
      HELM_REPOSITORY_CACHE = work .. "/helm/cache", HELM_REGISTRY_CONFIG = work .. "/helm/registry.json" }
    for k, v in pairs(env or {}) do vars[k] = v end
    return hflrun.capture(args, { cwd = work, env = vars })
  end

  -- The run directories hfl left in its TMPDIR.
  local function leftovers()
    return servers.sh("ls -A " .. tmp)
  end

  before_each(function()
    work, tmp = servers.tmpdir(), servers.tmpdir()
    path = bin_dir(work .. "/bin")
    files.tree(work .. "/charts/app", APP)
    files.tree(work .. "/charts/dep", DEP)
  end)
  teardown(function() servers.cleanup() end)

  it("makes a chart of a manifests directory: sub-directories, .yml and .json, {{ kept, the release's namespace where none is set", function()
    files.tree(work .. "/manifests", {
      ["cm.yaml"] = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\ndata:\n  tmpl: "{{ .Values.x }}"\n'
        .. "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: two\n  namespace: other\n",
      ["sub/role.yml"] = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\nrules: []\n",
      ["svc.json"] = '{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"ports": [{"port": 80}]}}\n',
      ["README.md"] = "not a manifest\n",
    })
    write(work .. "/helmfile.yaml", "releases:\n  - name: raw\n    namespace: apps\n    chart: ./manifests\n")
    local r = hfl { "template" }
    assert.equal(0, r.code, r.stderr)
    -- the chart is named after the directory (chartify: filepath.Base of the chart path); each
    -- file keeps its path under templates/ and helm prints them in its install order; the
    -- ClusterRole gets no namespace (cluster-scoped: a deliberate difference, chartify's
    -- SetNamespace adds one to every object without one)
    assert.equal([[
---
# Source: manifests/templates/cm.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: one
  namespace: apps
data:
  tmpl: '{{ .Values.x }}'
---
# Source: manifests/templates/cm.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: two
  namespace: other
---
# Source: manifests/templates/sub/role.yml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: reader
rules: []
---
# Source: manifests/templates/svc.json
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: apps
spec:
  ports:
    - port: 80
]], r.stdout)
    assert.equal("", leftovers())
  end)

  local KUST = {
    ["kust/kustomization.yaml"] = "resources:\n  - deploy.yaml\ncommonLabels:\n  app: web\n",
    ["kust/deploy.yaml"] = [[
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.0
]],
  }

  -- kustomize's output as `kubectl kustomize` writes it (keys sorted), with the release's
  -- kustomize values applied: the image tag, the name prefix and suffix, the release's
  -- namespace (chartify's `kustomize edit set namespace`)
  local KUSTOMIZED = [[
---
# Source: kust/templates/kustomized.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app: web
  name: pre-web-suf
  namespace: apps
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - image: registry.example/nginx:2.0
          name: web
]]

  local KUST_RELEASE = [[
releases:
  - name: k
    namespace: apps
    chart: ./kust
    values:
      - images:
          - name: nginx
            newName: registry.example/nginx
            newTag: "2.0"
        namePrefix: pre-
        nameSuffix: -suf
]]

  it("builds a kustomization with `kubectl kustomize` when no kustomize is found, with the release's kustomize values", function()
    files.tree(work, KUST)
    write(work .. "/helmfile.yaml", KUST_RELEASE)
    local r = hfl { "template" }
    assert.equal(0, r.code, r.stderr)
    assert.equal(KUSTOMIZED, r.stdout)
    assert.equal("", leftovers())
  end)

  it("runs `kustomize build` with the binary --kustomize-binary or kustomizeBinary names", function()
    files.tree(work, KUST)
    -- a kustomize that logs its arguments and builds with kubectl's kustomize
    write(work .. "/tools/kz", "#!/bin/sh\necho \"$*\" >> " .. work .. "/kz.log\nshift\nexec kubectl kustomize \"$@\"\n")
    os.execute("chmod +x " .. work .. "/tools/kz")
    write(work .. "/helmfile.yaml", KUST_RELEASE)
    local r = hfl { "template", "--kustomize-binary", work .. "/tools/kz" }
    assert.equal(0, r.code, r.stderr)
    assert.equal(KUSTOMIZED, r.stdout)
    assert.matches("^build %-%-load%-restrictor=LoadRestrictionsNone %-%-enable%-helm", read(work .. "/kz.log"))
    write(work .. "/helmfile.yaml", "kustomizeBinary: ./tools/kz\n" .. KUST_RELEASE)
    os.remove(work .. "/kz.log")
    r = hfl { "template" }
    assert.equal(0, r.code, r.stderr)
    assert.matches("^build ", read(work .. "/kz.log"))
  end)

  -- guess: strategic merge patches merge the containers list by name (Kubernetes' merge key),
  -- kustomize writes keys sorted and prints only what it was given
  it("applies strategicMergePatches and transformers (inline and a .gotmpl file) through kustomize", function()
    write(work .. "/transformers/annotate.yaml.gotmpl", [[
apiVersion: builtin
kind: AnnotationsTransformer
metadata:
  name: notes
annotations:
  release: {{ .Release.Name }}
fieldSpecs:
  - path: metadata/annotations
    create: true
]])
    write(work .. "/helmfile.yaml", [[
releases:
  - name: web
    namespace: apps
    chart: ./charts/app
    strategicMergePatches:
      - apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          replicas: 3
          template:
            spec:
              containers:
                - name: main
                  env:
                    - name: MODE
                      value: patched
    transformers:
      - apiVersion: builtin
        kind: LabelTransformer
        metadata:
          name: team
        labels:
          team: blue
        fieldSpecs:
          - path: metadata/labels
            create: true
      - transformers/annotate.yaml.gotmpl
]])
    local r = hfl { "template" }
    assert.equal(0, r.code, r.stderr)
    assert.equal([[
---
# Source: app/templates/cm.yaml
apiVersion: v1
data:
  k: v
kind: ConfigMap
metadata:
  annotations:
    release: web
  labels:
    team: blue
  name: web-cm
  namespace: keep
---
# Source: app/templates/deploy.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  annotations:
    release: web
  labels:
    team: blue
  name: web
spec:
  replicas: 3
  template:
    spec:
      containers:
        - env:
            - name: MODE
              value: patched
          image: busybox:1.0
          name: main
]], r.stdout)
    assert.equal("", leftovers())
  end)

  it("forceNamespace gives the namespace to every object that names none, as chartify does", function()
    write(work .. "/helmfile.yaml", "releases:\n  - name: web\n    namespace: apps\n    chart: ./charts/app\n    forceNamespace: forced\n")
    local r = hfl { "template" }
    assert.equal(0, r.code, r.stderr)
    -- chartify's SetNamespace leaves a namespace the object names (the ConfigMap's "keep")
    assert.equal([[
---
# Source: app/templates/cm.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-cm
  namespace: keep
data:
  k: v
---
# Source: app/templates/deploy.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: forced
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: main
          image: busybox:1.0
]], r.stdout)
  end)

  -- The dependency's objects as helm prints a subchart's (an alias names the subchart).
  local function dep_section(name)
    return ("---\n# Source: app/charts/%s/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-%s\n"):format(name, name)
  end

  it("adds a local chart as an ad-hoc dependency with condition <alias or name>.enabled", function()
    write(work .. "/helmfile.yaml", [[
releases:
  - name: web
    chart: ./charts/app
    dependencies:
      - chart: ./charts/dep
        version: 1.0.0
  - name: off
    chart: ./charts/app
    dependencies:
      - chart: ./charts/dep
        alias: extra
    values:
      - extra:
          enabled: false
]])
    local r = hfl { "template", "-l", "name=web" }
    assert.equal(0, r.code, r.stderr)
    assert.matches(dep_section("dep"), r.stdout, 1, true)
    assert.matches("# Source: app/templates/deploy.yaml", r.stdout, 1, true)
    -- the alias's condition (extra.enabled) is false: the dependency renders nothing
    r = hfl { "template", "-l", "name=off" }
    assert.equal(0, r.code, r.stderr)
    assert.not_matches("charts/dep", r.stdout, 1, true)
    assert.matches("name: off-cm", r.stdout, 1, true)
    -- the user's chart is left as it was
    assert.is_nil(read(work .. "/charts/app/charts/dep/Chart.yaml"))
    assert.equal(APP["Chart.yaml"], read(work .. "/charts/app/Chart.yaml"))
    assert.equal("", leftovers())
  end)

  it("fetches dependencies from an HTTP repository and an OCI registry through hfl's cache, without helm repo add", function()
    local pkgs = servers.tmpdir()
    servers.sh(("helm package %s/charts/dep -d %s >/dev/null && helm repo index %s"):format(work, pkgs, pkgs))
    local srv = servers.httprepo(pkgs)
    local reg = registry.start()
    finally(function() srv:stop(); reg:stop() end)
    reg:push(pkgs .. "/dep-1.0.0.tgz", "charts")
    write(work .. "/helmfile.yaml", ([[
repositories:
  - name: myrepo
    url: %s
  - name: myoci
    url: %s/charts
    oci: true
releases:
  - name: web
    chart: ./charts/app
    dependencies:
      - chart: myrepo/dep
        version: 1.0.0
      - chart: myoci/dep
        version: 1.0.0
        alias: fromoci
      - chart: oci://%s/charts/dep
        version: "~1"
        alias: direct
]]):format(srv.url, reg.host, reg.host))
    local r = hfl { "template" }
    assert.equal(0, r.code, r.stderr)
    assert.matches(dep_section("dep"), r.stdout, 1, true)
    assert.matches(dep_section("fromoci"), r.stdout, 1, true)
    assert.matches(dep_section("direct"), r.stdout, 1, true)
    assert.equal(1, srv:counts()["/dep-1.0.0.tgz"])
    -- helm's repository configuration untouched (chartify ran `helm repo list`; hfl asks no helm)
    assert.is_nil(read(work .. "/helm/repositories.yaml"))
    -- a second run reads the archives from the cache
    r = hfl { "template" }
    assert.equal(0, r.code, r.stderr)
    assert.equal(1, srv:counts()["/dep-1.0.0.tgz"])
    assert.equal("", leftovers())
    -- the native renderer unpacks the archived dependencies to read them, and removes them
    local native = hfl({ "template" }, { HFL_RENDERER = "native" })
    assert.equal(0, native.code, native.stderr)
    assert.equal(r.stdout, native.stdout)
    assert.equal("", leftovers())
  end)

  it("leaves no temporary directory after a failure, naming the release and the patch", function()
    write(work .. "/helmfile.yaml", [[
releases:
  - name: web
    chart: ./charts/app
    strategicMergePatches:
      - apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: missing
        spec:
          replicas: 2
]])
    local r = hfl { "template" }
    assert.equal(1, r.code)
    assert.matches('^hfl: release "web": strategicMergePatches/transformers: kubectl kustomize failed: .*missing', r.stderr)
    assert.equal("", leftovers())
    write(work .. "/helmfile.yaml", "releases:\n  - name: web\n    chart: ./charts/app\n    transformers:\n      - nope.yaml\n")
    r = hfl { "template" }
    assert.equal(1, r.code)
    assert.matches('release "web": transformers%[0%]: .*nope%.yaml', r.stderr)
    assert.equal("", leftovers())
  end)

  it("leaves no temporary directory after SIGINT in the middle of a kustomize build", function()
    files.tree(work, KUST)
    write(work .. "/tools/kz", "#!/bin/sh\necho $$ > " .. work .. "/kz.pid\nexec sleep 30\n")
    os.execute("chmod +x " .. work .. "/tools/kz")
    write(work .. "/helmfile.yaml", "kustomizeBinary: ./tools/kz\n" .. KUST_RELEASE)
    local h = hflrun.spawn({ "template" }, { cwd = work, env = { HFL_CACHE_HOME = work .. "/cache",
      PATH = path, TMPDIR = tmp } })
    local proc = require "hfl.proc"
    local deadline = proc.now() + 20
    while not read(work .. "/kz.pid") do
      assert(proc.now() < deadline, "kustomize never started")
      proc.sleep(0.05)
    end
    -- the run directory exists while kustomize runs
    assert.matches("^hfl%-run%-", leftovers())
    h:kill("INT")
    local res = h:wait()
    assert.equal(130, res.code)
    assert.equal("", leftovers())
  end)

  it("gives two hfl processes preparing the same release at once their own directories", function()
    files.tree(work, KUST)
    -- a kustomize slow enough for the two runs to overlap, logging where it builds
    write(work .. "/tools/kz", "#!/bin/sh\nfor a; do d=$a; done\necho \"$d\" >> " .. work
      .. "/dirs.log\nsleep 1\nshift\nexec kubectl kustomize \"$@\"\n")
    os.execute("chmod +x " .. work .. "/tools/kz")
    write(work .. "/helmfile.yaml", "kustomizeBinary: ./tools/kz\n" .. KUST_RELEASE)
    local function start()
      return hflrun.spawn({ "template" }, { cwd = work, env = { HFL_CACHE_HOME = work .. "/cache",
        PATH = path, TMPDIR = tmp } })
    end
    local a, b = start(), start()
    local ra, rb = a:wait(), b:wait()
    assert.equal(0, ra.code, ra.stderr)
    assert.equal(0, rb.code, rb.stderr)
    assert.equal(KUSTOMIZED, ra.stdout)
    assert.equal(KUSTOMIZED, rb.stdout)
    local dirs = {}
    for line in read(work .. "/dirs.log"):gmatch("[^\n]+") do dirs[#dirs + 1] = line end
    assert.equal(2, #dirs)
    assert.are_not.equal(dirs[1], dirs[2])
    assert.equal("", leftovers())
  end)

  it("unpacks a local chart archive into the run directory too, so nothing stays in TMPDIR", function()
    servers.sh(("helm package %s/charts/app -d %s >/dev/null"):format(work, work))
    write(work .. "/helmfile.yaml", "releases:\n  - name: web\n    chart: ./app-1.0.0.tgz\n    forceNamespace: forced\n")
    local r = hfl { "template" }
    assert.equal(0, r.code, r.stderr)
    assert.matches("  name: web\n  namespace: forced\n", r.stdout, 1, true)
    assert.equal("", leftovers())
  end)
end)
