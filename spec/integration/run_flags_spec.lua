-- `hfl run SCRIPT [ARG...]`: every token after SCRIPT is the script's, and the global flags
-- before SCRIPT are the defaults of the script's hfl.load.
local hflrun = require "spec.support.hflrun"

local function tmpdir()
  local p = io.popen("mktemp -d")
  local d = p:read("*l")
  p:close()
  return d
end

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

local function project()
  local d = tmpdir()
  write(d .. "/helmfile.yaml.gotmpl", [[
environments:
  default:
    values: [{ ns: dev }]
  prod:
    values: [{ ns: shop }]
---
releases:
  - name: db
    chart: ./charts/db
    namespace: {{ .Values.ns }}
    labels: { tier: db }
  - name: web
    chart: ./charts/web
    namespace: {{ .Values.ns }}
]])
  os.execute("mkdir -p '" .. d .. "/other'")
  write(d .. "/other/helmfile.yaml", "releases:\n  - name: other\n    chart: ./c\n")
  -- prints the selected releases of the default load, and the script's arguments
  write(d .. "/flow.lua", [[
local st = assert(hfl.load{})
local rows = assert(st:list())
local names = {}
for _, r in ipairs(rows) do names[#names + 1] = r.name .. "@" .. r.namespace end
print(table.concat(names, " ") .. " | " .. table.concat(arg, " "))
assert(require("hfl") == hfl)
]])
  return d
end

local function run(d, args)
  return hflrun.run(args, { cwd = d })
end

describe("hfl run: flags and arguments #integration", function()
  it("gives the script every token after SCRIPT, flags included", function()
    local d = project()
    local code, out, err = run(d, { "run", "flow.lua", "--env", "prod", "-e", "x", "--", "-l" })
    assert.equal(0, code, err)
    assert.equal("db@dev web@dev | --env prod -e x -- -l\n", out)
  end)

  it("applies -e and -l before SCRIPT to the script's hfl.load", function()
    local d = project()
    local code, out, err = run(d, { "-e", "prod", "-l", "tier=db", "run", "flow.lua", "a" })
    assert.equal(0, code, err)
    assert.equal("db@shop | a\n", out)
    code, out, err = run(d, { "run", "--environment", "prod", "flow.lua" })
    assert.equal(0, code, err)
    assert.equal("db@shop web@shop | \n", out)
  end)

  it("applies --file and --namespace before SCRIPT", function()
    local d = project()
    local code, out, err = run(d, { "--file", "other/helmfile.yaml", "-n", "team", "run", "flow.lua" })
    assert.equal(0, code, err)
    assert.equal("other@team | \n", out)
  end)

  it("lets what the script passes to hfl.load win over the flags", function()
    local d = project()
    write(d .. "/pick.lua", [[
local st = assert(hfl.load{ environment = "default", selectors = {} })
local rows = assert(st:list())
print(#rows, rows[1].namespace)
]])
    local code, out, err = run(d, { "-e", "prod", "-l", "tier=db", "run", "pick.lua" })
    assert.equal(0, code, err)
    assert.equal("2\tdev\n", out)
  end)

  it("still reports an unknown flag before SCRIPT", function()
    local d = project()
    local code, _, err = run(d, { "--envv", "prod", "run", "flow.lua" })
    assert.equal(1, code)
    assert.matches('unknown flag "--envv"', err, 1, true)
  end)
end)
