/* Hashes, randomness, AES-CBC, scrypt, bcrypt, private keys and X.509 certificates for the
 * template functions (c/crypto.c over OpenSSL, zlib and libcrypt). Pure C: knows nothing of
 * Lua. Every function returning a malloc'ed buffer fills its out parameters; the caller frees. */
#ifndef HFL_CRYPTO_H
#define HFL_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

/* Digest of data with the named algorithm ("sha1", "sha256", "sha512", "md5"); 0 on
 * success, -1 for an unknown name. out must hold 64 bytes. */
int hfl_crypto_digest(const char *alg, const void *data, size_t len, unsigned char *out,
                      unsigned *out_len);

/* HMAC-SHA256 of data with key into out (32 bytes). 0 on success. */
int hfl_crypto_hmac_sha256(const void *key, size_t klen, const void *data, size_t len,
                           unsigned char *out);

uint32_t hfl_crypto_adler32(const void *data, size_t len);

/* A gzip member of data at level (0-9; -1: zlib's default) with the header Go's
 * compress/gzip writes (no name, mtime 0, OS "unknown"), as Helm stores release records.
 * Malloc'ed into *out / *outlen; 0 on success, else -1 with err filled. */
int hfl_crypto_gzip(const void *data, size_t len, int level, unsigned char **out, size_t *outlen,
                    char *err, size_t errlen);

/* The bytes of the gzip stream data (one or more members), at most max bytes of them: a
 * longer output (a gzip bomb), a bad header, corrupt data, a wrong checksum or a truncated
 * stream is -1 with err filled. Malloc'ed into *out / *outlen on success (0). */
int hfl_crypto_gunzip(const void *data, size_t len, size_t max, unsigned char **out,
                      size_t *outlen, char *err, size_t errlen);

/* Standard base64 with padding (Go's base64.StdEncoding). Malloc'ed, NUL-terminated. */
char *hfl_crypto_base64_encode(const void *data, size_t len, size_t *outlen);

/* Decodes standard base64 with padding, strictly as Go's StdEncoding.DecodeString does
 * (line breaks ignored). 0 on success with *out malloc'ed; -1 with err naming the offset. */
int hfl_crypto_base64_decode(const char *in, size_t len, unsigned char **out, size_t *outlen,
                             char *err, size_t errlen);

/* n cryptographically random bytes into out. 0 on success. */
int hfl_crypto_random(unsigned char *out, size_t n);

/* AES-256-CBC without padding (len a multiple of 16) into out (len bytes). 0 on success. */
int hfl_crypto_aes_cbc(int encrypt, const unsigned char key[32], const unsigned char iv[16],
                       const unsigned char *in, size_t len, unsigned char *out);

/* scrypt(password, salt, N, r, p) into out (outlen bytes). 0 on success. */
int hfl_crypto_scrypt(const void *pass, size_t plen, const void *salt, size_t slen, uint64_t n,
                      uint64_t r, uint64_t p, unsigned char *out, size_t outlen);

/* bcrypt hash ("$2a$" with cost) of password, via libcrypt loaded at run time. Returns a
 * malloc'ed string, or NULL with err filled. */
char *hfl_crypto_bcrypt(const char *password, int cost, char *err, size_t errlen);

/* A new private key as PEM: type "rsa" (bits), "ecdsa" (P-256), "ed25519", "dsa" (2048/256),
 * encoded as Go's Sprig does (PKCS#1, SEC1, PKCS#8, DSA). Malloc'ed, or NULL with err. */
char *hfl_crypto_genkey(const char *type, int bits, char *err, size_t errlen);

/* What a certificate should hold. */
typedef struct {
    const char *cn;
    int days;
    int is_ca;
    const char **ips;  /* textual IPv4/IPv6 addresses */
    size_t nips;
    const char **dns;
    size_t ndns;
    const char *key_pem;    /* the subject's key; NULL: a new RSA 2048 key */
    const char *ca_cert_pem; /* the signer; NULL: self-signed */
    const char *ca_key_pem;
} hfl_cert_request;

/* Creates a certificate; *cert_pem and *key_pem are malloc'ed. 0 on success, else -1 with
 * err filled (Sprig's wording where it has one). */
int hfl_crypto_gen_cert(const hfl_cert_request *req, char **cert_pem, char **key_pem, char *err,
                        size_t errlen);

/* Checks that pem holds a certificate (0) or a private key (1) OpenSSL can read. */
int hfl_crypto_check_pem(const char *pem, int want_key);

#endif
