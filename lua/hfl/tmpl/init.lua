--- hfl.tmpl: Go's text/template for hfl, compiled to Lua closures.
--
--   local tmpl = require "hfl.tmpl"
--   tmpl.render(text, data [, opts])            -- string | nil, err
--   local t = tmpl.compile(text [, opts])        -- Template | nil, err;  t:execute(data [, xopts])
--   local set = tmpl.new{ name=, funcs= }        -- several files and their defines:
--   set:parse(text, name); set:execute(name, data [, xopts])
--   tmpl.hint(err)                               -- a line of advice for an error, or nil
--
-- opts: name (default "stringTemplate", the name Helmfile gives its templates), funcs
-- (name → function, first in the lookup), missingkey ("error" default | "zero" | "default"),
-- basedir and prerender (passed to the function library), range_int (Go 1.22 `range N`,
-- default true), taint (a Session: what fetchSecretValue and expandSecretRefs return is
-- registered with session:taint, to be masked in what hfl shows — an execution option). Functions are looked up in opts.funcs, then the engine's include/tpl,
-- then `require("hfl.stdlib").funcs(ctx)` when that module exists, then Go's builtins.
local parser = require "hfl.tmpl.parser"
local exec = require "hfl.tmpl.exec"
local builtins = require "hfl.tmpl.builtins"
local fmt = require "hfl.tmpl.fmt"
local value = require "hfl.value"

local M = {}
M.fmt = fmt

local sfmt, quote = string.format, fmt.quote
local DEFAULT_NAME = "stringTemplate"

local builtin_funcs = {}
for _, name in ipairs(builtins.names) do builtin_funcs[name] = builtins[name] end
M.builtins = builtin_funcs

-- The function map of hfl.stdlib for one render context. The library is required here, not
-- at the top, because its functions render templates in turn. A library that fails to load is
-- a broken installation: an error naming it, never templates rendered without functions.
local function library_funcs(ctx)
  local ok, funcs = pcall(function() return require("hfl.stdlib").funcs(ctx) end)
  if not ok then
    error(sfmt("the template function library (hfl.stdlib) failed to load: %s", tostring(funcs)), 0)
  end
  return funcs
end

local function raise_string(err)
  if type(err) == "table" and err.tmpl_exec then err = err.tmpl_exec end
  error(err, 0)
end

-- Functions of the engine itself; they receive the execution state first. Every execution
-- (one per coroutine rendering) carries its own state this way, so renders that yield inside
-- a function (exec waits on a child process) can interleave: nothing here is per process.
local engine = {}

function engine.include(st, name, data)
  if type(name) ~= "string" then
    error("wrong type for value; expected string; got " .. fmt.type_name(name), 0)
  end
  local tree = st.set.trees[name]
  if not tree then
    error(sfmt("template: no template %s associated with template %s", quote(name), quote(st.set.name)), 0)
  end
  if st.depth >= exec.max_depth then
    error(sfmt("rendering template has a nested reference name: %s: unable to execute template", name), 0)
  end
  local sub = { buf = {}, n = 0, vars = nil, name = name, missing = st.missing, funcs = st.funcs,
    set = st.set, depth = st.depth, engine = st.engine, opts = st.opts }
  if data == value.null then data = nil end
  local ok, err = pcall(exec.run_tree, sub, tree, data)
  if not ok then raise_string(err) end
  return table.concat(sub.buf, "", 1, sub.n)
end

function engine.tpl(st, text, data)
  if type(text) ~= "string" then
    error("wrong type for value; expected string; got " .. fmt.type_name(text), 0)
  end
  local o = st.opts
  local t, err = M.compile(text, { name = DEFAULT_NAME, funcs = st.set.funcs, missingkey = st.missing,
    basedir = o.basedir, prerender = o.prerender, range_int = st.set.range_int })
  if not t then error(err, 0) end
  if st.depth >= exec.max_depth then
    error("tpl: exceeded maximum template depth (" .. exec.max_depth .. ")", 0)
  end
  local out, err2 = t.set:_run(t.name, data, o, st.depth + 1)
  if not out then error(err2, 0) end
  return out
end

local Set = {}
Set.__index = Set

--- A template set: several parsed texts and their defines, executed by name.
---@param opts table|nil { name=, funcs=, missingkey=, basedir=, prerender=, range_int= }
---@return table set
function M.new(opts)
  opts = opts or {}
  local set = setmetatable({
    name = opts.name or DEFAULT_NAME, funcs = opts.funcs, trees = {}, opts = opts,
    range_int = opts.range_int ~= false, merged = setmetatable({}, { __mode = "k" }),
  }, Set)
  local user = opts.funcs
  set.resolve = function(fname)
    if user and user[fname] ~= nil then return "user" end
    if engine[fname] then return "engine" end
    if M._stdlib_names()[fname] then return "stdlib" end
    if builtin_funcs[fname] then return "builtin" end
    return nil
  end
  set.has_func = function(fname) return set.resolve(fname) ~= nil end
  return set
end

local stdlib_cache = {}
local stdlib_names
-- Names the function library defines (for the parser's "function not defined" check).
function M._stdlib_names()
  if stdlib_names then return stdlib_names end
  local names = {}
  for k in pairs(library_funcs(M._ctx(nil, false))) do names[k] = true end
  stdlib_names = names
  return stdlib_names
end

-- The function library's context inside templates. Templates call the engine's own tpl and
-- include (they see the execution); the library's tpl is only reached when its function is
-- called directly, and renders with this context's basedir.
function M._ctx(basedir, prerender)
  return {
    basedir = basedir, prerender = prerender,
    render = function(text, data)
      local out, err = M.render(text, data, { basedir = basedir, prerender = prerender })
      if not out then error(err, 0) end
      return out
    end,
  }
end

-- The functions whose results come from a secret source (vals references).
local SECRET_FUNCS = { "fetchSecretValue", "expandSecretRefs" }
local tainting = setmetatable({}, { __mode = "k" })

-- funcs with the secret functions registering what they return with `taint` (a Session or
-- anything with :taint(v)), so that hfl masks those values in what it shows, and, given a
-- Session (:once), derivePassword computing each key once in it. Kept per (funcs, taint)
-- while both live.
local function with_taint(funcs, taint)
  local by = tainting[funcs]
  if not by then
    by = setmetatable({}, { __mode = "k" })
    tainting[funcs] = by
  end
  local out = by[taint]
  if out then return out end
  out = {}
  for k, v in pairs(funcs) do out[k] = v end
  for _, name in ipairs(SECRET_FUNCS) do
    local f = funcs[name]
    if f then
      out[name] = function(...)
        local v = f(...)
        taint:taint(v)
        return v
      end
    end
  end
  if funcs.derivePassword and type(taint) == "table" and taint.once then
    out.derivePassword = require("hfl.stdlib.crypto").derive_password_in(taint)
  end
  by[taint] = out
  return out
end

-- The function table for one execution: user funcs, then stdlib, then builtins.
function Set:_funcs(basedir, prerender)
  local key = tostring(basedir) .. "\0" .. tostring(prerender and true or false)
  local libfuncs = stdlib_cache[key]
  if not libfuncs then
    libfuncs = library_funcs(M._ctx(basedir, prerender and true or false))
    stdlib_cache[key] = libfuncs
  end
  local merged = self.merged[libfuncs]
  if merged then return merged end
  merged = {}
  for k, v in pairs(builtin_funcs) do merged[k] = v end
  for k, v in pairs(libfuncs) do merged[k] = v end
  if self.funcs then for k, v in pairs(self.funcs) do merged[k] = v end end
  self.merged[libfuncs] = merged
  return merged
end

-- A tree's fn that compiles it, with the set that parsed it, when first run: a chart defines
-- many more templates than one render executes (compiling cannot fail, so nothing is
-- reported later than before).
local function lazily_compiled(tree, set)
  return function(st, dot)
    tree.fn = nil
    return exec.compile_tree(tree, set)(st, dot)
  end
end

--- Parses text as the template `name` (default: the set's name); its defines join the set.
---@param text string
---@param name string|nil
---@return table|nil set, string|nil err
function Set:parse(text, name)
  local ok, err = parser.parse(text, name or self.name, self.has_func, self.trees,
    { allow_else_with = true })
  if not ok then return nil, err end
  for _, tree in pairs(self.trees) do
    if not tree.fn then tree.fn = lazily_compiled(tree, self) end
  end
  return self
end

--- Whether the set has a template of that name.
function Set:lookup(name) return self.trees[name] ~= nil end

function Set:_run(name, data, xopts, depth)
  local tree = self.trees[name]
  if not tree then
    return nil, sfmt("template: no template %s associated with template %s", quote(name), quote(self.name))
  end
  local o = self.opts
  xopts = xopts or {}
  local basedir = xopts.basedir or o.basedir
  local prerender = xopts.prerender
  if prerender == nil then prerender = o.prerender end
  local missing = xopts.missingkey or o.missingkey or "error"
  if missing == "invalid" then missing = "default" end
  local funcs = self:_funcs(basedir, prerender)
  local taint = xopts.taint
  if taint then funcs = with_taint(funcs, taint) end
  local st = { buf = {}, n = 0, name = name, missing = missing, funcs = funcs,
    set = self, depth = depth or 0, engine = engine,
    opts = { basedir = basedir, prerender = prerender, taint = taint } }
  if data == value.null then data = nil end
  local ok, err = pcall(exec.run_tree, st, tree, data)
  if ok then return table.concat(st.buf, "", 1, st.n) end
  if type(err) == "table" and err.tmpl_exec then return nil, err.tmpl_exec end
  if type(err) == "string" and err:find("stack overflow", 1, true) then
    return nil, sfmt("template: %s: exceeded maximum template depth (stack overflow)", name)
  end
  error(err, 0)
end

--- Executes the template `name` with data.
---@param name string
---@param data any
---@param xopts table|nil { missingkey=, basedir=, prerender= } overriding the set's
---@return string|nil out, string|nil err
function Set:execute(name, data, xopts)
  return self:_run(name, data, xopts, 0)
end

local Template = {}
Template.__index = Template

--- Executes the compiled template.
---@return string|nil out, string|nil err
function Template:execute(data, xopts)
  return self.set:_run(self.name, data, xopts, 0)
end

--- Adds the defines of another text (e.g. a `_helpers.tpl`) to this template's set.
function Template:parse(text, name)
  if not self.own then
    -- the set may be shared through the compile cache: parse into a copy
    local copy = M.new(self.set.opts)
    for k, v in pairs(self.set.trees) do copy.trees[k] = v end
    self.set, self.own = copy, true
  end
  local ok, err = self.set:parse(text, name)
  if not ok then return nil, err end
  return self
end

local cache, cache_size = {}, 0
local funcs_cache = setmetatable({}, { __mode = "k" })

--- Compiles text once (cached by name and text, per funcs table).
---@param text string
---@param opts table|nil
---@return table|nil template, string|nil err
function M.compile(text, opts)
  opts = opts or {}
  local name = opts.name or DEFAULT_NAME
  local key = name .. "\0" .. (opts.range_int == false and "0" or "1") .. text
  local bucket = cache
  if opts.funcs then
    bucket = funcs_cache[opts.funcs]
    if not bucket then
      bucket = {}
      funcs_cache[opts.funcs] = bucket
    end
  end
  local hit = bucket[key]
  if hit then
    if hit.err then return nil, hit.err end
    local t = setmetatable({ set = hit.set, name = name }, Template)
    return t
  end
  local set = M.new { name = name, funcs = opts.funcs, range_int = opts.range_int }
  local ok, err = set:parse(text, name)
  if bucket == cache then
    cache_size = cache_size + 1
    if cache_size > 2000 then
      cache, cache_size = {}, 1
      bucket = cache
    end
  end
  if not ok then
    bucket[key] = { err = err }
    return nil, err
  end
  bucket[key] = { set = set }
  return setmetatable({ set = set, name = name }, Template)
end

--- Renders text with data.
---@param text string
---@param data any
---@param opts table|nil { name=, funcs=, missingkey=, basedir=, prerender= }
---@return string|nil out, string|nil err
function M.render(text, data, opts)
  local t, err = M.compile(text, opts)
  if not t then return nil, err end
  return t.set:_run(t.name, data, opts, 0)
end

--- A hint to print under a template error, or nil. Errors themselves stay word for word
--- Go's; callers (state loading, the CLI) add the hint on its own line.
---@param err string
---@return string|nil
function M.hint(err)
  if type(err) ~= "string" then return nil end
  local field, key = err:match("at <([^>]*)>: map has no entry for key \"([^\"]*)\"")
  if key then
    local path = field:match("^%.(.*)$") or field
    -- Helmfile's get walks maps: name the values map itself, not the root object
    local root = "."
    local rest = path:match("^Values%.(.+)$") or path:match("^StateValues%.(.+)$")
    if rest then root, path = ".Values", rest end
    return sfmt('the key %s is missing: use `get %s "default" %s` or `hasKey` to make it optional, '
      .. 'or define it in your values', quote(key), quote(path), root)
  end
  local fld = err:match("nil pointer evaluating interface {}%.([%w_]+)")
  if fld then
    return sfmt("a value on the way to %s is null: guard it with `if`, `with` or `default`", quote(fld))
  end
  if err:find("incompatible types for comparison", 1, true) then
    return "eq/lt compare only values of one kind: an int never equals a float or a string (convert with int, float64 or toString)"
  end
  local fn = err:match('function "([^"]+)" not defined')
  if fn then
    return sfmt("%s is not a text/template, Sprig or Helmfile function", quote(fn))
  end
  return nil
end

--- Forgets the function library's names and maps and every cached template (after the
--- library changes, or to free memory).
function M.reset()
  stdlib_names = nil
  stdlib_cache, cache, cache_size = {}, {}, 0
  funcs_cache = setmetatable({}, { __mode = "k" })
end

M.struct = require("hfl.tmpl.runtime").struct

--- The depth limit of {{template}} and include nesting.
function M.set_max_depth(n) exec.max_depth = n end

return M
