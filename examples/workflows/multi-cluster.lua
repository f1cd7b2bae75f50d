-- Applies the same state to several clusters, one kube context after the other, and prints a
-- summary table (context, release, action, result, duration). Exit 1 when a context does not
-- load or a release fails; the other contexts are still applied.
--   hfl [-f FILE] [-e ENV] run examples/workflows/multi-cluster.lua [--dry-run] CONTEXT...
local hfl = require "hfl"

local contexts, dry_run = {}, false
for _, a in ipairs(arg) do
  if a == "--dry-run" then dry_run = true
  elseif a:sub(1, 1) == "-" then
    io.stderr:write(("multi-cluster: unknown flag %q (usage: multi-cluster.lua [--dry-run] CONTEXT...)\n"):format(a))
    return 1
  else contexts[#contexts + 1] = a end
end
if #contexts == 0 then
  io.stderr:write("multi-cluster: name at least one kube context (usage: multi-cluster.lua [--dry-run] CONTEXT...)\n")
  return 1
end

local rows, failed, errors = {}, 0, {}
-- One Session for every context: charts, dependency builds and the helm version are read once.
-- The first load makes it from the global flags (--helm-binary, --concurrency, …).
local session
for _, ctx in ipairs(contexts) do
  local st, err = hfl.load { kube_context = ctx, session = session }
  session = session or (st and st.session)
  local result
  if st then
    if dry_run then
      result, err = st:plan {}
    else
      result, err = st:apply {}
    end
  end
  if not result then
    failed = failed + 1
    rows[#rows + 1] = { ctx, "-", "-", "error: " .. (err or ""):match("^[^\n]*"), "" }
  elseif dry_run then
    for _, item in ipairs(result.plan.items) do
      rows[#rows + 1] = { ctx, item.namespace .. "/" .. item.name, item.action, "planned", "" }
    end
  else
    if result.failed > 0 then failed = failed + 1 end
    for _, e in ipairs(result.errors or {}) do
      errors[#errors + 1] = ctx .. ": " .. tostring(e):match("^[^\n]*")
    end
    for _, row in ipairs(result.rows) do
      rows[#rows + 1] = { ctx, row.namespace .. "/" .. row.release, row.action, row.result,
        ("%.1fs"):format(row.duration or 0) }
    end
    if #result.rows == 0 then rows[#rows + 1] = { ctx, "-", "none", "unchanged", "" } end
  end
end

local header = { "CONTEXT", "RELEASE", "ACTION", "RESULT", "DURATION" }
local width = {}
for i, h in ipairs(header) do width[i] = #h end
for _, r in ipairs(rows) do
  for i, c in ipairs(r) do width[i] = math.max(width[i], #c) end
end
local function line(cells)
  local out = {}
  for i, c in ipairs(cells) do out[i] = c .. string.rep(" ", width[i] - #c) end
  print((table.concat(out, "  "):gsub("%s+$", "")))
end
line(header)
for _, r in ipairs(rows) do
  r[4] = session and session:mask(r[4]) or r[4]
  line(r)
end
-- why, under the table: the first line of each error
for _, e in ipairs(errors) do
  io.stderr:write(session and session:mask(e) or e, "\n")
end
if session then session:close() end
return failed > 0 and 1 or 0
