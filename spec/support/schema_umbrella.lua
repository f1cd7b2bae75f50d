-- Many (values.schema.json, values) cases judged by helm 3 and helm 4 in one `helm template`
-- each: every case is a subchart of one umbrella chart, and helm's schema error names each
-- subchart whose values fail ("cNNN:" on a line of its own), so one call gives every verdict.
-- The native renderer then renders each case alone (a parent with that one subchart) and the
-- umbrella of the cases helm accepted, which must print helm's bytes.
local chart = require "hfl.chart"
local proc = require "hfl.proc"
local fs = require "hfl.fs"

local M = {}

M.HELMS = { ["3"] = ".deps/bin/helm3", ["4"] = ".deps/bin/helm4" }

local TEMPLATE = [[
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Chart.Name }}
data:
  values: {{ toJson .Values | quote }}
]]

local function write(path, text)
  assert(fs.mkdir_p(fs.dirname(path)))
  assert(fs.write_atomic(path, text))
end

local function subchart(dir, name, case)
  write(dir .. "/Chart.yaml", "apiVersion: v2\nname: " .. name .. "\nversion: 0.1.0\n")
  write(dir .. "/values.yaml", case.values)
  write(dir .. "/values.schema.json", case.schema)
  write(dir .. "/templates/cm.yaml", TEMPLATE)
end

local function umbrella(dir, names, cases)
  write(dir .. "/Chart.yaml", "apiVersion: v2\nname: umbrella\nversion: 0.1.0\n")
  for _, i in ipairs(names) do subchart(dir .. "/charts/" .. M.name(i), M.name(i), cases[i]) end
end

function M.name(i) return string.format("c%03d", i) end

local function helm_runs(dir, extra)
  local handles = {}
  for v, bin in pairs(M.HELMS) do
    local argv = { bin, "template", "r", dir, "--namespace", "ns", env = { KUBECONFIG = "/dev/null/none" } }
    for _, a in ipairs(extra or {}) do argv[#argv + 1] = a end
    handles[v] = assert(proc.spawn(argv))
  end
  local out = {}
  for v, h in pairs(handles) do out[v] = h:wait() end
  return out
end

local function native(dir, v, extra)
  local argv = { "helm", "template", "r", dir, "--namespace", "ns" }
  for _, a in ipairs(extra or {}) do argv[#argv + 1] = a end
  return chart.template_argv(argv, v)
end

--- Judges cases ({ schema = json text, values = yaml text, left = { ["3"]=, ["4"]= } }) with
--- both helms and natively. Returns a list of problems (strings; empty when all agree) and a
--- count of the cases rendered natively per helm version.
function M.judge(cases, extra)
  local root = assert(fs.mkdtemp(fs.tmpdir() .. "/hfl-schema-XXXXXX"))
  local problems, rendered = {}, { ["3"] = 0, ["4"] = 0 }
  local ok, err = pcall(function()
    local all = {}
    for i = 1, #cases do all[i] = i end
    umbrella(root .. "/all", all, cases)
    local runs = helm_runs(root .. "/all", extra)
    for i, case in ipairs(cases) do
      local single = root .. "/one/" .. M.name(i)
      umbrella(single, { i }, cases)
      case.helm_ok = {}
      for v, res in pairs(runs) do
        -- a load error ends without a newline: the next name follows it on the same line
        local failed = res.code ~= 0 and (res.stderr:find(M.name(i) .. ":\n", 1, true) ~= nil)
        if res.code ~= 0 and not res.stderr:find("values don't meet the specifications", 1, true) then
          problems[#problems + 1] = "helm " .. v .. " failed for another reason: " .. res.stderr
        end
        case.helm_ok[v] = not failed
        local got, why = native(single, v, extra)
        local left = case.left and case.left[v]
        local label = string.format("%s helm %s: schema %s values %s", M.name(i), v, case.schema, case.values)
        if got and not case.helm_ok[v] then
          problems[#problems + 1] = label .. ": rendered natively what helm refuses"
        elseif not got and case.helm_ok[v] and not left then
          problems[#problems + 1] = label .. ": left to helm (" .. tostring(why) .. ") though helm accepts it"
        elseif got and left then
          problems[#problems + 1] = label .. ": rendered natively, expected to be left to helm"
        end
        if got then rendered[v] = rendered[v] + 1 end
      end
    end
    -- the cases each helm accepts, together: native output is helm's, byte for byte
    for v in pairs(M.HELMS) do
      local accepted = {}
      for i, case in ipairs(cases) do
        if case.helm_ok[v] and not (case.left and case.left[v]) then accepted[#accepted + 1] = i end
      end
      if #accepted > 0 then
        local dir = root .. "/ok" .. v
        umbrella(dir, accepted, cases)
        local argv = { M.HELMS[v], "template", "r", dir, "--namespace", "ns", env = { KUBECONFIG = "/dev/null/none" } }
        for _, a in ipairs(extra or {}) do argv[#argv + 1] = a end
        local res = assert(proc.run(argv))
        local got, why = native(dir, v, extra)
        if res.code ~= 0 then
          problems[#problems + 1] = "helm " .. v .. " refuses the accepted cases together: " .. res.stderr
        elseif got ~= res.stdout then
          problems[#problems + 1] = "helm " .. v .. ": the accepted cases render differently natively ("
            .. tostring(why) .. ")"
        end
      end
    end
  end)
  fs.rm_r(root, root)
  assert(ok, err)
  return problems, rendered
end

return M
