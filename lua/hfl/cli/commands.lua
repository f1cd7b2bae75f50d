--- The registry of hfl's commands: their names in help order and how to load them.
--- Each command lives in lua/hfl/cmd/<name>.lua ("-" → "_"; init: init_cmd.lua) and exports:
---   summary: string                      one line for `hfl --help`
---   description: string|nil              a paragraph for `hfl help CMD`
---   add_to_parser(set: hfl.cli.FlagSet)  declares its flags and positional arguments
---   run(inv: hfl.cli.Invocation): 0|integer|nil, err
local M = {}

--- Command names, in the order `hfl --help` lists them.
M.names = {
  "apply", "build", "cache", "create", "deps", "destroy", "diff", "doctor", "fetch", "init",
  "lint", "list", "print-env", "repos", "repl", "run", "show-dag", "status", "sync",
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

--- A `run` for commands that a later version implements: says so and fails.
---@param name string
---@return fun(): nil, string
function M.not_implemented(name)
  return function()
    return nil, name .. " is not implemented yet"
  end
end

return M
