-- The rock as a user installs it: `make rock ROCK_TREE=dir` (luarocks --lua-version=5.1 make)
-- into a temp tree, then plain luajit, from a directory outside the source tree and with only
-- that tree's paths, requires hfl, loads a state and renders it. The build runs in a copy of
-- the sources (with the build's outputs, so an up-to-date tree is not compiled again): specs
-- running beside this one keep using ./hfl undisturbed.
local proc = require "hfl.proc"
local hflrun = require "spec.support.hflrun"

local function sh(script, opts)
  opts = opts or {}
  local r = assert(proc.run { "bash", "-c", script, cwd = opts.cwd, env = opts.env, timeout = 900 })
  return r.code, r.stdout or "", r.stderr or ""
end

local function tmpdir()
  local _, out = sh("mktemp -d")
  return (out:gsub("%s+$", ""))
end

local CLEAN_ENV = { LUA_PATH = false, LUA_CPATH = false, LUA_INIT = false }

describe("the LuaRocks rock #integration #slow", function()
  local top, src, tree, work, install

  -- luajit -e CODE in `work`, with the rock tree's paths only
  local function luajit(code)
    return sh(('eval "$(luarocks --lua-version=5.1 path --tree %s)" && luajit -e "$CODE"'):format(tree),
      { cwd = work, env = setmetatable({ CODE = code }, { __index = CLEAN_ENV }) })
  end

  setup(function()
    top = tmpdir()
    src, tree, work = top .. "/src", top .. "/tree", top .. "/work"
    local code, _, err = sh(("mkdir -p '%s/build' '%s' && cp -a Makefile hfl-scm-1.rockspec c lua stdlib '%s'/ && "
      .. "{ cp -a build/obj build/pic build/embedded.c build/rootso_modules.h '%s/build/'; "
      .. "cp -a hfl hfl.so hfl.lua '%s/'; true; } 2>/dev/null"):format(src, work, src, src, src),
      { cwd = hflrun.root() })
    assert.equal(0, code, err)
    local f = assert(io.open(work .. "/helmfile.yaml.gotmpl", "w"))
    f:write("environments:\n  prod:\n    values: [{ replicas: 3 }]\n---\n"
      .. "releases:\n  - name: web\n    chart: ./charts/web\n    namespace: shop\n"
      .. "    values: [{ replicas: {{ .Values.replicas }} }]\n")
    f:close()
    install = { sh("make rock ROCK_TREE=" .. tree, { cwd = src }) }
  end)

  teardown(function()
    if top then sh(("rm -rf '%s'"):format(top)) end
  end)

  it("installs with one command, `make rock`, without a warning", function()
    local code, out, err = install[1], install[2], install[3]
    assert.equal(0, code, out .. err)
    assert.not_matches("[Ww]arning", out .. err)
    assert.matches("is now installed in " .. tree, out, 1, true)
    assert.matches('eval "$(luarocks --lua-version=5.1 path --tree ' .. tree .. ')"', out, 1, true)
  end)

  it("lets plain luajit outside the sources require hfl, load a state and render it", function()
    local code, out, err = luajit([[
local hfl = require "hfl"
local st = assert(hfl.load{ environment = "prod" })
local text = assert(st:build())
io.write(hfl.version, "\n", text)
]])
    assert.equal(0, code, err)
    assert.matches("^%d+%.%d+%.%d+\n", out)
    assert.matches("  - chart: ./charts/web\n    name: web\n    namespace: shop\n", out, 1, true)
    assert.matches("replicas: 3", out, 1, true)
    assert.equal("", err)
  end)

  it("loads hfl's modules and hfl.core from the rock tree", function()
    local code, out, err = luajit([[
local hfl = require "hfl"
print(debug.getinfo(require("hfl.state").load, "S").source)
for p in package.cpath:gmatch("[^;]+") do
  local f = io.open((p:gsub("%?", "hfl/core")))  -- where require finds hfl.core
  if f then f:close() print(p) break end
end
]])
    assert.equal(0, code, err)
    assert.matches("@" .. tree .. "/share/lua/5.1/hfl/state/init.lua\n", out, 1, true)
    assert.matches("\n" .. tree .. "/lib/lua/5.1/?.so\n", out, 1, true)
  end)
end)
