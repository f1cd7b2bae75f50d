-- hfl.kube.kubeconfig: files read and merged as kubectl does, contexts resolved; and the
-- credential-plugin helpers that need no server. #unit
local kubeconfig = require "hfl.kube.kubeconfig"
local exec = require "hfl.kube.auth.exec"
local fs = require "hfl.fs"
local files = require "spec.support.files"

local ffi = require "ffi"
pcall(ffi.cdef, "int setenv(const char *name, const char *value, int overwrite); int unsetenv(const char *name);")

local function with_vars(vars, fn)
  local saved = {}
  for k, v in pairs(vars) do
    saved[k] = os.getenv(k) or false
    if v then ffi.C.setenv(k, v, 1) else ffi.C.unsetenv(k) end
  end
  local ok, a, b = pcall(fn)
  for k, v in pairs(saved) do
    if v then ffi.C.setenv(k, v, 1) else ffi.C.unsetenv(k) end
  end
  if not ok then error(a, 0) end
  return a, b
end

local FIRST = [[
apiVersion: v1
kind: Config
current-context: one
clusters:
- name: c1
  cluster:
    server: https://first.example:6443/
    certificate-authority: certs/ca.crt
- name: shared
  cluster:
    server: https://from-first.example
contexts:
- name: one
  context: {cluster: c1, user: u1, namespace: apps}
- name: both
  context: {cluster: shared, user: u1}
users:
- name: u1
  user:
    client-certificate: certs/u1.crt
    client-key: /abs/u1.key
    tokenFile: token
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./bin/get-token
]]

local SECOND = [[
current-context: two
clusters:
- name: shared
  cluster:
    server: https://from-second.example
- name: c2
  cluster:
    server: kube.example:8443
contexts:
- name: two
  context: {cluster: c2, user: u2}
- name: both
  context: {cluster: c2, user: u2}
users:
- name: u2
  user: {token: abc}
]]

describe("hfl.kube.kubeconfig #unit", function()
  local dir
  before_each(function()
    dir = assert(fs.mkdtemp("/tmp/hfl-kubeconfig-spec-XXXXXX"))
    files.write(dir .. "/a/config", FIRST)
    files.write(dir .. "/b/config", SECOND)
  end)
  after_each(function() fs.rm_r(dir, "/tmp") end)

  it("merges a KUBECONFIG list: the first file to set a name or current-context wins", function()
    local kc = dir .. "/a/config:" .. dir .. "/missing:" .. dir .. "/b/config"
    with_vars({ KUBECONFIG = kc }, function()
      local cfg = assert(kubeconfig.load())
      assert.same({ dir .. "/a/config", dir .. "/b/config" }, cfg.files)
      assert.equal("one", cfg.current_context)
      assert.equal("https://from-first.example", cfg.clusters.shared.body.server)
      assert.equal("shared", cfg.contexts.both.body.cluster)
      local ctx = assert(kubeconfig.resolve {})
      assert.equal("one", ctx.name)
      assert.equal("apps", ctx.namespace)
      assert.equal("https://first.example:6443", ctx.server)
      local two = assert(kubeconfig.resolve { context = "two" })
      assert.equal("default", two.namespace)
      assert.equal("https://kube.example:8443", two.server)
      assert.equal("abc", two.user.token)
    end)
  end)

  it("makes paths relative to the file that names them, the exec command too when it has a /", function()
    with_vars({ KUBECONFIG = dir .. "/b/config:" .. dir .. "/a/config" }, function()
      local ctx = assert(kubeconfig.resolve { context = "one" })
      assert.equal(dir .. "/a/certs/ca.crt", ctx.cluster["certificate-authority"])
      assert.equal(dir .. "/a/certs/u1.crt", ctx.user["client-certificate"])
      assert.equal("/abs/u1.key", ctx.user["client-key"])
      assert.equal(dir .. "/a/token", ctx.user.tokenFile)
      assert.equal(dir .. "/a/bin/get-token", ctx.user.exec.command)
      assert.equal("two", assert(kubeconfig.resolve {}).name)
    end)
  end)

  it("reads only --kubeconfig when given, and says when it is missing", function()
    with_vars({ KUBECONFIG = dir .. "/a/config" }, function()
      assert.equal("two", assert(kubeconfig.resolve { kubeconfig = dir .. "/b/config" }).name)
      local ctx, err = kubeconfig.resolve { kubeconfig = dir .. "/nope" }
      assert.is_nil(ctx)
      assert.equal("kubeconfig " .. dir .. "/nope: No such file or directory", err)
    end)
  end)

  it("falls back to ~/.kube/config, and says where it looked when there is none", function()
    files.write(dir .. "/home/.kube/config", SECOND)
    with_vars({ KUBECONFIG = false, HOME = dir .. "/home" }, function()
      assert.equal("two", assert(kubeconfig.resolve {}).name)
    end)
    with_vars({ KUBECONFIG = false, HOME = dir .. "/nohome" }, function()
      local ctx, err = kubeconfig.resolve {}
      assert.is_nil(ctx)
      assert.equal("no kubeconfig found (" .. dir .. "/nohome/.kube/config: no such file): set KUBECONFIG "
        .. "or pass --kubeconfig", err)
    end)
    with_vars({ KUBECONFIG = dir .. "/x:" .. dir .. "/y" }, function()
      local _, err = kubeconfig.resolve {}
      assert.equal("no kubeconfig found (" .. dir .. "/x, " .. dir .. "/y: no such file): set KUBECONFIG "
        .. "or pass --kubeconfig", err)
    end)
  end)

  it("names the file and the missing context, cluster or user", function()
    files.write(dir .. "/bad/config", "current-context: x\ncontexts:\n- name: x\n  context: {cluster: nope}\n"
      .. "- name: y\n  context: {cluster: c, user: ghost}\nclusters:\n- name: c\n  cluster: {server: 'https://x'}\n")
    local path = dir .. "/bad/config"
    local _, err = kubeconfig.resolve { kubeconfig = path, context = "zz" }
    assert.equal("kubeconfig " .. path .. ': context "zz" not found', err)
    _, err = kubeconfig.resolve { kubeconfig = path }
    assert.equal("kubeconfig " .. path .. ': context "x" names cluster "nope", which is not defined', err)
    _, err = kubeconfig.resolve { kubeconfig = path, context = "y" }
    assert.equal("kubeconfig " .. path .. ': context "y" names user "ghost", which is not defined', err)
    files.write(dir .. "/bad/yaml", "clusters: [\n")
    _, err = kubeconfig.resolve { kubeconfig = dir .. "/bad/yaml" }
    assert.matches("^kubeconfig " .. dir:gsub("%-", "%%-") .. "/bad/yaml:2:1: ", err)
    files.write(dir .. "/bad/empty", "")
    _, err = kubeconfig.resolve { kubeconfig = dir .. "/bad/empty" }
    assert.matches("no current%-context is set", err)
  end)
end)

describe("hfl.kube.auth.exec.parse_time #unit", function()
  it("reads RFC 3339 times as unix seconds, with zones and fractions", function()
    assert.equal(0, exec.parse_time("1970-01-01T00:00:00Z"))
    assert.equal(1700000000, exec.parse_time("2023-11-14T22:13:20Z"))
    assert.equal(1700000000, exec.parse_time("2023-11-15T00:13:20+02:00"))
    assert.equal(1700000000.5, exec.parse_time("2023-11-14T22:13:20.5Z"))
    assert.equal(951782400, exec.parse_time("2000-02-29T00:00:00Z"))
    assert.is_nil(exec.parse_time("yesterday"))
    assert.is_nil(exec.parse_time("2023-11-14T22:13:20"))
  end)
end)
