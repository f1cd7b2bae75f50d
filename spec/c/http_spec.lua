-- hfl.http (and hfl.core.http under it) against the real chart repository server in
-- spec/support/servers: plain, basic auth, TLS with a CA made by openssl, faults.
local http = require "hfl.http"
local proc = require "hfl.proc"
local fs = require("hfl.core").fs
local S = require "spec.support.servers"
local hflrun = require "spec.support.hflrun"

local function sha256sum(path)
  return (S.sh("sha256sum " .. path):match("^(%x+)"))
end

local function leftovers(dir)
  local bad = {}
  for _, n in ipairs(fs.list(dir) or {}) do
    if n:find("%.part%-") then bad[#bad + 1] = n end
  end
  return bad
end

describe("hfl.http #integration", function()
  local repo, srv, out

  setup(function()
    repo = S.tmpdir()
    S.make_charts(repo, 2, { padding = 200000 })
    srv = S.httprepo(repo)
  end)

  teardown(function()
    srv:stop()
    S.cleanup()
  end)

  before_each(function()
    srv:reset()
    out = S.tmpdir()
  end)

  describe("get()", function()
    it("returns the status, lowercased headers and the body", function()
      local res = assert(http.get(srv.url .. "/index.yaml"))
      assert.equal(200, res.status)
      assert.equal("OK", res.status_text)
      assert.equal("application/x-yaml", res.headers["content-type"])
      assert.truthy(res.body:find("chart%-1"))
      assert.equal(#res.body, res.size)
      assert.equal(srv.url .. "/index.yaml", res.url)
    end)

    it("sends the given headers and a bearer token", function()
      local res = assert(http.get(srv.url .. "/_hfl/echo",
        { headers = { Accept = "application/x-yaml" }, auth = { bearer = "t0ken" } }))
      assert.truthy(res.body:find('"Accept": "application/x-yaml"', 1, true))
      assert.truthy(res.body:find('"Authorization": "Bearer t0ken"', 1, true))
    end)

    it("streams a body to a file with its sha256 computed on the way", function()
      local path = out .. "/c.tgz"
      local res = assert(http.get(srv.url .. "/chart-1-0.1.0.tgz", { output = path }))
      assert.equal(200, res.status)
      assert.equal(path, res.path)
      assert.is_nil(res.body)
      assert.equal(sha256sum(path), res.sha256)
      assert.equal(fs.stat(path).size, res.size)
      assert.same({}, leftovers(out))
    end)

    it("revalidates with an ETag and with If-Modified-Since", function()
      local first = assert(http.get(srv.url .. "/index.yaml"))
      local etag = assert(first.headers.etag)
      local again = assert(http.get(srv.url .. "/index.yaml", { etag = etag }))
      assert.equal(304, again.status)
      assert.is_true(again.not_modified)
      local later = assert(http.get(srv.url .. "/index.yaml",
        { if_modified_since = os.time() + 3600 }))
      assert.is_true(later.not_modified)
      local older = assert(http.get(srv.url .. "/index.yaml", { if_modified_since = 1000 }))
      assert.equal(200, older.status)
      assert.is_false(older.not_modified)
    end)

    it("does not write the output file for a 304 or an error status", function()
      local first = assert(http.get(srv.url .. "/index.yaml"))
      local res = assert(http.get(srv.url .. "/index.yaml",
        { etag = first.headers.etag, output = out .. "/i.yaml" }))
      assert.equal(304, res.status)
      assert.is_nil(fs.stat(out .. "/i.yaml"))
      local miss = assert(http.get(srv.url .. "/nope.tgz", { output = out .. "/n.tgz" }))
      assert.equal(404, miss.status)
      assert.truthy(miss.body:find("not found"))
      assert.is_nil(fs.stat(out .. "/n.tgz"))
      assert.same({}, leftovers(out))
    end)

    it("follows redirects and reports the final URL", function()
      srv:fault("/old/index.yaml", "redirect", { to = srv.url .. "/index.yaml" })
      local res = assert(http.get(srv.url .. "/old/index.yaml"))
      assert.equal(200, res.status)
      assert.equal(srv.url .. "/index.yaml", res.url)
      local raw = assert(http.get(srv.url .. "/old/index.yaml", { follow = false }))
      assert.equal(302, raw.status)
    end)

    it("retries 5xx and 429 with backoff, then succeeds", function()
      srv:fault("/index.yaml", "500", { times = 2 })
      local res = assert(http.get(srv.url .. "/index.yaml", { backoff = 0.05 }))
      assert.equal(200, res.status)
      assert.equal(3, res.attempts)
      assert.equal(3, srv:counts()["/index.yaml"])
      srv:fault("/chart-1-0.1.0.tgz", "429", { times = 1 })
      res = assert(http.get(srv.url .. "/chart-1-0.1.0.tgz", { backoff = 0.05 }))
      assert.equal(200, res.status)
      assert.equal(2, res.attempts)
    end)

    it("gives up after the retries and returns the last status", function()
      srv:fault("/index.yaml", "500")
      local res = assert(http.get(srv.url .. "/index.yaml", { retries = 2, backoff = 0.01 }))
      assert.equal(500, res.status)
      assert.equal(3, srv:counts()["/index.yaml"])
      local ok, err = http.get(srv.url .. "/index.yaml", { retries = 1, backoff = 0.01, fail = true })
      assert.is_nil(ok)
      assert.equal("GET " .. srv.url .. "/index.yaml: HTTP 500 Internal Server Error after 2 "
        .. "attempts (the server failed; try again later)", err)
    end)

    it("with fail = true turns a 404 into a one-line error naming the URL", function()
      local res, err = http.get(srv.url .. "/missing-1.0.0.tgz", { fail = true })
      assert.is_nil(res)
      assert.equal("GET " .. srv.url .. "/missing-1.0.0.tgz: HTTP 404 Not Found (check the "
        .. "URL, the chart name and the version)", err)
    end)

    it("reports a refused connection in one line, after retrying", function()
      local t0 = proc.now()
      local res, err = http.get("http://127.0.0.1:1/index.yaml",
        { retries = 2, backoff = 0.1, output = out .. "/x" })
      assert.is_nil(res)
      assert.truthy(err:find("^GET http://127.0.0.1:1/index.yaml: cannot connect: "))
      assert.truthy(err:find("(is the server up and the URL right?) [after 3 attempts]", 1, true))
      assert.is_nil(err:find("\n"))
      assert.is_true(proc.now() - t0 >= 0.3)
      assert.same({}, fs.list(out))
    end)

    it("times out a server that does not answer", function()
      srv:fault("/index.yaml", "hang", { delay = 3 })
      local t0 = proc.now()
      local res, err = http.get(srv.url .. "/index.yaml", { timeout = 0.4, retries = 0 })
      assert.is_nil(res)
      assert.truthy(err:find("timed out", 1, true))
      assert.is_true(proc.now() - t0 < 2)
    end)

    it("reports a truncated body and leaves no file", function()
      srv:fault("/chart-1-0.1.0.tgz", "truncated")
      local res, err = http.get(srv.url .. "/chart-1-0.1.0.tgz",
        { output = out .. "/c.tgz", retries = 1, backoff = 0.01 })
      assert.is_nil(res)
      assert.truthy(err:find("the transfer ended early after %d+ bytes"))
      assert.truthy(err:find("[after 2 attempts]", 1, true))
      assert.same({}, fs.list(out))
    end)

    it("recovers when only the first transfer is truncated", function()
      srv:fault("/chart-1-0.1.0.tgz", "truncated", { times = 1 })
      local res = assert(http.get(srv.url .. "/chart-1-0.1.0.tgz",
        { output = out .. "/c.tgz", backoff = 0.01 }))
      assert.equal(sha256sum(repo .. "/chart-1-0.1.0.tgz"), res.sha256)
    end)

    it("computes the digest of what arrived, so wrong bytes show", function()
      srv:fault("/chart-1-0.1.0.tgz", "wrong")
      local res = assert(http.get(srv.url .. "/chart-1-0.1.0.tgz", { output = out .. "/c.tgz" }))
      assert.are_not.equal(sha256sum(repo .. "/chart-1-0.1.0.tgz"), res.sha256)
      assert.equal(sha256sum(out .. "/c.tgz"), res.sha256)
    end)

    it("checks an expected sha256 and removes a file that does not match", function()
      local want = sha256sum(repo .. "/chart-1-0.1.0.tgz")
      local res = assert(http.get(srv.url .. "/chart-1-0.1.0.tgz",
        { output = out .. "/c.tgz", sha256 = want:upper() }))
      assert.equal(want, res.sha256)
      srv:fault("/chart-1-0.1.0.tgz", "wrong")
      local bad, err = http.get(srv.url .. "/chart-1-0.1.0.tgz",
        { output = out .. "/d.tgz", sha256 = want })
      assert.is_nil(bad)
      assert.truthy(err:find("^GET " .. srv.url:gsub("%p", "%%%0") .. "/chart%-1%-0%.1%.0%.tgz: "
        .. "digest mismatch: got sha256:%x+, expected sha256:" .. want))
      assert.is_nil(fs.stat(out .. "/d.tgz"))
    end)

    it("stops at max_size", function()
      local res, err = http.get(srv.url .. "/chart-1-0.1.0.tgz",
        { output = out .. "/c.tgz", max_size = 1000 })
      assert.is_nil(res)
      assert.truthy(err:find("larger than the limit of 1000 bytes", 1, true))
      assert.same({}, fs.list(out))
      res, err = http.get(srv.url .. "/index.yaml", { max_size = 10 })
      assert.is_nil(res)
      assert.truthy(err:find("limit of 10 bytes", 1, true))
    end)

    it("runs many transfers at once inside tasks, alongside child processes", function()
      for i = 1, 2 do srv:fault("/chart-" .. i .. "-0.1.0.tgz", "slow", { delay = 0.8 }) end
      srv:fault("/index.yaml", "slow", { delay = 0.8 })
      local t0 = proc.now()
      local spans = {}
      local items = { "/chart-1-0.1.0.tgz", "/chart-2-0.1.0.tgz", "/index.yaml", "sleep" }
      proc.map(items, 0, function(p, i)
        local s = proc.now()
        if p == "sleep" then
          assert(proc.run { "sleep", "0.8" })
        else
          local res = assert(http.get(srv.url .. p, { output = out .. "/" .. i }))
          assert.equal(200, res.status)
        end
        spans[i] = { s, proc.now() }
      end)
      local total = proc.now() - t0
      assert.is_true(total < 1.6, "took " .. total .. "s: the transfers did not overlap")
      for i = 1, #items do
        for j = i + 1, #items do
          assert.is_true(spans[i][1] < spans[j][2] and spans[j][1] < spans[i][2],
            "transfers " .. i .. " and " .. j .. " did not overlap")
        end
      end
    end)
  end)

  describe("proxies", function()
    it("go through http_proxy from the environment, as curl reads it", function()
      local d = S.tmpdir()
      local f = assert(io.open(d .. "/p.lua", "w"))
      f:write([[
        local res, err = require("hfl.http").get("http://charts.example.invalid/index.yaml",
          { retries = 0 })
        io.write(res and res.status or err)]])
      f:close()
      local r = hflrun.capture({ "run", d .. "/p.lua" },
        { env = { http_proxy = srv.url, no_proxy = false, NO_PROXY = false } })
      assert.equal("200", r.stdout)
      assert.equal(1, srv:counts()["/index.yaml"])
    end)

    it("go through the proxy option instead of the environment's", function()
      local res = assert(http.get("http://charts.example.invalid/index.yaml", { retries = 0, proxy = srv.url }))
      assert.equal(200, res.status)
      assert.equal(1, srv:counts()["/index.yaml"])
    end)
  end)

  describe("connect_to", function()
    it("sends the request for one host name to another address", function()
      local port = srv.url:match(":(%d+)$")
      local res = assert(http.get(("http://repo.example.invalid:%s/index.yaml"):format(port),
        { retries = 0, connect_to = ("repo.example.invalid:%s:127.0.0.1:%s"):format(port, port) }))
      assert.equal(200, res.status)
      assert.equal(1, srv:counts()["/index.yaml"])
    end)
  end)

  describe("stream()", function()
    local file = "/chart-1-0.1.0.tgz"
    local function whole()
      local f = assert(io.open(repo .. file, "rb"))
      local data = f:read("*a")
      f:close()
      return data
    end

    it("hands over the body in pieces as they arrive, before the transfer ends", function()
      srv:fault(file, "slow", { delay = 1 })
      local chunks, first_at, t0 = {}, nil, proc.now()
      local res = assert(http.stream({ url = srv.url .. file }, function(chunk)
        chunks[#chunks + 1] = chunk
        first_at = first_at or proc.now()
      end))
      local total = proc.now() - t0
      assert.equal(200, res.status)
      assert.equal("", res.body)
      assert.equal(whole(), table.concat(chunks))
      assert.is_true(#chunks > 2, #chunks)
      assert.is_true(first_at - t0 < total / 2, ("first piece after %.2f s of %.2f s"):format(first_at - t0, total))
    end)

    it("stops the transfer when the reader returns false", function()
      srv:fault(file, "slow", { delay = 5 })
      local t0 = proc.now()
      local res = assert(http.stream({ url = srv.url .. file }, function() return false end))
      assert.is_true(res.stopped)
      assert.is_true(proc.now() - t0 < 3)
      assert.equal(0, http.running())
    end)

    it("collects an error status's body instead of streaming it", function()
      local called = false
      local res = assert(http.stream({ url = srv.url .. "/missing.tgz" }, function() called = true end))
      assert.equal(404, res.status)
      assert.is_false(called)
      assert.truthy(#res.body > 0)
    end)

    it("streams from several tasks at once", function()
      local sizes = proc.map({ 1, 2, 3 }, 0, function()
        local n = 0
        assert(http.stream({ url = srv.url .. file }, function(c) n = n + #c end))
        return n
      end)
      local size = #whole()
      assert.same({ size, size, size }, sizes)
    end)
  end)

  describe("head()", function()
    it("returns the headers without a body", function()
      local res = assert(http.head(srv.url .. "/index.yaml"))
      assert.equal(200, res.status)
      assert.equal("", res.body)
      assert.truthy(tonumber(res.headers["content-length"]) > 0)
    end)
  end)

  describe("redact()", function()
    it("removes credentials from URLs in messages", function()
      assert.equal("https://h/x?y=1", http.redact("https://user:pw@h/x?y=1"))
    end)
  end)
end)

describe("hfl.http with basic auth #integration", function()
  local srv, repo
  setup(function()
    repo = S.tmpdir()
    S.make_charts(repo, 1)
    srv = S.httprepo(repo, { auth = "alice:s3cret" })
  end)
  teardown(function()
    srv:stop()
    S.cleanup()
  end)

  it("sends the username and password", function()
    local res = assert(http.get(srv.url .. "/index.yaml",
      { auth = { username = "alice", password = "s3cret" } }))
    assert.equal(200, res.status)
  end)

  it("says what to do about wrong credentials", function()
    local res = assert(http.get(srv.url .. "/index.yaml",
      { auth = { username = "alice", password = "nope" } }))
    assert.equal(401, res.status)
    local _, err = http.get(srv.url .. "/index.yaml",
      { auth = { username = "alice", password = "nope" }, fail = true })
    assert.equal("GET " .. srv.url .. "/index.yaml: HTTP 401 Unauthorized (wrong or missing "
      .. "credentials: check the username/password or token)", err)
  end)
end)

describe("hfl.http over TLS #integration", function()
  local srv, certs, repo, mtls
  setup(function()
    local dir = S.tmpdir()
    certs = S.make_certs(dir)
    repo = S.tmpdir()
    S.make_charts(repo, 1)
    srv = S.httprepo(repo, { tls = certs })
    mtls = S.httprepo(repo, { tls = certs, client_ca = certs.ca })
  end)
  teardown(function()
    srv:stop()
    mtls:stop()
    S.cleanup()
  end)

  it("refuses an untrusted server certificate and says to set caFile", function()
    local res, err = http.get(srv.url .. "/index.yaml", { retries = 0 })
    assert.is_nil(res)
    assert.truthy(err:find("^GET " .. srv.url:gsub("%p", "%%%0") .. "/index.yaml: the "
      .. "server's TLS certificate is not trusted: "))
    assert.truthy(err:find("(set caFile to the CA that signed the server's certificate, or "
      .. "insecureSkipTLSVerify: true)", 1, true))
  end)

  it("trusts the server with ca_file, or with insecure", function()
    assert.equal(200, assert(http.get(srv.url .. "/index.yaml", { ca_file = certs.ca })).status)
    assert.equal(200, assert(http.get(srv.url .. "/index.yaml", { insecure = true })).status)
  end)

  it("presents a client certificate and key", function()
    local res = assert(http.get(mtls.url .. "/index.yaml", { ca_file = certs.ca,
      cert_file = certs.client_cert, key_file = certs.client_key }))
    assert.equal(200, res.status)
    local _, err = http.get(mtls.url .. "/index.yaml", { ca_file = certs.ca, retries = 0 })
    assert.truthy(err)
    local _, err2 = http.get(mtls.url .. "/index.yaml", { ca_file = certs.ca, retries = 0,
      cert_file = "/nonexistent.crt", key_file = certs.client_key })
    assert.truthy(err2:find("(check certFile and keyFile)", 1, true))
  end)
end)
