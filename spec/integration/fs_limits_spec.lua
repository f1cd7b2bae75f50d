-- Size bounds on every file hfl reads as user input (issue 15, item 06): state files, bases,
-- values files, helmfile.lua, readFile, lock files. A file past hfl.fs.MAX_READ (64 MiB) — a
-- sparse file, /dev/zero — is one line naming it and exit 1, read in well under a second; a
-- FIFO nobody writes to never hangs. #integration
local hflrun = require "spec.support.hflrun"

local function sh(cmd)
  local p = io.popen(cmd .. " 2>&1")
  local out = p:read("*a")
  p:close()
  return out
end

-- hfl with the space-separated args in dir: stdout and stderr together, and the exit code.
local function run(dir, args)
  local argv = {}
  for a in args:gmatch("%S+") do argv[#argv + 1] = a end
  local code, out, err = hflrun.run(argv, { cwd = dir, timeout = 20 })
  return out .. err, code
end

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

local LIMIT = "file is larger than 64 MiB, the most hfl reads of one file (is it the right file?)\n"

-- The whole output must be one line: "hfl: <…file…>: <LIMIT>", exit 1.
local function assert_refused(out, code, file)
  assert.equal(1, code, out)
  assert.equal(1, select(2, out:gsub("\n", "")), out)
  assert.is_nil(out:find("internal error", 1, true))
  assert.matches("^hfl: ", out)
  assert.equal(file .. ": " .. LIMIT, out:sub(-#(file .. ": " .. LIMIT)))
end

describe("files too large to be input #integration", function()
  local dir
  before_each(function()
    dir = sh("mktemp -d /tmp/hfl-limits-XXXXXX"):gsub("%s+$", "")
    os.execute(("mkdir -p %q/c"):format(dir))
    write(dir .. "/c/Chart.yaml", "apiVersion: v2\nname: c\nversion: 0.1.0\n")
  end)
  after_each(function() os.execute(("rm -rf %q"):format(dir)) end)

  it("refuses -f /dev/zero", function()
    local out, code = run(dir, "-f /dev/zero list")
    assert_refused(out, code, "/dev/zero")
  end)

  it("refuses a huge state file by its size (a sparse file)", function()
    os.execute(("truncate -s 3G %q/helmfile.yaml"):format(dir))
    local out, code = run(dir, "list")
    assert_refused(out, code, dir .. "/helmfile.yaml")
  end)

  it("refuses bases: [/dev/zero], naming the base", function()
    write(dir .. "/helmfile.yaml", "bases:\n- /dev/zero\n---\nreleases:\n- name: a\n  chart: ./c\n")
    local out, code = run(dir, "list")
    assert_refused(out, code, "/dev/zero")
  end)

  it("refuses a huge release values file", function()
    write(dir .. "/helmfile.yaml", "releases:\n- name: a\n  chart: ./c\n  values:\n  - big.yaml\n")
    os.execute(("truncate -s 2G %q/big.yaml"):format(dir))
    local out, code = run(dir, "write-values --output-file-template " .. dir .. "/out-{{.Release.Name}}.yaml")
    assert_refused(out, code, dir .. "/big.yaml")
  end)

  it("refuses a huge environment values file", function()
    write(dir .. "/helmfile.yaml", "environments:\n  default:\n    values:\n    - env.yaml\n---\nreleases:\n- name: a\n  chart: ./c\n")
    os.execute(("truncate -s 100M %q/env.yaml"):format(dir))
    local out, code = run(dir, "list")
    assert_refused(out, code, dir .. "/env.yaml")
  end)

  it("refuses readFile of /dev/zero in a template", function()
    write(dir .. "/helmfile.yaml.gotmpl", "releases:\n- name: a\n  chart: ./c\n  labels:\n    x: {{ readFile \"/dev/zero\" | len }}\n")
    local out, code = run(dir, "list")
    assert.equal(1, code, out)
    assert.matches("/dev/zero: " .. LIMIT:gsub("%p", "%%%0"), out)
    assert.is_nil(out:find("internal error", 1, true))
  end)

  it("refuses a huge helmfile.lua", function()
    os.execute(("truncate -s 1G %q/helmfile.lua"):format(dir))
    local out, code = run(dir, "list")
    assert_refused(out, code, dir .. "/helmfile.lua")
  end)

  it("refuses a huge lock file", function()
    write(dir .. "/helmfile.yaml", "lockFilePath: /dev/zero\nrepositories:\n- name: r\n  url: http://127.0.0.1:1\n"
      .. "releases:\n- name: a\n  chart: r/c\n")
    local out, code = run(dir, "list")
    assert_refused(out, code, "/dev/zero")
  end)

  it("reads a values FIFO nobody writes to as empty instead of hanging", function()
    write(dir .. "/helmfile.yaml", "releases:\n- name: a\n  chart: ./c\n  values:\n  - fifo.yaml\n")
    os.execute(("mkfifo %q/fifo.yaml"):format(dir))
    local out, code = run(dir, "write-values --output-file-template " .. dir .. "/out-{{.Release.Name}}.yaml")
    assert.equal(0, code, out)
  end)
end)
