-- Layers values files the way Helmfile layers environment values, then checks the result
-- and writes it for helm.   hfl run examples/workflows/layer-values.lua [OUT.yaml]
local hfl = require "hfl"
local here = arg[0]:match("^(.*)/workflows/[^/]*$") or "examples"

local merged = hfl.value.map()
for _, name in ipairs { "base.yaml", "prod.yaml" } do
  local layer = assert(hfl.yaml.load_file(here .. "/values/" .. name))
  merged = hfl.yaml.merge(merged, layer)
end

assert(merged.replicaCount >= 2, "production needs at least two replicas")
print(("image %s:%s, %d replicas, ingress on %s"):format(merged.image.repository,
  merged.image.tag, merged.replicaCount, table.concat(merged.ingress.hosts, ", ")))

local out = arg[1]
if out then
  assert(hfl.yaml.write_file(out, assert(hfl.yaml.encode(merged))))
  print("wrote " .. out)
else
  io.write(assert(hfl.yaml.encode(merged)))
end
