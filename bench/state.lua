-- bench/state.lua: loading a large generated state — 20 `.gotmpl` sub-helmfiles, 1,000
-- releases, 3 environments over 50 values files, release templates with inheritance — with
-- `hfl list` and `hfl build` timed as processes (wall time, CPU time, peak RSS) against the
-- targets (≤ 250 ms and ≤ 600 ms); then `hfl list` of 20 sub-helmfiles that each run a 50 ms
-- command from their template (rendered at once); then the big load once in-process with
-- timers around template rendering and YAML decode/encode/merge to show where the time goes.
--   luajit bench/state.lua [runs]
--   HFL_BENCH_BASE=/other/hfl luajit bench/state.lua   -- the same cases with another build
--   INSTR=1 luajit bench/state.lua                     -- plus callgrind instruction counts
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../?.lua;" .. package.path
require "hfl"
local ffi = require "ffi"
pcall(ffi.cdef, [[
  typedef struct { long tv_sec; long tv_nsec; } hfl_timespec;
  int clock_gettime(int, hfl_timespec *);
]])

local RUNS = tonumber(arg[1]) or 5
local SUBS, PER_SUB, VALUES_FILES = 20, 50, 50
local ENVS = { "dev", "staging", "prod" }

local function now()
  local ts = ffi.new("hfl_timespec")
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

local function sh(cmd)
  local p = io.popen(cmd)
  local s = p:read("*a")
  p:close()
  return s
end

-- The generated state.
local dir = sh("mktemp -d"):gsub("%s+$", "")
os.execute(("mkdir -p %s/values %s/apps"):format(dir, dir))
for i = 1, VALUES_FILES do
  local lines = { ("file%d:"):format(i) }
  for j = 1, 20 do lines[#lines + 1] = ("  key%d: value-%d-%d"):format(j, i, j) end
  lines[#lines + 1] = ("replicas: %d"):format(i % 5 + 1)
  lines[#lines + 1] = "features:\n  monitoring:\n    enabled: true\n  cache:\n    enabled: " .. tostring(i % 2 == 0)
  write(("%s/values/v%02d.yaml"):format(dir, i), table.concat(lines, "\n") .. "\n")
end
local env = { "environments:" }
for e, name in ipairs(ENVS) do
  env[#env + 1] = "  " .. name .. ":\n    values:"
  for i = 1, VALUES_FILES do
    if i % #ENVS == e % #ENVS or i <= 5 then env[#env + 1] = ("    - ../values/v%02d.yaml"):format(i) end
  end
  env[#env + 1] = ("    - domain: %s.example.com\n      env: %s"):format(name, name)
end
write(dir .. "/environments.yaml", table.concat(env, "\n") .. "\n")
for s = 1, SUBS do
  local t = { "bases:\n- ../environments.yaml\n---", [[
templates:
  default:
    namespace: '{{`{{ .Values.env }}`}}-team]] .. s .. [['
    labels:
      team: team]] .. s .. [[

    values:
    - image:
        tag: stable
  service:
    inherit:
    - template: default
    labels:
      kind: service
    valuesTemplate:
    - host: '{{`{{ .Release.Name }}.{{ .Values.domain }}`}}'
releases:]] }
  t[#t + 1] = "{{ range $i := until " .. PER_SUB .. " }}"
  t[#t + 1] = [[
- name: app{{ $i }}-s]] .. s .. [[

  chart: charts/app
  version: 1.{{ $i }}.0
  inherit:
  - template: service
  {{- if gt $i 0 }}
  needs:
  - app{{ sub $i 1 }}-s]] .. s .. [[

  {{- end }}
  labels:
    index: "{{ $i }}"
    replicas: "{{ $.Values.replicas }}"
  condition: features.monitoring.enabled
  set:
  - name: replicaCount
    value: "{{ $.Values.replicas }}"]]
  t[#t + 1] = "{{ end }}"
  write(("%s/apps/s%02d.yaml.gotmpl"):format(dir, s), table.concat(t, "\n") .. "\n")
end
write(dir .. "/helmfile.yaml", (table.concat(env, "\n"):gsub("%.%./values/", "values/")) .. "\n---\nhelmfiles:\n- apps/*.yaml.gotmpl\n")

-- A second, smaller state: 20 sub-helmfiles whose templates each ask a command for a value
-- (`exec`, 50 ms), as helmfiles that read a cluster or a vault do. They render at once.
local exec_dir = sh("mktemp -d"):gsub("%s+$", "")
os.execute(("mkdir -p %s/apps"):format(exec_dir))
for s = 1, SUBS do
  write(("%s/apps/s%02d.yaml.gotmpl"):format(exec_dir, s), ([[
releases:
- name: svc%d-{{ exec "sh" (list "-c" "sleep 0.05; echo ok") | trim }}
  chart: charts/app
]]):format(s))
end
write(exec_dir .. "/helmfile.yaml", "helmfiles:\n- apps/*.yaml.gotmpl\n")

local function abs(p)
  if p:sub(1, 1) == "/" then return p end
  return (sh("pwd"):gsub("%s+$", "")) .. "/" .. p
end
local bin = abs(here .. "/../hfl")
-- HFL_BENCH_BASE=/path/to/other/hfl: the same cases with that binary (e.g. a build of an
-- earlier commit), measured in the same run, for a before/after.
local base = os.getenv("HFL_BENCH_BASE")

local function loadavg()
  local f = io.open("/proc/loadavg")
  local s = f and f:read("*l") or "?"
  if f then f:close() end
  return s:match("^(%S+ %S+ %S+)") or s
end

-- RUNS runs of `hfl ARGS` in dir: the best and median wall time, the least CPU time
-- (user + sys: what the machine's load changes least) and the peak RSS.
local function run(b, dir, args)
  local walls, cpu, rss, out = {}, math.huge, 0, ""
  for i = 1, RUNS do
    out = sh(("cd %s && /usr/bin/time -f 'TIME %%e %%U %%S %%M' %s %s 2>&1 >/dev/null"):format(dir, b, args))
    local e, u, sy, m = out:match("TIME (%S+) (%S+) (%S+) (%d+)")
    walls[i] = tonumber(e) or math.huge
    cpu = math.min(cpu, (tonumber(u) or 0) + (tonumber(sy) or 0))
    rss = math.max(rss, tonumber(m) or 0)
  end
  table.sort(walls)
  return { best = walls[1], median = walls[math.ceil(#walls / 2)], cpu = cpu, rss = rss,
    err = not out:match("TIME") and out or nil }
end

local function show(label, r)
  return ("%s wall best %5.0f ms, median %5.0f ms; CPU %4.0f ms; peak RSS %5.1f MB%s"):format(label, r.best * 1000,
    r.median * 1000, r.cpu * 1000, r.rss / 1024, r.err and ("  ERROR: " .. r.err) or "")
end

local lcount = tonumber((sh(("cd %s && %s list -e prod | wc -l"):format(dir, bin))))
print(("state bench: %d sub-helmfiles, %d releases, %d environments, %d values files (%s)")
  :format(SUBS, SUBS * PER_SUB, #ENVS, VALUES_FILES, dir))
print(("  hfl list: %d rows; %d runs each; load average before: %s"):format((lcount or 1) - 1, RUNS, loadavg()))
for _, c in ipairs { { "list -e prod", 0.250, dir }, { "build -e prod", 0.600, dir },
  { "list", nil, exec_dir, "20 sub-helmfiles, each exec 50 ms" } } do
  local name = c[4] and ("hfl %s (%s)"):format(c[1], c[4]) or ("hfl " .. c[1])
  if c[2] then
    print(("  %s, target ≤ %d ms wall:"):format(name, c[2] * 1000))
  else
    print(("  %s; one at a time the commands alone take %d ms:"):format(name, SUBS * 50))
  end
  print("    " .. show("this build:", run(bin, c[3], c[1])) .. "  [load " .. loadavg() .. "]")
  if base then print("    " .. show("base:      ", run(base, c[3], c[1])) .. "  [load " .. loadavg() .. "]") end
end
-- INSTR=1: instructions of one `hfl list` under callgrind, which the machine's load does not
-- change (slow: a minute or more).
if os.getenv("INSTR") then
  for _, b in ipairs { bin, base } do
    local out = sh(("cd %s && valgrind --tool=callgrind --callgrind-out-file=/dev/null %s list -e prod 2>&1 >/dev/null")
      :format(dir, b))
    print(("  instructions of hfl list (callgrind), %s: %s"):format(b == bin and "this build" or "base",
      (out:match("Collected : (%d+)") or "?"):reverse():gsub("(%d%d%d)", "%1,"):reverse():gsub("^,", "")))
  end
end

-- In-process: the same load with timers around the template engine and the YAML core.
local tmpl, yaml = require "hfl.tmpl", require "hfl.yaml"
local spent = { template = 0, yaml = 0 }
local depth = 0
local function timed(mod, name, bucket)
  local f = mod[name]
  mod[name] = function(...)
    if depth > 0 then return f(...) end
    depth = depth + 1
    local t0 = now()
    local r = { pcall(f, ...) }
    spent[bucket] = spent[bucket] + (now() - t0)
    depth = depth - 1
    if not r[1] then error(r[2], 0) end
    return unpack(r, 2, table.maxn(r))
  end
end
timed(tmpl, "render", "template")
timed(yaml, "decode", "yaml")
timed(yaml, "decode_all", "yaml")
timed(yaml, "encode", "yaml")
timed(yaml, "merge", "yaml")
local state = require "hfl.state"
local releases = require "hfl.state.releases"
local t_releases = 0
do
  local build = releases.build
  releases.build = function(...)
    local t = now()
    local a, b = build(...)
    t_releases = t_releases + (now() - t)
    return a, b
  end
end
local t0 = now()
local st = assert(state.load { file = dir .. "/helmfile.yaml", environment = "prod" })
local t_load = now() - t0
local t1 = now()
local text = assert(st:build())
local t_build = now() - t1
local total = t_load + t_build
print(("  in-process load %.0f ms + build %.0f ms: templates %.0f%%, YAML %.0f%%, rest %.0f%% (%d releases, %d KB of build output)")
  :format(t_load * 1000, t_build * 1000, spent.template / total * 100, spent.yaml / total * 100,
    (total - spent.template - spent.yaml) / total * 100, #st:releases(), math.floor(#text / 1024)))
print(("  of the load: files, parts, environments (hfl.state.load) %.0f ms; releases (inherit, templating, needs) %.0f ms")
  :format((t_load - t_releases) * 1000, t_releases * 1000))
if os.getenv("KEEP") then print(dir, exec_dir) else os.execute("rm -rf " .. dir .. " " .. exec_dir) end
