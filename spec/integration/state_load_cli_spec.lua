-- The state loader through the binary: hfl build / hfl list on fixture trees. #integration
local T = require "fixtures.state.loader.tree"

local hflrun = require "spec.support.hflrun"

describe("hfl state loading #integration", function()
  after_each(function() T.cleanup() end)

  local function tree()
    return T.tree {
      ["helmfile.yaml.gotmpl"] = [[
environments:
  default:
    values:
    - tier: dev
  prod:
    values:
    - tier: prod
---
helmfiles:
- path: apps/web.yaml.gotmpl
  values:
  - owner: {{ .Values.tier }}
releases:
- name: db-{{ .Values.tier }}
  chart: charts/db
]],
      ["apps/web.yaml.gotmpl"] = "releases:\n- name: web-{{ .Values.owner }}\n  chart: charts/web\n",
    }
  end

  it("builds sub-helmfiles before their parent, each from its own source", function()
    local dir = tree()
    local code, out, err = hflrun.run({ "-e", "prod", "build" }, { cwd = dir })
    assert.are.equal(0, code, err)
    local web = out:find("name: web-prod", 1, true)
    local db = out:find("name: db-prod", 1, true)
    assert.truthy(web and db and web < db, out)
    assert.matches("Source: " .. dir .. "/apps/web.yaml.gotmpl", out, 1, true)
  end)

  it("lists releases with values from --state-values-set", function()
    local code, out, err = hflrun.run({ "--state-values-set", "tier=qa", "list" }, { cwd = tree() })
    assert.are.equal(0, code, err)
    assert.matches("db%-qa", out)
    -- the child gets the value through the parent's `values:` for it
    assert.matches("web%-qa", out)
  end)

  it("names the chain of a broken sub-helmfile", function()
    local dir = T.tree { ["helmfile.yaml"] = "helmfiles:\n- sub.yaml\n", ["sub.yaml"] = "repositories: []\nreleases: {}\n" }
    local code, _, err = hflrun.run({ "list" }, { cwd = dir })
    assert.are_not.equal(0, code)
    assert.matches("helmfile.yaml → sub.yaml:2: releases must be a list", err, 1, true)
  end)

  it("skips states without the selected environment", function()
    local code, _, err = hflrun.run({ "-e", "nope", "list" }, { cwd = tree() })
    assert.are.equal(3, code, err)
  end)
end)
