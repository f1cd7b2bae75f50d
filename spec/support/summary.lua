-- busted output handler: a dot per test, details of failures and errors, then the one line
-- CI reads: "N passed, N failed" (errors and failures both count as failed).
-- With `-Xoutput worker` (spec/support/run-specs.sh running files in parallel) no dots: the
-- runner prints this file's details and sums the last lines of every file.
return function(options)
  local busted = require "busted"
  local handler = require("busted.outputHandlers.base")()
  local write = function(s) io.stdout:write(s) io.stdout:flush() end
  local column = 0
  local worker = false
  for _, a in ipairs(options.arguments or {}) do worker = worker or a == "worker" end

  local function mark(c)
    if worker then return end
    write(c)
    column = column + 1
    if column == 80 then write("\n") column = 0 end
  end

  local function describe(element)
    local trace = element.trace or (element.element and element.element.trace)
    local where = trace and (trace.short_src .. ":" .. (trace.currentline or 0)) or "?"
    return where
  end

  handler.testEnd = function(element, parent, status)
    mark(({ success = ".", failure = "F", error = "E", pending = "-" })[status] or "?")
    return nil, true
  end

  handler.suiteEnd = function()
    if not worker then write("\n") end
    local function details(list, label)
      for _, t in ipairs(list) do
        write(("\n%s: %s\n  %s\n"):format(label, handler.getFullName(t), describe(t)))
        local msg = t.message
        if type(msg) ~= "string" then msg = require("pl.pretty").write(msg) end
        write("  " .. tostring(msg):gsub("\n", "\n  ") .. "\n")
        if options.verbose and t.trace and t.trace.traceback then write(t.trace.traceback .. "\n") end
      end
    end
    details(handler.failures, "FAIL")
    details(handler.errors, "ERROR")
    for _, t in ipairs(handler.pendings) do
      write(("PENDING: %s (%s)\n"):format(handler.getFullName(t), describe(t)))
    end
    local failed = #handler.failures + #handler.errors
    write(("\n%d passed, %d failed\n"):format(#handler.successes, failed))
    return nil, true
  end

  busted.subscribe({ "test", "end" }, handler.testEnd, { predicate = handler.cancelOnPending })
  busted.subscribe({ "suite", "end" }, handler.suiteEnd)
  return handler
end
