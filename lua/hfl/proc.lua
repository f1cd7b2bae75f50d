--- hfl.proc: child processes, and the small coroutine scheduler that waits on them.
--
-- Every child runs on one C event loop (hfl.core.proc). A task started with `proc.go(fn)` is a
-- coroutine: `handle:wait()`, `proc.run{}`, `sem:acquire()` and `task:join()` yield it until
-- the loop has news. Called outside a task, the same functions block, driving the loop (and
-- so every task) until their own result is there.
--
--   local r, err = proc.run{ "helm", "version", cwd = dir, timeout = 30 }
--   proc.map(releases, 8, function(rel) return proc.run{ "helm", "diff", rel.name } end)
local core = require("hfl.core").proc

local find, sub, unpack, select = string.find, string.sub, unpack, select
local co_running, co_resume, co_status, co_yield = coroutine.running, coroutine.resume,
  coroutine.status, coroutine.yield

local M = {}

--- Bytes kept per captured stream before the rest is dropped (r.stdout_truncated = true).
M.MAX_OUTPUT = 64 * 1024 * 1024
--- A streamed line longer than this is handed to the callback in pieces of this size.
M.MAX_LINE = 1024 * 1024
--- Seconds between SIGTERM and SIGKILL when a timeout expires.
M.GRACE = 5

local tasks = {}          -- coroutine -> task, while it runs
local ntasks = 0
local ready, rhead, rtail = {}, 1, 0   -- coroutines to resume, with their values
local running = {}        -- child userdata -> handle, until its result is delivered
local timers = {}         -- { at = seconds, waiters = {…} }, sorted by at
local step_hooks = {}     -- fn() called after every loop turn (hfl.http collects transfers)

local function current_task()
  local co = co_running()
  return co and tasks[co] and co or nil
end

local function wake(w, ...)
  if type(w) == "thread" then
    rtail = rtail + 1
    ready[rtail] = { w, select("#", ...), ... }
  else
    w.woken, w.values = true, { n = select("#", ...), ... }
  end
end

local dispatch, drive

-- Suspends the caller until wake() is called on its entry in list: a task yields, anything
-- else drives the loop. Returns wake's values.
local function suspend(list)
  local co = current_task()
  if co then
    list[#list + 1] = co
    tasks[co].suspended = true
    return co_yield()
  end
  local w = { woken = false }
  list[#list + 1] = w
  drive(function() return w.woken end)
  return unpack(w.values, 1, w.values.n)
end

local function finish(t, ok, ...)
  tasks[t.co] = nil
  ntasks = ntasks - 1
  t.done = true
  if ok then
    t.values = { n = select("#", ...), ... }
  else
    t.error = debug.traceback(t.co, tostring((...)))
    M._failed[#M._failed + 1] = t
  end
  for _, w in ipairs(t.waiters) do wake(w) end
  t.waiters = {}
end

local function resume(co, ...)
  local t = tasks[co]
  t.suspended = false
  local function after(ok, ...)
    if co_status(co) == "dead" then
      finish(t, ok, ...)
    elseif not t.suspended then
      wake(co)  -- a plain coroutine.yield() in a task: let the others run, then go on
    end
  end
  after(co_resume(co, ...))
end

local function run_ready()
  while rhead <= rtail do
    local item = ready[rhead]
    ready[rhead] = nil
    rhead = rhead + 1
    resume(item[1], unpack(item, 3, 2 + item[2]))
  end
  ready, rhead, rtail = {}, 1, 0
end

local function fire_timers()
  local now = core.now()
  while timers[1] and timers[1].at <= now do
    for _, w in ipairs(table.remove(timers, 1).waiters) do wake(w) end
  end
end

-- Runs ready tasks and turns the loop until pred() holds.
function drive(pred)
  while true do
    run_ready()
    if pred() then return end
    local ms = -1
    if rhead <= rtail then
      ms = 0
    elseif timers[1] then
      ms = math.max(0, math.ceil((timers[1].at - core.now()) * 1000))
    elseif core.live() == 0 and core.watching() == 0 then
      error("hfl.proc: waiting forever: no process is running and no task can run "
        .. "(a semaphore never released, or a task joining itself?)", 3)
    end
    dispatch(core.step(ms))
    for i = 1, #step_hooks do step_hooks[i]() end
    fire_timers()
  end
end

---------------------------------------------------------------------------------------------
-- Handles

---@class hfl.proc.Handle
---@field argv string[]
---@field result table|nil   the result once the child is done (see proc.run)
local Handle = {}
Handle.__index = Handle

local function deliver(h, i, line)
  local cb = h._cb[i]
  local ok, err = pcall(cb, line)
  if not ok and not h._cb_error then
    h._cb_error = err
    h._c:kill("TERM")
  end
end

local function feed(h, i, data)
  local buf = h._part[i]
  if buf ~= "" then data = buf .. data end
  local pos = 1
  while true do
    local nl = find(data, "\n", pos, true)
    if not nl then break end
    deliver(h, i, sub(data, pos, nl - 1))
    pos = nl + 1
  end
  while #data - pos + 1 > M.MAX_LINE do
    deliver(h, i, sub(data, pos, pos + M.MAX_LINE - 1))
    pos = pos + M.MAX_LINE
  end
  h._part[i] = sub(data, pos)
end

function dispatch(children)
  for k = 1, #children do
    local c = children[k]
    local h = running[c]
    if h then
      for i = 1, 2 do
        if h._cb[i] then
          local data = c:take(i)
          if data then feed(h, i, data) end
        end
      end
      if c:done() then
        running[c] = nil
        for i = 1, 2 do
          if h._cb[i] and h._part[i] ~= "" then
            deliver(h, i, h._part[i])  -- the last line, without its newline
            h._part[i] = ""
          end
        end
        local r = c:result()
        r.ok = r.code == 0 and not r.timed_out
        r.truncated = r.stdout_truncated or r.stderr_truncated or nil
        r.pid = h.pid
        r.argv = h.argv
        h.result = r
        for _, w in ipairs(h._waiters) do wake(w, r) end
        h._waiters = {}
      end
    end
  end
end

--- Waits for the child: yields inside a task, drives the loop outside one.
--- Raises the error of an on_stdout/on_stderr callback (the child was sent SIGTERM).
---@return table r   see proc.run
function Handle:wait()
  if not self.result then suspend(self._waiters) end
  if self._cb_error then error(self._cb_error, 0) end
  return self.result
end

--- Sends a signal (number or name, default "TERM").
---@return true|nil ok, string|nil err
function Handle:kill(sig)
  return self._c:kill(sig or "TERM")
end

---@return boolean
function Handle:done()
  return self.result ~= nil
end

local function build_argv(opts)
  local argv = {}
  for i = 1, #opts do
    local a = opts[i]
    if type(a) == "number" then a = tostring(a) end
    if type(a) ~= "string" then
      error(("hfl.proc: argument %d is a %s, expected a string"):format(i, type(a)), 3)
    end
    argv[i] = a
  end
  if #argv == 0 then error("hfl.proc: no command given", 3) end
  if opts.shell then
    local sh = opts.shell == true and "/bin/sh" or opts.shell
    local script = table.remove(argv, 1)
    argv = { sh, "-c", script, sh, unpack(argv) }
  end
  return argv
end

local function io_mode(v, name)
  if v == nil or v == "capture" or v == "inherit" or v == "null" then return v end
  error(("hfl.proc: %s must be \"capture\", \"inherit\" or \"null\", not %s"):format(
    name, tostring(v)), 3)
end

--- Starts a child without waiting for it.
---@param opts table  { cmd, arg1, …,
---  cwd = dir, env = { K = "v" | false (unset) }, env_replace = true (env is all of it),
---  stdin = data | true (hfl's own stdin) | nil (/dev/null),
---  stdout = "capture" | "inherit" | "null", stderr = same (default "capture"),
---  on_stdout = fn(line), on_stderr = fn(line) (streamed line by line, not captured),
---  timeout = seconds, grace = seconds (SIGTERM → SIGKILL), max_output = bytes,
---  group = true (own process group: timeouts and kills reach its grandchildren too),
---  shell = true | "/bin/bash" (runs opts[1] as a script, opts[2..] as $1…) }
---@return hfl.proc.Handle|nil handle, string|nil err  err names the command
function M.spawn(opts)
  if type(opts) ~= "table" then error("hfl.proc.spawn: expected a table", 2) end
  local argv = build_argv(opts)
  local env = opts.env
  if env ~= nil then
    if type(env) ~= "table" then error("hfl.proc: env must be a table", 2) end
    local e = {}
    for k, v in pairs(env) do
      if type(v) == "number" then v = tostring(v) end
      e[k] = v
    end
    env = e
  end
  local cb = { opts.on_stdout, opts.on_stderr }
  for i = 1, 2 do
    if cb[i] ~= nil and type(cb[i]) ~= "function" then
      error("hfl.proc: on_" .. (i == 1 and "stdout" or "stderr") .. " must be a function", 2)
    end
  end
  local stdin, stdin_mode = opts.stdin, nil
  if stdin == true then stdin, stdin_mode = nil, "inherit"
  elseif stdin == false then stdin = nil
  elseif stdin ~= nil and type(stdin) ~= "string" then
    error("hfl.proc: stdin must be a string, or true to inherit hfl's", 2)
  end
  local c, err = core.spawn(argv, {
    cwd = opts.cwd, env = env, env_replace = opts.env_replace,
    stdin = stdin, stdin_mode = stdin_mode,
    stdout = cb[1] and "stream" or io_mode(opts.stdout, "stdout"),
    stderr = cb[2] and "stream" or io_mode(opts.stderr, "stderr"),
    max_output = opts.max_output or M.MAX_OUTPUT,
    timeout = opts.timeout, grace = opts.grace or M.GRACE, group = opts.group,
  })
  if not c then return nil, err end
  local h = setmetatable({
    argv = argv, pid = c:pid(), _c = c, _cb = cb, _part = { "", "" }, _waiters = {},
  }, Handle)
  running[c] = h
  return h
end

--- Runs a child to its end (yielding inside a task, blocking outside).
---@param opts table  as for proc.spawn
---@return table|nil r, string|nil err
---  r = { code = exit code | nil, signal = number | nil, timed_out = bool, ok = (code == 0),
---        stdout = string | nil (nil when streamed or not captured), stderr = …,
---        stdout_truncated = true | nil, stderr_truncated = …, truncated = true | nil,
---        duration = seconds, pid = n, argv = {…} }
---  err: the child could not be started (command not found, cwd missing, interrupted)
function M.run(opts)
  local h, err = M.spawn(opts)
  if not h then return nil, err end
  return h:wait()
end

--- Waits `seconds` (yielding inside a task, driving the loop outside one).
function M.sleep(seconds)
  local entry = { at = core.now() + seconds, waiters = {} }
  local i = #timers + 1
  while i > 1 and timers[i - 1].at > entry.at do i = i - 1 end
  table.insert(timers, i, entry)
  suspend(entry.waiters)
end

---------------------------------------------------------------------------------------------
-- Tasks

---@class hfl.proc.Task
local Task = {}
Task.__index = Task

--- Starts fn(...) as a task; it runs when the loop is next driven (wait_all, a blocking wait).
---@return hfl.proc.Task
function M.go(fn, ...)
  local co = coroutine.create(fn)
  local t = setmetatable({ co = co, done = false, waiters = {} }, Task)
  tasks[co] = t
  ntasks = ntasks + 1
  wake(co, ...)
  return t
end
M._failed = {}  -- tasks that raised, for wait_all

--- Waits for the task; returns its values or raises its error.
function Task:join()
  if not self.done then suspend(self.waiters) end
  self.observed = true
  if self.error then error(self.error, 0) end
  return unpack(self.values, 1, self.values.n)
end

--- Drives the loop until every task has finished; raises the first error no join() saw.
function M.wait_all()
  if current_task() then error("hfl.proc.wait_all: called from inside a task", 2) end
  drive(function() return ntasks == 0 end)
  local failed = M._failed
  M._failed = {}
  for _, t in ipairs(failed) do
    if t.error and not t.observed then
      t.observed = true
      error(t.error, 0)
    end
  end
end
M.loop = M.wait_all

---@class hfl.proc.Semaphore
local Semaphore = {}
Semaphore.__index = Semaphore

--- A counting semaphore for `--concurrency N` (n <= 0: unlimited).
---@return hfl.proc.Semaphore
function M.semaphore(n)
  if n == nil or n <= 0 then n = math.huge end
  return setmetatable({ free = n, waiters = {} }, Semaphore)
end

function Semaphore:acquire()
  if self.free > 0 then
    self.free = self.free - 1
    return
  end
  suspend(self.waiters)  -- release() hands its slot straight to us
end

function Semaphore:release()
  local w = table.remove(self.waiters, 1)
  if w then wake(w) else self.free = self.free + 1 end
end

--- Runs fn(...) holding a slot; returns its values, raises its error.
function Semaphore:with(fn, ...)
  self:acquire()
  local function after(ok, ...)
    self:release()
    if not ok then error((...), 0) end
    return ...
  end
  return after(pcall(fn, ...))
end

--- fn(item, i) for every item, at most n at once, each in its own task; the results in order.
--- Raises the first error (after the other items finished).
---@return table results
function M.map(items, n, fn)
  local count, next_i, results = #items, 0, {}
  if n == nil or n <= 0 then n = count end
  local workers = {}
  for w = 1, math.min(n, count) do
    workers[w] = M.go(function()
      while next_i < count do
        next_i = next_i + 1
        local i = next_i
        results[i] = fn(items[i], i)
      end
    end)
  end
  local first
  for _, t in ipairs(workers) do
    local ok, err = pcall(t.join, t)
    if not ok and not first then first = err end
  end
  if first then error(first, 0) end
  return results
end

---------------------------------------------------------------------------------------------
-- Other event sources on the loop

--- Calls fn() after every turn of the loop, so a module with its own C event source on the
--- loop (hfl.http) can collect what finished and wake its waiters with an event.
function M.on_step(fn)
  step_hooks[#step_hooks + 1] = fn
end

---@class hfl.proc.Event
local Event = {}
Event.__index = Event

--- A one-shot event: ev:wait() suspends the caller (yields in a task, drives the loop outside
--- one) until ev:fire(...), and returns fire's values; after the fire it returns at once.
---@return hfl.proc.Event
function M.event()
  return setmetatable({ fired = false, waiters = {} }, Event)
end

function Event:wait()
  if not self.fired then suspend(self.waiters) end
  return unpack(self.values, 1, self.values.n)
end

function Event:fire(...)
  if self.fired then return end
  self.fired, self.values = true, { n = select("#", ...), ... }
  for _, w in ipairs(self.waiters) do wake(w, ...) end
  self.waiters = {}
end

---------------------------------------------------------------------------------------------
-- Signals

local names = { [2] = "SIGINT", [15] = "SIGTERM" }

--- The signal hfl received while children ran (they got it too), or nil.
---@return string|nil name, integer|nil number  e.g. "SIGINT", 2
function M.interrupted()
  local n = core.interrupted()
  if n then return names[n] or ("signal " .. n), n end
  return nil
end

--- The exit status the CLI should end with after an interrupt (130, 143), or nil.
---@return integer|nil
function M.exit_code()
  local n = core.interrupted()
  return n and 128 + n or nil
end

--- Seconds children get after a forwarded SIGINT/SIGTERM before SIGKILL (default 10).
function M.set_interrupt_grace(seconds)
  core.set_interrupt_grace(seconds)
end

--- Runs fn(...) with SIGINT/SIGTERM trapped throughout, not only while children run: a signal
--- that comes while hfl works in Lua between children does not kill it; interrupted() reports
--- it and the next child gets it forwarded at once, so the caller can clean up instead of
--- dying with temp files left. Returns fn's values, raises its error.
function M.with_signals_trapped(fn, ...)
  core.hold()
  local function after(ok, ...)
    core.release()
    if not ok then error((...), 0) end
    return ...
  end
  return after(pcall(fn, ...))
end

--- Forgets an interrupt, so spawning works again (a REPL after Ctrl-C).
function M.clear_interrupt()
  core.clear_interrupt()
end

--- Children running now.
---@return integer
function M.live()
  return core.live()
end

M.now = core.now

return M
