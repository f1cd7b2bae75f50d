/* Fuzz harness for chart archive extraction (c/archive.h): nothing ever lands outside the
 * destination.
 *
 * Each input is read as a list of tar entries: regular files, directories, symlinks and hard
 * links, with names and link targets made of a few components ("a", "l", "..", ".", "", …),
 * sometimes absolute. The tar is written with libarchive and extracted into base/x/y/dest.
 * Then, whatever the outcome:
 *  - base, base/x and base/x/y hold only what the harness put there (no entry escaped by a
 *    name, a link or a write through a link);
 *  - when extraction succeeded, every symlink under dest resolves (realpath) inside dest, and
 *    every regular file under dest is a file the archive wrote, 3 bytes or empty (no hard link
 *    to an outside file).
 * A broken invariant aborts.
 *
 * Two builds from this file:
 *  - libFuzzer, ASan and UBSan: bash spec/support/fuzz/build.sh → /tmp/hfl-fuzz/archive_fuzz;
 *    `make fuzz` runs it for a while.
 *  - standalone (-DHFL_FUZZ_STANDALONE, any cc): `archive_fuzz SECONDS [SEED]` feeds random
 *    inputs for SECONDS; spec/c/archive_fuzz_spec.lua runs it briefly in `make test`.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../../c/archive.h"

static const char *parts[] = {"a", "b", "l", "..", ".", "", "c/d", "x", "y", "dest", "t"};
#define NPARTS (sizeof parts / sizeof parts[0])

struct input {
    const uint8_t *p;
    size_t n;
};

static unsigned next(struct input *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

/* A path of 1–4 components from parts[], absolute when asked. */
static void make_path(struct input *in, char *out, size_t cap, int may_be_absolute)
{
    unsigned b = next(in);
    size_t len = 0;
    out[0] = '\0';
    if (may_be_absolute && (b & 0x80))
        len += (size_t)snprintf(out, cap, "/");
    int count = 1 + (int)(b & 3);
    for (int i = 0; i < count && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? "/" : "",
                                parts[next(in) % NPARTS]);
}

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "archive_fuzz: %s: %s\n", what, detail);
    abort();
}

/* Writes the tar described by the input to path; returns how many entries it holds. */
static int write_tar(struct input *in, const char *path)
{
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    if (archive_write_open_filename(a, path) != ARCHIVE_OK)
        die("cannot write the tar", archive_error_string(a));
    int n = 0;
    while (in->n > 0 && n < 24) {
        char name[256], target[256];
        unsigned kind = next(in) % 4;
        make_path(in, name, sizeof name, 1);
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, name);
        archive_entry_set_perm(e, 0644);
        if (kind == 0) {
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_size(e, 3);
        } else if (kind == 1) {
            archive_entry_set_filetype(e, AE_IFDIR);
        } else if (kind == 2) {
            make_path(in, target, sizeof target, 1);
            archive_entry_set_filetype(e, AE_IFLNK);
            archive_entry_set_symlink(e, target);
        } else {
            make_path(in, target, sizeof target, 1);
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_hardlink(e, target);
        }
        if (archive_write_header(a, e) == ARCHIVE_OK && kind == 0)
            archive_write_data(a, "hfl", 3);
        archive_entry_free(e);
        n++;
    }
    archive_write_close(a);
    archive_write_free(a);
    return n;
}

/* Aborts unless dir holds exactly the names in want (NULL-terminated). */
static void expect_only(const char *dir, const char *const *want)
{
    DIR *d = opendir(dir);
    if (!d)
        die("cannot list", dir);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        int ok = 0;
        for (const char *const *w = want; *w; w++)
            ok |= !strcmp(de->d_name, *w);
        if (!ok)
            die("an entry landed outside the destination", de->d_name);
    }
    closedir(d);
}

/* Checks every symlink and file under dir (depth-first, without following links). */
static void check_tree(const char *root, const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (!d || depth > 64)
        die("cannot walk", dir);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char path[PATH_MAX], real[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct stat st;
        if (lstat(path, &st) != 0)
            die("cannot stat", path);
        if (S_ISLNK(st.st_mode)) {
            size_t rl = strlen(root);
            if (!realpath(path, real) || strncmp(real, root, rl) != 0 ||
                (real[rl] != '\0' && real[rl] != '/'))
                die("a symlink leads outside the destination", path);
        } else if (S_ISDIR(st.st_mode)) {
            check_tree(root, path, depth + 1);
        } else if (S_ISREG(st.st_mode) && st.st_size != 3 && st.st_size != 0) {
            die("a file the archive did not write", path);
        }
    }
    closedir(d);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char base[] = "/tmp/hfl-archive-fuzz-XXXXXX";
    if (!mkdtemp(base))
        die("mkdtemp", base);
    char tar[PATH_MAX], x[PATH_MAX], y[PATH_MAX], dest[PATH_MAX];
    snprintf(tar, sizeof tar, "%s/in.tar", base);
    snprintf(x, sizeof x, "%s/x", base);
    snprintf(y, sizeof y, "%s/x/y", base);
    snprintf(dest, sizeof dest, "%s/x/y/dest", base);
    if (mkdir(x, 0755) || mkdir(y, 0755) || mkdir(dest, 0755))
        die("mkdir", dest);
    struct input in = {data, size};
    write_tar(&in, tar);
    char err[1024];
    struct hfl_archive_limits lim = {.max_size = 1 << 20, .max_files = 100};
    int rc = hfl_archive_extract(tar, dest, &lim, err, sizeof err);
    expect_only(base, (const char *const[]){"in.tar", "x", NULL});
    expect_only(x, (const char *const[]){"y", NULL});
    expect_only(y, (const char *const[]){"dest", NULL});
    if (rc == 0)
        check_tree(dest, dest, 0);
    else if (strchr(err, '\n') || !err[0])
        die("the error is not one line", err);
    if (nftw(base, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
        die("cannot clean up", base);
    return 0;
}

#ifdef HFL_FUZZ_STANDALONE
#include <time.h>

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 3;
    unsigned seed = argc > 2 ? (unsigned)atoi(argv[2]) : (unsigned)time(NULL);
    fprintf(stderr, "archive_fuzz: seed %u\n", seed);
    srand(seed);
    time_t end = time(NULL) + (time_t)seconds;
    long runs = 0;
    uint8_t buf[128];
    do {
        size_t n = (size_t)(rand() % (int)sizeof buf);
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)rand();
        LLVMFuzzerTestOneInput(buf, n);
        runs++;
    } while (time(NULL) < end);
    printf("archive_fuzz: %ld inputs, seed %u, no escape\n", runs, seed);
    return 0;
}
#endif
