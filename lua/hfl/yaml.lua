--- YAML as Helmfile reads and writes it (go-yaml v3 by default; v2's YAML 1.1 scalars when
--- HELMFILE_GO_YAML_V3=false or opts.v2). Values follow the model in hfl.value.
local core = require("hfl.core").yaml
local fs = require("hfl.fs")

local M = {}

M.null = require("hfl.value").null

local function default_v2()
  return os.getenv("HELMFILE_GO_YAML_V3") == "false"
end

local function decode_opts(opts)
  opts = opts or {}
  if opts.v2 == nil and default_v2() then
    local o = {}
    for k, v in pairs(opts) do o[k] = v end
    o.v2 = true
    return o
  end
  return opts
end

--- Decodes the first document of text (an empty text is null).
---@param text string
--- With `lines = true`, hfl.value.line(container, key) tells where each key / item was.
---@param opts? {filename?: string, v2?: boolean, lines?: boolean, order?: boolean}
---@return any value, string? err  `nil, "file:line:col: what is wrong"` on bad input
function M.decode(text, opts)
  return core.decode(text, decode_opts(opts))
end

--- Decodes every document of a multi-document text into a list.
---@return table? docs, string? err
function M.decode_all(text, opts)
  local o = {}
  for k, v in pairs(decode_opts(opts)) do o[k] = v end
  o.all = true
  return core.decode(text, o)
end

--- Encodes a value as go-yaml v3 writes it with indent 2 (keys sorted unless sort=false).
---@param value any
---@param opts? {sort?: boolean, indent?: integer}
---@return string? text, string? err
function M.encode(value, opts)
  return core.encode(value, opts)
end

--- Encodes several documents separated by `---`, as a go-yaml Encoder does.
function M.encode_all(docs, opts)
  local parts = {}
  for i, doc in ipairs(docs) do
    local text, err = core.encode(doc, opts)
    if not text then return nil, err end
    parts[i] = text
  end
  return table.concat(parts, "---\n")
end

--- Deep merge of two values into a new one (the inputs are not changed).
--- Maps merge key by key; scalars and lists in override replace base. By default a null in
--- override keeps the base value (Helmfile's layer merge) and a list containing null merges
--- element by element; opts.nulls = "set" | "delete" and opts.lists = "replace" change that.
---@param opts? {nulls?: "keep"|"set"|"delete", lists?: "elementwise"|"replace"}
function M.merge(base, override, opts)
  return core.merge(base, override, opts)
end

--- layers[1] merged with layers[2], then layers[3], … — what chained M.merge calls give, with
--- each value converted once instead of the growing result at every step.
---@param layers table[] at least one value
---@param opts? {nulls?: "keep"|"set"|"delete", lists?: "elementwise"|"replace"}
function M.merge_all(layers, opts)
  return core.merge_all(layers, opts)
end

--- Parses text into a C-side tree (`tree:merge(other)`, `tree:encode()`, `tree:write(path)`,
--- `tree:value()`) so large values layers never become Lua tables.
---@return userdata? tree, string? err
function M.parse(text, opts)
  return core.parse(text, decode_opts(opts))
end

--- A C-side tree made from a Lua value.
function M.tree(value)
  return core.tree(value)
end

--- Reads (at most hfl.fs.MAX_READ bytes) and decodes a file; errors name the file.
---@return any value, string? err
function M.load_file(path, opts)
  local text, err = fs.read(path)
  if not text then return nil, err end
  local o = { filename = path }
  for k, v in pairs(opts or {}) do o[k] = v end
  return M.decode(text, o)
end

--- Writes text to path through a temp file and rename (never a half-written file):
--- hfl.fs.write_atomic.
---@param path string
---@param text string
---@return true|nil ok, string|nil err
function M.write_file(path, text)
  return fs.write_atomic(path, text)
end

--- What Helm's SimpleHead reads of the first document of text (YAML 1.1 scalars, as go-yaml
--- v2), without building Lua tables: its kind ("" when absent or null) and its helm.sh/hook
--- annotation (nil unless it is a string); nil, why for text that is not YAML or whose kind,
--- metadata, annotations are not of the types SimpleHead holds.
---@param text string
---@return string|nil kind, string|nil hook_or_why
function M.head(text)
  return core.head(text)
end

--- Go's strconv.FormatFloat(n, 'g', -1, 64): how Go prints a float64.
M.format_float = core.format_float

return M
