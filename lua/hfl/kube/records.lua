--- hfl.kube.records: Helm's release records, read in bulk. One list of the secrets labelled
--- owner=helm (configmaps under HELM_DRIVER=configmap) per kubeconfig, kube context and
--- namespace and Session — straight from the API server through hfl.kube, or with
--- `kubectl get … -o json` when session.kube_client is "kubectl" — answers "which releases exist, at which revision, deployed with
--- what" for every release there, instead of one `helm list`/`helm get` per release.
---
---   local set, err = records.read(session, { kube_context = "", namespace = "apps" })
---   local api = set.latest.api   -- { revision = 3, status = "deployed", labels = {…}, … }
---
--- A record's data.release is what Helm's storage driver writes: the release as JSON, gzipped,
--- base64 (a Secret's data adds Kubernetes' own base64 on top; a ConfigMap's does not).
local crypto = require "hfl.crypto"
local json = require "hfl.stdlib.json"
local value = require "hfl.value"
local proc = require "hfl.proc"
local kube = require "hfl.kube"

local M = {}

--- A decompressed release is at most this large: a gzip bomb in a record is an error.
M.MAX_RELEASE_BYTES = 64 * 1024 * 1024

-- Labels Helm's storage driver sets itself; the rest are the release's custom labels
-- (`helm upgrade --labels`, Helm >= 3.13).
local SYSTEM_LABELS = { name = true, owner = true, status = true, version = true,
  createdAt = true, modifiedAt = true }

local GZIP_MAGIC = "\31\139\8"

---@class hfl.kube.Record
---@field name string
---@field namespace string
---@field revision integer
---@field status string            deployed, superseded, failed, pending-upgrade, …
---@field chart string             the chart's name
---@field chart_version string
---@field app_version string|nil
---@field config table             the user-supplied values (hfl.value model)
---@field manifest string
---@field hooks table[]            Helm's hook objects as stored (name, kind, path, manifest, events, …)
---@field labels table<string,string>  custom labels only
---@field description string|nil
---@field notes string|nil
---@field first_deployed string|nil  RFC 3339 times as Helm stores them
---@field last_deployed string|nil
---@field deleted string|nil
---@field object string|nil        the Secret or ConfigMap holding it

local function str(v)
  if type(v) == "string" then return v end
  return nil
end

local function field(t, key)
  if type(t) == "table" and value.kind(t) == "map" then return t[key] end
  return nil
end

-- The record fields of a decoded release document.
local function to_record(doc)
  if value.kind(doc) ~= "map" then return nil, "the release is not a JSON object" end
  local name = str(doc.name)
  if not name or name == "" then return nil, "the release has no name" end
  local revision = value.tonumber(doc.version)
  if type(revision) ~= "number" or revision ~= math.floor(revision) or revision < 1 then
    return nil, ("release %q has no valid version"):format(name)
  end
  local info, chart = field(doc, "info"), field(doc, "chart")
  local meta = field(chart, "metadata")
  local config = doc.config
  if value.kind(config) ~= "map" then config = value.map({}) end
  local hooks = {}
  if value.kind(doc.hooks) == "list" then
    for i = 1, #doc.hooks do hooks[i] = doc.hooks[i] end
  end
  local labels = {}
  if value.kind(doc.labels) == "map" then
    for k, v in pairs(doc.labels) do
      if type(k) == "string" and type(v) == "string" and not SYSTEM_LABELS[k] then labels[k] = v end
    end
  end
  return {
    name = name,
    namespace = str(doc.namespace) or "",
    revision = revision,
    status = str(field(info, "status")) or "unknown",
    chart = str(field(meta, "name")),
    chart_version = str(field(meta, "version")),
    app_version = str(field(meta, "appVersion")),
    config = config,
    manifest = str(doc.manifest) or "",
    hooks = hooks,
    labels = labels,
    description = str(field(info, "description")),
    notes = str(field(info, "notes")),
    first_deployed = str(field(info, "first_deployed")),
    last_deployed = str(field(info, "last_deployed")),
    deleted = str(field(info, "deleted")) ~= "" and str(field(info, "deleted")) or nil,
  }
end

--- Decodes data.release as Helm's storage driver writes it: base64 of the gzipped JSON (or of
--- the plain JSON, which Helm also accepts).
---@param text string
---@return hfl.kube.Record|nil record, string|nil err  err says which layer is bad
function M.decode(text)
  if type(text) ~= "string" then error("records.decode: text must be a string", 2) end
  local raw, err = crypto.base64_decode(text)
  if not raw then return nil, "bad base64: " .. err end
  if raw:sub(1, 3) == GZIP_MAGIC then
    raw, err = crypto.gunzip(raw, M.MAX_RELEASE_BYTES)
    if not raw then return nil, err end
  end
  local doc, jerr = json.decode(raw)
  if doc == nil then return nil, "bad JSON: " .. (jerr or "null") end
  return to_record(doc)
end

-- "secrets" or "configmaps" for HELM_DRIVER, or nil, err (Helm's own names and spellings).
local function driver_kind()
  local d = os.getenv("HELM_DRIVER") or ""
  if d == "" or d == "secret" or d == "secrets" then return "secrets" end
  if d == "configmap" or d == "configmaps" then return "configmaps" end
  if d == "sql" then return "sql" end
  return nil, ("HELM_DRIVER=%s: unknown Helm storage driver (hfl reads secret and configmap)"):format(d)
end

local function where_of(session, where)
  where = where or {}
  if type(where) ~= "table" then error("records: where must be a table", 3) end
  local ctx = where.kube_context
  if ctx == nil or ctx == "" then ctx = session.kube_context or "" end
  return {
    kubeconfig = where.kubeconfig or session.kubeconfig or "",
    kube_context = ctx,
    namespace = where.namespace or "",
  }
end

local function key_of(w, kind)
  return table.concat({ w.kubeconfig, w.kube_context, w.namespace, kind }, "\0")
end

--- The kubectl command line that lists the records of one namespace (all when namespace == "*").
---@return string[]
function M.argv(session, w, kind)
  local argv = { session.kubectl_binary or "kubectl" }
  if w.kubeconfig ~= "" then argv[#argv + 1] = "--kubeconfig=" .. w.kubeconfig end
  if w.kube_context ~= "" then argv[#argv + 1] = "--context=" .. w.kube_context end
  for _, a in ipairs { "get", kind, "-l", "owner=helm" } do argv[#argv + 1] = a end
  if w.namespace == "*" then
    argv[#argv + 1] = "-A"
  elseif w.namespace ~= "" then
    argv[#argv + 1] = "-n"
    argv[#argv + 1] = w.namespace
  end
  argv[#argv + 1] = "-o"
  argv[#argv + 1] = "json"
  return argv
end

local function where_text(w)
  local parts = {}
  if w.namespace ~= "" then parts[#parts + 1] = "namespace " .. (w.namespace == "*" and "(all)" or w.namespace) end
  if w.kube_context ~= "" then parts[#parts + 1] = "context " .. w.kube_context end
  return #parts > 0 and " (" .. table.concat(parts, ", ") .. ")" or ""
end

local function first_line(s)
  s = (s or ""):gsub("^%s+", "")
  return s:match("^[^\n]*") or ""
end

local function run_kubectl(session, w, kind)
  local argv = M.argv(session, w, kind)
  local res, err = proc.run(argv)
  if not res then
    local e = tostring(err)
    if e:find("not found", 1, true) or e:find("no such file", 1, true) then
      return nil, ("%s not found: hfl reads Helm's release records with kubectl; install kubectl " ..
        "or name it with --kubectl-binary / HFL_KUBECTL"):format(argv[1])
    end
    return nil, ("%s could not be started: %s"):format(argv[1], tostring(err))
  end
  if res.stdout_truncated then
    return nil, ("%s get %s%s: the list is larger than %d bytes"):format(argv[1], kind,
      where_text(w), proc.MAX_OUTPUT)
  end
  if not res.ok then
    local msg = first_line(res.stderr)
    if msg == "" then msg = "exit " .. tostring(res.code or res.signal) end
    return nil, ("%s get %s -l owner=helm%s failed: %s"):format(argv[1], kind, where_text(w), msg)
  end
  return res.stdout
end

-- The text Helm wrote, from one listed object: a Secret's data is base64 once more.
local function release_text(obj, kind)
  local data = field(obj, "data")
  local text = str(field(data, "release"))
  if not text then return nil, "it has no data.release" end
  if kind == "secrets" then
    local inner, err = crypto.base64_decode(text)
    if not inner then return nil, "bad base64 in the secret's data.release: " .. err end
    return inner
  end
  return text
end

local function custom_labels(meta)
  local out = {}
  local labels = field(meta, "labels")
  if value.kind(labels) == "map" then
    for k, v in pairs(labels) do
      if type(k) == "string" and type(v) == "string" and not SYSTEM_LABELS[k] then out[k] = v end
    end
  end
  return out
end

-- A record from one listed object, or nil, err naming the object and the release.
local function record_of(obj, kind, w)
  local meta = field(obj, "metadata")
  local objname = str(field(meta, "name")) or "?"
  local relname = str(field(field(meta, "labels"), "name"))
  local ns = str(field(meta, "namespace")) or w.namespace
  local function fail(msg)
    return nil, ("release %q in namespace %s: record %s is unreadable: %s"):format(
      relname or objname, ns, objname, msg)
  end
  local text, err = release_text(obj, kind)
  if not text then return fail(err) end
  local rec
  rec, err = M.decode(text)
  if not rec then return fail(err) end
  for k, v in pairs(custom_labels(meta)) do rec.labels[k] = v end
  if rec.namespace == "" then rec.namespace = ns end
  rec.object = objname
  return rec
end

-- The release set of the listed objects.
local function set_of(items, kind, w)
  local set = { latest = {}, history = {} }
  for i = 1, #items do
    local rec, rerr = record_of(items[i], kind, w)
    if not rec then return nil, rerr end
    local h = set.history[rec.name]
    if not h then
      h = {}
      set.history[rec.name] = h
    end
    h[#h + 1] = rec
  end
  for name, h in pairs(set.history) do
    table.sort(h, function(a, b) return a.revision < b.revision end)
    set.latest[name] = h[#h]
  end
  return set
end

-- The release set of a kubectl JSON list.
local function parse_list(text, kind, w)
  local doc, err = json.decode(text)
  if value.kind(doc) ~= "map" or value.kind(doc.items) ~= "list" then
    return nil, ("kubectl get %s%s: not a Kubernetes list: %s"):format(kind, where_text(w),
      err or "no items")
  end
  return set_of(doc.items, kind, w)
end

local function read_kubectl(session, w, kind)
  local text, err = run_kubectl(session, w, kind)
  if not text then return nil, err end
  return parse_list(text, kind, w)
end

-- One paginated list through the API server ("" is the context's namespace, as for kubectl).
local function read_api(session, w, kind)
  local c, err = kube.client(session, { kube_context = w.kube_context, kubeconfig = w.kubeconfig })
  if not c then return nil, err end
  local ns = w.namespace
  if ns == "" then ns = c.namespace end
  local path = ns == "*" and ("/api/v1/" .. kind) or ("/api/v1/namespaces/" .. ns .. "/" .. kind)
  local items
  items, err = c:list(path, { label_selector = "owner=helm" })
  if not items then return nil, err end
  return set_of(items, kind, { namespace = ns, kube_context = w.kube_context })
end

-- helm's own command line for the sql driver: [--kubeconfig] [--kube-context] SUB … -n NS.
local function helm_argv(session, w, ...)
  local argv = { session.helm_binary or "helm" }
  if w.kubeconfig ~= "" then argv[#argv + 1] = "--kubeconfig=" .. w.kubeconfig end
  if w.kube_context ~= "" then argv[#argv + 1] = "--kube-context=" .. w.kube_context end
  for _, a in ipairs { ... } do argv[#argv + 1] = a end
  if w.namespace == "*" then
    argv[#argv + 1] = "--all-namespaces"
  elseif w.namespace ~= "" then
    argv[#argv + 1] = "--namespace=" .. w.namespace
  end
  return argv
end

local function run_helm(session, argv)
  local res, err = session:limited(proc.run, argv)
  if not res then return nil, ("%s could not be started: %s"):format(argv[1], tostring(err)) end
  if not res.ok then
    return nil, ("%s %s failed: %s"):format(argv[1], table.concat(argv, " ", 2),
      first_line(res.stderr))
  end
  return res.stdout
end

-- HELM_DRIVER=sql: records live in Helm's database, which only helm reads. One `helm list` per
-- namespace gives each release's latest revision and status; its manifest comes from
-- `helm get manifest` when a diff needs it (M.manifest). Custom labels are not listed, so
-- hfl's digests do not apply: every release is compared by rendering.
local function read_helm(session, w)
  local text, err = run_helm(session, helm_argv(session, w, "list", "--all", "--output", "json"))
  if not text then return nil, err end
  local list
  list, err = json.decode(text)
  if value.kind(list) ~= "list" then
    return nil, ("helm list%s: not a JSON list: %s"):format(where_text(w), err or "?")
  end
  local set = { latest = {}, history = {} }
  for _, e in ipairs(list) do
    local chart = str(e.chart)
    local name, version = chart:match("^(.-)%-(v?%d[^-]*.*)$")
    local rec = { name = str(e.name), namespace = str(e.namespace), revision = tonumber(str(e.revision)) or 0,
      status = str(e.status), chart = name or chart, chart_version = version or "",
      app_version = str(e.app_version), labels = {}, sql = { kubeconfig = w.kubeconfig,
      kube_context = w.kube_context } }
    set.latest[rec.name], set.history[rec.name] = rec, { rec }
  end
  return set
end

--- A record's manifest: the one it holds, or for the sql driver `helm get manifest` of its
--- revision (once per record).
---@param session hfl.Session
---@param rec hfl.kube.Record
---@return string|nil manifest, string|nil err
function M.manifest(session, rec)
  if rec.manifest or not rec.sql then return rec.manifest or "" end
  local w = { kubeconfig = rec.sql.kubeconfig, kube_context = rec.sql.kube_context, namespace = rec.namespace }
  local text, err = run_helm(session, helm_argv(session, w, "get", "manifest", rec.name,
    "--revision", tostring(rec.revision)))
  if not text then return nil, err end
  rec.manifest = text
  return text
end

--- Every release record of one namespace (and kube context, kubeconfig): one list (one
--- request per page of 500, or one kubectl run with session.kube_client == "kubectl"), done
--- once per Session however many callers ask (concurrent callers wait for it).
--- where.namespace "*" lists every namespace (-A); "" is the context's namespace.
---@param session hfl.Session
---@param where? {kube_context?: string, namespace?: string, kubeconfig?: string}
---@return {latest: table<string, hfl.kube.Record>, history: table<string, hfl.kube.Record[]>}|nil set
---@return string|nil err  the API server or kubectl failing, an unusable kubeconfig,
---  an unreadable record (HELM_DRIVER=sql: one `helm list`; manifests through M.manifest)
function M.read(session, where)
  local w = where_of(session, where)
  local kind, derr = driver_kind()
  if not kind then return nil, derr end
  local read = kind == "sql" and read_helm or session.kube_client == "kubectl" and read_kubectl
    or read_api
  return session:once("kube.records", key_of(w, kind), function()
    return read(session, w, kind)
  end, true)
end

--- Forgets what read() kept for this place, so the next read lists it again (after this run
--- installed, upgraded or uninstalled releases there).
---@param session hfl.Session
---@param where? {kube_context?: string, namespace?: string, kubeconfig?: string}
function M.forget(session, where)
  local w = where_of(session, where)
  local kind = driver_kind()
  if kind then session:forget("kube.records", key_of(w, kind)) end
end

return M
