--- `hfl doctor`: the diff, reviewed for risks by an OpenAI-compatible LLM when one is
--- configured (st:doctor, hfl.doctor); without one, `hfl diff` with secrets never shown.
local clistate = require "hfl.cli.state"
local deploy = require "hfl.cli.deploy"
local flagset = require "hfl.cli.flagset"
local log = require "hfl.log"

local M = {}

M.summary = "Review the pending changes with an LLM: summary and risks"

M.description = [[
Runs `hfl diff` and, when an OpenAI-compatible LLM is configured, sends the diff (secrets
redacted) to its Chat Completions endpoint and prints its summary and the risks it sees.
The LLM is configured by HELMFILE_LLM_BASE_URL, HELMFILE_LLM_API_KEY, HELMFILE_LLM_MODEL,
HELMFILE_LLM_TIMEOUT and HELMFILE_LLM_MAX_TOKENS, overridden by a state file's `llm:` block
(baseURL, apiKey, model, timeout, maxTokens), overridden by the --llm-* flags; an API key and a
model are needed. Without them doctor prints what `hfl diff` prints, secrets hidden.
Exit codes: 0 done (also when the LLM call failed: the redacted diff is shown instead),
2 a high-severity risk was found and --force was not given, 1 any other error.]]

-- Diff flags whose name, default or description differ in doctor.
local DIFF_FLAG_CHANGES = {
  output = { long = "diff-output", key = "diff_output",
    desc = "diff output format (diff, simple, json, template): doctor's --output is the report's" },
  context = { default = 3,
    desc = "lines of context around each change (more than diff: the model reads them)" },
  ["show-secrets"] = { desc = "ignored: doctor never shows secrets" },
  ["detailed-exitcode"] = { desc = "with an LLM: ignored (doctor's exit code says whether a high "
    .. "risk was found); without one: exit 2 when there are changes, as diff" },
}

--- Declares doctor's flags: diff's (its --output as --diff-output) and the LLM's.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:string("llm-base-url", "OpenAI-compatible endpoint, e.g. https://api.openai.com/v1 "
    .. "(overrides HELMFILE_LLM_BASE_URL and llm.baseURL)", { arg = "URL" })
  set:string("llm-api-key", "API key of the endpoint (overrides HELMFILE_LLM_API_KEY and "
    .. "llm.apiKey)", { arg = "KEY" })
  set:string("llm-model", "chat model, e.g. gpt-4o (overrides HELMFILE_LLM_MODEL and llm.model)",
    { arg = "MODEL" })
  set:string("llm-timeout", "time the LLM call may take, e.g. 90s (default 60s)",
    { arg = "DURATION" })
  set:int("llm-max-tokens", "most tokens of the answer (default 4096)", { arg = "N", default = 0 })
  set:bool("force", "exit 0 even when a high-severity risk is found (the report is printed)")
  set:string("output", "report format: text (Markdown, default) or json", { arg = "FORMAT" })
  local diff_flags = flagset.new("diff")
  require("hfl.cmd.diff").add_flags(diff_flags)
  for _, f in ipairs(diff_flags.flags) do
    local spec = {}
    for k, v in pairs(f) do spec[k] = v end
    for k, v in pairs(DIFF_FLAG_CHANGES[f.long] or {}) do spec[k] = v end
    set:add(spec)
  end
end

local function print_doctor_report(r, opts)
  local text = (opts.output or ""):lower() == "json" and r.json or r.text
  if text ~= "" then io.stdout:write(text, text:sub(-1) == "\n" and "" or "\n") end
end

---@param inv hfl.cli.Invocation
---@return integer|nil code, string|nil err
function M.run(inv)
  local st, err, code = clistate.load(inv)
  if not st then return code, err end
  local opts = deploy.options(inv)
  opts.output = inv.options.output
  local r
  r, err = st:doctor(opts)
  if not r then return nil, err end
  if #r.diff.plan.items == 0 then return clistate.no_match(st:no_match_message(), inv) end
  local errors = #r.errors > 0 and require("hfl.errlist").combined(r.errors) or nil
  if not r.configured then
    io.stdout:write(r.diff_text)
    if errors then return nil, errors end
    if opts.detailed_exitcode and r.changed > 0 then return 2 end
    return 0
  end
  if errors then
    io.stdout:write(r.diff_text)
    return nil, errors
  end
  if r.secrets_redacted > 0 then
    st.session.log.info("doctor: %d secret(s) redacted before the diff was sent", r.secrets_redacted)
  end
  if r.llm_error then
    st.session.log.warn("doctor: %s (the redacted diff is shown instead)", r.llm_error)
  end
  print_doctor_report(r, opts)
  if r.high_risk and not opts.force then
    io.stderr:write(log.paint("hfl:", "red"),
      " doctor: high-severity risk detected (override with --force)\n")
    return 2
  end
  return 0
end

return M
