--- hfl.kube.client: one kube context's API server, read over libcurl (hfl.http) on the event
--- loop — no kubectl process per read. Built from a resolved kubeconfig context
--- (hfl.kube.kubeconfig); hfl.kube.client() memoises one per Session, kubeconfig and context.
---
---   local c = assert(client.new(session, ctx))
---   local items = assert(c:list("/api/v1/namespaces/apps/secrets", { label_selector = "owner=helm" }))
---
--- Certificate and key *data* from the kubeconfig or an exec plugin go to 0600 files in the
--- Session's tempdir, since libcurl takes them as files.
local crypto = require "hfl.crypto"
local fs = require "hfl.fs"
local http = require "hfl.http"
local json = require "hfl.stdlib.json"
local trim = require "hfl.trim"
local value = require "hfl.value"
local exec_auth = require "hfl.kube.auth.exec"

local M = {}

--- Items per page of a list (kubectl's --chunk-size default).
M.PAGE_SIZE = 500
--- Retries of a failed request (connection errors, 5xx, 429).
M.RETRIES = 2

---@class hfl.kube.Client
---@field namespace string   the context's namespace, else "default"
---@field context string     the context's name
---@field server string      the API server's URL as the kubeconfig gives it
local Client = {}
Client.__index = Client

local function str(v)
  if type(v) == "string" and v ~= "" then return v end
  return nil
end

-- A 0600 file in the session's tempdir holding data (base64 in the kubeconfig), named by its
-- digest so that equal data is written once.
local function data_file(session, b64, what)
  local raw, err = crypto.base64_decode(b64)
  if not raw then return nil, ("%s is not valid base64: %s"):format(what, err) end
  local dir, derr = session:tempdir()
  if not dir then return nil, derr end
  local path = ("%s/kube-%s.pem"):format(dir, fs.sha256_hex(raw):sub(1, 24))
  if not fs.exists(path) then
    local ok, werr = fs.write_atomic(path, raw, { mode = 384 })
    if not ok then return nil, werr end
  end
  return path
end

-- The first of a data field (written to a file) and a file field, as client-go prefers data.
local function file_or_data(session, section, file_key, data_key, what)
  local data = str(section[data_key])
  if data then return data_file(session, data, what .. " " .. data_key) end
  return str(section[file_key])
end

-- "host", "port" of an http(s) URL's authority (IPv6 literals keep their brackets).
local function host_port(url)
  local scheme, authority, rest = url:match("^(https?)://([^/]*)(.*)$")
  local host, port = authority:match("^(%[[^%]]+%]):?(%d*)$")
  if not host then host, port = authority:match("^([^:]*):?(%d*)$") end
  if port == "" then port = scheme == "https" and "443" or "80" end
  return scheme, host, port, rest
end

-- The transport settings of a context's cluster: { base =, ca_file =, insecure =, proxy =,
-- connect_to = }, or nil, err.
local function cluster_settings(session, ctx)
  local c, where = ctx.cluster, ("kubeconfig %s: cluster %q"):format(ctx.cluster_file or "?", ctx.cluster_name)
  local t = { base = ctx.server }
  local ca, err = file_or_data(session, c, "certificate-authority", "certificate-authority-data", where)
  if err then return nil, err end
  t.ca_file = ca
  t.insecure = c["insecure-skip-tls-verify"] == true
  if t.insecure and ca then
    return nil, where .. ": certificate-authority(-data) and insecure-skip-tls-verify cannot both be "
      .. "set (kubectl refuses this too); remove one"
  end
  local proxy = str(c["proxy-url"])
  if proxy then
    if not proxy:match("^https?://") and not proxy:match("^socks5h?://") then
      return nil, ("%s: proxy-url %q: only http, https and socks5 proxies are supported"):format(where, proxy)
    end
    t.proxy = proxy
  end
  local sni = str(c["tls-server-name"])
  if sni and ctx.server:match("^https://") then
    -- the URL names the TLS server (SNI, certificate check); the socket goes to the real host
    local scheme, host, port, rest = host_port(ctx.server)
    t.base = ("%s://%s:%s%s"):format(scheme, sni, port, rest)
    t.connect_to = ("%s:%s:%s:%s"):format(sni, port, host, port)
  end
  return t
end

local UNSUPPORTED_PROVIDER_HINT = {
  gcp = "use the gke-gcloud-auth-plugin exec plugin",
  oidc = "use an exec plugin such as kubelogin (kubectl oidc-login)",
  azure = "use the kubelogin exec plugin",
}

-- The user's credentials: { cert_file =, key_file =, token =, token_file =, basic =, exec = },
-- or nil, err naming an unsupported method.
local function user_settings(session, ctx)
  local u = ctx.user
  local where = ("kubeconfig %s: user %q"):format(ctx.user_file or "?", ctx.user_name)
  local provider = value.kind(u["auth-provider"]) == "map" and u["auth-provider"] or nil
  if provider then
    local name = str(provider.name) or "?"
    return nil, ("%s: auth-provider %q is not supported by hfl's Kubernetes client (%s, "
      .. "or read with kubectl: --kube-client=kubectl)"):format(where, name,
      UNSUPPORTED_PROVIDER_HINT[name] or "use an exec credential plugin")
  end
  for _, k in ipairs { "as", "as-uid", "as-groups", "as-user-extra" } do
    if u[k] ~= nil and not value.is_null(u[k]) and u[k] ~= "" then
      return nil, ("%s: impersonation (%s) is not supported by hfl's Kubernetes client; "
        .. "use --kube-client=kubectl"):format(where, k)
    end
  end
  local a = {}
  local err
  a.cert_file, err = file_or_data(session, u, "client-certificate", "client-certificate-data", where)
  if err then return nil, err end
  a.key_file, err = file_or_data(session, u, "client-key", "client-key-data", where)
  if err then return nil, err end
  if (a.cert_file == nil) ~= (a.key_file == nil) then
    return nil, where .. ": a client certificate needs both client-certificate(-data) and client-key(-data)"
  end
  a.token, a.token_file = str(u.token), str(u.tokenFile)
  if str(u.username) then a.basic = { username = u.username, password = str(u.password) or "" } end
  if value.kind(u.exec) == "map" then
    local eerr = exec_auth.check(u.exec, ctx)
    if eerr then return nil, eerr end
    a.exec = u.exec
  end
  return a
end

--- A client for one resolved context, or nil, err (unsupported auth, bad certificate data).
---@param session hfl.Session
---@param ctx hfl.kube.Context
---@return hfl.kube.Client|nil client, string|nil err
function M.new(session, ctx)
  local t, err = cluster_settings(session, ctx)
  if not t then return nil, err end
  local a
  a, err = user_settings(session, ctx)
  if not a then return nil, err end
  return setmetatable({
    session = session, ctx = ctx, context = ctx.name, server = ctx.server,
    namespace = ctx.namespace, _t = t, _auth = a, _memo = {},
  }, Client)
end

local function urlencode(s)
  return (tostring(s):gsub("[^%w%-%._~]", function(c) return ("%%%02X"):format(c:byte()) end))
end

--- "k=v&…" of the query fields that are set, in the given order.
local function query_of(q)
  local parts = {}
  for _, kv in ipairs(q) do
    if kv[2] ~= nil and kv[2] ~= "" then parts[#parts + 1] = kv[1] .. "=" .. urlencode(kv[2]) end
  end
  return table.concat(parts, "&")
end

-- The bearer token, client certificate and key of this request.
function Client:_credentials(refresh)
  local a = self._auth
  local c = { cert_file = a.cert_file, key_file = a.key_file }
  if a.exec then
    local cred, err = exec_auth.credential(self.session, a.exec, self.ctx, refresh)
    if not cred then return nil, err end
    if cred.token then c.token = cred.token end
    if cred.client_certificate_data then
      local dir, derr = self.session:tempdir()
      if not dir then return nil, derr end
      local cf, kf, ferr
      cf, ferr = data_file(self.session, crypto.base64_encode(cred.client_certificate_data), "exec plugin certificate")
      if not cf then return nil, ferr end
      kf, ferr = data_file(self.session, crypto.base64_encode(cred.client_key_data), "exec plugin key")
      if not kf then return nil, ferr end
      c.cert_file, c.key_file = cf, kf
    end
  end
  if not c.token and a.token_file then
    -- client-go reads tokenFile and prefers it to token
    local text, err = fs.read(a.token_file)
    if not text then
      return nil, ("kubeconfig user %q: tokenFile %s: %s"):format(self.ctx.user_name, a.token_file,
        fs.strerror(err))
    end
    c.token = trim.both(text)
  end
  if not c.token then c.token = a.token end
  if not c.token and a.basic then c.basic = a.basic end
  return c
end

-- The API's Status message of an error body, else its first line.
local function status_message(body)
  local doc = json.decode(body or "")
  if value.kind(doc) == "map" and type(doc.message) == "string" and doc.message ~= "" then
    return doc.message
  end
  local line = trim.both((body or ""):match("^[^\n]*") or "")
  return line ~= "" and line:sub(1, 200) or nil
end

local STATUS_HINTS = {
  [401] = "the credentials were not accepted: check the kubeconfig's user, token or certificate",
  [403] = "the kubeconfig's user is not allowed to do this",
}

-- Reason phrases, which HTTP/2 (the API server's usual protocol) does not send.
local REASONS = { [400] = "Bad Request", [401] = "Unauthorized", [403] = "Forbidden",
  [404] = "Not Found", [405] = "Method Not Allowed", [409] = "Conflict", [410] = "Gone",
  [422] = "Unprocessable Entity", [429] = "Too Many Requests", [500] = "Internal Server Error",
  [502] = "Bad Gateway", [503] = "Service Unavailable", [504] = "Gateway Timeout" }

--- The one-line error of a response with status >= 400.
function Client:_status_error(method, path, res)
  local msg = status_message(res.body)
  local reason = res.status_text and res.status_text ~= "" and res.status_text or REASONS[res.status]
  local text = reason and (" " .. reason) or ""
  local hint = STATUS_HINTS[res.status]
  return ("%s %s%s (kube context %q): HTTP %d%s%s%s"):format(method, http.redact(self.server), path,
    self.context, res.status, text, msg and (": " .. msg) or "", hint and (" (" .. hint .. ")") or "")
end

-- The hfl.http options of a request to path?query.
function Client:_options(method, path, query, cred)
  local t = self._t
  local url = t.base .. path .. (query ~= "" and ("?" .. query) or "")
  local auth = nil
  if cred.token then auth = { bearer = cred.token }
  elseif cred.basic then auth = cred.basic end
  return {
    url = url, method = method, headers = { Accept = "application/json" }, auth = auth,
    ca_file = t.ca_file, insecure = t.insecure, proxy = t.proxy, connect_to = t.connect_to,
    cert_file = cred.cert_file, key_file = cred.key_file, follow = false, retries = M.RETRIES,
  }
end

-- A transport error names the server as the kubeconfig gives it (not the tls-server-name URL).
function Client:_transport_error(err)
  return ("kube context %q (server %s): %s"):format(self.context, http.redact(self.server), err)
end

--- A raw request: the response (any status), or nil, err (transport, credentials). An exec
--- credential refused with 401 is refreshed once, as kubectl does.
---@return table|nil res, string|nil err
function Client:request(method, path, query)
  query = query or ""
  local refresh = false
  for _ = 1, 2 do
    local cred, err = self:_credentials(refresh)
    if not cred then return nil, err end
    local res
    res, err = http.request(self:_options(method, path, query, cred))
    if not res then return nil, self:_transport_error(err) end
    if res.status ~= 401 or not self._auth.exec or refresh then return res end
    refresh = true
  end
end

--- GET path (with query, "k=v&…"): the decoded JSON, or nil, err, status (err names the
--- server, the HTTP status and the API's Status message).
--- With opts.ints, numbers are read as client-go's unstructured objects hold them (int64 for
--- integer literals, else float64); otherwise all are float64, as encoding/json reads them.
---@param path string  "/api/v1/namespaces/x/secrets/y"
---@param query? string
---@param opts? {ints?: boolean}
---@return table|nil doc, string|nil err, integer|nil status
function Client:get(path, query, opts)
  if type(path) ~= "string" or path:sub(1, 1) ~= "/" then error("kube client: path must start with /", 2) end
  local res, err = self:request("GET", path, query)
  if not res then return nil, err end
  if res.status >= 400 then return nil, self:_status_error("GET", path, res), res.status end
  local doc, jerr = json.decode(res.body or "", opts)
  if value.kind(doc) ~= "map" then
    return nil, ("GET %s%s (kube context %q): the response is not a JSON object: %s"):format(
      http.redact(self.server), path, self.context, jerr or "?"), res.status
  end
  return doc
end

-- A List's items carry no apiVersion/kind on the wire; kubectl adds them, so do we.
local function fill_kinds(items, list)
  local kind = type(list.kind) == "string" and list.kind:match("^(.*)List$")
  local api_version = type(list.apiVersion) == "string" and list.apiVersion or nil
  if not kind or not api_version then return end
  for _, it in ipairs(items) do
    if value.kind(it) == "map" then
      if it.apiVersion == nil then it.apiVersion = api_version end
      if it.kind == nil then it.kind = kind end
    end
  end
end

--- Every item of a list, following pages (limit/continue).
---@param path string
---@param opts? {label_selector?: string, field_selector?: string, limit?: integer}
---@return table|nil items, string|nil err  items is a value list; a second value on success:
---  { resource_version =, pages = }
function Client:list(path, opts)
  opts = opts or {}
  local items, cont, pages, rv = {}, nil, 0, nil
  repeat
    local doc, err = self:get(path, query_of {
      { "labelSelector", opts.label_selector }, { "fieldSelector", opts.field_selector },
      { "limit", opts.limit or M.PAGE_SIZE }, { "continue", cont } })
    if not doc then return nil, err end
    pages = pages + 1
    if value.kind(doc.items) ~= "list" and not value.is_null(doc.items) and doc.items ~= nil then
      return nil, ("GET %s%s (kube context %q): not a Kubernetes list"):format(
        http.redact(self.server), path, self.context)
    end
    local page = value.kind(doc.items) == "list" and doc.items or {}
    fill_kinds(page, doc)
    for i = 1, #page do items[#items + 1] = page[i] end
    local meta = value.kind(doc.metadata) == "map" and doc.metadata or {}
    rv = type(meta.resourceVersion) == "string" and meta.resourceVersion or rv
    cont = type(meta.continue) == "string" and meta.continue ~= "" and meta.continue or nil
  until not cont
  return value.list(items), { resource_version = rv, pages = pages }
end

--- Watches path: fn(type, object) for each event ("ADDED", "MODIFIED", "DELETED",
--- "BOOKMARK") until it returns false, or the server ends the watch (opts.timeout_seconds).
---@param path string
---@param opts? {label_selector?: string, field_selector?: string, resource_version?: string,
---   timeout_seconds?: integer}
---@param fn fun(type: string, object: table): boolean|nil
---@return true|nil ok, string|nil err  an ERROR event or a failed request
function Client:watch(path, opts, fn)
  opts = opts or {}
  if type(fn) ~= "function" then error("kube client: watch needs a function", 2) end
  local query = query_of {
    { "watch", "1" }, { "labelSelector", opts.label_selector },
    { "fieldSelector", opts.field_selector }, { "resourceVersion", opts.resource_version },
    { "timeoutSeconds", opts.timeout_seconds } }
  local cred, err = self:_credentials(false)
  if not cred then return nil, err end
  local o = self:_options("GET", path, query, cred)
  local pending, failure = "", nil
  local function on_chunk(chunk)
    pending = pending .. chunk
    while true do
      local line, rest = pending:match("^([^\n]*)\n(.*)$")
      if not line then return true end
      pending = rest
      if line:match("%S") then
        local ev = json.decode(line)
        if value.kind(ev) ~= "map" or type(ev.type) ~= "string" then
          failure = ("watch %s%s: an event is not JSON: %s"):format(http.redact(self.server), path, line:sub(1, 120))
          return false
        end
        if ev.type == "ERROR" then
          failure = ("watch %s%s (kube context %q): %s"):format(http.redact(self.server), path,
            self.context, status_message(json.encode(ev.object)) or "ERROR event")
          return false
        end
        if fn(ev.type, ev.object) == false then return false end
      end
    end
  end
  local res
  res, err = http.stream(o, on_chunk)
  if not res then return nil, self:_transport_error(err) end
  if failure then return nil, failure end
  if res.status >= 400 then return nil, self:_status_error("GET", path, res) end
  return true
end

--- The server's version: { major =, minor =, git_version = }.
---@return table|nil version, string|nil err
function Client:version()
  local v = self._memo.version
  if v then return v end
  local doc, err = self:get("/version")
  if not doc then return nil, err end
  v = { major = tostring(doc.major or ""), minor = tostring(doc.minor or ""),
    git_version = tostring(doc.gitVersion or "") }
  self._memo.version = v
  return v
end

-- The group versions the server serves: { "v1", "apps/v1", … } with their discovery paths.
function Client:_group_versions()
  local out = {}
  local core, err = self:get("/api")
  if not core then return nil, err end
  for _, v in ipairs(value.kind(core.versions) == "list" and core.versions or {}) do
    out[#out + 1] = { gv = v, path = "/api/" .. v }
  end
  local groups
  groups, err = self:get("/apis")
  if not groups then return nil, err end
  for _, g in ipairs(value.kind(groups.groups) == "list" and groups.groups or {}) do
    for _, v in ipairs(value.kind(g.versions) == "list" and g.versions or {}) do
      if type(v.groupVersion) == "string" then
        out[#out + 1] = { gv = v.groupVersion, path = "/apis/" .. v.groupVersion }
      end
    end
  end
  return out
end

-- Discovery of one group version, read once per client: { resources = { { name =, kind =,
-- namespaced = } … } without subresources, kinds = every resource's and subresource's Kind }.
function Client:_discover(group_version)
  local memo = self._memo.resources or {}
  self._memo.resources = memo
  if memo[group_version] then return memo[group_version] end
  local path = group_version:find("/", 1, true) and ("/apis/" .. group_version) or ("/api/" .. group_version)
  local doc, err = self:get(path)
  if not doc then return nil, err end
  local out, kinds = {}, {}
  for _, r in ipairs(value.kind(doc.resources) == "list" and doc.resources or {}) do
    if type(r.name) == "string" and type(r.kind) == "string" then
      kinds[#kinds + 1] = r.kind
      if not r.name:find("/", 1, true) then
        out[#out + 1] = { name = r.name, kind = r.kind, namespaced = r.namespaced == true }
      end
    end
  end
  memo[group_version] = { resources = out, kinds = kinds }
  return memo[group_version]
end

--- The resources of one group version ("v1", "apps/v1"): { { name =, kind =, namespaced = } … }
--- without subresources, or nil, err.
function Client:resources(group_version)
  local d, err = self:_discover(group_version)
  if not d then return nil, err end
  return d.resources
end

--- What helm's Capabilities.APIVersions holds (action.GetVersionSet): every group version and
--- every "group/version/Kind" of its resources and subresources (pods/eviction adds
--- "v1/Eviction"), sorted (helm's own order is a Go map's, random); read once per client
--- (discovery runs concurrently). A group version whose resources cannot be read (an API
--- service down, a CRD going away) adds no kinds, as client-go's partial discovery leaves it.
---@return string[]|nil versions, string|nil err
function Client:api_versions()
  if self._memo.api_versions then return self._memo.api_versions end
  local gvs, err = self:_group_versions()
  if not gvs then return nil, err end
  local proc = require "hfl.proc"
  local lists = proc.map(gvs, 8, function(g)
    local d = self:_discover(g.gv)
    return d and d.kinds or {}
  end)
  local seen, out = {}, {}
  local function add(s) if not seen[s] then seen[s] = true; out[#out + 1] = s end end
  for i, g in ipairs(gvs) do
    add(g.gv)
    for _, kind in ipairs(lists[i]) do add(g.gv .. "/" .. kind) end
  end
  table.sort(out)
  self._memo.api_versions = out
  return out
end

--- The path of a kind's objects: the collection (name nil) or one object; namespace nil or ""
--- for cluster-scoped kinds (or every namespace). nil, err when the server has no such kind.
---@return string|nil path, string|nil err
function Client:path_of(api_version, kind, namespace, name)
  local rs, err = self:resources(api_version)
  if not rs then return nil, err end
  for _, r in ipairs(rs) do
    if r.kind == kind then
      local base = api_version:find("/", 1, true) and ("/apis/" .. api_version) or ("/api/" .. api_version)
      local p = base
      if r.namespaced and namespace and namespace ~= "" then p = p .. "/namespaces/" .. urlencode(namespace) end
      p = p .. "/" .. r.name
      if name then p = p .. "/" .. urlencode(name) end
      return p
    end
  end
  return nil, ("kube context %q: the server has no kind %s in %s"):format(self.context, kind, api_version)
end

return M
