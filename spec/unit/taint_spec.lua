local taint = require "hfl.taint"
local session_mod = require "hfl.session"
local b64 = require("hfl.stdlib.encoding").b64encode
local value = require "hfl.value"

local MARK = taint.MARK

-- CPU seconds of the fastest of 3 calls of fn (the machine is shared: the minimum is the
-- least disturbed).
local function cpu(fn)
  local best = math.huge
  for _ = 1, 3 do
    local t0 = os.clock()
    fn()
    best = math.min(best, os.clock() - t0)
  end
  return best
end

describe("hfl.taint #unit", function()
  it("masks every occurrence of a tainted string and leaves the rest as written", function()
    local t = taint.new()
    t:add("hunter2-pass")
    assert.equal("password=" .. MARK .. " again " .. MARK .. ".",
      t:mask("password=hunter2-pass again hunter2-pass."))
    assert.equal("nothing secret here", t:mask("nothing secret here"))
    assert.equal("", t:mask(""))
  end)

  it("masks the base64 form a Secret's data shows", function()
    local t = taint.new()
    t:add("hunter2-pass")
    local text = "data:\n  password: " .. b64("hunter2-pass") .. "\n"
    assert.equal("data:\n  password: " .. MARK .. "\n", t:mask(text))
  end)

  it("masks each line of a multi-line value (PEM armour aside), as YAML shows it indented, and its quoted form", function()
    local t = taint.new()
    local pem = "-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\n-----END KEY-----"
    t:add(pem)
    local yaml = "key: |\n  -----BEGIN KEY-----\n  MIIBOgIBAAJBAKj34GkxFhD9\n  -----END KEY-----\n"
    assert.equal("key: |\n  -----BEGIN KEY-----\n  " .. MARK .. "\n  -----END KEY-----\n", t:mask(yaml))
    local quoted = '"-----BEGIN KEY-----\\nMIIBOgIBAAJBAKj34GkxFhD9\\n-----END KEY-----"'
    assert.equal('"' .. MARK .. '"', t:mask(quoted))
  end)

  it("masks the union of overlapping and nested values, so no byte of either survives", function()
    local t = taint.new()
    t:add("abcdefgh")
    t:add("efghijkl")   -- overlaps the first one's tail
    t:add("cdef12")     -- inside neither; shares "cdef"
    assert.equal("x" .. MARK .. "y", t:mask("xabcdefghijkly"))
    assert.equal("x" .. MARK .. "y", t:mask("xcdef12y"))
    local t2 = taint.new()
    t2:add("s3cr3t-long-value")
    t2:add("long-v")     -- nested in the first
    assert.equal("[" .. MARK .. "] [" .. MARK .. "]", t2:mask("[s3cr3t-long-value] [long-v]"))
  end)

  it("registers every string of a table, not its keys nor its numbers and booleans", function()
    local t = taint.new()
    local m = value.map { password = "pa55word-x", nested = value.map { list = value.list { "token-abcdef" } },
      port = 5432, enabled = true }
    t:add(m)
    assert.equal("password: " .. MARK .. " token: " .. MARK .. " port: 5432 enabled: true",
      t:mask("password: pa55word-x token: token-abcdef port: 5432 enabled: true"))
  end)

  it("leaves values shorter than MIN_LENGTH unmasked and counts them", function()
    assert.equal(6, taint.MIN_LENGTH)
    local t = taint.new()
    t:add(value.map { a = "1", b = "app", c = "12345" })
    assert.equal(3, t.skipped)
    assert.is_true(t:empty())
    assert.equal("replicas: 1, user: app, pin: 12345", t:mask("replicas: 1, user: app, pin: 12345"))
    t:add("123456")
    assert.equal("pin: " .. MARK, t:mask("pin: 123456"))
  end)

  it("is idempotent: a value inside the mark is not registered", function()
    local t = taint.new()
    t:add("redacted")
    t:add("hunter2-pass")
    local once = t:mask("a hunter2-pass b")
    assert.equal(once, t:mask(once))
  end)

  it("handles thousands of values, found in one pass", function()
    local t = taint.new()
    local parts = {}
    for i = 1, 5000 do
      t:add(("secret-%05d-x"):format(i))
      if i % 50 == 0 then parts[#parts + 1] = ("v%d=secret-%05d-x"):format(i, i) end
    end
    local out = t:mask(table.concat(parts, " "))
    assert.is_nil(out:find("secret-", 1, true))
    assert.equal(100, select(2, out:gsub(MARK:gsub("%p", "%%%0"), "")))
  end)

  it("takes time linear in the text's length, even for values that share long prefixes", function()
    local t = taint.new()
    -- "aaaa…ab" values against a text of "a"s: a naive scan compares each value at every byte
    for i = 1, 200 do t:add(("a"):rep(50 + i) .. "b") end
    local small = ("a"):rep(200000)
    local big = ("a"):rep(1600000)
    t:mask("warm up the automaton")
    local ts, tb = cpu(function() t:mask(small) end), cpu(function() t:mask(big) end)
    -- 8 times the text: linear is ~8x; anything quadratic or per-value is far beyond 20x
    assert.is_true(tb < math.max(ts, 0.002) * 20, ("small %.4fs, big %.4fs"):format(ts, tb))
    local text = ("x"):rep(1000000) .. ("a"):rep(100) .. "b"
    assert.equal(("x"):rep(1000000) .. MARK, t:mask(text))
  end)

  it("raises when asked to mask something that is no string", function()
    assert.has_error(function() taint.new():mask(nil) end, "hfl.taint: mask wants a string, got nil")
  end)
end)

describe("Session:taint and Session:mask #unit", function()
  it("mask what a session's secret sources registered", function()
    local s = session_mod.new()
    assert.equal("token=abcdef123", s:mask("token=abcdef123"))
    s:taint("abcdef123")
    assert.equal("token=" .. MARK, s:mask("token=abcdef123"))
    assert.equal("", s:mask(""))
  end)

  it("receive what fetchSecretValue and expandSecretRefs return in a template run with taint", function()
    local tmpl = require "hfl.tmpl"
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    f:write("key: vals-s3cret-one\nother: vals-s3cret-two\n")
    f:close()
    local s, plain = session_mod.new(), session_mod.new()
    local text = ('{{ fetchSecretValue "ref+file://%s#/key" }} {{ dict "o" "ref+file://%s#/other" | expandSecretRefs | toJson }}')
      :format(path, path)
    local out = assert(tmpl.render(text, {}, { taint = s }))
    assert.equal('vals-s3cret-one {"o":"vals-s3cret-two"}', out)  -- rendered in clear
    assert.equal(MARK .. ' {"o":"' .. MARK .. '"}', s:mask(out))
    assert(tmpl.render(text, {}))                                 -- no taint: nobody registers
    assert.equal(out, plain:mask(out))
    os.remove(path)
  end)

  it("receive what fetchSecretValue returns in a helmfile.lua loaded with the session", function()
    local hfl = require "hfl"
    local dir = os.tmpname()
    os.remove(dir)
    assert(require("hfl.fs").mkdir_p(dir))
    local function put(name, text)
      local f = assert(io.open(dir .. "/" .. name, "w"))
      f:write(text)
      f:close()
    end
    put("vault.yaml", "key: lua-vals-s3cret\n")
    put("helmfile.lua", 'return { releases = { { name = "web", chart = "c", '
      .. 'values = { { key = fetchSecretValue("ref+file://vault.yaml#/key") } } } } }')
    local s = session_mod.new()
    assert(hfl.load { file = dir .. "/helmfile.lua", session = s })
    assert.equal("key: " .. MARK, s:mask("key: lua-vals-s3cret"))
    require("hfl.fs").rm_r(dir, "/tmp")
  end)

  it("share one registry with the per-task views of the session (their own log, same taints)", function()
    local s = session_mod.new()
    local view = setmetatable({ log = session_mod.quiet_log() }, { __index = s })
    view:taint("from-a-task-123")
    assert.equal(MARK, s:mask("from-a-task-123"))
  end)
end)
