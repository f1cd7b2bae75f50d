--- hfl.http: HTTP(S) requests on the hfl.proc event loop (libcurl's multi interface).
--
-- Inside a `proc.go` task a request yields while it runs, so many transfers (and child
-- processes) run at once; outside a task it blocks, driving the loop. Connection errors,
-- 5xx and 429 are retried with exponential backoff. Proxies come from the environment as
-- curl reads them (http_proxy, https_proxy, no_proxy, …).
--
--   local res, err = http.get(url, { output = dir .. "/chart.tgz", auth = { bearer = t } })
--   -- res.status, res.headers["etag"], res.sha256, res.size
local core = require("hfl.core").http
local proc = require "hfl.proc"
local redact = require "hfl.redact"
local trim = require "hfl.trim"

local M = {}

--- Default retries after the first attempt.
M.RETRIES = 3
--- Seconds before the first retry; doubled for each further one.
M.BACKOFF = 0.25
--- Longest wait between retries (also caps Retry-After).
M.MAX_BACKOFF = 10
--- Seconds a whole transfer may take.
M.TIMEOUT = 60
--- Seconds to establish a connection.
M.CONNECT_TIMEOUT = 30
--- Bytes a body kept in memory may have.
M.MAX_BODY = 256 * 1024 * 1024
M.USER_AGENT = "hfl"

local waiting = {}  -- transfer userdata -> proc event, while it runs
local nwaiting = 0
local streams = {}  -- transfer userdata -> proc event of its next chunk, while a stream runs

-- The result of a transfer stopped by SIGINT/SIGTERM (its temp file is gone with it).
local function interrupted_result(sig)
  return { fail = "interrupted", error = "interrupted by " .. sig, status = 0, headers = "",
    size = 0 }
end

-- After SIGINT/SIGTERM (the loop traps them while transfers run), every running transfer is
-- cancelled, so that hfl can clean up and exit 130/143 rather than be killed mid-write.
local function cancel_all(sig)
  for x, ev in pairs(waiting) do
    waiting[x] = nil
    nwaiting = nwaiting - 1
    x:cancel()
    ev:fire(interrupted_result(sig))
    local sev = streams[x]
    streams[x] = nil
    if sev then sev:fire("done") end
  end
end

-- Wakes a stream's reader with what arrived since its last chunk.
local function feed_streams()
  for x, ev in pairs(streams) do
    local chunk, status = x:take()
    if chunk ~= "" then
      streams[x] = nil
      ev:fire("data", chunk, status)
    end
  end
end

proc.on_step(function()
  if nwaiting == 0 then return end
  local sig = proc.interrupted()
  if sig then return cancel_all(sig) end
  if next(streams) then feed_streams() end
  local done = core.collect()
  for i = 1, #done do
    local x = done[i]
    local ev = waiting[x]
    if ev then
      waiting[x] = nil
      nwaiting = nwaiting - 1
      ev:fire(x:result())
      local sev = streams[x]
      streams[x] = nil
      if sev then sev:fire("done") end
    end
  end
end)

--- The URL without credentials (user:password@), for messages.
---@param url string
---@return string
function M.redact(url)
  return redact.url(url)
end

local function parse_headers(raw)
  local h, status_text = {}, nil
  for line in raw:gmatch("[^\r\n]+") do
    local name, value = line:match("^([^:%s]+):(.*)$")
    if name then
      name, value = name:lower(), trim.both(value)
      h[name] = h[name] and (h[name] .. ", " .. value) or value
    elseif line:match("^HTTP/") then
      status_text = line:match("^HTTP/%S+%s+%d+(.*)$")
      status_text = status_text and trim.both(status_text)
    end
  end
  return h, status_text
end

local hints = {
  connect = "is the server up and the URL right?",
  resolve = "check the host name in the URL, and your DNS or proxy settings",
  timeout = "the server is slow or unreachable; try again or raise the timeout",
  tls = "check the URL's scheme and port, and the caFile/certFile/keyFile settings",
  tls_peer = "set caFile to the CA that signed the server's certificate, "
    .. "or insecureSkipTLSVerify: true",
  tls_client = "check certFile and keyFile",
  partial = "the connection broke during the transfer; try again",
  redirects = "the server redirects in a loop; check the URL",
}

local function transport_error(method, url, r, opts)
  local what
  if r.fail == "connect" then
    what = "cannot connect: " .. r.error
  elseif r.fail == "resolve" then
    what = "cannot resolve the host: " .. r.error
  elseif r.fail == "timeout" then
    what = ("timed out (%s)"):format(r.error)
  elseif r.fail == "tls_peer" then
    what = "the server's TLS certificate is not trusted: " .. r.error
  elseif r.fail == "tls" then
    what = "TLS handshake failed: " .. r.error
  elseif r.fail == "tls_client" then
    what = "the TLS client certificate or key cannot be used: " .. r.error
  elseif r.fail == "partial" then
    what = "the transfer ended early after " .. math.floor(r.size) .. " bytes: " .. r.error
  elseif r.fail == "too_large" then
    what = ("the response is larger than the limit of %d bytes"):format(opts.max_size)
  elseif r.fail == "file" then
    what = ("cannot write %s: %s"):format(opts.output, r.error)
  else
    what = r.error
  end
  local hint = hints[r.fail]
  if r.fail == "partial" and r.size == 0 and url:match("^https:") and not opts.cert_file then
    hint = "the server closed the connection: it may require a client certificate "
      .. "(certFile/keyFile), or try again"
  end
  return ("%s %s: %s%s"):format(method, M.redact(url), what, hint and (" (" .. hint .. ")") or "")
end

local status_hints = {
  [401] = "wrong or missing credentials: check the username/password or token",
  [403] = "the credentials are not allowed to read this: check the username/password or token",
  [404] = "check the URL, the chart name and the version",
  [429] = "the server is rate-limiting; try again later",
}

--- The one-line message for an HTTP status >= 400 (for callers using res.status).
---@param method string
---@param url string
---@param res table  a response from M.request
---@return string
function M.status_error(method, url, res)
  local hint = status_hints[res.status]
    or (res.status >= 500 and "the server failed; try again later")
  local text = res.status_text and res.status_text ~= "" and (" " .. res.status_text) or ""
  local tries = res.attempts and res.attempts > 1 and (" after " .. res.attempts .. " attempts")
    or ""
  return ("%s %s: HTTP %d%s%s%s"):format(method, M.redact(url), res.status, text, tries,
    hint and (" (" .. hint .. ")") or "")
end

local function retryable(r)
  if r.fail == "connect" or r.fail == "timeout" or r.fail == "partial" then return true end
  return r.fail == "ok" and (r.status >= 500 or r.status == 429)
end

local function attempt(o)
  local sig = proc.interrupted()
  if sig then return interrupted_result(sig) end
  local x, err = core.start(o)
  if not x then return nil, err end
  local ev = proc.event()
  waiting[x] = ev
  nwaiting = nwaiting + 1
  return ev:wait()
end

--- Sends a request; HTTP statuses >= 400 are not errors here (see res.status) unless
--- opts.fail is set.
---@param opts table { method = "GET", url =, body = string, headers = { Name = "v" },
---  auth = { username =, password = } | { bearer = token }, pass_credentials = bool,
---  ca_file =, cert_file =, key_file =, insecure = bool, timeout = s, connect_timeout = s,
---  proxy = URL (instead of the environment's), connect_to = "HOST:PORT:CONNECT-HOST:CONNECT-PORT"
---  (curl's CURLOPT_CONNECT_TO: TLS names HOST, the socket goes to CONNECT-HOST),
---  retries = n, backoff = s, output = path (a 2xx body streams there, sha256 computed),
---  etag = string (If-None-Match), if_modified_since = unix time, max_size = bytes,
---  follow = true, fail = bool, sha256 = hex (with output: a body with another digest is an
---  error and its file is removed) }
---@return table|nil res, string|nil err
---  res = { status =, status_text =, headers = { lowercased = value }, body = string (no
---  output, or a non-2xx body), path = output (when written), sha256 = hex (when written),
---  size = bytes, url = final URL, not_modified = bool, attempts = n, duration = s }
---  err: one line naming the method and URL, what failed and what to do
function M.request(opts)
  if type(opts) ~= "table" or type(opts.url) ~= "string" then
    error("hfl.http.request: expected { url = string, … }", 2)
  end
  local method = (opts.method or "GET"):upper()
  local headers = {}
  for k, v in pairs(opts.headers or {}) do
    if type(k) == "number" then headers[#headers + 1] = v
    else headers[#headers + 1] = k .. ": " .. tostring(v) end
  end
  local auth = opts.auth or {}
  local o = {
    url = opts.url, method = method, headers = headers, body = opts.body,
    username = auth.username, password = auth.password, bearer = auth.bearer,
    pass_credentials = opts.pass_credentials,
    ca_file = opts.ca_file, cert_file = opts.cert_file, key_file = opts.key_file,
    insecure = opts.insecure, user_agent = opts.user_agent or M.USER_AGENT,
    proxy = opts.proxy, connect_to = opts.connect_to,
    follow = opts.follow ~= false,
    timeout = opts.timeout or M.TIMEOUT, connect_timeout = opts.connect_timeout or M.CONNECT_TIMEOUT,
    output = opts.output, etag = opts.etag, if_modified_since = opts.if_modified_since,
    max_size = opts.max_size or (not opts.output and M.MAX_BODY or nil),
  }
  if o.username and auth.password == nil then o.password = "" end
  local retries = opts.retries or M.RETRIES
  local backoff = opts.backoff or M.BACKOFF
  local r, err
  local tries = 0
  while true do
    tries = tries + 1
    r, err = attempt(o)
    if not r then return nil, ("%s %s: %s"):format(method, M.redact(opts.url), err) end
    if not retryable(r) or tries > retries then break end
    local delay = math.min(backoff * 2 ^ (tries - 1), M.MAX_BACKOFF)
    local h = parse_headers(r.headers)
    local after = tonumber(h["retry-after"] or "")
    if after and r.fail == "ok" then delay = math.min(math.max(after, delay), M.MAX_BACKOFF) end
    proc.sleep(delay)
  end
  if r.fail ~= "ok" then
    local msg = transport_error(method, opts.url, r, o)
    if tries > 1 then msg = msg .. (" [after %d attempts]"):format(tries) end
    return nil, msg
  end
  local h, status_text = parse_headers(r.headers)
  local res = {
    status = r.status, status_text = status_text, headers = h, size = r.size,
    url = r.url or opts.url, not_modified = r.status == 304 or r.unmet,
    attempts = tries, duration = r.duration,
  }
  if r.sha256 then
    res.path, res.sha256 = opts.output, r.sha256
  end
  if not r.sha256 or r.body ~= "" then res.body = r.body end
  if opts.sha256 and res.sha256 and res.sha256 ~= opts.sha256:lower() then
    os.remove(res.path)
    return nil, ("%s %s: digest mismatch: got sha256:%s, expected sha256:%s (the file changed on "
      .. "the server or was corrupted on the way: check the repository, refresh its index or "
      .. "lock file)"):format(method, M.redact(opts.url), res.sha256, opts.sha256:lower())
  end
  if opts.fail and r.status >= 400 then
    return nil, M.status_error(method, opts.url, res)
  end
  return res
end

--- GET url (see M.request for opts and results).
---@return table|nil res, string|nil err
function M.get(url, opts)
  local o = {}
  for k, v in pairs(opts or {}) do o[k] = v end
  o.url, o.method = url, "GET"
  return M.request(o)
end

--- HEAD url (see M.request).
---@return table|nil res, string|nil err
function M.head(url, opts)
  local o = {}
  for k, v in pairs(opts or {}) do o[k] = v end
  o.url, o.method = url, "HEAD"
  return M.request(o)
end

--- Sends one request whose body is read as it arrives (a Kubernetes watch): on_chunk(text) is
--- called with each piece of a 2xx body; when it returns false the transfer is cancelled. No
--- retries, no overall timeout unless opts.timeout. A non-2xx body is collected, not streamed.
---@param opts table as M.request (no output)
---@param on_chunk fun(chunk: string): boolean|nil
---@return table|nil res, string|nil err  res as M.request's; res.stopped when on_chunk stopped it
function M.stream(opts, on_chunk)
  if type(opts) ~= "table" or type(opts.url) ~= "string" or opts.output then
    error("hfl.http.stream: expected { url = string, … } without output", 2)
  end
  local method = (opts.method or "GET"):upper()
  local headers = {}
  for k, v in pairs(opts.headers or {}) do
    if type(k) == "number" then headers[#headers + 1] = v
    else headers[#headers + 1] = k .. ": " .. tostring(v) end
  end
  local auth = opts.auth or {}
  local x, err = core.start {
    url = opts.url, method = method, headers = headers, bearer = auth.bearer,
    username = auth.username, password = auth.username and (auth.password or "") or nil,
    ca_file = opts.ca_file, cert_file = opts.cert_file, key_file = opts.key_file,
    insecure = opts.insecure, user_agent = opts.user_agent or M.USER_AGENT, follow = false,
    timeout = opts.timeout or 0, connect_timeout = opts.connect_timeout or M.CONNECT_TIMEOUT,
    proxy = opts.proxy, connect_to = opts.connect_to,
  }
  if not x then return nil, ("%s %s: %s"):format(method, M.redact(opts.url), err) end
  local done = proc.event()
  waiting[x] = done
  nwaiting = nwaiting + 1
  local errbody = {}
  local function deliver(chunk, status)
    if status ~= 0 and (status < 200 or status >= 300) then
      errbody[#errbody + 1] = chunk
      return true
    end
    return on_chunk(chunk) ~= false
  end
  while not done.fired do
    local ev = proc.event()
    streams[x] = ev
    local what, chunk, status = ev:wait()  -- "data" with a chunk, or "done"
    if what == "data" and not deliver(chunk, status) then
      waiting[x] = nil
      nwaiting = nwaiting - 1
      x:cancel()
      return { status = status, stopped = true, headers = {} }
    end
  end
  local r = done:wait()
  if r.fail ~= "ok" then return nil, transport_error(method, opts.url, r, opts) end
  if (r.body or "") ~= "" and not deliver(r.body, r.status) then  -- what came with the end
    return { status = r.status, stopped = true, headers = {} }
  end
  local h, status_text = parse_headers(r.headers)
  local body = table.concat(errbody)
  return { status = r.status, status_text = status_text, headers = h, body = body,
    size = r.size, duration = r.duration }
end

--- Transfers running now.
---@return integer
function M.running()
  return nwaiting
end

return M
