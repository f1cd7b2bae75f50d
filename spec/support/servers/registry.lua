-- An OCI registry for the specs: Debian's `docker-registry serve CONFIG` with filesystem storage
-- in a temp dir on 127.0.0.1 and a random port, optionally with htpasswd (bcrypt) basic auth;
-- charts pushed with the real `helm push` (after `helm registry login` with a temp
-- HELM_REGISTRY_CONFIG for the auth variant).
local proc = require "hfl.proc"
local servers = require "spec.support.servers"

local M = {}

local Registry = {}
Registry.__index = Registry

--- Starts a registry. opts: { auth = { username =, password = } }
---@return table registry { host =, url = "oci://host", dir =, config = HELM_REGISTRY_CONFIG path, :push(tgz, path), :stop() }
function M.start(opts)
  opts = opts or {}
  local dir = servers.tmpdir()
  local conf = {
    "version: 0.1", "log:", "  level: error", "  accesslog:", "    disabled: true",
    "storage:", "  filesystem:", "    rootdirectory: " .. dir .. "/data", "  delete:", "    enabled: true",
    "http:", "  addr: 127.0.0.1:%d", "  secret: hfl-spec",
  }
  if opts.auth then
    local crypto = require "hfl.core.crypto"
    local hash = assert(crypto.bcrypt(opts.auth.password, 5))
    local f = assert(io.open(dir .. "/htpasswd", "w"))
    f:write(opts.auth.username, ":", hash, "\n")
    f:close()
    for _, l in ipairs { "auth:", "  htpasswd:", "    realm: hfl-spec", "    path: " .. dir .. "/htpasswd" } do
      conf[#conf + 1] = l
    end
  end
  local port, h = servers.listen("docker-registry", function(port)
    local f = assert(io.open(dir .. "/config.yml", "w"))
    f:write(table.concat(conf, "\n"):format(port), "\n")
    f:close()
    return assert(proc.spawn { "docker-registry", "serve", dir .. "/config.yml", stdout = "null", stderr = "null" })
  end, function(port)
    local r = proc.run { "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:" .. port .. "/v2/" }
    return r and (r.stdout == "200" or r.stdout == "401")
  end)
  local self = setmetatable({ handle = h, port = port, host = "127.0.0.1:" .. port, dir = dir,
    config = dir .. "/registry-config.json", auth = opts.auth }, Registry)
  self.url = "oci://" .. self.host
  if opts.auth then
    servers.sh(("printf %%s '%s' | HELM_REGISTRY_CONFIG=%s helm registry login %s --plain-http -u %s --password-stdin >/dev/null 2>&1")
      :format(opts.auth.password, self.config, self.host, opts.auth.username))
  end
  return self
end

--- Pushes a chart archive to oci://host/<path> with `helm push`.
function Registry:push(tgz, path)
  servers.sh(("HELM_REGISTRY_CONFIG=%s helm push %s oci://%s/%s --plain-http >/dev/null 2>&1")
    :format(self.config, tgz, self.host, path or "charts"))
end

--- A Bearer-token front (servers/tokenproxy.py) for this registry: /v2/ needs a token that
--- GET /token hands out for basic auth `creds` ("user:pass"; "-" = no auth, counting only).
---@return table proxy { host =, :counts() (forwarded GETs per path), :stop() }
function Registry:token_proxy(creds)
  local here = debug.getinfo(1, "S").source:sub(2):match("^(.*)/") or "."
  local portfile = servers.tmpdir() .. "/port"
  local h = assert(proc.spawn { "python3", here .. "/tokenproxy.py", self.host, creds, portfile,
    stdout = "null", stderr = "inherit", group = true })
  local port
  local deadline = proc.now() + 10
  while not port do
    local f = io.open(portfile)
    if f then port = tonumber(f:read("*a")); f:close() end
    if not port then
      if h:done() or proc.now() > deadline then error("tokenproxy.py did not start") end
      proc.sleep(0.02)
    end
  end
  return { host = "127.0.0.1:" .. port, handle = h, stop = function(p)
    if not p.handle:done() then p.handle:kill("KILL") end
    p.handle:wait()
  end, counts = function(p)
    local r = assert(proc.run { "curl", "-s", "http://" .. p.host .. "/_hfl/counts" })
    local t = {}
    for k, v in (r.stdout or ""):gmatch('"([^"]+)":%s*(%d+)') do t[k] = tonumber(v) end
    return t
  end }
end

function Registry:stop()
  if not self.handle:done() then self.handle:kill("KILL") end
  self.handle:wait()
end

return M
