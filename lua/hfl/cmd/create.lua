--- `hfl create [NAME]`: a new helmfile project (hfl.scaffold) in NAME, --output-dir or the
--- current directory.
local scaffold = require "hfl.scaffold"
local log = require "hfl.log"

local M = {}

M.summary = "Create a new helmfile project"

M.description = "Writes helmfile.yaml, environments/default.yaml and values/.gitkeep into NAME "
  .. "(or --output-dir DIR, or the current directory). Existing files are left alone unless --force."

--- Declares the flags of `hfl create`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:positional("[NAME]", 1)
  set:string("output-dir", "create the project in DIR (default: NAME, else the current directory)",
    { short = "o", arg = "DIR" })
  set:bool("force", "overwrite existing files")
end

---@param inv hfl.cli.Invocation
function M.run(inv)
  local name = inv.args[1]
  if name then
    local ok, err = scaffold.check_name(name)
    if not ok then return nil, err end
  end
  local dir = inv.options.output_dir
  if dir == nil or dir == "" then dir = name or "." end
  local created, err = scaffold.create(dir, { force = inv.options.force })
  if not created then return nil, err end
  for _, p in ipairs(created) do log.info("created %s", p) end
  local root = created[1]:match("^(.*)/[^/]*$")
  log.info("\nhelmfile project created in %s\n\nNext steps:\n  cd %s\n  # add your releases to helmfile.yaml\n  hfl apply",
    root, root)
  return 0
end

return M
