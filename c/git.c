/* hfl git: fetch a ref with libgit2 and check it out into a plain work tree. libgit2 1.5 has
 * no shallow fetch, so the remote's branches and tags are fetched in full. */
#include "git.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

int hfl_git_init(void)
{
    return git_libgit2_init() < 0 ? -1 : 0;
}

static int fail(char *err, size_t errlen, const char *what, const char *url)
{
    const git_error *e = git_error_last();
    snprintf(err, errlen, "%s %s: %s", what, url, e && e->message ? e->message : "unknown error");
    return -1;
}

/* The object `ref` names after the fetch: remote branch, tag, then any revision (commit id). */
static git_object *lookup_ref(git_repository *repo, const char *ref)
{
    static const char *forms[] = {"refs/remotes/origin/%s", "refs/tags/%s", "%s"};
    char spec[1024];
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        int n = snprintf(spec, sizeof spec, forms[i], ref);
        if (n < 0 || (size_t)n >= sizeof spec)
            return NULL;
        git_object *obj = NULL;
        if (git_revparse_single(&obj, repo, spec) == 0) {
            git_object *commit = NULL;
            int rc = git_object_peel(&commit, obj, GIT_OBJECT_COMMIT);
            git_object_free(obj);
            if (rc == 0)
                return commit;
        }
    }
    return NULL;
}

/* Credentials: ssh-agent for SSH URLs, the user:password of an https URL; each kind tried
 * once so a refused credential ends the fetch instead of looping. */
struct cred_state {
    int tries;
};

static int credentials(git_credential **out, const char *url, const char *username_from_url,
                       unsigned int allowed, void *payload)
{
    struct cred_state *st = payload;
    if (st->tries++ > 0)
        return GIT_EUSER;
    if (allowed & GIT_CREDENTIAL_SSH_KEY)
        return git_credential_ssh_key_from_agent(out, username_from_url ? username_from_url : "git");
    if (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) {
        /* scheme://user:password@host/… */
        const char *p = strstr(url, "://");
        if (p) {
            p += 3;
            const char *at = strchr(p, '@');
            const char *slash = strchr(p, '/');
            const char *colon = strchr(p, ':');
            if (at && (!slash || at < slash) && colon && colon < at) {
                char user[256], pass[256];
                size_t ul = (size_t)(colon - p), pl = (size_t)(at - colon - 1);
                if (ul < sizeof user && pl < sizeof pass) {
                    memcpy(user, p, ul);
                    user[ul] = 0;
                    memcpy(pass, colon + 1, pl);
                    pass[pl] = 0;
                    return git_credential_userpass_plaintext_new(out, user, pass);
                }
            }
        }
    }
    return GIT_PASSTHROUGH;
}

int hfl_git_checkout(const char *url, const char *ref, const char *gitdir, const char *workdir,
                     char commit[41], char *err, size_t errlen)
{
    git_repository *repo = NULL;
    git_remote *remote = NULL;
    git_object *target = NULL;
    int rc = -1;

    git_repository_init_options io;
    git_repository_init_options_init(&io, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
    io.flags = GIT_REPOSITORY_INIT_MKPATH | GIT_REPOSITORY_INIT_NO_REINIT;
    io.workdir_path = workdir;
    if (git_repository_init_ext(&repo, gitdir, &io) < 0) {
        fail(err, errlen, "git init for", url);
        goto out;
    }
    if (git_remote_create_with_fetchspec(&remote, repo, "origin", url,
                                         "+refs/heads/*:refs/remotes/origin/*") < 0) {
        fail(err, errlen, "git remote", url);
        goto out;
    }
    char *specs[] = {"+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*",
                     "+HEAD:refs/remotes/origin/HEAD"};
    git_strarray refspecs = {specs, 3};
    git_fetch_options fo;
    git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
    fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL;
    struct cred_state cs = {0};
    fo.callbacks.credentials = credentials;
    fo.callbacks.payload = &cs;
    if (git_remote_fetch(remote, &refspecs, &fo, NULL) < 0) {
        fail(err, errlen, "git fetch", url);
        goto out;
    }
    target = lookup_ref(repo, ref && *ref ? ref : "HEAD");
    if (!target) {
        snprintf(err, errlen, "git fetch %s: no branch, tag or commit named \"%s\"", url,
                 ref && *ref ? ref : "HEAD");
        goto out;
    }
    git_checkout_options co;
    git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
    co.checkout_strategy = GIT_CHECKOUT_FORCE;
    if (git_checkout_tree(repo, target, &co) < 0) {
        fail(err, errlen, "git checkout of", url);
        goto out;
    }
    if (git_repository_set_head_detached(repo, git_object_id(target)) < 0) {
        fail(err, errlen, "git checkout of", url);
        goto out;
    }
    git_oid_tostr(commit, 41, git_object_id(target));
    rc = 0;
out:
    git_object_free(target);
    git_remote_free(remote);
    git_repository_free(repo);
    return rc;
}

struct hfl_git_job {
    char *url, *ref, *gitdir, *workdir;
    pthread_t thread;
    int joined;
    atomic_int done;
    int rc;
    char commit[41];
    char err[1024];
};

static void *job_main(void *arg)
{
    struct hfl_git_job *j = arg;
    j->rc = hfl_git_checkout(j->url, j->ref, j->gitdir, j->workdir, j->commit, j->err, sizeof j->err);
    atomic_store(&j->done, 1);
    return NULL;
}

static void job_strings_free(struct hfl_git_job *j)
{
    free(j->url);
    free(j->ref);
    free(j->gitdir);
    free(j->workdir);
}

int hfl_git_start(const char *url, const char *ref, const char *gitdir, const char *workdir,
                  struct hfl_git_job **out)
{
    struct hfl_git_job *j = calloc(1, sizeof *j);
    if (!j)
        return ENOMEM;
    j->url = strdup(url);
    j->ref = strdup(ref ? ref : "");
    j->gitdir = strdup(gitdir);
    j->workdir = strdup(workdir);
    if (!j->url || !j->ref || !j->gitdir || !j->workdir) {
        job_strings_free(j);
        free(j);
        return ENOMEM;
    }
    atomic_init(&j->done, 0);
    int e = pthread_create(&j->thread, NULL, job_main, j);
    if (e != 0) {
        job_strings_free(j);
        free(j);
        return e;
    }
    *out = j;
    return 0;
}

int hfl_git_done(struct hfl_git_job *job)
{
    return atomic_load(&job->done);
}

static void job_join(struct hfl_git_job *j)
{
    if (!j->joined) {
        pthread_join(j->thread, NULL);
        j->joined = 1;
    }
}

int hfl_git_result(struct hfl_git_job *job, char commit[41], char *err, size_t errlen)
{
    job_join(job);
    if (job->rc == 0)
        memcpy(commit, job->commit, 41);
    else
        snprintf(err, errlen, "%s", job->err);
    return job->rc;
}

void hfl_git_free(struct hfl_git_job *job)
{
    if (!job)
        return;
    job_join(job);
    job_strings_free(job);
    free(job);
}
