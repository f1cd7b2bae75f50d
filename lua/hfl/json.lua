--- hfl.json: JSON for workflows, over the encoder and decoder the templates use (Go's
--- encoding/json rules: sorted map keys, the value model's lists, maps and null).
--
--   local hfl = require "hfl"
--   io.write(hfl.json.encode({ a = 1, b = { 2, 3 } }, { indent = "  " }), "\n")
--   local doc, err = hfl.json.decode('{"a": [1, 2]}')
local json = require "hfl.stdlib.json"

local M = {}

--- The JSON text of a value; opts.indent pretty-prints, opts.html escapes <, > and & as Go's
--- json.Marshal does (off by default). Raises on what JSON cannot hold (a function, a cycle).
---@param v any
---@param opts? {indent?: string, html?: boolean}
---@return string
function M.encode(v, opts)
  opts = opts or {}
  return json.encode(v, { indent = opts.indent, html = opts.html == true })
end

--- The value of a JSON text, or nil and an error naming what is wrong.
---@param text string
---@return any|nil value, string|nil err
function M.decode(text)
  if type(text) ~= "string" then error("hfl.json.decode: text must be a string", 2) end
  local v, err = json.decode(text)
  if v == nil and err then return nil, err end
  if v == nil then return require("hfl.value").null end  -- the text "null"
  return v
end

return M
