-- A stand-in for the hfl CLI in the signal-forwarding specs:
--   luajit forward.lua MARKFILE [ignore] [grace]
-- starts trap.sh, prints "ready" once the child is ready, waits for it, and exits the way
-- the CLI does after an interrupt: 128 + the signal (130, 143), else the child's code.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../../../?.lua;" .. package.path
require "hfl"
local proc = require "hfl.proc"

local mark, mode, grace = arg[1], arg[2] or "", tonumber(arg[3])
if grace then proc.set_interrupt_grace(grace) end
local h = assert(proc.spawn{ "sh", here .. "/trap.sh", mark, mode, on_stdout = function(line)
  if line == "ready" then
    io.stdout:write("ready\n")
    io.stdout:flush()
  end
end })
local r = h:wait()
io.stdout:write(("child code=%s signal=%s\n"):format(tostring(r.code), tostring(r.signal)))
local again, err = proc.run{ "true" }
io.stdout:write(("after: %s\n"):format(again and "ran" or err))
io.stdout:flush()
os.exit(proc.exit_code() or r.code or 1)
