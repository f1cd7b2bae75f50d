--- hfl.kube.auth.exec: kubeconfig `exec` credential plugins (`aws eks get-token`,
--- `gke-gcloud-auth-plugin`, `kubelogin`, …), client.authentication.k8s.io/v1 and v1beta1.
--- The plugin runs without a terminal (interactive: false) and prints an ExecCredential; its
--- status (a token, or a client certificate and key) is kept in the Session until
--- status.expirationTimestamp, so a run starts the plugin once per user and cluster however
--- many requests it makes.
local json = require "hfl.stdlib.json"
local proc = require "hfl.proc"
local time = require "hfl.time"
local value = require "hfl.value"

local M = {}

local API_VERSIONS = {
  ["client.authentication.k8s.io/v1"] = true,
  ["client.authentication.k8s.io/v1beta1"] = true,
}

--- Seconds before expirationTimestamp at which a credential counts as expired (a request
--- started just before expiry must not arrive with a stale token).
M.EXPIRY_MARGIN = 10

local function str(v)
  if type(v) == "string" then return v end
  return nil
end

local function days_from_civil(y, m, d)
  y = m <= 2 and y - 1 or y
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local doy = math.floor((153 * (m + (m > 2 and -3 or 9)) + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

--- Unix seconds of an RFC 3339 time ("2026-01-02T03:04:05Z", "…+02:00", fractions), or nil.
---@param s string
---@return number|nil
function M.parse_time(s)
  if type(s) ~= "string" then return nil end
  local y, mo, d, h, mi, sec, rest = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)[Tt ](%d%d):(%d%d):(%d%d)(.*)$")
  if not y then return nil end
  local frac, zone = rest:match("^(%.?%d*)(.*)$")
  local offset
  if zone == "Z" or zone == "z" then
    offset = 0
  else
    local sign, oh, om = zone:match("^([+-])(%d%d):(%d%d)$")
    if not sign then return nil end
    offset = (tonumber(oh) * 3600 + tonumber(om) * 60) * (sign == "-" and -1 or 1)
  end
  local t = days_from_civil(tonumber(y), tonumber(mo), tonumber(d)) * 86400
    + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(sec) - offset
  if frac ~= "" and frac ~= "." then t = t + tonumber("0" .. frac) end
  return t
end

local function list_of(v)
  if value.kind(v) == "list" then return v end
  return {}
end

-- The argv and environment of the plugin, and the ExecCredential input it reads from
-- KUBERNETES_EXEC_INFO.
local function invocation(exec, ctx)
  local argv = { str(exec.command) }
  for _, a in ipairs(list_of(exec.args)) do argv[#argv + 1] = tostring(a) end
  local env = {}
  for _, e in ipairs(list_of(exec.env)) do
    if value.kind(e) == "map" and str(e.name) then env[e.name] = str(e.value) or "" end
  end
  local spec = { interactive = false }
  if exec.provideClusterInfo == true then
    local c = ctx.cluster
    spec.cluster = value.map {
      server = ctx.server,
      ["tls-server-name"] = str(c["tls-server-name"]),
      ["insecure-skip-tls-verify"] = c["insecure-skip-tls-verify"] == true or nil,
      ["certificate-authority-data"] = str(c["certificate-authority-data"]),
      ["proxy-url"] = str(c["proxy-url"]),
    }
  end
  env.KUBERNETES_EXEC_INFO = json.encode(value.map {
    apiVersion = str(exec.apiVersion), kind = "ExecCredential", spec = value.map(spec) })
  return argv, env
end

local function first_line(s)
  s = (s or ""):gsub("^%s+", "")
  return s:match("^[^\n]*") or ""
end

-- What the plugin printed, checked: { token =, client_certificate_data =, client_key_data =,
-- expires = unix seconds | nil }, or nil, err.
local function parse_credential(text, api_version, what)
  local doc, jerr = json.decode(text or "")
  if value.kind(doc) ~= "map" then
    return nil, ("%s printed no ExecCredential JSON: %s"):format(what, jerr or first_line(text))
  end
  if doc.kind ~= "ExecCredential" then
    return nil, ("%s printed kind %q, not ExecCredential"):format(what, tostring(doc.kind))
  end
  if doc.apiVersion ~= api_version then
    return nil, ("%s printed apiVersion %q, but the kubeconfig asks for %q"):format(what,
      tostring(doc.apiVersion), api_version)
  end
  local status = doc.status
  if value.kind(status) ~= "map" then return nil, what .. " printed an ExecCredential without status" end
  local cred = {
    token = str(status.token),
    client_certificate_data = str(status.clientCertificateData),
    client_key_data = str(status.clientKeyData),
  }
  if (cred.client_certificate_data == nil) ~= (cred.client_key_data == nil) then
    return nil, what .. " printed only one of clientCertificateData and clientKeyData"
  end
  if not cred.token and not cred.client_certificate_data then
    return nil, what .. " printed neither a token nor a client certificate"
  end
  local exp = str(status.expirationTimestamp)
  if exp and exp ~= "" then
    cred.expires = M.parse_time(exp)
    if not cred.expires then
      return nil, ("%s printed an unreadable expirationTimestamp %q"):format(what, exp)
    end
  end
  return cred
end

-- Runs the plugin once: the credential, or nil, err.
local function run_plugin(exec, ctx)
  local argv, env = invocation(exec, ctx)
  local what = ("exec plugin %q of user %q"):format(argv[1], ctx.user_name)
  argv.env = env
  local res, err = proc.run(argv)
  if not res then
    local hint = str(exec.installHint)
    return nil, ("%s cannot run: %s%s"):format(what, tostring(err),
      hint and hint ~= "" and (" (" .. first_line(hint) .. ")") or "")
  end
  if not res.ok then
    local msg = first_line(res.stderr)
    if msg == "" then msg = "exit " .. tostring(res.code or res.signal) end
    return nil, ("%s failed: %s"):format(what, msg)
  end
  return parse_credential(res.stdout, str(exec.apiVersion), what)
end

local function cache_key(exec, ctx)
  local parts = { ctx.server, ctx.user_name, str(exec.apiVersion) or "", str(exec.command) or "" }
  for _, a in ipairs(list_of(exec.args)) do parts[#parts + 1] = tostring(a) end
  for _, e in ipairs(list_of(exec.env)) do
    if value.kind(e) == "map" then parts[#parts + 1] = tostring(e.name) .. "=" .. tostring(e.value) end
  end
  return table.concat(parts, "\0")
end

--- Checks a kubeconfig's exec section: nil when usable, else the error.
---@param exec table
---@param ctx hfl.kube.Context
---@return string|nil err
function M.check(exec, ctx)
  local what = ("kubeconfig %s: user %q: exec"):format(ctx.user_file or "?", ctx.user_name)
  if not str(exec.command) or exec.command == "" then return what .. " has no command" end
  local v = str(exec.apiVersion)
  if not v or not API_VERSIONS[v] then
    return ("%s apiVersion %q is not supported (use client.authentication.k8s.io/v1 or v1beta1)")
      :format(what, tostring(v))
  end
  return nil
end

--- The credential of a context's exec plugin: from the Session while it is valid, else from a
--- new run of the plugin (concurrent callers share one run).
---@param session hfl.Session
---@param exec table   the user's exec section
---@param ctx hfl.kube.Context
---@param refresh? boolean  run the plugin again even if a credential is kept (after a 401)
---@return table|nil cred, string|nil err
function M.credential(session, exec, ctx, refresh)
  local key = cache_key(exec, ctx)
  local kept = session:memo("kube.exec", "credentials", function() return {} end)
  local cred = kept[key]
  if cred and not refresh and (not cred.expires or cred.expires - M.EXPIRY_MARGIN > time.now()) then
    return cred
  end
  kept[key] = nil
  return session:in_flight("kube.exec", key, function()
    local c, err = run_plugin(exec, ctx)
    if not c then return nil, err end
    kept[key] = c
    return c
  end)
end

return M
