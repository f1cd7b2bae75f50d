/* hfl.core.proc, the C side: child processes on the event loop of c/loop.h. Knows nothing of
 * Lua; c/l_proc.c binds it. A loop owns its children; a child stays allocated while the loop
 * or the binding holds a reference (hfl_child_release drops the binding's). */
#ifndef HFL_PROC_H
#define HFL_PROC_H

#include <stddef.h>
#include <sys/types.h>

#include "loop.h"

struct hfl_child;

/* How a child's standard stream is wired. */
enum hfl_io {
    HFL_IO_NULL,     /* /dev/null */
    HFL_IO_INHERIT,  /* hfl's own fd */
    HFL_IO_CAPTURE,  /* stdout/stderr: collected into a bounded buffer; stdin: data written */
    HFL_IO_STREAM,   /* stdout/stderr: chunks handed out by hfl_child_take as they arrive */
};

struct hfl_spawn_opts {
    const char *const *argv;  /* NULL-terminated, argv[0] looked up in PATH */
    const char *const *envp;  /* NULL-terminated, or NULL for hfl's environment */
    const char *cwd;          /* or NULL */
    enum hfl_io in, out, err;
    const char *in_data;      /* with in == HFL_IO_CAPTURE; copied */
    size_t in_len;
    size_t max_output;        /* bytes kept per captured stream; the rest is read and dropped */
    double timeout;           /* seconds, <= 0: none */
    double grace;             /* seconds between SIGTERM and SIGKILL on timeout */
    int group;                /* own process group; timeouts, forwarded signals and kills reach
                               * the grandchildren too (but the terminal's Ctrl-C does not) */
};

struct hfl_result {
    int exited;               /* 1: code is valid; 0: killed by signal */
    int code, signal;
    int timed_out;
    int truncated[2];         /* stdout, stderr went past max_output */
    const char *data[2];      /* captured stdout, stderr (valid until the child is freed) */
    size_t len[2];
    double duration;          /* seconds from spawn to reaping */
};

/* Children with news since the last turn (stream data, or done), one at a time; NULL at the
 * end. */
struct hfl_child *hfl_loop_pop(struct hfl_loop *loop);
/* Children spawned and not yet done. */
int hfl_loop_live(const struct hfl_loop *loop);
/* Returns 0, or an errno value with a message in err (naming the command). */
int hfl_spawn(struct hfl_loop *loop, const struct hfl_spawn_opts *opts, struct hfl_child **out,
              char *err, size_t errlen);
/* The binding's reference: the child is freed once it is done and released. */
void hfl_child_release(struct hfl_child *c);
pid_t hfl_child_pid(const struct hfl_child *c);
/* A number the binding keeps with the child (its key for the Lua object). */
void hfl_child_set_tag(struct hfl_child *c, unsigned long tag);
unsigned long hfl_child_tag(const struct hfl_child *c);
int hfl_child_done(const struct hfl_child *c);
/* Pending stream data of stream 1 (stdout) or 2 (stderr), emptied by the call; at EOF len 0. */
const char *hfl_child_take(struct hfl_child *c, int stream, size_t *len);
void hfl_child_consumed(struct hfl_child *c, int stream);
/* Fills r once the child is done; returns 0, else -1. */
int hfl_child_result(const struct hfl_child *c, struct hfl_result *r);
/* Sends sig unless the child has been reaped; returns 0 or an errno value. */
int hfl_child_kill(struct hfl_child *c, int sig);

#endif
