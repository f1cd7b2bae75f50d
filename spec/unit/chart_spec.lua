-- hfl.chart: the native renderer against the real helm binaries, byte for byte, on the
-- committed fixture chart (spec/fixtures/charts/webapp, written for hfl: helpers, include,
-- toYaml | nindent, range, with, tpl, .Files, a subchart used twice through an alias, a
-- condition, tags, import-values, globals, a null deleting a default, hooks, tests, CRDs).
local chart = require "hfl.chart"
local proc = require "hfl.proc"
local hyaml = require "hfl.chart.yaml"
local value = require "hfl.value"

local FIX = "spec/fixtures/charts/webapp"
local HELMS = { ["3"] = ".deps/bin/helm3", ["4"] = ".deps/bin/helm4" }

local function helm_template(v, args)
  local argv = { HELMS[v], "template", "web", FIX, "--namespace", "apps", env = { KUBECONFIG = "/dev/null/none" } }
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  local res = assert(proc.run(argv))
  assert.are.equal(0, res.code, res.stderr)
  return res.stdout
end

local function native(v, args)
  local argv = { "helm", "template", "web", FIX, "--namespace", "apps" }
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  return chart.template_argv(argv, v)
end

local function with_schema(text, fn)
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("cp -r " .. FIX .. " " .. dir) == 0)
  local f = assert(io.open(dir .. "/values.schema.json", "w"))
  f:write(text)
  f:close()
  local ok, err = pcall(fn, dir)
  os.execute("rm -rf " .. dir)
  assert(ok, err)
end

describe("hfl.chart #unit", function()
  local cases = {
    {},
    { "--values", FIX .. "/ci/prod-values.yaml" },
    { "--include-crds", "--skip-tests" },
    { "--no-hooks", "--values", FIX .. "/ci/prod-values.yaml" },
    { "--show-only", "templates/service.yaml", "--show-only", "templates/configmap.yaml" },
    { "--kube-version", "1.29.3", "--api-versions", "example.com/v1", "--is-upgrade" },
  }
  for _, v in ipairs { "3", "4" } do
    describe("template_argv() against helm " .. v, function()
      for _, args in ipairs(cases) do
        it("prints what helm template prints with " .. (#args > 0 and table.concat(args, " ") or "default values"), function()
          local want = helm_template(v, args)
          local got, why = native(v, args)
          assert.is_nil(why)
          assert.are.equal(want, got)
        end)
      end
    end)
  end

  describe("falls back to helm", function()
    it("for a flag it does not handle, naming it", function()
      local got, why = native("3", { "--enable-dns" })
      assert.is_nil(got)
      assert.matches("--enable%-dns", why)
    end)

    it("for a template that fails, so the error is helm's own", function()
      local dir = os.tmpname()
      os.remove(dir)
      assert(os.execute("cp -r " .. FIX .. " " .. dir) == 0)
      local f = assert(io.open(dir .. "/templates/must.yaml", "w"))
      f:write('x: {{ required "set .Values.token" .Values.token }}\n')
      f:close()
      local got, why = chart.template_argv({ "helm", "template", "web", dir, "-n", "apps" }, "3")
      os.execute("rm -rf " .. dir)
      assert.is_nil(got)
      assert.matches("required: set .Values.token", why, 1, true)
    end)

    it("for values that do not meet values.schema.json, so helm reports it", function()
      with_schema('{"type": "object", "required": ["token"]}', function(dir)
        local got, why = chart.template_argv({ "helm", "template", "web", dir, "-n", "apps" }, "4")
        assert.is_nil(got)
        assert.are.equal("webapp/values.schema.json: values do not match values.schema.json", why)
      end)
    end)

    it("for a kubeVersion the Kubernetes version does not meet, where helm refuses the chart", function()
      local dir = os.tmpname()
      os.remove(dir)
      assert(os.execute("cp -r " .. FIX .. " " .. dir) == 0)
      local f = assert(io.open(dir .. "/Chart.yaml", "a"))
      f:write('kubeVersion: ">=1.25.0-0"\n')
      f:close()
      local outcomes = {}
      for _, v in ipairs { "3", "4" } do
        for _, kv in ipairs { "1.20.2", "1.24.9", "1.25.0", "1.29.3-rc.1" } do
          local argv = { "helm", "template", "web", dir, "-n", "apps", "--kube-version", kv }
          local got, why = chart.template_argv(argv, v)
          local res = assert(proc.run { HELMS[v], "template", "web", dir, "-n", "apps", "--kube-version", kv,
            env = { KUBECONFIG = "/dev/null/none" } })
          outcomes[res.code == 0] = true
          if res.code == 0 then
            assert.are.equal(res.stdout, got, why)
          else
            assert.is_nil(got)
            assert.matches("chart requires kubeVersion: >=1.25.0-0", res.stderr, 1, true)
            assert.matches("the chart's kubeVersion >=1.25.0-0 refuses Kubernetes v" .. kv, why, 1, true)
          end
        end
      end
      os.execute("rm -rf " .. dir)
      assert.is_true(outcomes[true] and outcomes[false])
    end)

    it("for a schema keyword it does not check", function()
      with_schema('{"$id": "http://example.com/values.json", "properties": {"replicaCount": {"multipleOf": 2}}}', function(dir)
        local got, why = chart.template_argv({ "helm", "template", "web", dir, "-n", "apps" }, "3")
        assert.is_nil(got)
        assert.matches("schema keyword $id", why, 1, true)
      end)
    end)
  end)

  describe("values.schema.json", function()
    it("renders natively when the values meet the schema, as helm does", function()
      local schema = [[{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
        "required": ["image"], "properties": {"replicaCount": {"type": "integer", "minimum": 1},
        "image": {"type": "object", "properties": {"pullPolicy": {"enum": ["Always", "IfNotPresent"]}}},
        "ports": {"type": "array", "items": {"$ref": "#/definitions/port"}}},
        "if": {"properties": {"ingress": {"properties": {"enabled": {"const": true}}}}},
        "then": {"required": ["nothing-such"]}, "else": {"required": ["ports"]},
        "definitions": {"port": {"type": "object", "properties": {"port": {"type": "integer"}}}}}]]
      with_schema(schema, function(dir)
        for _, v in ipairs { "3", "4" } do
          local res = assert(proc.run { HELMS[v], "template", "web", dir, "-n", "apps",
            env = { KUBECONFIG = "/dev/null/none" } })
          assert.are.equal(0, res.code, res.stderr)
          local got, why = chart.template_argv({ "helm", "template", "web", dir, "-n", "apps" }, v)
          assert.is_nil(why)
          assert.are.equal(res.stdout, got)
        end
      end)
    end)
  end)

  describe("globs", function()
    local load = require "hfl.chart.load"
    local objects = require "hfl.chart.objects"
    local function match(g, path)
      local p = load.glob_to_pattern(g)
      return p ~= nil and path:match(p) ~= nil
    end

    it("match --show-only and .helmignore patterns as Go's filepath.Match does", function()
      assert.is_true(match("templates/*.yaml", "templates/a.yaml"))
      assert.is_false(match("templates/*.yaml", "templates/x/a.yaml"))
      assert.is_true(match("*.sw[^op]", "a.swx"))
      assert.is_false(match("*.sw[^op]", "a.swp"))
      assert.is_true(match("100%.txt", "100%.txt"))
    end)

    it("match .Files.Glob patterns as gobwas/glob does: ** crosses directories, {a,b} picks", function()
      assert.is_true(objects.compile_glob("files/*")("files/a.conf"))
      assert.is_false(objects.compile_glob("files/*")("files/x/a.conf"))
      assert.is_true(objects.compile_glob("files/**")("files/x/a.conf"))
      assert.is_true(objects.compile_glob("{a,b}/*.txt")("b/x.txt"))
      assert.is_false(objects.compile_glob("{a,b}/*.txt")("c/x.txt"))
    end)
  end)

  describe("nulls", function()
    local dir = "spec/fixtures/charts/nulls"
    for _, v in ipairs { "3", "4" } do
      for _, files in ipairs { {}, { "user" }, { "disabled" }, { "disabled", "user" } } do
        it("coalesce as helm " .. v .. " coalesces them with " .. (#files > 0 and table.concat(files, ", ") or "defaults"), function()
          local args = {}
          for _, f in ipairs(files) do
            args[#args + 1] = "--values"
            args[#args + 1] = dir .. "/ci/" .. f .. "-values.yaml"
          end
          local h = { HELMS[v], "template", "n", dir, "-n", "default", env = { KUBECONFIG = "/dev/null/none" } }
          local n = { "helm", "template", "n", dir, "-n", "default" }
          for _, a in ipairs(args) do h[#h + 1] = a; n[#n + 1] = a end
          local res = assert(proc.run(h))
          assert.are.equal(0, res.code, res.stderr)
          local got, why = chart.template_argv(n, v)
          assert.is_nil(why)
          assert.are.equal(res.stdout, got)
        end)
      end
    end
  end)

  describe("Helm's YAML", function()
    for _, v in ipairs { "3", "4" } do
      it("writes toYaml and toJson of quirky strings, numbers and keys as helm " .. v .. " does", function()
        local dir = "spec/fixtures/charts/yamlquirks"
        local res = assert(proc.run { HELMS[v], "template", "q", dir, env = { KUBECONFIG = "/dev/null/none" } })
        assert.are.equal(0, res.code, res.stderr)
        local got, why = chart.template_argv({ "helm", "template", "q", dir, "--namespace", "default" }, v)
        assert.is_nil(why)
        assert.are.equal(res.stdout, got)
      end)
    end

    it("writes toYaml as go-yaml v2 does: lists under their key, v2 key order, quoted 1.1 booleans", function()
      local v = hyaml.decode("b10: 1\nb9: 2\nlist:\n- a\n- k: 'yes'\n  z: 1.5\nmsg: \"a\\nb\\n\"\n")
      assert.are.equal('b9: 2\nb10: 1\nlist:\n- a\n- k: "yes"\n  z: 1.5\nmsg: |\n  a\n  b', hyaml.encode(v))
    end)

    it("reads every number as a float64, as Helm's values are", function()
      local v = hyaml.decode("count: 1000000\ny: on\n")
      assert.are.equal("float", value.kind(v.count))
      assert.are.equal(true, v["true"], "a YAML 1.1 key y reads as true, as sigs.k8s.io/yaml reads it")
    end)
  end)
end)
