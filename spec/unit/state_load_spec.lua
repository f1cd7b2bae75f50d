-- hfl.state.load: parts and their rendering, validation, bases, and sub-helmfiles. #unit
local loader = require "hfl.state.load"
local value = require "hfl.value"
local T = require "fixtures.state.loader.tree"

local function names(states)
  local out = {}
  for i, s in ipairs(states) do out[i] = s.name end
  return out
end

local function load(dir, opts)
  opts = opts or {}
  opts.cwd = dir
  opts.session = opts.session or T.session()
  return loader.load(opts)
end

local function release_names(st)
  local out = {}
  for i, r in ipairs(st.doc.releases or {}) do out[i] = r.name end
  return out
end

describe("hfl.state.load #unit", function()
  after_each(function()
    T.restore_env()
    T.cleanup()
  end)

  describe("parts", function()
    it("renders a part with the values of earlier parts", function()
      local dir = T.tree { ["helmfile.yaml.gotmpl"] = [[
environments:
  default:
    values:
    - name: web
---
releases:
- name: {{ .Values.name }}-{{ .StateValues.name }}
  chart: c/{{ .Environment.Name }}
]] }
      local states, err = load(dir)
      assert.is_nil(err)
      assert.are.equal("web-web", states[1].doc.releases[1].name)
      assert.are.equal("c/default", states[1].doc.releases[1].chart)
    end)

    it("never shows a part the values it declares itself", function()
      local dir = T.tree { ["helmfile.yaml.gotmpl"] = [[
values:
- name: web
releases:
- name: {{ .Values.name }}
]] }
      local _, err = load(dir)
      assert.matches('^helmfile%.yaml%.gotmpl:4:18: error during helmfile%.yaml%.gotmpl%.part%.0 parsing: template: stringTemplate:4:18: '
        .. 'executing "stringTemplate" at <%.Values%.name>: map has no entry for key "name"$', err)
    end)

    it("replaces the releases of an earlier part", function()
      local dir = T.tree { ["helmfile.yaml"] = "releases:\n- name: a\n---\nreleases:\n- name: b\n- name: c\n" }
      local states = assert(load(dir))
      assert.are.same({ "b", "c" }, release_names(states[1]))
    end)

    it("merges maps of parts key by key and keeps fields a later part leaves out", function()
      local dir = T.tree { ["helmfile.yaml"] = [[
commonLabels:
  a: "1"
  b: "1"
helmDefaults:
  wait: true
releases:
- name: x
---
commonLabels:
  b: "2"
repositories:
- name: r
  url: https://example.com
]] }
      local st = assert(load(dir))[1]
      assert.are.same({ a = "1", b = "2" }, { a = st.doc.commonLabels.a, b = st.doc.commonLabels.b })
      assert.is_true(st.doc.helmDefaults.wait)
      assert.are.same({ "x" }, release_names(st))
      assert.are.equal("r", st.doc.repositories[1].name)
    end)

    it("replaces an environment of an earlier part whole", function()
      local dir = T.tree { ["helmfile.yaml"] = [[
environments:
  prod:
    kubeContext: one
    values:
    - a: 1
---
environments:
  prod:
    values:
    - b: 2
]] }
      local st = assert(load(dir, { environment = "prod" }))[1]
      assert.is_nil(st.doc.environments.prod.kubeContext)
      -- the values of both parts were loaded, each with its own part
      assert.are.same({ 1, 2 }, { st.values.a, st.values.b })
      assert.are.equal("one", st.environment.kubeContext)
    end)

    it("leaves plain .yaml files unrendered", function()
      local dir = T.tree { ["helmfile.yaml"] = "releases:\n- name: '{{ .Values.x }}'\n" }
      local st = assert(load(dir))[1]
      assert.are.equal("{{ .Values.x }}", st.doc.releases[1].name)
    end)

    it("renders plain .yaml files when HELMFILE_RENDER_YAML=true", function()
      T.setenv("HELMFILE_RENDER_YAML", "true")
      local dir = T.tree { ["helmfile.yaml"] = "releases:\n- name: '{{ .Environment.Name }}'\n" }
      local st = assert(load(dir))[1]
      assert.are.equal("default", st.doc.releases[1].name)
    end)

    it("merges extra YAML documents inside one part with lists appended", function()
      local dir = T.tree { ["helmfile.yaml"] = "releases:\n- name: a\n--- # more\nreleases:\n- name: b\n" }
      local st = assert(load(dir))[1]
      assert.are.same({ "a", "b" }, release_names(st))
    end)

    it("gives templates .Namespace and .Environment.KubeContext", function()
      local dir = T.tree { ["helmfile.yaml.gotmpl"] = [[
environments:
  prod:
    kubeContext: kc
---
releases:
- name: r
  namespace: '{{ .Namespace }}-{{ .Environment.KubeContext }}'
]] }
      local st = assert(load(dir, { environment = "prod", namespace = "ns" }))[1]
      assert.are.equal("ns-kc", st.doc.releases[1].namespace)
      assert.are.equal("ns", st.namespace)
    end)

    it("parses the _*.tpl helpers of the state directory first", function()
      local dir = T.tree {
        ["_helpers.tpl"] = '{{ define "app" }}app-{{ .Environment.Name }}{{ end }}',
        ["helmfile.yaml.gotmpl"] = "releases:\n- name: {{ include \"app\" . }}\n",
      }
      local st = assert(load(dir))[1]
      assert.are.equal("app-default", st.doc.releases[1].name)
      assert.are.equal("x-app-default", st:render('x-{{ template "app" . }}', { Environment = { Name = "default" } }))
    end)
  end)

  describe("validation", function()
    it("names an unknown top-level key, its line and the closest key", function()
      local dir = T.tree { ["helmfile.yaml.gotmpl"] = "releases: []\nrepositorys: []\n" }
      local _, err = load(dir)
      assert.are.equal('helmfile.yaml.gotmpl:2: unknown top-level key "repositorys" (did you mean "repositories"?)', err)
    end)

    it("adds Helmfile's .gotmpl hint for plain YAML files that hold a template", function()
      local dir = T.tree { ["helmfile.yaml"] = "releases: []\nfoo: 1\n# {{ .Values.x }}\n" }
      local _, err = load(dir)
      assert.are.equal('helmfile.yaml:2: unknown top-level key "foo". Started seeing this since Helmfile v1? '
        .. "Add the .gotmpl file extension", err)
    end)

    it("leaves the .gotmpl hint off a plain YAML mistake in a file with no template", function()
      local dir = T.tree { ["helmfile.yaml"] = "releases: []\nfoo: 1\n" }
      local _, err = load(dir)
      assert.are.equal('helmfile.yaml:2: unknown top-level key "foo"', err)
    end)

    it("rejects the deprecated context key", function()
      local dir = T.tree { ["helmfile.yaml.gotmpl"] = "context: x\nreleases: []\n" }
      local _, err = load(dir)
      assert.matches('^helmfile%.yaml%.gotmpl:1: unknown top%-level key "context"', err)
    end)

    it("says releases must be a list", function()
      local dir = T.tree { ["helmfile.yaml"] = "repositories: []\nreleases: {}\n" }
      local _, err = load(dir)
      assert.are.equal("helmfile.yaml:2: releases must be a list", err)
    end)

    it("names the file and line of a YAML syntax error", function()
      local dir = T.tree { ["helmfile.yaml.gotmpl"] = "releases:\n- name: [a\n" }
      local _, err = load(dir)
      assert.matches("^helmfile%.yaml%.gotmpl:%d+:%d+: ", err)
    end)

    it("names an unknown field of an environment", function()
      local dir = T.tree { ["helmfile.yaml"] = "environments:\n  prod:\n    defaults:\n    - a: 1\n" }
      local _, err = load(dir, { environment = "prod" })
      assert.are.equal('helmfile.yaml:3: unknown field "defaults" in environment "prod"', err)
    end)

    it("tells where each release was written", function()
      local dir = T.tree { ["helmfile.yaml"] = "repositories: []\nreleases:\n- name: a\n  chart: c\n" }
      local st = assert(load(dir))[1]
      assert.are.equal("helmfile.yaml:4", st:where(st.doc.releases[1], "chart"))
      assert.are.equal("helmfile.yaml:2", st:where(st.doc, "releases"))
    end)
  end)

  describe("bases", function()
    it("layers bases under the file with lists appended", function()
      local dir = T.tree {
        ["base1.yaml"] = "repositories:\n- name: one\nreleases:\n- name: b1\n",
        ["base2.yaml"] = "repositories:\n- name: two\n",
        ["helmfile.yaml"] = "bases:\n- base1.yaml\n- base2.yaml\nreleases:\n- name: main\n",
      }
      local st = assert(load(dir))[1]
      assert.are.same({ "b1", "main" }, release_names(st))
      -- a later part's releases replace the layered ones, as in Helmfile
      local dir2 = T.tree {
        ["base1.yaml"] = "releases:\n- name: b1\n",
        ["helmfile.yaml"] = "bases:\n- base1.yaml\n---\nreleases:\n- name: main\n",
      }
      assert.are.same({ "main" }, release_names(assert(load(dir2))[1]))
      assert.are.same({ "one", "two" }, { st.doc.repositories[1].name, st.doc.repositories[2].name })
    end)

    it("renders .gotmpl bases with the environment", function()
      local dir = T.tree {
        ["base.yaml.gotmpl"] = "releases:\n- name: b-{{ .Environment.Name }}\n",
        ["helmfile.yaml"] = "bases:\n- base.yaml.gotmpl\nenvironments:\n  prod: {}\n",
      }
      local st = assert(load(dir, { environment = "prod" }))[1]
      assert.are.same({ "b-prod" }, release_names(st))
    end)

    it("concatenates the values of an environment from bases, earlier first", function()
      local dir = T.tree {
        ["env.yaml"] = "environments:\n  default:\n    kubeContext: basectx\n    values:\n    - a: base\n      b: base\n",
        ["helmfile.yaml"] = "bases:\n- env.yaml\nenvironments:\n  default:\n    values:\n    - a: main\n",
      }
      local st = assert(load(dir))[1]
      assert.are.same({ "main", "base" }, { st.values.a, st.values.b })
      assert.are.equal("basectx", st.environment.kubeContext)
    end)

    it("lets later layers win under mergeStrategy fallback too", function()
      local dir = T.tree {
        ["env.yaml"] = "environments:\n  default:\n    mergeStrategy: fallback\n    values:\n    - a: base\n",
        ["helmfile.yaml"] = "bases:\n- env.yaml\nenvironments:\n  default:\n    values:\n    - a: main\n",
      }
      local st = assert(load(dir))[1]
      assert.are.equal("main", st.values.a)
    end)

    it("refuses bases inside a base", function()
      local dir = T.tree {
        ["b.yaml"] = "bases:\n- c.yaml\n",
        ["c.yaml"] = "releases: []\n",
        ["helmfile.yaml"] = "bases:\n- b.yaml\n",
      }
      local _, err = load(dir)
      assert.are.equal("helmfile.yaml → b.yaml: nested `base` helmfile is unsupported. "
        .. "please submit a feature request if you need this!", err)
    end)

    it("reports a missing base", function()
      local dir = T.tree { ["helmfile.yaml"] = "bases:\n- nope.yaml\n" }
      local _, err = load(dir)
      assert.matches("^helmfile%.yaml:2: bases%[0%]: open .*/nope%.yaml: no such file or directory$", err)
    end)
  end)

  describe("helmfiles", function()
    it("loads sub-helmfiles before their parent, globs sorted", function()
      local dir = T.tree {
        ["helmfile.yaml"] = "helmfiles:\n- apps/*.yaml\n- infra.yaml\nreleases:\n- name: top\n",
        ["apps/b.yaml"] = "releases:\n- name: b\n",
        ["apps/a.yaml"] = "releases:\n- name: a\n",
        ["infra.yaml"] = "releases:\n- name: i\n",
      }
      local states = assert(load(dir))
      assert.are.same({ "apps/a.yaml", "apps/b.yaml", "infra.yaml", "helmfile.yaml" }, names(states))
      assert.are.same({ dir .. "/helmfile.yaml", dir .. "/apps/a.yaml" }, states[1].chain)
    end)

    it("loads the parent before its sub-helmfiles, reversed, for destroy", function()
      local dir = T.tree {
        ["helmfile.yaml"] = "helmfiles:\n- a.yaml\n- b.yaml\nreleases: []\n",
        ["a.yaml"] = "releases: []\n", ["b.yaml"] = "releases: []\n",
      }
      local states = assert(load(dir, { reverse = true }))
      assert.are.same({ "helmfile.yaml", "b.yaml", "a.yaml" }, names(states))
    end)

    it("accepts a directory as a sub-helmfile path", function()
      local dir = T.tree {
        ["helmfile.yaml"] = "helmfiles:\n- path: apps\n",
        ["apps/x.yaml"] = "releases: []\n", ["apps/y.yaml.gotmpl"] = "releases: []\n",
      }
      local states = assert(load(dir))
      assert.are.same({ "apps/x.yaml", "apps/y.yaml.gotmpl", "helmfile.yaml" }, names(states))
    end)

    it("fails when a path matches nothing", function()
      local dir = T.tree { ["helmfile.yaml"] = "helmfiles:\n- nope/*.yaml\n" }
      local _, err = load(dir)
      assert.are.equal("helmfile.yaml:2: no matches for path: nope/*.yaml", err)
    end)

    it("only warns about a path matching nothing under missingFileHandler: Warn", function()
      local dir = T.tree { ["helmfile.yaml"] = "missingFileHandler: Warn\nhelmfiles:\n- nope/*.yaml\n" }
      local lines, stop = T.capture_log("info")
      local states, err = load(dir)
      stop()
      assert.is_nil(err)
      assert.are.same({ "helmfile.yaml" }, names(states))
      assert.matches("no matches for path: nope/*.yaml", table.concat(lines), 1, true)
    end)

    it("refuses a sub-helmfile that is the file itself", function()
      local dir = T.tree { ["helmfile.yaml"] = "helmfiles:\n- helmfile.yaml\n" }
      local _, err = load(dir)
      assert.are.equal("helmfile.yaml contains a recursion into the same sub-helmfile at helmfiles[0]", err)
    end)

    it("refuses the directory of the file itself", function()
      local dir = T.tree { ["helmfile.yaml"] = "helmfiles:\n- path: .\n" }
      local _, err = load(dir)
      assert.are.equal("helmfile.yaml contains a recursion into the the directory containing this helmfile at helmfiles[0]", err)
    end)

    it("stops a recursion through a chain and names it", function()
      local dir = T.tree {
        ["helmfile.yaml"] = "helmfiles:\n- a.yaml\n",
        ["a.yaml"] = "helmfiles:\n- sub/b.yaml\n",
        ["sub/b.yaml"] = "helmfiles:\n- ../a.yaml\n",
      }
      local _, err = load(dir)
      assert.are.equal("sub-helmfile recursion: helmfile.yaml → a.yaml → sub/b.yaml → a.yaml", err)
    end)

    it("names the chain in errors of a sub-helmfile", function()
      local dir = T.tree {
        ["helmfile.yaml"] = "helmfiles:\n- sub/apps.yaml.gotmpl\n",
        ["sub/apps.yaml.gotmpl"] = "releases:\n- name: ok\n- name: {{ .Values.nope }}\n",
      }
      local _, err = load(dir)
      assert.matches("^helmfile%.yaml → sub/apps%.yaml%.gotmpl:3:18: error during sub/apps%.yaml%.gotmpl%.part%.0 parsing: template: "
        .. "stringTemplate:3:18: ", err)
    end)

    it("names the chain and line of a type error two levels down", function()
      local dir = T.tree {
        ["helmfile.yaml"] = "helmfiles:\n- a.yaml\n",
        ["a.yaml"] = "helmfiles:\n- b.yaml\n",
        ["b.yaml"] = "repositories: []\n\nreleases: {}\n",
      }
      local _, err = load(dir)
      assert.are.equal("helmfile.yaml → a.yaml → b.yaml:3: releases must be a list", err)
    end)

    it("passes values down, paths against the parent's directory", function()
      local dir = T.tree {
        ["helmfile.yaml"] = "helmfiles:\n- path: sub/child.yaml.gotmpl\n  values:\n  - common.yaml\n  - b: inline\n",
        ["common.yaml"] = "a: fromfile\n",
        ["sub/child.yaml.gotmpl"] = "releases:\n- name: '{{ .Values.a }}-{{ .Values.b }}'\n",
      }
      local states = assert(load(dir))
      assert.are.equal("fromfile-inline", states[1].doc.releases[1].name)
    end)

    it("does not pass --state-values-set to sub-helmfiles", function()
      local dir = T.tree {
        ["helmfile.yaml.gotmpl"] = "helmfiles:\n- child.yaml.gotmpl\nreleases:\n- name: p{{ .Values.x }}\n",
        ["child.yaml.gotmpl"] = "releases:\n- name: c{{ .Values | get \"x\" \"none\" }}\n",
      }
      local states = assert(load(dir, { state_values_set = { "x=1" } }))
      assert.are.equal("cnone", states[1].doc.releases[1].name)
      assert.are.equal("p1", states[2].doc.releases[1].name)
    end)

    it("applies explicit, inherited, legacy and empty selectors", function()
      local dir = T.tree {
        ["helmfile.yaml"] = [[
helmfiles:
- path: explicit.yaml
  selectors: [tier=db]
- path: inherited.yaml
  selectorsInherited: true
- legacy.yaml
- path: all.yaml
  selectors: []
]],
        ["explicit.yaml"] = "releases: []\n", ["inherited.yaml"] = "releases: []\n",
        ["legacy.yaml"] = "releases: []\n", ["all.yaml"] = "releases: []\n",
      }
      local cli = { { app = "web" } }
      local states = assert(load(dir, { selectors = cli }))
      assert.are.equal("db", states[1].selectors[1].tier)
      assert.are.equal(cli, states[2].selectors)
      assert.are.equal(cli, states[3].selectors)
      assert.are.same({}, states[4].selectors)
      assert.are.equal(cli, states[5].selectors)
    end)

    it("selects all in a legacy sub-helmfile under explicit-selector-inheritance", function()
      T.setenv("HELMFILE_EXPERIMENTAL", "explicit-selector-inheritance")
      local dir = T.tree { ["helmfile.yaml"] = "helmfiles:\n- legacy.yaml\n", ["legacy.yaml"] = "releases: []\n" }
      local states = assert(load(dir, { selectors = { { app = "web" } } }))
      assert.are.same({}, states[1].selectors)
    end)

    it("refuses selectorsInherited together with selectors", function()
      local dir = T.tree { ["helmfile.yaml"] = "helmfiles:\n- path: a.yaml\n  selectorsInherited: true\n  selectors: [a=b]\n" }
      local _, err = load(dir)
      assert.are.equal("helmfile.yaml:2: you cannot use 'SelectorsInherited: true' along with and explicit selector "
        .. "for path: a.yaml", err)
    end)

    it("does not even render a sub-helmfile whose selectors conflict with the command line", function()
      local dir = T.tree {
        ["helmfile.yaml"] = "helmfiles:\n- path: db.yaml.gotmpl\n  selectors: [tier=db]\n"
          .. "- path: web.yaml\n  selectors: [tier=web]\n",
        ["db.yaml.gotmpl"] = "releases:\n- name: {{ fail \"rendered\" }}\n",
        ["web.yaml"] = "releases:\n- name: w\n",
      }
      local states, err = load(dir, { selectors = { { tier = "web" } } })
      assert.is_nil(err)
      assert.are.same({ "web.yaml", "helmfile.yaml" }, names(states))
      local _, err2 = load(dir, { selectors = { { tier = "db" } } })
      assert.matches("rendered", err2)
    end)

    it("inherits the parent's environment values, repositories and templates when asked", function()
      local dir = T.tree {
        ["helmfile.yaml"] = [[
environments:
  default:
    values:
    - region: eu
---
repositories:
- name: shared
  url: https://parent
- name: mine
  url: https://parent
templates:
  t: {chart: c}
helmfiles:
- path: child.yaml.gotmpl
  inherits: [environments, repositories, templates]
]],
        ["child.yaml.gotmpl"] = [[
repositories:
- name: mine
  url: https://child
releases:
- name: r-{{ .Values.region }}
]],
      }
      local child = assert(load(dir))[1]
      assert.are.equal("r-eu", child.doc.releases[1].name)
      local repos = {}
      for i, r in ipairs(child.doc.repositories) do repos[i] = r.name .. "=" .. r.url end
      assert.are.same({ "shared=https://parent", "mine=https://child" }, repos)
      assert.are.equal("c", child.doc.templates.t.chart)
    end)

    it("rejects an unknown inherits entry", function()
      local dir = T.tree { ["helmfile.yaml"] = "helmfiles:\n- path: a.yaml\n  inherits: [releases]\n" }
      local _, err = load(dir)
      assert.matches('helmfile.yaml:2: invalid inherits entry "releases" for path "a.yaml"', err, 1, true)
    end)
  end)
end)
