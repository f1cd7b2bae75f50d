-- Differential test of hfl's native chart renderer against helm itself: every chart of a
-- corpus (bench/chart-corpus.sh) with its default values and each of its ci/*.yaml values
-- files, rendered by `helm template` (helm 3 and 4) and by hfl.chart, compared byte for byte.
--
--   luajit -e 'dofile("hfl.lua")' bench/chart_diff.lua CORPUS [--show-diff] [--skip-schema] [NAME…]
-- --skip-schema passes --skip-schema-validation to both sides (the native renderer leaves
-- values.schema.json validation to helm otherwise); NAMEs limit the run to those charts.
-- Each case is one of: identical; different (a bug: the native output would have been
-- wrong); fallback (the native renderer declined and names why — helm renders it); both
-- fail (helm errors; native declines too, so helm's error is what the user sees).
local fs = require "hfl.fs"
local proc = require "hfl.proc"
local chart = require "hfl.chart"

local root = assert(arg[1], "usage: chart_diff.lua CORPUS [--show-diff] [--skip-schema] [NAME…]")
local show_diff, skip_schema, only = false, false, nil
for i = 2, #arg do
  if arg[i] == "--show-diff" then show_diff = true
  elseif arg[i] == "--skip-schema" then skip_schema = true
  else
    only = only or {}
    only[arg[i]] = true
  end
end
io.stdout:setvbuf("line")
local here = debug.getinfo(1, "S").source:match("^@(.*)/bench/") or "."
local HELMS = { ["3"] = here .. "/.deps/bin/helm3", ["4"] = here .. "/.deps/bin/helm4" }

local env = { KUBECONFIG = "/dev/null/none", HELM_NAMESPACE = "" }
local totals = {}
for _, v in ipairs { "3", "4" } do totals[v] = { identical = 0, different = 0, fallback = 0, both_fail = 0, nondeterministic = 0, cases = 0 } end
local reasons = {}

local function lines(s)
  local t = {}
  for l in (s .. "\n"):gmatch("([^\n]*)\n") do t[#t + 1] = l end
  return t
end

-- helm1 and helm2 (two helm runs) differ, and native differs from helm1 only on lines
-- where the two helm runs differ too.
local function same_but_random(helm1, helm2, native)
  if helm1 == helm2 then return false end
  local a, b, c = lines(helm1), lines(helm2), lines(native)
  if #a ~= #b or #a ~= #c then return false end
  for i = 1, #a do
    if a[i] ~= c[i] and a[i] == b[i] then return false end
  end
  return true
end

local function run_helm(v, argv)
  local a = { HELMS[v], env = env }
  for i = 2, #argv do a[#a + 1] = argv[i] end
  return proc.run(a)
end

for _, name in ipairs(fs.list(root)) do
  local dir = root .. "/" .. name
  if fs.exists(dir .. "/Chart.yaml") and (not only or only[name]) then
    local sets = { {} }
    for _, f in ipairs(fs.glob(dir .. "/ci/*.yaml")) do sets[#sets + 1] = { f } end
    for _, vals in ipairs(sets) do
      local argv = { "helm", "template", "rel", dir, "--namespace", "ns" }
      for _, f in ipairs(vals) do argv[#argv + 1] = "--values"; argv[#argv + 1] = f end
      if skip_schema then argv[#argv + 1] = "--skip-schema-validation" end
      local label = name .. (vals[1] and (" " .. fs.basename(vals[1])) or " (defaults)")
      for _, v in ipairs { "3", "4" } do
        local t = totals[v]
        t.cases = t.cases + 1
        local h = run_helm(v, argv)
        local n, why = chart.template_argv(argv, v)
        local status
        if h.code ~= 0 then
          if n then status = "different (helm fails, native renders)" else status = "both_fail" end
        elseif not n then
          status = "fallback"
          reasons[why] = (reasons[why] or 0) + 1
          io.write(string.format("  helm%s %-40s fallback: %s\n", v, label, why))
        elseif n == h.stdout then
          status = "identical"
        elseif same_but_random(h.stdout, run_helm(v, argv).stdout, n) then
          -- random values (randAlphaNum, genCA…): helm differs from itself on those lines,
          -- and the native output differs from helm's on no other line
          status = "nondeterministic"
        else
          status = "different"
        end
        if status:match("^different") then
          t.different = t.different + 1
          io.write(string.format("  helm%s %-40s DIFFERENT\n", v, label))
          if show_diff and n then
            fs.write_atomic("/tmp/hfl-diff-helm.txt", h.stdout)
            fs.write_atomic("/tmp/hfl-diff-native.txt", n)
            os.execute("diff /tmp/hfl-diff-helm.txt /tmp/hfl-diff-native.txt | head -20 | cut -c1-200")
          end
        else
          t[status] = t[status] + 1
        end
      end
    end
  end
end
for _, v in ipairs { "3", "4" } do
  local t = totals[v]
  print(string.format("helm %s: %d cases: %d identical, %d different, %d native fallback to helm, "
    .. "%d fail in helm (native declines too), %d random output (helm differs from itself)",
    v, t.cases, t.identical, t.different, t.fallback, t.both_fail, t.nondeterministic))
end
