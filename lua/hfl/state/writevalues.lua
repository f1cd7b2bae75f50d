--- `write-values`: each selected release's merged values written to a file whose path is a Go
--- template (Helmfile's --output-file-template).
local value = require "hfl.value"
local yaml = require "hfl.yaml"
local fs = require "hfl.fs"

local M = {}

M.DEFAULT_TEMPLATE = "{{ .State.BaseName }}-{{ .State.AbsPathSHA1 }}/{{ .Release.Name }}.yaml"

local function sha1_8(text)
  return require("hfl.stdlib.crypto").funcs.sha1sum(text):sub(1, 8)
end

--- The output path of a release's values file (relative paths are relative to the top-level
--- state's directory, where Helmfile runs).
---@param s table  a loaded state file
---@param r table  Release
---@param template string|nil
---@return string|nil path, string|nil err, string|nil shown  the path as rendered (for the log)
function M.output_path(s, r, template)
  template = (template and template ~= "") and template or M.DEFAULT_TEMPLATE
  local filepath = require("hfl.state.build")._filepath(s)
  local ext = filepath:match("[^/](%.[^./]*)$") or ""
  local env = s.environment or {}
  local data = value.map {
    State = value.map { BaseName = filepath:sub(1, #filepath - #ext), Path = filepath, AbsPath = s.path,
      AbsPathSHA1 = sha1_8(s.path) },
    Release = value.map { Name = r.name, Namespace = r.namespace, Chart = r.chart, Version = r.version or "",
      Labels = r.labels, KubeContext = r.kubeContext },
    Environment = value.map { Name = env.name or "default", KubeContext = env.kubeContext or "",
      Values = env.values or value.map() },
  }
  local out, err = require("hfl.tmpl").render(template, data, { name = "output-file", missingkey = "zero" })
  if not out then return nil, ("executing output-file template: %s"):format(err) end
  local shown = out
  if out:sub(1, 1) ~= "/" then
    local top = (s.chain and s.chain[1]) or s.path
    out = fs.dirname(top) .. "/" .. out
  end
  return out, nil, shown
end

-- Extra values files (--values) are taken relative to the working directory and must exist.
local function extra_files(list, cwd)
  local out = {}
  for _, f in ipairs(list or {}) do
    local abs = fs.join(cwd, f)
    if fs.kind(abs) ~= "file" then return nil, ("stat %s: no such file or directory"):format(abs) end
    out[#out + 1] = abs
  end
  return out
end

local function write_one(path, vals)
  local ok, err = fs.mkdir_p(fs.dirname(path))
  if not ok then return nil, err end
  return yaml.write_file(path, assert(yaml.encode(vals)))
end

--- Writes the values of every selected, installed release. Says "Writing values file X" on the
--- session's log (info) before each.
---@param st table  State
---@param opts? {output_file_template?: string, values?: string[]}
---@return table[]|nil written {release=, path=, shown=} (.selected: how many releases were selected), string|nil err
function M.write(st, opts)
  opts = opts or {}
  local extra, err = extra_files(opts.values, fs.cwd())
  if not extra then return nil, err end
  local written = { selected = 0 }
  for _, s in ipairs(st.states) do
    local selected
    selected, err = st:filtered(s)
    if not selected then return nil, err end
    written.selected = written.selected + #selected
    for _, r in ipairs(selected) do
      if r:desired() and r.enabled then
        local vals
        vals, err = r:values { set = false, values = extra }
        if not vals then return nil, err end
        local path, shown
        path, err, shown = M.output_path(s, r, opts.output_file_template)
        if not path then return nil, err end
        st.session.log.info("Writing values file %s", shown)
        local ok, werr = write_one(path, vals)
        if not ok then return nil, ("writing values file %s: %s"):format(path, tostring(werr)) end
        written[#written + 1] = { release = r, path = path, shown = shown }
      end
    end
  end
  return written
end

return M
