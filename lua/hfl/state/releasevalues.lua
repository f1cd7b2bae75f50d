--- The values a release gets (what `write-values` writes): valuesTemplate and values entries in
--- order (files relative to the state dir, `.gotmpl` rendered with the release data, `.lua`
--- through hfl.state.luafile, inline maps), then secrets (decrypted), merged as Helmfile's
--- write-values does (mergo override: maps deep, lists and scalars replaced, an explicit null
--- sets null); then, unless opts.set == false, the release's set/setString/setTemplate applied
--- the way helm applies --set, --set-string and --set-file.
local value = require "hfl.value"
local yaml = require "hfl.yaml"
local json = require "hfl.stdlib.json"
local fs = require "hfl.fs"

local M = {}

local MERGE = { nulls = "set", lists = "replace" }
local fmt = string.format

--- Helm's typed --set value: true/false (any case) → bool, null → null, "0" → 0, digits not
--- starting with 0 → int, else the string.
---@param s string
---@return any
function M.typed(s)
  local l = s:lower()
  if l == "true" then return true end
  if l == "false" then return false end
  if l == "null" then return value.null end
  if s == "0" then return 0 end
  if s:sub(1, 1) ~= "0" and s:match("^[+-]?%d+$") then
    local digits = s:gsub("^%+", "")
    local n = tonumber(digits)
    if n and #digits <= 19 and (math.abs(n) < 2 ^ 63) then return value.int(digits) end
  end
  return s
end

-- Parses a key path `a.b[0].c` (backslash escapes) into segments (strings and 0-based ints).
local function parse_key(key)
  local segs, buf, i, n = {}, {}, 1, #key
  while i <= n do
    local c = key:sub(i, i)
    if c == "\\" and i < n then
      buf[#buf + 1] = key:sub(i + 1, i + 1)
      i = i + 2
    elseif c == "." then
      if #buf > 0 then segs[#segs + 1] = table.concat(buf) end
      buf = {}
      i = i + 1
    elseif c == "[" then
      if #buf > 0 then segs[#segs + 1] = table.concat(buf) end
      buf = {}
      local close = key:find("]", i, true)
      if not close then return nil, fmt("key %q has an unclosed [", key) end
      local idx = tonumber(key:sub(i + 1, close - 1))
      if not idx or idx < 0 or idx ~= math.floor(idx) then
        return nil, fmt("key %q has an invalid index %q", key, key:sub(i + 1, close - 1))
      end
      if idx > 65536 then return nil, fmt("index of %d is greater than maximum supported index 65536", idx) end
      segs[#segs + 1] = idx
      i = close + 1
    else
      buf[#buf + 1] = c
      i = i + 1
    end
  end
  if #buf > 0 then segs[#segs + 1] = table.concat(buf) end
  if #segs == 0 then return nil, fmt("key %q is empty", key) end
  return segs
end
M.parse_key = parse_key

--- Sets a value at a key path in a values map (maps and lists created as needed; lists grown
--- with nulls).
---@param root table
---@param segs (string|integer)[]
---@param v any
---@return boolean|nil ok, string|nil err
function M.set_path(root, segs, v)
  local cur = root
  for i = 1, #segs do
    local s, last = segs[i], i == #segs
    local key = type(s) == "number" and s + 1 or s
    local kind = value.kind(cur)
    if type(s) == "number" and kind ~= "list" then return nil, "cannot index a non-list with [" .. s .. "]" end
    if type(s) == "string" and kind ~= "map" then return nil, "cannot set key " .. s .. " on a non-map" end
    if type(s) == "number" then
      for j = #cur + 1, key - 1 do cur[j] = value.null end
    end
    if last then
      cur[key] = v
    else
      local want = type(segs[i + 1]) == "number" and "list" or "map"
      local nxt = cur[key]
      if value.kind(nxt) ~= want then
        nxt = want == "list" and value.list() or value.map()
        cur[key] = nxt
      end
      cur = nxt
    end
  end
  return true
end

--- Applies a helm --set / --set-string argument (`a.b=c,d[0]=x,e={1,2}`) to a values map.
---@param root table
---@param text string
---@param opts? {string?: boolean}
---@return boolean|nil ok, string|nil err
function M.apply_set(root, text, opts)
  local as_string = opts and opts.string
  local i, n = 1, #text
  while i <= n do
    local kbuf = {}
    while i <= n do
      local c = text:sub(i, i)
      if c == "\\" and i < n then
        kbuf[#kbuf + 1] = text:sub(i, i + 1)
        i = i + 2
      elseif c == "=" then break
      elseif c == "," then return nil, fmt("key %q has no value", table.concat(kbuf))
      else
        kbuf[#kbuf + 1] = c
        i = i + 1
      end
    end
    local key = table.concat(kbuf)
    if i > n then return nil, fmt("key %q has no value", key) end
    i = i + 1
    local v
    if text:sub(i, i) == "{" and not as_string then
      local items, buf = value.list(), {}
      i = i + 1
      while i <= n do
        local c = text:sub(i, i)
        if c == "\\" and i < n then
          buf[#buf + 1] = text:sub(i + 1, i + 1)
          i = i + 2
        elseif c == "," or c == "}" then
          if #buf > 0 or c == "," then items[#items + 1] = M.typed(table.concat(buf)) end
          buf = {}
          i = i + 1
          if c == "}" then break end
        else
          buf[#buf + 1] = c
          i = i + 1
        end
      end
      v = items
      if text:sub(i, i) == "," then i = i + 1 end
    else
      local buf = {}
      while i <= n do
        local c = text:sub(i, i)
        if c == "\\" and i < n then
          buf[#buf + 1] = text:sub(i + 1, i + 1)
          i = i + 2
        elseif c == "," then
          i = i + 1
          break
        else
          buf[#buf + 1] = c
          i = i + 1
        end
      end
      local s = table.concat(buf)
      v = as_string and s or M.typed(s)
    end
    local segs, err = parse_key(key)
    if not segs then return nil, err end
    local ok, serr = M.set_path(root, segs, v)
    if not ok then return nil, fmt("%s: %s", key, serr) end
  end
  return true
end

local function item_string(v)
  if type(v) == "string" then return v end
  local ok, s = pcall(json.funcs.toJson, v)
  if ok then return s end
  return tostring(v)
end

-- One release `set` / `setString` entry ({name, value | file | values}) applied to root.
local function apply_entry(root, e, as_string, basedir)
  local segs, err = parse_key(e.name or "")
  if not segs then return nil, err end
  local v
  if e.file and e.file ~= "" then
    local path = e.file:sub(1, 1) == "/" and e.file or (basedir .. "/" .. e.file)
    local ferr, code
    v, ferr, code = fs.read(path)
    if not v and code == "EFBIG" then return nil, fmt("set %s: %s", e.name, ferr) end
    if not v and code ~= "EISDIR" then return nil, fmt("set %s: %s: %s", e.name, path, fs.strerror(ferr)) end
  elseif e.values then
    v = value.list()
    for i = 1, #e.values do
      local s = item_string(e.values[i])
      v[i] = as_string and s or M.typed(s)
    end
  else
    local s = e.value or ""
    v = as_string and s or M.typed(s)
  end
  return M.set_path(root, segs, v)
end

-- A values template's error: Go's words behind the file:line:col it names (the first place in
-- this file), with hfl.tmpl's hint when the state asks for hints, as a state file's error.
local function template_error(st, path, err)
  local ctx = st._ctx or {}
  local shown = require("hfl.state.files").display(path, ctx.cwd)
  local at = ""
  local i = err:find(path .. ":", 1, true)
  if i then
    local lc = err:match("^%d+:%d+", i + #path + 1) or err:match("^%d+", i + #path + 1)
    if lc then at = fmt("%s:%s: ", shown, lc) end
  end
  err = fmt('failed to render values files "%s": %s', path, err)
  if ctx.opts and ctx.opts.hints then err = require("hfl.state.values").with_hint(err) end
  return err, at
end

local function read_values_file(rel, path, data)
  if path:sub(-4) == ".lua" then
    local luafile = require "hfl.state.luafile"
    local st = rel.state
    local env = st.environment or {}
    local v, err = luafile.evaluate_values(path, { environment = { name = env.name, values = env.values,
      kubeContext = env.kubeContext }, values = st.values, namespace = rel.namespace,
      basedir = path:match("^(.*)/[^/]*$") or "." , release = data.Release,
      session = st._ctx and st._ctx.session })
    if v == nil then return nil, err end
    return v
  end
  local text, ferr, code = fs.read(path)
  if not text and code ~= "EFBIG" and code ~= "EISDIR" then ferr = path .. ": " .. fs.strerror(ferr) end
  if not text then return nil, ferr end
  if path:sub(-7) == ".gotmpl" then
    local st = rel.state
    local out, err = require("hfl.state.values").render_with_helpers(text, data, path,
      path:match("^(.*)/[^/]*$") or ".", st._ctx and st._ctx.session)
    if not out then return nil, template_error(st, path, err) end
    -- Helmfile's --debug shows each values file it generated; after the load, so on the
    -- load's own sink (a task's buffered one is never replayed again)
    local ctx = st._ctx
    require("hfl.state.rendered").debug(ctx and ctx.root and ctx.root.log,
      fmt("successfully generated the value file at %s. produced:", path), out)
    text = out
  end
  local v, derr = yaml.decode(text, { filename = path })
  if derr then return nil, derr end
  return v
end

local function ignores_missing_branch(rel, doc)
  local cfg = rel.missingFileHandlerConfig
  if type(cfg) ~= "table" then cfg = doc.missingFileHandlerConfig end
  return type(cfg) == "table" and cfg.ignoreMissingGitBranch == true
end

-- The file a `values:`/`secrets:` entry names (false when a missing one is skipped), or nil and
-- an error that leads with the line listing it.
local function resolve(rel, entry, kind, i)
  local st = rel.state
  local doc = st.doc or {}
  local handler = rel.missingFileHandler or (type(doc.missingFileHandler) == "string" and doc.missingFileHandler) or "Error"
  local path = (rel.valuesPathPrefix or "") .. entry
  local files, err = require("hfl.state.values").resolve(path, {
    handler = handler, handler_hint = true, kind = kind, basedir = st.dir or ".", state_path = st.path,
    ignore_missing_git_branch = ignores_missing_branch(rel, doc),
    session = st._ctx.session, fetched = st._ctx.fetched, cwd = st._ctx.cwd,
  })
  if not files then
    local where = kind == "values" and rel._values_where and rel._values_where(i) or rel._where and rel._where()
    return nil, where and fmt("%s: ", where) or "", err
  end
  if #files > 1 then
    return nil, "", "glob patterns in release values and secrets is not supported yet. please submit a feature request if necessary"
  end
  return files[1] or false
end

--- A values/secrets list with each file path replaced by the file's content (`.gotmpl` rendered
--- with the release data; secrets are read as they are, not decrypted — as Helmfile's
--- `build --embed-values`). Missing files follow the missingFileHandler (skipped entries vanish).
---@param rel table
---@param entries table
---@return table|nil list, string|nil err
function M.embed(rel, entries)
  local data = require("hfl.state.releases").template_data(rel.state, rel)
  local out = value.list()
  for i = 1, #entries do
    local e = entries[i]
    if type(e) == "string" then
      local path, at, err = resolve(rel, e, "values", i)
      if path == nil then return nil, fmt('%srelease "%s": %s', at, rel.name, err) end
      if path then
        local v, at
        v, err, at = read_values_file(rel, path, data)
        if v == nil then return nil, fmt('%sfailed to render values files "%s": %s', at or "", e, err) end
        out[#out + 1] = v == value.null and value.map() or v
      end
    else
      out[#out + 1] = e
    end
  end
  return out
end

-- Every string of a release's `secrets:` entry is masked in what hfl shows (hfl.taint).
local function taint(st, v)
  local session = st._ctx and st._ctx.session
  if session then session:taint(v) end
end

-- Go's name for the type a YAML value decodes to (what Helmfile's %T prints).
local GO_TYPES = { int = "int", float = "float64", bool = "bool", list = "[]interface {}" }

-- A `values:` entry that is neither a file name nor a map: Helmfile's error, with where it is.
local function unexpected_value(rel, i, e)
  local where = rel._values_where and rel._values_where(i) or rel.state and rel.state.path or ""
  local kind = value.kind(e)
  return fmt('%s: release "%s": values[%d]: unexpected type of value: value=%s, type=%s', where, rel.name,
    i - 1, require("hfl.tmpl.fmt").sprint(e), GO_TYPES[kind] or kind)
end

--- The merged values of a release.
---@param rel table  a Release
---@param opts? {set?: boolean, values?: string[], set_args?: string[]}
---   set = false leaves set/setString/env out (what `write-values` writes); values: extra files
---   (CLI --values, absolute paths) merged after the release's; set_args: extra `--set` strings.
---@return table|nil values, string|nil err
function M.values(rel, opts)
  opts = opts or {}
  local data = require("hfl.state.releases").template_data(rel.state, rel)
  local merged = value.map()
  local entries = rel.values_entries or {}
  for i = 1, #entries do
    local e, v = entries[i], nil
    if type(e) == "string" then
      local path, at, err = resolve(rel, e, "values", i)
      if path == nil then return nil, fmt('%srelease "%s": %s', at, rel.name, err) end
      if path then
        local at
        v, err, at = read_values_file(rel, path, data)
        if v == nil then return nil, fmt('%srelease "%s": %s', at or "", rel.name, err) end
      end
    elseif value.kind(e) == "map" then
      v = e
    elseif e ~= value.null then
      return nil, unexpected_value(rel, i, e)
    end
    if v ~= nil and v ~= value.null then
      if value.kind(v) ~= "map" then return nil, fmt('release "%s": values[%d] is not a map', rel.name, i - 1) end
      merged = yaml.merge(merged, v, MERGE)
    end
  end
  for i = 1, #(rel.secrets or {}) do
    local e, v = rel.secrets[i], nil
    if type(e) == "string" then
      local path, at, err = resolve(rel, e, "secrets", i)
      if path == nil then return nil, fmt('%srelease "%s": %s', at, rel.name, err) end
      if path then
        local text
        local st = rel.state
        text, err = require("hfl.state.secrets").decrypt(path, st.secrets_decrypt or (st._ctx and st._ctx.decrypt))
        if not text then return nil, fmt('release "%s": failed to decrypt secrets file "%s": %s', rel.name, path, err) end
        v, err = yaml.decode(text, { filename = path })
        if err then return nil, fmt('release "%s": %s', rel.name, err) end
      end
    elseif value.kind(e) == "map" then
      v = e
    end
    if v ~= nil and v ~= value.null then
      taint(rel.state, v)
      merged = yaml.merge(merged, v, MERGE)
    end
  end
  for _, path in ipairs(opts.values or {}) do
    local v, err, at = read_values_file(rel, path, data)
    if v == nil and err then return nil, (at or "") .. err end
    if v ~= nil and v ~= value.null then merged = yaml.merge(merged, v, MERGE) end
  end
  if opts.set ~= false then
    -- helm applies --set, then --set-string, then --set-file, whatever their order on the line
    local basedir = rel.state.dir or "."
    for _, e in ipairs(rel.set or {}) do
      if not (e.file and e.file ~= "") then
        local ok, err = apply_entry(merged, e, false, basedir)
        if not ok then return nil, fmt('release "%s": set %s: %s', rel.name, tostring(e.name), err) end
      end
    end
    for _, e in ipairs(rel.env or {}) do
      local v = os.getenv(e.value or "")
      if v == nil then
        return nil, fmt('release "%s": env %s: environment variable "%s" is not set', rel.name,
          tostring(e.name), tostring(e.value))
      end
      local ok, err = apply_entry(merged, { name = e.name, value = v }, false, basedir)
      if not ok then return nil, fmt('release "%s": env %s: %s', rel.name, tostring(e.name), err) end
    end
    for _, s in ipairs(opts.set_args or {}) do
      local ok, err = M.apply_set(merged, s)
      if not ok then return nil, fmt("--set %s: %s", s, err) end
    end
    for _, e in ipairs(rel.setString or {}) do
      local ok, err = apply_entry(merged, e, true, basedir)
      if not ok then return nil, fmt('release "%s": setString %s: %s', rel.name, tostring(e.name), err) end
    end
    for _, e in ipairs(rel.set or {}) do
      if e.file and e.file ~= "" then
        local ok, err = apply_entry(merged, e, false, basedir)
        if not ok then return nil, fmt('release "%s": set %s: %s', rel.name, tostring(e.name), err) end
      end
    end
  end
  return merged
end

return M
