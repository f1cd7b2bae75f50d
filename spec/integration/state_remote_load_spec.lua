-- hfl.state.load with remote (go-getter git::) sources: sub-helmfiles, -f, bases and values
-- files fetched from git repositories made with the real `git` in temp dirs (file://); template
-- error hints.
local loader = require "hfl.state.load"
local hfl = require "hfl"
local T = require "fixtures.state.loader.tree"
local servers = require "spec.support.servers"
local gitd = require "spec.support.servers.gitd"

local APPS = [[
environments:
  default:
    values:
    - values/common.yaml
---
releases:
- name: app-{{ .Values.tier }}
  chart: ./charts/app
  namespace: {{ .Values.ns }}
]]

local function load(dir, opts)
  opts = opts or {}
  opts.cwd = dir
  opts.session = opts.session or T.session()
  return loader.load(opts)
end

local function release_names(states)
  local out = {}
  for _, s in ipairs(states) do
    for _, r in ipairs(s.doc.releases or {}) do out[#out + 1] = r.name end
  end
  return out
end

local function quote_pattern(s) return (s:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")) end

describe("hfl.state.load with remote sources #integration", function()
  local repo, v1
  setup(function()
    repo = gitd.repo({
      ["apps/helmfile.yaml.gotmpl"] = APPS,
      ["apps/values/common.yaml"] = "tier: one\nns: apps\n",
      ["base.yaml"] = "environments:\n  default:\n    values:\n    - local.yaml\nhelmDefaults:\n  wait: true\n",
      ["vals.yaml.gotmpl"] = "fromRemote: {{ .Values.seed }}-remote\n",
      ["broken.yaml"] = "releasez: []\n",
      ["nested/helmfile.yaml"] = "helmfiles:\n- ../apps/helmfile.yaml.gotmpl\nreleases:\n- name: nested\n  chart: c\n",
    })
    v1 = gitd.commit(repo, { README = "v1\n" }, "v1")
    gitd.tag(repo, "v1")
    gitd.commit(repo, { ["apps/values/common.yaml"] = "tier: two\nns: apps\n" }, "v2")
    gitd.tag(repo, "v2")
  end)
  teardown(function() servers.cleanup() end)
  before_each(function() T.setenv("HFL_CACHE_HOME", servers.tmpdir()) end)
  after_each(function()
    T.restore_env()
    T.cleanup()
  end)

  local function src(path, ref)
    return ("git::file://%s@%s%s"):format(repo, path, ref and ("?ref=" .. ref) or "")
  end

  describe("remote sub-helmfiles", function()
    it("loads a git:: sub-helmfile at the ref it names, from its own directory in the checkout", function()
      local dir = T.tree { ["helmfile.yaml"] = ("helmfiles:\n- %s\n- path: %s\n"):format(
        src("apps/helmfile.yaml.gotmpl", "v1"), src("apps/helmfile.yaml.gotmpl", "v2")) }
      local states = assert(load(dir))
      assert.same({ "app-one", "app-two" }, release_names(states))
      assert.equal(src("apps/helmfile.yaml.gotmpl", "v1"), states[1].name)
      assert.equal(src("apps/helmfile.yaml.gotmpl", "v2"), states[2].name)
      assert.equal(dir .. "/helmfile.yaml", states[3].path)
      -- its relative paths resolve in the checkout
      assert.matches("/apps$", states[1].dir)
      local f = io.open(states[1].dir .. "/values/common.yaml")
      assert.truthy(f)
      f:close()
      assert.are_not.equal(states[1].dir, states[2].dir)
      assert.equal("apps", states[1].values.ns)
    end)

    it("loads every state file of a directory source, named after the file in the repository", function()
      local dir = T.tree { ["helmfile.yaml"] = ("helmfiles:\n- %s\n"):format(src("apps", "v1")) }
      local states = assert(load(dir))
      assert.same({ "app-one" }, release_names(states))
      assert.equal(src("apps/helmfile.yaml.gotmpl", "v1"), states[1].name)
    end)

    it("follows relative sub-helmfiles inside the remote state to the same checkout", function()
      local dir = T.tree { ["helmfile.yaml"] = ("helmfiles:\n- %s\n"):format(src("nested/helmfile.yaml", "v1")) }
      local states = assert(load(dir))
      assert.same({ "app-one", "nested" }, release_names(states))
      assert.equal(src("apps/helmfile.yaml.gotmpl", "v1"), states[1].name)
    end)

    it("checks out the default branch when there is no ref", function()
      local dir = T.tree { ["helmfile.yaml"] = ("helmfiles:\n- %s\n"):format(src("apps/helmfile.yaml.gotmpl")) }
      assert.same({ "app-two" }, release_names(assert(load(dir))))
    end)

    it("passes sub-helmfile values and selectors to a remote child", function()
      local dir = T.tree {
        ["helmfile.yaml"] = ("helmfiles:\n- path: %s\n  values:\n  - tier: given\n  selectors: [name=app-given]\n")
          :format(src("apps/helmfile.yaml.gotmpl", "v1")),
      }
      local states = assert(load(dir))
      assert.same({ "app-given" }, release_names(states))
      assert.same({ { name = "app-given" } }, states[1].selectors)
    end)

    it("never fetches a child whose selectors conflict with the command line's", function()
      local dir = T.tree {
        ["helmfile.yaml"] = ("helmfiles:\n- path: %s\n  selectors: [name=x]\n"):format(src("apps/x.yaml", "nope")),
      }
      local states = assert(load(dir, { selectors = { "name=y" } }))
      assert.equal(1, #states)
    end)

    it("names the source and the ref in a one-line error when the ref does not exist", function()
      local dir = T.tree { ["helmfile.yaml"] = ("helmfiles:\n- %s\n"):format(src("apps/helmfile.yaml.gotmpl", "nope")) }
      local states, err = load(dir)
      assert.is_nil(states)
      assert.equal(("helmfile.yaml:2: fetch %s: git fetch file://%s: no branch, tag or commit named \"nope\"")
        :format(src("apps/helmfile.yaml.gotmpl", "nope"), repo), err)
    end)

    it("reports a file missing from the repository under the missingFileHandler", function()
      local missing = src("apps/none.yaml", "v1")
      local dir = T.tree {
        ["helmfile.yaml"] = ("helmfiles:\n- %s\n"):format(missing),
        ["warn.yaml"] = ("missingFileHandler: Warn\nhelmfiles:\n- %s\nreleases:\n- name: top\n  chart: c\n")
          :format(missing),
      }
      local states, err = load(dir)
      assert.is_nil(states)
      assert.equal(("helmfile.yaml:2: no matches for path: %s (not in the repository at commit %s)")
        :format(missing, v1:sub(1, 12)), err)
      assert.is_nil(err:find("\n"))
      local lines, stop = T.capture_log("warn")
      states = assert(load(dir, { file = "warn.yaml" }))
      stop()
      assert.same({ "top" }, release_names(states))
      assert.matches("skipping missing sub%-helmfile: no matches for path: " .. quote_pattern(missing),
        table.concat(lines))
    end)

    it("lets ignoreMissingGitBranch turn a missing ref into a missing file", function()
      local dir = T.tree {
        ["helmfile.yaml"] = ("missingFileHandler: Warn\nmissingFileHandlerConfig:\n  ignoreMissingGitBranch: true\n"
          .. "helmfiles:\n- %s\nreleases:\n- name: top\n  chart: c\n"):format(src("apps/helmfile.yaml.gotmpl", "gone")),
      }
      local _, stop = T.capture_log("warn")
      local states = assert(load(dir))
      stop()
      assert.same({ "top" }, release_names(states))
    end)

    it("refuses remote sources under HELMFILE_DISABLE_INSECURE_FEATURES", function()
      T.setenv("HELMFILE_DISABLE_INSECURE_FEATURES", "true")
      local dir = T.tree { ["helmfile.yaml"] = ("helmfiles:\n- %s\n"):format(src("apps/helmfile.yaml.gotmpl", "v1")) }
      local _, err = load(dir)
      assert.equal(("helmfile.yaml:2: fetch %s: remote sources are disabled due to 'HELMFILE_DISABLE_INSECURE_FEATURES'")
        :format(src("apps/helmfile.yaml.gotmpl", "v1")), err)
    end)

    it("names the remote source in the chain of an error inside the remote state", function()
      local dir = T.tree { ["helmfile.yaml"] = ("helmfiles:\n- %s\n"):format(src("broken.yaml", "v1")) }
      local _, err = load(dir)
      assert.matches("^helmfile%.yaml → " .. quote_pattern(src("broken.yaml", "v1")) .. ":1: unknown top%-level key", err)
    end)
  end)

  describe("-f with a remote source", function()
    it("loads the state from the checkout", function()
      local dir = T.tree {}
      local states = assert(load(dir, { file = src("apps/helmfile.yaml.gotmpl", "v2") }))
      assert.same({ "app-two" }, release_names(states))
      assert.equal(src("apps/helmfile.yaml.gotmpl", "v2"), states[1].name)
    end)

    it("says which source has no such file", function()
      local _, err = load(T.tree {}, { file = src("nothing.yaml", "v1") })
      assert.equal(("specified state file %s is not found (commit %s)"):format(src("nothing.yaml", "v1"),
        v1:sub(1, 12)), err)
    end)

    it("builds releases through hfl.load", function()
      local st = assert(hfl.load { file = src("apps/helmfile.yaml.gotmpl", "v1"), cwd = T.tree {} })
      local rels = st:releases()
      assert.equal(1, #rels)
      assert.equal("app-one", rels[1].name)
      assert.equal("apps", rels[1].namespace)
    end)
  end)

  describe("remote bases and values", function()
    it("layers a remote base whose relative paths resolve against the including state", function()
      local dir = T.tree {
        ["local.yaml"] = "fromLocal: here\n",
        ["helmfile.yaml.gotmpl"] = ("bases:\n- %s\n---\nreleases:\n- name: r-{{ .Values.fromLocal }}\n  chart: c\n")
          :format(src("base.yaml", "v1")),
      }
      local states = assert(load(dir))
      assert.same({ "r-here" }, release_names(states))
      assert.equal(true, states[1].doc.helmDefaults.wait)
    end)

    it("names the base's source when it is missing from the repository", function()
      local dir = T.tree { ["helmfile.yaml"] = ("bases:\n- %s\n"):format(src("nobase.yaml", "v1")) }
      local _, err = load(dir)
      assert.equal(("helmfile.yaml:2: bases[0]: %s: no such file in the repository (commit %s)")
        :format(src("nobase.yaml", "v1"), v1:sub(1, 12)), err)
    end)

    it("loads and renders remote environment values files", function()
      local dir = T.tree {
        ["helmfile.yaml.gotmpl"] = ("values:\n- seed: s\n---\nenvironments:\n  default:\n    values:\n    - %s\n    - %s\n---\n"
          .. "releases:\n- name: r-{{ .Values.fromRemote }}-{{ .Values.tier }}\n  chart: c\n")
          :format(src("vals.yaml.gotmpl", "v1"), src("apps/values/common.yaml", "v2")),
      }
      local states = assert(load(dir))
      assert.same({ "r-s-remote-two" }, release_names(states))
    end)

    it("applies the missingFileHandler and ignoreMissingGitBranch to remote values files", function()
      local entries = ("    - %s\n    - %s\n"):format(src("vals.yaml", "nobranch"), src("none.yaml", "v1"))
      local dir = T.tree {
        ["skip.yaml"] = "environments:\n  default:\n    missingFileHandler: Warn\n    missingFileHandlerConfig:\n"
          .. "      ignoreMissingGitBranch: true\n    values:\n" .. entries .. "---\nreleases:\n- name: r\n  chart: c\n",
        ["strict.yaml"] = "environments:\n  default:\n    missingFileHandler: Warn\n    values:\n" .. entries,
        ["error.yaml"] = ("environments:\n  default:\n    values:\n    - %s\n"):format(src("none.yaml", "v1")),
      }
      local lines, stop = T.capture_log("warn")
      local states = assert(load(dir, { file = "skip.yaml" }))
      stop()
      assert.same({ "r" }, release_names(states))
      assert.equal(2, #lines)
      local _, err = load(dir, { file = "strict.yaml" })
      assert.matches('no branch, tag or commit named "nobranch"', err)
      _, err = load(dir, { file = "error.yaml" })
      assert.equal(('error.yaml:4: environment values file matching "%s" does not exist in "." (set missingFileHandler: Warn to skip a missing file)')
        :format(src("none.yaml", "v1")), err)
    end)
  end)

  describe("template error hints", function()
    it("adds hfl.tmpl's hint on a second line of a values file's template error", function()
      local dir = T.tree {
        ["helmfile.yaml"] = "environments:\n  default:\n    values:\n    - v.yaml.gotmpl\n",
        ["v.yaml.gotmpl"] = "a: {{ .Values.missing.key }}\n",
      }
      local _, err = load(dir)
      local first, second = err:match("^([^\n]*)\n([^\n]*)$")
      assert.matches('map has no entry for key "missing"$', first)
      assert.equal("hint: " .. require("hfl.tmpl").hint(first), second)
    end)

    it("adds the hint to release templating errors (State:render)", function()
      local dir = T.tree { ["helmfile.yaml"] = "releases:\n- name: r\n  chart: c\n  namespace: '{{ .Values.nope.x }}'\n" }
      local st, err = hfl.load { cwd = dir, file = "helmfile.yaml" }
      assert.is_nil(st)
      assert.matches('map has no entry for key "nope"\nhint: the key "nope" is missing', tostring(err))
    end)

    it("keeps a part's error Go's word for word unless asked for hints", function()
      local dir = T.tree { ["helmfile.yaml.gotmpl"] = "releases:\n- name: {{ .Values.gone }}\n" }
      local _, err = load(dir)
      assert.is_nil(err:find("\n"))
      _, err = load(dir, { hints = true })
      assert.matches('map has no entry for key "gone"\nhint: ', err)
    end)
  end)
end)
