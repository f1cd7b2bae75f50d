-- The fake cluster's call log: one JSON line per shim call, appended with a single write so
-- concurrent shims never interleave their lines.
local json = require "hfl.stdlib.json"
local fs = require "hfl.fs"
local ctime = require("hfl.core").time

local M = {}

--- Wall-clock seconds as a float.
function M.clock()
  local sec, nsec = ctime.now()
  return sec + nsec / 1e9
end

function M.append(tool, argv, started, code)
  local dir = os.getenv("HFL_FAKE_CLUSTER")
  if not dir or dir == "" then return end
  local args = {}
  for i = 1, #argv do args[i] = argv[i] end
  local line = ('{"tool":%s,"argv":%s,"pid":%d,"start":%.6f,"end":%.6f,"code":%d}\n'):format(
    json.encode(tool), json.encode(require("hfl.value").list(args)), fs.pid(), started, M.clock(), code or 0)
  local f = assert(io.open(dir .. "/calls.log", "a"))
  f:setvbuf("full", #line + 64)
  f:write(line)
  f:close()
end

return M
