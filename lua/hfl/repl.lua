--- hfl.repl: the Lua prompt of `hfl repl`. Each input is tried as an expression first
--- (`return <input>`, as LuaJIT's own REPL does), then as statements; an input that ends too
--- early (a '<eof>' syntax error) waits for more lines. Results are shown by hfl.repl.pretty.
--- Globals assigned at the prompt live in the REPL's environment, beside `state`, `releases`,
--- `values` and `hfl`. Lines starting with `:` are the REPL's commands (:help, :yaml, :reload,
--- :quit).
--
--   local r = repl.new{ load = function() return hfl.load{…} end, write = io.write,
--                       error = function(msg) io.stderr:write(msg, "\n") end }
--   r:reload()
--   r:feed("#releases")   --> "done"; writes "2\n"
local pretty = require "hfl.repl.pretty"
local complete = require "hfl.repl.complete"

local M = {}

--- The commands, without their colon, as :help lists them.
M.COMMANDS = { "help", "quit", "reload", "yaml" }

M.HELP = [[
Lua (LuaJIT) with the loaded state at hand:
  state        the State (state:select("tier=web"), state:releases(), state:plan(), …)
  releases     its selected releases (releases[1].name, releases[1]:values())
  values       the environment's values
  hfl          the Lua API (hfl.yaml, hfl.value, hfl.load, …)
Type an expression to see its value, or statements to run them; globals you assign stay.
  :yaml(expr)  show a value as YAML (also :yaml expr)
  :reload      read the state files again (after editing them)
  :help        this text
  :quit        leave (also Ctrl-D)
Tab completes globals, fields (releases[1].) and methods (state:); Ctrl-C clears the line
or stops the statement running.]]

local Repl = {}
Repl.__index = Repl

--- A REPL session.
--- `guard(f, ...)` runs each evaluation (e.g. hfl.lineedit's Editor:interruptible, so Ctrl-C
--- stops it); by default it just calls.
---@param opts {load: fun(): table|nil, string|nil, write: fun(s: string), error: fun(msg: string),
---   hfl?: table, guard?: fun(f: function, ...): ...}
---@return table
function M.new(opts)
  local hfl = opts.hfl or require "hfl"
  local env = setmetatable({ hfl = hfl }, { __index = _G })
  local guard = opts.guard or function(f, ...) return f(...) end
  return setmetatable({ load = opts.load, write = opts.write, report = opts.error, env = env,
    guard = guard, pending = nil }, Repl)
end

-- The environment's values of the state (its first file's, after merging environments).
local function environment_values(st)
  local first = st.states[1]
  return first and first.values or require("hfl.value").map()
end

--- (Re)loads the state and rebinds `state`, `releases` and `values`. On failure the previous
--- bindings stay.
---@return table|nil st, string|nil err
function Repl:reload()
  local st, err = self.load()
  if not st then return nil, err end
  return self:bind(st)
end

--- Binds `state`, `releases` (its selected releases) and `values` to a loaded state.
---@param st table  a State
---@return table|nil st, string|nil err
function Repl:bind(st)
  local rels, err = st:select()
  if not rels then return nil, err end
  self.env.state, self.env.releases, self.env.values = st, rels, environment_values(st)
  return st
end

--- The message of an error value, one line's worth: a string as it is, anything else shown.
local function message(err)
  if type(err) == "string" then return err end
  return pretty.show(err)
end

local function traceless(err)
  return message(err)
end

--- Runs a compiled chunk; shows its results, or reports its error.
function Repl:_run(chunk)
  setfenv(chunk, self.env)
  local results = { self.guard(xpcall, chunk, traceless) }
  local n = table.maxn(results)
  if not results[1] then
    self.report(results[2])
    return
  end
  if n <= 1 then return end
  local shown = {}
  for i = 2, n do shown[#shown + 1] = pretty.show(results[i]) end
  self.write(table.concat(shown, "\t") .. "\n")
end

-- LuaJIT's REPL rule: a syntax error at the end of the input means the input is unfinished.
local function incomplete(err)
  return err ~= nil and err:sub(-7) == "'<eof>'"
end

--- Compiles an input: as an expression if it is one, else as statements. Returns the chunk,
--- or nil and the syntax error (nil, nil when the input is unfinished).
local function compile(source)
  local chunk, expr_err = loadstring("return " .. source, "=stdin")
  if chunk then return chunk end
  local err
  chunk, err = loadstring(source, "=stdin")
  if chunk then return chunk end
  if incomplete(err) or incomplete(expr_err) then return nil, nil end
  return nil, err
end

--- Evaluates an expression for a command; the value, or nil and an error.
function Repl:_value(source)
  local chunk, err = loadstring("return " .. source, "=stdin")
  if not chunk then return nil, err end
  setfenv(chunk, self.env)
  local ok, v = self.guard(xpcall, chunk, traceless)
  if not ok then return nil, v end
  return true, v
end

function Repl:_yaml(arg)
  local expr = arg:match("^%s*%((.*)%)%s*$") or arg
  if expr:match("^%s*$") then return self.report(":yaml: want a value, e.g. :yaml(values)") end
  local ok, v = self:_value(expr)
  if not ok then return self.report(v) end
  local text, err = self.env.hfl.yaml.encode(pretty.plain(v))
  if not text then return self.report(":yaml: " .. tostring(err)) end
  self.write(text)
end

function Repl:_command(name, arg)
  if name == "help" then
    self.write(M.HELP .. "\n")
  elseif name == "yaml" then
    self:_yaml(arg)
  elseif name == "reload" then
    local st, err = self:reload()
    if not st then return self.report(err) end
    self.write(("reloaded: %d release(s), environment %q\n"):format(#self.env.releases, st.environment))
  elseif name == "quit" then
    return "quit"
  else
    self.report(("unknown command :%s (:help lists them)"):format(name))
  end
end

--- Feeds one line of input. Returns "more" when the input so far is an unfinished chunk,
--- "quit" after :quit, else "done".
---@param line string
---@return "done"|"more"|"quit"
function Repl:feed(line)
  if not self.pending then
    local name, arg = line:match("^%s*:(%a+)(.*)$")
    if name then return self:_command(name, arg) or "done" end
    if line:match("^%s*$") then return "done" end
  end
  local source = self.pending and (self.pending .. "\n" .. line) or line
  local chunk, err = compile(source)
  if not chunk and not err then
    self.pending = source
    return "more"
  end
  self.pending = nil
  if chunk then self:_run(chunk) else self.report(err) end
  return "done"
end

--- Ends the input: an unfinished chunk is reported as the syntax error it is.
function Repl:finish()
  if not self.pending then return end
  local _, err = loadstring(self.pending, "=stdin")
  self.pending = nil
  self.report(err)
end

--- Drops an unfinished chunk (Ctrl-C).
function Repl:cancel()
  self.pending = nil
end

--- Completion for the line editor: the text to insert and the candidates to list.
---@param before string
---@return string, string[]|nil
function Repl:complete(before)
  return complete.complete(before, self.env, M.COMMANDS)
end

--- Reads statements line by line from a file (stdin when not a terminal) until its end or
--- :quit, showing results; an error is reported and the next statement still runs.
---@param input file*
function Repl:run_lines(input)
  for line in input:lines() do
    if self:feed(line) == "quit" then return end
  end
  self:finish()
end

--- The interactive loop on a line editor (hfl.lineedit) or, without one, plain prompts.
---@param editor table|nil  from hfl.lineedit.new
---@param input file*  read when there is no editor
function Repl:run_terminal(editor, input)
  self.write(("hfl %s REPL (%s) — :help for help, Ctrl-D to leave\n"):format(self.env.hfl.version, jit and jit.version or _VERSION))
  local history_failed = false
  while true do
    local prompt = self.pending and ">> " or "hfl> "
    local line
    if editor then
      line = editor:read(prompt)
    else
      self.write(prompt)
      line = input:read("*l")
    end
    if line == nil then
      self.write("\n")
      return
    end
    if line == false then
      self:cancel()
    else
      if editor and line:match("%S") then
        local ok, err = editor:add(line)
        if not ok and not history_failed then
          history_failed = true
          self.report(err .. " (the history is not kept)")
        end
      end
      if self:feed(line) == "quit" then return end
    end
  end
end

return M
