-- `make install PREFIX=dir` and `make uninstall PREFIX=dir`: the binary, the Lua modules,
-- hfl.core and hfl(1) generated from the command tables; uninstall leaves nothing. Runs in a
-- copy of the sources with the build's outputs (nothing is compiled when the tree is up to
-- date), so specs running beside it keep using ./hfl undisturbed.
local proc = require "hfl.proc"
local hflrun = require "spec.support.hflrun"
local commands = require "hfl.cli.commands"

local function sh(script, opts)
  opts = opts or {}
  local r = assert(proc.run { "bash", "-c", script, cwd = opts.cwd, env = opts.env, timeout = 900 })
  return r.code, r.stdout or "", r.stderr or ""
end

describe("make install / uninstall #integration #slow", function()
  local top, src, prefix, work

  setup(function()
    local _, out = sh("mktemp -d")
    top = out:gsub("%s+$", "")
    src, prefix, work = top .. "/src", top .. "/prefix", top .. "/work"
    local code, _, err = sh(("mkdir -p '%s/build' '%s' && cp -a Makefile c lua stdlib '%s'/ && "
      .. "{ cp -a build/obj build/pic build/embedded.c build/rootso_modules.h '%s/build/'; "
      .. "cp -a hfl hfl.so hfl.lua '%s/'; true; } 2>/dev/null"):format(src, work, src, src, src),
      { cwd = hflrun.root() })
    assert.equal(0, code, err)
    local f = assert(io.open(work .. "/helmfile.yaml", "w"))
    f:write("releases:\n  - name: web\n    chart: ./charts/web\n    namespace: shop\n")
    f:close()
  end)

  teardown(function()
    if top then sh(("rm -rf '%s'"):format(top)) end
  end)

  it("installs a working hfl, its modules and its man page, and uninstalls all of it", function()
    local code, out, err = sh("make install PREFIX=" .. prefix, { cwd = src })
    assert.equal(0, code, out .. err)

    -- the binary, from anywhere
    code, out, err = sh(prefix .. "/bin/hfl list", { cwd = work })
    assert.equal(0, code, err)
    assert.matches("\nweb \tshop     \ttrue", out, 1, true)

    -- the library, from plain luajit with the prefix's paths
    code, out, err = sh(("LUA_PATH='%s/share/lua/5.1/?.lua;%s/share/lua/5.1/?/init.lua;;' "
      .. "LUA_CPATH='%s/lib/lua/5.1/?.so;;' luajit -e 'local hfl = require \"hfl\" "
      .. "print((assert(hfl.load{}:list())[1].name), debug.getinfo(hfl.load, \"S\").source)'")
      :format(prefix, prefix, prefix), { cwd = work })
    assert.equal(0, code, err)
    assert.matches("^web\t@" .. prefix .. "/share/lua/5.1/hfl/init.lua\n", out)

    -- the man page formats without a warning, and lists every command and the flags of the
    -- command tables
    code, out, err = sh(("groff -man -Tutf8 -P-cbou -rLL=200n -ww %s/share/man/man1/hfl.1"):format(prefix),
      { env = { LC_ALL = "C.UTF-8" } })
    assert.equal(0, code, err)
    assert.equal("", err)
    for _, name in ipairs(commands.names) do
      assert.matches("\n   hfl " .. name:gsub("%-", "%%-") .. "[ \n]", out)
    end
    assert.matches("-e, --environment NAME", out, 1, true)
    assert.matches("--skip-diff-on-install", out, 1, true)

    -- shell completions where bash-completion, zsh and fish look for them
    code, out, err = sh(("bash -c 'source %s/share/bash-completion/completions/hfl && "
      .. "COMP_WORDS=(hfl ap) COMP_CWORD=1 && _hfl && echo ${COMPREPLY[*]}'"):format(prefix))
    assert.equal(0, code, err)
    assert.matches("apply", out, 1, true)
    assert.matches("#compdef hfl", assert(io.open(prefix .. "/share/zsh/site-functions/_hfl")):read("*a"), 1, true)
    assert.matches("complete -c hfl", assert(io.open(prefix .. "/share/fish/vendor_completions.d/hfl.fish")):read("*a"), 1, true)

    code, out, err = sh("make uninstall PREFIX=" .. prefix, { cwd = src })
    assert.equal(0, code, out .. err)
    code, out = sh(("find '%s' -mindepth 1"):format(prefix))
    assert.equal(0, code)
    assert.equal("", out)
  end)
end)
