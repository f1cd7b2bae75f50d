--- hfl.chartify.transform: the Lua `transform = function(objects) … end` of helmfile.lua
--- releases, run last on the rendered objects. This is the extension point of hfl.chartify's
--- step 3; the objects helper's branch replaces this minimal version with the real one.
local M = {}

--- The objects after the release's transform function.
---@param r table  a Release
---@param objects table[]
---@param ctx table  { session =, prep = }
---@return table[]|nil objects, string|nil err
function M.apply_release(r, objects, ctx)
  local _ = ctx
  if rawget(r, "transform") == nil and (r.spec == nil or r.spec.transform == nil) then return objects end
  return nil, ('release "%s": transform is not supported yet'):format(r.name)
end

--- What of the transform function goes into the release's digest ("" without one).
---@param r table
---@return string
function M.digest_part(r)
  local _ = r
  return ""
end

return M
