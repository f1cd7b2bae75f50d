-- Our modules always exist, so a `pcall(require, …)` around one only hides a real load error
-- (a syntax error, a missing C symbol) behind a fallback that behaves differently.
-- Path prefixes exempt from the rule, each with the reason. Empty since the rewrite of cmd/
-- over the State API; keep it that way.
local ALLOWED = {}

local function allowed(path)
  for _, prefix in ipairs(ALLOWED) do
    if path:sub(1, #prefix) == prefix then return true end
  end
  return false
end

local function lua_files()
  local p = assert(io.popen("find lua stdlib -name '*.lua' | LC_ALL=C sort"))
  local out = {}
  for line in p:lines() do out[#out + 1] = line end
  p:close()
  return out
end

describe("requires in lua/ and stdlib/ #unit", function()
  it("never guard a require with pcall or xpcall", function()
    local files = lua_files()
    assert.is_true(#files > 50, #files .. " files found")
    local found = {}
    for _, path in ipairs(files) do
      local f = assert(io.open(path, "rb"))
      local n = 0
      for line in f:lines() do
        n = n + 1
        if line:find("pcall%s*%(%s*require%s*[,)]") and not allowed(path) then
          found[#found + 1] = ("%s:%d: %s"):format(path, n, line:match("^%s*(.-)%s*$"))
        end
      end
      f:close()
    end
    assert.same({}, found)
  end)
end)
