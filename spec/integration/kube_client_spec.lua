-- hfl.kube against a small TLS API server started here (spec/support/fakecluster/apiserver.py
-- over a fake cluster's records, certificates from openssl): every way a kubeconfig can
-- authenticate and trust the server, exec plugins and their caching, the errors. #integration
local kube = require "hfl.kube"
local crypto = require "hfl.crypto"
local fs = require "hfl.fs"
local proc = require "hfl.proc"
local session_mod = require "hfl.session"
local files = require "spec.support.files"
local servers = require "spec.support.servers"
local fakecluster = require "spec.support.fakecluster"

local TOKEN = "s3cret-token"

-- A certificate for kube.test only (signed by the spec CA), for tls-server-name.
local function make_named_cert(dir)
  servers.sh(([[cd %s &&
    openssl req -newkey rsa:2048 -nodes -keyout named.key -out named.csr -subj /CN=kube.test 2>/dev/null &&
    printf 'subjectAltName=DNS:kube.test\n' > named.cnf &&
    openssl x509 -req -in named.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out named.crt -days 2 -extfile named.cnf 2>/dev/null]]
  ):format(dir))
  return dir .. "/named.crt", dir .. "/named.key"
end

-- Starts apiserver.py over root with args; returns { url, port, handle }.
local function start_api(root, args)
  local portfile = root .. ("/port-%d"):format(math.random(1e9))
  local argv = { "python3", fakecluster.BIN .. "/apiserver.py", root, portfile,
    stdout = "null", stderr = "null", group = true }
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  local h = assert(proc.spawn(argv))
  local deadline = proc.now() + 15
  local port
  while not port do
    port = tonumber(fs.read(portfile) or "")
    if not port then
      assert(not h:done() and proc.now() < deadline, "apiserver.py did not start")
      proc.sleep(0.02)
    end
  end
  return { port = port, handle = h }
end

local function stop(s)
  if not s.handle:done() then s.handle:kill("KILL") end
  s.handle:wait()
end

local function b64file(path) return crypto.base64_encode(assert(fs.read(path))) end

-- A kubeconfig with one context "ctx" of server and the given cluster and user fields
-- (written as YAML flow maps from Lua tables of strings/booleans).
local function kubeconfig(path, server, cluster, user)
  local function flow(t)
    local parts = {}
    for k, v in pairs(t) do
      if type(v) == "table" then
        parts[#parts + 1] = ("%q: %s"):format(k, v.raw)
      else
        parts[#parts + 1] = ("%q: %s"):format(k, type(v) == "string" and ("%q"):format(v) or tostring(v))
      end
    end
    table.sort(parts)
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  cluster = cluster or {}
  cluster.server = server
  files.write(path, ("current-context: ctx\nclusters:\n- name: c\n  cluster: %s\ncontexts:\n"
    .. "- name: ctx\n  context: {cluster: c, user: u, namespace: apps}\nusers:\n- name: u\n  user: %s\n")
    :format(flow(cluster), flow(user or {})))
  return path
end

describe("hfl.kube over TLS #integration", function()
  local fc, certs, dir, api, url
  setup(function()
    fc = fakecluster.new()
    for i = 1, 3 do fc:preset { name = "r" .. i, namespace = "apps" } end
    fc:preset { name = "hidden", namespace = "locked" }
    dir = fc.dir .. "/tls"
    assert(fs.mkdir_p(dir))
    certs = servers.make_certs(dir)
    api = start_api(fc.dir, { "--tls", certs.cert, certs.key, "--client-ca", certs.ca, "--token", TOKEN,
      "--forbid-namespace", "locked" })
    url = ("https://127.0.0.1:%d"):format(api.port)
  end)
  teardown(function()
    stop(api)
    fc:cleanup()
  end)

  local n = 0
  -- A fresh Session reading a new kubeconfig: the client, or nil, err.
  local function client_for(cluster, user, server)
    n = n + 1
    local path = kubeconfig(("%s/kc-%d"):format(dir, n), server or url, cluster, user)
    local s = session_mod.new { kubeconfig = path }
    local c, err = kube.client(s, {})
    return c, err, s
  end

  local function release_names(c)
    local items = assert(c:list("/api/v1/namespaces/apps/secrets", { label_selector = "owner=helm" }))
    local names = {}
    for _, it in ipairs(items) do names[#names + 1] = it.metadata.labels.name end
    return table.concat(names, ",")
  end

  it("authenticates with a client certificate and key given as files", function()
    local c = assert(client_for({ ["certificate-authority"] = certs.ca },
      { ["client-certificate"] = certs.client_cert, ["client-key"] = certs.client_key }))
    assert.equal("apps", c.namespace)
    assert.equal("r1,r2,r3", release_names(c))
    -- the server knows us by the certificate's CN
    local _, err = c:list("/api/v1/namespaces/locked/secrets")
    assert.matches('User "client" cannot list resource "secrets"', err, 1, true)
  end)

  it("authenticates with certificate, key and CA given as data, kept in 0600 files of the session", function()
    local c, err, s = client_for({ ["certificate-authority-data"] = b64file(certs.ca) },
      { ["client-certificate-data"] = b64file(certs.client_cert), ["client-key-data"] = b64file(certs.client_key) })
    assert(c, err)
    assert.equal("r1,r2,r3", release_names(c))
    local tmp = assert(s:tempdir())
    local pems = {}
    for _, f in ipairs(fs.list(tmp)) do
      if f:match("^kube%-") then
        pems[#pems + 1] = f
        assert.equal("600", servers.sh("stat -c %a " .. tmp .. "/" .. f):match("%d+"))
      end
    end
    assert.equal(3, #pems)
    s:close()
    assert.is_false(fs.exists(tmp))
  end)

  it("sends a bearer token, and names the server and status when it is refused", function()
    local c = assert(client_for({ ["certificate-authority"] = certs.ca }, { token = TOKEN }))
    assert.equal("r1,r2,r3", release_names(c))
    local _, err = c:list("/api/v1/namespaces/locked/secrets")
    assert.equal(("GET %s/api/v1/namespaces/locked/secrets (kube context \"ctx\"): HTTP 403 Forbidden: "
      .. 'secrets is forbidden: User "token-user" cannot list resource "secrets" in API group "" in the '
      .. 'namespace "locked" (the kubeconfig\'s user is not allowed to do this)'):format(url), err)
    local bad = assert(client_for({ ["certificate-authority"] = certs.ca }, { token = "wrong" }))
    local items
    items, err = bad:list("/api/v1/namespaces/apps/secrets")
    assert.is_nil(items)
    assert.matches("HTTP 401 Unauthorized: Unauthorized (the credentials were not accepted", err, 1, true)
  end)

  it("reads tokenFile, which wins over token as in client-go", function()
    files.write(dir .. "/token", TOKEN .. "\n")
    local c = assert(client_for({ ["certificate-authority"] = certs.ca }, { tokenFile = dir .. "/token", token = "stale" }))
    assert.equal("r1,r2,r3", release_names(c))
    local gone = assert(client_for({ ["certificate-authority"] = certs.ca }, { tokenFile = dir .. "/no-token" }))
    local _, err = gone:get("/version")
    assert.matches('^kubeconfig user "u": tokenFile .*/no%-token: No such file or directory$', err)
  end)

  describe("exec credential plugins", function()
    local plugin, count
    setup(function()
      plugin, count = dir .. "/plugin.sh", dir .. "/plugin.count"
      -- prints a token that expires in $EXPIRES_IN seconds; counts its runs; checks that it
      -- got the ExecCredential input
      files.write(plugin, [[#!/bin/sh
echo run >> "$COUNT_FILE"
case "$KUBERNETES_EXEC_INFO" in *'"kind":"ExecCredential"'*'"interactive":false'*) ;; *) echo "bad exec info: $KUBERNETES_EXEC_INFO" >&2; exit 3;; esac
[ -n "$FAIL" ] && { echo "plugin says: no credentials for you" >&2; exit 1; }
exp=$(date -u -d "@$(( $(date +%s) + EXPIRES_IN ))" +%Y-%m-%dT%H:%M:%SZ)
if [ -n "$AS_CERT" ]; then
  printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"clientCertificateData":%s,"clientKeyData":%s,"expirationTimestamp":"%s"}}\n' \
    "$API" "$(python3 -c 'import json,sys;print(json.dumps(open(sys.argv[1]).read()))' "$CERT")" \
    "$(python3 -c 'import json,sys;print(json.dumps(open(sys.argv[1]).read()))' "$KEY")" "$exp"
else
  printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"%s"}}\n' "$API" "$TOKEN" "$exp"
fi
]])
      servers.sh("chmod +x " .. plugin)
    end)
    before_each(function() fs.remove(count) end)

    local function runs()
      local text = fs.read(count) or ""
      local k = 0
      for _ in text:gmatch("run") do k = k + 1 end
      return k
    end

    local function exec_user(api_version, env)
      local list = {}
      for k, v in pairs(env) do list[#list + 1] = ("{name: %s, value: %q}"):format(k, v) end
      list[#list + 1] = ("{name: COUNT_FILE, value: %q}"):format(count)
      list[#list + 1] = ("{name: API, value: %q}"):format(api_version)
      table.sort(list)
      return { exec = { raw = ("{apiVersion: %s, command: %q, env: [%s]}"):format(api_version, plugin,
        table.concat(list, ", ")) } }
    end

    it("runs the plugin once and keeps its token until expirationTimestamp (v1)", function()
      local c = assert(client_for({ ["certificate-authority"] = certs.ca },
        exec_user("client.authentication.k8s.io/v1", { TOKEN = TOKEN, EXPIRES_IN = "3600" })))
      for _ = 1, 3 do assert.equal("r1,r2,r3", release_names(c)) end
      proc.map({ 1, 2, 3, 4 }, 0, function() return release_names(c) end)
      assert.equal(1, runs())
    end)

    it("runs it again for each request once the credential is (about to be) expired (v1beta1)", function()
      local c = assert(client_for({ ["certificate-authority"] = certs.ca },
        exec_user("client.authentication.k8s.io/v1beta1", { TOKEN = TOKEN, EXPIRES_IN = "2" })))
      for _ = 1, 3 do assert.equal("r1,r2,r3", release_names(c)) end
      assert.equal(3, runs())
    end)

    it("takes a client certificate from the plugin", function()
      local c = assert(client_for({ ["certificate-authority"] = certs.ca },
        exec_user("client.authentication.k8s.io/v1", { AS_CERT = "1", CERT = certs.client_cert,
          KEY = certs.client_key, EXPIRES_IN = "3600" })))
      assert.equal("r1,r2,r3", release_names(c))
      local _, err = c:list("/api/v1/namespaces/locked/secrets")
      assert.matches('User "client"', err, 1, true)
    end)

    it("reports a failing plugin with its stderr, and an unsupported apiVersion", function()
      local c = assert(client_for({ ["certificate-authority"] = certs.ca },
        exec_user("client.authentication.k8s.io/v1", { FAIL = "1", EXPIRES_IN = "60" })))
      local _, err = c:get("/version")
      assert.equal(('exec plugin "%s" of user "u" failed: plugin says: no credentials for you'):format(plugin), err)
      local _, cerr = client_for({ ["certificate-authority"] = certs.ca },
        exec_user("client.authentication.k8s.io/v1alpha1", {}))
      assert.matches('exec apiVersion "client.authentication.k8s.io/v1alpha1" is not supported', cerr, 1, true)
    end)
  end)

  describe("trusting the server", function()
    it("refuses a server its CA did not sign, and trusts it with insecure-skip-tls-verify", function()
      local c = assert(client_for({}, { token = TOKEN }))
      local _, err = c:get("/version")
      assert.matches("^kube context \"ctx\" %(server https://127%.0%.0%.1:%d+%): GET .*: the server's TLS "
        .. "certificate is not trusted", err)
      local insecure = assert(client_for({ ["insecure-skip-tls-verify"] = true }, { token = TOKEN }))
      assert.equal("r1,r2,r3", release_names(insecure))
      local _, both = client_for({ ["insecure-skip-tls-verify"] = true, ["certificate-authority"] = certs.ca }, {})
      assert.matches("cannot both be set", both, 1, true)
    end)

    it("checks the certificate against tls-server-name", function()
      local cert, key = make_named_cert(dir)
      local named = start_api(fc.dir, { "--tls", cert, key, "--token", TOKEN })
      local ok, err = pcall(function()
        local server = ("https://127.0.0.1:%d"):format(named.port)
        local plain = assert(client_for({ ["certificate-authority"] = certs.ca }, { token = TOKEN }, server))
        local _, perr = plain:get("/version")
        assert.matches("not trusted", perr, 1, true)
        local c = assert(client_for({ ["certificate-authority"] = certs.ca, ["tls-server-name"] = "kube.test" },
          { token = TOKEN }, server))
        assert.equal("1", assert(c:version()).major)
        assert.equal("r1,r2,r3", release_names(c))
      end)
      stop(named)
      assert(ok, err)
    end)

    it("goes through proxy-url", function()
      local plain = start_api(fc.dir, {})
      local ok, err = pcall(function()
        fc:clear_calls()
        local c = assert(client_for({ ["proxy-url"] = ("http://127.0.0.1:%d"):format(plain.port) }, {},
          "http://kube.invalid/ctx/default"))
        assert.equal("r1,r2,r3", release_names(c))
        local calls = fc:calls("api")
        assert.equal(1, #calls)
        assert.equal("GET(proxied)", calls[1].argv[1])
      end)
      stop(plain)
      assert(ok, err)
    end)
  end)

  it("names an auth-provider it does not support, and impersonation", function()
    local c, err = client_for({ ["certificate-authority"] = certs.ca },
      { ["auth-provider"] = { raw = "{name: gcp, config: {cmd-path: gcloud}}" } })
    assert.is_nil(c)
    assert.matches('^kubeconfig .*/kc%-%d+: user "u": auth%-provider "gcp" is not supported by hfl\'s '
      .. "Kubernetes client %(use the gke%-gcloud%-auth%-plugin exec plugin, or read with kubectl: "
      .. "%-%-kube%-client=kubectl%)$", err)
    c, err = client_for({}, { ["auth-provider"] = { raw = "{name: oidc}" } })
    assert.matches('auth-provider "oidc" is not supported', err, 1, true)
    c, err = client_for({}, { as = "admin" })
    assert.matches("impersonation (as) is not supported", err, 1, true)
  end)

  it("reads the version, the API versions, single objects and a watch", function()
    local c = assert(client_for({ ["certificate-authority"] = certs.ca }, { token = TOKEN }))
    assert.same({ major = "1", minor = "20", git_version = "v1.20.0-hfl-fake" }, assert(c:version()))
    assert.same({ "v1", "v1/ConfigMap", "v1/Secret" }, assert(c:api_versions()))
    local s = c.session
    local obj = assert(kube.get(s, "v1", "Secret", "sh.helm.release.v1.r2.v1", "apps"))
    assert.equal("r2", obj.metadata.labels.name)
    local absent, err = kube.get(s, "v1", "Secret", "nope", "apps")
    assert.is_nil(absent)
    assert.is_nil(err)
    assert.equal(3, #assert(kube.list(s, "v1", "Secret", "apps", { label_selector = "owner=helm" })))
    assert.equal(4, #assert(kube.list(s, "v1", "Secret", "*", { label_selector = "owner=helm" })))
    local _, kerr = kube.list(s, "apps/v1", "Deployment", "apps")
    assert.matches("HTTP 404", kerr, 1, true)
    -- the server holds the watch open for 30 s: the events arrive as they are sent
    local seen, t0 = {}, proc.now()
    assert(c:watch("/api/v1/namespaces/apps/secrets", { label_selector = "owner=helm" }, function(typ, o)
      seen[#seen + 1] = typ .. " " .. o.metadata.labels.name
      return #seen < 3
    end))
    assert.same({ "ADDED r1", "ADDED r2", "ADDED r3" }, seen)
    assert.is_true(proc.now() - t0 < 10)
  end)
end)
