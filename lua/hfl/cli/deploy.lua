--- What apply, sync and destroy share on the command line: their flags turned into
--- hfl.deploy.run options, the progress display, the --interactive question, and printing the
--- plan, the summary and the exit code.
local clistate = require "hfl.cli.state"
local log = require "hfl.log"

local M = {}

--- The plan and report flags of apply, sync and destroy.
---@param set hfl.cli.FlagSet
function M.plan_flags(set)
  set:bool("dry-run", "print what would be installed, upgraded and uninstalled; change nothing")
  set:string("plan-file", "write the plan to FILE as JSON and change nothing", { arg = "FILE" })
  set:string("from-plan", "carry out exactly the plan in FILE (refused if a release changed since)",
    { arg = "FILE" })
  set:string("report", "write the run's outcome per release to FILE as JSON", { arg = "FILE" })
  set:string("resume", "skip the releases that FILE (a --report of a failed run) says succeeded",
    { arg = "FILE" })
end

--- The deploy options of an invocation: the command's flags as they are (their keys are the
--- option names), plus the global flags a deploy uses.
---@param inv hfl.cli.Invocation
---@return table
function M.options(inv)
  local g = inv.global or {}
  local opts = {}
  for k, v in pairs(inv.options) do opts[k] = v end
  opts.debug = g.debug
  opts.live_output = g.enable_live_output
  opts.strip_args_values = g.strip_args_values_on_exit_error
  opts.color = log.color("stdout")
  if os.getenv("HELM_DIFF_THREE_WAY_MERGE") == "true" and opts.three_way == false then
    opts.three_way = true
  end
  if opts.output == "" then opts.output = nil end
  return opts
end

-- Asks once on the terminal, as Helmfile does: "… [y/n]: ".
local function confirm(text, diff_text)
  if diff_text and diff_text ~= "" then io.stdout:write(diff_text) io.stdout:flush() end
  io.stderr:write(text, "Do you really want to continue? [y/n]: ")
  io.stderr:flush()
  local answer = io.stdin:read("*l")
  answer = answer and answer:lower():gsub("^%s+", ""):gsub("%s+$", "")
  return answer == "y" or answer == "yes"
end

local function print_outcome(result, opts, session)
  if result.dry_run then
    io.stdout:write(opts.output == "json" and result.plan_json or result.plan_text)
    return
  end
  local report = require "hfl.deploy.report"
  local text = report.summary(result.rows, { color = log.color("stderr"),
    mask = function(t) return session:mask(t) end })
  if text ~= "" then io.stderr:write("\n", text) end
end

--- Loads the state, runs `method` ("apply", "sync", "destroy") and prints the outcome.
---@param inv hfl.cli.Invocation
---@param method string
---@return integer|nil code, string|nil err
function M.run(inv, method)
  local st, err, code = clistate.load(inv)
  if not st then return code, err end
  local opts = M.options(inv)
  if inv.global.interactive and not opts.dry_run and not opts.plan_file then opts.confirm = confirm end
  if method == "apply" and not opts.dry_run and not opts.plan_file and not opts.confirm then
    opts.on_plan = function(_, diff_text) io.stdout:write(diff_text) end
  end
  local progress = require("hfl.deploy.progress").new {
    stream = io.stderr, tty = log.isatty(2), color = log.color("stderr"),
    mask = function(t) return st.session:mask(t) end }
  opts.on_event = function(kind, node, info) progress:event(kind, node, info) end
  opts.on_graph = function(g) progress:plan(g) end
  -- log lines go above the board, never through it
  local write = log.write
  log.write = function(s) progress:print(s) end
  local ok, result
  ok, result, err = pcall(st[method], st, opts)
  log.write = write
  progress:finish()
  if not ok then error(result, 0) end
  if not result then return nil, err end
  if #result.plan.items == 0 then return clistate.no_match(st:no_match_message(), inv) end
  print_outcome(result, opts, st.session)
  if #result.errors > 0 then return nil, require("hfl.errlist").combined(result.errors) end
  if result.aborted then return 0 end
  if opts.detailed_exitcode and result.changed > 0 then return 2 end
  return 0
end

local DIFF_FORMATS = { diff = true, simple = true, json = true, template = true }

--- Runs `hfl diff`: the diff of every selected release on stdout, in plan order.
---@param inv hfl.cli.Invocation
---@return integer|nil code, string|nil err
function M.run_diff(inv)
  local st, err, code = clistate.load(inv)
  if not st then return code, err end
  local opts = M.options(inv)
  if opts.output and not DIFF_FORMATS[opts.output] then
    return nil, ('unknown --output "%s": want diff, simple, json or template'):format(opts.output)
  end
  local result
  result, err = st:diff(opts)
  if not result then return nil, err end
  if #result.plan.items == 0 then return clistate.no_match(st:no_match_message(), inv) end
  io.stdout:write(result.diff_text)
  if #result.errors > 0 then return nil, require("hfl.errlist").combined(result.errors) end
  if opts.detailed_exitcode and result.changed > 0 then return 2 end
  return 0
end

--- Runs `method` ("status", "test") of the invocation's state and prints each release's helm
--- output in plan order; the failures together at the end.
---@param inv hfl.cli.Invocation
---@param method string
---@return integer|nil code, string|nil err
function M.run_each(inv, method)
  local st, err, code = clistate.load(inv)
  if not st then return code, err end
  local opts = {}
  for k, v in pairs(inv.options) do opts[k] = v end
  opts.live_output = inv.global.enable_live_output
  local results
  results, err = st[method](st, opts)
  if not results then return nil, err end
  if #results == 0 then return clistate.no_match(st:no_match_message(), inv) end
  local errors = {}
  for _, x in ipairs(results) do
    io.stdout:write(st.session:mask(x.output))
    if not x.ok then errors[#errors + 1] = x.error end
  end
  if #errors > 0 then return nil, table.concat(errors, "\n") end
  return 0
end

return M
