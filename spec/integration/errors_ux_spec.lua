-- What a user sees when a helmfile is wrong, through the hfl binary (HFL_BIN): the message names
-- the file and line and says what to do. #integration
local hflrun = require "spec.support.hflrun"

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

-- Runs `hfl ARGS…` in a new directory holding the files of a table name → text (a name with a
-- slash gets its directory); returns code, stdout, stderr.
local function hfl(tree, args)
  local p = io.popen("mktemp -d")
  local dir = p:read("*l")
  p:close()
  for name, body in pairs(tree) do
    local sub = name:match("^(.*)/[^/]*$")
    if sub then os.execute("mkdir -p '" .. dir .. "/" .. sub .. "'") end
    write(dir .. "/" .. name, body)
  end
  local code, out, err = hflrun.run(args, { cwd = dir, env = { NO_COLOR = "1" } })
  os.execute("rm -rf '" .. dir .. "'")
  return code, out, err
end

local CHART = "apiVersion: v2\nname: c\nversion: 0.1.0\n"

describe("errors a user sees #integration", function()
  describe("a release's values entry that is neither a file nor a map", function()
    it("is an error naming its line, value and type, as Helmfile's", function()
      local code, _, err = hfl({ ["c/Chart.yaml"] = CHART, ["helmfile.yaml"] =
        "releases:\n- name: a\n  chart: ./c\n  values:\n  - x: 1\n  - 5\n" }, { "write-values" })
      assert.equal(1, code)
      assert.equal('hfl: helmfile.yaml:6: release "a": values[1]: unexpected type of value: value=5, type=int\n', err)
    end)

    it("names a list as Go does", function()
      local code, _, err = hfl({ ["c/Chart.yaml"] = CHART, ["helmfile.yaml"] =
        "releases:\n- name: a\n  chart: ./c\n  values:\n  - [1, 2]\n" }, { "write-values" })
      assert.equal(1, code)
      assert.matches("helmfile%.yaml:5: release \"a\": values%[0%]: unexpected type of value: value=%[1 2%], "
        .. "type=%[%]interface {}", err)
    end)
  end)

  describe("Helmfile's hint to add the .gotmpl extension", function()
    it("is left off a mistyped key in plain YAML", function()
      local code, _, err = hfl({ ["helmfile.yaml"] = "releases: []\nrepositorys: []\n" }, { "list" })
      assert.equal(1, code)
      assert.equal('hfl: helmfile.yaml:2: unknown top-level key "repositorys" (did you mean "repositories"?)\n', err)
    end)

    it("is left off a tab in plain YAML", function()
      local code, _, err = hfl({ ["helmfile.yaml"] = "releases:\n\t- name: a\n" }, { "list" })
      assert.equal(1, code)
      assert.matches("^hfl: helmfile%.yaml:2", err)
      assert.no.matches("gotmpl", err)
    end)

    it("is shown, as Helmfile does, for a YAML directive that the split on --- cuts off", function()
      local code, _, err = hfl({ ["helmfile.yaml"] = "%YAML 1.1\n---\nreleases: []\n" }, { "list" })
      assert.equal(1, code)
      assert.matches("Started seeing this since Helmfile v1%? Add the %.gotmpl file extension", err)
    end)

    it("is shown when the file holds a template", function()
      local code, _, err = hfl({ ["helmfile.yaml"] = "releases:\n- name: {{ .Values.n }}\n" }, { "list" })
      assert.equal(1, code)
      assert.matches("Started seeing this since Helmfile v1%? Add the %.gotmpl file extension", err)
    end)
  end)

  describe("a template error", function()
    it("leads with the state file's line and column, then Go's words and a hint", function()
      local code, _, err = hfl({ ["helmfile.yaml.gotmpl"] =
        "values:\n- a: 1\n---\nreleases:\n- name: {{ .Values.missing.x }}\n  chart: ./c\n" }, { "list" })
      assert.equal(1, code)
      assert.equal('hfl: helmfile.yaml.gotmpl:5:18: error during helmfile.yaml.gotmpl.part.1 parsing: template: '
        .. 'stringTemplate:5:18: executing "stringTemplate" at <.Values.missing.x>: map has no entry for key "missing"\n'
        .. 'hint: the key "missing" is missing: use `get "missing.x" "default" .Values` or `hasKey` to make it '
        .. "optional, or define it in your values\n", err)
    end)

    it("in a release's values file leads with that file's line and column and gets the hint", function()
      local code, _, err = hfl({ ["c/Chart.yaml"] = CHART, ["v.yaml.gotmpl"] = "a: 1\nb: {{ .Values.nope.x }}\n",
        ["helmfile.yaml"] = "releases:\n- name: a\n  chart: ./c\n  values:\n  - v.yaml.gotmpl\n" }, { "write-values" })
      assert.equal(1, code)
      assert.matches('^hfl: v%.yaml%.gotmpl:2:13: release "a": failed to render values files "[^"]*v%.yaml%.gotmpl": '
        .. 'template: [^\n]*map has no entry for key "nope"\nhint: the key "nope" is missing', err)
    end)

    it("in an environment's values file leads with that file's line and column", function()
      local code, _, err = hfl({ ["e.yaml.gotmpl"] = "x: {{ .Values.nope.x }}\n", ["helmfile.yaml.gotmpl"] =
        "environments:\n  default:\n    values:\n    - e.yaml.gotmpl\n---\nreleases: []\n" }, { "list" })
      assert.equal(1, code)
      assert.matches('^hfl: e%.yaml%.gotmpl:1:13: .*map has no entry for key "nope"\nhint: ', err)
    end)
  end)

  describe("a missing values file", function()
    it("of a release names the line that lists it and how to skip it", function()
      local code, _, err = hfl({ ["c/Chart.yaml"] = CHART, ["helmfile.yaml"] =
        "releases:\n- name: a\n  chart: ./c\n  values:\n  - x: 1\n  - nope.yaml\n" }, { "write-values" })
      assert.equal(1, code)
      assert.equal('hfl: helmfile.yaml:6: release "a": values file matching "nope.yaml" does not exist in "." '
        .. "(set missingFileHandler: Warn to skip a missing file)\n", err)
    end)

    it("of an environment names the line that lists it and how to skip it", function()
      local code, _, err = hfl({ ["helmfile.yaml"] =
        "environments:\n  default:\n    values:\n    - nope.yaml\n---\nreleases: []\n" }, { "list" })
      assert.equal(1, code)
      assert.equal('hfl: helmfile.yaml:4: environment values file matching "nope.yaml" does not exist in "." '
        .. "(set missingFileHandler: Warn to skip a missing file)\n", err)
    end)

    it("is skipped with a warning under missingFileHandler: Warn", function()
      local code, _, err = hfl({ ["c/Chart.yaml"] = CHART, ["helmfile.yaml"] =
        "releases:\n- name: a\n  chart: ./c\n  missingFileHandler: Warn\n  values:\n  - nope.yaml\n" },
        { "write-values" })
      assert.equal(0, code)
      assert.matches('skipping missing values file matching "nope.yaml"', err)
    end)
  end)

  describe("the error prefix", function()
    it("leads Helmfile's no-releases-found message as every other error", function()
      local code, _, err = hfl({ ["c/Chart.yaml"] = CHART, ["helmfile.yaml"] =
        "releases:\n- name: a\n  chart: ./c\n" }, { "-l", "name=zz", "list" })
      assert.equal(3, code)
      assert.equal("hfl: err: no releases found that matches specified selector(name=zz) and environment(default), "
        .. "in any helmfile\n", err)
    end)
  end)

  describe("fetchSecretValue with a vals backend hfl does not have", function()
    it("says which backends are supported", function()
      local code, _, err = hfl({ ["helmfile.yaml.gotmpl"] =
        'releases:\n- name: a\n  chart: ./c\n  labels:\n    x: {{ fetchSecretValue "ref+vault://s/x#/y" }}\n' },
        { "list" })
      assert.equal(1, code)
      assert.matches("^hfl: helmfile%.yaml%.gotmpl:5:10: .*expand ref%+vault://s/x#/y: the vault backend is not "
        .. "supported by hfl: only ref%+file:// and ref%+env:// are ", err)
    end)
  end)
end)
