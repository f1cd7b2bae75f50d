-- bench/charts.lua: 50 distinct charts from a local HTTP chart repository (made with helm
-- package / helm repo index, served by spec/support/servers/httprepo.py).
--   hfl:  `hfl fetch --concurrency 8` on a state with 50 releases, cold cache, then warm.
--   helm: `helm repo add` + `helm pull repo/chart-N` for each chart in a sequential loop
--         (what a Helmfile-style tool runs), measured in the same run.
--   small backlog: the cold fetch again from a server with Python's default listen queue of 5,
--         as many small servers have: a burst of connections loses SYNs (1 s retransmits each)
--         unless hfl caps its connections to the host (6) and reuses them.
-- Reports wall times, the ratio, the server's request counts (the warm run must make none) and
-- the connections the server saw (most open at once, total).
--   luajit bench/charts.lua [charts] [concurrency] [small backlog]
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../?.lua;" .. here .. "/../spec/?.lua;" .. package.path
require "hfl"
local proc = require "hfl.proc"
local servers = require "spec.support.servers"

local N = tonumber(arg[1]) or 50
local P = tonumber(arg[2]) or 8
local HFL = os.getenv("HFL_BIN") or io.popen("cd " .. here .. "/.. && pwd"):read("*l") .. "/hfl"

local repo_dir = servers.tmpdir()
servers.make_charts(repo_dir, N, { url = "." })
-- The spec server tuned as production servers are: Nagle's algorithm off (with it on, a reused
-- keep-alive connection waits for delayed ACKs, ~40 ms a response) and a listen backlog of 128
-- (Python's default of 5 drops the SYNs of 8 simultaneous connections: 1 s retransmits).
local function fast_repo(root, backlog)
  local proto = servers.httprepo(servers.tmpdir())
  local mt = getmetatable(proto)
  proto:stop()
  local portfile = servers.tmpdir() .. "/port"
  local dir = here .. "/../spec/support/servers"
  local h = assert(proc.spawn { "python3", "-c", ("import sys; sys.path.insert(0, %q); import httprepo; "
    .. "httprepo.Handler.disable_nagle_algorithm = True; httprepo.Server.request_queue_size = %d; sys.argv = ['httprepo', %q, %q]; httprepo.main()")
    :format(dir, backlog or 128, root, portfile), stdout = "null", stderr = "inherit" })
  local port
  local deadline = proc.now() + 10
  while not port do
    local pf = io.open(portfile)
    if pf then port = tonumber(pf:read("*a")); pf:close() end
    if not port then
      assert(not h:done() and proc.now() < deadline, "httprepo did not start")
      proc.sleep(0.02)
    end
  end
  return setmetatable({ handle = h, port = port, root = root, url = ("http://127.0.0.1:%d"):format(port) }, mt)
end
local srv = fast_repo(repo_dir)

local work = servers.tmpdir()
local lines = { "repositories:", "  - name: bench", "    url: " .. srv.url, "releases:" }
for i = 1, N do
  lines[#lines + 1] = ("  - name: r%d\n    chart: bench/chart-%d\n    version: 0.1.0"):format(i, i)
end
local f = assert(io.open(work .. "/helmfile.yaml", "w"))
f:write(table.concat(lines, "\n"), "\n")
f:close()

-- SYNs dropped because a listen queue was full, on the whole host (TcpExt ListenOverflows
-- in /proc/net/netstat, so other servers' drops count too): each costs its client a 1 s
-- retransmit.
local function listen_overflows()
  local f = io.open("/proc/net/netstat")
  if not f then return 0 end
  local head, vals
  for line in f:lines() do
    if line:match("^TcpExt:") then
      if head then vals = line else head = line end
    end
  end
  f:close()
  local names, numbers = {}, {}
  for w in (head or ""):gmatch("%S+") do names[#names + 1] = w end
  for w in (vals or ""):gmatch("%S+") do numbers[#numbers + 1] = w end
  for i, name in ipairs(names) do
    if name == "ListenOverflows" then return tonumber(numbers[i]) or 0 end
  end
  return 0
end

local function total(counts)
  local n = 0
  for _, v in pairs(counts) do n = n + v end
  return n
end

local cache = servers.tmpdir()
-- Each timed run starts with the page cache flushed (`sync`), so that one side does not pay
-- for the other's (or the set-up's) dirty data when it fsyncs.
local function hfl_fetch()
  os.execute("sync")
  local t0 = proc.now()
  local r = assert(proc.run { HFL, "fetch", "--concurrency", tostring(P), cwd = work, env = { HFL_CACHE_HOME = cache } })
  assert(r.code == 0, r.stderr)
  return proc.now() - t0
end

srv:reset()
local cold = hfl_fetch()
local cold_reqs = total(srv:counts())
local cold_conns = srv:connections()
srv:reset()
local warm = hfl_fetch()
local warm_reqs = total(srv:counts())

-- The same cold fetch from a server with a small listen backlog (default 5).
local BACKLOG = tonumber(arg[3]) or 5
local small = fast_repo(repo_dir, BACKLOG)
local small_work = servers.tmpdir()
f = assert(io.open(small_work .. "/helmfile.yaml", "w"))
f:write((table.concat(lines, "\n"):gsub(srv.url:gsub("%p", "%%%0"), small.url)), "\n")
f:close()
os.execute("sync")
local drops0 = listen_overflows()
local t_small = proc.now()
local rs = assert(proc.run { HFL, "fetch", "--concurrency", tostring(P), cwd = small_work,
  env = { HFL_CACHE_HOME = servers.tmpdir() } })
assert(rs.code == 0, rs.stderr)
t_small = proc.now() - t_small
local small_drops = listen_overflows() - drops0
local small_conns = small:connections()
small:stop()

local hdir = servers.tmpdir()
os.execute("mkdir -p " .. hdir .. "/out")
local henv = { HELM_REPOSITORY_CONFIG = hdir .. "/repositories.yaml", HELM_REPOSITORY_CACHE = hdir .. "/cache",
  HELM_CACHE_HOME = hdir .. "/c", HELM_CONFIG_HOME = hdir .. "/cfg", HELM_DATA_HOME = hdir .. "/d" }
srv:reset()
os.execute("sync")
local t0 = proc.now()
local r = assert(proc.run { "helm", "repo", "add", "bench", srv.url, env = henv })
assert(r.code == 0, r.stderr)
for i = 1, N do
  r = assert(proc.run { "helm", "pull", "bench/chart-" .. i, "--version", "0.1.0", "-d", hdir .. "/out", env = henv })
  assert(r.code == 0, r.stderr)
end
local helm = proc.now() - t0
local helm_reqs = total(srv:counts())

srv:stop()
servers.cleanup()

print(("charts: %d charts from a local HTTP repository"):format(N))
print(("  hfl fetch --concurrency %d, cold  %8.1f ms  (%d requests)"):format(P, cold * 1000, cold_reqs))
print(("  hfl fetch --concurrency %d, warm  %8.1f ms  (%d requests)"):format(P, warm * 1000, warm_reqs))
print(("  connections (cold): %d at once, %d in all"):format(cold_conns.max, cold_conns.total))
print(("  hfl fetch --concurrency %d, cold, listen backlog %d  %8.1f ms  (%d connections at once, %d in all; %d SYNs dropped on the host meanwhile)")
  :format(P, BACKLOG, t_small * 1000, small_conns.max, small_conns.total, small_drops))
print(("  helm repo add + %d × helm pull   %8.1f ms  (%d requests) (rival)"):format(N, helm * 1000, helm_reqs))
print(("  speed-up cold (helm / hfl)        %8.1f×"):format(helm / cold))
