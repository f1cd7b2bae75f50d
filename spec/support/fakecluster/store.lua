-- The fake cluster's release records: what the helm shim writes and the kubectl shim lists.
-- A record is kept as the Kubernetes object Helm's storage driver would create, one JSON file
-- per object:
--
--   $HFL_FAKE_CLUSTER/<kube context or "default">/<secrets|configmaps>/<namespace>/<object>.json
--
-- The object's data.release is encoded exactly as Helm's driver encodes it: the release as
-- JSON in Go's field order (encoding/json escaping), gzip at BestCompression, standard base64 —
-- and for a Secret, Kubernetes' base64 of that string on top.
local crypto = require "hfl.crypto"
local fs = require "hfl.fs"
local json = require "hfl.stdlib.json"
local ctime = require("hfl.core").time

local M = {}

-- Go's struct field order of Helm's release types (pkg/release, pkg/chart).
local ORDER = {
  release = { "name", "info", "chart", "config", "manifest", "hooks", "version", "namespace",
    "apply_method" },
  info = { "first_deployed", "last_deployed", "deleted", "description", "status", "notes" },
  chart = { "metadata", "lock", "templates", "values", "schema", "files" },
  metadata = { "name", "home", "sources", "version", "description", "keywords", "maintainers",
    "icon", "apiVersion", "condition", "tags", "appVersion", "deprecated", "annotations",
    "kubeVersion", "dependencies", "type" },
  hook = { "name", "kind", "path", "manifest", "events", "last_run", "weight", "delete_policies" },
  last_run = { "started_at", "completed_at", "phase" },
}
-- Fields Helm writes even when empty (no omitempty on them).
local ALWAYS = { lock = true, templates = true, values = true, schema = true, files = true,
  manifest = true, version = true, namespace = true, name = true, info = true, chart = true,
  first_deployed = true, last_deployed = true, deleted = true, description = true, status = true,
  kind = true, path = true, events = true, last_run = true, started_at = true,
  completed_at = true, phase = true }

local function empty(v)
  if v == nil or v == "" or v == false then return true end
  if type(v) == "table" and getmetatable(v) == nil and next(v) == nil then return true end
  return false
end

-- JSON of v, objects of a known kind in Go's field order.
local function encode(v, kind)
  local order = kind and ORDER[kind]
  if not order then
    if v == nil then return "null" end
    return json.encode(v)
  end
  local parts = {}
  for _, key in ipairs(order) do
    local x = v[key]
    if x ~= nil and (ALWAYS[key] or not empty(x)) then
      local sub
      if key == "hooks" then
        local hs = {}
        for i, h in ipairs(x) do hs[i] = encode(h, "hook") end
        sub = "[" .. table.concat(hs, ",") .. "]"
      else
        sub = encode(x, ORDER[key] and key or nil)
      end
      parts[#parts + 1] = json.encode(key) .. ":" .. sub
    elseif ALWAYS[key] and x == nil and (key == "lock" or key == "schema" or key == "files") then
      parts[#parts + 1] = json.encode(key) .. ":null"
    end
  end
  return "{" .. table.concat(parts, ",") .. "}"
end
M.encode_json = encode

--- data.release as Helm's driver writes it, from a release table (Helm's field names).
function M.encode_release(rel)
  return crypto.base64_encode(assert(crypto.gzip(encode(rel, "release"), 9)))
end

--- Go's time.Time JSON (RFC 3339 with nanoseconds, trailing zeros dropped) of now, and the
--- Unix seconds.
function M.now()
  local sec, nsec = ctime.now()
  local frac = ("%09d"):format(nsec):gsub("0+$", "")
  return os.date("!%Y-%m-%dT%H:%M:%S", sec) .. (frac ~= "" and "." .. frac or "") .. "Z", sec
end

--- The cluster's directory: $HFL_FAKE_CLUSTER in the shims; spec/support/fakecluster.lua,
--- which writes records from the spec process, passes it through M.with_root.
function M.root()
  local dir = M._root or os.getenv("HFL_FAKE_CLUSTER")
  if not dir or dir == "" then
    io.stderr:write("fake cluster: HFL_FAKE_CLUSTER is not set (spec/support/fakecluster.lua sets it)\n")
    os.exit(2)
  end
  return dir
end

--- fn() with the cluster at dir.
function M.with_root(dir, fn, ...)
  local saved = M._root
  M._root = dir
  local ok, a, b = pcall(fn, ...)
  M._root = saved
  if not ok then error(a, 0) end
  return a, b
end

function M.kind()
  local d = os.getenv("HELM_DRIVER") or ""
  if d == "configmap" or d == "configmaps" then return "configmaps" end
  return "secrets"
end

function M.dir(ctx, kind, ns)
  return ("%s/%s/%s/%s"):format(M.root(), (ctx ~= nil and ctx ~= "") and ctx or "default", kind, ns)
end

--- An exclusive lock on one release (held until :unlock()), so concurrent calls on the same
--- release take turns as they would on Helm's pending-* status.
function M.lock(ctx, ns, name)
  local d = M.root() .. "/locks"
  fs.mkdir_p(d)
  return assert(fs.lock(("%s/%s.%s.%s"):format(d, ctx ~= "" and ctx or "default", ns, name)))
end

local function read_json(path)
  local text = fs.read(path)
  if not text then return nil end
  return json.decode(text)
end

--- The decoded records of one release (or every release with name nil) in a namespace,
--- sorted by name then revision: { name, revision, object (the Kubernetes object), release }.
function M.list(ctx, ns, name, kind)
  kind = kind or M.kind()
  local d = M.dir(ctx, kind, ns)
  local out = {}
  for _, f in ipairs(fs.list(d) or {}) do
    local n, rev = f:match("^sh%.helm%.release%.v1%.(.+)%.v(%d+)%.json$")
    if n and (name == nil or n == name) then
      local obj = read_json(d .. "/" .. f)
      if obj then
        local text = obj.data.release
        if kind == "secrets" then text = assert(crypto.base64_decode(text)) end
        local raw = assert(crypto.base64_decode(text))
        if raw:sub(1, 2) == "\31\139" then raw = assert(crypto.gunzip(raw)) end
        local rel = assert(json.decode(raw))
        rel.version = tonumber(rev)
        out[#out + 1] = { name = n, revision = tonumber(rev), object = obj, path = d .. "/" .. f,
          release = rel }
      end
    end
  end
  table.sort(out, function(a, b)
    if a.name ~= b.name then return a.name < b.name end
    return a.revision < b.revision
  end)
  return out
end

--- Namespaces that hold records in a context.
function M.namespaces(ctx, kind)
  local d = ("%s/%s/%s"):format(M.root(), (ctx ~= nil and ctx ~= "") and ctx or "default", kind or M.kind())
  local out = fs.list(d) or {}
  table.sort(out)
  return out
end

--- Writes one record as the Kubernetes object Helm creates: labels name/owner/status/version
--- (+ modifiedAt) and the custom labels. rel is Helm's release table.
function M.write(ctx, rel, custom_labels, kind)
  kind = kind or M.kind()
  local _, sec = M.now()
  local labels = {}
  for k, v in pairs(custom_labels or {}) do labels[k] = v end
  labels.name, labels.owner, labels.status = rel.name, "helm", rel.info.status
  labels.version = tostring(rel.version)
  labels.modifiedAt = tostring(sec)
  local objname = ("sh.helm.release.v1.%s.v%d"):format(rel.name, rel.version)
  local text = M.encode_release(rel)
  local obj = {
    apiVersion = "v1",
    kind = kind == "secrets" and "Secret" or "ConfigMap",
    metadata = { name = objname, namespace = rel.namespace, labels = labels,
      creationTimestamp = os.date("!%Y-%m-%dT%H:%M:%SZ", sec) },
    data = { release = kind == "secrets" and crypto.base64_encode(text) or text },
  }
  if kind == "secrets" then obj.type = "helm.sh/release.v1" end
  local d = M.dir(ctx, kind, rel.namespace)
  assert(fs.mkdir_p(d))
  assert(fs.write_atomic(d .. "/" .. objname .. ".json", json.encode(obj)))
end

--- Custom labels of a stored object (Helm's system labels dropped).
function M.custom_labels(obj)
  local out = {}
  for k, v in pairs(obj.metadata.labels or {}) do
    if not ({ name = 1, owner = 1, status = 1, version = 1, createdAt = 1, modifiedAt = 1 })[k] then
      out[k] = v
    end
  end
  return out
end

return M
