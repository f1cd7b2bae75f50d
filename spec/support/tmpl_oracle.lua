--- The Go template oracle (build/tmplref: Go's text/template + Sprig, spec/support/tmplref/
--- main.go) seen from the specs: renders many templates in one process, so the conformance
--- specs can compare hfl.tmpl's output with Go's case by case.
---
--- Requests go to the oracle one JSON object a line; it answers one line each:
--- {"out": text} or {"err": message}.
local proc = require "hfl.proc"
local yaml = require "hfl.yaml"

local M = {}

M.bin = "build/tmplref"

--- Whether the oracle binary is built; when not, a message saying how to build it.
---@return boolean, string|nil
function M.available()
  local f = io.open(M.bin, "rb")
  if f then
    f:close()
    return true
  end
  return false, M.bin .. " is missing: the template conformance specs need the Go oracle;"
    .. " run `make deps` (or `make oracle`) to build it"
end

--- A Lua string as a JSON string literal.
---@param s string
---@return string
function M.json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(ch)
    if ch == '"' then return '\\"' end
    if ch == "\\" then return "\\\\" end
    return string.format("\\u%04x", ch:byte())
  end) .. '"'
end

local function request_line(req)
  local parts = { '{"template":', M.json_string(req.template), ',"data":', req.data or "null" }
  if req.missingkey then parts[#parts + 1] = ',"missingkey":' .. M.json_string(req.missingkey) end
  if req.name then parts[#parts + 1] = ',"name":' .. M.json_string(req.name) end
  if req.helpers then
    local helpers = {}
    for i, h in ipairs(req.helpers) do helpers[i] = M.json_string(h) end
    parts[#parts + 1] = ',"helpers":[' .. table.concat(helpers, ",") .. "]"
  end
  parts[#parts + 1] = "}\n"
  return table.concat(parts)
end

--- Renders every request in one oracle process.
---@param requests table[] each { template = text, data = JSON text | nil (null),
---                        missingkey = "error" | "zero" | … | nil (Go's default here: error),
---                        name = template name | nil, helpers = { template texts parsed first } | nil }
---@param env table|nil variables for the oracle ({ TZ = "UTC", X = false (unset) })
---@return table[]|nil responses  each { out = text } or { err = message }, by request index;
---                               nil when the oracle is not built
---@return string|nil err  why there are no responses
function M.render(requests, env)
  local ok, msg = M.available()
  if not ok then return nil, msg end
  local input = {}
  for i, req in ipairs(requests) do input[i] = request_line(req) end
  local r, err = proc.run { M.bin, stdin = table.concat(input), env = env, timeout = 300 }
  if not r then error("tmpl_oracle: cannot run " .. M.bin .. ": " .. tostring(err), 2) end
  if r.code ~= 0 then
    error(("tmpl_oracle: %s exited %s: %s"):format(M.bin, tostring(r.code), r.stderr or ""), 2)
  end
  local responses = {}
  for line in r.stdout:gmatch("[^\n]+") do
    responses[#responses + 1] = assert(yaml.decode(line))
  end
  if #responses ~= #requests then
    error(("tmpl_oracle: %d responses for %d requests"):format(#responses, #requests), 2)
  end
  return responses
end

return M
