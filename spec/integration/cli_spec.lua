-- Integration specs of the built hfl binary's command line (HFL_BIN, default ./hfl).
local hflrun = require "spec.support.hflrun"

-- Runs `hfl ARGS…` with `env` added; returns code, stdout, stderr.
local function hfl(args, env)
  return hflrun.run(args, { env = env })
end

-- Runs `hfl ARGS…` on a pseudo-terminal (util-linux script); returns what it printed.
local function hfl_on_tty(args, env)
  local vars = { TERM = "xterm" }
  for k, v in pairs(env or {}) do vars[k] = v end
  local _, out = hflrun.run(args, { env = vars, tty = true })
  return out
end

local has_script = os.execute("command -v script >/dev/null 2>&1") == 0

describe("the hfl binary #integration", function()
  describe("version", function()
    it("prints the version of hfl", function()
      local code, out = hfl({ "version" })
      assert.equal(0, code)
      assert.matches("^hfl version %d+%.%d+%.%d+\n", out)
    end)

    it("prints only the number with -o short, and with --version the text", function()
      local _, short = hfl({ "version", "-o", "short" })
      assert.matches("^%d+%.%d+%.%d+\n$", short)
      local code, out = hfl({ "--version" })
      assert.equal(0, code)
      assert.equal("hfl version " .. short, out:match("^[^\n]+\n"))
    end)

    it("prints a JSON document with -o json and YAML with -o yaml", function()
      local _, json = hfl({ "version", "-o", "json" })
      assert.matches('^{\n  "version": "%d+%.%d+%.%d+",\n', json)
      local _, yaml = hfl({ "version", "--output=yaml" })
      assert.matches('^version: "%d+%.%d+%.%d+"\n', yaml)
    end)

    it("prints the same with -v as with --version, as Helmfile does", function()
      local code, out = hfl({ "-v" })
      assert.equal(0, code)
      assert.equal(select(2, hfl({ "--version" })), out)
    end)

    it("names the git commit it was built from", function()
      local _, out = hfl({ "version" })
      local commit = out:match("\n  Commit +(%S+)\n")
      assert.is_truthy(commit, out)
      local head = io.popen("git -C " .. hflrun.root() .. " rev-parse HEAD"):read("*l")
      assert.equal(head:sub(1, 12), commit:match("^%x+"))
      local _, json = hfl({ "version", "-o", "json" })
      assert.matches('\n  "gitCommit": "' .. commit:gsub("%p", "%%%0") .. '",\n', json)
    end)

    it("says the commit is unknown when built outside a git checkout", function()
      local dir = os.tmpname()
      os.remove(dir)
      assert(os.execute("mkdir -p " .. dir))
      local ok = os.execute(("make -s -f %s/Makefile -C %s BUILD=%s/b %s/b/commit.h >/dev/null 2>&1")
        :format(hflrun.root(), dir, dir, dir))
      local f = io.open(dir .. "/b/commit.h")
      local text = f and f:read("*a")
      if f then f:close() end
      os.execute("rm -rf " .. dir)
      assert.equal(0, ok)
      assert.equal('#define HFL_GIT_COMMIT "unknown"\n', text)
    end)

    it("rejects an unknown output format", function()
      local code, out, err = hfl({ "version", "-o", "xml" })
      assert.equal(1, code)
      assert.equal("", out)
      assert.matches("must be one of json, yaml, short", err, 1, true)
    end)
  end)

  describe("cache directory", function()
    local function cache_dir(env)
      local code, out, err = hfl({ "cache", "info" }, env)
      assert.equal(0, code, err)
      return out:match("^Cache directory: ([^\n]*)\n")
    end

    it("is Helmfile's HELMFILE_CACHE_HOME, and HFL_CACHE_HOME wins over it", function()
      local a, b = os.tmpname(), os.tmpname()
      assert.equal(a, cache_dir({ HFL_CACHE_HOME = false, HELMFILE_CACHE_HOME = a }))
      assert.equal(b, cache_dir({ HFL_CACHE_HOME = b, HELMFILE_CACHE_HOME = a }))
      assert.equal(a .. "/hfl", cache_dir({ HFL_CACHE_HOME = false, HELMFILE_CACHE_HOME = "", XDG_CACHE_HOME = a }))
      os.execute("rm -rf " .. a .. " " .. b)
    end)
  end)

  describe("help", function()
    it("lists the commands and the global flags with --help", function()
      local code, out, err = hfl({ "--help" })
      assert.equal(0, code)
      assert.equal("", err)
      assert.matches("\n  apply +Apply", out)
      assert.matches("\n  template +Render", out)
      assert.matches("-e, --environment NAME", out, 1, true)
      assert.matches("--state-values-set KEY=VALUE", out, 1, true)
    end)

    it("marks no command as not implemented: every Helmfile command is there", function()
      local _, out = hfl({ "--help" })
      assert.not_matches("not implemented", out)
      assert.matches("\n  unittest +Run the helm%-unittest suites", out)
      local _, unittest = hfl({ "help", "unittest" })
      assert.not_matches("Not implemented", unittest)
      assert.matches("--fail-fast", unittest, 1, true)
      local _, doctor = hfl({ "help", "doctor" })
      assert.not_matches("Not implemented", doctor)
      assert.matches("--llm-base-url URL", doctor, 1, true)
      assert.matches("--diff-output FORMAT", doctor, 1, true)
    end)

    it("prints the same help for a bare hfl", function()
      local _, bare = hfl({})
      local _, help = hfl({ "--help" })
      assert.equal(help, bare)
    end)

    it("shows a command's own flags with help CMD and CMD --help", function()
      local code, out = hfl({ "help", "diff" })
      assert.equal(0, code)
      assert.matches("hfl diff [flags]", out, 1, true)
      assert.matches("%-%-detailed%-exitcode +exit 2 when there are changes", out)
      assert.matches("Global flags:", out, 1, true)
      local _, again = hfl({ "diff", "--help" })
      assert.equal(out, again)
      local _, short = hfl({ "-h", "diff" })
      assert.equal(out, short)
    end)

    it("suggests a command for help on a mistyped one", function()
      local code, _, err = hfl({ "help", "tempalte" })
      assert.equal(1, code)
      assert.equal('hfl: unknown command "tempalte" (did you mean "template"?)\n', err)
    end)
  end)

  describe("mistakes", function()
    it("exits 1 and suggests the command for an unknown command", function()
      local code, out, err = hfl({ "aply" })
      assert.equal(1, code)
      assert.equal("", out)
      assert.equal('hfl: unknown command "aply" (did you mean "apply"?)\n', err)
    end)

    it("suggests the command for swapped neighbouring letters", function()
      for typo, meant in pairs({ lsit = "list", fecth = "fetch", bulid = "build" }) do
        local _, _, err = hfl({ typo })
        assert.equal(('hfl: unknown command "%s" (did you mean "%s"?)\n'):format(typo, meant), err)
      end
      local _, _, err = hfl({ "cache", "inof" })
      assert.equal('hfl: unknown command "inof" for "hfl cache" (did you mean "info"?)\n', err)
    end)

    it("exits 1 and suggests the flag for an unknown flag", function()
      local code, _, err = hfl({ "--enviroment", "prod", "diff" })
      assert.equal(1, code)
      assert.equal('hfl: unknown flag "--enviroment" (did you mean "--environment"?)\n', err)
    end)

    it("exits 1 when --color and --no-color are both given", function()
      local code, _, err = hfl({ "--color", "list", "--no-color" })
      assert.equal(1, code)
      assert.equal("hfl: --color and --no-color cannot be used together\n", err)
    end)

  end)

  describe("colour", function()
    it("uses no ANSI escapes when stderr is not a terminal", function()
      local _, _, err = hfl({ "aply" }, { TERM = "xterm" })
      assert.is_nil(err:find("\27", 1, true))
    end)

    it("colours errors on a terminal", function()
      assert(has_script, "util-linux `script` is not installed: `make deps` installs it")
      assert.matches("\27[31mhfl:", hfl_on_tty({ "aply" }), 1, true)
    end)

    it("uses no colour on a terminal with NO_COLOR, HELMFILE_NO_COLOR=true, --no-color or TERM=dumb", function()
      assert(has_script, "util-linux `script` is not installed: `make deps` installs it")
      for _, case in ipairs({ { {}, { NO_COLOR = "1" } }, { {}, { HELMFILE_NO_COLOR = "true" } },
                              { { "--no-color" }, {} }, { {}, { TERM = "dumb" } } }) do
        local args = { "-f", "/nonexistent/helmfile.yaml", "list" }
        for _, a in ipairs(case[1]) do args[#args + 1] = a end
        local out = hfl_on_tty(args, case[2])
        assert.matches("hfl: specified state file /nonexistent/helmfile.yaml is not found", out, 1, true)
        assert.is_nil(out:find("\27", 1, true))
      end
    end)

    it("still colours on a terminal when NO_COLOR is set but empty (no-color.org)", function()
      assert(has_script, "util-linux `script` is not installed: `make deps` installs it")
      assert.matches("\27[31mhfl:", hfl_on_tty({ "aply" }, { NO_COLOR = "" }), 1, true)
    end)

    it("colours with --color even when stderr is not a terminal", function()
      local _, _, err = hfl({ "--color", "-f", "/nonexistent/helmfile.yaml", "list" })
      assert.equal("\27[31mhfl:\27[0m specified state file /nonexistent/helmfile.yaml is not found\n", err)
    end)
  end)
end)
