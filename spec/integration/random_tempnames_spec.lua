-- Seeded randomness and unique temp names (issue 15, item 09): template randomness differs
-- between runs, and hfl processes refreshing one repository index at once never leave a
-- corrupt cached copy. Real hfl processes against the real chart repository server.
-- #integration
local proc = require "hfl.proc"
local S = require "spec.support.servers"

local hflrun = require "spec.support.hflrun"

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

local function labels(dir)
  local r = hflrun.capture({ "list" }, { cwd = dir })
  assert.equal(0, r.code, r.stderr)
  local out = {}
  for k, v in r.stdout:gmatch("(%a+):([^,%s]+)") do out[k] = v end
  return out
end

describe("template randomness #integration", function()
  teardown(S.cleanup)

  it("randAlpha, randInt and shuffle differ between two runs", function()
    local dir = S.tmpdir()
    os.execute(("mkdir -p %q/c"):format(dir))
    write(dir .. "/c/Chart.yaml", "apiVersion: v2\nname: c\nversion: 0.1.0\n")
    write(dir .. "/helmfile.yaml.gotmpl", table.concat({
      "releases:", "- name: a", "  chart: ./c", "  labels:",
      "    alpha: {{ randAlpha 24 }}",
      "    int: \"{{ randInt 0 1000000000 }}\"",
      "    shuf: {{ shuffle \"abcdefghijklmnopqrstuvwxyz\" }}", "" }, "\n"))
    local one, two = labels(dir), labels(dir)
    assert.equal(24, #one.alpha)
    for _, k in ipairs { "alpha", "int", "shuf" } do
      assert.is_not_nil(one[k], k)
      assert.not_equal(one[k], two[k], k .. " is the same in two runs")
    end
  end)
end)

describe("the cached repository index under parallel refreshes #integration", function()
  local repo, srv, dir, cache
  setup(function()
    repo = S.tmpdir()
    srv = S.httprepo(repo)
    S.make_charts(repo, 1, { url = srv.url })
    dir, cache = S.tmpdir(), S.tmpdir()
    write(dir .. "/helmfile.yaml", ("repositories:\n- name: r\n  url: %s\nreleases:\n- name: a\n  chart: r/chart-1\n  version: '>=0.1.0'\n")
      :format(srv.url))
  end)
  teardown(function()
    srv:stop()
    S.cleanup()
  end)

  local index = nil
  local function serve_index(padding)
    if not index then
      local f = assert(io.open(repo .. "/index.yaml", "rb"))
      index = f:read("*a")
      f:close()
    end
    -- replaced whole: the server must never serve a half-written index itself
    assert(require("hfl.fs").write_atomic(repo .. "/index.yaml", index .. "# " .. ("x"):rep(padding) .. "\n"))
  end

  local n = 0
  local function fetch(...)
    n = n + 1 -- an output directory each: only the cache is shared
    local args = { "fetch", "--output-dir", dir .. "/out" .. n, ... }
    return hflrun.spawn(args, { cwd = dir, env = { HFL_CACHE_HOME = cache } })
  end

  it("is never mixed from two bodies, and no temp file is left", function()
    -- the index answers slowly, so all eight processes write it at about the same time; half
    -- of them get a body of another length (the index changed between their requests)
    srv:fault("/index.yaml", "slow", { delay = 0.6 })
    for round = 1, 3 do
      local hs = {}
      serve_index(1000 * round)
      for i = 1, 4 do hs[i] = fetch() end
      proc.sleep(0.2)
      serve_index(150000 + 1000 * round)
      for i = 5, 8 do hs[i] = fetch() end
      for i, h in ipairs(hs) do
        local r = h:wait()
        assert.equal(0, r.code, ("round %d, process %d: %s"):format(round, i, r.stderr or ""))
      end
      local r = fetch("--skip-refresh"):wait()
      assert.equal(0, r.code, ("round %d: the cached index is unusable: %s"):format(round, r.stderr or ""))
      local p = io.popen(("ls -a %q/indexes"):format(cache))
      for name in p:lines() do
        assert.is_truthy(name == "." or name == ".." or name:match("^%x+%.yaml$") or name:match("^%x+%.etag$"),
          "left in the index cache: " .. name)
      end
      p:close()
    end
  end)
end)
