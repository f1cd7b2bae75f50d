--- Logging to stderr with levels (debug < info < warn < error) and colour decisions for
--- stderr and stdout. Tests replace the seams: M.isatty, M.getenv, M.write.
local redact = require "hfl.redact"

local M = {}

M.LEVELS = { debug = 1, info = 2, warn = 3, error = 4 }

local ANSI = { red = "31", yellow = "33", green = "32", cyan = "36", dim = "2", bold = "1" }
local FD = { stdout = 1, stderr = 2 }

local state = { level = M.LEVELS.info, color_mode = "auto" }

--- Whether file descriptor `fd` is a terminal. Seam for tests.
---@param fd integer
---@return boolean
function M.isatty(fd)
  return require("hfl.fs").isatty(fd)
end

--- os.getenv. Seam for tests.
---@param name string
---@return string|nil
function M.getenv(name)
  return os.getenv(name)
end

--- Writes one finished line to stderr. Seam for tests.
---@param s string
function M.write(s)
  io.stderr:write(s)
end

--- Sets the level and the colour mode ("always", "never" or "auto"); both optional.
---@param opts {level: string|nil, color_mode: string|nil}
function M.setup(opts)
  if opts.level then
    state.level = assert(M.LEVELS[opts.level], "unknown log level " .. tostring(opts.level))
  end
  state.color_mode = opts.color_mode or state.color_mode
  state.color = {}
end

--- The current level's name.
---@return string
function M.level()
  for name, n in pairs(M.LEVELS) do
    if n == state.level then return name end
  end
end

--- Whether messages at `level` are written.
---@param level string
---@return boolean
function M.enabled(level)
  return M.LEVELS[level] >= state.level
end

--- The colour decision for a mode and the environment, without caching (pure but for seams):
--- "always" → on, "never" → off; "auto" → off with a non-empty NO_COLOR (no-color.org) or
--- HELMFILE_NO_COLOR=true, else on only when `stream` is a terminal and TERM is not "dumb".
---@param mode string
---@param stream "stdout"|"stderr"
---@return boolean
function M.decide_color(mode, stream)
  if mode == "always" then return true end
  if mode == "never" then return false end
  local no_color = M.getenv("NO_COLOR")
  if (no_color ~= nil and no_color ~= "") or M.getenv("HELMFILE_NO_COLOR") == "true" then return false end
  if M.getenv("TERM") == "dumb" then return false end
  return M.isatty(FD[stream])
end

--- Whether output on `stream` ("stdout" or "stderr", default "stderr") should be coloured.
---@param stream "stdout"|"stderr"|nil
---@return boolean
function M.color(stream)
  stream = stream or "stderr"
  state.color = state.color or {}
  if state.color[stream] == nil then
    state.color[stream] = M.decide_color(state.color_mode, stream)
  end
  return state.color[stream]
end

--- `text` wrapped in the ANSI colour `name` when `stream` is coloured, else `text`.
---@param text string
---@param name string  red, yellow, green, cyan, dim or bold
---@param stream "stdout"|"stderr"|nil
---@return string
function M.paint(text, name, stream)
  if not M.color(stream) then return text end
  return "\27[" .. ANSI[name] .. "m" .. text .. "\27[0m"
end

local PREFIX = { warn = { "warning: ", "yellow" }, error = { "error: ", "red" } }

local function _emit(level, fmt, ...)
  if not M.enabled(level) then return end
  local msg = select("#", ...) > 0 and fmt:format(...) or tostring(fmt)
  local p = PREFIX[level]
  if p then
    msg = M.paint(p[1], p[2]) .. msg
  elseif level == "debug" then
    msg = M.paint(msg, "dim")
  end
  M.write(redact.text(msg) .. "\n")
end

--- Logs at debug level; `fmt` is a string.format pattern when arguments follow.
---@param fmt string
function M.debug(fmt, ...) _emit("debug", fmt, ...) end
--- Logs at info level.
---@param fmt string
function M.info(fmt, ...) _emit("info", fmt, ...) end
--- Logs at warn level, prefixed "warning: ".
---@param fmt string
function M.warn(fmt, ...) _emit("warn", fmt, ...) end
--- Logs at error level, prefixed "error: ".
---@param fmt string
function M.error(fmt, ...) _emit("error", fmt, ...) end

return M
