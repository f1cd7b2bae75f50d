/* Cryptography for the template functions, over OpenSSL 3 (hashes, HMAC, randomness,
 * AES-CBC, scrypt, keys, X.509), zlib (adler32, gzip), base64 and libcrypt (bcrypt, loaded with dlopen so
 * hfl does not link against it). Key and certificate shapes follow Sprig's Go code: RSA keys
 * as PKCS#1, EC as SEC1, ed25519 as PKCS#8; certificates with SHA-256 signatures, a 128-bit
 * random serial, serverAuth+clientAuth and critical basic constraints. */
#include <arpa/inet.h>
#include <crypt.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <zlib.h>

#include "crypto.h"

static void set_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
}

/* The last OpenSSL error appended to msg. */
static void set_ssl_err(char *err, size_t errlen, const char *msg)
{
    unsigned long e = ERR_get_error();
    char buf[256] = "";
    if (e)
        ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    if (err && errlen)
        snprintf(err, errlen, "%s%s%s", msg, buf[0] ? ": " : "", buf);
}

int hfl_crypto_digest(const char *alg, const void *data, size_t len, unsigned char *out,
                      unsigned *out_len)
{
    const EVP_MD *md = NULL;
    if (strcmp(alg, "sha1") == 0)
        md = EVP_sha1();
    else if (strcmp(alg, "sha256") == 0)
        md = EVP_sha256();
    else if (strcmp(alg, "sha512") == 0)
        md = EVP_sha512();
    else if (strcmp(alg, "md5") == 0)
        md = EVP_md5();
    if (!md)
        return -1;
    return EVP_Digest(data, len, out, out_len, md, NULL) == 1 ? 0 : -1;
}

int hfl_crypto_hmac_sha256(const void *key, size_t klen, const void *data, size_t len,
                           unsigned char *out)
{
    unsigned int n = 0;
    return HMAC(EVP_sha256(), key, (int)klen, data, len, out, &n) ? 0 : -1;
}

uint32_t hfl_crypto_adler32(const void *data, size_t len)
{
    uLong a = adler32(0L, Z_NULL, 0);
    const unsigned char *p = data;
    while (len > 0) {
        uInt chunk = len > 0x40000000u ? 0x40000000u : (uInt)len;
        a = adler32(a, p, chunk);
        p += chunk;
        len -= chunk;
    }
    return (uint32_t)a;
}

/* zlib counts in uInt: feed it at most this much at a time. */
#define ZCHUNK 0x40000000u

int hfl_crypto_gzip(const void *data, size_t len, int level, unsigned char **out, size_t *outlen,
                    char *err, size_t errlen)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        set_err(err, errlen, "gzip: cannot start the compressor");
        return -1;
    }
    /* Go's header: no name, no mtime, OS 255 (zlib would write its own OS code). */
    gz_header head;
    memset(&head, 0, sizeof head);
    head.os = 255;
    deflateSetHeader(&zs, &head);
    size_t cap = deflateBound(&zs, len > ZCHUNK ? ZCHUNK : (uLong)len) + 64, n = 0;
    unsigned char *buf = malloc(cap);
    const unsigned char *in = data;
    size_t left = len;
    int rc = Z_OK;
    while (buf && rc != Z_STREAM_END) {
        if (zs.avail_in == 0 && left > 0) {
            zs.next_in = (unsigned char *)in;
            zs.avail_in = left > ZCHUNK ? ZCHUNK : (uInt)left;
            in += zs.avail_in;
            left -= zs.avail_in;
        }
        if (n == cap) {
            unsigned char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t room = cap - n > ZCHUNK ? ZCHUNK : cap - n;
        zs.next_out = buf + n;
        zs.avail_out = (uInt)room;
        rc = deflate(&zs, left == 0 ? Z_FINISH : Z_NO_FLUSH);
        n += room - zs.avail_out;
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
            break;
    }
    deflateEnd(&zs);
    if (!buf || rc != Z_STREAM_END) {
        free(buf);
        set_err(err, errlen, buf ? "gzip: compression failed" : "gzip: out of memory");
        return -1;
    }
    *out = buf;
    *outlen = n;
    return 0;
}

static const char *inflate_error(int rc, const z_stream *zs)
{
    if (rc == Z_MEM_ERROR)
        return "gzip: out of memory";
    if (rc == Z_DATA_ERROR && zs->msg)
        return zs->msg;
    return "corrupt data";
}

int hfl_crypto_gunzip(const void *data, size_t len, size_t max, unsigned char **out,
                      size_t *outlen, char *err, size_t errlen)
{
    const unsigned char *in = data;
    if (len < 2 || in[0] != 0x1f || in[1] != 0x8b) {
        set_err(err, errlen, "gzip: invalid header (not gzip data)");
        return -1;
    }
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 15 + 16) != Z_OK) {
        set_err(err, errlen, "gzip: cannot start the decompressor");
        return -1;
    }
    size_t cap = len * 4 + 256, n = 0, left = len;
    if (cap > max + 1)
        cap = max + 1; /* one byte past max is how a bomb shows itself */
    unsigned char *buf = malloc(cap);
    int rc = Z_OK;
    const char *msg = NULL;
    while (buf && !msg) {
        if (zs.avail_in == 0 && left > 0) {
            zs.next_in = (unsigned char *)in;
            zs.avail_in = left > ZCHUNK ? ZCHUNK : (uInt)left;
            in += zs.avail_in;
            left -= zs.avail_in;
        }
        if (n == cap) {
            if (cap > max) {
                msg = "too large";
                break;
            }
            size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            unsigned char *nb = realloc(buf, ncap);
            if (!nb) {
                msg = "gzip: out of memory";
                break;
            }
            buf = nb;
            cap = ncap;
        }
        size_t room = cap - n > ZCHUNK ? ZCHUNK : cap - n;
        zs.next_out = buf + n;
        zs.avail_out = (uInt)room;
        rc = inflate(&zs, Z_NO_FLUSH);
        n += room - zs.avail_out;
        if (rc == Z_STREAM_END) {
            /* Go's reader reads concatenated members as one stream. */
            if (zs.avail_in == 0 && left == 0)
                break;
            if (inflateReset(&zs) != Z_OK)
                msg = "gzip: corrupt data";
        } else if (rc == Z_BUF_ERROR && zs.avail_in == 0 && left == 0 && zs.avail_out > 0) {
            msg = "gzip: unexpected end of data (truncated)";
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            msg = inflate_error(rc, &zs);
        }
    }
    if (!buf)
        msg = "gzip: out of memory";
    if (n > max)
        msg = "too large";
    if (msg) {
        if (err && errlen) {
            if (strcmp(msg, "too large") == 0)
                snprintf(err, errlen, "gzip: data expands to more than %zu bytes", max);
            else if (strncmp(msg, "gzip:", 5) == 0)
                snprintf(err, errlen, "%s", msg);
            else
                snprintf(err, errlen, "gzip: %s", msg);
        }
        inflateEnd(&zs);
        free(buf);
        return -1;
    }
    inflateEnd(&zs);
    *out = buf;
    *outlen = n;
    return 0;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *hfl_crypto_base64_encode(const void *data, size_t len, size_t *outlen)
{
    const unsigned char *p = data;
    size_t n = (len + 2) / 3 * 4;
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    size_t i = 0;
    for (; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *o++ = B64[v >> 18];
        *o++ = B64[v >> 12 & 63];
        *o++ = B64[v >> 6 & 63];
        *o++ = B64[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0);
        *o++ = B64[v >> 18];
        *o++ = B64[v >> 12 & 63];
        *o++ = i + 1 < len ? B64[v >> 6 & 63] : '=';
        *o++ = '=';
    }
    *o = '\0';
    *outlen = n;
    return out;
}

int hfl_crypto_base64_decode(const char *in, size_t len, unsigned char **out, size_t *outlen,
                             char *err, size_t errlen)
{
    signed char val[256];
    memset(val, -1, sizeof val);
    for (int k = 0; k < 64; k++)
        val[(unsigned char)B64[k]] = (signed char)k;
    unsigned char *buf = malloc(len / 4 * 3 + 3);
    if (!buf) {
        set_err(err, errlen, "base64: out of memory");
        return -1;
    }
    size_t n = 0, i = 0, bad = (size_t)-1;
    int pad = 0;
    uint32_t acc = 0;
    int j = 0; /* symbols in the current group of four */
    for (; i < len && bad == (size_t)-1; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '\n' || c == '\r')
            continue;
        if (pad) {
            /* after '=': only the second '=' of "xx==" */
            if (c == '=' && pad == 1 && j == 2)
                pad = 2;
            else
                bad = i;
            continue;
        }
        if (c == '=') {
            if (j < 2)
                bad = i;
            pad = 1;
            continue;
        }
        if (val[c] < 0) {
            bad = i;
            continue;
        }
        acc = acc << 6 | (uint32_t)val[c];
        if (++j == 4) {
            buf[n++] = (unsigned char)(acc >> 16);
            buf[n++] = (unsigned char)(acc >> 8);
            buf[n++] = (unsigned char)acc;
            acc = 0;
            j = 0;
        }
    }
    if (bad == (size_t)-1 && pad && !((j == 2 && pad == 2) || (j == 3 && pad == 1)))
        bad = len; /* "xx=" without its second '=' */
    if (bad == (size_t)-1 && !pad && j != 0)
        bad = len; /* a partial group without its padding */
    if (bad != (size_t)-1) {
        free(buf);
        if (err && errlen)
            snprintf(err, errlen, "illegal base64 data at input byte %zu", bad);
        return -1;
    }
    if (j == 2)
        buf[n++] = (unsigned char)(acc >> 4);
    else if (j == 3) {
        buf[n++] = (unsigned char)(acc >> 10);
        buf[n++] = (unsigned char)(acc >> 2);
    }
    buf[n] = 0;
    *out = buf;
    *outlen = n;
    return 0;
}

int hfl_crypto_random(unsigned char *out, size_t n)
{
    while (n > 0) {
        int chunk = n > 0x40000000u ? 0x40000000 : (int)n;
        if (RAND_bytes(out, chunk) != 1)
            return -1;
        out += chunk;
        n -= (size_t)chunk;
    }
    return 0;
}

int hfl_crypto_aes_cbc(int encrypt, const unsigned char key[32], const unsigned char iv[16],
                       const unsigned char *in, size_t len, unsigned char *out)
{
    if (len % 16 != 0 || len > 0x7fffffff)
        return -1;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx)
        return -1;
    int ok = EVP_CipherInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, iv, encrypt ? 1 : 0) == 1 &&
             EVP_CIPHER_CTX_set_padding(ctx, 0) == 1;
    int n = 0, m = 0;
    if (ok)
        ok = EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1 &&
             EVP_CipherFinal_ex(ctx, out + n, &m) == 1 && (size_t)(n + m) == len;
    EVP_CIPHER_CTX_free(ctx);
    return ok ? 0 : -1;
}

int hfl_crypto_scrypt(const void *pass, size_t plen, const void *salt, size_t slen, uint64_t n,
                      uint64_t r, uint64_t p, unsigned char *out, size_t outlen)
{
    return EVP_PBE_scrypt(pass, plen, salt, slen, n, r, p, 1024u * 1024u * 1024u, out, outlen) == 1
               ? 0
               : -1;
}

typedef char *(*gensalt_fn)(const char *prefix, unsigned long count, const char *rbytes,
                            int nrbytes, char *output, int output_size);
typedef char *(*crypt_rn_fn)(const char *phrase, const char *setting, void *data, int size);

char *hfl_crypto_bcrypt(const char *password, int cost, char *err, size_t errlen)
{
    void *lib = dlopen("libcrypt.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        set_err(err, errlen, "bcrypt needs libcrypt.so.1 (libxcrypt), which is not installed");
        return NULL;
    }
    gensalt_fn gensalt;
    crypt_rn_fn crypt_rn;
    *(void **)&gensalt = dlsym(lib, "crypt_gensalt_rn");
    *(void **)&crypt_rn = dlsym(lib, "crypt_rn");
    char *result = NULL;
    struct crypt_data *data = NULL;
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    if (!gensalt || !crypt_rn) {
        set_err(err, errlen, "libcrypt lacks crypt_gensalt_rn/crypt_rn");
        goto done;
    }
    if (!gensalt("$2a$", (unsigned long)cost, NULL, 0, salt, (int)sizeof salt)) {
        set_err(err, errlen, "bcrypt: cannot make a salt");
        goto done;
    }
    data = calloc(1, sizeof *data);
    if (!data) {
        set_err(err, errlen, "out of memory");
        goto done;
    }
    const char *hash = crypt_rn(password, salt, data, (int)sizeof *data);
    if (!hash || hash[0] == '*') {
        set_err(err, errlen, "bcrypt: hashing failed");
        goto done;
    }
    result = strdup(hash);
    if (!result)
        set_err(err, errlen, "out of memory");
done:
    if (data) {
        OPENSSL_cleanse(data, sizeof *data);
        free(data);
    }
    dlclose(lib);
    return result;
}

/* PEM text of a BIO's contents, malloc'ed. */
static char *bio_string(BIO *bio)
{
    char *p = NULL;
    long n = BIO_get_mem_data(bio, &p);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    memcpy(s, p, (size_t)n);
    s[n] = '\0';
    return s;
}

/* A private key in Sprig's PEM shapes. */
static char *key_pem(EVP_PKEY *key, char *err, size_t errlen)
{
    const char *structure = EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 ? "PrivateKeyInfo"
                                                                     : "type-specific";
    OSSL_ENCODER_CTX *ectx =
        OSSL_ENCODER_CTX_new_for_pkey(key, EVP_PKEY_KEYPAIR, "PEM", structure, NULL);
    unsigned char *data = NULL;
    size_t len = 0;
    if (!ectx || OSSL_ENCODER_CTX_get_num_encoders(ectx) == 0 ||
        OSSL_ENCODER_to_data(ectx, &data, &len) != 1) {
        OSSL_ENCODER_CTX_free(ectx);
        set_ssl_err(err, errlen, "error pem-encoding key");
        return NULL;
    }
    OSSL_ENCODER_CTX_free(ectx);
    char *s = malloc(len + 1);
    if (!s) {
        OPENSSL_free(data);
        set_err(err, errlen, "out of memory");
        return NULL;
    }
    memcpy(s, data, len);
    s[len] = '\0';
    OPENSSL_clear_free(data, len);
    return s;
}

static EVP_PKEY *new_key(const char *type, int bits, char *err, size_t errlen)
{
    EVP_PKEY *key = NULL;
    if (strcmp(type, "rsa") == 0) {
        key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
    } else if (strcmp(type, "ecdsa") == 0) {
        key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    } else if (strcmp(type, "ed25519") == 0) {
        key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    } else if (strcmp(type, "dsa") == 0) {
        EVP_PKEY *params = NULL;
        EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL);
        if (pctx && EVP_PKEY_paramgen_init(pctx) == 1 &&
            EVP_PKEY_CTX_set_dsa_paramgen_bits(pctx, 2048) == 1 &&
            EVP_PKEY_CTX_set_dsa_paramgen_q_bits(pctx, 256) == 1 &&
            EVP_PKEY_paramgen(pctx, &params) == 1) {
            EVP_PKEY_CTX *kctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
            if (kctx && EVP_PKEY_keygen_init(kctx) == 1)
                EVP_PKEY_keygen(kctx, &key);
            EVP_PKEY_CTX_free(kctx);
        }
        EVP_PKEY_free(params);
        EVP_PKEY_CTX_free(pctx);
    } else {
        set_err(err, errlen, "unknown key type");
        return NULL;
    }
    if (!key)
        set_ssl_err(err, errlen, "failed to generate private key");
    return key;
}

char *hfl_crypto_genkey(const char *type, int bits, char *err, size_t errlen)
{
    EVP_PKEY *key = new_key(type, bits, err, errlen);
    if (!key)
        return NULL;
    char *pem = key_pem(key, err, errlen);
    EVP_PKEY_free(key);
    return pem;
}

static EVP_PKEY *read_key(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    if (!bio)
        return NULL;
    EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);
    ERR_clear_error();
    return key;
}

static X509 *read_cert(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    if (!bio)
        return NULL;
    X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    ERR_clear_error();
    return x;
}

int hfl_crypto_check_pem(const char *pem, int want_key)
{
    if (want_key) {
        EVP_PKEY *k = read_key(pem);
        EVP_PKEY_free(k);
        return k ? 0 : -1;
    }
    X509 *x = read_cert(pem);
    X509_free(x);
    return x ? 0 : -1;
}

static int add_ext(X509 *cert, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
    if (!ext)
        return -1;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok == 1 ? 0 : -1;
}

/* "DNS:a,IP:1.2.3.4" for the request's names; NULL when there are none or on error. */
static char *san_list(const hfl_cert_request *req, char *err, size_t errlen, int *failed)
{
    size_t total = 1;
    *failed = 0;
    for (size_t i = 0; i < req->ndns; i++)
        total += strlen(req->dns[i]) + 6;
    for (size_t i = 0; i < req->nips; i++) {
        unsigned char buf[16];
        if (inet_pton(AF_INET, req->ips[i], buf) != 1 && inet_pton(AF_INET6, req->ips[i], buf) != 1) {
            char msg[300];
            snprintf(msg, sizeof msg, "error parsing ip: %s", req->ips[i]);
            set_err(err, errlen, msg);
            *failed = 1;
            return NULL;
        }
        total += strlen(req->ips[i]) + 5;
    }
    if (total == 1)
        return NULL;
    char *s = malloc(total);
    if (!s) {
        set_err(err, errlen, "out of memory");
        *failed = 1;
        return NULL;
    }
    s[0] = '\0';
    for (size_t i = 0; i < req->ndns; i++) {
        if (s[0])
            strcat(s, ",");
        strcat(s, "DNS:");
        strcat(s, req->dns[i]);
    }
    for (size_t i = 0; i < req->nips; i++) {
        if (s[0])
            strcat(s, ",");
        strcat(s, "IP:");
        strcat(s, req->ips[i]);
    }
    return s;
}

int hfl_crypto_gen_cert(const hfl_cert_request *req, char **cert_pem, char **key_pem_out, char *err,
                        size_t errlen)
{
    int rc = -1, failed = 0;
    EVP_PKEY *key = NULL, *sign_key = NULL;
    X509 *cert = NULL, *ca = NULL;
    BIGNUM *serial = NULL;
    BIO *bio = NULL;
    char *san = NULL, *kp = NULL;
    *cert_pem = NULL;
    *key_pem_out = NULL;

    if (req->key_pem) {
        key = read_key(req->key_pem);
        if (!key) {
            set_err(err, errlen, "parsing private key: no PEM data in input");
            goto done;
        }
    } else {
        key = new_key("rsa", 2048, err, errlen);
        if (!key)
            goto done;
    }
    if (req->ca_cert_pem) {
        ca = read_cert(req->ca_cert_pem);
        if (!ca) {
            set_err(err, errlen, "unable to decode certificate");
            goto done;
        }
        sign_key = read_key(req->ca_key_pem ? req->ca_key_pem : "");
        if (!sign_key) {
            set_err(err, errlen, "error parsing private key: no PEM data in input");
            goto done;
        }
    }
    san = san_list(req, err, errlen, &failed);
    if (failed)
        goto done;

    cert = X509_new();
    serial = BN_new();
    unsigned char rnd[16];
    if (!cert || !serial || RAND_bytes(rnd, sizeof rnd) != 1 || !BN_bin2bn(rnd, sizeof rnd, serial) ||
        !BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert)) || X509_set_version(cert, 2) != 1 ||
        !X509_gmtime_adj(X509_getm_notBefore(cert), 0) ||
        !X509_time_adj_ex(X509_getm_notAfter(cert), req->days, 0, NULL) ||
        X509_set_pubkey(cert, key) != 1) {
        set_ssl_err(err, errlen, "error creating certificate");
        goto done;
    }
    X509_NAME *name = X509_get_subject_name(cert);
    if (req->cn[0] &&
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)req->cn, -1, -1, 0) != 1) {
        set_ssl_err(err, errlen, "error creating certificate");
        goto done;
    }
    if (X509_set_issuer_name(cert, ca ? X509_get_subject_name(ca) : name) != 1) {
        set_ssl_err(err, errlen, "error creating certificate");
        goto done;
    }
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, ca ? ca : cert, cert, NULL, NULL, 0);
    if (add_ext(cert, &ctx, NID_key_usage,
                req->is_ca ? "critical,digitalSignature,keyEncipherment,keyCertSign"
                           : "critical,digitalSignature,keyEncipherment") != 0 ||
        add_ext(cert, &ctx, NID_ext_key_usage, "serverAuth,clientAuth") != 0 ||
        add_ext(cert, &ctx, NID_basic_constraints, req->is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE") != 0 ||
        (req->is_ca && add_ext(cert, &ctx, NID_subject_key_identifier, "hash") != 0) ||
        (ca && X509_get_ext_by_NID(ca, NID_subject_key_identifier, -1) >= 0 &&
         add_ext(cert, &ctx, NID_authority_key_identifier, "keyid") != 0) ||
        (san && add_ext(cert, &ctx, NID_subject_alt_name, san) != 0)) {
        set_ssl_err(err, errlen, "error creating certificate");
        goto done;
    }
    EVP_PKEY *signer = sign_key ? sign_key : key;
    const EVP_MD *md = EVP_PKEY_get_id(signer) == EVP_PKEY_ED25519 ? NULL : EVP_sha256();
    if (X509_sign(cert, signer, md) <= 0) {
        set_ssl_err(err, errlen, "error creating certificate");
        goto done;
    }
    bio = BIO_new(BIO_s_mem());
    if (!bio || PEM_write_bio_X509(bio, cert) != 1) {
        set_ssl_err(err, errlen, "error pem-encoding certificate");
        goto done;
    }
    *cert_pem = bio_string(bio);
    kp = key_pem(key, err, errlen);
    if (!*cert_pem || !kp) {
        if (!*cert_pem)
            set_err(err, errlen, "out of memory");
        free(*cert_pem);
        *cert_pem = NULL;
        free(kp);
        goto done;
    }
    *key_pem_out = kp;
    rc = 0;
done:
    BIO_free(bio);
    BN_free(serial);
    X509_free(cert);
    X509_free(ca);
    EVP_PKEY_free(key);
    EVP_PKEY_free(sign_key);
    free(san);
    return rc;
}
