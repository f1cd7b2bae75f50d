-- The state loader through the binary: hfl build / hfl list on fixture trees. #integration
local T = require "fixtures.state.loader.tree"

local HFL = os.getenv("HFL_BIN") or "./hfl"
if HFL:sub(1, 1) ~= "/" then HFL = (os.getenv("PWD") or ".") .. "/" .. HFL end

local function sh(dir, args)
  local p = io.popen("cd '" .. dir .. "' && " .. HFL .. " " .. args .. " 2>&1; echo \"exit:$?\"")
  local out = p:read("*a")
  p:close()
  local code = tonumber(out:match("exit:(%d+)\n?$"))
  return (out:gsub("exit:%d+\n?$", "")), code
end

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
    local out, code = sh(dir, "-e prod build")
    assert.are.equal(0, code, out)
    local web = out:find("name: web-prod", 1, true)
    local db = out:find("name: db-prod", 1, true)
    assert.truthy(web and db and web < db, out)
    assert.matches("Source: " .. dir .. "/apps/web.yaml.gotmpl", out, 1, true)
  end)

  it("lists releases with values from --state-values-set", function()
    local out, code = sh(tree(), "--state-values-set tier=qa list")
    assert.are.equal(0, code, out)
    assert.matches("db%-qa", out)
    -- the child gets the value through the parent's `values:` for it
    assert.matches("web%-qa", out)
  end)

  it("names the chain of a broken sub-helmfile", function()
    local dir = T.tree { ["helmfile.yaml"] = "helmfiles:\n- sub.yaml\n", ["sub.yaml"] = "repositories: []\nreleases: {}\n" }
    local out, code = sh(dir, "list")
    assert.are_not.equal(0, code)
    assert.matches("helmfile.yaml → sub.yaml:2: releases must be a list", out, 1, true)
  end)

  it("skips states without the selected environment", function()
    local out, code = sh(tree(), "-e nope list")
    assert.are.equal(3, code, out)
  end)
end)
