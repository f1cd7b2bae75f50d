-- The no-op fast path, counted in processes (issue 11): once hfl has deployed every release,
-- a second `hfl apply` of N releases renders nothing and upgrades nothing; it reads the
-- release records once per namespace, however many releases live there. #integration
local fakecluster = require "spec.support.fakecluster"
local servers = require "spec.support.servers"
local fs = require "hfl.fs"

local NAMESPACES = { "apps", "data", "edge" }
local PER_NAMESPACE = 10

local function write(path, text)
  assert(fs.mkdir_p(fs.dirname(path)))
  assert(fs.write_atomic(path, text))
end

-- N releases over three namespaces and two state files (the second a sub-helmfile), each
-- needing the one before it in its namespace, so the graph is not flat.
local function project(dir)
  write(dir .. "/chart/Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\n")
  write(dir .. "/chart/values.yaml", "greeting: hello\n")
  write(dir .. "/chart/templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
    .. "  name: {{ .Release.Name }}\ndata:\n  greeting: {{ .Values.greeting | quote }}\n")
  local files = { { "helmfiles:\n- sub/helmfile.yaml\nreleases:" }, { "releases:" } }
  for n, ns in ipairs(NAMESPACES) do
    for i = 1, PER_NAMESPACE do
      local lines = files[(n + i) % 2 + 1]
      local chart = lines == files[1] and "./chart" or "../chart"
      lines[#lines + 1] = ("- name: %s-%02d\n  namespace: %s\n  chart: %s\n  values:\n"
        .. "  - greeting: hi-%d"):format(ns, i, ns, chart, i)
      if i > 1 then lines[#lines + 1] = ("  needs: [%s/%s-%02d]"):format(ns, ns, i - 1) end
    end
  end
  write(dir .. "/helmfile.yaml", table.concat(files[1], "\n") .. "\n")
  write(dir .. "/sub/helmfile.yaml", table.concat(files[2], "\n") .. "\n")
end

-- helm calls by subcommand; record reads — kubectl calls and API server requests — as
-- "get kind namespace".
local function tally(fc)
  local helm, reads = {}, {}
  for _, c in ipairs(fc:calls("helm")) do helm[c.argv[1]] = (helm[c.argv[1]] or 0) + 1 end
  for _, c in ipairs(fc:calls("kubectl")) do
    local ns
    for i, a in ipairs(c.argv) do
      if a == "-n" or a == "--namespace" then ns = c.argv[i + 1] end
    end
    reads[#reads + 1] = ("%s %s %s"):format(c.argv[1], c.argv[2], tostring(ns))
  end
  for _, c in ipairs(fc:calls("api")) do
    -- record lists only: the discovery a render asks for (/version, /apis) is not a read
    local ns, kind = c.argv[2]:match("/namespaces/([^/?]+)/([^/?]+)")
    if kind then reads[#reads + 1] = ("get %s %s"):format(kind, ns) end
  end
  table.sort(reads)
  return helm, reads
end

describe("a no-op hfl apply on the fake cluster #integration", function()
  local dir, fc

  before_each(function()
    dir = servers.tmpdir()
    project(dir)
  end)

  after_each(function()
    if fc then fc:cleanup() end
    servers.cleanup()
  end)

  for _, driver in ipairs { "secret", "configmap" } do
    it(("spawns no helm template or upgrade, and one bulk read per namespace (%s records)"):format(driver), function()
      fc = fakecluster.new { helm = 4, render = false, driver = driver }
      local code, _, err = fc:hfl({ "--concurrency", "4", "apply" }, { cwd = dir })
      assert.equal(0, code, err)
      local helm = tally(fc)
      assert.equal(#NAMESPACES * PER_NAMESPACE, helm.upgrade)

      fc:clear_calls()
      code, _, err = fc:hfl({ "--concurrency", "4", "apply", "--detailed-exitcode" }, { cwd = dir })
      assert.equal(0, code, err)  -- 0, not 2: nothing changed
      local kubectl
      helm, kubectl = tally(fc)
      -- at most the one `helm version` of the session; nothing per release
      assert.is_true((helm.version or 0) <= 1)
      helm.version = nil
      assert.same({}, helm)
      local kind = driver == "configmap" and "configmaps" or "secrets"
      local want = {}
      for i, ns in ipairs(NAMESPACES) do want[i] = ("get %s %s"):format(kind, ns) end
      assert.same(want, kubectl)
    end)
  end

  for _, client in ipairs { "http", "kubectl" } do
    it("asks helm for its version while the records are read, not after (" .. client .. ")", function()
      fc = fakecluster.new { helm = 4, render = false, api_delay = 0.5 }
      assert.equal(0, (fc:hfl({ "apply" }, { cwd = dir })))
      fc:clear_calls()
      local code, _, err = fc:hfl({ "--kube-client", client, "apply" },
        { cwd = dir, env = { HFL_FAKE_KUBECTL_DELAY = "0.5" } })
      assert.equal(0, code, err)
      local version = fc:calls("helm")[1]
      assert.same({ "version", "--short" }, version.argv)
      local reads = fc:calls(client == "http" and "api" or "kubectl")
      assert.equal(#NAMESPACES, #reads)
      for _, read in ipairs(reads) do
        assert.is_true(version.start < read["end"], "helm version waited for a record read")
      end
    end)
  end

  it("renders and upgrades only the release whose values changed", function()
    fc = fakecluster.new { helm = 4, render = false }
    assert.equal(0, (fc:hfl({ "apply" }, { cwd = dir })))
    local text = assert(fs.read(dir .. "/sub/helmfile.yaml"))
    local changed = text:match("%- name: ([%w-]+)\n")
    local at = assert(text:find("greeting: hi-", text:find("name: " .. changed, 1, true), true))
    write(dir .. "/sub/helmfile.yaml", text:sub(1, at - 1) .. "greeting: new-" .. text:sub(at + #"greeting: hi-"))
    fc:clear_calls()
    -- helm's renderer, so the render shows as a helm template process
    local code, _, err = fc:hfl({ "apply" }, { cwd = dir, env = { HFL_RENDERER = "helm" } })
    assert.equal(0, code, err)
    local upgraded = {}
    for _, c in ipairs(fc:calls("helm")) do
      if c.argv[1] == "upgrade" or c.argv[1] == "template" then
        upgraded[#upgraded + 1] = c.argv[1] .. " " .. (c.argv[2] == "--install" and c.argv[3] or c.argv[2])
      end
    end
    table.sort(upgraded)
    assert.same({ "template " .. changed, "upgrade " .. changed }, upgraded)
    local _, kubectl = tally(fc)
    assert.equal(#NAMESPACES, #kubectl)
  end)
end)
