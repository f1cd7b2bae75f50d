-- Remote helmfiles through the hfl binary: a local parent lists git:: sub-helmfiles served by
-- `git daemon` on the loopback and as file://; `?ref=` picks the tag; bad refs and missing
-- files are one-line errors naming the source. Template error hints through `hfl build`.
local servers = require "spec.support.servers"
local gitd = require "spec.support.servers.gitd"

local hflrun = require "spec.support.hflrun"

local APPS = [[
environments:
  default:
    values:
    - values/app.yaml
---
releases:
- name: web-{{ .Values.version }}
  chart: ./charts/web
  namespace: {{ .Values.ns }}
  labels:
    tier: {{ .Values.tier }}
]]

local function write(dir, files)
  for path, text in pairs(files) do
    local f = assert(io.open(dir .. "/" .. path, "w"))
    f:write(text)
    f:close()
  end
end

local function quote_pattern(s) return (s:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")) end

describe("remote helmfiles #integration", function()
  local repo, daemon, cache, work

  setup(function()
    local base
    repo, base = gitd.repo({
      ["stack/helmfile.yaml.gotmpl"] = APPS,
      ["stack/values/app.yaml"] = "version: one\nns: apps\ntier: front\n",
    })
    gitd.tag(repo, "v1.0.0")
    gitd.commit(repo, { ["stack/values/app.yaml"] = "version: two\nns: apps\ntier: front\n" }, "two")
    gitd.tag(repo, "v2.0.0")
    daemon = gitd.daemon(base)
  end)
  teardown(function()
    daemon:stop()
    servers.cleanup()
  end)
  before_each(function()
    cache = servers.tmpdir()
    work = servers.tmpdir()
  end)

  local function hfl(args)
    return hflrun.capture(args, { cwd = work, env = { HFL_CACHE_HOME = cache, NO_COLOR = "1" }, timeout = 60 })
  end

  local function daemon_src(ref)
    return ("git::%s/repo.git@stack/helmfile.yaml.gotmpl?ref=%s"):format(daemon.url, ref)
  end

  it("lists the releases of a sub-helmfile fetched through git daemon at the tag it names", function()
    write(work, { ["helmfile.yaml"] = ("helmfiles:\n- %s\n- path: %s\nreleases:\n- name: local\n  chart: ./c\n")
      :format(daemon_src("v1.0.0"), daemon_src("v2.0.0")) })
    local r = hfl { "-f", "helmfile.yaml", "list", "--output", "json" }
    assert.equal(0, r.code, r.stderr)
    local names = {}
    for name in r.stdout:gmatch('"name":"([^"]*)"') do names[#names + 1] = name end
    table.sort(names)
    assert.same({ "local", "web-one", "web-two" }, names)
    -- a second run is served by the cache: the daemon is not needed
    local again = hfl { "-f", "helmfile.yaml", "list", "--output", "json" }
    assert.equal(r.stdout, again.stdout)
  end)

  it("builds a file:// sub-helmfile from the checkout, its values read from the repository", function()
    write(work, { ["helmfile.yaml"] = ("helmfiles:\n- git::file://%s@stack/helmfile.yaml.gotmpl?ref=v1.0.0\n"):format(repo) })
    local r = hfl { "-f", "helmfile.yaml", "build" }
    assert.equal(0, r.code, r.stderr)
    assert.matches("name: web%-one", r.stdout)
    assert.matches("#  Source: " .. quote_pattern(cache) .. "/[^\n]*/stack/helmfile%.yaml%.gotmpl", r.stdout)
    assert.matches("\nfilepath: helmfile%.yaml%.gotmpl\n", r.stdout)
    assert.matches("renderedvalues:\n  ns: apps\n  tier: front\n  version: one", r.stdout)
  end)

  it("loads -f git:: directly", function()
    local r = hfl { "-f", daemon_src("v2.0.0"), "list" }
    assert.equal(0, r.code, r.stderr)
    assert.matches("web%-two%s+apps", r.stdout)
  end)

  it("fails with one line naming the source when the ref does not exist", function()
    local bad = daemon_src("v9.9.9")
    write(work, { ["helmfile.yaml"] = ("helmfiles:\n- %s\n"):format(bad) })
    local r = hfl { "-f", "helmfile.yaml", "list" }
    assert.are_not.equal(0, r.code)
    assert.equal("", r.stdout)
    local line = r.stderr:gsub("\n$", "")
    assert.is_nil(line:find("\n"), r.stderr)
    assert.matches("helmfile%.yaml:2: fetch " .. quote_pattern(bad) .. ": git fetch git://127%.0%.0%.1:%d+/repo%.git: "
      .. 'no branch, tag or commit named "v9%.9%.9"', line)
  end)

  it("fails with one line naming the source when the repository has no such file", function()
    local missing = ("git::file://%s@stack/nothing.yaml?ref=v1.0.0"):format(repo)
    write(work, { ["helmfile.yaml"] = ("helmfiles:\n- %s\n"):format(missing) })
    local r = hfl { "-f", "helmfile.yaml", "build" }
    assert.are_not.equal(0, r.code)
    local line = r.stderr:gsub("\n$", "")
    assert.is_nil(line:find("\n"), r.stderr)
    assert.matches("helmfile%.yaml:2: no matches for path: " .. quote_pattern(missing), line)
  end)

  describe("template error hints", function()
    it("prints hfl.tmpl's hint under a values .gotmpl error in hfl build", function()
      write(work, {
        ["helmfile.yaml"] = "environments:\n  default:\n    values:\n    - env.yaml.gotmpl\n---\nreleases:\n- name: a\n  chart: ./c\n",
        ["env.yaml.gotmpl"] = "domain: {{ .Values.cluster.domain }}\n",
      })
      local r = hfl { "build" }
      assert.are_not.equal(0, r.code)
      local lines = {}
      for l in r.stderr:gmatch("[^\n]+") do lines[#lines + 1] = l end
      assert.equal(2, #lines, r.stderr)
      assert.matches('failed to load environment values file "[^"]*env%.yaml%.gotmpl": .*map has no entry for key "cluster"$',
        lines[1])
      assert.matches('^hint: the key "cluster" is missing: use `get ', lines[2])
    end)

    it("prints the hint under a release templating error in hfl build", function()
      write(work, { ["helmfile.yaml"] = "releases:\n- name: a\n  chart: ./c\n  namespace: '{{ .Values.team.ns }}'\n" })
      local r = hfl { "build" }
      assert.are_not.equal(0, r.code)
      assert.matches('release "a"%.namespace = "{{ %.Values%.team%.ns }}": [^\n]*map has no entry for key "team"\n'
        .. 'hint: the key "team" is missing', r.stderr)
    end)
  end)
end)
