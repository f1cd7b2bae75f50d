-- A small workflow for the cache specs: fetches chart archives through hfl.http and
-- hfl.charts.cache, all at once, the way releases needing charts would.
--   hfl run spec/support/fetch_charts.lua URL[#sha256] ...
-- Each argument is one "release" (repeat a URL to need a chart twice). Every chart lands in
-- the cache (HFL_CACHE_HOME) as <entry>/chart.tgz plus <entry>/chart/ (extracted); prints
-- "ok <url> <entry>" per argument, or "error <message>", and exits 1 when any failed.
local proc = require "hfl.proc"
local http = require "hfl.http"
local cache = require "hfl.charts.cache"
local archive = require "hfl.archive"

local args = { ... }
local session = require("hfl.session").new()
local function fetch(spec)
  local url, digest = spec:match("^(.-)#(%x+)$")
  url = url or spec
  return cache.get(spec, function(tmp)
    local res, err = http.get(url, { output = tmp .. "/chart.tgz", fail = true,
      timeout = tonumber(os.getenv("HFL_SPEC_TIMEOUT") or "") })
    if not res then return nil, err end
    if digest and res.sha256 ~= digest then
      return nil, ("%s: digest mismatch: got sha256:%s, the index says sha256:%s (the "
        .. "repository changed the chart or the download is corrupt; run hfl deps)")
        :format(url, res.sha256, digest)
    end
    return archive.extract(tmp .. "/chart.tgz", tmp .. "/chart", { source = url })
  end, { session = session })
end

local results = proc.map(args, 0, function(spec)
  local path, err = fetch(spec)
  return { spec = spec, path = path, err = err }
end)
local failed = 0
for _, r in ipairs(results) do
  if r.path then
    print("ok " .. r.spec .. " " .. r.path)
  else
    failed = failed + 1
    print("error " .. r.err)
  end
end
return failed == 0 and 0 or 1
