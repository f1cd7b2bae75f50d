-- Secret taint through ./hfl on the fake cluster: a value planted in a release's `secrets:`
-- file, two in an environment's `secrets:` (YAML and HCL; all decrypted by
-- spec/support/fake-decrypt.sh)
-- and two vals references (fetchSecretValue in the state, expandSecretRefs in a values
-- template) never appear — neither as they are nor base64-encoded — in any stream hfl writes for users:
-- stdout, stderr (logs, --debug, progress, the summary, the error line), the plan (text,
-- JSON, --plan-file) and the --report file. `hfl template` and `write-values`, which users run
-- to get the values, still show them.
local fakecluster = require "spec.support.fakecluster"
local servers = require "spec.support.servers"
local files = require "spec.support.files"
local b64 = require("hfl.stdlib.encoding").b64encode
local write, read = files.write, files.read

local RELEASE_SECRET = "P1anted-Rel3ase-S3cret"
local ENV_SECRET = "Env-S3cret-Token-4242"
local HCL_SECRET = "Hcl-Decrypted-Value-55"    -- an environment's `.hcl` secrets file
local REF_SECRET = "Ref-Fetched-Key-777"        -- fetchSecretValue in the state file
local REF_VALUES_SECRET = "Ref-In-Values-Tmpl-99"  -- expandSecretRefs in a values .gotmpl
local PLANTED = { RELEASE_SECRET, b64(RELEASE_SECRET), ENV_SECRET, b64(ENV_SECRET), REF_SECRET,
  b64(REF_SECRET), REF_VALUES_SECRET, b64(REF_VALUES_SECRET), HCL_SECRET, b64(HCL_SECRET) }
local DECRYPT = (os.getenv("PWD") or ".") .. "/spec/support/fake-decrypt.sh"

-- The chart puts both values in a ConfigMap and the release secret in a Secret (base64);
-- with failWith set, rendering fails with an error that quotes the secret.
local CHART = {
  ["Chart.yaml"] = "apiVersion: v2\nname: app\nversion: 1.0.0\n",
  ["values.yaml"] = "password: none\ntoken: none\napiKey: none\nhclToken: none\nrefs: {}\n",
  ["templates/cm.yaml"] = [[
{{- if .Values.failWith }}{{ fail (printf "cannot connect with password %s to %s" .Values.password .Values.refs.db) }}{{ end }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}
  annotations:
    token: {{ .Values.token | quote }}
    api-key: {{ .Values.apiKey | quote }}
    ref: {{ .Values.refs.db | quote }}
    hcl: {{ .Values.hclToken | quote }}
data:
  password: {{ .Values.password | quote }}
---
apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}
data:
  password: {{ .Values.password | b64enc }}
]],
}

-- fake-decrypt.sh's "encrypted" form: a line ENC, then the YAML in base64
local function encrypted(yaml) return "ENC\n" .. b64(yaml) .. "\n" end

local STATE = [[
environments:
  default:
    secrets: [env-secrets.yaml, env-secrets.hcl]
    values: [{ region: eu }]
---
releases:
  - name: app
    namespace: apps
    chart: ./charts/app
    secrets: [secrets.yaml]
    values:
      - token: {{ .Values.token | quote }}
        apiKey: {{ fetchSecretValue "ref+file://vault.yaml#/apiKey" | quote }}
        hclToken: {{ .Values.hclToken | quote }}
      - refs.yaml.gotmpl
{{- if env "FAIL_HOOK" }}
    hooks:
      - events: [presync]
        showlogs: true
        command: sh
        args: ["-c", "echo connecting with {{ .Values.token }}; echo refused {{ .Values.token }} >&2; exit 3"]
{{- end }}
]]

describe("secret taint #integration", function()
  local fc, dir

  local function hfl(args, env)
    local e = { HFL_SECRETS_DECRYPT = DECRYPT, NO_COLOR = "1" }
    for k, v in pairs(env or {}) do e[k] = v end
    return fc:hfl(args, { cwd = dir, env = e })
  end

  -- Every planted form is absent from every text; the message names the stream that leaked.
  local function assert_clean(streams)
    for name, text in pairs(streams) do
      for _, secret in ipairs(PLANTED) do
        assert.is_nil(text:find(secret, 1, true), ("%s shows %q:\n%s"):format(name, secret, text))
      end
    end
  end

  before_each(function()
    fc = fakecluster.new { helm = 4 }
    dir = servers.tmpdir()
    files.tree(dir .. "/charts/app", CHART)
    write(dir .. "/helmfile.yaml.gotmpl", STATE)
    write(dir .. "/secrets.yaml", encrypted("password: " .. RELEASE_SECRET .. "\n"))
    write(dir .. "/env-secrets.yaml", encrypted("token: " .. ENV_SECRET .. "\n"))
    write(dir .. "/env-secrets.hcl", encrypted('values {\n  hclToken = "' .. HCL_SECRET .. '"\n}\n'))
    write(dir .. "/vault.yaml", "apiKey: " .. REF_SECRET .. "\ndb: " .. REF_VALUES_SECRET .. "\n")
    write(dir .. "/refs.yaml.gotmpl", 'refs: {{ dict "db" "ref+file://vault.yaml#/db" | expandSecretRefs | toJson }}\n')
  end)

  after_each(function()
    fc:cleanup()
    servers.cleanup()
  end)

  it("hides both secrets from the dry-run plan, its JSON and the plan file", function()
    local code, out, err = hfl { "--debug", "apply", "--dry-run" }
    assert.equal(0, code, err)
    assert.matches("install", out)
    local jcode, jout, jerr = hfl { "--debug", "apply", "--dry-run", "--output", "json" }
    assert.equal(0, jcode, jerr)
    assert.matches('"action": "install"', jout, 1, true)
    local pcode, pout, perr = hfl { "apply", "--plan-file", dir .. "/plan.json" }
    assert.equal(0, pcode, perr)
    assert_clean { stdout = out, stderr = err, json = jout, ["json stderr"] = jerr,
      ["plan-file stdout"] = pout, ["plan-file stderr"] = perr, ["plan file"] = assert(read(dir .. "/plan.json")) }
  end)

  it("hides them from apply --debug, its summary and the --report file, while helm got them", function()
    local code, out, err = hfl { "--debug", "apply", "--report", dir .. "/report.json" }
    assert.equal(0, code, err)
    assert.matches("exec: ", err, 1, true)        -- --debug did log helm's command lines
    assert.matches("Updated Releases", err, 1, true)
    assert_clean { stdout = out, stderr = err, report = assert(read(dir .. "/report.json")) }
    -- what helm deployed holds the values in clear: masking is for people, not for helm
    local rec = fc:records("apps", "app")
    assert.truthy(rec[#rec].release.manifest:find(RELEASE_SECRET, 1, true))
    assert.truthy(rec[#rec].release.manifest:find(ENV_SECRET, 1, true))
    assert.truthy(rec[#rec].release.manifest:find(REF_SECRET, 1, true))
    assert.truthy(rec[#rec].release.manifest:find(REF_VALUES_SECRET, 1, true))
    assert.truthy(rec[#rec].release.manifest:find(HCL_SECRET, 1, true))
  end)

  it("hides them from hfl diff in every output format, --three-way and --show-secrets included", function()
    local streams = {}
    local code, out, err = hfl { "--debug", "diff" }
    assert.equal(0, code, err)
    assert.matches("has been added", out, 1, true)
    streams["diff stdout"], streams["diff stderr"] = out, err
    assert.equal(0, (hfl { "apply" }))
    for _, format in ipairs { "diff", "simple", "json", "template" } do
      code, out, err = hfl { "diff", "--three-way", "--show-secrets", "--output", format, "--set", "extra=1" }
      assert.equal(0, code, err)
      streams[format .. " stdout"], streams[format .. " stderr"] = out, err
    end
    assert_clean(streams)
  end)

  it("hides them when helm fails, in the error line, the summary and the report", function()
    local code, out, err = hfl({ "--debug", "apply", "--report", dir .. "/report.json" }, { HFL_FAKE_FAIL = "app" })
    assert.equal(1, code)
    assert.matches("Failed Releases", err, 1, true)
    assert_clean { stdout = out, stderr = err, report = assert(read(dir .. "/report.json")) }
  end)

  it("hides the secret a failing chart quotes in its error, wherever the error is shown", function()
    local code, out, err = hfl { "--debug", "apply", "--set", "failWith=1", "--report", dir .. "/report.json" }
    assert.equal(1, code)
    assert.matches("cannot connect with password <redacted> to <redacted>", err, 1, true)
    assert.equal(0, (hfl { "apply" }))
    -- installed, an upgrade is decided by rendering: the plan holds the render's error
    local jcode, jout, jerr = hfl { "apply", "--dry-run", "--output", "json", "--set", "failWith=1" }
    assert.matches("cannot connect with password <redacted> to <redacted>", jout, 1, true)
    assert_clean { stdout = out, stderr = err, json = jout, ["json stderr"] = jerr,
      ["json code"] = tostring(jcode), report = read(dir .. "/report.json") or "" }
  end)

  it("hides them from a failing hook's logs and failure report", function()
    local code, out, err = hfl({ "--debug", "apply", "--report", dir .. "/report.json" }, { FAIL_HOOK = "1" })
    assert.equal(1, code)
    assert.matches("connecting with <redacted>", err, 1, true)   -- showlogs: the line, masked
    assert.matches("refused <redacted>", err, 1, true)           -- the failure report's output
    assert_clean { stdout = out, stderr = err, report = read(dir .. "/report.json") or "" }
  end)

  it("hides them from list and build", function()
    local lcode, lout, lerr = hfl { "--debug", "list" }
    assert.equal(0, lcode, lerr)
    local bcode, bout, berr = hfl { "--debug", "build" }
    assert.equal(0, bcode, berr)
    assert.matches("name: app", bout, 1, true)
    assert.matches("token: <redacted>", bout, 1, true)
    assert_clean { ["list stdout"] = lout, ["list stderr"] = lerr, ["build stdout"] = bout, ["build stderr"] = berr }
  end)

  it("still shows them where users ask for the values: template and write-values", function()
    local code, out, err = hfl { "template" }
    assert.equal(0, code, err)
    assert.truthy(out:find(RELEASE_SECRET, 1, true))
    assert.truthy(out:find(b64(RELEASE_SECRET), 1, true))
    assert.truthy(out:find(ENV_SECRET, 1, true))
    local wcode, _, werr = hfl { "write-values", "--output-file-template", dir .. "/out/{{ .Release.Name }}.yaml" }
    assert.equal(0, wcode, werr)
    assert.truthy(assert(read(dir .. "/out/app.yaml")):find(RELEASE_SECRET, 1, true))
  end)
end)
