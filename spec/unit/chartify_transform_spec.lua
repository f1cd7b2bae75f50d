-- hfl.chartify.transform: a helmfile.lua release's `transform` function run on rendered
-- objects, in its file's sandbox, loaded through hfl.load as users write it.
local hfl = require "hfl"
local transform = require "hfl.chartify.transform"
local fs = require "hfl.fs"
local yaml = require "hfl.yaml"

local dirs = {}
local function project(body)
  local d = assert(fs.mkdtemp("hfl-transform-XXXXXX"))
  dirs[#dirs + 1] = d
  assert(fs.write_atomic(d .. "/helmfile.lua", body))
  return d
end

-- The release "web" of a helmfile.lua.
local function release(body)
  local d = project(body)
  local st = assert(hfl.load { file = d .. "/helmfile.lua" })
  for _, r in ipairs(st:releases()) do
    if r.name == "web" then return r, d end
  end
  error("no release web")
end

local function objects()
  return {
    { doc = assert(yaml.decode("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 1}\n")),
      source = "app/templates/deploy.yaml" },
    { doc = assert(yaml.decode("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata: {a: '1'}\n")),
      source = "app/templates/cm.yaml" },
  }
end

describe("hfl.chartify.transform #unit", function()
  teardown(function()
    for _, d in ipairs(dirs) do fs.rm_r(d, fs.tmpdir()) end
  end)

  it("leaves the objects alone for a release without transform", function()
    local r = release('release "web" { chart = "./c" }')
    local objs = objects()
    assert.equal(objs, transform.apply_release(r, objs, {}))
    assert.equal("", transform.digest_part(r))
  end)

  it("applies changes made in place, with the release and the file's globals at hand", function()
    local r = release([[
local replicas = 3
release "web" {
  chart = "./c", namespace = "shop",
  transform = function(objects, release)
    for _, o in ipairs(objects) do
      o.metadata.labels = { team = "core", release = release.name .. "." .. release.namespace }
      if o.kind == "Deployment" then o.spec.replicas = replicas end
    end
  end,
}
]])
    local out = assert(transform.apply_release(r, objects(), {}))
    assert.equal(2, #out)
    assert.equal(3, out[1].doc.spec.replicas)
    assert.equal("web.shop", out[2].doc.metadata.labels.release)
    assert.equal("app/templates/deploy.yaml", out[1].source)
    assert.equal("app/templates/cm.yaml", out[2].source)
    assert.equal("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  labels:\n    release: web.shop\n"
      .. "    team: core\ndata:\n  a: \"1\"\n", yaml.encode(out[2].doc, { sort = false }))
  end)

  it("takes a returned list: objects dropped, kept (with their source) and made", function()
    local r = release([[
release "web" {
  chart = "./c",
  transform = function(objects)
    local out = {}
    for _, o in ipairs(objects) do
      if o.kind ~= "ConfigMap" then out[#out + 1] = o end
    end
    out[#out + 1] = { apiVersion = "v1", kind = "Secret", metadata = { name = "extra" },
      stringData = { token = toYaml({ a = 1 }) } }
    return out
  end,
}
]])
    local out = assert(transform.apply_release(r, objects(), {}))
    assert.equal(2, #out)
    assert.equal("Deployment", out[1].doc.kind)
    assert.equal("app/templates/deploy.yaml", out[1].source)
    assert.equal("Secret", out[2].doc.kind)
    assert.equal("app/templates/transform.yaml", out[2].source)
    assert.equal("a: 1\n", out[2].doc.stringData.token)
  end)

  it("names the release and the helmfile.lua line when the function fails", function()
    local r, d = release([[
release "web" {
  chart = "./c",
  transform = function(objects)
    return objects[1].nope.field
  end,
}
]])
    local out, err = transform.apply_release(r, objects(), {})
    assert.is_nil(out)
    assert.equal('release "web": transform: ' .. d .. "/helmfile.lua:4: attempt to index field 'nope' (a nil value)", err)
  end)

  it("stops a function that runs too long with the file's limits", function()
    local r, d = release([[
release "web" { chart = "./c", transform = function(objects) while true do end end }
]])
    local out, err = transform.apply_release(r, objects(), {})
    assert.is_nil(out)
    assert.equal('release "web": transform: ' .. d .. "/helmfile.lua:1: exceeded the instruction budget (infinite loop?)", err)
  end)

  it("refuses results that are no Kubernetes objects, saying which", function()
    local cases = {
      { "return 5", "must return a list of objects (or nothing, to keep the ones it changed), got a number" },
      { 'return { "x" }', "objects[1] is a string, not a Kubernetes object (a map)" },
      { "return { web = objects[1] }", "must return a list of objects (or nothing, to keep the ones it "
        .. "changed), got a table with named keys" },
      { "return { { kind = 'A', metadata = {} } }", "objects[1] has no apiVersion" },
      { "objects[2].metadata.f = print", "objects[2].metadata.f: cannot use a function here" },
    }
    for _, c in ipairs(cases) do
      local r = release('release "web" { chart = "./c", transform = function(objects) ' .. c[1] .. " end }")
      local out, err = transform.apply_release(r, objects(), {})
      assert.is_nil(out, c[1])
      assert.matches('release "web": transform: ' .. c[2], err, 1, true)
    end
  end)

  it("puts a digest of the function's code in the release digest: same code same digest", function()
    local a = release('release "web" { chart = "./c", transform = function(o) o[1].x = 1 end }')
    local b = release('\n\nrelease "web" {\n chart = "./c",\n transform = function(o) o[1].x = 1 end }')
    local c = release('release "web" { chart = "./c", transform = function(o) o[1].x = 2 end }')
    assert.matches("^transform:%x+$", transform.digest_part(a))
    assert.equal(transform.digest_part(a), transform.digest_part(b))
    assert.not_equal(transform.digest_part(a), transform.digest_part(c))
  end)
end)
