-- `hfl completion bash|zsh|fish`: each script, loaded into its real shell, offers the commands,
-- a command's flags, a flag's values and a command's subcommands.
local hflrun = require "spec.support.hflrun"
local proc = require "hfl.proc"

local function has(shell)
  return os.execute("command -v " .. shell .. " >/dev/null 2>&1") == 0
end

-- The script `hfl completion SHELL` prints, written to a file; returns its path.
local function script(shell)
  local code, out, err = hflrun.run({ "completion", shell })
  assert.equal(0, code, err)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(out)
  f:close()
  return path
end

local function sh(argv)
  local r = assert(proc.run(argv))
  assert.equal(0, r.code, r.stderr)
  return r.stdout
end

-- What bash's completion function offers for the words (the last one is being completed).
local function bash_offers(path, words)
  local quoted = {}
  for i, w in ipairs(words) do quoted[i] = ("'%s'"):format(w) end
  return sh { "bash", "-c", ('source %s; COMP_WORDS=(%s); COMP_CWORD=%d; _hfl; '
    .. 'printf "%%s\\n" "${COMPREPLY[@]}" | sort'):format(path, table.concat(quoted, " "), #words - 1) }
end

-- What fish offers for the command line `line`: the candidates, one a line, without descriptions.
local function fish_offers(path, line)
  local out = sh { "fish", "--no-config", "-c", ("source %s; complete -C'%s'"):format(path, line) }
  return (out:gsub("\t[^\n]*", ""))
end

-- The command line zsh leaves after `line` and a Tab, in an interactive zsh on a pseudo-terminal.
local function zsh_completes(path, line)
  local driver = table.concat({
    "zmodload zsh/zpty",
    "zpty z 'zsh -f -i'",
    ("zpty -w z 'PS1=\"> \"; bindkey -e; autoload -Uz compinit; compinit -u -D; source %s'"):format(path),
    ("zpty -w -n z $'%s\\t'"):format(line),
    "zpty -w z $'\\001print -r -- COMPLETED: \\n'",
    "out=''",
    "for i in {1..400}; do",
    "  while zpty -r -t z l; do out+=$l; done",
    "  [[ ${out//$'\\r'/} == *$'\\nCOMPLETED: '*$'\\n'* ]] && break",
    "  sleep 0.05",
    "done",
    "zpty -d z",
    "print -r -- ${${(M)${(f)out//$'\\r'/}:#COMPLETED: *}[-1]}",
  }, "\n")
  local out = sh { "timeout", "30", "zsh", "-f", "-c", driver }
  return out:match("COMPLETED: (.-)%s*\n")
end

describe("hfl completion #integration", function()
  it("needs a known shell", function()
    local code, _, err = hflrun.run({ "completion", "tcsh" })
    assert.equal(1, code)
    assert.matches('unknown command "tcsh" for "hfl completion"', err, 1, true)
  end)

  describe("bash", function()
    local path
    setup(function() path = has("bash") and script("bash") end)
    teardown(function() if path then os.remove(path) end end)

    it("offers the commands, after global flags and their values too", function()
      assert.equal("apply\n", bash_offers(path, { "hfl", "ap" }))
      assert.equal("template\ntest\n", bash_offers(path, { "hfl", "-e", "prod", "te" }))
    end)

    it("offers a command's own flags beside the global ones", function()
      assert.equal("--concurrency\n--context\n", bash_offers(path, { "hfl", "diff", "--con" }))
      assert.equal("--embed-values\n--enable-live-output\n--enforce-plugin-verification\n--environment\n",
        bash_offers(path, { "hfl", "build", "--e" }))
    end)

    it("offers a flag's values and a command's subcommands", function()
      assert.equal("debug\nerror\ninfo\nwarn\n", bash_offers(path, { "hfl", "--log-level", "" }))
      assert.equal("json\nshort\nyaml\n", bash_offers(path, { "hfl", "version", "-o", "" }))
      assert.equal("cleanup\ninfo\n", bash_offers(path, { "hfl", "cache", "" }))
      assert.equal("sync\n", bash_offers(path, { "hfl", "help", "sy" }))
      -- --server-side takes its mode only after "=": the next word is the next argument
      assert.not_matches("auto", bash_offers(path, { "hfl", "sync", "--server-side", "" }))
    end)
  end)

  describe("fish", function()
    local path
    setup(function() path = has("fish") and script("fish") end)
    teardown(function() if path then os.remove(path) end end)

    it("offers the commands and a command's flags", function()
      assert(path, "fish is not installed: `make deps` installs it")
      assert.equal("apply\n", fish_offers(path, "hfl ap"))
      assert.equal("template\ntest\n", fish_offers(path, "hfl -e prod te"))
      assert.equal("--concurrency\n--context\n", fish_offers(path, "hfl diff --con"))
      assert.equal("cleanup\ninfo\n", fish_offers(path, "hfl cache "))
      assert.equal("json\nshort\nyaml\n", fish_offers(path, "hfl version -o "))
    end)
  end)

  describe("zsh", function()
    local path
    setup(function() path = has("zsh") and script("zsh") end)
    teardown(function() if path then os.remove(path) end end)

    it("completes a command and a command's flag", function()
      assert(path, "zsh is not installed: `make deps` installs it")
      assert.equal("hfl apply", zsh_completes(path, "hfl ap"))
      assert.equal("hfl -e prod completion", zsh_completes(path, "hfl -e prod compl"))
      assert.equal("hfl diff --context", zsh_completes(path, "hfl diff --conte"))
      assert.equal("hfl build --embed-values", zsh_completes(path, "hfl build --emb"))
      assert.equal("hfl cache cleanup", zsh_completes(path, "hfl cache cl"))
    end)
  end)
end)
