--- Lists grouped by a key, the groups in the order their keys first appear (so what runs or
--- prints per group keeps the order of the input).
local M = {}

---@param items table[]
---@param key fun(item: table): any  never nil
---@return {key: any, items: table[]}[]
function M.by(items, key)
  local groups, index = {}, {}
  for _, item in ipairs(items) do
    local k = key(item)
    local g = index[k]
    if not g then
      g = { key = k, items = {} }
      index[k] = g
      groups[#groups + 1] = g
    end
    g.items[#g.items + 1] = item
  end
  return groups
end

return M
