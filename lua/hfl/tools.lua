--- hfl.tools: the external programs hfl runs — where they are and which version (`hfl init`).
--- helm is required (3.x or 4.x); kubectl, kustomize and sops are optional: each is needed
--- only by the features named in its `used_for`.
local proc = require "hfl.proc"
local fs = require "hfl.fs"

local M = {}

--- Where exec finds cmd (Go's exec.LookPath): cmd itself when it has a "/" (relative to dir),
--- else the first executable file of that name on PATH; nil when there is none.
---@param cmd string
---@param dir? string  the directory a relative path is taken from (default: the cwd)
---@return string|nil path
function M.which(cmd, dir)
  if cmd:find("/", 1, true) then
    local p = fs.join(dir or fs.cwd(), cmd)
    if fs.kind(p) == "file" and fs.is_executable(p) then return p end
    return nil
  end
  for d in (os.getenv("PATH") or ""):gmatch("[^:]+") do
    local p = d .. "/" .. cmd
    if fs.kind(p) == "file" and fs.is_executable(p) then return p end
  end
end

--- The tools `hfl init` checks, in the order it prints them.
M.TOOLS = {
  { name = "helm", required = true, args = { "version", "--short" },
    used_for = "every command that renders or deploys charts",
    install = "https://helm.sh/docs/intro/install/ (or set --helm-binary / HELMFILE_HELM_BINARY)" },
  { name = "kubectl", args = { "version", "--client" },
    used_for = "kubectlApply hooks and hooks that call kubectl; kustomizations and patches when kustomize is missing",
    install = "https://kubernetes.io/docs/tasks/tools/" },
  { name = "kustomize", args = { "version" },
    used_for = "kustomization releases, strategicMergePatches and transformers (else `kubectl kustomize`)",
    install = "https://kubectl.docs.kubernetes.io/installation/kustomize/" },
  { name = "sops", args = { "--version" },
    used_for = "decrypting `secrets:` files",
    install = "https://github.com/getsops/sops/releases" },
}

-- The first x.y.z in a tool's version output.
local function version_of(text)
  return (text or ""):match("v?(%d+%.%d+%.%d+)")
end

--- Checks one tool: found or not, its path and version, and for helm whether it is 3.x or 4.x.
---@param tool table  an entry of M.TOOLS
---@param binary? string  the executable to run (default: tool.name)
---@return table result {name=, binary=, path=|nil, version=|nil, ok=boolean, problem=|nil}
function M.check(tool, binary)
  binary = binary or tool.name
  local r = { name = tool.name, binary = binary, required = tool.required, used_for = tool.used_for,
    install = tool.install, ok = false }
  r.path = M.which(binary)
  if not r.path then
    r.problem = "not found"
    return r
  end
  local argv = { r.path, timeout = 30 }
  for i, a in ipairs(tool.args) do argv[i + 1] = a end
  local res, err = proc.run(argv)
  if not res then
    r.problem = err
    return r
  end
  r.version = version_of((res.stdout or "") .. "\n" .. (res.stderr or ""))
  if not r.version then
    r.problem = ("`%s %s` printed no version"):format(binary, table.concat(tool.args, " "))
    return r
  end
  if tool.name == "helm" then
    local major = tonumber(r.version:match("^(%d+)"))
    if major < 3 then
      r.problem = ("helm v%s is too old: hfl needs helm 3.x or 4.x"):format(r.version)
      return r
    end
  end
  r.ok = true
  return r
end

--- Checks every tool of M.TOOLS.
---@param binaries? table<string, string>  the executable per tool name (e.g. helm = "helm3")
---@return table[] results  see M.check
function M.check_all(binaries)
  local out = {}
  for i, t in ipairs(M.TOOLS) do out[i] = M.check(t, binaries and binaries[t.name]) end
  return out
end

return M
