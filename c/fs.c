/* hfl.core.fs, the C side: see fs.h. */
#include "fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int hfl_fs_lock(const char *path, int nonblock, int *fd)
{
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (*fd < 0)
        return errno;
    int r;
    do
        r = flock(*fd, LOCK_EX | (nonblock ? LOCK_NB : 0));
    while (r != 0 && errno == EINTR);
    if (r != 0) {
        int e = errno == EAGAIN ? EWOULDBLOCK : errno;
        close(*fd);
        *fd = -1;
        return e;
    }
    return 0;
}

int hfl_fs_rename(const char *from, const char *to, int noreplace)
{
    if (!noreplace)
        return rename(from, to) == 0 ? 0 : errno;
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return errno;
    /* The file system cannot promise it: link(2) for files never replaces either. */
    struct stat st;
    if (lstat(to, &st) == 0)
        return EEXIST;
    return rename(from, to) == 0 ? 0 : errno;
}

int hfl_fs_fsync(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int e = fsync(fd) == 0 ? 0 : errno;
    close(fd);
    return e == EINVAL ? 0 : e;
}

int hfl_fs_sha256(const char *path, char hex[65])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(md);
        close(fd);
        return ENOMEM;
    }
    char buf[65536];
    int e = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            e = errno;
            break;
        }
        if (n == 0)
            break;
        EVP_DigestUpdate(md, buf, (size_t)n);
    }
    close(fd);
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!e && EVP_DigestFinal_ex(md, d, &len) == 1)
        for (unsigned int i = 0; i < len && i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", d[i]);
    EVP_MD_CTX_free(md);
    return e;
}

/* Empties the directory open as dfd (closed here), then nothing else. */
static int rm_dir_fd(int dfd, int depth)
{
    if (depth > 256) {
        close(dfd);
        return ELOOP;
    }
    DIR *d = fdopendir(dfd);
    if (!d) {
        int e = errno;
        close(dfd);
        return e;
    }
    int e = 0;
    struct dirent *de;
    while (!e && (errno = 0, de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            e = errno == ENOENT ? 0 : errno;
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            int sub = openat(dirfd(d), de->d_name,
                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0) {
                e = errno;
                continue;
            }
            e = rm_dir_fd(sub, depth + 1);
            if (!e && unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) != 0 && errno != ENOENT)
                e = errno;
        } else if (unlinkat(dirfd(d), de->d_name, 0) != 0 && errno != ENOENT) {
            e = errno;
        }
    }
    if (!e && errno)
        e = errno;
    closedir(d);
    return e;
}

int hfl_fs_rm_r(const char *path, const char *root)
{
    char rroot[PATH_MAX], parent[PATH_MAX], rparent[PATH_MAX];
    if (!realpath(root, rroot))
        return errno;
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    if (n >= sizeof parent)
        return ENAMETOOLONG;
    memcpy(parent, path, n);
    parent[n] = '\0';
    char *slash = strrchr(parent, '/');
    const char *base = slash ? slash + 1 : parent;
    if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return EPERM;
    if (slash == parent)
        strcpy(rparent, "/");
    else {
        if (slash)
            *slash = '\0';
        if (!realpath(slash ? parent : ".", rparent))
            return errno == ENOENT ? 0 : errno;
    }
    size_t rl = strlen(rroot);
    if (strncmp(rparent, rroot, rl) != 0 || (rparent[rl] != '\0' && rparent[rl] != '/'))
        return EPERM;
    int pfd = open(rparent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pfd < 0)
        return errno;
    struct stat st;
    int e = 0;
    if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        e = errno == ENOENT ? 0 : errno;
    } else if (S_ISDIR(st.st_mode)) {
        int dfd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        e = dfd < 0 ? errno : rm_dir_fd(dfd, 0);
        if (!e && unlinkat(pfd, base, AT_REMOVEDIR) != 0 && errno != ENOENT)
            e = errno;
    } else if (unlinkat(pfd, base, 0) != 0 && errno != ENOENT) {
        e = errno;
    }
    close(pfd);
    return e;
}

int hfl_fs_mkdir_p(const char *path)
{
    char p[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof p)
        return n ? ENAMETOOLONG : ENOENT;
    memcpy(p, path, n + 1);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            return errno;
        *s = '/';
    }
    if (mkdir(p, 0755) != 0 && errno != EEXIST)
        return errno;
    struct stat st;
    if (stat(p, &st) != 0)
        return errno;
    return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
}

static int du_fd(int dfd, long long *bytes, int depth)
{
    if (depth > 256) {
        close(dfd);
        return ELOOP;
    }
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return errno;
    }
    struct dirent *de;
    int e = 0;
    while (!e && (de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISREG(st.st_mode))
            *bytes += st.st_size;
        else if (S_ISDIR(st.st_mode)) {
            int sub = openat(dirfd(d), de->d_name,
                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0)
                e = du_fd(sub, bytes, depth + 1);
        }
    }
    closedir(d);
    return e;
}

int hfl_fs_du(const char *path, long long *bytes)
{
    *bytes = 0;
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno;
    if (!S_ISDIR(st.st_mode)) {
        *bytes = S_ISREG(st.st_mode) ? st.st_size : 0;
        return 0;
    }
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    return fd < 0 ? errno : du_fd(fd, bytes, 0);
}

int hfl_fs_read(const char *path, size_t max, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    /* O_NONBLOCK: opening a FIFO nobody writes to must not wait for a writer */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return errno;
    struct stat st;
    if (fstat(fd, &st) != 0 || fcntl(fd, F_SETFL, 0) != 0) {
        int e = errno;
        close(fd);
        return e;
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return EISDIR;
    }
    if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > max) {
        close(fd);
        return EFBIG;
    }
    size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536;
    if (cap > max + 1)
        cap = max + 1;
    char *buf = malloc(cap + 1);
    if (!buf) {
        close(fd);
        return ENOMEM;
    }
    size_t n = 0;
    int e = 0;
    /* reads up to max + 1 bytes: the one past the bound tells "larger" from "exactly max" */
    while (n <= max) {
        if (n == cap) {
            size_t ncap = cap > (max + 1) / 2 ? max + 1 : cap * 2;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                e = ENOMEM;
                break;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            e = errno;
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (!e && n > max)
        e = EFBIG;
    if (e) {
        free(buf);
        return e;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

static int write_all(int fd, const char *data, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return errno;
        off += (size_t)w;
    }
    return 0;
}

int hfl_fs_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                        int durable, const char **step)
{
    *step = "cannot create a temporary file";
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp)
        return ENOMEM;
    /* the same directory, so the rename never crosses a file system; a unique name, so two
     * writers of one path never share a temp file */
    snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return e;
    }
    *step = "cannot write";
    int e = write_all(fd, data, len);
    if (!e && durable && fsync(fd) != 0 && errno != EINVAL)
        e = errno;
    if (!e && fchmod(fd, mode) != 0)
        e = errno;
    if (close(fd) != 0 && !e)
        e = errno;
    if (!e && rename(tmp, path) != 0)
        e = errno;
    if (e)
        unlink(tmp);
    free(tmp);
    return e;
}

static int cmp_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int dot_or_dotdot(const char *p)
{
    const char *s = strrchr(p, '/');
    s = s ? s + 1 : p;
    return strcmp(s, ".") == 0 || strcmp(s, "..") == 0;
}

int hfl_fs_glob(const char *pattern, char ***paths, size_t *n)
{
    *paths = NULL;
    *n = 0;
    glob_t g;
    int rc = glob(pattern, GLOB_PERIOD, NULL, &g);
    if (rc == GLOB_NOMATCH || rc == GLOB_ABORTED)
        return 0;
    if (rc != 0)
        return ENOMEM;
    char **out = calloc(g.gl_pathc + 1, sizeof *out);
    if (!out) {
        globfree(&g);
        return ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        if (dot_or_dotdot(g.gl_pathv[i]))
            continue;
        if (!(out[k] = strdup(g.gl_pathv[i]))) {
            globfree(&g);
            hfl_fs_glob_free(out, k);
            return ENOMEM;
        }
        k++;
    }
    globfree(&g);
    qsort(out, k, sizeof *out, cmp_paths);
    *paths = out;
    *n = k;
    return 0;
}

void hfl_fs_glob_free(char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}
