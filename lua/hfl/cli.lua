local M = {}
function M.main(args)
  local hfl = require "hfl"
  if args[1] == "version" then print("hfl version " .. hfl.version) return 0 end
  io.stderr:write("hfl: not implemented yet\n")
  return 1
end
return M
