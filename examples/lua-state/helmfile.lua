-- The same deployment as helmfile.yaml.gotmpl beside it, in Lua: the three services come from
-- one table and a loop instead of three copies; needs are computed from it.
--   hfl -f helmfile.lua -e prod template      hfl -f helmfile.yaml.gotmpl -e prod template
environment "default" { values = { "env/default.yaml" } }
environment "prod" { values = { "env/default.yaml", "env/prod.yaml" } }

templates {
  service = { namespace = values.namespace, chart = "./charts/service" },
}

-- name, image tag, tier, extra values; each service needs every one before it of the backend
local services = {
  { "cart", "1.4.0", "backend" },
  { "checkout", "2.0.1", "backend" },
  { "storefront", "3.2.0", "frontend", { port = 80 } },
}

local backends = {}
for _, s in ipairs(services) do
  local name, tag, tier, extra = s[1], s[2], s[3], s[4] or {}
  local vals = { image = ("%s/%s:%s"):format(values.registry, name, tag), replicas = values.replicas }
  for k, v in pairs(extra) do vals[k] = v end
  local needs = {}
  for _, b in ipairs(backends) do needs[#needs + 1] = values.namespace .. "/" .. b end
  release(name) {
    inherit = { { template = "service" } },
    labels = { tier = tier },
    needs = #needs > 0 and needs or nil,
    values = { vals },
  }
  if tier == "backend" then backends[#backends + 1] = name end
end
