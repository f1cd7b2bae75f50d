--- Files for the state loader: Helmfile's lookup of the state files to load (`-f FILE|DIR`,
--- HELMFILE_FILE_PATH, helmfile.yaml(.gotmpl), helmfile.d/, plus hfl's helmfile.lua and
--- helmfile.d/*.lua), and remote (go-getter) state and values files. Paths and reads are
--- hfl.fs's.
local fs = require "hfl.fs"

local M = {}

--- How a path is shown in messages: relative to cwd when below it.
function M.display(path, cwd)
  if cwd and path == cwd then return "." end
  if cwd and cwd ~= "/" and path:sub(1, #cwd + 1) == cwd .. "/" then return path:sub(#cwd + 2) end
  return path
end

------------------------------------------------------------------------------------------
-- Remote files (go-getter sources, Helmfile's pkg/remote): `git::https://host/org/repo.git@
-- path/file.yaml?ref=v1`, `git::file:///abs/repo@dir?ref=main`, fetched into hfl's cache.

--- Whether a path is a go-getter source as Helmfile's remote.IsRemote sees it: `getter::scheme://…`,
--- or `http(s)://…` / `s3://…`. Absolute paths and plain relative paths are local.
---@param p string
---@return boolean
function M.is_remote(p)
  if type(p) ~= "string" or fs.is_abs(p) then return false end
  if p:match("^%a[%w]*::%a[%w+.-]*://") then return true end
  local scheme = p:match("^(%a[%w+.-]*)://")
  scheme = scheme and scheme:lower()
  return scheme == "http" or scheme == "https" or scheme == "s3"
end

--- Whether a fetch error says the ref does not exist (what missingFileHandlerConfig.
--- ignoreMissingGitBranch lets pass as a missing file).
---@param err string
---@return boolean
function M.is_missing_ref(err)
  return type(err) == "string" and (err:find("no branch, tag or commit named", 1, true) ~= nil
    or err:find("' did not match any file(s) known to git", 1, true) ~= nil)
end

--- Fetches a remote source (git:: only) into the cache (once per `memo` table, e.g. per load).
--- Returns {path=, root=, commit=, source=} (path may not exist: the repository has no such
--- file), or nil and "fetch SOURCE: reason".
---@param src string
---@param memo table|nil  source → result
---@param session hfl.Session
---@return table|nil fetched, string|nil err
function M.fetch_remote(src, memo, session)
  if not session then error("hfl.state.files.fetch_remote: a session is required", 2) end
  if memo and memo[src] then return memo[src] end
  local insecure = os.getenv("HELMFILE_DISABLE_INSECURE_FEATURES")
  if insecure == "1" or insecure == "t" or insecure == "T" or insecure == "true" or insecure == "TRUE"
    or insecure == "True" then
    return nil, ("fetch %s: remote sources are disabled due to 'HELMFILE_DISABLE_INSECURE_FEATURES'"):format(src)
  end
  local getter = src:match("^(%a[%w]*)::")
  if getter ~= "git" then
    return nil, ("fetch %s: only git:: sources are supported for remote state and values files"):format(src)
  end
  local r, err = require("hfl.charts.git").fetch(src, { session = session })
  if not r then
    -- git's message names the repository; the source adds the path in it and the ref
    return nil, ("fetch %s: %s"):format(src, tostring(err))
  end
  session.log.debug("%s", ("fetched remote %q to local cache %q (commit %s)"):format(src, r.path, tostring(r.commit):sub(1, 12)))
  if memo then memo[src] = r end
  return r
end

--- How a file of a fetched checkout is named in messages: the source itself, or the same
--- repository and ref with the file's path in the repository after `@`. nil when `path` is not
--- in the checkout.
---@param r table  from fetch_remote
---@param path string
---@return string|nil
function M.remote_name(r, path)
  if path == r.path then return r.source end
  if path:sub(1, #r.root + 1) ~= r.root .. "/" then return nil end
  local s = require("hfl.charts.git").parse(r.source)
  if not s then return nil end
  local getter = s.getter ~= "normal" and (s.getter .. "::") or ""
  return getter .. s.repo_url .. "@" .. path:sub(#r.root + 2) .. (s.raw_query ~= "" and ("?" .. s.raw_query) or "")
end

local YAML_DEFAULT, GOTMPL_DEFAULT, LUA_DEFAULT, DIR_DEFAULT =
  "helmfile.yaml", "helmfile.yaml.gotmpl", "helmfile.lua", "helmfile.d"

--- The state files of a directory: *.y*ml, *.y*ml.gotmpl and *.lua, sorted (reversed for
--- destroy).
function M.dir_states(dir, reverse)
  local files = {}
  for _, pat in ipairs { "/*.y*ml", "/*.y*ml.gotmpl", "/*.lua" } do
    for _, p in ipairs(fs.glob(dir .. pat)) do
      if fs.kind(p) == "file" then files[#files + 1] = p end
    end
  end
  table.sort(files)
  if reverse then
    local r = {}
    for i = #files, 1, -1 do r[#r + 1] = files[i] end
    files = r
  end
  return files
end

--- The state files to load, as absolute paths (Helmfile's findDesiredStateFiles).
---@param opts {file?: string, cwd: string, reverse?: boolean}
--- For a remote `-f` source, `names` maps each file to how it is shown (its source).
---@return string[]|nil files, string|nil err, table|nil names
function M.find_states(opts)
  local cwd = opts.cwd
  local spec = opts.file
  if spec == nil or spec == "" then spec = os.getenv("HELMFILE_FILE_PATH") end
  if spec == "-" then return nil, "reading a state from stdin (-f -) is not supported yet" end
  if spec and spec ~= "" then
    local abs = fs.join(cwd, spec)
    if M.is_remote(spec) and not fs.kind(abs) then
      -- Helmfile's Locate: a local file or directory of that name wins
      local r, err = M.fetch_remote(spec, opts.fetched, opts.session)
      if not r then return nil, err end
      local names = {}
      local k = fs.kind(r.path)
      if k == "file" then
        names[r.path] = spec
        return { r.path }, nil, names
      end
      if k == "dir" then
        local list = M.dir_states(r.path, opts.reverse)
        for _, p in ipairs(list) do names[p] = M.remote_name(r, p) end
        return list, nil, names
      end
      return nil, ("specified state file %s is not found (commit %s)"):format(spec, tostring(r.commit):sub(1, 12))
    end
    local k = fs.kind(abs)
    if k == "file" then return { abs } end
    if k == "dir" then return M.dir_states(abs, opts.reverse) end
    return nil, ("specified state file %s is not found"):format(spec)
  end
  local function exists(name) return fs.kind(fs.join(cwd, name)) == "file" end
  local has_yaml, has_gotmpl, has_lua = exists(YAML_DEFAULT), exists(GOTMPL_DEFAULT), exists(LUA_DEFAULT)
  if has_yaml and has_gotmpl then
    return nil, ("both %s and %s.gotmpl exist. Please remove one of them"):format(YAML_DEFAULT, YAML_DEFAULT)
  end
  local default = has_yaml and YAML_DEFAULT or has_gotmpl and GOTMPL_DEFAULT or nil
  if default and has_lua then
    -- hfl reads the same tree as Helmfile would: the YAML default wins, and says so
    opts.session.log.warn("%s", ("both %s and %s exist; using %s"):format(default, LUA_DEFAULT, default))
  end
  default = default or (has_lua and LUA_DEFAULT) or nil
  if fs.kind(fs.join(cwd, DIR_DEFAULT)) == "dir" then
    if default then
      -- Helmfile's text, spelling included
      return nil, ("configuration conlict error: you can have either %s or %s, but not both")
        :format(default, DIR_DEFAULT)
    end
    return M.dir_states(fs.join(cwd, DIR_DEFAULT), opts.reverse)
  end
  if default then return { fs.join(cwd, default) } end
  return nil, ("no state file found. It must be named %s/*.{yaml,yml,yaml.gotmpl,yml.gotmpl,lua}, %s, %s, "
    .. "or %s, otherwise specified with the --file flag or %s environment variable")
    :format(DIR_DEFAULT, YAML_DEFAULT, GOTMPL_DEFAULT, LUA_DEFAULT, "HELMFILE_FILE_PATH")
end

return M
