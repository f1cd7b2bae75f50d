-- Error lines in multi-part helmfiles are the file's lines, through the hfl binary (HFL_BIN):
-- plain parts, rendered .gotmpl parts that trace back to their template, parts that do not,
-- and the numbered rendering that --debug prints. #integration
local hflrun = require "spec.support.hflrun"

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

-- Runs `hfl ARGS…` in a new directory holding one state file (or the files of a table
-- name → text); returns code, stdout, stderr.
local function hfl(file, text, args)
  local p = io.popen("mktemp -d")
  local dir = p:read("*l")
  p:close()
  local tree = type(file) == "table" and file or { [file] = text }
  if type(file) == "table" then args = text end
  for name, body in pairs(tree) do write(dir .. "/" .. name, body) end
  local code, out, err = hflrun.run(args or { "list" }, { cwd = dir, env = { NO_COLOR = "1" } })
  os.execute("rm -rf '" .. dir .. "'")
  return code, out, err
end

describe("error lines in multi-part helmfiles #integration", function()
  it("name the file's line of an unknown release field in the second part", function()
    local code, _, err = hfl("helmfile.yaml",
      "values:\n- a: 1\n---\nreleases:\n- name: x\n  chart: ./c\n- name: y\n  chrat: ./c\n")
    assert.equal(1, code)
    assert.equal('hfl: helmfile.yaml:8: release "y": unknown field "chrat" (did you mean "chart"?)\n', err)
  end)

  it("name the file's line and column of a YAML syntax error in the second part", function()
    local code, _, err = hfl("helmfile.yaml",
      "values:\n- a: 1\n---\nreleases:\n- name: x\n  chart: ./c\n   bad: x\n")
    assert.equal(1, code)
    assert.matches("^hfl: helmfile%.yaml:7:7: mapping values are not allowed in this context", err)
  end)

  it("name the file's line of a release whose needs are undefined, in the third part", function()
    local code, _, err = hfl("helmfile.yaml", table.concat({
      "values:", "- a: 1", "---", "helmDefaults:", "  wait: true", "---",
      "releases:", "- name: x", "  chart: ./c", "- name: y", "  chart: ./c", "  needs: [nope]", "" }, "\n"))
    assert.equal(1, code)
    assert.matches('^hfl: helmfile%.yaml:10: release%(s%) "y" depend%(s%) on an undefined release "nope"', err)
  end)

  it("name the file's line of a release with a bad condition", function()
    local code, _, err = hfl("helmfile.yaml",
      "values:\n- a: 1\n---\nreleases:\n- name: x\n  chart: ./c\n  condition: foo\n")
    assert.equal(1, code)
    assert.matches("^hfl: helmfile%.yaml:5: failed to parse condition in release x: ", err)
  end)

  it("name the file's line of an unknown environment field in the second part", function()
    local code, _, err = hfl("helmfile.yaml", "values:\n- a: 1\n---\nenvironments:\n  default:\n    valuez: []\n")
    assert.equal(1, code)
    assert.equal('hfl: helmfile.yaml:6: unknown field "valuez" in environment "default" (did you mean "values"?)\n',
      err)
  end)

  it("name the part a field of a map merged over two parts was written in", function()
    local code, _, err = hfl("helmfile.yaml", "helmDefaults:\n  wait: true\n---\nhelmDefaults:\n  wat: 1\n")
    assert.equal(1, code)
    assert.equal('hfl: helmfile.yaml:5: helmDefaults: unknown field "wat" (did you mean "wait"?)\n', err)
    code, _, err = hfl("helmfile.yaml", "helmDefaults:\n  wat: true\n---\nhelmDefaults:\n  timeout: 1\n")
    assert.equal(1, code)
    assert.equal('hfl: helmfile.yaml:2: helmDefaults: unknown field "wat" (did you mean "wait"?)\n', err)
  end)

  it("name the base file and its line of a release the base appended", function()
    local code, _, err = hfl({
      ["base.yaml"] = "repositories: []\nreleases:\n- name: a\n  chart: ./c\n  needs: [zz]\n",
      ["helmfile.yaml"] = "values:\n- a: 1\n---\nbases: [base.yaml]\nreleases:\n- name: b\n  chart: ./c\n",
    }, { "list" })
    assert.equal(1, code)
    assert.matches('^hfl: base%.yaml:3: release%(s%) "a" depend%(s%) on an undefined release "zz"', err)
  end)

  it("name the template's line when a .gotmpl part renders line for line", function()
    local code, _, err = hfl("helmfile.yaml.gotmpl", table.concat({
      "values:", "- chart: ./c", "---", "releases:", "{{ if true }}", "- name: x", "  chart: {{ .Values.chart }}",
      "{{ end }}", "- name: y", "  chrat: {{ .Values.chart }}", "" }, "\n"))
    assert.equal(1, code)
    assert.equal('hfl: helmfile.yaml.gotmpl:10: release "y": unknown field "chrat" (did you mean "chart"?)\n', err)
  end)

  it("name the template's line after a range that multiplied lines, where the text traces", function()
    local code, _, err = hfl("helmfile.yaml.gotmpl", table.concat({
      "values:", "- apps: [a, b, c]", "---", "releases:", "{{- range .Values.apps }}", "- name: {{ . }}",
      "  chart: ./c", "{{- end }}", "- name: y", "  chrat: ./c", "" }, "\n"))
    assert.equal(1, code)
    assert.equal('hfl: helmfile.yaml.gotmpl:10: release "y": unknown field "chrat" (did you mean "chart"?)\n', err)
  end)

  it("name the rendered part and its line when the line cannot be traced", function()
    local code, _, err = hfl("helmfile.yaml.gotmpl", table.concat({
      "values:", "- apps: [a, b]", "---", "releases:", "{{- range .Values.apps }}", "- name: {{ . }}",
      "  {{ . }}chart: ./c", "{{- end }}", "- name: y", "  chart: ./c", "" }, "\n"))
    assert.equal(1, code)
    assert.equal('hfl: helmfile.yaml.gotmpl: rendered part 1, line 3: release "a": unknown field "achart" '
      .. '(did you mean "chart"?)\n', err)
  end)

  it("name the rendered part, line and column of a YAML error that cannot be traced", function()
    local code, _, err = hfl("helmfile.yaml.gotmpl", table.concat({
      "values:", "- apps: [a, b]", "---", "releases:", "{{- range .Values.apps }}", "- name: {{ . }}",
      "  {{ . }}: [", "{{- end }}", "" }, "\n"))
    assert.equal(1, code)
    assert.matches("^hfl: helmfile%.yaml%.gotmpl: rendered part 1, line 4, column 1: did not find expected node", err)
  end)

  it("name the file's line in a template error of a later part", function()
    local code, _, err = hfl("helmfile.yaml.gotmpl",
      "values:\n- a: 1\n---\nreleases:\n- name: x\n  chart: {{ .Values.nope }}\n")
    assert.equal(1, code)
    assert.matches('^hfl: helmfile%.yaml%.gotmpl:6:19: error during helmfile%.yaml%.gotmpl%.part%.1 parsing: template: stringTemplate:6:19: '
      .. 'executing "stringTemplate" at <%.Values%.nope>: map has no entry for key "nope"\n', err)
  end)

  it("are what --debug numbers the rendered parts with", function()
    local text = table.concat({
      "values:", "- apps: [a, b]", "---", "releases:", "{{- range .Values.apps }}", "- name: {{ . }}",
      "  chart: ./c", "{{- end }}", "" }, "\n")
    local code, _, err = hfl("helmfile.yaml.gotmpl", text, { "--debug", "list" })
    assert.equal(0, code)
    assert.truthy(err:find(table.concat({
      'rendering result of "helmfile.yaml.gotmpl.part.0":',
      " 1: values:",
      " 2: - apps: [a, b]",
      'rendering result of "helmfile.yaml.gotmpl.part.1":',
      " 1: releases:",
      " 2: - name: a",
      " 3:   chart: ./c",
      " 4: - name: b",
      " 5:   chart: ./c",
      " 6: ",
      "" }, "\n"), 1, true), err)
    local _, _, quiet = hfl("helmfile.yaml.gotmpl", text, { "list" })
    assert.is_nil(quiet:find("rendering result", 1, true))
  end)

  it("are the file's in the template --debug shows when rendering fails", function()
    local _, _, err = hfl("helmfile.yaml.gotmpl", "values:\n- a: 1\n---\nreleases:\n- name: {{ .Values.nope }}\n",
      { "--debug", "list" })
    assert.truthy(err:find(table.concat({
      'rendering failed, input of "helmfile.yaml.gotmpl.part.1":',
      " 4: releases:",
      " 5: - name: {{ .Values.nope }}",
      " 6: ",
      "" }, "\n"), 1, true), err)
  end)
end)
