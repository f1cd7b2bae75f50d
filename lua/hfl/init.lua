--- hfl: a Lua-scriptable, Helmfile-compatible deployment toolkit.
-- `local hfl = require "hfl"` gives the public API (see README.md, "Lua API").
local value = require "hfl.value"

local M = {}

M.version = "0.1.0"
M.null = value.null
M.value = value
M.yaml = require "hfl.yaml"
--- Loads a state: see hfl.state.load (README, "Lua API: hfl.load").
M.load = function(opts) return require("hfl.state").load(opts) end

-- Modules loaded on first use: most commands never render a template or make a session.
local LAZY = { tmpl = "hfl.tmpl", session = "hfl.session", json = "hfl.json", kube = "hfl.kube",
  diff = "hfl.diff" }

setmetatable(M, {
  __index = function(t, k)
    local name = LAZY[k]
    if name then
      local mod = require(name)
      rawset(t, k, mod)
      return mod
    end
  end,
})

return M
