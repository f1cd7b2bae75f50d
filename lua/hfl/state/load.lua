--- The state loader: finds the state files, loads each (parts rendered and merged, bases,
--- environments and state values), follows `helmfiles:` and returns the states in Helmfile's
--- processing order (sub-helmfiles before their parent). See the contract in
--- lua/hfl/state/init.lua's users and compat §1, §3, §4.2.
--
--   local loader = require "hfl.state.load"
--   local states, err, skipped = loader.load{ file=, environment=, cwd=, state_values_set=,
--     state_values_set_string=, state_values_files=, state_values= (map), namespace=,
--     kube_context=, chart=, selectors= (parsed filters), reverse=, secrets_decrypt=, hints= }
--
-- Template errors of values files and of State:render (release templating) end with a second
-- line "hint: …" from hfl.tmpl.hint when there is advice; those of the state's own parts too
-- when `hints` is true.
--
-- Remote files (go-getter `git::` sources, compat §1.1/§1.5): `-f`, `helmfiles:` paths,
-- `bases:` and values/secrets entries are fetched through hfl.charts.git into the cache; a
-- state fetched so is loaded from the checkout with its directory as base dir (bases keep the
-- including state's, as Helmfile) and is named by its source in messages.
--
-- Sub-helmfiles and the files of a helmfile.d directory load at once (at most the session's
-- concurrency, M.CONCURRENCY when it sets none); states, errors and log messages come out in
-- the order of a one-by-one visit.
--
-- `skipped` lists the states Helmfile silently skips because the selected environment is not
-- defined in them: { {path=, name=, chain=, error=} }.
local value = require "hfl.value"
local files = require "hfl.state.files"
local fs = require "hfl.fs"
local parts = require "hfl.state.parts"
local rendered = require "hfl.state.rendered"
local sv = require "hfl.state.statevalues"
local environment = require "hfl.state.environment"
local values = require "hfl.state.values"
local helmfiles = require "hfl.state.helmfiles"
local selector = require "hfl.state.selector"
local proc = require "hfl.proc"

local M = {}

local kind, null = value.kind, value.null
local fmt = string.format

M.parse_state_values_set = sv.parse_state_values_set

local UNDEFINED = "undefined environment"

--- How many state files load at once when the session sets no concurrency limit.
M.CONCURRENCY = 16

------------------------------------------------------------------------------------------
-- Rendering with the `_*.tpl` helpers of a directory.

local function helpers(ctx, dir)
  local h = ctx.helpers[dir]
  if not h then
    h = {}
    for _, p in ipairs(fs.glob(dir .. "/_*.tpl")) do
      local text = fs.read(p)
      if text then h[#h + 1] = { name = fs.basename(p), text = text } end
    end
    ctx.helpers[dir] = h
  end
  return h
end

local function render_helpers(ctx, dir, text, data, name)
  local tmpl = require "hfl.tmpl"
  local hs = helpers(ctx, dir)
  if #hs == 0 then
    return tmpl.render(text, data, { name = name, basedir = dir, missingkey = "error", taint = ctx.session })
  end
  local t, err = tmpl.compile(text, { name = name })
  if not t then return nil, err end
  for _, h in ipairs(hs) do
    local ok, perr = t:parse(h.text, h.name)
    if not ok then return nil, perr end
  end
  return t:execute(data, { basedir = dir, missingkey = "error", taint = ctx.session })
end

-- Renders a template of the state; an error gets hfl.tmpl's hint (if any) on a line of its own
-- unless `plain` (the error stays Go's, word for word).
local function render_text(ctx, dir, text, data, name, plain)
  local out, err = render_helpers(ctx, dir, text, data, name)
  if out == nil then return nil, plain and err or values.with_hint(err) end
  return out
end

------------------------------------------------------------------------------------------
-- Where things were written.

-- How a state file is named in messages: its go-getter source when it was fetched, else its
-- path relative to the working directory.
local function display(ctx, path)
  if ctx.names[path] then return ctx.names[path] end
  for _, r in pairs(ctx.fetched) do
    local n = files.remote_name(r, path)
    if n then return n end
  end
  return files.display(path, ctx.cwd)
end

-- Files the tables of a decoded document under src: the file's name, or the hfl.state.rendered
-- part they were decoded from (see parts.at).
local function register(ctx, v, src, depth)
  if type(v) ~= "table" or depth > 12 then return end
  local k = kind(v)
  if k ~= "map" and k ~= "list" then return end
  if ctx.origins[v] then return end
  ctx.origins[v] = src
  if k == "list" then
    for i = 1, #v do register(ctx, v[i], src, depth + 1) end
  else
    for _, key in ipairs(value.keys(v)) do register(ctx, v[key], src, depth + 1) end
  end
end

-- "file:line" of a key of a decoded table (default: src when its tables were not registered),
-- following merged containers back to where the value was written.
local function locate(ctx, tbl, key, default)
  local t, k = parts.source(ctx.from, tbl, key)
  return parts.at(ctx.origins[t] or default, t, k)
end

-- A template error names lines of its part ("stringTemplate:3:19"); they become the file's.
local function template_lines(err, first)
  if first == 1 then return err end
  return (err:gsub("(stringTemplate:)(%d+)", function(p, l) return p .. (tonumber(l) + first - 1) end))
end

-- "file:line:col: " of the place Go's error names in the part (its first "stringTemplate:L:C"),
-- so the message leads with where to look as every other error does; "" when it names none.
local function template_position(name, err)
  local l, c = err:match("stringTemplate:(%d+):(%d+)")
  if l then return fmt("%s:%s:%s: ", name, l, c) end
  l = err:match("stringTemplate:(%d+)")
  return l and fmt("%s:%s: ", name, l) or ""
end

-- "file:line:col: " of a values file's template error (Go names the file by its path), to lead
-- the message with; "" when the error is not one.
local function values_template_position(ctx, err)
  local path, l, c = err:match("template: (/[^:\n]+):(%d+):(%d+): ")
  if not path then return "" end
  return fmt("%s:%s:%s: ", display(ctx, path), l, c)
end

-- --debug shows what a part rendered, or the template that failed, with line numbers (as
-- Helmfile does): the output's own lines, which "rendered part N, line L" errors name, and
-- the template's file lines. The text is built only if the log sink formats the message (a
-- sink that drops debug messages never does).
local function debug_render(ctx, id, part, first, out)
  if out then return rendered.debug(ctx.log, fmt('rendering result of "%s":', id), out) end
  rendered.debug(ctx.log, fmt('rendering failed, input of "%s":', id), part, first)
end

------------------------------------------------------------------------------------------
-- Loading one file.

-- Env.Merge(overrode): the override layers on top of an environment (either may be nil).
local function with_overrides(env, over)
  if not over then return env end
  if not env then return over:copy() end
  local e = env:copy()
  if over.kube_context ~= "" then e.kube_context = over.kube_context end
  e.over = sv.layer(e.over, over.over)
  e.cli = sv.elementwise(e.cli, over.cli)
  return e
end

local process_doc

local function has_envs(doc)
  return kind(doc.environments) == "map" and next(doc.environments) ~= nil
end

-- The error for a state that does not define the selected environment: with a suggestion
-- for a typo and the names the state defines, so `-e prdo` points at `prod`.
local function undefined(ctx, name, doc)
  local msg = fmt('failed to read %s: environment "%s" is not defined', name, ctx.env_name)
  if not has_envs(doc) then return msg .. "; the file defines no environments" end
  local names = {}
  for _, k in ipairs(value.sorted_keys(doc.environments)) do names[#names + 1] = tostring(k) end
  return fmt("%s%s; defined: %s", msg, require("hfl.suggest").hint(ctx.env_name, names),
    table.concat(names, ", "))
end

-- Loads a state file: returns the merged document and its Env, or nil, err [, UNDEFINED].
-- ctx_env: inherited environment (sub-helmfile `inherits: [environments]`) or the env of the
-- including state (bases); over: the override Env (--state-values-*, sub-helmfile values).
local function load_file(ctx, path, ctx_env, over, is_base, basedir)
  local name = display(ctx, path)
  local text, rerr = fs.read(path)
  if not text then return nil, rerr end
  local sources = {}
  if path:sub(-4) == ".lua" then
    return M._load_lua(ctx, path, name, ctx_env, over, is_base, basedir, sources)
  end
  text = text:gsub("\r\n", "\n")
  local perr = parts.policy_check(name, text)
  if perr then return nil, perr end
  local list, firsts = parts.split(text)
  local gotmpl = fs.ext(path) == ".gotmpl"
  local render = gotmpl or os.getenv("HELMFILE_RENDER_YAML") == "true"
  -- Helmfile's ".gotmpl" hint helps a file that holds a template left unrendered; it stays on a
  -- YAML directive (`%YAML 1.1`) too, which v1's split on `---` cuts off from its document
  local hint = not gotmpl and (text:find("{{", 1, true) ~= nil or text:find("^%%") ~= nil
    or text:find("\n%%") ~= nil)
  local env = ctx_env
  local final, final_env
  for i, part in ipairs(list) do
    local merged = with_overrides(env, over)
    local tenv = merged or sv.env(ctx.env_name)
    local src = name
    if render then
      -- a part's error is Go's word for word unless opts.hints (the Lua API's contract), but
      -- for its line numbers, which are the file's
      local id = fmt("%s.part.%d", name, i - 1)
      local out, err = render_text(ctx, basedir, part, tenv:template_data(ctx.namespace), "stringTemplate",
        not ctx.opts.hints)
      debug_render(ctx, id, part, firsts[i], out)
      if not out then
        err = template_lines(err, firsts[i])
        return nil, fmt("%serror during %s parsing: %s", template_position(name, err), id, err)
      end
      src = rendered.new { name = name, index = i - 1, first = firsts[i], source = part, output = out }
      part = out
    end
    local doc, derr = parts.decode(part, src, hint, firsts[i], ctx.from)
    if not doc then return nil, derr end
    local penv, berr
    doc, penv, berr = process_doc(ctx, doc, name, tenv, is_base, basedir, sources, src)
    if not doc then return nil, berr end
    final = final and parts.merge_part(final, doc, ctx.from) or doc
    final_env = penv
    env = final_env
    if not is_base and has_envs(final) and ctx.env_name ~= "default" and final.environments[ctx.env_name] == nil then
      return nil, undefined(ctx, name, final), UNDEFINED
    end
  end
  if not is_base and not has_envs(final) and not ctx_env and not over and ctx.env_name ~= "default" then
    return nil, undefined(ctx, name, final), UNDEFINED
  end
  return final, final_env, sources
end

-- One decoded part (or helmfile.lua document): bases layered under it, then its environment.
-- src: where the part's tables were decoded from (see register; default name).
function process_doc(ctx, doc, name, tenv, is_base, basedir, sources, src)
  src = src or name
  register(ctx, doc, src, 0)
  if kind(doc.bases) == "list" and #doc.bases > 0 then
    if is_base then
      return nil, nil, name .. ": nested `base` helmfile is unsupported. please submit a feature request if you need this!"
    end
    local layers = {}
    for j, b in ipairs(doc.bases) do
      local bpath = fs.join(basedir, b)
      if files.is_remote(b) and not fs.kind(bpath) then
        -- a remote base is read from the checkout; like a local base, its relative paths
        -- resolve against the including state's directory (Helmfile's loadBases)
        local r, ferr = files.fetch_remote(b, ctx.fetched, ctx.session)
        if not r then return nil, nil, fmt("%s: bases[%d]: %s", parts.at(src, doc.bases, j), j - 1, ferr) end
        if fs.kind(r.path) ~= "file" then
          return nil, nil, fmt("%s: bases[%d]: %s: no such file in the repository (commit %s)",
            parts.at(src, doc.bases, j), j - 1, b, tostring(r.commit):sub(1, 12))
        end
        bpath = r.path
        ctx.names[bpath] = b
      elseif fs.kind(bpath) ~= "file" then
        return nil, nil, fmt("%s: bases[%d]: open %s: no such file or directory", parts.at(src, doc.bases, j),
          j - 1, bpath)
      end
      local bdoc, err = load_file(ctx, bpath, tenv, nil, true, basedir)
      if not bdoc then return nil, nil, name .. " → " .. err end
      layers[#layers + 1] = bdoc
    end
    local acc = layers[1]
    for j = 2, #layers do acc = parts.merge_layer(acc, layers[j], true, ctx.from) end
    doc = parts.merge_layer(acc, doc, true, ctx.from)
  end
  sources[#sources + 1] = { doc = doc, name = name, src = src }
  local env, err = environment.load(doc, tenv, { name = ctx.env_name, basedir = basedir, state_path = name,
    cwd = ctx.cwd,
    where = function(t, k) return locate(ctx, t, k, src) end,
    decrypt = ctx.decrypt, cache = ctx.secret_cache, fetched = ctx.fetched, session = ctx.session,
    decoded = ctx.decoded,
    render = function(text, data, n, dir) return render_text(ctx, dir, text, data, n) end })
  if not env then
    if err:sub(1, #name) ~= name then err = fmt("failed to read %s: %s", name, err) end
    return nil, nil, values_template_position(ctx, err) .. err
  end
  return doc, env
end

-- A second-pass error on a nil value read through `values`: which keys there are, and where.
local function values_hint(err, path, text, env)
  if err:sub(1, #path + 1) ~= path .. ":" then return err end  -- raised in a module it requires
  local line = tonumber(err:sub(#path + 2):match("^(%d+): attempt to [%w ]+ [%w ]*'[^']+' %(a nil value%)"))
  if not line then return err end
  local src = ("\n" .. text):match(("\n[^\n]*"):rep(line))
  if not src or not src:find("values", 1, true) then return err end
  local keys = value.keys(env:merged())
  return fmt("%s (in environment %q, `values` has %s; give the key a default with `or`, or define it "
    .. "in the environment's values)", err, env.name,
    #keys == 0 and "no keys" or "the keys " .. table.concat(keys, ", ", 1, math.min(#keys, 12))
      .. (#keys > 12 and ", …" or ""))
end

-- Why declarations may have been missed: the first pass stopped before them (a Lua library
-- call given a value not known yet, as math.max(values.n, 1)) in a file that seems to declare some.
local function stopped_early(failed, path)
  local text = failed and fs.read(path)
  if not text then return "" end
  for _, word in ipairs { "environments", "environment", "bases" } do
    if text:find("%f[%w_]" .. word .. "%f[^%w_]%s*[{(\"=]") then
      return fmt("; the first pass (which reads the environments, bases and values this file declares, "
        .. "before `values` are known) stopped at %s — declare them with environments{}, "
        .. "environment \"name\" {} or bases{} before that line", failed:match("^(.-:%d+):") or failed)
    end
  end
  return ""
end

local function declares(doc)
  return (kind(doc.bases) == "list" and #doc.bases > 0) or has_envs(doc) or kind(doc.values) == "list"
end

-- helmfile.lua: evaluated with the environment so far; when it declares bases, environments or
-- values it is evaluated again with the environment they make. When that first evaluation
-- fails (natural code reads `values.db.enabled` before the file's own environments give it),
-- hfl.state.luafile.first_pass learns the declarations with unknown keys read as holes, and
-- the file is evaluated with their environment; only when there are none is the error final.
function M._load_lua(ctx, path, name, ctx_env, over, is_base, basedir, sources)
  local luafile = require "hfl.state.luafile"
  local merged = with_overrides(ctx_env, over)
  local tenv = merged or sv.env(ctx.env_name)
  local function opts(env)
    return { environment = { name = env.name, values = env:env_values(), kubeContext = env.kube_context },
      values = env:merged(), namespace = ctx.namespace or "", basedir = basedir, session = ctx.session }
  end
  local function checked(doc)
    if value.is_null(doc) then doc = value.map {} end
    if kind(doc) ~= "map" then return nil, name .. ": helmfile.lua must return a table" end
    local verr = parts.validate(doc, name, false)
    if verr then return nil, verr end
    return doc
  end
  local function eval(env)
    local doc, err = luafile.evaluate(path, opts(env))
    if not doc then
      local text = fs.read(path)
      return nil, text and values_hint(err, path, text, env) or err
    end
    return checked(doc)
  end
  local doc, err = eval(tenv)
  local decl
  if doc then
    if declares(doc) then decl = doc end
  else
    local pass, perr = luafile.first_pass(path, opts(tenv))
    if not pass then return nil, perr end
    if next(pass.declarations) == nil then return nil, err .. stopped_early(pass.failed, path) end
    decl, err = checked(pass.declarations)
    if not decl then return nil, err end
  end
  local d, env
  if decl then
    d, env, err = process_doc(ctx, decl, name, tenv, is_base, basedir, {})
    if not d then return nil, err end
    doc, err = eval(env)
    if not doc then return nil, err end
    d, env, err = process_doc(ctx, doc, name, tenv, is_base, basedir, sources)
    if not d then return nil, err end
  else
    d, env, err = process_doc(ctx, doc, name, tenv, is_base, basedir, {})
    if not d then return nil, err end
    sources[#sources + 1] = { doc = d, name = name }
  end
  if not is_base then
    if has_envs(d) and ctx.env_name ~= "default" and d.environments[ctx.env_name] == nil then
      return nil, undefined(ctx, name, d), UNDEFINED
    end
    if not has_envs(d) and not ctx_env and not over and ctx.env_name ~= "default" then
      return nil, undefined(ctx, name, d), UNDEFINED
    end
  end
  return d, env, sources
end

------------------------------------------------------------------------------------------
-- States.

local State = {}
State.__index = State

--- "file:line" of a key of a table of the state's document (the file when unknown).
function State:where(tbl, key)
  if tbl == self.doc and self._keyat[key] then return self._keyat[key] end
  return locate(self._ctx, tbl, key, self.name)
end

--- Renders text as a Go template with this state's `_*.tpl` helpers, basedir = state dir.
function State:render(text, data, name)
  return render_text(self._ctx, self.dir, text, data, name or "stringTemplate")
end

local function new_state(ctx, path, chain, doc, env, sources, selectors)
  local base = fs.basename(path):gsub("%.[^.]*$", "")
  local keyat = {}
  for _, k in ipairs(value.keys(doc)) do
    for j = #sources, 1, -1 do
      local s = sources[j]
      if s.doc[k] ~= nil and not parts.empty(s.doc[k]) then
        keyat[k] = locate(ctx, s.doc, k, s.src or s.name)
        break
      end
    end
  end
  return setmetatable({
    path = path, dir = fs.dirname(path), basename = base, name = display(ctx, path),
    chain = chain, doc = doc, env = env, selectors = selectors,
    environment = { name = env.name, values = env:env_values(), kubeContext = env.kube_context },
    values = env:merged(),
    namespace = ctx.opts.namespace, kube_context = ctx.opts.kube_context, chart = ctx.opts.chart,
    _ctx = ctx, _keyat = keyat,
  }, State)
end

local function chain_names(ctx, chain)
  local out = {}
  for i, p in ipairs(chain) do out[i] = display(ctx, p) end
  return out
end

local function wrap(ctx, chain, err)
  if #chain == 0 then return err end
  return table.concat(chain_names(ctx, chain), " → ") .. " → " .. err
end

-- Visiting is split in two: the visit functions load files and append what they find to an
-- `items` list in processing order — { state = }, { skipped = }, { err = } (a failure: the
-- rest is never used), { log = } (a message for the log sink) and { items = } (a child's
-- list) — and `collect` walks the lists afterwards. Sub-helmfiles, and the files of a
-- helmfile.d directory, are independent once their parent is loaded, so each runs as its own
-- task (rendering yields while `exec` or a decryption waits on a process); their lists, log
-- messages included, keep the order a one-by-one visit gives.

local visit_file

-- A logger that appends each message to items (replayed to the real sink by collect).
local function buffered_log(items)
  local function keep(level)
    return function(...) items[#items + 1] = { log = level, n = select("#", ...), ... } end
  end
  return { debug = keep("debug"), info = keep("info"), warn = keep("warn"), error = keep("error") }
end

-- The context of one task: the load's, with messages (its own and those of the modules it
-- calls through the session) going to the task's list.
local function task_ctx(ctx, items)
  local log = buffered_log(items)
  return setmetatable({ log = log, session = setmetatable({ log = log }, { __index = ctx.session }) },
    { __index = ctx })
end

-- Runs each fn(ctx, items) with its own list, appended to `items` in order: one inline,
-- several as tasks of which at most ctx.concurrency do work at a time. A task holds a slot
-- while it works and gives it back while it waits for its own children, so nesting cannot
-- starve. An error raised by a task (a bug) is raised again here.
local function run_each(ctx, fns, items)
  if #fns <= 1 then
    if fns[1] then fns[1](ctx, items) end
    return
  end
  local lists, tasks = {}, {}
  for i = 1, #fns do
    lists[i] = {}
    items[#items + 1] = { items = lists[i] }
  end
  local me = coroutine.running()
  if me and ctx.holding[me] then
    ctx.holding[me] = nil
    ctx.slots:release()
  end
  for i, fn in ipairs(fns) do
    local list = lists[i]
    tasks[i] = proc.go(function()
      ctx.slots:acquire()
      local co = coroutine.running()
      ctx.holding[co] = true
      local ok, err = pcall(fn, task_ctx(ctx, list), list)
      if ctx.holding[co] then
        ctx.holding[co] = nil
        ctx.slots:release()
      end
      if not ok then return { raised = err } end
    end)
  end
  local raised
  for _, t in ipairs(tasks) do
    local r = t:join()
    if r and not raised then raised = r end
  end
  if raised then error(raised.raised, 0) end
end

-- Visits a file or a directory of state files (sub-helmfile paths may be directories).
local function visit_path(ctx, path, lo, items)
  if fs.kind(path) == "dir" then
    local fns = {}
    for i, p in ipairs(files.dir_states(path, ctx.reverse)) do
      fns[i] = function(c, list) visit_file(c, p, lo, list) end
    end
    return run_each(ctx, fns, items)
  end
  return visit_file(ctx, path, lo, items)
end

-- One `helmfiles:` entry of st: fetched when remote, skipped for its selectors, or visited
-- with its values, inherited keys and selectors.
local function visit_child(ctx, st, spec0, lo, chain, items)
  local spec, ferr = spec0, nil
  if spec0.remote and not helmfiles.conflicts(ctx.cli_selectors, spec0, ctx.log) then
    local mfc = st.doc.missingFileHandlerConfig
    local fetched
    spec, ferr, fetched = helmfiles.fetch(spec0, { fetched = ctx.fetched, session = ctx.session,
      handler = st.doc.missingFileHandler ~= null and st.doc.missingFileHandler or nil,
      ignore_missing_git_branch = kind(mfc) == "map" and mfc.ignoreMissingGitBranch == true })
    if spec == nil then
      items[#items + 1] = { err = wrap(ctx, lo.chain, ferr) }
      return
    end
    if fetched then
      if fs.kind(spec.path) == "dir" then
        for _, p in ipairs(files.dir_states(spec.path, ctx.reverse)) do
          ctx.names[p] = files.remote_name(fetched, p)
        end
      else
        ctx.names[spec.path] = spec0.remote
      end
    end
  end
  if not spec then
    ctx.log.debug("%s", fmt("skipped sub-helmfile %q", spec0.remote))
    return
  elseif helmfiles.conflicts(ctx.cli_selectors, spec, ctx.log) then
    ctx.log.debug("%s", fmt("skipping subhelmfile %q: CLI selectors conflict with subhelmfile selectors %s",
      spec.path, table.concat(spec.selectors, ",")))
    return
  end
  local sel, serr = helmfiles.child_selectors(spec, st.selectors)
  if not sel then
    items[#items + 1] = { err = wrap(ctx, chain, spec.where .. ": " .. serr) }
    return
  end
  local over
  if spec.values and #spec.values > 0 then
    -- paths against the parent's directory; .gotmpl files see an empty environment
    local v, err = values.load_entries(spec.values, sv.env(ctx.env_name), { handler = "Error",
      kind = "environment values", basedir = st.dir, state_path = st.name, cwd = ctx.cwd, fetched = ctx.fetched,
      session = ctx.session,
      render = function(text, data, n, dir) return render_text(ctx, dir, text, data, n) end })
    if not v then
      items[#items + 1] = { err = wrap(ctx, chain, spec.where .. ": " .. err) }
      return
    end
    over = sv.env(ctx.env_name)
    over.over = v
  end
  local inherited
  if #spec.inherits > 0 then inherited = helmfiles.build_inherited(st.doc, st.env, spec.inherits) end
  visit_path(ctx, spec.path, { chain = chain, over = over, inherited = inherited, selectors = sel }, items)
end

local function visit_children(ctx, st, specs, lo, items)
  local chain = {}
  for i, p in ipairs(lo.chain) do chain[i] = p end
  chain[#chain + 1] = st.path
  local fns = {}
  for i = 1, #specs do
    local spec = specs[ctx.reverse and #specs + 1 - i or i]
    fns[i] = function(c, list) visit_child(c, st, spec, lo, chain, list) end
  end
  run_each(ctx, fns, items)
end

function visit_file(ctx, path, lo, items)
  for _, p in ipairs(lo.chain) do
    if p == path then
      local names = chain_names(ctx, lo.chain)
      names[#names + 1] = display(ctx, path)
      items[#items + 1] = { err = "sub-helmfile recursion: " .. table.concat(names, " → ") }
      return
    end
  end
  local dir = fs.dirname(path)
  local inherited_env = lo.inherited and lo.inherited.env or nil
  local doc, env, extra = load_file(ctx, path, inherited_env, lo.over, false, dir)
  if not doc then
    if extra == UNDEFINED then
      -- Helmfile skips such a state silently (and its sub-helmfiles with it)
      ctx.log.debug("%s", env)
      local chain = {}
      for i, p in ipairs(lo.chain) do chain[i] = p end
      chain[#chain + 1] = path
      items[#items + 1] = { skipped = { path = path, name = display(ctx, path), chain = chain,
        error = wrap(ctx, lo.chain, env) } }
      return
    end
    items[#items + 1] = { err = wrap(ctx, lo.chain, env) }
    return
  end
  if lo.inherited then doc = helmfiles.merge_inherited(doc, lo.inherited) end
  local chain = {}
  for i, p in ipairs(lo.chain) do chain[i] = p end
  chain[#chain + 1] = path
  local st = new_state(ctx.root, path, chain, doc, env, extra, lo.selectors)
  local specs, err = helmfiles.parse(doc.helmfiles, st.name, function(t, k) return st:where(t, k) end)
  if specs then
    local handler = doc.missingFileHandler ~= null and doc.missingFileHandler or nil
    specs, err = helmfiles.expand(specs, dir, path, handler, st.name, ctx.log)
  end
  if not specs then
    items[#items + 1] = { err = wrap(ctx, lo.chain, err) }
    return
  end
  st.helmfiles = specs
  if ctx.reverse then items[#items + 1] = { state = st } end
  visit_children(ctx, st, specs, lo, items)
  if not ctx.reverse then items[#items + 1] = { state = st } end
end

-- Walks the lists in order: states and skipped states into ctx, messages to the log sink;
-- stops at the first error and returns it.
local function collect(ctx, items)
  for _, it in ipairs(items) do
    if it.items then
      local ok, err = collect(ctx, it.items)
      if not ok then return nil, err end
    elseif it.state then
      ctx.states[#ctx.states + 1] = it.state
    elseif it.skipped then
      ctx.skipped[#ctx.skipped + 1] = it.skipped
    elseif it.log then
      ctx.log[it.log](unpack(it, 1, it.n))
    else
      return nil, it.err
    end
  end
  return true
end

------------------------------------------------------------------------------------------

-- The override Env of the command line, or nil when no --state-values-* were given.
local function cli_overrides(ctx, opts)
  local files_list = opts.state_values_files or {}
  local set, set_string = opts.state_values_set or {}, opts.state_values_set_string or {}
  local given_map = kind(opts.state_values) == "map" and opts.state_values or nil
  if #files_list == 0 and #set == 0 and #set_string == 0 and not given_map then return nil end
  local over = sv.env(ctx.env_name)
  if #files_list > 0 then
    local entries = value.list {}
    for i, f in ipairs(files_list) do entries[i] = f end
    local v, err = values.load_entries(entries, sv.env(ctx.env_name), { handler = "Error",
      kind = "environment values", basedir = ctx.cwd, state_path = ctx.cwd, cwd = ctx.cwd, fetched = ctx.fetched,
      session = ctx.session,
      render = function(text, data, n, dir) return render_text(ctx, dir, text, data, n) end })
    if not v then return nil, err end
    over.over = v
  end
  -- --state-values-set-string first, --state-values-set over it (MergeMaps), as Helmfile's config
  local cli = value.map {}
  if #set_string > 0 then
    local m, err = sv.parse_state_values_set(set_string, { string = true })
    if not m then return nil, err end
    cli = sv.layer(cli, m)
  end
  if #set > 0 then
    local m, err = sv.parse_state_values_set(set)
    if not m then return nil, err end
    cli = sv.layer(cli, m)
  end
  if given_map then cli = sv.layer(cli, given_map) end
  over.cli = cli
  return over
end

--- Loads the states. See the module comment for opts.
---@return table[]|nil states, string|nil err, table skipped
function M.load(opts)
  opts = opts or {}
  local session = opts.session or require("hfl.session").new()
  local cwd = opts.cwd or fs.cwd()
  local selectors = opts.selectors or {}
  if type(selectors[1]) == "string" then
    local parsed, err = selector.parse(selectors)
    if not parsed then return nil, err end
    selectors = parsed
  end
  local ctx = {
    opts = opts, cwd = cwd, env_name = opts.environment or "default", namespace = opts.namespace or "",
    reverse = opts.reverse and true or false, cli_selectors = selectors, decrypt = opts.secrets_decrypt,
    secret_cache = {}, decoded = {}, helpers = {}, origins = setmetatable({}, { __mode = "k" }), states = {}, skipped = {},
    from = setmetatable({}, { __mode = "k" }),
    fetched = {}, names = {}, session = session, log = session.log,
    slots = proc.semaphore(session:bounded(M.CONCURRENCY)),
    holding = setmetatable({}, { __mode = "k" }),
  }
  ctx.root = ctx
  local list, err, names = files.find_states { file = opts.file, cwd = cwd, reverse = ctx.reverse,
    fetched = ctx.fetched, session = ctx.session }
  if not list then return nil, err, ctx.skipped end
  for p, n in pairs(names or {}) do ctx.names[p] = n end
  local over
  over, err = cli_overrides(ctx, opts)
  if err then return nil, err, ctx.skipped end
  local fns, items = {}, {}
  for i, path in ipairs(list) do
    fns[i] = function(c, l) visit_file(c, path, { chain = {}, over = over, selectors = selectors }, l) end
  end
  run_each(ctx, fns, items)
  local ok, verr = collect(ctx, items)
  if not ok then return nil, verr, ctx.skipped end
  return ctx.states, nil, ctx.skipped
end

return M
