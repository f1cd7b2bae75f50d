--- Where `hfl doctor` finds its LLM: the environment (HELMFILE_LLM_*), then a state file's
--- `llm:` block, then the --llm-* flags; a field set at a later layer wins, an empty one falls
--- through (Helmfile's order). As in Helmfile, a state's `llm:` block counts only when it names
--- both apiKey and model, and the first state file (in processing order) with such a block is
--- the one used.
---
---   local cfg, err = config.resolve(st, { llm_model = "gpt-4o" })
---   if config.configured(cfg) then … end
local value = require "hfl.value"

local M = {}

--- Defaults of what no layer sets (Helmfile's: OpenAI's endpoint, 60 s, 4096 tokens, 0.2).
M.DEFAULT_BASE_URL = "https://api.openai.com/v1"
M.DEFAULT_TIMEOUT = 60
M.DEFAULT_MAX_TOKENS = 4096
M.DEFAULT_TEMPERATURE = 0.2

local UNITS = { ns = 1e-9, us = 1e-6, ["µs"] = 1e-6, ["μs"] = 1e-6, ms = 1e-3, s = 1, m = 60, h = 3600 }

--- Seconds of a Go duration ("90s", "2m", "1h30m", "1.5s", "500ms", "0"), or nil when the text
--- is not one.
---@param text string
---@return number|nil seconds
function M.parse_duration(text)
  if type(text) ~= "string" then return nil end
  local s = text:match("^%s*(.-)%s*$")
  if s == "0" then return 0 end
  if s == "" then return nil end
  local total, pos = 0, 1
  while pos <= #s do
    local num, unit, next_pos = s:match("^(%d*%.?%d*)([^%d%.]+)()", pos)
    if not num or num == "" or num == "." or not UNITS[unit] then return nil end
    total = total + tonumber(num) * UNITS[unit]
    pos = next_pos
  end
  return total
end

local function nonempty(v)
  if type(v) == "string" and v ~= "" then return v end
  return nil
end

local function positive(n)
  if type(n) == "number" and n > 0 then return n end
  return nil
end

--- The layer of the environment (invalid HELMFILE_LLM_TIMEOUT / _MAX_TOKENS are ignored, as
--- Helmfile ignores them).
---@param getenv? fun(name: string): string|nil
---@return table layer {base_url=, api_key=, model=, timeout=, max_tokens=}
function M.from_env(getenv)
  getenv = getenv or os.getenv
  return {
    base_url = nonempty(getenv("HELMFILE_LLM_BASE_URL")),
    api_key = nonempty(getenv("HELMFILE_LLM_API_KEY")),
    model = nonempty(getenv("HELMFILE_LLM_MODEL")),
    timeout = M.parse_duration(getenv("HELMFILE_LLM_TIMEOUT") or ""),
    max_tokens = positive(math.floor(tonumber(getenv("HELMFILE_LLM_MAX_TOKENS") or "") or 0)),
  }
end

local STRING_FIELDS = { baseURL = "base_url", apiKey = "api_key", model = "model" }

--- The layer of one `llm:` block (a state's doc.llm); nil, err when a field has the wrong type.
---@param block table
---@param where string  the state file, for messages
---@return table|nil layer, string|nil err
function M.from_block(block, where)
  local layer = {}
  for key, field in pairs(STRING_FIELDS) do
    local v = block[key]
    if v ~= nil and v ~= value.null then
      if type(v) ~= "string" then
        return nil, ("%s: llm.%s must be a string"):format(where, key)
      end
      layer[field] = nonempty(v)
    end
  end
  local t = block.timeout
  if t ~= nil and t ~= value.null and t ~= "" then
    layer.timeout = M.parse_duration(type(t) == "string" and t or "")
    if not layer.timeout then
      return nil, ("%s: llm.timeout %s is not a duration (write it as 90s, 2m or 1h30m)")
        :format(where, tostring(t))
    end
  end
  local mt = block.maxTokens
  if mt ~= nil and mt ~= value.null then
    local n = value.tonumber(mt)
    if not n or n ~= math.floor(n) or n < 0 then
      return nil, ("%s: llm.maxTokens must be a whole number, got %s"):format(where, tostring(mt))
    end
    layer.max_tokens = positive(n)
  end
  local temp = block.temperature
  if temp ~= nil and temp ~= value.null then
    local n = value.tonumber(temp)
    if not n then return nil, ("%s: llm.temperature must be a number"):format(where) end
    layer.temperature = n ~= 0 and n or nil
  end
  return layer
end

--- The layer of the first state whose `llm:` block names apiKey and model (an empty layer
--- when none does).
---@param st table  a loaded State
---@return table|nil layer, string|nil err
function M.from_states(st)
  for _, s in ipairs(st.states) do
    local block = s.doc and s.doc.llm
    if value.kind(block) == "map" then
      local layer, err = M.from_block(block, s.path or s.name or "helmfile.yaml")
      if not layer then return nil, err end
      if layer.api_key and layer.model then return layer end
    end
  end
  return {}
end

--- The layer of the --llm-* options (llm_base_url, llm_api_key, llm_model, llm_timeout as a
--- duration text or seconds, llm_max_tokens).
---@param opts table
---@return table|nil layer, string|nil err
function M.from_options(opts)
  local layer = { base_url = nonempty(opts.llm_base_url), api_key = nonempty(opts.llm_api_key),
    model = nonempty(opts.llm_model), max_tokens = positive(opts.llm_max_tokens) }
  local t = opts.llm_timeout
  if type(t) == "number" then
    layer.timeout = positive(t)
  elseif nonempty(t) then
    layer.timeout = M.parse_duration(t)
    if not layer.timeout then
      return nil, ("--llm-timeout %q is not a duration (write it as 90s, 2m or 1h30m)"):format(t)
    end
    layer.timeout = positive(layer.timeout)
  end
  return layer
end

local FIELDS = { "base_url", "api_key", "model", "timeout", "max_tokens", "temperature" }

--- The layers merged in order (a later non-empty field wins).
---@param ... table
---@return table
function M.merge(...)
  local out = {}
  for i = 1, select("#", ...) do
    local layer = select(i, ...)
    for _, f in ipairs(FIELDS) do
      if layer[f] ~= nil then out[f] = layer[f] end
    end
  end
  return out
end

--- The LLM configuration of a doctor run: environment < the state's `llm:` < options.
---@param st table  a loaded State
---@param opts table  the doctor options (llm_*)
---@param getenv? fun(name: string): string|nil
---@return table|nil cfg {base_url=, api_key=, model=, timeout=, max_tokens=, temperature=},
---   string|nil err
function M.resolve(st, opts, getenv)
  local from_states, err = M.from_states(st)
  if not from_states then return nil, err end
  local from_opts
  from_opts, err = M.from_options(opts)
  if not from_opts then return nil, err end
  return M.merge(M.from_env(getenv), from_states, from_opts)
end

--- Whether an LLM is configured: an API key and a model (the base URL has a default).
---@param cfg table
---@return boolean
function M.configured(cfg)
  return cfg.api_key ~= nil and cfg.model ~= nil
end

--- The configuration with defaults filled in.
---@param cfg table
---@return table
function M.with_defaults(cfg)
  local out = {}
  for k, v in pairs(cfg) do out[k] = v end
  out.base_url = out.base_url or M.DEFAULT_BASE_URL
  out.timeout = out.timeout or M.DEFAULT_TIMEOUT
  out.max_tokens = out.max_tokens or M.DEFAULT_MAX_TOKENS
  out.temperature = out.temperature or M.DEFAULT_TEMPERATURE
  return out
end

return M
