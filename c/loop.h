/* The event loop under hfl.core.proc and hfl.core.http: one poll(2) per turn over child
 * processes (c/proc.c), fd watches and timers (libcurl's sockets, c/http.c), and the
 * SIGINT/SIGTERM self-pipe. Knows nothing of Lua. One loop per Lua state. */
#ifndef HFL_LOOP_H
#define HFL_LOOP_H

struct hfl_loop;

/* Returns 0, or an errno value. */
int hfl_loop_new(struct hfl_loop **out);
/* Calls the on_free hooks, SIGKILLs and reaps the children still running, then drops the
 * loop's references. */
void hfl_loop_free(struct hfl_loop *loop);
/* One turn: waits up to timeout_ms (-1: until something happens, or the next deadline) for
 * I/O, exits, deadlines and signals, and handles them. Returns 0, or an errno value. */
int hfl_loop_step(struct hfl_loop *loop, int timeout_ms);
/* While the loop is held (a count), SIGINT and SIGTERM are trapped: instead of killing hfl
 * they wake the loop and set hfl_loop_interrupted, so that what runs can be stopped and
 * cleaned up. Each running child holds it (c/proc.c), and each running transfer
 * (c/http.c). */
void hfl_loop_hold(struct hfl_loop *loop);
void hfl_loop_release(struct hfl_loop *loop);
/* The signal (SIGINT, SIGTERM) hfl received while this loop was held, or 0. Once set, the
 * children got it forwarded, are SIGKILLed after the interrupt grace, and spawning fails
 * with EINTR. */
int hfl_loop_interrupted(const struct hfl_loop *loop);
/* Like hfl_loop_interrupted, but first takes in a signal that arrived while the loop was held
 * and no turn ran since (hfl busy in Lua between children). */
int hfl_loop_poll_interrupt(struct hfl_loop *loop);
void hfl_loop_set_interrupt_grace(struct hfl_loop *loop, double seconds);
/* Forgets the interrupt, so that a REPL can go on spawning after Ctrl-C. */
void hfl_loop_clear_interrupt(struct hfl_loop *loop);

double hfl_now(void);

/* Other event sources on the same loop (hfl.core.http drives libcurl through these): a watch
 * calls fn when fd is ready for events (POLLIN | POLLOUT); one timer per owner calls fn once
 * at `at` (hfl_now() seconds). Callbacks may add, change or remove watches and timers. */
typedef void (*hfl_watch_fn)(void *ud, int fd, int revents);
typedef void (*hfl_timer_fn)(void *ud);
/* Watches fd (replacing its previous watch); events 0 removes it. Returns 0 or ENOMEM. */
int hfl_loop_watch(struct hfl_loop *loop, int fd, int events, hfl_watch_fn fn, void *ud);
/* Sets owner's timer (at <= 0: cancels it). Returns 0 or ENOMEM. */
int hfl_loop_timer(struct hfl_loop *loop, void *owner, double at, hfl_timer_fn fn);
/* Calls fn(ud) first thing in hfl_loop_free, while watches and timers can still be changed
 * (a module owning event sources tears them down there). Returns 0 or ENOMEM. */
int hfl_loop_on_free(struct hfl_loop *loop, void (*fn)(void *ud), void *ud);
/* Undoes hfl_loop_on_free(loop, fn, ud), for a module that tears down first. */
void hfl_loop_off_free(struct hfl_loop *loop, void (*fn)(void *ud), void *ud);
/* Watches and timers set: while any is, waiting on the loop can end. */
int hfl_loop_watching(const struct hfl_loop *loop);

/* The entry points above for event sources built as their own shared object (hfl.core.http
 * loads libcurl only when a command downloads): such a module cannot link against the
 * hfl.core that created the loop, so it calls through this table, which the hfl.core.proc
 * binding hands out with the loop (c/l_proc.h). */
struct hfl_loop_ops {
    int (*watch)(struct hfl_loop *loop, int fd, int events, hfl_watch_fn fn, void *ud);
    int (*timer)(struct hfl_loop *loop, void *owner, double at, hfl_timer_fn fn);
    int (*on_free)(struct hfl_loop *loop, void (*fn)(void *ud), void *ud);
    void (*off_free)(struct hfl_loop *loop, void (*fn)(void *ud), void *ud);
    void (*hold)(struct hfl_loop *loop);
    void (*release)(struct hfl_loop *loop);
    double (*now)(void);
};
extern const struct hfl_loop_ops hfl_loop_ops;

#endif
