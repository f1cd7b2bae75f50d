-- `hfl repl` on a real terminal: a tmux session of its own (its own server socket) runs the
-- built hfl; keys go in with send-keys and the screen comes back with capture-pane.
local hflrun = require "spec.support.hflrun"
local fs = require "hfl.fs"
local proc = require "hfl.proc"

local HELMFILE = [[
environments:
  default:
    values:
      - replicas: 1
        region: eu
---
releases:
  - name: web
    namespace: apps
    chart: ./charts/web
    labels: { tier: front }
  - name: db
    namespace: apps
    chart: ./charts/db
    labels: { tier: db }
]]

local function quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

local Terminal = {}
Terminal.__index = Terminal

function Terminal:tmux(...)
  local argv = { "tmux", "-S", self.socket, ... }
  argv.timeout = 20
  local r = assert(proc.run(argv))
  assert(r.code == 0, "tmux " .. table.concat({ ... }, " ") .. ": " .. (r.stderr or ""))
  return r.stdout
end

-- The screen's text; capture-pane leaves out the blanks at the end of each line.
function Terminal:screen()
  return self:tmux("capture-pane", "-p", "-t", "repl")
end

-- Waits until the screen shows `text` (plain) and returns the screen.
function Terminal:wait_for(text, timeout)
  local deadline = os.time() + (timeout or 10)
  local screen
  repeat
    screen = self:screen()
    if screen:find(text, 1, true) then return screen end
    proc.sleep(0.05)
  until os.time() > deadline
  error(("the screen never showed %q; it shows:\n%s"):format(text, screen), 2)
end

function Terminal:keys(...)
  self:tmux("send-keys", "-t", "repl", ...)
end

-- The line the cursor is on, trailing blanks removed.
function Terminal:cursor_line()
  local y = tonumber(self:tmux("display-message", "-p", "-t", "repl", "#{cursor_y}"))
  local n = 0
  for line in (self:screen() .. "\n"):gmatch("(.-)\n") do
    if n == y then return (line:gsub("%s+$", "")) end
    n = n + 1
  end
end

-- Starts `hfl repl` in dir on a new terminal; when it ends the shell prints its exit code.
local function start(dir, state_home, socket)
  local t = setmetatable({ socket = dir .. "/" .. (socket or "tmux.sock") }, Terminal)
  local cmd = ("env -u HELMFILE_ENVIRONMENT -u HELMFILE_FILE_PATH XDG_STATE_HOME=%s %s repl; echo \"exited $?\"; sleep 60")
    :format(quote(state_home), quote(hflrun.bin()))
  t:tmux("-f", "/dev/null", "new-session", "-d", "-s", "repl", "-x", "100", "-y", "40", "-c", dir, cmd)
  local ok, err = pcall(t.wait_for, t, "\nhfl>")
  if not ok then
    pcall(t.tmux, t, "kill-server")  -- no after_each knows this server yet
    error(err, 0)
  end
  return t
end

describe("hfl repl on a terminal #integration #slow", function()
  local dir, state_home, term
  before_each(function()
    dir = assert(fs.mkdtemp(fs.tmpdir() .. "/hfl-repl-tty-XXXXXX"))
    state_home = dir .. "/state"
    assert(fs.write_atomic(dir .. "/helmfile.yaml", HELMFILE))
    term = start(dir, state_home)
  end)
  after_each(function()
    if term then pcall(term.tmux, term, "kill-server") end
    fs.rm_r(dir, fs.tmpdir())
  end)

  it("shows a prompt and pretty-prints results", function()
    assert.matches(":help for help", term:screen(), 1, true)
    term:keys("values", "Enter")
    term:wait_for('{ region = "eu", replicas = 1 }')
    term:keys("releases[1]", "Enter")
    local screen = term:wait_for('release "apps/web" {')
    assert.matches('\n  chart = "./charts/web",\n', screen, 1, true)
    assert.equal("hfl>", term:cursor_line())
  end)

  it("completes methods, fields and globals with Tab", function()
    term:keys("state:se", "Tab")
    term:wait_for("hfl> state:select(")
    term:keys('"tier=db")', "Enter")
    term:wait_for('release "apps/db" {')
    term:keys("releases[2].lab", "Tab")
    term:wait_for("hfl> releases[2].labels")
    term:keys("C-u", "hfl.v", "Tab")
    local screen = term:wait_for("version\nhfl> hfl.v")
    assert.matches("value%s+version", screen)
    assert.equal("hfl> hfl.v", term:cursor_line())
    term:keys("ersion", "Enter")
    term:wait_for('"0.')
  end)

  it("recalls history with Up, also in the next session, from a private file", function()
    term:keys("1 + 41", "Enter")
    term:wait_for("42")
    term:keys("Up")
    term:wait_for("hfl> 1 + 41\n42\nhfl> 1 + 41")
    local history = state_home .. "/hfl/repl_history"
    local st = assert(proc.run { "stat", "-c", "%a", history })
    assert.equal("600\n", st.stdout)
    term:keys("C-u", "C-d")
    term:wait_for("exited 0")
    term:tmux("kill-server")
    -- a server of its own: the old one may still be going away
    term = start(dir, state_home, "tmux2.sock")
    term:keys("Up")
    term:wait_for("hfl> 1 + 41")
  end)

  it("clears the line on Ctrl-C, stops a running statement with it, and leaves on Ctrl-D", function()
    term:keys("releases[1].name .. ", "C-c")
    term:wait_for("hfl> releases[1].name .. ^C\nhfl>")
    assert.equal("hfl>", term:cursor_line())
    term:keys("for i = 1, 2 do", "Enter")
    term:wait_for("\n>>")
    term:keys("C-c")
    term:wait_for(">> ^C\nhfl>")
    assert.equal("hfl>", term:cursor_line())
    term:keys("2 + 2", "Enter")
    term:wait_for("\n4\n")
    -- a statement that runs on is stopped, and the session goes on
    term:keys("while true do os.time() end", "Enter")
    term:wait_for("while true do os.time() end\n")
    proc.sleep(0.2)
    term:keys("C-c")
    term:wait_for("\nerror: interrupted\nhfl>")
    term:keys("3 + 3", "Enter")
    term:wait_for("\n6\n")
    term:keys("C-d")
    term:wait_for("exited 0")
  end)
end)
