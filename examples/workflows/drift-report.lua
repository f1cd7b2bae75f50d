-- Diffs every selected release against the cluster and writes a JSON report of what differs,
-- per release and resource. Exit 2 when something differs, 1 on errors, 0 when all is in sync
-- (a nightly drift check).
--   hfl [-f FILE] [-e ENV] run examples/workflows/drift-report.lua REPORT.json [--three-way]
-- --three-way also compares with the live objects, so changes made behind helm's back count.
local hfl = require "hfl"
local fs = require "hfl.fs"
local json = hfl.json

local out, three_way
for _, a in ipairs(arg) do
  if a == "--three-way" then three_way = true
  elseif a:sub(1, 1) == "-" or out then
    io.stderr:write(("drift-report: unexpected argument %q (usage: drift-report.lua REPORT.json [--three-way])\n"):format(a))
    return 1
  else out = a end
end
if not out then
  io.stderr:write("drift-report: name the report file (usage: drift-report.lua REPORT.json [--three-way])\n")
  return 1
end

local st, err = hfl.load {}
if not st then
  io.stderr:write("drift-report: ", err, "\n")
  return 1
end
local mask = function(text) return st.session:mask(tostring(text)) end

local diff
diff, err = st:diff { three_way = three_way }
if not diff then
  io.stderr:write("drift-report: ", mask(err), "\n")
  st.session:close()
  return 1
end

local releases, drifted, errors = hfl.value.list {}, 0, 0
for _, item in ipairs(diff.plan.items) do
  local resources = hfl.value.list {}
  for _, c in ipairs(item.changes and item.changes.changes or {}) do
    local lines = {}
    for _, l in ipairs(c.lines or {}) do lines[#lines + 1] = l.op .. " " .. l.text end
    resources[#resources + 1] = hfl.value.map { action = c.action, kind = c.kind, name = c.name,
      namespace = c.namespace or "", drift = c.drift == true, diff = mask(table.concat(lines, "\n")) }
  end
  local entry = hfl.value.map { id = item.id, name = item.name, namespace = item.namespace or "",
    action = item.action, reason = mask(item.reason or ""), resources = resources }
  if item.action == "error" then
    errors = errors + 1
    entry.error = mask(item.error or item.reason or "")
  elseif item.action ~= "unchanged" then
    drifted = drifted + 1
  end
  releases[#releases + 1] = entry
  print(("%-10s %s%s"):format(item.action, item.id, #resources > 0 and (" (%d resources)"):format(#resources) or ""))
end

local report = hfl.value.map { environment = st.environment, three_way = three_way == true,
  drifted = drifted, errors = errors, releases = releases }
local ok, werr = fs.write_atomic(out, json.encode(report, { indent = "  " }) .. "\n")
st.session:close()
if not ok then
  io.stderr:write("drift-report: ", werr, "\n")
  return 1
end
print(("drift-report: %d of %d releases differ, %d errors; wrote %s"):format(drifted, #releases, errors, out))
if errors > 0 then return 1 end
return drifted > 0 and 2 or 0
