-- helmfile.lua and .lua values files: evaluation, builders, the sandbox, limits, errors, and the
-- side-by-side example in examples/lua.
local luafile = require "hfl.state.luafile"
local sandbox = require "hfl.state.luasandbox"
local value = require "hfl.value"
local yaml = require "hfl.yaml"

local map, list, null = value.map, value.list, value.null
local FIX = "spec/fixtures/state/lua"

local tmpdirs = {}
local function tmpdir()
  local d = os.tmpname()
  os.remove(d)
  assert(os.execute("mkdir -p '" .. d .. "'") == 0)
  tmpdirs[#tmpdirs + 1] = d
  return d
end

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  return path
end

-- A helmfile.lua with that text in a fresh directory; returns its path.
local function chunk(text, name)
  return write(tmpdir() .. "/" .. (name or "helmfile.lua"), text)
end

local function eval(text, opts)
  return luafile.evaluate(chunk(text), opts)
end

local function eval_err(text, opts)
  local path = chunk(text)
  local doc, err = luafile.evaluate(path, opts)
  assert.is_nil(doc)
  assert.is_string(err)
  return err, path
end

local function cwd()
  local p = io.popen("pwd")
  local d = p:read("*l")
  p:close()
  return d
end

describe("hfl.state.luafile #unit", function()
  teardown(function()
    for _, d in ipairs(tmpdirs) do os.execute("rm -rf '" .. d .. "'") end
  end)

  describe("evaluate()", function()
    it("returns the table the chunk returns as a document in the values model", function()
      local doc = assert(eval [[return { releases = { { name = "web", chart = "x/y", version = "1.0" } },
        helmDefaults = { wait = true, timeout = 300 } }]])
      assert.are.equal("map", value.kind(doc))
      assert.are.equal("list", value.kind(doc.releases))
      assert.are.equal("web", doc.releases[1].name)
      assert.are.equal("int", value.kind(doc.helmDefaults.timeout))
      assert.are.equal(true, doc.helmDefaults.wait)
    end)

    it("makes an empty table a list in Helmfile's list fields and a map elsewhere", function()
      local doc = assert(eval [[return { releases = { { name = "a", chart = "c", needs = {}, labels = {},
        values = { {} } } }, helmfiles = { { path = "x.yaml", selectors = {} } }, commonLabels = {} }]])
      local r = doc.releases[1]
      assert.are.equal("list", value.kind(r.needs))
      assert.are.equal("map", value.kind(r.labels))
      assert.are.equal("map", value.kind(r.values[1]))
      assert.are.equal("list", value.kind(doc.helmfiles[1].selectors))
      assert.are.equal("map", value.kind(doc.commonLabels))
    end)

    it("leaves nil fields out and keeps hfl.null, hfl.list() and hfl.map() as they are", function()
      local doc = assert(eval [[return { releases = { { name = "a", chart = "c", version = nil,
        values = { { x = null, l = hfl.list(), m = hfl.map() } } } } }]])
      local r = doc.releases[1]
      assert.is_nil(r.version)
      assert.are.equal(null, r.values[1].x)
      assert.are.equal("list", value.kind(r.values[1].l))
      assert.are.equal("map", value.kind(r.values[1].m))
    end)

    it("builds the document with repository{}, release{} and environment{}", function()
      local doc = assert(eval [[
        repository { name = "bitnami", url = "https://charts.bitnami.com/bitnami" }
        environment { name = "prod", values = { "prod.yaml" }, kubeContext = "k" }
        release { name = "web", chart = "bitnami/nginx" }
      ]])
      assert.are.equal("bitnami", doc.repositories[1].name)
      assert.are.same({ "prod.yaml" }, doc.environments.prod.values)
      assert.are.equal("k", doc.environments.prod.kubeContext)
      assert.is_nil(doc.environments.prod.name)
      assert.are.equal("bitnami/nginx", doc.releases[1].chart)
    end)

    it("accepts release \"name\" {…}, release(\"name\", {…}) and release{name = …}", function()
      local doc = assert(eval [[
        release "a" { chart = "c" }
        release("b", { chart = "c" })
        local r = release { name = "c", chart = "c" }
        r.labels = { later = "yes" }
      ]])
      assert.are.equal(3, #doc.releases)
      assert.are.same({ "a", "b", "c" }, { doc.releases[1].name, doc.releases[2].name, doc.releases[3].name })
      assert.are.equal("yes", doc.releases[3].labels.later)
    end)

    it("rejects a release whose table names another release", function()
      local err, path = eval_err('release "a" { name = "b", chart = "c" }')
      assert.are.equal(path .. ':1: release "a": its table has name = "b"', err)
    end)

    it("makes environment both the selected environment and a builder", function()
      local doc = assert(eval([[
        environment "staging" { values = { { a = 1 } } }
        release { name = environment.name, chart = "c", kubeContext = environment.kubeContext,
          labels = { a = tostring(environment.values.a) } }
      ]], { environment = { name = "prod", values = map { a = 7 }, kubeContext = "ctx" } }))
      assert.is_not_nil(doc.environments.staging)
      assert.are.equal("prod", doc.releases[1].name)
      assert.are.equal("ctx", doc.releases[1].kubeContext)
      assert.are.equal("7", doc.releases[1].labels.a)
    end)

    it("has environments{}, templates{}, helm_defaults{}, common_labels{}, helmfiles{}, bases{} and hooks{}", function()
      local doc = assert(eval [[
        environments { default = { values = { "d.yaml" } }, prod = null }
        templates { base = { namespace = "ns" } }
        helm_defaults { wait = true }
        helm_defaults { timeout = 60 }
        common_labels { team = "t" }
        helmfiles { "sub/*.yaml", { path = "other.lua", values = { { x = 1 } } } }
        bases "base.yaml"
        hooks { { events = { "prepare" }, command = "true" } }
      ]])
      assert.are.same({ "d.yaml" }, doc.environments.default.values)
      assert.are.equal(null, doc.environments.prod)
      assert.are.equal("ns", doc.templates.base.namespace)
      assert.are.equal(true, doc.helmDefaults.wait)
      assert.are.equal(60, doc.helmDefaults.timeout)
      assert.are.equal("t", doc.commonLabels.team)
      assert.are.equal("sub/*.yaml", doc.helmfiles[1])
      assert.are.equal("other.lua", doc.helmfiles[2].path)
      assert.are.same({ "base.yaml" }, doc.bases)
      assert.are.same({ "prepare" }, doc.hooks[1].events)
    end)

    it("puts builder entries first when the chunk also returns a table", function()
      local doc = assert(eval [[
        release "built" { chart = "c" }
        common_labels { a = "1", b = "1" }
        return { releases = { { name = "returned", chart = "c" } }, commonLabels = { b = "2" },
          helmDefaults = { wait = true } }
      ]])
      assert.are.same({ "built", "returned" }, { doc.releases[1].name, doc.releases[2].name })
      assert.are.same({ a = "1", b = "2" }, doc.commonLabels)
      assert.are.equal(true, doc.helmDefaults.wait)
    end)

    it("records the line of each builder-made release and of its keys", function()
      local doc = assert(eval "-- first\n\nrelease \"a\" {\n  chart = \"c\",\n}\nrelease \"b\" { chart = \"c\" }\n")
      assert.are.equal(3, value.line(doc.releases, 1))
      assert.are.equal(6, value.line(doc.releases, 2))
      assert.are.equal(6, value.line(doc.releases[2], "chart"))
    end)

    it("finds the lines of releases and keys in a returned table", function()
      local doc = assert(eval "return {\n  releases = {\n    { name = \"a\",\n      chrat = \"c\" },\n    { name = \"b\", chart = \"c\" },\n  },\n}\n")
      assert.are.equal(2, value.line(doc, "releases"))
      assert.are.equal(3, value.line(doc.releases, 1))
      assert.are.equal(4, value.line(doc.releases[1], "chrat"))
      assert.are.equal(5, value.line(doc.releases, 2))
    end)

    it("sees the state values and the namespace", function()
      local doc = assert(eval([[release { name = values.app.name, chart = "c", namespace = namespace }]],
        { values = map { app = map { name = "api" } }, namespace = "team" }))
      assert.are.equal("api", doc.releases[1].name)
      assert.are.equal("team", doc.releases[1].namespace)
    end)

    it("gives the chunk copies, so it cannot change the caller's values", function()
      local vals = map { a = 1 }
      local envvals = map { b = 2 }
      assert(eval([[values.a = 99; environment.values.b = 99]],
        { values = vals, environment = { name = "default", values = envvals } }))
      assert.are.equal(1, vals.a)
      assert.are.equal(2, envvals.b)
    end)

    it("calls the template functions as plain Lua functions", function()
      local doc = assert(eval [[
        local y = toYaml({ a = 1, b = { "x" } })
        local back = fromYaml("k: v")
        return { commonLabels = { yaml = y, upper = upper("abc"), k = back.k, home = env("HOME"),
          req = requiredEnv("HOME"), got = get("a.b", fromYaml("a: {b: deep}")),
          joined = join(",", list("a", "b")), sum = tostring(add(1, 2)) } }
      ]])
      local l = doc.commonLabels
      assert.are.equal("a: 1\nb:\n  - x\n", l.yaml)
      assert.are.equal("ABC", l.upper)
      assert.are.equal("v", l.k)
      assert.are.equal(os.getenv("HOME"), l.home)
      assert.are.equal(os.getenv("HOME"), l.req)
      assert.are.equal("deep", l.got)
      assert.are.equal("a,b", l.joined)
      assert.are.equal("3", l.sum)
    end)

    it("runs exec in the file's directory and reads files relative to it", function()
      local dir = tmpdir()
      write(dir .. "/data.txt", "hello")
      local path = write(dir .. "/helmfile.lua", [[
        return { commonLabels = { pwd = exec("pwd", {}):gsub("\n", ""), data = readFile("data.txt"),
          echo = exec("echo", { "a", "b" }), isfile = tostring(isFile("data.txt")) } }
      ]])
      local doc = assert(luafile.evaluate(path))
      assert.are.equal(dir, doc.commonLabels.pwd)
      assert.are.equal("hello", doc.commonLabels.data)
      assert.are.equal("a b\n", doc.commonLabels.echo)
      assert.are.equal("true", doc.commonLabels.isfile)
    end)

    it("keeps every template function under fn, also those the globals shadow", function()
      local doc = assert(eval [[return { commonLabels = { v = join(",", fn.values(dict("a", "x"))),
        kind = type(values), t = tpl("{{ .x }}!", { x = "go" }) } }]])
      assert.are.equal("x", doc.commonLabels.v)
      assert.are.equal("table", doc.commonLabels.kind)
      assert.are.equal("go!", doc.commonLabels.t)
    end)

    it("includes templates defined in the _*.tpl files beside it", function()
      local dir = tmpdir()
      write(dir .. "/_helpers.tpl", '{{- define "fullname" -}}{{ .name }}-{{ .suffix }}{{- end -}}')
      local path = write(dir .. "/helmfile.lua", 'release { name = include("fullname", { name = "web", suffix = "v2" }), chart = "c" }')
      local doc = assert(luafile.evaluate(path))
      assert.are.equal("web-v2", doc.releases[1].name)
    end)

    it("reports errors of template functions as path:line: function: message", function()
      local err, path = eval_err('local x = 1\nlocal v = requiredEnv("HFL_SURELY_UNSET_VAR")\n')
      assert.are.equal(path .. ":2: requiredEnv: required env var `HFL_SURELY_UNSET_VAR` is not set", err)
    end)

    it("reports runtime errors as path:line: msg with the whole path and no traceback", function()
      local dir = tmpdir() .. "/a-rather-long-directory-name-to-exceed-lua-chunk-name-limits/and-deeper"
      os.execute("mkdir -p '" .. dir .. "'")
      local path = write(dir .. "/helmfile.lua", "local t = nil\n\nreturn t.x\n")
      local doc, err = luafile.evaluate(path)
      assert.is_nil(doc)
      assert.are.equal(path .. ":3: attempt to index local 't' (a nil value)", err)
    end)

    it("reports error() with and without a level, and non-string errors", function()
      local err, path = eval_err('\nerror("boom")')
      assert.are.equal(path .. ":2: boom", err)
      err, path = eval_err('\n\nerror("plain", 0)')
      assert.are.equal(path .. ":3: plain", err)
      err, path = eval_err('error({ code = 1 })')
      assert.are.equal(path .. ":1: (error object is a table value)", err)
      err, path = eval_err('local function check(x) if not x then error("x is required", 2) end end\n\ncheck(nil)\n')
      assert.are.equal(path .. ":3: x is required", err)
    end)

    it("reports syntax errors as path:line: msg", function()
      local err, path = eval_err("release {\n  name = 'a'\n  chart = 'b' }\n")
      assert.matches("^" .. path:gsub("%p", "%%%0") .. ":3: '}' expected %(to close '{' at line 1%) near 'chart'$", err)
    end)

    it("requires Lua files beside the helmfile and names their lines in errors", function()
      local doc = assert(luafile.evaluate(FIX .. "/modules/helmfile.lua"))
      assert.are.equal("charts/b", doc.releases[2].chart)
      local p2 = write(cwd() .. "/" .. FIX .. "/modules/broken.lua", 'require("lib.common").broken()\n')
      local _, err2 = luafile.evaluate(p2)
      os.remove(p2)
      assert.are.equal(cwd() .. "/" .. FIX .. "/modules/lib/common.lua:4: attempt to perform arithmetic on a nil value", err2)
    end)

    it("returns nil and an error naming the file when it cannot be read", function()
      local doc, err = luafile.evaluate("/nonexistent/helmfile.lua")
      assert.is_nil(doc)
      assert.matches("^/nonexistent/helmfile.lua: cannot read: ", err)
    end)

    it("gives the same document, keys sorted, every time", function()
      local path = chunk [[return { releases = { { name = "a", chart = "c", zeta = 1, alpha = 2, mid = { z = 1, a = 2 } } } }]]
      local a = yaml.encode(assert(luafile.evaluate(path)), { sort = false })
      local b = yaml.encode(assert(luafile.evaluate(path)), { sort = false })
      assert.are.equal(a, b)
      assert.matches("alpha: 2\n    chart: c\n    mid:\n      a: 2\n      z: 1\n    name: a\n    zeta: 1", a)
    end)

    describe("turning the result into values", function()
      it("rejects functions and other Lua-only values, naming where they are", function()
        local err, path = eval_err('return { releases = { { name = "a", chart = "c", labels = { f = print } } } }')
        assert.are.equal(path .. ": releases[1].labels.f: cannot use a function here (only as a hook's run or a release's health or transform)", err)
      end)

      it("rejects tables that mix list items and named keys", function()
        local err, path = eval_err('return { releases = { { name = "a", "stray" } } }')
        assert.are.equal(path .. ": releases[1]: key 1 is a number; keys must be strings (a list with holes, or list items mixed with named keys?)", err)
      end)

      it("rejects tables that contain themselves", function()
        local err, path = eval_err('local t = { name = "a" } t.self = t return { releases = { t } }')
        assert.are.equal(path .. ": releases[1].self: the table contains itself", err)
      end)

      it("rejects a result that is not a table of named keys", function()
        local err, path = eval_err('return "releases"')
        assert.are.equal(path .. ": helmfile.lua must return a table (or nothing, when it uses the builders), got a string", err)
        err, path = eval_err('return { { name = "a" } }')
        assert.are.equal(path .. ": helmfile.lua must return a table with named keys (releases = {...}), not a list", err)
      end)
    end)
  end)

  describe("sandbox", function()
    it("has no io, os.execute, load, loadstring, dofile, loadfile, debug, jit or collectgarbage", function()
      local doc = assert(eval [[
        local names = {}
        for _, k in ipairs { "io", "load", "loadstring", "dofile", "loadfile", "debug", "jit", "ffi",
          "collectgarbage", "coroutine", "newproxy", "module", "setfenv", "getfenv", "rawset", "package" } do
          if _G[k] ~= nil then names[#names + 1] = k end
        end
        if os.execute or os.remove or os.exit or os.rename then names[#names + 1] = "os.*" end
        return { commonLabels = { present = table.concat(names, ","), home = os.getenv("HOME") } }
      ]])
      assert.are.equal("", doc.commonLabels.present)
      assert.are.equal(os.getenv("HOME"), doc.commonLabels.home)
    end)

    it("fails calling the missing functions, with the line", function()
      local err, path = eval_err('\nio.open("/etc/passwd")')
      assert.are.equal(path .. ":2: attempt to index global 'io' (a nil value)", err)
      err, path = eval_err('os.execute("touch /tmp/hfl-pwned")')
      assert.are.equal(path .. ":1: attempt to call field 'execute' (a nil value)", err)
      err, path = eval_err('setfenv(1, {})')
      assert.are.equal(path .. ":1: attempt to call global 'setfenv' (a nil value)", err)
    end)

    it("lets require load only Lua files beside the helmfile", function()
      for _, m in ipairs { "os", "io", "ffi", "debug", "jit", "hfl.proc", "hfl.stdlib", "../x", "/etc/passwd" } do
        local err, path = eval_err(('local m = require(%q)'):format(m))
        assert.are.equal(path .. ":1: require: module " .. ("%q"):format(m) .. " is not available in helmfile.lua",
          err:gsub(" %(only Lua files.*$", ""))
      end
      assert(eval 'assert(require("string") == string and require("math") == math)')
    end)

    it("refuses precompiled chunks", function()
      local path = chunk(string.dump(function() return {} end))
      local doc, err = luafile.evaluate(path)
      assert.is_nil(doc)
      assert.are.equal(path .. ": precompiled Lua chunks are not allowed", err)
    end)

    it("has no string.dump, also not as a string method, and restores the string metatable after", function()
      local doc = assert(eval [[return { commonLabels = { a = tostring(string.dump), b = tostring(("").dump) } }]])
      assert.are.same({ a = "nil", b = "nil" }, doc.commonLabels)
      assert.is_function(("").dump)
      assert.is_function(getmetatable("").__index.dump)
    end)

    it("hides the metatables of strings and of hfl's tables, and refuses to replace them", function()
      local doc = assert(eval [[
        local mt = setmetatable({}, { __index = function() return "x" end })
        return { commonLabels = { s = tostring(getmetatable("")), v = tostring(getmetatable(values)),
          own = mt.anything } }
      ]])
      assert.are.same({ s = "nil", v = "nil", own = "x" }, doc.commonLabels)
      local err, path = eval_err('setmetatable(values, nil)')
      assert.are.equal(path .. ":1: setmetatable: cannot change the metatable of a table hfl made", err)
      err, path = eval_err('setmetatable(environment, {})')
      assert.are.equal(path .. ":1: setmetatable: cannot change the metatable of a table hfl made", err)
      err, path = eval_err('setmetatable("", {})')
      assert.are.equal(path .. ":1: setmetatable: only tables may have a metatable in helmfile.lua", err)
      assert.are.equal(value.map_mt, getmetatable(map {}))
    end)

    it("keeps the globals a chunk sets to that evaluation", function()
      assert(eval 'leak = "yes"; string.upper = nil; table.insert = nil')
      assert.is_nil(rawget(_G, "leak"))
      local doc = assert(eval 'return { commonLabels = { leak = tostring(leak), up = string.upper("a") } }')
      assert.are.same({ leak = "nil", up = "A" }, doc.commonLabels)
    end)

    it("stops an endless loop at the instruction budget, naming the line", function()
      local doc, err = luafile.evaluate(FIX .. "/loop.lua", { budget = 1e6 })
      assert.is_nil(doc)
      assert.matches("^" .. (FIX .. "/loop.lua"):gsub("%p", "%%%0") .. ":[23]: exceeded the instruction budget %(infinite loop%?%)$", err)
    end)

    it("takes the budget from HFL_LUA_BUDGET when the caller gives none", function()
      local ffi = require "ffi"
      pcall(ffi.cdef, "int setenv(const char *, const char *, int); int unsetenv(const char *);")
      ffi.C.setenv("HFL_LUA_BUDGET", "100000", 1)
      local ok, err = pcall(eval_err, "local n = 0 for i = 1, 1e6 do n = n + i end")
      ffi.C.unsetenv("HFL_LUA_BUDGET")
      assert.is_true(ok, err)
      assert.matches(":1: exceeded the instruction budget %(infinite loop%?%)$", err)
      assert(eval "local n = 0 for i = 1, 1e6 do n = n + i end")
    end)

    it("does not let pcall swallow the budget", function()
      local err, path = eval_err([[
        local n = 0
        for i = 1, 100 do pcall(function() while true do n = n + 1 end end) end
        return { commonLabels = { n = tostring(n) } }
      ]], { budget = 1e6 })
      assert.matches("exceeded the instruction budget %(infinite loop%?%)$", err)
      assert.are.equal(path, err:sub(1, #path))
    end)

    it("stops a chunk at the wall-clock limit", function()
      local t0 = os.time()
      local err = eval_err('while true do local _ = upper("x") end', { budget = 1e12, timeout = 0.3 })
      assert.matches(":1: exceeded the time limit of 0.3s %(infinite loop%?%)$", err)
      assert.is_true(os.time() - t0 < 5)
    end)

    it("stops a chunk that allocates without bound", function()
      local err = eval_err([[
        local t = {}
        while true do t[#t + 1] = string.rep("x", 1024 * 1024) .. #t end
      ]], { memory = 64 })
      assert.matches(":2: exceeded the memory limit %(64 MB more than at the start%)$", err)
      collectgarbage()
      local err2 = eval_err('local s = ("x"):rep(2^31)')
      assert.matches(":1: string.rep: result would exceed 256 MB$", err2)
    end)

    it("removes its hook afterwards, also after an error", function()
      assert.is_nil(debug.gethook())
      eval_err 'error("x")'
      assert.is_nil(debug.gethook())
      assert(eval 'return {}')
      assert.is_nil(debug.gethook())
    end)

    it("charges only the coroutine it runs in", function()
      local sb = sandbox.new { budget = 2e5 }
      local fn = assert(sb:load("/virtual/x.lua", "local n = 0 for i = 1, 50000 do n = n + i end return n"))
      local co = coroutine.create(function() return sb:run(fn) end)
      local ok, sok, n = coroutine.resume(co)
      assert.is_true(ok)
      assert.is_true(sok)
      assert.are.equal(1250025000, n)
      local sb2 = sandbox.new { budget = 1e5 }
      local loop = assert(sb2:load("/virtual/loop.lua", "while true do end"))
      co = coroutine.create(function() return sb2:run(loop) end)
      local _, lok, lerr = coroutine.resume(co)
      assert.is_false(lok)
      assert.are.equal("/virtual/loop.lua:1: exceeded the instruction budget (infinite loop?)", lerr)
    end)
  end)

  describe("evaluate_values()", function()
    it("returns the table a values file returns, in the values model", function()
      local v = assert(luafile.evaluate_values(chunk('return { replicas = 2, tags = { "a" }, empty = {} }', "v.lua")))
      assert.are.equal("map", value.kind(v))
      assert.are.equal(2, v.replicas)
      assert.are.equal("list", value.kind(v.tags))
      assert.are.equal("map", value.kind(v.empty))
    end)

    it("sees the environment, the state values and the release", function()
      local v = assert(luafile.evaluate_values(chunk([[
        return { env = environment.name, ctx = environment.kubeContext, x = values.x, ns = namespace,
          rel = release.name, relNs = release.Namespace, tier = release.labels.tier,
          builder = type(repository) }
      ]], "v.lua"), { environment = { name = "prod", values = map {}, kubeContext = "k" }, values = map { x = 5 },
        namespace = "n", release = map { Name = "web", Namespace = "apps", Labels = map { tier = "front" } } }))
      assert.are.same({ env = "prod", ctx = "k", x = 5, ns = "n", rel = "web", relNs = "apps", tier = "front",
        builder = "nil" }, v)
    end)

    it("rejects a values file that returns nothing, a list or a scalar", function()
      for text, want in pairs {
        ["local x = 1"] = ": a .lua values file must return a table of values",
        ['return { "a" }'] = ": a .lua values file must return a table of named values, got a list",
        ["return 1"] = ": a .lua values file must return a table of named values, got a number",
      } do
        local path = chunk(text, "v.lua")
        local v, err = luafile.evaluate_values(path)
        assert.is_nil(v)
        assert.are.equal(path .. want, err)
      end
    end)
  end)

  describe("with the loader", function()
    local loader = require "hfl.state.load"
    local root = cwd()

    it("loads the bases a helmfile.lua lists before reading its releases", function()
      local states = assert(loader.load { file = root .. "/" .. FIX .. "/bases/helmfile.lua", environment = "prod" })
      local rel = states[#states].doc.releases[1]
      assert.are.equal("prod-ns", rel.namespace)
      assert.are.equal("prod", rel.labels.env)
      states = assert(loader.load { file = root .. "/" .. FIX .. "/bases/helmfile.lua" })
      assert.are.equal("from-base", states[#states].doc.releases[1].namespace)
    end)

    it("gives the releases the values of environments the chunk declares, Lua values files included", function()
      local states = assert(loader.load { file = root .. "/" .. FIX .. "/envs/helmfile.lua", environment = "prod" })
      assert.are.equal("3", states[#states].doc.releases[1].labels.replicas)
      states = assert(loader.load { file = root .. "/" .. FIX .. "/envs/helmfile.lua" })
      assert.are.equal("1", states[#states].doc.releases[1].labels.replicas)
    end)

    it("follows a Lua sub-helmfile from a YAML helmfile", function()
      local states = assert(loader.load { file = root .. "/" .. FIX .. "/mixed/helmfile.yaml" })
      assert.are.equal(2, #states)
      assert.are.equal("child", states[1].doc.releases[1].name)
      assert.are.equal("parent", states[2].doc.releases[1].name)
    end)
  end)

  describe("examples/lua", function()
    it("describes in helmfile.lua the same document as helmfile.yaml", function()
      local docs = assert(yaml.decode_all(assert(io.open("examples/lua/helmfile.yaml")):read("*a")))
      local want = map {}
      for _, d in ipairs(docs) do
        for _, k in ipairs(value.keys(d)) do want[k] = d[k] end
      end
      local got = assert(luafile.evaluate("examples/lua/helmfile.lua", { environment = { name = "prod" } }))
      if not value.equal(want, got) then
        assert.are.equal(yaml.encode(want), yaml.encode(got))
      end
      assert.is_true(value.equal(want, got))
    end)

    it("evaluates the Lua values files of the example", function()
      local v = assert(luafile.evaluate_values("examples/lua/values/web.lua", {
        environment = { name = "prod" }, values = map { web = map { replicas = 3, domain = "d" } },
        release = map { Name = "web" } }))
      assert.are.same({ replicaCount = 3, podLabels = { release = "web", environment = "prod" },
        ingress = { enabled = true, hostname = "d" } }, v)
      local e = assert(luafile.evaluate_values("examples/lua/env/prod.lua", { environment = { name = "prod" } }))
      assert.are.equal("www.prod.example.test", e.web.domain)
    end)
  end)
end)
