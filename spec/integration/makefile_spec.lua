-- The Makefile as a new user meets it: `make help` lists every target, -Werror only in a git
-- checkout, the LICENSE matches the rockspec, and the README's quick start works as written.
local hflrun = require "spec.support.hflrun"
local proc = require "hfl.proc"

local ROOT = hflrun.root()

local function read(path)
  local f = assert(io.open(path))
  local s = f:read("*a")
  f:close()
  return s
end

local function run(argv)
  local r = assert(proc.run(argv))
  return r.code, r.stdout or "", r.stderr or ""
end

-- The rockspec's fields (it is Lua).
local function rockspec()
  local env = {}
  assert(setfenv(assert(loadfile(ROOT .. "/hfl-scm-1.rockspec")), env))()
  return env
end

describe("the Makefile #integration", function()
  it("lists every target in make help", function()
    local code, help = run { "make", "-s", "-C", ROOT, "help" }
    assert.equal(0, code)
    local phony = read(ROOT .. "/Makefile"):match("\n%.PHONY:([^\n]+)")
    local n = 0
    for target in phony:gmatch("%S+") do
      if target ~= "FORCE" then
        assert.matches("\n  make " .. target:gsub("%-", "%%-") .. " ", "\n" .. help, nil, false)
        n = n + 1
      end
    end
    assert.is_true(n >= 15, n)   -- the .PHONY line was found and read
    assert.matches("  make deps-runtime ", help, 1, true)
  end)

  it("builds with -Werror in a git checkout only; WERROR= turns it off, and the rock passes it", function()
    local probe = { "--eval", 'print-werror: ; @echo "[$(WERROR)]"', "print-werror" }
    local function werror(dir, extra)
      local argv = { "make", "-s", "-f", ROOT .. "/Makefile", "-C", dir }
      for _, a in ipairs(extra or {}) do argv[#argv + 1] = a end
      for _, a in ipairs(probe) do argv[#argv + 1] = a end
      local code, out, err = run(argv)
      assert.equal(0, code, err)
      return out
    end
    assert.equal("[-Werror]\n", werror(ROOT))
    assert.equal("[]\n", werror(ROOT, { "WERROR=" }))
    local outside = os.tmpname()
    os.remove(outside)
    assert(os.execute("mkdir -p " .. outside))
    local out = werror(outside)
    os.execute("rm -rf " .. outside)
    assert.equal("[]\n", out)
    assert.equal("", rockspec().build.build_variables.WERROR)
  end)

  it("ships a LICENSE of the rockspec's license", function()
    assert.equal("MIT", rockspec().description.license)
    assert.matches("^MIT License\n", read(ROOT .. "/LICENSE"))
  end)

  it("prints in make demo how to put .deps/bin on PATH", function()
    local code, out = run { "make", "-n", "-C", ROOT, "demo" }
    assert.equal(0, code)
    assert.matches('export PATH="' .. ROOT:gsub("%p", "%%%0") .. '/.deps/bin:$PATH"', out)
  end)
end)

describe("the README's quick start #integration", function()
  -- The shell lines of the fenced block after `marker`, without comments.
  local function block_after(text, marker)
    local at = assert(text:find(marker, 1, true), marker)
    local body = text:match("```sh\n(.-)```", at)
    local lines = {}
    for line in body:gmatch("[^\n]+") do
      line = line:gsub("%s+#.*$", "")
      if line ~= "" then lines[#lines + 1] = line end
    end
    return table.concat(lines, "\n"):gsub("\\\n%s*", "")
  end

  it("works as written on a PATH without helm, but for apply, which needs a cluster", function()
    local readme = read(ROOT .. "/README.md")
    local first = block_after(readme, "## Quick start")
    local second = block_after(readme, "`examples/quickstart/` is a helmfile")
    local kept = {}
    for line in second:gmatch("[^\n]+") do
      if not line:find(" apply", 1, true) then kept[#kept + 1] = line end
    end
    assert.matches("export PATH=", first, 1, true)
    local script = "set -e\n" .. first .. "\n" .. table.concat(kept, "\n") .. "\n"
    local r = assert(proc.run { "bash", "-c", script, cwd = ROOT,
      env = { PATH = "/usr/local/bin:/usr/bin:/bin", HELMFILE_HELM_BINARY = false } })
    assert.equal(0, r.code, r.stderr)
    assert.matches("kind: ConfigMap", r.stdout, 1, true)   -- what `template` rendered through helm
    os.execute("rm -rf /tmp/hfl-values")
  end)
end)
