-- The kubectl shim's one command (see spec/support/fakecluster/kubectl).
local fs = require "hfl.fs"
local json = require "hfl.stdlib.json"
local proc = require "hfl.proc"
local store = require "spec.support.fakecluster.store"

local M = {}

local KINDS = { secrets = "secrets", secret = "secrets", configmaps = "configmaps",
  configmap = "configmaps", cm = "configmaps" }

local function unsupported(args)
  local words = {}
  for i = 1, #args do words[i] = args[i] end
  io.stderr:write("fake kubectl: unsupported command: kubectl ", table.concat(words, " "),
    " (only `get secrets|configmaps -l SELECTOR -n NS|-A -o json`)\n")
  return 1
end

-- { {key, op, value} } of an equality-based selector: k=v, k==v, k!=v, k, !k.
local function parse_selector(s)
  local out = {}
  for term in (s or ""):gmatch("[^,]+") do
    local k, op, v = term:match("^%s*([^!=%s]+)%s*([!=]=?)%s*(.-)%s*$")
    if k then
      out[#out + 1] = { k, op == "!=" and "ne" or "eq", v }
    elseif term:match("^%s*!") then
      out[#out + 1] = { term:match("^%s*!%s*(.-)%s*$"), "absent" }
    else
      out[#out + 1] = { term:match("^%s*(.-)%s*$"), "present" }
    end
  end
  return out
end

local function matches(labels, sel)
  for _, t in ipairs(sel) do
    local have = labels[t[1]]
    if t[2] == "eq" and have ~= t[3] then return false end
    if t[2] == "ne" and have == t[3] then return false end
    if t[2] == "present" and have == nil then return false end
    if t[2] == "absent" and have ~= nil then return false end
  end
  return true
end

local function objects(ctx, kind, ns, sel)
  local out = {}
  local d = store.dir(ctx, kind, ns)
  local names = fs.list(d) or {}
  table.sort(names)
  for _, f in ipairs(names) do
    if f:match("%.json$") then
      local text = fs.read(d .. "/" .. f)
      if text then
        local obj = json.decode(text)
        if obj and matches(obj.metadata.labels or {}, sel) then out[#out + 1] = text end
      end
    end
  end
  return out
end

function M.main(args)
  local ctx, ns, all, kind, selector, output = "", nil, false, nil, nil, nil
  local i, verb = 1, nil
  while i <= #args do
    local a = args[i]
    local name, val = a:match("^(%-%-?[%w-]+)=(.*)$")
    name = name or a
    local function take()
      if val then return val end
      i = i + 1
      return args[i]
    end
    if name == "--context" then ctx = take()
    elseif name == "--kubeconfig" then take()
    elseif name == "-n" or name == "--namespace" then ns = take()
    elseif name == "-A" or name == "--all-namespaces" then all = true
    elseif name == "-l" or name == "--selector" then selector = take()
    elseif name == "-o" or name == "--output" then output = take()
    elseif a:match("^%-") then return unsupported(args)
    elseif not verb then verb = a
    elseif not kind then kind = KINDS[a] or a
    else return unsupported(args) end
    i = i + 1
  end
  if verb ~= "get" or (kind ~= "secrets" and kind ~= "configmaps") or output ~= "json" then
    return unsupported(args)
  end
  local delay = tonumber(os.getenv("HFL_FAKE_KUBECTL_DELAY") or "")
  if delay and delay > 0 then proc.sleep(delay) end
  local sel = parse_selector(selector)
  local items = {}
  local nss = all and store.namespaces(ctx, kind) or { ns or os.getenv("HFL_FAKE_DEFAULT_NAMESPACE") or "default" }
  for _, n in ipairs(nss) do
    for _, text in ipairs(objects(ctx, kind, n, sel)) do items[#items + 1] = text end
  end
  io.stdout:write('{"apiVersion":"v1","items":[', table.concat(items, ","),
    '],"kind":"List","metadata":{"resourceVersion":""}}\n')
  return 0
end

return M
