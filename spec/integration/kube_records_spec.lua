-- hfl.kube.records against the fake cluster (spec/support/fakecluster): records written by the
-- helm shim in Helm's format, read back in one list per namespace — one request to the fake
-- cluster's API server (hfl.kube, the default), or one kubectl call (--kube-client=kubectl);
-- hostile records.
-- The shim renders manifests with the real helm 4 (`helm template`). #integration
local records = require "hfl.kube.records"
local session_mod = require "hfl.session"
local crypto = require "hfl.crypto"
local fs = require "hfl.fs"
local proc = require "hfl.proc"
local value = require "hfl.value"
local fakecluster = require "spec.support.fakecluster"

local CHART = {
  ["Chart.yaml"] = "apiVersion: v2\nname: demo\nversion: 1.4.0\nappVersion: \"2.0\"\n",
  ["values.yaml"] = "greeting: hello\nreplicas: 1\n",
  ["templates/cm.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\n" ..
    "data:\n  greeting: {{ .Values.greeting | quote }}\n",
  ["templates/hook.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-hook\n" ..
    "  annotations:\n    \"helm.sh/hook\": post-install,post-upgrade\ndata:\n  a: b\n",
}

local function write_chart(dir)
  for path, text in pairs(CHART) do
    assert(fs.mkdir_p(fs.dirname(dir .. "/" .. path)))
    assert(fs.write_atomic(dir .. "/" .. path, text))
  end
end

-- A Session whose kubectl is the fake cluster's, as the CLI would build it.
local function session_for(fc, client)
  return session_mod.new { kubectl_binary = fakecluster.BIN .. "/kubectl", kube_client = client }
end

local ffi = require "ffi"
pcall(ffi.cdef, "int setenv(const char *name, const char *value, int overwrite); int unsetenv(const char *name);")

-- fn() with environment variables set (false unsets) in this process, so the kubectl that
-- records.read starts finds the fake cluster; restored afterwards.
local function with_vars(vars, fn)
  local saved = {}
  for k, v in pairs(vars) do
    saved[k] = os.getenv(k) or false
    if v then ffi.C.setenv(k, v, 1) else ffi.C.unsetenv(k) end
  end
  local ok, a, b = pcall(fn)
  for k, v in pairs(saved) do
    if v then ffi.C.setenv(k, v, 1) else ffi.C.unsetenv(k) end
  end
  if not ok then error(a, 0) end
  return a, b
end

local function with_env(fc, fn)
  return with_vars({ HFL_FAKE_CLUSTER = fc.dir, KUBECONFIG = fc:kubeconfig() }, fn)
end

describe("hfl.kube.records #integration", function()
  local fc, chart
  before_each(function()
    fc = fakecluster.new()
    chart = fc.dir .. "/chart"
    write_chart(chart)
  end)
  after_each(function() fc:cleanup() end)

  local function helm(args)
    local r = fc:run("helm", args)
    assert.equal(0, r.code, r.stderr)
    return r
  end

  describe("decode()", function()
    it("decodes what the helm shim stored: name, revision, chart, values, manifest, hooks", function()
      helm { "upgrade", "--install", "web", chart, "-n", "apps", "--set", "greeting=hi" }
      local obj = fc:records("apps", "web")[1].object
      local rec = assert(records.decode(assert(crypto.base64_decode(obj.data.release))))
      assert.equal("web", rec.name)
      assert.equal("apps", rec.namespace)
      assert.equal(1, rec.revision)
      assert.equal("deployed", rec.status)
      assert.equal("demo", rec.chart)
      assert.equal("1.4.0", rec.chart_version)
      assert.equal("2.0", rec.app_version)
      assert.equal("hi", rec.config.greeting)
      assert.equal("Install complete", rec.description)
      assert.matches("^%d%d%d%d%-%d%d%-%d%dT", rec.last_deployed)
      assert.matches('greeting: "hi"', rec.manifest, 1, true)
      assert.not_matches("web-hook", rec.manifest, 1, true)
      assert.equal(1, #rec.hooks)
      assert.equal("web-hook", rec.hooks[1].name)
      assert.same({ "post-install", "post-upgrade" }, { rec.hooks[1].events[1], rec.hooks[1].events[2] })
    end)

    it("accepts plain JSON as Helm does", function()
      local rec = assert(records.decode(crypto.base64_encode('{"name":"a","version":2,"info":{"status":"failed"}}')))
      assert.equal("a", rec.name)
      assert.equal(2, rec.revision)
      assert.equal("failed", rec.status)
      assert.same({}, rec.labels)
      assert.equal("", rec.manifest)
    end)

    it("returns an error for each hostile layer instead of crashing", function()
      local bomb = crypto.base64_encode(crypto.gzip(("{"):rep(1) .. ("\0"):rep(records.MAX_RELEASE_BYTES + 1)))
      local cases = {
        { "not base64!", "^bad base64: illegal base64 data at input byte 3$" },
        { crypto.base64_encode("\31\139\8\0garbage"), "^gzip: " },
        { bomb, "^gzip: data expands to more than 67108864 bytes$" },
        { crypto.base64_encode(crypto.gzip("{not json")), "^bad JSON: " },
        { crypto.base64_encode(("["):rep(20000)), "^bad JSON: exceeded max depth" },
        { crypto.base64_encode("[1,2,3]"), "not a JSON object" },
        { crypto.base64_encode('{"name":"x","version":"7"}'), 'release "x" has no valid version' },
        { crypto.base64_encode('{"version":1}'), "the release has no name" },
        { crypto.base64_encode("null"), "^bad JSON: null$" },
      }
      for _, c in ipairs(cases) do
        local rec, err = records.decode(c[1])
        assert.is_nil(rec)
        assert.matches(c[2], err)
      end
      assert.has_error(function() records.decode(nil) end)
    end)
  end)

  for _, client in ipairs { "http", "kubectl" } do
  local tool = client == "http" and "api" or "kubectl"
  describe("read() with kube_client = " .. client, function()
    it("reads every release of a namespace with ONE " .. tool .. " call, memoised in the session", function()
      for i = 1, 12 do
        fc:preset { name = ("r%02d"):format(i), namespace = "apps", chart = "demo", version = "1." .. i .. ".0" }
      end
      fc:preset { name = "other", namespace = "elsewhere" }
      local s = session_for(fc, client)
      local set = assert(with_env(fc, function() return records.read(s, { namespace = "apps" }) end))
      local again = assert(with_env(fc, function() return records.read(s, { namespace = "apps" }) end))
      assert.equal(set, again)
      local n = 0
      for name, rec in pairs(set.latest) do
        n = n + 1
        assert.equal("apps", rec.namespace)
        assert.equal("1." .. tonumber(name:sub(2)) .. ".0", rec.chart_version)
      end
      assert.equal(12, n)
      assert.is_nil(set.latest.other)
      local calls = fc:calls(tool)
      assert.equal(1, #calls)
      assert.same(client == "http"
        and { "GET", "/ctx/default/api/v1/namespaces/apps/secrets?labelSelector=owner%3Dhelm&limit=500" }
        or { "get", "secrets", "-l", "owner=helm", "-n", "apps", "-o", "json" }, calls[1].argv)
      assert.equal(0, #fc:calls(client == "http" and "kubectl" or "api"))
    end)

    it("makes one call per namespace and context even when callers overlap, and again after forget()", function()
      fc:preset { name = "a", namespace = "one" }
      fc:preset { name = "b", namespace = "two" }
      fc:preset { name = "c", namespace = "one", context = "blue" }
      local s = session_for(fc, client)
      with_env(fc, function()
        local places = { { namespace = "one" }, { namespace = "two" }, { namespace = "one", kube_context = "blue" } }
        local seen = proc.map({ 1, 2, 3, 1, 2, 3, 1, 2, 3 }, 0, function(i)
          local set = assert(records.read(s, places[i]))
          local names = {}
          for name in pairs(set.latest) do names[#names + 1] = name end
          return table.concat(names, ",")
        end)
        assert.same({ "a", "b", "c", "a", "b", "c", "a", "b", "c" }, seen)
        assert.equal(3, #fc:calls(tool))
        records.forget(s, { namespace = "two" })
        assert(records.read(s, { namespace = "two" }))
      end)
      local calls = fc:calls(tool)
      assert.equal(4, #calls)
      local blue = {}
      for _, c in ipairs(calls) do
        if c.argv[1] == "--context=blue" or c.argv[2]:match("^/ctx/blue/") then blue[#blue + 1] = c.argv end
      end
      assert.same({ client == "http"
        and { "GET", "/ctx/blue/api/v1/namespaces/one/secrets?labelSelector=owner%3Dhelm&limit=500" }
        or { "--context=blue", "get", "secrets", "-l", "owner=helm", "-n", "one", "-o", "json" } }, blue)
    end)

    it("keeps every revision in history, the newest as latest, and the custom labels only", function()
      helm { "upgrade", "--install", "web", chart, "-n", "apps", "--labels", "team=core,hfl.digest=abc" }
      helm { "upgrade", "--install", "web", chart, "-n", "apps", "--set", "greeting=v2" }
      helm { "upgrade", "--install", "web", chart, "-n", "apps", "--set", "greeting=v3", "--labels", "hfl.revision=3" }
      local s = session_for(fc, client)
      local set = assert(with_env(fc, function() return records.read(s, { namespace = "apps" }) end))
      local h = set.history.web
      assert.same({ 1, 2, 3 }, { h[1].revision, h[2].revision, h[3].revision })
      assert.same({ "superseded", "superseded", "deployed" }, { h[1].status, h[2].status, h[3].status })
      assert.equal(h[3], set.latest.web)
      assert.equal("v3", set.latest.web.config.greeting)
      -- Helm copies labels forward on upgrade; name/owner/status/version/modifiedAt are dropped
      assert.same({ team = "core", ["hfl.digest"] = "abc", ["hfl.revision"] = "3" }, set.latest.web.labels)
      assert.same({ team = "core", ["hfl.digest"] = "abc" }, h[1].labels)
    end)

    it("reads configmaps under HELM_DRIVER=configmap", function()
      fc:cleanup()
      fc = fakecluster.new { driver = "configmap" }
      fc:preset { name = "cm-release", namespace = "apps", labels = { x = "y" } }
      local s = session_for(fc, client)
      local set, err = with_env(fc, function()
        return with_vars({ HELM_DRIVER = "configmap" }, function()
          return records.read(s, { namespace = "apps" })
        end)
      end)
      assert(set, err)
      assert.equal("y", set.latest["cm-release"].labels.x)
      if client == "http" then
        assert.equal("/ctx/default/api/v1/namespaces/apps/configmaps?labelSelector=owner%3Dhelm&limit=500",
          fc:calls("api")[1].argv[2])
      else
        assert.equal("configmaps", fc:calls("kubectl")[1].argv[2])
      end
    end)

    it("reads HELM_DRIVER=sql through one helm list, and a manifest through helm get manifest", function()
      fc:preset { name = "web", namespace = "apps", chart = "app", version = "1.2.0",
        manifest = "---\n# Source: app/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n" }
      local s = session_for(fc, client)
      s.helm_binary = fakecluster.BIN .. "/helm"
      local set, err, manifest
      with_env(fc, function()
        return with_vars({ HELM_DRIVER = "sql" }, function()
          set, err = records.read(s, { namespace = "apps" })
          if set then manifest = records.manifest(s, set.latest.web) end
          if set then records.manifest(s, set.latest.web) end
        end)
      end)
      assert(set, err)
      local web = set.latest.web
      assert.same({ 1, "deployed", "app", "1.2.0" }, { web.revision, web.status, web.chart, web.chart_version })
      assert.matches("kind: ConfigMap", manifest, 1, true)
      local helm = fc:calls("helm")
      assert.equal(2, #helm)   -- one list, one get manifest (kept for the second ask)
      assert.same({ "list", "get" }, { helm[1].argv[1], helm[2].argv[1] })
      assert.equal(0, #fc:calls("kubectl") + #fc:calls("api"))
    end)

    if client == "kubectl" then
    it("takes the kubectl from --kubectl-binary or HFL_KUBECTL on the command line", function()
      local cli, clistate = require "hfl.cli", require "hfl.cli.state"
      local function env(vars) return function(k) return vars[k] end end
      local inv = assert(cli.parse({ "--kubectl-binary", "/opt/kubectl", "list" }, env {}))
      assert.equal("/opt/kubectl", clistate.session(inv).kubectl_binary)
      inv = assert(cli.parse({ "list" }, env { HFL_KUBECTL = "kubectl-1.30" }))
      assert.equal("kubectl-1.30", clistate.session(inv).kubectl_binary)
      assert.equal("kubectl", clistate.session(assert(cli.parse({ "list" }, env {}))).kubectl_binary)
      assert.equal("kubectl", session_mod.new().kubectl_binary)
      assert.has_error(function() session_mod.new { kubectl_binary = 1 } end)
    end)

    it("reads through the API server unless --kube-client=kubectl / HFL_KUBE_CLIENT=kubectl", function()
      local cli, clistate = require "hfl.cli", require "hfl.cli.state"
      local function env(vars) return function(k) return vars[k] end end
      assert.equal("http", clistate.session(assert(cli.parse({ "list" }, env {}))).kube_client)
      assert.equal("http", session_mod.new().kube_client)
      assert.equal("kubectl", clistate.session(assert(cli.parse({ "--kube-client=kubectl", "list" }, env {}))).kube_client)
      assert.equal("kubectl", clistate.session(assert(cli.parse({ "list" }, env { HFL_KUBE_CLIENT = "kubectl" }))).kube_client)
      local inv, err = cli.parse({ "--kube-client=curl", "list" }, env {})
      assert.is_nil(inv)
      assert.matches("kube%-client", err)
      assert.has_error(function() session_mod.new { kube_client = "curl" } end,
        'hfl.session.new: option kube_client must be "http" or "kubectl", got "curl"')
    end)

    it("says in one line that kubectl is missing", function()
      local s = session_mod.new { kubectl_binary = "/nonexistent/kubectl", kube_client = "kubectl" }
      local set, err = records.read(s, { namespace = "apps" })
      assert.is_nil(set)
      assert.equal("/nonexistent/kubectl not found: hfl reads Helm's release records with kubectl; " ..
        "install kubectl or name it with --kubectl-binary / HFL_KUBECTL", err)
      set, err = records.read(session_mod.new { kubectl_binary = "kubectl-not-installed", kube_client = "kubectl" }, {})
      assert.is_nil(set)
      assert.matches("^kubectl%-not%-installed not found: ", err)
    end)

    it("reports a failing kubectl with its first line of stderr", function()
      local s = session_mod.new { kubectl_binary = fakecluster.BIN .. "/kubectl", kube_client = "kubectl" }
      local set, err = with_env(fc, function()
        return records.read(s, { namespace = "apps", kube_context = "bad context with spaces" })
      end)
      assert(set, err) -- an unknown context is simply empty in the fake cluster
      local s2 = session_mod.new { kubectl_binary = "false", kube_client = "kubectl" }
      set, err = records.read(s2, { namespace = "apps" })
      assert.is_nil(set)
      assert.equal("false get secrets -l owner=helm (namespace apps) failed: exit 1", err)
    end)
    end

    it("names the release and the record when a record is hostile", function()
      local hostile = {
        { "bad-b64", "!!!", "bad base64 in the secret's data.release" },
        { "bad-inner", crypto.base64_encode("%%%"), "bad base64: illegal base64 data at input byte 0" },
        { "bomb", crypto.base64_encode(crypto.base64_encode(crypto.gzip(("\0"):rep(records.MAX_RELEASE_BYTES + 10)))),
          "gzip: data expands to more than" },
        { "bad-json", crypto.base64_encode(crypto.base64_encode(crypto.gzip('{"name":'))), "bad JSON: " },
      }
      for _, h in ipairs(hostile) do
        local local_fc = fakecluster.new()
        local_fc:preset_object("apps", { apiVersion = "v1", kind = "Secret", type = "helm.sh/release.v1",
          metadata = { name = "sh.helm.release.v1." .. h[1] .. ".v1", namespace = "apps",
            labels = { owner = "helm", name = h[1], version = "1", status = "deployed" } },
          data = { release = h[2] } })
        local s = session_for(local_fc, client)
        local set, err = with_env(local_fc, function() return records.read(s, { namespace = "apps" }) end)
        local_fc:cleanup()
        assert.is_nil(set)
        assert.matches(('^release "%s" in namespace apps: record sh%%.helm%%.release%%.v1%%.%s%%.v1 is unreadable: '):format(
          h[1]:gsub("%-", "%%-"), h[1]:gsub("%-", "%%-")), err)
        assert.matches(h[3], err, 1, true)
      end
    end)

    it("reads a large list (300 records) in one call", function()
      for i = 1, 300 do
        fc:preset { name = ("rel-%03d"):format(i), namespace = "big", manifest = ("# filler\n"):rep(200),
          values = value.map { index = i } }
      end
      local s = session_for(fc, client)
      local set = assert(with_env(fc, function() return records.read(s, { namespace = "big" }) end))
      assert.equal(300, (function() local n = 0 for _ in pairs(set.latest) do n = n + 1 end return n end)())
      assert.equal(300, value.tonumber(set.latest["rel-300"].config.index))
      assert.equal(1, #fc:calls(tool))
    end)

    if client == "http" then
      it("follows pages: 300 records in pages of 128 are three requests", function()
        for i = 1, 300 do fc:preset { name = ("p-%03d"):format(i), namespace = "paged" } end
        local kclient = require "hfl.kube.client"
        local saved = kclient.PAGE_SIZE
        kclient.PAGE_SIZE = 128
        local ok, set = pcall(with_env, fc, function() return records.read(session_for(fc, client), { namespace = "paged" }) end)
        kclient.PAGE_SIZE = saved
        assert(ok, set)
        assert(set)
        local n = 0
        for _ in pairs(set.latest) do n = n + 1 end
        assert.equal(300, n)
        local calls = fc:calls("api")
        assert.equal(3, #calls)
        assert.matches("limit=128&continue=", calls[3].argv[2], 1, true)
      end)

      it("says which context is missing from the kubeconfig", function()
        local set, err = with_env(fc, function()
          return records.read(session_for(fc, client), { namespace = "apps", kube_context = "nowhere" })
        end)
        assert.is_nil(set)
        assert.equal(("kubeconfig %s: context \"nowhere\" not found"):format(fc.dir .. "/kubeconfig"), err)
      end)
    end
  end)
  end
end)
