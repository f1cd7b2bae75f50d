--- Files for specs: write a file (its directories made), read one back, write a tree.
---
---   local files = require "spec.support.files"
---   files.write(dir .. "/helmfile.yaml", "releases: []\n")
---   files.tree(dir .. "/charts/app", { ["Chart.yaml"] = "…", ["templates/cm.yaml"] = "…" })
local M = {}

--- Writes text to path, making its directory first.
---@param path string
---@param text string
function M.write(path, text)
  os.execute("mkdir -p '" .. path:match("^(.*)/") .. "'")
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

--- The content of path, or nil when it cannot be read.
---@param path string
---@return string|nil
function M.read(path)
  local f = io.open(path)
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

--- Writes every { relative path = text } of files under dir.
---@param dir string
---@param files table<string, string>
function M.tree(dir, files)
  for path, text in pairs(files) do M.write(dir .. "/" .. path, text) end
end

return M
