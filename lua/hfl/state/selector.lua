--- Release selectors (`-l`), as Helmfile reads them: one selector is comma-separated terms that
--- must all hold (`k=v`: the label is present and equal; `k!=v`: absent or different); several
--- selectors are alternatives. Labels include the built-ins name, namespace and chart.
local M = {}

local TERM = "^[%w_%./%+%-]+$"


--- Parses selector strings into filters: one map per selector, `k = v` for `k=v` and
--- `["!k"] = v` for `k!=v` (the form the loader and helmfile.lua use). Each filter also has
--- `.terms`, the terms in order ({key, value, negate}), and `.text`, the selector as written.
---@param list string[]|string
---@return table[]|nil filters, string|nil err
function M.parse(list)
  if type(list) == "string" then list = { list } end
  local filters = {}
  for _, text in ipairs(list or {}) do
    local filter, terms = {}, {}
    for label in (text .. ","):gmatch("([^,]*),") do
      local k, v = label:match("^(.-)!=(.*)$")
      local negate = true
      if not k or not k:match(TERM) or not v:match(TERM) then
        k, v = label:match("^([^=]*)=(.*)$")
        negate = false
      end
      if not k or not k:match(TERM) or not v:match(TERM) then
        return nil, ("malformed label: %s. Expected label in form k=v or k!=v"):format(label)
      end
      terms[#terms + 1] = { k, v, negate }
      filter[negate and "!" .. k or k] = v
    end
    filters[#filters + 1] = setmetatable(filter, { __index = { terms = terms, text = text } })
  end
  return filters
end

local function terms_of(filter)
  if filter.terms then return filter.terms end
  local terms = {}
  local keys = {}
  for k in pairs(filter) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do
    if k:sub(1, 1) == "!" then
      terms[#terms + 1] = { k:sub(2), tostring(filter[k]), true }
    else
      terms[#terms + 1] = { k, tostring(filter[k]), false }
    end
  end
  return terms
end
M._terms = terms_of

--- Whether labels (a map of strings) satisfy one filter.
---@param filter table
---@param labels table<string, string>
---@return boolean
function M.match_one(filter, labels)
  for _, t in ipairs(terms_of(filter)) do
    local have = labels[t[1]]
    if t[3] then
      if have ~= nil and have == t[2] then return false end
    elseif have ~= t[2] then
      return false
    end
  end
  return true
end

--- Whether labels satisfy any of the filters (true when there are none).
---@param filters table[]|nil
---@param labels table<string, string>
---@return boolean
function M.match(filters, labels)
  if not filters or #filters == 0 then return true end
  for _, f in ipairs(filters) do
    if M.match_one(f, labels) then return true end
  end
  return false
end

--- Whether two selector sets could select a common release: false only when every pair of
--- filters requires one key to have two different values (Helmfile skips such sub-helmfiles).
---@param a table[]|nil
---@param b table[]|nil
---@return boolean
function M.compatible(a, b)
  if not a or not b or #a == 0 or #b == 0 then return true end
  for _, fa in ipairs(a) do
    for _, fb in ipairs(b) do
      local ok = true
      for _, ta in ipairs(terms_of(fa)) do
        for _, tb in ipairs(terms_of(fb)) do
          if not ta[3] and not tb[3] and ta[1] == tb[1] and ta[2] ~= tb[2] then ok = false end
        end
      end
      if ok then return true end
    end
  end
  return false
end

--- The selectors as Helmfile prints them in "no releases found" messages (joined by ", ").
---@param list string[]
---@return string
function M.describe(list)
  return table.concat(list or {}, ", ")
end

return M
