--- hfl: a Lua-scriptable, Helmfile-compatible deployment toolkit.
-- `local hfl = require "hfl"` gives the public API (see README.md, "Lua API").
local value = require "hfl.value"

local M = {}

M.version = "0.1.0"
M.null = value.null
M.value = value
M.yaml = require "hfl.yaml"

return M
