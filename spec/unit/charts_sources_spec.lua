local git = require "hfl.charts.git"
local oci = require "hfl.charts.oci"
local repo = require "hfl.charts.repo"
local lock = require "hfl.charts.lock"
local localchart = require "hfl.charts.localchart"
local resolve = require "hfl.charts.resolve"

local function tmpdir()
  local p = io.popen("mktemp -d")
  local d = p:read("*l")
  p:close()
  return d
end
local function write(path, text)
  os.execute("mkdir -p '" .. path:match("^(.*)/") .. "'")
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

describe("hfl.charts.git #unit", function()
  describe("parse", function()
    it("splits a go-getter git source into repository, path and ref", function()
      local s = assert(git.parse("git::https://github.com/org/repo.git@charts/web?ref=v1.2.3"))
      assert.equal("git", s.getter)
      assert.equal("https://github.com/org/repo.git", s.repo_url)
      assert.equal("charts/web", s.file)
      assert.equal("v1.2.3", s.ref)
    end)

    it("keeps file:// paths and users", function()
      local s = assert(git.parse("git::file:///tmp/x/repo@helmfile.yaml?ref=main"))
      assert.equal("file:///tmp/x/repo", s.repo_url)
      assert.equal("helmfile.yaml", s.file)
      s = assert(git.parse("git::ssh://git@host/org/repo.git@a/b.yaml"))
      assert.equal("ssh://git@host/org/repo.git", s.repo_url)
      assert.equal("a/b.yaml", s.file)
      assert.is_nil(s.ref)
    end)

    it("rejects local paths", function()
      assert.matches("missing scheme", select(2, git.parse("charts/web")))
      assert.matches("local absolute path", select(2, git.parse("git::/abs/path")))
    end)
  end)

  describe("key", function()
    it("tells refs apart and ignores cache=false", function()
      local a = git.key(git.parse("git::https://h/r.git@x?ref=v1"))
      local b = git.key(git.parse("git::https://h/r.git@y?ref=v2"))
      local c = git.key(git.parse("git::https://h/r.git@z?cache=false&ref=v1"))
      assert.not_equal(a, b)
      assert.equal(a, c)
    end)
  end)
end)

describe("hfl.charts.oci #unit", function()
  describe("parse", function()
    it("reads host, path, tag and digest", function()
      local r = assert(oci.parse("oci://localhost:5000/charts/web:1.2.3"))
      assert.same({ host = "localhost:5000", repo = "charts/web", name = "web", tag = "1.2.3" }, r)
      local d = "sha256:" .. string.rep("a", 64)
      r = assert(oci.parse("oci://reg.io/web@" .. d))
      assert.equal(d, r.digest)
      assert.is_nil(r.tag)
      assert.matches("invalid digest", select(2, oci.parse("oci://reg.io/web@md5:12")))
      assert.matches("no repository path", select(2, oci.parse("oci://reg.io")))
    end)
  end)

  describe("stored_credentials", function()
    it("reads Helm's registry config, then Docker's config.json", function()
      local d = tmpdir()
      write(d .. "/helm.json", '{"auths":{"reg.io:5000":{"auth":"' .. oci.b64encode("alice:s3cret") .. '"}}}')
      write(d .. "/docker/config.json", '{"auths":{"https://other.io":{"auth":"' .. oci.b64encode("bob:pw:x") .. '"}}}')
      local saved = { os.getenv("HELM_REGISTRY_CONFIG"), os.getenv("DOCKER_CONFIG") }
      local c = oci.stored_credentials("reg.io:5000", d .. "/helm.json")
      assert.same({ username = "alice", password = "s3cret" }, c)
      local old = os.getenv
      os.getenv = function(k)
        if k == "DOCKER_CONFIG" then return d .. "/docker" end
        if k == "HELM_REGISTRY_CONFIG" then return d .. "/none.json" end
        return old(k)
      end
      local ok, res = pcall(oci.stored_credentials, "other.io")
      os.getenv = old
      assert.is_true(ok)
      assert.same({ username = "bob", password = "pw:x" }, res)
      os.execute("rm -rf '" .. d .. "'")
      local _ = saved
    end)
  end)
end)

describe("hfl.charts.repo #unit", function()
  describe("spec", function()
    it("takes credentials from <NAME>_USERNAME/_PASSWORD when the state has none", function()
      local env = { MY_REPO_USERNAME = "u", MY_REPO_PASSWORD = "p" }
      local s = repo.spec({ name = "my-repo", url = "https://h/r" }, function(k) return env[k] end)
      assert.equal("u", s.username)
      assert.equal("p", s.password)
      s = repo.spec({ name = "my-repo", url = "https://h/r", username = "x", password = "y" }, function(k) return env[k] end)
      assert.equal("x", s.username)
    end)

    it("reads TLS, OCI and passCredentials settings", function()
      local s = repo.spec({ name = "r", url = "h/r", oci = true, caFile = "ca", certFile = "c", keyFile = "k",
        skipTLSVerify = true, passCredentials = true, plainHttp = true }, function() end)
      assert.is_true(s.oci and s.insecure and s.pass_credentials and s.plain_http)
      assert.equal("ca", s.ca_file)
    end)
  end)

  describe("http_opts", function()
    it("sends credentials only to the repository's host unless passCredentials", function()
      local s = repo.spec({ name = "r", url = "https://h/r", username = "u", password = "p" }, function() end)
      assert.same({ username = "u", password = "p" }, repo.http_opts(s, "https://h/r/x.tgz").auth)
      assert.is_nil(repo.http_opts(s, "https://cdn/x.tgz").auth)
      s.pass_credentials = true
      assert.is_not_nil(repo.http_opts(s, "https://cdn/x.tgz").auth)
    end)
  end)
end)

describe("hfl.charts.localchart #unit", function()
  describe("classify", function()
    it("reads chart: values as Helmfile does", function()
      local d = tmpdir()
      write(d .. "/charts/web/Chart.yaml", "name: web\n")
      assert.equal("local", localchart.classify("./web", d))
      assert.equal("local", localchart.classify("/abs/web", d))
      assert.equal("local", localchart.classify("web", d))
      assert.equal("local", localchart.classify("a/b/c/d", d))
      assert.equal("local", localchart.classify("charts/web", d))
      assert.equal("repo", localchart.classify("stable/web", d))
      assert.equal("repo", localchart.classify("oci-repo/path/web", d))
      assert.equal("oci", localchart.classify("oci://r/web", d))
      assert.equal("getter", localchart.classify("git::https://h/r.git@c?ref=1", d))
      assert.equal("url", localchart.classify("https://h/web-1.0.0.tgz", d))
      os.execute("rm -rf '" .. d .. "'")
    end)
  end)
end)

describe("hfl.charts.lock #unit", function()
  local state = { dir = "/s", file = "/s/helmfile.yaml.gotmpl", doc = {
    repositories = { { name = "stable", url = "https://charts.example.com" }, { name = "reg", url = "reg.io/org", oci = true } } } }

  describe("path", function()
    it("is <state name>.lock beside the state, or lockFilePath", function()
      assert.equal("/s/helmfile.lock", lock.path(state))
      assert.equal("/s/locks/x.lock", lock.path { dir = "/s", doc = { lockFilePath = "locks/x.lock" } })
    end)
  end)

  describe("requirements", function()
    it("lists repo/chart releases of declared repositories with Helmfile's names", function()
      local rels = {
        { name = "a", namespace = "ns", chart = "stable/web", version = "~1.0" },
        { name = "b", namespace = "ns", chart = "reg/sub/api" },
        { name = "c", chart = "./local" },
        { name = "d", chart = "unknown/x" },
      }
      local reqs = lock.requirements(rels, function() return state end)
      assert.equal(2, #reqs)
      assert.same({ "web", "https://charts.example.com", "~1.0", "ns-a" },
        { reqs[1].name, reqs[1].repository, reqs[1].version, reqs[1].alias })
      assert.same({ "api", "oci://reg.io/org/sub", "*", "ns-b" },
        { reqs[2].name, reqs[2].repository, reqs[2].version, reqs[2].alias })
    end)
  end)

  describe("build and read", function()
    it("writes dependencies sorted and deduplicated and reads them back", function()
      local d = tmpdir()
      local l = lock.build({
        { name = "web", repository = "https://x", alias = "ns-b", resolved = "1.2.0" },
        { name = "api", repository = "https://x", alias = "ns-a", resolved = "0.1.0" },
        { name = "web", repository = "https://x", alias = "ns-c", resolved = "1.2.0" },
      }, "0.1.0")
      assert(lock.write(d .. "/helmfile.lock", l))
      local text = io.open(d .. "/helmfile.lock"):read("*a")
      assert.matches("^version: 0.1.0\ndependencies:\n  %- name: api\n    repository: https://x\n    version: 0.1.0\n  %- name: web\n", text)
      assert.matches("\ndigest: sha256:%x+\ngenerated: \"%d+%-%d+%-%d+T[%d:]+Z\"\n$", text)
      local back = assert(lock.read(d .. "/helmfile.lock"))
      assert.equal(2, #back.dependencies)
      assert.equal("1.2.0", back.dependencies[2].version)
      os.execute("rm -rf '" .. d .. "'")
    end)
  end)

  describe("locked_version", function()
    it("takes the first locked version satisfying the release's constraint", function()
      local l = { dependencies = { { name = "web", version = "1.2.0" }, { name = "web", version = "2.0.0" } } }
      assert.equal("2.0.0", resolve.locked_version(l, "web", "^2"))
      assert.equal("1.2.0", resolve.locked_version(l, "web", nil))
      local v, err = resolve.locked_version(l, "api", "1.0.0")
      assert.is_nil(v)
      assert.equal('no resolved dependency found for "api", running "hfl deps" may resolve the issue', err)
    end)
  end)
end)

describe("hfl.charts.repos #unit", function()
  local repos = require "hfl.charts.repos"
  describe("calls", function()
    it("adds classic repositories as Helmfile does, password on stdin", function()
      local s = repo.spec({ name = "r", url = "https://h/r", username = "u", password = "p", caFile = "ca",
        certFile = "c", keyFile = "k", passCredentials = true, skipTLSVerify = true }, function() end)
      local c = repos.calls(s, "helm")
      assert.same({ "helm", "repo", "add", "r", "https://h/r", "--force-update", "--cert-file", "c", "--key-file", "k",
        "--ca-file", "ca", "--pass-credentials", "--insecure-skip-tls-verify", "--username", "u", "--password-stdin" }, c[1].argv)
      assert.equal("p", c[1].stdin)
    end)

    it("logs in to OCI registries only when credentials are known", function()
      local s = repo.spec({ name = "o", url = "reg.io:5000/charts", oci = true }, function() end)
      assert.same({}, repos.calls(s, "helm"))
      s = repo.spec({ name = "o", url = "reg.io:5000/charts", oci = true, username = "u", password = "p" }, function() end)
      local c = repos.calls(s, "helm")
      assert.same({ "helm", "registry", "login", "reg.io:5000", "--username", "u", "--password-stdin" }, c[1].argv)
      assert.equal("1", c[1].env.HELM_EXPERIMENTAL_OCI)
    end)

    it("refuses managed repositories other than acr", function()
      local s = repo.spec({ name = "m", url = "x", managed = "gcr" }, function() end)
      local c, err = repos.calls(s, "helm")
      assert.is_nil(c)
      assert.matches("managed: gcr is not supported", err)
    end)
  end)
end)
