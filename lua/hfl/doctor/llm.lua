--- The review request of `hfl doctor`: one OpenAI-compatible Chat Completions call
--- (POST <base URL>/chat/completions) asking for a JSON object, and its answer read back as
--- { summary, risks = { {level, category, description, suggestion} … }, affected_resources }.
--- A server that rejects `response_format` (HTTP 400 naming it) is asked once more without it;
--- an answer wrapped in a Markdown fence or prose still yields its JSON object.
local http = require "hfl.http"
local json = require "hfl.json"
local value = require "hfl.value"

local M = {}

--- Bytes of diff sent at most (the rest is cut, and the prompt says so).
M.MAX_DIFF_BYTES = 32 * 1024

--- Bytes of answer read at most: a review of max_tokens tokens is a few KiB; a bigger body
--- is an error, not something to hold in memory and print.
M.MAX_ANSWER_BYTES = 4 * 1024 * 1024

--- The text without terminal control characters (C0 but tab and newline, DEL, and C1 as
--- UTF-8): the model's and the server's words are printed to a terminal, where ESC or CSI
--- would start an escape sequence (retitle, clear, OSC 52 clipboard writes, hidden text).
---@param s string
---@return string
function M.printable(s)
  return (s:gsub("[%z\1-\8\11-\31\127]", ""):gsub("\194[\128-\159]", ""))
end

local SYSTEM = [[
You review the changes a Helm deployment is about to make. The user message holds the output of
`hfl diff` (a Helmfile-compatible tool): for each release, the Kubernetes objects that would be
added, changed or removed. Secret values in it have been replaced by placeholders.

Do three things:
1. Summarise what the changes do in one or two plain sentences an operator can read at a glance.
2. List the risks you see. Use these categories and leave out the ones that do not apply:
   data-loss (volumes, claims, databases or stateful workloads removed or recreated),
   security (new privileges, host access, dropped network policies, exposed credentials),
   breaking-change (removed or renamed fields, labels or selectors others rely on, API downgrades),
   downtime (disruptive rollouts, missing disruption budgets or readiness checks),
   performance (large resource changes, removed autoscaling, heavy sidecars),
   best-practice (mutable image tags, missing namespaces, inconsistent labels).
3. For every risk, say what to do about it (a command, a values change, or how to roll back).

Levels: "high" means data loss, a security exposure or an outage, and a person must look before
the change is applied; "medium" means a degraded rollout or a follow-up fix; "low" is worth
noting but harmless.

Answer with one JSON object and nothing else (no Markdown, no prose around it):
{"summary": "...", "risks": [{"level": "low|medium|high", "category": "...", "description": "...",
"suggestion": "..."}], "affected_resources": ["Kind/name", ...]}
With no changes, answer {"summary": "No changes.", "risks": []}. If the diff cannot be read,
answer {"error": "<short reason>"} only.]]

--- The system message.
---@return string
function M.system_prompt()
  return SYSTEM
end

--- The user message: the run's context as JSON (so a release name cannot pass for an
--- instruction), then the diff, cut at M.MAX_DIFF_BYTES.
---@param diff string
---@param extras? {environment?: string, releases?: string[]}
---@return string
function M.user_prompt(diff, extras)
  extras = extras or {}
  local out = {}
  local ctx = value.map()
  if extras.environment and extras.environment ~= "" then ctx.environment = extras.environment end
  if extras.releases and #extras.releases > 0 then
    local l = value.list()
    for i, name in ipairs(extras.releases) do l[i] = name end
    ctx.releases = l
  end
  if next(ctx) ~= nil then
    out[#out + 1] = "Context (JSON):\n  " .. json.encode(ctx) .. "\n\n"
  end
  out[#out + 1] = "hfl diff output:\n\n"
  if #diff > M.MAX_DIFF_BYTES then
    out[#out + 1] = diff:sub(1, M.MAX_DIFF_BYTES)
    out[#out + 1] = ("\n\n... [diff cut: %d bytes in all, the first %d sent] ...\n")
      :format(#diff, M.MAX_DIFF_BYTES)
  else
    out[#out + 1] = diff
  end
  return table.concat(out)
end

--- The request body (fields in the order OpenAI's clients send them).
---@param cfg table  hfl.doctor.config with defaults
---@param system string
---@param user string
---@param json_mode boolean  ask for response_format json_object
---@return string
function M.request_body(cfg, system, user, json_mode)
  local body = value.map()
  body.model = cfg.model
  body.messages = value.list {
    value.map { role = "system", content = system },
    value.map { role = "user", content = user },
  }
  body.max_tokens = math.floor(cfg.max_tokens)
  body.temperature = cfg.temperature
  if json_mode then body.response_format = value.map { type = "json_object" } end
  -- map keys come out sorted; order the few fields by hand so the body reads as clients send it
  local parts = {}
  for _, k in ipairs { "model", "messages", "max_tokens", "temperature", "response_format" } do
    if body[k] ~= nil then parts[#parts + 1] = json.encode(k) .. ":" .. json.encode(body[k]) end
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

-- The error message of a non-2xx answer: the OpenAI error object's message when there is one.
local function api_message(res)
  local doc = res.body and json.decode(res.body)
  if value.kind(doc) == "map" then
    local e = doc.error
    if value.kind(e) == "map" and type(e.message) == "string" then return e.message end
    if type(e) == "string" then return e end
    if type(doc.message) == "string" then return doc.message end
  end
  local body = (res.body or ""):gsub("%s+", " "):sub(1, 200)
  return body
end

local function mentions_response_format(msg)
  msg = msg:lower()
  return msg:find("response_format", 1, true) or msg:find("response format", 1, true)
    or msg:find("json_object", 1, true) or msg:find("json mode", 1, true)
end

--- The JSON object in a model's answer: the answer itself, the inside of a ``` fence, or the
--- outermost {…} in prose.
---@param s string
---@return string
function M.json_part(s)
  s = s:match("^%s*(.-)%s*$")
  if s:sub(1, 3) == "```" then
    local rest = s:sub(4)
    local nl = rest:find("\n", 1, true)
    s = nl and rest:sub(nl + 1) or rest
    s = s:match("^%s*(.-)%s*$"):gsub("```$", ""):match("^%s*(.-)%s*$")
  end
  if s:sub(1, 1) == "{" then return s end
  local first = s:find("{", 1, true)
  local last = s:match(".*()}")
  if first and last and last > first then return s:sub(first, last) end
  return s
end

local RANK = { high = 0, medium = 1, low = 2 }

local function str(v)
  if type(v) == "string" then return M.printable(v) end
  if v == nil or v == value.null then return "" end
  return tostring(v)
end

--- The analysis of a model's answer text: {summary=, risks=, affected_resources=}, risks
--- ordered high, medium, low, then others (the model's order kept within a level).
---@param content string
---@return table|nil analysis, string|nil err
function M.parse_answer(content)
  local text = M.json_part(content)
  local doc, err = json.decode(text)
  if value.kind(doc) ~= "map" then
    return nil, ("llm: the model's answer is not a JSON object (%s): %q")
      :format(err or "got " .. value.kind(doc), text:sub(1, 300))
  end
  if type(doc.error) == "string" and doc.error ~= "" then
    return nil, "llm: the model reported an error: " .. M.printable(doc.error)
  end
  local risks = {}
  if value.kind(doc.risks) == "list" then
    for i, r in ipairs(doc.risks) do
      if value.kind(r) == "map" then
        risks[#risks + 1] = { level = str(r.level), category = str(r.category),
          description = str(r.description), suggestion = str(r.suggestion), order = i }
      end
    end
  end
  table.sort(risks, function(a, b)
    local ra, rb = RANK[a.level] or 3, RANK[b.level] or 3
    if ra ~= rb then return ra < rb end
    return a.order < b.order
  end)
  for _, r in ipairs(risks) do r.order = nil end
  local affected = {}
  if value.kind(doc.affected_resources) == "list" then
    for _, a in ipairs(doc.affected_resources) do affected[#affected + 1] = str(a) end
  end
  return { summary = str(doc.summary), risks = risks, affected_resources = affected }
end

-- No redirects: following one would send the diff to wherever the server points (curl keeps
-- the POST body on a 307/308, to any host).
local function post(cfg, url, body)
  return http.request { method = "POST", url = url, body = body, retries = 0, follow = false,
    max_size = M.MAX_ANSWER_BYTES, timeout = cfg.timeout, auth = { bearer = cfg.api_key },
    headers = { ["Content-Type"] = "application/json", Accept = "application/json" } }
end

--- Asks the model to review `diff`.
---@param cfg table  hfl.doctor.config with defaults
---@param diff string  the redacted diff
---@param extras? {environment?: string, releases?: string[]}
---@return table|nil analysis, string|nil err  err: one line starting "llm: "
function M.analyze(cfg, diff, extras)
  local url = cfg.base_url:gsub("/+$", "") .. "/chat/completions"
  local system, user = M.system_prompt(), M.user_prompt(diff, extras)
  local res, err = post(cfg, url, M.request_body(cfg, system, user, true))
  if res and res.status == 400 and mentions_response_format(api_message(res)) then
    res, err = post(cfg, url, M.request_body(cfg, system, user, false))
  end
  if not res then return nil, "llm: chat completion failed: " .. M.printable(err) end
  if res.status >= 300 and res.status < 400 then
    local to = res.headers and res.headers.location or "?"
    return nil, M.printable(("llm: POST %s: the server redirects (HTTP %d) to %s; hfl does not "
      .. "follow it: set the LLM base URL to the final address"):format(http.redact(url),
      res.status, http.redact(to)))
  end
  if res.status >= 300 then
    local msg = api_message(res)
    return nil, M.printable(("llm: chat completion failed: %s%s"):format(
      http.status_error("POST", url, res), msg ~= "" and (": " .. msg) or ""))
  end
  local doc = json.decode(res.body or "")
  if value.kind(doc) ~= "map" then
    return nil, M.printable(("llm: POST %s: the answer is not JSON: %q"):format(http.redact(url),
      (res.body or ""):sub(1, 200)))
  end
  local choices = doc.choices
  local first = value.kind(choices) == "list" and choices[1]
  local message = value.kind(first) == "map" and first.message
  local content = value.kind(message) == "map" and message.content
  if type(content) ~= "string" then
    return nil, "llm: empty completion (the answer has no choices[0].message.content)"
  end
  return M.parse_answer(content)
end

return M
