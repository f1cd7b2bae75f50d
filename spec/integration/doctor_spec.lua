-- hfl doctor through ./hfl on the fake cluster, reviewed by a real local Chat Completions server
-- (spec/support/servers/llm.py on 127.0.0.1): what is sent (model, the diff, no secret), what
-- is printed (the Markdown and JSON reports), the exit codes (2 on a high risk, 0 with --force)
-- and the configuration layers (HELMFILE_LLM_* < llm: < --llm-*); with no LLM, `hfl diff`.
local fakecluster = require "spec.support.fakecluster"
local servers = require "spec.support.servers"
local files = require "spec.support.files"
local json = require "hfl.json"
local num = require("hfl.value").tonumber
local b64 = require("hfl.stdlib.encoding").b64encode
local write = files.write

local SECRET = "S3cret-From-Secrets-File"     -- decrypted from secrets.yaml: tainted
local PLAIN_PASSWORD = "hunter2-in-plain-values"  -- a plain value under a password key
local URL_PASSWORD = "Pw-In-Url-123"               -- the password of a URL in a ConfigMap
local DECRYPT = (os.getenv("PWD") or ".") .. "/spec/support/fake-decrypt.sh"

local CHART = {
  ["Chart.yaml"] = "apiVersion: v2\nname: app\nversion: 1.0.0\n",
  ["values.yaml"] = "greeting: hello\npassword: none\ndbPassword: none\n"
    .. "dsn: postgres://admin:" .. URL_PASSWORD .. "@db:5432/app\n",
  ["templates/cm.yaml"] = [[
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}
data:
  greeting: {{ .Values.greeting | quote }}
  password: {{ .Values.dbPassword | quote }}
  dsn: {{ .Values.dsn | quote }}
---
apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}
data:
  password: {{ .Values.password | b64enc }}
]],
}

local HIGH = json.encode {
  summary = "Adds the api release: a ConfigMap and a Secret.",
  risks = {
    { level = "low", category = "best-practice", description = "The image tag is mutable.",
      suggestion = "Pin the tag." },
    { level = "high", category = "security", description = "The Secret is readable by every pod.",
      suggestion = "Restrict it with RBAC." },
  },
  affected_resources = { "ConfigMap/api", "Secret/api" },
}

local LOW = '```json\n{"summary": "Only a greeting changes.", "risks": [{"level": "low", '
  .. '"category": "best-practice", "description": "Cosmetic."}]}\n```'

describe("hfl doctor #integration", function()
  local fc, dir, llm

  local function hfl(args, env)
    local e = { HFL_SECRETS_DECRYPT = DECRYPT, NO_COLOR = "1", HELMFILE_LLM_API_KEY = false,
      HELMFILE_LLM_MODEL = false, HELMFILE_LLM_BASE_URL = false }
    for k, v in pairs(env or {}) do e[k] = v end
    return fc:hfl(args, { cwd = dir, env = e })
  end

  local function flags(extra)
    local l = { "doctor", "--llm-base-url", llm.url, "--llm-api-key", "sk-test-key", "--llm-model",
      "review-model" }
    for _, a in ipairs(extra or {}) do l[#l + 1] = a end
    return l
  end

  local function assert_no_secret(text, name)
    for _, s in ipairs { SECRET, b64(SECRET), PLAIN_PASSWORD, b64(PLAIN_PASSWORD), URL_PASSWORD } do
      assert.is_nil(text:find(s, 1, true), ("%s shows %q:\n%s"):format(name, s, text))
    end
  end

  setup(function()
    llm = servers.llm()
  end)

  teardown(function()
    llm:stop()
  end)

  before_each(function()
    fc = fakecluster.new { helm = 4 }
    dir = servers.tmpdir()
    files.tree(dir .. "/charts/app", CHART)
    write(dir .. "/helmfile.yaml", ([[
releases:
  - name: api
    namespace: apps
    chart: ./charts/app
    secrets: [secrets.yaml]
    values:
      - dbPassword: %s
]]):format(PLAIN_PASSWORD))
    write(dir .. "/secrets.yaml", "ENC\n" .. b64("password: " .. SECRET .. "\n") .. "\n")
    llm:clear()
    llm:behave { content = HIGH }
  end)

  after_each(function()
    fc:cleanup()
    servers.cleanup()
  end)

  it("sends the redacted diff to the model and prints its review; a high risk exits 2", function()
    local code, out, err = hfl(flags())
    assert.equal(2, code, err)
    assert.matches("doctor: high-severity risk detected (override with --force)", err, 1, true)
    local reqs = llm:requests()
    assert.equal(1, #reqs)
    local req = reqs[1]
    assert.equal("/v1/chat/completions", req.path)
    assert.equal("Bearer sk-test-key", req.headers.Authorization)
    assert.equal("review-model", req.json.model)
    assert.equal("json_object", req.json.response_format.type)
    assert.equal(4096, num(req.json.max_tokens))
    assert.equal("system", req.json.messages[1].role)
    local user = req.json.messages[2].content
    assert.matches("apps, api, ConfigMap (v1) has been added:", user, 1, true)
    assert.matches("greeting: hello", user, 1, true)
    assert.matches('"releases":["api"]', user, 1, true)
    assert.matches("password: <REDACTED>", user, 1, true)
    assert.matches("dsn: postgres://db:5432/app", user, 1, true)
    assert_no_secret(req.body, "the request")
    -- the report: high risk first, the affected resources, the footer
    assert.matches("# Helmfile Doctor Report", out, 1, true)
    assert.matches("## Summary\n\nAdds the api release: a ConfigMap and a Secret.", out, 1, true)
    local high = out:find("### 🔴 [HIGH] security", 1, true)
    local low = out:find("### 🟢 [LOW] best-practice", 1, true)
    assert.truthy(high and low and high < low, out)
    assert.matches("**Suggestion:** Restrict it with RBAC.", out, 1, true)
    assert.matches("- Secret/api", out, 1, true)
    assert.matches("Model: review%-model | Duration: %d+ms | Secrets redacted: [1-9]", out)
    assert_no_secret(out .. err, "the output")
  end)

  it("exits 0 with --force and prints the JSON report with --output json", function()
    local code, out, err = hfl(flags { "--force", "--output", "json" })
    assert.equal(0, code, err)
    local doc = assert(json.decode(out))
    assert.equal("Adds the api release: a ConfigMap and a Secret.", doc.summary)
    assert.equal("high", doc.risks[1].level)
    assert.equal("security", doc.risks[1].category)
    assert.equal("low", doc.risks[2].level)
    assert.same({ "ConfigMap/api", "Secret/api" }, { doc.affected_resources[1], doc.affected_resources[2] })
    assert.matches("ConfigMap (v1) has been added", doc.diff, 1, true)
    assert.truthy(num(doc.secrets_redacted) > 0)
    assert.equal("review-model", doc.model)
    assert.matches("^%d", doc.duration)
    assert.matches("^%d%d%d%d%-%d%d%-%d%dT", doc.timestamp)
    assert.is_nil(doc.llm_error)
    assert_no_secret(out, "the JSON report")
  end)

  it("exits 0 on low risks, reading a fenced answer", function()
    llm:behave { content = LOW }
    local code, out, err = hfl(flags())
    assert.equal(0, code, err)
    assert.matches("Only a greeting changes.", out, 1, true)
    assert.matches("### 🟢 [LOW] best-practice\n\nCosmetic.", out, 1, true)
  end)

  it("asks again without response_format when the server rejects it", function()
    llm:behave { reject_response_format = true, content = LOW }
    local code, out, err = hfl(flags())
    assert.equal(0, code, err)
    local reqs = llm:requests()
    assert.equal(2, #reqs)
    assert.truthy(reqs[1].json.response_format)
    assert.is_nil(reqs[2].json.response_format)
    assert.matches("Only a greeting changes.", out, 1, true)
  end)

  it("shows the redacted diff and the server's error, exit 0, when the call fails", function()
    llm:behave { status = 500, error = "the model is overloaded" }
    local code, out, err = hfl(flags())
    assert.equal(0, code, err)
    assert.matches("# Helmfile Doctor (degraded)", out, 1, true)
    assert.matches("LLM analysis failed: llm: chat completion failed: POST " .. llm.url
      .. "/chat/completions: HTTP 500", out, 1, true)
    assert.matches("the model is overloaded", out, 1, true)
    assert.matches("ConfigMap (v1) has been added", out, 1, true)
    assert.matches("the model is overloaded", err, 1, true)
    assert_no_secret(out .. err, "the output")
  end)

  it("does not follow a redirect: the diff is sent to the configured URL only", function()
    local elsewhere = llm.url:gsub("127%.0%.0%.1", "localhost"):gsub("/v1$", "/elsewhere/v1")
      .. "/chat/completions"
    llm:behave { redirect = elsewhere }
    local code, out, err = hfl(flags())
    assert.equal(0, code, err)
    local reqs = llm:requests()
    assert.equal(1, #reqs)
    assert.equal("/v1/chat/completions", reqs[1].path)
    assert.matches("the server redirects (HTTP 307) to " .. elsewhere .. "; hfl does not follow it",
      out, 1, true)
  end)

  it("prints no terminal escape sequence the model or the server sends", function()
    local esc = "\27]0;owned\7\27[2J\194\15531m"
    llm:behave { content = json.encode { summary = "Adds api." .. esc,
      risks = { { level = "low", category = "c" .. esc, description = "d" .. esc,
        suggestion = "s" .. esc } }, affected_resources = { "Secret/api" .. esc } } }
    local code, out, err = hfl(flags())
    assert.equal(0, code, err)
    assert.matches("Adds api.]0;owned[2J31m", out, 1, true)
    assert.matches("### 🟢 [LOW] c]0;owned[2J31m", out, 1, true)
    assert.is_nil(out:find("[\27\7]") or out:find("\194\155", 1, true), out)
    llm:behave { status = 500, error = "busy" .. esc }
    code, out, err = hfl(flags())
    assert.equal(0, code, err)
    assert.matches("busy]0;owned[2J31m", out, 1, true)
    assert.is_nil((out .. err):find("[\27\7]") or (out .. err):find("\194\155", 1, true), out .. err)
  end)

  it("says the server cannot be reached when nothing listens there", function()
    local port = servers.free_port()
    local code, out, err = hfl { "doctor", "--llm-base-url", ("http://127.0.0.1:%d/v1"):format(port),
      "--llm-api-key", "k", "--llm-model", "m", "--llm-timeout", "5s" }
    assert.equal(0, code, err)
    assert.matches(("LLM analysis failed: llm: chat completion failed: POST http://127.0.0.1:%d/v1/chat/completions: cannot connect")
      :format(port), out, 1, true)
    assert.matches("is the server up and the URL right?", err, 1, true)
  end)

  it("takes the LLM from the environment, then the state's llm: block, then the flags", function()
    write(dir .. "/helmfile.yaml", ([[
llm:
  baseURL: %s
  apiKey: yaml-key
  model: yaml-model
  maxTokens: 1000
releases:
  - name: api
    namespace: apps
    chart: ./charts/app
]]):format(llm.url))
    local env = { HELMFILE_LLM_BASE_URL = "http://127.0.0.1:1/v1", HELMFILE_LLM_API_KEY = "env-key",
      HELMFILE_LLM_MODEL = "env-model", HELMFILE_LLM_MAX_TOKENS = "77", HELMFILE_LLM_TIMEOUT = "30s" }
    local code, _, err = hfl({ "doctor", "--force" }, env)
    assert.equal(0, code, err)
    local req = llm:requests()[1]
    assert.equal("yaml-model", req.json.model)
    assert.equal("Bearer yaml-key", req.headers.Authorization)
    assert.equal(1000, num(req.json.max_tokens))
    llm:clear()
    code, _, err = hfl({ "doctor", "--force", "--llm-model", "flag-model", "--llm-max-tokens", "5" }, env)
    assert.equal(0, code, err)
    req = llm:requests()[1]
    assert.equal("flag-model", req.json.model)
    assert.equal("Bearer yaml-key", req.headers.Authorization)
    assert.equal(5, num(req.json.max_tokens))
    -- without the block, the environment alone (its base URL points at the server too)
    write(dir .. "/helmfile.yaml", "releases:\n  - name: api\n    namespace: apps\n    chart: ./charts/app\n")
    llm:clear()
    env.HELMFILE_LLM_BASE_URL = llm.url
    code, _, err = hfl({ "doctor", "--force" }, env)
    assert.equal(0, code, err)
    req = llm:requests()[1]
    assert.equal("env-model", req.json.model)
    assert.equal("Bearer env-key", req.headers.Authorization)
    assert.equal(77, num(req.json.max_tokens))
  end)

  it("is `hfl diff --context 3` with no LLM configured, secrets hidden even with --show-secrets", function()
    local dcode, dout, derr = hfl { "diff" }
    assert.equal(0, dcode, derr)
    local code, out, err = hfl { "doctor", "--show-secrets" }
    assert.equal(0, code, err)
    assert.equal(dout, out)
    assert.matches("ConfigMap (v1) has been added", out, 1, true)
    assert.is_nil(out:find(b64(SECRET), 1, true))
    local ecode = hfl { "doctor", "--detailed-exitcode" }
    assert.equal(2, ecode)
    -- a change to an installed release: three lines of context, as doctor's --context default
    assert.equal(0, (hfl { "apply" }))
    dcode, dout, derr = hfl { "diff", "--context", "3", "--set", "greeting=hi" }
    assert.equal(0, dcode, derr)
    assert.matches("ConfigMap (v1) has changed:", dout, 1, true)
    code, out, err = hfl { "doctor", "--set", "greeting=hi" }
    assert.equal(0, code, err)
    assert.equal(dout, out)
    assert.same({}, llm:requests())
  end)

  it("sends nothing when nothing changes", function()
    assert.equal(0, (hfl { "apply" }))
    local code, out, err = hfl(flags())
    assert.equal(0, code, err)
    assert.same({}, llm:requests())
    assert.matches("0 releases changed, 1 unchanged", out, 1, true)
  end)

  it("names the bad --llm-timeout", function()
    local code, _, err = hfl(flags { "--llm-timeout", "soon" })
    assert.equal(1, code)
    assert.matches('--llm-timeout "soon" is not a duration', err, 1, true)
  end)
end)
