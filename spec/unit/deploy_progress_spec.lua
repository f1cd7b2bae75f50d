-- Specs of hfl.deploy.progress: one line per start and end off a terminal, a board redrawn in
-- place on one (through a stream that records what a terminal would get).
local proc = require "hfl.proc"
local progress = require "hfl.deploy.progress"
local scheduler = require "hfl.deploy.scheduler"

local function stream()
  local s = { out = {} }
  function s:write(...)
    for _, v in ipairs { ... } do self.out[#self.out + 1] = v end
    return self
  end
  function s:text() return table.concat(self.out) end
  return s
end

local function node(id) return { id = id, needs = {}, dependents = {} } end

-- What a terminal shows after the escapes: cursor up N + erase below drop the last N lines.
local function screen(text)
  local lines = {}
  local pos = 1
  while pos <= #text do
    local up, after = text:match("^\27%[(%d+)A\r\27%[J()", pos)
    if up then
      for _ = 1, tonumber(up) do lines[#lines] = nil end
      pos = after
    else
      local nl = text:find("\n", pos, true) or #text + 1
      lines[#lines + 1] = text:sub(pos, nl - 1)
      pos = nl + 1
    end
  end
  return lines
end

describe("hfl.deploy.progress #unit", function()
  describe("off a terminal", function()
    it("writes one line per start and per end, with the duration", function()
      local s = stream()
      local p = progress.new { stream = s }
      local api, db, web = node("web/api"), node("web/db"), node("web/app")
      p:event("start", db, {})
      p:event("start", api, {})
      p:event("done", api, { duration = 1.24 })
      p:event("failed", db, { duration = 0.31, error = "boom" })
      p:event("skipped", web, { because = "web/db" })
      p:event("cancelled", node("x"), {})
      p:event("done", node("slow"), { duration = 125 })
      p:finish()
      assert.equal(table.concat({
        "web/db: started", "web/api: started", "web/api: done (1.2s)", "web/db: failed (0.3s)",
        "web/app: skipped (web/db failed)", "x: cancelled", "slow: done (2m05s)", "" }, "\n"), s:text())
    end)

    it("colours only when asked", function()
      local s = stream()
      local p = progress.new { stream = s, color = true }
      p:event("failed", node("a"), { duration = 1 })
      assert.equal("\27[31ma: failed (1.0s)\27[0m\n", s:text())
    end)

    it("follows a scheduler run", function()
      local s = stream()
      local p = progress.new { stream = s }
      local a, b = node("a"), node("b")
      b.needs, a.dependents = { a }, { b }
      scheduler.run({ nodes = { a, b } }, { work = function() return true end,
        on_event = function(...) p:event(...) end })
      local lines = screen(s:text())
      assert.same({ "a: started", "a: done", "b: started", "b: done" },
        { lines[1], lines[2]:match("^a: done"), lines[3], lines[4]:match("^b: done") })
    end)
  end)

  describe("on a terminal", function()
    local t
    local function clock() return t end
    before_each(function() t = 100 end)

    it("draws every release's state and elapsed time, redrawn in place", function()
      local s = stream()
      local p = progress.new { stream = s, tty = true, now = clock }
      local a, b, c = node("web/api"), node("db"), node("web/app")
      p:plan { nodes = { a, b, c } }
      p:event("start", a, {})
      p:event("start", b, {})       -- within 0.1 s of the last draw: not drawn yet
      t = 102.5
      p:event("failed", b, { duration = 2.5 })
      p:event("skipped", c, { because = "db" })
      t = 103
      p:finish()
      assert.same({
        "● web/api  running   3.0s",
        "✗ db       failed    2.5s",
        "- web/app  skipped",
      }, screen(s:text()))
      assert.matches("\27%[3A\r\27%[J", s:text())
    end)

    it("redraws at most ten times a second", function()
      local s = stream()
      local p = progress.new { stream = s, tty = true, now = clock }
      local draws = 0
      local write = s.write
      function s.write(self, first, ...)
        if first:match("^[●✓✗·%-]") then draws = draws + 1 end
        return write(self, first, ...)
      end
      for i = 1, 50 do
        t = 100 + i * 0.01   -- 50 events in half a second
        p:event("start", node("r" .. i), {})
      end
      p.finished = true      -- stop the elapsed-time ticker; count only the events' draws
      assert.is_true(draws >= 4 and draws <= 6, "drew " .. draws .. " times")
    end)

    it("prints a failed release's output above the board, not through it", function()
      local s = stream()
      local p = progress.new { stream = s, tty = true, now = clock }
      local a, b = node("a"), node("b")
      p:plan { nodes = { a, b } }
      p:event("start", a, {})
      t = 101
      p:event("failed", a, { duration = 1 })
      p:print("helm output line 1\nhelm output line 2")
      p.finished = true
      assert.same({ "helm output line 1", "helm output line 2", "✗ a  failed    1.0s", "· b  pending" },
        screen(s:text()))
    end)

    it("folds a board taller than the screen to what runs or failed, and a count", function()
      local s = stream()
      local p = progress.new { stream = s, tty = true, now = clock, max_lines = 3 }
      local nodes = {}
      for i = 1, 6 do nodes[i] = node("r" .. i) end
      p:plan { nodes = nodes }
      p:event("start", nodes[2], {})
      p:event("done", nodes[1], { duration = 1 })
      t = 101
      p:finish()
      assert.same({ "● r2  running   1.0s", "… 5 more: 1 done, 4 pending, 0 failed, 0 skipped" }, screen(s:text()))
    end)

    it("keeps the elapsed time of running releases current while nothing else happens", function()
      local s = stream()
      local p = progress.new { stream = s, tty = true }
      p:event("start", node("a"), {})
      proc.sleep(0.35)
      p:event("done", node("a"), { duration = 0.35 })
      p:finish()
      local running = 0
      for _ in s:text():gmatch("running") do running = running + 1 end
      assert.is_true(running >= 3, "redrawn " .. running .. " times while running")
    end)
  end)

  describe("duration()", function()
    it("shows tenths below a minute, minutes and seconds above", function()
      assert.equal("0.0s", progress.duration(0.01))
      assert.equal("59.9s", progress.duration(59.9))
      assert.equal("1m00s", progress.duration(59.96))
      assert.equal("61m01s", progress.duration(3661))
    end)
  end)
end)
