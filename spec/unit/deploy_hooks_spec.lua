-- hfl.deploy.hooks through the Lua API: a loaded state's global and release hooks run for an
-- event with Helmfile's data, in order, in the state's directory, with a timeout; and the
-- State methods (list, build, show_dag, write_values) run them where Helmfile does.
local hfl = require "hfl"
local hooks = require "hfl.deploy.hooks"
local T = require "fixtures.state.loader.tree"

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

-- A log sink that keeps every line per level.
local function capture_log()
  local lines = { debug = {}, info = {}, warn = {}, error = {} }
  local log = { lines = lines }
  for level in pairs(lines) do
    log[level] = function(fmt, ...)
      local l = lines[level]
      l[#l + 1] = select("#", ...) > 0 and fmt:format(...) or tostring(fmt)
    end
  end
  return log
end

-- Loads dir/helmfile.yaml with a Session that logs into a capture.
local function load(dir, opts)
  local log = capture_log()
  local o = { file = dir .. "/helmfile.yaml", log = log }
  for k, v in pairs(opts or {}) do o[k] = v end
  local st = assert(hfl.load(o))
  return st, log
end

-- A hook that appends "WORDS…" (templated args) to the state dir's file `trace`, without a shell
-- in between: sh receives the args as $1…
local function tracer(events, words)
  local args = { '"-c"', '"echo \\"$*\\" >> trace"', '"sh"' }
  for _, w in ipairs(words) do args[#args + 1] = ("%q"):format(w) end
  return ("  - events: [%s]\n    command: sh\n    args: [%s]\n"):format(events, table.concat(args, ", "))
end

local STATE = "values:\n- greeting: hello\n"
  .. "hooks:\n"
  .. tracer("prepare", { "global-1", "{{ .Event.Name }}", "{{ .HelmfileCommand }}", "{{ .Environment.Name }}" })
  .. tracer("prepare, cleanup", { "global-2", "{{ .Event.Name }}", "err={{ .Event.Error }}" })
  .. [[
releases:
- name: web
  namespace: front
  chart: ./chart
  labels: {tier: web}
  hooks:
]] .. tracer("prepare", { "web-1", "{{ .Release.Name }}", "{{ .Release.Namespace }}", "{{ .Values.greeting }}", "{{ .Release.Labels.tier }}" })
  .. tracer("presync", { "web-presync", "{{ .Event.Name }}" })
  .. tracer("prepare", { "web-2" })
  .. tracer("cleanup", { "web-cleanup", "{{ .HelmfileCommand }}" })
  .. [[
- name: off
  chart: ./chart
  installed: false
  hooks:
]] .. tracer("prepare, cleanup", { "off-hook" })

local function project(state)
  return T.tree { ["helmfile.yaml"] = state or STATE, ["chart/Chart.yaml"] = "apiVersion: v2\nname: chart\nversion: 0.1.0\n" }
end

describe("hfl.deploy.hooks #unit", function()
  after_each(function()
    T.restore_env()
    T.cleanup()
  end)

  describe("run()", function()
    it("runs the release's hooks for the event, in definition order, args templated with Helmfile's data", function()
      local dir = project()
      local st = load(dir)
      local s, web = st.states[1], st:releases()[1]
      assert(hooks.run(st.session, { event = "prepare", state = s, release = web, command = "sync" }))
      assert.equal("web-1 web front hello web\nweb-2\n", read(dir .. "/trace"))
      assert(hooks.run(st.session, { event = "presync", state = s, release = web, command = "sync" }))
      assert.equal("web-1 web front hello web\nweb-2\nweb-presync presync\n", read(dir .. "/trace"))
    end)

    it("runs the state's global hooks when no release is given, with .Event.Error on cleanup", function()
      local dir = project()
      local st = load(dir, { environment = "default" })
      local s = st.states[1]
      assert(hooks.run(st.session, { event = "prepare", state = s, command = "list" }))
      assert(hooks.run(st.session, { event = "cleanup", state = s, command = "list", error = "boom" }))
      assert.equal("global-1 prepare list default\nglobal-2 prepare err=<no value>\nglobal-2 cleanup err=boom\n",
        read(dir .. "/trace"))
    end)

    it("runs the command in the state's directory and passes args without a shell", function()
      local dir = T.tree { ["sub/helmfile.yaml"] = [[
hooks:
- events: [prepare]
  showlogs: true
  command: ./bin/show.sh
  args: ["$HOME;echo injected", "two words"]
]], ["sub/bin/show.sh"] = "#!/bin/sh\npwd\nfor a in \"$@\"; do echo \"[$a]\"; done\n" }
      os.execute("chmod +x '" .. dir .. "/sub/bin/show.sh'")
      local st, log = load(dir .. "/sub")
      assert(hooks.run(st.session, { event = "prepare", state = st.states[1], command = "list" }))
      assert.same({ "hook[prepare] logs | " .. dir .. "/sub", "hook[prepare] logs | [$HOME;echo injected]",
        "hook[prepare] logs | [two words]" }, log.lines.info)
    end)

    it("shows a hook's output on the info log only with showlogs (else on debug)", function()
      local dir = T.tree { ["helmfile.yaml"] = [[
hooks:
- name: quiet
  events: [prepare]
  command: echo
  args: [not shown]
- name: loud
  events: [prepare]
  showlogs: true
  command: printf
  args: ["a\nb\n"]
]] }
      local st, log = load(dir)
      assert(hooks.run(st.session, { event = "prepare", state = st.states[1], command = "list" }))
      assert.same({ "hook[prepare] logs | a", "hook[prepare] logs | b" }, log.lines.info)
      assert.truthy(table.concat(log.lines.debug, "\n"):find("hook[quiet]: not shown", 1, true))
    end)

    it("stops at a failing hook with Helmfile's message: name, command, exit status and stderr", function()
      local dir = T.tree { ["helmfile.yaml"] = [[
hooks:
- name: breaks
  events: [prepare]
  command: sh
  args: ["-c", "echo partial; echo it broke >&2; exit 3"]
- events: [prepare]
  command: touch
  args: [never]
]] }
      local st = load(dir)
      local ok, err = hooks.run(st.session, { event = "prepare", state = st.states[1], command = "list" })
      assert.is_nil(ok)
      assert.truthy(err:find("^hook%[breaks%]: command `sh` failed: command \"[^\"]*/sh\" exited with non%-zero status:"))
      assert.truthy(err:find("\n\nEXIT STATUS\n  3", 1, true))
      assert.truthy(err:find("\n\nSTDERR:\n  it broke", 1, true))
      assert.truthy(err:find("ARGS:\n  0: [^\n]*/sh %(%d+ bytes%)\n  1: %-c %(2 bytes%)"))
      assert.is_nil(read(dir .. "/never"))
    end)

    it("names a hook without name by its command, and reports a command that is not there", function()
      local dir = T.tree { ["helmfile.yaml"] = "hooks:\n- events: [prepare]\n  command: no-such-hook-command\n" }
      local st = load(dir)
      local ok, err = hooks.run(st.session, { event = "prepare", state = st.states[1] })
      assert.is_nil(ok)
      assert.equal('hook[no-such-hook-command]: command `no-such-hook-command` failed: '
        .. 'cannot run "no-such-hook-command": command not found in PATH', err)
    end)

    it("kills a hook (and what it started) after the timeout", function()
      local dir = T.tree { ["helmfile.yaml"] = [[
hooks:
- name: slow
  events: [prepare]
  command: sh
  args: ["-c", "sleep 30 & echo $! > child.pid; wait"]
]] }
      local st = load(dir)
      local t0 = os.time()
      local ok, err = hooks.run(st.session, { event = "prepare", state = st.states[1], timeout = 0.5 })
      assert.is_nil(ok)
      assert.truthy(os.time() - t0 < 10)
      assert.equal("hook[slow]: command `sh` failed: timed out after 0.5s (hfl's hook timeout: "
        .. "set HFL_HOOK_TIMEOUT to change it)", err)
      local pid = assert(tonumber(read(dir .. "/child.pid")))
      os.execute("sleep 0.2")
      -- gone, or a zombie nobody reaps (a container's init may not)
      local stat = read("/proc/" .. pid .. "/stat")
      assert.truthy(stat == nil or stat:match("^%d+ %(.-%) (%a)") == "Z", stat)
    end)

    it("takes the timeout from HFL_HOOK_TIMEOUT and rejects a bad one", function()
      T.setenv("HFL_HOOK_TIMEOUT", "0.3")
      local dir = T.tree { ["helmfile.yaml"] = "hooks:\n- events: [prepare]\n  command: sleep\n  args: ['5']\n" }
      local st = load(dir)
      local _, err = hooks.run(st.session, { event = "prepare", state = st.states[1] })
      assert.truthy(err:find("timed out after 0.3s", 1, true))
      T.setenv("HFL_HOOK_TIMEOUT", "soon")
      _, err = hooks.run(st.session, { event = "prepare", state = st.states[1] })
      assert.equal('HFL_HOOK_TIMEOUT="soon": want a number of seconds (0: no timeout)', err)
    end)

    it("refuses to run any hook list when HELMFILE_DISABLE_HOOKS is true", function()
      T.setenv("HELMFILE_DISABLE_HOOKS", "true")
      local dir = project()
      local st = load(dir)
      local ok, err = hooks.run(st.session, { event = "cleanup", state = st.states[1] })
      assert.is_nil(ok)
      assert.equal("HELMFILE_DISABLE_HOOKS is active, hooks are disabled", err)
      assert.is_nil(read(dir .. "/trace"))
      -- a state without hooks is not affected
      local plain = load(T.tree { ["helmfile.yaml"] = "releases:\n- name: a\n  chart: ./a\n" })
      assert.is_true((hooks.run(plain.session, { event = "prepare", state = plain.states[1] })))
    end)

    it("turns kubectlApply into `kubectl apply -f FILE` / `-k DIR` and rejects both or neither", function()
      local dir = T.tree {
        ["helmfile.yaml"] = [[
hooks:
- events: [prepare]
  showlogs: true
  kubectlApply: {filename: manifests/ns.yaml}
- events: [presync]
  showlogs: true
  kubectlApply: {kustomize: overlays/dev}
- events: [cleanup]
  kubectlApply: {}
]],
        ["fake-kubectl"] = "#!/bin/sh\necho \"kubectl $*\"\n",
      }
      os.execute("chmod +x '" .. dir .. "/fake-kubectl'")
      local st, log = load(dir)
      st.session.kubectl_binary = dir .. "/fake-kubectl"
      local s = st.states[1]
      assert(hooks.run(st.session, { event = "prepare", state = s }))
      assert(hooks.run(st.session, { event = "presync", state = s }))
      assert.same({ "hook[prepare] logs | kubectl apply -f manifests/ns.yaml",
        "hook[presync] logs | kubectl apply -k overlays/dev" }, log.lines.info)
      local _, err = hooks.run(st.session, { event = "cleanup", state = s })
      assert.equal("hook[kubectlApply]: either kustomize or filename must be given", err)
    end)

    it("reports a template error in an arg with the hook's name (global hooks have no .Values)", function()
      local dir = T.tree { ["helmfile.yaml"] = "hooks:\n- name: bad\n  events: [prepare]\n  command: echo\n  args: ['{{ .Values.x }}']\n" }
      local st = load(dir)
      local _, err = hooks.run(st.session, { event = "prepare", state = st.states[1] })
      assert.truthy(err:find('^hook%[bad%]: .*map has no entry for key "Values"'))
    end)

    it("rejects an unknown hook field, naming the file and suggesting the field", function()
      local dir = T.tree { ["helmfile.yaml"] = "hooks:\n- events: [prepare]\n  command: echo\n  showlog: true\n" }
      local st = load(dir)
      local _, err = hooks.run(st.session, { event = "prepare", state = st.states[1] })
      assert.truthy(err:find("helmfile.yaml", 1, true))
      assert.truthy(err:find('unknown field "showlog"', 1, true))
      assert.truthy(err:find("showlogs", 1, true))
    end)
  end)

  describe("the State methods", function()
    it("list: global prepare before and cleanup after the rows, no release hooks; hooks = false runs none", function()
      local dir = project()
      local st = load(dir)
      assert(st:list())
      assert.equal("global-1 prepare list default\nglobal-2 prepare err=<no value>\nglobal-2 cleanup err=<no value>\n",
        read(dir .. "/trace"))
      os.remove(dir .. "/trace")
      assert(st:list { hooks = false })
      assert.is_nil(read(dir .. "/trace"))
    end)

    it("build and show_dag: global prepare, then prepare of each installed release, then global cleanup", function()
      local dir = project()
      local st = load(dir)
      assert(st:build())
      local want = "global-1 prepare %s default\nglobal-2 prepare err=<no value>\n"
        .. "web-1 web front hello web\nweb-2\nglobal-2 cleanup err=<no value>\n"
      assert.equal(want:format("build"), read(dir .. "/trace"))
      os.remove(dir .. "/trace")
      assert(st:show_dag())
      assert.equal(want:format("show-dag"), read(dir .. "/trace"))
    end)

    it("write_values: release cleanup after each file written, global hooks around", function()
      local dir = project()
      local st = load(dir)
      assert(st:write_values { output_file_template = dir .. "/out/{{ .Release.Name }}.yaml" })
      assert.equal("global-1 prepare write-values default\nglobal-2 prepare err=<no value>\n"
        .. "web-cleanup write-values\nglobal-2 cleanup err=<no value>\n", read(dir .. "/trace"))
      assert.truthy(read(dir .. "/out/web.yaml"))
    end)

    it("a failing global prepare hook stops the command before its body and cleanup", function()
      local dir = T.tree { ["helmfile.yaml"] = "hooks:\n  - name: no\n    events: [prepare]\n    command: 'false'\n"
        .. tracer("cleanup", { "cleanup-ran" }) .. "releases:\n- name: a\n  chart: ./a\n" }
      local st = load(dir)
      local rows, err = st:list()
      assert.is_nil(rows)
      assert.truthy(err:find("^in [^ ]*helmfile%.yaml: hook%[no%]: command `false` failed"))
      assert.is_nil(read(dir .. "/trace"))
    end)
  end)

  describe("State:environments()", function()
    it("gives each state's file, environment name, merged values and kubeContext", function()
      local dir = T.tree { ["helmfile.yaml"] = [[
environments:
  prod:
    kubeContext: prod-ctx
    values:
    - {replicas: 3}
---
values:
- {name: shop}
]] }
      local st = load(dir, { environment = "prod" })
      local envs = st:environments()
      assert.equal(1, #envs)
      assert.equal(dir .. "/helmfile.yaml", envs[1].filePath)
      assert.equal("prod", envs[1].name)
      assert.equal("prod-ctx", envs[1].kubeContext)
      assert.equal(3, tonumber(envs[1].values.replicas))
      assert.equal("shop", envs[1].values.name)
    end)
  end)
end)
