--- helmfile.lua and `.lua` values files: a Lua chunk evaluated in hfl.state.luasandbox whose
--- result becomes a document in the values model, shaped like a decoded helmfile.yaml, so the
--- loader validates and processes it exactly as YAML.
--
-- Globals the chunk sees (README "helmfile.lua"):
--   * the template function library as plain functions: toYaml(v), readFile("x"), env("HOME"),
--     requiredEnv("X"), exec("git", {"rev-parse", "HEAD"}) …; all of them also under `fn`
--     (fn.values is Sprig's `values`, which the state values global shadows);
--   * environment  — { name =, values =, kubeContext = } of the selected environment; calling it
--                    defines one: environment "prod" { values = {...} } or environment{ name = … };
--   * values       — the state values so far (a copy); namespace — `-n` or "";
--   * release      — in release values files only: { name =, namespace =, labels =, chart =, … };
--   * builders (helmfile.lua only): release{}, repository{}, environment{}, environments{},
--     helm_defaults{}, helmfiles{}, bases{}, templates{}, common_labels{}, hooks{};
--   * hfl = { null, map, list, kind, keys, pairs }, null; safe Lua builtins (luasandbox).
-- The chunk returns a table with Helmfile's keys, or nothing when it uses the builders; when it
-- does both, builder entries come first: lists are concatenated, maps merged key by key (the
-- returned table wins), other keys taken from the returned table.
local value = require("hfl.value")
local fs = require("hfl.fs")
local sandbox = require("hfl.state.luasandbox")
local holes = require("hfl.state.luaholes")
local luafunc = require("hfl.state.luafunc")

local M = {}

local type, pairs, next, getmetatable, tostring, fmt = type, pairs, next, getmetatable, tostring, string.format
local null, map_mt, list_mt = value.null, value.map_mt, value.list_mt

-- Where list-valued fields are, so an empty Lua table `{}` becomes `[]` there and `{}`
-- elsewhere (use hfl.list() / hfl.map() to say it explicitly).
local HOOK = { lists = { events = true, args = true }, funcs = { run = true } }
local SET = { lists = { values = true } }
local INHERIT = { lists = { except = true } }
local RELEASE = { lists = { values = true, secrets = true, needs = true, set = SET, setString = SET,
  setTemplate = SET, valuesTemplate = true, hooks = HOOK, apiVersions = true, inherit = INHERIT,
  dependencies = true, jsonPatches = true, strategicMergePatches = true, transformers = true,
  postRendererArgs = true, adopt = true, suppressOutputLineRegex = true, unitTests = true, args = true,
  diffArgs = true, syncArgs = true, templateArgs = true, trackKinds = true, skipKinds = true,
  trackResources = true }, funcs = { health = true, transform = true } }
local ENV = { lists = { values = true, secrets = true } }
local HELMFILE = { lists = { values = true, selectors = true } }
local ROOT = { lists = { releases = RELEASE, repositories = true, helmfiles = HELMFILE, bases = true,
  values = true, hooks = HOOK, apiVersions = true }, maps = { templates = RELEASE, environments = ENV },
  objects = { helmDefaults = RELEASE } }


-- The result is read after the sandbox run has returned (no budget, no time limit, the real
-- string metatable), so nothing here may call a metamethod of a value the chunk made: raw
-- access only (rawequal, rawget, next, debug.getmetatable), and a key or value is described by
-- its type, never by tostring.
local rawequal, rawget, getrealmt = rawequal, rawget, debug.getmetatable

--- How deep a helmfile.lua result may nest (as YAML's limit in spirit, bounded by what the rest
--- of hfl handles without running out of Lua stack).
M.MAX_DEPTH = 1000

local function lua_type(v)
  if rawequal(v, null) then return "hfl.null" end
  return type(v)
end

-- "key 3 is a number", "a key is a table": without calling anything of the chunk's.
local function describe_key(k)
  local t = type(k)
  if t == "number" then return fmt("key %.14g is a number", k) end
  if t == "boolean" then return fmt("key %s is a boolean", k and "true" or "false") end
  return "a key is a " .. t
end

local function child_ctx(ctx, k)
  if not ctx then return nil end
  if ctx.kind == "list" or ctx.kind == "named" then return { kind = "object", schema = ctx.schema } end
  local s = ctx.schema
  if not s then return nil end
  if s.lists and s.lists[k] then
    return { kind = "list", schema = s.lists[k] ~= true and s.lists[k] or nil }
  end
  if s.maps and s.maps[k] then return { kind = "named", schema = s.maps[k] } end
  if s.objects and s.objects[k] then return { kind = "object", schema = s.objects[k] } end
  return nil
end

-- Paths are chains { parent, key } turned into text only for a message: building the text at
-- every level would cost time and memory quadratic in the depth.
-- A key as a one-line quoted string, shortened when long.
local function quote_key(k)
  local short = #k > 40 and (k:sub(1, 40) .. "…") or k
  return '"' .. short:gsub('[%c"\\]', function(c)
    if c == "\n" then return "\\n" end
    if c == '"' or c == "\\" then return "\\" .. c end
    return fmt("\\%03d", c:byte())
  end) .. '"'
end

local function path_text(path)
  if not path then return "the result" end
  local keys = {}
  while path do
    keys[#keys + 1] = path[2]
    path = path[1]
  end
  local out, i = {}, #keys
  while i >= 1 do
    local k = keys[i]
    if type(k) == "number" then out[#out + 1] = fmt("[%d]", k)
    elseif k:match("^[%a_][%w_]*$") then out[#out + 1] = (#out > 0 and "." or "") .. k
    else out[#out + 1] = "[" .. quote_key(k) .. "]" end
    if i == #keys - 7 and i > 6 then  -- a deep path: its start and its end say enough
      out[#out + 1] = fmt("…(%d levels)…", i - 4)
      i = 4
    end
    i = i - 1
  end
  return table.concat(out)
end

local function fail(path, msg, ...)
  error({ convert = path_text(path) .. ": " .. fmt(msg, ...) })
end

local function record_lines(out, src, st)
  local l = st.lines[src]
  if not l then return end
  if type(l) == "number" then
    local t = {}
    for k in pairs(out) do t[k] = l end
    value.set_lines(out, t)
  else
    local t = {}
    for k, n in pairs(l) do if out[k] ~= nil then t[k] = n end end
    value.set_lines(out, t)
  end
end

-- A number box of hfl.value (a float written with a point, a big integer), rebuilt from its
-- raw content: the chunk may have changed the table's fields.
local function number_box(v, mt, path)
  local x = rawget(v, 1)
  if mt == value.float_mt and type(x) == "number" then return value.float(x) end
  if mt == value.int_mt and type(x) == "string" and x:match("^%-?%d+$") then return value.int(x) end
  fail(path, "a number made by hfl was changed")
end

-- Converts a Lua value into the values model; raises { convert = "where: msg" }.
local function convert(v, path, ctx, st, depth)
  local t = type(v)
  if t == "string" or t == "boolean" or t == "number" or rawequal(v, null) then return v end
  if st.holes and st.holes.is_hole(v) then
    fail(path, "uses %s, a value not known while this file's environments, bases and values are read "
      .. "(a key of `values`: they are what defines it; or what exec returns: not run then): declare them "
      .. "without it (environment.name is known), or put the value in an environment's values file",
      st.holes.path(v))
  end
  if t ~= "table" then
    if t == "function" then
      fail(path, "cannot use a function here (only as a hook's run or a release's health or transform)")
    end
    fail(path, "cannot use a %s in a helmfile (only strings, numbers, booleans, tables and hfl.null)", lua_type(v))
  end
  local mt = getrealmt(v)
  if mt == value.float_mt or mt == value.int_mt then return number_box(v, mt, path) end
  if depth > M.MAX_DEPTH then fail(path, "nested deeper than %d levels", M.MAX_DEPTH) end
  if st.seen[v] then fail(path, "the table contains itself") end
  st.seen[v] = true
  local is_list
  local lk = st.kinds and st.kinds[v]
  if lk then mt = lk == "map" and map_mt or list_mt end
  if mt == list_mt then is_list = true
  elseif mt == map_mt then is_list = false
  else
    local n = 0
    for _ in next, v do n = n + 1 end
    if n == 0 then is_list = ctx ~= nil and ctx.kind == "list" else is_list = n == #v end
  end
  local out
  if is_list then
    out = setmetatable({}, list_mt)
    local ictx = child_ctx(ctx, nil)
    for i = 1, #v do
      local x = rawget(v, i)
      out[i] = x == nil and null or convert(x, { path, i }, ictx, st, depth + 1)
    end
  else
    out = setmetatable({}, map_mt)
    local keys
    if mt == map_mt then keys = value.keys(v)
    else
      keys = {}
      for k in next, v do
        if type(k) ~= "string" then
          fail(path, "%s; keys must be strings (a list with holes, or list items mixed with named keys?)",
            describe_key(k))
        end
        keys[#keys + 1] = k
      end
      table.sort(keys)
    end
    local funcs = ctx and ctx.kind == "object" and ctx.schema and ctx.schema.funcs
    for _, k in ipairs(keys) do
      if type(k) ~= "string" then fail(path, "%s; keys must be strings", describe_key(k)) end
      local x = rawget(v, k)
      if type(x) == "function" and funcs and funcs[k] then
        out[k] = luafunc.wrap(st.sb, x)  -- called later, in the sandbox (hfl.state.luafunc)
      else
        out[k] = convert(x, { path, k }, child_ctx(ctx, k), st, depth + 1)
      end
    end
  end
  st.seen[v] = nil
  record_lines(out, v, st)
  return out
end

-- Interpreted only: compiled (recursive traces), the depth check was skipped now and then on
-- a deep result and `hfl list` accepted it (seen 2 runs in 10, never with convert interpreted).
jit.off(convert)

-- Best-effort lines for a table the chunk returned (builders record exact ones): top-level
-- keys, and each release/repository item at its `name = "…"` line.
local function guess_lines(text, ret, st)
  if type(ret) ~= "table" or st.lines[ret] then return end
  local lines = {}
  for l in (text .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = l end
  local function find(pat, from, to)
    for i = from or 1, math.min(to or #lines, #lines) do
      if (" " .. lines[i]):find(pat) then return i end
    end
  end
  local top = {}
  for k in next, ret do
    if type(k) == "string" and k:match("^[%a_][%w_]*$") then top[k] = find("[^%w_.]" .. k .. "%s*=[^=]") end
  end
  st.lines[ret] = top
  for _, key in ipairs { "releases", "repositories" } do
    local list = rawget(ret, key)
    if type(list) == "table" and not st.lines[list] then
      local items, from = {}, top[key] or 1
      for i = 1, #list do
        local item = list[i]
        local name = type(item) == "table" and rawget(item, "name")
        if type(name) == "string" then
          local esc = name:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")
          local at = find("[^%w_]name%s*=%s*[\"']" .. esc .. "[\"']", from)
          if at then
            items[i], from = at, at + 1
            local keys = {}
            for k in next, item do
              if type(k) == "string" and k:match("^[%a_][%w_]*$") then
                local best
                for j = math.max(1, at - 15), math.min(#lines, at + 60) do
                  if (" " .. lines[j]):find("[^%w_.]" .. k .. "%s*=[^=]")
                    and (not best or math.abs(j - at) < math.abs(best - at)) then best = j end
                end
                keys[k] = best or at
              end
            end
            if not st.lines[item] then st.lines[item] = keys end
          end
        end
      end
      st.lines[list] = items
    end
  end
end

-- Builder entries first; lists concatenated, maps merged (returned wins), scalars replaced.
local function merge_docs(doc, ret)
  for _, k in ipairs(value.keys(ret)) do
    local a, b = doc[k], ret[k]
    if a == nil then doc[k] = b
    elseif value.kind(a) == "list" and value.kind(b) == "list" then
      local n = #a
      local la, lb = value.lines(a), value.lines(b)
      for i = 1, #b do
        a[n + i] = b[i]
        if la and lb and lb[i] then la[n + i] = lb[i] end
      end
    elseif value.kind(a) == "map" and value.kind(b) == "map" then
      for _, kk in ipairs(value.keys(b)) do a[kk] = b[kk] end
    else
      doc[k] = b
    end
  end
  return doc
end

local function copy_or(v, default)
  if v == nil or v == null then return default end
  return value.copy(v)
end

local function lower_first(s) return s:sub(1, 1):lower() .. s:sub(2) end

-- include(NAME, DATA): a template `define`d in the `_*.tpl` files of the helmfile's directory.
local function include(basedir, name, data)
  local tmpl = require("hfl.tmpl")
  local t, err = tmpl.compile(fmt("{{ include %q . }}", tostring(name)), { name = "include" })
  if not t then error(err, 0) end
  for _, p in ipairs(fs.glob(basedir .. "/_*.tpl")) do
    local text, rerr = fs.read(p)
    if not text then error(rerr, 0) end
    local ok, perr = t:parse(text, p:match("[^/]*$"))
    if not ok then error(perr, 0) end
  end
  local out, xerr = t:execute(data, { basedir = basedir, missingkey = "error" })
  if not out then error(xerr, 0) end
  return out
end

-- The limits: opts, else HFL_LUA_BUDGET (instructions) / HFL_LUA_TIMEOUT (seconds) /
-- HFL_LUA_MEMORY (MB), else the sandbox's defaults.
local function limit(v, var)
  if v ~= nil then return v end
  return tonumber(os.getenv(var) or "")
end

-- Fills sb.env with the function library and the state globals.
local function install_globals(sb, path, opts, st)
  local env = sb.env
  local basedir = opts.basedir or path:match("^(.*)/[^/]*$") or "."
  local session = opts.session
  local funcs = require("hfl.stdlib").funcs {
    basedir = basedir, prerender = false,
    render = function(text, data)
      local out, err = require("hfl.tmpl").render(text, data, { basedir = basedir, missingkey = "error",
        taint = session })
      if not out then error(err, 0) end
      return out
    end,
    include = function(name, data) return include(basedir, name, data) end,
  }
  if session then
    -- what vals references resolve to is masked in what hfl shows (hfl.taint)
    for _, name in ipairs { "fetchSecretValue", "expandSecretRefs" } do
      local f = funcs[name]
      funcs[name] = function(...)
        local v = f(...)
        session:taint(v)
        return v
      end
    end
  end
  local fnt = {}
  for name, f in pairs(funcs) do fnt[name] = sb:wrap(name, f) end
  for _, name in ipairs { "exec", "envExec" } do
    local f, argi = funcs[name], name == "exec" and 2 or 3
    fnt[name] = sb:wrap(name, function(...)
      local args = { ... }
      local a = args[argi]
      if type(a) == "table" and getmetatable(a) == nil and next(a) == nil then args[argi] = value.list {} end
      return f(unpack(args, 1, select("#", ...)))
    end)
  end
  fnt.include = sb:wrap("include", function(name, data) return include(basedir, name, data) end)
  if st.holes then
    for name, f in pairs(fnt) do fnt[name] = st.holes.function_for(name, f) end
  end
  env.fn = fnt
  for name, f in pairs(fnt) do
    if env[name] == nil then env[name] = f end
  end
  local e = opts.environment or {}
  env.environment = { name = e.name or "default", values = copy_or(e.values, value.map {}),
    kubeContext = e.kubeContext or "" }
  env.values = copy_or(opts.values, value.map {})
  if st.holes then
    env.environment.values = st.holes.values(env.environment.values, "environment.values")
    env.values = st.holes.values(env.values, "values")
  end
  env.namespace = opts.namespace or ""
  local h = { null = null, map = value.map, list = value.list, kind = value.kind, keys = value.keys,
    pairs = value.pairs, copy = value.copy, equal = value.equal }
  h.value = h
  env.hfl, env.null = h, null
  return env
end

-- The builder helpers: they fill st.acc (a map, keys in first-use order) and record lines.
local function install_builders(sb, env, st)
  local acc = value.map {}
  st.acc = acc
  local function here() local _, line = sb:frame(3) return line end
  local function slot(key, line)
    if acc[key] == nil then
      acc[key] = {}
      st.lines[acc] = st.lines[acc] or {}
      st.lines[acc][key] = line
      st.lines[acc[key]] = {}
    end
    return acc[key]
  end
  local function push(key, item, line)
    local l = slot(key, line)
    l[#l + 1] = item
    st.lines[l][#l] = line
    if type(item) == "table" and not st.lines[item] then st.lines[item] = line end
    return item
  end
  local function spec_arg(what, spec)
    if spec == nil then return {} end
    if type(spec) ~= "table" then sb:fail(fmt("%s: expected a table, got a %s", what, lua_type(spec))) end
    return spec
  end
  -- release{...}, release "name" {...} and release("name", {...})
  local function named(what, store)
    return function(a, b)
      if type(a) == "string" then
        if b ~= nil then return store(a, spec_arg(what, b), here()) end
        return function(spec) return store(a, spec_arg(what, spec), here()) end
      end
      return store(nil, spec_arg(what, a), here())
    end
  end
  local function with_name(what, name, spec)
    if name ~= nil then
      if spec.name ~= nil and spec.name ~= name then
        sb:fail(fmt("%s %q: its table has name = %q", what, name, tostring(spec.name)))
      end
      spec.name = name
    end
    return spec
  end
  env.release = named("release", function(name, spec, line)
    return push("releases", with_name("release", name, spec), line)
  end)
  env.repository = named("repository", function(name, spec, line)
    return push("repositories", with_name("repository", name, spec), line)
  end)
  local function define_env(name, spec, line)
    if name == nil then
      name = spec.name
      if type(name) ~= "string" or name == "" then sb:fail("environment{}: the table needs a name") end
      local copy = {}
      for k, v in pairs(spec) do if k ~= "name" then copy[k] = v end end
      spec = copy
    end
    local envs = slot("environments", line)
    envs[name] = spec
    st.lines[envs][name] = line
    if not st.lines[spec] then st.lines[spec] = line end
    return spec
  end
  local define = named("environment", define_env)
  setmetatable(env.environment, { __call = function(_, a, b) return define(a, b) end, __metatable = false })
  local function merge_into(key, what)
    return function(t)
      local line = here()
      t = spec_arg(what, t)
      local m = slot(key, line)
      local keys = {}
      for k in pairs(t) do keys[#keys + 1] = k end
      table.sort(keys, function(x, y) return tostring(x) < tostring(y) end)
      for _, k in ipairs(keys) do
        if type(k) ~= "string" then sb:fail(fmt("%s: keys must be strings, got %s", what, tostring(k))) end
        m[k] = t[k]
        st.lines[m][k] = line
      end
      return m
    end
  end
  env.environments = merge_into("environments", "environments{}")
  env.templates = merge_into("templates", "templates{}")
  env.common_labels = merge_into("commonLabels", "common_labels{}")
  env.helm_defaults = merge_into("helmDefaults", "helm_defaults{}")
  local function append_all(key, what)
    return function(t)
      local line = here()
      if type(t) == "string" then t = { t } end
      t = spec_arg(what, t)
      for i = 1, #t do push(key, t[i], line) end
      return t
    end
  end
  env.helmfiles = append_all("helmfiles", "helmfiles{}")
  env.bases = append_all("bases", "bases{}")
  env.hooks = append_all("hooks", "hooks{}")
end

local function read(path)
  local text, err, code = fs.read(path)
  if text then return text end
  if code == "EFBIG" then return nil, err end
  return nil, fmt("%s: cannot read: %s", path, err:match(": ([^:]*)$"))
end

local function run_chunk(path, opts, builders)
  local text, rerr = read(path)
  if not text then return nil, rerr end
  local basedir = opts.basedir or path:match("^(.*)/[^/]*$") or "."
  local sb = sandbox.new { basedir = basedir, budget = limit(opts.budget, "HFL_LUA_BUDGET"),
    timeout = limit(opts.timeout, "HFL_LUA_TIMEOUT"), memory = limit(opts.memory, "HFL_LUA_MEMORY") }
  local st = { seen = {}, lines = setmetatable({}, { __mode = "k" }), kinds = setmetatable({}, { __mode = "k" }) }
  st.sb = sb
  if opts.lenient then st.holes = holes.new(st) end
  local env = install_globals(sb, path, opts, st)
  if builders then install_builders(sb, env, st) end
  if opts.release ~= nil then
    local r = {}
    if type(opts.release) == "table" then
      for k, v in pairs(opts.release) do
        r[k] = value.copy(v)
        if type(k) == "string" then r[lower_first(k)] = r[k] end
      end
    end
    env.release = r
  end
  local fn, lerr = sb:load(path, text)
  if not fn then return nil, lerr end
  local ok, ret, extra = sb:run(fn)
  if not ok and opts.lenient then return { failed = ret, st = st, text = text, sb = sb } end
  if not ok then return nil, ret end
  if extra ~= nil then
    return nil, fmt("%s: the chunk must return one table, not several values", path)
  end
  return { ret = ret, st = st, text = text, sb = sb }
end

local function converted(path, f)
  local ok, r = pcall(f)
  if ok then return r end
  if type(r) == "table" and r.convert then return nil, path .. ": " .. r.convert end
  error(r, 0)
end

-- The document of a run: builder entries and the returned table.
local function document(path, r)
  local ret = r.ret
  if ret ~= nil and type(ret) ~= "table" then
    return nil, fmt("%s: helmfile.lua must return a table (or nothing, when it uses the builders), got a %s",
      path, lua_type(ret))
  end
  if rawequal(ret, null) then ret = nil end
  return converted(path, function()
    local doc = convert(r.st.acc, nil, { kind = "object", schema = ROOT }, r.st, 1)
    if ret ~= nil then
      if getrealmt(ret) == list_mt or (getrealmt(ret) == nil and #ret > 0) then
        error({ convert = "helmfile.lua must return a table with named keys (releases = {...}), not a list" })
      end
      guess_lines(r.text, ret, r.st)
      local rdoc = convert(ret, nil, { kind = "object", schema = ROOT }, r.st, 1)
      if next(doc) == nil then return rdoc end
      merge_docs(doc, rdoc)
    end
    return doc
  end)
end

--- Evaluates a helmfile.lua into a document shaped like a decoded helmfile.yaml.
---@param path string
---@param opts table { environment = {name=, values=, kubeContext=}, values = map, namespace = "",
---   basedir = dir (default: the file's), budget = instructions, timeout = seconds, memory = MB,
---   session = the Session that taints what fetchSecretValue/expandSecretRefs return }
---@return table|nil doc map in the values model (lines recorded for builder-made entries),
---@return string|nil err "path:line: msg"
function M.evaluate(path, opts)
  opts = opts or {}
  local r, err = run_chunk(path, opts, true)
  if not r then return nil, err end
  return document(path, r)
end

local DECLARATIONS = { "bases", "environments", "values" }

-- The declarations of a table of the chunk's (builders' or returned), a plain table to convert.
local function declarations_of(t)
  local out = {}
  if type(t) ~= "table" or getrealmt(t) == list_mt or (getrealmt(t) == nil and #t > 0) then return out end
  for _, k in ipairs(DECLARATIONS) do out[k] = rawget(t, k) end
  return out
end

--- The first pass over a helmfile.lua: it runs with `values` (and `environment.values`) as known
--- so far, where a key not known yet reads as a hole instead of failing (hfl.state.luaholes), to learn
--- the file's declarations (bases, environments, values) that define the rest of `values`.
--- When the run touched no hole and did not fail it was an exact evaluation: its document is
--- returned too, and a file without declarations needs no second pass.
---@param path string
---@param opts table as evaluate's
---@return table|nil pass { declarations = map (bases/environments/values found), doc = map|nil,
---   failed = "path:line: msg" when the run stopped on something a hole cannot stand for },
---@return string|nil err "path:line: msg" (an error whatever `values` hold: syntax, I/O, …)
function M.first_pass(path, opts)
  local o = setmetatable({ lenient = true }, { __index = opts or {} })
  local r, err = run_chunk(path, o, true)
  if not r then return nil, err end
  if r.failed and not r.st.touched then return nil, r.failed end
  if not r.failed and not r.st.touched then
    local doc, derr = document(path, r)
    if not doc then return nil, derr end
    local decl = value.map {}
    for _, k in ipairs(DECLARATIONS) do
      if doc[k] ~= nil then decl[k] = doc[k] end
    end
    return { declarations = decl, doc = doc }
  end
  -- a body that read values not known yet: its declarations only (those made before a failure)
  return converted(path, function()
    local ctx = { kind = "object", schema = ROOT }
    local decl = convert(declarations_of(r.st.acc), nil, ctx, r.st, 1)
    if not r.failed and not rawequal(r.ret, null) then
      merge_docs(decl, convert(declarations_of(r.ret), nil, ctx, r.st, 1))
    end
    return { declarations = decl, failed = r.failed }
  end)
end

--- A value a helmfile.lua function made (a transform's objects), converted into the values
--- model as the file's own result is: raw access only, so none of the chunk's metamethods runs
--- outside its sandbox.
---@param v any
---@return any|nil value, string|nil err  "PATH: msg" (PATH: the result, [2].metadata, …)
function M.to_value(v)
  local st = { seen = {}, lines = setmetatable({}, { __mode = "k" }) }
  local ok, r = pcall(convert, v, nil, nil, st, 1)
  if ok then return r end
  if type(r) == "table" and r.convert then return nil, r.convert end
  error(r, 0)
end

--- Evaluates a `.lua` values file (environment or release values): the chunk returns a table.
---@param path string
---@param opts table as evaluate's, plus release = { Name=, Namespace=, Labels=, Chart=, … } for
---   release values files (seen as the global `release`, keys also lower-camel-cased)
---@return table|nil values map, string|nil err "path:line: msg"
function M.evaluate_values(path, opts)
  opts = opts or {}
  local r, err = run_chunk(path, opts, false)
  if not r then return nil, err end
  local ret = r.ret
  if ret == nil or rawequal(ret, null) then
    return nil, path .. ": a .lua values file must return a table of values"
  end
  if type(ret) ~= "table" or getrealmt(ret) == list_mt or (getrealmt(ret) == nil and #ret > 0) then
    return nil, fmt("%s: a .lua values file must return a table of named values, got a %s", path,
      type(ret) == "table" and "list" or lua_type(ret))
  end
  return converted(path, function() return convert(ret, nil, nil, r.st, 1) end)
end

return M
