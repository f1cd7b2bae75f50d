--- hfl.crypto: digests, HMAC, checksums, random bytes, keys and certificates for domain code
--- (the Sprig functions in hfl.stdlib.crypto, cache keys, digests of downloads). A thin
--- wrapper of the C module hfl.core.crypto (OpenSSL, zlib, libcrypt); its functions and their
--- signatures are in c/meta/hfl.core.crypto.lua.
local core = require("hfl.core").crypto

local M = {}
for name, fn in pairs(core) do M[name] = fn end

--- Lowercase hex digest of data.
---@param alg "sha1"|"sha256"|"sha512"|"md5"
---@param data string
---@return string
function M.hex_digest(alg, data)
  return (core.digest(alg, data):gsub(".", function(c) return ("%02x"):format(c:byte()) end))
end

return M
