local semver = require "hfl.semver"
local index = require "hfl.charts.index"

describe("hfl.semver #unit", function()
  local versions = { "0.9.1", "1.0.0", "1.1.0", "1.2.0-rc.1", "1.2.0", "2.0.0-beta.1", "2.0.0", "2.1.3" }

  describe("select", function()
    local cases = {
      { "1.1.0", "1.1.0" }, { "~1.1", "1.1.0" }, { "~1", "1.2.0" }, { "^1", "1.2.0" }, { "^0.9", "0.9.1" },
      { ">=1 <2", "1.2.0" }, { "1.x", "1.2.0" }, { "1.0.x", "1.0.0" }, { "*", "2.1.3" }, { "", "2.1.3" },
      { "<1", "0.9.1" }, { ">1.0.0, <1.2.0", "1.1.0" }, { "~3.0 || ~1.0", "1.0.0" },
      { "1.0.0 - 1.1.5", "1.1.0" }, { "!=2.1.3", "2.0.0" }, { "=1.0.0", "1.0.0" }, { "v1.0.0", "1.0.0" },
    }
    for _, c in ipairs(cases) do
      it(string.format("picks the highest version matching %q", c[1]), function()
        assert.equal(c[2], semver.select(versions, c[1]))
      end)
    end

    it("matches a prerelease only when the constraint names a prerelease", function()
      assert.equal("1.2.0", semver.select(versions, "~1.2"))
      assert.equal("1.2.0-rc.1", semver.select(versions, "1.2.0-rc.1"))
      assert.equal("2.1.3", semver.select(versions, ">=2.0.0-0"))
      assert.equal("2.0.0-beta.1", semver.select(versions, "2.0.0-beta.1"))
      assert.is_nil(semver.select({ "3.0.0-rc.1" }, "~3"))
    end)

    it("lets one prerelease in an AND group admit prereleases (Helm 4), or only its own (Helm 3)", function()
      local vs = { "1.0.0", "1.2.0-rc.1" }
      assert.equal("1.2.0-rc.1", semver.select(vs, ">=1.2.0-0 <2"))
      assert.equal("1.2.0-rc.1", semver.select(vs, ">=1.2.0-0 <2", false, { prerelease = "helm4" }))
      assert.equal("1.0.0", semver.select(vs, ">=1.2.0-0 <2 || 1.0.0", false, { prerelease = "helm3" }))
      assert.equal("1.2.0-rc.1", semver.select(vs, "~1.2.0-0", false, { prerelease = "helm3" }))
    end)

    it("lets an exact != pass prereleases under Helm 3 but not Helm 4", function()
      local vs = { "1.2.3", "1.3.0-rc.1" }
      assert.equal("1.3.0-rc.1", semver.select(vs, "!=1.2.3", false, { prerelease = "helm3" }))
      assert.is_nil(semver.select(vs, "!=1.2.3", false, { prerelease = "helm4" }))
    end)

    it("rewrites hyphen ranges as Masterminds 3.3+ does for Helm and as 3.2 does for Sprig", function()
      -- `1 - 2 3`: 3.3 and later read `>= 1, <= 2 3`; 3.2 swallows the space: `>= 1, <= 23`
      assert.is_false(semver.satisfies("2.5.0", "1 - 2 3", { prerelease = "helm3" }))
      assert.is_false(semver.satisfies("2.5.0", "1 - 2 3", { prerelease = "helm4" }))
      assert.is_true(semver.satisfies("2.5.0", "1 - 2 3", { prerelease = "sprig" }))
    end)

    it("raises on an unknown prerelease rule", function()
      assert.has_error(function() semver.constraint("1", { prerelease = "helm2" }) end,
        'hfl.semver: prerelease rule "helm2" is not one of sprig, helm3, helm4')
      assert.has_error(function() semver.select({ "1.0.0" }, "1.0.0", false, { prerelease = "3" }) end)
    end)

    it("names the rule of a helm major version", function()
      assert.equal("helm3", semver.rule_for_helm(3))
      assert.equal("helm3", semver.rule_for_helm("3"))
      assert.equal("helm4", semver.rule_for_helm(4))
      assert.equal("helm4", semver.rule_for_helm(nil))
    end)

    it("takes any prerelease with devel and no version (>0.0.0-0)", function()
      assert.equal("3.0.0-rc.1", semver.select({ "2.0.0", "3.0.0-rc.1" }, "", true))
      assert.equal("2.0.0", semver.select({ "2.0.0", "3.0.0-rc.1" }, ""))
    end)

    it("returns nothing when no version matches", function()
      local v, err = semver.select(versions, "~5.0")
      assert.is_nil(v)
      assert.is_nil(err)
    end)

    it("reports a malformed constraint", function()
      local v, err = semver.select(versions, "~>>1..2")
      assert.is_nil(v)
      assert.matches("improper constraint", err)
    end)
  end)

  describe("sort_desc", function()
    it("orders versions highest first with prereleases below their release", function()
      assert.same({ "2.0.0", "2.0.0-rc.2", "2.0.0-rc.1", "1.10.0", "1.9.0", "junk" },
        semver.sort_desc { "1.9.0", "junk", "2.0.0-rc.1", "1.10.0", "2.0.0", "2.0.0-rc.2" })
    end)
  end)

  describe("is_exact", function()
    it("tells exact versions from ranges", function()
      assert.is_true(semver.is_exact("1.2.3"))
      assert.is_true(semver.is_exact("1.2.3-rc.1+build.5"))
      assert.is_false(semver.is_exact("~1.2"))
      assert.is_false(semver.is_exact("1.x"))
      assert.is_false(semver.is_exact(">=1.0.0"))
      assert.is_false(semver.is_exact(""))
    end)
  end)
end)

describe("hfl.charts.index #unit", function()
  local text = [[
apiVersion: v1
entries:
  web:
    - name: web
      version: 1.0.0
      urls: [charts/web-1.0.0.tgz]
      digest: abc
    - name: web
      version: 1.1.0
      urls: ["https://cdn.example.com/web-1.1.0.tgz"]
    - name: web
      version: not-a-version
      urls: [x.tgz]
  empty: []
generated: "2024-01-01T00:00:00Z"
]]

  describe("parse", function()
    it("reads entries and skips versions that do not parse", function()
      local idx = assert(index.parse(text, "http://repo/index.yaml"))
      assert.equal("v1", idx.api_version)
      assert.same({ "1.1.0", "1.0.0" }, index.versions(idx, "web"))
      assert.equal("abc", index.get(idx, "web", "1.0.0").digest)
    end)

    it("rejects malformed indexes with the source named", function()
      local _, err = index.parse("entries: [", "http://repo/index.yaml")
      assert.matches("^malformed index http://repo/index.yaml", err)
      _, err = index.parse("entries: {}\n", "http://repo/index.yaml")
      assert.matches("no apiVersion", err)
      _, err = index.parse("<html>hello</html>\n", "http://repo/index.yaml")
      assert.matches("malformed index", err)
    end)
  end)

  describe("get", function()
    local idx = assert(index.parse(text, "u"))
    it("picks prereleases by the helm binary's rule", function()
      local pre = assert(index.parse([[
apiVersion: v1
entries:
  app:
    - {name: app, version: 2.0.0-rc.1, urls: [a.tgz]}
    - {name: app, version: 1.5.0, urls: [a.tgz]}
    - {name: app, version: 1.0.0, urls: [a.tgz]}
]], "u"))
      -- Helm 3 (Masterminds 3.3): `<3` alone refuses the prerelease the other half names
      assert.equal("1.5.0", index.get(pre, "app", ">=2.0.0-0 <3 || ^1", false, { prerelease = "helm3" }).version)
      -- Helm 4 (Masterminds 3.4): one prerelease in the group admits prereleases for all of it
      assert.equal("2.0.0-rc.1", index.get(pre, "app", ">=2.0.0-0 <3 || ^1", false, { prerelease = "helm4" }).version)
      assert.equal("2.0.0-rc.1", index.get(pre, "app", ">=2.0.0-0 <3 || ^1").version)
      assert.equal("2.0.0-rc.1", index.get(pre, "app", "!=1.5.0", false, { prerelease = "helm3" }).version)
      assert.equal("1.0.0", index.get(pre, "app", "!=1.5.0", false, { prerelease = "helm4" }).version)
    end)

    it("tells a missing chart from a missing version", function()
      assert.same({ nil, "no chart" }, { index.get(idx, "nope", "") })
      assert.same({ nil, "no version" }, { index.get(idx, "empty", "") })
      assert.same({ nil, "no version" }, { index.get(idx, "web", "~2.0") })
      assert.equal("1.1.0", index.get(idx, "web", "^1").version)
    end)
  end)

  describe("resolve_url", function()
    it("resolves chart URLs against the repository URL as Helm does", function()
      assert.equal("http://h/charts/sub/web-1.0.0.tgz", index.resolve_url("http://h/charts/sub", "web-1.0.0.tgz"))
      assert.equal("http://h/charts/sub/web-1.0.0.tgz", index.resolve_url("http://h/charts/sub/", "web-1.0.0.tgz"))
      assert.equal("http://h/charts/x.tgz", index.resolve_url("http://h/charts/sub", "../x.tgz"))
      assert.equal("http://h/x.tgz", index.resolve_url("http://h/charts/sub", "/x.tgz"))
      assert.equal("https://cdn/x.tgz", index.resolve_url("http://h/charts", "https://cdn/x.tgz"))
      assert.equal("http://h:8080/r/x.tgz?token=1", index.resolve_url("http://h:8080/r?token=1", "x.tgz"))
    end)
  end)

  describe("index_url", function()
    it("appends index.yaml and keeps the query", function()
      assert.equal("http://h/r/index.yaml", index.index_url("http://h/r/"))
      assert.equal("http://h/r/index.yaml?a=b", index.index_url("http://h/r?a=b"))
    end)
  end)
end)
