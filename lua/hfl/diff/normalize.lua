--- Objects brought to one form so that only meaning is compared (helm-diff's
--- --normalize-manifests, and a little more): keys are sorted when printed, a map entry whose
--- value is null is the same as no entry, and a number is its value however it was written
--- (`1`, `1.0`, `0x1`, `1e0`). A Secret's stringData is folded into data as the API server
--- does, so `stringData: {a: x}` and `data: {a: eA==}` are the same content.
local value = require "hfl.value"
local crypto = require "hfl.crypto"

local M = {}

local null, float_mt = value.null, value.float_mt
local getmetatable, type = getmetatable, type

local function normal(v)
  if type(v) ~= "table" then return v end
  if getmetatable(v) == float_mt then return v[1] end
  local kind = value.kind(v)
  if kind == "list" then
    local out = value.list()
    for i = 1, #v do out[i] = normal(v[i]) end
    return out
  elseif kind == "map" then
    local out = value.map()
    for _, k in ipairs(value.sorted_keys(v)) do
      local child = v[k]
      if child ~= null then out[k] = normal(child) end
    end
    return out
  end
  return v
end

--- A normalised deep copy of a decoded value.
M.value = normal

--- Whether an object is a core Secret.
function M.is_secret(object)
  return object.kind == "Secret" and object.apiVersion == "v1"
end

-- The bytes a data value stands for (an undecodable value stands for itself).
local function data_bytes(v)
  if type(v) ~= "string" then return tostring(v) end
  return crypto.base64_decode(v) or v
end

--- The bytes of each key of a Secret's data and stringData (stringData wins, as on the API
--- server).
---@return table<string, string>
function M.secret_bytes(object)
  local out = {}
  if value.kind(object.data) == "map" then
    for k, v in pairs(object.data) do out[k] = data_bytes(v) end
  end
  if value.kind(object.stringData) == "map" then
    for k, v in pairs(object.stringData) do
      out[k] = type(v) == "string" and v or tostring(v)
    end
  end
  return out
end

--- A normalised object; a Secret's stringData is folded into base64 data.
function M.object(object)
  local out = normal(object)
  if M.is_secret(out) and (out.data ~= nil or out.stringData ~= nil) then
    local data = value.map()
    local bytes = M.secret_bytes(out)
    for _, k in ipairs(value.sorted_keys(bytes)) do data[k] = crypto.base64_encode(bytes[k]) end
    local rebuilt = value.map()
    for _, k in ipairs(value.keys(out)) do
      if k ~= "stringData" and k ~= "data" then rebuilt[k] = out[k] end
    end
    rebuilt.data = data
    out = rebuilt
  end
  return out
end

return M
