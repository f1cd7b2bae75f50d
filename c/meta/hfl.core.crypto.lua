---@meta
-- Editor stub for the C module hfl.core.crypto (c/l_crypto.c, c/crypto.c over OpenSSL,
-- zlib and libcrypt). Domain code uses hfl.stdlib.crypto.

---@class hfl.core.crypto
local crypto = {}

---@param alg "sha1"|"sha256"|"sha512"|"md5"
---@param data string
---@return string digest  raw bytes
function crypto.digest(alg, data) end

---@return string mac  32 raw bytes
function crypto.hmac_sha256(key, data) end

---@return number checksum
function crypto.adler32(data) end

--- A gzip member of data, with Go's header (as Helm writes release records).
---@param data string
---@param level? integer  0-9, default 9
---@return string|nil gz, string? err
function crypto.gzip(data, level) end

--- The data of a gzip stream, at most max_bytes of it (default 256 MiB): more is an error.
---@param gz string
---@param max_bytes? integer
---@return string|nil data, string? err  "gzip: …" for bad, truncated or oversized input
function crypto.gunzip(gz, max_bytes) end

---@return string text  standard base64 with padding
function crypto.base64_encode(data) end

--- Strict standard base64 (Go's StdEncoding; line breaks ignored).
---@return string|nil data, string? err  "illegal base64 data at input byte N"
function crypto.base64_decode(text) end

---@param n integer
---@return string bytes  n cryptographically random bytes
function crypto.random(n) end

--- AES-256-CBC without padding (data a multiple of 16 bytes).
---@param encrypt boolean
---@param key string  32 bytes
---@param iv string  16 bytes
---@param data string
---@return string|nil out, string? err
function crypto.aes_cbc(encrypt, key, iv, data) end

---@return string|nil key, string? err
function crypto.scrypt(password, salt, n, r, p, keylen) end

--- A "$2a$" bcrypt hash (libcrypt.so.1 loaded at run time).
---@param cost? integer  default 10
---@return string|nil hash, string? err
function crypto.bcrypt(password, cost) end

--- A new private key as PEM, in the encodings Sprig's genPrivateKey writes.
---@param type "rsa"|"ecdsa"|"ed25519"|"dsa"
---@param bits? integer  RSA only, default 4096
---@return string|nil pem, string? err
function crypto.genkey(type, bits) end

--- A certificate (self-signed, or signed by ca_cert/ca_key) and its key, as PEM.
---@param req {cn: string, days: integer, is_ca?: boolean, ips?: string[], dns?: string[], key?: string, ca_cert?: string, ca_key?: string}
---@return string|nil cert, string key_or_err
function crypto.gen_cert(req) end

---@param pem string
---@param want_key boolean  true: a private key, false: a certificate
---@return boolean
function crypto.check_pem(pem, want_key) end
