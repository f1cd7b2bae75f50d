--- Helmfile's own template functions (pkg/tmpl/context_funcs.go, get_or_nil.go): exec,
--- envExec, readFile, readDir, readDirEntries, isFile, isDir, toYaml, fromYaml,
--- setValueAtPath, requiredEnv, required, get, getOrNil, tpl, fetchSecretValue and
--- expandSecretRefs. Functions with side effects depend on the render context (ctx).
local value = require("hfl.value")
local fs = require("hfl.fs")
local util = require("hfl.stdlib.util")
local misc = require("hfl.stdlib.misc")
local proc = require("hfl.proc")
local yaml = require("hfl.yaml")

local M = {}

local str, sprint, is_nil, kind, null = util.str, util.sprint, util.is_nil, util.kind, util.null
local concat, fmt = table.concat, string.format

local INSECURE = "HELMFILE_DISABLE_INSECURE_FEATURES is active, insecure function calls are disabled"

local function parse_bool(s)
  return s == "1" or s == "t" or s == "T" or s == "true" or s == "TRUE" or s == "True"
end

--- True when HELMFILE_DISABLE_INSECURE_FEATURES (or …_TEMPLATE_FUNCTIONS) is set true.
function M.insecure_disabled()
  return parse_bool(os.getenv("HELMFILE_DISABLE_INSECURE_FEATURES") or "")
    or parse_bool(os.getenv("HELMFILE_DISABLE_INSECURE_TEMPLATE_FUNCTIONS") or "")
end

local function join_path(basedir, p)
  if p:sub(1, 1) == "/" or not basedir or basedir == "" then return misc.clean(p) end
  return misc.clean(basedir .. "/" .. p)
end

-- Helmfile's helmexec.Indent: every non-empty line indented, empty ones dropped.
local function indent(text, pad)
  local lines = require("hfl.stdlib.text").split(text, "\n")
  local out, last = {}, #lines
  for i, l in ipairs(lines) do
    if i > 1 and i < last and l ~= "" then out[#out + 1] = "\n" end
    if l ~= "" then out[#out + 1] = pad .. l end
  end
  return concat(out)
end

-- $PATH lookup as exec.LookPath does (names with a slash are used as they are).
local function look_path(name)
  if name:find("/", 1, true) then return name end
  for dir in (os.getenv("PATH") or ""):gmatch("[^:]+") do
    local p = dir .. "/" .. name
    if fs.is_executable(p) then return p end
  end
  return nil
end

-- Runs argv in cwd with extra env and stdin, without a shell: { code =, stdout =, stderr = }
-- or nil, err.
local function run_process(argv, cwd, env, stdin)
  -- its own process group: a Ctrl-C, a timeout or a kill reaches what it started too
  local opts = { cwd = cwd, env = env, stdin = stdin, group = true }
  for i, a in ipairs(argv) do opts[i] = a end
  return proc.run(opts)
end

-- Helmfile's EnvExec: argv of strings, extra env, optional stdin, the error text of
-- helmexec's ExitError.
local function env_exec(ctx, envs, command, args, inputs)
  local input = inputs[1] ~= nil and str(inputs[1]) or ""
  command = str(command)
  local argl = {}
  -- an empty plain Lua table (helmfile.lua's exec("ls", {})) counts as an empty list
  local plain_empty = type(args) == "table" and getmetatable(args) == nil and next(args) == nil
  if not is_nil(args) and not plain_empty then
    if kind(args) ~= "list" then util.type_error(args, "[]interface {}") end
    for i = 1, #args do
      if type(args[i]) ~= "string" then
        error(fmt('unexpected type of arg "%s" in args %s at index %d', util.go_type(args[i]), sprint(args), i - 1), 0)
      end
      argl[i] = args[i]
    end
  end
  local env
  if envs then
    env = {}
    for _, k in ipairs(value.sorted_keys(envs)) do
      local v = envs[k]
      if type(v) ~= "string" then
        error(fmt('unexpected type of env "%s" in envs %s at index %s', util.go_type(v), sprint(envs), k), 0)
      end
      env[k] = v
    end
  end
  local path = look_path(command)
  if not path then
    error(fmt('exec: "%s": executable file not found in $PATH', command), 0)
  end
  local argv = { command }
  for i, a in ipairs(argl) do argv[i + 1] = a end
  local run_argv = { path }
  for i, a in ipairs(argl) do run_argv[i + 1] = a end
  local r, err = run_process(run_argv, ctx.basedir, env, input ~= "" and input or nil)
  if not r then error(err, 0) end
  if r.code ~= 0 then
    local code = r.code or -1
    local out = { "PATH:\n" .. indent(path, "  "), "\n\nARGS:" }
    for i, a in ipairs(argv) do
      out[#out + 1] = "\n" .. indent(fmt("%d: %s (%d bytes)", i - 1, a, #a), "  ")
    end
    local why = r.signal and ("signal: " .. tostring(r.signal)) or ("exit status " .. code)
    out[#out + 1] = "\n\nERROR:\n" .. indent(why, "  ")
    out[#out + 1] = "\n\nEXIT STATUS\n" .. indent(tostring(code), "  ")
    local stderr = r.stderr or ""
    if #stderr > 0 then out[#out + 1] = "\n\nSTDERR:\n" .. indent(stderr, "  ") end
    local combined = (r.stdout or "") .. stderr
    if #combined > 0 then out[#out + 1] = "\n\nCOMBINED OUTPUT:\n" .. indent(combined, "  ") end
    error(fmt("command %s exited with non-zero status:\n\n%s", util.quote(path), concat(out)), 0)
  end
  return r.stdout or ""
end

-- Directory entries sorted by name: { {name=, dir=bool}, … } or nil, err.
local function list_dir(path)
  local kind = fs.kind(path)
  if kind ~= "dir" then
    if not kind then return nil, "open " .. path .. ": no such file or directory" end
    return nil, "readdirent " .. path .. ": not a directory"
  end
  local names = fs.list(path)
  if not names then return nil, "open " .. path .. ": permission denied" end
  local out = {}
  for i, n in ipairs(names) do out[i] = { name = n, dir = fs.kind(path .. "/" .. n) == "dir" } end
  return out
end

local function to_yaml(v)
  local out, err = yaml.encode(v)
  if not out then error(err, 0) end
  return out
end

local function from_yaml(s)
  s = str(s)
  local v, err = yaml.decode(s)
  if err then error(fmt("%s, offending yaml: %s", err, s), 0) end
  if is_nil(v) then return util.map() end
  if kind(v) ~= "map" then
    local shown = type(v) == "string" and v or sprint(v)
    local tag = kind(v) == "list" and "!!seq" or kind(v) == "string" and "!!str" or kind(v) == "int" and "!!int"
      or kind(v) == "float" and "!!float" or kind(v) == "bool" and "!!bool" or "!!str"
    if kind(v) == "list" then
      error(fmt("yaml: unmarshal errors:\n  line 1: cannot unmarshal %s into map[string]interface {}, offending yaml: %s", tag, s), 0)
    end
    error(fmt("yaml: unmarshal errors:\n  line 1: cannot unmarshal %s `%s` into map[string]interface {}, offending yaml: %s", tag, shown, s), 0)
  end
  return v
end

local NoValue = {}

-- Helmfile's get(path, [def,] obj): raises { novalue = msg } for a missing key.
local function get(path, ...)
  path = str(path)
  local n = select("#", ...)
  local def_set, def, obj
  if n == 1 then obj = ...
  elseif n == 2 then def_set, def, obj = true, ...
  else
    local args = util.list({ ... })
    error(fmt("unexpected number of args passed to the template function get(path, [def, ]obj): expected 1 or 2, got %d, args was %s", n, sprint(args)), 0)
  end
  while path ~= "" do
    local key, rest = path:match("^([^.]*)%.?(.*)$")
    if path:sub(#key + 1, #key + 1) ~= "." then rest = "" end
    if util.is_map(obj) then
      local v = obj[key]
      if v == nil then
        if def_set then return def end
        error(setmetatable({ msg = fmt('no value exist for key "%s" in %s', key, sprint(obj)) }, NoValue), 0)
      end
      obj = v
    else
      local t = is_nil(obj) and "<nil>" or util.go_type(obj)
      error(setmetatable({ msg = fmt('unexpected type(%s) of value for key "%s": it must be either map[string]any or any struct', t, key) }, NoValue), 0)
    end
    path = rest
  end
  if obj == null then return nil end
  return obj
end

local function rethrow(err)
  if type(err) == "table" and getmetatable(err) == NoValue then error(err.msg, 0) end
  error(err, 0)
end

local function set_value_at_path(path, v, values)
  path = str(path)
  if not util.is_map(values) and not is_nil(values) then util.type_error(values, "map[string]interface {}") end
  local comps = require("hfl.stdlib.text").split(path, ".")
  local current = values
  for i = 1, #comps - 1 do
    local k = comps[i]
    if not util.is_map(current) then
      error(fmt('failed to set value at path "%s": value for key "%s" was not a map', path, k), 0)
    end
    local elem = current[k]
    if elem == nil then
      error(fmt('failed to set value at path "%s": value for key "%s" does not exist', path, k), 0)
    end
    if not util.is_map(elem) then
      error(fmt('failed to set value at path "%s": value for key "%s" was not a map', path, k), 0)
    end
    current = elem
  end
  if not util.is_map(current) then
    error(fmt('failed to set value at path "%s": value for key "%s" was not a map', path, comps[#comps]), 0)
  end
  current[comps[#comps]] = v == nil and null or v
  return values
end

-- JSON pointer lookup (RFC 6901) for vals' #/fragment.
local function pointer_get(doc, pointer, ref)
  if pointer == "" or pointer == "/" then return doc end
  local cur = doc
  for token in pointer:sub(2):gmatch("[^/]+") do
    token = token:gsub("~1", "/"):gsub("~0", "~")
    if util.is_map(cur) then cur = cur[token]
    elseif kind(cur) == "list" then cur = cur[(tonumber(token) or -1) + 1]
    else cur = nil end
    if cur == nil then error(fmt("expand %s: no value found at %s", ref, pointer), 0) end
  end
  return cur
end

-- Resolves one vals reference (ref+file://…, ref+env://…).
local function fetch_secret(ctx, ref)
  ref = str(ref)
  local body = ref:match("^ref%+(.*)$")
  if not body then return ref end
  body = body:gsub("%+$", "")
  local scheme, rest = body:match("^([%w%-]+)://(.*)$")
  if not scheme then error(fmt("expand %s: invalid ref", ref), 0) end
  local target, fragment = rest:match("^([^#]*)#?(.*)$")
  target = target:gsub("%?.*$", "")
  if scheme == "env" then
    local v = os.getenv(target)
    if v == nil then error(fmt("expand %s: env var %s is not set", ref, target), 0) end
    return v
  elseif scheme == "file" then
    local path = join_path(ctx.basedir, target)
    local content, rerr, code = fs.read(path)
    if not content then
      if code ~= "EFBIG" then rerr = fmt("open %s: no such file or directory", path) end
      error(fmt("expand %s: %s", ref, rerr), 0)
    end
    if fragment == "" then return content end
    local doc, err = yaml.decode(content)
    if err then error(fmt("expand %s: %s", ref, err), 0) end
    local v = pointer_get(doc, fragment, ref)
    if type(v) == "string" then return v end
    return sprint(v)
  end
  error(fmt("expand %s: the %s backend is not supported by hfl: only ref+file:// and ref+env:// are "
    .. "(read other secrets with exec, or keep them in a sops-encrypted secrets: file)", ref, scheme), 0)
end

local function expand_refs(ctx, v)
  local k = kind(v)
  if k == "string" and v:sub(1, 4) == "ref+" then return fetch_secret(ctx, v) end
  if k == "map" then
    local out = util.map()
    for _, key in ipairs(value.keys(v)) do out[key] = expand_refs(ctx, v[key]) end
    return out
  elseif k == "list" then
    local out = util.list()
    for i = 1, #v do out[i] = expand_refs(ctx, v[i]) end
    return out
  end
  return v
end

local MODE_DIR, MODE_FILE = "d---------", "----------"

--- Installs the functions for one render context into F.
function M.install(F, ctx)
  ctx = ctx or {}
  local basedir = ctx.basedir or "."

  F.toYaml = to_yaml
  F.fromYaml = from_yaml
  F.setValueAtPath = set_value_at_path
  F.requiredEnv = function(name)
    name = str(name)
    local v = os.getenv(name)
    if v and v ~= "" then return v end
    error(fmt("required env var `%s` is not set", name), 0)
  end
  F.required = function(warn, v)
    warn = str(warn)
    -- Helmfile builds the error with fmt.Errorf(warn): verbs in the message are formatted
    if is_nil(v) or v == "" then error(util.sprintf(warn), 0) end
    return v
  end
  F.get = function(path, ...)
    local ok, r = pcall(get, path, ...)
    if not ok then rethrow(r) end
    return r
  end
  F.getOrNil = function(path, obj)
    local ok, r = pcall(get, path, obj)
    if ok then return r end
    if type(r) == "table" and getmetatable(r) == NoValue then return nil end
    rethrow(r)
  end
  F.tpl = function(text, data)
    text = str(text)
    if not ctx.render then error("tpl: no template engine in this context", 0) end
    return ctx.render(text, data)
  end
  F.fetchSecretValue = function(ref) return fetch_secret(ctx, ref) end
  F.expandSecretRefs = function(m)
    if not util.is_map(m) and not is_nil(m) then util.type_error(m, "map[string]interface {}") end
    return expand_refs(ctx, m or util.map())
  end

  F.isFile = function(p)
    local path = join_path(basedir, str(p))
    return fs.kind(path) == "file"
  end
  F.isDir = function(p)
    local path = join_path(basedir, str(p))
    return fs.kind(path) == "dir"
  end

  F.exec = function(command, args, ...)
    return env_exec(ctx, nil, command, args, { ... })
  end
  F.envExec = function(envs, command, args, ...)
    if not is_nil(envs) and not util.is_map(envs) then util.type_error(envs, "map[string]interface {}") end
    return env_exec(ctx, not is_nil(envs) and envs or nil, command, args, { ... })
  end
  F.readFile = function(p)
    local path = join_path(basedir, str(p))
    local s, err = fs.read(path)
    if s == nil then error(err, 0) end
    return s
  end
  F.readDir = function(p)
    p = str(p)
    local path = join_path(basedir, p)
    local entries, err = list_dir(path)
    if not entries then error(fmt('ReadDir "%s": %s', path, err), 0) end
    local out = {}
    for _, e in ipairs(entries) do
      if not e.dir then out[#out + 1] = misc.clean(p .. "/" .. e.name) end
    end
    return util.strlist(out)
  end
  F.readDirEntries = function(p)
    local path = join_path(basedir, str(p))
    local entries, err = list_dir(path)
    if not entries then error(fmt('ReadDirEntries "%s": %s', path, err), 0) end
    local out = {}
    for i, e in ipairs(entries) do
      local m = util.map()
      m.Name, m.IsDir, m.Type = e.name, e.dir, e.dir and MODE_DIR or MODE_FILE
      local info = util.map()
      info.Name, info.IsDir, info.Mode = e.name, e.dir, m.Type
      m.Info = info
      out[i] = m
    end
    return util.list(out)
  end

  if ctx.prerender then
    F.exec = function() return "" end
    F.envExec = function() return "" end
    F.readFile = function() return "" end
    F.readDir = function() return util.strlist({}) end
    F.readDirEntries = function() return util.list({}) end
  end
  if M.insecure_disabled() then
    local function refuse() error(INSECURE, 0) end
    F.exec, F.envExec, F.readFile, F.readDir, F.readDirEntries = refuse, refuse, refuse, refuse, refuse
  end
  return F
end

return M
