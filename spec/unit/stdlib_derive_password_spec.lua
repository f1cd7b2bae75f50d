-- derivePassword in a session's renders: Sprig's output, with each distinct password and
-- user's scrypt key computed once per session, not once per call. #unit
local tmpl = require "hfl.tmpl"
local session = require "hfl.session"

-- CPU seconds a render takes, and its output.
local function timed(text, opts)
  local t0 = os.clock()
  local out, err = tmpl.render(text, {}, opts)
  assert(out, err)
  return os.clock() - t0, out
end

local ONE = [[{{ derivePassword 1 "long" "password" "user" "example.com" }}]]

describe("derivePassword in a session #unit", function()
  it("gives Sprig's password, as without a session", function()
    local s = session.new()
    local out = assert(tmpl.render(ONE .. " " .. [[{{ derivePassword 2 "pin" "pw" "u" "s" }}]], {}, { taint = s }))
    assert.equal("ZedaFaxcZaso9* 4291", out)
    assert.equal(out, assert(tmpl.render(ONE .. " " .. [[{{ derivePassword 2 "pin" "pw" "u" "s" }}]], {})))
  end)

  it("derives the key of a password and user once, however many calls and sites use it", function()
    local single = timed(ONE)  -- one scrypt
    local s = session.new()
    local many = {}
    for i = 1, 8 do
      many[#many + 1] = ([[{{ derivePassword %d "long" "password" "user" "site%d" }}]]):format(i, i)
    end
    local text = table.concat(many, " ")
    local cpu, out = timed(text, { taint = s })
    assert.equal(assert(tmpl.render(text, {})), out)
    assert.is_true(cpu < 3 * single, ("8 calls took %.3f s, one %.3f s"):format(cpu, single))
    -- a later render of the same session needs no new key
    local again = timed(ONE, { taint = s })
    assert.is_true(again < single / 2, ("again %.3f s, one %.3f s"):format(again, single))
  end)

  it("keeps a key per session: another session derives its own", function()
    local a, b = session.new(), session.new()
    timed(ONE, { taint = a })
    local single = timed(ONE)
    local fresh = timed(ONE, { taint = b })
    assert.is_true(fresh > single / 3, ("a new session took %.3f s, one %.3f s"):format(fresh, single))
  end)
end)
