-- `hfl --debug` through the hfl binary (HFL_BIN): each Go-template state part and each values
-- file rendered from .gotmpl is shown on stderr with numbered lines, as Helmfile's --debug
-- shows them; nothing of it without --debug; a secret source's value stays masked. #integration
local hflrun = require "spec.support.hflrun"

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

local STATE = table.concat({
  "environments:",
  "  default:",
  "    values:",
  "    - env.yaml.gotmpl",
  "---",
  "releases:",
  "- name: web",
  "  chart: ./c",
  "  labels:",
  '    token: {{ fetchSecretValue "ref+env://HFL_DEBUG_SECRET" }}',
  "  values:",
  "  - web.yaml.gotmpl",
  "" }, "\n")

local FILES = {
  ["helmfile.yaml.gotmpl"] = STATE,
  ["env.yaml.gotmpl"] = 'region: {{ env "HFL_DEBUG_REGION" }}\npassword: {{ fetchSecretValue "ref+env://HFL_DEBUG_SECRET" }}\n',
  ["web.yaml.gotmpl"] = 'name: {{ .Release.Name }}\nregion: {{ .Values.region }}\napiKey: {{ fetchSecretValue "ref+env://HFL_DEBUG_SECRET" }}\n',
}

-- Runs `hfl ARGS…` in a new directory holding FILES; returns code, stdout, stderr.
local function hfl(args)
  local p = io.popen("mktemp -d")
  local dir = p:read("*l")
  p:close()
  for name, body in pairs(FILES) do write(dir .. "/" .. name, body) end
  local code, out, err = hflrun.run(args, { cwd = dir,
    env = { NO_COLOR = "1", HFL_DEBUG_SECRET = "s3cr3t-value", HFL_DEBUG_REGION = "eu-west-1" } })
  os.execute("rm -rf '" .. dir .. "'")
  return code, out, err, dir
end

local function has(err, lines)
  assert.truthy(err:find(table.concat(lines, "\n") .. "\n", 1, true), err)
end

describe("hfl --debug #integration", function()
  it("shows each rendered part, environment and release values file with numbered lines, secrets masked", function()
    local code, _, err, dir = hfl { "--debug", "write-values", "--output-file-template", "{{ .Release.Name }}.out" }
    assert.equal(0, code, err)
    has(err, {
      'rendering result of "helmfile.yaml.gotmpl.part.0":',
      " 1: environments:",
      " 2:   default:",
      " 3:     values:",
      " 4:     - env.yaml.gotmpl",
      'rendering result of "' .. dir .. '/env.yaml.gotmpl":',
      " 1: region: eu-west-1",
      " 2: password: <redacted>",
    })
    has(err, {
      'rendering result of "helmfile.yaml.gotmpl.part.1":',
      " 1: releases:",
      " 2: - name: web",
      " 3:   chart: ./c",
      " 4:   labels:",
      " 5:     token: <redacted>",
    })
    has(err, {
      "successfully generated the value file at " .. dir .. "/web.yaml.gotmpl. produced:",
      " 1: name: web",
      " 2: region: eu-west-1",
      " 3: apiKey: <redacted>",
    })
    assert.is_nil(err:find("s3cr3t-value", 1, true), err)
  end)

  it("shows none of it without --debug", function()
    local code, _, err = hfl { "write-values", "--output-file-template", "{{ .Release.Name }}.out" }
    assert.equal(0, code, err)
    assert.is_nil(err:find("rendering result", 1, true), err)
    assert.is_nil(err:find("successfully generated", 1, true), err)
    assert.is_nil(err:find(" 1: ", 1, true), err)
  end)
end)
