-- The same state as helmfile.yaml beside it, in Lua (README: "helmfile.lua").
environment "default" { values = { "env/default.yaml" } }
environment "prod" {
  values = { "env/default.yaml", "env/prod.lua" },
  kubeContext = "prod-cluster",
}

repository { name = "bitnami", url = "https://charts.bitnami.com/bitnami" }

helm_defaults { wait = true, timeout = 600 }
common_labels { team = "platform" }

templates {
  default = {
    namespace = "apps",
    missingFileHandler = "Warn",
    values = { "values/{{ .Release.Name }}.yaml" },
  },
}

-- A plain Lua function instead of YAML anchors: every app inherits the default template.
local function app(name, spec)
  spec.inherit = { { template = "default" } }
  return release(name, spec)
end

app("db", {
  chart = "bitnami/postgresql",
  version = "15.5.0",
  condition = "db.enabled",
  labels = { tier = "db" },
})

app("web", {
  chart = "bitnami/nginx",
  needs = { "apps/db" },
  labels = { tier = "front" },
  values = { "values/web.lua" },
  set = { { name = "service.type", value = "ClusterIP" } },
})
