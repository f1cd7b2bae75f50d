-- `hfl template` with the native renderer on a helmfile using `set:`/`setString:`, --args
-- with --set flags, --output-dir and --post-renderer: the same stdout (and, for --output-dir,
-- the same tree of files) as `--renderer helm`, with the real helm 3 and helm 4, and a
-- --debug line saying the native renderer ran. #integration
local hflrun = require "spec.support.hflrun"

local ROOT = hflrun.root()
local BIN = ROOT .. "/.deps/bin/"

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

local function sh(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read("*a")
  p:close()
  return out
end

-- Every file under dir: its path relative to dir, permission bits and content.
local function tree(dir)
  return sh("cd '" .. dir .. "' && find . -type f | sort | while read -r f; do "
    .. "printf '== %s %s\\n' \"$f\" \"$(stat -c %a \"$f\")\"; cat \"$f\"; done")
end

local CHART = {
  ["Chart.yaml"] = "apiVersion: v2\nname: kit\nversion: 1.0.0\n",
  ["values.yaml"] = "replicas: 1\nimage:\n  tag: latest\nports: []\n",
  ["crds/thing.yaml"] = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
    .. "metadata:\n  name: things.example.com\n",
  ["templates/cm.yaml"] = [[
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}
data:
  replicas: {{ .Values.replicas | quote }}
  values: {{ toJson .Values | quote }}
  yaml: |
{{ toYaml .Values | indent 4 }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}
]],
  ["templates/hook.yaml"] = [[
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-migrate
  annotations:
    "helm.sh/hook": pre-install
spec:
  template:
    spec:
      containers: []
]],
  ["templates/tests/t.yaml"] = [[
apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-test
  annotations:
    "helm.sh/hook": test
]],
}

local HELMFILE = [[
releases:
  - name: kit
    namespace: apps
    chart: ./kit
    set:
      - name: replicas
        value: 1000000
      - name: image.tag
        value: "1.2.3"
      - name: ports
        values: [80, 443]
      - name: flags.enabled
        value: true
      - name: dotted\.key
        value: x
      - name: cert
        file: cert.pem
    setString:
      - name: image.digest
        value: "0123"
  - name: other
    namespace: apps
    chart: ./kit
    values:
      - replicas: 2
]]

local LABEL_SH = [[#!/bin/sh
# adds a label under every top-level metadata: and records its arguments
sed "s/^metadata:/metadata:\n  labels: {post: \"$1\"}/"
echo "# post-rendered with $# args"
]]

describe("hfl template, native renderer, with --set and output flags #integration", function()
  local dir
  setup(function()
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p '" .. dir .. "/kit/templates/tests' '" .. dir .. "/kit/crds'") == 0)
    for name, text in pairs(CHART) do write(dir .. "/kit/" .. name, text) end
    write(dir .. "/helmfile.yaml", HELMFILE)
    write(dir .. "/cert.pem", "-----BEGIN-----\nabc\n-----END-----\n")
    write(dir .. "/label.sh", LABEL_SH)
    assert(os.execute("chmod +x '" .. dir .. "/label.sh'") == 0)
  end)
  teardown(function() os.execute("rm -rf '" .. dir .. "'") end)

  local function hfl(bin, args)
    local argv = { "-b", BIN .. bin, "--debug", "template" }
    for _, a in ipairs(args) do argv[#argv + 1] = a end
    return hflrun.run(argv, { cwd = dir, env = { KUBECONFIG = "/dev/null/none" } })
  end

  -- stdout of both renderers; the native run's --debug output must say it rendered natively
  local function both(bin, args)
    local hargs = { "--renderer", "helm" }
    for _, a in ipairs(args) do hargs[#hargs + 1] = a end
    local code, want, err = hfl(bin, hargs)
    assert.equal(0, code, err)
    local ncode, got, nerr = hfl(bin, args)
    assert.equal(0, ncode, nerr)
    return want, got, nerr
  end

  for _, bin in ipairs { "helm3", "helm4" } do
    describe("with " .. bin, function()
      it("renders a helmfile's set: and setString: natively, as helm does", function()
        local want, got, nerr = both(bin, {})
        assert.equal(want, got)
        assert.matches('release "kit": rendered by the native renderer', nerr, 1, true)
        assert.matches("cert: |", got, 1, true)
      end)

      it("renders --set flags given through --args natively, as helm does", function()
        local args = { "--args", "--set extra=1000000 --set-string str=007 --set-json j=[1,2] --set-literal l=a,b" }
        local want, got, nerr = both(bin, args)
        assert.equal(want, got)
        assert.matches("extra: 1000000", got, 1, true)
        assert.matches('release "kit": rendered by the native renderer', nerr, 1, true)
      end)

      it("writes --output-dir's tree and prints its lines as helm does", function()
        local hdir, ndir = dir .. "/out-helm", dir .. "/out-native"
        local code, hout, herr = hfl(bin, { "--renderer", "helm", "--include-crds", "--output-dir", hdir })
        assert.equal(0, code, herr)
        local ncode, nout, nerr = hfl(bin, { "--include-crds", "--output-dir", ndir })
        assert.equal(0, ncode, nerr)
        assert.equal((hout:gsub("out%-helm", "out-native")), nout)
        assert.matches("wrote " .. ndir, nout, 1, true)
        assert.matches('release "kit": rendered by the native renderer', nerr, 1, true)
        assert.equal(tree(hdir), tree(ndir))
        -- a second run over the same directories (hooks are appended to files that exist)
        code, hout = hfl(bin, { "--renderer", "helm", "--include-crds", "--output-dir", hdir })
        assert.equal(0, code)
        ncode, nout = hfl(bin, { "--include-crds", "--output-dir", ndir })
        assert.equal(0, ncode)
        assert.equal((hout:gsub("out%-helm", "out-native")), nout)
        assert.equal(tree(hdir), tree(ndir))
        assert.equal("", sh("find '" .. ndir .. "' -name '*.tmp*' -o -name '.*'"))
      end)
    end)
  end

  it("runs helm 3's --post-renderer natively, as helm does", function()
    local args = { "--post-renderer", "./label.sh", "--post-renderer-args", "from-args" }
    local want, got, nerr = both("helm3", args)
    assert.equal(want, got)
    assert.matches("post: \"from-args\"", got, 1, true)
    assert.matches("# post-rendered with 1 args", got, 1, true)
    assert.matches('release "kit": rendered by the native renderer', nerr, 1, true)
  end)
end)
