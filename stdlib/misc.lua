--- Sprig's reflection, encoding, path, OS, URL and uuid functions.
local value = require("hfl.value")
local util = require("hfl.stdlib.util")
local encoding = require("hfl.stdlib.encoding")

local M = {}

local str, go_type, go_kind, is_nil = util.str, util.go_type, util.go_kind, util.is_nil
local concat, fmt = table.concat, string.format

--- path.Clean.
local function clean(p)
  if p == "" then return "." end
  local rooted = p:sub(1, 1) == "/"
  local parts = {}
  for seg in p:gmatch("[^/]+") do
    if seg == "." then
      -- dropped
    elseif seg == ".." then
      if #parts > 0 and parts[#parts] ~= ".." then
        parts[#parts] = nil
      elseif not rooted then
        parts[#parts + 1] = ".."
      end
    else
      parts[#parts + 1] = seg
    end
  end
  local out = concat(parts, "/")
  if rooted then out = "/" .. out end
  if out == "" then return "." end
  return out
end
M.clean = clean

local function base(p)
  if p == "" then return "." end
  p = p:gsub("/+$", "")
  if p == "" then return "/" end
  return p:match("([^/]*)$")
end

local function dir(p)
  local d = p:match("^(.*/)") or ""
  return clean(d)
end

local function ext(p)
  for i = #p, 1, -1 do
    local c = p:sub(i, i)
    if c == "/" then return "" end
    if c == "." then return p:sub(i) end
  end
  return ""
end
M.path_base, M.path_dir, M.path_ext = base, dir, ext

local function is_name_byte(c) return c:match("^[%w_]$") ~= nil end
local function is_special(c) return c:match("^[%*#%$@!%?%-%d]$") ~= nil end

--- os.Expand with a mapping function.
local function expand(s, mapping)
  local out, i, j, n = {}, 1, 1, #s
  while j <= n do
    if s:sub(j, j) == "$" and j < n then
      out[#out + 1] = s:sub(i, j - 1)
      local rest = s:sub(j + 1)
      local name, w
      local c = rest:sub(1, 1)
      if c == "{" then
        if #rest > 2 and is_special(rest:sub(2, 2)) and rest:sub(3, 3) == "}" then
          name, w = rest:sub(2, 2), 3
        else
          local close = rest:find("}", 2, true)
          if not close then name, w = "", 1
          elseif close == 2 then name, w = "", 2
          else name, w = rest:sub(2, close - 1), close end
        end
      elseif is_special(c) then
        name, w = c, 1
      else
        local k = 1
        while k <= #rest and is_name_byte(rest:sub(k, k)) do k = k + 1 end
        name, w = rest:sub(1, k - 1), k - 1
      end
      if name == "" and w > 0 then
        -- invalid syntax: eaten
      elseif name == "" then
        out[#out + 1] = "$"
      else
        out[#out + 1] = mapping(name)
      end
      j = j + w
      i = j + 1
    end
    j = j + 1
  end
  out[#out + 1] = s:sub(i)
  return concat(out)
end
M.expand = expand

local function getenv(name) return os.getenv(name) or "" end

-- A parsed URL as Sprig's urlParse returns it.
local function url_parse(s)
  local rest = s
  local u = { scheme = "", opaque = "", userinfo = "", host = "", path = "", query = "", fragment = "" }
  local hash = rest:find("#", 1, true)
  if hash then u.fragment = rest:sub(hash + 1) rest = rest:sub(1, hash - 1) end
  local scheme, after = rest:match("^([%a][%w+%-.]*):(.*)$")
  if scheme then u.scheme = scheme:lower() rest = after end
  local q = rest:find("?", 1, true)
  if q then u.query = rest:sub(q + 1) rest = rest:sub(1, q - 1) end
  if scheme and rest:sub(1, 1) ~= "/" then
    u.opaque = rest
    return u
  end
  if rest:sub(1, 2) == "//" then
    local authority, path = rest:sub(3):match("^([^/]*)(.*)$")
    local at = authority:find("@[^@]*$")
    if at then
      u.userinfo = authority:sub(1, at - 1)
      authority = authority:sub(at + 1)
    end
    u.host = authority
    rest = path
  end
  u.path = rest:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)
  return u
end

local function hostname(host)
  if host:sub(1, 1) == "[" then return host:match("^%[([^%]]*)%]") or host end
  return (host:gsub(":%d*$", ""))
end

local function url_escape_path(p)
  return (p:gsub("[^%w%-%._~/!$&'()*+,;=:@]", function(c) return fmt("%%%02X", c:byte()) end))
end

local function typed_bool(fn)
  return function(target, v) return fn(str(target), v) end
end

M.funcs = {
  typeOf = function(v) return go_type(v) end,
  typeIs = typed_bool(function(target, v) return target == go_type(v) end),
  typeIsLike = typed_bool(function(target, v)
    local t = go_type(v)
    return target == t or "*" .. target == t
  end),
  kindOf = function(v) return go_kind(v) end,
  kindIs = typed_bool(function(target, v) return target == go_kind(v) end),
  deepEqual = function(a, b)
    if is_nil(a) and is_nil(b) then return true end
    return value.equal(a, b)
  end,

  b64enc = function(s) return encoding.b64encode(str(s)) end,
  b64dec = function(s)
    local r, err = encoding.b64decode(str(s))
    return r or err
  end,
  b32enc = function(s) return encoding.b32encode(str(s)) end,
  b32dec = function(s)
    local r, err = encoding.b32decode(str(s))
    return r or err
  end,

  base = function(p) return base(str(p)) end,
  dir = function(p) return dir(str(p)) end,
  clean = function(p) return clean(str(p)) end,
  ext = function(p) return ext(str(p)) end,
  isAbs = function(p) return str(p):sub(1, 1) == "/" end,

  env = function(name) return getenv(str(name)) end,
  expandenv = function(s) return expand(str(s), getenv) end,
  fail = function(msg) error(str(msg), 0) end,

  uuidv4 = function()
    local b = { util.random_bytes(16):byte(1, 16) }
    b[7] = b[7] % 16 + 0x40
    b[9] = b[9] % 64 + 0x80
    local h = {}
    for i = 1, 16 do h[i] = fmt("%02x", b[i]) end
    return concat(h, "", 1, 4) .. "-" .. concat(h, "", 5, 6) .. "-" .. concat(h, "", 7, 8) .. "-"
      .. concat(h, "", 9, 10) .. "-" .. concat(h, "", 11, 16)
  end,

  urlParse = function(s)
    local u = url_parse(str(s))
    local m = util.map()
    m.fragment, m.host, m.hostname, m.opaque = u.fragment, u.host, hostname(u.host), u.opaque
    m.path, m.query, m.scheme, m.userinfo = u.path, u.query, u.scheme, u.userinfo
    return m
  end,
  urlJoin = function(d)
    d = require("hfl.stdlib.collections").map_arg(d) or {}
    local function field(k)
      local v = d[k]
      if v == nil or is_nil(v) then return "" end
      if type(v) ~= "string" then
        error(fmt("unable to parse %s field: %s", k, "expected string"), 0)
      end
      return v
    end
    local out = {}
    local scheme, host, userinfo, opaque = field("scheme"), field("host"), field("userinfo"), field("opaque")
    local path, query, fragment = field("path"), field("query"), field("fragment")
    if scheme ~= "" then out[#out + 1] = scheme .. ":" end
    if opaque ~= "" then
      out[#out + 1] = opaque
    else
      if scheme ~= "" or host ~= "" or userinfo ~= "" then
        if host ~= "" or path ~= "" or userinfo ~= "" then out[#out + 1] = "//" end
        if userinfo ~= "" then out[#out + 1] = userinfo .. "@" end
        out[#out + 1] = host
      end
      if path ~= "" and path:sub(1, 1) ~= "/" and host ~= "" then out[#out + 1] = "/" end
      out[#out + 1] = url_escape_path(path)
    end
    if query ~= "" then out[#out + 1] = "?" .. query end
    if fragment ~= "" then out[#out + 1] = "#" .. fragment end
    return concat(out)
  end,
}

local F = M.funcs
F.osBase, F.osDir, F.osClean, F.osExt, F.osIsAbs = F.base, F.dir, F.clean, F.ext, F.isAbs

return M
