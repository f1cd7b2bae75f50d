/* hfl git: fetch one ref of a repository into a work tree with libgit2 (remote helmfiles and
 * git chart sources). */
#ifndef HFL_GIT_H
#define HFL_GIT_H

#include <stddef.h>

/* Fetches `url` into a new repository whose git directory is `gitdir` and whose work tree is
 * `workdir`, then checks out `ref` (a branch, a tag, a full or abbreviated commit id; NULL or ""
 * = the remote's default branch). On success writes the commit id (40 hex + NUL) to `commit`
 * and returns 0; on failure writes a one-line message to `err` and returns -1. */
int hfl_git_checkout(const char *url, const char *ref, const char *gitdir, const char *workdir,
                     char commit[41], char *err, size_t errlen);

/* The same checkout on a thread of its own, so the event loop keeps running. */
struct hfl_git_job;

/* Starts a job (the strings are copied); returns 0, or an errno value. */
int hfl_git_start(const char *url, const char *ref, const char *gitdir, const char *workdir,
                  struct hfl_git_job **out);
/* 1 when the job has finished. */
int hfl_git_done(struct hfl_git_job *job);
/* Waits for the job, then gives hfl_git_checkout's result. */
int hfl_git_result(struct hfl_git_job *job, char commit[41], char *err, size_t errlen);
/* Waits for the job if it still runs, then frees it. */
void hfl_git_free(struct hfl_git_job *job);

/* Once per process; returns 0 or -1. */
int hfl_git_init(void);

#endif
