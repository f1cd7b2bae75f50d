-- Integration specs of build, list, write-values and show-dag through the hfl binary (HFL_BIN)
-- on the fixtures in spec/fixtures/state/releases/.
local hflrun = require "spec.support.hflrun"
local FIX = hflrun.root() .. "/spec/fixtures/state/releases/"

local function quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

-- Runs `hfl ARGS…` in dir; returns code, stdout, stderr.
local function hfl(dir, args)
  return hflrun.run(args, { cwd = dir, env = { NO_COLOR = "1" } })
end

local function tmpdir()
  local p = io.popen("mktemp -d")
  local d = p:read("*l")
  p:close()
  return d
end

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

describe("state commands #integration", function()
  describe("list", function()
    it("prints Helmfile's table, sorted by namespace then name", function()
      local code, out = hfl(FIX .. "basic", { "list" })
      assert.equal(0, code)
      assert.equal(table.concat({
        "NAME \tNAMESPACE\tENABLED\tINSTALLED\tLABELS                                                                 \tCHART             \tVERSION",
        "api  \tapps     \ttrue   \ttrue     \tchart:api,monitored:true,name:api,namespace:apps,team:core,tier:backend\tcharts/api        \t1.2.3",
        "db   \tapps     \ttrue   \ttrue     \tchart:postgresql,name:db,namespace:apps,team:core,tier:backend         \tbitnami/postgresql",
        "cache\tcache    \tfalse  \ttrue     \tchart:redis,name:cache,namespace:cache,team:core                       \tbitnami/redis",
        "old  \tlegacy   \ttrue   \tfalse    \tchart:old,name:old,namespace:legacy,team:core                          \tstable/old",
      }, "\n") .. "\n", out)
    end)

    it("prints a one-line JSON array with --output json", function()
      local code, out = hfl(FIX .. "basic", { "list", "--output", "json", "-l", "name=api" })
      assert.equal(0, code)
      assert.equal('[{"name":"api","namespace":"apps","enabled":true,"installed":true,'
        .. '"labels":"chart:api,monitored:true,name:api,namespace:apps,team:core,tier:backend",'
        .. '"chart":"charts/api","version":"1.2.3"}]\n', out)
    end)

    it("selects with -l: comma is AND, repeated -l is OR, built-in labels included", function()
      local _, out = hfl(FIX .. "basic", { "list", "-l", "tier=backend,name!=api", "-l", "namespace=legacy" })
      assert.matches("\ndb ", out)
      assert.matches("\nold ", out)
      assert.is_nil(out:find("\napi", 1, true))
    end)

    it("drops releases whose condition is off when selecting", function()
      local _, out = hfl(FIX .. "basic", { "list", "-l", "chart=redis", "--allow-no-matching-release" })
      assert.equal("", out)
    end)

    it("exits 3 with Helmfile's message when nothing matches", function()
      local code, out, err = hfl(FIX .. "basic", { "list", "-l", "tier=nope", "-l", "name=x" })
      assert.equal(3, code)
      assert.equal("", out)
      assert.matches("err: no releases found that matches specified selector%(tier=nope, name=x%) and "
        .. "environment%(default%), in any helmfile", err)
    end)

    it("exits 0 with --allow-no-matching-release", function()
      local code = hfl(FIX .. "basic", { "list", "-l", "tier=nope", "--allow-no-matching-release" })
      assert.equal(0, code)
    end)

    it("rejects a malformed selector", function()
      local code, _, err = hfl(FIX .. "basic", { "list", "-l", "tier" })
      assert.is_not.equal(0, code)
      assert.matches("malformed label: tier%. Expected label in form k=v or k!=v", err)
    end)

    it("forces the namespace with -n", function()
      local _, out = hfl(FIX .. "anchors", { "list", "-n", "forced" })
      assert.matches("\none%s*\tforced%s*\t", out)
      assert.matches("\ntwo%s*\tforced%s*\t", out)
    end)

    it("lists sub-helmfile releases with the parent's", function()
      local code, out = hfl(FIX .. "sub", { "list" })
      assert.equal(0, code)
      for _, n in ipairs { "top", "app0", "app1", "app2" } do assert.matches("\n" .. n .. "%s", out) end
    end)

    it("lists every helmfile.d file that defines the environment, sorted across files", function()
      local code, out = hfl(FIX .. "multi", { "list", "-e", "both" })
      assert.equal(0, code)
      assert.equal(table.concat({
        "NAME       \tNAMESPACE\tENABLED\tINSTALLED\tLABELS                                              \tCHART           \tVERSION",
        "nameless-ns\t         \ttrue   \ttrue     \tchart:tool,name:nameless-ns,namespace:              \tstable/tool",
        "queue      \tdata     \ttrue   \ttrue     \tchart:rabbitmq,name:queue,namespace:data,role:back  \tbitnami/rabbitmq\t12.0.1",
        "gateway    \tedge     \ttrue   \ttrue     \tchart:gateway,name:gateway,namespace:edge,role:front\tstable/gateway",
        "metrics    \tops      \ttrue   \ttrue     \tchart:collector,name:metrics,namespace:ops          \tstable/collector",
      }, "\n") .. "\n", out)
      local _, stage = hfl(FIX .. "multi", { "list", "-e", "stage" })
      assert.matches("^NAME ", stage)
      assert.matches("\nqueue\t", stage)
      assert.is_nil(stage:find("metrics", 1, true))
    end)

    it("exits 3 when no file defines the environment", function()
      local code, _, err = hfl(FIX .. "multi", { "list", "-e", "nowhere" })
      assert.equal(3, code)
      assert.matches("selector%(%) and environment%(nowhere%)", err)
    end)

    it("names file and line of an unknown release field", function()
      local code, _, err = hfl(FIX .. "typo", { "list" })
      assert.equal(1, code)
      assert.matches('helmfile%.yaml:5: release "api": unknown field "chrat" %(did you mean "chart"%?%)', err)
    end)

    it("fails for duplicate releases and a need that names no release", function()
      local code, _, err = hfl(FIX .. "dup", { "list" })
      assert.equal(1, code)
      assert.matches('duplicate release "api" found in namespace "a"', err)
      code, _, err = hfl(FIX .. "undefined", { "list" })
      assert.equal(1, code)
      assert.matches('depend%(s%) on an undefined release "web/dbb"', err)
    end)
  end)

  describe("show-dag", function()
    it("prints the groups, one line per release", function()
      local code, out = hfl(FIX .. "basic", { "show-dag", "-e", "prod" })
      assert.equal(0, code)
      assert.equal(table.concat({
        "GROUP RELEASE                 DEPENDENCIES",
        "1     kind-dev/production/db",
        "1     kind-dev/legacy/old",
        "2     kind-dev/production/api kind-dev/production/db",
        "2     kind-dev/cache/cache    kind-dev/production/db",
      }, "\n") .. "\n", out)
    end)

    it("layers a deeper graph as Helmfile does, installed: false releases included", function()
      local code, out = hfl(FIX .. "layers", { "show-dag", "--kube-context", "kc" })
      assert.equal(0, code)
      assert.equal(table.concat({
        "GROUP RELEASE         DEPENDENCIES",
        "1     kc/sys/base",
        "1     kc/sys/off",
        "2     kc/sys/operator kc/sys/base",
        "2     kc//front       kc/sys/off",
        "3     kc/apps/worker  kc/sys/operator",
        "3     kc//tail        kc//front",
        "4     kc//last        kc//front, kc//tail",
      }, "\n") .. "\n", out)
    end)

    it("uses --kube-context in the IDs", function()
      local _, out = hfl(FIX .. "basic", { "show-dag", "--kube-context", "other", "-l", "name=db" })
      assert.equal("GROUP RELEASE       DEPENDENCIES\n1     other/apps/db\n", out)
    end)

    it("prints the cycle and fails", function()
      local code, out, err = hfl(FIX .. "cycle", { "show-dag" })
      assert.equal(1, code)
      assert.equal("", out)
      assert.matches("cycle detected: a %-> b %-> c %-> a", err)
    end)
  end)

  describe("build", function()
    it("prints the rendered state with the Source header", function()
      local code, out = hfl(FIX .. "basic", { "build", "-l", "name=db" })
      assert.equal(0, code)
      assert.matches("^%-%-%-\n#  Source: " .. (FIX .. "basic/helmfile.yaml.gotmpl"):gsub("%p", "%%%0") .. "\n\n", out)
      assert.matches("\nreleases:\n  %- chart: bitnami/postgresql\n    name: db\n    namespace: apps\n", out)
      assert.is_nil(out:find("charts/api", 1, true))
      assert.matches("\nrenderedvalues:\n  cache:\n    enabled: false\n  ns: apps\n  replicas: 1\n$", out)
    end)

    it("inlines values files with --embed-values", function()
      local code, out = hfl(FIX .. "basic", { "build", "--embed-values", "-l", "name=api" })
      assert.equal(0, code)
      assert.matches("      %- list:\n          %- c\n        name: api\n        namespace: apps\n", out)
    end)

    it("prints a document per sub-helmfile before the parent's, named by its base name", function()
      local _, out = hfl(FIX .. "sub", { "build" })
      local _, n = out:gsub("#  Source: ", "")
      assert.equal(2, n)
      assert.matches("^%-%-%-\n#  Source: [^\n]*apps/a%.yaml%.gotmpl\n\nfilepath: a%.yaml%.gotmpl\n", out)
    end)

    it("prints sub-helmfile entries expanded, in Helmfile's map form", function()
      local _, out = hfl(FIX .. "sub", { "build" })
      assert.matches("\nhelmfiles:\n  %- path: apps/a%.yaml%.gotmpl\n", out)
    end)

    it("prints a state without releases too, then says nothing matched (exit 3)", function()
      local code, out, err = hfl(FIX .. "sub", { "build", "-l", "name=nothing" })
      assert.equal(3, code)
      local _, n = out:gsub("#  Source: ", "")
      assert.equal(2, n)
      assert.is_nil(out:find("\nreleases:"))
      assert.matches("no releases found that matches specified selector%(name=nothing%)", err)
    end)
  end)

  describe("write-values", function()
    it("writes each installed release's merged values under the default path template", function()
      local dir = tmpdir()
      os.execute(("cp -r %s %s/"):format(quote(FIX .. "basic"), quote(dir)))
      local code, _, err = hfl(dir .. "/basic", { "write-values", "-e", "prod" })
      assert.equal(0, code, err)
      local p = io.popen("cd " .. quote(dir .. "/basic") .. " && ls -d helmfile.yaml-*")
      local sub = p:read("*l")
      p:close()
      assert.matches("^helmfile%.yaml%-%x%x%x%x%x%x%x%x$", sub)
      local api = read(dir .. "/basic/" .. sub .. "/api.yaml")
      assert.equal(table.concat({
        "common: true", "list:", "  - c", "name: api", "namespace: production", "release: api",
        "replicas: 3", "resources:", "  cpu: 100m", "  memory: 1Gi", "" }, "\n"), api)
      assert.is_nil(read(dir .. "/basic/" .. sub .. "/old.yaml"))
      assert.is_truthy(err:find("Writing values file " .. sub .. "/api.yaml", 1, true))
      os.execute("rm -rf " .. quote(dir))
    end)

    it("follows --output-file-template and merges --values files last", function()
      local dir = tmpdir()
      local extra = dir .. "/extra.yaml"
      local f = assert(io.open(extra, "w"))
      f:write("replicas: 7\n")
      f:close()
      local code, _, err = hfl(FIX .. "basic", { "write-values", "-l", "name=api", "--values", extra,
        "--output-file-template", dir .. "/{{ .Release.Namespace }}/{{ .Release.Name }}.yaml" })
      assert.equal(0, code, err)
      assert.matches("\nreplicas: 7\n", read(dir .. "/apps/api.yaml"))
      os.execute("rm -rf " .. quote(dir))
    end)
  end)
end)
