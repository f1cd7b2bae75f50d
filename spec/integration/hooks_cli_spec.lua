-- Hooks, print-env, create and init through the hfl binary (HFL_BIN): what a user sees on
-- stdout, stderr and in the exit code.
local hflrun = require "spec.support.hflrun"
local proc = require "hfl.proc"
local T = require "fixtures.state.loader.tree"

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local function hfl(dir, args, env)
  local e = { NO_COLOR = "1" }
  for k, v in pairs(env or {}) do e[k] = v end
  return hflrun.run(args, { cwd = dir, env = e })
end

-- Each hook appends its templated args to `trace` in the state's directory (sh gets them as $@).
local function tracer(indent, events, words, extra)
  local args = { '"-c"', '"echo \\"$*\\" >> trace"', '"sh"' }
  for _, w in ipairs(words) do args[#args + 1] = '"' .. w .. '"' end
  return ("%s- events: [%s]\n%s  command: sh\n%s  args: [%s]\n%s"):format(indent, events, indent, indent,
    table.concat(args, ", "), extra and (indent .. "  " .. extra .. "\n") or "")
end

local STATE = "hooks:\n"
  .. tracer("", "prepare", { "global {{ .Event.Name }} {{ .HelmfileCommand }}" }, "showlogs: true")
  .. tracer("", "cleanup", { "global {{ .Event.Name }} {{ .HelmfileCommand }}" })
  .. "releases:\n- name: api\n  namespace: apps\n  chart: ./chart\n  needs: [apps/db]\n  hooks:\n"
  .. tracer("  ", "prepare", { "api {{ .Event.Name }} {{ .Release.Namespace }}/{{ .Release.Name }}" })
  .. tracer("  ", "cleanup", { "api cleanup {{ .HelmfileCommand }}" })
  .. "- name: db\n  namespace: apps\n  chart: ./chart\n  hooks:\n"
  .. tracer("  ", "prepare", { "db {{ .Event.Name }}" })

local function project(state)
  return T.tree { ["helmfile.yaml"] = state or STATE,
    ["chart/Chart.yaml"] = "apiVersion: v2\nname: chart\nversion: 0.1.0\n" }
end

describe("hooks #integration", function()
  after_each(function() T.cleanup() end)

  it("list runs the global prepare and cleanup hooks and prints Helmfile's table unchanged", function()
    local dir = project()
    local code, out, err = hfl(dir, { "list" })
    assert.equal(0, code, err)
    assert.equal(table.concat({
      "NAME\tNAMESPACE\tENABLED\tINSTALLED\tLABELS                             \tCHART  \tVERSION",
      "api \tapps     \ttrue   \ttrue     \tchart:chart,name:api,namespace:apps\t./chart",
      "db  \tapps     \ttrue   \ttrue     \tchart:chart,name:db,namespace:apps \t./chart",
    }, "\n") .. "\n", out)
    assert.equal("global prepare list\nglobal cleanup list\n", read(dir .. "/trace"))
  end)

  it("list --skip-charts runs no hook", function()
    local dir = project()
    local code = hfl(dir, { "list", "--skip-charts" })
    assert.equal(0, code)
    assert.is_nil(read(dir .. "/trace"))
  end)

  it("build and show-dag run the release prepare hooks between the global ones", function()
    local dir = project()
    local code, out = hfl(dir, { "show-dag" })
    assert.equal(0, code)
    assert.equal("GROUP RELEASE  DEPENDENCIES\n1     apps/db\n2     apps/api apps/db\n", out)
    assert.equal("global prepare show-dag\napi prepare apps/api\ndb prepare\nglobal cleanup show-dag\n",
      read(dir .. "/trace"))
    os.remove(dir .. "/trace")
    code, out = hfl(dir, { "build" })
    assert.equal(0, code)
    assert.truthy(out:find("#  Source: " .. dir .. "/helmfile.yaml", 1, true))
    assert.equal("global prepare build\napi prepare apps/api\ndb prepare\nglobal cleanup build\n",
      read(dir .. "/trace"))
  end)

  it("write-values runs each release's cleanup hook after its file", function()
    local dir = project()
    local code, _, err = hfl(dir, { "write-values", "--output-file-template", "out/{{ .Release.Name }}.yaml" })
    assert.equal(0, code, err)
    assert.equal("global prepare write-values\napi cleanup write-values\nglobal cleanup write-values\n",
      read(dir .. "/trace"))
    assert.truthy(read(dir .. "/out/api.yaml"))
  end)

  it("shows showlogs output on stderr with Helmfile's prefix, stdout untouched", function()
    local dir = project([[
hooks:
- name: hello
  events: [prepare]
  showlogs: true
  command: printf
  args: ["one\ntwo\n"]
releases:
- name: a
  chart: ./chart
]])
    local code, out, err = hfl(dir, { "show-dag" })
    assert.equal(0, code)
    assert.equal("GROUP RELEASE DEPENDENCIES\n1     a\n", out)
    assert.equal("hook[prepare] logs | one\nhook[prepare] logs | two\n", err)
  end)

  it("fails with exit 1 and Helmfile's message when a hook fails, printing nothing on stdout", function()
    local dir = project([[
hooks:
- name: check-cluster
  events: [prepare]
  command: sh
  args: ["-c", "echo no cluster >&2; exit 4"]
releases:
- name: a
  chart: ./chart
]])
    local code, out, err = hfl(dir, { "list" })
    assert.equal(1, code)
    assert.equal("", out)
    assert.truthy(err:find("^hfl: in helmfile.yaml: hook%[check%-cluster%]: command `sh` failed: command \"[^\"]+\" exited with non%-zero status:"))
    assert.truthy(err:find("EXIT STATUS\n  4", 1, true))
    assert.truthy(err:find("STDERR:\n  no cluster", 1, true))
  end)

  it("stops a hook at HFL_HOOK_TIMEOUT", function()
    local dir = project([[
hooks:
- name: slow
  events: [prepare]
  command: sleep
  args: ["30"]
releases:
- name: a
  chart: ./chart
]])
    local r = hflrun.capture({ "build" }, { cwd = dir, env = { HFL_HOOK_TIMEOUT = "0.5" } })
    assert.equal(1, r.code)
    assert.truthy(r.duration < 10)
    assert.equal("hfl: in helmfile.yaml: hook[slow]: command `sleep` failed: timed out after 0.5s (hfl's hook timeout: "
      .. "set HFL_HOOK_TIMEOUT to change it)\n", r.stderr)
  end)

  it("Ctrl-C ends a running hook and what it started, exit 130", function()
    local dir = project([[
hooks:
- name: waits
  events: [prepare]
  command: sh
  args: ["-c", "sleep 30 & echo $! > bg.pid; wait"]
releases:
- name: a
  chart: ./chart
]])
    local h = hflrun.spawn({ "list" }, { cwd = dir })
    local deadline = proc.now() + 10
    while not read(dir .. "/bg.pid") do
      assert(proc.now() < deadline, "the hook did not start")
      proc.sleep(0.02)
    end
    proc.sleep(0.05)
    local pid = tonumber(read(dir .. "/bg.pid"))
    local t0 = proc.now()
    h:kill("INT")
    local r = h:wait()
    assert.equal(130, r.code, r.stderr)
    assert.is_true(proc.now() - t0 < 5)
    proc.sleep(0.2)
    local stat = read("/proc/" .. pid .. "/stat")
    if stat and stat:match("^%d+ %b() (%a)") ~= "Z" then
      os.execute("kill -9 " .. pid)
      error("the hook's background child outlived hfl")
    end
  end)

  it("refuses hooks with HELMFILE_DISABLE_HOOKS=true", function()
    local dir = project()
    local code, out, err = hfl(dir, { "list" }, { HELMFILE_DISABLE_HOOKS = "true" })
    assert.equal(1, code)
    assert.equal("", out)
    assert.equal("hfl: in helmfile.yaml: HELMFILE_DISABLE_HOOKS is active, hooks are disabled\n", err)
    assert.is_nil(read(dir .. "/trace"))
  end)
end)

describe("print-env #integration", function()
  after_each(function() T.cleanup() end)

  local STATE_ENV = [[
environments:
  prod:
    kubeContext: prod-ctx
    values:
    - replicas: 3
      tags: [a, "<b>"]
---
releases:
- name: a
  chart: ./a
]]

  it("prints each state's environment as YAML", function()
    local dir = T.tree { ["helmfile.yaml"] = STATE_ENV }
    local code, out = hfl(dir, { "-e", "prod", "print-env" })
    assert.equal(0, code)
    assert.equal("filePath: " .. dir .. "/helmfile.yaml\nkubeContext: prod-ctx\nname: prod\nvalues:\n"
      .. "  replicas: 3\n  tags:\n    - a\n    - <b>\n", out)
  end)

  it("prints a JSON array with --output json", function()
    local dir = T.tree { ["helmfile.yaml"] = STATE_ENV }
    local code, out = hfl(dir, { "-e", "prod", "print-env", "--output", "json" })
    assert.equal(0, code)
    assert.equal('[\n  {\n    "filePath": "' .. dir .. '/helmfile.yaml",\n    "kubeContext": "prod-ctx",\n'
      .. '    "name": "prod",\n    "values": {\n      "replicas": 3,\n      "tags": [\n        "a",\n'
      .. '        "\\u003cb\\u003e"\n      ]\n    }\n  }\n]\n', out)
  end)

  it("joins several states with ---, includes states without releases, and needs no match", function()
    local dir = T.tree {
      ["helmfile.yaml"] = "helmfiles:\n- sub.yaml\nvalues:\n- {top: 1}\n",
      ["sub.yaml"] = "values:\n- {sub: 2}\nreleases:\n- name: a\n  chart: ./a\n",
    }
    local code, out = hfl(dir, { "print-env", "-l", "name=nothing" })
    assert.equal(0, code)
    local docs = {}
    for doc in (out .. "---\n"):gmatch("(.-)%-%-%-\n") do docs[#docs + 1] = doc end
    assert.equal(2, #docs)
    assert.truthy(out:find("sub: 2", 1, true))
    assert.truthy(out:find("top: 1", 1, true))
  end)

  it("succeeds with empty output when no state defines the environment", function()
    local dir = T.tree { ["helmfile.yaml"] = STATE_ENV }
    local code, out, err = hfl(dir, { "-e", "nope", "print-env", "--output", "json" })
    assert.equal(0, code)
    assert.equal("[\n\n]\n", out)
    assert.truthy(err:find('environment "nope" is not defined', 1, true))
  end)
end)

describe("create #integration", function()
  after_each(function() T.cleanup() end)

  it("creates NAME/ with the project files and says what it made", function()
    local dir = T.tree {}
    local code, out, err = hfl(dir, { "create", "shop" })
    assert.equal(0, code)
    assert.equal("", out)
    assert.truthy(read(dir .. "/shop/helmfile.yaml"):find("helmDefaults:", 1, true))
    assert.truthy(read(dir .. "/shop/environments/default.yaml"))
    assert.equal("", read(dir .. "/shop/values/.gitkeep"))
    assert.truthy(err:find("created " .. dir .. "/shop/helmfile.yaml", 1, true))
    -- the new project is a valid state: list finds no release (Helmfile's exit 3)
    code, _, err = hfl(dir .. "/shop", { "list" })
    assert.equal(3, code)
    assert.truthy(err:find("no releases found", 1, true))
  end)

  it("never overwrites without --force, and overwrites with it", function()
    local dir = T.tree { ["helmfile.yaml"] = "releases: []\n" }
    local code, _, err = hfl(dir, { "create" })
    assert.equal(1, code)
    assert.equal("hfl: the following files already exist, use --force to overwrite: " .. dir .. "/helmfile.yaml\n", err)
    assert.equal("releases: []\n", read(dir .. "/helmfile.yaml"))
    assert.is_nil(read(dir .. "/values/.gitkeep"))
    code = hfl(dir, { "create", "--force" })
    assert.equal(0, code)
    assert.truthy(read(dir .. "/helmfile.yaml"):find("helmDefaults:", 1, true))
  end)

  it("writes into --output-dir and rejects a NAME with a slash", function()
    local dir = T.tree {}
    assert.equal(0, (hfl(dir, { "create", "-o", "deep/er" })))
    assert.truthy(read(dir .. "/deep/er/helmfile.yaml"))
    local code, _, err = hfl(dir, { "create", "a/b" })
    assert.equal(1, code)
    assert.equal('hfl: invalid project name "a/b": must not contain path separators\n', err)
  end)
end)

describe("init #integration", function()
  after_each(function() T.cleanup() end)

  it("reports helm's version and path and exits 0 when helm is on PATH", function()
    local bin = T.tree {}
    os.execute(("ln -s '%s/.deps/bin/helm4' '%s/helm'"):format(hflrun.root(), bin))
    local code, out = hfl(bin, { "init" }, { PATH = bin })
    assert.equal(0, code)
    assert.equal(("helm       v4.1.4 (%s/helm)\n"):format(bin), out:match("^[^\n]*\n"))
    assert.truthy(out:find('kubectl    missing (optional): "kubectl" is not on PATH', 1, true))
    assert.truthy(out:find("helm plugins: none needed", 1, true))
  end)

  it("takes helm from --helm-binary", function()
    local code, out = hfl(T.tree {}, { "--helm-binary", hflrun.root() .. "/.deps/bin/helm3", "init" })
    assert.equal(0, code)
    assert.truthy(out:find("^helm       v3%.17%.3 %("))
  end)

  it("exits 1 naming how to get helm when it is missing, and installs nothing", function()
    local empty = T.tree {}
    local code, out, err = hfl(empty, { "init", "--force" }, { PATH = empty })
    assert.equal(1, code)
    assert.truthy(out:find('^helm       missing %(required%): "helm" is not on PATH'))
    assert.truthy(out:find("https://helm.sh/docs/intro/install/", 1, true))
    assert.equal("hfl: helm 3.x or 4.x is required: install it (https://helm.sh/docs/intro/install/) "
      .. "or point --helm-binary / HELMFILE_HELM_BINARY at it\n", err)
    local p = io.popen("ls -A '" .. empty .. "'")
    assert.equal("", p:read("*a"))
    p:close()
  end)
end)
