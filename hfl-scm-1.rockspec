rockspec_format = "3.0"
package = "hfl"
version = "scm-1"
source = {
  url = "git+file://.",
}
description = {
  summary = "A Lua-scriptable, Helmfile-compatible deployment toolkit in C and LuaJIT",
  detailed = [[
hfl runs existing helmfile.yaml / .gotmpl files and helmfile.lua, and exposes its engine as a
Lua library: YAML decode/encode/merge as go-yaml does it, a process engine, Go templates.]],
  license = "MIT",
}
dependencies = {
  "lua == 5.1", -- LuaJIT
}
external_dependencies = {
  YAML = { header = "yaml.h" },
  PCRE2 = { header = "pcre2.h" },
  OPENSSL = { header = "openssl/evp.h" },
}
build = {
  -- One Makefile builds the executable, hfl/core.so and the modules over heavy libraries
  -- (hfl/core/http.so, git.so, archive.so, loaded on first use); the rock installs the Lua
  -- modules, stdlib and hfl.core into LuaRocks' trees and the hfl executable into its bin,
  -- where it finds hfl/core/*.so at ../lib/lua/5.1 (c/main.c).
  type = "make",
  build_target = "all",
  -- LuaRocks' compiler flags (its CFLAGS carry -fPIC for the modules); passing them also
  -- keeps it from warning that they were not passed
  build_variables = {
    CFLAGS = "$(CFLAGS)",
    -- a user's build must not fail on a warning a newer compiler adds (-Werror is for development)
    WERROR = "",
  },
  install_target = "install-rock",
  install_variables = {
    LUADIR = "$(LUADIR)",
    LIBDIR = "$(LIBDIR)",
    BINDIR = "$(BINDIR)",
  },
}
test = {
  type = "busted",
}
