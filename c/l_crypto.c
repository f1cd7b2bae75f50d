/* Lua binding of c/crypto.c: hfl.core.crypto. Binary results are Lua strings; expected
 * failures return nil, message. */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "core.h"
#include "crypto.h"

// bytes = crypto.digest(alg, data)  -- alg: "sha1" | "sha256" | "sha512" | "md5"
static int hfl_crypto_ldigest(lua_State *L)
{
    const char *alg = luaL_checkstring(L, 1);
    size_t len;
    const char *data = luaL_checklstring(L, 2, &len);
    unsigned char out[64];
    unsigned n = 0;
    if (hfl_crypto_digest(alg, data, len, out, &n) != 0)
        return luaL_argerror(L, 1, "unknown digest");
    lua_pushlstring(L, (const char *)out, n);
    return 1;
}

// mac = crypto.hmac_sha256(key, data)
static int hfl_crypto_lhmac_sha256(lua_State *L)
{
    size_t klen, len;
    const char *key = luaL_checklstring(L, 1, &klen);
    const char *data = luaL_checklstring(L, 2, &len);
    unsigned char out[32];
    if (hfl_crypto_hmac_sha256(key, klen, data, len, out) != 0)
        return luaL_error(L, "crypto.hmac_sha256 failed");
    lua_pushlstring(L, (const char *)out, sizeof out);
    return 1;
}

// n = crypto.adler32(data)
static int hfl_crypto_ladler32(lua_State *L)
{
    size_t len;
    const char *data = luaL_checklstring(L, 1, &len);
    lua_pushnumber(L, (lua_Number)hfl_crypto_adler32(data, len));
    return 1;
}

/* Decompressed output is bounded by default so a gzip bomb is an error, not an OOM. */
#define GUNZIP_DEFAULT_MAX (256u * 1024u * 1024u)

// Pushes the bytes a C function made (and frees them), or nil and its error when rc != 0.
static int push_bytes(lua_State *L, int rc, unsigned char *out, size_t n, const char *err)
{
    if (rc != 0) {
        free(out);
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_pushlstring(L, (const char *)out, n);
    free(out);
    return 1;
}

// gz | nil, err = crypto.gzip(data [, level])  -- level 0-9, default 9 (Helm's BestCompression)
static int hfl_crypto_lgzip(lua_State *L)
{
    size_t len;
    const char *data = luaL_checklstring(L, 1, &len);
    lua_Integer level = luaL_optinteger(L, 2, 9);
    luaL_argcheck(L, level >= 0 && level <= 9, 2, "level must be 0-9");
    unsigned char *out = NULL;
    size_t n = 0;
    char err[256] = "";
    int rc = hfl_crypto_gzip(data, len, (int)level, &out, &n, err, sizeof err);
    return push_bytes(L, rc, out, n, err);
}

// data | nil, err = crypto.gunzip(gz [, max_bytes])  -- max_bytes default 256 MiB
static int hfl_crypto_lgunzip(lua_State *L)
{
    size_t len;
    const char *data = luaL_checklstring(L, 1, &len);
    lua_Number max = luaL_optnumber(L, 2, GUNZIP_DEFAULT_MAX);
    luaL_argcheck(L, max >= 0 && max <= 4.0 * 1024 * 1024 * 1024, 2, "max_bytes out of range");
    unsigned char *out = NULL;
    size_t n = 0;
    char err[256] = "";
    int rc = hfl_crypto_gunzip(data, len, (size_t)max, &out, &n, err, sizeof err);
    return push_bytes(L, rc, out, n, err);
}

// text = crypto.base64_encode(data)
static int hfl_crypto_lbase64_encode(lua_State *L)
{
    size_t len, n = 0;
    const char *data = luaL_checklstring(L, 1, &len);
    char *out = hfl_crypto_base64_encode(data, len, &n);
    if (!out)
        return luaL_error(L, "crypto.base64_encode: out of memory");
    lua_pushlstring(L, out, n);
    free(out);
    return 1;
}

// data | nil, err = crypto.base64_decode(text)
static int hfl_crypto_lbase64_decode(lua_State *L)
{
    size_t len, n = 0;
    const char *text = luaL_checklstring(L, 1, &len);
    unsigned char *out = NULL;
    char err[128] = "";
    int rc = hfl_crypto_base64_decode(text, len, &out, &n, err, sizeof err);
    return push_bytes(L, rc, out, n, err);
}

// bytes = crypto.random(n)
static int hfl_crypto_lrandom(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1);
    luaL_argcheck(L, n >= 0 && n <= 64 * 1024 * 1024, 1, "out of range");
    unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
    if (!buf)
        return luaL_error(L, "crypto.random: out of memory");
    if (hfl_crypto_random(buf, (size_t)n) != 0) {
        free(buf);
        return luaL_error(L, "crypto.random: no randomness available");
    }
    lua_pushlstring(L, (const char *)buf, (size_t)n);
    free(buf);
    return 1;
}

// out | nil, err = crypto.aes_cbc(encrypt, key32, iv16, data)  -- no padding
static int hfl_crypto_laes_cbc(lua_State *L)
{
    int enc = lua_toboolean(L, 1);
    size_t klen, ivlen, len;
    const char *key = luaL_checklstring(L, 2, &klen);
    const char *iv = luaL_checklstring(L, 3, &ivlen);
    const char *data = luaL_checklstring(L, 4, &len);
    luaL_argcheck(L, klen == 32, 2, "key must be 32 bytes");
    luaL_argcheck(L, ivlen == 16, 3, "iv must be 16 bytes");
    if (len % 16 != 0) {
        lua_pushnil(L);
        lua_pushstring(L, "crypto/cipher: input not full blocks");
        return 2;
    }
    unsigned char *out = malloc(len > 0 ? len : 1);
    if (!out)
        return luaL_error(L, "crypto.aes_cbc: out of memory");
    if (hfl_crypto_aes_cbc(enc, (const unsigned char *)key, (const unsigned char *)iv,
                           (const unsigned char *)data, len, out) != 0) {
        free(out);
        lua_pushnil(L);
        lua_pushstring(L, "crypto.aes_cbc failed");
        return 2;
    }
    lua_pushlstring(L, (const char *)out, len);
    free(out);
    return 1;
}

// key | nil, err = crypto.scrypt(password, salt, N, r, p, keylen)
static int hfl_crypto_lscrypt(lua_State *L)
{
    size_t plen, slen;
    const char *pass = luaL_checklstring(L, 1, &plen);
    const char *salt = luaL_checklstring(L, 2, &slen);
    lua_Integer n = luaL_checkinteger(L, 3), r = luaL_checkinteger(L, 4), p = luaL_checkinteger(L, 5);
    lua_Integer klen = luaL_checkinteger(L, 6);
    luaL_argcheck(L, klen > 0 && klen <= 1024, 6, "out of range");
    luaL_argcheck(L, n > 1 && r > 0 && p > 0, 3, "bad scrypt parameters");
    unsigned char out[1024];
    if (hfl_crypto_scrypt(pass, plen, salt, slen, (uint64_t)n, (uint64_t)r, (uint64_t)p, out,
                          (size_t)klen) != 0) {
        lua_pushnil(L);
        lua_pushstring(L, "scrypt failed");
        return 2;
    }
    lua_pushlstring(L, (const char *)out, (size_t)klen);
    return 1;
}

// hash | nil, err = crypto.bcrypt(password, cost)
static int hfl_crypto_lbcrypt(lua_State *L)
{
    const char *pass = luaL_checkstring(L, 1);
    lua_Integer cost = luaL_optinteger(L, 2, 10);
    luaL_argcheck(L, cost >= 4 && cost <= 31, 2, "cost out of range");
    char err[256] = "";
    char *hash = hfl_crypto_bcrypt(pass, (int)cost, err, sizeof err);
    if (!hash) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_pushstring(L, hash);
    free(hash);
    return 1;
}

// pem | nil, err = crypto.genkey(type, bits)  -- type: "rsa" | "ecdsa" | "ed25519" | "dsa"
static int hfl_crypto_lgenkey(lua_State *L)
{
    const char *type = luaL_checkstring(L, 1);
    lua_Integer bits = luaL_optinteger(L, 2, 4096);
    luaL_argcheck(L, bits >= 512 && bits <= 16384, 2, "bits out of range");
    char err[512] = "";
    char *pem = hfl_crypto_genkey(type, (int)bits, err, sizeof err);
    if (!pem) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_pushstring(L, pem);
    free(pem);
    return 1;
}

/* The strings of the list field `name` of the table at idx; *n set. Pushes nothing. */
static const char **string_list(lua_State *L, int idx, const char *name, size_t *n)
{
    *n = 0;
    lua_getfield(L, idx, name);  /* [list] */
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return NULL;
    }
    luaL_checktype(L, -1, LUA_TTABLE);
    size_t len = lua_objlen(L, -1);
    /* the strings stay alive in the request table for the duration of the call */
    const char **out = lua_newuserdata(L, (len + 1) * sizeof *out);  /* [list, ud] */
    for (size_t i = 0; i < len; i++) {
        lua_rawgeti(L, -2, (int)i + 1);
        out[i] = lua_tostring(L, -1);
        if (!out[i])
            luaL_error(L, "crypto.gen_cert: %s must hold strings", name);
        lua_pop(L, 1);
    }
    lua_setfield(L, idx, name[0] == 'i' ? "_ips" : "_dns");  /* keeps ud alive: [list] */
    lua_pop(L, 1);
    *n = len;
    return out;
}

static const char *opt_field(lua_State *L, int idx, const char *name)
{
    lua_getfield(L, idx, name);
    const char *s = lua_tostring(L, -1);
    lua_pop(L, 1);  /* the string stays referenced by the table */
    return s;
}

// cert, key | nil, err = crypto.gen_cert{cn=, days=, is_ca=, ips=, dns=, key=, ca_cert=, ca_key=}
static int hfl_crypto_lgen_cert(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    hfl_cert_request req;
    memset(&req, 0, sizeof req);
    req.cn = opt_field(L, 1, "cn");
    if (!req.cn)
        req.cn = "";
    lua_getfield(L, 1, "days");
    req.days = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, 1, "is_ca");
    req.is_ca = lua_toboolean(L, -1);
    lua_pop(L, 1);
    req.ips = string_list(L, 1, "ips", &req.nips);
    req.dns = string_list(L, 1, "dns", &req.ndns);
    req.key_pem = opt_field(L, 1, "key");
    req.ca_cert_pem = opt_field(L, 1, "ca_cert");
    req.ca_key_pem = opt_field(L, 1, "ca_key");
    char *cert = NULL, *key = NULL;
    char err[512] = "";
    if (hfl_crypto_gen_cert(&req, &cert, &key, err, sizeof err) != 0) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_pushstring(L, cert);
    lua_pushstring(L, key);
    free(cert);
    free(key);
    return 2;
}

// ok = crypto.check_pem(pem, want_key)
static int hfl_crypto_lcheck_pem(lua_State *L)
{
    const char *pem = luaL_checkstring(L, 1);
    lua_pushboolean(L, hfl_crypto_check_pem(pem, lua_toboolean(L, 2)) == 0);
    return 1;
}

static const luaL_Reg functions[] = {
    {"digest", hfl_crypto_ldigest},
    {"hmac_sha256", hfl_crypto_lhmac_sha256},
    {"adler32", hfl_crypto_ladler32},
    {"gzip", hfl_crypto_lgzip},
    {"gunzip", hfl_crypto_lgunzip},
    {"base64_encode", hfl_crypto_lbase64_encode},
    {"base64_decode", hfl_crypto_lbase64_decode},
    {"random", hfl_crypto_lrandom},
    {"aes_cbc", hfl_crypto_laes_cbc},
    {"scrypt", hfl_crypto_lscrypt},
    {"bcrypt", hfl_crypto_lbcrypt},
    {"genkey", hfl_crypto_lgenkey},
    {"gen_cert", hfl_crypto_lgen_cert},
    {"check_pem", hfl_crypto_lcheck_pem},
    {NULL, NULL},
};

int luaopen_hfl_core_crypto(lua_State *L)
{
    lua_newtable(L);
    luaL_register(L, NULL, functions);
    return 1;
}
