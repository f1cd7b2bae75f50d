-- `hfl apply`, `sync`, `destroy` with helm 4 and helm 3 against a real Kubernetes API server
-- (spec/support/cluster.lua). No kubelet or controllers run, so the charts hold only objects
-- the API server alone makes real: ConfigMaps, Services without selectors, a CRD and its
-- custom resources.
local cluster = require "spec.support.cluster"
local servers = require "spec.support.servers"
local hflrun = require "spec.support.hflrun"
local files = require "spec.support.files"
local write, read = files.write, files.read

-- "app": a ConfigMap and a Service from its values (the port names its protocol: Helm 4's
-- server-side apply on a 1.20 server needs it).
local APP = {
  ["Chart.yaml"] = "apiVersion: v2\nname: app\nversion: 1.0.0\n",
  ["values.yaml"] = "greeting: hello\nport: 80\nconfigName: \"\"\n",
  ["templates/configmap.yaml"] = [[
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Values.configName | default (printf "%s-config" .Release.Name) }}
data:
  greeting: {{ .Values.greeting | quote }}
]],
  ["templates/service.yaml"] = [[
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}-svc
spec:
  ports:
    - port: {{ .Values.port }}
      protocol: TCP
]],
}

-- "crds": a CRD of a group unique to the namespace (CRDs are cluster-wide).
local function crds_chart(group)
  return {
    ["Chart.yaml"] = "apiVersion: v2\nname: crds\nversion: 1.0.0\n",
    ["crds/widgets.yaml"] = ([[
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.%s
spec:
  group: %s
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: { type: integer }
]]):format(group, group),
    ["templates/configmap.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-crds\ndata: {}\n",
  }
end

-- "widget": a custom resource of that CRD.
local function widget_chart(group)
  return {
    ["Chart.yaml"] = "apiVersion: v2\nname: widget\nversion: 1.0.0\n",
    ["templates/widget.yaml"] = ([[
apiVersion: %s/v1
kind: Widget
metadata:
  name: {{ .Release.Name }}
spec:
  size: 3
]]):format(group),
  }
end

-- "broken": an object the server rejects (a name with capitals and an underscore).
local BROKEN = {
  ["Chart.yaml"] = "apiVersion: v2\nname: broken\nversion: 1.0.0\n",
  ["templates/configmap.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\ndata: {}\n",
}

local write_chart = files.tree

for _, major in ipairs { 4, 3 } do
  describe(("hfl apply, sync and destroy with helm %d on a real API server #cluster"):format(major), function()
    local ns, work

    local function hfl(args, dir)
      local argv = { "--kubeconfig", ns.kubeconfig,
        "--helm-binary", hflrun.root() .. "/.deps/bin/helm" .. major }
      for _, a in ipairs(args) do argv[#argv + 1] = a end
      local env = ns:_env { HFL_CACHE_HOME = work .. "/cache",
        PATH = hflrun.root() .. "/.deps/bin:" .. os.getenv("PATH") }
      return hflrun.capture(argv, { cwd = dir or work, env = env })
    end

    local function release(name) return ns:release(name) end

    setup(function()
      ns = cluster.namespace("deploy" .. major)
      work = servers.tmpdir()
      local group = ns.name .. ".hfl.test"
      write_chart(work .. "/charts/app", APP)
      write_chart(work .. "/charts/crds", crds_chart(group))
      write_chart(work .. "/charts/widget", widget_chart(group))
      write_chart(work .. "/charts/broken", BROKEN)
      write(work .. "/helmfile.yaml.gotmpl", ([[
releases:
  - name: crds
    namespace: %s
    chart: ./charts/crds
  - name: widget
    namespace: %s
    chart: ./charts/widget
    needs: [crds]
  - name: web
    namespace: %s
    chart: ./charts/app
    values:
      - greeting: {{ .Values | get "greeting" "hello" }}
    hooks:
      - events: [presync, postsync]
        command: sh
        args: [-c, "echo {{`{{ .Event.Name }}`}} {{`{{ .Release.Name }}`}} >> hooks.log"]
  - name: api
    namespace: %s
    chart: ./charts/app
    needs: [web]
  - name: extra
    namespace: %s
    chart: ./charts/app
    installed: {{ .Values | get "extra" true }}
{{- if .Values | get "temp" false }}
  - name: temp
    namespace: %s
    chart: ./charts/app
{{- end }}
]]):format(ns.name, ns.name, ns.name, ns.name, ns.name, ns.name))
    end)

    teardown(function()
      if ns then ns:cleanup() end
      servers.cleanup()
    end)

    it("installs everything in one apply on an empty namespace, the CRD's release before its user", function()
      local r = hfl { "apply" }
      assert.equal(0, r.code, r.stderr)
      for _, name in ipairs { "crds", "widget", "web", "api", "extra" } do
        local rel = release(name)
        assert.is_not_nil(rel, name .. " not installed: " .. r.stderr)
        assert.equal(1, rel.revision)
        assert.equal("deployed", rel.status)
      end
      assert.is_table(release("widget").objects["Widget/widget"])
      assert.equal("presync web\npostsync web\n", read(work .. "/hooks.log"))
      assert.matches("Updated Releases", r.stderr)
    end)

    it("upgrades nothing on a second apply (revisions unchanged)", function()
      local r = hfl { "apply", "--detailed-exitcode" }
      assert.equal(0, r.code, r.stderr)
      for _, name in ipairs { "crds", "widget", "web", "api", "extra" } do
        assert.equal(1, release(name).revision)
      end
    end)

    it("upgrades exactly the release whose values changed", function()
      local r = hfl { "apply", "--detailed-exitcode", "--state-values-set", "greeting=hi" }
      assert.equal(2, r.code, r.stderr)
      assert.equal(2, release("web").revision)
      assert.equal("hi", release("web").objects["ConfigMap/web-config"].data.greeting)
      for _, name in ipairs { "crds", "widget", "api", "extra" } do
        assert.equal(1, release(name).revision, name)
      end
    end)

    it("diff agrees with the server: exit 0 when nothing changed, 2 with the change shown", function()
      local r = hfl { "diff", "--detailed-exitcode", "--state-values-set", "greeting=hi" }
      assert.equal(0, r.code, r.stderr .. r.stdout)
      r = hfl { "diff", "--detailed-exitcode", "--state-values-set", "greeting=changed" }
      assert.equal(2, r.code, r.stderr)
      assert.matches(ns.name .. ", web-config, ConfigMap (v1) has changed:", r.stdout, 1, true)
      assert.matches("+   greeting: changed", r.stdout, 1, true)
      assert.equal(2, release("web").revision)
    end)

    it("sees drift made with kubectl only with --three-way, and apply --three-way repairs it", function()
      local k = ns:kubectl { "patch", "configmap", "web-config", "--type", "merge",
        "-p", '{"data":{"greeting":"tampered"}}' }
      assert.equal(0, k.code, k.stderr)
      local r = hfl { "diff", "--detailed-exitcode", "--state-values-set", "greeting=hi" }
      assert.equal(0, r.code, r.stderr)
      r = hfl { "diff", "--three-way", "--detailed-exitcode", "--state-values-set", "greeting=hi" }
      assert.equal(2, r.code, r.stderr)
      assert.matches("-   greeting: tampered", r.stdout, 1, true)
      assert.matches("+   greeting: hi", r.stdout, 1, true)
      r = hfl { "apply", "--three-way", "--state-values-set", "greeting=hi" }
      assert.equal(0, r.code, r.stderr)
      assert.equal(3, release("web").revision)
      assert.equal("hi", release("web").objects["ConfigMap/web-config"].data.greeting)
      r = hfl { "diff", "--three-way", "--detailed-exitcode", "--state-values-set", "greeting=hi" }
      assert.equal(0, r.code, r.stdout)
    end)

    it("diffs a release installed by helm directly like one of its own", function()
      ns:helm(major, { "install", "byhand", work .. "/charts/app", "--set", "configName=byhand-cm" })
      local dir = work .. "/byhand"
      write(dir .. "/helmfile.yaml", ("releases:\n  - name: byhand\n    namespace: %s\n"
        .. "    chart: ../charts/app\n    values: [{ configName: byhand-cm }]\n"):format(ns.name))
      local r = hfl({ "diff", "--detailed-exitcode" }, dir)
      assert.equal(0, r.code, r.stderr .. r.stdout)
      r = hfl({ "diff", "--detailed-exitcode", "--set", "greeting=other" }, dir)
      assert.equal(2, r.code, r.stderr)
      assert.matches("byhand-cm, ConfigMap (v1) has changed:", r.stdout, 1, true)
    end)

    it("prints the plan with --dry-run and changes nothing", function()
      local r = hfl { "apply", "--dry-run", "--state-values-set", "greeting=hey" }
      assert.equal(0, r.code, r.stderr)
      assert.matches("upgrade%s+" .. ns.name:gsub("%-", "%%-") .. "/web", r.stdout)
      assert.matches("Plan: 0 to install, 1 to upgrade, 0 to uninstall, 4 unchanged", r.stdout, 1, true)
      assert.equal(3, release("web").revision)
    end)

    it("applies exactly a plan file, and refuses it once the values changed", function()
      local r = hfl { "apply", "--plan-file", "plan.json", "--state-values-set", "greeting=planned" }
      assert.equal(0, r.code, r.stderr)
      assert.equal(3, release("web").revision)
      r = hfl { "apply", "--from-plan", "plan.json", "--state-values-set", "greeting=other" }
      assert.equal(1, r.code)
      assert.matches("web", r.stderr)
      assert.matches("changed since the plan", r.stderr)
      assert.equal(3, release("web").revision)
      r = hfl { "apply", "--from-plan", "plan.json", "--state-values-set", "greeting=planned" }
      assert.equal(0, r.code, r.stderr)
      assert.equal(4, release("web").revision)
      assert.equal("planned", release("web").objects["ConfigMap/web-config"].data.greeting)
    end)

    it("uninstalls a release set to installed: false", function()
      local r = hfl { "apply", "--state-values-set", "greeting=planned,extra=false" }
      assert.equal(0, r.code, r.stderr)
      assert.is_nil(release("extra"))
      assert.equal(4, release("web").revision)
    end)

    it("prunes only the releases hfl installed from this state", function()
      local values = "greeting=planned,extra=false"
      ns:helm(major, { "install", "foreign", work .. "/charts/app", "--set", "configName=foreign-cm" })
      local r = hfl { "apply", "--state-values-set", values .. ",temp=true" }
      assert.equal(0, r.code, r.stderr)
      assert.equal("deployed", release("temp").status)
      r = hfl { "apply", "--prune", "-l", "name!=api", "--state-values-set", values }
      assert.equal(0, r.code, r.stderr)
      assert.is_nil(release("temp"), "a release hfl installed from this state was not pruned")
      assert.is_not_nil(release("foreign"), "a release hfl did not install was pruned")
      assert.is_not_nil(release("api"), "a release left out by the selector was pruned")
    end)

    it("fails a release the server rejects, skips its dependents and installs the rest", function()
      local dir = work .. "/broken"
      write(dir .. "/helmfile.yaml", ([[
releases:
  - name: bad
    namespace: %s
    chart: ../charts/broken
  - name: after-bad
    namespace: %s
    chart: ../charts/app
    needs: [bad]
    values: [{ configName: after-bad-cm }]
  - name: independent
    namespace: %s
    chart: ../charts/app
]]):format(ns.name, ns.name, ns.name))
      local r = hfl({ "apply" }, dir)
      assert.equal(1, r.code)
      assert.matches("failed processing release bad", r.stderr)
      assert.is_nil(release("after-bad"))
      assert.equal("deployed", release("independent").status)
    end)

    it("stops at Ctrl-C: the running upgrade ends failed (not pending), its dependent never starts", function()
      local dir = work .. "/interrupt"
      write(dir .. "/charts/job/Chart.yaml", "apiVersion: v2\nname: job\nversion: 1.0.0\n")
      -- no controllers run: the Job never completes, so helm --wait-for-jobs waits
      write(dir .. "/charts/job/templates/job.yaml", [[
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: x
          image: busybox
]])
      write(dir .. "/helmfile.yaml", ([[
releases:
  - name: slow
    namespace: %s
    chart: ./charts/job
    wait: true
    waitForJobs: true
    timeout: 120
  - name: after-slow
    namespace: %s
    chart: ./charts/job
    needs: [slow]
]]):format(ns.name, ns.name))
      local proc = require "hfl.proc"
      local argv = { "--kubeconfig", ns.kubeconfig, "--helm-binary", hflrun.root() .. "/.deps/bin/helm" .. major, "apply" }
      local h = assert(proc.spawn(hflrun.command(argv, { cwd = dir, env = ns:_env {
        HFL_CACHE_HOME = work .. "/cache", PATH = hflrun.root() .. "/.deps/bin:" .. os.getenv("PATH") } })))
      local deadline = proc.now() + 60
      while not (release("slow") and release("slow").status:match("^pending")) and proc.now() < deadline do
        proc.sleep(0.3)
      end
      h:kill("INT")
      local r = h:wait()
      assert.equal(130, r.code, r.stderr)
      assert.equal("failed", release("slow").status)
      assert.is_nil(release("after-slow"))
      assert.matches("Cancelled Releases", r.stderr)
    end)

    it("destroys everything in reverse order", function()
      local r = hfl { "destroy", "--state-values-set", "extra=false" }
      assert.equal(0, r.code, r.stderr)
      for _, name in ipairs { "crds", "widget", "web", "api" } do
        assert.is_nil(release(name), name)
      end
      local widget_at = r.stderr:find("widget", 1, true)
      local crds_at = r.stderr:find("crds", 1, true)
      assert.is_truthy(widget_at and crds_at and widget_at < crds_at, r.stderr)
    end)
  end)
end
