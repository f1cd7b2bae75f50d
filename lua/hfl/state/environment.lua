--- The environment of one part of a state (Helmfile's StateCreator.LoadEnvValues): the selected
--- environment's secrets and values, the top-level `values:` (Defaults), layered over the
--- environment accumulated from earlier parts (compat §3.1).
local value = require "hfl.value"
local values = require "hfl.state.values"
local secrets = require "hfl.state.secrets"
local sv = require "hfl.state.statevalues"

local M = {}

local kind, null = value.kind, value.null

local function str(v)
  if v == nil or v == null then return nil end
  return tostring(v)
end

--- The missingFileHandler for an environment's files: the env's, else the top-level one,
--- else Error (compat §1.6).
function M.handler(doc, spec)
  return str(kind(spec) == "map" and spec.missingFileHandler or nil) or str(doc.missingFileHandler) or "Error"
end

--- missingFileHandlerConfig.ignoreMissingGitBranch for an environment's files: the env's
--- config when it has one, else the top-level one (Helmfile's getEnvMissingFileHandlerConfig).
function M.ignore_missing_git_branch(doc, spec)
  local c = kind(spec) == "map" and spec.missingFileHandlerConfig or nil
  if kind(c) ~= "map" then c = doc.missingFileHandlerConfig end
  return kind(c) == "map" and c.ignoreMissingGitBranch == true
end

-- Taints the values that decrypted `.hcl` secrets define: those names' values in env (HCL
-- secrets are evaluated together with the environment's HCL values files).
local function taint_hcl(session, hcl, env)
  for _, h in ipairs(hcl or {}) do
    for _, item in ipairs(require("hfl.hcl").parse(h.text, h.path) or {}) do
      if item.block == "values" then
        for _, a in ipairs(item.body) do
          if a.attr and env[a.attr] ~= nil then session:taint(env[a.attr]) end
        end
      end
    end
  end
end

--- Loads the values of environment `name` of a decoded part.
---@param doc table the part (bases already merged in)
---@param ctx table statevalues Env of the earlier parts (+ overrides, inherited env)
---@param o {name: string, basedir: string, cwd?: string, state_path: string, where: function, decrypt?: any, cache?: table, render?: function, fetched?: table, decoded?: table}
---@return table|nil env a new Env, string|nil err
function M.load(doc, ctx, o)
  local envs = doc.environments
  local present = kind(envs) == "map" and envs[o.name] ~= nil
  local spec = present and envs[o.name] or nil
  if spec == null then spec = nil end
  local part_values = value.map {}
  local kube = ""
  if present then
    spec = spec or value.map {}
    local handler = M.handler(doc, spec)
    local ignore = M.ignore_missing_git_branch(doc, spec)
    local secret_vals, secret_hcl = value.map {}, nil
    if kind(spec.secrets) == "list" and #spec.secrets > 0 then
      local paths = {}
      for _, s in ipairs(spec.secrets) do
        local list, err = values.resolve(tostring(s), { handler = handler, handler_hint = true, kind = "environment values",
          basedir = o.basedir, state_path = o.state_path, cwd = o.cwd, ignore_missing_git_branch = ignore,
          fetched = o.fetched, session = o.session })
        if not list then return nil, err end
        for _, p in ipairs(list) do paths[#paths + 1] = p end
      end
      local v, err, hcl = secrets.load(paths, { decrypt = o.decrypt, cache = o.cache })
      if not v then return nil, err end
      if o.session then o.session:taint(v) end  -- masked in what hfl shows (hfl.taint)
      secret_vals = v
      secret_hcl = hcl
    end
    local v, err = values.load_entries(spec.values, ctx, { handler = handler, handler_hint = true,
      kind = "environment values",
      basedir = o.basedir, strategy = str(spec.mergeStrategy), env_name = o.name, where = o.where,
      state_path = o.state_path, render = o.render, cwd = o.cwd, ignore_missing_git_branch = ignore,
      fetched = o.fetched, session = o.session, hcl_texts = secret_hcl, decoded = o.decoded })
    if not v then return nil, err end
    if o.session and secret_hcl then taint_hcl(o.session, secret_hcl, v) end
    -- secrets have the highest priority inside the environment (mergo override); v is a
    -- new map already, so without secrets it is used as it is
    part_values = next(secret_vals) ~= nil and sv.mergo(v, secret_vals) or v
    kube = str(spec.kubeContext) or ""
  end
  -- top-level `values:` (Defaults), loaded with the values so far; Error on missing files
  local defaults, derr = values.load_entries(doc.values, ctx, { handler = "Error", kind = "environment values",
    basedir = o.basedir, where = o.where, state_path = o.state_path, render = o.render, cwd = o.cwd,
    ignore_missing_git_branch = M.ignore_missing_git_branch(doc, nil), fetched = o.fetched, session = o.session,
    decoded = o.decoded })
  if not defaults then return nil, derr end
  -- layers: what earlier parts gathered is the base, this part overrides (MergeMaps); both
  -- merges give new maps, so only the other layers are copied
  local env = ctx:copy_with { values = sv.layer(ctx.values, part_values), defaults = sv.mergo(ctx.defaults, defaults) }
  if ctx.kube_context == "" then env.kube_context = kube end
  return env
end

return M
