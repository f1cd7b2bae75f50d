--- The last pass over a diff before `hfl doctor` sends it anywhere: what still looks like a
--- secret becomes <REDACTED>, and the number of replacements is reported. hfl's diff already
--- masks Secret data and every tainted value (hfl.diff.secrets, hfl.taint); this pass is the
--- defence in depth Helmfile's doctor has for what gets through anyway (a Secret shown as a
--- ConfigMap's text, a post-renderer, a token in an annotation):
---   * the values under `data:` / `stringData:` of every `kind: Secret` object,
---   * lines whose key names a credential anywhere in it (password, DB_PASSWORD, adminPassword,
---     token, apiKey, aws_secret_access_key, …; not secretName, passwordFile, …), a block
---     scalar's lines with them, and the `value:` after `- name: DB_PASSWORD` (env lists),
---   * JWT-shaped tokens and runs of 40 or more base64 characters.
---
---   local text, n = require("hfl.doctor.redact").text(diff_text)
local regex = require "hfl.regex"

local M = {}

M.PLACEHOLDER = "<REDACTED>"

-- What hfl's diff (and helm-diff) print instead of a Secret value, and the taint mark: already
-- safe, left as they are (hfl's forms keep telling the reader that a key changed).
local function already_masked(v)
  v = v:gsub("\27%[[%d;]*m", "")
  v = v:match("^'(.*)'$") or v:match('^"(.*)"$') or v
  return v == M.PLACEHOLDER or v == "<redacted>" or v == "***"
    or v:match("^REDACTED # %(%d+ bytes%)$") ~= nil
    or v:match("^%-%-%-%-%-%-%-%- # %(%d+ bytes%)$") ~= nil
    or v:match("^%+%+%+%+%+%+%+%+ # %(%d+ bytes%)$") ~= nil
end

-- A diff line without its sign column: "+   key: v" → "  key: v".
local function unsigned(line)
  return (line:gsub("^[+-]+", ""))
end

local function is_secret_kind(stripped)
  local k = stripped:match("^kind:%s*[\"']?([%w]+)")
  return k == "Secret"
end

-- A resource's header line in hfl's (and helm-diff's) diff: "NS, NAME, KIND (GROUP) has …".
-- hfl prints an object's keys sorted, so `data:` comes before `kind:`: the header says first
-- whether a Secret follows.
local function header_kind(line)
  return line:match("^[^%s+%-][^\n]-, ([%w]+) %([^)]*%) has ")
end

-- Replaces the value of "  key: value" (the key kept, so a reader still sees what changed).
local function redact_value(line)
  local prefix, v = line:match("^(.-: )(.*)$")
  if not prefix then return line, false end
  local trimmed = v:match("^%s*(.-)%s*$")
  if trimmed == "" or trimmed == "|" or trimmed == ">" or trimmed == "|-" or trimmed == ">-"
    or already_masked(trimmed) then
    return line, false
  end
  return prefix .. M.PLACEHOLDER, true
end

--- The values under data:/stringData: of every `kind: Secret` object in the diff.
---@param lines string[]  changed in place
---@return integer count
function M.secret_blocks(lines)
  local in_secret, in_data, count = false, false, 0
  for i, raw in ipairs(lines) do
    local stripped = unsigned(raw:match("^%s*(.-)%s*$")):match("^%s*(.-)$")
    local header = header_kind(raw)
    if header then
      in_secret, in_data = header == "Secret", false
    elseif stripped ~= "" then
      if stripped:match("^kind:") and is_secret_kind(stripped) then
        in_secret, in_data = true, false
      elseif in_secret and stripped:match("^kind:") then
        in_secret, in_data = false, false
      elseif in_secret and stripped:match("^apiVersion:") then
        in_data = false
      elseif in_secret and (stripped == "data:" or stripped == "stringData:") then
        in_data = true
      elseif in_data then
        if not unsigned(raw):match("^[ \t]") then
          in_data = false
        else
          local changed
          lines[i], changed = redact_value(raw)
          if changed then count = count + 1 end
        end
      end
    end
  end
  return count
end

-- A key that names a credential: the word anywhere in it (DB_PASSWORD, adminPassword,
-- aws_secret_access_key, x.api-key), and the value after it. A key that only refers to one
-- (secretName, tokenSecretRef, passwordFile) is left alone by M.refers().
local SENSITIVE = "(?i)^([+-]?[\\s-]+)([\\w.-]*?(?:password|passwd|pwd|secret|token|apikey|api[_-]?key|"
  .. "private[_-]?key|credential|bearer)[\\w.-]*)(:\\s*)(.*)$"
-- "- name: DB_PASSWORD" of an env list (or of any name/value pair list): its `value:` follows.
local NAMED = "(?i)^[+-]?[\\s-]+name:\\s*[\"']?([\\w.-]*?(?:password|passwd|pwd|secret|token|apikey|"
  .. "api[_-]?key|private[_-]?key|credential|bearer)[\\w.-]*)[\"']?\\s*$"
local VALUE = "^([+-]?%s+value:%s*)(.*)$"

--- Whether a credential-named key only refers to a credential (its name, a reference, a file).
---@param key string
---@return boolean
function M.refers(key)
  key = key:lower():gsub("[_.-]", "")
  for _, suffix in ipairs { "name", "names", "ref", "refs", "keyref", "path", "file", "namespace",
    "ttl", "type", "enabled", "length" } do
    if key:sub(-#suffix) == suffix then return true end
  end
  return false
end

local function indent_of(line)
  return #(unsigned(line):match("^(%s*)"))
end

-- Redacts the value text v (a scalar, or a block scalar whose lines follow line i): returns
-- the replacement of line i's value and the index of the last line consumed.
local function redact_scalar(lines, i, prefix, v)
  local trimmed = v:match("^%s*(.-)%s*$")
  if trimmed == "" or already_masked(trimmed) then return nil, i end
  local last = i
  if trimmed:match("^[|>][-+]?%d*$") then
    -- a block scalar: its lines are the ones indented deeper than the key's
    local base = indent_of(lines[i])
    while lines[last + 1] and (unsigned(lines[last + 1]):match("^%s*$")
      or indent_of(lines[last + 1]) > base) do
      last = last + 1
    end
    if last == i then return nil, i end
    for k = last, i + 1, -1 do table.remove(lines, k) end
  end
  lines[i] = prefix .. M.PLACEHOLDER
  return true, i
end

--- Lines whose key names a credential, and the `value:` of a `name:` that names one: their
--- value (a block scalar's lines too).
---@param lines string[]  changed in place
---@return integer count
function M.sensitive_keys(lines)
  local re, named = assert(regex.compile(SENSITIVE)), assert(regex.compile(NAMED))
  local count, pending = 0, false
  local i = 1
  while lines[i] do
    local line = lines[i]
    local m = re:exec(line, 0)
    local pre, v = line:match(VALUE)
    if pending and pre then
      local done = redact_scalar(lines, i, pre, v)
      if done then count = count + 1 end
    elseif named:exec(line, 0) then
      pending = true
    else
      pending = false
      if m and not M.refers(line:sub(m[5] + 1, m[6])) then
        local done = redact_scalar(lines, i, line:sub(1, m[8]), line:sub(m[9] + 1, m[10]))
        if done then count = count + 1 end
      end
    end
    i = i + 1
  end
  return count
end

--- JWTs and runs of >= 40 base64 (or base64url) characters, anywhere in the text.
---@param text string
---@return string text, integer count
function M.encoded(text)
  local count = 0
  text = text:gsub("eyJ[%w_%-]+%.[%w_%-]+%.[%w_%-]+", function(jwt)
    local a, b, c = jwt:match("^(eyJ[%w_%-]*)%.([%w_%-]*)%.([%w_%-]*)$")
    if #a < 11 or #b < 8 or #c < 8 then return nil end
    count = count + 1
    return M.PLACEHOLDER
  end)
  text = text:gsub("[%w+/=_%-]+", function(run)
    if #run < 40 then return nil end
    count = count + 1
    return M.PLACEHOLDER
  end)
  return text, count
end

--- The text with everything that looks like a secret replaced by <REDACTED>, and how many
--- replacements were made.
---@param text string
---@return string text, integer count
function M.text(text)
  if type(text) ~= "string" then error("hfl.doctor.redact.text: text must be a string", 2) end
  local lines = {}
  for line in (text .. "\n"):gmatch("(.-)\n") do lines[#lines + 1] = line end
  if text:sub(-1) == "\n" then lines[#lines] = nil end
  local count = M.secret_blocks(lines) + M.sensitive_keys(lines)
  local out = table.concat(lines, "\n") .. (text:sub(-1) == "\n" and "\n" or "")
  local n
  out, n = M.encoded(out)
  return out, count + n
end

return M
