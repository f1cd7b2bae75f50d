--- The registry of hfl's commands: their names in help order and how to load them.
--- Each command lives in lua/hfl/cmd/<name>.lua ("-" → "_"; init: init_cmd.lua) and exports:
---   summary: string                      one line for `hfl --help`
---   description: string|nil              a paragraph for `hfl help CMD`
---   add_to_parser(set: hfl.cli.FlagSet)  declares its flags and positional arguments
---   run(inv: hfl.cli.Invocation): 0|integer|nil, err
local M = {}

--- Command names, in the order `hfl --help` lists them.
M.names = {
  "apply", "build", "cache", "completion", "create", "deps", "destroy", "diff", "doctor", "fetch",
  "init", "lint", "list", "print-env", "repos", "repl", "run", "show-dag", "status", "sync",
  "template", "test", "unittest", "version", "write-values", "help",
}

--- Other names of commands (Helmfile's v0 name `delete` for destroy).
M.aliases = { delete = "destroy" }

local known = {}
for _, n in ipairs(M.names) do known[n] = true end
for a in pairs(M.aliases) do known[a] = true end

--- True when `name` is a command.
---@param name string
---@return boolean
function M.exists(name)
  return known[name] == true
end

-- `init` cannot live in cmd/init.lua: that file would be the module "hfl.cmd" itself.
local MODULE = { init = "hfl.cmd.init_cmd", delete = "hfl.cmd.destroy" }

--- The command's module.
---@param name string  a name from M.names
---@return table
function M.module(name)
  return require(MODULE[name] or "hfl.cmd." .. name:gsub("-", "_"))
end

--- The command's flag set, filled by its add_to_parser.
---@param name string
---@return hfl.cli.FlagSet
function M.flags(name)
  local set = require("hfl.cli.flagset").new(name)
  M.module(name).add_to_parser(set)
  return set
end

local NOT_IMPLEMENTED = {
  __call = function(self) return nil, self.command .. " is not implemented yet" end,
}

--- A `run` for commands that a later version implements: says so and fails. It is a callable
--- table so that help can tell such a command from the rest (M.implemented).
---@param name string
---@return table
function M.not_implemented(name)
  return setmetatable({ command = name }, NOT_IMPLEMENTED)
end

--- False for a command whose `run` is M.not_implemented's.
---@param name string  a name from M.names
---@return boolean
function M.implemented(name)
  return getmetatable(M.module(name).run) ~= NOT_IMPLEMENTED
end

--- The one-line summary `hfl --help` shows, marked when the command is not there yet.
---@param name string
---@return string
function M.summary(name)
  local s = M.module(name).summary
  if M.implemented(name) then return s end
  return s .. " (not implemented yet)"
end

return M
