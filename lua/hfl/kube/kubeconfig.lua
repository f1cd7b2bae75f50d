--- hfl.kube.kubeconfig: the kubeconfig as kubectl reads it, resolved into the settings of one
--- context: the server, its TLS settings and the user's credentials.
---
---   local ctx, err = kubeconfig.resolve { kubeconfig = nil, context = "" }
---   -- ctx.server, ctx.namespace, ctx.cluster, ctx.user (paths made absolute)
---
--- Files: an explicit path alone (--kubeconfig, which must exist), else every file of
--- $KUBECONFIG (":"-separated; missing ones skipped), else ~/.kube/config. Merging follows
--- kubectl: for each cluster, user and context name — and for current-context — the first file
--- that sets it wins. Relative paths in a file are relative to that file's directory.
local fs = require "hfl.fs"
local value = require "hfl.value"
local yaml = require "hfl.yaml"

local M = {}

-- The path fields of each section, resolved against the defining file's directory.
local PATH_FIELDS = {
  cluster = { "certificate-authority" },
  user = { "client-certificate", "client-key", "tokenFile" },
}

-- The files kubectl would read, and whether a missing one is an error.
local function files_of(explicit)
  if explicit and explicit ~= "" then return { explicit }, true end
  local env = os.getenv("KUBECONFIG")
  if env and env ~= "" then
    local out, seen = {}, {}
    for p in env:gmatch("[^:]+") do
      if not seen[p] then
        seen[p] = true
        out[#out + 1] = p
      end
    end
    return out, false
  end
  local home = os.getenv("HOME") or ""
  return { home .. "/.kube/config" }, false
end

local function map_of(v)
  if value.kind(v) == "map" then return v end
  return nil
end

local function str(v)
  if type(v) == "string" then return v end
  if type(v) == "number" or type(v) == "boolean" then return tostring(v) end
  return nil
end

-- A copy of a section's map with its path fields made absolute against dir.
local function with_abs_paths(section, kind, dir)
  local out = {}
  for k, v in pairs(section) do out[k] = v end
  for _, f in ipairs(PATH_FIELDS[kind] or {}) do
    local p = str(out[f])
    if p and p ~= "" and not fs.is_abs(p) then out[f] = fs.join(dir, p) end
  end
  -- an exec command with a path separator is relative to the kubeconfig too, as in client-go
  local exec = kind == "user" and map_of(out.exec)
  if exec then
    local cmd = str(exec.command)
    if cmd and cmd:find("/", 1, true) and not fs.is_abs(cmd) then
      local e = {}
      for k, v in pairs(exec) do e[k] = v end
      e.command = fs.join(dir, cmd)
      out.exec = e
    end
  end
  return out
end

-- Adds one file's named entries (clusters, users, contexts) where no earlier file set them.
local function merge_named(into, list, kind, key, file, dir)
  if list == nil or value.is_null(list) then return true end
  if value.kind(list) ~= "list" then
    return nil, ("%s: %s must be a list"):format(file, key)
  end
  for i = 1, #list do
    local entry = map_of(list[i])
    local name = entry and str(entry.name)
    if not name then
      return nil, ("%s: %s[%d] has no name"):format(file, key, i - 1)
    end
    local body = map_of(entry[kind]) or value.map {}
    if not into[name] then
      into[name] = { body = with_abs_paths(body, kind, dir), file = file }
    end
  end
  return true
end

--- The merged kubeconfig: { clusters = { name = { body, file } }, users =, contexts =,
--- current_context =, files = { read paths } }, or nil, err (unreadable or malformed file,
--- or an explicit path that does not exist).
---@param explicit? string  --kubeconfig
---@return table|nil config, string|nil err
function M.load(explicit)
  local files, must_exist = files_of(explicit)
  local cfg = { clusters = {}, users = {}, contexts = {}, current_context = "", files = {},
    tried = files }
  for _, file in ipairs(files) do
    local text, err, code = fs.read(file)
    if not text then
      if must_exist or code ~= "ENOENT" then
        return nil, ("kubeconfig %s: %s"):format(file, fs.strerror(err))
      end
    else
      cfg.files[#cfg.files + 1] = file
      local doc, yerr = yaml.decode(text, { filename = file })
      if doc == nil and yerr then return nil, ("kubeconfig %s"):format(yerr) end
      if doc ~= nil and not value.is_null(doc) then
        if value.kind(doc) ~= "map" then
          return nil, ("kubeconfig %s: not a kubeconfig (expected a map with clusters, users, "
            .. "contexts)"):format(file)
        end
        local dir = fs.dirname(fs.abs(file, fs.cwd()))
        for _, s in ipairs { { "cluster", "clusters" }, { "user", "users" }, { "context", "contexts" } } do
          local ok, merr = merge_named(cfg[s[2]], doc[s[2]], s[1], s[2], file, dir)
          if not ok then return nil, "kubeconfig " .. merr end
        end
        if cfg.current_context == "" then cfg.current_context = str(doc["current-context"]) or "" end
      end
    end
  end
  return cfg
end

local function where(cfg)
  return "kubeconfig " .. table.concat(cfg.files, ":")
end

---@class hfl.kube.Context
---@field name string          the context's name
---@field server string        the API server's URL, without a trailing slash
---@field namespace string     the context's namespace, else "default"
---@field cluster table        the cluster's settings (paths absolute)
---@field user table           the user's settings (paths absolute)
---@field cluster_name string
---@field user_name string
---@field files string[]       the kubeconfig files read

--- The settings of one context: opts.context, else the current context.
---@param opts {kubeconfig?: string, context?: string}
---@return hfl.kube.Context|nil ctx, string|nil err  one line naming the kubeconfig and the name
function M.resolve(opts)
  local cfg, err = M.load(opts.kubeconfig)
  if not cfg then return nil, err end
  if #cfg.files == 0 then
    return nil, ("no kubeconfig found (%s: no such file): set KUBECONFIG or pass --kubeconfig")
      :format(table.concat(cfg.tried, ", "))
  end
  local name = opts.context
  if name == nil or name == "" then name = cfg.current_context end
  if name == "" then
    return nil, ("%s: no current-context is set; pass --kube-context or set one with "
      .. "`kubectl config use-context`"):format(where(cfg))
  end
  local ctx = cfg.contexts[name]
  if not ctx then
    return nil, ("%s: context %q not found"):format(where(cfg), name)
  end
  local cluster_name = str(ctx.body.cluster) or ""
  local cluster = cfg.clusters[cluster_name]
  if not cluster then
    return nil, ("%s: context %q names cluster %q, which is not defined"):format(
      where(cfg), name, cluster_name)
  end
  local user_name = str(ctx.body.user) or ""
  local user = cfg.users[user_name]
  if user_name ~= "" and not user then
    return nil, ("%s: context %q names user %q, which is not defined"):format(
      where(cfg), name, user_name)
  end
  local server = str(cluster.body.server) or ""
  if server == "" then
    return nil, ("%s: cluster %q has no server"):format(cluster.file, cluster_name)
  end
  if not server:match("^https?://") then
    if server:match("^[%w.-]+:?%d*$") then
      server = "https://" .. server  -- client-go's default scheme
    else
      return nil, ("%s: cluster %q: server %q is not an http(s) URL"):format(cluster.file,
        cluster_name, server)
    end
  end
  local ns = str(ctx.body.namespace) or ""
  return {
    name = name,
    server = (server:gsub("/+$", "")),
    namespace = ns ~= "" and ns or "default",
    cluster = cluster.body,
    cluster_name = cluster_name,
    cluster_file = cluster.file,
    user = user and user.body or value.map {},
    user_name = user_name,
    user_file = user and user.file or nil,
    files = cfg.files,
  }
end

return M
