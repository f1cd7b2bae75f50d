--- Manifests as helm stores and prints them: split into documents and compared. Until the
--- native diff compares objects, two manifests are the same when they hold the same documents
--- (blank lines and document order aside).
local trim = require "hfl.trim"

local M = {}

--- The non-empty documents of a multi-document YAML text, trimmed.
---@param text string
---@return string[]
function M.documents(text)
  local docs = {}
  local function add(d)
    d = trim.both(d)
    if d ~= "" then docs[#docs + 1] = d end
  end
  local pos = 1
  text = "\n" .. text
  while true do
    local s, e = text:find("\n%-%-%-[ \t]*\n", pos)
    if not s then
      add(text:sub(pos))
      break
    end
    add(text:sub(pos, s))
    pos = e
  end
  return docs
end

--- Whether two manifests hold the same documents.
---@param a string
---@param b string
---@return boolean
function M.same(a, b)
  local da, db = M.documents(a), M.documents(b)
  if #da ~= #db then return false end
  table.sort(da)
  table.sort(db)
  for i = 1, #da do
    if da[i] ~= db[i] then return false end
  end
  return true
end

return M
