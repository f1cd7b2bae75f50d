-- Release values in Lua: the globals are the environment, the state values, the release and
-- the template functions (toYaml, env, readFile, …) as plain Lua functions.
local web = values.web or {}
return {
  replicaCount = web.replicas or 1,
  podLabels = { release = release.name, environment = environment.name },
  ingress = {
    enabled = environment.name == "prod",
    hostname = web.domain,
  },
}
