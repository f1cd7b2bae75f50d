--- hfl.chartify.items: the entries of a release's `strategicMergePatches`, `transformers` and
--- `jsonPatches` lists as Helmfile reads them — an inline map, or the path of a file (relative
--- to the state file's directory; `.gotmpl` files rendered with the release's template data, as
--- release values files are).
local fs = require "hfl.fs"
local value = require "hfl.value"
local yaml = require "hfl.yaml"

local M = {}

local fmt = string.format

-- A file entry's text, rendered when it is a .gotmpl file.
local function file_text(r, path)
  local text, err = fs.read(path)
  if not text then return nil, err end
  if path:sub(-7) ~= ".gotmpl" then return text end
  local data = require("hfl.state.releases").template_data(r.state, r)
  local st = r.state or {}
  return require("hfl.state.values").render_with_helpers(text, data, path, fs.dirname(path),
    st._ctx and st._ctx.session)
end

--- Every entry of the release's list `field`, read: `{ value = decoded YAML (a file's first
--- document; all of them in `docs`), text = the YAML text, file = the path or nil, index = 1-based }`.
---@param r table  a Release
---@param field string  "strategicMergePatches" | "transformers" | "jsonPatches"
---@return table[]|nil items, string|nil err  err: `release "NAME": FIELD[i]: …` with the file
function M.read(r, field)
  local list = r[field]
  local out = {}
  if list == nil or list == value.null then return out end
  local basedir = r.state and r.state.dir or fs.cwd()
  for i, e in ipairs(list) do
    local where = fmt('release "%s": %s[%d]', r.name, field, i - 1)
    if type(e) == "string" then
      local path = fs.abs(e, basedir)
      local text, err = file_text(r, path)
      if not text then return nil, fmt("%s: %s", where, err) end
      local docs, derr = yaml.decode_all(text, { filename = path })
      if not docs then return nil, fmt("%s: %s", where, derr) end
      local kept = {}
      for _, d in ipairs(docs) do
        if d ~= nil and d ~= value.null then kept[#kept + 1] = d end
      end
      out[#out + 1] = { value = kept[1], docs = kept, text = text, file = path, index = i }
    elseif value.kind(e) == "map" or value.kind(e) == "list" then
      out[#out + 1] = { value = e, docs = { e }, text = yaml.encode(e, { sort = false }), index = i }
    elseif e ~= value.null then
      return nil, fmt("%s: expected a map or the path of a file, got %s", where, value.kind(e))
    end
  end
  return out
end

return M
