--- How Secrets are shown: their data values masked as helm-diff masks them — a value the same
--- on both sides is "REDACTED # (N bytes)", a changed one "-------- # (N bytes)" on the old side
--- and "++++++++ # (N bytes)" on the new — so a diff tells that a key changed, never the value.
--- With show_secrets the (normalised, base64) data is shown; with show_secrets = "decoded",
--- the decoded values under stringData.
local value = require "hfl.value"
local normalize = require "hfl.diff.normalize"

local M = {}

local function with_data(object, data_key, data)
  local out = value.map()
  for _, k in ipairs(value.keys(object)) do
    if k ~= "data" and k ~= "stringData" then out[k] = object[k] end
  end
  if next(data) ~= nil then out[data_key] = data end
  return out
end

local function masked(object, bytes, other, marker)
  local data = value.map()
  for _, k in ipairs(value.sorted_keys(bytes)) do
    local v = bytes[k]
    local word = (other and other[k] == v) and "REDACTED" or marker
    data[k] = ("%s # (%d bytes)"):format(word, #v)
  end
  return with_data(object, "data", data)
end

local function decoded(object, bytes)
  local data = value.map()
  for _, k in ipairs(value.sorted_keys(bytes)) do data[k] = bytes[k] end
  return with_data(object, "stringData", data)
end

--- The objects to show for a change of a Secret (either side may be nil).
---@param old table|nil  normalised object
---@param new table|nil  normalised object
---@param show boolean|"decoded"
---@return table|nil old, table|nil new
function M.display(old, new, show)
  if show == true then return old, new end
  local ob = old and normalize.secret_bytes(old)
  local nb = new and normalize.secret_bytes(new)
  if show == "decoded" then
    return old and decoded(old, ob), new and decoded(new, nb)
  end
  return old and masked(old, ob, nb, "--------"), new and masked(new, nb, ob, "++++++++")
end

return M
