/* hfl.core.archive, the C side: see archive.h. Every entry name is checked here before
 * libarchive's disk writer sees it (which also refuses "..", and writing through symlinks, as a
 * second line). */
#include "archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Normalises an entry name in place ("./a//b/" → "a/b"); returns 0, or -1 when it is empty,
 * absolute or has a ".." component. */
static int clean_name(char *name)
{
    if (name[0] == '/')
        return -1;
    char *out = name;
    const char *p = name;
    while (*p) {
        while (*p == '/')
            p++;
        const char *s = p;
        while (*p && *p != '/')
            p++;
        size_t n = (size_t)(p - s);
        if (n == 0 || (n == 1 && s[0] == '.'))
            continue;
        if (n == 2 && s[0] == '.' && s[1] == '.')
            return -1;
        if (out != name)
            *out++ = '/';
        memmove(out, s, n);
        out += n;
    }
    *out = '\0';
    return out == name ? -1 : 0;
}

/* Whether a symlink at entry name `name` pointing to `target` stays inside the root. */
static int link_confined(const char *name, const char *target)
{
    if (target[0] == '/' || target[0] == '\0')
        return 0;
    int depth = 0;
    for (const char *p = name; *p; p++)
        if (*p == '/')
            depth++;  /* components of the link's directory */
    const char *p = target;
    while (*p) {
        while (*p == '/')
            p++;
        const char *s = p;
        while (*p && *p != '/')
            p++;
        size_t n = (size_t)(p - s);
        if (n == 0 || (n == 1 && s[0] == '.'))
            continue;
        if (n == 2 && s[0] == '.' && s[1] == '.') {
            if (--depth < 0)
                return 0;
        } else {
            depth++;
        }
    }
    return 1;
}

/* Where resolving a path beneath the root ended. */
enum resolved { INSIDE, OUTSIDE, MISSING, LOOP, NOT_DIR, TOO_LONG };

/* Resolves the path rel (relative to the directory rootfd) the way the kernel would, following
 * every symlink already on disk, and says whether it stays beneath the root. Only this decides
 * whether a link is safe: each link's text alone cannot tell, since a chain of links that are
 * each confined by themselves ("l -> .", "u -> l/l/..") can still lead out. */
static enum resolved resolve_beneath(int rootfd, const char *rel)
{
    char todo[2 * PATH_MAX], done[PATH_MAX], cand[PATH_MAX], target[PATH_MAX];
    size_t dl = 0;
    int hops = 0;
    done[0] = '\0';
    if (strlen(rel) >= sizeof todo)
        return TOO_LONG;
    strcpy(todo, rel);
    const char *p = todo;
    for (;;) {
        while (*p == '/')
            p++;
        if (!*p)
            return INSIDE;
        const char *s = p;
        while (*p && *p != '/')
            p++;
        size_t n = (size_t)(p - s);
        if (n == 1 && s[0] == '.')
            continue;
        if (n == 2 && s[0] == '.' && s[1] == '.') {
            if (dl == 0)
                return OUTSIDE;
            while (dl > 0 && done[dl - 1] != '/')
                dl--;
            dl = dl > 0 ? dl - 1 : 0;
            done[dl] = '\0';
            continue;
        }
        if (dl + n + 2 > sizeof cand)
            return TOO_LONG;
        int cl = snprintf(cand, sizeof cand, "%s%s%.*s", done, dl ? "/" : "", (int)n, s);
        struct stat st;
        if (fstatat(rootfd, cand, &st, AT_SYMLINK_NOFOLLOW) != 0)
            return errno == ENOTDIR ? NOT_DIR : MISSING;
        if (!S_ISLNK(st.st_mode)) {
            if (!S_ISDIR(st.st_mode) && *p)
                return NOT_DIR;  /* "file/" or "file/x", as the kernel sees it */
            memcpy(done, cand, (size_t)cl + 1);
            dl = (size_t)cl;
            continue;
        }
        if (++hops > 40)
            return LOOP;
        ssize_t tl = readlinkat(rootfd, cand, target, sizeof target - 1);
        if (tl < 0)
            return MISSING;
        target[tl] = '\0';
        if (target[0] == '/')
            return OUTSIDE;
        /* the rest of the path now continues after the link's text ("/" only between the
         * two: "file/" would not be the file) */
        size_t rest = strlen(p), sep = rest > 0;
        if ((size_t)tl + sep + rest >= sizeof todo)
            return TOO_LONG;
        memmove(todo + tl + sep, p, rest + 1);
        memcpy(todo, target, (size_t)tl);
        if (sep)
            todo[tl] = '/';
        p = todo;
    }
}

/* Whether the hard link target `rel` names a regular file reached through real directories
 * only: a hard link to a symlink would copy the link, whose text means something else at the
 * new place, and a path through a symlink could reach a file outside the root. */
static int plain_file_beneath(int rootfd, const char *rel)
{
    char buf[PATH_MAX];
    size_t n = strlen(rel);
    if (n >= sizeof buf)
        return 0;
    memcpy(buf, rel, n + 1);
    struct stat st;
    for (size_t i = 0; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char c = buf[i];
        buf[i] = '\0';
        int r = fstatat(rootfd, buf, &st, AT_SYMLINK_NOFOLLOW);
        buf[i] = c;
        if (r != 0 || S_ISLNK(st.st_mode))
            return 0;
    }
    return S_ISREG(st.st_mode);
}

/* The symlink entries written so far, checked once all entries exist (a link may point to an
 * entry that comes later, and a later link may change what an earlier one leads to). */
struct links {
    char **names;
    size_t n, cap;
};

static int links_add(struct links *l, const char *name)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **names = realloc(l->names, cap * sizeof *names);
        if (!names)
            return -1;
        l->names = names;
        l->cap = cap;
    }
    if (!(l->names[l->n] = strdup(name)))
        return -1;
    l->n++;
    return 0;
}

static void links_free(struct links *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->names);
}

static int links_check(const struct links *l, int rootfd, char *err, size_t errlen)
{
    static const char *why[] = {
        [OUTSIDE] = "leads outside the destination",
        [MISSING] = "leads to nothing in the archive",
        [LOOP] = "is part of a loop of links",
        [NOT_DIR] = "leads through a file",
        [TOO_LONG] = "leads to a path too long",
    };
    for (size_t i = 0; i < l->n; i++) {
        enum resolved r = resolve_beneath(rootfd, l->names[i]);
        if (r != INSIDE) {
            snprintf(err, errlen, "archive entry \"%s\" is a symlink that %s", l->names[i],
                     why[r]);
            return -1;
        }
    }
    return 0;
}

static int copy_data(struct archive *in, struct archive *out, long long *total,
                     const struct hfl_archive_limits *lim, const char *name, char *err,
                     size_t errlen)
{
    for (;;) {
        const void *buf;
        size_t size;
        la_int64_t off;
        int r = archive_read_data_block(in, &buf, &size, &off);
        if (r == ARCHIVE_EOF)
            return 0;
        if (r < ARCHIVE_WARN) {
            snprintf(err, errlen, "corrupt or truncated archive at \"%s\": %s", name,
                     archive_error_string(in));
            return -1;
        }
        *total += (long long)size;
        if (lim->max_size > 0 && *total > lim->max_size) {
            snprintf(err, errlen, "archive holds more than %lld bytes (the size limit)",
                     lim->max_size);
            return -1;
        }
        if (archive_write_data_block(out, buf, size, off) < ARCHIVE_WARN) {
            snprintf(err, errlen, "cannot write \"%s\": %s", name, archive_error_string(out));
            return -1;
        }
    }
}

int hfl_archive_extract(const char *src, const char *dest, const struct hfl_archive_limits *lim,
                        char *err, size_t errlen)
{
    char root[PATH_MAX];
    if (!realpath(dest, root)) {
        snprintf(err, errlen, "destination %s: %s", dest, strerror(errno));
        return -1;
    }
    struct archive *in = archive_read_new();
    struct archive *out = archive_write_disk_new();
    struct archive_entry *e = NULL;
    char *name = NULL, *raw = NULL, *path = NULL, *link = NULL;
    size_t cap = strlen(root) + PATH_MAX + 2;
    int rc = -1;
    struct links links = {0};
    int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) {
        snprintf(err, errlen, "destination %s: %s", dest, strerror(errno));
        goto done;
    }
    if (!in || !out || !(name = malloc(PATH_MAX)) || !(raw = malloc(PATH_MAX)) ||
        !(path = malloc(cap)) ||
        !(link = malloc(cap))) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    archive_read_support_filter_gzip(in);
    archive_read_support_filter_none(in);
    archive_read_support_format_tar(in);
    archive_read_support_format_gnutar(in);
    archive_write_disk_set_options(out, ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                            ARCHIVE_EXTRACT_SECURE_NODOTDOT);
    if (archive_read_open_filename(in, src, 65536) != ARCHIVE_OK) {
        int e = archive_errno(in);
        snprintf(err, errlen, "%s: %s",
                 e == ENOENT || e == EACCES ? "cannot open archive" : "corrupt or truncated archive",
                 archive_error_string(in));
        goto done;
    }
    long files = 0;
    long long total = 0;
    for (;;) {
        int r = archive_read_next_header(in, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN) {
            snprintf(err, errlen, "corrupt or truncated archive: %s", archive_error_string(in));
            goto done;
        }
        /* raw: the name as written, for messages (libarchive frees its copy on rename) */
        const char *pn = archive_entry_pathname(e);
        if (!pn || strlen(pn) >= PATH_MAX) {
            snprintf(err, errlen, "archive entry with an empty or too long name");
            goto done;
        }
        strcpy(raw, pn);
        strcpy(name, raw);
        if (clean_name(name) != 0) {
            snprintf(err, errlen, "archive entry \"%s\" escapes the destination "
                     "(absolute path or \"..\")", raw);
            goto done;
        }
        if (lim->max_files > 0 && ++files > lim->max_files) {
            snprintf(err, errlen, "archive holds more than %ld entries (the file-count limit)",
                     lim->max_files);
            goto done;
        }
        const char *hard = archive_entry_hardlink(e);
        mode_t type = archive_entry_filetype(e);
        if (hard) {
            if (strlen(hard) >= PATH_MAX) {
                snprintf(err, errlen, "archive entry \"%s\": link target too long", raw);
                goto done;
            }
            strcpy(link, hard);
            if (clean_name(link) != 0) {
                snprintf(err, errlen, "archive entry \"%s\" links to \"%s\", outside the "
                         "destination", raw, hard);
                goto done;
            }
            if (!plain_file_beneath(rootfd, link)) {
                snprintf(err, errlen, "archive entry \"%s\" is a hard link to \"%s\", which is "
                         "not a regular file extracted before it", raw, hard);
                goto done;
            }
            char *t = strdup(link);
            if (!t) {
                snprintf(err, errlen, "out of memory");
                goto done;
            }
            snprintf(link, cap, "%s/%s", root, t);
            free(t);
            archive_entry_set_hardlink(e, link);
        } else if (type == AE_IFLNK) {
            const char *target = archive_entry_symlink(e);
            if (!target || !link_confined(name, target)) {
                snprintf(err, errlen, "archive entry \"%s\" is a symlink to \"%s\", outside "
                         "the destination", raw, target ? target : "");
                goto done;
            }
        } else if (type == AE_IFREG) {
            archive_entry_set_perm(e, (archive_entry_perm(e) & 0111) ? 0755 : 0644);
        } else if (type == AE_IFDIR) {
            archive_entry_set_perm(e, 0755);
        } else {
            snprintf(err, errlen, "archive entry \"%s\" is a device, fifo or socket", raw);
            goto done;
        }
        if (lim->max_size > 0 && type == AE_IFREG && !hard &&
            total + archive_entry_size(e) > lim->max_size) {
            snprintf(err, errlen, "archive holds more than %lld bytes (the size limit)",
                     lim->max_size);
            goto done;
        }
        snprintf(path, cap, "%s/%s", root, name);
        archive_entry_set_pathname(e, path);
        archive_entry_set_uid(e, 0);
        archive_entry_set_gid(e, 0);
        if (archive_write_header(out, e) < ARCHIVE_WARN) {
            snprintf(err, errlen, "cannot extract \"%s\": %s", raw, archive_error_string(out));
            goto done;
        }
        if (type == AE_IFREG && archive_entry_size(e) > 0 &&
            copy_data(in, out, &total, lim, raw, err, errlen) != 0)
            goto done;
        if (archive_write_finish_entry(out) < ARCHIVE_WARN) {
            snprintf(err, errlen, "cannot extract \"%s\": %s", raw, archive_error_string(out));
            goto done;
        }
        if (type == AE_IFLNK && !hard && links_add(&links, name) != 0) {
            snprintf(err, errlen, "out of memory");
            goto done;
        }
    }
    if (archive_write_close(out) < ARCHIVE_WARN) {
        snprintf(err, errlen, "cannot finish extracting: %s", archive_error_string(out));
        goto done;
    }
    if (links_check(&links, rootfd, err, errlen) != 0)
        goto done;
    rc = 0;
done:
    if (rootfd >= 0)
        close(rootfd);
    links_free(&links);
    if (in)
        archive_read_free(in);
    if (out)
        archive_write_free(out);
    free(name);
    free(raw);
    free(path);
    free(link);
    return rc;
}

struct walk {
    struct archive *a;
    char *err;
    size_t errlen;
    char buf[65536];
};

static int add_tree(struct walk *w, const char *dir, const char *rel, int depth);

static int add_one(struct walk *w, const char *full, const char *rel, int depth)
{
    struct stat st;
    if (lstat(full, &st) != 0) {
        snprintf(w->err, w->errlen, "%s: %s", full, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode))
        return 0;
    struct archive_entry *e = archive_entry_new();
    if (!e) {
        snprintf(w->err, w->errlen, "out of memory");
        return -1;
    }
    int rc = -1, fd = -1;
    archive_entry_set_pathname(e, rel);
    archive_entry_set_mtime(e, st.st_mtime, 0);
    archive_entry_set_mode(e, st.st_mode);
    archive_entry_set_perm(e, S_ISDIR(st.st_mode) || (st.st_mode & 0111) ? 0755 : 0644);
    if (S_ISREG(st.st_mode)) {
        archive_entry_set_size(e, st.st_size);
        fd = open(full, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            snprintf(w->err, w->errlen, "%s: %s", full, strerror(errno));
            goto done;
        }
    } else if (S_ISLNK(st.st_mode)) {
        char target[PATH_MAX];
        ssize_t n = readlink(full, target, sizeof target - 1);
        if (n < 0) {
            snprintf(w->err, w->errlen, "%s: %s", full, strerror(errno));
            goto done;
        }
        target[n] = '\0';
        archive_entry_set_symlink(e, target);
    }
    if (archive_write_header(w->a, e) < ARCHIVE_WARN) {
        snprintf(w->err, w->errlen, "%s: %s", rel, archive_error_string(w->a));
        goto done;
    }
    if (fd >= 0) {
        for (;;) {
            ssize_t n = read(fd, w->buf, sizeof w->buf);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                snprintf(w->err, w->errlen, "%s: %s", full, strerror(errno));
                goto done;
            }
            if (n == 0)
                break;
            if (archive_write_data(w->a, w->buf, (size_t)n) < 0) {
                snprintf(w->err, w->errlen, "%s: %s", rel, archive_error_string(w->a));
                goto done;
            }
        }
    }
    rc = S_ISDIR(st.st_mode) ? add_tree(w, full, rel, depth + 1) : 0;
done:
    if (fd >= 0)
        close(fd);
    archive_entry_free(e);
    return rc;
}

static int add_tree(struct walk *w, const char *dir, const char *rel, int depth)
{
    if (depth > 128) {
        snprintf(w->err, w->errlen, "%s: directories nested too deep", dir);
        return -1;
    }
    struct dirent **list;
    int n = scandir(dir, &list, NULL, alphasort);
    if (n < 0) {
        snprintf(w->err, w->errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        const char *nm = list[i]->d_name;
        if (rc == 0 && strcmp(nm, ".") != 0 && strcmp(nm, "..") != 0) {
            size_t fl = strlen(dir) + strlen(nm) + 2, rl = strlen(rel) + strlen(nm) + 2;
            char *full = malloc(fl), *r = malloc(rl);
            if (!full || !r) {
                snprintf(w->err, w->errlen, "out of memory");
                rc = -1;
            } else {
                snprintf(full, fl, "%s/%s", dir, nm);
                snprintf(r, rl, "%s%s%s", rel, *rel ? "/" : "", nm);
                rc = add_one(w, full, r, depth);
            }
            free(full);
            free(r);
        }
        free(list[i]);
    }
    free(list);
    return rc;
}

int hfl_archive_create(const char *src_dir, const char *out, const char *prefix, char *err,
                       size_t errlen)
{
    struct walk *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    w->err = err;
    w->errlen = errlen;
    w->a = archive_write_new();
    int rc = -1;
    if (!w->a || archive_write_add_filter_gzip(w->a) != ARCHIVE_OK ||
        archive_write_set_format_pax_restricted(w->a) != ARCHIVE_OK) {
        snprintf(err, errlen, "cannot set up the archive writer");
        goto done;
    }
    if (archive_write_open_filename(w->a, out) != ARCHIVE_OK) {
        snprintf(err, errlen, "cannot write %s: %s", out, archive_error_string(w->a));
        goto done;
    }
    if (prefix && *prefix)
        rc = add_one(w, src_dir, prefix, 0);
    else
        rc = add_tree(w, src_dir, "", 0);
    if (rc == 0 && archive_write_close(w->a) != ARCHIVE_OK) {
        snprintf(err, errlen, "cannot write %s: %s", out, archive_error_string(w->a));
        rc = -1;
    }
done:
    if (w->a)
        archive_write_free(w->a);
    free(w);
    return rc;
}
