--- `hfl list`: the releases of the state file, as a table or JSON.
local clistate = require "hfl.cli.state"
local trim = require "hfl.trim"

local M = {}

M.summary = "List the releases in the state file"

--- Declares the flags of `hfl list`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:string("output", "output format: table or json", { arg = "FORMAT" })
  set:bool("skip-charts", "don't prepare charts")
  set:bool("keep-temp-dir", "keep the temporary directory")
end

local COLUMNS = { "name", "namespace", "enabled", "installed", "labels", "chart", "version" }


--- The table as Helmfile prints it (cells padded to the column width, tab-separated, trailing
--- whitespace trimmed).
function M.table(rows)
  local cells = { { "NAME", "NAMESPACE", "ENABLED", "INSTALLED", "LABELS", "CHART", "VERSION" } }
  for _, r in ipairs(rows) do
    local line = {}
    for i, c in ipairs(COLUMNS) do line[i] = tostring(r[c]) end
    cells[#cells + 1] = line
  end
  local width = {}
  for _, line in ipairs(cells) do
    for i, c in ipairs(line) do width[i] = math.max(width[i] or 0, #c) end
  end
  local out = {}
  for _, line in ipairs(cells) do
    local padded = {}
    for i, c in ipairs(line) do padded[i] = c .. (" "):rep(width[i] - #c) end
    out[#out + 1] = trim.right_blanks(table.concat(padded, "\t"))
  end
  return table.concat(out, "\n") .. "\n"
end

--- The JSON array Helmfile prints with --output json.
function M.json(rows)
  local enc = require("hfl.stdlib.json").encode
  local items = {}
  for i, r in ipairs(rows) do
    local fields = {}
    for j, c in ipairs(COLUMNS) do
      local v = r[c]
      fields[j] = ('"%s":%s'):format(c, type(v) == "boolean" and tostring(v) or enc(v))
    end
    items[i] = "{" .. table.concat(fields, ",") .. "}"
  end
  return "[" .. table.concat(items, ",") .. "]\n"
end

---@param inv hfl.cli.Invocation
function M.run(inv)
  local format = inv.options.output or ""
  if format ~= "" and format ~= "json" and format ~= "table" then
    return nil, ('unknown --output "%s": want table or json'):format(format)
  end
  local st, err, code = clistate.load(inv)
  if not st then return code, err end
  local rows
  rows, err = st:list { hooks = not inv.options.skip_charts }
  if not rows then return nil, err end
  if #rows == 0 then return clistate.no_match(st:no_match_message(), inv) end
  io.stdout:write(format == "json" and M.json(rows) or M.table(rows))
  return 0
end

return M
