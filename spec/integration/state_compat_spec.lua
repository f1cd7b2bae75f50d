-- Compatibility cases found by running hfl on Helmfile's own test material, through the hfl
-- binary (HFL_BIN), each with a minimal fixture of our own. #integration
local hflrun = require "spec.support.hflrun"

local function quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

local function slurp(path, keep)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  if not keep then os.remove(path) end
  return s
end

local made = {}

-- Writes {["rel/path"] = text} under a new temp dir; returns the dir.
local function tree(files)
  local p = io.popen("mktemp -d")
  local dir = p:read("*l")
  p:close()
  made[#made + 1] = dir
  for path, text in pairs(files) do
    local full = dir .. "/" .. path
    assert(os.execute("mkdir -p " .. quote(full:match("^(.*)/"))) == 0)
    local f = assert(io.open(full, "wb"))
    f:write(text)
    f:close()
  end
  return dir
end

-- Runs `hfl ARGS…` in dir, with a chart cache of its own; returns code, stdout, stderr.
local function hfl(dir, args)
  return hflrun.run(args, { cwd = dir, env = { NO_COLOR = "1", HFL_CACHE_HOME = dir .. "/.cache" } })
end

describe("state compatibility #integration", function()
  after_each(function()
    for _, d in ipairs(made) do os.execute("rm -rf " .. quote(d)) end
    made = {}
  end)

  describe("write-values", function()
    it("renders a release's .gotmpl values file with the _*.tpl helpers of that file's directory", function()
      local dir = tree {
        ["helmfile.yaml"] = "releases:\n- name: web\n  chart: ./chart\n  values:\n  - vals/web.yaml.gotmpl\n",
        ["vals/_helpers.tpl"] = '{{- define "greet" -}}hello {{ .Who | upper }}{{- end }}\n',
        ["vals/web.yaml.gotmpl"] = 'msg: {{ include "greet" (dict "Who" .Release.Name) }}\n',
      }
      local code, _, err = hfl(dir, { "write-values", "--output-file-template", "out/{{ .Release.Name }}.yaml" })
      assert.are.equal(0, code, err)
      assert.are.equal("msg: hello WEB\n", slurp(dir .. "/out/web.yaml", true))
    end)
  end)

  describe("list", function()
    it("shows the version locked in the state's lock file for repo/chart releases", function()
      local dir = tree {
        ["apps.yaml"] = "repositories:\n- name: myrepo\n  url: https://charts.invalid/\nreleases:\n"
          .. "- name: web\n  namespace: a\n  chart: myrepo/web\n  version: ~2.0\n"
          .. "- name: local\n  namespace: a\n  chart: ./charts/local\n  version: 0.1.0\n",
        ["apps.lock"] = "version: v1.0.0\ndependencies:\n- name: web\n  repository: https://charts.invalid/\n"
          .. "  version: 1.9.0\n- name: web\n  repository: https://charts.invalid/\n  version: 2.0.3\n",
      }
      local code, out, err = hfl(dir, { "-f", "apps.yaml", "list", "--output", "json" })
      assert.are.equal(0, code, err)
      assert.matches('"name":"web".-"version":"2%.0%.3"', out)
      assert.matches('"name":"local".-"version":"0%.1%.0"', out)
    end)

    it("reports a release missing from an existing lock file", function()
      local dir = tree {
        ["helmfile.yaml"] = "repositories:\n- name: myrepo\n  url: https://charts.invalid/\nreleases:\n"
          .. "- name: web\n  chart: myrepo/web\n",
        ["helmfile.lock"] = "version: v1.0.0\ndependencies: []\n",
      }
      local code, _, err = hfl(dir, { "list" })
      assert.are.equal(1, code)
      assert.matches('no resolved dependency found for "web"', err)
    end)
  end)

  describe("write-values on bad input", function()
    it("reports a values entry naming a directory as an error, not a crash", function()
      local dir = tree { ["helmfile.yaml"] = "releases:\n- name: web\n  chart: ./chart\n  values:\n  - ''\n" }
      local code, _, err = hfl(dir, { "write-values", "--output-file-template", "out/{{ .Release.Name }}.yaml" })
      assert.are.equal(1, code)
      assert.matches('release "web": read .*: is a directory', err)
      assert.is_nil(err:find("internal error", 1, true))
    end)
  end)

  describe("HCL environment values", function()
    it("feed the state values that list and write-values see", function()
      local dir = tree {
        ["helmfile.yaml.gotmpl"] = "environments:\n  default:\n    values:\n    - env.hcl\n---\n"
          .. "releases:\n- name: {{ .Values.app.name }}\n  chart: ./chart\n  values:\n  - v.yaml.gotmpl\n",
        ["env.hcl"] = 'locals {\n  base = "web"\n}\nvalues {\n  app = { name = "${local.base}-1", replicas = 1 + 2 }\n}\n',
        ["v.yaml.gotmpl"] = "replicas: {{ .Values.app.replicas }}\n",
      }
      local code, out, err = hfl(dir, { "list", "--output", "json" })
      assert.are.equal(0, code, err)
      assert.matches('"name":"web%-1"', out)
      code, _, err = hfl(dir, { "write-values", "--output-file-template", "out/{{ .Release.Name }}.yaml" })
      assert.are.equal(0, code, err)
      assert.are.equal("replicas: 3\n", slurp(dir .. "/out/web-1.yaml", true))
    end)
  end)

  describe("build", function()
    it("loads its own output again (filepath, templates and renderedvalues keys)", function()
      local dir = tree { ["helmfile.yaml"] = "values:\n- a: 1\nreleases:\n- name: web\n  chart: repo/web\n" }
      local code, first, err = hfl(dir, { "build" })
      assert.are.equal(0, code, err)
      local f = assert(io.open(dir .. "/built.yaml", "wb"))
      f:write((first:gsub("^%-%-%-\n#[^\n]*\n\n", "")))
      f:close()
      local code2, second, err2 = hfl(dir, { "-f", "built.yaml", "build" })
      assert.are.equal(0, code2, err2)
      assert.matches("filepath: built.yaml\n", second, 1, true)
      assert.matches("    name: web\n", second, 1, true)
    end)
  end)
end)
