-- Charts that call `lookup`, rendered natively against a real Kubernetes API server
-- (spec/support/cluster.lua): `hfl diff` and `apply` answer the lookups through hfl.kube, with
-- .Release and .Capabilities as `helm upgrade` sets them, byte for byte what
-- `helm upgrade --dry-run=server` prints, and without running it. #cluster
local cluster = require "spec.support.cluster"
local servers = require "spec.support.servers"
local hflrun = require "spec.support.hflrun"
local files = require "spec.support.files"
local kube = require "hfl.kube"
local chart = require "hfl.chart"
local session_mod = require "hfl.session"
local cjson = require "cjson"
local hfl_api = require "hfl"

-- "lk": a Secret that keeps its password once it exists (the classic pattern), a list lookup,
-- a cluster-scoped lookup (the Namespace, printed whole), lookups of nothing, the ints of a
-- looked-up Service (int64 in Go) and the server's Capabilities. The API versions printed are
-- the built-in groups' only: other spec files add CRDs to the shared server meanwhile.
local LK = {
  ["Chart.yaml"] = "apiVersion: v2\nname: lk\nversion: 1.0.0\n",
  ["values.yaml"] = "suffix: a\n",
  ["templates/secret.yaml"] = [[
{{- $name := printf "%s-pass" .Release.Name }}
{{- $old := lookup "v1" "Secret" .Release.Namespace $name }}
apiVersion: v1
kind: Secret
metadata:
  name: {{ $name }}
data:
  {{- if $old }}
  password: {{ index $old.data "password" }}
  {{- else }}
  password: {{ randAlphaNum 16 | b64enc }}
  {{- end }}
]],
  ["templates/seen.yaml"] = [[
{{- $cms := lookup "v1" "ConfigMap" .Release.Namespace "" }}
{{- $ns := lookup "v1" "Namespace" "" .Release.Namespace }}
{{- $nsIn := lookup "v1" "Namespace" .Release.Namespace .Release.Namespace }}
{{- $none := lookup "v1" "ConfigMap" .Release.Namespace "absent" }}
{{- $empty := lookup "v1" "Secret" "hfl-no-such-namespace" "" }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-seen-{{ .Values.suffix }}
data:
  listKind: {{ $cms.kind }}
  listApi: {{ $cms.apiVersion }}
  fixed: {{ range $cms.items }}{{ if hasPrefix "fixed-" .metadata.name }}{{ .kind }}/{{ .apiVersion }}/{{ .metadata.name }}={{ .data.k }},{{ end }}{{ end }}
  none: {{ $none | toJson | quote }}
  emptyList: {{ printf "%s %s %s" (keys $empty | sortAlpha | join ",") $empty.kind (toJson $empty.items) | quote }}
  {{- if $ns }}
  namespace: {{ printf "%s %s %s %s" $ns.kind $ns.metadata.name $ns.status.phase $nsIn.metadata.uid | quote }}
  finalizers: |
{{ toYaml $ns.spec | indent 4 }}
  {{- end }}
]],
  ["templates/ints.yaml"] = [[
{{- $svc := lookup "v1" "Service" .Release.Namespace "fixed-svc" }}
{{- if $svc }}
{{- $p := (first $svc.spec.ports).port }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-ints-{{ .Values.suffix }}
data:
  kinds: {{ printf "%T %v %d %s %s %t" $p $p $p (kindOf $p) (typeOf $p) (kindIs "int" $p) | quote }}
  math: {{ printf "%v %v %v %v %v" (add $p 1) (mul $p 2) (div $p 3) (max $p 100) (sub $p 0.5) | quote }}
  equal: {{ printf "%t %t %t %t" (eq $p 80) (has 80 (list $p)) (deepEqual $p 80) (lt $p 81) | quote }}
  ports: |
{{ toYaml $svc.spec.ports | indent 4 }}
  json: {{ toJson $svc.spec.ports | quote }}
{{- end }}
]],
  -- a lookup the server cannot answer (no such API group): helm's render fails there
  ["templates/bogus.yaml"] = [[
{{- if .Values.bogus }}
{{- $x := lookup "nope.hfl.test/v1" "Thing" "" "" }}
{{- end }}
]],
  -- what changes with every upgrade (the revision; helm 4 labels the namespace after its
  -- render): only where a values file asks for it
  ["templates/volatile.yaml"] = [[
{{- if .Values.volatile }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-release
data:
  release: {{ printf "%v %v %v" .Release.Revision .Release.IsUpgrade .Release.IsInstall | quote }}
  namespace: |
{{ toYaml (lookup "v1" "Namespace" "" .Release.Namespace) | indent 4 }}
{{- end }}
]],
  ["templates/caps.yaml"] = [[
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-caps-{{ .Values.suffix }}
data:
  kube: {{ printf "%s %s %s" .Capabilities.KubeVersion.Version .Capabilities.KubeVersion.Major .Capabilities.KubeVersion.Minor | quote }}
  has: {{ printf "%t %t %t %t" (.Capabilities.APIVersions.Has "apps/v1/Scale") (.Capabilities.APIVersions.Has "v1/Eviction") (.Capabilities.APIVersions.Has "apps/v1") (.Capabilities.APIVersions.Has "v1/pods/log") | quote }}
  apis: |
    {{- range sortAlpha .Capabilities.APIVersions }}
    {{- if or (not (contains "." .)) (contains "k8s.io/" .) }}
    {{ . }}
    {{- end }}
    {{- end }}
]],
}

-- "caps": no lookup, the Capabilities only (sorted: the server's set comes in the order of a
-- Go map in helm, different on every run).
local CAPS = {
  ["Chart.yaml"] = "apiVersion: v2\nname: caps\nversion: 1.0.0\n",
  ["templates/caps.yaml"] = [[
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}
data:
  kube: {{ printf "%s %s %s" .Capabilities.KubeVersion.Version .Capabilities.KubeVersion.Major .Capabilities.KubeVersion.Minor | quote }}
  has: {{ printf "%t %t %t" (.Capabilities.APIVersions.Has "apps/v1/Scale") (.Capabilities.APIVersions.Has "v1/Eviction") (.Capabilities.APIVersions.Has "v1/pods/log") | quote }}
  sorted: |
    {{- range sortAlpha .Capabilities.APIVersions }}
    {{- if or (not (contains "." .)) (contains "k8s.io/" .) }}
    {{ . }}
    {{- end }}
    {{- end }}
]],
}

-- The MANIFEST section of `helm upgrade --dry-run=server`'s output: the release's manifest,
-- which helm prints with Println (one more newline) and, maybe, NOTES after it.
local function manifest_section(out)
  local body = assert(out:match("\nMANIFEST:\n(.*)$"), "no MANIFEST in: " .. out)
  body = body:gsub("\nNOTES:\n.*$", "\n")
  return (body:gsub("\n$", ""))
end

for _, major in ipairs { 4, 3 } do
  describe(("lookup in native renders with helm %d on a real API server #cluster"):format(major), function()
    local ns, work, calls_log

    -- hfl with a helm that logs each of its command lines to calls_log, then runs the real one
    local function hfl(args)
      local argv = { "--kubeconfig", ns.kubeconfig, "--helm-binary", work .. "/bin/helm" }
      for _, a in ipairs(args) do argv[#argv + 1] = a end
      local env = ns:_env { HFL_CACHE_HOME = work .. "/cache",
        PATH = hflrun.root() .. "/.deps/bin:" .. os.getenv("PATH") }
      return hflrun.capture(argv, { cwd = work, env = env })
    end

    -- the helm command lines run since the last call, each as one string
    local function helm_calls()
      local text = files.read(calls_log) or ""
      files.write(calls_log, "")
      local out = {}
      for line in text:gmatch("[^\n]+") do out[#out + 1] = line end
      return out
    end

    local function count(calls, pattern)
      local n = 0
      for _, c in ipairs(calls) do
        if c:find(pattern) then n = n + 1 end
      end
      return n
    end

    -- The release rendered in process as `hfl diff` renders it: hfl.kube's lookups, the
    -- server's Capabilities, the next revision.
    local function render_live(revision)
      local session = session_mod.new { kubeconfig = ns.kubeconfig }
      local c = assert(kube.client(session, {}))
      local v = assert(c:version())
      local live = { lookup = require("hfl.kube.lookup").new(c), revision = revision,
        server_capabilities = { git_version = v.git_version, major = v.major, minor = v.minor,
          api_versions = assert(c:api_versions()) } }
      local text, why = chart.template_argv({ "helm", "template", "lk", work .. "/charts/lk",
        "--namespace", ns.name, "--is-upgrade", "--no-hooks", "--values", work .. "/volatile.yaml" },
        tostring(major), nil, live)
      session:close()
      return text, why
    end

    setup(function()
      ns = cluster.namespace("lookup" .. major)
      work = servers.tmpdir()
      calls_log = work .. "/helm-calls.log"
      files.tree(work .. "/charts/lk", LK)
      files.tree(work .. "/charts/caps", CAPS)
      files.write(work .. "/volatile.yaml", "volatile: true\n")
      files.write(work .. "/bin/helm", ("#!/bin/sh\nprintf '%%s\\n' \"$*\" >> '%s'\nexec '%s' \"$@\"\n")
        :format(calls_log, hflrun.root() .. "/.deps/bin/helm" .. major))
      os.execute("chmod +x '" .. work .. "/bin/helm'")
      files.write(work .. "/helmfile.yaml.gotmpl", ([[
releases:
  - name: lk
    namespace: %s
    chart: ./charts/lk
    values:
      - suffix: {{ .Values | get "suffix" "a" }}
        bogus: {{ .Values | get "bogus" false }}
        volatile: {{ .Values | get "volatile" false }}
  - name: caps
    namespace: %s
    chart: ./charts/caps
    installed: {{ .Values | get "caps" false }}
]]):format(ns.name, ns.name))
      for _, args in ipairs {
        { "create", "configmap", "fixed-a", "--from-literal=k=1" },
        { "create", "configmap", "fixed-b", "--from-literal=k=2" },
        { "create", "service", "clusterip", "fixed-svc", "--tcp=80:8080" },
      } do
        local r = ns:kubectl(args)
        assert(r.code == 0, r.stderr)
      end
    end)

    teardown(function()
      if ns then ns:cleanup() end
      servers.cleanup()
    end)

    it("installs with apply, then diffs natively with no change and no helm upgrade --dry-run", function()
      local r = hfl { "apply" }
      assert.equal(0, r.code, r.stderr)
      local rel = assert(ns:release("lk"))
      assert.equal(1, rel.revision)
      local password = rel.objects["Secret/lk-pass"].data.password
      helm_calls()
      r = hfl { "--debug", "diff", "--full-diff", "--detailed-exitcode" }
      assert.equal(0, r.code, r.stdout .. r.stderr)
      assert.matches('release "lk": rendered by the native renderer', r.stderr, 1, true)
      assert.equal(0, count(helm_calls(), "dry%-run"))
      -- the helm renderer asks the server and sees the same: no change either
      r = hfl { "diff", "--full-diff", "--detailed-exitcode", "--renderer", "helm" }
      assert.equal(0, r.code, r.stdout .. r.stderr)
      local calls = helm_calls()
      assert.equal(1, count(calls, " upgrade %-%-install .*%-%-dry%-run=server"), table.concat(calls, "\n"))
      -- a second apply keeps the password the lookup found
      r = hfl { "apply", "--full-diff" }
      assert.equal(0, r.code, r.stderr)
      assert.equal(0, count(helm_calls(), "dry%-run"))
      assert.equal(password, ns:release("lk").objects["Secret/lk-pass"].data.password)
    end)

    it("renders exactly what helm upgrade --dry-run=server prints as the MANIFEST", function()
      local rel = assert(ns:release("lk"))
      local text, why = render_live(rel.revision + 1)
      assert.is_string(text, why)
      local r = ns:helm(major, { "upgrade", "lk", work .. "/charts/lk", "--dry-run=server",
        "--values", work .. "/volatile.yaml" })
      assert.equal(0, r.code, r.stderr)
      assert.equal(manifest_section(r.stdout), text)
      -- what the lookups found is in it (not empty answers)
      assert.matches("fixed: ConfigMap/v1/fixed-a=1,ConfigMap/v1/fixed-b=2,", text, 1, true)
      assert.matches('kinds: "int64 80 80 int64 int64 false"', text, 1, true)
      assert.matches("kind: Namespace", text, 1, true)
      local uid = ns:get_json({ "namespace", ns.name }).metadata.uid
      assert.matches(("namespace: \"Namespace %s Active %s\""):format(ns.name, uid), text, 1, true)
      assert.matches('release: "' .. (rel.revision + 1) .. ' true false"', text, 1, true)
      assert.matches('has: "true true true false"', text, 1, true)
    end)

    it("gives hfl's desired manifest exactly as helm upgrade --dry-run=server prints it", function()
      local session = session_mod.new { kubeconfig = ns.kubeconfig, helm_binary = work .. "/bin/helm" }
      local st = assert(hfl_api.load { file = work .. "/helmfile.yaml.gotmpl", session = session,
        selectors = "name=lk", state_values = hfl_api.value.map { volatile = true } })
      local r = st:releases()[1]
      local ctx = require("hfl.deploy.context").new(st, "diff", {})
      local item = assert(require("hfl.deploy.decide").base(ctx, { id = r.name, release = r, state = r.state }, true))
      helm_calls()
      local manifest = assert(require("hfl.deploy.desired").render(ctx, item))
      local calls = helm_calls()
      session:close()
      assert.equal(0, count(calls, "dry%-run"), table.concat(calls, "\n"))
      local h = ns:helm(major, { "upgrade", "lk", work .. "/charts/lk", "--dry-run=server",
        "--values", work .. "/volatile.yaml" })
      assert.equal(0, h.code, h.stderr)
      assert.equal(manifest_section(h.stdout), manifest)
      assert.matches('release: "' .. (ns:release("lk").revision + 1) .. ' true false"', manifest, 1, true)
    end)

    it("prints the same diff natively as with --renderer helm, Capabilities included", function()
      helm_calls()
      local r = hfl { "diff", "--state-values-set", "suffix=b", "--context", "3" }
      assert.equal(0, r.code, r.stderr)
      assert.equal(0, count(helm_calls(), "dry%-run"))
      local h = hfl { "diff", "--state-values-set", "suffix=b", "--context", "3", "--renderer", "helm" }
      assert.equal(0, h.code, h.stderr)
      assert.equal(1, count(helm_calls(), "dry%-run=server"))
      assert.equal(h.stdout, r.stdout)
      assert.matches("lk-caps-b", r.stdout, 1, true)
      assert.matches("apps/v1/Scale", r.stdout, 1, true)
    end)

    it("prints the server's Capabilities in diff natively as with --renderer helm", function()
      local args = { "--debug", "diff", "-l", "name=caps", "--state-values-set", "caps=true" }
      local r = hfl(args)
      assert.equal(0, r.code, r.stderr)
      assert.matches('release "caps": rendered by the native renderer', r.stderr, 1, true)
      args[#args + 1] = "--renderer"
      args[#args + 1] = "helm"
      local h = hfl(args)
      assert.equal(0, h.code, h.stderr)
      assert.equal(h.stdout, r.stdout)
      local v = cjson.decode(ns:kubectl({ "get", "--raw", "/version" }).stdout)
      assert.matches(("kube: %s %s %s\n"):format(v.gitVersion, v.major, v.minor), r.stdout, 1, true)
      assert.matches("has: true true false\n", r.stdout, 1, true)
    end)

    it("leaves a lookup that fails to helm, which fails with its own error", function()
      helm_calls()
      local r = hfl { "--debug", "diff", "--full-diff", "--state-values-set", "bogus=true" }
      assert.not_equal(0, r.code)
      assert.matches('release "lk": the native renderer falls back to helm: lookup: ', r.stderr, 1, true)
      assert.matches("unable to get apiresource from unstructured", r.stderr, 1, true)
      assert.equal(1, count(helm_calls(), " upgrade %-%-install .*%-%-dry%-run=server"))
    end)

    it("leaves a release with --reuse-values to helm upgrade --dry-run=server", function()
      helm_calls()
      local r = hfl { "--debug", "diff", "--full-diff", "--reuse-values" }
      assert.equal(0, r.code, r.stderr)
      assert.matches('release "lk": lookup with --reuse-values: rendered by the server', r.stderr, 1, true)
      assert.equal(1, count(helm_calls(), " upgrade %-%-install .*%-%-reuse%-values.*%-%-dry%-run=server"))
    end)

    it("leaves lookups empty in hfl template", function()
      local r = hfl { "template" }
      assert.equal(0, r.code, r.stderr)
      assert.matches("listKind: \n", r.stdout, 1, true)
      assert.matches('none: "{}"', r.stdout, 1, true)
      assert.not_matches("lk-ints-", r.stdout, 1, true)
      local password = ns:release("lk").objects["Secret/lk-pass"].data.password
      assert.not_matches(password, r.stdout, 1, true)
    end)
  end)
end
