--- hfl.scaffold: a new helmfile project (`hfl create`) — the files Helmfile's `create` writes:
--- helmfile.yaml, environments/default.yaml and values/.gitkeep. Nothing is overwritten unless
--- force; every file is written whole (temp file + rename) or not at all.
local fs = require "hfl.fs"

local M = {}

-- Starts with settings that are safe for most clusters and shows the rest commented out, so
-- the file loads as it is and documents where things go.
M.HELMFILE = [[
# A helmfile: the Helm releases of this project and how to deploy them.
# hfl and Helmfile read it; see https://helmfile.readthedocs.io/ for every field.

# Settings every release starts from (a release may override each one).
helmDefaults:
  createNamespace: true
  wait: true
  timeout: 300

# Chart repositories the releases below take charts from.
# repositories:
#   - name: bitnami
#     url: https://charts.bitnami.com/bitnami

# Environments (`hfl -e staging apply`): each adds its own values files, read by the
# templates of this file as {{ .Values }}.
# environments:
#   default:
#     values:
#       - environments/default.yaml
#   staging:
#     values:
#       - environments/staging.yaml

# The releases to install.
# releases:
#   - name: web
#     namespace: web
#     chart: bitnami/nginx
#     version: ~18.0.0
#     values:
#       - values/web.yaml
#     # hooks run commands around a release's events:
#     # hooks:
#     #   - events: ["presync"]
#     #     command: kubectl
#     #     args: ["apply", "-f", "manifests/"]
]]

M.ENVIRONMENT = [[
# Values of the default environment: the templates of helmfile.yaml see them as {{ .Values }}.
# For example:
# replicaCount: 1
# image:
#   tag: stable
]]

--- The files of a new project, relative to its directory, in the order they are written.
M.FILES = {
  { path = "helmfile.yaml", content = M.HELMFILE },
  { path = "environments/default.yaml", content = M.ENVIRONMENT },
  { path = "values/.gitkeep", content = "" },
}

--- Checks a project NAME as Helmfile does (one directory name, not "." or "..").
---@param name string
---@return true|nil ok, string|nil err
function M.check_name(name)
  if name:find("[/\\]") then
    return nil, ("invalid project name %q: must not contain path separators"):format(name)
  end
  if name == "." or name == ".." then return nil, ("invalid project name %q"):format(name) end
  if name:match("^%s*$") then return nil, "project name must not be empty or whitespace only" end
  return true
end

-- Writes data to path whole: a temp file beside it renamed over it (force) or onto it only
-- while nothing is there (rename without replacing).
local function write_file(path, data, force)
  if force then return fs.write_atomic(path, data) end
  local tmp = ("%s.hfl-%d.tmp"):format(path, fs.pid())
  local ok, err = fs.write_atomic(tmp, data)
  if not ok then return nil, err end
  local code
  ok, err, code = fs.rename(tmp, path, true)
  if not ok then
    fs.remove(tmp)
    if code == "EEXIST" then return nil, ("%s already exists, use --force to overwrite"):format(path) end
    return nil, err
  end
  return true
end

--- Creates the project in dir (made when missing). Without opts.force, an existing file of
--- the project is an error naming every one and nothing is written.
---@param dir string
---@param opts? {force?: boolean}
---@return string[]|nil created  absolute paths, string|nil err
function M.create(dir, opts)
  local force = opts and opts.force
  local root = fs.abs(dir)
  local paths = {}
  for i, f in ipairs(M.FILES) do paths[i] = root .. "/" .. f.path end
  if not force then
    local existing = {}
    for _, p in ipairs(paths) do
      if fs.lstat(p) then existing[#existing + 1] = p end
    end
    if #existing > 0 then
      return nil, ("the following files already exist, use --force to overwrite: %s")
        :format(table.concat(existing, ", "))
    end
  end
  for _, p in ipairs(paths) do
    local ok, err = fs.mkdir_p(fs.dirname(p))
    if not ok then return nil, ("cannot create directory %s: %s"):format(fs.dirname(p), err) end
  end
  for i, f in ipairs(M.FILES) do
    local ok, err = write_file(paths[i], f.content, force)
    if not ok then return nil, err end
  end
  return paths
end

return M
