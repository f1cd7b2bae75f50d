--- `hfl unittest`: the helm-unittest suites of the releases that declare unitTests, evaluated
--- natively (no helm plugin): PASS/FAIL per suite and the summary per release, as the plugin
--- prints them; exit 1 when a test failed.
local clistate = require "hfl.cli.state"
local groups = require "hfl.cli.groups"
local log = require "hfl.log"

local M = {}

M.summary = "Run the helm-unittest suites of the releases that declare unitTests"

--- Declares V, the needs flags, --fail-fast and --debug-plugin (--color is the global flag).
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  groups.values(set)
  groups.needs(set, false)
  set:bool("fail-fast", "stop at the first failing test")
  set:bool("debug-plugin", "log every helm template the tests run")
  groups.args(set)
end

---@param inv hfl.cli.Invocation
function M.run(inv)
  local st, err, code = clistate.load(inv)
  if not st then return code, err end
  local o = inv.options
  local opts = clistate.helm_options(inv)
  opts.skip_needs, opts.include_needs = o.skip_needs, o.include_needs
  opts.include_transitive_needs = o.include_transitive_needs
  opts.fail_fast = o.fail_fast
  opts.debug_plugin = o.debug_plugin
  if opts.args then
    log.warn("--args is not used by unittest: hfl evaluates the suites itself, no helm unittest plugin runs")
  end
  local selected = st:select()
  if selected and #selected == 0 then return clistate.no_match(st:no_match_message(), inv) end
  local report = require "hfl.unittest.report"
  local color = log.color("stdout")
  opts.on_release = function(r)
    for _, p in ipairs(r.unmatched) do
      log.warn('release "%s": unitTests path "%s" matched no test suite in %s', r.release.name, p, r.chart_path)
    end
    io.stdout:write(report.release(r, { color = color }))
    io.stdout:flush()
  end
  local result
  result, err = st:unittest(opts)
  if not result then return nil, err end
  if #result.releases == 0 then log.warn("no selected release declares unitTests") end
  return result.passed and 0 or 1
end

return M
