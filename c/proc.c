/* hfl.core.proc, the C side: see proc.h. Children are started with posix_spawnp (no shell,
 * close-on-exec everywhere, exec errors come back as its return value), their pipes are
 * nonblocking and served by the loop's one poll(2) per turn (c/loop.c), and their exits are
 * seen through pidfds so that no SIGCHLD handler is needed and no other code's children are
 * reaped. */
#include "proc.h"
#include "loop_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define READ_CHUNK   65536
#define STREAM_MAX   65536      /* pending stream bytes before we stop reading (backpressure) */
#define CAPTURE_TURN (1 << 20)  /* bytes read from one captured pipe per turn */
#define DRAIN_SECS   0.5        /* after the exit, how long grandchildren may hold the pipes */

struct buf {
    char *data;
    size_t len, cap;
};

struct hfl_child {
    struct hfl_loop *loop;           /* NULL once the loop is gone */
    struct hfl_child *prev, *next;   /* the loop's live list */
    int refs;                        /* binding + live list + ready queue */
    int released, queued, done;
    pid_t pid;
    int pidfd;                       /* -1 without pidfd support or once reaped */
    int reaped, status;
    int fd[3];                       /* parent ends: stdin (write), stdout, stderr (read) */
    enum hfl_io mode[3];
    char *in;
    size_t in_len, in_off;
    struct buf out[2];               /* captured, or pending stream data */
    size_t max_output;
    int truncated[2];
    int timed_out, killed;
    int group;                       /* leads its own process group: signals go to all of it */
    unsigned long tag;
    double start, deadline, kill_at, drain_at, grace, duration;
};

static int buf_append(struct buf *b, const char *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d)
            return ENOMEM;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

static void child_free(struct hfl_child *c)
{
    for (int i = 0; i < 3; i++)
        close_fd(&c->fd[i]);
    close_fd(&c->pidfd);
    free(c->in);
    free(c->out[0].data);
    free(c->out[1].data);
    free(c);
}

static int signal_child(struct hfl_child *c, int sig)
{
    return kill(c->group ? -c->pid : c->pid, sig);
}

static void unref(struct hfl_child *c)
{
    if (--c->refs == 0)
        child_free(c);
}

static int queue(struct hfl_loop *loop, struct hfl_child *c)
{
    if (c->queued)
        return 0;
    if (loop->nready == loop->ready_cap) {
        size_t cap = loop->ready_cap ? loop->ready_cap * 2 : 16;
        struct hfl_child **r = realloc(loop->ready, cap * sizeof *r);
        if (!r)
            return ENOMEM;
        loop->ready = r;
        loop->ready_cap = cap;
    }
    loop->ready[loop->nready++] = c;
    c->queued = 1;
    c->refs++;
    return 0;
}

static void unlink_live(struct hfl_loop *loop, struct hfl_child *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        loop->live = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    loop->nlive--;
    hfl_loop_release(loop);
}

/* A group child ended by an interrupt or its timeout takes its group with it: what it
 * started in the background (which a shell runs with SIGINT ignored) would otherwise keep
 * running after hfl. Done while the child is a zombie, so its pid, the group's id, cannot
 * have been reused. */
static void end_group(struct hfl_child *c)
{
    if (!c->group || !(c->timed_out || (c->loop && c->loop->interrupted)))
        return;
    siginfo_t info;
    memset(&info, 0, sizeof info);
    if (waitid(P_PID, (id_t)c->pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == c->pid)
        kill(-c->pid, SIGKILL);
}

static void reap(struct hfl_child *c, int block)
{
    if (c->reaped)
        return;
    if (!block)
        end_group(c);
    int st;
    pid_t r;
    do
        r = waitpid(c->pid, &st, block ? 0 : WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == c->pid || (r < 0 && errno == ECHILD)) {
        /* ECHILD: someone else reaped it (a SIGCHLD=SIG_IGN elsewhere); report it killed. */
        c->status = r == c->pid ? st : (SIGKILL & 0x7f);
        c->reaped = 1;
        c->duration = hfl_now() - c->start;
        c->drain_at = hfl_now() + DRAIN_SECS;
        close_fd(&c->pidfd);
        close_fd(&c->fd[0]);
    }
}

void hfl_children_free(struct hfl_loop *loop)
{
    while (loop->live) {
        struct hfl_child *c = loop->live;
        if (!c->reaped) {
            signal_child(c, SIGKILL);
            reap(c, 1);
        }
        c->done = 1;
        c->loop = NULL;
        unlink_live(loop, c);
        unref(c);
    }
    for (size_t i = 0; i < loop->nready; i++) {
        loop->ready[i]->queued = 0;
        unref(loop->ready[i]);
    }
}

int hfl_loop_live(const struct hfl_loop *loop) { return loop->nlive; }
pid_t hfl_child_pid(const struct hfl_child *c) { return c->pid; }
void hfl_child_set_tag(struct hfl_child *c, unsigned long tag) { c->tag = tag; }
unsigned long hfl_child_tag(const struct hfl_child *c) { return c->tag; }
int hfl_child_done(const struct hfl_child *c) { return c->done; }

struct hfl_child *hfl_loop_pop(struct hfl_loop *loop)
{
    while (loop->nready > 0) {
        struct hfl_child *c = loop->ready[0];
        memmove(loop->ready, loop->ready + 1, (loop->nready - 1) * sizeof *loop->ready);
        loop->nready--;
        c->queued = 0;
        if (!c->released) {
            c->refs--;  /* the binding still holds one */
            return c;
        }
        unref(c);
    }
    return NULL;
}

/* Moves fd to 3 or above, so that dup2 onto 0..2 in the child never meets itself (dup2 of
 * an fd onto itself would keep its close-on-exec flag). */
static int lift_fd(int fd)
{
    if (fd < 0 || fd > 2)
        return fd;
    int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    int e = errno;
    close(fd);
    errno = e;
    return nfd;
}

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? errno : 0;
}

/* Opens the child's end of stream i and, for pipes, keeps the parent's end in c->fd[i]. */
static int wire(struct hfl_child *c, int i, enum hfl_io mode, int *child_fd)
{
    *child_fd = -1;
    if (mode == HFL_IO_INHERIT)
        return 0;
    if (mode == HFL_IO_NULL) {
        *child_fd = lift_fd(open("/dev/null", (i == 0 ? O_RDONLY : O_WRONLY) | O_CLOEXEC));
        return *child_fd < 0 ? errno : 0;
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return errno;
    p[0] = lift_fd(p[0]);
    p[1] = lift_fd(p[1]);
    if (p[0] < 0 || p[1] < 0) {
        int e = errno;
        close_fd(&p[0]);
        close_fd(&p[1]);
        return e;
    }
    *child_fd = i == 0 ? p[0] : p[1];
    c->fd[i] = i == 0 ? p[1] : p[0];
    return set_nonblock(c->fd[i]);
}

static int spawn_error(int e, const struct hfl_spawn_opts *o, char *err, size_t errlen)
{
    const char *cmd = o->argv[0];
    if (e == ENOENT && !strchr(cmd, '/'))
        snprintf(err, errlen, "cannot run \"%s\": command not found in PATH", cmd);
    else if (e == ENOENT)
        snprintf(err, errlen, "cannot run \"%s\": no such file", cmd);
    else if (e == EACCES)
        snprintf(err, errlen, "cannot run \"%s\": permission denied", cmd);
    else
        snprintf(err, errlen, "cannot run \"%s\": %s", cmd, strerror(e));
    return e;
}

int hfl_spawn(struct hfl_loop *loop, const struct hfl_spawn_opts *o, struct hfl_child **out,
              char *err, size_t errlen)
{
    *out = NULL;
    if (!o->argv || !o->argv[0]) {
        snprintf(err, errlen, "cannot run a command: empty argv");
        return EINVAL;
    }
    if (loop->interrupted) {
        snprintf(err, errlen, "cannot run \"%s\": hfl is being interrupted (%s)", o->argv[0],
                 loop->interrupted == SIGINT ? "SIGINT" : "SIGTERM");
        return EINTR;
    }
    if (o->cwd) {
        struct stat st;
        int missing = stat(o->cwd, &st) != 0;
        if (missing || !S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "cannot run \"%s\": working directory \"%s\" %s", o->argv[0],
                     o->cwd, missing ? "does not exist" : "is not a directory");
            return missing ? ENOENT : ENOTDIR;
        }
    }
    struct hfl_child *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "cannot run \"%s\": out of memory", o->argv[0]);
        return ENOMEM;
    }
    c->fd[0] = c->fd[1] = c->fd[2] = c->pidfd = -1;
    c->refs = 1;
    c->mode[0] = o->in;
    c->mode[1] = o->out;
    c->mode[2] = o->err;
    c->max_output = o->max_output;
    c->grace = o->grace;
    c->group = o->group;
    if (o->in == HFL_IO_CAPTURE && o->in_len > 0) {
        c->in = malloc(o->in_len);
        if (!c->in) {
            child_free(c);
            snprintf(err, errlen, "cannot run \"%s\": out of memory", o->argv[0]);
            return ENOMEM;
        }
        memcpy(c->in, o->in_data, o->in_len);
        c->in_len = o->in_len;
    }

    int cfd[3] = {-1, -1, -1}, e = 0;
    enum hfl_io modes[3] = {o->in, o->out, o->err};
    for (int i = 0; i < 3 && !e; i++)
        e = wire(c, i, modes[i], &cfd[i]);
    if (!e && o->in == HFL_IO_CAPTURE && c->in_len == 0)
        close_fd(&c->fd[0]);  /* empty stdin: EOF at once */

    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    int fa_ok = 0, attr_ok = 0;
    if (!e)
        fa_ok = !(e = posix_spawn_file_actions_init(&fa));
    if (!e)
        attr_ok = !(e = posix_spawnattr_init(&attr));
    for (int i = 0; i < 3 && !e; i++)
        if (cfd[i] >= 0)
            e = posix_spawn_file_actions_adddup2(&fa, cfd[i], i);
    if (!e && o->cwd)
        e = posix_spawn_file_actions_addchdir_np(&fa, o->cwd);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    if (!e)
        e = posix_spawnattr_setsigmask(&attr, &none);
    if (!e)
        e = posix_spawnattr_setsigdefault(&attr, &defaults);
    if (!e && o->group)
        e = posix_spawnattr_setpgroup(&attr, 0);
    if (!e)
        e = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                                (o->group ? POSIX_SPAWN_SETPGROUP : 0));
    if (e) {
        snprintf(err, errlen, "cannot run \"%s\": %s", o->argv[0], strerror(e));
    } else {
        /* Signals are trapped before the child exists: a SIGINT sent as soon as the child
         * shows signs of life must find the trap, not kill hfl and orphan the child. */
        hfl_loop_hold(loop);
        c->start = hfl_now();
        e = posix_spawnp(&c->pid, o->argv[0], &fa, &attr, (char *const *)o->argv,
                         o->envp ? (char *const *)o->envp : environ);
        if (e) {
            hfl_loop_release(loop);
            spawn_error(e, o, err, errlen);
        }
    }
    if (fa_ok)
        posix_spawn_file_actions_destroy(&fa);
    if (attr_ok)
        posix_spawnattr_destroy(&attr);
    for (int i = 0; i < 3; i++)
        close_fd(&cfd[i]);
    if (e) {
        child_free(c);
        return e;
    }

#ifdef SYS_pidfd_open
    c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
#endif
    c->deadline = o->timeout > 0 ? c->start + o->timeout : 0;
    c->loop = loop;
    c->refs++;
    c->next = loop->live;
    if (loop->live)
        loop->live->prev = c;
    loop->live = c;
    loop->nlive++;
    *out = c;
    return 0;
}

void hfl_child_release(struct hfl_child *c)
{
    c->released = 1;
    unref(c);
}

const char *hfl_child_take(struct hfl_child *c, int stream, size_t *len)
{
    struct buf *b = &c->out[stream - 1];
    *len = c->mode[stream] == HFL_IO_STREAM ? b->len : 0;
    return *len ? b->data : NULL;
}

void hfl_child_consumed(struct hfl_child *c, int stream)
{
    if (c->mode[stream] == HFL_IO_STREAM)
        c->out[stream - 1].len = 0;
}

int hfl_child_result(const struct hfl_child *c, struct hfl_result *r)
{
    if (!c->done)
        return -1;
    memset(r, 0, sizeof *r);
    r->exited = WIFEXITED(c->status);
    r->code = r->exited ? WEXITSTATUS(c->status) : -1;
    r->signal = WIFSIGNALED(c->status) ? WTERMSIG(c->status) : 0;
    r->timed_out = c->timed_out;
    r->duration = c->duration;
    for (int i = 0; i < 2; i++) {
        r->truncated[i] = c->truncated[i];
        if (c->mode[i + 1] == HFL_IO_CAPTURE) {
            r->data[i] = c->out[i].data ? c->out[i].data : "";
            r->len[i] = c->out[i].len;
        }
    }
    return 0;
}

int hfl_child_kill(struct hfl_child *c, int sig)
{
    if (c->reaped)
        return ESRCH;
    return signal_child(c, sig) == 0 ? 0 : errno;
}

/* Writes what the pipe takes of stdin. SIGPIPE is blocked around the write so a child that
 * exits without reading gives EPIPE here instead of killing hfl; a SIGPIPE left pending by
 * that write is consumed before unblocking. */
static void feed(struct hfl_child *c)
{
    sigset_t pipe_set, old, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigprocmask(SIG_BLOCK, &pipe_set, &old);
    sigpending(&pending);
    int was_pending = sigismember(&pending, SIGPIPE);
    while (c->in_off < c->in_len) {
        ssize_t n = write(c->fd[0], c->in + c->in_off, c->in_len - c->in_off);
        if (n > 0) {
            c->in_off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        c->in_off = c->in_len;  /* EPIPE and the rest: the child will not read more */
        if (!was_pending) {
            struct timespec zero = {0, 0};
            sigtimedwait(&pipe_set, NULL, &zero);
        }
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (c->in_off >= c->in_len)
        close_fd(&c->fd[0]);
}

/* Reads stream i (1 or 2) until EAGAIN, EOF or this turn's budget. */
static int drain(struct hfl_loop *loop, struct hfl_child *c, int i)
{
    char tmp[READ_CHUNK];
    struct buf *b = &c->out[i - 1];
    size_t budget = c->mode[i] == HFL_IO_STREAM ? STREAM_MAX : CAPTURE_TURN;
    size_t got = 0;
    while (c->fd[i] >= 0 && got < budget) {
        size_t want = sizeof tmp;
        if (c->mode[i] == HFL_IO_STREAM) {
            if (b->len >= STREAM_MAX)
                break;
            if (want > STREAM_MAX - b->len)
                want = STREAM_MAX - b->len;
        }
        ssize_t n = read(c->fd[i], tmp, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n <= 0) {
            close_fd(&c->fd[i]);
            break;
        }
        got += (size_t)n;
        if (c->mode[i] == HFL_IO_CAPTURE) {
            size_t keep = (size_t)n;
            if (b->len + keep > c->max_output) {
                keep = c->max_output - b->len;
                c->truncated[i - 1] = 1;
            }
            if (keep && buf_append(b, tmp, keep) != 0)
                return ENOMEM;
        } else {
            if (buf_append(b, tmp, (size_t)n) != 0)
                return ENOMEM;
        }
    }
    if (c->mode[i] == HFL_IO_STREAM && b->len > 0)
        return queue(loop, c);
    return 0;
}

void hfl_children_forward(struct hfl_loop *loop, int sig, double now)
{
    for (struct hfl_child *c = loop->live; c; c = c->next) {
        if (c->reaped)
            continue;
        signal_child(c, sig);
        double at = now + loop->interrupt_grace;
        if (!c->kill_at || at < c->kill_at)
            c->kill_at = at;
    }
}

size_t hfl_children_poll(struct hfl_loop *loop, size_t n, double *wake, int *no_pidfd)
{
    for (struct hfl_child *c = loop->live; c; c = c->next) {
        if (c->fd[0] >= 0) {
            loop->pfd[n] = (struct pollfd){.fd = c->fd[0], .events = POLLOUT};
            loop->pchild[n] = c;
            loop->pslot[n++] = 0;
        }
        for (int i = 1; i <= 2; i++) {
            if (c->fd[i] < 0 || (c->mode[i] == HFL_IO_STREAM && c->out[i - 1].len >= STREAM_MAX))
                continue;
            loop->pfd[n] = (struct pollfd){.fd = c->fd[i], .events = POLLIN};
            loop->pchild[n] = c;
            loop->pslot[n++] = i;
        }
        if (!c->reaped && c->pidfd >= 0) {
            loop->pfd[n] = (struct pollfd){.fd = c->pidfd, .events = POLLIN};
            loop->pchild[n] = c;
            loop->pslot[n++] = 3;
        } else if (!c->reaped) {
            *no_pidfd = 1;
        }
        if (!c->reaped)
            *wake = hfl_earliest(hfl_earliest(*wake, c->timed_out ? 0 : c->deadline), c->kill_at);
        else
            *wake = hfl_earliest(*wake, c->drain_at);
    }
    return n;
}

int hfl_children_ready(struct hfl_loop *loop, struct hfl_child *c, int slot)
{
    if (slot == 0)
        feed(c);
    else if (slot == 3)
        reap(c, 0);
    else
        return drain(loop, c, slot);
    return 0;
}

int hfl_children_tick(struct hfl_loop *loop)
{
    int e;
    double now = hfl_now();
    for (struct hfl_child *c = loop->live, *next; c; c = next) {
        next = c->next;
        if (!c->reaped && c->pidfd < 0)
            reap(c, 0);
        if (!c->reaped) {
            if (c->deadline && !c->timed_out && now >= c->deadline) {
                c->timed_out = 1;
                signal_child(c, SIGTERM);
                c->kill_at = hfl_earliest(c->kill_at, now + (c->grace > 0 ? c->grace : 0));
            }
            if (c->kill_at && now >= c->kill_at && !c->killed) {
                c->killed = 1;
                signal_child(c, SIGKILL);
            }
            continue;
        }
        if (now >= c->drain_at) {
            /* Grandchildren still hold the pipes: take what is there and stop waiting. */
            for (int i = 1; i <= 2; i++) {
                if (c->fd[i] >= 0 && (e = drain(loop, c, i)) != 0)
                    return e;
                if (c->mode[i] != HFL_IO_STREAM || c->out[i - 1].len == 0)
                    close_fd(&c->fd[i]);
            }
        }
        if (c->fd[1] < 0 && c->fd[2] < 0) {
            c->done = 1;
            if ((e = queue(loop, c)) != 0)
                return e;
            unlink_live(loop, c);
            c->loop = NULL;
            unref(c);
        }
    }
    return 0;
}
