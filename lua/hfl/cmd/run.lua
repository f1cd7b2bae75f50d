--- `hfl run`: run a Lua workflow script with the hfl API at hand.
local cli_state = require "hfl.cli.state"

local M = {}

M.summary = "Run a Lua workflow script"
M.description = [[
Runs SCRIPT as a Lua chunk. Inside it `hfl` (also `require "hfl"`) is the Lua API (hfl.load,
hfl.yaml, hfl.proc, hfl.value, …), `arg` holds the script's arguments (arg[0] is SCRIPT), and
`...` too. Everything after SCRIPT belongs to the script, flags included: `hfl run flow.lua -e
prod` gives the script "-e" and "prod". Global flags before SCRIPT (`hfl -e prod -l tier=db run
flow.lua`) are the defaults of the script's hfl.load: file, environment, selectors, namespace,
kube context, state values, helm binary, concurrency; what the script passes to hfl.load wins.
The script's return value is the exit code when it is a number; an error raised by the
script is reported as one line (file:line: message) with exit code 1.]]

--- Declares the flags of `hfl run`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:positional("SCRIPT [ARG...]", nil, nil, true)
end

local function script_error(err)
  if type(err) ~= "string" then err = tostring(err) end
  return err
end

-- The hfl API the script sees: hfl.load takes its defaults from the global flags of `inv`.
local function script_api(inv)
  local real = require "hfl"
  local api = setmetatable({}, { __index = real })
  api.load = function(opts)
    if opts == nil then opts = {} elseif type(opts) == "string" then opts = { file = opts } end
    if type(opts) ~= "table" then return real.load(opts) end
    local g = setmetatable({ kube_context = opts.kube_context }, { __index = inv.global })
    local merged = cli_state.load_options(setmetatable({ global = g }, { __index = inv }))
    for k, v in pairs(opts) do merged[k] = v end
    return real.load(merged)
  end
  return api
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
  -- the script owns the process from here: its `hfl` and `require "hfl"` are the same API
  local api = script_api(inv)
  _G.hfl, package.loaded.hfl = api, api
  local results = { xpcall(chunk, script_error, unpack(script_args, 1, #script_args)) }
  if not results[1] then
    return nil, results[2]
  end
  local code = results[2]
  return type(code) == "number" and code or 0
end

return M
