/* hfl.core.fs, the C side: the file-system steps hfl is made of (flock, mkdtemp, rename
 * without replacing, fsync, sha256 of a file, confined rm -r, du, bounded reads, atomic
 * writes, glob). Knows nothing of Lua; c/l_fs.c binds it. Functions return 0 or an errno
 * value. */
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

/* Reads path whole into a malloc'd *out (NUL-terminated, *len bytes), at most max bytes:
 * EFBIG when there are more (a regular file is refused by its size before any read; other
 * files — pipes, devices — are read until the bound), EISDIR for a directory. A FIFO without
 * a writer reads as empty instead of blocking in open(2). */
int hfl_fs_read(const char *path, size_t max, char **out, size_t *len);
/* Replaces path with len bytes of data so that readers see the old file or the new one,
 * never a part: a mkstemp file in path's directory, every write checked, fsync (unless
 * !durable: for temporary files, which need not survive a crash), chmod to mode, rename. On
 * failure path is untouched and the temp file is gone, and *step says what failed ("cannot
 * create a temporary file" or "cannot write"). */
int hfl_fs_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                        int durable, const char **step);
/* glob(3) as Go's filepath.Glob behaves: `*` matches a leading dot, "." and ".." never
 * match, I/O errors are ignored, results sorted bytewise. *paths (NULL-terminated, *n
 * entries) is freed with hfl_fs_glob_free. */
int hfl_fs_glob(const char *pattern, char ***paths, size_t *n);
void hfl_fs_glob_free(char **paths, size_t n);

#endif
