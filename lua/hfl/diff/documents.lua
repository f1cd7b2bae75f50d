--- A manifest as Helm stores it and `helm template` prints it — YAML documents separated by
--- `---` lines, each usually opened by a `# Source: chart/templates/x.yaml` comment — split
--- into the Kubernetes objects it holds. A List kind gives its items. Errors name the
--- document by number, its source and the manifest line.
local yaml = require "hfl.yaml"
local value = require "hfl.value"

local M = {}

-- No Kubernetes object is this large (etcd refuses requests over 1.5 MiB); helm-diff stops
-- at the same size.
M.MAX_DOCUMENT = 10 * 1024 * 1024
-- Deeper than any real object (CRD schemas included); stops hostile nesting early.
M.MAX_DEPTH = 200

local function is_separator(line)
  return line:match("^%-%-%-%s*$") or line:match("^%-%-%-%s+#")
end

local function source_of(text)
  for line in text:gmatch("[^\n]*") do
    local src = line:match("^#%s*Source:%s*(.-)%s*$")
    if src then return src end
    if line:match("%S") and not line:match("^%s*#") then return nil end
  end
end

--- The non-blank documents of a manifest: `{text =, line = first line in the manifest,
--- number = 1-based among non-blank documents, source = "# Source:" path or nil}`.
---@param text string
---@return table[]
function M.split(text)
  local docs = {}
  local start_pos, start_line, line_no, pos = 1, 1, 0, 1
  local len = #text
  local function add(stop)
    local body = text:sub(start_pos, stop)
    if body:find("%S") then
      docs[#docs + 1] = { text = body, line = start_line, number = #docs + 1 }
    end
  end
  while pos <= len + 1 do
    local nl = text:find("\n", pos, true) or len + 1
    line_no = line_no + 1
    -- a separator line is at most a few characters; only short lines are inspected
    if nl - pos < 64 and text:byte(pos) == 45 and is_separator(text:sub(pos, nl - 1)) then
      add(pos - 1)
      start_pos, start_line = nl + 1, line_no + 1
    end
    pos = nl + 1
  end
  add(len)
  for _, d in ipairs(docs) do d.source = source_of(d.text) end
  return docs
end

--- "document 3 (templates/cm.yaml)" — how an error names a document.
function M.describe(doc)
  if doc.source then return ("document %d (%s)"):format(doc.number, doc.source) end
  return ("document %d (line %d)"):format(doc.number, doc.line)
end

local function too_deep(v, depth)
  if depth > M.MAX_DEPTH then return true end
  if type(v) ~= "table" then return false end
  local kind = value.kind(v)
  if kind ~= "map" and kind ~= "list" then return false end
  for _, child in pairs(v) do
    if type(child) == "table" and too_deep(child, depth + 1) then return true end
  end
  return false
end

-- The YAML error with its line made absolute in the manifest.
local function yaml_error(doc, err)
  local line, col, msg = tostring(err):match("^[^:]*:(%d+):(%d+):%s*(.*)$")
  if line then
    return ("%s: line %d column %s: %s"):format(M.describe(doc), doc.line + tonumber(line) - 1, col, msg)
  end
  return ("%s: %s"):format(M.describe(doc), tostring(err))
end

--- Decodes one document (YAML 1.1 scalars, as Kubernetes' YAML decoder reads them).
---@return any object  nil for a document that holds only comments
---@return string|nil err
function M.decode(doc)
  if #doc.text > M.MAX_DOCUMENT then
    return nil, ("%s: %d bytes, more than the %d MiB a Kubernetes object can hold"):format(
      M.describe(doc), #doc.text, math.floor(M.MAX_DOCUMENT / (1024 * 1024)))
  end
  local v, err = yaml.decode(doc.text, { v2 = true })
  if err then return nil, yaml_error(doc, err) end
  if too_deep(v, 0) then
    return nil, ("%s: nested more than %d levels deep"):format(M.describe(doc), M.MAX_DEPTH)
  end
  return v
end

local function objects_of(doc, v, out)
  if value.is_null(v) then return true end
  if value.kind(v) ~= "map" then
    return nil, ("%s: a %s, not a Kubernetes object"):format(M.describe(doc), value.kind(v))
  end
  local api, kind = v.apiVersion, v.kind
  if value.is_null(api) and value.is_null(kind) then return true end
  if type(api) ~= "string" or type(kind) ~= "string" or api == "" or kind == "" then
    return nil, ("%s: apiVersion and kind must both be set"):format(M.describe(doc))
  end
  if kind:sub(-4) == "List" and value.kind(v.items) == "list" then
    for i, item in ipairs(v.items) do
      local ok, err = objects_of(doc, item, out)
      if not ok then return nil, ("%s (item %d)"):format(err, i) end
    end
    return true
  end
  out[#out + 1] = { object = v, doc = doc }
  return true
end

--- Every Kubernetes object of a manifest, in order: `{object =, doc =}`.
---@param text string
---@return table[]|nil objects, string|nil err
function M.objects(text)
  local out = {}
  for _, doc in ipairs(M.split(text)) do
    local v, err = M.decode(doc)
    if err then return nil, err end
    local ok
    ok, err = objects_of(doc, v, out)
    if not ok then return nil, err end
  end
  return out
end

return M
