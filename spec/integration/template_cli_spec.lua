-- `hfl template` and `hfl lint` through the built binary, with the real helm 3 and helm 4, on
-- the local charts of spec/fixtures/helm: output, layout, exit codes, and that the run's
-- private temp directory is gone afterwards — after success, errors and SIGINT/SIGTERM.
local hflrun = require "spec.support.hflrun"
local fs = require "hfl.fs"
local proc = require "hfl.proc"

local ROOT = hflrun.root()
local FIX = ROOT .. "/spec/fixtures/helm/"
local BIN = ROOT .. "/.deps/bin/"

local function sh(cmd)
  local p = io.popen(cmd)
  local out = p:read("*a")
  p:close()
  return (out:gsub("\n$", ""))
end

local function tmpdir()
  return assert(fs.mkdtemp("hfl-spec-XXXXXX"))
end

-- Runs hfl with TMPDIR set to a fresh directory; returns code, out, err, tmp.
local function hfl(args, env)
  local tmp = tmpdir()
  local e = { TMPDIR = tmp }
  for k, v in pairs(env or {}) do e[k] = v end
  local code, out, err = hflrun.run(args, { cwd = FIX, env = e })
  return code, out, err, tmp
end

for _, bin in ipairs { "helm3", "helm4" } do
  describe("hfl template and lint with " .. bin .. " #integration", function()
    it("prints every installed release's manifests in plan order and leaves no temp files", function()
      local code, out, err, tmp = hfl { "-b", BIN .. bin, "template", "--skip-tests" }
      assert.equal("", err)
      assert.equal(0, code)
      local names = {}
      for n in out:gmatch("\n  name: (%w+)\n") do names[#names + 1] = n end
      assert.same({ "app", "db" }, names)
      assert.matches('greeting: "hi"', out, 1, true)
      assert.matches('extra: "from-set"', out, 1, true)
      assert.same({}, fs.list(tmp))
    end)

    it("keeps the values files with --skip-cleanup and says where", function()
      local code, _, err, tmp = hfl { "-b", BIN .. bin, "template", "--skip-cleanup" }
      assert.equal(0, code, err)
      local runs = fs.list(tmp)
      assert.equal(1, #runs)
      assert.equal(("temporary files kept in %s/%s\n"):format(tmp, runs[1]), err)
      assert.same({ "data-db-values-2.yaml", "web-app-values-1.yaml" }, fs.list(tmp .. "/" .. runs[1]))
    end)

    it("writes Helmfile's per-release directories with --output-dir", function()
      local out_dir = tmpdir()
      local code, _, err = hfl { "-b", BIN .. bin, "template", "--output-dir", out_dir }
      assert.equal(0, code, err)
      local sha = sh("printf %s " .. FIX .. "helmfile.yaml | sha1sum"):sub(1, 8)
      assert.same({ "helmfile-" .. sha .. "-app", "helmfile-" .. sha .. "-db" }, fs.list(out_dir))
      assert.is_true(fs.exists(("%s/helmfile-%s-app/hello/templates/configmap.yaml"):format(out_dir, sha)))
    end)

    it("takes --set, --values, --show-only and --kube-version to every release", function()
      local vals = tmpdir() .. "/extra.yaml"
      local f = assert(io.open(vals, "w"))
      f:write("greeting: from-file\n")
      f:close()
      local code, out, err = hfl { "-b", BIN .. bin, "template", "--values", vals, "--set", "extra=cli",
        "--show-only", "templates/configmap.yaml", "--kube-version", "1.28.1", "-l", "name=app" }
      assert.equal(0, code, err)
      assert.matches('greeting: "from-file"', out, 1, true)
      assert.matches('extra: "cli"', out, 1, true)
      assert.matches('kubeVersion: "v1.28.1"', out, 1, true)
      assert.is_nil(out:find("app-test", 1, true))
    end)

    it("never shows --set values in --debug logs", function()
      -- helm's command line is what is logged: --renderer helm (the native renderer now takes
      -- --set itself and logs no command line)
      local code, _, err = hfl { "-b", BIN .. bin, "--debug", "template", "--renderer", "helm",
        "--set", "greeting=s3cr3t", "--args", "--set=other=hunter2" }
      assert.equal(0, code)
      assert.matches("exec: .* template app ", err)
      assert.is_nil(err:find("s3cr3t", 1, true))
      assert.is_nil(err:find("hunter2", 1, true))
    end)

    it("fails naming every release helm could not render, after rendering the rest", function()
      local code, out, err, tmp = hfl { "-b", BIN .. bin, "-f", "lint/helmfile.yaml", "template" }
      assert.equal(1, code)
      assert.matches("name: good", out, 1, true)
      assert.matches("name: fixed", out, 1, true)
      assert.matches('^hfl: 2 errors:\nhfl: err 0: release "bad%-one": command ', err)
      assert.matches('\nhfl: err 1: release "bad-two": ', err, 1, true)
      assert.same({}, fs.list(tmp))
    end)

    it("lints every release and reports the failures together", function()
      local code, out, err, tmp = hfl { "-b", BIN .. bin, "-f", "lint/helmfile.yaml", "lint" }
      assert.equal(1, code)
      assert.matches("1 chart(s) linted, 0 chart(s) failed", out, 1, true)
      assert.matches('^hfl: 2 errors:\nhfl: err 0: release "bad%-one": ', err)
      assert.matches('\nhfl: err 1: release "bad-two": ', err, 1, true)
      assert.same({}, fs.list(tmp))
    end)
  end)
end

describe("hfl template #integration", function()
  it("says in one line how to get helm when it cannot run it", function()
    local code, out, err = hfl { "-b", "/nonexistent/helm", "template" }
    assert.equal(1, code)
    assert.equal("", out)
    assert.matches('^hfl: cannot run "/nonexistent/helm": .*install Helm 3 or 4 .*'
      .. "%-%-helm%-binary or HELMFILE_HELM_BINARY\n$", err)
  end)

  it("exits 3 when no release matches", function()
    local code, _, err = hfl { "-b", BIN .. "helm4", "-l", "name=none", "template" }
    assert.equal(3, code)
    assert.matches("no releases found", err, 1, true)
  end)

  for sig, want in pairs { INT = 130, TERM = 143 } do
    it("removes its temp files when stopped by SIG" .. sig, function()
      local dir = tmpdir()
      local slow = dir .. "/helm"
      local f = assert(io.open(slow, "w"))
      f:write(("#!/bin/sh\n[ \"$1\" = template ] && touch %s/started && sleep 30\nexec %s \"$@\"\n")
        :format(dir, BIN .. "helm4"))
      f:close()
      os.execute("chmod +x " .. slow)
      local tmp = tmpdir()
      local h = hflrun.spawn({ "-b", slow, "template", "--renderer", "helm" }, { cwd = FIX, env = { TMPDIR = tmp } })
      local deadline = proc.now() + 30
      while not fs.exists(dir .. "/started") and proc.now() < deadline do proc.sleep(0.05) end
      assert.is_true(fs.exists(dir .. "/started"))
      assert.equal(1, #fs.list(tmp))  -- the run's private directory, with a values file
      h:kill(sig)
      local r = h:wait()
      assert.equal(want, r.code)
      assert.same({}, fs.list(tmp))
    end)
  end
end)
