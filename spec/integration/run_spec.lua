local HFL = os.getenv("HFL_BIN") or "./hfl"

local function sh(cmd)
  local p = io.popen(cmd .. " 2>&1; echo \"exit:$?\"")
  local out = p:read("*a")
  p:close()
  local code = tonumber(out:match("exit:(%d+)\n?$"))
  return out:gsub("exit:%d+\n?$", ""), code
end

local function script(body)
  local path = os.tmpname() .. ".lua"
  local f = assert(io.open(path, "w"))
  f:write(body)
  f:close()
  return path
end

describe("hfl run #integration", function()
  it("runs a workflow that layers values files with the Lua API", function()
    local out, code = sh(HFL .. " run examples/workflows/layer-values.lua")
    assert.equal(0, code)
    assert.matches("image registry.example.com/shop/web:1.5.0, 3 replicas", out, 1, true)
    assert.matches("\nreplicaCount: 3\n", out, 1, true)
    assert.matches("  search: true\n", out, 1, true)
  end)

  it("works from any directory, without LUA_PATH", function()
    local abs = io.popen("cd " .. HFL:match("^(.*)/") .. " && pwd"):read("*l") .. "/hfl"
    local out, code = sh("cd / && env -u LUA_PATH -u LUA_CPATH " .. abs .. " run " ..
      io.popen("pwd"):read("*l") .. "/examples/workflows/layer-values.lua")
    assert.equal(0, code)
    assert.matches("3 replicas", out, 1, true)
  end)

  it("passes arguments and returns the script's exit code", function()
    local path = script('local a, b = ... assert(arg[1] == a) io.write(a, "+", b) return 7')
    local out, code = sh(HFL .. " run " .. path .. " one two")
    os.remove(path)
    assert.equal(7, code)
    assert.equal("one+two", out)
  end)

  it("reports a script's error as one line with file and line", function()
    local path = script('local x = 1\nerror("values are wrong")\n')
    local out, code = sh(HFL .. " run " .. path)
    os.remove(path)
    assert.equal(1, code)
    assert.equal("hfl: " .. path .. ":2: values are wrong\n", out)
  end)

  it("reports a missing script", function()
    local out, code = sh(HFL .. " run /nonexistent/flow.lua")
    assert.equal(1, code)
    assert.matches("cannot open /nonexistent/flow.lua", out, 1, true)
  end)
end)
