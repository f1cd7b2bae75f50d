local repl = require "hfl.repl"
local pretty = require "hfl.repl.pretty"
local complete = require "hfl.repl.complete"
local lineedit = require "hfl.lineedit"
local value = require "hfl.value"
local hfl = require "hfl"

local HELMFILE = [[
environments:
  default:
    values:
      - replicas: 2
---
releases:
  - name: web
    namespace: apps
    chart: ./charts/web
    labels: { tier: front }
  - name: db
    namespace: apps
    chart: ./charts/db
]]

local function loaded()
  local fs = require "hfl.fs"
  local dir = assert(fs.mkdtemp(fs.tmpdir() .. "/hfl-repl-unit-XXXXXX"))
  assert(fs.write_atomic(dir .. "/helmfile.yaml", HELMFILE))
  local st = assert(hfl.load { file = dir .. "/helmfile.yaml" })
  fs.rm_r(dir, fs.tmpdir())
  return st
end

-- A REPL whose output and errors are collected.
local function session(st)
  local out, errs = {}, {}
  local r = repl.new { load = function() return st end,
    write = function(s) out[#out + 1] = s end, error = function(m) errs[#errs + 1] = m end }
  if st then assert(r:bind(st)) end
  return r, function()
    local o, e = table.concat(out), table.concat(errs, "\n")
    out, errs = {}, {}
    return o, e
  end
end

describe("hfl.repl.pretty #unit", function()
  describe("show()", function()
    it("sorts map keys, numbers before strings", function()
      assert.equal('{ [1] = true, [2] = false, a = 1, b = "x" }', pretty.show { b = "x", a = 1, [2] = false, [1] = true })
    end)

    it("shows lists in brackets and keeps empty lists apart from empty maps", function()
      assert.equal('[ 1, "two", null ]', pretty.show(value.list { 1, "two", hfl.null }))
      assert.equal("[]", pretty.show(value.list()))
      assert.equal("{}", pretty.show(value.map()))
      assert.equal("nil", pretty.show(nil))
    end)

    it("quotes keys and strings that need it", function()
      assert.equal('{ ["app.kubernetes.io/name"] = "a\\nb", ["end"] = 1 }',
        pretty.show { ["app.kubernetes.io/name"] = "a\nb", ["end"] = 1 })
    end)

    it("shows floats and ints as the value model keeps them", function()
      assert.equal("[ 3, 1.5, 1000000.0 ]", pretty.show(value.list { 3, 1.5, value.float(1e6) }))
    end)

    it("folds a table that does not fit on a line, one entry a line", function()
      local t = {}
      for i = 1, 12 do t["key" .. i] = "value number " .. i end
      local shown = pretty.show { outer = t }
      assert.matches('^{\n  outer = {\n    key1 = "value number 1",\n    key10 = "value number 10",\n', shown)
      assert.matches('\n    key9 = "value number 9"\n  }\n}$', shown)
    end)

    it("summarises long lists, deep nesting and cycles", function()
      local long = value.list()
      for i = 1, pretty.MAX_ITEMS + 5 do long[i] = i end
      local shown = pretty.show(long)
      assert.matches("^%[\n  1, 2, 3, [%d, ]+,\n  %d+, ", shown)
      assert.matches(", 50, … 5 more\n%]$", shown)
      local deep = { 1 }
      for _ = 1, pretty.MAX_DEPTH + 2 do deep = { deep } end
      assert.matches("%[…%] %(1%)", pretty.show(deep))
      local cyc = {}
      cyc.self = cyc
      assert.equal("{ self = <cycle> }", pretty.show(cyc))
    end)

    it("shows a release as its fields and a State as its summary", function()
      local st = loaded()
      local web = st:releases()[1]
      assert.equal('release "apps/web" { chart = "./charts/web", kubeContext = "", labels = { chart = "web", name = "web", namespace = "apps", tier = "front" }, name = "web", namespace = "apps" }',
        pretty.show(web):gsub("\n%s*", " "))
      assert.matches('^State {\n  environment = "default",\n  files = %[ "[^"]*/helmfile.yaml" %],\n' ..
        '  releases = %[ "apps/web", "apps/db" %],\n  selectors = %[%]\n}$', pretty.show(st))
    end)
  end)
end)

describe("hfl.repl.complete #unit", function()
  local st = loaded()
  local r = session(st)
  local function comp(before) return complete.complete(before, r.env, repl.COMMANDS) end

  it("completes a method after ':' with its opening parenthesis", function()
    assert.same({ "lect(" }, { comp("state:se") })
    assert.same({ "(" }, { comp("x = state:releases") })
  end)

  it("completes the fields of a release, through indexing", function()
    assert.same({ "me" }, { comp("releases[1].na") })
    assert.same({ "pace" }, { comp("releases[1].names") })
    assert.same({ "hart" }, { comp("print(releases[2].c") })
    assert.same({ "bels" }, { comp("releases[1].la") })
  end)

  it("lists the candidates when they share no longer prefix", function()
    local insert, list = comp("hfl.v")
    assert.equal("", insert)
    assert.same({ "value", "version" }, list)
  end)

  it("completes globals, the REPL's and Lua's, and the REPL's commands", function()
    assert.same({ "eases" }, { comp("#rel") })
    assert.same({ "airs(" }, { comp("for k in ip") })
    assert.same({ "oad" }, { comp(":rel") })
  end)

  it("offers nothing for unknown names, private fields or numbers", function()
    assert.same({ "" }, { comp("nothing.he") })
    assert.same({ "" }, { comp("releases[1]._wh") })
    assert.same({ "" }, { comp("x = 12") })
  end)

  it("never calls a function to complete", function()
    local called = false
    r.env.f = function() called = true return { a = 1 } end
    assert.same({ "" }, { comp("f().a") })
    assert.is_false(called)
  end)
end)

describe("hfl.repl #unit", function()
  local st = loaded()

  it("evaluates expressions and statements, keeping globals", function()
    local r, got = session(st)
    assert.equal("done", r:feed("n = #releases"))
    assert.equal("done", r:feed("n * 10, values.replicas"))
    assert.same({ "20\t2\n", "" }, { got() })
  end)

  it("waits for the rest of an unfinished chunk", function()
    local r, got = session(st)
    assert.equal("more", r:feed("function twice(x)"))
    assert.equal("more", r:feed("  return 2 * x"))
    assert.equal("done", r:feed("end"))
    assert.equal("done", r:feed("twice(21)"))
    assert.same({ "42\n", "" }, { got() })
  end)

  it("reports a syntax error that is not an unfinished chunk at once", function()
    local r, got = session(st)
    assert.equal("done", r:feed("x = = 1"))
    assert.same({ "", "stdin:1: unexpected symbol near '='" }, { got() })
  end)

  it("reports an error without a traceback and goes on", function()
    local r, got = session(st)
    r:feed("error({ code = 2 })")
    r:feed("1")
    assert.same({ "1\n", "{ code = 2 }" }, { got() })
  end)

  it("drops an unfinished chunk on cancel", function()
    local r, got = session(st)
    r:feed("for i = 1, 3 do")
    r:cancel()
    assert.equal("done", r:feed("'fresh'"))
    assert.same({ '"fresh"\n', "" }, { got() })
  end)

  it("shows YAML with :yaml, with or without parentheses", function()
    local r, got = session(st)
    r:feed(":yaml(values)")
    r:feed(":yaml releases[2]")
    assert.same({ "replicas: 2\nchart: ./charts/db\nkubeContext: \"\"\nlabels:\n  chart: db\n  name: db\n  namespace: apps\nname: db\nnamespace: apps\n", "" }, { got() })
    r:feed(":yaml")
    assert.same({ "", ":yaml: want a value, e.g. :yaml(values)" }, { got() })
  end)

  it("ends on :quit", function()
    local r = session(st)
    assert.equal("quit", r:feed(":quit"))
  end)
end)

describe("hfl.lineedit #unit", function()
  it("keeps the history under XDG_STATE_HOME, else ~/.local/state", function()
    local env = { XDG_STATE_HOME = "/s", HOME = "/h" }
    local function getenv(k) return env[k] end
    assert.equal("/s/hfl/repl_history", lineedit.history_path(getenv))
    env.XDG_STATE_HOME = ""
    assert.equal("/h/.local/state/hfl/repl_history", lineedit.history_path(getenv))
    env.HOME = nil
    assert.is_nil(lineedit.history_path(getenv))
  end)
end)
