-- `hfl diff` and `apply` with HFL_RENDERER=native on the fake cluster: the desired manifests
-- come from the native renderer (no `helm template` process), and what is printed is what the
-- helm renderer gives. #integration
local fakecluster = require "spec.support.fakecluster"
local servers = require "spec.support.servers"
local files = require "spec.support.files"

local CHART = {
  ["Chart.yaml"] = "apiVersion: v2\nname: app\nversion: 1.0.0\n",
  ["values.yaml"] = "greeting: hello\nreplicas: 2\n",
  ["templates/_helpers.tpl"] = '{{- define "app.labels" -}}\napp: {{ .Release.Name }}\n{{- end }}\n',
  ["templates/cm.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n"
    .. "  labels:\n    {{- include \"app.labels\" . | nindent 4 }}\n"
    .. "data:\n  greeting: {{ .Values.greeting | quote }}\n  replicas: {{ .Values.replicas | quote }}\n"
    .. "  kube: {{ .Capabilities.KubeVersion.Version | quote }}\n",
}

local function template_calls(fc)
  local n = 0
  for _, c in ipairs(fc:calls("helm")) do
    if c.argv[1] == "template" then n = n + 1 end
  end
  return n
end

for _, major in ipairs { 3, 4 } do
  describe("hfl diff with the native renderer, helm " .. major .. " #integration", function()
    local fc, dir
    local function hfl(args, env) return fc:hfl(args, { cwd = dir, env = env }) end

    before_each(function()
      fc = fakecluster.new { helm = major }
      dir = servers.tmpdir()
      files.tree(dir .. "/charts/app", CHART)
      files.write(dir .. "/helmfile.yaml", "releases:\n  - name: web\n    namespace: apps\n    chart: ./charts/app\n"
        .. "  - name: api\n    namespace: apps\n    chart: ./charts/app\n")
    end)

    after_each(function()
      fc:cleanup()
      servers.cleanup()
    end)

    it("prints the helm renderer's diff without a helm template process", function()
      local hcode, hout = hfl({ "diff" }, { HFL_RENDERER = "helm" })
      assert.equal(0, hcode)
      assert.is_true(template_calls(fc) > 0)
      fc:clear_calls()
      local code, out, err = hfl({ "--debug", "diff" }, { HFL_RENDERER = "native" })
      assert.equal(0, code, err)
      assert.equal(hout, out)
      assert.equal(0, template_calls(fc))
      assert.matches('release "web": rendered by the native renderer', err, 1, true)
      assert.equal(0, (hfl({ "apply" }, { HFL_RENDERER = "native" })))
      code, out, err = hfl({ "diff", "--detailed-exitcode", "--state-values-set", "x=1" }, { HFL_RENDERER = "native" })
      assert.equal(0, code, err)
      assert.matches("0 releases changed, 2 unchanged", out, 1, true)
      fc:clear_calls()
      code, out, err = hfl { "--debug", "diff", "--renderer", "native", "--full-diff" }
      assert.equal(0, code, err)
      assert.matches("0 releases changed, 2 unchanged", out, 1, true)
      assert.matches('release "api": rendered by the native renderer', err, 1, true)
      assert.equal(0, template_calls(fc))
    end)
  end)
end
