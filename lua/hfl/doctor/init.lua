--- hfl.doctor: `hfl doctor` as an API (st:doctor(opts)). It runs the diff (st:diff) with secrets
--- never shown and, when an OpenAI-compatible LLM is configured (hfl.doctor.config), sends the
--- redacted diff for review (hfl.doctor.llm) and reports the summary and risks
--- (hfl.doctor.report). With no LLM configured it is the diff, nothing more.
---
---   local r = assert(st:doctor { llm_base_url = "http://127.0.0.1:8080/v1", llm_api_key = "k",
---                                llm_model = "m" })
---   io.write(r.text)                 -- or r.json
---   if r.high_risk then os.exit(2) end
---
--- Options: those of st:diff (diff_output is its --output; context defaults to 3;
--- show_secrets is ignored), and llm_base_url, llm_api_key, llm_model, llm_timeout (a Go
--- duration text such as "90s", or seconds), llm_max_tokens.
---
--- Result: { configured = bool, diff = result of st:diff, diff_text = the diff as printed
--- (no LLM: exactly `hfl diff`'s; with one: the redacted text that was sent), changed = n,
--- errors = {…}; with an LLM also: analysis = {summary, risks, affected_resources} | nil,
--- llm_error = string | nil, high_risk = bool, secrets_redacted = n, model =, duration = s,
--- sent = bool (whether a request was made), text = the Markdown report, json = the JSON one }.
local config = require "hfl.doctor.config"
local redact = require "hfl.doctor.redact"
local llm = require "hfl.doctor.llm"
local report = require "hfl.doctor.report"
local proc = require "hfl.proc"
local taint = require "hfl.taint"
local urls = require "hfl.redact"

local M = {}

-- Options of doctor that st:diff does not take.
local OWN = { llm_base_url = true, llm_api_key = true, llm_model = true, llm_timeout = true,
  llm_max_tokens = true, force = true, output = true, diff_output = true }

--- The st:diff options of doctor options: secrets never shown, --diff-output as diff's output,
--- three lines of context unless told otherwise.
---@param opts table
---@return table
function M.diff_options(opts)
  local o = {}
  for k, v in pairs(opts) do
    if not OWN[k] then o[k] = v end
  end
  o.output = opts.diff_output ~= "" and opts.diff_output or nil
  o.show_secrets = false
  if o.context == nil then o.context = 3 end
  return o
end

local function count(text, s)
  local n, pos = 0, 1
  while true do
    local i = text:find(s, pos, true)
    if not i then return n end
    n, pos = n + 1, i + #s
  end
end

-- The names of the releases the diff is about (the prompt's context).
local function release_names(result)
  local names = {}
  for _, item in ipairs(result.plan.items) do
    if item.release and item.action ~= "skip" then names[#names + 1] = item.name end
  end
  return names
end

local function is_high(risk)
  return risk.level:lower() == "high"
end

--- Runs the doctor on a loaded state (see the module's comment for options and result).
---@param st table  a loaded State
---@param opts? table
---@return table|nil result, string|nil err
function M.run(st, opts)
  opts = opts or {}
  if type(opts) ~= "table" then error("State:doctor: options must be a table", 3) end
  local cfg, err = config.resolve(st, opts)
  if not cfg then return nil, err end
  local dopts = M.diff_options(opts)
  if not config.configured(cfg) then
    local d
    d, err = st:diff(dopts)
    if not d then return nil, err end
    return { configured = false, diff = d, diff_text = d.diff_text, changed = d.changed,
      errors = d.errors }
  end
  dopts.color = false  -- the text goes to a model, not a terminal
  dopts.detailed_exitcode = nil
  local d
  d, err = st:diff(dopts)
  if not d then return nil, err end
  -- values from secret sources are masked already (hfl.taint's mark) and URLs lose their
  -- credentials (hfl.redact); both count as redacted
  local masked, creds = urls.text_counted(st.session:mask(d.diff_text))
  local tainted = count(masked, taint.MARK)
  local text, n = redact.text(masked)
  local cfgd = config.with_defaults(cfg)
  local r = { configured = true, diff = d, diff_text = text, changed = d.changed, errors = d.errors,
    secrets_redacted = n + tainted + creds, model = cfgd.model, duration = 0, high_risk = false,
    sent = false }
  -- nothing to review: a failed diff is reported as it is, an empty one needs no model
  if #d.errors == 0 and d.changed > 0 then
    local started = proc.now()
    local analysis, lerr = llm.analyze(cfgd, text,
      { environment = st.environment, releases = release_names(d) })
    r.duration, r.sent = proc.now() - started, true
    if analysis then
      r.analysis = analysis
      for _, risk in ipairs(analysis.risks) do
        if is_high(risk) then r.high_risk = true end
      end
    else
      r.llm_error = lerr
    end
  end
  r.text = report.text(r)
  r.json = report.json(r)
  return r
end

return M
