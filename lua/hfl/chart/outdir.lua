--- `helm template --output-dir`: the files helm writes and the lines it prints for them
--- (cmd/helm/template.go and pkg/action writeToFile), written so that an interrupted run
--- leaves every file whole: each file's final content is worked out first, then written once
--- to a temporary name and renamed into place.
---
--- Helm creates (truncates) a file for its first document of a run and appends the next
--- ones; a hook is appended to a file that exists on disk, even one an earlier run left.
--- Whatever helm would fail on (a path through a file, a directory where a file goes) and a
--- symlink on the way (helm writes through it) are left to helm: plan() says so before
--- anything is written.
local fs = require "hfl.fs"
local bit = require "bit"

local M = {}

local fmt = string.format

-- The process umask (os.Create makes files 0666 &^ umask).
local function umask()
  local status = fs.read("/proc/self/status")
  local m = status and status:match("\nUmask:%s*(%d+)")
  return m and tonumber(m, 8) or tonumber("022", 8)
end

-- Whether MkdirAll(dir) would succeed: the nearest existing ancestor is a directory (followed
-- through symlinks, as Go's MkdirAll does) and nothing on the way is a file.
local function dir_ok(dir)
  local st = fs.stat(dir)
  if st then return st.type == "dir" end
  local parent = fs.dirname(dir)
  if parent == dir then return false end
  return dir_ok(parent)
end

--- Works out the files of a list of writes (from hfl.chart.output.format): their paths,
--- final content and mode, and the "wrote PATH" lines helm prints. nil, reason when helm
--- must do it.
---@param writes table[]  {dir=, name=, data=, append=bool, hook=bool}
---@return table|nil plan, string|nil reason  plan = {files = {{path=, data=, mode=}}, stdout = string}
function M.plan(writes)
  local files, by_key, lines = {}, {}, {}
  local new_mode
  for _, w in ipairs(writes) do
    -- strings.Join(dir, name): printed as it is, not cleaned
    local path = w.dir .. "/" .. w.name
    local key = fs.clean(path)
    local f = by_key[key]
    if not f then
      local lst = fs.lstat(key)
      if lst and lst.type ~= "file" then return nil, fmt("--output-dir: %s is not a regular file", path) end
      if not lst and not dir_ok(fs.dirname(key)) then
        return nil, fmt("--output-dir: cannot create the directory of %s", path)
      end
      new_mode = new_mode or (tonumber("666", 8) - bit.band(tonumber("666", 8), umask()))
      f = { path = key, mode = lst and lst.mode or new_mode, on_disk = lst ~= nil }
      by_key[key] = f
      files[#files + 1] = f
    end
    local piece = fmt("---\n# Source: %s\n%s\n", w.name, w.data)
    local append = w.append
    if w.hook then append = f.data ~= nil or f.on_disk end
    if append and f.data == nil then
      -- a hook appended to a file an earlier run wrote
      local old, err = fs.read(key)
      if not old then return nil, "--output-dir: " .. tostring(err) end
      f.data = old
    end
    f.data = append and (f.data .. piece) or piece
    lines[#lines + 1] = "wrote " .. path .. "\n"
  end
  return { files = files, stdout = table.concat(lines) }
end

--- Writes the files of a plan, each whole (temporary file + rename).
---@param plan table  from M.plan
---@return true|nil ok, string|nil err, integer|nil written  files written before the failure
function M.write(plan)
  for i, f in ipairs(plan.files) do
    local ok, err = fs.mkdir_p(fs.dirname(f.path))
    if not ok then return nil, err, i - 1 end
    ok, err = fs.write_atomic(f.path, f.data, { mode = f.mode, durable = false })
    if not ok then return nil, err, i - 1 end
  end
  return true
end

return M
