--- Helm charts in OCI registries (the distribution API, as `helm pull oci://…` uses it):
--- references, tag selection by semver constraint, manifests with Helm's accept types, the
--- chart layer, digest checks, Bearer-token and basic auth with credentials from the
--- repository, Helm's registry config or Docker's config.json, and plain HTTP when allowed.
local json = require "hfl.stdlib.json"
local semver = require "hfl.semver"

local M = {}

M.MANIFEST = "application/vnd.oci.image.manifest.v1+json"
M.CHART_LAYER = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
M.LEGACY_LAYER = "application/tar+gzip"

--- Parses `oci://host[:port]/path/chart[:tag][@sha256:hex]`.
---@param ref string
---@return table|nil r {host=, repo=, name=, tag=, digest=}, string|nil err
function M.parse(ref)
  local rest = ref:match("^oci://(.+)$")
  if not rest then return nil, "not an oci:// reference: " .. ref end
  local digest
  rest, digest = rest:match("^([^@]+)@?(.*)$")
  if digest == "" then digest = nil end
  if digest and not digest:match("^sha256:%x+$") then
    return nil, "invalid digest in " .. ref .. " (want @sha256:<64 hex>)"
  end
  local host, path = rest:match("^([^/]+)/(.+)$")
  if not host then return nil, "no repository path in " .. ref .. " (want oci://host/path/chart)" end
  local tag
  local p, t = path:match("^(.*):([^/:]+)$")
  if p then path, tag = p, t end
  path = path:gsub("/+$", "")
  return { host = host, repo = path, name = path:match("([^/]+)$"), tag = tag, digest = digest }
end

local function b64decode(s)
  return require("hfl.stdlib.encoding").b64decode(s)
end
local function b64encode(s)
  return require("hfl.stdlib.encoding").b64encode(s)
end

local function read_json(path)
  local text = path and require("hfl.fs").read(path)
  if not text then return nil end
  local ok, doc = pcall(json.decode, text)
  if ok and type(doc) == "table" then return doc end
end

local function home() return os.getenv("HOME") or "" end

--- Credentials for a registry host from Helm's registry config (HELM_REGISTRY_CONFIG, else
--- $XDG_CONFIG_HOME/helm/registry/config.json) then Docker's config.json ($DOCKER_CONFIG).
---@param host string
---@param registry_config string|nil  an explicit registry config file
---@return table|nil {username=, password=}
function M.stored_credentials(host, registry_config)
  local xdg = os.getenv("XDG_CONFIG_HOME") or (home() .. "/.config")
  local files = {
    registry_config,
    os.getenv("HELM_REGISTRY_CONFIG") or (xdg .. "/helm/registry/config.json"),
    (os.getenv("DOCKER_CONFIG") or (home() .. "/.docker")) .. "/config.json",
  }
  for i = 1, 3 do
    local doc = read_json(files[i])
    local auths = doc and doc.auths
    if type(auths) == "table" then
      for _, k in ipairs { host, "https://" .. host, "http://" .. host, "https://" .. host .. "/v1/",
        "https://" .. host .. "/v2/" } do
        local a = auths[k]
        if type(a) == "table" then
          if type(a.auth) == "string" and a.auth ~= "" then
            local dec = b64decode(a.auth)
            local u, p = (dec or ""):match("^([^:]*):(.*)$")
            if u then return { username = u, password = p } end
          elseif type(a.username) == "string" then
            return { username = a.username, password = a.password or "" }
          end
        end
      end
    end
  end
end

local function is_local(host)
  local h = host:gsub(":%d+$", "")
  return h == "localhost" or h:match("^127%.") ~= nil or h == "[::1]"
end

--- A client for one registry host. opts: {username=, password=, registry_config=, plain_http=,
--- ca_file=, cert_file=, key_file=, insecure=}.
---@return table client
function M.client(host, opts)
  opts = opts or {}
  local creds
  if opts.username and opts.password then
    creds = { username = opts.username, password = opts.password }
  else
    creds = M.stored_credentials(host, opts.registry_config)
  end
  return { host = host, opts = opts, creds = creds, tokens = {},
    scheme = opts.plain_http and "http" or "https" }
end

local function parse_challenge(h)
  local kind, rest = h:match("^%s*(%a+)%s*(.*)$")
  if not kind then return nil end
  local params = {}
  for k, v in rest:gmatch('(%w+)%s*=%s*"([^"]*)"') do params[k:lower()] = v end
  for k, v in rest:gmatch('(%w+)%s*=%s*([^",%s]+)') do if not params[k:lower()] then params[k:lower()] = v end end
  return kind:lower(), params
end

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

local function http_opts(c, extra)
  local o = { ca_file = c.opts.ca_file, cert_file = c.opts.cert_file, key_file = c.opts.key_file,
    insecure = c.opts.insecure or nil, timeout = c.opts.timeout }
  for k, v in pairs(extra or {}) do o[k] = v end
  return o
end

local function creds_hint(c)
  return c.creds and "check the registry username/password (or `helm registry login " .. c.host .. "`)"
    or "set the repository's username/password or run `helm registry login " .. c.host .. "`"
end

-- Like Docker and `helm --plain-http`, a registry on the loopback may speak plain HTTP: the
-- first request to such a host probes https once (concurrent callers wait for the probe).
local function ensure_scheme(c)
  if c.scheme_known then return end
  if c.probing then c.probing:wait() return end
  if c.scheme == "http" or not is_local(c.host) or c.opts.ca_file then c.scheme_known = true return end
  local proc = require "hfl.proc"
  c.probing = proc.event()
  local res = require("hfl.http").get("https://" .. c.host .. "/v2/", http_opts(c, { retries = 0, timeout = 10 }))
  if not res then c.scheme = "http" end
  c.scheme_known = true
  local ev = c.probing
  c.probing = nil
  ev:fire()
end

-- A GET to the registry following the auth challenge once.
local function get(c, path, extra, scope)
  local http = require "hfl.http"
  ensure_scheme(c)
  local url = c.scheme .. "://" .. c.host .. path
  local o = http_opts(c, extra)
  local tok = c.tokens[scope or ""] or c.basic
  if tok then o.auth = tok end
  local res, err = http.get(url, o)
  if not res then return nil, err end
  if res.status ~= 401 then return res, nil, url end
  local challenge = res.headers and res.headers["www-authenticate"] or ""
  local kind, params = parse_challenge(challenge)
  if kind == "basic" then
    if not c.creds then return nil, "GET " .. url .. ": HTTP 401 unauthorized (" .. creds_hint(c) .. ")" end
    c.basic = { username = c.creds.username, password = c.creds.password }
    c.tokens[scope or ""] = c.basic
  elseif kind == "bearer" and params.realm then
    local turl = params.realm .. (params.realm:find("?", 1, true) and "&" or "?")
    local q = {}
    if params.service then q[#q + 1] = "service=" .. urlencode(params.service) end
    local sc = params.scope or scope
    if sc then q[#q + 1] = "scope=" .. urlencode(sc) end
    turl = turl .. table.concat(q, "&")
    local to = http_opts(c)
    if c.creds then to.auth = { username = c.creds.username, password = c.creds.password } end
    local tres, terr = http.get(turl, to)
    if not tres then return nil, terr end
    if tres.status ~= 200 then
      return nil, string.format("GET %s: token request failed with HTTP %d (%s)", url, tres.status, creds_hint(c))
    end
    local ok, doc = pcall(json.decode, tres.body or "")
    local token = ok and type(doc) == "table" and (doc.token or doc.access_token)
    if type(token) ~= "string" then return nil, "GET " .. turl .. ": no token in the response" end
    c.tokens[scope or ""] = { bearer = token }
  else
    return nil, "GET " .. url .. ": HTTP 401 unauthorized (" .. creds_hint(c) .. ")"
  end
  o.auth = c.tokens[scope or ""]
  res, err = http.get(url, o)
  if not res then return nil, err end
  if res.status == 401 or res.status == 403 then
    c.tokens[scope or ""], c.basic = nil, nil
    return nil, string.format("GET %s: HTTP %d, credentials rejected (%s)", url, res.status, creds_hint(c))
  end
  return res, nil, url
end

local function scope_of(repo) return "repository:" .. repo .. ":pull" end

local function status_error(url, res, what)
  if res.status == 404 then
    return string.format("GET %s: HTTP 404 (no such %s in the registry: check the chart path and version)", url, what)
  end
  return string.format("GET %s: HTTP %d", url, res.status)
end

--- The chart's tags (as versions: "_" → "+").
---@return string[]|nil tags, string|nil err
function M.tags(c, repo)
  local res, err, url = get(c, "/v2/" .. repo .. "/tags/list", nil, scope_of(repo))
  if not res then return nil, err end
  if res.status ~= 200 then return nil, status_error(url, res, "chart") end
  local ok, doc = pcall(json.decode, res.body or "")
  if not ok or type(doc) ~= "table" then return nil, "GET " .. url .. ": malformed tag list" end
  local out = {}
  for _, t in ipairs(type(doc.tags) == "table" and doc.tags or {}) do out[#out + 1] = (t:gsub("_", "+")) end
  return out
end

--- The tag to pull for a requested version (exact → itself; range/empty → highest match).
---@param opts table|nil {prerelease = "helm3"|"helm4"}: the helm binary's prerelease rule (hfl.semver)
---@return string|nil version, string|nil err
function M.select_version(c, r, version, devel, opts)
  if version == "latest" then
    return nil, "version \"latest\" is not supported for OCI charts (name a version or a range)"
  end
  if version and version ~= "" and semver.is_exact(version) then return version end
  local tags, err = M.tags(c, r.repo)
  if not tags then return nil, err end
  local v, serr = semver.select(tags, version, devel, opts)
  if serr then return nil, serr end
  if not v then
    return nil, string.format("no version matches %q (available: %s)", version or "",
      table.concat(semver.sort_desc(tags), ", "))
  end
  return v
end

--- Fetches the manifest for a tag or digest; verifies the digest when one was asked for.
---@return table|nil manifest {layers=, digest=}, string|nil err
function M.manifest(c, repo, reference)
  local res, err, url = get(c, "/v2/" .. repo .. "/manifests/" .. reference:gsub("%+", "_"),
    { headers = { ["Accept"] = M.MANIFEST } }, scope_of(repo))
  if not res then return nil, err end
  if res.status ~= 200 then return nil, status_error(url, res, "chart version") end
  local body = res.body or ""
  local digest = "sha256:" .. require("hfl.fs").sha256_hex(body)
  if reference:match("^sha256:") and reference ~= digest then
    return nil, string.format("GET %s: manifest digest mismatch (got %s): the registry content changed or is corrupt", url, digest)
  end
  local ok, doc = pcall(json.decode, body)
  if not ok or type(doc) ~= "table" then return nil, "GET " .. url .. ": malformed manifest" end
  return { layers = type(doc.layers) == "table" and doc.layers or {}, digest = digest, url = url }
end

--- Downloads the chart layer of a manifest to `file`, verifying its sha256.
---@return boolean|nil ok, string|nil err
-- Digest algorithms OCI registries use, with the length of their hex digests.
local DIGEST_HEX = { sha256 = 64, sha512 = 128 }

-- The algorithm of a well-formed "alg:hex" digest we can verify, or nil.
local function digest_algorithm(d)
  local alg, hex = d:match("^(%w+):(%x+)$")
  if alg and DIGEST_HEX[alg] == #hex and hex == hex:lower() then return alg end
  return nil
end

-- "alg:hex" of the downloaded file (sha256 comes with the transfer).
local function layer_digest(alg, file, res)
  if alg == "sha256" and res.sha256 then return "sha256:" .. res.sha256 end
  local data = require("hfl.fs").read(file, { max = 1024 * 1024 * 1024 })
  if not data then return nil end
  return alg .. ":" .. require("hfl.crypto").hex_digest(alg, data)
end

function M.download_layer(c, repo, manifest, file)
  local layer
  for _, l in ipairs(manifest.layers) do
    if l.mediaType == M.CHART_LAYER or l.mediaType == M.LEGACY_LAYER then layer = l break end
  end
  if not layer then return nil, manifest.url .. ": no Helm chart layer (" .. M.CHART_LAYER .. ") in the manifest (is this a chart?)" end
  local want = type(layer.digest) == "string" and layer.digest or ""
  local alg = digest_algorithm(want)
  if not alg then
    return nil, string.format("%s: the chart layer's digest %q is not a sha256 or sha512 digest, so the chart "
      .. "cannot be verified (check the registry)", manifest.url, want:sub(1, 80))
  end
  -- the digest is hex digits after the check: safe in the URL path as it is
  local res, err, url = get(c, "/v2/" .. repo .. "/blobs/" .. want, { output = file }, scope_of(repo))
  if not res then return nil, err end
  if res.status ~= 200 then return nil, status_error(url, res, "chart layer") end
  local got = layer_digest(alg, file, res)
  if got ~= want then
    require("hfl.fs").remove(file)
    return nil, string.format("GET %s: digest mismatch (want %s, got %s): retry, or check the registry", url, want,
      got or "nothing")
  end
  return true
end

M.b64encode = b64encode

return M
