--- The state's `repositories:`: lookup by name, credentials (also from <NAME>_USERNAME /
--- <NAME>_PASSWORD as Helmfile allows), TLS options, and index.yaml loading with ETag
--- revalidation — once per repository URL per process, never through `helm repo add`.
local value = require "hfl.value"
local index = require "hfl.charts.index"
local fs = require "hfl.fs"

local M = {}

local function str(v)
  if v == nil or v == value.null then return nil end
  if type(v) == "string" then return v end
  return tostring(v)
end
local function truthy(v) return v == true or v == "true" end

--- The environment variable prefix of a repository name ("my-repo" → "MY_REPO").
---@param name string
---@return string
function M.env_prefix(name)
  return (name:upper():gsub("-", "_"))
end

--- A normalised repository spec from one `repositories:` item.
---@param item table
---@param getenv fun(name:string):string|nil  (os.getenv by default)
---@return table spec {name=, url=, oci=, username=, password=, cert_file=, key_file=, ca_file=,
---  insecure=, plain_http=, pass_credentials=, registry_config=}
function M.spec(item, getenv)
  getenv = getenv or os.getenv
  local name = str(item.name) or ""
  local s = {
    name = name, url = str(item.url) or "", oci = truthy(item.oci),
    username = str(item.username), password = str(item.password),
    cert_file = str(item.certFile), key_file = str(item.keyFile), ca_file = str(item.caFile),
    insecure = truthy(item.skipTLSVerify), plain_http = truthy(item.plainHttp),
    pass_credentials = truthy(item.passCredentials), registry_config = str(item.registryConfig),
    managed = str(item.managed),
  }
  local prefix = M.env_prefix(name)
  if not s.username or s.username == "" then s.username = getenv(prefix .. "_USERNAME") end
  if not s.password or s.password == "" then s.password = getenv(prefix .. "_PASSWORD") end
  if s.username == "" then s.username = nil end
  if s.password == "" then s.password = nil end
  return s
end

--- Finds a repository by name in a state-like table ({doc = {repositories = {...}}} or
--- {repositories = {...}}).
---@return table|nil spec
function M.find(state, name, getenv)
  local doc = state and (state.doc or state) or {}
  local list = doc.repositories
  if list == nil or list == value.null then return nil end
  for _, item in ipairs(list) do
    if type(item) == "table" and str(item.name) == name then return M.spec(item, getenv) end
  end
end

--- The names of every repository of the state, in order.
---@return table[] specs
function M.all(state, getenv)
  local doc = state and (state.doc or state) or {}
  local out = {}
  local list = doc.repositories
  if list == nil or list == value.null then return out end
  for _, item in ipairs(list) do
    if type(item) == "table" then out[#out + 1] = M.spec(item, getenv) end
  end
  return out
end

--- hfl.http options for talking to a repository (auth only to the repository's own host
--- unless passCredentials).
---@param spec table
---@param url string|nil  the URL being fetched (for the same-host check)
---@return table
function M.http_opts(spec, url)
  local o = { ca_file = spec.ca_file, cert_file = spec.cert_file, key_file = spec.key_file,
    insecure = spec.insecure or nil }
  if spec.username and spec.password then
    local rhost = spec.url:match("^%a[%w+.-]*://([^/?#]+)")
    local uhost = url and url:match("^%a[%w+.-]*://([^/?#]+)")
    if spec.pass_credentials or not url or rhost == uhost then
      o.auth = { username = spec.username, password = spec.password }
    end
  end
  return o
end

local function index_files(url)
  local cache = require "hfl.charts.cache"
  local hex = fs.sha256_hex(url)
  local dir = cache.root() .. "/indexes"
  return dir, dir .. "/" .. hex:sub(1, 32) .. ".yaml", dir .. "/" .. hex:sub(1, 32) .. ".etag"
end

-- The most of a stored index read back: as much as hfl.http accepts in a response (MAX_BODY).
local INDEX_MAX = 256 * 1024 * 1024

-- A stored index (or ETag); nil when missing, unreadable or past the bound, which makes it
-- fetched again.
local function read_file(path)
  return (fs.read(path, { max = INDEX_MAX }))
end

local function fetch_index(spec, url, opts)
  local dir, file, etag_file = index_files(url)
  local cached = read_file(file)
  if cached and opts.skip_refresh then return cached end
  fs.mkdir_p(dir)
  local http = require "hfl.http"
  local o = M.http_opts(spec, url)
  o.etag = cached and read_file(etag_file) or nil
  o.timeout = opts.timeout
  local res, err = http.get(url, o)
  if not res then
    if cached then return cached end
    return nil, err
  end
  if res.status == 304 and cached then return cached end
  if res.status == 401 or res.status == 403 then
    return nil, string.format("GET %s: HTTP %d (check the repository's username/password or %s_USERNAME/%s_PASSWORD)",
      http.redact(url), res.status, M.env_prefix(spec.name), M.env_prefix(spec.name))
  end
  if res.status ~= 200 then
    return nil, string.format("GET %s: HTTP %d (is the repository URL right?)", http.redact(url), res.status)
  end
  local body = res.body or read_file(res.path) or ""
  fs.write_atomic(file, body)
  local etag = res.headers and res.headers["etag"]
  if etag then fs.write_atomic(etag_file, etag) else fs.remove(etag_file) end
  return body
end

--- The parsed index of a repository: downloaded (or revalidated with its ETag) once per
--- session; concurrent callers wait for the first; a failure is not kept. skip_refresh uses a
--- stored copy when there is one.
---@param spec table
---@param opts table {session=hfl.Session, skip_refresh=, timeout=}
---@return table|nil index, string|nil err
function M.index(spec, opts)
  local session = opts and opts.session
  if not session then error("hfl.charts.repo.index: opts.session is required", 2) end
  local url = index.index_url(spec.url)
  return session:once("repo index", url, function()
    local text, err = fetch_index(spec, url, opts)
    if not text then return nil, err end
    return index.parse(text, url)
  end, true)
end

return M
