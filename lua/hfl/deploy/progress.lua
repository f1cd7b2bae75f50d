--- hfl.deploy.progress: what the scheduler is doing, as the run goes.
--
-- On a terminal a live board, one line per release (pending, running with its elapsed time,
-- done, failed, skipped, cancelled), redrawn in place at most REDRAW_RATE times a second;
-- elsewhere (CI logs, pipes) one line when a release starts and one when it ends:
--
--   web/api: started
--   web/api: done (1.2s)
--   web/db: failed (0.3s)
--   web/app: skipped (web/db failed)
--
--   local p = progress.new{ stream = io.stderr, tty = fs.isatty(2), color = true }
--   scheduler.run(g, { work = work, on_event = function(...) p:event(...) end })
--   p:finish()
local proc = require "hfl.proc"

local M = {}

--- Redraws a second, at most.
M.REDRAW_RATE = 10

local COLORS = { ok = "32", failed = "31", skipped = "33", cancelled = "33", running = "36" }
local SYMBOL = { pending = "·", running = "●", ok = "✓", failed = "✗", skipped = "-", cancelled = "-" }
local WORD = { pending = "pending", running = "running", ok = "done", failed = "failed",
  skipped = "skipped", cancelled = "cancelled" }

--- A duration for people: "0.4s", "12.3s", "2m05s".
---@param seconds number
---@return string
function M.duration(seconds)
  if seconds < 59.95 then return ("%.1fs"):format(seconds) end
  local s = math.floor(seconds + 0.5)
  return ("%dm%02ds"):format(math.floor(s / 60), s % 60)
end

local Progress = {}
Progress.__index = Progress

--- A progress display.
---@param opts? {stream?: file*|{write: function}, tty?: boolean, color?: boolean,
---   now?: fun(): number, max_lines?: integer, mask?: fun(text: string): string}
---   stream: where to write (default io.stderr); tty: draw the board (default: line mode);
---   color: ANSI colours; now: the clock (default hfl.proc.now); max_lines: board height
---   before it folds (default $LINES - 2, else 30); mask: hides secrets in every line
---   written (session:mask)
---@return table progress
function M.new(opts)
  opts = opts or {}
  local lines = tonumber(os.getenv("LINES") or "")
  return setmetatable({
    stream = opts.stream or io.stderr, tty = opts.tty == true, color = opts.color == true,
    now = opts.now or proc.now, max_lines = opts.max_lines or (lines and lines - 2) or 30,
    mask = opts.mask or function(text) return text end,
    nodes = {}, by_id = {}, drawn = 0, last_draw = -math.huge, ticking = false, running = 0,
  }, Progress)
end

function Progress:_paint(status, text)
  if not self.color or not COLORS[status] then return text end
  return ("\27[%sm%s\27[0m"):format(COLORS[status], text)
end

function Progress:_entry(node)
  local e = self.by_id[node.id]
  if not e then
    e = { id = node.id, status = "pending" }
    self.by_id[node.id] = e
    self.nodes[#self.nodes + 1] = e
  end
  return e
end

--- Makes every node of g show as pending on the board before anything starts.
---@param g table  a graph
function Progress:plan(g)
  for _, node in ipairs(g.nodes) do self:_entry(node) end
end

function Progress:_line(kind, node, info)
  local text
  if kind == "start" then
    text = node.id .. ": started"
  elseif kind == "skipped" then
    text = node.id .. ": skipped" .. (info.because and (" (" .. info.because .. " failed)") or "")
  elseif kind == "cancelled" then
    text = node.id .. ": cancelled"
  else
    text = ("%s: %s (%s)"):format(node.id, WORD[kind == "done" and "ok" or kind],
      M.duration(info.duration or 0))
  end
  self.stream:write(self:_paint(kind == "done" and "ok" or kind, self.mask(text)), "\n")
end

--- Takes a scheduler event (pass `function(...) p:event(...) end` as on_event).
---@param kind string  "start" | "done" | "failed" | "skipped" | "cancelled"
---@param node table
---@param info? table
function Progress:event(kind, node, info)
  info = info or {}
  if not self.tty then return self:_line(kind, node, info) end
  local e = self:_entry(node)
  if kind == "start" then
    e.status, e.started = "running", self.now()
    self.running = self.running + 1
    self:_tick()
  else
    if e.status == "running" then self.running = self.running - 1 end
    e.status = kind == "done" and "ok" or kind
    e.duration = info.duration
  end
  self:_maybe_draw()
end

-- While something runs, the board is redrawn for its elapsed times; the ticker ends when
-- nothing runs, so it never keeps the event loop busy on its own.
function Progress:_tick()
  if self.ticking then return end
  self.ticking = true
  proc.go(function()
    while self.running > 0 and not self.finished do
      proc.sleep(1 / M.REDRAW_RATE)
      if self.running > 0 and not self.finished then self:_maybe_draw() end
    end
    self.ticking = false
  end)
end

function Progress:_maybe_draw()
  local t = self.now()
  if t - self.last_draw < 1 / M.REDRAW_RATE then
    self.dirty = true
    return
  end
  self:_draw(t)
end

function Progress:_row(e, width, t)
  local time = ""
  if e.status == "running" then time = M.duration(t - e.started)
  elseif e.duration then time = M.duration(e.duration) end
  local text = ("%s %-" .. width .. "s  %-9s %s"):format(SYMBOL[e.status], e.id, WORD[e.status], time)
  return self:_paint(e.status, self.mask((text:gsub("%s+$", ""))))
end

-- The rows to show: all when they fit, else running and failed ones first and a count of the rest.
function Progress:_visible()
  local fold = self.max_lines
  if #self.nodes <= fold then return self.nodes, 0 end
  local rank = { running = 1, failed = 2 }
  local pick = {}
  for _, e in ipairs(self.nodes) do
    if rank[e.status] then pick[#pick + 1] = e end
  end
  local shown = {}
  for i = 1, math.min(#pick, fold - 1) do shown[i] = pick[i] end
  return shown, #self.nodes - #shown
end

function Progress:_erase()
  if self.drawn > 0 then
    self.stream:write(("\27[%dA"):format(self.drawn), "\r\27[J")
    self.drawn = 0
  end
end

function Progress:_draw(t)
  t = t or self.now()
  self.last_draw, self.dirty = t, false
  local shown, folded = self:_visible()
  local width = 0
  for _, e in ipairs(shown) do width = math.max(width, #e.id) end
  local out = {}
  for i, e in ipairs(shown) do out[i] = self:_row(e, width, t) end
  if folded > 0 then
    local count = {}
    for _, e in ipairs(self.nodes) do count[e.status] = (count[e.status] or 0) + 1 end
    out[#out + 1] = ("… %d more: %d done, %d pending, %d failed, %d skipped"):format(folded,
      count.ok or 0, count.pending or 0, count.failed or 0, (count.skipped or 0) + (count.cancelled or 0))
  end
  self:_erase()
  self.stream:write(table.concat(out, "\n"), #out > 0 and "\n" or "")
  self.drawn = #out
end

--- Prints text (a failed release's helm output, a log line) without garbling the board: the
--- board is erased, the text written, the board drawn again below it.
---@param text string
function Progress:print(text)
  if text:sub(-1) ~= "\n" then text = text .. "\n" end
  text = self.mask(text)
  if not self.tty then return self.stream:write(text) end
  self:_erase()
  self.stream:write(text)
  self:_draw()
end

--- Draws the final board (on a terminal) and stops redrawing.
function Progress:finish()
  if self.finished then return end
  self.finished = true
  if self.tty and (self.dirty or self.drawn > 0 or #self.nodes > 0) then self:_draw() end
end

return M
