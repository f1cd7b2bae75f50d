-- Environment values in Lua: plain computation plus the template functions (env, readFile,
-- exec, …) called as Lua functions.
local replicas = tonumber(env("WEB_REPLICAS")) or 3
return {
  web = {
    replicas = replicas,
    domain = "www." .. environment.name .. ".example.test",
  },
}
