--- Helm 3's `--post-renderer` (pkg/postrender/exec.go): an executable found as exec.LookPath
--- finds it, run by its absolute path with the --post-renderer-args, the rendered manifests
--- (CRDs and manifests, not hooks) on its stdin, its stdout the new manifests.
---
--- Helm 4 runs post-renderers as plugins of its own plugin system and re-serialises the
--- documents through kyaml around them: not reproduced here, left to helm.
local fs = require "hfl.fs"
local proc = require "hfl.proc"

local M = {}

local fmt = string.format

-- findExecutable: not a directory, and executable for this process (access X_OK).
local executable = fs.is_executable

--- exec.LookPath and filepath.Abs: the absolute path helm runs, or nil, reason.
---@param name string
---@return string|nil path, string|nil reason
function M.find(name)
  if name:find("/", 1, true) then
    if not executable(name) then return nil, fmt("post-renderer %s is not an executable file", name) end
    return fs.abs(name)
  end
  for dir in ((os.getenv("PATH") or "") .. ":"):gmatch("([^:]*):") do
    -- Go refuses a match through a relative PATH entry (exec.ErrDot)
    if dir ~= "" and fs.is_abs(dir) then
      local p = dir .. "/" .. name
      if executable(p) then return fs.clean(p) end
    elseif executable((dir == "" and "." or dir) .. "/" .. name) then
      return nil, fmt("post-renderer %s found through a relative $PATH entry", name)
    end
  end
  return nil, fmt("post-renderer %s not found in $PATH", name)
end

--- A function running the post-renderer on a text: its stdout, or nil, reason (it failed:
--- helm, run instead, reports it its own way).
---@param path string  from M.find
---@param args string[]
---@return fun(text: string): string|nil, string|nil
function M.runner(path, args)
  return function(text)
    local argv = { path, stdin = text, max_output = proc.MAX_OUTPUT }
    for _, a in ipairs(args) do argv[#argv + 1] = a end
    local res, err = proc.run(argv)
    if not res then return nil, "post-renderer: " .. tostring(err) end
    if res.code ~= 0 or res.signal or res.truncated then
      return nil, fmt("post-renderer %s failed (exit %s)", path, tostring(res.code or res.signal))
    end
    return res.stdout or ""
  end
end

return M
