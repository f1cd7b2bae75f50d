-- hfl.scaffold (`hfl create`) and hfl.tools (`hfl init`) through the Lua API.
local scaffold = require "hfl.scaffold"
local tools = require "hfl.tools"
local hfl = require "hfl"
local T = require "fixtures.state.loader.tree"

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local function executable(dir, name, text)
  local path = dir .. "/" .. name
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  os.execute("chmod +x '" .. path .. "'")
  return path
end

describe("hfl.scaffold #unit", function()
  after_each(function() T.cleanup() end)

  it("writes helmfile.yaml, environments/default.yaml and values/.gitkeep into a new directory", function()
    local dir = T.tree {} .. "/proj"
    local created = assert(scaffold.create(dir))
    assert.same({ dir .. "/helmfile.yaml", dir .. "/environments/default.yaml", dir .. "/values/.gitkeep" }, created)
    assert.equal(scaffold.HELMFILE, read(dir .. "/helmfile.yaml"))
    assert.equal(scaffold.ENVIRONMENT, read(dir .. "/environments/default.yaml"))
    assert.equal("", read(dir .. "/values/.gitkeep"))
  end)

  it("writes a helmfile hfl loads, with helmDefaults set and everything else commented out", function()
    local dir = T.tree {}
    assert(scaffold.create(dir))
    local st = assert(hfl.load(dir .. "/helmfile.yaml"))
    assert.equal(0, #st:releases())
    assert.equal(300, tonumber(st.states[1].doc.helmDefaults.timeout))
  end)

  it("overwrites nothing without force, naming every file that exists, and leaves no temp file", function()
    local dir = T.tree { ["environments/default.yaml"] = "mine: true\n" }
    local created, err = scaffold.create(dir)
    assert.is_nil(created)
    assert.equal("the following files already exist, use --force to overwrite: " .. dir .. "/environments/default.yaml", err)
    assert.equal("mine: true\n", read(dir .. "/environments/default.yaml"))
    assert.is_nil(read(dir .. "/helmfile.yaml"))
    local p = io.popen("ls -A '" .. dir .. "' '" .. dir .. "/environments'")
    local listing = p:read("*a")
    p:close()
    assert.is_nil(listing:find(".hfl-", 1, true))
  end)

  it("replaces the files with force", function()
    local dir = T.tree { ["helmfile.yaml"] = "releases: []\n" }
    assert(scaffold.create(dir, { force = true }))
    assert.equal(scaffold.HELMFILE, read(dir .. "/helmfile.yaml"))
  end)

  it("checks a project name as Helmfile does", function()
    assert.is_true(scaffold.check_name("shop"))
    assert.equal('invalid project name "a/b": must not contain path separators', select(2, scaffold.check_name("a/b")))
    assert.equal('invalid project name ".."', select(2, scaffold.check_name("..")))
    assert.equal("project name must not be empty or whitespace only", select(2, scaffold.check_name("  ")))
  end)
end)

describe("hfl.tools #unit", function()
  after_each(function() T.cleanup() end)

  it("finds helm and reads its version", function()
    local dir = T.tree {}
    local helm = executable(dir, "helm", "#!/bin/sh\necho v3.15.2+g1a500d5\n")
    local r = tools.check(tools.TOOLS[1], helm)
    assert.is_true(r.ok)
    assert.equal("3.15.2", r.version)
    assert.equal(helm, r.path)
  end)

  it("refuses helm 2", function()
    local dir = T.tree {}
    local r = tools.check(tools.TOOLS[1], executable(dir, "helm", "#!/bin/sh\necho 'Client: v2.17.0+ga690bad'\n"))
    assert.is_false(r.ok)
    assert.equal("helm v2.17.0 is too old: hfl needs helm 3.x or 4.x", r.problem)
  end)

  it("says a tool is not found", function()
    local r = tools.check(tools.TOOLS[3], "no-such-kustomize-here")
    assert.is_false(r.ok)
    assert.equal("not found", r.problem)
    assert.is_nil(r.path)
  end)

  it("which() follows PATH and takes a path with a slash as it is", function()
    assert.equal("/bin/sh", tools.which("/bin/sh"))
    assert.truthy(tools.which("sh"):find("/sh$"))
    assert.is_nil(tools.which("./no-such-file", "/"))
  end)
end)
