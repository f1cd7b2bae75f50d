--- `hfl init`: checks helm (required, 3.x or 4.x) and the optional tools (kubectl, kustomize,
--- sops) and says what is found, what is missing and how to get it. Unlike Helmfile's init it
--- installs nothing: hfl runs no helm plugin, so there are none to install.
local tools = require "hfl.tools"

local M = {}

M.summary = "Check that helm is installed and recent enough"

M.description = "Checks helm (required: 3.x or 4.x) and the optional tools kubectl, kustomize "
  .. "and sops; prints what it found, what is missing and how to get it. Installs nothing. "
  .. "Exits 1 when helm is missing or too old."

M.PLUGINS_NOTE = "helm plugins: none needed — hfl decrypts secrets with sops and fetches git "
  .. "charts itself, so it installs no helm-diff, helm-secrets, helm-s3 or helm-git (Helmfile's init does)"

--- Declares the flags of `hfl init`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:bool("force", "accepted for Helmfile compatibility; hfl init installs nothing")
end

--- The report `hfl init` prints for check results (hfl.tools.check_all).
---@param results table[]
---@return string text, boolean ok  ok: every required tool is usable
function M.report(results)
  local lines, ok = {}, true
  for _, r in ipairs(results) do
    local kind = r.required and "required" or "optional"
    if r.ok then
      lines[#lines + 1] = ("%-10s v%s (%s)"):format(r.name, r.version, r.path)
    else
      if r.required then ok = false end
      lines[#lines + 1] = ("%-10s %s: %s, needed for %s; get it from %s"):format(r.name,
        r.problem == "not found" and ("missing (" .. kind .. ")") or ("unusable (" .. kind .. ")"),
        r.problem == "not found" and (r.binary:find("/", 1, true) and ("%q is not an executable file")
          or ("%q is not on PATH")):format(r.binary) or r.problem,
        r.used_for, r.install)
    end
  end
  lines[#lines + 1] = M.PLUGINS_NOTE
  return table.concat(lines, "\n") .. "\n", ok
end

---@param inv hfl.cli.Invocation
function M.run(inv)
  local g = inv.global or {}
  local helm = (g.helm_binary and g.helm_binary ~= "") and g.helm_binary or "helm"
  local text, ok = M.report(tools.check_all { helm = helm, kubectl = os.getenv("HFL_KUBECTL") })
  io.stdout:write(text)
  if not ok then
    return nil, "helm 3.x or 4.x is required: install it (https://helm.sh/docs/intro/install/) "
      .. "or point --helm-binary / HELMFILE_HELM_BINARY at it"
  end
  return 0
end

return M
