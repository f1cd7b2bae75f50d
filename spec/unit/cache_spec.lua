-- hfl.charts.cache inside one process: fills, single-flight, failures, leftovers of killed
-- fills, info and cleanup. The cross-process race is spec/integration/cache_race_spec.lua.
local cache = require "hfl.charts.cache"
local proc = require "hfl.proc"
local fs = require("hfl.core").fs
local S = require "spec.support.servers"
local T = require "fixtures.state.loader.tree"

local function write(path, data)
  local f = assert(io.open(path, "w"))
  f:write(data)
  f:close()
  return true
end

local function read(path)
  local f = assert(io.open(path))
  local d = f:read("*a")
  f:close()
  return d
end

describe("hfl.charts.cache #unit", function()
  local root, session

  before_each(function()
    root = S.tmpdir()
    session = require("hfl.session").new()
  end)
  teardown(S.cleanup)

  describe("root()", function()
    after_each(T.restore_env)

    it("prefers HFL_CACHE_HOME, then XDG_CACHE_HOME/hfl, then ~/.cache/hfl", function()
      local function root_with(env)
        for _, k in ipairs { "HFL_CACHE_HOME", "XDG_CACHE_HOME", "HOME" } do T.setenv(k, env[k]) end
        return cache.root()
      end
      assert.equal("/c/h", root_with { HFL_CACHE_HOME = "/c/h", XDG_CACHE_HOME = "/x", HOME = "/home/u" })
      assert.equal("/x/hfl", root_with { XDG_CACHE_HOME = "/x", HOME = "/home/u" })
      assert.equal("/home/u/.cache/hfl", root_with { HOME = "/home/u" })
    end)
  end)

  describe("get()", function()
    it("fills a missing entry once and returns it afterwards as it is", function()
      local calls = 0
      local function fill(tmp)
        calls = calls + 1
        return write(tmp .. "/chart.tgz", "data" .. calls)
      end
      local p1 = assert(cache.get("https://r/x-1.0.0.tgz", fill, { root = root, session = session }))
      local p2 = assert(cache.get("https://r/x-1.0.0.tgz", fill, { root = root, session = session }))
      assert.equal(p1, p2)
      assert.equal(1, calls)
      assert.equal("data1", read(p1 .. "/chart.tgz"))
      assert.equal(root .. "/entries/" .. cache.id("https://r/x-1.0.0.tgz"), p1)
      assert.equal(32, #cache.id("k"))
      assert.equal("https://r/x-1.0.0.tgz\n", read(p1 .. "/.hfl-entry"))
      assert.same({}, fs.list(root .. "/tmp"))
    end)

    it("keys by the full source, query string included", function()
      local function fill(tmp) return write(tmp .. "/f", "x") end
      local a = assert(cache.get("https://r/x.tgz?token=1", fill, { root = root, session = session }))
      local b = assert(cache.get("https://r/x.tgz?token=2", fill, { root = root, session = session }))
      assert.are_not.equal(a, b)
    end)

    it("fills once when many tasks want the same key at the same time", function()
      local calls, started = 0, 0
      local function fill(tmp)
        calls = calls + 1
        proc.sleep(0.2)
        return write(tmp .. "/f", "x")
      end
      local paths = proc.map({ 1, 2, 3, 4, 5, 6 }, 0, function(i)
        started = started + 1
        local key = i % 2 == 0 and "even" or "odd"
        return assert(cache.get(key, fill, { root = root, session = session }))
      end)
      assert.equal(6, started)
      assert.equal(2, calls)
      assert.equal(paths[1], paths[3])
      assert.equal(paths[2], paths[4])
    end)

    it("gives every waiter the fill's error and leaves no entry", function()
      local calls = 0
      local function fill(tmp)
        calls = calls + 1
        write(tmp .. "/partial", "half")
        proc.sleep(0.05)
        return nil, "GET https://r/x.tgz: HTTP 404 Not Found (check the URL)"
      end
      local res = proc.map({ 1, 2, 3 }, 0, function()
        return { cache.get("https://r/x.tgz", fill, { root = root, session = session }) }
      end)
      assert.equal(1, calls)
      for _, r in ipairs(res) do
        assert.same({ nil, "GET https://r/x.tgz: HTTP 404 Not Found (check the URL)" }, r)
      end
      assert.same({}, fs.list(root .. "/entries"))
      assert.same({}, fs.list(root .. "/tmp"))
      -- a later call tries again
      assert(cache.get("https://r/x.tgz", function(t) return write(t .. "/f", "ok") end,
        { root = root, session = session }))
    end)

    it("refuses what verify refuses", function()
      local path, err = cache.get("k", function(t) return write(t .. "/f", "bad") end, {
        root = root, session = session,
        verify = function(t)
          if read(t .. "/f") ~= "good" then return nil, "digest mismatch for k" end
          return true
        end,
      })
      assert.is_nil(path)
      assert.equal("digest mismatch for k", err)
      assert.same({}, fs.list(root .. "/entries"))
      assert.same({}, fs.list(root .. "/tmp"))
    end)

    it("cleans up and re-raises when fill raises", function()
      assert.has_error(function()
        cache.get("k", function(t) write(t .. "/f", "x"); error("bug in fill") end,
          { root = root, session = session })
      end)
      assert.same({}, fs.list(root .. "/entries"))
      assert.same({}, fs.list(root .. "/tmp"))
      assert(cache.get("k", function(t) return write(t .. "/f", "x") end, { root = root, session = session }))
    end)

    it("removes the leftovers of a killed fill and fills again", function()
      local id = cache.id("k")
      fs.mkdir_p(root .. "/tmp/" .. id .. ".999999.abcdef")
      write(root .. "/tmp/" .. id .. ".999999.abcdef/chart.tgz", "half")
      fs.mkdir_p(root .. "/tmp/" .. cache.id("other") .. ".1.x")
      local p = assert(cache.get("k", function(t) return write(t .. "/chart.tgz", "whole") end,
        { root = root, session = session }))
      assert.equal("whole", read(p .. "/chart.tgz"))
      assert.same({ cache.id("other") .. ".1.x" }, fs.list(root .. "/tmp"))
    end)

    it("waits for another holder of the entry's lock and then uses its entry", function()
      fs.mkdir_p(root .. "/locks")
      local id = cache.id("k")
      local holder = assert(proc.spawn { "sh", "-c", ([[
        exec 9>%s/locks/%s.lock; flock 9; echo locked; sleep 0.5
        mkdir -p %s/tmp/%s.1.a && echo theirs > %s/tmp/%s.1.a/f && echo k > %s/tmp/%s.1.a/.hfl-entry
        mkdir -p %s/entries && mv %s/tmp/%s.1.a %s/entries/%s]]):format(root, id, root, id, root,
        id, root, id, root, root, id, root, id), stdout = "null" })
      proc.sleep(0.2)
      local calls = 0
      local p = assert(cache.get("k", function(t) calls = calls + 1; return write(t .. "/f", "ours") end,
        { root = root, session = session }))
      holder:wait()
      assert.equal(0, calls)
      assert.equal("theirs\n", read(p .. "/f"))
    end)
  end)

  describe("info() and cleanup()", function()
    it("lists the entries with their sizes, and cleanup removes them", function()
      assert(cache.get("a", function(t) return write(t .. "/f", "12345") end, { root = root, session = session }))
      assert(cache.get("b", function(t) return write(t .. "/f", "1") end, { root = root, session = session }))
      fs.mkdir_p(root .. "/tmp/" .. cache.id("dead") .. ".42.zzz")
      local info = cache.info { root = root, session = session }
      assert.equal(root, info.root)
      assert.equal(2, #info.entries)
      assert.equal("a", info.entries[1].key)
      assert.equal(5 + 2, info.entries[1].size)  -- f + ".hfl-entry" ("a\n")
      assert.equal(info.entries[1].size + info.entries[2].size, info.size)
      local removed = cache.cleanup { root = root, session = session }
      table.sort(removed)
      assert.same({ "a", "b", "tmp/" .. cache.id("dead") .. ".42.zzz" }, removed)
      assert.same({}, fs.list(root .. "/entries"))
      assert.same({}, fs.list(root .. "/tmp"))
      assert.same({}, cache.info({ root = root, session = session }).entries)
    end)
  end)
end)
