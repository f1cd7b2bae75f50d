-- helmfile.lua and .lua values files returning random results: nested tables, keys of every
-- type, metatables, cycles, functions, deep chains, hfl.null and hfl's number boxes. Whatever
-- the chunk returns, evaluation gives a document or one line naming the file, never raises,
-- and no metamethod of the chunk runs once the sandbox has returned (each one raises a
-- marker). A few seconds in `make test`; HFL_FUZZ_SECONDS=N (`make fuzz`) runs longer.
local luafile = require "hfl.state.luafile"

local MARK = "METAMETHOD-RAN-AFTER-THE-SANDBOX"

-- Lua source building a random value, at most `depth` levels of tables.
local function gen(rnd, depth)
  local c = rnd(depth > 0 and 16 or 6)
  if c == 1 then return ("%q"):format(("x"):rep(rnd(3) - 1) .. string.char(rnd(94) + 32)) end
  if c == 2 then return tostring(rnd(1000) - 500) .. (rnd(2) == 1 and ".5" or "") end
  if c == 3 then return rnd(2) == 1 and "true" or "false" end
  if c == 4 then return ({ "hfl.null", "null", "1/0", "0/0", "-(1/0)" })[rnd(5)] end
  if c == 5 then return ({ "fromYaml('x: 1.0').x", "fromYaml('x: 12345678901234567890').x", "(function() local b = fromYaml('x: 1.0').x; rawset(b, 1, {}); return b end)()" })[rnd(3)] end
  if c == 6 then return ({ "print", "function() end", "string.rep" })[rnd(3)] end
  if c <= 9 then
    local items = {}
    for i = 1, rnd(4) - 1 do items[i] = gen(rnd, depth - 1) end
    local t = "{" .. table.concat(items, ", ") .. "}"
    return rnd(3) == 1 and ("hfl.list(%s)"):format(t) or t
  end
  if c <= 12 then
    local items = {}
    for i = 1, rnd(4) - 1 do
      local k = ({ ("%q"):format("k" .. rnd(5)), tostring(rnd(3)), "true", "{}", "1.5",
        "setmetatable({}, MM)", ("%q"):format(" w e\n") })[rnd(7)]
      items[i] = ("[%s] = %s"):format(k, gen(rnd, depth - 1))
    end
    local t = "{" .. table.concat(items, ", ") .. "}"
    return rnd(3) == 1 and ("hfl.map(%s)"):format(t) or t
  end
  if c == 13 then return ("setmetatable(%s, MM)"):format(gen(rnd, depth - 1)) end
  if c == 14 then return "(function() local t = {} t.self = t return t end)()" end
  if c == 15 then
    return ("(function() local t = {} for i = 1, %d do t = { a = t } end return t end)()"):format(rnd(1200))
  end
  return ("setmetatable({ %s }, { __index = MM.__index, __metatable = 'locked' })"):format(gen(rnd, depth - 1))
end

-- Every metamethod raises the marker: none may run after the sandbox returned.
local PRELUDE = ([[
local function mark() error(%q) end
MM = {}
for _, m in ipairs { "__index", "__newindex", "__tostring", "__eq", "__lt", "__le", "__len",
  "__concat", "__call", "__unm", "__add", "__pairs", "__ipairs" } do MM[m] = mark end
]]):format(MARK)

describe("helmfile.lua results under random input #unit", function()
  local dir

  setup(function()
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p '" .. dir .. "'") == 0)
  end)
  teardown(function() os.execute("rm -rf '" .. dir .. "'") end)

  it("give a document or one line naming the file, and never call the chunk's metamethods", function()
    local seed = tonumber(os.getenv("HFL_FUZZ_SEED") or "") or os.time()
    math.randomseed(seed)
    local rnd = math.random
    local seconds = tonumber(os.getenv("HFL_FUZZ_SECONDS") or "") or 3
    local deadline, runs = os.clock() + seconds, 0
    while os.clock() < deadline do
      runs = runs + 1
      local values_file = rnd(2) == 1
      local body = gen(rnd, 5)
      local text = PRELUDE .. (values_file and ("return { v = %s, [%s] = 1 }"):format(body, gen(rnd, 1))
        or ("return { releases = { { name = 'a', chart = 'x', values = { %s } } }, [%s] = %s }")
          :format(body, gen(rnd, 1), gen(rnd, 2)))
      local path = dir .. (values_file and "/values.lua" or "/helmfile.lua")
      local f = assert(io.open(path, "w"))
      f:write(text)
      f:close()
      local eval = values_file and luafile.evaluate_values or luafile.evaluate
      local ok, doc, err = pcall(eval, path, { timeout = 5 })
      local where = ("seed %d, run %d:\n%s"):format(seed, runs, text)
      assert(ok, "raised: " .. tostring(doc) .. "\n" .. where)
      if doc == nil then
        assert(type(err) == "string", where)
        assert(err:sub(1, #path + 1) == path .. ":", err .. "\n" .. where)
        assert(not err:find("\n"), err .. "\n" .. where)
        assert(not err:find(MARK, 1, true) or err:find("^" .. path:gsub("%p", "%%%0") .. ":%d+:"),
          "a metamethod ran after the sandbox: " .. err .. "\n" .. where)
      else
        assert(type(doc) == "table", where)
      end
    end
    assert.truthy(runs > 10)
  end)
end)
