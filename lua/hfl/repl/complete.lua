--- hfl.repl.complete: tab completion for the REPL. The word before the cursor is completed
--- against what it names: globals (the REPL's own and Lua's), fields after `a.b.` (the keys of
--- a table, the methods its metatable offers, a release's fields), methods after `obj:`, and
--- the REPL's commands after a leading `:`. Only indexing is evaluated — never a call — so
--- completing cannot change anything.
local pretty = require "hfl.repl.pretty"
local release = require "hfl.state.release"

local M = {}

-- Names starting with "_" are private (and metamethods): never offered.
local function public(k)
  return pretty.is_identifier(k) and k:sub(1, 1) ~= "_"
end

local function add_keys(names, t)
  if type(t) ~= "table" then return end
  for k in pairs(t) do
    if public(k) then names[k] = true end
  end
end

-- Every name reachable as t.name: raw keys, the spec of a release, and what __index tables
-- offer (a class's methods, through its parents).
local function field_names(t)
  local names = {}
  if type(t) == "string" then add_keys(names, string) return names end
  if type(t) ~= "table" then return names end
  add_keys(names, t)
  local mt = getmetatable(t)
  if mt == release.Release then
    add_keys(names, rawget(t, "spec"))
    add_keys(names, release.Release)
    names.where = true
  end
  local seen = {}
  while type(mt) == "table" and type(mt.__index) == "table" and not seen[mt] do
    seen[mt] = true
    add_keys(names, mt.__index)
    mt = getmetatable(mt.__index)
  end
  return names
end

-- Resolves `a.b[1]["c"]` by indexing only; nil when it names nothing or is not a plain path.
local function resolve(env, path)
  local name, rest = path:match("^([%a_][%w_]*)(.*)$")
  if not name then return nil end
  local ok, v = pcall(function() return env[name] end)
  if not ok then return nil end
  while rest ~= "" do
    if v == nil then return nil end
    local key, after = rest:match("^%.([%a_][%w_]*)(.*)$")
    if not key then
      local n
      n, after = rest:match("^%[%s*(%d+)%s*%](.*)$")
      key = tonumber(n)
    end
    if not key then
      key, after = rest:match('^%[%s*"([^"]*)"%s*%](.*)$')
    end
    if not key then
      key, after = rest:match("^%[%s*'([^']*)'%s*%](.*)$")
    end
    if key == nil then return nil end
    local indexed = v
    ok, v = pcall(function() return indexed[key] end)
    if not ok then return nil end
    rest = after
  end
  return v
end

local function common_prefix(words)
  local p = words[1] or ""
  for i = 2, #words do
    local w = words[i]
    local n = 0
    while n < #p and n < #w and p:byte(n + 1) == w:byte(n + 1) do n = n + 1 end
    p = p:sub(1, n)
  end
  return p
end

-- The candidates that start with `word`, sorted.
local function matching(names, word)
  local out = {}
  for k in pairs(names) do
    if k:sub(1, #word) == word then out[#out + 1] = k end
  end
  table.sort(out)
  return out
end

--- Completes the text before the cursor. Returns the text to insert at the cursor and, when
--- several candidates remain and none can be inserted, the candidates to list.
---@param before string  the line up to the cursor
---@param env table  the REPL's environment (its globals)
---@param commands string[]  the REPL's commands, without the colon
---@return string insert, string[]|nil candidates
function M.complete(before, env, commands)
  local command = before:match("^%s*:(%a*)$")
  local names, word, owner
  if command then
    names, word = {}, command
    for _, c in ipairs(commands) do names[c] = true end
  else
    local path, sep
    path, sep, word = before:match("([%a_][%w_%.%[%]\"']*)([%.:])([%a_]?[%w_]*)$")
    if path then
      owner = resolve(env, path)
      if owner == nil then return "", nil end
      names = field_names(owner)
      if sep == ":" then
        for k in pairs(names) do
          local ok, f = pcall(function() return owner[k] end)
          if not ok or type(f) ~= "function" then names[k] = nil end
        end
      end
    else
      word = before:match("([%a_][%w_]*)$")
      -- after a call or a literal (`f().x`, `"s":u`) there is nothing to index without running it
      if not word or before:sub(1, #before - #word):match("[%w_%.:]$") then return "", nil end
      names = field_names(env)
      add_keys(names, _G)
      owner = env
    end
  end
  local found = matching(names, word)
  if #found == 0 then return "", nil end
  local prefix = common_prefix(found)
  -- a name that is also the start of others (select, selected_in) is taken: the longer ones
  -- are still reached by typing on
  if #found == 1 or (names[prefix] and #prefix > #word) then
    local insert = prefix:sub(#word + 1)
    local ok, v = true, nil
    if owner ~= nil then ok, v = pcall(function() return owner[prefix] end) end
    if ok and type(v) == "function" then insert = insert .. "(" end
    return insert, nil
  end
  if #prefix > #word then return prefix:sub(#word + 1), nil end
  return "", found
end

return M
