--- Files for the state loader: paths (Go's filepath rules), globs (Go's filepath.Glob: `*`
--- matches a leading dot, results sorted bytewise), reading, and Helmfile's lookup of the
--- state files to load (`-f FILE|DIR`, HELMFILE_FILE_PATH, helmfile.yaml(.gotmpl),
--- helmfile.d/, plus hfl's helmfile.lua and helmfile.d/*.lua).
local ffi = require "ffi"
local log = require "hfl.log"

local M = {}

pcall(ffi.cdef, [[
typedef struct {
  size_t gl_pathc; char **gl_pathv; size_t gl_offs; int gl_flags;
  void *gl_closedir; void *gl_readdir; void *gl_opendir; void *gl_lstat; void *gl_stat;
} hfl_state_glob_t;
int glob(const char *pattern, int flags, void *errfunc, hfl_state_glob_t *pglob);
void globfree(hfl_state_glob_t *pglob);
char *getcwd(char *buf, size_t size);
]])

local GLOB_PERIOD, GLOB_NOMATCH = 128, 3

--- Go's filepath.Clean.
---@param p string
---@return string
function M.clean(p)
  if p == "" then return "." end
  local rooted = p:sub(1, 1) == "/"
  local parts = {}
  for seg in p:gmatch("[^/]+") do
    if seg == ".." then
      if #parts > 0 and parts[#parts] ~= ".." then
        parts[#parts] = nil
      elseif not rooted then
        parts[#parts + 1] = ".."
      end
    elseif seg ~= "." then
      parts[#parts + 1] = seg
    end
  end
  local out = table.concat(parts, "/")
  if rooted then out = "/" .. out end
  return out == "" and "." or out
end

function M.is_abs(p) return p:sub(1, 1) == "/" end

--- p resolved against dir (p itself when absolute), cleaned.
function M.join(dir, p)
  if M.is_abs(p) or not dir or dir == "" then return M.clean(p) end
  return M.clean(dir .. "/" .. p)
end

function M.dirname(p)
  local d = p:match("^(.*)/[^/]*$")
  if d == nil then return "." end
  if d == "" then return "/" end
  return d
end

function M.basename(p) return p:match("([^/]*)$") end

--- The last extension with its dot ("" when none), as filepath.Ext.
function M.ext(p) return M.basename(p):match("(%.[^.]*)$") or "" end

--- The current directory.
function M.cwd()
  local buf = ffi.new("char[?]", 4096)
  local r = ffi.C.getcwd(buf, 4096)
  if r == nil then return os.getenv("PWD") or "." end
  return ffi.string(buf)
end

--- "file", "dir" or nil (missing / unreadable).
function M.kind(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local data, _, code = f:read(1)
  f:close()
  if data == nil and code == 21 then return "dir" end
  return "file"
end

--- The whole file, or nil and "open PATH: reason".
function M.read(path)
  local f, err = io.open(path, "rb")
  if not f then
    local why = (err or ""):match(": ([^:]+)$") or "no such file or directory"
    return nil, "open " .. path .. ": " .. why:lower()
  end
  local s = f:read("*a")
  f:close()
  if s == nil then return nil, "read " .. path .. ": is a directory" end
  return s
end

--- Paths matching a glob pattern, sorted bytewise (Go's sort.Strings); {} when none.
---@param pattern string
---@return string[]
function M.glob(pattern)
  local g = ffi.new("hfl_state_glob_t")
  local rc = ffi.C.glob(pattern, GLOB_PERIOD, nil, g)
  local out = {}
  if rc == 0 then
    for i = 0, tonumber(g.gl_pathc) - 1 do
      local p = ffi.string(g.gl_pathv[i])
      local b = M.basename(p)
      if b ~= "." and b ~= ".." then out[#out + 1] = p end
    end
  end
  if rc ~= GLOB_NOMATCH then ffi.C.globfree(g) end
  table.sort(out)
  return out
end

--- Whether a pattern has glob metacharacters.
function M.has_meta(p) return p:find("[%*%?%[\\]") ~= nil end

--- How a path is shown in messages: relative to cwd when below it.
function M.display(path, cwd)
  if cwd and path == cwd then return "." end
  if cwd and cwd ~= "/" and path:sub(1, #cwd + 1) == cwd .. "/" then return path:sub(#cwd + 2) end
  return path
end

local YAML_DEFAULT, GOTMPL_DEFAULT, LUA_DEFAULT, DIR_DEFAULT =
  "helmfile.yaml", "helmfile.yaml.gotmpl", "helmfile.lua", "helmfile.d"

--- The state files of a directory: *.y*ml, *.y*ml.gotmpl and *.lua, sorted (reversed for
--- destroy).
function M.dir_states(dir, reverse)
  local files = {}
  for _, pat in ipairs { "/*.y*ml", "/*.y*ml.gotmpl", "/*.lua" } do
    for _, p in ipairs(M.glob(dir .. pat)) do
      if M.kind(p) == "file" then files[#files + 1] = p end
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
---@return string[]|nil files, string|nil err
function M.find_states(opts)
  local cwd = opts.cwd
  local spec = opts.file
  if spec == nil or spec == "" then spec = os.getenv("HELMFILE_FILE_PATH") end
  if spec == "-" then return nil, "reading a state from stdin (-f -) is not supported yet" end
  if spec and spec ~= "" then
    if spec:match("^%a[%w+.-]*::") or spec:match("^%a[%w+.-]*://") then
      return nil, "remote state files are not supported yet: " .. spec
    end
    local abs = M.join(cwd, spec)
    local k = M.kind(abs)
    if k == "file" then return { abs } end
    if k == "dir" then return M.dir_states(abs, opts.reverse) end
    return nil, ("specified state file %s is not found"):format(spec)
  end
  local function exists(name) return M.kind(M.join(cwd, name)) == "file" end
  local has_yaml, has_gotmpl, has_lua = exists(YAML_DEFAULT), exists(GOTMPL_DEFAULT), exists(LUA_DEFAULT)
  if has_yaml and has_gotmpl then
    return nil, ("both %s and %s.gotmpl exist. Please remove one of them"):format(YAML_DEFAULT, YAML_DEFAULT)
  end
  local default = has_yaml and YAML_DEFAULT or has_gotmpl and GOTMPL_DEFAULT or nil
  if default and has_lua then
    -- hfl reads the same tree as Helmfile would: the YAML default wins, and says so
    log.warn("%s", ("both %s and %s exist; using %s"):format(default, LUA_DEFAULT, default))
  end
  default = default or (has_lua and LUA_DEFAULT) or nil
  if M.kind(M.join(cwd, DIR_DEFAULT)) == "dir" then
    if default then
      -- Helmfile's text, spelling included
      return nil, ("configuration conlict error: you can have either %s or %s, but not both")
        :format(default, DIR_DEFAULT)
    end
    return M.dir_states(M.join(cwd, DIR_DEFAULT), opts.reverse)
  end
  if default then return { M.join(cwd, default) } end
  return nil, ("no state file found. It must be named %s/*.{yaml,yml,yaml.gotmpl,yml.gotmpl,lua}, %s, %s, "
    .. "or %s, otherwise specified with the --file flag or %s environment variable")
    :format(DIR_DEFAULT, YAML_DEFAULT, GOTMPL_DEFAULT, LUA_DEFAULT, "HELMFILE_FILE_PATH")
end

return M
