/* The event loop: see loop.h. One poll(2) a turn over the children's pipes and pidfds
 * (served by c/proc.c), the watches and timers of other event sources, and a self-pipe that
 * SIGINT/SIGTERM write to while children or transfers run, so that the signals are forwarded
 * to the children and hfl stops what runs and cleans up, rather than dying under them. */
#include "loop_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NO_PIDFD_POLL_MS 20     /* poll period when the kernel has no pidfd_open */

const struct hfl_loop_ops hfl_loop_ops = {
    .watch = hfl_loop_watch,
    .timer = hfl_loop_timer,
    .on_free = hfl_loop_on_free,
    .off_free = hfl_loop_off_free,
    .hold = hfl_loop_hold,
    .release = hfl_loop_release,
    .now = hfl_now,
};

/* Signals are process-wide, so their plumbing is too: a handler can reach nothing else than
 * statics. This is the one piece of static mutable state: a self-pipe that wakes poll(2),
 * a counter and the last signal (each loop remembers the count it has seen, so several loops
 * all notice), and the dispositions to restore when no loop has children left. */
static int sig_pipe[2] = {-1, -1};
static volatile sig_atomic_t sig_count;
static volatile sig_atomic_t sig_last;
static int trap_users;
static struct sigaction old_int, old_term;
static int hooked_int, hooked_term;

static void on_signal(int sig)
{
    int saved = errno;
    char b = (char)sig;
    sig_last = sig;
    sig_count++;
    if (write(sig_pipe[1], &b, 1) < 0) {
        /* pipe full: a wake-up is pending anyway */
    }
    errno = saved;
}

static int trap_signals(void)
{
    if (trap_users++ > 0)
        return 0;
    if (sig_pipe[0] < 0) {
        if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
            trap_users--;
            return errno;
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    /* A signal that hfl was started ignoring (nohup, background jobs) stays ignored. */
    hooked_int = sigaction(SIGINT, NULL, &old_int) == 0 && old_int.sa_handler != SIG_IGN &&
                 sigaction(SIGINT, &sa, NULL) == 0;
    hooked_term = sigaction(SIGTERM, NULL, &old_term) == 0 && old_term.sa_handler != SIG_IGN &&
                  sigaction(SIGTERM, &sa, NULL) == 0;
    return 0;
}

static void untrap_signals(void)
{
    if (trap_users == 0 || --trap_users > 0)
        return;
    if (hooked_int)
        sigaction(SIGINT, &old_int, NULL);
    if (hooked_term)
        sigaction(SIGTERM, &old_term, NULL);
    hooked_int = hooked_term = 0;
}

void hfl_loop_hold(struct hfl_loop *loop)
{
    if (loop->held++ == 0 && !loop->trapping && trap_signals() == 0) {
        loop->trapping = 1;
        loop->seen_signals = (unsigned long)sig_count;
    }
}

void hfl_loop_release(struct hfl_loop *loop)
{
    if (--loop->held == 0 && loop->trapping) {
        loop->trapping = 0;
        untrap_signals();
    }
}

double hfl_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int hfl_loop_new(struct hfl_loop **out)
{
    struct hfl_loop *loop = calloc(1, sizeof *loop);
    if (!loop)
        return ENOMEM;
    loop->interrupt_grace = 10.0;
    *out = loop;
    return 0;
}

void hfl_loop_free(struct hfl_loop *loop)
{
    if (!loop)
        return;
    for (int i = 0; i < loop->non_free; i++)
        loop->on_free[i].fn(loop->on_free[i].ud);
    hfl_children_free(loop);
    free(loop->watches);
    free(loop->timers);
    free(loop->ready);
    free(loop->pfd);
    free(loop->pchild);
    free(loop->pslot);
    free(loop);
}

int hfl_loop_watching(const struct hfl_loop *loop) { return (int)(loop->nwatch + loop->ntimer); }

int hfl_loop_on_free(struct hfl_loop *loop, void (*fn)(void *ud), void *ud)
{
    if (loop->non_free == (int)(sizeof loop->on_free / sizeof loop->on_free[0]))
        return ENOMEM;
    loop->on_free[loop->non_free].fn = fn;
    loop->on_free[loop->non_free++].ud = ud;
    return 0;
}

void hfl_loop_off_free(struct hfl_loop *loop, void (*fn)(void *ud), void *ud)
{
    for (int i = 0; i < loop->non_free; i++) {
        if (loop->on_free[i].fn == fn && loop->on_free[i].ud == ud) {
            loop->on_free[i] = loop->on_free[--loop->non_free];
            return;
        }
    }
}

int hfl_loop_watch(struct hfl_loop *loop, int fd, int events, hfl_watch_fn fn, void *ud)
{
    for (size_t i = 0; i < loop->nwatch; i++) {
        if (loop->watches[i].fd != fd)
            continue;
        if (events == 0)
            loop->watches[i] = loop->watches[--loop->nwatch];
        else
            loop->watches[i] = (struct watch){fd, events, fn, ud};
        return 0;
    }
    if (events == 0)
        return 0;
    if (loop->nwatch == loop->watch_cap) {
        size_t cap = loop->watch_cap ? loop->watch_cap * 2 : 8;
        struct watch *w = realloc(loop->watches, cap * sizeof *w);
        if (!w)
            return ENOMEM;
        loop->watches = w;
        loop->watch_cap = cap;
    }
    loop->watches[loop->nwatch++] = (struct watch){fd, events, fn, ud};
    return 0;
}

int hfl_loop_timer(struct hfl_loop *loop, void *owner, double at, hfl_timer_fn fn)
{
    for (size_t i = 0; i < loop->ntimer; i++) {
        if (loop->timers[i].owner != owner)
            continue;
        if (at <= 0)
            loop->timers[i] = loop->timers[--loop->ntimer];
        else
            loop->timers[i] = (struct timer){owner, at, fn};
        return 0;
    }
    if (at <= 0)
        return 0;
    if (loop->ntimer == loop->timer_cap) {
        size_t cap = loop->timer_cap ? loop->timer_cap * 2 : 4;
        struct timer *t = realloc(loop->timers, cap * sizeof *t);
        if (!t)
            return ENOMEM;
        loop->timers = t;
        loop->timer_cap = cap;
    }
    loop->timers[loop->ntimer++] = (struct timer){owner, at, fn};
    return 0;
}

/* Calls the watch of fd, if it still has one, with the events it still wants. */
static void fire_watch(struct hfl_loop *loop, int fd, int revents)
{
    for (size_t i = 0; i < loop->nwatch; i++) {
        struct watch w = loop->watches[i];
        if (w.fd != fd)
            continue;
        int ev = revents & (w.events | POLLERR | POLLHUP | POLLNVAL);
        if (ev)
            w.fn(w.ud, fd, ev);
        return;
    }
}

/* Calls the timers that are due, one at a time (a callback may change the list). */
static void fire_timers(struct hfl_loop *loop)
{
    double now = hfl_now();
    for (;;) {
        size_t i = 0;
        while (i < loop->ntimer && loop->timers[i].at > now)
            i++;
        if (i == loop->ntimer)
            return;
        struct timer t = loop->timers[i];
        loop->timers[i] = loop->timers[--loop->ntimer];
        t.fn(t.owner);
    }
}

int hfl_loop_interrupted(const struct hfl_loop *loop) { return loop->interrupted; }
void hfl_loop_set_interrupt_grace(struct hfl_loop *loop, double s) { loop->interrupt_grace = s; }
void hfl_loop_clear_interrupt(struct hfl_loop *loop) { loop->interrupted = 0; }

static int grow_poll(struct hfl_loop *loop, size_t n)
{
    if (n <= loop->pcap)
        return 0;
    size_t cap = loop->pcap ? loop->pcap : 16;
    while (cap < n)
        cap *= 2;
    struct pollfd *p = realloc(loop->pfd, cap * sizeof *p);
    if (!p)
        return ENOMEM;
    loop->pfd = p;
    struct hfl_child **pc = realloc(loop->pchild, cap * sizeof *pc);
    if (!pc)
        return ENOMEM;
    loop->pchild = pc;
    int *ps = realloc(loop->pslot, cap * sizeof *ps);
    if (!ps)
        return ENOMEM;
    loop->pslot = ps;
    loop->pcap = cap;
    return 0;
}

static void check_signals(struct hfl_loop *loop)
{
    unsigned long n = (unsigned long)sig_count;
    if (n != loop->seen_signals && loop->trapping) {
        loop->seen_signals = n;
        loop->interrupted = sig_last;
        hfl_children_forward(loop, sig_last, hfl_now());
    }
    loop->seen_signals = n;
}

int hfl_loop_poll_interrupt(struct hfl_loop *loop)
{
    if (loop->trapping)
        check_signals(loop);
    return loop->interrupted;
}

int hfl_loop_step(struct hfl_loop *loop, int timeout_ms)
{
    int e = grow_poll(loop, (size_t)loop->nlive * 4 + loop->nwatch + 1);
    if (e)
        return e;
    if (loop->trapping)
        check_signals(loop);
    double now = hfl_now(), wake = 0;
    size_t n = 0;
    int no_pidfd = 0;
    if (loop->trapping) {
        loop->pfd[n] = (struct pollfd){.fd = sig_pipe[0], .events = POLLIN};
        loop->pchild[n] = NULL;
        loop->pslot[n++] = SLOT_SIGNAL;
    }
    n = hfl_children_poll(loop, n, &wake, &no_pidfd);
    for (size_t i = 0; i < loop->nwatch; i++) {
        loop->pfd[n] = (struct pollfd){.fd = loop->watches[i].fd,
                                       .events = (short)loop->watches[i].events};
        loop->pchild[n] = NULL;
        loop->pslot[n++] = SLOT_WATCH;
    }
    for (size_t i = 0; i < loop->ntimer; i++)
        wake = hfl_earliest(wake, loop->timers[i].at);
    int ms = timeout_ms;
    if (wake) {
        double left = (wake - now) * 1000.0 + 1.0;
        int wms = left <= 0 ? 0 : left > 86400000.0 ? 86400000 : (int)left;
        if (ms < 0 || wms < ms)
            ms = wms;
    }
    if (no_pidfd && (ms < 0 || ms > NO_PIDFD_POLL_MS))
        ms = NO_PIDFD_POLL_MS;
    if (loop->nlive == 0 && loop->nwatch == 0 && loop->ntimer == 0 && ms < 0)
        ms = 0;  /* nothing can wake us */
    int r = poll(loop->pfd, (nfds_t)n, ms);
    if (r < 0 && errno != EINTR)
        return errno;

    for (size_t k = 0; r > 0 && k < n; k++) {
        if (!loop->pfd[k].revents)
            continue;
        int slot = loop->pslot[k];
        if (slot == SLOT_WATCH) {
            fire_watch(loop, loop->pfd[k].fd, loop->pfd[k].revents);
        } else if (slot == SLOT_SIGNAL) {
            char tmp[64];
            while (read(sig_pipe[0], tmp, sizeof tmp) > 0) {
            }
        } else if ((e = hfl_children_ready(loop, loop->pchild[k], slot)) != 0) {
            return e;
        }
    }
    if (loop->trapping)
        check_signals(loop);
    fire_timers(loop);
    return hfl_children_tick(loop);
}
