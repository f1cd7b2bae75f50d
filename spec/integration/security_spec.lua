-- hfl against hostile input, through the CLI: a chart repository serving archives whose links
-- lead out, secrets in URLs, helmfile.lua chunks that try to outrun the sandbox. Each case is a
-- reproducer of issue 15 made fast and deterministic; README "Security model" cites them.
local proc = require "hfl.proc"
local servers = require "spec.support.servers"

local hflrun = require "spec.support.hflrun"

local function write(path, text)
  os.execute("mkdir -p '" .. path:match("^(.*)/") .. "'")
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

-- Writes a tar.gz at path with python3's tarfile: entries { name, data = | link = | hardlink = }
local function tar(path, entries)
  local lines = { "import tarfile, io", ("t = tarfile.open(%q, 'w:gz')"):format(path) }
  for _, e in ipairs(entries) do
    lines[#lines + 1] = ("i = tarfile.TarInfo(%q)"):format(e[1])
    if e.link then
      lines[#lines + 1] = ("i.type = tarfile.SYMTYPE; i.linkname = %q; t.addfile(i)"):format(e.link)
    elseif e.hardlink then
      lines[#lines + 1] = ("i.type = tarfile.LNKTYPE; i.linkname = %q; t.addfile(i)"):format(e.hardlink)
    else
      lines[#lines + 1] = ("d = %q.encode(); i.size = len(d); t.addfile(i, io.BytesIO(d))")
        :format(e.data or "x")
    end
  end
  lines[#lines + 1] = "t.close()"
  write(path .. ".py", table.concat(lines, "\n") .. "\n")
  servers.sh("python3 " .. path .. ".py && rm " .. path .. ".py")
end

describe("hfl against hostile input #integration", function()
  local cache, work

  local function hfl(args, env)
    local e = { HFL_CACHE_HOME = cache }
    for k, v in pairs(env or {}) do e[k] = v end
    return hflrun.capture(args, { cwd = work, env = e })
  end

  local function one_line_error(r, pattern)
    assert.equal(1, r.code, r.stderr)
    assert.matches(pattern, r.stderr)
    assert.equal(1, select(2, r.stderr:gsub("\n", "")), r.stderr)
  end

  before_each(function()
    cache, work = servers.tmpdir(), servers.tmpdir()
  end)
  teardown(servers.cleanup)

  describe("a chart repository serving archives with links", function()
    local repo, srv
    local chart = { "c/Chart.yaml", data = "apiVersion: v2\nname: c\nversion: 0.1.0\n" }
    local deep = "a/b/c/d/e/f/g/h"
    local archives = {
      -- each link is inside by itself; u1 is the root, u2 its parent, u3 above that
      symchain = { chart, { "c/l", link = "." }, { "c/u1", link = "l/l/.." },
        { "c/u2", link = "u1/.." }, { "c/u3", link = "u2/.." },
        { "c/templates", link = "u3/etc" } },
      -- a symlink confined where it is, hard-linked two levels up: the copy leads to /etc
      hardsym = { chart, { "c/" .. deep .. "/s", link = ("../"):rep(9) .. "etc" },
        { "c/templates", hardlink = "c/" .. deep .. "/s" } },
      -- a link that points at a later link that leads out
      forward = { chart, { "c/templates", link = "later/etc" }, { "c/l", link = "." },
        { "c/later", link = "l/l/../.." } },
      -- a hard link through a symlink to a file outside
      hardvia = { chart, { "c/up", link = "." }, { "c/h", hardlink = "c/up/Chart.yaml" } },
    }

    setup(function()
      repo = servers.tmpdir()
      local index = { "apiVersion: v1\nentries:\n" }
      for name, entries in pairs(archives) do
        tar(repo .. "/" .. name .. "-0.1.0.tgz", entries)
        index[#index + 1] = ("  %s:\n  - {apiVersion: v2, name: %s, version: 0.1.0, urls: [%s-0.1.0.tgz]}\n")
          :format(name, name, name)
      end
      write(repo .. "/index.yaml", table.concat(index))
      srv = servers.httprepo(repo)
    end)
    teardown(function() srv:stop() end)

    for _, case in ipairs {
      { "symchain", 'archive entry "c/u2" is a symlink that leads outside the destination' },
      { "hardsym", 'archive entry "c/templates" is a hard link to "c/' .. deep .. '/s", which is not a regular file' },
      { "forward", 'archive entry "c/templates" is a symlink that leads outside the destination' },
      { "hardvia", 'archive entry "c/h" is a hard link to "c/up/Chart.yaml", which is not a regular file' },
    } do
      it("refuses " .. case[1] .. ", caches nothing and writes nothing outside", function()
        write(work .. "/helmfile.yaml", ("repositories:\n- {name: evil, url: %q}\nreleases:\n- {name: s, chart: evil/%s, version: 0.1.0}\n")
          :format(srv.url, case[1]))
        local r = hfl { "fetch", "--output-dir", work .. "/out" }
        one_line_error(r, "^hfl: release s: chart evil/" .. case[1] .. " .-: "
          .. case[2]:gsub("%p", "%%%0"))
        assert.matches("\n0 entries", hfl({ "cache", "info" }).stdout)
        assert.equal("", (servers.sh("find " .. work .. " " .. cache .. " -type l")))
      end)
    end
  end)

  describe("credentials in repository and chart URLs", function()
    local repo, srv

    setup(function()
      repo = servers.tmpdir()
      servers.make_charts(repo, 1)
      servers.sh("cd " .. repo .. " && helm repo index .")
      srv = servers.httprepo(repo, { auth = "user:REPO-SECRET" })
    end)
    teardown(function() srv:stop() end)

    local function with_secret(url, secret)
      return (url:gsub("://", "://user:" .. secret .. "@"))
    end

    it("never prints them in errors, cache info or cache files", function()
      write(work .. "/helmfile.yaml", table.concat({
        "repositories:",
        ("- {name: ok, url: %q}"):format(with_secret(srv.url, "REPO-SECRET")),
        ("- {name: missing, url: %q}"):format(with_secret(srv.url .. "/nope", "REPO-SECRET")),
        "releases:",
        "- {name: a, chart: ok/chart-1, version: 0.1.0}",
        "- {name: b, chart: missing/c, version: 0.1.0}",
        "- {name: c, chart: ok/nochart, version: '>=0'}",
        "- {name: d, chart: 'http://user:DIRECT-SECRET@127.0.0.1:1/x.tgz'}",
        "- {name: e, chart: 'git::http://user:GIT-SECRET@127.0.0.1:1/org/repo.git@c?ref=main'}",
      }, "\n") .. "\n")
      local r = hfl { "--repo-retries", "0", "fetch" }
      assert.equal(1, r.code)
      for _, release in ipairs { "b", "c", "d", "e" } do
        assert.matches("release " .. release .. ": chart ", r.stderr)
      end
      assert.matches("GET http://127%.0%.0%.1:%d+/nope/index%.yaml: HTTP 404", r.stderr)
      assert.matches('no chart named "nochart" in http://127%.0%.0%.1:%d+/index%.yaml', r.stderr)
      assert.is_nil(r.stderr:find("SECRET"), r.stderr)
      write(work .. "/helmfile.yaml", ("repositories:\n- {name: ok, url: %q}\nreleases:\n- {name: a, chart: ok/chart-1, version: 0.1.0}\n")
        :format(with_secret(srv.url, "REPO-SECRET")))
      r = hfl { "fetch" }
      assert.equal(0, r.code, r.stderr)
      local info = hfl { "cache", "info" }
      assert.matches("repo http://127%.0%.0%.1:%d+ chart%-1 0%.1%.0", info.stdout)
      assert.is_nil((info.stdout .. info.stderr):find("SECRET"))
      assert.equal("", (servers.sh("grep -rl SECRET " .. cache .. " || true")))
    end)
  end)

  describe("a hostile helmfile.lua", function()
    local function lua_state(text)
      write(work .. "/helmfile.lua", text)
      return work .. "/helmfile.lua"
    end

    it("never runs the chunk's metamethods after the sandbox returned", function()
      local path = lua_state([[
local k = setmetatable({}, { __tostring = function() while true do end end })
return { releases = { { name = "a", chart = "x" } }, [k] = 1 }
]])
      local t0 = proc.now()
      local r = hfl({ "-f", path, "list" }, { HFL_LUA_TIMEOUT = "2" })
      one_line_error(r, "^hfl: " .. path:gsub("%p", "%%%0") .. ": the result: a key is a table; keys must be strings")
      assert.truthy(proc.now() - t0 < 10)
    end)

    it("stops at a result nested deeper than the limit, naming the file", function()
      local path = lua_state([[
local t = {}
for i = 1, 300000 do t = { a = t } end
return { releases = { { name = "a", chart = "x", values = { t } } } }
]])
      local r = hfl { "-f", path, "list" }
      one_line_error(r, "^hfl: " .. path:gsub("%p", "%%%0")
        .. ": releases%[1%]%.values%[1%]%.a%.a%.a%.a….-: nested deeper than 1000 levels\n$")
    end)

    it("reports an error object whose __tostring misbehaves at its line", function()
      local path = lua_state("local x = 1\nerror(setmetatable({}, { __tostring = function() return 42 end }))\n")
      one_line_error(hfl { "-f", path, "list" }, "^hfl: " .. path:gsub("%p", "%%%0")
        .. ":2: %(error object is a table value%)\n$")
    end)

    it("stops a backtracking pattern at the limits, and matches costly patterns right", function()
      local path = lua_state([[
local s = ("a"):rep(5000)
string.find(s, ("a*"):rep(30) .. "b")
return { releases = { { name = "a", chart = "x" } } }
]])
      local t0 = proc.now()
      local r = hfl({ "-f", path, "list" }, { HFL_LUA_TIMEOUT = "2" })
      one_line_error(r, "^hfl: " .. path:gsub("%p", "%%%0") .. ":2: exceeded the ")
      assert.truthy(proc.now() - t0 < 10)
      path = lua_state([[
local padded = (" "):rep(30000) .. "v a l" .. ("\t"):rep(30000)
local words = 0
for _ in (("w "):rep(20000)):gmatch("%a+%s*") do words = words + 1 end
return { releases = { { name = padded:match("^%s*(.-)%s*$"):gsub("%s", "-"), chart = "x",
  labels = { words = tostring(words), tail = select(2, padded:find("^%s*.-%s*$")) .. "" } } } }
]])
      r = hfl { "-f", path, "list", "--output", "json" }
      assert.equal(0, r.code, r.stderr)
      assert.matches('"name":"v%-a%-l"', r.stdout)
      assert.matches('"labels":"chart:x,name:v%-a%-l,namespace:,tail:60005,words:20000"', r.stdout)
    end)

    it("stops at the memory limit even when one instruction allocates a lot", function()
      local path = lua_state([[
local t = {}
for i = 1, 16 do t[i] = ("x"):rep(20 * 1024 * 1024 - i) end
return { releases = { { name = "a", chart = "x" } } }
]])
      local r = hfl({ "-f", path, "list" }, { HFL_LUA_MEMORY = "64" })
      one_line_error(r, "^hfl: " .. path:gsub("%p", "%%%0") .. ": exceeded the memory limit %(64 MB more than at the start%)\n$")
    end)
  end)

  describe("a registry naming a chart layer's digest", function()
    local tgz, sha256, sha512

    setup(function()
      local src = servers.tmpdir()
      tar(src .. "/c.tgz", { { "c/Chart.yaml", data = "apiVersion: v2\nname: c\nversion: 0.1.0\n" } })
      tgz = src .. "/c.tgz"
      sha256 = servers.sh("sha256sum " .. tgz):match("^(%x+)")
      sha512 = servers.sh("sha512sum " .. tgz):match("^(%x+)")
    end)

    local function fetch_with(digest)
      local portfile = servers.tmpdir() .. "/port"
      local h = assert(proc.spawn { "python3", "spec/support/servers/onechart_registry.py", portfile, digest, tgz,
        stdout = "null", stderr = "inherit" })
      local port
      for _ = 1, 250 do
        local f = io.open(portfile)
        if f then port = f:read("*a"); f:close(); break end
        proc.sleep(0.02)
      end
      write(work .. "/helmfile.yaml", ("releases:\n- {name: o, chart: 'oci://127.0.0.1:%s/charts/c', version: 0.1.0}\n"):format(port))
      local r = hfl { "fetch" }
      h:kill("KILL")
      local f = io.open(portfile .. ".log")
      local asked = f and f:read("*a") or ""
      if f then f:close() end
      return r, asked
    end

    it("verifies sha256 and sha512 digests", function()
      assert.equal(0, fetch_with("sha256:" .. sha256).code)
      local r = fetch_with("sha512:" .. sha512)
      assert.equal(0, r.code, r.stderr)
      one_line_error(fetch_with("sha512:" .. ("0"):rep(128)), "digest mismatch %(want sha512:0+, got sha512:" .. sha512 .. "%)")
      one_line_error(fetch_with("sha256:" .. ("0"):rep(64)), "digest mismatch %(want sha256:0+, got sha256:" .. sha256 .. "%)")
    end)

    it("refuses any other digest before asking for the blob", function()
      for _, digest in ipairs { "x", "sha512:abcdef", "md5:" .. ("0"):rep(32), "sha256:../../../v2/x" } do
        local r, asked = fetch_with(digest)
        one_line_error(r, "the chart layer's digest \"" .. digest:gsub("%p", "%%%0")
          .. "\" is not a sha256 or sha512 digest, so the chart cannot be verified")
        assert.equal("", asked)
        assert.matches("\n0 entries", hfl({ "cache", "info" }).stdout)
      end
    end)
  end)

  describe("whitespace in input and responses", function()
    it("costs time linear in its length", function()
      write(work .. "/helmfile.yaml", 'releases:\n- name: r\n  chart: c\n  labels: {a: "' .. (" "):rep(200000) .. 'x"}\n')
      local t0 = proc.now()
      local r = hfl { "list", "--output", "json" }
      assert.equal(0, r.code, r.stderr)
      assert.matches('"name":"r"', r.stdout)
      assert.truthy(proc.now() - t0 < 10, "quadratic: " .. (proc.now() - t0) .. " s")
    end)

    it("costs the list and show-dag tables time linear in a long name", function()
      write(work .. "/helmfile.yaml", "releases:\n- name: " .. ("x"):rep(200000) .. "\n  chart: c\n- name: r\n  chart: c\n"
        .. '- name: s\n  chart: c\n  labels: {a: "' .. (" "):rep(200000) .. 'x"}\n')
      for _, cmd in ipairs { "list", "show-dag" } do
        local t0 = proc.now()
        local r = hfl { cmd }
        assert.equal(0, r.code, r.stderr)
        assert.matches("\n[1 ]*r[ \t\n]", r.stdout)
        assert.truthy(proc.now() - t0 < 10, cmd .. " quadratic: " .. (proc.now() - t0) .. " s")
      end
    end)

    it("merges a values file of 200,000 top-level keys into a release in linear time", function()
      local keys = {}
      for i = 1, 200000 do keys[i] = ("k%d: %d"):format(i, i) end
      write(work .. "/big.yaml", table.concat(keys, "\n") .. "\n")
      write(work .. "/helmfile.yaml", "releases:\n- name: r\n  chart: c\n  values:\n  - big.yaml\n")
      local t0 = proc.now()
      local r = hfl { "write-values", "--output-file-template", work .. "/out.yaml" }
      assert.equal(0, r.code, r.stderr)
      assert.truthy(proc.now() - t0 < 10, "quadratic: " .. (proc.now() - t0) .. " s")
      local f = assert(io.open(work .. "/out.yaml"))
      local out = f:read("*a")
      f:close()
      assert.matches("\nk199999: 199999\n", out)
    end)

    it("in one response header of a chart repository does not stall the fetch", function()
      local repo = servers.tmpdir()
      servers.make_charts(repo, 1)
      servers.sh("cd " .. repo .. " && helm repo index .")
      local srv = servers.httprepo(repo)
      srv:fault("/index.yaml", "padded", { times = 5 })
      write(work .. "/helmfile.yaml", ("repositories:\n- {name: r, url: %q}\nreleases:\n- {name: a, chart: r/chart-1, version: 0.1.0}\n")
        :format(srv.url))
      local t0 = proc.now()
      local r = hfl { "fetch" }
      srv:stop()
      assert.equal(0, r.code, r.stderr)
      assert.truthy(proc.now() - t0 < 10, "quadratic: " .. (proc.now() - t0) .. " s")
    end)
  end)

  describe("template functions given hostile arguments", function()
    for _, case in ipairs {
      { "{{ randAlpha 100000000 }}", "error calling randAlpha: 100000000 characters are more than hfl makes in one string %(at most 10000000%)" },
      { "{{ until 1000000000 | len }}", "error calling until: 1000000000 elements are more than hfl makes in one list %(at most 10000000%)" },
      { '{{ mustRegexMatch (b64dec "/w==") "x" }}', "error parsing regexp: invalid UTF%-8: `\255`" },
    } do
      it("report " .. case[1] .. " at the template's line, without hfl's own frames", function()
        write(work .. "/helmfile.yaml.gotmpl", "releases:\n- name: a\n  chart: c\n  labels:\n    x: '" .. case[1] .. "'\n")
        local r = hfl { "list" }
        one_line_error(r, "^hfl: helmfile%.yaml%.gotmpl:5:%d+: error during helmfile%.yaml%.gotmpl%.part%.0 parsing: template: stringTemplate:5:%d+: .*" .. case[2])
        assert.is_nil(r.stderr:find("%.lua:%d+:"), r.stderr)
      end)
    end

    it("name a values file nested deeper than Lua values can hold", function()
      local lines = {}
      for i = 0, 8999 do lines[#lines + 1] = (" "):rep(i) .. "k:" end
      lines[#lines + 1] = (" "):rep(9000) .. "v"
      write(work .. "/deep.yaml", table.concat(lines, "\n") .. "\n")
      write(work .. "/helmfile.yaml", "releases:\n- name: a\n  chart: c\n  values:\n  - deep.yaml\n")
      local r = hfl { "write-values", "--output-file-template", work .. "/out.yaml" }
      one_line_error(r, "^hfl: release \"a\": [^\n]*/deep%.yaml: value too deeply nested")
    end)

    it("answer no match, as Go does, where PCRE2 would backtrack without end", function()
      write(work .. "/helmfile.yaml.gotmpl", "releases:\n- name: a\n  chart: c\n  labels:\n"
        .. "    x: 'f{{ regexFind \"(a+)+$\" \"" .. ("a"):rep(40) .. "b\" }}'\n"
        .. "    y: '{{ regexMatch \"(a+)+$\" \"" .. ("a"):rep(40) .. "b\" }}'\n")
      local r = hfl { "list", "--output", "json" }
      assert.equal(0, r.code, r.stderr)
      assert.matches("x:f,y:false", r.stdout, 1, true)
    end)

    it("print %!(BADPREC) for a precision past Go's limit, and long precisions exactly", function()
      write(work .. "/helmfile.yaml.gotmpl", "releases:\n- name: a\n  chart: c\n  labels:\n"
        .. "    x: '{{ printf \"%.*f\" 100000000 1.0 }}'\n    y: '{{ printf \"%.60f\" 0.1 }}'\n")
      local r = hfl { "list", "--output", "json" }
      assert.equal(0, r.code, r.stderr)
      assert.matches("x:%%!%(BADPREC%)1%.000000", r.stdout)
      assert.matches("y:0%.100000000000000005551115123125782702118158340454101562500000", r.stdout)
    end)
  end)

  describe("big inputs", function()
    -- Linear means ten times the input costs about ten times the time; quadratic would cost a
    -- hundred. A ratio, not a wall-clock limit, so a busy machine slows both runs alike.
    local function assert_linear(run, small, large)
      local t0 = proc.now()
      run(small)
      local t1 = proc.now()
      run(large)
      local t2 = proc.now()
      local ratio = (t2 - t1) / math.max(t1 - t0, 0.05)
      assert.truthy(ratio < 3.5 * large / small, ("quadratic: %.2f s for %d, %.2f s for %d")
        :format(t1 - t0, small, t2 - t1, large))
    end

    it("render a template of one long line in time linear in its actions", function()
      assert_linear(function(n)
        write(work .. "/helmfile.yaml.gotmpl", "releases:\n- name: a\n  chart: c\n  labels:\n    n: '"
          .. ("{{ 1 }}"):rep(n) .. "'\n")
        local r = hfl { "list", "--output", "json" }
        assert.equal(0, r.code, r.stderr)
        assert.matches("n:" .. ("1"):rep(n) .. ",", r.stdout, 1, true)
      end, 30000, 300000)
    end)

    it("replace, find and split by regular expression in time linear in the matches", function()
      assert_linear(function(n)
        write(work .. "/big.txt", ("abc\n"):rep(n))
        write(work .. "/helmfile.yaml.gotmpl", "releases:\n- name: a\n  chart: c\n  labels:\n"
          .. "    r: '{{ regexReplaceAll \"a\" (readFile \"big.txt\") \"bb\" | len }}'\n"
          .. "    f: '{{ regexFindAll \"a\" (readFile \"big.txt\") -1 | len }}'\n"
          .. "    s: '{{ regexSplit \"b\" (readFile \"big.txt\") -1 | len }}'\n")
        local r = hfl { "list", "--output", "json" }
        assert.equal(0, r.code, r.stderr)
        assert.matches(("f:%d,name:a,namespace:,r:%d,s:%d"):format(n, n * 5, n + 1), r.stdout, 1, true)
      end, 25000, 250000)
    end)
  end)
end)
