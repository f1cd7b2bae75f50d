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

/* Once per process; returns 0 or -1. */
int hfl_git_init(void);

#endif
