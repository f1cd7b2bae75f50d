-- Git for the specs: repositories made with the real `git` in temp dirs (reached as file://) and
-- `git daemon` serving them on 127.0.0.1 with a random port (git://).
local proc = require "hfl.proc"
local servers = require "spec.support.servers"

local M = {}

local GIT = "git -c user.email=spec@hfl -c user.name=spec -c init.defaultBranch=main "

--- A repository at <base>/<name> with `files` committed on main ({path = text}); returns its path.
---@param files table
---@return string dir, string base
function M.repo(files, name, base)
  base = base or servers.tmpdir()
  name = name or "repo.git"
  local dir = base .. "/" .. name
  servers.sh(GIT .. "init -q " .. dir)
  M.commit(dir, files, "initial")
  return dir, base
end

--- Writes files into the repository and commits them; returns the commit id.
function M.commit(dir, files, message)
  for path, text in pairs(files) do
    local full = dir .. "/" .. path
    os.execute("mkdir -p '" .. full:match("^(.*)/") .. "'")
    local f = assert(io.open(full, "w"))
    f:write(text)
    f:close()
  end
  servers.sh(("cd %s && %s add -A && %s commit -qm %q"):format(dir, GIT, GIT, message or "change"))
  return (servers.sh(("cd %s && git rev-parse HEAD"):format(dir)):gsub("%s+$", ""))
end

function M.tag(dir, tag)
  servers.sh(("cd %s && git tag %s"):format(dir, tag))
end

function M.branch(dir, branch)
  servers.sh(("cd %s && git branch %s"):format(dir, branch))
end

--- Starts `git daemon` exporting every repository under base.
---@return table daemon { url = "git://127.0.0.1:port", :stop() }
function M.daemon(base)
  local port, h = servers.listen("git daemon", function(port)
    return assert(proc.spawn { "git", "daemon", "--reuseaddr", "--export-all", "--base-path=" .. base,
      "--listen=127.0.0.1", "--port=" .. port, base, stdout = "null", stderr = "null",
      group = true })  -- `git daemon` runs git-daemon as its child: stop() must reach both
  end, function(port)
    local c = proc.run { "python3", "-c", ("import socket;socket.create_connection(('127.0.0.1',%d),1)"):format(port),
      stdout = "null", stderr = "null" }
    return c and c.code == 0
  end)
  return { url = ("git://127.0.0.1:%d"):format(port), handle = h, stop = function(self)
    if not self.handle:done() then self.handle:kill("KILL") end
    self.handle:wait()
  end }
end

return M
