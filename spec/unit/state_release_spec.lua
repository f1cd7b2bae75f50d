-- Specs of the release modules (hfl.state.release, inherit, releases) over states made from
-- YAML text (spec/fixtures/state/releases/stub.lua) and through hfl.load on fixtures.
local value = require "hfl.value"
local state = require "hfl.state"
local releases = require "hfl.state.releases"
local stub = dofile("spec/fixtures/state/releases/stub.lua")

local FIX = "spec/fixtures/state/releases/"

local function build(text, opts)
  return releases.build(stub(text, opts))
end

local function one(text, opts)
  local rels, err = build(text, opts)
  assert(rels, err)
  return rels[1], rels
end

describe("hfl.state releases #unit", function()
  describe("field checks", function()
    it("names file, line and a suggestion for an unknown field", function()
      local r, err = build("releases:\n- name: api\n  chrat: x/api\n")
      assert.is_nil(r)
      assert.equal('/tmp/hfl-spec/helmfile.yaml:3: release "api": unknown field "chrat" (did you mean "chart"?)', err)
    end)

    it("rejects a boolean field given a string", function()
      local _, err = build("releases:\n- name: api\n  chart: x\n  wait: 'yes'\n")
      assert.equal('/tmp/hfl-spec/helmfile.yaml:4: release "api": field "wait" must be a boolean, not string', err)
    end)

    it("rejects an int field given a string and a list field given a map", function()
      local _, err = build("releases:\n- name: api\n  chart: x\n  timeout: soon\n")
      assert.matches('field "timeout" must be an integer', err)
      _, err = build("releases:\n- name: api\n  chart: x\n  needs: {a: b}\n")
      assert.matches('field "needs" must be a list of strings', err)
    end)

    it("reads scalars into string fields as Go's YAML decoder does", function()
      local r = one("releases:\n- name: api\n  chart: x\n  version: 1.5\n  labels: {n: 3, b: true}\n")
      assert.equal("1.5", r.version)
      assert.equal("3", r.labels.n)
      assert.equal("true", r.labels.b)
    end)

    it("keeps every Helmfile release field", function()
      local r = one([[
releases:
- name: api
  chart: x/api
  atomic: true
  timeout: 300
  historyMax: 3
  createNamespace: false
  description: the api
  adopt: [a]
  postRenderer: ./pr.sh
  postRendererArgs: [--x]
  cascade: foreground
  serverSide: auto
  trackMode: helm
  kubedogQPS: 1.5
  hooks: [{events: [presync], command: echo}]
  missingFileHandlerConfig: {ignoreMissingGitBranch: true}
  insecureSkipTLSVerify: true
]])
      assert.is_true(r.atomic)
      assert.equal(300, r.timeout)
      assert.equal(3, r.historyMax)
      assert.is_false(r.createNamespace)
      assert.equal("the api", r.description)
      assert.same({ "a" }, { r.adopt[1] })
      assert.equal("--x", r.postRendererArgs[1])
      assert.equal("foreground", r.cascade)
      assert.equal("auto", r.serverSide)
      assert.equal(1.5, r.kubedogQPS)
      assert.equal("echo", r.hooks[1].command)
      assert.is_true(r.missingFileHandlerConfig.ignoreMissingGitBranch)
      assert.is_true(r.insecureSkipTLSVerify)
    end)

    it("rejects unknown keys of set entries and of helmDefaults", function()
      local _, err = build("releases:\n- name: a\n  chart: x\n  set: [{name: a, vaule: b}]\n")
      assert.matches('unknown field "vaule" in set%[0%]', err)
      _, err = build("helmDefaults:\n  wiat: true\nreleases: []\n")
      assert.equal('/tmp/hfl-spec/helmfile.yaml:2: helmDefaults: unknown field "wiat" (did you mean "wait"?)', err)
    end)

    it("requires a chart", function()
      local _, err = build("releases:\n- name: api\n")
      assert.matches('encountered empty chart while reading release "api"', err)
    end)

    it("accepts directory as an alias of chart", function()
      assert.equal("./charts/a", one("releases:\n- name: a\n  directory: ./charts/a\n").chart)
    end)

    it("rejects releases that are not a list", function()
      local _, err = build("releases: {}\n")
      assert.matches("releases must be a list, not map", err)
    end)
  end)

  describe("templates and inherit", function()
    it("merges templates in order, then the release, concatenating lists", function()
      local r = one([[
templates:
  a: {namespace: ns-a, values: [a.yaml], labels: {x: a}}
  b: {version: 1.0.0, values: [b.yaml], labels: {y: b}}
releases:
- name: api
  chart: c
  inherit: [{template: a}, {template: b}]
  values: [own.yaml]
  labels: {z: own}
]])
      assert.equal("ns-a", r.namespace)
      assert.equal("1.0.0", r.version)
      assert.same({ "a.yaml", "b.yaml", "own.yaml" }, { r.values_entries[1], r.values_entries[2], r.values_entries[3] })
      assert.same({ "a", "b", "own" }, { r.labels.x, r.labels.y, r.labels.z })
    end)

    it("lets a template's scalar beat the release's own (Helmfile's fill-only merge)", function()
      local r = one("templates:\n  t: {namespace: from-template}\nreleases:\n- name: a\n  chart: c\n  namespace: own\n  inherit: [{template: t}]\n")
      assert.equal("from-template", r.namespace)
    end)

    it("drops the fields named in except", function()
      local r = one([[
templates:
  t: {values: [t.yaml], labels: {a: b}, set: [{name: x, value: y}]}
releases:
- name: a
  chart: c
  inherit: [{template: t, except: [values, labels]}]
]])
      assert.is_nil(r.values_entries)
      assert.is_nil(r.labels.a)
      assert.equal("x", r.set[1].name)
    end)

    it("rejects an except Helmfile does not allow", function()
      local _, err = build("templates:\n  t: {}\nreleases:\n- name: a\n  chart: c\n  inherit: [{template: t, except: [chart]}]\n")
      assert.matches('"chart" is not allowed under `inherit`', err)
    end)

    it("follows inheritance recursively and detects cycles", function()
      local r = one("templates:\n  a: {inherit: [{template: b}]}\n  b: {namespace: deep}\nreleases:\n- name: x\n  chart: c\n  inherit: [{template: a}]\n")
      assert.equal("deep", r.namespace)
      local _, err = build("templates:\n  a: {inherit: [{template: b}]}\n  b: {inherit: [{template: a}]}\nreleases:\n- name: app1\n  chart: c\n  inherit: [{template: a}]\n")
      assert.matches('unable to load release "app1" with template: cyclic inheritance detected: a%->b%->a', err)
    end)

    it("names an inexistent template", function()
      local _, err = build("releases:\n- name: a\n  chart: c\n  inherit: [{template: nope}]\n")
      assert.matches('release "a" tried to inherit inexistent release template "nope"', err)
    end)

    it("applies defaultInherit first, without repeating a template the release names", function()
      local r = one([[
defaultInherit: [base, extra]
templates:
  base: {values: [base.yaml]}
  extra: {values: [extra.yaml]}
releases:
- name: a
  chart: c
  inherit: [{template: base}]
]])
      assert.same({ "extra.yaml", "base.yaml" }, { r.values_entries[1], r.values_entries[2] })
    end)

    it("works with YAML anchors and merge keys (explicit keys win, lists replaced)", function()
      local st = assert(state.load { file = FIX .. "anchors/helmfile.yaml" })
      local rels = st:releases()
      assert.equal("x/one", rels[1].chart)
      assert.equal("ns", rels[1].namespace)
      assert.equal("other", rels[2].namespace)
      assert.same({ "own.yaml" }, { rels[2].values_entries[1], rels[2].values_entries[2] })
    end)
  end)

  describe("templating", function()
    it("renders name, chart, namespace, version and labels with the release data", function()
      local r = one([[
releases:
- name: '{{ .Values.prefix }}-api'
  chart: 'repo/{{ .Release.Name }}'
  namespace: '{{ .Environment.Name }}'
  version: ' {{ .Values.v }} '
  labels: {owner: '{{ .Release.Namespace }}'}
]], { values = value.map { prefix = "my", v = "1.2" }, environment = "prod" })
      assert.equal("my-api", r.name)
      assert.equal("repo/my-api", r.chart)
      assert.equal("prod", r.namespace)
      assert.equal("1.2", r.version)
      assert.equal("prod", r.labels.owner)
    end)

    it("renders valuesTemplate maps and prepends them to values", function()
      local r = one("releases:\n- name: a\n  chart: c\n  values: [{x: 1}]\n  valuesTemplate:\n  - name: '{{ .Release.Name }}'\n")
      assert.equal("a", r.values_entries[1].name)
      assert.equal(1, r.values_entries[2].x)
    end)

    it("renders setTemplate and prepends it to set", function()
      local r = one("releases:\n- name: a\n  chart: c\n  set: [{name: s, value: '1'}]\n  setTemplate: [{name: '{{ .Release.Name }}.tag', value: '{{ .Release.Namespace }}'}]\n  namespace: ns\n")
      assert.equal("a.tag", r.set[1].name)
      assert.equal("ns", r.set[1].value)
      assert.equal("s", r.set[2].name)
    end)

    it("re-renders until fields that refer to each other are stable", function()
      local r = one("releases:\n- name: api\n  chart: c\n  namespace: '{{ .Release.Name }}-ns'\n  labels: {ns: '{{ .Release.Namespace }}'}\n")
      assert.equal("api-ns", r.labels.ns)
    end)

    it("reads installedTemplate and conditionTemplate as booleans", function()
      local r = one("releases:\n- name: a\n  chart: c\n  installedTemplate: '{{ eq 1 2 }}'\n  conditionTemplate: 'true'\n")
      assert.is_false(r.installed)
      assert.equal("true", r.condition)
      local _, err = build("releases:\n- name: a\n  chart: c\n  waitTemplate: 'maybe'\n")
      assert.matches("waitTemplate: failed deserialising string maybe", err)
    end)

    it("gives up on references that never settle", function()
      local _, err = build("releases:\n- name: a\n  chart: c\n  namespace: '{{ .Release.Namespace }}x'\n")
      assert.matches("recursive references can't be resolved", err)
    end)

    it("names the release and field in a template error", function()
      local _, err = build("releases:\n- name: a\n  chart: '{{ .Values.nope.x }}'\n")
      assert.matches('failed executing template expressions in release "a".chart', err)
    end)
  end)

  describe("labels, contexts and overrides", function()
    it("adds commonLabels over the release's own and the built-in name, namespace and chart", function()
      local r = one("commonLabels: {tier: common}\nreleases:\n- name: a\n  chart: stable/filebeat\n  labels: {tier: own, x: y}\n")
      assert.same({ tier = "common", x = "y", name = "a", namespace = "", chart = "filebeat" },
        (function() local t = {} for k, v in pairs(r.labels) do t[k] = v end return t end)())
    end)

    it("takes helmDefaults.kubeContext, else the environment's, unless the release has one", function()
      local _, rels = one("helmDefaults: {kubeContext: hd}\nreleases:\n- {name: a, chart: c}\n- {name: b, chart: c, kubeContext: own}\n",
        { env_kube_context = "env" })
      assert.equal("hd", rels[1].kubeContext)
      assert.equal("own", rels[2].kubeContext)
      assert.equal("env", one("releases:\n- {name: a, chart: c}\n", { env_kube_context = "env" }).kubeContext)
    end)

    it("forces --namespace and --kube-context on every release and in needs IDs", function()
      local _, rels = one("releases:\n- {name: a, chart: c, namespace: x, needs: [b]}\n- {name: b, chart: c, namespace: y}\n",
        { namespace = "forced", kube_context = "kc" })
      assert.equal("forced", rels[1].namespace)
      assert.equal("kc/forced/a", rels[1]:id())
      assert.equal("kc/forced/b", rels[1].needs[1])
    end)

    it("copies state apiVersions and kubeVersion into releases lacking them", function()
      local r = one("apiVersions: [v1/x]\nkubeVersion: v1.30.0\nreleases:\n- {name: a, chart: c}\n")
      assert.equal("v1/x", r.apiVersions[1])
      assert.equal("v1.30.0", r.kubeVersion)
    end)
  end)

  describe("condition", function()
    local vals = value.map { db = value.map { enabled = true }, off = value.map { enabled = false },
      str = value.map { enabled = "yes" }, flat = 1 }

    it("reads NAME.enabled from the state values", function()
      local _, rels = one("releases:\n- {name: a, chart: c, condition: db.enabled}\n- {name: b, chart: c, condition: off.enabled}\n- {name: d, chart: c, condition: str.enabled}\n",
        { values = vals })
      assert.is_true(rels[1].enabled)
      assert.is_false(rels[2].enabled)
      assert.is_false(rels[3].enabled)
    end)

    it("accepts literal true and false in any case", function()
      assert.is_false(one("releases:\n- {name: a, chart: c, condition: FALSE}\n").enabled)
      assert.is_true(one("releases:\n- {name: a, chart: c, condition: 'True'}\n").enabled)
    end)

    it("fails for a missing parent, a non-map parent or a condition not ending in .enabled", function()
      local _, err = build("releases:\n- {name: a, chart: c, condition: nope.enabled}\n", { values = vals })
      assert.matches("environment values field '.nope' not found", err)
      _, err = build("releases:\n- {name: a, chart: c, condition: flat.enabled}\n", { values = vals })
      assert.matches("environment values field '.flat' is not a map", err)
      _, err = build("releases:\n- {name: a, chart: c, condition: db.on}\n", { values = vals })
      assert.matches("Condition value must be in the form 'foo.enabled'", err)
    end)
  end)

  describe("needs", function()
    it("turns needs entries into IDs", function()
      local r = one("releases:\n- {name: a, chart: c, namespace: web, kubeContext: k, needs: [b, data/db]}\n- {name: b, chart: c, namespace: web, kubeContext: k}\n- {name: db, chart: c, namespace: data, kubeContext: k}\n")
      assert.same({ "k/web/b", "k/data/db" }, { r.needs[1], r.needs[2] })
    end)

    it("fails for a need that names no release of any state file", function()
      local rels = assert(build("releases:\n- {name: a, chart: c, needs: [nope]}\n"))
      -- the file alone cannot tell: another state file may define it (hfl.deploy.graph)
      assert.same({ nope = "nope" }, rels[1].foreign_needs)
      local st, err = state.new({ stub("releases:\n- {name: a, chart: c, needs: [nope]}\n") })
      assert.is_nil(st)
      assert.matches('/tmp/hfl%-spec/helmfile.yaml:2: release%(s%) "a" depend%(s%) on an undefined release "nope"', err)
    end)
  end)
end)
