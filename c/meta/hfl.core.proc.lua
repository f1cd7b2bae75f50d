---@meta
-- Editor stub for the C module hfl.core.proc (c/l_proc.c). Domain code uses hfl.proc.

---@class hfl.core.proc
local proc = {}

---@class hfl.core.proc.Child
local Child = {}
---@return integer
function Child:pid() end
---@return boolean
function Child:done() end
--- Pending data of stream 1 (stdout) or 2 (stderr) when it is streamed; "" at EOF, nil when none.
---@param stream integer
---@return string|nil
function Child:take(stream) end
---@return {code: integer?, signal: integer?, timed_out: boolean, stdout: string?, stderr: string?, stdout_truncated: boolean, stderr_truncated: boolean, duration: number}|nil
function Child:result() end
---@return true|nil ok, string? err
function Child:kill(sig) end

--- Starts argv without a shell.
---@param argv string[]
---@param opts? {env?: table<string, string|false>, env_replace?: boolean, cwd?: string, stdin?: string, stdin_mode?: string, stdout?: "capture"|"stream"|"inherit"|"null", stderr?: "capture"|"stream"|"inherit"|"null", max_output?: integer, timeout?: number, grace?: number, group?: boolean}
---@return hfl.core.proc.Child|nil child, string? err
function proc.spawn(argv, opts) end
--- One turn of the event loop; the children with news.
---@param timeout_ms integer
---@return hfl.core.proc.Child[]
function proc.step(timeout_ms) end
---@return integer
function proc.live() end
---@return integer
function proc.watching() end
---@return integer|nil signum
function proc.interrupted() end
function proc.clear_interrupt() end
--- Traps SIGINT/SIGTERM (as while children run) until the matching release().
function proc.hold() end
--- Ends one hold().
function proc.release() end
---@param seconds number
function proc.set_interrupt_grace(seconds) end
---@return number seconds  monotonic clock
function proc.now() end
---@param name string|integer
---@return integer
function proc.signum(name) end

return proc
