/* hfl.core.http, the C side: HTTP transfers with libcurl's multi interface, driven by the
 * hfl.proc event loop (its sockets and timer are watches and a timer on that loop). Knows
 * nothing of Lua; c/l_http.c binds it. One hfl_http per loop; it is torn down with the loop. */
#ifndef HFL_HTTP_H
#define HFL_HTTP_H

#include <stddef.h>

#include "loop.h"

struct hfl_http;
struct hfl_xfer;

struct hfl_http_opts {
    const char *url;
    const char *method;               /* NULL: GET */
    const char *const *headers;       /* "Name: value", NULL-terminated, or NULL */
    const char *body;                 /* request body, copied by libcurl */
    size_t body_len;
    const char *username, *password;  /* basic auth */
    const char *bearer;               /* Authorization: Bearer … */
    const char *ca_file, *cert_file, *key_file;
    const char *user_agent;
    int insecure;                     /* no TLS peer/host verification */
    int follow;                       /* follow redirects (at most 10) */
    int pass_credentials;             /* send credentials to other hosts on redirects */
    double timeout;                   /* whole transfer, seconds; <= 0: none */
    double connect_timeout;           /* seconds; <= 0: libcurl's */
    const char *output;               /* a 2xx body goes to this file (temp name + rename) */
    const char *etag;                 /* If-None-Match */
    long long if_modified_since;      /* unix time, 0: none */
    long long max_size;               /* body bytes, 0: no limit */
    const char *proxy;                /* CURLOPT_PROXY (a kubeconfig's proxy-url), or NULL */
    const char *connect_to;           /* "HOST:PORT:CONNECT-HOST:CONNECT-PORT", or NULL: the URL's
                                       * host names TLS (SNI, verification), the socket goes to
                                       * CONNECT-HOST (a kubeconfig's tls-server-name) */
};

/* Why a transfer failed, for messages and retries. */
enum hfl_http_fail {
    HFL_HTTP_OK,
    HFL_HTTP_CONNECT,    /* refused, unreachable */
    HFL_HTTP_RESOLVE,
    HFL_HTTP_TIMEOUT,
    HFL_HTTP_TLS,        /* handshake */
    HFL_HTTP_TLS_PEER,   /* server certificate not trusted */
    HFL_HTTP_TLS_CLIENT, /* client certificate/key unusable */
    HFL_HTTP_PARTIAL,    /* body ended early, connection dropped */
    HFL_HTTP_TOO_LARGE,  /* max_size exceeded */
    HFL_HTTP_REDIRECTS,
    HFL_HTTP_FILE,       /* output file could not be written */
    HFL_HTTP_OTHER,
};

struct hfl_http_result {
    enum hfl_http_fail fail;
    const char *error;               /* libcurl's message, or "" */
    long status;                     /* 0 when no response */
    const char *headers;             /* the last response's header lines */
    size_t headers_len;
    const char *body;                /* in memory: the body, or a non-2xx body with output */
    size_t body_len;
    const char *sha256;              /* hex digest of the body written to output, or NULL */
    long long size;                  /* body bytes received */
    const char *url;                 /* effective URL after redirects */
    int unmet;                       /* If-Modified-Since not met (no body transferred) */
    double duration;
};

/* The handle's transfers run on loop, reached through ops (http.c is built into its own
 * shared object, apart from the loop's code). Returns 0 or an errno value. */
int hfl_http_new(struct hfl_loop *loop, const struct hfl_loop_ops *ops, struct hfl_http **out);
/* Aborts the running transfers and frees the handle. The loop does it as it is freed, if the
 * handle is still there. */
void hfl_http_free(struct hfl_http *h);
/* Returns 0, or an errno value with a message in err. */
int hfl_http_start(struct hfl_http *h, const struct hfl_http_opts *o, struct hfl_xfer **out,
                   char *err, size_t errlen);
/* Finished transfers since the last call, one at a time; NULL at the end. */
struct hfl_xfer *hfl_http_pop(struct hfl_http *h);
int hfl_http_running(const struct hfl_http *h);

void hfl_xfer_set_tag(struct hfl_xfer *x, unsigned long tag);
unsigned long hfl_xfer_tag(const struct hfl_xfer *x);
int hfl_xfer_done(const struct hfl_xfer *x);
/* Fills r once done; returns 0, else -1. Strings live until the transfer is released. */
int hfl_xfer_result(const struct hfl_xfer *x, struct hfl_http_result *r);
/* The body received so far (in memory, no output) handed over and forgotten, for streamed
 * responses (a watch); *status is the response code once the first body byte came, else 0. */
void hfl_xfer_take(struct hfl_xfer *x, const char **data, size_t *len, long *status);
/* Forget the body taken by the last hfl_xfer_take. */
void hfl_xfer_taken(struct hfl_xfer *x);
/* The binding's reference; a running transfer is aborted (its temp file removed). */
void hfl_xfer_release(struct hfl_xfer *x);

#endif
