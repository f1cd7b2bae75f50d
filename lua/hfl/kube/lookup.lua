--- hfl.kube.lookup: Helm's template function `lookup` against a live cluster, as helm's engine
--- answers it during `helm upgrade` (pkg/engine/lookup_func.go): the kind is found through
--- discovery (which says whether it is namespaced), then one object is read (a name) or the
--- whole collection (name ""), in the namespace when the kind is namespaced and one is given.
--- An object or collection the server does not have is an empty map; the object comes back as
--- client-go's unstructured content (integer literals are int64, other numbers float64), a
--- collection as its List (apiVersion, kind, metadata, items — each item with the List's
--- apiVersion and item kind, as the dynamic client fills them in).
---
---   local lookup = require("hfl.kube.lookup").new(client)
---   local secret, err = lookup("v1", "Secret", "apps", "db")
---
--- Any other failure (forbidden, unreachable, an unknown group version) is returned as an
--- error: helm's render fails there, with helm's own message, so the caller lets helm say it.
--- So does a kind discovery does not list: helm then requests a resource with no name, which
--- this client does not imitate.
local value = require "hfl.value"

local M = {}

-- "group/version" or a core "version" as schema.ParseGroupVersion reads it without error,
-- limited to the names Kubernetes API groups and versions use.
local function valid_api_version(s)
  return s:match("^v%d+[a-z0-9]*$") ~= nil or s:match("^[a-z0-9][a-z0-9.-]*/v%d+[a-z0-9]*$") ~= nil
end

-- rest.Request's Name/Namespace refuse what is not a valid path segment (the request then
-- fails before it is sent).
local function valid_segment(s)
  return s ~= "." and s ~= ".." and not s:find("[/%%]")
end

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return ("%%%02X"):format(c:byte()) end))
end

-- The discovered resource of kind in api_version (helm takes the first that is not a
-- subresource), or nil, err.
local function resource_of(client, api_version, kind)
  local rs, err = client:resources(api_version)
  if not rs then return nil, err end
  for _, r in ipairs(rs) do
    if r.kind == kind then return r end
  end
  return nil, ("kube context %q: the server has no kind %s in %s"):format(client.context, kind, api_version)
end

-- UnstructuredList.UnstructuredContent(): the List's own fields and its items, each with the
-- List's apiVersion and kind (less "List") when it names neither itself.
local function list_content(doc)
  local items = value.kind(doc.items) == "list" and doc.items or {}
  local api_version = type(doc.apiVersion) == "string" and doc.apiVersion or ""
  local item_kind = (type(doc.kind) == "string" and doc.kind or ""):gsub("List$", "")
  for _, it in ipairs(items) do
    if value.kind(it) == "map" and (it.kind == nil or it.kind == "") and
        (it.apiVersion == nil or it.apiVersion == "") then
      it.kind, it.apiVersion = item_kind, api_version
    end
  end
  doc.items = setmetatable(items, value.list_mt)
  return doc
end

--- A lookup function for one cluster: fn(api_version, kind, namespace, name) → the object, the
--- List, or an empty map; or nil, err.
---@param client hfl.kube.Client
---@return fun(api_version: string, kind: string, namespace: string, name: string): table|nil, string|nil
function M.new(client)
  if type(client) ~= "table" or type(client.get) ~= "function" then
    error("kube lookup: a hfl.kube client is needed", 2)
  end
  return function(api_version, kind, namespace, name)
    if not valid_api_version(api_version) then
      return nil, ("lookup: apiVersion %q is not one hfl reads as helm does"):format(api_version)
    end
    if not valid_segment(namespace) or not valid_segment(name) then
      return nil, ("lookup: invalid namespace %q or name %q"):format(namespace, name)
    end
    local r, err = resource_of(client, api_version, kind)
    if not r then return nil, err end
    local base = api_version:find("/", 1, true) and ("/apis/" .. api_version) or ("/api/" .. api_version)
    local path = base
    if r.namespaced and namespace ~= "" then path = path .. "/namespaces/" .. urlencode(namespace) end
    path = path .. "/" .. r.name
    if name ~= "" then path = path .. "/" .. urlencode(name) end
    local doc, gerr, status = client:get(path, nil, { ints = true })
    if status == 404 then return value.map() end
    if not doc then return nil, gerr end
    if name == "" then return list_content(doc) end
    return doc
  end
end

return M
