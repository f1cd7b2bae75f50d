-- `hfl template --renderer native` (and HFL_RENDERER=native) through the built binary, with
-- the real helm 3 and helm 4: the same bytes as the helm renderer, a --debug line per release
-- saying which renderer ran, and a fall back to helm (naming why) for what the native
-- renderer does not reproduce. #integration
local hflrun = require "spec.support.hflrun"

local ROOT = hflrun.root()
local FIX = ROOT .. "/spec/fixtures/helm/"
local BIN = ROOT .. "/.deps/bin/"

local function hfl(args, env)
  return hflrun.run(args, { cwd = FIX, env = env or {} })
end

for _, bin in ipairs { "helm3", "helm4" } do
  describe("hfl template --renderer native with " .. bin .. " #integration", function()
    it("prints what the helm renderer prints and says so under --debug", function()
      local code, want, err = hfl { "-b", BIN .. bin, "template" }
      assert.equal(0, code, err)
      local ncode, got, nerr = hfl { "-b", BIN .. bin, "--debug", "template", "--renderer", "native" }
      assert.equal(0, ncode, nerr)
      assert.equal(want, got)
      assert.matches('release "app": rendered by the native renderer', nerr, 1, true)
      assert.matches('release "db": rendered by the native renderer', nerr, 1, true)
      assert.not_matches("exec: [^\n]*helm[34]? template", nerr)
    end)

    it("is chosen by HFL_RENDERER too", function()
      local code, _, err = hfl({ "-b", BIN .. bin, "--debug", "template" }, { HFL_RENDERER = "native" })
      assert.equal(0, code, err)
      assert.matches("rendered by the native renderer", err, 1, true)
    end)

    it("falls back to helm with the reason under --debug", function()
      local code, want, err = hfl { "-b", BIN .. bin, "template", "--args", "--dry-run=client" }
      assert.equal(0, code, err)
      local ncode, got, nerr = hfl { "-b", BIN .. bin, "--debug", "template", "--renderer", "native",
        "--args", "--dry-run=client" }
      assert.equal(0, ncode, nerr)
      assert.equal(want, got)
      assert.matches('release "app": the native renderer falls back to helm: flag --dry-run is not handled', nerr, 1, true)
    end)
  end)
end

describe("hfl template --renderer #integration", function()
  it("refuses an unknown renderer in one line", function()
    local code, out, err = hfl { "template", "--renderer", "fast" }
    assert.equal(1, code)
    assert.equal("", out)
    assert.equal('hfl: unknown renderer "fast": use --renderer native or --renderer helm\n', err)
  end)
end)
