--- State values: the merge algorithms, the layered environment of one state, and the
--- command-line `--state-values-set(-string)` parser (compat §3).
--
-- Merge rules, and where each applies:
--   * M.mergo(a, b)   = yaml.merge(a, b, {nulls="set", lists="replace"}): mergo WithOverride,
--     used INSIDE one values / secrets list (env values files and inline maps in order, top-level
--     `values:` entries, the decrypted secrets): maps deep, later scalars and lists replace,
--     a later explicit null sets null.
--   * M.layer(a, b)   = yaml.merge(a, b): Helmfile's MergeMaps (sparse arrays) BETWEEN layers
--     (Defaults ← env Values ← override values, and parts accumulating): maps deep, a null
--     never clears an existing key, a list containing a null merges element by element, any
--     other list replaces (`[]` clears).
--   * M.elementwise(a, b): MergeMaps with ArrayMergeStrategyMerge, for the CLI overrides layer
--     (--state-values-set): lists always merge index by index (null keeps the base element,
--     maps in lists recurse).
local value = require "hfl.value"
local yaml = require "hfl.yaml"

local M = {}

local null, vmap, vlist, kind = value.null, value.map, value.list, value.kind

function M.mergo(a, b) return yaml.merge(a or vmap {}, b or vmap {}, { nulls = "set", lists = "replace" }) end

function M.layer(a, b) return yaml.merge(a or vmap {}, b or vmap {}) end

--- M.mergo over a list, first to last: layers[1] ← layers[2] ← … (one conversion each).
function M.mergo_all(layers) return yaml.merge_all(layers, { nulls = "set", lists = "replace" }) end

local function elementwise(a, b)
  local out = vmap {}
  for _, k in ipairs(value.keys(a)) do out[k] = a[k] end
  for _, k in ipairs(value.keys(b)) do
    local v, base = b[k], out[k]
    if v == null then
      if base == nil then out[k] = null end
    elseif kind(v) == "map" and kind(base) == "map" then
      out[k] = elementwise(base, v)
    elseif kind(v) == "list" and kind(base) == "list" then
      local n = math.max(#base, #v)
      local l = {}
      for i = 1, n do l[i] = base[i] == nil and null or base[i] end
      for i = 1, #v do
        local e = v[i]
        if e ~= null then
          if kind(e) == "map" and kind(base[i]) == "map" then
            l[i] = elementwise(base[i], e)
          else
            l[i] = e
          end
        end
      end
      out[k] = vlist(l)
    else
      out[k] = v
    end
  end
  return out
end

function M.elementwise(a, b) return elementwise(a or vmap {}, b or vmap {}) end

------------------------------------------------------------------------------------------
-- The environment of a state while it loads (Helmfile's environment.Environment, with the
-- override values kept in their own layer so --state-values-file and sub-helmfile `values:`
-- always sit above the env values of every part):
--   defaults  top-level `values:` of all parts so far
--   values    env values / secrets of all parts so far
--   over      --state-values-file, sub-helmfile `values:` (arrays replace)
--   cli       --state-values-set(-string) (arrays element-wise)
local Env = {}
Env.__index = Env

function M.env(name)
  return setmetatable({ name = name or "default", kube_context = "", defaults = vmap {}, values = vmap {},
    over = vmap {}, cli = vmap {} }, Env)
end

function Env:copy()
  return self:copy_with {}
end

--- A copy with some layers given (new tables the Env may own); the others are copied.
---@param layers {defaults?: table, values?: table, over?: table, cli?: table}
function Env:copy_with(layers)
  local function layer(k) return layers[k] or value.copy(self[k]) end
  return setmetatable({ name = self.name, kube_context = self.kube_context, defaults = layer("defaults"),
    values = layer("values"), over = layer("over"), cli = layer("cli") }, Env)
end

--- .Values / .StateValues: defaults ← values ← over ← cli.
function Env:merged()
  local v = yaml.merge_all { vmap {}, self.defaults, self.values, self.over }
  return M.elementwise(v, self.cli)
end

--- .Environment.Values: the env layers without the top-level `values:`.
function Env:env_values()
  return M.elementwise(M.layer(self.values, self.over), self.cli)
end

--- The `.Environment` object of templates.
function Env:template_object()
  return vmap { Name = self.name, KubeContext = self.kube_context, Values = self:env_values() }
end

--- Template data for state parts and env values files.
function Env:template_data(namespace)
  local vals = self:merged()
  return vmap { Environment = self:template_object(), Namespace = namespace or "", Values = vals,
    StateValues = vals }
end

------------------------------------------------------------------------------------------
-- --state-values-set parsing (maputil.ParseKey / Set / typedVal).

local function parse_key(key)
  local r, part, escaped = {}, {}, false
  for ch in key:gmatch(".") do
    if not escaped and ch == "\\" then
      escaped = true
    else
      if ch == "." and not escaped then
        r[#r + 1] = table.concat(part)
        part = {}
      else
        part[#part + 1] = ch
      end
      escaped = false
    end
  end
  if #part > 0 then r[#r + 1] = table.concat(part) end
  return r
end
M.parse_key = parse_key

local function typed(val, as_string)
  if as_string then return val end
  local l = val:lower()
  if l == "true" then return true end
  if l == "false" then return false end
  if l == "null" then return null end
  if val == "0" then return 0 end
  if val ~= "" and val:sub(1, 1) ~= "0" and val:match("^[+-]?%d+$") then
    local n = tonumber(val)
    if math.abs(n) < 2 ^ 53 then return n end
    if #val:gsub("^[+-]", "") <= 19 then return value.int(val) end
  end
  return val
end

-- `k[N]` → key, index (0-based) like getCursor's Sscanf("%s %d").
local function cursor(seg)
  local k, idx = seg:match("^([^%[%]%s]+)%[%s*([+-]?%d+)%]?")
  if k and tonumber(idx) >= 0 then return k, tonumber(idx) end
  return seg:gsub("[%[%]]", " "), nil
end

local function unexpected(v)
  return ("unexpected type: %s"):format(kind(v))
end

-- Helm's strvals limit: a bigger index would only allocate a huge list of nulls.
M.MAX_INDEX = 65536

local function set_path(m, keys, val)
  for i = 1, #keys do
    local _, idx = cursor(keys[i])
    if idx and idx > M.MAX_INDEX then
      return nil, ("index of %d is greater than maximum supported index %d"):format(idx, M.MAX_INDEX)
    end
  end
  for i = 1, #keys - 1 do
    local k, idx = cursor(keys[i])
    if idx then
      local l = m[k]
      if l == nil then l = vlist {} m[k] = l end
      if kind(l) ~= "list" then return nil, unexpected(l) end
      for j = #l + 1, idx + 1 do l[j] = null end
      if l[idx + 1] == null then l[idx + 1] = vmap {} end
      if kind(l[idx + 1]) ~= "map" then return nil, unexpected(l[idx + 1]) end
      m = l[idx + 1]
    else
      if m[k] == nil then m[k] = vmap {} end
      if kind(m[k]) ~= "map" then return nil, unexpected(m[k]) end
      m = m[k]
    end
  end
  local k, idx = cursor(keys[#keys])
  if idx then
    local l = m[k]
    if l == nil then l = vlist {} m[k] = l end
    if kind(l) ~= "list" then return nil, unexpected(l) end
    for j = #l + 1, idx + 1 do l[j] = null end
    l[idx + 1] = val
  else
    m[k] = val
  end
  return true
end

--- Parses --state-values-set (or, with opts.string, --state-values-set-string) arguments into
--- one map (compat §3.3). set: split on ",", then on the first "="; keys split on "." (`\.`
--- escapes), `k[N]` indexes a list (grown with nulls); values typed: true/false (any case),
--- null, 0, digits not starting with 0 → int, else string. set-string: Helmfile's regex
--- `(?:,|^)([^\s=]+)=(['"][^'"]*['"]|[^,]+)`, values always strings with their quotes kept.
---@param list string[]
---@param opts? {string?: boolean}
---@return table|nil map, string|nil err
function M.parse_state_values_set(list, opts)
  local as_string = opts and opts.string
  local out = vmap {}
  for _, arg in ipairs(list or {}) do
    local ops = {}
    if as_string then
      local pos = 1
      while pos <= #arg do
        local s = pos
        if pos > 1 then
          if arg:sub(pos, pos) ~= "," then
            pos = pos + 1
            goto continue
          end
          s = pos + 1
        end
        do
          local k, rest = arg:match("^([^%s=]+)=()", s)
          if k then
            local v = arg:match("^(['\"][^'\"]*['\"])", rest) or arg:match("^([^,]+)", rest)
            if v then
              ops[#ops + 1] = { k, v }
              pos = rest + #v
              goto continue
            end
          end
          pos = pos + 1
        end
        ::continue::
      end
    else
      for op in (arg .. ","):gmatch("([^,]*),") do
        local k, v = op:match("^([^=]*)=(.*)$")
        if not k then
          return nil, ("invalid --state-values-set %q: %q is not key=value"):format(arg, op)
        end
        ops[#ops + 1] = { k, v }
      end
    end
    for _, op in ipairs(ops) do
      local keys = parse_key(op[1])
      if #keys == 0 then return nil, ("invalid --state-values-set %q: empty key"):format(arg) end
      local ok, err = set_path(out, keys, typed(op[2], as_string))
      if not ok then return nil, ("invalid --state-values-set %q: %s"):format(arg, err) end
    end
  end
  return out
end

return M
