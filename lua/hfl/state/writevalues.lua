--- `write-values`: each selected release's merged values written to a file whose path is a Go
--- template (Helmfile's --output-file-template).
local value = require "hfl.value"
local yaml = require "hfl.yaml"
local fs = require "hfl.fs"
local hooks = require "hfl.deploy.hooks"

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
--- session's log (info) before each. Per state, as Helmfile's write-values: the global `prepare`
--- hooks, then each file followed by its release's `cleanup` hooks (a failure there is a
--- warning), then the global `cleanup` hooks (opts.hooks = false runs none).
---@param st table  State
---@param opts? {output_file_template?: string, values?: string[], hooks?: boolean}
---@return table[]|nil written {release=, path=, shown=} (.selected: how many releases were selected), string|nil err
function M.write(st, opts)
  opts = opts or {}
  local with_hooks = opts.hooks ~= false
  local log = st.session.log
  local extra, err = extra_files(opts.values, fs.cwd())
  if not extra then return nil, err end
  local written = { selected = 0 }
  local function write_state(s, selected)
    for _, r in ipairs(selected) do
      if r:desired() and r.enabled then
        local vals, verr = r:values { set = false, values = extra }
        if not vals then return nil, verr end
        local path, perr, shown = M.output_path(s, r, opts.output_file_template)
        if not path then return nil, perr end
        log.info("Writing values file %s", shown)
        local ok, werr = write_one(path, vals)
        if not ok then return nil, ("writing values file %s: %s"):format(path, tostring(werr)) end
        written[#written + 1] = { release = r, path = path, shown = shown }
        if with_hooks then
          local hok, herr = hooks.run(st.session, { event = "cleanup", state = s, release = r,
            command = "write-values" })
          if not hok then log.warn("warn: %s", herr) end
        end
      end
    end
    return true
  end
  for _, s in ipairs(st.states) do
    local selected
    selected, err = st:filtered(s)
    if not selected then return nil, err end
    written.selected = written.selected + #selected
    local ok
    if with_hooks then
      ok, err = hooks.around(st.session, s, "write-values", function() return write_state(s, selected) end)
    else
      ok, err = write_state(s, selected)
    end
    if not ok then return nil, err end
  end
  return written
end

return M
