-- Canary deploy: apply the database tier first, check with `helm status` that it is deployed,
-- and only then apply the rest. Stops (exit 1) with the reason when the first step fails.
--   hfl [-f FILE] [-e ENV] run examples/workflows/canary.lua [KEY=VALUE]   (default: tier=db)
local hfl = require "hfl"

local first = arg[1] or "tier=db"
local key, val = first:match("^([%w_.%-/]+)=([^,!=]+)$")
if not key then
  io.stderr:write(("canary: %q is not KEY=VALUE (e.g. tier=db)\n"):format(first))
  return 1
end
local rest = key .. "!=" .. val

local st, err = hfl.load {}
if not st then
  io.stderr:write("canary: ", err, "\n")
  return 1
end
local mask = function(text) return st.session:mask(tostring(text)) end

-- The API prints nothing: say what happens, one line per release.
local function progress(step)
  return function(r, _, info)
    local line = ("[%s] %s/%s %s (%.1fs)"):format(step, r.namespace or "", r.name, info.result, info.duration or 0)
    if info.error then line = line .. ": " .. mask(info.error):match("^[^\n]*") end
    print(line)
  end
end

local function stop(msg)
  io.stderr:write("canary: ", mask(msg), "\n")
  st.session:close()
  return 1
end

local function apply(step, selector)
  local result, aerr = st:apply { selectors = { selector }, on_release_done = progress(step) }
  if not result then return nil, aerr end
  if result.failed > 0 or result.cancelled then
    return nil, (result.errors[1] or "cancelled"):match("^[^\n]*")
  end
  return result
end

local canary, aerr = apply(first, first)
if not canary then return stop(("step %s failed, nothing else was applied: %s"):format(first, aerr)) end

local statuses, serr = st:status { selectors = { first } }
if not statuses then return stop(serr) end
if #statuses == 0 then return stop(("no release matches %s"):format(first)) end
for _, s in ipairs(statuses) do
  local status = s.ok and s.output:match("STATUS: (%S+)")
  print(("[%s] %s status %s"):format(first, s.id, status or "unknown"))
  if status ~= "deployed" then
    return stop(("%s is %s after step %s, nothing else was applied%s"):format(s.id,
      status or "not readable", first, s.error and (": " .. tostring(s.error):match("^[^\n]*")) or ""))
  end
end

local after, rerr = apply(rest, rest)
if not after then return stop(("step %s failed: %s"):format(rest, rerr)) end
print(("canary: %s and the rest applied (%d changed)"):format(first, canary.changed + after.changed))
st.session:close()
return 0
