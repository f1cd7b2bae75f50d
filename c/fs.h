/* hfl.core.fs, the C side: the file-system steps the download cache is made of (flock,
 * mkdtemp, rename without replacing, fsync, sha256 of a file, confined rm -r, du). Knows
 * nothing of Lua; c/l_fs.c binds it. Functions return 0 or an errno value. */
#ifndef HFL_FS_H
#define HFL_FS_H

#include <stddef.h>

/* Opens (creating) path and takes an exclusive flock on it; with nonblock, EWOULDBLOCK when
 * another holder has it. *fd is the lock: closing it releases it. */
int hfl_fs_lock(const char *path, int nonblock, int *fd);
/* rename(2); with noreplace, EEXIST instead of replacing an existing target. */
int hfl_fs_rename(const char *from, const char *to, int noreplace);
/* fsync(2) of a file or directory. */
int hfl_fs_fsync(const char *path);
/* Lowercase hex sha256 of the file's bytes into hex[65]. */
int hfl_fs_sha256(const char *path, char hex[65]);
/* Removes path and everything under it without following symlinks; refuses (EPERM) unless
 * path lies strictly inside root. A missing path is not an error. */
int hfl_fs_rm_r(const char *path, const char *root);
/* mkdir -p with mode 0755. */
int hfl_fs_mkdir_p(const char *path);
/* Bytes of regular files under path (not following symlinks). */
int hfl_fs_du(const char *path, long long *bytes);

#endif
