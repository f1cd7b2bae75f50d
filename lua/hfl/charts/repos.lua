--- `repos`: the state's chart repositories added to helm, as Helmfile does it (`helm repo add
--- --force-update`, `helm registry login` for OCI ones with credentials). hfl itself never
--- needs this: it reads index.yaml files and registries directly.
local repo = require "hfl.charts.repo"
local proc = require "hfl.proc"
local redact = require "hfl.redact"
local trim = require "hfl.trim"

local M = {}

--- The helm command lines (argv, stdin) that add one repository, as Helmfile runs them.
---@param spec table  from hfl.charts.repo.spec
---@param helm string
---@return table[] calls {argv=, stdin=}
function M.calls(spec, helm)
  if spec.managed and spec.managed ~= "" then
    if spec.managed ~= "acr" then return nil, "repository " .. spec.name .. ": managed: " .. spec.managed .. " is not supported (only acr)" end
    return { { argv = { "az", "acr", "helm", "repo", "add", "--name", spec.name } } }
  end
  if spec.oci then
    if not (spec.username and spec.password) then return {} end
    local host = spec.url:gsub("^%a[%w+.-]*://", ""):match("^([^/]+)")
    local argv = { helm, "registry", "login", host }
    if not spec.plain_http then
      if spec.cert_file then argv[#argv + 1] = "--cert-file"; argv[#argv + 1] = spec.cert_file end
      if spec.key_file then argv[#argv + 1] = "--key-file"; argv[#argv + 1] = spec.key_file end
      if spec.ca_file then argv[#argv + 1] = "--ca-file"; argv[#argv + 1] = spec.ca_file end
      if spec.insecure then argv[#argv + 1] = "--insecure" end
    end
    for _, a in ipairs { "--username", spec.username, "--password-stdin" } do argv[#argv + 1] = a end
    return { { argv = argv, stdin = spec.password, env = { HELM_EXPERIMENTAL_OCI = "1" } } }
  end
  local argv = { helm, "repo", "add", spec.name, spec.url, "--force-update" }
  if spec.cert_file and spec.key_file then
    for _, a in ipairs { "--cert-file", spec.cert_file, "--key-file", spec.key_file } do argv[#argv + 1] = a end
  end
  if spec.ca_file then argv[#argv + 1] = "--ca-file"; argv[#argv + 1] = spec.ca_file end
  if spec.pass_credentials then argv[#argv + 1] = "--pass-credentials" end
  if spec.insecure then argv[#argv + 1] = "--insecure-skip-tls-verify" end
  local stdin
  if spec.username and spec.password then
    for _, a in ipairs { "--username", spec.username, "--password-stdin" } do argv[#argv + 1] = a end
    stdin = spec.password
  end
  return { { argv = argv, stdin = stdin } }
end

local function run_call(spec, c)
  local argv = { unpack(c.argv) }
  argv.stdin, argv.env = c.stdin, c.env
  local res, rerr = proc.run(argv)
  if not res then return nil, rerr end
  if res.code ~= 0 then
    return nil, string.format("repository %s (%s): %s failed: %s", spec.name, redact.url(spec.url),
      table.concat(c.argv, " ", 1, math.min(#c.argv, 5)), trim.right(res.stderr or ""))
  end
  return trim.right(res.stdout or "")
end

--- Adds every repository of every state (each name once), one at a time; says helm's output
--- on the session's log (info).
---@param st table  State
---@return table[]|nil added {repository=, output=}, string|nil err
function M.add(st)
  local session = st.session
  local seen, added = {}, {}
  for _, s in ipairs(st.states) do
    for _, spec in ipairs(repo.all(s)) do
      if not seen[spec.name] then
        seen[spec.name] = true
        local calls, cerr = M.calls(spec, session.helm_binary)
        if not calls then return nil, cerr end
        for _, c in ipairs(calls) do
          local output, err = run_call(spec, c)
          if not output then return nil, err end
          session.log.info("%s", output)
          added[#added + 1] = { repository = spec.name, output = output }
        end
      end
    end
  end
  return added
end

return M
