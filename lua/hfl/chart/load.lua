--- Loads a chart as Helm's loader does: a directory (filtered by .helmignore) or a .tgz,
--- Chart.yaml (apiVersion v1 with requirements.yaml, or v2), values.yaml, templates/,
--- crds/ and every other file as .Files, subcharts from charts/ (directories and archives).
---
---   local chart, err = require("hfl.chart.load").load(path)
---   chart = { metadata =, values =, templates = { {name=, data=} }, files = { {name=, data=} },
---             dependencies = { chart… }, parent =, schema = text|nil, lock = … }
--- A chart this loader cannot read exactly as Helm does returns nil, err, "unsupported".
local fs = require "hfl.fs"
local value = require "hfl.value"
local hyaml = require "hfl.chart.yaml"

local M = {}

local fmt = string.format

-- Go's filepath.Match on one path (no "/" crossing), as a Lua pattern.
local function glob_to_pattern(glob)
  local out, i, n = { "^" }, 1, #glob
  while i <= n do
    local c = glob:sub(i, i)
    if c == "*" then
      out[#out + 1] = "[^/]*"
    elseif c == "?" then
      out[#out + 1] = "[^/]"
    elseif c == "[" then
      local j = glob:find("]", i + 1, true)
      if not j then return nil end
      -- Go negates a class with "^" only; "%" is Lua's escape
      local class = glob:sub(i + 1, j - 1):gsub("%%", "%%%%")
      out[#out + 1] = "[" .. class .. "]"
      i = j
    elseif c == "\\" and i < n then
      i = i + 1
      out[#out + 1] = "%" .. glob:sub(i, i)
    elseif c:match("%p") then
      out[#out + 1] = "%" .. c
    else
      out[#out + 1] = c
    end
    i = i + 1
  end
  out[#out + 1] = "$"
  return table.concat(out)
end
M.glob_to_pattern = glob_to_pattern

-- .helmignore rules (Helm's pkg/ignore): one pattern a line, "#" comments, "!" negates, a
-- trailing "/" matches directories only, a pattern without "/" matches the base name, one
-- starting with "/" the path from the chart root. Helm appends "templates/.?*".
local function parse_helmignore(text)
  local rules = {}
  local function add(line)
    line = line:gsub("^%s+", ""):gsub("%s+$", "")
    if line == "" or line:sub(1, 1) == "#" then return true end
    if line:find("**", 1, true) then return nil, "double-star (**) syntax is not supported" end
    local rule = { negate = false, dir_only = false }
    if line:sub(1, 1) == "!" then rule.negate, line = true, line:sub(2) end
    if line:sub(-1) == "/" then rule.dir_only, line = true, line:sub(1, -2) end
    rule.base_only = not line:find("/", 1, true)
    line = line:gsub("^/", "")
    rule.pattern = glob_to_pattern(line)
    if not rule.pattern then return nil, "syntax error in pattern " .. line end
    rules[#rules + 1] = rule
    return true
  end
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    local ok, err = add(line)
    if not ok then return nil, err end
  end
  add("templates/.?*")
  return rules
end

-- Whether rel (a path relative to the chart) is ignored, rule by rule as Helm's
-- Rules.Ignore decides: the first positive match ignores; a negated rule that does not
-- match ignores too.
local function ignored(rules, rel, is_dir)
  if rel == "." or rel == "" then return false end
  local base = rel:match("([^/]*)$")
  for _, r in ipairs(rules) do
    local subject = r.base_only and base or rel
    if r.negate then
      if r.dir_only and not is_dir then return true end
      if not subject:match(r.pattern) then return true end
    elseif not (r.dir_only and not is_dir) and subject:match(r.pattern) then
      return true
    end
  end
  return false
end

-- Every file under dir, relative, lexical walk order (filepath.Walk), .helmignore applied.
local function walk(dir, rules)
  local files = {}
  local function visit(rel)
    local abs = rel == "" and dir or dir .. "/" .. rel
    local names, err = fs.list(abs)
    if not names then return nil, err end
    for _, name in ipairs(names) do
      local r = rel == "" and name or rel .. "/" .. name
      local p = abs .. "/" .. name
      local k = fs.kind(p)
      if k == "dir" then
        if not (rules and ignored(rules, r, true)) then
          local ok, werr = visit(r)
          if not ok then return nil, werr end
        end
      elseif k == "file" then
        if not (rules and ignored(rules, r, false)) then
          local data, rerr = fs.read(p)
          if not data then return nil, rerr end
          if data:sub(1, 3) == "\239\187\191" then data = data:sub(4) end
          files[#files + 1] = { name = r, data = data }
        end
      else
        return nil, "a broken link or unreadable file: " .. p
      end
    end
    return true
  end
  local ok, err = visit("")
  if not ok then return nil, err end
  return files
end

local STRING_FIELDS = { "name", "home", "version", "description", "icon", "apiVersion", "condition",
  "tags", "appVersion", "kubeVersion", "type" }

local function unsupported(msg) return nil, msg, "unsupported" end

-- Helm's sanitizeString: unicode.IsSpace → " ", !unicode.IsPrint → dropped. Non-ASCII white
-- space and invisible format characters are not modelled: nil, why for them.
local function sanitize(str)
  if str:find("\194[\133\160]") or str:find("\225\154\128") or str:find("\226\128[\128-\143\168-\175]")
    or str:find("\226\129[\159-\175]") or str:find("\227\128\128") or str:find("\239\187\191") then
    return nil, "holds unicode white space or format characters"
  end
  return (str:gsub("[\t\n\v\f\r]", " "):gsub("[%c]", ""))
end

-- Chart.yaml as chart.Metadata: only the shapes Helm reads without error.
local function metadata(text, where)
  local md, err = hyaml.decode(text, { filename = where })
  if err then return unsupported(fmt("%s: %s", where, err)) end
  if value.kind(md) ~= "map" then return unsupported(where .. ": not a map") end
  for _, f in ipairs(STRING_FIELDS) do
    local v = md[f]
    if v == value.null then md[f] = nil
    elseif v ~= nil and type(v) ~= "string" then
      return unsupported(fmt("%s: %s is not a string", where, f))
    end
  end
  if not md.name or md.name == "" then return unsupported(where .. ": chart name is missing") end
  if not md.version then return unsupported(where .. ": chart version is missing") end
  if md.apiVersion ~= "v1" and md.apiVersion ~= "v2" then
    return unsupported(fmt("%s: apiVersion %s", where, tostring(md.apiVersion)))
  end
  -- Metadata.Validate's sanitizeString: white space becomes " ", other control characters go
  for _, f in ipairs { "name", "description", "home", "icon", "condition", "tags", "appVersion", "kubeVersion" } do
    if md[f] then
      local clean, why = sanitize(md[f])
      if not clean then return unsupported(fmt("%s: %s %s", where, f, why)) end
      md[f] = clean
    end
  end
  if md.version:find("%c") then return unsupported(where .. ": a control character in the version") end
  if md.name:find("/", 1, true) then return unsupported(where .. ": chart name with a slash") end
  if not require("hfl.semver").parse(md.version) then
    return unsupported(fmt("%s: version %s is not semantic", where, md.version))
  end
  if md.type and md.type ~= "" and md.type ~= "application" and md.type ~= "library" then
    return unsupported(where .. ": chart type " .. md.type)
  end
  for _, list in ipairs { "maintainers", "sources", "keywords" } do
    local l = md[list]
    if l ~= nil and l ~= value.null then
      if value.kind(l) ~= "list" then return unsupported(fmt("%s: %s is not a list", where, list)) end
      for _, m in ipairs(l) do
        local want = list == "maintainers" and "map" or "string"
        if value.kind(m) ~= want then return unsupported(fmt("%s: an entry of %s", where, list)) end
        if want == "string" and not sanitize(m) then return unsupported(fmt("%s: an entry of %s", where, list)) end
      end
    end
  end
  return md
end

local function dependencies_of(doc, where)
  local deps = doc and doc.dependencies
  if deps == nil or deps == value.null then return nil end
  if value.kind(deps) ~= "list" then return unsupported(where .. ": dependencies is not a list") end
  local seen = {}
  for _, d in ipairs(deps) do
    if value.kind(d) ~= "map" then return unsupported(where .. ": a dependency is not a map") end
    local key = (type(d.alias) == "string" and d.alias ~= "") and d.alias or d.name
    if type(d.alias) == "string" and d.alias ~= "" and not d.alias:match("^[%w_-]+$") then
      return unsupported(where .. ": a dependency alias with disallowed characters")
    end
    if seen[tostring(key)] then return unsupported(where .. ": two dependencies named " .. tostring(key)) end
    seen[tostring(key)] = true
    for _, f in ipairs { "name", "version", "repository", "condition", "alias" } do
      if d[f] == value.null then d[f] = nil end
      if d[f] ~= nil and type(d[f]) ~= "string" then
        return unsupported(fmt("%s: dependency %s is not a string", where, f))
      end
    end
  end
  return deps
end

local load_files

-- fs.rm_r removes only what lies strictly inside its root: the root is the temp dir's parent.
local function remove_tmp(tmp)
  local ok, err = fs.rm_r(tmp, fs.dirname(tmp))
  if not ok then error(("cannot remove %s: %s"):format(tmp, tostring(err)), 2) end
end

local function extract_archive(path)
  local tmp, err = fs.mkdtemp((fs.tmpdir()) .. "/hfl-chart-XXXXXX")
  if not tmp then return nil, err end
  local ok, xerr = require("hfl.archive").extract(path, tmp)
  if not ok then
    remove_tmp(tmp)
    return nil, xerr
  end
  local names = fs.list(tmp) or {}
  local top
  for _, n in ipairs(names) do
    if fs.kind(tmp .. "/" .. n) == "dir" then
      if top then
        remove_tmp(tmp)
        return unsupported(path .. ": archive holds more than one directory")
      end
      top = n
    end
  end
  if not top then
    remove_tmp(tmp)
    return unsupported(path .. ": archive holds no chart directory")
  end
  local files, werr = walk(tmp .. "/" .. top, nil)
  remove_tmp(tmp)
  if not files then return nil, werr end
  return files
end

-- A chart from its files (names relative to the chart root). where names it in messages.
function load_files(files, where)
  local c = { templates = {}, files = {}, dependencies = {}, crds = {}, where = where }
  local sub_files, sub_order = {}, {}
  local chart_yaml, requirements
  for _, f in ipairs(files) do
    local name = f.name
    if name == "Chart.yaml" then
      chart_yaml = f.data
    elseif name == "Chart.lock" or name == "requirements.lock" then
      c.lock = f.data
    elseif name == "values.yaml" then
      c.values_text = f.data
    elseif name == "values.schema.json" then
      c.schema = f.data
    elseif name == "requirements.yaml" then
      requirements = f.data
    elseif name:sub(1, 10) == "templates/" then
      c.templates[#c.templates + 1] = f
    elseif name:sub(1, 7) == "charts/" and not name:match("%.prov$") then
      local rest = name:sub(8)
      local cname, inner = rest:match("^([^/]+)/?(.*)$")
      if not sub_files[cname] then
        sub_files[cname] = {}
        sub_order[#sub_order + 1] = cname
      end
      sub_files[cname][#sub_files[cname] + 1] = { name = inner, data = f.data, whole = inner == "" }
    else
      c.files[#c.files + 1] = f
    end
  end
  if not chart_yaml then return unsupported(where .. ": Chart.yaml file is missing") end
  local md, err, code = metadata(chart_yaml, where .. "/Chart.yaml")
  if not md then return nil, err, code end
  c.metadata = md
  if md.apiVersion == "v1" and requirements then
    local req, rerr = hyaml.decode(requirements, { filename = where .. "/requirements.yaml" })
    if rerr then return unsupported(rerr) end
    local deps, derr, dcode = dependencies_of(req, where .. "/requirements.yaml")
    if derr then return nil, derr, dcode end
    md.dependencies = deps
  elseif requirements then
    -- a v2 chart's requirements.yaml is an ordinary file
    c.files[#c.files + 1] = { name = "requirements.yaml", data = requirements }
  end
  if md.apiVersion == "v2" then
    local deps, derr, dcode = dependencies_of(md, where .. "/Chart.yaml")
    if derr then return nil, derr, dcode end
    md.dependencies = deps
  end
  if c.values_text then
    local vals, verr = hyaml.decode(c.values_text, { filename = where .. "/values.yaml" })
    if verr then return unsupported(verr) end
    if vals == nil or vals == value.null then vals = value.map() end
    if value.kind(vals) ~= "map" then return unsupported(where .. "/values.yaml: not a map") end
    c.values = vals
  else
    c.values = value.map()
  end
  for _, f in ipairs(c.files) do
    if f.name:sub(1, 5) == "crds/" and (f.name:match("%.yaml$") or f.name:match("%.yml$") or f.name:match("%.json$")) then
      c.crds[#c.crds + 1] = f
    end
  end
  for _, cname in ipairs(sub_order) do
    local list = sub_files[cname]
    local sub, serr, scode
    if #list == 1 and list[1].whole then
      if not cname:match("%.tgz$") and not cname:match("%.tar%.gz$") then
        -- a stray file in charts/: Helm fails on it
        return unsupported(fmt("%s/charts/%s: not a chart archive", where, cname))
      end
      local tmp, terr = fs.mkdtemp((fs.tmpdir()) .. "/hfl-sub-XXXXXX")
      if not tmp then return nil, terr end
      local p = tmp .. "/" .. cname
      local ok, werr = fs.write_atomic(p, list[1].data)
      if not ok then
        remove_tmp(tmp)
        return nil, werr
      end
      local sfiles, xerr, xcode = extract_archive(p)
      remove_tmp(tmp)
      if not sfiles then return nil, xerr, xcode end
      sub, serr, scode = load_files(sfiles, fmt("%s/charts/%s", where, cname))
    else
      sub, serr, scode = load_files(list, fmt("%s/charts/%s", where, cname))
    end
    if not sub then return nil, serr, scode end
    sub.parent = c
    c.dependencies[#c.dependencies + 1] = sub
  end
  return c
end

--- Loads a chart directory or archive.
---@param path string
---@return table|nil chart, string|nil err, string|nil code  code "unsupported" when Helm would read it differently or fail its own way
function M.load(path)
  local k = fs.kind(path)
  local files, err, code
  if k == "dir" then
    local rules
    local ignore = fs.read(path .. "/.helmignore")
    local rerr
    rules, rerr = parse_helmignore(ignore or "")
    if not rules then return unsupported(path .. "/.helmignore: " .. rerr) end
    files, err = walk(path, rules)
  elseif k == "file" then
    files, err, code = extract_archive(path)
  else
    return unsupported(path .. ": no such chart")
  end
  if not files then return nil, err, code end
  return load_files(files, fs.basename(path))
end

M._ignored, M._parse_helmignore = ignored, parse_helmignore

return M
