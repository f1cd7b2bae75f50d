--- Usage text for `hfl --help`, `hfl help CMD` and `hfl CMD --help`.
local commands = require "hfl.cli.commands"

local M = {}

local LABEL_MAX = 36

local function _flag_label(f)
  local label = (f.short and "-" .. f.short .. ", " or "    ") .. "--" .. f.long
  if f.implicit then return label .. "[=" .. f.arg .. "]" end
  if f.arg then return label .. " " .. f.arg end
  return label
end

local function _flag_desc(f)
  local d = f.desc
  if f.kind == "list" and not d:find("repeat", 1, true) then d = d .. " (repeatable)" end
  if f.kind == "string" and f.default then return ('%s (default "%s")'):format(d, f.default) end
  if (f.kind == "int" and f.default and f.default ~= 0) or f.default == true then
    return ("%s (default %s)"):format(d, tostring(f.default))
  end
  return d
end

--- Lines listing `set`'s flags, one per flag, descriptions aligned; a label too long for the
--- column gets its description on the next line.
---@param set hfl.cli.FlagSet
---@return string[]
function M.flag_lines(set)
  local width = 0
  for _, f in ipairs(set.flags) do
    local n = #_flag_label(f)
    if n <= LABEL_MAX then width = math.max(width, n) end
  end
  local lines, fmt = {}, "  %-" .. width .. "s   %s"
  for _, f in ipairs(set.flags) do
    local label = _flag_label(f)
    if #label > width then
      lines[#lines + 1] = "  " .. label
      label = ""
    end
    lines[#lines + 1] = fmt:format(label, _flag_desc(f))
  end
  return lines
end

local function _command_lines()
  local lines = {}
  for _, name in ipairs(commands.names) do
    lines[#lines + 1] = ("  %-14s %s"):format(name, commands.summary(name))
  end
  return lines
end

--- The top-level help: commands and global flags.
---@param global hfl.cli.FlagSet
---@param version string
---@return string
function M.root(global, version)
  local out = {
    "hfl " .. version .. " — deploy many Helm charts at once; runs Helmfile's helmfile.yaml.",
    "",
    "Usage:",
    "  hfl [global flags] COMMAND [flags]",
    "",
    "Commands:",
  }
  for _, l in ipairs(_command_lines()) do out[#out + 1] = l end
  out[#out + 1] = ""
  out[#out + 1] = "Global flags (before or after the command):"
  for _, l in ipairs(M.flag_lines(global)) do out[#out + 1] = l end
  out[#out + 1] = ""
  out[#out + 1] = 'Run "hfl help COMMAND" or "hfl COMMAND --help" for a command\'s own flags.'
  return table.concat(out, "\n") .. "\n"
end

--- Help for one command: usage, description, its flags and the global flags.
---@param name string
---@param set hfl.cli.FlagSet  the command's flags
---@param global hfl.cli.FlagSet
---@return string
function M.command(name, set, global)
  local mod = commands.module(name)
  local usage = "  hfl " .. name .. " [flags]"
  if set.usage_args ~= "" then usage = usage .. " " .. set.usage_args end
  local out = { mod.description or mod.summary, "", "Usage:", usage, "" }
  if not commands.implemented(name) then
    table.insert(out, 2, "")
    table.insert(out, 3, "Not implemented yet: hfl " .. name .. " exits 1 saying so.")
  end
  if #set.flags > 0 then
    out[#out + 1] = "Flags:"
    for _, l in ipairs(M.flag_lines(set)) do out[#out + 1] = l end
    out[#out + 1] = ""
  end
  out[#out + 1] = "Global flags:"
  for _, l in ipairs(M.flag_lines(global)) do out[#out + 1] = l end
  return table.concat(out, "\n") .. "\n"
end

return M
