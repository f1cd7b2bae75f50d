-- Specs of hfl.deploy.report: Helmfile's run summary (compat §9.3) and the --report JSON.
local fs = require "hfl.fs"
local report = require "hfl.deploy.report"

local function row(t)
  t.namespace = t.namespace or "default"
  return t
end

describe("hfl.deploy.report #unit", function()
  describe("summary()", function()
    it("prints Helmfile's Updated Releases table", function()
      local text = report.summary { row { release = "foo", chart = "incubator/raw", version = "3.1.0",
        action = "upgrade", result = "ok", duration = 0.2 } }
      assert.equal([[

================= Updated Releases ==================
NAME   NAMESPACE   CHART           VERSION   DURATION
foo    default     incubator/raw   3.1.0           0s
]], text)
    end)

    it("prints deleted and failed releases in their own sections, in Helmfile's order", function()
      local text = report.summary {
        row { release = "gone", action = "uninstall", result = "ok", duration = 65.4 },
        row { release = "bad", chart = "stable/x", version = "1.0.0", action = "install", result = "failed", duration = 3725 },
        row { release = "api", chart = "stable/api", version = "2.0.0", action = "install", result = "ok", duration = 12.6 },
        row { release = "stuck", action = "uninstall", result = "failed", duration = 1 },
        row { release = "same", chart = "stable/api", action = "unchanged", result = "ok", duration = 0 },
      }
      assert.equal([[

================ Updated Releases ================
NAME   NAMESPACE   CHART        VERSION   DURATION
api    default     stable/api   2.0.0          13s

==== Deleted Releases =====
NAME   NAMESPACE   DURATION
gone   default         1m5s

=============== Failed Releases ================
NAME   NAMESPACE   CHART      VERSION   DURATION
bad    default     stable/x   1.0.0       1h2m5s

=== Failed to Delete Releases ===
NAME    NAMESPACE   DURATION
stuck   default           1s
]], text)
    end)

    it("adds hfl's skipped and cancelled sections only when there are such releases", function()
      local text = report.summary {
        row { release = "app", chart = "./app", action = "upgrade", result = "skipped" },
        row { release = "late", chart = "./late", action = "install", result = "cancelled" },
      }
      assert.matches("\n=+ Skipped Releases =+\nNAME   NAMESPACE   CHART   VERSION\napp    default     ./app\n", text)
      assert.matches("\n=+ Cancelled Releases =+\nNAME   NAMESPACE   CHART    VERSION\nlate   default     ./late\n", text)
      assert.equal("", report.summary { row { release = "same", action = "unchanged", result = "ok" } })
    end)

    it("hides credentials in chart URLs and colours the title line when asked", function()
      local text = report.summary({ row { release = "a", chart = "https://u:secret@charts.example/a-1.0.0.tgz",
        action = "install", result = "ok", duration = 1 } }, { color = true })
      assert.matches("https://%-%-%-:%-%-%-@charts%.example/a%-1%.0%.0%.tgz", text)
      assert.not_matches("secret", text)
      assert.matches("\n\27%[1;34m=+ Updated Releases =+\27%[0m\n", text)
    end)
  end)

  describe("json(), write() and read()", function()
    local dir
    before_each(function() dir = assert(fs.mkdtemp(fs.tmpdir() .. "/hfl-report-XXXXXX")) end)
    after_each(function() fs.rm_r(dir, dir) end)

    local ROWS = {
      { release = "db", namespace = "data", kube_context = "kind", chart = "bitnami/postgresql",
        version = "15.0.0", action = "install", result = "ok", duration = 12.3456, revision = 1 },
      { release = "api", namespace = "web", action = "upgrade", result = "failed", duration = 0.5,
        error = 'command "helm" exited with non-zero status' },
      { release = "web", namespace = "web", action = "upgrade", result = "skipped" },
    }

    it("round-trips the report through a file", function()
      local path = dir .. "/report.json"
      assert(report.write(path, ROWS, { command = "apply", started = 1700000000.25, finished = 1700000012.5,
        state_files = { "helmfile.yaml", "sub/b.yaml" }, plan_digest = "abc123" }))
      local doc = assert(report.read(path))
      assert.equal("apply", doc.command)
      assert.equal("2023-11-14T22:13:20.250Z", doc.started)
      assert.equal("2023-11-14T22:13:32.500Z", doc.finished)
      assert.same({ "helmfile.yaml", "sub/b.yaml" }, { doc.state_files[1], doc.state_files[2] })
      assert.equal("abc123", doc.plan_digest)
      local db, api, web = doc.releases[1], doc.releases[2], doc.releases[3]
      assert.same({ "db", "data", "kind", "bitnami/postgresql", "15.0.0", "install", "ok", 12.346, 1 },
        { db.release, db.namespace, db.kube_context, db.chart, db.version, db.action, db.result,
          db.duration, db.revision })
      assert.is_nil(db.error)
      assert.equal('command "helm" exited with non-zero status', api.error)
      assert.equal("failed", api.result)
      assert.equal("skipped", web.result)
      assert.is_nil(web.duration)
      assert.is_nil(web.revision)
    end)

    it("writes every field of every release, null where unknown", function()
      local text = report.json({ ROWS[3] }, { command = "sync" })
      for _, k in ipairs { "release", "namespace", "kube_context", "chart", "version", "action",
        "result", "duration", "revision", "error" } do
        assert.matches('"' .. k .. '":', text)
      end
      assert.matches('"revision": null', text)
      assert.matches('"plan_digest": null', text)
      assert.matches('"kind": "hfl%-report"', text)
    end)

    it("refuses a file that is not an hfl report, naming it", function()
      local path = dir .. "/package.json"
      local f = assert(io.open(path, "wb"))
      f:write('{"name": "x", "releases": []}')
      f:close()
      local doc, err = report.read(path)
      assert.is_nil(doc)
      assert.equal(path .. ': not an hfl report (no "kind": "hfl-report"): give the file --report wrote', err)
    end)

    it("refuses a half-written or garbled file and a missing one", function()
      local path = dir .. "/cut.json"
      local full = report.json(ROWS)
      local f = assert(io.open(path, "wb"))
      f:write(full:sub(1, math.floor(#full / 2)))
      f:close()
      local doc, err = report.read(path)
      assert.is_nil(doc)
      assert.matches("^" .. path:gsub("%p", "%%%0") .. ": not a report: ", err)
      doc, err = report.read(dir .. "/none.json")
      assert.is_nil(doc)
      assert.matches("none%.json", err)
    end)

    it("refuses a release entry without a known result", function()
      local path = dir .. "/r.json"
      local f = assert(io.open(path, "wb"))
      f:write('{"kind": "hfl-report", "version": 1, "releases": [{"release": "a", "result": "maybe"}]}')
      f:close()
      local doc, err = report.read(path)
      assert.is_nil(doc)
      assert.matches('releases%[0%] needs a "release" and a "result"', err)
    end)
  end)
end)
