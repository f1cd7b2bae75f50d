--- Base64 and base32 (standard alphabets, padded) as Go's encoding/base64 and base32 read
--- and write them, with their "illegal … data at input byte N" errors.
local M = {}

local byte, char, concat, floor, fmt = string.byte, string.char, table.concat, math.floor, string.format

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

local function decode_map(alphabet)
  local m = {}
  for i = 1, #alphabet do m[byte(alphabet, i)] = i - 1 end
  return m
end
local D64, D32 = decode_map(B64), decode_map(B32)

-- Generic encoder: `bits` per symbol, `group` input bytes per `quantum` output symbols.
local function encode(s, alphabet, bits, group, quantum)
  local out = {}
  for i = 1, #s, group do
    local chunk = s:sub(i, i + group - 1)
    local n = #chunk
    local acc, nbits = 0, 0
    local syms = {}
    for k = 1, n do
      acc = acc * 256 + byte(chunk, k)
      nbits = nbits + 8
      while nbits >= bits do
        nbits = nbits - bits
        local d = floor(acc / 2 ^ nbits)
        acc = acc - d * 2 ^ nbits
        syms[#syms + 1] = alphabet:sub(d + 1, d + 1)
      end
    end
    if nbits > 0 then
      local d = acc * 2 ^ (bits - nbits)
      syms[#syms + 1] = alphabet:sub(d + 1, d + 1)
    end
    while #syms < quantum do syms[#syms + 1] = "=" end
    out[#out + 1] = concat(syms)
  end
  return concat(out)
end

local bit = require("bit")
local band, rshift, lshift, bor = bit.band, bit.rshift, bit.lshift, bit.bor
local B64C = {}
for i = 1, 64 do B64C[i - 1] = B64:sub(i, i) end

-- The hot path (toJson | b64enc on every release): whole 3-byte groups with bit ops.
function M.b64encode(s)
  local n = #s
  local out, k = {}, 0
  local full = n - n % 3
  for i = 1, full, 3 do
    local a, b, c = byte(s, i, i + 2)
    local v = bor(lshift(a, 16), lshift(b, 8), c)
    k = k + 1
    out[k] = B64C[rshift(v, 18)] .. B64C[band(rshift(v, 12), 63)] .. B64C[band(rshift(v, 6), 63)] .. B64C[band(v, 63)]
  end
  local rest = n - full
  if rest == 1 then
    local v = lshift(byte(s, n), 16)
    out[k + 1] = B64C[rshift(v, 18)] .. B64C[band(rshift(v, 12), 63)] .. "=="
  elseif rest == 2 then
    local a, b = byte(s, n - 1, n)
    local v = bor(lshift(a, 16), lshift(b, 8))
    out[k + 1] = B64C[rshift(v, 18)] .. B64C[band(rshift(v, 12), 63)] .. B64C[band(rshift(v, 6), 63)] .. "="
  end
  return concat(out)
end
function M.b32encode(s) return encode(s, B32, 5, 5, 8) end

-- Decodes quanta of `quantum` symbols; returns bytes or nil, Go's CorruptInputError offset.
local function decode(src, dmap, bits, quantum)
  local out, si, n = {}, 1, #src
  local function skip_newlines()
    while si <= n and (byte(src, si) == 10 or byte(src, si) == 13) do si = si + 1 end
  end
  while true do
    local vals, j, done = {}, 0, false
    while j < quantum do
      skip_newlines()
      if si > n then
        if j == 0 then return concat(out) end
        return nil, si - 1 - j
      end
      local c = byte(src, si)
      si = si + 1
      if c == 61 then
        -- padding: the rest of the quantum must be '=' too
        local valid_pad = (bits == 6 and (j == 2 or j == 3)) or (bits == 5 and (j == 2 or j == 4 or j == 5 or j == 7))
        if not valid_pad then return nil, si - 2 end
        local need = quantum - j - 1
        for _ = 1, need do
          skip_newlines()
          if si > n then return nil, n end
          if byte(src, si) ~= 61 then return nil, si - 1 end
          si = si + 1
        end
        skip_newlines()
        if si <= n then return nil, si - 1 end
        done = true
        break
      end
      local d = dmap[c]
      if not d then return nil, si - 2 end
      vals[#vals + 1] = d
      j = j + 1
    end
    local acc, nbits = 0, 0
    for _, d in ipairs(vals) do
      acc = acc * 2 ^ bits + d
      nbits = nbits + bits
      if nbits >= 8 then
        nbits = nbits - 8
        local b = floor(acc / 2 ^ nbits)
        acc = acc - b * 2 ^ nbits
        out[#out + 1] = char(b)
      end
    end
    if done then return concat(out) end
  end
end

function M.b64decode(s)
  local r, at = decode(s, D64, 6, 4)
  if r then return r end
  return nil, fmt("illegal base64 data at input byte %d", at)
end

-- Go's base32 decoder: newlines are dropped first (offsets count the rest), then quanta of
-- eight symbols with its own padding rules.
local function decode32(s)
  local src = s:gsub("[\r\n]", "")
  local olen, pos, out = #src, 0, {}
  local done = false
  while pos < olen and not done do
    local vals, j, dlen = {}, 0, 8
    while j < 8 do
      if pos == olen then return nil, pos - j end
      local c = byte(src, pos + 1)
      pos = pos + 1
      local remaining = olen - pos
      if c == 61 and j >= 2 and remaining < 8 then
        if remaining + j < 7 then return nil, olen end
        for k = 0, 8 - 1 - j - 1 do
          if remaining > k and byte(src, pos + k + 1) ~= 61 then return nil, pos + k - 1 end
        end
        dlen, done = j, true
        if dlen == 1 or dlen == 3 or dlen == 6 then return nil, pos - 1 end
        break
      end
      local d = D32[c]
      if not d then return nil, pos - 1 end
      vals[j + 1] = d
      j = j + 1
    end
    local acc, nbits = 0, 0
    for k = 1, dlen do
      acc = acc * 32 + vals[k]
      nbits = nbits + 5
      if nbits >= 8 then
        nbits = nbits - 8
        local b = floor(acc / 2 ^ nbits)
        acc = acc - b * 2 ^ nbits
        out[#out + 1] = char(b)
      end
    end
  end
  return concat(out)
end

function M.b32decode(s)
  local r, at = decode32(s)
  if r then return r end
  return nil, fmt("illegal base32 data at input byte %d", at)
end

return M
