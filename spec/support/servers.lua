-- Real servers for the specs, on 127.0.0.1 with random ports, started and stopped by the specs:
-- an HTTP(S) chart repository (servers/httprepo.py) with basic auth, TLS, request counting and
-- fault injection; helpers to make charts with the real `helm package` / `helm repo index` and
-- certificates with `openssl`.
local proc = require "hfl.proc"
local http = require "hfl.http"

local M = {}

local here = debug.getinfo(1, "S").source:sub(2):match("^(.*)/") or "."

--- A fresh temporary directory (removed by M.cleanup()).
local made = {}
function M.tmpdir()
  local p = io.popen("mktemp -d /tmp/hfl-spec-XXXXXX")
  local d = p:read("*l")
  p:close()
  made[#made + 1] = d
  return d
end

function M.cleanup()
  for _, d in ipairs(made) do os.execute("rm -rf '" .. d .. "'") end
  made = {}
end

--- A port of 127.0.0.1 that is free now.
---@return integer
function M.free_port()
  local r = assert(proc.run { "python3", "-c",
    "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])" })
  return assert(tonumber(r.stdout), "no port from python3")
end

--- Starts a server that takes its port on the command line: start(port) spawns it and returns
--- the handle, ready(port) says whether it answers yet. A spec file running in parallel may take
--- the free port before the server binds it; the server then exits and the next port is tried.
---@param what string the server's name, for errors
---@return integer port, table handle
function M.listen(what, start, ready)
  for _ = 1, 5 do
    local port = M.free_port()
    local h = start(port)
    local deadline = proc.now() + 15
    while not h:done() do
      if ready(port) then return port, h end
      if proc.now() > deadline then
        h:kill("KILL")
        h:wait()
        error(what .. " did not answer within 15 s")
      end
      proc.sleep(0.05)
    end
  end
  error(what .. " exited at start on 5 free ports")
end

local function sh(cmd)
  local r = assert(proc.run { cmd, shell = true })
  if r.code ~= 0 then
    error(("command failed (%s): %s\n%s%s"):format(tostring(r.code), cmd, r.stdout or "",
      r.stderr or ""), 2)
  end
  return r.stdout
end
M.sh = sh

--- Packages `n` charts chart-1 … chart-n (version 0.1.0, or opts.version) with `helm package`
--- into dir and indexes them with `helm repo index` (opts.url = the repository URL).
---@return string[] names of the .tgz files
function M.make_charts(dir, n, opts)
  opts = opts or {}
  local version = opts.version or "0.1.0"
  local src = M.tmpdir()
  local files = {}
  for i = 1, n do
    local name = (opts.prefix or "chart-") .. i
    sh(("cd %s && helm create %s >/dev/null && sed -i 's/^version:.*/version: %s/' %s/Chart.yaml")
      :format(src, name, version, name))
    if opts.padding then  -- a bigger chart, for slow transfers
      sh(("head -c %d /dev/urandom | base64 > %s/%s/files.txt"):format(opts.padding, src, name))
    end
    sh(("helm package %s/%s -d %s >/dev/null"):format(src, name, dir))
    files[i] = ("%s-%s.tgz"):format(name, version)
  end
  sh(("helm repo index %s --url %s"):format(dir, opts.url or "http://example.invalid"))
  return files
end

--- A self-signed CA and a server certificate for 127.0.0.1/localhost, plus a client cert.
---@return table { ca =, cert =, key =, client_cert =, client_key = }
function M.make_certs(dir)
  sh(([[cd %s &&
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=hfl-spec-ca 2>/dev/null &&
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost 2>/dev/null &&
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > ext.cnf &&
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile ext.cnf 2>/dev/null &&
    openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=client 2>/dev/null &&
    openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 2 2>/dev/null]]
  ):format(dir))
  return { ca = dir .. "/ca.crt", cert = dir .. "/server.crt", key = dir .. "/server.key",
    client_cert = dir .. "/client.crt", client_key = dir .. "/client.key" }
end

local Server = {}
Server.__index = Server

--- Starts the chart repository serving root.
---@param opts table|nil { auth = "user:pass", tls = certs (from make_certs), client_ca = path,
---  backlog = n (listen queue length) }
---@return table server { url =, port =, root = , :counts(), :connections(), :fault(path, kind, q), :reset(), :stop() }
function M.httprepo(root, opts)
  opts = opts or {}
  local portfile = M.tmpdir() .. "/port"
  local argv = { "python3", here .. "/servers/httprepo.py", root, portfile }
  if opts.auth then argv[#argv + 1] = "--auth"; argv[#argv + 1] = opts.auth end
  if opts.tls then
    argv[#argv + 1] = "--tls"; argv[#argv + 1] = opts.tls.cert; argv[#argv + 1] = opts.tls.key
  end
  if opts.client_ca then argv[#argv + 1] = "--client-ca"; argv[#argv + 1] = opts.client_ca end
  if opts.backlog then argv[#argv + 1] = "--backlog"; argv[#argv + 1] = tostring(opts.backlog) end
  argv.stdout, argv.stderr = "null", "inherit"
  argv.group = true  -- stop() reaches whatever the interpreter (or a pyenv shim) started
  local h = assert(proc.spawn(argv))
  local deadline = proc.now() + 10
  local port
  while not port do
    local f = io.open(portfile)
    if f then port = tonumber(f:read("*a")); f:close() end
    if not port then
      if h:done() or proc.now() > deadline then error("httprepo.py did not start") end
      proc.sleep(0.02)
    end
  end
  local scheme = opts.tls and "https" or "http"
  return setmetatable({
    handle = h, port = port, root = root, tls = opts.tls,
    url = ("%s://127.0.0.1:%d"):format(scheme, port),
  }, Server)
end

function Server:_control(path)
  local res, err = http.get(self.url .. path, { ca_file = self.tls and self.tls.ca, retries = 0,
    cert_file = self.tls and self.tls.client_cert, key_file = self.tls and self.tls.client_key })
  assert(res and res.status == 200, err or (res and res.body))
  return res.body
end

--- Requests per path so far: { ["/chart-1-0.1.0.tgz"] = 1, … }
function Server:counts()
  local body = self:_control("/_hfl/counts")
  local t = {}
  for k, v in body:gmatch('"([^"]+)":%s*(%d+)') do t[k] = tonumber(v) end
  return t
end

--- Connections that carried repository requests: { open =, max = (most open at once), total = }
--- since the last reset.
function Server:connections()
  local body = self:_control("/_hfl/connections")
  local t = {}
  for k, v in body:gmatch('"(%a+)":%s*(%d+)') do t[k] = tonumber(v) end
  return t
end

--- Injects a fault on path: kind = "404"|"500"|"429"|"slow"|"truncated"|"wrong"|"hang"|"redirect"|
--- "padded" (a 90 KB header of spaces)
---@param q table|nil { times = n, delay = seconds, to = url }
function Server:fault(path, kind, q)
  q = q or {}
  local s = ("/_hfl/fault?path=%s&kind=%s"):format(path, kind)
  if q.times then s = s .. "&times=" .. q.times end
  if q.delay then s = s .. "&delay=" .. q.delay end
  if q.to then s = s .. "&to=" .. q.to:gsub("[:/?&=]", function(c)
    return ("%%%02X"):format(c:byte()) end) end
  self:_control(s)
end

function Server:reset()
  self:_control("/_hfl/reset")
end

function Server:stop()
  if not self.handle:done() then self.handle:kill("KILL") end
  self.handle:wait()
end

local LLM = {}
LLM.__index = LLM

--- Starts the OpenAI-compatible chat server (servers/llm.py) on 127.0.0.1.
---@return table server { url = "http://127.0.0.1:PORT/v1", :behave(t), :requests(), :stop() }
function M.llm()
  -- its own directory: M.cleanup() between the specs of a file must not take it away
  local p = io.popen("mktemp -d /tmp/hfl-llm-XXXXXX")
  local dir = p:read("*l")
  p:close()
  local h = assert(proc.spawn { "python3", here .. "/servers/llm.py", dir,
    stdout = "null", stderr = "inherit", group = true })
  local deadline = proc.now() + 10
  local port
  while not port do
    local f = io.open(dir .. "/port")
    if f then port = tonumber(f:read("*a")); f:close() end
    if not port then
      if h:done() or proc.now() > deadline then error("llm.py did not start") end
      proc.sleep(0.02)
    end
  end
  return setmetatable({ handle = h, dir = dir, port = port,
    url = ("http://127.0.0.1:%d/v1"):format(port) }, LLM)
end

--- Sets how the server answers from now on (see servers/llm.py): { content = "…" },
--- { status = 500, error = "…" }, { reject_response_format = true, content = "…" }, …
function LLM:behave(t)
  local f = assert(io.open(self.dir .. "/behaviour.json.tmp", "w"))
  f:write(require("hfl.json").encode(t))
  f:close()
  assert(os.rename(self.dir .. "/behaviour.json.tmp", self.dir .. "/behaviour.json"))
end

--- The requests received so far: { {path=, headers=, body=, json= (the decoded body)} … }.
function LLM:requests()
  local json = require "hfl.json"
  local out = {}
  local f = io.open(self.dir .. "/requests.jsonl")
  if not f then return out end
  for line in f:lines() do
    local r = assert(json.decode(line))
    r.json = json.decode(r.body)
    out[#out + 1] = r
  end
  f:close()
  return out
end

--- Forgets the requests received so far.
function LLM:clear()
  os.remove(self.dir .. "/requests.jsonl")
end

function LLM:stop()
  if not self.handle:done() then self.handle:kill("KILL") end
  self.handle:wait()
  os.execute("rm -rf '" .. self.dir .. "'")
end

return M
