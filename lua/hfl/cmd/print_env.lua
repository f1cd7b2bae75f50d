--- `hfl print-env`: the rendered environment of each state file (Helmfile's print-env): YAML
--- documents joined by `---`, or with --output json a JSON array. Never fails because no release
--- matched: it is about environments.
local clistate = require "hfl.cli.state"
local yaml = require "hfl.yaml"
local log = require "hfl.log"

local M = {}

M.summary = "Print the rendered environment values"

--- Declares the flags of `hfl print-env`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:string("output", "output format: yaml or json",
    { arg = "FORMAT", default = "yaml", choices = { "yaml", "json" } })
end

--- The YAML documents, as Helmfile prints them (go-yaml, keys sorted, `---` between).
---@param envs table[]  State:environments()
---@return string|nil text, string|nil err
function M.yaml(envs)
  local out = {}
  for i, e in ipairs(envs) do
    local text, err = yaml.encode(e)
    if not text then return nil, err end
    out[i] = text
  end
  return table.concat(out, "---\n")
end

--- The JSON array, as Helmfile prints it (each document MarshalIndent'ed with prefix and
--- indent "  ", keys sorted, HTML-safe escapes).
---@param envs table[]
---@return string text
function M.json(envs)
  local enc = require("hfl.stdlib.json").encode
  local docs = {}
  for i, e in ipairs(envs) do
    docs[i] = "  " .. enc(e, { indent = "  " }):gsub("\n", "\n  ")
  end
  return "[\n" .. table.concat(docs, ",\n") .. "\n]\n"
end

---@param inv hfl.cli.Invocation
function M.run(inv)
  local format = inv.options.output or "yaml"
  if format ~= "yaml" and format ~= "json" then
    return nil, ('unknown --output "%s": want yaml or json'):format(format)
  end
  local opts = clistate.load_options(inv)
  local st, err, why = require("hfl.state").load(opts)
  local envs = {}
  if st then
    envs = st:environments()
  elseif why and why.undefined_environment then
    -- Helmfile skips the states that lack the environment and prints what is left: nothing
    for _, sk in ipairs(why.skipped) do log.warn("%s (skipping this state file)", sk.error) end
  else
    return nil, err
  end
  if format == "json" then
    io.stdout:write(M.json(envs))
  else
    local text
    text, err = M.yaml(envs)
    if not text then return nil, err end
    io.stdout:write(text)
  end
  return 0
end

return M
