/* hfl.core.http, the C side: see http.h. libcurl's socket callback turns into watches on the
 * hfl.proc loop and its timer callback into the loop's timer for this handle, so transfers and
 * child processes share one poll(2). A body for `output` streams into a temp file next to it
 * (sha256 computed on the way) and is renamed into place only when the transfer succeeded. */
#include "http.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ERROR_BODY_MAX (64 * 1024)  /* a non-2xx body kept when the 2xx body goes to a file */
#define HEADERS_MAX    (256 * 1024)
#define HOST_CONNECTIONS 6

struct buf {
    char *data;
    size_t len, cap;
};

struct hfl_xfer {
    struct hfl_http *http;           /* NULL once the handle is gone */
    struct hfl_xfer *prev, *next;    /* the handle's running list */
    int refs;                        /* binding + running list + ready queue */
    int done, queued, in_multi;
    unsigned long tag;
    CURL *easy;
    struct curl_slist *hdrs, *connect_to;
    char errbuf[CURL_ERROR_SIZE];
    struct buf head, body;
    char *output, *tmp;
    int fd;
    int decided, to_file;            /* first body byte seen; it goes to the file */
    EVP_MD_CTX *md;
    char hex[65];
    long long size, max_size;
    int too_large, file_error;
    long status;
    CURLcode code;
    char *url;
    int unmet;
    double start, duration;
};

struct hfl_http {
    struct hfl_loop *loop;
    const struct hfl_loop_ops *ops;  /* the loop's entry points (c/loop.h) */
    CURLM *multi;
    struct hfl_xfer *running;
    int nrunning;
    struct hfl_xfer **ready;
    size_t nready, ready_cap;
};

static int buf_add(struct buf *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d)
            return -1;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

static void xfer_free(struct hfl_xfer *x)
{
    if (x->easy)
        curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->hdrs);
    curl_slist_free_all(x->connect_to);
    if (x->fd >= 0)
        close(x->fd);
    if (x->tmp)
        unlink(x->tmp);
    free(x->tmp);
    free(x->output);
    free(x->head.data);
    free(x->body.data);
    free(x->url);
    EVP_MD_CTX_free(x->md);
    free(x);
}

static void unref(struct hfl_xfer *x)
{
    if (--x->refs == 0)
        xfer_free(x);
}

static void unlink_running(struct hfl_http *h, struct hfl_xfer *x)
{
    if (x->prev)
        x->prev->next = x->next;
    else
        h->running = x->next;
    if (x->next)
        x->next->prev = x->prev;
    x->prev = x->next = NULL;
    h->nrunning--;
    h->ops->release(h->loop);
}

/* The temp file for output, in output's directory so that rename(2) stays on one file system. */
static int open_tmp(struct hfl_xfer *x)
{
    size_t n = strlen(x->output);
    x->tmp = malloc(n + 16);
    if (!x->tmp)
        return -1;
    snprintf(x->tmp, n + 16, "%s.part-XXXXXX", x->output);
    x->fd = mkostemp(x->tmp, O_CLOEXEC);
    if (x->fd < 0) {
        free(x->tmp);
        x->tmp = NULL;
        return -1;
    }
    return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    struct hfl_xfer *x = ud;
    size_t n = size * nmemb;
    if (!x->decided) {
        x->decided = 1;
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->status);
        x->to_file = x->output && x->status >= 200 && x->status < 300;
        if (x->to_file && open_tmp(x) != 0) {
            x->file_error = errno ? errno : EIO;
            return 0;
        }
    }
    if (x->max_size > 0 && x->size + (long long)n > x->max_size) {
        x->too_large = 1;
        return 0;
    }
    x->size += (long long)n;
    if (x->to_file) {
        if (EVP_DigestUpdate(x->md, p, n) != 1 || write_all(x->fd, p, n) != 0) {
            x->file_error = errno ? errno : EIO;
            return 0;
        }
        return n;
    }
    if (x->output && x->body.len + n > ERROR_BODY_MAX)
        return n;  /* an error page: the start is enough */
    return buf_add(&x->body, p, n) == 0 ? n : 0;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
    struct hfl_xfer *x = ud;
    size_t n = size * nmemb;
    if (n >= 5 && memcmp(p, "HTTP/", 5) == 0)
        x->head.len = 0;  /* a new response (redirect, 100 Continue): keep only the last */
    if (x->head.len + n > HEADERS_MAX)
        return 0;
    return buf_add(&x->head, p, n) == 0 ? n : 0;
}

static int queue(struct hfl_http *h, struct hfl_xfer *x)
{
    if (h->nready == h->ready_cap) {
        size_t cap = h->ready_cap ? h->ready_cap * 2 : 16;
        struct hfl_xfer **r = realloc(h->ready, cap * sizeof *r);
        if (!r)
            return -1;
        h->ready = r;
        h->ready_cap = cap;
    }
    h->ready[h->nready++] = x;
    x->queued = 1;
    return 0;
}

/* Ends the transfer: output renamed into place on success, removed otherwise. */
static void finish(struct hfl_http *h, struct hfl_xfer *x, CURLcode code)
{
    x->code = code;
    x->duration = h->ops->now() - x->start;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->status);
    char *eff = NULL;
    curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &eff);
    if (eff)
        x->url = strdup(eff);
    long unmet = 0;
    curl_easy_getinfo(x->easy, CURLINFO_CONDITION_UNMET, &unmet);
    x->unmet = unmet != 0;
    curl_multi_remove_handle(h->multi, x->easy);
    x->in_multi = 0;
    int ok2xx = code == CURLE_OK && x->status >= 200 && x->status < 300 && !x->unmet;
    if (x->output && ok2xx && !x->decided) {
        x->decided = x->to_file = 1;  /* an empty body: an empty file */
        if (open_tmp(x) != 0)
            x->file_error = errno ? errno : EIO;
    }
    if (x->to_file && x->fd >= 0 && ok2xx && !x->file_error) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int mdlen = 0;
        if (fsync(x->fd) != 0 || close(x->fd) != 0)
            x->file_error = errno;
        x->fd = -1;
        if (!x->file_error && rename(x->tmp, x->output) != 0)
            x->file_error = errno;
        if (!x->file_error) {
            free(x->tmp);
            x->tmp = NULL;
            EVP_DigestFinal_ex(x->md, md, &mdlen);
            for (unsigned int i = 0; i < mdlen && i < 32; i++)
                snprintf(x->hex + 2 * i, 3, "%02x", md[i]);
        }
    }
    if (x->fd >= 0) {
        close(x->fd);
        x->fd = -1;
    }
    if (x->tmp) {
        unlink(x->tmp);
        free(x->tmp);
        x->tmp = NULL;
    }
    x->done = 1;
    unlink_running(h, x);
    if (queue(h, x) != 0)
        unref(x);  /* out of memory: the binding will see it done without news */
}

static void check_done(struct hfl_http *h)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(h->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct hfl_xfer *x = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        if (x)
            finish(h, x, m->data.result);
    }
}

static void on_ready(void *ud, int fd, int revents)
{
    struct hfl_http *h = ud;
    int ev = 0, running;
    if (revents & POLLIN)
        ev |= CURL_CSELECT_IN;
    if (revents & POLLOUT)
        ev |= CURL_CSELECT_OUT;
    if (revents & (POLLERR | POLLHUP | POLLNVAL))
        ev |= CURL_CSELECT_ERR;
    curl_multi_socket_action(h->multi, fd, ev, &running);
    check_done(h);
}

static void on_timeout(void *ud)
{
    struct hfl_http *h = ud;
    int running;
    curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(h);
}

static int on_socket(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
    (void)e;
    (void)socketp;
    struct hfl_http *h = userp;
    int ev = what == CURL_POLL_IN    ? POLLIN
             : what == CURL_POLL_OUT ? POLLOUT
             : what == CURL_POLL_INOUT ? POLLIN | POLLOUT
                                       : 0;
    return h->ops->watch(h->loop, (int)s, ev, on_ready, h) == 0 ? 0 : -1;
}

static int on_timer(CURLM *m, long ms, void *userp)
{
    (void)m;
    struct hfl_http *h = userp;
    double at = ms < 0 ? 0 : h->ops->now() + (double)ms / 1000.0;
    return h->ops->timer(h->loop, h, at, on_timeout) == 0 ? 0 : -1;
}

/* Aborts what runs and lets go of the loop (called by the loop as it is freed, or by
 * hfl_http_free). */
static void http_free(void *ud)
{
    struct hfl_http *h = ud;
    while (h->running) {
        struct hfl_xfer *x = h->running;
        unlink_running(h, x);
        curl_multi_remove_handle(h->multi, x->easy);
        x->in_multi = 0;
        x->done = 1;
        x->code = CURLE_ABORTED_BY_CALLBACK;
        x->http = NULL;
        unref(x);
    }
    for (size_t i = 0; i < h->nready; i++) {
        h->ready[i]->http = NULL;
        h->ready[i]->queued = 0;
        unref(h->ready[i]);
    }
    curl_multi_cleanup(h->multi);
    h->ops->timer(h->loop, h, 0, NULL);
    free(h->ready);
    free(h);
}

void hfl_http_free(struct hfl_http *h)
{
    h->ops->off_free(h->loop, http_free, h);
    http_free(h);
}

int hfl_http_new(struct hfl_loop *loop, const struct hfl_loop_ops *ops, struct hfl_http **out)
{
    static int inited;
    if (!inited) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return ENOMEM;
        inited = 1;
    }
    struct hfl_http *h = calloc(1, sizeof *h);
    if (!h)
        return ENOMEM;
    h->loop = loop;
    h->ops = ops;
    h->multi = curl_multi_init();
    if (!h->multi || ops->on_free(loop, http_free, h) != 0) {
        if (h->multi)
            curl_multi_cleanup(h->multi);
        free(h);
        return ENOMEM;
    }
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
    /* At most HOST_CONNECTIONS connections to one host, as browsers do; further transfers
     * wait for one of them, which the multi handle keeps alive for reuse. Without the cap a
     * fetch opens --concurrency connections to one repository at once, and a server with a
     * short accept queue drops some SYNs: a 1 s retransmit each. */
    curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)HOST_CONNECTIONS);
    *out = h;
    return 0;
}

int hfl_http_running(const struct hfl_http *h) { return h->nrunning; }
void hfl_xfer_set_tag(struct hfl_xfer *x, unsigned long tag) { x->tag = tag; }
unsigned long hfl_xfer_tag(const struct hfl_xfer *x) { return x->tag; }
int hfl_xfer_done(const struct hfl_xfer *x) { return x->done; }

struct hfl_xfer *hfl_http_pop(struct hfl_http *h)
{
    while (h->nready > 0) {
        struct hfl_xfer *x = h->ready[0];
        memmove(h->ready, h->ready + 1, (h->nready - 1) * sizeof *h->ready);
        h->nready--;
        x->queued = 0;
        if (x->refs > 1) {
            x->refs--;  /* the binding still holds one */
            return x;
        }
        unref(x);
    }
    return NULL;
}

static int add_header(struct hfl_xfer *x, const char *line)
{
    struct curl_slist *l = curl_slist_append(x->hdrs, line);
    if (!l)
        return -1;
    x->hdrs = l;
    return 0;
}

#define SET(opt, val)                                                                            \
    do {                                                                                         \
        if (!bad && curl_easy_setopt(x->easy, opt, val) != CURLE_OK)                             \
            bad = #opt;                                                                          \
    } while (0)

int hfl_http_start(struct hfl_http *h, const struct hfl_http_opts *o, struct hfl_xfer **out,
                   char *err, size_t errlen)
{
    *out = NULL;
    struct hfl_xfer *x = calloc(1, sizeof *x);
    if (!x) {
        snprintf(err, errlen, "out of memory");
        return ENOMEM;
    }
    x->fd = -1;
    x->refs = 1;
    x->max_size = o->max_size;
    x->easy = curl_easy_init();
    x->md = EVP_MD_CTX_new();
    if (o->output && !(x->output = strdup(o->output)))
        goto oom;
    if (!x->easy || !x->md || EVP_DigestInit_ex(x->md, EVP_sha256(), NULL) != 1)
        goto oom;
    for (const char *const *hd = o->headers; hd && *hd; hd++)
        if (add_header(x, *hd) != 0)
            goto oom;
    char line[8192];
    if (o->bearer) {
        snprintf(line, sizeof line, "Authorization: Bearer %s", o->bearer);
        if (add_header(x, line) != 0)
            goto oom;
    }
    if (o->etag) {
        snprintf(line, sizeof line, "If-None-Match: %s", o->etag);
        if (add_header(x, line) != 0)
            goto oom;
    }

    const char *bad = NULL;
    SET(CURLOPT_URL, o->url);
    SET(CURLOPT_PRIVATE, (char *)x);
    SET(CURLOPT_ERRORBUFFER, x->errbuf);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, x);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, x);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_FOLLOWLOCATION, o->follow ? 1L : 0L);
    SET(CURLOPT_MAXREDIRS, 10L);
    SET(CURLOPT_USERAGENT, o->user_agent ? o->user_agent : "hfl");
    if (x->hdrs)
        SET(CURLOPT_HTTPHEADER, x->hdrs);
    if (o->method && strcmp(o->method, "GET") != 0) {
        if (strcmp(o->method, "HEAD") == 0)
            SET(CURLOPT_NOBODY, 1L);
        else
            SET(CURLOPT_CUSTOMREQUEST, o->method);
    }
    if (o->body) {
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)o->body_len);
        SET(CURLOPT_COPYPOSTFIELDS, o->body);
        if (!o->method)
            SET(CURLOPT_CUSTOMREQUEST, "POST");
    }
    if (o->username) {
        SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        SET(CURLOPT_USERNAME, o->username);
        SET(CURLOPT_PASSWORD, o->password ? o->password : "");
    }
    if (o->pass_credentials)
        SET(CURLOPT_UNRESTRICTED_AUTH, 1L);
    if (o->ca_file)
        SET(CURLOPT_CAINFO, o->ca_file);
    if (o->cert_file)
        SET(CURLOPT_SSLCERT, o->cert_file);
    if (o->key_file)
        SET(CURLOPT_SSLKEY, o->key_file);
    if (o->insecure) {
        SET(CURLOPT_SSL_VERIFYPEER, 0L);
        SET(CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (o->timeout > 0)
        SET(CURLOPT_TIMEOUT_MS, (long)(o->timeout * 1000));
    if (o->connect_timeout > 0)
        SET(CURLOPT_CONNECTTIMEOUT_MS, (long)(o->connect_timeout * 1000));
    if (o->if_modified_since > 0) {
        SET(CURLOPT_TIMECONDITION, (long)CURL_TIMECOND_IFMODSINCE);
        SET(CURLOPT_TIMEVALUE_LARGE, (curl_off_t)o->if_modified_since);
    }
    if (o->max_size > 0)
        SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_size);
    if (o->proxy)
        SET(CURLOPT_PROXY, o->proxy);
    if (o->connect_to) {
        if (!(x->connect_to = curl_slist_append(NULL, o->connect_to)))
            goto oom;
        SET(CURLOPT_CONNECT_TO, x->connect_to);
    }
    if (bad) {
        snprintf(err, errlen, "%s %s: libcurl refused %s", o->method ? o->method : "GET", o->url,
                 bad);
        xfer_free(x);
        return EINVAL;
    }
    x->start = h->ops->now();
    if (curl_multi_add_handle(h->multi, x->easy) != CURLM_OK)
        goto oom;
    x->in_multi = 1;
    x->http = h;
    x->refs++;
    x->next = h->running;
    if (h->running)
        h->running->prev = x;
    h->running = x;
    h->nrunning++;
    h->ops->hold(h->loop);  /* SIGINT stops transfers cleanly rather than killing hfl */
    *out = x;
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
    xfer_free(x);
    return ENOMEM;
}

void hfl_xfer_release(struct hfl_xfer *x)
{
    if (!x->done && x->http) {
        struct hfl_http *h = x->http;
        unlink_running(h, x);
        if (x->in_multi)
            curl_multi_remove_handle(h->multi, x->easy);
        x->in_multi = 0;
        x->done = 1;
        unref(x);  /* the running list's */
    }
    unref(x);
}

void hfl_xfer_take(struct hfl_xfer *x, const char **data, size_t *len, long *status)
{
    *data = x->body.data ? x->body.data : "";
    *len = x->body.len;
    *status = x->decided ? x->status : 0;
}

void hfl_xfer_taken(struct hfl_xfer *x)
{
    x->body.len = 0;
    if (x->body.data)
        x->body.data[0] = '\0';
}

static enum hfl_http_fail classify(const struct hfl_xfer *x)
{
    if (x->too_large)
        return HFL_HTTP_TOO_LARGE;
    if (x->file_error)
        return HFL_HTTP_FILE;
    switch (x->code) {
    case CURLE_OK:
        return HFL_HTTP_OK;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return HFL_HTTP_CONNECT;
    case CURLE_COULDNT_RESOLVE_HOST:
        return HFL_HTTP_RESOLVE;
    case CURLE_OPERATION_TIMEDOUT:
        return HFL_HTTP_TIMEOUT;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
        return HFL_HTTP_TLS_PEER;
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
        return HFL_HTTP_TLS_CLIENT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_USE_SSL_FAILED:
        return HFL_HTTP_TLS;
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return HFL_HTTP_PARTIAL;
    case CURLE_FILESIZE_EXCEEDED:
        return HFL_HTTP_TOO_LARGE;
    case CURLE_TOO_MANY_REDIRECTS:
        return HFL_HTTP_REDIRECTS;
    default:
        return HFL_HTTP_OTHER;
    }
}

int hfl_xfer_result(const struct hfl_xfer *x, struct hfl_http_result *r)
{
    if (!x->done)
        return -1;
    memset(r, 0, sizeof *r);
    r->fail = classify(x);
    r->error = x->file_error ? strerror(x->file_error)
               : x->errbuf[0] ? x->errbuf
                              : (x->code ? curl_easy_strerror(x->code) : "");
    r->status = x->status;
    r->headers = x->head.data ? x->head.data : "";
    r->headers_len = x->head.len;
    r->body = x->body.data ? x->body.data : "";
    r->body_len = x->body.len;
    r->sha256 = x->hex[0] ? x->hex : NULL;
    r->size = x->size;
    r->url = x->url;
    r->unmet = x->unmet;
    r->duration = x->duration;
    return 0;
}
