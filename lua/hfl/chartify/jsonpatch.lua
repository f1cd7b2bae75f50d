--- hfl.chartify.jsonpatch: a release's `jsonPatches` (RFC 6902 with kustomize-style targets)
--- applied to its rendered objects. This is the extension point of hfl.chartify's step 3; the
--- objects helper's branch replaces this minimal version with the real one.
local M = {}

local function empty(v)
  return v == nil or v == require("hfl.value").null or (type(v) == "table" and next(v) == nil)
end

--- The objects after the release's jsonPatches.
---@param r table  a Release
---@param objects table[]  { doc = hfl.value map, source = "chart/templates/x.yaml" }
---@param ctx table  { session =, prep = }
---@return table[]|nil objects, string|nil err
function M.apply_release(r, objects, ctx)
  local _ = ctx
  if empty(r.jsonPatches) then return objects end
  return nil, ('release "%s": jsonPatches are not supported yet'):format(r.name)
end

return M
