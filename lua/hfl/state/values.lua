--- Values files of a state: resolving paths and globs under a missingFileHandler, rendering
--- `.gotmpl` files, `.lua` values files (hfl.state.luafile), and merging a values list under
--- `mergeStrategy` override | fallback (Helmfile's EnvironmentValuesLoader, compat §3).
local value = require "hfl.value"
local yaml = require "hfl.yaml"
local files = require "hfl.state.files"
local fs = require "hfl.fs"
local sv = require "hfl.state.statevalues"

local M = {}

local vmap, kind = value.map, value.kind
local fmt = string.format

M.HANDLERS = { Error = true, Warn = true, Info = true, Debug = true }

--- Resolves a values path (glob) against basedir. Returns the matching files, or {} and
--- skipped=true when the handler lets a missing file pass, or nil, err.
--- A go-getter source (`git::…@file?ref=`) is fetched into the cache; a file missing from
--- the repository (or, with ignore_missing_git_branch, a ref missing from it) is a missing file.
--- o.handler_hint: the entry is under a missingFileHandler, so the error says how to skip it.
---@param o {handler?: string, handler_hint?: boolean, kind: string, basedir: string, state_path?: string, cwd?: string, ignore_missing_git_branch?: boolean, fetched?: table, session: hfl.Session}
---@return string[]|nil files, boolean|string skipped_or_err, table|nil names  file → source shown
function M.resolve(path, o)
  local matches
  if files.is_remote(path) then
    matches = {}
    local r, err = files.fetch_remote(path, o.fetched, o.session)
    if not r then
      if not (o.ignore_missing_git_branch and files.is_missing_ref(err)) then return nil, err end
      o.session.log.debug("%s", "ignored missing git branch error: " .. err)
    elseif fs.kind(r.path) == "file" then
      return { r.path }, false, { [r.path] = path }
    end
  else
    matches = fs.glob(fs.join(o.basedir, path))
  end
  if #matches > 0 then return matches, false end
  local handler = o.handler or "Error"
  local title = o.kind .. " file"
  if handler == "Error" then
    -- the directory as Helmfile shows it: relative to where hfl runs
    local err = fmt('%s matching "%s" does not exist in "%s"', title, path, files.display(o.basedir, o.cwd))
    if o.handler_hint then err = err .. " (set missingFileHandler: Warn to skip a missing file)" end
    return nil, err
  elseif handler == "Warn" then
    o.session.log.warn("%s", fmt('skipping missing %s matching "%s"', title, path))
  elseif handler == "Info" then
    o.session.log.info("%s", fmt('skipping missing %s matching "%s"', title, path))
  elseif handler == "Debug" then
    o.session.log.debug("%s", fmt('skipping missing %s matching "%s"', title, path))
  else
    return nil, fmt('invalid missing file handler "%s" while processing "%s" in "%s": it must be one of [Error Warn Info Debug]',
      handler, path, o.state_path or o.basedir)
  end
  return {}, true
end

local function load_lua(path, env, session)
  local luafile = require "hfl.state.luafile"
  local o = env:template_object()
  return luafile.evaluate_values(path, { name = env.name, kubeContext = env.kube_context,
    values = env:merged(), environment = { name = env.name, values = o.Values, kubeContext = env.kube_context },
    basedir = fs.dirname(path), session = session })
end

--- Reads one values file: `.gotmpl` rendered with the env (.Values = values so far), `.lua`
--- evaluated, then decoded. Errors: `failed to load <kind> file "F": …`.
---@param env table statevalues Env for the template data
---@param extra table|nil values merged under the env's (fallback: earlier files of the list)
---@param shown string|nil how the file is named in messages (a remote file's source)
function M.read_file(path, env, o, extra, shown)
  local title = o.kind
  local real = path
  path = shown or path
  if real:sub(-4) == ".hcl" then
    local v, herr = require("hfl.hcl").render({ real }, { [real] = path })
    if not v then return nil, fmt('failed to load %s file "%s": %s', title, path, herr) end
    return v
  end
  if real:sub(-4) == ".lua" then
    local v, err = load_lua(real, env, o.session)
    if v == nil then return nil, err end
    if value.is_null(v) then return vmap {} end
    if kind(v) ~= "map" then return nil, fmt('failed to load %s file "%s": not a map', title, path) end
    return v
  end
  -- a plain YAML file decodes the same every time it is listed (the environments of a base
  -- that every sub-helmfile includes): once per load when the caller keeps o.decoded; the
  -- value is only ever merged, never changed
  local plain = real:sub(-7) ~= ".gotmpl"
  local key = plain and o.decoded and real .. "\0" .. path
  if key and o.decoded[key] then return o.decoded[key] end
  local text, err = fs.read(real)
  if not text then return nil, fmt('failed to load %s file "%s": %s', title, path, err) end
  if not plain then
    local data = env:template_data("")
    if extra then
      data.Values = sv.mergo(extra, data.Values)
      data.StateValues = data.Values
    end
    local out, rerr = (o.render or M.render)(text, data, path, fs.dirname(real))
    if not out then return nil, fmt('failed to load %s file "%s": %s', title, path, rerr) end
    require("hfl.state.rendered").debug(o.session and o.session.log, fmt('rendering result of "%s":', path), out)
    text = out
  end
  local v, derr = yaml.decode(text, { filename = path })
  if derr then
    return nil, fmt('failed to load %s file "%s": %s\n\nOffending YAML:\n%s', title, path, derr, text)
  end
  if value.is_null(v) then v = vmap {} end
  if kind(v) ~= "map" then
    return nil, fmt('failed to load %s file "%s": the document is a %s, not a map', title, path, kind(v))
  end
  if key then o.decoded[key] = v end
  return v
end

--- A template error with hfl.tmpl's advice for it (if any) on a second line: "\nhint: …".
---@param err string
---@return string
function M.with_hint(err)
  err = tostring(err)
  if err:find("\nhint: ", 1, true) then return err end
  local h = require("hfl.tmpl").hint(err)
  if type(h) == "string" and h ~= "" then return err .. "\nhint: " .. h end
  return err
end

--- Plain rendering of a values template (no helpers): Go template, missingkey=error.
function M.render(text, data, name, basedir)
  local out, err = require("hfl.tmpl").render(text, data, { name = name, basedir = basedir, missingkey = "error" })
  if out == nil then return nil, M.with_hint(err) end
  return out
end

--- Renders a template the way Helmfile's file renderer does: the `_*.tpl` helpers of basedir
--- are parsed first (their `define`s usable through `include`/`template`), missingkey=error.
--- Errors are returned as the engine gives them (no hint). With a session, the values
--- fetchSecretValue/expandSecretRefs return are tainted in it (hfl.taint).
---@param session? hfl.Session
---@return string|nil out, string|nil err
function M.render_with_helpers(text, data, name, basedir, session)
  local tmpl = require "hfl.tmpl"
  local helpers = basedir and fs.glob(fs.join(basedir, "_*.tpl")) or {}
  if #helpers == 0 then
    return tmpl.render(text, data, { name = name, basedir = basedir, missingkey = "error", taint = session })
  end
  local t, err = tmpl.compile(text, { name = name })
  if not t then return nil, err end
  for _, p in ipairs(helpers) do
    local htext = fs.read(p)
    if htext then
      local ok, perr = t:parse(htext, fs.basename(p))
      if not ok then return nil, fmt("failed to parse helper template %s: %s", p, tostring(perr)) end
    end
  end
  return t:execute(data, { basedir = basedir, missingkey = "error", taint = session })
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
--- o.handler_hint: the entry is under a missingFileHandler, so the error says how to skip it.
---@param o {handler?: string, handler_hint?: boolean, kind: string, basedir: string, strategy?: string, env_name?: string, where?: function, state_path?: string, hcl_texts?: table, decoded?: table}
--- o.decoded: a table kept for one load, where plain YAML files are kept once decoded
---@return table|nil values, string|nil err
function M.load_entries(entries, env, o)
  local strategy = o.strategy
  if strategy ~= nil and strategy ~= "" and strategy ~= "override" and strategy ~= "fallback" then
    return nil, fmt('environment %q: invalid mergeStrategy %q (must be "override" or "fallback")',
      o.env_name or env.name, tostring(strategy))
  end
  local result = vmap {}
  if entries == nil or entries == value.null then return result end
  -- HCL files are evaluated together after the YAML pass and merged last (Helmfile's HCLRender)
  local hcl_files, hcl_names, hcl_texts = {}, {}, {}
  for _, h in ipairs(o.hcl_texts or {}) do -- decrypted HCL secrets come first, as in Helmfile
    hcl_files[#hcl_files + 1] = h.path
    hcl_names[h.path] = h.path
    hcl_texts[h.path] = h.text
  end
  -- override: the layers are merged in one go at the end (nothing reads the result before);
  -- fallback: a .gotmpl file sees what was loaded so far, so each merges as it comes
  local fallback = strategy == "fallback"
  local layers = { result }
  local function add(v)
    if fallback then result = merge_into(result, v, strategy) else layers[#layers + 1] = v end
  end
  for i, entry in ipairs(entries) do
    local k = kind(entry)
    if k == "string" then
      local list, err, names = M.resolve(entry, o)
      if not list then
        local where = o.where and o.where(entries, i)
        return nil, where and where:find(":%d") and fmt("%s: %s", where, err) or err
      end
      for _, f in ipairs(list) do
        if f:sub(-4) == ".hcl" then
          hcl_files[#hcl_files + 1] = f
          hcl_names[f] = names and names[f] or f
        else
          local v, ferr = M.read_file(f, env, o, fallback and next(result) and result or nil, names and names[f])
          if not v then return nil, ferr end
          add(v)
        end
      end
    elseif k == "map" then
      add(entry)
    elseif k ~= "null" then
      local where = o.where and o.where(entries, i) or o.state_path or ""
      return nil, fmt("%s: unexpected type of value: value=%s, type=%s", where, tostring(entry), k)
    end
  end
  if #layers > 1 then result = sv.mergo_all(layers) end
  if #hcl_files > 0 then
    local v, herr = require("hfl.hcl").render(hcl_files, hcl_names, hcl_texts)
    if not v then return nil, fmt("failed to load %s: %s", o.kind, herr) end
    result = merge_into(result, v, strategy)
  end
  return result
end

return M
