-- The parts of hfl doctor that need no server: the last redaction pass, the configuration
-- layers, reading a model's answer, and the report formats.
local redact = require "hfl.doctor.redact"
local config = require "hfl.doctor.config"
local llm = require "hfl.doctor.llm"
local report = require "hfl.doctor.report"
local json = require "hfl.json"

describe("hfl.doctor #unit", function()
  describe("redact.text()", function()
    it("redacts a Secret's data values in hfl's diff, keeping keys and hfl's own masks", function()
      local text = table.concat({
        "apps, api, Secret (v1) has changed:",
        "  apiVersion: v1",
        "  data:",
        "-   old: 'REDACTED # (5 bytes)'",
        "+   leaked: c2VjcmV0",
        "  kind: Secret",
        "apps, api, ConfigMap (v1) has changed:",
        "  data:",
        "+   color: blue",
      }, "\n") .. "\n"
      local out, n = redact.text(text)
      assert.equal(1, n)
      assert.matches("+   leaked: <REDACTED>\n", out, 1, true)
      assert.matches("-   old: 'REDACTED # (5 bytes)'", out, 1, true)
      assert.matches("+   color: blue\n", out, 1, true)
    end)

    it("redacts credential-named keys, JWTs and long base64 anywhere", function()
      local jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXBhcnQ"
      local long = ("QUJD"):rep(12)
      local out, n = redact.text("+   db.password: hunter2\n+   API_KEY: abc\n"
        .. "+   note: " .. jwt .. "\n+   blob: " .. long .. "\n+   name: web\n")
      assert.equal(4, n)
      assert.is_nil(out:find("hunter2", 1, true))
      assert.is_nil(out:find(jwt, 1, true))
      assert.is_nil(out:find(long, 1, true))
      assert.matches("+   name: web\n", out, 1, true)
    end)
  end)

  describe("redact.text() on credential names inside longer keys", function()
    it("redacts DB_PASSWORD-like keys, env values named so and block scalars, not references", function()
      local out, n = redact.text(table.concat({
        "+   DB_PASSWORD: hunter2",
        "+   adminPassword: \"hunter3\"",
        "+   aws_secret_access_key: AKIA-example",
        "+   secretName: my-secret",
        "          env:",
        "            - name: POSTGRES_PASSWORD",
        "-             value: old-pw",
        "+             value: new-pw",
        "            - name: HOST",
        "              value: db",
        "+   password: |",
        "+     block-pw",
        "+   next: 1",
      }, "\n") .. "\n")
      for _, s in ipairs { "hunter2", "hunter3", "AKIA-example", "old-pw", "new-pw", "block-pw" } do
        assert.is_nil(out:find(s, 1, true), s .. " in:\n" .. out)
      end
      assert.equal(6, n)
      assert.matches("+   DB_PASSWORD: <REDACTED>\n", out, 1, true)
      assert.matches("+   secretName: my-secret\n", out, 1, true)
      assert.matches("            - name: HOST\n              value: db\n", out, 1, true)
      assert.matches("+   password: <REDACTED>\n+   next: 1\n", out, 1, true)
    end)
  end)

  describe("config", function()
    it("reads Go durations", function()
      assert.equal(90, config.parse_duration("90s"))
      assert.equal(5400, config.parse_duration("1h30m"))
      assert.equal(0.5, config.parse_duration("500ms"))
      assert.is_nil(config.parse_duration("soon"))
      assert.is_nil(config.parse_duration("90"))
    end)

    it("lets a later layer's set fields win and empty ones fall through", function()
      local env = config.from_env(function(k)
        return ({ HELMFILE_LLM_API_KEY = "e", HELMFILE_LLM_MODEL = "em", HELMFILE_LLM_TIMEOUT = "bad" })[k]
      end)
      assert.is_nil(env.timeout)
      local flags = assert(config.from_options { llm_model = "fm", llm_api_key = "" })
      local cfg = config.merge(env, { base_url = "http://x/v1" }, flags)
      assert.same({ api_key = "e", model = "fm", base_url = "http://x/v1" }, cfg)
      assert.is_true(config.configured(cfg))
      assert.is_false(config.configured { model = "m" })
    end)

    it("names the state file and field of a bad llm: block", function()
      local _, err = config.from_block({ timeout = "later" }, "helmfile.yaml")
      assert.equal("helmfile.yaml: llm.timeout later is not a duration (write it as 90s, 2m or 1h30m)", err)
    end)
  end)

  describe("llm.parse_answer()", function()
    it("reads JSON in a fence or in prose, high risks first", function()
      local a = assert(llm.parse_answer('Here you go:\n{"summary":"s","risks":[{"level":"low","category":"c1"},'
        .. '{"level":"high","category":"c2"},{"level":"medium","category":"c3"}]} Bye.'))
      assert.equal("s", a.summary)
      assert.same({ "c2", "c3", "c1" }, { a.risks[1].category, a.risks[2].category, a.risks[3].category })
      assert.equal("x", assert(llm.parse_answer('```json\n{"summary":"x","risks":[]}\n```')).summary)
    end)

    it("says when the model reports an error or answers no JSON", function()
      local _, err = llm.parse_answer('{"error":"diff too large"}')
      assert.equal("llm: the model reported an error: diff too large", err)
      _, err = llm.parse_answer("I cannot help with that.")
      assert.matches("^llm: the model's answer is not a JSON object", err)
    end)

    it("cuts a long diff and says so", function()
      local p = llm.user_prompt(("x"):rep(llm.MAX_DIFF_BYTES + 10), { environment = "prod" })
      assert.matches('^Context %(JSON%):\n  {"environment":"prod"}', p)
      assert.matches(("[diff cut: %d bytes in all, the first %d sent]"):format(llm.MAX_DIFF_BYTES + 10,
        llm.MAX_DIFF_BYTES), p, 1, true)
    end)
  end)

  describe("report", function()
    it("formats durations as Go does", function()
      assert.equal("8.2s", report.go_duration(8.2))
      assert.equal("350ms", report.go_duration(0.35))
      assert.equal("1m2.5s", report.go_duration(62.5))
      assert.equal("0s", report.go_duration(0))
    end)

    it("writes risks as an empty list when the model saw none, and no risks without analysis", function()
      local r = { diff_text = "d", secrets_redacted = 0, model = "m", duration = 1,
        analysis = { summary = "ok", risks = {}, affected_resources = {} } }
      local doc = json.decode(report.json(r, 0))
      assert.equal(0, #doc.risks)
      assert.equal("1970-01-01T00:00:00Z", doc.timestamp)
      assert.matches("_No risks identified._", report.text(r), 1, true)
      r.analysis, r.llm_error = nil, "llm: down"
      doc = json.decode(report.json(r, 0))
      assert.is_nil(doc.risks)
      assert.equal("llm: down", doc.llm_error)
    end)
  end)
end)
