--- HCL environment values files (compat §3.5): a parser for HCL's native syntax (bodies of
--- `values {}` / `locals {}` blocks; expressions with templates, heredocs, operators,
--- conditionals, for-expressions, splats and function calls) and Helmfile's evaluation of a
--- set of files: `values` attributes of every file share one namespace read as `hv.NAME`
--- (several definitions of a name are evaluated in file order and deep-merged: maps per key,
--- lists and scalars replaced, null keeps the earlier value); each file's single `locals` block
--- is read as `local.NAME` in that file only. References are resolved lazily (a cycle is an
--- error). Parts: hfl.hcl.lexer, hfl.hcl.parser, hfl.hcl.eval,
--- hfl.hcl.funcs.
local value = require "hfl.value"
local fs = require "hfl.fs"
local parser = require "hfl.hcl.parser"
local evaluator = require "hfl.hcl.eval"

local M = {}

local vmap = value.map
local fmt = string.format
local eval, eerr, merge, sorted = evaluator.eval, evaluator.fail, evaluator.merge, evaluator.sorted

--- Parses HCL source into a body (see hfl.hcl.parser.parse).
M.parse = parser.parse
M.type_name = evaluator.type_name
M._merge = merge

--- Evaluates a set of HCL values files (Helmfile's HCLRender) into one map.
---@param paths string[] files in order
---@param shown table|nil path → how it is named in messages
---@param texts table|nil path → source text to use instead of reading the file (decrypted secrets)
---@return table|nil values, string|nil err
function M.render(paths, shown, texts)
  local defs, def_order = {}, {} -- name → list of {expr, file}
  local locals = {}                -- file → name → {expr, line}
  for _, path in ipairs(paths) do
    local name = shown and shown[path] or path
    local text = texts and texts[path]
    if not text then
      local ferr, code
      text, ferr, code = fs.read(path)
      if not text then
        -- the reason as Lua's io words it, which these messages always showed
        if code == "EISDIR" then ferr = fs.strerror(ferr)
        elseif code ~= "EFBIG" then ferr = path .. ": " .. fs.strerror(ferr) end
        return nil, fmt("%s: %s", name, ferr)
      end
    end
    local body, perr_ = M.parse(text, name)
    if not body then return nil, perr_ end
    local file_locals, nlocals = {}, 0
    for _, item in ipairs(body) do
      if item.attr then
        return nil, fmt('%s:%d: Unsupported argument: an argument named "%s" is not expected here '
          .. '(use a values or locals block)', name, item.line, item.attr)
      elseif item.block ~= "values" and item.block ~= "locals" then
        return nil, fmt('%s:%d: Unsupported block type: blocks of type "%s" are not expected here',
          name, item.line, item.block)
      end
      if item.block == "locals" then
        nlocals = nlocals + 1
        if nlocals > 1 then return nil, fmt("%s:%d: A file can only support exactly 1 `locals` block", name, item.line) end
      end
      local seen = {}
      for _, a in ipairs(item.body) do
        if a.block then
          return nil, fmt('%s:%d: Unexpected "%s" block: blocks are not allowed here', name, a.line, a.block)
        end
        if seen[a.attr] then
          return nil, fmt('%s:%d: Duplicate argument: the argument "%s" was already set in this block', name, a.line, a.attr)
        end
        seen[a.attr] = true
        local def = { expr = a.expr, file = name, line = a.line, name = a.attr }
        if item.block == "locals" then
          file_locals[a.attr] = def
        else
          if not defs[a.attr] then
            defs[a.attr] = {}
            def_order[#def_order + 1] = a.attr
          end
          local list = defs[a.attr]
          list[#list + 1] = def
        end
      end
    end
    locals[name] = file_locals
  end

  local done, busy = {}, {}
  local ldone, lbusy = {}, {}
  local resolve_value, resolve_local

  local function context(file, in_locals)
    local ctx = { file = file, vars = {} }
    ctx.resolve_ref = function(root, attr, node)
      if root == "hv" then
        if in_locals then eerr(ctx, node, 'Unknown variable: there is no variable named "hv" in a locals block') end
        if not defs[attr] then
          eerr(ctx, node, fmt('Unsupported attribute: this object does not have an attribute named "%s"', attr))
        end
        return resolve_value(attr, ctx, node)
      elseif root == "local" then
        local l = locals[file] or {}
        if not l[attr] then
          eerr(ctx, node, fmt('Unsupported attribute: this object does not have an attribute named "%s"', attr))
        end
        return resolve_local(file, attr, ctx, node)
      end
      return nil
    end
    ctx.resolve_root = function(node)
      if node.name == "local" then
        local out = vmap {}
        for k in pairs(locals[file] or {}) do out[k] = resolve_local(file, k, ctx, node) end
        return out
      elseif node.name == "hv" then
        eerr(ctx, node, 'Invalid reference: the "hv" object cannot be accessed directly. Instead, access it from one of its root.')
      end
      eerr(ctx, node, fmt('Unknown variable: there is no variable named "%s"', node.name))
    end
    return ctx
  end

  resolve_local = function(file, name, from, node)
    ldone[file] = ldone[file] or {}
    lbusy[file] = lbusy[file] or {}
    if ldone[file][name] ~= nil then return ldone[file][name] end
    if lbusy[file][name] then eerr(from, node, fmt('Cycle detected: local.%s refers to itself', name)) end
    lbusy[file][name] = true
    local def = locals[file][name]
    local v = eval(context(file, true), def.expr)
    lbusy[file][name] = nil
    ldone[file][name] = v
    return v
  end

  resolve_value = function(name, from, node)
    if done[name] ~= nil then return done[name] end
    if busy[name] then eerr(from, node, fmt("Cycle detected: hv.%s refers to itself", name)) end
    busy[name] = true
    local merged
    for i, def in ipairs(defs[name]) do
      local v = eval(context(def.file, false), def.expr)
      merged = i == 1 and v or merge(merged, v)
    end
    busy[name] = nil
    done[name] = merged
    return merged
  end

  local ok, r = pcall(function()
    local out = vmap {}
    for _, name in ipairs(def_order) do
      local v = resolve_value(name, context(paths[1] and (shown and shown[paths[1]] or paths[1]) or "", false), nil)
      out[name] = v
    end
    -- evaluate locals nobody referenced too (errors in them are errors, as in Helmfile)
    for file, l in pairs(locals) do
      for k in pairs(l) do resolve_local(file, k, context(file, true), l[k]) end
    end
    return sorted(out)
  end)
  if not ok then
    if type(r) == "table" and r.hcl then return nil, r.msg end
    error(r, 0)
  end
  -- JSON round trip in Helmfile: null members stay null
  return r
end

return M
