-- Compatibility cases found by running hfl on Helmfile's own test material (each with a
-- minimal fixture of our own). #unit
local loader = require "hfl.state.load"
local T = require "fixtures.state.loader.tree"

local function load(dir, opts)
  opts = opts or {}
  opts.cwd = dir
  return loader.load(opts)
end

describe("hfl.state compatibility #unit", function()
  after_each(function()
    T.restore_env()
    T.cleanup()
  end)

  describe("top-level keys", function()
    it("accepts the filepath and renderedvalues keys that `build` prints, and ignores them", function()
      local dir = T.tree { ["helmfile.yaml"] = [[
filepath: other.yaml
releases:
- name: web
  chart: repo/web
templates: {}
renderedvalues:
  a: 1
]] }
      local states, err = load(dir)
      assert.is_nil(err)
      assert.are.equal("web", states[1].doc.releases[1].name)
      assert.is_nil(states[1].doc.filepath)
      assert.is_nil(states[1].doc.renderedvalues)
    end)

    it("still rejects other unknown top-level keys", function()
      local dir = T.tree { ["helmfile.yaml"] = "filepaths: x\nreleases: []\n" }
      local _, err = load(dir)
      assert.matches('unknown top%-level key "filepaths"', err)
    end)
  end)
end)
