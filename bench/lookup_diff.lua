-- Differential test of native `lookup` renders against `helm upgrade --dry-run=server` on a
-- live cluster ($KUBECONFIG; e.g. `make cluster-up`'s): each chart is installed by helm 3 in a
-- fresh namespace (so that its lookups find what it made), then rendered as its next upgrade
-- by hfl.chart with hfl.kube's lookups, the server's Capabilities and the next revision, and
-- by helm 3 and helm 4 (`upgrade --dry-run=server`, the MANIFEST section), byte for byte.
--
--   luajit -e 'dofile("hfl.lua")' bench/lookup_diff.lua CHART_DIR[=VALUES_FILE] …
-- VALUES_FILE goes to every side (e.g. to turn off kinds an old test server lacks). Namespaces
-- are left on the server (a server without controllers cannot delete them).
local proc = require "hfl.proc"
local chart = require "hfl.chart"
local kube = require "hfl.kube"
local session_mod = require "hfl.session"

math.randomseed(os.time())
if #arg == 0 then error("usage: lookup_diff.lua CHART_DIR[=VALUES_FILE] …", 0) end
io.stdout:setvbuf("line")
local here = debug.getinfo(1, "S").source:match("^@(.*)/bench/") or "."
local home = assert(io.popen("mktemp -d /tmp/hfl-lookup-diff-XXXXXX")):read("*l")
local env = { HELM_CONFIG_HOME = home .. "/config", HELM_CACHE_HOME = home .. "/cache",
  HELM_DATA_HOME = home .. "/data" }

local function run(argv)
  argv.env, argv.timeout = env, 600
  return assert(proc.run(argv))
end

local function helm(major, args)
  local argv = { here .. "/.deps/bin/helm" .. major }
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  return run(argv)
end

-- The release's manifest out of `helm upgrade`'s output (printed with Println: one newline more).
local function manifest_section(out)
  local body = out:match("\nMANIFEST:\n(.*)$")
  if not body then return nil end
  return (body:gsub("\nNOTES:\n.*$", "\n"):gsub("\n$", ""))
end

local session = session_mod.new {}
local c = assert(kube.client(session, {}))
local v = assert(c:version())
local live = { lookup = require("hfl.kube.lookup").new(c), revision = 2,
  server_capabilities = { git_version = v.git_version, major = v.major, minor = v.minor,
    api_versions = assert(c:api_versions()) } }

local counts = { identical = 0, different = 0, declined = 0, failed = 0, nondeterministic = 0 }
for _, spec in ipairs(arg) do
  local dir, values = spec:match("^([^=]+)=(.+)$")
  dir = dir or spec
  local name = dir:match("([^/]+)/*$")
  local ns = ("lookup-diff-%s-%d"):format(name:lower():gsub("[^a-z0-9-]", "-"), math.random(1e6))
  local vargs = values and { "--values", values } or {}
  local function with(args)
    for _, a in ipairs(vargs) do args[#args + 1] = a end
    return args
  end
  local r = helm(3, with { "install", "r", dir, "--namespace", ns, "--create-namespace",
    "--disable-openapi-validation" })
  if r.code ~= 0 then
    counts.failed = counts.failed + 1
    print(("%s: helm install failed: %s"):format(name, (r.stderr:match("[^\n]+") or "")))
  else
    local text, why = chart.template_argv(with { "helm", "template", "r", dir, "--namespace", ns,
      "--is-upgrade", "--no-hooks" }, "3", nil, live)
    for _, major in ipairs { 3, 4 } do
      local native = text
      if major == 4 then native, why = chart.template_argv(with { "helm", "template", "r", dir,
        "--namespace", ns, "--is-upgrade", "--no-hooks" }, "4", nil, live) end
      local u = helm(major, with { "upgrade", "r", dir, "--namespace", ns, "--dry-run=server",
        "--disable-openapi-validation" })
      local want = u.code == 0 and manifest_section(u.stdout)
      local verdict
      if not want then
        verdict = "failed"
        print(("%s helm %d: helm upgrade --dry-run=server failed: %s"):format(name, major,
          (u.stderr:match("[^\n]+") or "")))
      elseif not native then
        verdict = "declined"
        print(("%s helm %d: native declined: %s"):format(name, major, tostring(why)))
      elseif native == want then
        verdict = "identical"
        print(("%s helm %d: identical (%d bytes)"):format(name, major, #native))
      else
        -- a chart may draw random values on every render (not kept through lookup)
        local again = helm(major, with { "upgrade", "r", dir, "--namespace", ns, "--dry-run=server",
          "--disable-openapi-validation" })
        if again.code == 0 and manifest_section(again.stdout) ~= want then
          verdict = "nondeterministic"
          print(("%s helm %d: helm's own renders differ from each other (random values)"):format(name, major))
        else
          verdict = "different"
          print(("%s helm %d: DIFFERENT"):format(name, major))
        end
      end
      counts[verdict] = counts[verdict] + 1
    end
  end
end
session:close()
os.execute("rm -rf '" .. home .. "'")
print(("identical %d, different %d, helm nondeterministic %d, native declined %d, helm failed %d"):format(
  counts.identical, counts.different, counts.nondeterministic, counts.declined, counts.failed))
