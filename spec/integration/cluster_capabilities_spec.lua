-- The Capabilities a diff renders with, on a real Kubernetes API server: exactly the server's
-- (its version, only the API versions it serves), as `helm upgrade` and helm-diff see them —
-- natively, through `--renderer helm` (`helm template --validate --dry-run=server` with Helm 3,
-- `--dry-run=server` with Helm 4) and in `helm upgrade --install --dry-run=server`'s MANIFEST,
-- for an install and an upgrade; helm's checks of the objects against the server stay helm's.
-- #cluster
local cluster = require "spec.support.cluster"
local servers = require "spec.support.servers"
local hflrun = require "spec.support.hflrun"
local files = require "spec.support.files"
local session_mod = require "hfl.session"
local cjson = require "cjson"
local hfl_api = require "hfl"

-- The API versions printed are the built-in groups' only (sorted: helm's order is a Go map's):
-- other spec files add CRDs to the shared server meanwhile.
local CAPS = {
  -- the server (1.20) meets the constraint: rendered natively
  ["Chart.yaml"] = "apiVersion: v2\nname: kcaps\nversion: 1.0.0\nkubeVersion: \">=1.19.0-0\"\n",
  ["values.yaml"] = "suffix: a\n",
  ["templates/caps.yaml"] = [[
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-{{ .Values.suffix }}
data:
  kube: {{ .Capabilities.KubeVersion.Version | quote }}
  policyV1: {{ .Capabilities.APIVersions.Has "policy/v1" | quote }}
  deployment: {{ .Capabilities.APIVersions.Has "apps/v1/Deployment" | quote }}
  release: {{ printf "%v %v" .Release.IsInstall .Release.IsUpgrade | quote }}
  apis: |
    {{- range sortAlpha .Capabilities.APIVersions }}
    {{- if or (not (contains "." .)) (contains "k8s.io/" .) }}
    {{ . }}
    {{- end }}
    {{- end }}
]],
  -- valid for the server's OpenAPI schema (ints, int-or-strings, maps, lists, nested refs)
  ["templates/deployment.yaml"] = [[
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  strategy:
    rollingUpdate: {maxSurge: 1, maxUnavailable: "25%"}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.25
          ports: [{containerPort: 80, name: http}]
          resources:
            limits: {cpu: 100m, memory: 64Mi}
          readinessProbe:
            httpGet: {path: /, port: http}
{{- if .Values.unknownField }}
      colour: blue
{{- end }}
]],
}

-- A custom resource whose CRD the server does not have.
local THING = {
  ["Chart.yaml"] = "apiVersion: v2\nname: thing\nversion: 1.0.0\n",
  ["templates/thing.yaml"] = "apiVersion: things.hfl.test/v1\nkind: Thing\nmetadata:\n  name: {{ .Release.Name }}\n",
}

-- A chart for newer servers than the test server: helm refuses to render it there.
local NEWER = {
  ["Chart.yaml"] = "apiVersion: v2\nname: newer\nversion: 1.0.0\nkubeVersion: \">=1.25.0-0\"\n",
  ["templates/cm.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
}

-- The MANIFEST section of `helm upgrade --dry-run=server`'s output (helm prints it with
-- Println: one more newline).
local function manifest_section(out)
  local body = assert(out:match("\nMANIFEST:\n(.*)$"), "no MANIFEST in: " .. out)
  body = body:gsub("\nNOTES:\n.*$", "\n")
  return (body:gsub("\n$", ""))
end

for _, major in ipairs { 4, 3 } do
  describe(("diff Capabilities with helm %d on a real API server #cluster"):format(major), function()
    local ns, work, calls_log

    -- hfl with a helm that logs each of its command lines to calls_log, then runs the real one
    local function hfl(args)
      local argv = { "--kubeconfig", ns.kubeconfig, "--helm-binary", work .. "/bin/helm" }
      for _, a in ipairs(args) do argv[#argv + 1] = a end
      local env = ns:_env { HFL_CACHE_HOME = work .. "/cache",
        PATH = hflrun.root() .. "/.deps/bin:" .. os.getenv("PATH") }
      return hflrun.capture(argv, { cwd = work, env = env })
    end

    -- the `helm template` command lines run since the last call
    local function template_calls()
      local text = files.read(calls_log) or ""
      files.write(calls_log, "")
      local out = {}
      for line in text:gmatch("[^\n]+") do
        -- global flags (--kube-context …) may come first
        if (" " .. line):find(" template ", 1, true) then out[#out + 1] = " " .. line .. " " end
      end
      return out
    end

    -- hfl's desired manifest of the release "kc" (suffix b), through `renderer`
    local function desired(renderer)
      local session = session_mod.new { kubeconfig = ns.kubeconfig, helm_binary = work .. "/bin/helm" }
      local st = assert(hfl_api.load { file = work .. "/helmfile.yaml.gotmpl", session = session,
        selectors = "name=kc", state_values = hfl_api.value.map { suffix = "b" } })
      local r = st:releases()[1]
      local ctx = require("hfl.deploy.context").new(st, "diff", { renderer = renderer })
      local item = assert(require("hfl.deploy.decide").base(ctx, { id = r.name, release = r, state = r.state }, true))
      local manifest, err = require("hfl.deploy.desired").render(ctx, item)
      ctx:cleanup()
      session:close()
      return assert(manifest, err)
    end

    -- what `helm upgrade --install --dry-run=server` renders for "kc" (suffix b)
    local function server_manifest()
      local r = ns:helm(major, { "upgrade", "--install", "kc", work .. "/charts/kcaps", "--dry-run=server",
        "--set", "suffix=b" })
      assert.equal(0, r.code, r.stderr)
      return manifest_section(r.stdout)
    end

    local function check_server_capabilities(text)
      local v = cjson.decode(ns:kubectl({ "get", "--raw", "/version" }).stdout)
      assert.matches(('kube: "%s"\n'):format(v.gitVersion), text, 1, true)
      -- a Kubernetes 1.20 server serves policy/v1beta1 only; helm's defaults have policy/v1
      assert.matches('policyV1: "false"\n', text, 1, true)
      assert.matches('deployment: "true"\n', text, 1, true)
      assert.matches("\n    policy/v1beta1/PodDisruptionBudget\n", text, 1, true)
      assert.not_matches("\n    policy/v1\n", text, 1, true)
    end

    setup(function()
      ns = cluster.namespace("caps" .. major)
      work = servers.tmpdir()
      calls_log = work .. "/helm-calls.log"
      files.tree(work .. "/charts/kcaps", CAPS)
      files.tree(work .. "/charts/thing", THING)
      files.tree(work .. "/charts/newer", NEWER)
      files.write(work .. "/bin/helm", ("#!/bin/sh\nprintf '%%s\\n' \"$*\" >> '%s'\nexec '%s' \"$@\"\n")
        :format(calls_log, hflrun.root() .. "/.deps/bin/helm" .. major))
      os.execute("chmod +x '" .. work .. "/bin/helm'")
      files.write(work .. "/helmfile.yaml.gotmpl", ([[
releases:
  - name: kc
    namespace: %s
    chart: ./charts/kcaps
    values:
      - suffix: {{ .Values | get "suffix" "a" }}
        unknownField: {{ .Values | get "unknownField" false }}
    disableOpenAPIValidation: {{ .Values | get "noOpenAPI" false }}
  - name: thing
    namespace: %s
    chart: ./charts/thing
    installed: {{ .Values | get "thing" false }}
    disableValidationOnInstall: {{ .Values | get "lax" false }}
  - name: taken
    namespace: %s
    chart: ./charts/kcaps
    installed: {{ .Values | get "taken" false }}
  - name: newer
    namespace: %s
    chart: ./charts/newer
    installed: {{ .Values | get "newer" false }}
]]):format(ns.name, ns.name, ns.name, ns.name))
    end)

    teardown(function()
      if ns then ns:cleanup() end
      servers.cleanup()
    end)

    it("renders an install with the server's Capabilities, natively as with helm and the server", function()
      local r = hfl { "--debug", "diff", "-l", "name=kc" }
      assert.equal(0, r.code, r.stderr)
      assert.matches('release "kc": rendered by the native renderer', r.stderr, 1, true)
      assert.equal(0, #template_calls())
      assert.matches("policyV1: \"false\"\n", r.stdout, 1, true)
      local h = hfl { "diff", "-l", "name=kc", "--renderer", "helm" }
      assert.equal(0, h.code, h.stderr)
      assert.equal(r.stdout, h.stdout)
      local calls = template_calls()
      assert.equal(1, #calls)
      assert.matches(" %-%-dry%-run=server ", calls[1])
      assert.equal(major == 3, calls[1]:find(" --validate ", 1, true) ~= nil, calls[1])
      assert.not_matches(" %-%-api%-versions ", calls[1])
      assert.not_matches(" %-%-is%-upgrade ", calls[1])
      -- the desired manifest itself, both ways, is what the server's dry run of the install renders
      local manifest = desired("native")
      check_server_capabilities(manifest)
      assert.matches('release: "true false"', manifest, 1, true)
      assert.equal(manifest, desired("helm"))
      assert.equal(server_manifest(), manifest)
    end)

    it("renders an upgrade with the server's Capabilities, natively as with helm and the server", function()
      assert.equal(0, hfl({ "apply", "-l", "name=kc" }).code)
      template_calls()
      local args = { "--debug", "diff", "-l", "name=kc", "--state-values-set", "suffix=b" }
      local r = hfl(args)
      assert.equal(0, r.code, r.stderr)
      assert.matches('release "kc": rendered by the native renderer', r.stderr, 1, true)
      assert.equal(0, #template_calls())
      assert.matches("policyV1: \"false\"\n", r.stdout, 1, true)
      args[#args + 1] = "--renderer"
      args[#args + 1] = "helm"
      local h = hfl(args)
      assert.equal(0, h.code, h.stderr)
      assert.equal(r.stdout, h.stdout)
      local calls = template_calls()
      assert.equal(1, #calls)
      assert.matches(" %-%-is%-upgrade ", calls[1])
      assert.matches(" %-%-dry%-run=server ", calls[1])
      local manifest = desired("native")
      check_server_capabilities(manifest)
      assert.matches('release: "false true"', manifest, 1, true)
      assert.equal(manifest, desired("helm"))
      -- helm upgrade renders .Release.IsUpgrade true; so does the diff's render
      assert.equal(server_manifest(), manifest)
    end)

    it("leaves a kind the server does not serve to helm, which fails as helm-diff does", function()
      for _, renderer in ipairs { "native", "helm" } do
        local r = hfl { "--debug", "diff", "-l", "name=thing", "--state-values-set", "thing=true",
          "--renderer", renderer }
        assert.equal(1, r.code, r.stdout)
        assert.matches('no matches for kind "Thing" in version "things.hfl.test/v1"', r.stderr, 1, true)
        if renderer == "native" then
          assert.matches('release "thing": helm renders it to check it with the server: '
            .. "the server serves no kind Thing in things.hfl.test/v1", r.stderr, 1, true)
        end
      end
      template_calls()
      -- disableValidationOnInstall: rendered without the server's checks (the server's version
      -- and API versions added to helm's defaults), natively as with helm
      local args = { "diff", "-l", "name=thing", "--state-values-set", "thing=true,lax=true" }
      local r = hfl(args)
      assert.equal(0, r.code, r.stderr)
      assert.matches("kind: Thing", r.stdout, 1, true)
      assert.equal(0, #template_calls())
      args[#args + 1] = "--renderer"
      args[#args + 1] = "helm"
      local h = hfl(args)
      assert.equal(0, h.code, h.stderr)
      assert.equal(r.stdout, h.stdout)
      local calls = template_calls()
      assert.equal(1, #calls)
      assert.not_matches(" %-%-dry%-run", calls[1])
      assert.matches(" %-%-api%-versions apps/v1/Deployment ", calls[1])
    end)

    it("leaves a chart whose kubeVersion the server does not meet to helm, which refuses it", function()
      local r = hfl { "--debug", "diff", "-l", "name=newer", "--state-values-set", "newer=true" }
      assert.equal(1, r.code, r.stdout .. r.stderr)
      local v = cjson.decode(ns:kubectl({ "get", "--raw", "/version" }).stdout)
      assert.matches(('release "newer": the native renderer falls back to helm: the chart\'s kubeVersion '
        .. ">=1.25.0-0 refuses Kubernetes %s"):format(v.gitVersion), r.stderr, 1, true)
      assert.matches(("chart requires kubeVersion: >=1.25.0-0 which is incompatible with Kubernetes %s")
        :format(v.gitVersion), r.stderr, 1, true)
    end)

    it("leaves an object the server's OpenAPI schema may refuse to helm, which refuses it", function()
      for _, renderer in ipairs { "native", "helm" } do
        local r = hfl { "--debug", "diff", "-l", "name=kc", "--state-values-set", "suffix=c,unknownField=true",
          "--renderer", renderer }
        assert.equal(1, r.code, r.stdout .. r.stderr)
        assert.matches('unknown field "colour" in io.k8s.api.core.v1.PodSpec', r.stderr, 1, true)
        if renderer == "native" then
          assert.matches('release "kc": helm renders it to check it with the server: not surely valid for '
            .. "the server's OpenAPI schema: Deployment.spec.template.spec: field colour is not in the schema",
            r.stderr, 1, true)
        end
      end
    end)

    it("skips the OpenAPI check for a release with disableOpenAPIValidation, natively as helm does", function()
      template_calls()
      local args = { "diff", "-l", "name=kc", "--state-values-set", "suffix=c,unknownField=true,noOpenAPI=true" }
      local r = hfl(args)
      assert.equal(0, r.code, r.stdout .. r.stderr)
      assert.matches("colour: blue", r.stdout, 1, true)
      assert.equal(0, #template_calls())
      args[#args + 1] = "--renderer"
      args[#args + 1] = "helm"
      local h = hfl(args)
      assert.equal(r.code, h.code, h.stderr)
      assert.equal(r.stdout, h.stdout)
      local calls = template_calls()
      assert.equal(1, #calls)
      assert.matches(" %-%-disable%-openapi%-validation ", calls[1])
    end)

    it("leaves an install whose object exists already to helm, which refuses it", function()
      local k = ns:kubectl { "create", "configmap", "taken-a" }
      assert.equal(0, k.code, k.stderr)
      local r = hfl { "--debug", "diff", "-l", "name=taken", "--state-values-set", "taken=true" }
      assert.equal(1, r.code, r.stdout .. r.stderr)
      assert.matches('release "taken": helm renders it to check it with the server: ConfigMap taken-a exists already',
        r.stderr, 1, true)
      assert.matches('ConfigMap "taken-a" in namespace "' .. ns.name .. '" exists and cannot be imported',
        r.stderr, 1, true)
    end)
  end)
end
