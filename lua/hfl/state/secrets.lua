--- Environment secrets: each file decrypted by a pluggable command (default `sops --decrypt
--- FILE`; env HFL_SECRETS_DECRYPT="cmd args" — the file is appended; or loader option
--- `secrets_decrypt` = argv list or function(path) → text | nil, err), concurrently, cached per
--- path for one load, merged in list order (mergo override).
local value = require "hfl.value"
local yaml = require "hfl.yaml"
local proc = require "hfl.proc"
local sv = require "hfl.state.statevalues"
local trim = require "hfl.trim"

local M = {}

local fmt = string.format

local function argv_for(opt)
  if type(opt) == "table" then return opt end
  local env = os.getenv("HFL_SECRETS_DECRYPT")
  if env and env:match("%S") then
    local argv = {}
    for w in env:gmatch("%S+") do argv[#argv + 1] = w end
    return argv
  end
  return { "sops", "--decrypt" }
end

--- Decrypts one file to text.
---@param path string
---@param opt table|function|nil the loader's secrets_decrypt option
---@return string|nil text, string|nil err
function M.decrypt(path, opt)
  if type(opt) == "function" then return opt(path) end
  local argv = {}
  for i, a in ipairs(argv_for(opt)) do argv[i] = a end
  argv[#argv + 1] = path
  local res, err = proc.run(argv)
  if not res then return nil, fmt("%s: %s", argv[1], err) end
  if res.code ~= 0 then
    local msg = trim.right(res.stderr or "")
    return nil, fmt("%s exited with code %s: %s", table.concat(argv, " "), tostring(res.code), msg)
  end
  return res.stdout
end

--- Decrypts and merges the secret files (already resolved to paths) into one map.
---@param paths string[]
---@param o {decrypt?: table|function, cache?: table}
---@return table|nil values, string|nil err, {path: string, text: string}[]|nil hcl  decrypted `.hcl` files
function M.load(paths, o)
  local cache = o.cache or {}
  local results = proc.map(paths, 4, function(path)
    local hit = cache[path]
    if hit then return hit end
    local text, err = M.decrypt(path, o.decrypt)
    local r
    if not text then
      r = { err = fmt('failed to load environment secrets file "%s": %s', path, err) }
    elseif path:sub(-4) == ".hcl" then
      -- decrypted HCL joins the environment's HCL values (helm-secrets < 4 wraps it in `data:`)
      if text:match("^data:") then
        local w = yaml.decode(text)
        if value.kind(w) == "map" and type(w.data) == "string" then text = w.data end
      end
      r = { hcl = text }
    else
      local v, derr = yaml.decode(text, { filename = path })
      if derr then
        r = { err = fmt('failed to load environment secrets file "%s": %s', path, derr) }
      elseif value.is_null(v) then
        r = { v = value.map {} }
      elseif value.kind(v) ~= "map" then
        r = { err = fmt('failed to load environment secrets file "%s": not a map', path) }
      else
        r = { v = v }
      end
    end
    cache[path] = r
    return r
  end)
  local out, errs, hcl = value.map {}, {}, {}
  for i, r in ipairs(results) do
    if r.err then
      errs[#errs + 1] = r.err
    elseif r.hcl then
      hcl[#hcl + 1] = { path = paths[i], text = r.hcl }
    else
      out = sv.mergo(out, r.v)
    end
  end
  if #errs > 0 then
    return nil, fmt("failed loading environment secrets with %d errors: %s", #errs, table.concat(errs, "; "))
  end
  return out, nil, hcl
end

return M
