-- Helm 3 and Helm 4 against a real Kubernetes API server (spec/support/cluster.lua), with
-- charts that reach helm through hfl: `hfl fetch --output-dir` of a chart from a local HTTP
-- repository, and `hfl deps` of a local chart whose dependency comes from that repository.
-- No kubelet or controllers run, so the charts hold only objects the API server alone makes
-- real: ConfigMaps, Secrets, Services without selectors, a CRD and its custom resources.
local proc = require "hfl.proc"
local servers = require "spec.support.servers"
local cluster = require "spec.support.cluster"

local hflrun = require "spec.support.hflrun"

local function write(path, text)
  os.execute("mkdir -p '" .. path:match("^(.*)/") .. "'")
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

local function b64(s)
  local r = assert(proc.run { "base64", "-w0", stdin = s })
  return r.stdout
end

-- The chart "app": a ConfigMap, a Secret and a Service without a selector, from its values.
-- The port names its protocol: a 1.20 server publishes ports as a list keyed by port and
-- protocol without a default, and Helm 4's server-side apply rejects an entry without it.
local APP = {
  ["Chart.yaml"] = "apiVersion: v2\nname: app\nversion: 1.0.0\n",
  ["values.yaml"] = "greeting: hello\npassword: changeme\nport: 80\nconfigName: \"\"\n",
  ["templates/configmap.yaml"] = [[
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Values.configName | default (printf "%s-config" .Release.Name) }}
data:
  greeting: {{ .Values.greeting | quote }}
  release: {{ .Release.Name | quote }}
]],
  ["templates/secret.yaml"] = [[
apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-secret
stringData:
  password: {{ .Values.password | quote }}
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

-- The chart "base" carries a CRD (its group unique to this run, as CRDs are cluster-wide) and
-- a ConfigMap; the local chart "stack" depends on it and makes a custom resource.
local function base_chart(group)
  return {
    ["Chart.yaml"] = "apiVersion: v2\nname: base\nversion: 1.0.0\n",
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
    ["templates/configmap.yaml"] = [[
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-base
data:
  from: base
]],
  }
end

local function stack_chart(group, repo_url)
  return {
    ["Chart.yaml"] = ("apiVersion: v2\nname: stack\nversion: 0.1.0\ndependencies:\n"
      .. "  - name: base\n    version: ~1.0\n    repository: %s\n"):format(repo_url),
    ["values.yaml"] = "size: 3\n",
    ["templates/widget.yaml"] = ([[
apiVersion: %s/v1
kind: Widget
metadata:
  name: {{ .Release.Name }}-widget
spec:
  size: {{ .Values.size }}
]]):format(group),
  }
end

local function write_chart(dir, files)
  for path, text in pairs(files) do write(dir .. "/" .. path, text) end
end

describe("helm releases on a real API server #cluster", function()
  local ns, srv, work, app_chart, group

  local function hfl(args, cwd)
    return hflrun.capture(args, { cwd = cwd or work, env = { HFL_CACHE_HOME = work .. "/cache" } })
  end

  local nvalues = 0
  local function values_file(text)
    nvalues = nvalues + 1
    local path = ("%s/values-%d.yaml"):format(work, nvalues)
    write(path, text)
    return path
  end

  setup(function()
    ns = cluster.namespace("helm")
    group = ns.name .. ".hfl.test"
    local src, repo = servers.tmpdir(), servers.tmpdir()
    work = servers.tmpdir()
    write_chart(src .. "/app", APP)
    write_chart(src .. "/base", base_chart(group))
    servers.sh(("helm package %s/app %s/base -d %s >/dev/null && helm repo index %s")
      :format(src, src, repo, repo))
    srv = servers.httprepo(repo)
    write(work .. "/helmfile.yaml", ("repositories:\n  - name: charts\n    url: %s\n"
      .. "releases:\n  - name: app\n    chart: charts/app\n    version: 1.0.0\n"):format(srv.url))
    local r = hfl { "fetch", "--output-dir", "out" }
    assert(r.code == 0, r.stderr)
    app_chart = work .. "/out/app/app/1.0.0/app"
  end)

  teardown(function()
    if srv then srv:stop() end
    if ns then ns:cleanup() end
    servers.cleanup()
  end)

  it("takes its chart from `hfl fetch --output-dir`, downloaded once from the repository", function()
    assert.equal(1, srv:counts()["/app-1.0.0.tgz"])
    local f = assert(io.open(app_chart .. "/Chart.yaml"))
    assert.matches("\nversion: 1.0.0", f:read("*a"))
    f:close()
  end)

  for _, major in ipairs { 3, 4 } do
    describe("with helm " .. major, function()
      local function helm(args)
        local r = ns:helm(major, args)
        assert(r.code == 0, ("helm%d %s: %s"):format(major, table.concat(args, " "), r.stderr))
        return r
      end
      local function name(s) return ("h%d-%s"):format(major, s) end

      it("installs the fetched chart: revision 1 deployed, its objects on the server", function()
        local rel = name("install")
        helm { "install", rel, app_chart, "-f", values_file("greeting: hi\npassword: pw1\nport: 8080\n") }
        local got = ns:release(rel)
        assert.equal(1, got.revision)
        assert.equal("deployed", got.status)
        assert.equal("hi", got.objects["ConfigMap/" .. rel .. "-config"].data.greeting)
        assert.equal(b64("pw1"), got.objects["Secret/" .. rel .. "-secret"].data.password)
        local svc = got.objects["Service/" .. rel .. "-svc"]
        assert.equal(8080, svc.spec.ports[1].port)
        assert.is_nil(svc.spec.selector)
      end)

      it("upgrades with new values, then rolls back to the first revision", function()
        local rel = name("upgrade")
        local cm = "ConfigMap/" .. rel .. "-config"
        helm { "install", rel, app_chart, "--set", "greeting=one" }
        helm { "upgrade", rel, app_chart, "--set", "greeting=two" }
        local got = ns:release(rel)
        assert.equal(2, got.revision)
        assert.equal("deployed", got.status)
        assert.equal("superseded", got.records[2].status)
        assert.equal("two", got.objects[cm].data.greeting)

        helm { "rollback", rel, "1" }
        got = ns:release(rel)
        assert.equal(3, got.revision)
        assert.equal("deployed", got.status)
        assert.same({ greeting = "one" }, got.records[1].release.config)
        assert.equal("one", got.objects[cm].data.greeting)
      end)

      it("uninstalls: the objects and the release records are gone", function()
        local rel = name("uninstall")
        helm { "install", rel, app_chart }
        assert.is_table(ns:object("ConfigMap/" .. rel .. "-config"))
        helm { "uninstall", rel }
        assert.is_nil(ns:release(rel))
        assert.is_nil(ns:object("ConfigMap/" .. rel .. "-config"))
        assert.is_nil(ns:object("Secret/" .. rel .. "-secret"))
        assert.is_nil(ns:object("Service/" .. rel .. "-svc"))
      end)

      it("writes owner=helm records whose data.release holds the values and manifest given", function()
        local rel = name("record")
        local values = values_file("greeting: recorded\nport: 9090\n")
        helm { "install", rel, app_chart, "-f", values }
        helm { "upgrade", rel, app_chart, "-f", values, "--set", "password=pw2" }
        local list = ns:get_json { "secrets", "-l", "owner=helm" }
        local records = {}
        for _, item in ipairs(list.items) do
          if item.metadata.labels.name == rel then
            local release = cluster.decode_release(item.data.release)
            records[release.version] = { secret = item.metadata.name, labels = item.metadata.labels,
              release = release }
          end
        end
        assert.equal("sh.helm.release.v1." .. rel .. ".v2", records[2].secret)
        assert.same({ "deployed", "superseded" }, { records[2].labels.status, records[1].labels.status })
        local last = records[2].release
        assert.equal(rel, last.name)
        assert.equal(ns.name, last.namespace)
        assert.equal("deployed", last.info.status)
        assert.same({ name = "app", version = "1.0.0" },
          { name = last.chart.metadata.name, version = last.chart.metadata.version })
        assert.same({ greeting = "recorded", port = 9090, password = "pw2" }, last.config)
        assert.same({ greeting = "recorded", port = 9090 }, records[1].release.config)
        local template = helm { "template", rel, app_chart, "-f", values, "--set", "password=pw2" }
        assert.equal(template.stdout:gsub("^%-%-%-\n", ""):gsub("%s+$", ""),
          last.manifest:gsub("^%-%-%-\n", ""):gsub("%s+$", ""))
      end)

      it("leaves a failed revision when the server rejects an object", function()
        local rel = name("rejected")
        local r = ns:helm(major, { "install", rel, app_chart, "--set", "configName=Bad_Name" })
        assert.is_not.equal(0, r.code)
        assert.matches('ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value', r.stderr, 1, true)
        local got = ns:release(rel)
        assert.equal(1, got.revision)
        assert.equal("failed", got.status)
      end)

      it("installs a local chart whose dependency `hfl deps` fetched: CRD, custom resource and all", function()
        local dir = work .. "/h" .. major
        write_chart(dir .. "/stack", stack_chart(group, srv.url))
        write(dir .. "/helmfile.yaml", "releases:\n  - name: stack\n    chart: ./stack\n")
        local r = hfl({ "deps" }, dir)
        assert.equal(0, r.code, r.stderr)
        assert.equal(0, os.execute("test -s '" .. dir .. "/stack/charts/base-1.0.0.tgz'"))

        local rel = name("stack")
        helm { "install", rel, dir .. "/stack" }
        local got = ns:release(rel)
        assert.equal("deployed", got.status)
        assert.equal(3, got.objects["Widget/" .. rel .. "-widget"].spec.size)
        assert.equal("base", got.objects["ConfigMap/" .. rel .. "-base"].data.from)

        -- Rejected by the CRD's schema: by the server, or by helm against the schema the
        -- server publishes (which picks the new CRD up a moment after it is created).
        r = ns:helm(major, { "upgrade", rel, dir .. "/stack", "--set", "size=big" })
        assert.is_not.equal(0, r.code)
        assert.matches("spec.size", r.stderr, 1, true)
        assert.matches("integer", r.stderr, 1, true)
        local deployed = {}
        for _, rec in ipairs(ns:release(rel).records) do
          if rec.status == "deployed" then deployed[#deployed + 1] = rec.revision end
        end
        assert.same({ 1 }, deployed)
        assert.equal(3, ns:object("Widget/" .. rel .. "-widget", group .. "/v1").spec.size)
      end)
    end)
  end
end)
