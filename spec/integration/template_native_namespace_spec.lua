-- A release without a namespace: helm takes the kube context's namespace from the kubeconfig
-- (client-go's rules), and so does the native renderer — the same bytes as helm 3 and helm 4,
-- rendered in process — while a kubeconfig it cannot be sure of leaves the release to helm.
-- #integration
local hflrun = require "spec.support.hflrun"
local files = require "spec.support.files"
local servers = require "spec.support.servers"

local BIN = hflrun.root() .. "/.deps/bin/"

local CHART = {
  ["Chart.yaml"] = "apiVersion: v2\nname: where\nversion: 0.1.0\n",
  ["templates/cm.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n"
    .. "  namespace: {{ .Release.Namespace }}\ndata:\n  ns: {{ .Release.Namespace | quote }}\n",
}

local HELMFILE = [[
releases:
  - name: plain
    chart: ./where
  - name: other
    chart: ./where
    kubeContext: other
]]

-- main (current) sets team-a, other sets team-b; broken names a cluster that does not exist
local KUBECONFIG = [[
apiVersion: v1
kind: Config
current-context: %s
clusters:
  - name: c
    cluster:
      server: https://127.0.0.1:1
contexts:
  - name: main
    context: { cluster: c, namespace: team-a }
  - name: other
    context: { cluster: c, namespace: team-b }
  - name: bare
    context: { cluster: c }
  - name: broken
    context: { cluster: missing, namespace: team-c }
]]

for _, bin in ipairs { "helm3", "helm4" } do
  describe("hfl template of a release without a namespace, " .. bin .. " #integration", function()
    local work

    setup(function()
      work = servers.tmpdir()
      files.tree(work .. "/where", CHART)
      files.write(work .. "/helmfile.yaml", HELMFILE)
    end)

    teardown(function() servers.cleanup() end)

    local function template(current, renderer, extra)
      files.write(work .. "/kubeconfig", KUBECONFIG:format(current))
      local env = { KUBECONFIG = work .. "/kubeconfig", HELM_NAMESPACE = false, HELM_KUBECONTEXT = false }
      for k, v in pairs(extra or {}) do env[k] = v end
      return hflrun.run({ "-b", BIN .. bin, "--debug", "template", "--renderer", renderer },
        { cwd = work, env = env })
    end

    it("takes the kube context's namespace natively, as helm does", function()
      for _, current in ipairs { "main", "bare" } do
        local code, want, err = template(current, "helm")
        assert.equal(0, code, err)
        local ncode, got, nerr = template(current, "native")
        assert.equal(0, ncode, nerr)
        assert.equal(want, got)
        assert.matches('release "plain": rendered by the native renderer', nerr, 1, true)
        assert.matches('release "other": rendered by the native renderer', nerr, 1, true)
        assert.matches(current == "main" and 'ns: "team-a"' or 'ns: "default"', got, 1, true)
        assert.matches('ns: "team-b"', got, 1, true)
      end
    end)

    it("follows HELM_KUBECONTEXT as helm does", function()
      local code, want, err = template("main", "helm", { HELM_KUBECONTEXT = "bare" })
      assert.equal(0, code, err)
      local ncode, got, nerr = template("main", "native", { HELM_KUBECONTEXT = "bare" })
      assert.equal(0, ncode, nerr)
      assert.equal(want, got)
      assert.matches('release "plain": rendered by the native renderer', nerr, 1, true)
    end)

    it("leaves a context it cannot be sure of to helm", function()
      local code, want, err = template("broken", "helm")
      assert.equal(0, code, err)
      local ncode, got, nerr = template("broken", "native")
      assert.equal(0, ncode, nerr)
      assert.equal(want, got)
      assert.matches('release "plain": the native renderer falls back to helm: the namespace would come '
        .. "from the kubeconfig", nerr, 1, true)
      assert.matches('release "other": rendered by the native renderer', nerr, 1, true)
    end)
  end)
end
