--- hfl.stdlib: the template function library — Sprig v3's text functions and Helmfile's —
--- written once for Go templates and helmfile.lua.
--
--   local F = require("hfl.stdlib").funcs{ basedir = dir, prerender = false,
--                                           render = function(text, data) … end }
--   F.upper("x")  --> "X"
--
-- Each function takes template values (hfl.value) and returns one value; a failure raises
-- error(msg, 0) with Go's or Sprig's text (the engine adds `error calling NAME: `).
-- Functions hfl does not implement are still present and fail with
-- "function NAME is not supported by hfl".
local M = {}

-- Groups without per-render state, each exporting `funcs`.
local GROUPS = { "strings", "collections", "numeric", "json", "misc", "regex", "dates", "semver", "crypto" }

local static

local function load_static()
  if static then return static end
  local F = {}
  for _, g in ipairs(GROUPS) do
    local ok, mod = pcall(require, "hfl.stdlib." .. g)
    if not ok then error(mod, 0) end
    for name, fn in pairs(mod.funcs) do F[name] = fn end
  end
  require("hfl.stdlib.util").unsupported(F, { "getHostByName" },
    "hfl does not resolve host names in templates")
  static = F
  return F
end

--- The function map for one render context.
---@param ctx table|nil { basedir = dir for relative paths, prerender = bool,
---   render = function(text, data) (for tpl), include = function(name, data) }
---@return table<string, function>
function M.funcs(ctx)
  local F = {}
  for name, fn in pairs(load_static()) do F[name] = fn end
  require("hfl.stdlib.helmfile").install(F, ctx or {})
  return F
end

--- The names of every function in the map (sorted).
function M.names()
  local names = {}
  for name in pairs(M.funcs({})) do names[#names + 1] = name end
  table.sort(names)
  return names
end

return M
