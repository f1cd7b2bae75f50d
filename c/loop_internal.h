/* Shared by c/loop.c (the loop: watches, timers, signals, poll) and c/proc.c (the children on
 * it), nothing else. loop.c owns the poll arrays and the signal trap; proc.c owns the live
 * list and the ready queue, and serves its part of each turn through the hfl_children_*
 * functions. */
#ifndef HFL_LOOP_INTERNAL_H
#define HFL_LOOP_INTERNAL_H

#include <poll.h>
#include <stddef.h>

#include "loop.h"

struct hfl_child;

struct watch {
    int fd, events;
    hfl_watch_fn fn;
    void *ud;
};

struct timer {
    void *owner;
    double at;
    hfl_timer_fn fn;
};

struct hfl_loop {
    struct {
        void (*fn)(void *ud);
        void *ud;
    } on_free[4];
    int non_free;
    struct watch *watches;
    size_t nwatch, watch_cap;
    struct timer *timers;
    size_t ntimer, timer_cap;
    struct hfl_child *live;          /* proc.c */
    int nlive;
    struct hfl_child **ready;        /* proc.c */
    size_t nready, ready_cap;
    struct pollfd *pfd;              /* one turn's poll set; pchild/pslot say whose each is */
    struct hfl_child **pchild;
    int *pslot;                      /* 0..3: a child's stdin/stdout/stderr/pidfd */
    size_t pcap;
    int held;                        /* hfl_loop_hold count: signals trapped while > 0 */
    int trapping;
    unsigned long seen_signals;
    int interrupted;
    double interrupt_grace;
};

/* Poll slots that are not a child's. */
#define SLOT_SIGNAL (-1)
#define SLOT_WATCH  4

/* proc.c: the children's part of hfl_loop_free and of each turn. */
void hfl_children_free(struct hfl_loop *loop);
/* Sends sig to every running child and schedules its SIGKILL after the interrupt grace. */
void hfl_children_forward(struct hfl_loop *loop, int sig, double now);
/* Appends the children's fds to the poll set from index n (room was made for 4 a child);
 * returns the new count. Lowers *wake to the earliest child deadline; sets *no_pidfd when a
 * child's exit can only be seen by polling waitpid. */
size_t hfl_children_poll(struct hfl_loop *loop, size_t n, double *wake, int *no_pidfd);
/* Serves an fd of c that poll reported (slot 0..3). Returns 0 or an errno value. */
int hfl_children_ready(struct hfl_loop *loop, struct hfl_child *c, int slot);
/* After the turn: deadlines, kills, pipes held by grandchildren, children done. */
int hfl_children_tick(struct hfl_loop *loop);

/* The earliest of two times, 0 meaning none. */
static inline double hfl_earliest(double a, double b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    return a < b ? a : b;
}

#endif
