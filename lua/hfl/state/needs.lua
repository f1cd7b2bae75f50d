--- Release IDs and `needs` entries (compat §6.2).
local M = {}

--- A release's ID: `[ctx/][ns/]name`, with `ctx//name` when the namespace is empty.
---@param kube_context string
---@param namespace string
---@param name string
---@return string
function M.id(kube_context, namespace, name)
  local id = ""
  if kube_context ~= "" then id = kube_context .. "/" end
  if namespace ~= "" then id = id .. namespace .. "/" end
  if kube_context ~= "" and namespace == "" then id = id .. "/" end
  return id .. name
end

local function split(s)
  local parts = {}
  for p in (s .. "/"):gmatch("([^/]*)/") do parts[#parts + 1] = p end
  return parts
end

--- Parses a `needs` entry of a release: `name` (namespace and context of the needing release),
--- `ns/name` (its context) or `ctx/ns/name` (the context is everything before the last two
--- segments). Returns the ID and its parts.
---@param entry string
---@param namespace string  the needing release's namespace
---@param kube_context string  the needing release's kube context
---@return string id, string kube_context, string namespace, string name
function M.resolve(entry, namespace, kube_context)
  local parts = split(entry)
  local name = parts[#parts]
  local ns, ctx = namespace, kube_context
  if #parts > 1 then ns = parts[#parts - 1] end
  if #parts > 2 then ctx = table.concat(parts, "/", 1, #parts - 2) end
  return M.id(ctx, ns, name), ctx, ns, name
end

--- The last segment of an ID (the release name).
---@param id string
---@return string
function M.name_of(id)
  return id:match("([^/]*)$")
end

return M
