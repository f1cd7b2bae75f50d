-- Random values against the fixture charts, rendered by helm 3 and 4 and by hfl.chart: the
-- native renderer either prints helm's bytes or declines (helm then renders); it never prints
-- something else. HFL_FUZZ_SECONDS runs it longer (`make fuzz`); HFL_FUZZ_SEED repeats a run.
-- Each case writes a values file mixing the chart's own keys with random shapes: strings
-- go-yaml v2 treats specially, numbers of every size, booleans, nulls deleting defaults,
-- lists and maps where scalars are expected. #unit
local chart = require "hfl.chart"
local proc = require "hfl.proc"
local fs = require "hfl.fs"

local HELMS = { ["3"] = ".deps/bin/helm3", ["4"] = ".deps/bin/helm4" }
local SECONDS = tonumber(os.getenv("HFL_FUZZ_SECONDS") or "") or 6
local SEED = tonumber(os.getenv("HFL_FUZZ_SEED") or "") or os.time()

local STRINGS = { "", "yes", "no", "on", "off", "y", "n", "true", "null", "~", "1.0", "0x1F", "1e3",
  "2001-12-14", "12:30", "*x", "&a", "- d", "k: v", "a #b", "#c", "tail ", " lead", "tab\there",
  "multi\nline\n", "multi\nline", "ü", "😀", "'q'", '"dq"', "back\\slash", "%s", "{{ x }}", "<<",
  "1_000", "+1", "-1", ".5", "a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h i j k l m n o p q r s",
  "web", "nginx", "info", "8080", "IfNotPresent", "Always" }
local NUMBERS = { 0, 1, -1, 2, 3, 8080, 1000000, 123456789, 1e21, 0.5, 1.5e-7, -0.25, 3.0 }
local KEYS = { "replicaCount", "nameOverride", "fullnameOverride", "podAnnotations", "resources", "env",
  "ports", "ingress", "removeMe", "description", "global", "cache", "tags", "image", "extra", "y", "10", "a_b" }

local function pick(t) return t[math.random(#t)] end

local function yaml_scalar(v)
  if type(v) == "string" then
    return '"' .. v:gsub("\\", "\\\\"):gsub('"', '\\"'):gsub("\n", "\\n"):gsub("\t", "\\t") .. '"'
  elseif type(v) == "number" then
    if v == math.floor(v) and math.abs(v) < 1e15 then return string.format("%d", v) end
    return string.format("%.17g", v)
  elseif v == "null" then return "null"
  end
  return tostring(v)
end

local gen
-- A random value as YAML lines indented by pad (a list of lines, the first inline).
function gen(depth)
  local r = math.random(depth > 2 and 4 or 7)
  if r == 1 then return { yaml_scalar(pick(STRINGS)) }
  elseif r == 2 then return { yaml_scalar(pick(NUMBERS)) }
  elseif r == 3 then return { math.random(2) == 1 and "true" or "false" }
  elseif r == 4 then return { "null" }
  elseif r == 5 then
    local out = { "" }
    for _ = 1, math.random(0, 3) do
      local v = gen(depth + 1)
      out[#out + 1] = "- " .. v[1]
      for i = 2, #v do out[#out + 1] = "  " .. v[i] end
    end
    if #out == 1 then return { "[]" } end
    return out
  else
    local out = { "" }
    for _ = 1, math.random(0, 4) do
      local v = gen(depth + 1)
      out[#out + 1] = '"' .. pick(KEYS) .. '": ' .. v[1]
      for i = 2, #v do out[#out + 1] = "  " .. v[i] end
    end
    if #out == 1 then return { "{}" } end
    return out
  end
end

local function values_text()
  local lines = {}
  local seen = {}
  for _ = 1, math.random(1, 6) do
    local k = pick(KEYS)
    if not seen[k] then
      seen[k] = true
      local v = gen(1)
      lines[#lines + 1] = '"' .. k .. '": ' .. v[1]
      for i = 2, #v do lines[#lines + 1] = "  " .. v[i] end
    end
  end
  return table.concat(lines, "\n") .. "\n"
end

describe("hfl.chart against helm on random values #unit", function()
  it("prints helm's bytes or leaves the release to helm (seed " .. SEED .. ")", function()
    math.randomseed(SEED)
    local dir = assert(fs.mkdtemp(fs.tmpdir() .. "/hfl-chart-fuzz-XXXXXX"))
    local file = dir .. "/values.yaml"
    local deadline, cases, native = os.time() + SECONDS, 0, 0
    local ok, err = pcall(function()
      while os.time() < deadline or cases < 4 do
        local text = values_text()
        assert(fs.write_atomic(file, text))
        local v = math.random(2) == 1 and "3" or "4"
        local c = pick { "spec/fixtures/charts/webapp", "spec/fixtures/charts/yamlquirks" }
        local res = assert(proc.run { HELMS[v], "template", "f", c, "-n", "fz", "--values", file,
          env = { KUBECONFIG = "/dev/null/none" } })
        local got = chart.template_argv({ "helm", "template", "f", c, "-n", "fz", "--values", file }, v)
        if got then
          native = native + 1
          assert(res.code == 0, "native rendered what helm " .. v .. " refuses:\n" .. text .. res.stderr)
          assert(got == res.stdout, "native output differs from helm " .. v .. "'s for " .. c .. " with:\n" .. text)
        end
        cases = cases + 1
      end
    end)
    fs.rm_r(dir, dir)
    assert(ok, err)
    assert.is_true(native > 0, "no case was rendered natively")
  end)
end)
