--- Three-way comparison: what the live object holds for the fields the desired object sets.
--- Fields the server fills in (defaults, status, managedFields) and the desired object leaves
--- out are not looked at, so they are never drift; a field the desired object sets and the
--- live object holds differently (or lacks) is.
local value = require "hfl.value"

local M = {}

local function kind_of(v)
  local k = value.kind(v)
  -- an empty JSON array decoded without its list marker still stands for a list
  if k == "map" and type(v) == "table" and next(v) == nil then return "empty" end
  return k
end

local function same_shape(live_kind, want_kind)
  return live_kind == want_kind or live_kind == "empty" and (want_kind == "list" or want_kind == "map")
end

-- The desired item a live list item is seen through: the one with the same name, else the
-- one at the same place, else the last.
local function shape_for(items, i, item)
  if value.kind(item) == "map" and item.name ~= nil then
    for _, want in ipairs(items) do
      if value.kind(want) == "map" and value.equal(want.name, item.name) then return want end
    end
  end
  return items[i] or items[#items]
end

--- The live value restricted to the shape of the desired one: maps keep only the keys the
--- desired map has; list items are seen through the matching desired item.
---@param live any
---@param want any
---@return any
function M.project(live, want)
  local wk, lk = kind_of(want), kind_of(live)
  if not same_shape(lk, wk) then return live end
  if wk == "map" then
    local out = value.map()
    for _, k in ipairs(value.sorted_keys(want)) do
      if live[k] ~= nil then out[k] = M.project(live[k], want[k]) end
    end
    return out
  elseif wk == "list" then
    local out = value.list()
    for i = 1, #live do
      local shape = #want > 0 and shape_for(want, i, live[i]) or nil
      out[i] = shape ~= nil and M.project(live[i], shape) or live[i]
    end
    return out
  end
  return live
end

--- The deployed object as it stands on the server: `current` with every field that `want`
--- sets replaced by the live value (removed where the live object lacks it).
---@param current table   the deployed (old) object, normalised
---@param live table      the live object projected onto want (M.project), normalised
---@param want table      the desired (new) object, normalised
---@return table
function M.overlay(current, live, want)
  if value.kind(want) ~= "map" or value.kind(live) ~= "map" then return live end
  local out = value.map()
  local base = value.kind(current) == "map" and current or value.map()
  for _, k in ipairs(value.sorted_keys(base)) do
    if want[k] == nil then out[k] = base[k] end
  end
  for _, k in ipairs(value.sorted_keys(want)) do
    if live[k] ~= nil then
      out[k] = M.overlay(base[k], live[k], want[k])
    elseif kind_of(want[k]) == "empty" or (kind_of(want[k]) == "list" and #want[k] == 0) then
      -- the server drops an empty map or list (`data: {}`): absent there is not drift
      out[k] = base[k]
    end
  end
  return out
end

return M
