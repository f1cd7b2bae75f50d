--- Values files of a state: resolving paths and globs under a missingFileHandler, rendering
--- `.gotmpl` files, `.lua` values files (hfl.state.luafile), and merging a values list under
--- `mergeStrategy` override | fallback (Helmfile's EnvironmentValuesLoader, compat §3).
local value = require "hfl.value"
local yaml = require "hfl.yaml"
local log = require "hfl.log"
local files = require "hfl.state.files"
local sv = require "hfl.state.statevalues"

local M = {}

local vmap, kind = value.map, value.kind
local fmt = string.format

M.HANDLERS = { Error = true, Warn = true, Info = true, Debug = true }

--- Resolves a values path (glob) against basedir. Returns the matching files, or {} and
--- skipped=true when the handler lets a missing file pass, or nil, err.
---@param o {handler?: string, kind: string, basedir: string, state_path?: string, cwd?: string}
---@return string[]|nil files, boolean|string skipped_or_err
function M.resolve(path, o)
  if path:match("^%a[%w+.-]*::") or path:match("^%a[%w+.-]*://") then
    return nil, fmt("remote %s file %q is not supported yet", o.kind, path)
  end
  local matches = files.glob(files.join(o.basedir, path))
  if #matches > 0 then return matches, false end
  local handler = o.handler or "Error"
  local title = o.kind .. " file"
  if handler == "Error" then
    -- the directory as Helmfile shows it: relative to where hfl runs
    return nil, fmt('%s matching "%s" does not exist in "%s"', title, path, files.display(o.basedir, o.cwd))
  elseif handler == "Warn" then
    log.warn("%s", fmt('skipping missing %s matching "%s"', title, path))
  elseif handler == "Info" then
    log.info("%s", fmt('skipping missing %s matching "%s"', title, path))
  elseif handler == "Debug" then
    log.debug("%s", fmt('skipping missing %s matching "%s"', title, path))
  else
    return nil, fmt('invalid missing file handler "%s" while processing "%s" in "%s": it must be one of [Error Warn Info Debug]',
      handler, path, o.state_path or o.basedir)
  end
  return {}, true
end

local function load_lua(path, env)
  local ok, luafile = pcall(require, "hfl.state.luafile")
  if not ok or type(luafile) ~= "table" or not luafile.evaluate_values then
    return nil, path .. ": helmfile.lua support is not available yet (.lua values files need it)"
  end
  local o = env:template_object()
  return luafile.evaluate_values(path, { name = env.name, kubeContext = env.kube_context,
    values = env:merged(), environment = { name = env.name, values = o.Values, kubeContext = env.kube_context },
    basedir = files.dirname(path) })
end

--- Reads one values file: `.gotmpl` rendered with the env (.Values = values so far), `.lua`
--- evaluated, then decoded. Errors: `failed to load <kind> file "F": …`.
---@param env table statevalues Env for the template data
---@param extra table|nil values merged under the env's (fallback: earlier files of the list)
function M.read_file(path, env, o, extra)
  local title = o.kind
  if path:sub(-4) == ".hcl" then
    return nil, fmt('failed to load %s file "%s": HCL values files are not supported yet', title, path)
  end
  if path:sub(-4) == ".lua" then
    local v, err = load_lua(path, env)
    if v == nil then return nil, err end
    if value.is_null(v) then return vmap {} end
    if kind(v) ~= "map" then return nil, fmt('failed to load %s file "%s": not a map', title, path) end
    return v
  end
  local text, err = files.read(path)
  if not text then return nil, fmt('failed to load %s file "%s": %s', title, path, err) end
  if path:sub(-7) == ".gotmpl" then
    local data = env:template_data("")
    if extra then
      data.Values = sv.mergo(extra, data.Values)
      data.StateValues = data.Values
    end
    local out, rerr = (o.render or M.render)(text, data, path, files.dirname(path))
    if not out then return nil, fmt('failed to load %s file "%s": %s', title, path, rerr) end
    text = out
  end
  local v, derr = yaml.decode(text, { filename = path })
  if derr then
    return nil, fmt('failed to load %s file "%s": %s\n\nOffending YAML:\n%s', title, path, derr, text)
  end
  if value.is_null(v) then return vmap {} end
  if kind(v) ~= "map" then
    return nil, fmt('failed to load %s file "%s": the document is a %s, not a map', title, path, kind(v))
  end
  return v
end

--- Plain rendering of a values template (no helpers): Go template, missingkey=error.
function M.render(text, data, name, basedir)
  return require("hfl.tmpl").render(text, data, { name = name, basedir = basedir, missingkey = "error" })
end

local function merge_into(result, v, strategy)
  if strategy == "fallback" then
    -- first file wins: the new file is the base, what was loaded overlays it (MergeMaps)
    return sv.layer(v, result)
  end
  return sv.mergo(result, v)
end

--- Loads a values list (paths/globs and inline maps) in order into one map.
---@param entries table|nil list value
---@param env table statevalues Env (template data of `.gotmpl` files)
---@param o {handler?: string, kind: string, basedir: string, strategy?: string, env_name?: string, where?: function, state_path?: string}
---@return table|nil values, string|nil err
function M.load_entries(entries, env, o)
  local strategy = o.strategy
  if strategy ~= nil and strategy ~= "" and strategy ~= "override" and strategy ~= "fallback" then
    return nil, fmt('environment %q: invalid mergeStrategy %q (must be "override" or "fallback")',
      o.env_name or env.name, tostring(strategy))
  end
  local result = vmap {}
  if entries == nil or entries == value.null then return result end
  for i, entry in ipairs(entries) do
    local k = kind(entry)
    if k == "string" then
      local list, err = M.resolve(entry, o)
      if not list then return nil, err end
      for _, f in ipairs(list) do
        local v, ferr = M.read_file(f, env, o, strategy == "fallback" and next(result) and result or nil)
        if not v then return nil, ferr end
        result = merge_into(result, v, strategy)
      end
    elseif k == "map" then
      result = merge_into(result, entry, strategy)
    elseif k ~= "null" then
      local where = o.where and o.where(entries, i) or o.state_path or ""
      return nil, fmt("%s: unexpected type of value: value=%s, type=%s", where, tostring(entry), k)
    end
  end
  return result
end

return M
