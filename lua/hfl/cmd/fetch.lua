--- `hfl fetch`: download every selected release's chart through the cache, optionally into
--- --output-dir (see hfl.charts.fetch).
local clistate = require "hfl.cli.state"

local M = {}

M.summary = "Download the charts of the releases in the state file"

--- Declares the flags of `hfl fetch`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:string("output-dir", "put the charts under DIR", { arg = "DIR" })
  set:string("output-dir-template", "Go template for each chart's directory", { arg = "TEMPLATE" })
  set:bool("write-output", "print the state with charts replaced by their copies (needs --output-dir)")
end

--- Says where each release's chart is (the log's info level, on stderr): in hfl's cache, as
--- the local chart it is, or under --output-dir.
---@param log table a log sink (info)
---@param charts table[] from st:fetch
---@param out_dir? string
function M.report(log, charts, out_dir)
  for _, c in ipairs(charts) do
    local v = c.version and c.version ~= "" and " " .. tostring(c.version) or ""
    log.info("release %s: chart %s%s: %s", c.release.name, tostring(c.release.chart), v, c.path)
  end
  if #charts > 0 and (out_dir or "") == "" then
    log.info("the charts stay where they are (hfl's cache, local directories); --output-dir DIR copies them to DIR")
  end
end

--- Runs `hfl fetch`.
---@param inv hfl.cli.Invocation
---@return integer|nil code, string|nil err
function M.run(inv)
  local out_dir = inv.options.output_dir
  if inv.options.write_output and (out_dir or "") == "" then
    return nil, "--write-output needs --output-dir DIR: the state it prints points at the charts there"
  end
  local st, err, code = clistate.load(inv)
  if not st then return code, err end
  local charts
  charts, err = st:fetch { output_dir = out_dir, output_dir_template = inv.options.output_dir_template }
  if not charts then return nil, err end
  if #charts == 0 and #(inv.global.selector or {}) > 0 then
    return clistate.no_match(st:no_match_message(), inv)
  end
  M.report(st.session.log, charts, out_dir)
  if inv.options.write_output then
    local paths = {}
    for _, c in ipairs(charts) do paths[c.release] = c.path end
    local text, berr = st:build { charts = paths, pull = false }
    if not text then return nil, berr end
    io.stdout:write(text)
  end
  return 0
end

return M
