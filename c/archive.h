/* hfl.core.archive, the C side: extracting chart archives (tar, tar.gz) with every path
 * confined to the destination, and creating tar.gz archives. Knows nothing of Lua; c/l_archive.c
 * binds it. Both return 0, or -1 with a one-line reason in err. */
#ifndef HFL_ARCHIVE_H
#define HFL_ARCHIVE_H

#include <stddef.h>

struct hfl_archive_limits {
    long long max_size;  /* bytes of file data, 0: none */
    long max_files;      /* entries, 0: none */
};

/* Extracts src into the existing directory dest. Refuses absolute paths, ".." components,
 * special files, hard links to anything but a regular file reached without symlinks, and
 * symlinks that, once every entry exists, do not resolve to something inside dest (checked by
 * following the links on disk, so chains of links cannot lead out); writing through a symlink
 * is refused too. What was written before an error stays: callers extract
 * into a temp directory. */
int hfl_archive_extract(const char *src, const char *dest, const struct hfl_archive_limits *lim,
                        char *err, size_t errlen);
/* Writes a gzip'd tar of the directory src_dir to out, entries named prefix/<relative path>
 * (prefix NULL or "": no prefix), in sorted order; symlinks are stored as symlinks. */
int hfl_archive_create(const char *src_dir, const char *out, const char *prefix, char *err,
                       size_t errlen);

#endif
