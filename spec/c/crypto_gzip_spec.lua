-- hfl.crypto gzip/gunzip and base64 (c/crypto.c over zlib): what the release-record decoder
-- stands on. Checked against the gzip and base64 tools, and against hostile input. #unit
local crypto = require "hfl.crypto"
local fs = require "hfl.fs"

local function sh(cmd)
  local p = io.popen(cmd)
  local out = p:read("*a")
  p:close()
  return out
end

local function random_text(n)
  local t = {}
  for i = 1, n do t[i] = string.char(32 + (i * 7919 + i * i) % 95) end
  return table.concat(t)
end

describe("hfl.crypto #unit", function()
  local dir
  before_each(function() dir = assert(fs.mkdtemp((os.getenv("TMPDIR") or "/tmp") .. "/hfl-gz-XXXXXX")) end)
  after_each(function() fs.rm_r(dir, dir:match("^(.*)/")) end)

  describe("gzip(data[, level])", function()
    it("writes a stream the gzip tool reads back byte for byte", function()
      local data = random_text(200000) .. "\0\255\1"
      local gz = assert(crypto.gzip(data))
      assert(fs.write_atomic(dir .. "/d.gz", gz))
      assert.equal(data, sh("gzip -dc " .. dir .. "/d.gz"))
    end)

    it("writes Go's gzip header (no name, mtime 0, OS unknown), as Helm's records carry", function()
      local gz = crypto.gzip("{}")
      assert.equal("\31\139\8\0\0\0\0\0\2\255", gz:sub(1, 10))
      assert.equal("\31\139\8\0\0\0\0\0\4\255", crypto.gzip("{}", 1):sub(1, 10))
    end)

    it("compresses an empty string and a large repetitive one", function()
      assert.equal("", crypto.gunzip(crypto.gzip("")))
      local big = ("apiVersion: v1\nkind: ConfigMap\n"):rep(100000)
      local gz = crypto.gzip(big)
      assert.is_true(#gz < #big / 50)
      assert.equal(big, crypto.gunzip(gz))
    end)

    it("refuses a level outside 0-9", function()
      assert.has_error(function() crypto.gzip("x", 10) end)
    end)
  end)

  describe("gunzip(data[, max_bytes])", function()
    it("reads what the gzip tool writes, and concatenated members as one stream", function()
      assert(fs.write_atomic(dir .. "/a", "first\n"))
      assert(fs.write_atomic(dir .. "/b", "second\n"))
      sh("gzip -9 -c " .. dir .. "/a > " .. dir .. "/ab.gz; gzip -c " .. dir .. "/b >> " .. dir .. "/ab.gz")
      assert.equal("first\nsecond\n", crypto.gunzip(assert(fs.read(dir .. "/ab.gz"))))
    end)

    it("stops a gzip bomb at max_bytes with an error instead of filling memory", function()
      local bomb = crypto.gzip(("\0"):rep(50 * 1024 * 1024))
      assert.is_true(#bomb < 100 * 1024)
      local out, err = crypto.gunzip(bomb, 1024 * 1024)
      assert.is_nil(out)
      assert.equal("gzip: data expands to more than 1048576 bytes", err)
      assert.equal(1024 * 1024, #crypto.gunzip(crypto.gzip(("\0"):rep(1024 * 1024)), 1024 * 1024))
    end)

    it("bounds the output by 256 MiB when no limit is given", function()
      -- 257 members of 1 MiB each: Go's reader (and ours) reads them as one stream
      local bomb = crypto.gzip(("\0"):rep(1024 * 1024)):rep(257)
      local out, err = crypto.gunzip(bomb)
      assert.is_nil(out)
      assert.equal("gzip: data expands to more than 268435456 bytes", err)
    end)

    it("says what is wrong with data that is not gzip, corrupt, truncated or badly checksummed", function()
      local gz = crypto.gzip(random_text(5000))
      local cases = {
        { "", "gzip: invalid header (not gzip data)" },
        { "{\"name\":\"x\"}", "gzip: invalid header (not gzip data)" },
        { gz:sub(1, #gz - 20), "gzip: unexpected end of data (truncated)" },
        { gz:sub(1, 12), "gzip: unexpected end of data (truncated)" },
        { gz:sub(1, #gz - 8) .. "\0\0\0\0" .. gz:sub(-4), "gzip: incorrect data check" },
        { gz:sub(1, 3) .. "\255" .. gz:sub(5), nil },
        { gz:sub(1, 20) .. ("\255"):rep(40) .. gz:sub(61), nil },
        { gz .. "garbage", "gzip: incorrect header check" },
      }
      for i, c in ipairs(cases) do
        local out, err = crypto.gunzip(c[1])
        assert.is_nil(out, "case " .. i)
        assert.matches("^gzip: ", err, 1, false)
        if c[2] then assert.equal(c[2], err, "case " .. i) end
      end
    end)

    it("survives random corruptions of a valid stream without crashing", function()
      local gz = crypto.gzip(random_text(3000))
      for i = 1, 500 do
        local pos = 1 + (i * 37) % #gz
        local bad = gz:sub(1, pos - 1) .. string.char((gz:byte(pos) + i) % 256) .. gz:sub(pos + 1)
        local out, err = crypto.gunzip(bad, 10000)
        assert.is_true(out ~= nil or err:match("^gzip: ") ~= nil)
      end
    end)
  end)

  describe("base64_encode / base64_decode", function()
    it("agrees with the base64 tool", function()
      for _, n in ipairs({ 0, 1, 2, 3, 4, 5, 100, 1001 }) do
        local data = random_text(n)
        assert(fs.write_atomic(dir .. "/in", data))
        local want = sh("base64 -w0 " .. dir .. "/in")
        assert.equal(want, crypto.base64_encode(data))
        assert.equal(data, crypto.base64_decode(want))
      end
    end)

    it("ignores line breaks as Go does and rejects everything else it rejects", function()
      assert.equal("hello world", crypto.base64_decode("aGVsbG8g\nd29y\r\nbGQ="))
      local cases = {
        { "aGVsbG8", "illegal base64 data at input byte 7" },
        { "aGVsbG8=x", "illegal base64 data at input byte 8" },
        { "aG=s", "illegal base64 data at input byte 3" },
        { "a===", "illegal base64 data at input byte 1" },
        { "aGV-", "illegal base64 data at input byte 3" },
        { "aGk=", nil },
        { "aA=", "illegal base64 data at input byte 3" },
      }
      for _, c in ipairs(cases) do
        local out, err = crypto.base64_decode(c[1])
        if c[2] then
          assert.is_nil(out, c[1])
          assert.equal(c[2], err, c[1])
        else
          assert.equal("hi", out)
        end
      end
    end)
  end)
end)
