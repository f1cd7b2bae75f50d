--- hfl's command line: parses argv (Helmfile's global flags anywhere, each command's own
--- flags), dispatches to lua/hfl/cmd/<name>.lua and turns the outcome into an exit code.
--- Exit codes: 0 ok; what a command returns; 1 for a returned error or a usage error;
--- 70 for a bug (a thrown error); 130/143 after SIGINT/SIGTERM.
local commands = require "hfl.cli.commands"
local flagset = require "hfl.cli.flagset"
local global = require "hfl.cli.global"
local log = require "hfl.log"
local parser = require "hfl.cli.parser"
local redact = require "hfl.redact"
local suggest = require "hfl.suggest"

local M = {}

---@class hfl.cli.Invocation
---@field command string|nil  "diff", nil for bare `hfl`
---@field args string[]       positional arguments after the command name
---@field global table        global options, keyed by long flag name with "-" → "_"
---@field options table       the command's options, keyed the same way
---@field explicit table<string, boolean>  long names of the flags given on the command line

--- os.getenv. Seam for tests.
---@param name string
---@return string|nil
function M.getenv(name) return os.getenv(name) end
--- Writes to stdout. Seam for tests.
---@param s string
function M.out(s) io.stdout:write(s) end
--- Writes to stderr. Seam for tests.
---@param s string
function M.err(s) io.stderr:write(s) end

local function _contains(list, word)
  for _, w in ipairs(list) do
    if w == word then return true end
  end
  return false
end

local function _check_args(name, set, args)
  local choices = set.arg_choices
  if choices and not args[1] then
    return ('"hfl %s" needs a subcommand: %s'):format(name, table.concat(choices, ", "))
  end
  if choices and not _contains(choices, args[1]) then
    return ('unknown command "%s" for "hfl %s"%s'):format(args[1], name,
      suggest.hint(args[1], choices))
  end
  if set.max_args and #args > set.max_args then
    return ('unexpected argument "%s" for "hfl %s"'):format(args[set.max_args + 1], name)
  end
end

--- Parses argv into an invocation, or returns nil and a one-line error.
---@param argv string[]
---@param getenv (fun(name: string): string|nil)|nil  defaults to M.getenv
---@return hfl.cli.Invocation|nil, string|nil
function M.parse(argv, getenv)
  local gset = global.flags()
  local at = parser.find_command(argv, gset, commands.exists)
  local name = at and argv[at]
  if name and not commands.exists(name) then
    return nil, ('unknown command "%s"%s'):format(name, suggest.hint(name, commands.names))
  end
  local cset = name and commands.flags(name) or flagset.new(nil)
  local g, opts = gset:defaults(), cset:defaults()
  local args, explicit = parser.parse(argv, { { set = cset, out = opts }, { set = gset, out = g } }, at,
    cset.rest_verbatim)
  if not args then return nil, explicit end
  local err = global.apply_env(gset, g, explicit, getenv or M.getenv) or global.finish(g, explicit)
  if not err and not g.help and name then err = _check_args(name, cset, args) end
  if err then return nil, err end
  return { command = name, args = args, global = g, options = opts, explicit = explicit }
end

--- Prints the help for `name` (nil: the top-level help) to stdout.
---@param name string|nil
---@return integer|nil, string|nil
function M.help(name)
  local help = require "hfl.cli.help"
  if name and not commands.exists(name) then
    return nil, ('unknown command "%s"%s'):format(name, suggest.hint(name, commands.names))
  end
  if name then
    M.out(help.command(name, commands.flags(name), global.flags()))
  else
    M.out(help.root(global.flags(), require("hfl").version))
  end
  return 0
end

--- Runs a parsed invocation; returns what the command returns (code, or nil and an error).
---@param inv hfl.cli.Invocation
---@return integer|boolean|nil, string|nil
function M.dispatch(inv)
  if inv.global.help then return M.help(inv.command ~= "help" and inv.command or nil) end
  if inv.command == "help" then return M.help(inv.args[1]) end
  if inv.global.version and not inv.command then
    return commands.module("version").run({ options = {}, global = inv.global, args = {} })
  end
  if not inv.command then return M.help(nil) end
  return commands.module(inv.command).run(inv)
end

-- The error line, with the secrets of every session of the run masked (hfl.taint).
local function _fail(msg, sessions)
  for _, s in ipairs(sessions or {}) do msg = s:mask(msg) end
  -- each error of a list starts with "hfl:" as a single one does; continuation lines do not
  M.err(require("hfl.errlist").prefixed(redact.text(msg), log.paint("hfl:", "red") .. " ") .. "\n")
end

-- After SIGINT/SIGTERM every task still running fails with "interrupted": one line says it.
local function _interruption()
  local proc = package.loaded["hfl.proc"]
  local sig = type(proc) == "table" and proc.interrupted and proc.interrupted()
  return sig and ("interrupted by %s"):format(sig) or nil
end

local function _exit_code(result, err, sessions)
  if type(result) == "number" then return result end
  if err ~= nil and not result then
    _fail(_interruption() or tostring(err), sessions)
    return 1
  end
  return result == false and 1 or 0
end

--- Parses, sets up logging and runs the command; returns the exit code. Raises on bugs.
--- Every Session the command makes (hfl.cli.state.session) is added to `sessions`, for the
--- caller to close whatever happens.
---@param argv string[]
---@param sessions? hfl.Session[]
---@return integer
function M.run(argv, sessions)
  local inv, err = M.parse(argv)
  if not inv then return _exit_code(nil, err) end
  inv.sessions = sessions
  log.setup({ level = inv.global.log_level, color_mode = inv.global.color_mode })
  local result, derr = M.dispatch(inv)
  return _exit_code(result, derr, sessions)
end

local SIGNAL_EXIT = { SIGINT = 130, SIGTERM = 143 }

--- The exit code for a SIGINT/SIGTERM seen during the run (130/143), or nil. Asks hfl.proc,
--- which traps those signals while children run and forwards them: its `exit_code()`, else
--- its `interrupted()` (name and/or number). A run that never loaded hfl.proc started no
--- child and trapped no signal (the default action ended it), so it is not asked.
---@return integer|nil
function M.interrupted()
  local proc = package.loaded["hfl.proc"]
  if type(proc) ~= "table" then return nil end
  if type(proc.exit_code) == "function" then return proc.exit_code() end
  if type(proc.interrupted) ~= "function" then return nil end
  local sig, num = proc.interrupted()
  if type(num) == "number" then return 128 + num end
  if type(sig) == "number" then return 128 + sig end
  if sig then return SIGNAL_EXIT[sig] or 130 end
end

local function _debug_requested(argv)
  for _, a in ipairs(argv) do
    if a == "--" then break end
    if a == "--debug" or a == "--debug=true" then return true end
  end
  return M.getenv("HELMFILE_DEBUG") == "true"
end

--- Entry point called by c/main.c with argv (without argv[0]); returns the exit code.
--- The one xpcall of hfl: a thrown error is a bug, reported as such with exit code 70.
---@param argv string[]
---@return integer
function M.main(argv)
  -- A run is one short process building many small tables: the collector starting a cycle
  -- when the heap has grown 4x instead of 2x saves about a tenth of the CPU time of `hfl list`
  -- on bench/state.lua's state, for about 6 MB more at the peak.
  collectgarbage("setpause", 400)
  local trace = _debug_requested(argv)
  local sessions = {}
  local ok, code = xpcall(M.run, function(e)
    return { msg = tostring(e), traceback = debug.traceback("", 2) }
  end, argv, sessions)
  -- temp files go on every way out: success, error, bug, SIGINT/SIGTERM
  for _, s in ipairs(sessions) do s:close() end
  local sig = M.interrupted()
  io.stdout:flush()
  if sig then return sig end
  if ok then return code end
  if type(code) ~= "table" then
    -- LuaJIT calls no handler for a memory error: the message comes back as it is
    _fail(("%s: the input is too large for hfl to hold in memory"):format(tostring(code)), sessions)
    return 1
  end
  if trace then
    _fail(("internal error: %s (please report this)\n%s"):format(code.msg, code.traceback), sessions)
  else
    _fail(("internal error: %s (please report this; run with --debug for a traceback)")
      :format(code.msg), sessions)
  end
  return 70
end

return M
