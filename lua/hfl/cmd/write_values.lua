--- `hfl write-values`: write each release's merged values to a file.
local groups = require "hfl.cli.groups"
local log = require "hfl.log"

local M = {}

M.summary = "Write the merged values of each release to files"

--- Declares the flags of `hfl write-values`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  groups.values(set)
  set:string("output-file-template", "Go template for each values file's path",
    { arg = "TEMPLATE" })
end

M.DEFAULT_TEMPLATE = "{{ .State.BaseName }}-{{ .State.AbsPathSHA1 }}/{{ .Release.Name }}.yaml"

local ffi = require "ffi"
pcall(ffi.cdef, "int mkdir(const char *path, unsigned int mode);")

local function mkdir_p(dir)
  local path = dir:sub(1, 1) == "/" and "" or "."
  for part in dir:gmatch("[^/]+") do
    path = path .. "/" .. part
    ffi.C.mkdir(path, 493) -- 0755; an existing directory is fine, write_file reports the rest
  end
end

local function sha1_8(text)
  return require("hfl.stdlib.crypto").funcs.sha1sum(text):sub(1, 8)
end

--- The output path of a release's values file (relative paths are relative to the top-level
--- state's directory, where Helmfile runs).
---@param s table  State
---@param r table  Release
---@param template string|nil
---@return string|nil path, string|nil err, string|nil shown  the path as rendered (for the log)
function M.output_path(s, r, template)
  template = (template and template ~= "") and template or M.DEFAULT_TEMPLATE
  local filepath = require("hfl.state.build")._filepath(s)
  local ext = filepath:match("[^/](%.[^./]*)$") or ""
  local env = s.environment or {}
  local value = require "hfl.value"
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
    out = (top:match("^(.*)/[^/]*$") or ".") .. "/" .. out
  end
  return out, nil, shown
end

---@param inv hfl.cli.Invocation
function M.run(inv)
  local st, err = require("hfl.state").from_invocation(inv)
  if not st then return nil, err end
  local yaml = require "hfl.yaml"
  local extra = {}
  for _, f in ipairs(inv.options.values or {}) do
    local abs = f:sub(1, 1) == "/" and f or (require("hfl.state.files").cwd() .. "/" .. f)
    local h = io.open(abs, "rb")
    if not h then return nil, ("stat %s: no such file or directory"):format(abs) end
    h:close()
    extra[#extra + 1] = abs
  end
  local any = false
  for _, s in ipairs(st.states) do
    local selected
    selected, err = st:filtered(s)
    if not selected then return nil, err end
    for _, r in ipairs(selected) do
      any = true
      if r:desired() and r.enabled then
        local vals
        vals, err = r:values { set = false, values = extra }
        if not vals then return nil, err end
        local path, shown
        path, err, shown = M.output_path(s, r, inv.options.output_file_template)
        if not path then return nil, err end
        mkdir_p(path:match("^(.*)/[^/]*$") or ".")
        log.info("Writing values file %s", shown)
        local text = assert(yaml.encode(vals))
        local ok, werr = yaml.write_file(path, text)
        if not ok then return nil, ("writing values file %s: %s"):format(path, tostring(werr)) end
      end
    end
  end
  if not any then return st:no_match(inv) end
  return 0
end

return M
