-- `hfl apply` of a kustomization release (chartify, issue 16) on the real API server
-- (spec/support/cluster.lua): it becomes a Helm release — a `helm list` row, its objects on the
-- server — and a second apply changes nothing.
local cluster = require "spec.support.cluster"
local servers = require "spec.support.servers"
local hflrun = require "spec.support.hflrun"
local files = require "spec.support.files"

for _, major in ipairs { 4, 3 } do
  describe(("hfl apply of a kustomization with helm %d on a real API server #cluster"):format(major), function()
    local ns, work

    local function hfl(args)
      local argv = { "--kubeconfig", ns.kubeconfig, "--helm-binary", hflrun.root() .. "/.deps/bin/helm" .. major }
      for _, a in ipairs(args) do argv[#argv + 1] = a end
      -- no kustomize on PATH: `kubectl kustomize` builds it
      local env = ns:_env { HFL_CACHE_HOME = work .. "/cache",
        PATH = hflrun.root() .. "/.deps/bin:/usr/bin:/bin" }
      return hflrun.capture(argv, { cwd = work, env = env })
    end

    setup(function()
      ns = cluster.namespace("chartify" .. major)
      work = servers.tmpdir()
      files.tree(work .. "/kust", {
        ["kustomization.yaml"] = "resources:\n  - cm.yaml\n  - svc.yaml\n  - hook.yaml\nnamePrefix: k-\n",
        ["hook.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: installed\n  annotations:\n"
          .. "    helm.sh/hook: post-install\ndata:\n  at: install\n",
        ["cm.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: kustomized\n",
        ["svc.yaml"] = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n    - port: 80\n      protocol: TCP\n",
      })
      files.write(work .. "/helmfile.yaml", ("releases:\n  - name: kust\n    namespace: %s\n    chart: ./kust\n"):format(ns.name))
    end)

    teardown(function()
      if ns then ns:cleanup() end
      servers.cleanup()
    end)

    it("installs it as a Helm release owning the kustomized objects", function()
      local r = hfl { "apply" }
      assert.equal(0, r.code, r.stderr)
      local rel = ns:release("kust")
      assert.is_not_nil(rel, r.stderr)
      assert.equal(1, rel.revision)
      assert.equal("deployed", rel.status)
      assert.is_table(rel.objects["ConfigMap/k-settings"])
      assert.equal("kustomized", rel.objects["ConfigMap/k-settings"].data.mode)
      assert.is_table(rel.objects["Service/k-web"])
      assert.equal("kust", rel.objects["ConfigMap/k-settings"].metadata.annotations["meta.helm.sh/release-name"])
      -- the annotated object stays a hook: in the record's hooks, not its manifest, and run
      local hooks = rel.records[1].release.hooks or {}
      assert.equal(1, #hooks)
      assert.equal("k-installed", hooks[1].name)
      assert.is_nil(rel.objects["ConfigMap/k-installed"])
      assert.equal("install", ns:get_json { "configmap", "k-installed" }.data.at)
      local list = ns:helm(major, { "list", "--namespace", ns.name })
      assert.equal(0, list.code, list.stderr)
      assert.matches("\nkust%s+" .. ns.name:gsub("%p", "%%%0") .. "%s+1%s+.-deployed%s+kust%-1%.0%.0", list.stdout)
    end)

    it("changes nothing on a second apply", function()
      local r = hfl { "apply", "--detailed-exitcode" }
      assert.equal(0, r.code, r.stderr)
      assert.equal(1, ns:release("kust").revision)
    end)

    it("upgrades when a file of the kustomization changes (the digest covers the built chart)", function()
      files.write(work .. "/kust/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: changed\n")
      local r = hfl { "apply" }
      assert.equal(0, r.code, r.stderr)
      local rel = ns:release("kust")
      assert.equal(2, rel.revision)
      assert.equal("changed", rel.objects["ConfigMap/k-settings"].data.mode)
    end)
  end)
end
