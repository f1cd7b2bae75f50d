-- Embedding hfl in a plain LuaJIT program: the releases of a helmfile in several environments,
-- as a YAML report. From the source tree's root (after `make`) or anywhere after `make rock`:
--   luajit examples/embed/main.lua [HELMFILE] [ENV...]
local hfl = require "hfl"

local file = arg[1] or "examples/quickstart"
local envs = { select(2, ...) }
if #envs == 0 then envs = { "default", "prod" } end

local report = hfl.value.map {}
for _, env in ipairs(envs) do
  local st, err = hfl.load { file = file, environment = env }
  if not st then
    io.stderr:write("embed: ", err, "\n")
    os.exit(1)
  end
  local releases = hfl.value.list {}
  for _, r in ipairs(st:releases()) do releases[#releases + 1] = r.namespace .. "/" .. r.name .. " (" .. r.chart .. ")" end
  report[env] = releases
end
io.write(hfl.yaml.encode(report))
