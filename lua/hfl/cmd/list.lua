--- `hfl list`: the releases of the state file, as a table or JSON.
local M = {}

M.summary = "List the releases in the state file"

--- Declares the flags of `hfl list`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:string("output", "output format: table or json", { arg = "FORMAT" })
  set:bool("skip-charts", "don't prepare charts")
  set:bool("keep-temp-dir", "keep the temporary directory")
end

--- The version a release is listed with: the one locked in the state's lock file when the
--- chart is `repo/chart` of a declared repository and the lock file exists (Helmfile's
--- ResolveDeps), else the release's own version.
---@return string|nil version, string|nil err
function M.locked_version(s, r)
  local version = r.version or ""
  local rname, cname = tostring(r.chart or ""):match("^([^/]+)/(.+)$")
  if not rname then return version end
  local spec = require("hfl.charts.repo").find(s, rname)
  if not spec then return version end
  local resolve = require "hfl.charts.resolve"
  local lock, lerr = resolve.lock_of(s)
  if lerr then return nil, lerr end
  if not lock then return version end
  local lname = spec.oci and cname:match("([^/]+)$") or cname
  local v, err = resolve.locked_version(lock, lname, version)
  if not v and spec.oci and lname ~= cname then v, err = resolve.locked_version(lock, cname, version) end
  if not v then return nil, ("%s: release %q: %s"):format(s.path or "", tostring(r.name), err) end
  return v
end

--- One row per release: name, namespace, enabled, installed, labels (sorted `k:v`), chart, version
--- (as locked, see M.locked_version).
---@param st table  hfl.state object
---@return table[]|nil rows, string|nil err
function M.rows(st)
  local rows = {}
  for _, s in ipairs(st.states) do
    local rels, err = st:filtered(s)
    if not rels then return nil, err end
    for _, r in ipairs(rels) do
      local version, verr = M.locked_version(s, r)
      if not version then return nil, verr end
      local keys = {}
      for k in pairs(r.labels) do keys[#keys + 1] = k end
      table.sort(keys)
      local labels = {}
      for i, k in ipairs(keys) do labels[i] = k .. ":" .. r.labels[k] end
      rows[#rows + 1] = { name = r.name, namespace = r.namespace, enabled = r.enabled,
        installed = r:desired(), labels = table.concat(labels, ","), chart = r.chart,
        version = version }
    end
  end
  table.sort(rows, function(a, b)
    if a.namespace ~= b.namespace then return a.namespace < b.namespace end
    return a.name < b.name
  end)
  return rows
end

local COLUMNS = { "name", "namespace", "enabled", "installed", "labels", "chart", "version" }

--- The table as Helmfile prints it (cells padded to the column width, tab-separated, trailing
--- whitespace trimmed).
function M.table(rows)
  local cells = { { "NAME", "NAMESPACE", "ENABLED", "INSTALLED", "LABELS", "CHART", "VERSION" } }
  for _, r in ipairs(rows) do
    local line = {}
    for i, c in ipairs(COLUMNS) do line[i] = tostring(r[c]) end
    cells[#cells + 1] = line
  end
  local width = {}
  for _, line in ipairs(cells) do
    for i, c in ipairs(line) do width[i] = math.max(width[i] or 0, #c) end
  end
  local out = {}
  for _, line in ipairs(cells) do
    local padded = {}
    for i, c in ipairs(line) do padded[i] = c .. (" "):rep(width[i] - #c) end
    out[#out + 1] = (table.concat(padded, "\t"):gsub("[ \t]+$", ""))
  end
  return table.concat(out, "\n") .. "\n"
end

--- The JSON array Helmfile prints with --output json.
function M.json(rows)
  local enc = require("hfl.stdlib.json").encode
  local items = {}
  for i, r in ipairs(rows) do
    local fields = {}
    for j, c in ipairs(COLUMNS) do
      local v = r[c]
      fields[j] = ('"%s":%s'):format(c, type(v) == "boolean" and tostring(v) or enc(v))
    end
    items[i] = "{" .. table.concat(fields, ",") .. "}"
  end
  return "[" .. table.concat(items, ",") .. "]\n"
end

---@param inv hfl.cli.Invocation
function M.run(inv)
  local format = inv.options.output or ""
  if format ~= "" and format ~= "json" and format ~= "table" then
    return nil, ('unknown --output "%s": want table or json'):format(format)
  end
  local st, err = require("hfl.state").from_invocation(inv)
  if not st then return nil, err end
  local rows
  rows, err = M.rows(st)
  if not rows then return nil, err end
  if #rows == 0 then return st:no_match(inv) end
  io.stdout:write(format == "json" and M.json(rows) or M.table(rows))
  return 0
end

return M
