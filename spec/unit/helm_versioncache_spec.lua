-- Specs of hfl.helm.versioncache through Session:helm(): the answer of `helm version --short`
-- is kept per helm binary file, asked again when the file changes, never kept for scripts.
-- Uses a copy of the real helm 4 binary (.deps/bin/helm4); starts no server.
local fs = require "hfl.fs"
local cache = require "hfl.charts.cache"

local ROOT = fs.cwd()

local function sh(cmd)
  local p = io.popen(cmd)
  local out = p:read("*a")
  p:close()
  return out
end

local function helm_of(binary)
  return assert(require("hfl.session").new { helm_binary = binary }:helm())
end

local function entries()
  return fs.list(cache.root() .. "/helm-version") or {}
end

describe("hfl.helm.versioncache #unit", function()
  local dir
  before_each(function()
    dir = assert(fs.mkdtemp(fs.tmpdir() .. "/hfl-versioncache-XXXXXX"))
    fs.rm_r(cache.root() .. "/helm-version", cache.root())
  end)
  after_each(function() fs.rm_r(dir, dir) end)

  it("keeps a helm binary's version for the next sessions and asks again once the file changes", function()
    local bin = dir .. "/helm"
    sh(("cp %q %q"):format(ROOT .. "/.deps/bin/helm4", bin))
    assert.equal("4", helm_of(bin).major)
    local kept = entries()
    assert.equal(1, #kept)
    local entry = cache.root() .. "/helm-version/" .. kept[1]
    assert.matches("^v4%.1%.%d+", assert(fs.read(entry)))
    -- what a later session reads is the kept answer, not a new `helm version`
    assert(fs.write_atomic(entry, "v4.0.7+gkept\n"))
    assert.equal("4.0.7", helm_of(bin).version)
    -- a touched (rewritten, replaced) binary is asked again
    sh(("touch -d '2001-01-01' %q"):format(bin))
    assert.matches("^4%.1%.%d+$", helm_of(bin).version)
    assert.equal(2, #entries())
  end)

  it("keeps nothing for a script, which may pick a helm by its environment", function()
    local bin = dir .. "/helm-wrapper"
    assert(fs.write_atomic(bin, '#!/bin/sh\necho "v3.${HFL_SPEC_MINOR:-9}.0+gscript"\n', { mode = tonumber("755", 8) }))
    assert.equal("3.9.0", helm_of(bin).version)
    assert.same({}, entries())
  end)
end)
