-- hfl.chartify through the Lua API (a helmfile.lua whose releases are a manifests directory
-- and a chart with a strategic merge patch, rendered by State:template with the real helm 4
-- and kubectl's kustomize), and its small pure parts. No server is started. #unit
local hfl = require "hfl"
local fs = require "hfl.fs"
local value = require "hfl.value"
local chartify = require "hfl.chartify"
local objects = require "hfl.chartify.objects"
local package = require "hfl.chartify.package"
local kustomize = require "hfl.chartify.kustomize"

local ROOT = fs.cwd()
local BIN = ROOT .. "/.deps/bin/"

local function write(path, text)
  assert(fs.mkdir_p(fs.dirname(path)))
  assert(fs.write_atomic(path, text))
end

describe("hfl.chartify", function()
  describe("through hfl.load{…}:template()", function()
    local dir
    before_each(function()
      dir = assert(fs.mkdtemp("hfl-spec-XXXXXX"))
      write(dir .. "/manifests/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n")
      write(dir .. "/charts/app/Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\n")
      write(dir .. "/charts/app/templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  a: one\n")
      write(dir .. "/helmfile.lua", [[
release "raw" { namespace = "apps", chart = "./manifests" }
release "patched" {
  chart = "./charts/app",
  strategicMergePatches = {
    { apiVersion = "v1", kind = "ConfigMap", metadata = { name = "patched" }, data = { b = "two" } },
  },
}
]])
    end)
    after_each(function() fs.rm_r(dir, fs.dirname(dir)) end)

    it("renders the temporary charts and removes them with the session", function()
      local s = require("hfl.session").new { helm_binary = BIN .. "helm4", kubectl_binary = BIN .. "kubectl" }
      local st = assert(hfl.load { file = dir .. "/helmfile.lua", session = s })
      local rendered = assert(st:template {})
      local by = {}
      for _, x in ipairs(rendered) do by[x.release.name] = x.manifest end
      assert.equal("---\n# Source: manifests/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\n"
        .. "metadata:\n  name: plain\n  namespace: apps\n", by.raw)
      assert.equal("---\n# Source: app/templates/cm.yaml\napiVersion: v1\ndata:\n  a: one\n  b: two\n"
        .. "kind: ConfigMap\nmetadata:\n  name: patched\n", by.patched)
      local tmp = s._tempdir
      s:close()
      assert.is_false(tmp ~= nil and fs.exists(tmp))
    end)
  end)

  describe("symlinks in a manifests directory or a chart", function()
    local dir, outside, s
    before_each(function()
      dir = assert(fs.mkdtemp("hfl-spec-XXXXXX"))
      outside = assert(fs.mkdtemp("hfl-spec-XXXXXX"))
      write(outside .. "/config", "apiVersion: v1\nkind: Config\nmetadata:\n  name: kc\n"
        .. "users:\n- name: u\n  user:\n    token: TOP-SECRET\n")
      write(dir .. "/manifests/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n")
      write(dir .. "/common/shared.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n")
      write(dir .. "/charts/app/Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\n")
      write(dir .. "/charts/app/templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")
      write(dir .. "/helmfile.lua", [[
release "raw" { namespace = "apps", chart = "./manifests" }
release "app" { chart = "./charts/app", forceNamespace = "x" }
]])
      s = require("hfl.session").new { helm_binary = BIN .. "helm4", kubectl_binary = BIN .. "kubectl" }
    end)
    after_each(function()
      s:close()
      fs.rm_r(dir, fs.dirname(dir))
      fs.rm_r(outside, fs.dirname(outside))
    end)

    local function template(name)
      local st = assert(hfl.load { file = dir .. "/helmfile.lua", session = s })
      local rendered, err = st:template { selectors = { "name=" .. name } }
      if not rendered then return nil, err end
      return rendered[1].manifest
    end

    it("follows a link inside the project", function()
      assert(os.execute(("ln -s ../common/shared.yaml %q"):format(dir .. "/manifests/shared.yaml")))
      local out = assert(template("raw"))
      assert.matches("name: shared", out, 1, true)
    end)

    it("refuses a link to a file outside the project, naming it", function()
      assert(os.execute(("ln -s %q %q"):format(outside .. "/config", dir .. "/manifests/kc.yaml")))
      assert(os.execute(("ln -s %q %q"):format(outside .. "/config", dir .. "/charts/app/templates/kc.yaml")))
      for _, name in ipairs { "raw", "app" } do
        local out, err = template(name)
        assert.is_nil(out)
        assert.matches("kc.yaml is a symlink to " .. fs.realpath(outside) .. "/config, outside the chart and the project",
          err, 1, true)
        assert.is_nil(err:find("TOP-SECRET", 1, true))
      end
    end)

    it("refuses fetched content (in hfl's cache) that is itself a link out of the cache", function()
      local cache = assert(fs.mkdtemp("hfl-spec-XXXXXX"))
      assert(fs.mkdir_p(cache .. "/getter/abc"))
      write(outside .. "/secret/kc.yaml", assert(fs.read(outside .. "/config")))
      assert(os.execute(("ln -s %q %q"):format(outside .. "/secret", cache .. "/getter/abc/manifests")))
      write(dir .. "/helmfile.lua", ('release "raw" { namespace = "apps", chart = %q }'):format(
        cache .. "/getter/abc/manifests"))
      s:close()
      s = require("hfl.session").new { helm_binary = BIN .. "helm4", kubectl_binary = BIN .. "kubectl",
        cache_root = cache }
      local out, err = template("raw")
      fs.rm_r(cache, fs.dirname(cache))
      assert.is_nil(out)
      assert.matches("getter/abc/manifests is a symlink to " .. fs.realpath(outside) .. "/secret, outside", err, 1, true)
    end)

    it("refuses a link that loops back to a directory being walked", function()
      assert(os.execute(("ln -s . %q"):format(dir .. "/manifests/self")))
      local out, err = template("raw")
      assert.is_nil(out)
      assert.matches("manifests/self is a symlink to " .. fs.realpath(dir) .. "/manifests, a directory it is in (a loop)", err, 1, true)
    end)
  end)

  describe("a manifest's file name", function()
    it("stays a file name in the packaged chart's template, never template code", function()
      local dir = assert(fs.mkdtemp("hfl-spec-XXXXXX"))
      write(dir .. '/manifests/a" }}{{ print "INJECTED" }}{{ "b.yaml',
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: q\n")
      write(dir .. "/helmfile.lua", 'release "raw" { namespace = "apps", chart = "./manifests" }\n')
      local s = require("hfl.session").new { helm_binary = BIN .. "helm4", kubectl_binary = BIN .. "kubectl" }
      local st = assert(hfl.load { file = dir .. "/helmfile.lua", session = s })
      local rendered, err = st:template {}
      s:close()
      fs.rm_r(dir, fs.dirname(dir))
      assert.is_nil(err)
      assert.equal('---\n# Source: manifests/templates/a" }}{{ print "INJECTED" }}{{ "b.yaml\napiVersion: v1\n'
        .. "kind: ConfigMap\nmetadata:\n  name: q\n  namespace: apps\n", rendered[1].manifest)
      assert.equal('"files/a\\"\\x09\\\\b"', package.go_quote('files/a"\t\\b'))
    end)
  end)

  describe("needed()", function()
    it("is true for a directory without Chart.yaml and for releases with chartify fields", function()
      local d = assert(fs.mkdtemp("hfl-spec-XXXXXX"))
      local plain = { spec = {} }
      assert.is_true(chartify.needed(plain, d))
      write(d .. "/Chart.yaml", "apiVersion: v2\nname: x\nversion: 1.0.0\n")
      assert.is_false(chartify.needed(plain, d))
      assert.is_true(chartify.needed({ forceNamespace = "x", spec = {} }, d))
      assert.is_true(chartify.needed({ dependencies = { { chart = "./y" } }, spec = {} }, d))
      assert.is_false(chartify.needed({ jsonPatches = {}, spec = {} }, d))
      fs.rm_r(d, fs.dirname(d))
    end)
  end)

  describe("objects.set_namespace()", function()
    it("fills metadata.namespace where it is missing, leaving set ones and cluster-scoped kinds alone", function()
      local list = {
        { doc = value.map { kind = "ConfigMap", metadata = value.map { name = "a" } } },
        { doc = value.map { kind = "ConfigMap", metadata = value.map { name = "b", namespace = "keep" } } },
        { doc = value.map { kind = "ClusterRole", metadata = value.map { name = "c" } } },
      }
      objects.set_namespace(list, "ns")
      assert.equal("ns", list[1].doc.metadata.namespace)
      assert.equal("keep", list[2].doc.metadata.namespace)
      assert.is_nil(list[3].doc.metadata.namespace)
    end)
  end)

  describe("package.place()", function()
    it("keeps templates, puts a subchart's templates under templates/charts and CRDs under crds/", function()
      assert.same({ "templates/x.yaml", false }, { package.place("app/templates/x.yaml") })
      assert.same({ "templates/charts/dep/templates/x.yaml", false }, { package.place("app/charts/dep/templates/x.yaml") })
      assert.same({ "crds/w.yaml", true }, { package.place("app/crds/w.yaml") })
      assert.same({ "crds/charts/dep/crds/w.yaml", true }, { package.place("app/charts/dep/crds/w.yaml") })
    end)
  end)

  describe("kustomize.relative()", function()
    it("gives the path kustomize accepts as a resource", function()
      assert.equal("../../src/kust", kustomize.relative("/tmp/run/k", "/tmp/src/kust"))
      assert.equal("sub", kustomize.relative("/a", "/a/sub"))
    end)
  end)
end)
