--- `hfl repl`: the rendered state as live Lua tables (the prompt itself is hfl.repl).
local cli_state = require "hfl.cli.state"

local M = {}

M.summary = "Explore the rendered state in a Lua REPL"
M.description = [[
Starts a LuaJIT prompt with `state` (the state loaded with the global flags -f, -e, -l,
--state-values-set, …), `releases` (its selected releases), `values` (the environment's
values) and `hfl` (the Lua API). Results are pretty-printed; `:yaml(x)` shows YAML, `:reload`
reads the files again, `:help` lists the rest. On a terminal it has line editing, a history
($XDG_STATE_HOME/hfl/repl_history) and tab completion; with stdin not a terminal it runs the
statements it reads line by line, reporting an error and going on with the next.]]

--- `hfl repl` has no flags of its own: -f, -e and -l are the global ones.
function M.add_to_parser() end

local function report(msg)
  io.stderr:write("error: ", msg, "\n")
  io.stderr:flush()
end

local function write(s)
  io.stdout:write(s)
  io.stdout:flush()
end

--- Loads the state of the global flags and runs the REPL until the input ends.
---@param inv hfl.cli.Invocation
---@return integer|nil code, string? err
function M.run(inv)
  local st, err, code = cli_state.load(inv)
  if not st then
    if code then return code end
    return nil, err
  end
  local function load()
    local again, lerr = cli_state.load(inv)
    return again, lerr or (not again and ("environment %q is not defined"):format(st.environment)) or nil
  end
  local fs, lineedit, repl = require "hfl.fs", require "hfl.lineedit", require "hfl.repl"
  local r, editor
  if fs.isatty(0) and fs.isatty(1) then
    local eerr
    editor, eerr = lineedit.new { history = lineedit.history_path(),
      complete = function(before) return r:complete(before) end }
    if not editor then io.stderr:write("hfl: ", eerr, "; reading plain lines\n") end
  end
  r = repl.new { load = load, write = write, error = report,
    guard = editor and function(f, ...) return editor:interruptible(f, ...) end }
  local ok, berr = r:bind(st)
  if not ok then return nil, berr end
  if not fs.isatty(0) then
    r:run_lines(io.stdin)
    return 0
  end
  r:run_terminal(editor, io.stdin)
  if editor then editor:close() end
  return 0
end

return M
