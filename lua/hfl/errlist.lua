--- Several errors reported at once, the way Helmfile lists them ("2 errors:\nerr 0: …\nerr 1: …"),
--- and the lines of such a list that start an error (which the CLI prefixes with "hfl: ").
local M = {}

--- One message for a list of errors: the error itself when there is one, else Helmfile's list.
---@param errors string[] at least one
---@return string
function M.combined(errors)
  if #errors == 1 then return errors[1] end
  local b = { ("%d errors:"):format(#errors) }
  for i, e in ipairs(errors) do b[#b + 1] = ("err %d: %s"):format(i - 1, e) end
  return table.concat(b, "\n")
end

--- Whether a line of a message starts an error of its own: its first line, and in a list
--- made by M.combined, each "err N: " line. Other lines continue the error above them.
---@param line string
---@param first boolean whether it is the message's first line
---@return boolean
function M.starts_error(line, first)
  return first or line:match("^err %d+: ") ~= nil
end

--- The message with `prefix` in front of each line that starts an error.
---@param msg string
---@param prefix string
---@return string
function M.prefixed(msg, prefix)
  local out, first = {}, true
  for line in (msg .. "\n"):gmatch("(.-)\n") do
    out[#out + 1] = M.starts_error(line, first) and prefix .. line or line
    first = false
  end
  return table.concat(out, "\n")
end

return M
