-- hfl run spec/support/procs/write_atomic.lua PATH CHAR TIMES SIZE: writes PATH TIMES times
-- with hfl.fs.write_atomic, each time SIZE copies of CHAR; prints "ok" or "nil\tERR\tCODE"
-- for the first failure.
local fs = require "hfl.fs"
local path, char, times, size = arg[1], arg[2], tonumber(arg[3]), tonumber(arg[4])
local data = string.rep(char, size)
for _ = 1, times do
  local ok, err, code = fs.write_atomic(path, data)
  if not ok then
    io.write("nil\t", tostring(err), "\t", tostring(code), "\n")
    return 1
  end
end
io.write("ok\n")
return 0
