--- `hfl run`: run a Lua workflow script with the hfl API at hand.
local M = {}

M.summary = "Run a Lua workflow script"
M.description = [[
Runs SCRIPT as a Lua chunk. Inside it `require "hfl"` is the Lua API (hfl.yaml, hfl.proc,
hfl.value, …), `arg` holds the script's arguments (arg[0] is SCRIPT), and `...` too.
The script's return value is the exit code when it is a number; an error raised by the
script is reported as one line (file:line: message) with exit code 1.]]

--- Declares the flags of `hfl run`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:positional("SCRIPT [ARG...]", nil)
end

local function script_error(err)
  if type(err) ~= "string" then err = tostring(err) end
  return err
end

--- Runs the script named by the first positional argument.
---@param inv hfl.cli.Invocation
---@return integer|nil code, string? err
function M.run(inv)
  local path = inv.args[1]
  if not path then
    return nil, "run: missing SCRIPT (usage: hfl run SCRIPT [ARG...])"
  end
  local chunk, err = loadfile(path)
  if not chunk then
    return nil, err
  end
  local script_args = { [0] = path }
  for i = 2, #inv.args do script_args[i - 1] = inv.args[i] end
  _G.arg = script_args
  local results = { xpcall(chunk, script_error, unpack(script_args, 1, #script_args)) }
  if not results[1] then
    return nil, results[2]
  end
  local code = results[2]
  return type(code) == "number" and code or 0
end

return M
