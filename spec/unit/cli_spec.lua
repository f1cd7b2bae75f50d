-- Unit specs of hfl's command line: parsing, environment fallbacks, errors, exit codes, colour.
local cli = require "hfl.cli"
local commands = require "hfl.cli.commands"
local log = require "hfl.log"

local function env(vars)
  return function(name) return vars[name] end
end

local function parse(argv, vars)
  return cli.parse(argv, env(vars or {}))
end

-- Runs cli.main with stderr captured; returns exit code and what went to stderr.
local function main(argv, vars)
  local err, saved_err, saved_env = {}, cli.err, cli.getenv
  cli.err = function(s) err[#err + 1] = s end
  cli.getenv = env(vars or {})
  local ok, code = pcall(cli.main, argv)
  cli.err, cli.getenv = saved_err, saved_env
  assert(ok, code)
  return code, table.concat(err)
end

describe("hfl.cli #unit", function()
  describe("parse()", function()
    it("finds the command after global flags", function()
      local inv = assert(parse({ "-e", "prod", "--namespace", "web", "diff" }))
      assert.equal("diff", inv.command)
      assert.equal("prod", inv.global.environment)
      assert.equal("web", inv.global.namespace)
    end)

    it("accepts global flags after the command", function()
      local inv = assert(parse({ "diff", "-e", "prod", "--kube-context=kind" }))
      assert.equal("diff", inv.command)
      assert.equal("prod", inv.global.environment)
      assert.equal("kind", inv.global.kube_context)
    end)

    it("accepts a command's own flags before the command", function()
      local inv = assert(parse({ "--detailed-exitcode", "diff" }))
      assert.is_true(inv.options.detailed_exitcode)
    end)

    it("reads --flag=value, --flag value, -e prod, -eprod and -e=prod alike", function()
      for _, argv in ipairs({ { "--environment=prod" }, { "--environment", "prod" },
                              { "-e", "prod" }, { "-eprod" }, { "-e=prod" } }) do
        argv[#argv + 1] = "list"
        assert.equal("prod", assert(parse(argv)).global.environment)
      end
    end)

    it("collects repeatable flags in order, values kept verbatim", function()
      local inv = assert(parse({ "-l", "name=a", "diff", "--selector=tier=db,app=x",
                                 "--state-values-set", "a=1", "--state-values-set", "b=2",
                                 "--state-values-file", "x.yaml", "--set", "k=v,w" }))
      assert.same({ "name=a", "tier=db,app=x" }, inv.global.selector)
      assert.same({ "a=1", "b=2" }, inv.global.state_values_set)
      assert.same({ "x.yaml" }, inv.global.state_values_file)
      assert.same({ "k=v,w" }, inv.options.set)
    end)

    it("lets the last value of a single-valued flag win", function()
      assert.equal("b", assert(parse({ "-e", "a", "-e", "b", "list" })).global.environment)
    end)

    it("reads clustered switches such as -qi", function()
      local inv = assert(parse({ "-qi", "sync" }))
      assert.is_true(inv.global.quiet)
      assert.is_true(inv.global.interactive)
    end)

    it("turns a switch off with --flag=false", function()
      assert.is_false(assert(parse({ "diff", "--skip-needs=false" })).options.skip_needs)
      assert.is_true(assert(parse({ "diff" })).options.skip_needs)
    end)

    it("treats everything after -- as arguments, not flags", function()
      local inv = assert(parse({ "run", "--", "deploy.lua", "-e", "x" }))
      assert.same({ "deploy.lua", "-e", "x" }, inv.args)
      assert.equal("default", inv.global.environment)
    end)

    it("gives run's SCRIPT every token after it, -- and flags included", function()
      local inv = assert(parse({ "-e", "prod", "run", "deploy.lua", "--", "-e", "x", "--env" }))
      assert.same({ "deploy.lua", "--", "-e", "x", "--env" }, inv.args)
      assert.equal("prod", inv.global.environment)
    end)

    it("gives defaults: environment default, helm binary helm, concurrency 0", function()
      local g = assert(parse({ "list" })).global
      assert.equal("default", g.environment)
      assert.equal("helm", g.helm_binary)
      assert.equal(0, g.concurrency)
      assert.equal("info", g.log_level)
      assert.equal("auto", g.color_mode)
      assert.same({}, g.selector)
    end)

    it("reads integers for --concurrency", function()
      assert.equal(4, assert(parse({ "--concurrency", "4", "apply" })).global.concurrency)
    end)

    it("records which flags the user gave", function()
      local inv = assert(parse({ "-n", "x", "list" }))
      assert.is_true(inv.explicit.namespace)
      assert.is_nil(inv.explicit.environment)
    end)
  end)

  describe("parse() with environment variables", function()
    it("falls back to HELMFILE_* variables for absent flags", function()
      local g = assert(parse({ "list" }, {
        HELMFILE_ENVIRONMENT = "staging", HELMFILE_FILE_PATH = "h.yaml",
        HELMFILE_NAMESPACE = "ns", HELMFILE_KUBE_CONTEXT = "ctx", HELMFILE_HELM_BINARY = "helm4",
        HELMFILE_INTERACTIVE = "true", HELMFILE_REPO_RETRIES = "3",
      })).global
      assert.equal("staging", g.environment)
      assert.equal("h.yaml", g.file)
      assert.equal("ns", g.namespace)
      assert.equal("ctx", g.kube_context)
      assert.equal("helm4", g.helm_binary)
      assert.is_true(g.interactive)
      assert.equal(3, g.repo_retries)
    end)

    it("prefers the flag over the variable", function()
      local g = assert(parse({ "-e", "prod", "list" }, { HELMFILE_ENVIRONMENT = "staging" })).global
      assert.equal("prod", g.environment)
    end)

    it("treats boolean variables as set only when they are \"true\"", function()
      assert.is_nil(assert(parse({ "list" }, { HELMFILE_INTERACTIVE = "yes" })).global.interactive)
    end)

    it("turns colour off with a non-empty NO_COLOR or HELMFILE_NO_COLOR=true", function()
      assert.equal("never", assert(parse({ "list" }, { NO_COLOR = "1" })).global.color_mode)
      assert.equal("auto", assert(parse({ "list" }, { NO_COLOR = "" })).global.color_mode)
      assert.equal("never", assert(parse({ "list" }, { HELMFILE_NO_COLOR = "true" })).global.color_mode)
    end)

    it("lets --color win over NO_COLOR", function()
      assert.equal("always", assert(parse({ "--color", "list" }, { NO_COLOR = "1" })).global.color_mode)
    end)

    it("takes the log level from HELMFILE_LOG_LEVEL, HELMFILE_DEBUG and HELMFILE_QUIET", function()
      assert.equal("warn", assert(parse({ "list" }, { HELMFILE_LOG_LEVEL = "warn" })).global.log_level)
      assert.equal("debug", assert(parse({ "list" }, { HELMFILE_DEBUG = "true" })).global.log_level)
      assert.equal("warn", assert(parse({ "list" }, { HELMFILE_QUIET = "true" })).global.log_level)
    end)

    it("rejects an unknown HELMFILE_LOG_LEVEL, naming the variable", function()
      local _, err = parse({ "list" }, { HELMFILE_LOG_LEVEL = "loud" })
      assert.matches("HELMFILE_LOG_LEVEL", err, 1, true)
    end)
  end)

  describe("parse() errors", function()
    it("suggests the closest command for a mistyped one", function()
      local _, err = parse({ "aply" })
      assert.equal('unknown command "aply" (did you mean "apply"?)', err)
    end)

    it("suggests the closest flag for a mistyped one", function()
      local _, err = parse({ "--enviroment", "prod", "diff" })
      assert.equal('unknown flag "--enviroment" (did you mean "--environment"?)', err)
    end)

    it("rejects a command's flag given to another command", function()
      local _, err = parse({ "list", "--detailed-exitcode" })
      assert.matches('unknown flag "--detailed-exitcode"', err, 1, true)
    end)

    it("refuses --color together with --no-color", function()
      local _, err = parse({ "--color", "diff", "--no-color" })
      assert.equal("--color and --no-color cannot be used together", err)
    end)

    it("says which flag lacks its value", function()
      local _, err = parse({ "list", "-e" })
      assert.equal("flag -e/--environment needs a value", err)
    end)

    it("does not take the command name as a flag's value", function()
      local _, err = parse({ "--output", "list" })
      assert.equal("flag --output needs a value", err)
    end)

    it("rejects values outside a flag's choices, listing them", function()
      local _, err = parse({ "version", "-o", "xml" })
      assert.equal('invalid value "xml" for -o/--output: must be one of json, yaml, short', err)
      _, err = parse({ "--log-level", "verbose", "list" })
      assert.matches("must be one of debug, info, warn, error", err, 1, true)
    end)

    it("rejects a non-number for a number flag", function()
      local _, err = parse({ "--concurrency", "many", "apply" })
      assert.equal('invalid value "many" for --concurrency: expected a whole number', err)
    end)

    it("rejects arguments a command does not take", function()
      local _, err = parse({ "diff", "extra" })
      assert.equal('unexpected argument "extra" for "hfl diff"', err)
    end)

    it("checks and suggests subcommands of cache", function()
      assert.equal("info", assert(parse({ "cache", "info" })).args[1])
      local _, err = parse({ "cache", "clean" })
      assert.equal('unknown command "clean" for "hfl cache" (did you mean "cleanup"?)', err)
    end)
  end)

  describe("every command", function()
    it("has a summary, a run function and a help text naming it", function()
      local saved, out = cli.out, nil
      cli.out = function(s) out = s end
      for _, name in ipairs(commands.names) do
        local mod = commands.module(name)
        assert.is_string(mod.summary, name)
        if commands.implemented(name) then
          assert.is_function(mod.run, name)
        else
          assert.same({ nil, name .. " is not implemented yet" }, { mod.run({}) })
        end
        assert.equal(0, cli.help(name))
        assert.matches("hfl " .. name:gsub("%-", "%%-") .. " %[flags%]", out)
      end
      cli.out = saved
    end)

    it("lists every command in the top-level help", function()
      local saved, out = cli.out, nil
      cli.out = function(s) out = s end
      cli.help(nil)
      cli.out = saved
      for _, name in ipairs(commands.names) do
        assert.matches("\n  " .. name:gsub("%-", "%%-") .. " ", out)
      end
    end)
  end)

  describe("main()", function()
    it("has a run for a command a later version implements that says so and fails", function()
      local run = commands.not_implemented("later")
      assert.same({ nil, "later is not implemented yet" }, { run({}) })
    end)

    it("exits 1 with the suggestion for an unknown command", function()
      local code, err = main({ "temlpate" }, { NO_COLOR = "1" })
      assert.equal(1, code)
      assert.equal('hfl: unknown command "temlpate" (did you mean "template"?)\n', err)
    end)

    it("passes on the exit code a command returns", function()
      local saved = commands.module
      commands.module = function() return { run = function() return 2 end, add_to_parser = function() end } end
      local code = main({ "diff" })
      commands.module = saved
      assert.equal(2, code)
    end)

    it("reports a thrown error as an internal error with exit code 70 and no traceback", function()
      local saved = commands.module
      commands.module = function()
        return { add_to_parser = function() end, run = function() error("boom") end }
      end
      local code, err = main({ "diff" }, { NO_COLOR = "1" })
      commands.module = saved
      assert.equal(70, code)
      assert.matches("^hfl: internal error: .*boom %(please report this; run with %-%-debug for a traceback%)\n$", err)
    end)

    it("adds the traceback to an internal error with --debug", function()
      local saved = commands.module
      commands.module = function()
        return { add_to_parser = function() end, run = function() error("boom") end }
      end
      local code, err = main({ "diff", "--debug" }, { NO_COLOR = "1" })
      commands.module = saved
      assert.equal(70, code)
      assert.matches("stack traceback", err, 1, true)
    end)

    it("exits 130 after SIGINT and 143 after SIGTERM, as hfl.proc reports them", function()
      local saved = package.loaded["hfl.proc"]
      package.loaded["hfl.proc"] = { interrupted = function() return "SIGINT", 2 end }
      assert.equal(130, (main({ "diff" })))
      package.loaded["hfl.proc"] = { interrupted = function() return "SIGTERM", 15 end }
      assert.equal(143, (main({ "diff" })))
      package.loaded["hfl.proc"] = { exit_code = function() return 143 end }
      assert.equal(143, (main({ "diff" })))
      package.loaded["hfl.proc"] = saved
    end)

    it("reports no internal error when the run was interrupted", function()
      local saved_proc, saved_module = package.loaded["hfl.proc"], commands.module
      package.loaded["hfl.proc"] = { interrupted = function() return "SIGINT", 2 end }
      commands.module = function()
        return { add_to_parser = function() end, run = function() error("poll: interrupted") end }
      end
      local code, err = main({ "diff" })
      package.loaded["hfl.proc"], commands.module = saved_proc, saved_module
      assert.equal(130, code)
      assert.equal("", err)
    end)
  end)
end)

describe("hfl.log #unit", function()
  local saved = {}
  before_each(function()
    saved.isatty, saved.getenv, saved.write = log.isatty, log.getenv, log.write
  end)
  after_each(function()
    log.isatty, log.getenv, log.write = saved.isatty, saved.getenv, saved.write
    log.setup({ level = "info", color_mode = "auto" })
  end)

  local function capture()
    local out = {}
    log.write = function(s) out[#out + 1] = s end
    return out
  end

  it("colours output on a terminal unless TERM is dumb", function()
    log.isatty = function() return true end
    log.getenv = env({ TERM = "xterm" })
    assert.is_true(log.decide_color("auto", "stderr"))
    log.getenv = env({ TERM = "dumb" })
    assert.is_false(log.decide_color("auto", "stderr"))
  end)

  it("does not colour output that is not a terminal", function()
    log.isatty = function() return false end
    log.getenv = env({ TERM = "xterm" })
    assert.is_false(log.decide_color("auto", "stdout"))
  end)

  it("does not colour with NO_COLOR set, even on a terminal", function()
    log.isatty = function() return true end
    log.getenv = env({ NO_COLOR = "1", TERM = "xterm" })
    assert.is_false(log.decide_color("auto", "stderr"))
  end)

  it("colours with --color even when not on a terminal", function()
    log.isatty = function() return false end
    assert.is_true(log.decide_color("always", "stderr"))
    assert.is_false(log.decide_color("never", "stderr"))
  end)

  it("hides messages below the level", function()
    local out = capture()
    log.setup({ level = "warn", color_mode = "never" })
    log.info("hidden")
    log.warn("shown %d", 1)
    assert.same({ "warning: shown 1\n" }, out)
  end)

  it("writes debug messages only at debug level", function()
    local out = capture()
    log.setup({ level = "debug", color_mode = "never" })
    log.debug("exec: helm %s", "version")
    assert.same({ "exec: helm version\n" }, out)
  end)

  it("paints the warning prefix yellow when colour is on", function()
    local out = capture()
    log.setup({ level = "info", color_mode = "always" })
    log.warn("careful")
    assert.equal("\27[33mwarning: \27[0mcareful\n", out[1])
  end)
end)
