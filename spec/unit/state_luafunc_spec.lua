-- helmfile.lua functions called after the file's run (hfl.state.luafunc over Sandbox:call).
local luasandbox = require "hfl.state.luasandbox"
local luafunc = require "hfl.state.luafunc"

describe("functions of a helmfile.lua #unit", function()
  local function chunk(text, opts)
    local sb = luasandbox.new(opts)
    local fn = assert(sb:load("/x/helmfile.lua", text))
    local ok, ret = sb:run(fn)
    assert.is_true(ok, ret)
    return sb, ret
  end

  it("calls the function with its arguments and returns its results after true", function()
    local sb, f = chunk("return function(a, b) return a + b, 'sum' end")
    local call = luafunc.wrap(sb, f)
    assert.same({ true, 5, "sum" }, { call(2, 3) })
  end)

  it("counts the budget afresh for each call, and stops an endless one with the line", function()
    local sb, f = chunk([[
return function(n)
  local x = 0
  for i = 1, n do x = x + i end
  return x
end]], { budget = 2e6 })
    local call = luafunc.wrap(sb, f)
    for _ = 1, 3 do assert.is_true((call(3e5))) end  -- each call alone fits in the budget
    local ok, err = call(1e9)
    assert.is_false(ok)
    assert.matches("^/x/helmfile.lua:%d: exceeded the instruction budget", err)
  end)

  it("keeps the sandbox: no io, and errors name the line", function()
    local sb, f = chunk("return function()\n  return io.open('/etc/passwd')\nend")
    local ok, err = luafunc.wrap(sb, f)()
    assert.is_false(ok)
    assert.equal("/x/helmfile.lua:2: attempt to index global 'io' (a nil value)", err)
  end)
end)
