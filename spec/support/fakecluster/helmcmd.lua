-- The helm shim's commands (see spec/support/fakecluster/helm for the knobs).
local fs = require "hfl.fs"
local json = require "hfl.stdlib.json"
local value = require "hfl.value"
local yaml = require "hfl.yaml"
local proc = require "hfl.proc"
local user_values = require("spec.support.fakecluster.values").user_values
local store = require "spec.support.fakecluster.store"

local M = {}

local CLUSTER_SIDE = { upgrade = true, install = true, uninstall = true, delete = true,
  list = true, ls = true, status = true, get = true, history = true, hist = true,
  rollback = true, test = true }

-- Flags that take a value (everything else is a boolean flag).
local VALUED = {}
for f in ([[-n --namespace --kube-context --kubeconfig -f --values --set --set-string
  --set-file --set-json --set-literal --version --timeout --labels -o --output --post-renderer
  --post-renderer-args --history-max --description --kube-version -a --api-versions --revision
  --max --cascade --repo --username --password --ca-file --cert-file --key-file -l --selector
  --filter --time-format --template --date --kube-apiserver --kube-token --kube-as-user
  --kube-as-group --kube-ca-file --registry-config --repository-cache --repository-config
  --burst-limit --qps --kube-tls-server-name --dry-run-option --wait-timeout]]):gmatch("%S+") do
  VALUED[f] = true
end

-- Value-shaping flags passed on to `helm template` unchanged.
local TEMPLATE_FLAGS = { ["-f"] = true, ["--values"] = true, ["--set"] = true,
  ["--set-string"] = true, ["--set-file"] = true, ["--set-json"] = true,
  ["--set-literal"] = true, ["--version"] = true, ["--post-renderer"] = true,
  ["--post-renderer-args"] = true, ["--kube-version"] = true, ["-a"] = true,
  ["--api-versions"] = true, ["--repo"] = true, ["--username"] = true, ["--password"] = true,
  ["--ca-file"] = true, ["--cert-file"] = true, ["--key-file"] = true }
local TEMPLATE_BOOLS = { ["--devel"] = true, ["--skip-crds"] = true,
  ["--skip-schema-validation"] = true, ["--disable-openapi-validation"] = true,
  ["--insecure-skip-tls-verify"] = true, ["--plain-http"] = true, ["--dependency-update"] = true }

-- { pos = {…}, flags = { name = {values…} }, order = { {flag, value} … } } of helm's argv.
local function parse(args, from)
  local p = { pos = {}, flags = {}, order = {} }
  local i = from
  while i <= #args do
    local a = args[i]
    local name, val = a:match("^(%-%-?[%w-]+)=(.*)$")
    if not name then
      name = a:match("^%-%-?[%w-]+$") and a or nil
      if name and VALUED[name] then
        val = args[i + 1]
        i = i + 1
      end
    end
    if name then
      p.flags[name] = p.flags[name] or {}
      table.insert(p.flags[name], val or true)
      p.order[#p.order + 1] = { name, val }
    else
      p.pos[#p.pos + 1] = a
    end
    i = i + 1
  end
  return p
end

local function flag(p, ...)
  for _, n in ipairs { ... } do
    local v = p.flags[n]
    if v then return v[#v] end
  end
  return nil
end

local function all(p, n)
  return p.flags[n] or {}
end

local function split_list(s)
  local out = {}
  for item in (s or ""):gmatch("[^,]+") do out[#out + 1] = item end
  return out
end

local function in_list(list_env, name)
  for _, x in ipairs(split_list(os.getenv(list_env))) do
    if x == name then return true end
  end
  return false
end

local function context_of(p) return flag(p, "--kube-context") or "" end

local function namespace_of(p)
  local ns = flag(p, "-n", "--namespace")
  if ns == nil or ns == true or ns == "" then ns = os.getenv("HELM_NAMESPACE") end
  if ns == nil or ns == "" then ns = "default" end
  return ns
end

local function die(msg)
  io.stderr:write("Error: ", msg, "\n")
  return 1
end

-- The store stands in for every storage driver; the real helm would try to reach an SQL
-- database for HELM_DRIVER=sql even for client-side commands.
local REAL_ENV = { HELM_DRIVER = false }

local function real_helm(root)
  local p = os.getenv("HFL_FAKE_HELM_REAL")
  if p and p ~= "" then return p end
  return ("%s/.deps/bin/helm%s"):format(root, os.getenv("HFL_FAKE_HELM_MAJOR") or "4")
end

local function major(root)
  local m = os.getenv("HFL_FAKE_HELM_MAJOR")
  if m and m ~= "" then return m end
  return real_helm(root):match("helm(%d)$") or "4"
end

local function delay(name)
  local t = tonumber(os.getenv("HFL_FAKE_DELAY") or "") or 0
  for _, item in ipairs(split_list(os.getenv("HFL_FAKE_DELAYS"))) do
    local n, v = item:match("^(.-)=(.*)$")
    if n == name and tonumber(v) then t = tonumber(v) end
  end
  if t > 0 then proc.sleep(t) end
end

-- Go's ANSIC time layout, as helm prints LAST DEPLOYED.
local function ansic(rfc3339)
  local y, mo, d, h, mi, s = rfc3339:match("^(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)")
  if not y then return rfc3339 end
  local t = os.time { year = y, month = mo, day = d, hour = h, min = mi, sec = s, isdst = false }
  local utc_offset = os.time(os.date("*t", t)) - os.time(os.date("!*t", t))
  return os.date("%a %b %e %H:%M:%S %Y", t + utc_offset)
end

------------------------------------------------------------------------------------------
-- The chart: its metadata and templates as Helm stores them, its manifest as helm renders it.

local function chart_of(dir)
  local text = fs.read(dir .. "/Chart.yaml")
  if not text then return nil end
  local meta = yaml.decode(text) or value.map {}
  local values = fs.read(dir .. "/values.yaml")
  local templates = {}
  for _, f in ipairs(fs.glob(dir .. "/templates/*") or {}) do
    local data = fs.is_dir(f) and nil or fs.read(f)
    if data then
      templates[#templates + 1] = { name = "templates/" .. fs.basename(f),
        data = require("hfl.crypto").base64_encode(data) }
    end
  end
  return { metadata = meta, lock = nil, templates = value.list(templates),
    values = values and yaml.decode(values) or value.map {} }
end

-- The chart's name and version when it is not a local directory (a repo/chart or OCI ref).
local function remote_chart_meta(ref, p)
  return { name = ref:match("([^/]+)$"):gsub(":.*$", ""), version = flag(p, "--version") or "0.0.0" }
end

local function split_docs(text)
  local docs, cur = {}, {}
  for line in (text .. "\n"):gmatch("(.-)\n") do
    if line == "---" then
      if #cur > 0 then docs[#docs + 1] = table.concat(cur, "\n") end
      cur = {}
    else
      cur[#cur + 1] = line
    end
  end
  if #cur > 0 then docs[#docs + 1] = table.concat(cur, "\n") end
  return docs
end

--- The Kubernetes version and API versions the fake API server (apiserver.py) reports.
M.KUBE_VERSION = "v1.20.0-hfl-fake"
M.API_VERSIONS = { "v1", "v1/ConfigMap", "v1/Secret" }

-- Runs the real `helm template` and splits its output into the manifest and the hooks.
local function render(root, name, chart, ns, p)
  if os.getenv("HFL_FAKE_RENDER") == "0" then
    local cfg = assert(user_values(p))
    return ("---\n# Source: fake/stand-in.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n" ..
      "data:\n  values: %s\n"):format(name, json.encode(json.encode(cfg))), {}
  end
  -- helm upgrade renders with the server's Capabilities: the fake API server's (apiserver.py)
  local argv = { real_helm(root), "template", name, chart, "--namespace", ns,
    "--kube-version", M.KUBE_VERSION }
  for _, v in ipairs(M.API_VERSIONS) do
    argv[#argv + 1] = "--api-versions"
    argv[#argv + 1] = v
  end
  for _, entry in ipairs(p.order) do
    if TEMPLATE_FLAGS[entry[1]] then
      argv[#argv + 1] = entry[1]
      argv[#argv + 1] = entry[2]
    elseif TEMPLATE_BOOLS[entry[1]] then
      argv[#argv + 1] = entry[1]
    end
  end
  argv.env = REAL_ENV
  local r, err = proc.run(argv)
  if not r then return nil, err end
  if not r.ok then return nil, ((r.stderr or ""):gsub("^Error: ", ""):gsub("\n$", "")) end
  local manifest, hooks = {}, {}
  local now = store.now()
  for _, doc in ipairs(split_docs(r.stdout)) do
    local src = doc:match("^# Source: ([^\n]*)")
    local body = doc:gsub("^# Source: [^\n]*\n", "")
    local obj = yaml.decode(body)
    local ann = value.kind(obj) == "map" and value.kind(obj.metadata) == "map" and obj.metadata.annotations
    local hook = value.kind(ann) == "map" and ann["helm.sh/hook"]
    if hook then
      local events = {}
      for e in tostring(hook):gmatch("[^,%s]+") do events[#events + 1] = e end
      local policies = {}
      for e in tostring(ann["helm.sh/hook-delete-policy"] or "before-hook-creation"):gmatch("[^,%s]+") do
        policies[#policies + 1] = e
      end
      hooks[#hooks + 1] = { name = obj.metadata.name, kind = obj.kind, path = src,
        manifest = body:gsub("\n+$", ""), events = value.list(events),
        last_run = { started_at = now, completed_at = now, phase = "Succeeded" },
        weight = tonumber(ann["helm.sh/hook-weight"] or "") or nil,
        delete_policies = value.list(policies) }
    elseif doc:match("%S") and src then
      manifest[#manifest + 1] = "---\n" .. doc:gsub("\n+$", "") .. "\n"
    end
  end
  return table.concat(manifest), hooks
end

------------------------------------------------------------------------------------------
-- Cluster-side commands.

local function print_release(rel, p, with_desc)
  if flag(p, "-o", "--output") == "json" then
    io.stdout:write(store.encode_json(rel, "release"), "\n")
    return
  end
  io.stdout:write(("NAME: %s\nLAST DEPLOYED: %s\nNAMESPACE: %s\nSTATUS: %s\nREVISION: %d\n"):format(
    rel.name, ansic(rel.info.last_deployed), rel.namespace, rel.info.status, rel.version))
  if with_desc then io.stdout:write("DESCRIPTION: ", rel.info.description, "\n") end
  io.stdout:write("TEST SUITE: None\n")
end

local function latest(ctx, ns, name)
  local recs = store.list(ctx, ns, name)
  return recs[#recs], recs
end

-- Marks every earlier deployed revision superseded, as Helm's upgrade does.
local function supersede(ctx, recs)
  for _, r in ipairs(recs) do
    if r.release.info.status == "deployed" then
      r.release.info.status = "superseded"
      store.write(ctx, r.release, store.custom_labels(r.object))
    end
  end
end

local function parse_labels(s)
  local out = {}
  for _, kv in ipairs(split_list(s)) do
    local k, v = kv:match("^(.-)=(.*)$")
    if not k then return nil, ("invalid label %q: want key=value"):format(kv) end
    out[k] = v
  end
  return out
end

-- --atomic (Helm 4: --rollback-on-failure) after a failure: a new install is purged, an
-- upgrade rolled back to the last deployed revision. Returns helm's message.
local function atomic_undo(ctx, ns, name, upgrading, cause)
  local recs = store.list(ctx, ns, name)
  if not upgrading then
    for _, r in ipairs(recs) do assert(fs.remove(r.path)) end
    return ("release %s failed, and has been uninstalled due to atomic being set: %s"):format(name, cause)
  end
  local good
  for _, r in ipairs(recs) do if r.release.info.status == "superseded" or r.release.info.status == "deployed" then good = r end end
  if good then
    supersede(ctx, recs)
    local rel = good.release
    rel.version = recs[#recs].revision + 1
    rel.info.last_deployed, rel.info.status = store.now(), "deployed"
    rel.info.description = ("Rollback to %d"):format(good.revision)
    store.write(ctx, rel, store.custom_labels(recs[#recs].object))
  end
  return ("release %s failed, and has been rolled back due to atomic being set: %s"):format(name, cause)
end

-- --history-max N: Helm deletes the oldest records beyond N (0: keep all).
local function prune_history(ctx, ns, name, max)
  if not max or max <= 0 then return end
  local recs = store.list(ctx, ns, name)
  for i = 1, #recs - max do assert(fs.remove(recs[i].path)) end
end

local function cmd_upgrade(root, p, install_only)
  local verb = install_only and "INSTALLATION FAILED" or "UPGRADE FAILED"
  local name, chart = p.pos[1], p.pos[2]
  if install_only and flag(p, "--generate-name", "-g") then
    name, chart = "release-" .. os.time(), p.pos[1]
  end
  if not name or not chart then return die(("%s: \"helm %s\" requires 2 arguments"):format(verb,
    install_only and "install" or "upgrade")) end
  local ctx, ns = context_of(p), namespace_of(p)
  if in_list("HFL_FAKE_FAIL_NAMESPACE", ns) then
    return die(("%s: create: failed to create: namespaces \"%s\" is forbidden (fake cluster: " ..
      "HFL_FAKE_FAIL_NAMESPACE)"):format(verb, ns))
  end
  local lock = store.lock(ctx, ns, name)
  local last, recs = latest(ctx, ns, name)
  local upgrading = last and last.release.info.status ~= "uninstalled"
  if install_only and upgrading then
    lock:unlock()
    return die(verb .. ": cannot re-use a name that is still in use")
  end
  if not install_only and not upgrading and not flag(p, "-i", "--install") then
    lock:unlock()
    return die(("%s: \"%s\" has no deployed releases"):format(verb, name))
  end
  local config, verr = user_values(p)
  if not config then
    lock:unlock()
    return die(verb .. ": " .. verr)
  end
  if upgrading and flag(p, "--reuse-values") then
    config = yaml.merge_all { last.release.config or value.map {}, config }
  end
  local labels = {}
  if upgrading then labels = store.custom_labels(last.object) end
  local extra, lerr = parse_labels(flag(p, "--labels"))
  if not extra then
    lock:unlock()
    return die(verb .. ": " .. lerr)
  end
  for k, v in pairs(extra) do labels[k] = v end
  local manifest, hooks = render(root, name, chart, ns, p)
  if not manifest then
    lock:unlock()
    return die(verb .. ": " .. tostring(hooks))
  end
  local ch = fs.is_dir(chart) and chart_of(chart) or { metadata = remote_chart_meta(chart, p),
    templates = value.list {}, values = value.map {} }
  if flag(p, "--dry-run") then
    -- helm prints the release it would make and stores nothing
    lock:unlock()
    local rev = last and last.revision + 1 or 1
    io.stdout:write(("NAME: %s\nLAST DEPLOYED: %s\nNAMESPACE: %s\nSTATUS: pending-%s\nREVISION: %d\n" ..
      "TEST SUITE: None\nHOOKS:\nMANIFEST:\n%s"):format(name, ansic(store.now()), ns,
      upgrading and "upgrade" or "install", rev, manifest))
    return 0
  end
  local now = store.now()
  local rel = {
    name = name, namespace = ns, version = last and last.revision + 1 or 1,
    info = { first_deployed = upgrading and last.release.info.first_deployed or now,
      last_deployed = now, deleted = "", status = upgrading and "pending-upgrade" or "pending-install",
      description = upgrading and "Preparing upgrade" or "Initial install underway" },
    chart = ch, config = config, manifest = manifest, hooks = hooks,
    apply_method = major(root) == "4" and (flag(p, "--server-side") == "false" and "csa" or "ssa") or nil,
  }
  if major(root) == "4" then rel.info.deleted = nil end
  -- Helm keeps a pending-* record while it works: a helm killed now leaves it behind.
  store.write(ctx, rel, labels)
  delay(name)
  rel.info.last_deployed = store.now()
  if in_list("HFL_FAKE_FAIL", name) then
    local cause = ("failed to create resource: fake cluster: HFL_FAKE_FAIL names release %q"):format(name)
    rel.info.status = "failed"
    rel.info.description = ("%s %q failed: %s"):format(upgrading and "Upgrade" or "Release", name, cause)
    store.write(ctx, rel, labels)
    if flag(p, "--atomic", "--rollback-on-failure") then
      cause = atomic_undo(ctx, ns, name, upgrading, cause)
    end
    lock:unlock()
    return die(verb .. ": " .. cause)
  end
  rel.info.status = "deployed"
  rel.info.description = flag(p, "--description") or (upgrading and "Upgrade complete" or "Install complete")
  if upgrading then supersede(ctx, recs) end
  store.write(ctx, rel, labels)
  prune_history(ctx, ns, name, tonumber(flag(p, "--history-max") or ""))
  lock:unlock()
  if flag(p, "-o", "--output") ~= "json" then
    if not install_only then
      io.stdout:write(upgrading and ('Release "%s" has been upgraded. Happy Helming!\n'):format(name)
        or ('Release "%s" does not exist. Installing it now.\n'):format(name))
    end
  end
  print_release(rel, p, major(root) == "4")
  return 0
end

local function cmd_uninstall(p)
  local ctx, ns = context_of(p), namespace_of(p)
  if #p.pos == 0 then return die("uninstall: \"helm uninstall\" requires at least 1 argument") end
  if in_list("HFL_FAKE_FAIL_NAMESPACE", ns) then
    return die(("uninstall: namespaces %q is forbidden (fake cluster: HFL_FAKE_FAIL_NAMESPACE)"):format(ns))
  end
  for _, name in ipairs(p.pos) do
    local lock = store.lock(ctx, ns, name)
    local recs = store.list(ctx, ns, name)
    if #recs == 0 then
      lock:unlock()
      if not flag(p, "--ignore-not-found") then
        return die(("uninstall: Release not loaded: %s: release: not found"):format(name))
      end
    else
      delay(name)
      for _, r in ipairs(recs) do assert(fs.remove(r.path)) end
      lock:unlock()
      io.stdout:write(('release "%s" uninstalled\n'):format(name))
    end
  end
  return 0
end

local function list_rows(p)
  local ctx = context_of(p)
  local nss = (flag(p, "-A", "--all-namespaces") and store.namespaces(ctx)) or { namespace_of(p) }
  local rows = {}
  for _, ns in ipairs(nss) do
    local by = {}
    for _, r in ipairs(store.list(ctx, ns)) do by[r.name] = r end
    for _, r in pairs(by) do
      local st = r.release.info.status
      if st == "deployed" or st == "failed" or flag(p, "-a", "--all") then rows[#rows + 1] = r.release end
    end
  end
  table.sort(rows, function(a, b) return a.name < b.name end)
  return rows
end

local function chart_label(rel)
  local m = rel.chart and rel.chart.metadata or {}
  return ("%s-%s"):format(m.name or "", m.version or "")
end

local function cmd_list(p)
  local rows = list_rows(p)
  local fmt = flag(p, "-o", "--output")
  if flag(p, "-q", "--short") then
    for _, r in ipairs(rows) do io.stdout:write(r.name, "\n") end
  elseif fmt == "json" then
    local out = {}
    for i, r in ipairs(rows) do
      out[i] = ('{"name":%s,"namespace":%s,"revision":"%d","updated":%s,"status":%s,"chart":%s,"app_version":%s}'):format(
        json.encode(r.name), json.encode(r.namespace), r.version, json.encode(r.info.last_deployed),
        json.encode(r.info.status), json.encode(chart_label(r)),
        json.encode(r.chart.metadata.appVersion or ""))
    end
    io.stdout:write("[", table.concat(out, ","), "]\n")
  else
    io.stdout:write("NAME\tNAMESPACE\tREVISION\tUPDATED\tSTATUS\tCHART\tAPP VERSION\n")
    for _, r in ipairs(rows) do
      io.stdout:write(("%s\t%s\t%d\t%s\t%s\t%s\t%s\n"):format(r.name, r.namespace, r.version,
        r.info.last_deployed, r.info.status, chart_label(r), r.chart.metadata.appVersion or ""))
    end
  end
  return 0
end

local function find(p, name)
  local ctx, ns = context_of(p), namespace_of(p)
  local recs = store.list(ctx, ns, name)
  local want = tonumber(flag(p, "--revision") or "")
  for i = #recs, 1, -1 do
    if not want or recs[i].revision == want then return recs[i], recs end
  end
  return nil, die("release: not found")
end

local function cmd_status(p)
  local r, code = find(p, p.pos[1] or "")
  if not r then return code end
  print_release(r.release, p, true)
  return 0
end

local function cmd_get(p)
  local what, name = p.pos[1], p.pos[2]
  local r, code = find(p, name or "")
  if not r then return code end
  local rel = r.release
  if what == "manifest" then
    io.stdout:write(rel.manifest)
  elseif what == "values" then
    local cfg = rel.config or value.map {}
    if flag(p, "-o", "--output") == "json" then
      io.stdout:write(json.encode(cfg), "\n")
    else
      io.stdout:write("USER-SUPPLIED VALUES:\n", (value.kind(cfg) == "map" and next(cfg) == nil) and "null\n" or yaml.encode(cfg))
    end
  elseif what == "hooks" then
    for _, h in ipairs(rel.hooks or {}) do io.stdout:write("---\n# Source: ", h.path, "\n", h.manifest, "\n") end
  elseif what == "notes" then
    io.stdout:write("NOTES:\n", rel.info.notes or "", "\n")
  elseif what == "all" then
    print_release(rel, p, true)
    io.stdout:write("USER-SUPPLIED VALUES:\n", yaml.encode(rel.config or value.map {}), "\nMANIFEST:\n", rel.manifest)
  else
    return die(("unknown command %q for \"helm get\""):format(tostring(what)))
  end
  return 0
end

local function cmd_history(p)
  local recs = store.list(context_of(p), namespace_of(p), p.pos[1] or "")
  if #recs == 0 then return die("release: not found") end
  if flag(p, "-o", "--output") == "json" then
    local out = {}
    for i, r in ipairs(recs) do
      local rel = r.release
      out[i] = ('{"revision":%d,"updated":%s,"status":%s,"chart":%s,"app_version":%s,"description":%s}'):format(
        rel.version, json.encode(rel.info.last_deployed), json.encode(rel.info.status),
        json.encode(chart_label(rel)), json.encode(rel.chart.metadata.appVersion or ""),
        json.encode(rel.info.description or ""))
    end
    io.stdout:write("[", table.concat(out, ","), "]\n")
    return 0
  end
  io.stdout:write("REVISION\tUPDATED\tSTATUS\tCHART\tAPP VERSION\tDESCRIPTION\n")
  for _, r in ipairs(recs) do
    local rel = r.release
    io.stdout:write(("%d\t%s\t%s\t%s\t%s\t%s\n"):format(rel.version, ansic(rel.info.last_deployed),
      rel.info.status, chart_label(rel), rel.chart.metadata.appVersion or "", rel.info.description or ""))
  end
  return 0
end

local function cmd_rollback(p)
  local ctx, ns, name = context_of(p), namespace_of(p), p.pos[1] or ""
  local lock = store.lock(ctx, ns, name)
  local recs = store.list(ctx, ns, name)
  if #recs == 0 then
    lock:unlock()
    return die("release: not found")
  end
  local to = tonumber(p.pos[2] or "") or (recs[#recs].revision - 1)
  local src
  for _, r in ipairs(recs) do if r.revision == to then src = r end end
  if not src then
    lock:unlock()
    return die(("release has no %d version"):format(to))
  end
  delay(name)
  supersede(ctx, recs)
  local rel = src.release
  local now = store.now()
  rel.version = recs[#recs].revision + 1
  rel.info.last_deployed, rel.info.status = now, "deployed"
  rel.info.description = ("Rollback to %d"):format(to)
  store.write(ctx, rel, store.custom_labels(recs[#recs].object))
  lock:unlock()
  io.stdout:write("Rollback was a success! Happy Helming!\n")
  return 0
end

local function cmd_test(p)
  local r, code = find(p, p.pos[1] or "")
  if not r then return code end
  print_release(r.release, p, true)
  return 0
end

-- `helm template --validate` / `--dry-run=server` render against the cluster, which the real
-- helm cannot reach here: the fake API server's Kubernetes and API versions are passed instead
-- (added to helm's defaults, as the fake's upgrades render; the server's checks of the objects
-- are not imitated).
local function against_fake_server(args)
  local out, server = {}, false
  for _, a in ipairs(args) do
    if a == "--validate" or a == "--dry-run=server" then server = true else out[#out + 1] = a end
  end
  if not server then return args end
  out[#out + 1] = "--kube-version"
  out[#out + 1] = M.KUBE_VERSION
  for _, v in ipairs(M.API_VERSIONS) do
    out[#out + 1] = "--api-versions"
    out[#out + 1] = v
  end
  return out
end

local function client_side(root, args, cmd)
  if cmd == "template" then args = against_fake_server(args) end
  local argv = { real_helm(root) }
  for i = 1, #args do argv[i + 1] = args[i] end
  argv.stdin, argv.stdout, argv.stderr = true, "inherit", "inherit"
  argv.env = REAL_ENV
  local r, err = proc.run(argv)
  if not r then
    io.stderr:write("fake helm: cannot run ", argv[1], ": ", tostring(err), "\n")
    return 127
  end
  return r.code or 1
end

--- Runs one helm call; returns the exit code.
function M.main(args, root)
  local cmd
  local i = 1
  while i <= #args do
    if not args[i]:match("^%-") then
      cmd = args[i]
      break
    end
    if VALUED[args[i]] then i = i + 1 end
    i = i + 1
  end
  if not cmd or not CLUSTER_SIDE[cmd] then return client_side(root, args, cmd) end
  local rest, skipped = {}, false
  for i = 1, #args do
    if args[i] == cmd and not skipped then skipped = true else rest[#rest + 1] = args[i] end
  end
  local p = parse(rest, 1)
  if cmd == "upgrade" then return cmd_upgrade(root, p, false) end
  if cmd == "install" then return cmd_upgrade(root, p, true) end
  if cmd == "uninstall" or cmd == "delete" then return cmd_uninstall(p) end
  if cmd == "list" or cmd == "ls" then return cmd_list(p) end
  if cmd == "status" then return cmd_status(p) end
  if cmd == "get" then return cmd_get(p) end
  if cmd == "history" or cmd == "hist" then return cmd_history(p) end
  if cmd == "rollback" then return cmd_rollback(p) end
  return cmd_test(p)
end

return M
