--- Rendered templates to `helm template`'s stdout (pkg/releaseutil manifest_sorter.go,
--- kind_sorter.go and cmd/helm/template.go): files in path order split into documents,
--- hooks told apart by their annotation, both sorted by Helm's install order of kinds,
--- each printed as "---\n# Source: path\n" and the document.
local yaml = require "hfl.yaml"
local fs = require "hfl.fs"

local M = {}

local fmt = string.format

--- Helm's InstallOrder.
M.INSTALL_ORDER = { "PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange",
  "PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap",
  "StorageClass", "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
  "ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding",
  "RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
  "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
  "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration" }

-- Helm 3.17's list ends at APIService; Helm 4 adds the two webhook configurations.
local ORDERS = { ["3"] = {}, ["4"] = {} }
for i, k in ipairs(M.INSTALL_ORDER) do
  ORDERS["4"][k] = i
  if i <= 36 then ORDERS["3"][k] = i end
end
local ORDER = ORDERS["4"]

local HOOK_EVENTS = { ["pre-install"] = true, ["post-install"] = true, ["pre-delete"] = true,
  ["post-delete"] = true, ["pre-upgrade"] = true, ["post-upgrade"] = true, ["pre-rollback"] = true,
  ["post-rollback"] = true, ["test"] = true, ["test-success"] = true }

-- strings.TrimSpace (ASCII white space), without a pattern scan of the whole text.
local byte = string.byte
local function trim(s)
  local i = s:find("%S")
  if not i then return "" end
  local j = #s
  while true do
    local c = byte(s, j)
    if c ~= 32 and (c < 9 or c > 13) then break end
    j = j - 1
  end
  return s:sub(i, j)
end

local function is_space(c) return c == " " or c == "\t" or c == "\n" or c == "\r" or c == "\v" or c == "\f" end

--- SplitManifests: documents separated by `(?:^|\s*\n)---\s*`, each trimmed, empty ones
--- dropped.
function M.split(text)
  text = trim(text)
  local docs, start, i, n = {}, 1, 1, #text
  local function push(piece)
    if piece ~= "" then docs[#docs + 1] = trim(piece) end
  end
  -- a separator at the very start
  if text:sub(1, 3) == "---" then
    local j = 4
    while j <= n and is_space(text:sub(j, j)) do j = j + 1 end
    push("")
    start, i = j, j
  end
  while i <= n do
    local nl = text:find("\n", i, true)
    if not nl then break end
    if text:sub(nl + 1, nl + 3) == "---" then
      -- the separator swallows the whitespace before the newline
      local b = nl
      while b > start and is_space(text:sub(b - 1, b - 1)) do b = b - 1 end
      push(text:sub(start, b - 1))
      local j = nl + 4
      while j <= n and is_space(text:sub(j, j)) do j = j + 1 end
      start, i = j, j
    else
      i = nl + 1
    end
  end
  push(text:sub(start))
  return docs
end

-- The kind and hook annotations of a document (SimpleHead), or nil, reason when Helm's YAML
-- reading of it is not reproduced here: only kind and annotations are read, YAML 1.1 as Helm
-- reads it (hfl.yaml.head: no Lua tables are built for the document).
local function head(doc, path)
  local kind, hook = yaml.head(doc)
  if not kind then return nil, fmt("YAML parse error on %s (%s)", path, hook) end
  return { kind = kind, hook = hook }
end

local function is_space_only(s) return s:find("^%s*$") ~= nil end

local function less_by_kind(a, b, order)
  local oa, ob = order[a.kind], order[b.kind]
  if not oa and not ob then
    if a.kind ~= b.kind then return a.kind < b.kind end
    return false
  end
  if not oa then return false end
  if not ob then return true end
  return oa < ob
end

local function stable_sort(list, less, order)
  for i, e in ipairs(list) do e._i = i end
  table.sort(list, function(a, b)
    if less(a, b, order) then return true end
    if less(b, a, order) then return false end
    return a._i < b._i
  end)
end

--- SortManifests: manifests and hooks of the rendered files, or nil, reason.
---@param files table name → text
---@param helm string "3" or "4"
---@return table|nil manifests, table|nil hooks_or_reason
function M.sort(files, helm)
  local order = ORDERS[helm] or ORDER
  local paths = {}
  for p in pairs(files) do paths[#paths + 1] = p end
  table.sort(paths)
  local manifests, hooks = {}, {}
  for _, path in ipairs(paths) do
    local content = files[path]
    if not is_space_only(content) then
      for _, doc in ipairs(M.split(content)) do
        local h, reason = head(doc, path)
        if not h then return nil, reason end
        local entry = { path = path, content = doc, kind = h.kind }
        if not h.hook then
          manifests[#manifests + 1] = entry
        else
          local unknown, tests = false, false
          for ev in (h.hook .. ","):gmatch("([^,]*),") do
            ev = trim(ev):lower()
            if not HOOK_EVENTS[ev] then unknown = true break end
            if ev == "test" or ev == "test-success" then tests = true end
          end
          -- a document with an unknown hook event is neither hook nor manifest
          if not unknown then
            entry.test = tests
            hooks[#hooks + 1] = entry
          end
        end
      end
    end
  end
  stable_sort(manifests, less_by_kind, order)
  stable_sort(hooks, less_by_kind, order)
  return manifests, hooks
end

--- Go's filepath.Match of a --show-only pattern against a template path.
local function path_match(pattern, name)
  local p = require("hfl.chart.load").glob_to_pattern(pattern)
  return p and name:match(p) ~= nil
end

--- helm template's stdout, or nil, err for an unknown --show-only template (or a failed
--- post-renderer). With opts.output_dir nothing but the post-renderer's output goes to
--- stdout: the documents are returned as writes, in the order helm writes them, each
--- {dir =, name =, data =, hook = bool, append = bool} (see hfl.chart.outdir).
---@param c table  the root chart (CRDs of it and its subcharts)
---@param manifests table[]
---@param hooks table[]
---@param opts {include_crds?: boolean, no_hooks?: boolean, skip_tests?: boolean, show_only?: string[],
---   output_dir?: string, use_release_name?: boolean, name?: string,
---   post_render?: fun(text: string): string|nil, string|nil}
---@return string|nil text, table|string writes_or_err
function M.format(c, manifests, hooks, opts)
  local b, writes = {}, {}
  local out_dir = opts.output_dir
  if out_dir == "" then out_dir = nil end
  -- renderResources' fileWritten: a second document of a file is appended to it
  local written = {}
  local function write(dir, name, data)
    writes[#writes + 1] = { dir = dir, name = name, data = data, append = written[name] == true }
    written[name] = true
  end
  if opts.include_crds then
    local function crds(ch, prefix)
      for _, f in ipairs(ch.crds) do
        local name = prefix .. "/" .. f.name
        -- CRDs go to the output directory itself, even with --release-name
        if out_dir then write(out_dir, name, f.data) else b[#b + 1] = fmt("---\n# Source: %s\n%s\n", name, f.data) end
      end
      for _, d in ipairs(ch.dependencies) do crds(d, prefix .. "/charts/" .. d.metadata.name) end
    end
    crds(c, c.metadata.name)
  end
  local dir = out_dir
  if out_dir and opts.use_release_name then dir = fs.clean(out_dir .. "/" .. opts.name) end
  for _, m in ipairs(manifests) do
    if out_dir then write(dir, m.path, m.content) else b[#b + 1] = fmt("---\n# Source: %s\n%s\n", m.path, m.content) end
  end
  local body = table.concat(b)
  if opts.post_render then
    local err
    body, err = opts.post_render(body)
    if not body then return nil, err end
  end
  local out = { trim(body), "\n" }
  if not opts.no_hooks then
    for _, h in ipairs(hooks) do
      if not (opts.skip_tests and h.test) then
        if out_dir then
          -- helm appends a hook to a file that exists on disk, whoever wrote it
          writes[#writes + 1] = { dir = dir, name = h.path, data = h.content, hook = true }
        else
          out[#out + 1] = fmt("---\n# Source: %s\n%s\n", h.path, h.content)
        end
      end
    end
  end
  local text = table.concat(out)
  if opts.show_only and #opts.show_only > 0 then
    local docs = M.split(text)
    local chosen = {}
    for _, f in ipairs(opts.show_only) do
      local missing = true
      for _, doc in ipairs(docs) do
        local name = doc:match("^# Source: [^/\n]+/([^\n]+)")
        if name and path_match(f, name) then
          chosen[#chosen + 1] = doc
          missing = false
        end
      end
      if missing then return nil, fmt("could not find template %s in chart", f) end
    end
    local o = {}
    for _, d in ipairs(chosen) do o[#o + 1] = fmt("---\n%s\n", d) end
    return table.concat(o), writes
  end
  return text, writes
end

return M
