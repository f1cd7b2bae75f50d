--- Sprig's hash and crypto functions over hfl.crypto (OpenSSL, zlib, libcrypt):
--- sha1sum, sha256sum, sha512sum, adler32sum, bcrypt, htpasswd, randBytes, derivePassword,
--- genPrivateKey, genCA, genSelfSignedCert, genSignedCert (+WithKey), buildCustomCert,
--- encryptAES and decryptAES.
local util = require("hfl.stdlib.util")
local encoding = require("hfl.stdlib.encoding")

local M = {}

local str, int, fmt, concat = util.str, util.int, string.format, table.concat

local core
local function C()
  core = core or require("hfl.crypto")
  return core
end

local function hex(s)
  return (s:gsub(".", function(c) return fmt("%02x", c:byte()) end))
end

local function digest(alg) return function(s) return hex(C().digest(alg, str(s))) end end

--- Sprig's certificate struct {Cert, Key}.
local Certificate = {}
Certificate.__index = Certificate
local function cert_string(c) return "{" .. c.Cert .. " " .. c.Key .. "}" end
util.types[Certificate] = { go_type = "sprig.certificate", go_kind = "struct", string = cert_string,
  json = function(c)
    local m = util.map()
    m.Cert, m.Key = c.Cert, c.Key
    return m
  end }

local function new_cert(cert, key) return setmetatable({ Cert = cert, Key = key }, Certificate) end

local function bcrypt(s)
  local hash, err = C().bcrypt(s, 10)
  if not hash then return "failed to encrypt string with bcrypt: " .. err end
  return hash
end

local TEMPLATES = {
  maximum = { "anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno" },
  long = { "CvcvnoCvcvCvcv", "CvcvCvcvnoCvcv", "CvcvCvcvCvcvno", "CvccnoCvcvCvcv", "CvccCvcvnoCvcv",
    "CvccCvcvCvcvno", "CvcvnoCvccCvcv", "CvcvCvccnoCvcv", "CvcvCvccCvcvno", "CvcvnoCvcvCvcc",
    "CvcvCvcvnoCvcc", "CvcvCvcvCvccno", "CvccnoCvccCvcv", "CvccCvccnoCvcv", "CvccCvccCvcvno",
    "CvcvnoCvccCvcc", "CvcvCvccnoCvcc", "CvcvCvccCvccno", "CvccnoCvcvCvcc", "CvccCvcvnoCvcc",
    "CvccCvcvCvccno" },
  medium = { "CvcnoCvc", "CvcCvcno" },
  short = { "Cvcn" },
  basic = { "aaanaaan", "aannaaan", "aaannaaa" },
  pin = { "nnnn" },
}
local CHARS = {
  V = "AEIOU", C = "BCDFGHJKLMNPQRSTVWXYZ", v = "aeiou", c = "bcdfghjklmnpqrstvwxyz",
  A = "AEIOUBCDFGHJKLMNPQRSTVWXYZ", a = "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
  n = "0123456789", o = "@&%?,=[]_:-+*$#!'^~;()/.",
  x = "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
}

local function be32(n)
  n = n % 4294967296
  return string.char(math.floor(n / 16777216) % 256, math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
end

local SEED = "com.lyndir.masterpassword"

--- The Master Password algorithm, as Sprig's derivePassword.
-- The Master Password key of a password and user: scrypt, the costly part (~0.1 s).
local function master_key(password, user)
  return C().scrypt(password, SEED .. be32(#user) .. user, 32768, 8, 2, 64)
end

-- key_of(password, user) → key | nil, err: master_key, or a cache of it.
local function derive_password(counter, ptype, password, user, site, key_of)
  local templates = TEMPLATES[ptype]
  if not templates then return "cannot find password template " .. ptype end
  local key, err = (key_of or master_key)(password, user)
  if not key then return "failed to derive password: " .. err end
  local seed = C().hmac_sha256(key, SEED .. be32(#site) .. site .. be32(counter))
  local temp = templates[seed:byte(1) % #templates + 1]
  local out = {}
  for i = 1, #temp do
    local chars = CHARS[temp:sub(i, i)]
    local k = seed:byte(i + 1) % #chars + 1
    out[i] = chars:sub(k, k)
  end
  return concat(out)
end

local function strings_of(v, what)
  if util.is_nil(v) then return {} end
  if util.kind(v) ~= "list" then util.type_error(v, "[]interface {}") end
  local out = {}
  for i = 1, #v do
    if type(v[i]) ~= "string" then
      if what == "ip" then error(fmt("error parsing ip: %s is not a string", util.sprint(v[i])), 0) end
      error(fmt("error processing alternate dns name: %s is not a string", util.sprint(v[i])), 0)
    end
    out[i] = v[i]
  end
  return out
end

local function cert_arg(v)
  if type(v) == "table" and (getmetatable(v) == Certificate or util.is_map(v)) then
    return { Cert = type(v.Cert) == "string" and v.Cert or "", Key = type(v.Key) == "string" and v.Key or "" }
  end
  util.type_error(v, "sprig.certificate")
end

local function gen(req)
  local cert, key = C().gen_cert(req)
  if not cert then error(key, 0) end
  return new_cert(cert, key)
end

local function check_key(pem)
  if not C().check_pem(pem, true) then error("parsing private key: no PEM data in input", 0) end
  return pem
end

local function aes_key(password)
  local k = password:sub(1, 32)
  return k .. ("\0"):rep(32 - #k)
end

M.funcs = {
  sha1sum = digest("sha1"),
  sha256sum = digest("sha256"),
  sha512sum = digest("sha512"),
  adler32sum = function(s) return fmt("%d", C().adler32(str(s))) end,
  bcrypt = function(s) return bcrypt(str(s)) end,
  htpasswd = function(user, password, hash_type)
    user, password = str(user), str(password)
    if user:find(":", 1, true) then return "invalid username: " .. user end
    if hash_type ~= nil and str(hash_type) == "sha" then
      return user .. ":{SHA}" .. encoding.b64encode(C().digest("sha1", password))
    end
    return user .. ":" .. bcrypt(password)
  end,
  randBytes = function(n)
    n = int(n)
    if n < 0 then error("runtime error: makeslice: len out of range", 0) end
    return encoding.b64encode(util.random_bytes(n))
  end,
  derivePassword = function(counter, ptype, password, user, site)
    return derive_password(int(counter), str(ptype), str(password), str(user), str(site))
  end,
  genPrivateKey = function(ptype)
    ptype = str(ptype)
    local kinds = { [""] = "rsa", rsa = "rsa", dsa = "dsa", ecdsa = "ecdsa", ed25519 = "ed25519" }
    if not kinds[ptype] then return "Unknown type " .. ptype end
    local pem, err = C().genkey(kinds[ptype], 4096)
    if not pem then return "failed to generate private key: " .. err end
    return pem
  end,
  genCA = function(cn, days)
    return gen { cn = str(cn), days = int(days), is_ca = true }
  end,
  genCAWithKey = function(cn, days, key)
    return gen { cn = str(cn), days = int(days), is_ca = true, key = check_key(str(key)) }
  end,
  genSelfSignedCert = function(cn, ips, dns, days)
    return gen { cn = str(cn), ips = strings_of(ips, "ip"), dns = strings_of(dns, "dns"), days = int(days) }
  end,
  genSelfSignedCertWithKey = function(cn, ips, dns, days, key)
    return gen { cn = str(cn), ips = strings_of(ips, "ip"), dns = strings_of(dns, "dns"), days = int(days),
      key = check_key(str(key)) }
  end,
  genSignedCert = function(cn, ips, dns, days, ca)
    ca = cert_arg(ca)
    return gen { cn = str(cn), ips = strings_of(ips, "ip"), dns = strings_of(dns, "dns"), days = int(days),
      ca_cert = ca.Cert, ca_key = ca.Key }
  end,
  genSignedCertWithKey = function(cn, ips, dns, days, ca, key)
    ca = cert_arg(ca)
    return gen { cn = str(cn), ips = strings_of(ips, "ip"), dns = strings_of(dns, "dns"), days = int(days),
      ca_cert = ca.Cert, ca_key = ca.Key, key = check_key(str(key)) }
  end,
  buildCustomCert = function(b64cert, b64key)
    local cert = encoding.b64decode(str(b64cert))
    if not cert then error("unable to decode base64 certificate", 0) end
    local key = encoding.b64decode(str(b64key))
    if not key then error("unable to decode base64 private key", 0) end
    if not C().check_pem(cert, false) then error("unable to decode certificate", 0) end
    if not C().check_pem(key, true) then error("error parsing private key: no PEM data in input", 0) end
    return new_cert(cert, key)
  end,
  encryptAES = function(password, plaintext)
    password, plaintext = str(password), str(plaintext)
    if plaintext == "" then return "" end
    local pad = 16 - #plaintext % 16
    local iv = util.random_bytes(16)
    local out, err = C().aes_cbc(true, aes_key(password), iv, plaintext .. string.char(pad):rep(pad))
    if not out then error(err, 0) end
    return encoding.b64encode(iv .. out)
  end,
  decryptAES = function(password, crypt64)
    password, crypt64 = str(password), str(crypt64)
    if crypt64 == "" then return "" end
    local data, err = encoding.b64decode(crypt64)
    if not data then error(err, 0) end
    if #data < 16 then
      error(fmt("runtime error: slice bounds out of range [:16] with capacity %d", #data), 0)
    end
    local body = data:sub(17)
    if #body % 16 ~= 0 then error("crypto/cipher: input not full blocks", 0) end
    if #body == 0 then error("runtime error: index out of range [-1]", 0) end
    local plain, derr = C().aes_cbc(false, aes_key(password), data:sub(1, 16), body)
    if not plain then error(derr, 0) end
    local pad = plain:byte(#plain)
    if pad > #plain then
      error(fmt("runtime error: slice bounds out of range [:%d]", #plain - pad), 0)
    end
    return plain:sub(1, #plain - pad)
  end,
}

--- derivePassword computing each distinct password and user's scrypt key once in a session
--- (what one run renders), not once per call: the same output as Sprig's, minus ~0.1 s of
--- CPU for every repeated call. The keys live in the session (hfl.Session:once) as long as it.
---@param session hfl.Session
---@return function derivePassword
function M.derive_password_in(session)
  local function key_of(password, user)
    return session:once("derivePassword key", password .. "\0" .. user, function()
      return master_key(password, user)
    end, true)
  end
  return function(counter, ptype, password, user, site)
    return derive_password(int(counter), str(ptype), str(password), str(user), str(site), key_of)
  end
end

return M
