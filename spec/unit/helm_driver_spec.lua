-- Specs of hfl.helm.prepare/run and State:template/State:lint through the Lua API, against
-- the real helm 3 and helm 4 binaries (.deps/bin/helm3, helm4) on the local charts of
-- spec/fixtures/helm. No server is started: everything here is client-side helm.
local hfl = require "hfl"
local helm = require "hfl.helm"
local fs = require "hfl.fs"
local proc = require "hfl.proc"

local ROOT = fs.cwd()
local FIX = ROOT .. "/spec/fixtures/helm/"
local BIN = ROOT .. "/.deps/bin/"

local function sh(cmd)
  local p = io.popen(cmd)
  local out = p:read("*a")
  p:close()
  return (out:gsub("\n$", ""))
end

local function mode(path) return sh("stat -c %a " .. path) end

local function session(bin, extra)
  local o = { helm_binary = BIN .. bin, concurrency = 4 }
  for k, v in pairs(extra or {}) do o[k] = v end
  return require("hfl.session").new(o)
end

local function load(file, s)
  return assert(hfl.load { file = FIX .. file, session = s })
end

local function by_name(st)
  local m = {}
  for _, r in ipairs(st:releases()) do m[r.name] = r end
  return m
end

local function names(list)
  local out = {}
  for i, x in ipairs(list) do out[i] = x.release.name end
  return out
end

local function concat(list)
  local b = {}
  for i, x in ipairs(list) do b[i] = x.manifest end
  return table.concat(b)
end

-- A helm that logs "start"/"end" with a timestamp around the real helm, and takes `delay` s.
local function logging_helm(real, delay)
  local dir = assert(fs.mkdtemp("hfl-spec-XXXXXX"))
  local path = dir .. "/helm"
  local log = dir .. "/calls.log"
  local f = assert(io.open(path, "w"))
  f:write(("#!/bin/sh\nif [ \"$1\" = template ] || [ \"$1\" = lint ]; then\n"
    .. "  echo \"start $(date +%%s.%%N)\" >> %s\n  sleep %s\n  %s \"$@\"; rc=$?\n"
    .. "  echo \"end $(date +%%s.%%N)\" >> %s\n  exit $rc\nfi\nexec %s \"$@\"\n")
    :format(log, tostring(delay), real, log, real))
  f:close()
  os.execute("chmod +x " .. path)
  return path, log, dir
end

-- The most helm processes that ran at once, from the start/end log.
local function peak(log)
  local events = {}
  for l in io.lines(log) do
    local kind, t = l:match("^(%a+) ([%d.]+)$")
    events[#events + 1] = { t = tonumber(t), d = kind == "start" and 1 or -1 }
  end
  table.sort(events, function(a, b) return a.t < b.t or (a.t == b.t and a.d < b.d) end)
  local n, most, starts = 0, 0, 0
  for _, e in ipairs(events) do
    n = n + e.d
    if e.d > 0 then starts = starts + 1 end
    if n > most then most = n end
  end
  return most, starts
end

for _, bin in ipairs { "helm3", "helm4" } do
  describe("hfl.helm with " .. bin .. " #unit", function()
    describe("prepare()", function()
      it("writes the merged values once to a 0600 file in the session's 0700 tempdir", function()
        local s = session(bin)
        local st = load("helmfile.yaml", s)
        local prep = assert(helm.prepare(s, by_name(st).db, { set = { "cli=yes" } }))
        assert.equal(s:tempdir(), fs.dirname(prep.values_file))
        assert.equal("700", mode(s:tempdir()))
        assert.equal("600", mode(prep.values_file))
        local written = require("hfl.yaml").decode(assert(fs.read(prep.values_file)))
        assert.same({ extra = "from-set", cli = "yes" }, { extra = written.extra, cli = written.cli })
        assert.equal(FIX .. "charts/hello", prep.chart)
        assert.equal("0.1.0", prep.chart_version)
        assert.equal(bin:sub(-1), prep.major)
        prep:cleanup()
        assert.is_false(fs.exists(prep.values_file))
        local dir = s:tempdir()
        s:close()
        assert.is_false(fs.exists(dir))
        s:close()  -- idempotent
      end)

      it("with defer_values_file writes the values file only when asked (a native render reads the text)", function()
        local s = session(bin)
        local st = load("helmfile.yaml", s)
        local eager = assert(helm.prepare(s, by_name(st).db, { set = { "cli=yes" } }))
        local prep = assert(helm.prepare(s, by_name(st).db, { set = { "cli=yes" }, defer_values_file = true }))
        assert.equal(eager.digest, prep.digest)
        assert.is_false(fs.exists(prep.values_file))
        assert.equal(assert(fs.read(eager.values_file)), prep.values_text)
        prep:cleanup()
        assert(prep:write_values_file())
        assert.equal("600", mode(prep.values_file))
        assert.equal(assert(fs.read(eager.values_file)), assert(fs.read(prep.values_file)))
        prep:cleanup()
        assert.is_false(fs.exists(prep.values_file))
        s:close()
      end)

      it("gives a digest that is the same in another process and changes with values and chart", function()
        local s = session(bin)
        local st = load("helmfile.yaml", s)
        local r = by_name(st).app
        local a = assert(helm.prepare(s, r, {})).digest
        assert.matches("^%x+$", a)
        assert.equal(64, #a)
        local other = sh(("cd %s && luajit -e 'package.path=\"./?.lua;\"..package.path; local hfl=require \"hfl\";"
          .. " local s=require(\"hfl.session\").new{helm_binary=%q}; local st=assert(hfl.load{file=%q, session=s});"
          .. " for _, r in ipairs(st:releases()) do if r.name==\"app\" then io.write(assert(require(\"hfl.helm\").prepare(s, r, {})).digest) end end; s:close()'")
          :format(ROOT, BIN .. bin, FIX .. "helmfile.yaml"))
        assert.equal(a, other)
        assert.not_equal(a, assert(helm.prepare(s, r, { set = { "greeting=changed" } })).digest)
        assert.not_equal(a, assert(helm.prepare(s, r, { kube_version = "1.28.0" })).digest)
        -- a copy of the chart with one file changed
        local copy = assert(fs.mkdtemp("hfl-spec-XXXXXX"))
        os.execute(("cp -r %s %s/hello"):format(FIX .. "charts/hello", copy))
        assert.equal(helm.chart_digest(FIX .. "charts/hello"), helm.chart_digest(copy .. "/hello"))
        local f = assert(io.open(copy .. "/hello/templates/new.yaml", "w"))
        f:write("# new\n")
        f:close()
        assert.not_equal(helm.chart_digest(FIX .. "charts/hello"), helm.chart_digest(copy .. "/hello"))
        fs.rm_r(copy, fs.dirname(copy))
        s:close()
      end)
    end)

    describe("run()", function()
      it("logs the command at debug level with --set values redacted", function()
        local lines = {}
        local log = { debug = function(f, ...) lines[#lines + 1] = f:format(...) end,
          info = function() end, warn = function() end, error = function() end }
        local s = session(bin, { log = log })
        local st = load("helmfile.yaml", s)
        local prep = assert(helm.prepare(s, by_name(st).app, {}))
        local list = assert(helm.argv.template(prep, { args = "--set password=hunter2" }))
        local res = assert(helm.run(s, list))
        assert.matches("greeting: \"hi\"", res.stdout, 1, true)
        assert.equal(1, #lines)
        assert.matches("^exec: .* template app .* %-%-set %*%*%*$", lines[1])
        assert.is_nil(lines[1]:find("hunter2", 1, true))
        s:close()
      end)

      it("returns Helmfile's failure report for a failed helm, --set values stripped", function()
        local s = session(bin)
        local st = load("lint/helmfile.yaml", s)
        local prep = assert(helm.prepare(s, by_name(st)["bad-one"], {}))
        local list = assert(helm.argv.template(prep, { args = "--set password=hunter2" }))
        local res, err = helm.run(s, list)
        assert.is_nil(res)
        assert.matches('^command ".*' .. bin .. '" exited with non%-zero status:', err)
        assert.matches("*** STRIP *** (13 bytes)", err, 1, true)
        assert.matches("values don't meet the specifications of the schema", err, 1, true)
        assert.is_nil(err:find("hunter2", 1, true))
        s:close()
      end)
    end)

    describe("State:template()", function()
      it("renders in plan order, byte for byte what sequential helm template calls print", function()
        local s = session(bin, { concurrency = 8 })
        local st = load("order/helmfile.yaml", s)
        local rendered = assert(st:template {})
        -- batches: {db, extra}, {api}, {front}
        assert.same({ "db", "extra", "api", "front" }, names(rendered))
        local seq = {}
        for _, x in ipairs(rendered) do
          local r = x.release
          local vals = assert(fs.mkdtemp("hfl-spec-XXXXXX"))
          local f = assert(io.open(vals .. "/v.yaml", "w"))
          f:write(require("hfl.yaml").encode(assert(r:values())))
          f:close()
          seq[#seq + 1] = sh(("%s template %s %s --namespace %s --values %s"):format(BIN .. bin, r.name,
            FIX .. "charts/hello", r.namespace, vals .. "/v.yaml")) .. "\n"
          fs.rm_r(vals, fs.dirname(vals))
        end
        assert.equal(table.concat(seq), concat(rendered))
        assert.matches('extra: "extra-templated"', concat(rendered), 1, true)
        local one = session(bin, { concurrency = 1 })
        assert.equal(concat(rendered), concat(assert(load("order/helmfile.yaml", one):template {})))
        s:close()
        one:close()
      end)

      it("never runs more helm processes than --concurrency, and reaches it", function()
        local path, log, dir = logging_helm(BIN .. bin, 0.3)
        local s = require("hfl.session").new { helm_binary = path, concurrency = 2 }
        local st = load("order/helmfile.yaml", s)
        assert(st:template { renderer = "helm" })
        local most, starts = peak(log)
        assert.equal(4, starts)
        assert.equal(2, most)
        s:close()
        fs.rm_r(dir, fs.dirname(dir))
      end)

      it("leaves installed: false releases out and passes the template flags", function()
        local s = session(bin)
        local st = load("helmfile.yaml", s)
        local rendered = assert(st:template { skip_tests = true, include_crds = true,
          kube_version = "1.29.3", set = { "greeting=from-cli" } })
        assert.same({ "app", "db" }, names(rendered))
        local out = concat(rendered)
        assert.is_nil(out:find("app-test", 1, true))
        assert.matches("kind: CustomResourceDefinition", out, 1, true)
        assert.matches('kubeVersion: "v1.29.3"', out, 1, true)
        assert.matches('greeting: "from-cli"', out, 1, true)
        s:close()
      end)

      it("writes each release under Helmfile's --output-dir layout", function()
        local s = session(bin)
        local st = load("helmfile.yaml", s)
        local out = assert(fs.mkdtemp("hfl-spec-XXXXXX"))
        local rendered = assert(st:template { output_dir = out })
        local sha = sh("printf %s " .. FIX .. "helmfile.yaml | sha1sum"):sub(1, 8)
        assert.equal(("%s/helmfile-%s-app"):format(out, sha), rendered[1].output_dir)
        assert.is_true(fs.exists(("%s/helmfile-%s-db/hello/templates/configmap.yaml"):format(out, sha)))
        local custom = assert(st:template { output_dir = out,
          output_dir_template = "{{ .OutputDir }}/{{ .Release.Namespace }}/{{ .Release.Name }}" })
        assert.equal(out .. "/data/db", custom[2].output_dir)
        assert.is_true(fs.exists(out .. "/web/app/hello/templates/configmap.yaml"))
        fs.rm_r(out, fs.dirname(out))
        s:close()
      end)

      it("names each failed release, renders the rest and removes every values file", function()
        local s = session(bin)
        local st = load("lint/helmfile.yaml", s)
        local rendered, err, partial = st:template {}
        assert.is_nil(rendered)
        assert.matches('^2 errors:\nerr 0: release "bad%-one": command ', err)
        assert.matches('\nerr 1: release "bad-two": command ', err, 1, true)
        assert.same({ "good", "fixed" }, names(partial))
        assert.same({}, fs.list(s:tempdir()))
        s:close()
      end)
    end)

    describe("State:lint()", function()
      it("lints every release and reports the failures together", function()
        local s = session(bin)
        local st = load("lint/helmfile.yaml", s)
        local linted, err, partial = st:lint {}
        assert.is_nil(linted)
        assert.matches('^2 errors:\nerr 0: release "bad%-one": ', err)
        assert.matches("values don't meet the specifications of the schema", err, 1, true)
        assert.matches('err 1: release "bad-two": ', err, 1, true)
        assert.same({ "good", "fixed" }, names(partial))
        assert.matches("1 chart(s) linted, 0 chart(s) failed", partial[1].output, 1, true)
        assert.same({}, fs.list(s:tempdir()))
        s:close()
      end)
    end)
  end)
end

describe("hfl.session tempdir() #unit", function()
  it("makes a new private directory after close()", function()
    local s = require("hfl.session").new()
    local a = assert(s:tempdir())
    assert.equal(a, s:tempdir())
    s:close()
    local b = assert(s:tempdir())
    assert.not_equal(a, b)
    assert.is_true(fs.is_dir(b))
    s:close()
    assert.is_false(fs.exists(b))
    assert.is_nil(proc.interrupted())
  end)
end)
