-- The Lua API as an embedding program uses it: hfl.load → State and its methods, the
-- Session, strict options, errors as nil, err.
local hfl = require "hfl"
local T = require "fixtures.state.loader.tree"

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

local function names(list)
  local out = {}
  for i, r in ipairs(list) do out[i] = r.name end
  return out
end

local STATE = [[
repositories:
- name: stable
  url: http://127.0.0.1:9/charts
releases:
- name: web
  chart: stable/web
  version: ^1
  labels: {tier: front}
- name: db
  chart: ./db
  labels: {tier: back}
  needs: [web]
]]

describe("hfl API #unit", function()
  after_each(function() T.cleanup() end)

  describe("hfl.load", function()
    it("takes a file name as its only argument", function()
      local dir = T.tree { ["helmfile.yaml"] = STATE }
      local st = assert(hfl.load(dir .. "/helmfile.yaml"))
      assert.same({ "web", "db" }, names(st:releases()))
    end)

    it("raises on an unknown option, naming the one meant", function()
      local dir = T.tree { ["helmfile.yaml"] = STATE }
      local ok, err = pcall(hfl.load, { file = dir .. "/helmfile.yaml", env = "prod" })
      assert.is_false(ok)
      assert.matches('unknown option "env"', err, 1, true)
      ok, err = pcall(hfl.load, { file = dir .. "/helmfile.yaml", enviroment = "prod" })
      assert.is_false(ok)
      assert.matches('did you mean "environment"', err, 1, true)
    end)

    it("raises on an option of the wrong type", function()
      local ok, err = pcall(hfl.load, { file = 42 })
      assert.is_false(ok)
      assert.matches('option "file" must be a string', err, 1, true)
    end)

    it("returns nil and an error for an environment no state defines", function()
      local dir = T.tree { ["helmfile.yaml"] = "environments:\n  dev: {}\n---\n" .. STATE }
      local st, err, why = hfl.load { file = dir .. "/helmfile.yaml", environment = "prod" }
      assert.is_nil(st)
      assert.matches('environment "prod" is not defined', err, 1, true)
      assert.equal("prod", why.undefined_environment)
    end)

    it("returns nil and an error for a bad selector", function()
      local dir = T.tree { ["helmfile.yaml"] = STATE }
      local st, err = hfl.load { file = dir .. "/helmfile.yaml", selectors = "tier" }
      assert.is_nil(st)
      assert.matches("tier", err, 1, true)
    end)

    it("sees files changed between two loads in one process (lock files included)", function()
      local dir = T.tree {
        ["helmfile.yaml"] = STATE,
        ["helmfile.lock"] = "version: v0\ndependencies:\n- name: web\n  repository: http://127.0.0.1:9/charts\n  version: 1.2.0\n",
      }
      local st = assert(hfl.load(dir .. "/helmfile.yaml"))
      assert.equal("1.2.0", assert(st:list())[2].version)
      write(dir .. "/helmfile.lock",
        "version: v0\ndependencies:\n- name: web\n  repository: http://127.0.0.1:9/charts\n  version: 1.3.0\n")
      write(dir .. "/helmfile.yaml", STATE:gsub("name: db", "name: database"))
      st = assert(hfl.load(dir .. "/helmfile.yaml"))
      local rows = assert(st:list())
      assert.same({ "database", "web" }, { rows[1].name, rows[2].name })
      assert.equal("1.3.0", rows[2].version)
    end)
  end)

  describe("State", function()
    it("selects with selectors and reports a bad one as nil, err", function()
      local dir = T.tree { ["helmfile.yaml"] = STATE }
      local st = assert(hfl.load(dir .. "/helmfile.yaml"))
      assert.same({ "db" }, names(assert(st:select("tier=back"))))
      local rels, err = st:select("tier")
      assert.is_nil(rels)
      assert.is_string(err)
    end)

    it("plans batches by needs, and reports a bad selector as nil, err", function()
      local dir = T.tree { ["helmfile.yaml"] = STATE }
      local st = assert(hfl.load(dir .. "/helmfile.yaml"))
      local batches = assert(st:dag())
      assert.same({ { "web" }, { "db" } }, { names(batches[1]), names(batches[2]) })
      local b, err = st:dag { selectors = { "=oops" } }
      assert.is_nil(b)
      assert.is_string(err)
      local groups = assert(st:show_dag())
      assert.equal(1, #groups)
      assert.same({ "web" }, names(groups[1].batches[1]))
    end)

    it("shows every state file in show_dag, one without releases with no batches", function()
      local dir = T.tree {
        ["helmfile.yaml"] = "helmfiles:\n- sub/*.yaml\n",
        ["sub/a.yaml"] = "releases:\n- name: a\n  chart: ./c\n",
      }
      local st = assert(hfl.load(dir .. "/helmfile.yaml"))
      local groups, matched = st:show_dag()
      assert.is_true(matched)
      assert.equal(2, #groups)
      assert.same({ "a" }, names(groups[1].batches[1]))
      assert.same({}, groups[2].batches)
      local nothing
      st = assert(hfl.load { file = dir .. "/helmfile.yaml", selectors = "name=zzz" })
      groups, nothing = st:show_dag()
      assert.equal(2, #groups)
      assert.is_false(nothing)
    end)

    it("lists rows as `hfl list` prints them", function()
      local dir = T.tree { ["helmfile.yaml"] = STATE }
      local rows = assert(assert(hfl.load(dir .. "/helmfile.yaml")):list())
      assert.same({ name = "db", namespace = "", enabled = true, installed = true,
        labels = "chart:db,name:db,namespace:,tier:back", chart = "./db", version = "" }, rows[1])
    end)

    it("writes values files and returns where", function()
      local dir = T.tree { ["helmfile.yaml"] = "releases:\n- name: a\n  chart: ./c\n  values:\n  - x: 1\n" }
      local st = assert(hfl.load(dir .. "/helmfile.yaml"))
      local written = assert(st:write_values { output_file_template = dir .. "/out/{{ .Release.Name }}.yaml" })
      assert.equal(1, #written)
      assert.equal(dir .. "/out/a.yaml", written[1].path)
      local f = assert(io.open(written[1].path))
      assert.equal("x: 1\n", f:read("*a"))
      f:close()
    end)

    it("fetches local charts and writes no lock file when there is nothing to lock", function()
      local dir = T.tree {
        ["helmfile.yaml"] = "releases:\n- name: a\n  chart: ./c\n",
        ["c/Chart.yaml"] = "apiVersion: v2\nname: c\nversion: 0.1.0\n",
      }
      local st = assert(hfl.load(dir .. "/helmfile.yaml"))
      local charts = assert(st:fetch())
      assert.equal(dir .. "/c", charts[1].path)
      assert.same({}, assert(st:lock()))
    end)

    it("keeps its release fields in one place: release.spec", function()
      local dir = T.tree { ["helmfile.yaml"] = STATE }
      local r = assert(hfl.load(dir .. "/helmfile.yaml")):releases()[1]
      assert.equal("stable/web", r.chart)
      assert.is_nil(rawget(r, "chart"))
      r.chart = "stable/other"
      assert.equal("stable/other", r.spec.chart)
    end)
  end)

  describe("warnings", function()
    local HANDLER = "missingFileHandler: Warn\nhelmfiles:\n- nope/*.yaml\n---\n" .. STATE

    it("go to the log sink the caller passes, never to stderr", function()
      local dir = T.tree { ["helmfile.yaml"] = HANDLER }
      local seen = {}
      local function keep(fmt, ...) seen[#seen + 1] = fmt:format(...) end
      local function drop() end
      assert(hfl.load { file = dir .. "/helmfile.yaml", log = { debug = drop, info = drop, warn = keep, error = keep } })
      assert.same({ "no matches for path: nope/*.yaml" }, seen)
    end)

    it("are kept on the session when no sink is given", function()
      local dir = T.tree { ["helmfile.yaml"] = HANDLER }
      local st = assert(hfl.load(dir .. "/helmfile.yaml"))
      assert.same({ "no matches for path: nope/*.yaml" }, st.session.log.warnings)
    end)
  end)
end)

describe("hfl.session #unit", function()
  local proc = require "hfl.proc"

  it("raises on unknown options", function()
    assert.has_error(function() hfl.session.new { concurency = 2 } end,
      'hfl.session.new: unknown option "concurency"')
  end)

  it("runs a piece of work once however many tasks want it at once", function()
    local s = hfl.session.new()
    local calls = 0
    local results = proc.map({ 1, 2, 3, 4, 5 }, 0, function()
      return s:once("index", "http://x", function()
        calls = calls + 1
        proc.sleep(0.01)
        return "idx"
      end)
    end)
    assert.equal(1, calls)
    assert.same({ "idx", "idx", "idx", "idx", "idx" }, results)
  end)

  it("forgets a failure when asked, so the next caller tries again", function()
    local s = hfl.session.new()
    local calls = 0
    local function try()
      return s:once("index", "k", function()
        calls = calls + 1
        if calls == 1 then return nil, "down" end
        return "up"
      end, true)
    end
    assert.same({ nil, "down" }, { try() })
    assert.equal("up", try())
    assert.equal("up", try())
    assert.equal(2, calls)
  end)

  it("never runs more than `concurrency` limited pieces of work at once", function()
    local s = hfl.session.new { concurrency = 2 }
    local running, most = 0, 0
    proc.map({ 1, 2, 3, 4, 5, 6 }, 0, function()
      s:limited(function()
        running = running + 1
        most = math.max(most, running)
        proc.sleep(0.01)
        running = running - 1
      end)
    end)
    assert.equal(2, most)
  end)

  it("keeps nothing between two sessions", function()
    local a, b = hfl.session.new(), hfl.session.new()
    assert.equal(1, a:once("k", "x", function() return 1 end))
    assert.equal(2, b:once("k", "x", function() return 2 end))
  end)
end)
