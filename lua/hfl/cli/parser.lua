--- The argv parser behind hfl's CLI, following cobra/pflag as Helmfile uses them:
--- `--flag=value`, `--flag value`, `-e prod`, `-eprod`, `-e=prod`, clustered switches `-qi`,
--- repeatable flags, `--` ends flags, flags accepted before or after the command.
local suggest = require "hfl.suggest"

local M = {}

---@class hfl.cli.Scope
---@field set hfl.cli.FlagSet
---@field out table  where the set's values go

local TRUE = { ["1"] = true, t = true, T = true, TRUE = true, ["true"] = true, True = true }
local FALSE = { ["0"] = true, f = true, F = true, FALSE = true, ["false"] = true, False = true }

local function _name(flag)
  return flag.short and ("-%s/--%s"):format(flag.short, flag.long) or "--" .. flag.long
end

--- Converts and checks one raw value; returns the Lua value or nil, err.
---@param flag hfl.cli.Flag
---@param raw string
---@return any, string|nil
function M.convert(flag, raw)
  if flag.kind == "bool" then
    if TRUE[raw] then return true elseif FALSE[raw] then return false end
    return nil, ('invalid value "%s" for %s: expected true or false'):format(raw, _name(flag))
  elseif flag.kind == "int" then
    if not raw:match("^%-?%d+$") then
      return nil, ('invalid value "%s" for %s: expected a whole number'):format(raw, _name(flag))
    end
    return tonumber(raw)
  end
  if flag.choices then
    for _, c in ipairs(flag.choices) do
      if c == raw then return raw end
    end
    return nil, ('invalid value "%s" for %s: must be one of %s%s'):format(
      raw, _name(flag), table.concat(flag.choices, ", "), suggest.hint(raw, flag.choices))
  end
  return raw
end

local function _find(st, name, short)
  for _, scope in ipairs(st.scopes) do
    local f = scope.set:lookup(name, short)
    if f then return f, scope.out end
  end
end

local function _unknown_long(st, name)
  local names = {}
  for _, scope in ipairs(st.scopes) do
    for _, f in ipairs(scope.set.flags) do names[#names + 1] = "--" .. f.long end
  end
  return ('unknown flag "--%s"%s'):format(name, suggest.hint("--" .. name, names))
end

local function _assign(st, flag, out, raw)
  local v, err = M.convert(flag, raw)
  if err then return err end
  if flag.kind == "list" then
    out[flag.key][#out[flag.key] + 1] = v
  else
    out[flag.key] = v
  end
  st.explicit[flag.long] = true
end

local function _next_value(st, flag)
  local j = st.i + 1
  if j > #st.tokens or j == st.skip then
    return nil, ("flag %s needs a value"):format(_name(flag))
  end
  st.i = j
  return st.tokens[j]
end

local function _long(st, tok)
  local name, value = tok:match("^%-%-([^=]+)=(.*)$")
  name = name or tok:sub(3)
  local flag, out = _find(st, name, false)
  if not flag then return _unknown_long(st, name) end
  if flag.kind == "bool" then return _assign(st, flag, out, value or "true") end
  -- a flag with an implicit value (pflag's NoOptDefVal) takes one only after "="
  if not value and flag.implicit then value = flag.implicit end
  if not value then
    local err
    value, err = _next_value(st, flag)
    if err then return err end
  end
  return _assign(st, flag, out, value)
end

local function _short(st, tok)
  local k = 2
  while k <= #tok do
    local c = tok:sub(k, k)
    local flag, out = _find(st, c, true)
    if not flag then return ('unknown shorthand flag "%s" in "%s"'):format(c, tok) end
    local rest = tok:sub(k + 1)
    if flag.kind == "bool" and rest:sub(1, 1) ~= "=" then
      local err = _assign(st, flag, out, "true")
      if err then return err end
      k = k + 1
    else
      if rest ~= "" then return _assign(st, flag, out, (rest:gsub("^=", ""))) end
      local value, err = _next_value(st, flag)
      if err then return err end
      return _assign(st, flag, out, value)
    end
  end
end

--- Parses `tokens`: flags go into their scope's `out` table (earlier scopes win a name that
--- two scopes declare), everything else is positional. `skip` is the index of the command
--- name, already consumed by the caller. With `verbatim`, the first positional after the
--- command ends the flags: it and every token after it are positionals as they are.
---@param tokens string[]
---@param scopes hfl.cli.Scope[]
---@param skip integer|nil
---@param verbatim boolean|nil
---@return string[]|nil positionals
---@return table|string explicit  set of long names given on the command line, or the error
function M.parse(tokens, scopes, skip, verbatim)
  local st = { tokens = tokens, scopes = scopes, skip = skip, i = 1, explicit = {} }
  local positionals = {}
  while st.i <= #tokens do
    local tok, err = tokens[st.i], nil
    if st.i == skip then
      tok = nil
    elseif tok == "--" then
      for j = st.i + 1, #tokens do positionals[#positionals + 1] = tokens[j] end
      break
    elseif tok:sub(1, 2) == "--" then
      err = _long(st, tok)
    elseif tok:sub(1, 1) == "-" and #tok > 1 then
      err = _short(st, tok)
    elseif verbatim and skip and st.i > skip then
      for j = st.i, #tokens do positionals[#positionals + 1] = tokens[j] end
      break
    else
      positionals[#positionals + 1] = tok
    end
    if err then return nil, err end
    st.i = st.i + 1
  end
  return positionals, st.explicit
end

--- Index of the command name in `tokens`: the first positional that `is_command` accepts,
--- skipping the values of `set`'s value-taking flags (the global flags). A word that is not a
--- command right after an unknown `--flag` is taken as that flag's value, so that
--- `--enviroment prod diff` reports the flag, not a command "prod". Nil when there is none;
--- the first positional when no positional is a command.
---@param tokens string[]
---@param set hfl.cli.FlagSet
---@param is_command fun(word: string): boolean
---@return integer|nil
function M.find_command(tokens, set, is_command)
  local i, first, after_unknown = 1, nil, false
  while i <= #tokens do
    local tok = tokens[i]
    if tok == "--" then break end
    local unknown = false
    if tok:sub(1, 2) == "--" then
      local f = not tok:find("=", 1, true) and set:lookup(tok:sub(3), false)
      if f and f.kind ~= "bool" and not f.implicit then i = i + 1 end
      unknown = not f and not tok:find("=", 1, true)
    elseif tok:sub(1, 1) == "-" and #tok > 1 then
      if M._cluster_ends_with_value_flag(tok, set) then i = i + 1 end
    elseif is_command(tok) then
      return i
    elseif not after_unknown then
      first = first or i
    end
    after_unknown = unknown
    i = i + 1
  end
  return first
end

-- True when a short cluster ("-qe") ends in a flag whose value is the next token.
function M._cluster_ends_with_value_flag(tok, set)
  for k = 2, #tok do
    local f = set:lookup(tok:sub(k, k), true)
    if not f then return false end
    if f.kind ~= "bool" then return k == #tok end
  end
  return false
end

return M
