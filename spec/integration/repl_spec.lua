local hflrun = require "spec.support.hflrun"
local fs = require "hfl.fs"

local HELMFILE = [[
environments:
  default:
    values:
      - replicas: 1
        region: eu
  prod:
    values:
      - replicas: 3
        region: us
---
releases:
  - name: web
    namespace: apps
    chart: ./charts/web
    labels: { tier: front }
    values:
      - replicas: {{ .Values.replicas }}
  - name: db
    namespace: apps
    chart: ./charts/db
    labels: { tier: db }
]]

local function project()
  local dir = assert(fs.mkdtemp(fs.tmpdir() .. "/hfl-repl-XXXXXX"))
  assert(fs.write_atomic(dir .. "/helmfile.yaml.gotmpl", HELMFILE))
  return dir
end

local function repl(dir, input, args)
  local argv = { "repl" }
  for _, a in ipairs(args or {}) do argv[#argv + 1] = a end
  return hflrun.run(argv, { cwd = dir, stdin = input })
end

describe("hfl repl with stdin not a terminal #integration", function()
  local dir
  before_each(function() dir = project() end)
  after_each(function() fs.rm_r(dir, fs.tmpdir()) end)

  it("prints the value of each expression and runs statements", function()
    local code, out, err = repl(dir, table.concat({
      "#releases",
      "x = 20",
      "x * 2 + 2",
      "releases[1].name, releases[2].namespace",
      "values",
    }, "\n") .. "\n")
    assert.equal(0, code, err)
    assert.equal('2\n42\n"web"\t"apps"\n{ region = "eu", replicas = 1 }\n', out)
    assert.equal("", err)
  end)

  it("pretty-prints releases with sorted keys, lists apart from maps, and null", function()
    local code, out, err = repl(dir, 'releases[1]\nhfl.null\nhfl.value.list{}\n{}\n', { "-l", "tier=db" })
    assert.equal(0, code, err)
    assert.equal('release "apps/db" {\n  chart = "./charts/db",\n  kubeContext = "",\n' ..
      '  labels = { chart = "db", name = "db", namespace = "apps", tier = "db" },\n' ..
      '  name = "db",\n  namespace = "apps"\n}\n', out:match("^(.-\n}\n)"))
    assert.matches("\nnull\n%[%]\n{}\n$", out)
  end)

  it("binds the releases of -l and the values of -e", function()
    local code, out, err = repl(dir, "#releases\nreleases[1].name\nvalues.region\n", { "-e", "prod", "-l", "tier=front" })
    assert.equal(0, code, err)
    assert.equal('1\n"web"\n"us"\n', out)
  end)

  it("reports an error in one line and runs the next statement", function()
    local code, out, err = repl(dir, 'nothing.here\nerror("wrong values")\n1 + 1\n')
    assert.equal(0, code)
    assert.equal("2\n", out)
    assert.equal("error: stdin:1: attempt to index global 'nothing' (a nil value)\nerror: wrong values\n", err)
    assert.not_matches("traceback", err)
  end)

  it("reads a statement over several lines when it is unfinished", function()
    local code, out, err = repl(dir, "for _, r in ipairs(releases) do\n  print(r.name)\nend\n")
    assert.equal(0, code, err)
    assert.equal("web\ndb\n", out)
    code, out, err = repl(dir, "for i = 1, 2 do\n")
    assert.equal(0, code)
    assert.equal("", out)
    assert.equal("error: stdin:1: 'end' expected near '<eof>'\n", err)
  end)

  it("shows YAML with :yaml, and its help with :help", function()
    local code, out, err = repl(dir, ":yaml(releases[1]:values())\n:yaml values\n:help\n:nope\n")
    assert.equal(0, code, err)
    assert.matches("^replicas: 1\nregion: eu\nreplicas: 1\n", out)
    assert.matches(":reload", out, 1, true)
    assert.equal("error: unknown command :nope (:help lists them)\n", err)
  end)

  it("re-reads the files on :reload", function()
    local code, out, err = repl(dir, table.concat({
      "values.replicas",
      -- the edit happens from inside the REPL, between two of its statements
      ('local text = io.open(%q):read("*a") local f = io.open(%q, "w") f:write((text:gsub("replicas: 1", "replicas: 7"))) f:close()')
        :format(dir .. "/helmfile.yaml.gotmpl", dir .. "/helmfile.yaml.gotmpl"),
      "values.replicas",
      ":reload",
      "values.replicas",
      ":yaml releases[1]:values()",
    }, "\n") .. "\n")
    assert.equal(0, code, err)
    assert.equal("", err)
    assert.equal('1\n1\nreloaded: 2 release(s), environment "default"\n7\nreplicas: 7\n', out)
  end)

  it("keeps the old state when :reload fails", function()
    local path = dir .. "/helmfile.yaml.gotmpl"
    local code, out, err = repl(dir, table.concat({
      ('local f = io.open(%q, "w") f:write("releases: [\\n") f:close()'):format(path),
      ":reload",
      "#releases",
    }, "\n") .. "\n")
    assert.equal(0, code)
    assert.equal("2\n", out)
    assert.matches("^error: [^\n]*helmfile.yaml.gotmpl[^\n]*\n$", err)
  end)

  it("exits with the code os.exit gives", function()
    local code, out = repl(dir, 'print("before")\nos.exit(4)\nprint("after")\n')
    assert.equal(4, code)
    assert.equal("before\n", out)
  end)

  it("fails like other commands when the state cannot be loaded", function()
    local code, out, err = repl(dir, "1\n", { "-f", "missing.yaml" })
    assert.equal(1, code)
    assert.equal("", out)
    assert.matches("missing.yaml", err, 1, true)
  end)
end)
