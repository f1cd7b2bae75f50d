--- `hfl version`: prints hfl's version, as text, JSON, YAML or the bare number.
local M = {}

M.summary = "Print the version of hfl"
M.description = "Print the version of hfl, the git commit it was built from (\"unknown\" for a\n" ..
  "build outside a git checkout), the LuaJIT it runs on and the platform.\n" ..
  "With -o short only the version number; with -o json or -o yaml a document."

--- Declares `-o/--output`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:string("output", "output format: json, yaml or short (default: text)",
    { short = "o", arg = "FORMAT", choices = { "json", "yaml", "short" } })
end

--- The facts printed, in order: {key, label, value}.
---@return table[]
function M.facts()
  local jit = require "jit"
  return {
    { "version", "Version", require("hfl").version },
    { "gitCommit", "Commit", require("hfl.build").git_commit() },
    { "luajitVersion", "LuaJIT", jit.version },
    { "platform", "Platform", jit.os:lower() .. "/" .. jit.arch },
  }
end

local function _json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return ({ ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n" })[c] or ("\\u%04x"):format(c:byte())
  end) .. '"'
end

--- Renders the facts in `format` (nil for text).
---@param format string|nil
---@return string
function M.render(format)
  local facts, lines = M.facts(), {}
  if format == "short" then return facts[1][3] .. "\n" end
  for i, f in ipairs(facts) do
    if format == "json" then
      lines[i] = ("  %s: %s%s"):format(_json_string(f[1]), _json_string(f[3]), i < #facts and "," or "")
    elseif format == "yaml" then
      lines[i] = ("%s: %s"):format(f[1], _json_string(f[3]))
    else
      lines[i] = ("  %-9s %s"):format(f[2], f[3])
    end
  end
  if format == "json" then return "{\n" .. table.concat(lines, "\n") .. "\n}\n" end
  if format == "yaml" then return table.concat(lines, "\n") .. "\n" end
  return "hfl version " .. facts[1][3] .. "\n" .. table.concat(lines, "\n", 2) .. "\n"
end

--- Prints the version to stdout.
---@param inv hfl.cli.Invocation
---@return integer
function M.run(inv)
  io.stdout:write(M.render(inv.options.output))
  return 0
end

return M
