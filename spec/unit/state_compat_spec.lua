-- Compatibility cases found by running hfl on Helmfile's own test material (each with a
-- minimal fixture of our own). #unit
local loader = require "hfl.state.load"
local releases = require "hfl.state.releases"
local T = require "fixtures.state.loader.tree"
local stub = dofile("spec/fixtures/state/releases/stub.lua")

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

  describe("malformed inherit fields", function()
    local function list_err(body)
      local _, err = releases.build(stub("templates:\n  t:\n    namespace: n\n" .. body,
        { path = "/tmp/hfl-spec/helmfile.yaml" }))
      return err
    end

    it("reports a string except as an input error naming file:line", function()
      local err = list_err("releases:\n- name: a\n  chart: r/a\n  inherit:\n  - template: t\n    except: labels\n")
      assert.are.equal('/tmp/hfl-spec/helmfile.yaml:5: release "a": inherit.except must be a list of field names, not string', err)
    end)

    it("reports a non-string except item as not allowed", function()
      local err = list_err("releases:\n- name: a\n  chart: r/a\n  inherit:\n  - template: t\n    except: [[x]]\n")
      assert.matches('^/tmp/hfl%-spec/helmfile%.yaml:5: "a list" is not allowed under `inherit`', err)
    end)

    it("reports a malformed except inside a template's own inherit", function()
      local err = list_err("  u:\n    inherit:\n    - template: t\n      except: 1\n"
        .. "releases:\n- name: a\n  chart: r/a\n  inherit:\n  - template: u\n")
      assert.matches('unable to load release template "u": inherit%.except must be a list', err)
    end)

    it("reports a defaultInherit that is a map", function()
      local err = list_err("defaultInherit: {a: 1}\nreleases:\n- name: a\n  chart: r/a\n")
      assert.matches("defaultInherit must be a string or a list of strings, not map", err)
    end)

    it("reads a scalar defaultInherit as a template name", function()
      local rels, err = releases.build(stub("templates:\n  '5':\n    namespace: n\ndefaultInherit: 5\n"
        .. "releases:\n- name: a\n  chart: r/a\n"))
      assert.is_nil(err)
      assert.are.equal("n", rels[1].namespace)
    end)
  end)
end)
