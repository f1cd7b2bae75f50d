-- examples/multi-env (environments, values templates, secrets through the test decrypter) and
-- examples/lua-state (one deployment as helmfile.yaml.gotmpl and as helmfile.lua) through the CLI.
local fakecluster = require "spec.support.fakecluster"
local hflrun = require "spec.support.hflrun"

local ROOT = hflrun.root()
local MULTI = ROOT .. "/examples/multi-env"
local LUASTATE = ROOT .. "/examples/lua-state"
local DECRYPT = { HFL_SECRETS_DECRYPT = "sh " .. ROOT .. "/spec/support/fake-decrypt.sh" }

local function b64(s)
  local r = assert(require("hfl.proc").run { "base64", "-w0", stdin = s })
  return r.stdout
end

describe("examples/multi-env #integration", function()
  it("renders the default environment without secrets", function()
    local code, out, err = hflrun.run({ "template" }, { cwd = MULTI })
    assert.equal(0, code, err)
    assert.matches('  environment: "default"\n  host: "api.dev.example.test"\n  replicas: "1"\n'
      .. '  database: "localhost"\n', out, 1, true)
    assert.matches('  password: "' .. b64("dev-only") .. '"\n', out, 1, true)
    assert.not_matches("worker", out)   -- the worker is only enabled in staging and prod
  end)

  it("layers staging and prod values and decrypts their secrets", function()
    local code, out, err = hflrun.run({ "-e", "prod", "template" }, { cwd = MULTI, env = DECRYPT })
    assert.equal(0, code, err)
    assert.matches('  name: worker\n  namespace: app\ndata:\n  environment: "prod"\n'
      .. '  host: "worker.example.test"\n  replicas: "5"\n  database: "db.prod.internal"\n', out, 1, true)
    assert.matches('  name: api\n  namespace: app\ndata:\n  environment: "prod"\n'
      .. '  host: "api.example.test"\n  replicas: "3"\n', out, 1, true)
    assert.matches('  name: api-db\n  namespace: app\ndata:\n  password: "' .. b64("pr0d-pw") .. '"\n', out, 1, true)
    code, out, err = hflrun.run({ "-e", "staging", "template", "-l", "tier=worker" }, { cwd = MULTI, env = DECRYPT })
    assert.equal(0, code, err)
    assert.matches('  password: "' .. b64("st4ging-pw") .. '"\n', out, 1, true)
    assert.matches('  namespace: app-staging\n', out, 1, true)
    assert.matches('  replicas: "1"\n', out, 1, true)
    assert.not_matches("name: api\n", out, 1, true)
  end)

  it("names the secrets file when no decrypter can read it", function()
    local code, out, err = hflrun.run({ "-e", "prod", "template" }, { cwd = MULTI, env = { PATH = "/usr/bin:/bin" } })
    assert.equal(1, code, out)
    assert.matches('secrets file "' .. MULTI .. '/secrets/prod.yaml"', err, 1, true)
    assert.equal(1, select(2, err:gsub("\n", "")), err)
  end)

  it("applies prod to the fake cluster, api before worker, secrets hidden from the output", function()
    local fc = fakecluster.new { helm = 4 }
    local ok, e = pcall(function()
      local code, out, err = fc:hfl({ "-e", "prod", "apply" }, { cwd = MULTI, env = DECRYPT })
      assert.equal(0, code, out .. err)
      assert.not_matches("pr0d-pw", out .. err, 1, true)
      assert.not_matches(b64("pr0d-pw"), out .. err, 1, true)
      local api, worker = fc:records("app", "api")[1], fc:records("app", "worker")[1]
      assert.matches('replicas: "5"', worker.release.manifest, 1, true)
      assert.matches('replicas: "3"', api.release.manifest, 1, true)
      local order = {}
      for _, c in ipairs(fc:calls("helm")) do
        if c.argv[1] == "upgrade" then
          for i = 2, #c.argv do
            if c.argv[i]:sub(1, 1) ~= "-" then order[#order + 1] = c.argv[i] break end
          end
        end
      end
      assert.same({ "api", "worker" }, order)
    end)
    fc:cleanup()
    assert(ok, e)
  end)
end)

describe("examples/lua-state #integration", function()
  local function both(args)
    local res = {}
    for _, f in ipairs { "helmfile.yaml.gotmpl", "helmfile.lua" } do
      local argv = { "-f", f }
      for _, a in ipairs(args) do argv[#argv + 1] = a end
      local code, out, err = hflrun.run(argv, { cwd = LUASTATE })
      assert.equal(0, code, f .. ": " .. err)
      res[#res + 1] = out
    end
    return res[1], res[2]
  end

  it("builds the same releases from helmfile.yaml.gotmpl and helmfile.lua", function()
    for _, env in ipairs { "default", "prod" } do
      local y, l = both { "-e", env, "build" }
      -- everything but the two lines naming the file
      local function body(s) return (s:gsub("[^\n]*Source: [^\n]*\n", ""):gsub("filepath: [^\n]*\n", "")) end
      assert.equal(body(y), body(l))
      assert.matches("    needs:\n      - shop/cart\n      - shop/checkout\n    name: storefront\n", l, 1, true)
    end
  end)

  it("renders the same manifests from both, per environment and selector", function()
    local y, l = both { "-e", "prod", "template" }
    assert.equal(y, l)
    assert.equal(3, select(2, l:gsub("kind: Deployment", "")))
    assert.matches("  replicas: 3\n", l, 1, true)
    assert.matches('image: "registry.example.test/storefront:3.2.0"\n', l, 1, true)
    assert.matches("containerPort: 80\n", l, 1, true)
    -- needs order: cart, checkout, storefront
    assert.truthy(l:find("name: cart", 1, true) < l:find("name: checkout", 1, true))
    assert.truthy(l:find("name: checkout", 1, true) < l:find("name: storefront", 1, true))
    y, l = both { "template", "-l", "tier=backend" }
    assert.equal(y, l)
    assert.equal(2, select(2, l:gsub("kind: Deployment", "")))
    assert.matches("  replicas: 1\n", l, 1, true)
  end)
end)
