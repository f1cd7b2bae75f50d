-- hfl.state.load: environments, values files, secrets, missingFileHandler and the layering of
-- state values (compat §3). #unit
local loader = require "hfl.state.load"
local value = require "hfl.value"
local yaml = require "hfl.yaml"
local T = require "fixtures.state.loader.tree"

local function load(dir, opts)
  opts = opts or {}
  opts.cwd = dir
  opts.session = opts.session or T.session()
  return loader.load(opts)
end

local function enc(v) return yaml.encode(v) end

local ENV_PART = "---\nreleases: []\n"

describe("hfl.state.load #unit", function()
  after_each(function()
    T.restore_env()
    T.cleanup()
  end)

  describe("environments", function()
    it("loads without environments in the default environment", function()
      local dir = T.tree { ["helmfile.yaml"] = "values:\n- a: 1\nreleases: []\n" }
      local st = assert(load(dir))[1]
      assert.are.equal("default", st.environment.name)
      assert.are.equal(1, st.values.a)
      assert.are.equal("", st.environment.kubeContext)
    end)

    it("skips a state that does not define the selected environment and says why", function()
      local dir = T.tree { ["helmfile.yaml"] = "environments:\n  prod: {}\n" .. ENV_PART }
      local states, err, skipped = load(dir, { environment = "staging" })
      assert.is_nil(err)
      assert.are.same({}, states)
      assert.are.equal(1, #skipped)
      assert.are.equal('failed to read helmfile.yaml: environment "staging" is not defined; defined: prod',
        skipped[1].error)
      assert.are.equal(dir .. "/helmfile.yaml", skipped[1].path)
    end)

    it("skips a state without environments for a named environment", function()
      local dir = T.tree { ["helmfile.yaml"] = "releases: []\n" }
      local states, _, skipped = load(dir, { environment = "prod" })
      assert.are.same({}, states)
      assert.are.equal(1, #skipped)
    end)

    it("keeps a state without environments when state values are given (Helmfile's quirk)", function()
      local dir = T.tree { ["helmfile.yaml"] = "releases: []\n" }
      local states, _, skipped = load(dir, { environment = "prod", state_values_set = { "a=1" } })
      assert.are.equal(1, #states)
      assert.are.equal(0, #skipped)
      assert.are.equal("prod", states[1].environment.name)
    end)

    it("skips a sub-helmfile missing the environment but keeps its parent", function()
      local dir = T.tree {
        ["helmfile.yaml"] = "environments:\n  prod: {}\n---\nhelmfiles:\n- child.yaml\nreleases: []\n",
        ["child.yaml"] = "releases: []\n",
      }
      local states, err, skipped = load(dir, { environment = "prod" })
      assert.is_nil(err)
      assert.are.equal(1, #states)
      assert.are.equal("helmfile.yaml", states[1].name)
      assert.are.equal('helmfile.yaml → failed to read child.yaml: environment "prod" is not defined; '
        .. "the file defines no environments", skipped[1].error)
    end)

    it("accepts an environment with a null body", function()
      local dir = T.tree { ["helmfile.yaml"] = "environments:\n  prod:\n" .. ENV_PART }
      local states = assert(load(dir, { environment = "prod" }))
      assert.are.equal(1, #states)
    end)

    it("exposes kubeContext as .Environment.KubeContext", function()
      local dir = T.tree { ["helmfile.yaml.gotmpl"] = "environments:\n  prod:\n    kubeContext: c1\n---\n"
        .. "releases:\n- name: '{{ .Environment.KubeContext }}'\n" }
      local st = assert(load(dir, { environment = "prod" }))[1]
      assert.are.equal("c1", st.environment.kubeContext)
      assert.are.equal("c1", st.doc.releases[1].name)
    end)
  end)

  describe("environment values", function()
    it("merges files and inline maps in order, later winning", function()
      local dir = T.tree {
        ["a.yaml"] = "x: a\ny: a\nl: [1, 2]\n",
        ["b.yaml"] = "y: b\nl: [3]\n",
        ["helmfile.yaml"] = "environments:\n  default:\n    values:\n    - a.yaml\n    - b.yaml\n    - z: inline\n" .. ENV_PART,
      }
      local st = assert(load(dir))[1]
      assert.are.equal("l:\n  - 3\nx: a\n\"y\": b\nz: inline\n", enc(st.values))
    end)

    it("expands globs sorted", function()
      local dir = T.tree {
        ["env/2.yaml"] = "k: two\n", ["env/1.yaml"] = "k: one\nfirst: true\n",
        ["helmfile.yaml"] = "environments:\n  default:\n    values:\n    - env/*.yaml\n" .. ENV_PART,
      }
      local st = assert(load(dir))[1]
      assert.are.same({ "two", true }, { st.values.k, st.values.first })
    end)

    it("sets null inside one values list (mergo override)", function()
      local dir = T.tree {
        ["a.yaml"] = "x: 1\n", ["b.yaml"] = "x: null\n",
        ["helmfile.yaml"] = "environments:\n  default:\n    values:\n    - a.yaml\n    - b.yaml\n" .. ENV_PART,
      }
      local st = assert(load(dir))[1]
      assert.are.equal(value.null, st.values.x)
    end)

    it("renders .gotmpl values files with the values of earlier parts", function()
      local dir = T.tree {
        ["v.yaml.gotmpl"] = "host: {{ .Values.name }}.{{ .Environment.Name }}\n",
        ["helmfile.yaml"] = "values:\n- name: app\n---\nenvironments:\n  prod:\n    values:\n    - v.yaml.gotmpl\n" .. ENV_PART,
      }
      local st = assert(load(dir, { environment = "prod" }))[1]
      assert.are.equal("app.prod", st.values.host)
    end)

    it("lets earlier files win under mergeStrategy fallback, and shows them to later templates", function()
      local dir = T.tree {
        ["a.yaml"] = "x: first\nflag: false\n", ["b.yaml"] = "x: second\nflag: true\nonly: b\n",
        ["c.yaml.gotmpl"] = "seen: {{ .Values.x }}\n",
        ["helmfile.yaml"] = "environments:\n  default:\n    mergeStrategy: fallback\n    values:\n    - a.yaml\n    - b.yaml\n    - c.yaml.gotmpl\n" .. ENV_PART,
      }
      local st = assert(load(dir))[1]
      assert.are.same({ "first", false, "b", "first" }, { st.values.x, st.values.flag, st.values.only, st.values.seen })
    end)

    it("rejects an unknown mergeStrategy", function()
      local dir = T.tree { ["helmfile.yaml"] = "environments:\n  default:\n    mergeStrategy: deep\n    values:\n    - a: 1\n" .. ENV_PART }
      local _, err = load(dir)
      assert.are.equal('failed to read helmfile.yaml: environment "default": invalid mergeStrategy "deep" '
        .. '(must be "override" or "fallback")', err)
    end)

    it("fails on a missing values file by default", function()
      local dir = T.tree { ["helmfile.yaml"] = "environments:\n  default:\n    values:\n    - nope.yaml\n" .. ENV_PART }
      local _, err = load(dir)
      assert.are.equal('helmfile.yaml:4: environment values file matching "nope.yaml" does not exist in "."'
        .. " (set missingFileHandler: Warn to skip a missing file)", err)
    end)

    for _, case in ipairs { { "Warn", "warn", "warning: " }, { "Info", "info", "" }, { "Debug", "debug", "" } } do
      it("logs a missing values file at " .. case[2] .. " level under missingFileHandler: " .. case[1], function()
        local dir = T.tree { ["helmfile.yaml"] = "environments:\n  default:\n    missingFileHandler: " .. case[1]
          .. "\n    values:\n    - nope.yaml\n    - a: 1\n" .. ENV_PART }
        local lines, stop = T.capture_log(case[2])
        local states, err = load(dir)
        stop()
        assert.is_nil(err)
        assert.are.equal(1, states[1].values.a)
        assert.are.equal(case[3] .. 'skipping missing environment values file matching "nope.yaml"\n', lines[#lines])
      end)
    end

    it("resolves a sub-helmfile's values files against its own directory", function()
      local dir = T.tree {
        ["helmfile.yaml"] = "helmfiles:\n- sub/child.yaml\n",
        ["sub/child.yaml"] = "environments:\n  default:\n    values:\n    - v.yaml\n    - gone.yaml\n" .. ENV_PART,
        ["sub/v.yaml"] = "a: 1\n",
      }
      local _, err = load(dir)
      assert.are.equal('helmfile.yaml → sub/child.yaml:5: environment values file matching "gone.yaml" '
        .. 'does not exist in "sub" (set missingFileHandler: Warn to skip a missing file)', err)
    end)

    it("uses the top-level missingFileHandler for environment files", function()
      local dir = T.tree { ["helmfile.yaml"] = "missingFileHandler: Debug\nenvironments:\n  default:\n    values:\n    - nope.yaml\n" .. ENV_PART }
      local states, err = load(dir)
      assert.is_nil(err)
      assert.are.equal(1, #states)
    end)

    it("rejects an unknown missingFileHandler", function()
      local dir = T.tree { ["helmfile.yaml"] = "environments:\n  default:\n    missingFileHandler: Ignore\n    values:\n    - nope.yaml\n" .. ENV_PART }
      local _, err = load(dir)
      assert.matches('invalid missing file handler "Ignore" while processing "nope.yaml" in "helmfile.yaml": '
        .. "it must be one of [Error Warn Info Debug]", err, 1, true)
    end)

    it("evaluates HCL values files through hfl.hcl", function()
      local dir = T.tree { ["v.hcl"] = "values {\n  a = 1\n}\n", ["helmfile.yaml"] = "environments:\n  default:\n    values:\n    - v.hcl\n" .. ENV_PART }
      local states, err = load(dir)
      assert.is_nil(err)
      assert.are.equal(1, states[1].values.a)
    end)

    it("evaluates .lua values files through hfl.state.luafile", function()
      local dir = T.tree { ["v.lua"] = "return { a = 1 }\n", ["helmfile.yaml"] = "environments:\n  default:\n    values:\n    - v.lua\n" .. ENV_PART }
      local states, err = load(dir)
      if pcall(require, "hfl.state.luafile") then
        assert.is_nil(err)
        assert.are.equal(1, states[1].values.a)
      else
        assert.matches("helmfile.lua support is not available yet", err, 1, true)
      end
    end)
  end)

  describe("secrets", function()
    it("decrypts secrets with HFL_SECRETS_DECRYPT and lets them override values", function()
      T.setenv("HFL_SECRETS_DECRYPT", "sh " .. T.decrypter)
      local dir = T.tree {
        ["s.yaml"] = T.encrypt("password: s3cret\nuser: fromsecret\n"),
        ["helmfile.yaml"] = "environments:\n  default:\n    secrets:\n    - s.yaml\n    values:\n    - user: plain\n      other: 1\n" .. ENV_PART,
      }
      local st = assert(load(dir))[1]
      assert.are.same({ "s3cret", "fromsecret", 1 }, { st.values.password, st.values.user, st.values.other })
    end)

    it("merges several secrets in list order and decrypts each file once", function()
      local calls = {}
      local dir = T.tree {
        ["a.yaml"] = "k: a\nonly: a\n", ["b.yaml"] = "k: b\n",
        ["helmfile.yaml"] = "environments:\n  default:\n    secrets:\n    - a.yaml\n    - b.yaml\n" .. ENV_PART,
      }
      local st = assert(load(dir, { secrets_decrypt = function(p)
        calls[#calls + 1] = p
        local f = assert(io.open(p))
        local s = f:read("*a")
        f:close()
        return s
      end }))[1]
      assert.are.same({ "b", "a" }, { st.values.k, st.values.only })
      assert.are.equal(2, #calls)
    end)

    it("reports a secret that does not decrypt", function()
      T.setenv("HFL_SECRETS_DECRYPT", "sh " .. T.decrypter)
      local dir = T.tree { ["s.yaml"] = "plain: text\n", ["helmfile.yaml"] = "environments:\n  default:\n    secrets:\n    - s.yaml\n" .. ENV_PART }
      local _, err = load(dir)
      assert.matches("failed loading environment secrets with 1 errors", err, 1, true)
      assert.matches('failed to load environment secrets file "' .. dir .. '/s.yaml"', err, 1, true)
      assert.matches("is not encrypted", err, 1, true)
    end)
  end)

  describe("state values layering", function()
    local function tree()
      return T.tree {
        ["env.yaml"] = "a: env\nb: env\nc: env\nl: [e1, e2]\nkeep: env\n",
        ["over.yaml"] = "b: file\nc: file\nl: [f1]\nkeep: null\n",
        ["helmfile.yaml"] = "values:\n- a: default\n  b: default\n  d: default\nenvironments:\n  default:\n    values:\n    - env.yaml\n" .. ENV_PART,
      }
    end

    it("layers Defaults ← environment ← --state-values-file ← --state-values-set", function()
      local dir = tree()
      local st = assert(load(dir, { state_values_files = { "over.yaml" }, state_values_set = { "c=set" } }))[1]
      assert.are.same({ "env", "file", "set", "default" }, { st.values.a, st.values.b, st.values.c, st.values.d })
      -- a list of the file replaces; a null of a higher layer never clears a key
      assert.are.equal("l:\n  - f1\n", enc(value.map { l = st.values.l }))
      assert.are.equal("env", st.values.keep)
    end)

    it("keeps top-level values out of .Environment.Values", function()
      local st = assert(load(tree(), { state_values_set = { "c=set" } }))[1]
      assert.is_nil(st.environment.values.d)
      assert.are.equal("set", st.environment.values.c)
      assert.are.equal("default", st.values.d)
    end)

    it("merges --state-values-set lists element by element", function()
      local st = assert(load(tree(), { state_values_set = { "l[1]=x" } }))[1]
      assert.are.equal("l:\n  - e1\n  - x\n", enc(value.map { l = st.values.l }))
    end)

    it("lets --state-values-set win over --state-values-set-string", function()
      local st = assert(load(tree(), { state_values_set_string = { "a=str,n=1" }, state_values_set = { "a=set" } }))[1]
      assert.are.same({ "set", "1" }, { st.values.a, st.values.n })
    end)

    it("reads --state-values-file against the current directory and fails when it is missing", function()
      local dir = tree()
      local _, err = load(dir, { state_values_files = { "missing.yaml" } })
      assert.are.equal('environment values file matching "missing.yaml" does not exist in "."', err)
    end)

    it("renders a .gotmpl --state-values-file", function()
      local dir = T.tree { ["o.yaml.gotmpl"] = "e: {{ .Environment.Name }}\n",
        ["helmfile.yaml"] = "environments:\n  prod: {}\n" .. ENV_PART }
      local st = assert(load(dir, { environment = "prod", state_values_files = { "o.yaml.gotmpl" } }))[1]
      assert.are.equal("prod", st.values.e)
    end)

    it("shows --state-values-set to every part's templates", function()
      local dir = T.tree { ["helmfile.yaml.gotmpl"] = "releases:\n- name: r-{{ .Values.x }}-{{ .Environment.Values.x }}\n" }
      local st = assert(load(dir, { state_values_set = { "x=1" } }))[1]
      assert.are.equal("r-1-1", st.doc.releases[1].name)
    end)

    it("accumulates the values of every part", function()
      local dir = T.tree { ["helmfile.yaml.gotmpl"] = [[
values:
- a: 1
---
values:
- b: {{ .Values.a }}
---
environments:
  default:
    values:
    - c: {{ add .Values.a .Values.b }}
---
releases: []
]] }
      local st = assert(load(dir))[1]
      assert.are.same({ 1, 1, 2 }, { st.values.a, st.values.b, st.values.c })
    end)
  end)
end)
