-- apply, sync, destroy through ./hfl against the fake cluster (spec/support/fakecluster):
-- which helm calls run, in which order, how many at once, and what the records say after.
local fakecluster = require "spec.support.fakecluster"
local servers = require "spec.support.servers"
local files = require "spec.support.files"
local write, read = files.write, files.read

local CHART = {
  ["Chart.yaml"] = "apiVersion: v2\nname: app\nversion: 1.0.0\n",
  ["values.yaml"] = "greeting: hello\n",
  ["templates/cm.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n"
    .. "data:\n  greeting: {{ .Values.greeting | quote }}\n",
}

local function chart(dir) files.tree(dir .. "/charts/app", CHART) end

-- The helm calls of one kind ("upgrade", "uninstall", "template") with the release they name.
local function helm_calls(fc, sub)
  local out = {}
  for _, c in ipairs(fc:calls("helm")) do
    if c.argv[1] == sub then
      c.release = c.argv[1] == "upgrade" and c.argv[3] or c.argv[2]
      if c.argv[2] == "--install" then c.release = c.argv[3] end
      out[#out + 1] = c
    end
  end
  return out
end

local function names(calls)
  local l = {}
  for i, c in ipairs(calls) do l[i] = c.release end
  table.sort(l)
  return l
end

local function by_release(calls)
  local t = {}
  for _, c in ipairs(calls) do t[c.release] = c end
  return t
end

describe("hfl apply on the fake cluster #integration", function()
  local fc, dir

  local function helmfile(text) write(dir .. "/helmfile.yaml.gotmpl", text) end
  local function hfl(args, extra) return fc:hfl(args, { cwd = dir, env = extra }) end

  before_each(function()
    fc = fakecluster.new { helm = 4 }
    dir = servers.tmpdir()
    chart(dir)
    helmfile [[
releases:
  - name: db
    namespace: apps
    chart: ./charts/app
  - name: api
    namespace: apps
    chart: ./charts/app
    needs: [db]
    values: [{ greeting: {{ .Values | get "greeting" "hello" }} }]
  - name: web
    namespace: apps
    chart: ./charts/app
    needs: [api]
  - name: old
    namespace: apps
    chart: ./charts/app
    installed: {{ .Values | get "old" true }}
]]
  end)

  after_each(function()
    fc:cleanup()
    servers.cleanup()
  end)

  it("installs every release, each after what it needs, and records hfl's digest", function()
    local code, _, err = hfl { "apply" }
    assert.equal(0, code, err)
    local ups = by_release(helm_calls(fc, "upgrade"))
    assert.same({ "api", "db", "old", "web" }, names(helm_calls(fc, "upgrade")))
    assert.is_true(ups.db["end"] <= ups.api.start)
    assert.is_true(ups.api["end"] <= ups.web.start)
    local rec = fc:records("apps", "api")
    assert.equal(1, #rec)
    assert.equal("1", rec[1].object.metadata.labels["hfl.sh/revision"])
    assert.matches("^%x+$", rec[1].object.metadata.labels["hfl.sh/digest"])
    assert.matches("Updated Releases", err)
  end)

  it("changes nothing on a second apply and spawns no helm beyond the version check", function()
    assert.equal(0, (hfl { "apply" }))
    fc:clear_calls()
    local code, _, err = hfl { "apply", "--detailed-exitcode" }
    assert.equal(0, code, err)
    assert.same({}, helm_calls(fc, "upgrade"))
    assert.same({}, helm_calls(fc, "template"))
    assert.equal(1, #fc:calls("api"))    -- one bulk read for the namespace, from the API server
    assert.equal(0, #fc:calls("kubectl"))
    assert.is_true(#fc:calls("helm") <= 1)
  end)

  it("reads the records with one kubectl call instead under --kube-client=kubectl", function()
    assert.equal(0, (hfl { "apply" }))
    fc:clear_calls()
    local code, _, err = hfl { "--kube-client=kubectl", "apply", "--detailed-exitcode" }
    assert.equal(0, code, err)
    assert.same({}, helm_calls(fc, "upgrade"))
    assert.equal(1, #fc:calls("kubectl"))
    assert.equal(0, #fc:calls("api"))
  end)

  it("upgrades exactly the release whose values changed, and says so with --detailed-exitcode", function()
    assert.equal(0, (hfl { "apply" }))
    fc:clear_calls()
    local code, _, err = hfl { "apply", "--detailed-exitcode", "--state-values-set", "greeting=hi" }
    assert.equal(2, code, err)
    assert.same({ "api" }, names(helm_calls(fc, "upgrade")))
    assert.equal(2, fc:records("apps", "api")[2].revision)
  end)

  it("compares every release fully with --full-diff, whatever the digests say", function()
    assert.equal(0, (hfl { "apply" }))
    fc:clear_calls()
    -- helm's renderer: the full compare is counted in helm template processes
    local code, _, err = hfl({ "apply", "--full-diff" }, { HFL_RENDERER = "helm" })
    assert.equal(0, code, err)
    assert.equal(4, #helm_calls(fc, "template"))
    assert.same({}, helm_calls(fc, "upgrade"))
  end)

  it("decides by rendering when the record has no digest of hfl's, and leaves it alone when equal", function()
    assert.equal(0, (hfl { "apply" }))
    -- someone upgrades db with plain helm: the labels are copied forward, the revision is not theirs
    local r = fc:run("helm", { "upgrade", "db", dir .. "/charts/app", "--namespace", "apps" })
    assert.equal(0, r.code, r.stderr)
    fc:clear_calls()
    -- helm's renderer, so the render shows as a helm template process
    local code, _, err = hfl({ "apply" }, { HFL_RENDERER = "helm" })
    assert.equal(0, code, err)
    assert.same({ "db" }, names(helm_calls(fc, "template")))
    assert.same({}, helm_calls(fc, "upgrade"))
  end)

  it("uninstalls a release set to installed: false, and only that", function()
    assert.equal(0, (hfl { "apply" }))
    fc:clear_calls()
    local code, _, err = hfl { "apply", "--state-values-set", "old=false" }
    assert.equal(0, code, err)
    assert.same({ "old" }, names(helm_calls(fc, "uninstall")))
    assert.same({}, helm_calls(fc, "upgrade"))
    assert.matches("Deleted Releases", err)
  end)

  it("skips the dependents of a failed release, finishes the others and exits 1", function()
    fc.opts.fail = { "api" }
    local code, _, err = hfl { "apply" }
    assert.equal(1, code)
    assert.matches("failed processing release api", err)
    assert.same({ "api", "db", "old" }, names(helm_calls(fc, "upgrade")))
    assert.matches("Failed Releases", err)
    assert.matches("Skipped Releases", err)
  end)

  it("keeps at most --concurrency helm processes at once and reaches the limit", function()
    local rels = { "releases:" }
    for i = 1, 6 do
      rels[#rels + 1] = ("  - name: r%d\n    namespace: apps\n    chart: ./charts/app"):format(i)
    end
    helmfile(table.concat(rels, "\n") .. "\n")
    fc.opts.delay = 0.4
    local code, _, err = hfl { "--concurrency", "2", "apply" }
    assert.equal(0, code, err)
    local ups = helm_calls(fc, "upgrade")
    assert.equal(6, #ups)
    assert.equal(2, fakecluster.max_overlap(ups))
  end)

  it("does not hold back a release behind an unrelated slow one", function()
    fc.opts.delays = { db = 1.5 }
    local code, _, err = hfl { "apply" }
    assert.equal(0, code, err)
    local ups = by_release(helm_calls(fc, "upgrade"))
    assert.is_true(ups.old["end"] < ups.db["end"])
    assert.is_true(ups.db["end"] <= ups.api.start)
  end)

  it("runs Helmfile's hooks in Helmfile's order around apply and destroy", function()
    helmfile [[
hooks:
  - events: [prepare, cleanup]
    command: sh
    args: [-c, "echo {{`{{ .Event.Name }}`}} global >> hooks.log"]
releases:
  - name: db
    namespace: apps
    chart: ./charts/app
    hooks:
      - events: [prepare, preapply, presync, postsync, preuninstall, postuninstall, cleanup]
        command: sh
        args: [-c, "echo {{`{{ .Event.Name }}`}} {{`{{ .Release.Name }}`}} >> hooks.log"]
]]
    assert.equal(0, (hfl { "apply" }))
    assert.equal("prepare global\nprepare db\npreapply db\npresync db\npostsync db\ncleanup global\n",
      read(dir .. "/hooks.log"))
    os.remove(dir .. "/hooks.log")
    assert.equal(0, (hfl { "apply" }))
    assert.equal("prepare global\nprepare db\ncleanup db\ncleanup global\n", read(dir .. "/hooks.log"))
    os.remove(dir .. "/hooks.log")
    assert.equal(0, (hfl { "destroy" }))
    assert.equal("prepare global\nprepare db\npreuninstall db\npostuninstall db\ncleanup global\n",
      read(dir .. "/hooks.log"))
  end)

  it("fails a release whose presync hook fails, and skips its dependents", function()
    helmfile [[
releases:
  - name: db
    namespace: apps
    chart: ./charts/app
    hooks:
      - events: [presync]
        command: "false"
  - name: api
    namespace: apps
    chart: ./charts/app
    needs: [db]
]]
    local code, _, err = hfl { "apply" }
    assert.equal(1, code)
    assert.matches("failed processing release db: hook", err, 1, true)
    assert.same({}, helm_calls(fc, "upgrade"))
  end)

  it("prints the plan with --dry-run (text and JSON) and changes nothing", function()
    local code, out, err = hfl { "apply", "--dry-run" }
    assert.equal(0, code, err)
    assert.matches("install%s+apps/db", out)
    assert.matches("Plan: 4 to install, 0 to upgrade, 0 to uninstall, 0 unchanged", out, 1, true)
    code, out = hfl { "apply", "--dry-run", "--output", "json" }
    assert.equal(0, code)
    local doc = require("hfl.stdlib.json").decode(out)
    assert.equal(4, require("hfl.value").tonumber(doc.summary.install))
    assert.equal("apps/db", doc.releases[1].id)
    assert.same({}, helm_calls(fc, "upgrade"))
  end)

  it("carries out a plan file exactly, and refuses it once a release's values changed", function()
    local code, _, err = hfl { "apply", "--plan-file", "plan.json" }
    assert.equal(0, code, err)
    assert.same({}, helm_calls(fc, "upgrade"))
    code, _, err = hfl { "apply", "--from-plan", "plan.json", "--state-values-set", "greeting=changed" }
    assert.equal(1, code)
    assert.matches("apps/api changed since the plan was written", err, 1, true)
    assert.same({}, helm_calls(fc, "upgrade"))
    code, _, err = hfl { "apply", "--from-plan", "plan.json" }
    assert.equal(0, code, err)
    assert.equal(4, #helm_calls(fc, "upgrade"))
  end)

  it("writes a report, and --resume retries only what did not succeed", function()
    fc.opts.fail = { "api" }
    assert.equal(1, (hfl { "apply", "--report", "run.json" }))
    local doc = require("hfl.stdlib.json").decode(read(dir .. "/run.json"))
    local result = {}
    for _, e in ipairs(doc.releases) do result[e.release] = e.result end
    assert.same({ db = "ok", old = "ok", api = "failed", web = "skipped" }, result)
    fc.opts.fail = nil
    fc:clear_calls()
    local code, _, err = hfl { "apply", "--resume", "run.json" }
    assert.equal(0, code, err)
    assert.same({ "api", "web" }, names(helm_calls(fc, "upgrade")))
  end)

  it("prunes the releases it installed from this state once the state drops them", function()
    assert.equal(0, (hfl { "apply" }))
    fc:preset { name = "foreign", namespace = "apps", chart = "app", version = "1.0.0" }
    helmfile "releases:\n  - name: db\n    namespace: apps\n    chart: ./charts/app\n"
    fc:clear_calls()
    local code, _, err = hfl { "apply", "--prune" }
    assert.equal(0, code, err)
    assert.same({ "api", "old", "web" }, names(helm_calls(fc, "uninstall")))
  end)

  it("sync upgrades every release; destroy uninstalls them dependents first", function()
    assert.equal(0, (hfl { "sync" }))
    fc:clear_calls()
    assert.equal(0, (hfl { "sync" }))
    assert.equal(4, #helm_calls(fc, "upgrade"))
    fc:clear_calls()
    local code, _, err = hfl { "destroy" }
    assert.equal(0, code, err)
    local un = by_release(helm_calls(fc, "uninstall"))
    assert.is_true(un.web["end"] <= un.api.start)
    assert.is_true(un.api["end"] <= un.db.start)
  end)

  it("needs across state files: a sub-helmfile's release waits for the parent's", function()
    write(dir .. "/sub/helmfile.yaml", "releases:\n  - name: child\n    namespace: apps\n"
      .. "    chart: ../charts/app\n    needs: [apps/db]\n")
    helmfile "helmfiles: [sub/helmfile.yaml]\nreleases:\n  - name: db\n    namespace: apps\n    chart: ./charts/app\n"
    fc.opts.delays = { db = 0.5 }
    local code, _, err = hfl { "apply" }
    assert.equal(0, code, err)
    local ups = by_release(helm_calls(fc, "upgrade"))
    assert.is_true(ups.db["end"] <= ups.child.start)
  end)

  it("stops at Ctrl-C: nothing new starts, the run exits 130 and says what was in flight", function()
    fc.opts.delay = 2
    local proc = require "hfl.proc"
    local hflrun = require "spec.support.hflrun"
    local tmp = servers.tmpdir()
    local h = assert(proc.spawn(hflrun.command({ "--concurrency", "1", "apply" },
      { cwd = dir, env = fc:env { TMPDIR = tmp } })))
    -- the first upgrade is under way once its pending record exists
    local deadline = proc.now() + 30
    while #(fc:records("apps", "db") or {}) == 0 and proc.now() < deadline do proc.sleep(0.1) end
    proc.sleep(0.3)
    h:kill("INT")
    local r = h:wait()
    assert.equal(130, r.code, r.stderr)
    assert.same({ "db" }, names(helm_calls(fc, "upgrade")))
    assert.matches("Cancelled Releases", r.stderr)
    assert.matches("apps/db: started", r.stderr, 1, true)
    local left = io.popen("ls -A '" .. tmp .. "'"):read("*a")
    assert.equal("", left)
  end)

  it("asks once with --interactive and changes nothing on no", function()
    local code, _, err = fc:hfl({ "--interactive", "apply" }, { cwd = dir, stdin = "n\n" })
    assert.equal(0, code, err)
    assert.matches("install%s+apps/db", err)
    assert.matches("%[y/n%]", err)
    assert.same({}, helm_calls(fc, "upgrade"))
    code, _, err = fc:hfl({ "--interactive", "apply" }, { cwd = dir, stdin = "y\n" })
    assert.equal(0, code, err)
    assert.equal(4, #helm_calls(fc, "upgrade"))
  end)

  it("status and test run one helm call per release, output in order", function()
    assert.equal(0, (hfl { "apply" }))
    local code, out, err = hfl { "status" }
    assert.equal(0, code, err)
    local order = {}
    for name in out:gmatch("NAME: (%w+)") do order[#order + 1] = name end
    assert.same({ "db", "api", "web", "old" }, order)
    assert.equal(4, #helm_calls(fc, "status"))
    code, _, err = hfl { "test", "--logs", "-l", "name=web" }
    assert.equal(0, code, err)
    local tests = helm_calls(fc, "test")
    assert.equal(1, #tests)
    assert.equal("web", tests[1].argv[2])
  end)

  it("diffs per resource without changing anything, and apply prints the same diff first", function()
    local code, out, err = hfl { "diff", "--detailed-exitcode" }
    assert.equal(2, code, err)
    assert.matches("apps, db, ConfigMap (v1) has been added:", out, 1, true)
    assert.matches("0 releases changed, 0 unchanged, 4 to install, 0 to uninstall", out, 1, true)
    assert.same({}, helm_calls(fc, "upgrade"))
    code, out, err = hfl { "apply" }
    assert.equal(0, code, err)
    assert.matches("apps, api, ConfigMap (v1) has been added:", out, 1, true)
    code, out, err = hfl { "diff", "--detailed-exitcode" }
    assert.equal(0, code, err)
    assert.matches("0 releases changed, 4 unchanged, 0 to install, 0 to uninstall", out, 1, true)
    code, out, err = hfl { "diff", "--detailed-exitcode", "--state-values-set", "greeting=hi" }
    assert.equal(2, code, err)
    assert.matches("apps, api, ConfigMap (v1) has changed:", out, 1, true)
    assert.matches('-   greeting: hello', out, 1, true)
    assert.matches('+   greeting: hi', out, 1, true)
    assert.matches("1 release changed, 3 unchanged, 0 to install, 0 to uninstall", out, 1, true)
    code, out = hfl { "diff", "--output", "json", "--state-values-set", "greeting=hi" }
    assert.equal(0, code)
    assert.matches('"kind":%s*"ConfigMap"', out)
  end)

  it("diffs 50 releases in 5 namespaces with one bulk record read per namespace", function()
    local rels = { "releases:" }
    for i = 1, 50 do
      rels[#rels + 1] = ("  - name: r%d\n    namespace: ns%d\n    chart: ./charts/app"):format(i, i % 5)
    end
    helmfile(table.concat(rels, "\n") .. "\n")
    fc.opts.render = false
    assert.equal(0, (hfl { "apply" }))
    fc:clear_calls()
    local code, out, err = hfl { "diff", "--detailed-exitcode" }
    assert.equal(0, code, err)
    assert.matches("0 releases changed, 50 unchanged, 0 to install, 0 to uninstall", out, 1, true)
    local reads = {}
    for _, c in ipairs(fc:calls()) do
      local ns = (c.tool == "api" and c.argv[2] or table.concat(c.argv, " ")):match("namespaces/([^/]+)/secrets")
      if ns then reads[#reads + 1] = ns end
      if c.tool == "kubectl" then reads[#reads + 1] = "kubectl" end
    end
    table.sort(reads)
    assert.same({ "ns0", "ns1", "ns2", "ns3", "ns4" }, reads)
    assert.same({}, helm_calls(fc, "template"))
  end)

  it("diffs with HELM_DRIVER=sql through helm list and helm get manifest", function()
    assert.equal(0, (hfl { "apply" }))
    fc:clear_calls()
    local code, out, err = hfl({ "diff", "--detailed-exitcode", "--state-values-set", "greeting=hi" },
      { HELM_DRIVER = "sql" })
    assert.equal(2, code, err)
    assert.matches("1 release changed, 3 unchanged", out, 1, true)
    local lists = 0
    for _, c in ipairs(fc:calls("helm")) do if c.argv[1] == "list" then lists = lists + 1 end end
    assert.equal(1, lists)
    assert.equal(4, #helm_calls(fc, "get"))
  end)
end)

