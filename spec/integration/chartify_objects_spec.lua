-- Object-level changes through the chartify pipeline, by the built hfl with the real helm 3 and
-- helm 4: Helmfile's jsonPatches (RFC 6902 with a target; inline, from a file, from a .gotmpl
-- file) and helmfile.lua's transform function — through `hfl template`, `hfl apply` on the
-- fake cluster and the Lua API. Expected objects are written by hand from Helmfile's docs
-- (advanced-features.md, "jsonPatches") and RFC 6902.
local fakecluster = require "spec.support.fakecluster"
local hflrun = require "spec.support.hflrun"
local servers = require "spec.support.servers"
local fs = require "hfl.fs"
local value = require "hfl.value"
local yaml = require "hfl.yaml"

local BIN = hflrun.root() .. "/.deps/bin/"

local function write(path, text)
  assert(fs.mkdir_p(fs.dirname(path)))
  assert(fs.write_atomic(path, text))
end

-- A chart "app" with a ConfigMap and a Deployment (no namespace in the templates).
local function chart(dir)
  write(dir .. "/chart/Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\n")
  write(dir .. "/chart/values.yaml", "greeting: hello\n")
  write(dir .. "/chart/templates/cm.yaml", [[
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}
data:
  greeting: {{ .Values.greeting | quote }}
  drop: "me"
]])
  write(dir .. "/chart/templates/deploy.yaml", [[
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        env:
        - {name: A, value: "1"}
]])
end

-- The objects of a manifest by "Kind/name" (documents without a kind are skipped).
local function objects(manifest)
  local out = {}
  for _, d in ipairs(assert(yaml.decode_all(manifest))) do
    if value.kind(d) == "map" and d.kind then out[d.kind .. "/" .. d.metadata.name] = d end
  end
  return out
end

local function assert_object(expected_yaml, got)
  local want = assert(yaml.decode(expected_yaml))
  assert.is_true(value.equal(want, got), "expected:\n" .. expected_yaml .. "got:\n"
    .. (got and yaml.encode(got) or "nothing"))
end

local PATCHED_CM = [[
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
  labels: {release: web, env: default}
data:
  greeting: patched
  extra: added
]]

local PATCHED_DEPLOY = [[
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        env:
        - {name: A, value: "1"}
        - {name: B, value: "2"}
]]

local JSON_PATCHES = [[
releases:
- name: web
  namespace: shop
  chart: ./chart
  jsonPatches:
  - target:
      version: v1
      kind: ConfigMap
      name: web
    patch:
    - op: test
      path: /data/greeting
      value: hello
    - op: replace
      path: /data/greeting
      value: patched
    - op: add
      path: /data/extra
      value: added
    - op: remove
      path: /data/drop
  - patches/deploy.yaml
  - patches/labels.yaml.gotmpl
]]

local function json_patch_project(dir)
  chart(dir)
  write(dir .. "/helmfile.yaml", JSON_PATCHES)
  write(dir .. "/patches/deploy.yaml", [[
target:
  group: apps
  kind: Deploy.*
patch:
- op: replace
  path: /spec/replicas
  value: 3
- op: add
  path: /spec/template/spec/containers/0/env/-
  value: {name: B, value: "2"}
]])
  write(dir .. "/patches/labels.yaml.gotmpl", [[
target:
  kind: ConfigMap
patch:
- op: add
  path: /metadata/labels
  value:
    release: {{ .Release.Name }}
    env: {{ .Environment.Name }}
]])
end

local TRANSFORM = [[
release "web" {
  namespace = "shop",
  chart = "./chart",
  transform = function(objects, release)
    for _, o in ipairs(objects) do
      o.metadata.labels = { owner = release.name .. "-" .. environment.name }
      if o.kind == "Deployment" then o.spec.replicas = %d end
    end
  end,
}
]]

local TRANSFORMED_DEPLOY = [[
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {owner: web-default}
spec:
  replicas: %d
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        env:
        - {name: A, value: "1"}
]]

local function transform_project(dir, replicas)
  chart(dir)
  write(dir .. "/helmfile.lua", TRANSFORM:format(replicas or 4))
end

for _, bin in ipairs { "helm3", "helm4" } do
  describe("jsonPatches and transform with " .. bin .. " #integration", function()
    local dir

    before_each(function() dir = servers.tmpdir() end)
    after_each(function() servers.cleanup() end)

    local function hfl(args)
      local a = { "-b", BIN .. bin }
      for _, x in ipairs(args) do a[#a + 1] = x end
      return hflrun.run(a, { cwd = dir, env = { NO_COLOR = "1" } })
    end

    it("templates a release with jsonPatches add/remove/replace/test, inline and from files", function()
      json_patch_project(dir)
      local code, out, err = hfl { "template" }
      assert.equal(0, code, err)
      local objs = objects(out)
      assert_object(PATCHED_CM, objs["ConfigMap/web"])
      assert_object(PATCHED_DEPLOY, objs["Deployment/web"])
    end)

    it("fails a release whose test operation fails, naming the item, object and path", function()
      json_patch_project(dir)
      write(dir .. "/helmfile.yaml", JSON_PATCHES:gsub("value: hello", "value: nope"))
      local code, out, err = hfl { "template" }
      assert.equal(1, code)
      assert.equal("", out)
      assert.matches('release "web": jsonPatches[0]: ConfigMap/web: patch[0] (test /data/greeting): '
        .. 'test failed at /data/greeting: the value is "hello", not "nope"', err, 1, true)
    end)

    it("names the patch file and line when an operation from a file fails", function()
      json_patch_project(dir)
      write(dir .. "/patches/deploy.yaml", "target: {kind: Deployment}\npatch:\n- op: remove\n  path: /spec/nope\n")
      local code, _, err = hfl { "template" }
      assert.equal(1, code)
      assert.matches('release "web": jsonPatches[1] (' .. dir .. '/patches/deploy.yaml:3): Deployment/web: '
        .. "patch[0] (remove /spec/nope): /spec/nope: no such path", err, 1, true)
    end)

    it("templates a helmfile.lua release through its transform function", function()
      transform_project(dir)
      local code, out, err = hfl { "template" }
      assert.equal(0, code, err)
      local objs = objects(out)
      assert_object(TRANSFORMED_DEPLOY:format(4), objs["Deployment/web"])
      assert.equal("web-default", objs["ConfigMap/web"].metadata.labels.owner)
      assert.equal("hello", objs["ConfigMap/web"].data.greeting)
    end)

    it("reports a failing transform function with its helmfile.lua line", function()
      chart(dir)
      write(dir .. "/helmfile.lua", 'release "web" {\n  chart = "./chart",\n  transform = function(objects)\n'
        .. "    objects[1].spec.x = 1\n  end,\n}\n")
      local code, out, err = hfl { "template" }
      assert.equal(1, code)
      assert.equal("", out)
      assert.matches('release "web": transform: ' .. dir .. "/helmfile.lua:4: attempt to index field 'spec' (a nil value)",
        err, 1, true)
      assert.not_matches("traceback", err)
    end)
  end)
end

for _, major in ipairs { 3, 4 } do
  describe("hfl apply of a transformed release on the fake cluster (helm " .. major .. ") #integration", function()
    local dir, fc

    before_each(function()
      dir = servers.tmpdir()
      fc = fakecluster.new { helm = major }
    end)
    after_each(function()
      fc:cleanup()
      servers.cleanup()
    end)

    local function manifest()
      local r = fc:run("helm", { "get", "manifest", "web", "-n", "shop" })
      assert.equal(0, r.code, r.stderr)
      return r.stdout
    end

    it("installs what the function made, changes nothing the second time, upgrades when it changes", function()
      transform_project(dir, 4)
      local code, _, err = fc:hfl({ "apply" }, { cwd = dir })
      assert.equal(0, code, err)
      assert_object(TRANSFORMED_DEPLOY:format(4), objects(manifest())["Deployment/web"])

      fc:clear_calls()
      code, _, err = fc:hfl({ "apply", "--detailed-exitcode" }, { cwd = dir })
      assert.equal(0, code, err)
      for _, c in ipairs(fc:calls("helm")) do assert.not_equal("upgrade", c.argv[1]) end

      transform_project(dir, 6)
      local out
      code, out, err = fc:hfl({ "diff", "--detailed-exitcode" }, { cwd = dir })
      assert.equal(2, code, err)
      assert.matches("-   replicas: 4\n", out, 1, true)
      assert.matches("+   replicas: 6\n", out, 1, true)
      code, _, err = fc:hfl({ "apply" }, { cwd = dir })
      assert.equal(0, code, err)
      assert_object(TRANSFORMED_DEPLOY:format(6), objects(manifest())["Deployment/web"])
    end)
  end)
end

describe("transform through the Lua API #integration", function()
  after_each(function() servers.cleanup() end)

  it("renders the transformed objects with st:template(), and the function is in the digest", function()
    local hfl = require "hfl"
    local digests = {}
    for _, replicas in ipairs { 4, 5 } do
      local dir = servers.tmpdir()
      transform_project(dir, replicas)
      local st = assert(hfl.load { file = dir .. "/helmfile.lua", helm_binary = BIN .. "helm4" })
      local rendered = assert(st:template())
      assert.equal(1, #rendered)
      assert_object(TRANSFORMED_DEPLOY:format(replicas), objects(rendered[1].manifest)["Deployment/web"])
      digests[#digests + 1] = rendered[1].digest
    end
    assert.not_equal(digests[1], digests[2])
  end)
end)
