-- bench/tmpl.lua: the Go template engine on a helmfile-style template — 1,000 releases,
-- ~5,000 output lines, nested `toYaml | nindent`, printf, default, get — rendered 100 times
-- compiled once and compiled every time, against the targets (≤ 20 ms per render, ≤ 2 µs
-- per simple {{ .a.b }} action).
--   luajit bench/tmpl.lua [renders]
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../?.lua;" .. package.path
require "hfl"
local tmpl = require "hfl.tmpl"
local value = require "hfl.value"
local ffi = require "ffi"
pcall(ffi.cdef, [[
  typedef struct { long tv_sec; long tv_nsec; } hfl_timespec;
  int clock_gettime(int, hfl_timespec *);
]])

local RENDERS = tonumber(arg[1]) or 100

local function now()
  local ts = ffi.new("hfl_timespec")
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

-- The function library supplies toYaml/default/get/nindent; stand-ins only if it is missing.
local funcs
do
  local ok, lib = pcall(require, "hfl.stdlib")
  local have = ok and lib.funcs {}
  if not (have and have.toYaml and have.default and have.get and have.nindent and have.trim) then
    print("tmpl bench: hfl.stdlib lacks toYaml/default/get/nindent/trim; using minimal stand-ins")
    local function y(v, ind, out)
      for _, k in ipairs(value.sorted_keys(v)) do
        local e = v[k]
        if type(e) == "table" and value.kind(e) == "map" then
          out[#out + 1] = ind .. k .. ":"
          y(e, ind .. "  ", out)
        else
          out[#out + 1] = ind .. k .. ": " .. tmpl.fmt.sprint(e)
        end
      end
      return out
    end
    funcs = {
      toYaml = function(v) return table.concat(y(v, "", {}), "\n") .. "\n" end,
      default = function(d, v) if v == nil or v == value.null or v == "" then return d end return v end,
      get = function(path, d, m) local v = m[path] if v == nil then return d end return v end,
      trim = function(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end,
      nindent = function(n, s)
        local pad = string.rep(" ", n)
        return "\n" .. pad .. s:gsub("\n", "\n" .. pad)
      end,
    }
  end
end

local TEMPLATE = [[
releases:
{{- range $i, $r := .Values.releases }}
- name: {{ $r.name }}
  namespace: {{ $r.namespace | default "default" }}
  chart: {{ printf "%s/%s" $r.repo $r.chart }}@{{ get "version" "1.0.0" $r }}
  values:
  {{- toYaml $r.values | trim | nindent 4 }}
{{- end }}
]]

local function data()
  local releases = {}
  for i = 1, 1000 do
    local r = value.map {
      name = "release-" .. i, repo = "stable", chart = "app" .. (i % 7),
      values = value.map { image = "app:v" .. i },
    }
    r.namespace = i % 3 == 0 and "ns" .. (i % 10) or ""
    if i % 2 == 0 then r.version = "2." .. i end
    releases[i] = r
  end
  return value.map { Values = value.map { releases = value.list(releases) } }
end

local d = data()
local opts = { funcs = funcs, name = "helmfile.yaml.gotmpl" }

local t = assert(tmpl.compile(TEMPLATE, opts))
local first = assert(t:execute(d))
local lines = select(2, first:gsub("\n", "\n"))
if os.getenv("HFL_BENCH_SHOW") then io.write(first:sub(1, 400), "\n") end

collectgarbage()
local t0 = now()
for _ = 1, RENDERS do assert(t:execute(d)) end
local once = (now() - t0) / RENDERS * 1000

collectgarbage()
t0 = now()
for _ = 1, RENDERS do
  local set = tmpl.new(opts)
  assert(set:parse(TEMPLATE, opts.name))
  assert(set:execute(opts.name, d))
end
local every = (now() - t0) / RENDERS * 1000

-- 1,000 simple actions per render
local simple = string.rep("{{ .a.b }}", 1000)
local sd = value.map { a = value.map { b = "x" } }
local st = assert(tmpl.compile(simple))
assert(st:execute(sd))
local N = 2000
collectgarbage()
t0 = now()
for _ = 1, N do st:execute(sd) end
local per_action = (now() - t0) / (N * 1000) * 1e6

print(string.format("tmpl: %d-line helmfile template (1,000 releases), %d renders", lines, RENDERS))
print(string.format("  compiled once:       %7.2f ms/render   (target <= 20 ms) %s", once, once <= 20 and "ok" or "SLOW"))
print(string.format("  compiled every time: %7.2f ms/render   (compile cost %.2f ms)", every, every - once))
print(string.format("  simple {{ .a.b }}:   %7.3f us/action   (target <= 2 us) %s", per_action,
  per_action <= 2 and "ok" or "SLOW"))
return once <= 20 and per_action <= 2
