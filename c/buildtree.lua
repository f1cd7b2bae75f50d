-- Generated into ./hfl.lua by make: lets `luajit -e 'require "hfl"'` run hfl from its build
-- tree, with the Lua sources, stdlib and lua/hfl/core.so found beside this file.
local root = "@ROOT@"
if not package.path:find(root .. "lua/?.lua", 1, true) then
  package.path = root .. "lua/?.lua;" .. root .. "lua/?/init.lua;" .. package.path
  -- `make asan` runs the specs against the sanitizer build of hfl.core
  -- (only where the sanitizer runtime is preloaded: the spec runner, not the children it starts)
  local asan = os.getenv("HFL_ASAN") and (os.getenv("LD_PRELOAD") or ""):find("libasan", 1, true)
  local cdir = asan and "build-asan/" or "lua/"
  package.cpath = root .. cdir .. "?.so;" .. package.cpath
  table.insert(package.loaders, 2, function(name)
    local rest = name:match("^hfl%.stdlib%.(.+)$")
    if not rest then return nil end
    local path = root .. "stdlib/" .. rest:gsub("%.", "/") .. ".lua"
    local chunk, err = loadfile(path)
    if chunk then return chunk end
    return "\n\t" .. (err or "no file " .. path)
  end)
end
return dofile(root .. "lua/hfl/init.lua")
