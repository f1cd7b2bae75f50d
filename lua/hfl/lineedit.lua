--- hfl.lineedit: reading lines from a terminal with editing, history and completion (libedit,
--- through hfl.core.edit). That module is optional at build time: M.available() says whether
--- this build has it.
--
--   local ed = assert(lineedit.new{ history = path, complete = function(before) … end })
--   local line = ed:read("hfl> ")   -- string; nil at end of input; false after Ctrl-C
local fs = require "hfl.fs"

local M = {}

--- True when this build has line editing (hfl.core.edit was built: libedit was installed).
---@return boolean
function M.available()
  if package.loaded["hfl.core.edit"] then return true end
  for _, searcher in ipairs(package.loaders) do
    if type(searcher("hfl.core.edit")) == "function" then return true end
  end
  return false
end

--- Where the REPL keeps its history: $XDG_STATE_HOME/hfl/repl_history, else
--- ~/.local/state/hfl/repl_history; nil when neither variable is set.
---@param getenv? fun(name: string): string|nil
---@return string|nil
function M.history_path(getenv)
  getenv = getenv or os.getenv
  local state = getenv("XDG_STATE_HOME")
  if not state or state == "" then
    local home = getenv("HOME")
    if not home or home == "" then return nil end
    state = home .. "/.local/state"
  end
  return state .. "/hfl/repl_history"
end

local Editor = {}
Editor.__index = Editor

--- A line editor on the terminal. `history`: a file read now and rewritten (mode 0600) after
--- every line added; `complete(before)`: the text to insert and the candidates to list.
---@param opts {history?: string, complete?: fun(before: string): string, string[]|nil}
---@return table|nil editor, string|nil err
function M.new(opts)
  if not M.available() then return nil, "this hfl was built without line editing (libedit)" end
  local ed, err = require("hfl.core.edit").new(opts.complete)
  if not ed then return nil, err end
  local self = setmetatable({ ed = ed, history = opts.history }, Editor)
  if self.history and fs.exists(self.history) then ed:load(self.history) end
  return self
end

--- Reads a line: the text, nil at end of input (Ctrl-D), false when Ctrl-C abandoned it.
---@param prompt string
---@return string|false|nil
function Editor:read(prompt)
  return self.ed:read(prompt)
end

--- Adds a line to the history and saves the history file.
---@param line string
---@return boolean|nil ok, string|nil err
function Editor:add(line)
  self.ed:add(line)
  if not self.history then return true end
  local ok, err = fs.mkdir_p(fs.dirname(self.history))
  if not ok then return nil, err end
  return self.ed:save(self.history)
end

--- Runs fn(...) so that Ctrl-C raises "interrupted" in it (a second Ctrl-C, for a loop that
--- runs compiled and so cannot be stopped, ends hfl). Returns what fn returns.
---@param fn function
---@return any ...
function Editor:interruptible(fn, ...)
  self.ed:interruptible(true)
  local results = { pcall(fn, ...) }
  self.ed:interruptible(false)
  if not results[1] then error(results[2], 0) end
  return unpack(results, 2, table.maxn(results))
end

--- Gives the terminal back.
function Editor:close()
  self.ed:close()
end

return M
