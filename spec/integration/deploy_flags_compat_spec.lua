-- Deploy flags as Helmfile's CLI has them, through ./hfl against the fake cluster:
-- `--server-side[=true|false|auto]`, `--skip-diff-validation-on-install`, `sync --suppress-diff`.
local fakecluster = require "spec.support.fakecluster"
local servers = require "spec.support.servers"
local files = require "spec.support.files"

local CHART = {
  ["Chart.yaml"] = "apiVersion: v2\nname: app\nversion: 1.0.0\n",
  ["values.yaml"] = "greeting: hello\n",
  ["templates/cm.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n"
    .. "data:\n  greeting: {{ .Values.greeting | quote }}\n",
}

-- The argv of each helm call of one kind ("upgrade", "template"), as one string.
local function helm_calls(fc, sub)
  local out = {}
  for _, c in ipairs(fc:calls("helm")) do
    if c.argv[1] == sub then out[#out + 1] = " " .. table.concat(c.argv, " ") .. " " end
  end
  return out
end

describe("Helmfile's deploy flags #integration", function()
  local fc, dir
  -- helm's renderer: these specs count its template processes and need its --validate
  local function hfl(args) return fc:hfl(args, { cwd = dir, env = { HFL_RENDERER = "helm" } }) end

  before_each(function()
    fc = fakecluster.new { helm = 4 }
    dir = servers.tmpdir()
    files.tree(dir .. "/charts/app", CHART)
    files.write(dir .. "/helmfile.yaml.gotmpl", [[
releases:
  - name: web
    namespace: apps
    chart: ./charts/app
    values: [{ greeting: {{ .Values | get "greeting" "hello" }} }]
]])
  end)

  after_each(function()
    fc:cleanup()
    servers.cleanup()
  end)

  it("passes --server-side's mode to helm 4: bare is true, =auto and =false as given", function()
    for args, want in pairs({ ["--server-side"] = "--server-side=true", ["--server-side=auto"] = "--server-side=auto",
                              ["--server-side=false"] = "--server-side=false" }) do
      fc:clear_calls()
      local code, _, err = hfl { "sync", args }
      assert.equal(0, code, err)
      local ups = helm_calls(fc, "upgrade")
      assert.equal(1, #ups)
      assert.matches(" " .. want:gsub("%p", "%%%0") .. " ", ups[1])
    end
  end)

  it("takes --server-side's mode only after =, and refuses a mode helm does not know", function()
    local code, _, err = hfl { "sync", "--server-side", "--wait" }
    assert.equal(0, code, err)
    local code2, _, err2 = hfl { "sync", "--server-side=yes" }
    assert.equal(1, code2)
    assert.matches('invalid value "yes" for --server-side: must be one of true, false, auto', err2, 1, true)
  end)

  -- A diff renders against the cluster (Helm 4: `helm template --dry-run=server`, which the fake
  -- helm answers with the fake server's versions); a release not installed yet is rendered
  -- without it under --skip-diff-validation-on-install, with the server's versions added to
  -- helm's defaults instead.
  it("diffs a release's first install without validating under --skip-diff-validation-on-install", function()
    local code, _, err = hfl { "diff" }
    assert.equal(0, code, err)
    local tpl = helm_calls(fc, "template")
    assert.equal(1, #tpl)
    assert.matches(" %-%-dry%-run=server ", tpl[1])
    assert.not_matches(" %-%-api%-versions ", tpl[1])
    fc:clear_calls()
    code, _, err = hfl { "diff", "--validate", "--skip-diff-validation-on-install" }
    assert.equal(0, code, err)
    tpl = helm_calls(fc, "template")
    assert.equal(1, #tpl)
    assert.not_matches(" %-%-validate ", tpl[1])
    assert.not_matches(" %-%-dry%-run", tpl[1])
    assert.matches(" %-%-kube%-version v1%.20%.0%-hfl%-fake ", tpl[1])
  end)

  it("still validates an installed release's diff under --skip-diff-validation-on-install", function()
    assert.equal(0, (hfl { "sync" }))
    fc:clear_calls()
    local code, _, err = hfl { "diff", "--skip-diff-validation-on-install",
      "--state-values-set", "greeting=hi" }
    assert.equal(0, code, err)
    local tpl = helm_calls(fc, "template")
    assert.equal(1, #tpl)
    assert.matches(" %-%-dry%-run=server ", tpl[1])
    assert.matches(" %-%-is%-upgrade ", tpl[1])
  end)

  it("accepts sync --suppress-diff and apply/sync --skip-diff-validation-on-install", function()
    for _, args in ipairs({ { "sync", "--suppress-diff" }, { "sync", "--skip-diff-validation-on-install" },
                            { "apply", "--skip-diff-validation-on-install" } }) do
      local code, _, err = hfl(args)
      assert.equal(0, code, err)
    end
  end)
end)
