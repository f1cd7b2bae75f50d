--- The built `hfl` binary seen from the specs: every spec that runs it goes through here.
---
---   local hflrun = require "spec.support.hflrun"
---   local code, out, err = hflrun.run({ "-e", "prod", "list" }, { cwd = dir })
---
--- The binary is $HFL_BIN (spec/support/run-specs.sh sets it: ./hfl, or ./hfl-asan under
--- `make asan`), made absolute so `cwd` can be anywhere. The child gets the spec process's
--- environment without the HELMFILE_* and NO_COLOR variables a developer's shell may hold (they
--- would change what hfl prints), plus opts.env.
local proc = require "hfl.proc"

local M = {}

--- Seconds a run may take before it is killed and the spec fails with a clear message.
M.TIMEOUT = 300

-- Every variable hfl reads as a default for a flag (lua/hfl/cli/global.lua), NO_COLOR, and
-- the hook switches (HELMFILE_DISABLE_HOOKS, HFL_HOOK_TIMEOUT).
local CLEARED = {
  "HELMFILE_DISABLE_HOOKS", "HFL_HOOK_TIMEOUT",
  "HELMFILE_DEBUG", "HELMFILE_ENVIRONMENT", "HELMFILE_FILE_PATH", "HELMFILE_HELM_BINARY",
  "HELMFILE_INTERACTIVE", "HELMFILE_KUBE_CONTEXT", "HELMFILE_KUSTOMIZE_BINARY",
  "HELMFILE_LOG_LEVEL", "HELMFILE_NAMESPACE", "HELMFILE_NO_COLOR", "HELMFILE_QUIET",
  "HELMFILE_REPO_RETRIES", "HELMFILE_CACHE_HOME", "NO_COLOR",
}

local function quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

--- The directory the specs run from (the repository root).
---@return string
function M.root()
  return os.getenv("PWD") or "."
end

--- The absolute path of the hfl binary under test.
---@return string
function M.bin()
  local bin = os.getenv("HFL_BIN") or "./hfl"
  if bin:sub(1, 1) ~= "/" then bin = M.root() .. "/" .. bin:gsub("^%./", "") end
  return bin
end

--- The hfl.proc options that run `hfl args…`.
---@param args string[] arguments after the binary
---@param opts table|nil { cwd = dir, env = { K = "v" | false (unset) }, stdin = text,
---                      timeout = seconds, tty = true (on a pseudo-terminal, through
---                      util-linux `script`: stdout and stderr both arrive as stdout) }
---@return table
function M.command(args, opts)
  opts = opts or {}
  for k in pairs(opts) do
    if k ~= "cwd" and k ~= "env" and k ~= "stdin" and k ~= "timeout" and k ~= "tty" then
      error("hflrun: unknown option " .. tostring(k), 3)
    end
  end
  local env = {}
  for _, k in ipairs(CLEARED) do env[k] = false end
  for k, v in pairs(opts.env or {}) do env[k] = v end
  local argv = { M.bin() }
  for _, a in ipairs(args) do argv[#argv + 1] = tostring(a) end
  if opts.tty then
    local words = {}
    for i, a in ipairs(argv) do words[i] = quote(a) end
    argv = { "script", "-qec", table.concat(words, " "), "/dev/null" }
  end
  argv.cwd, argv.env, argv.stdin = opts.cwd, env, opts.stdin
  argv.timeout = opts.timeout or M.TIMEOUT
  return argv
end

local function checked(r, err, argv)
  if not r then error("hflrun: cannot start " .. argv[1] .. ": " .. tostring(err), 3) end
  if r.timed_out then
    error(("hflrun: `%s` did not finish within %d s\n%s%s"):format(table.concat(argv, " "),
      argv.timeout, r.stdout or "", r.stderr or ""), 3)
  end
  if r.code == nil then r.code = 128 + (r.signal or 0) end
  return r
end

--- Runs `hfl args…` to its end.
---@param args string[]
---@param opts table|nil see M.command
---@return integer code, string stdout, string stderr  (code 128+N when killed by signal N)
function M.run(args, opts)
  local r = M.capture(args, opts)
  return r.code, r.stdout or "", r.stderr or ""
end

--- Runs `hfl args…` to its end; returns hfl.proc's result table
--- ({ code, stdout, stderr, duration, … }).
---@param args string[]
---@param opts table|nil see M.command
---@return table
function M.capture(args, opts)
  local argv = M.command(args, opts)
  local r, err = proc.run(argv)
  return checked(r, err, argv)
end

--- Starts `hfl args…` without waiting: an hfl.proc handle (`:wait()` gives the result table).
---@param args string[]
---@param opts table|nil see M.command
function M.spawn(args, opts)
  local argv = M.command(args, opts)
  local h, err = proc.spawn(argv)
  if not h then error("hflrun: cannot start " .. argv[1] .. ": " .. tostring(err), 2) end
  return h
end

return M
