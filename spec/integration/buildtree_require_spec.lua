-- The build tree as plain LuaJIT sees it: ./hfl.lua and ./hfl.so (c/buildtree/) make any hfl
-- module loadable as a program's first require, from the tree's root, as the README's
-- snippets do.
local proc = require "hfl.proc"
local hflrun = require "spec.support.hflrun"

local function luajit(code)
  local r = assert(proc.run { "luajit", "-e", code, cwd = hflrun.root(),
    env = { LUA_PATH = false, LUA_CPATH = false, LUA_INIT = false } })
  return r.code, r.stdout, r.stderr
end

describe("the build tree, from plain luajit #integration", function()
  for _, case in ipairs {
    { "hfl.proc", 'print(m.run{ "echo", "hi" }.stdout)', "hi\n\n" },
    { "hfl.http", "print(type(m.request))", "function\n" },
    { "hfl.yaml", 'print(m.encode{ a = 1 })', "a: 1\n\n" },
    { "hfl.core.yaml", "print(type(m.decode))", "function\n" },
    { "hfl.deploy.graph", "print(type(m))", "table\n" },
    { "hfl.stdlib.json", "print(type(m))", "table\n" },
  } do
    it("loads " .. case[1] .. " as the first require", function()
      local code, out, err = luajit(("local m = require %q %s; assert(package.loaded[%q] == m)")
        :format(case[1], case[2], case[1]))
      assert.equal(0, code, err)
      assert.equal(case[3], out)
      assert.equal("", err)
    end)
  end

  it("loads the same module for `hfl` required afterwards", function()
    local code, out, err = luajit('local p = require "hfl.proc"; local hfl = require "hfl"; '
      .. 'print(hfl.version ~= nil, require("hfl.proc") == p)')
    assert.equal(0, code, err)
    assert.equal("true\ttrue\n", out)
  end)

  it("removes the temporary directory of a session the program never closed", function()
    local code, out, err = luajit('local st = assert(require("hfl").load { file = '
      .. '"examples/quickstart/helmfile.yaml.gotmpl" }); io.write(assert(st.session:tempdir()))')
    assert.equal(0, code, err)
    assert.matches("hfl%-run%-", out)
    assert.is_nil(io.open(out .. "/."), out .. " is still there")
  end)

  it("still says a module that does not exist is not found", function()
    local code, _, err = luajit('require "hfl.nosuch"')
    assert.equal(1, code)
    assert.matches("module 'hfl.nosuch' not found", err, 1, true)
  end)
end)
