/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * output.c - the outputs of a run appear all together, or not at all.
 *
 * DESIGN. dc_outfile makes each file atomic on its own; a run writes
 * several (citizens, links, review, rejects, report) and a reader must
 * never find some of them new and others missing or stale. So every
 * output is opened inside a hidden staging folder OUTDIR/.dancu-run.<pid>/
 * and committed there by its table as usual; dc_output_commit then renames
 * the staged files into OUTDIR one after the other (renames only: no data
 * is written at that point, so nothing can fail half-way through a file),
 * syncs OUTDIR and writes _SUCCESS last. The marker is removed when a run
 * starts, so "OUTDIR/_SUCCESS exists" means "every file in OUTDIR comes
 * from one complete run".
 *
 * dc_output_begin also points run->opts.outdir at the staging folder, so
 * that every stage writing "into OUTDIR" (links, review, model, rejects,
 * with dc_table_open or dc_outfile_open, committing when it likes) in fact
 * writes into the staging folder; dc_output_commit moves every visible
 * file found there, and restores run->opts.outdir.
 *
 * Failure paths:
 *   - an error before the commit: dc_output_abort removes the staging folder;
 *   - SIGINT/SIGTERM/SIGHUP: the CLI's handler calls dc_outfile_abort_all()
 *     (open temporaries) then dc_output_abort_all() (staged files, files
 *     already renamed by a commit in progress, the staging folder);
 *   - SIGKILL or power loss before the commit: the hidden staging folder
 *     remains, with no _SUCCESS; the next run refuses the folder (not
 *     empty) unless --force, which deletes stale staging folders (with
 *     --resume a folder holding only such folders counts as empty);
 *   - SIGKILL or power loss during the commit (the renames, then the
 *     marker's rename): some outputs may already be in OUTDIR, never
 *     _SUCCESS. The commit cannot be one rename: the outputs are files of
 *     OUTDIR itself, which may be a mount point or hold the user's files.
 *     The marker is staged (written and synced) before the renames so that
 *     the window is N+1 renames and one directory sync.
 *
 * Hostile folders. Everything is done relative to a descriptor of OUTDIR
 * opened once: a stale staging folder is removed only if it is a real
 * directory (lstat semantics, opened with O_NOFOLLOW and checked to be the
 * same inode) owned by this user, and only the regular files in it (what a
 * run stages); a symbolic link planted as OUTDIR/.dancu-run.N is never
 * followed. The descriptor also carries an exclusive flock(2) for the whole
 * run: a second run on the same OUTDIR, even with --force, is refused
 * instead of deleting the first one's live staging folder.
 */
#include "merge/dc_merge.h"

#include <dirent.h>     /* opendir */
#include <errno.h>      /* errno */
#include <fcntl.h>      /* open */
#include <signal.h>     /* sig_atomic_t */
#include <stdlib.h>     /* free */
#include <string.h>     /* strlen, strncmp */
#include <sys/file.h>   /* flock */
#include <sys/stat.h>   /* mkdir */
#include <sys/syscall.h> /* SYS_getdents64 */
#include <unistd.h>     /* unlink, rmdir, getpid, fsync, syscall */

#define MAX_STAGED 64
#define PATH_CAP 1024

typedef struct staged {
    dc_table_t *t;       /* open table, or NULL */
    dc_outfile_t *f;     /* open file, or NULL */
    char *base;          /* file name inside the folders */
} staged_t;

struct dc_output {
    char *outdir, *stage;
    const char *orig;    /* run->opts.outdir as given, restored at the end */
    int created;         /* OUTDIR did not exist: removed again on abort */
    int dfd;             /* OUTDIR, open and flock()ed for the run */
    dc_format_t fmt;
    int compress;
    staged_t ent[MAX_STAGED];
    int n;
};

/* What the signal handler may remove: fixed storage, no allocation.
 * g_ent lists the files being moved by a commit in progress. */
static struct {
    char final[PATH_CAP];
    volatile sig_atomic_t moving;   /* final file may exist */
} g_ent[MAX_STAGED];
static char g_stage[PATH_CAP];
static volatile sig_atomic_t g_stage_live;
/* the marker while a commit writes it: removed first by the handler, so
 * that no _SUCCESS is left beside removed files */
static char g_marker[PATH_CAP];
static volatile sig_atomic_t g_marker_live;
/* set once a commit is complete (every file and the marker in place) */
static volatile sig_atomic_t g_committed;

/* Remove every entry of `dir` with raw getdents64 (async-signal-safe: no
 * allocation, unlike opendir). Removing while listing may skip entries,
 * hence the passes. */
struct dirent64_raw {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* Remove the regular files of the folder open as `fd` (never following a
 * symbolic link: unlinkat removes the link itself, and anything that is not
 * a regular file is left alone). Async-signal-safe: raw getdents64, no
 * allocation, unlike opendir. Removing while listing may skip entries,
 * hence the passes. */
static void unlink_files_at(int fd)
{
    for (int pass = 0; pass < 8; pass++) {
        if (lseek(fd, 0, SEEK_SET) != 0) return;
        int found = 0;
        char buf[4096] __attribute__((aligned(8)));
        for (;;) {
            long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
            if (n <= 0) break;
            for (long off = 0; off < n;) {
                struct dirent64_raw *d = (struct dirent64_raw *)(void *)(buf + off);
                struct stat st;
                if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..") &&
                    fstatat(fd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
                    unlinkat(fd, d->d_name, 0) == 0)
                    found = 1;
                off += d->d_reclen;
            }
        }
        if (!found) return;
    }
}

/* The regular files of staging folder `dir` (a path), then the folder;
 * a symbolic link in its place is not followed (O_NOFOLLOW; rmdir fails on
 * it). Async-signal-safe. */
static void unlink_all_in(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return;
    unlink_files_at(fd);
    close(fd);
    rmdir(dir);
}

/* Remove the staging folder `name` of the folder open as `dfd` when it is
 * what a run leaves: a real directory owned by this user (checked without
 * following a link, then opened with O_NOFOLLOW and compared inode to
 * inode), its regular files, then the folder if that emptied it. Anything
 * else (a planted link, another user's folder) is left in place. */
static void remove_stage_at(int dfd, const char *name)
{
    struct stat st, st2;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
        return;
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return;
    if (fstat(fd, &st2) == 0 && st2.st_dev == st.st_dev && st2.st_ino == st.st_ino) unlink_files_at(fd);
    close(fd);
    unlinkat(dfd, name, AT_REMOVEDIR);
}

int dc_output_committed(void) { return g_committed != 0; }

void dc_output_abort_all(void)
{
    if (!g_stage_live) return;
    if (!g_committed) {
        if (g_marker_live) unlink(g_marker);
        for (int i = 0; i < MAX_STAGED; i++)
            if (g_ent[i].moving) unlink(g_ent[i].final);
    }
    unlink_all_in(g_stage);
}

static int join(char *dst, const char *dir, const char *base)
{
    size_t a = strlen(dir), b = strlen(base);
    if (a + 1 + b + 1 > PATH_CAP) return -1;
    memcpy(dst, dir, a);
    dst[a] = '/';
    memcpy(dst + a + 1, base, b + 1);
    return 0;
}

static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc == 0 || errno == EINVAL ? 0 : -1;
}

const char *dc_output_dir(const dc_run_t *run)
{
    return run->merge && run->merge->out ? run->merge->out->stage : NULL;
}

int dc_output_begin(dc_run_t *run)
{
    const char *outdir = run->opts.outdir;
    if (!outdir || !*outdir) return dc_seterr("no output folder given");
    if (!run->merge) run->merge = dc_xcalloc(1, sizeof *run->merge);
    if (run->merge->out) return dc_seterr("outputs of this run are already open");
    struct stat st;
    int created = 0;
    if (stat(outdir, &st) != 0) {
        if (mkdir(outdir, 0700) != 0) return dc_seterr("cannot create %s: %s", outdir, strerror(errno));
        created = 1;
    } else if (!S_ISDIR(st.st_mode)) {
        return dc_seterr("%s exists and is not a directory", outdir);
    }
    int dfd = open(outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return dc_seterr("cannot open %s: %s", outdir, strerror(errno));
    /* one writer per folder: held until the descriptor is closed (commit,
     * abort, or the process's end, whatever kills it) */
    if (flock(dfd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        if (e == EWOULDBLOCK) {
            close(dfd);
            if (created) rmdir(outdir);
            return dc_seterr("output directory %s is in use by another dancu run (locked); wait for it to end or "
                             "choose another folder", outdir);
        }
        /* a file system without flock (some network mounts): run unlocked */
        dc_log(1, "warning: cannot lock %s (%s): a concurrent run on it would not be refused", outdir, strerror(e));
    }
    int rc = 0;
    dc_buf_t p = DC_BUF_INIT;
    if (!created && !run->opts.force) {
        int fd2 = dup(dfd);
        DIR *d0 = fd2 >= 0 ? fdopendir(fd2) : NULL;
        if (!d0) {
            if (fd2 >= 0) close(fd2);
            rc = dc_seterr("cannot open %s: %s", outdir, strerror(errno));
            goto fail;
        }
        rewinddir(d0);   /* a dup shares the descriptor's offset */
        struct dirent *e0;
        int nonempty = 0;
        /* --resume: the staging folders of killed runs do not count (the
         * lock above shows that no live run owns them; they go below) */
        while (!nonempty && (e0 = readdir(d0)))
            nonempty = strcmp(e0->d_name, ".") && strcmp(e0->d_name, "..") &&
                       !(run->opts.resume && !strncmp(e0->d_name, ".dancu-run.", 11));
        closedir(d0);
        if (nonempty) {
            rc = dc_seterr("output directory %s is not empty (use --force to write into it)", outdir);
            goto fail;
        }
    }
    /* A stale marker would vouch for files this run may replace. */
    if (unlinkat(dfd, "_SUCCESS", 0) != 0 && errno != ENOENT) {
        rc = dc_seterr("cannot remove %s/_SUCCESS: %s", outdir, strerror(errno));
        goto fail;
    }
    /* Staging folders of earlier killed runs (only reachable with --force
     * or --resume),
     * removed without following links (remove_stage_at). */
    int fd3 = dup(dfd);
    DIR *d = fd3 >= 0 ? fdopendir(fd3) : NULL;
    if (d) {
        rewinddir(d);
        struct dirent *e;
        while ((e = readdir(d)))
            if (!strncmp(e->d_name, ".dancu-run.", 11)) remove_stage_at(dfd, e->d_name);
        closedir(d);
    } else if (fd3 >= 0) {
        close(fd3);
    }
    char name[64];
    snprintf(name, sizeof name, ".dancu-run.%ld", (long)getpid());
    dc_buf_printf(&p, "%s/%s", outdir, name);
    if (p.len + 64 >= PATH_CAP) {
        rc = dc_seterr("output folder path too long");
        goto fail;
    }
    if (mkdirat(dfd, name, 0700) != 0) {
        rc = dc_seterr("cannot create %s: %s%s", p.p, strerror(errno),
                       errno == EEXIST ? " (not a staging folder of this user: remove it by hand)" : "");
        goto fail;
    }
    dc_output_t *o = dc_xcalloc(1, sizeof *o);
    o->outdir = dc_xstrdup(outdir);
    o->stage = p.p;
    o->dfd = dfd;
    o->fmt = run->opts.jsonl ? DC_FMT_JSONL : DC_FMT_CSV;
    o->compress = run->opts.compress;
    o->created = created;
    memcpy(g_stage, o->stage, strlen(o->stage) + 1);
    for (int i = 0; i < MAX_STAGED; i++) g_ent[i].moving = 0;
    g_committed = 0;
    g_stage_live = 1;
    run->merge->out = o;
    o->orig = run->opts.outdir;
    run->opts.outdir = o->stage;
    return 0;
fail:
    dc_buf_free(&p);
    close(dfd);
    if (created) rmdir(outdir);
    return rc;
}

static staged_t *new_entry(dc_output_t *o, const char *base)
{
    if (o->n >= MAX_STAGED) {
        dc_seterr("too many output files");
        return NULL;
    }
    for (int i = 0; i < o->n; i++)
        if (!strcmp(o->ent[i].base, base)) {
            dc_seterr("output %s opened twice", base);
            return NULL;
        }
    staged_t *e = &o->ent[o->n++];
    memset(e, 0, sizeof *e);
    e->base = dc_xstrdup(base);
    return e;
}

static void drop_last(dc_output_t *o)
{
    free(o->ent[--o->n].base);
}

dc_table_t *dc_output_table(dc_run_t *run, const char *name, const char *const *cols, size_t ncols)
{
    dc_output_t *o = run->merge ? run->merge->out : NULL;
    if (!o) {
        dc_seterr("outputs not open (dc_output_begin)");
        return NULL;
    }
    dc_buf_t base = DC_BUF_INIT;
    dc_buf_printf(&base, "%s.%s%s", name, o->fmt == DC_FMT_JSONL ? "jsonl" : "csv",
                  o->compress ? ".zst" : "");
    staged_t *e = new_entry(o, base.p);
    dc_buf_free(&base);
    if (!e) return NULL;
    e->t = dc_table_open(o->stage, name, o->fmt, o->compress, cols, ncols);
    if (!e->t) drop_last(o);
    return e->t;
}

static dc_outfile_t *output_file(dc_run_t *run, const char *name, int compress)
{
    dc_output_t *o = run->merge ? run->merge->out : NULL;
    if (!o) {
        dc_seterr("outputs not open (dc_output_begin)");
        return NULL;
    }
    compress = compress && o->compress;
    dc_buf_t base = DC_BUF_INIT;
    dc_buf_printf(&base, "%s%s", name, compress ? ".zst" : "");
    staged_t *e = new_entry(o, base.p);
    dc_buf_free(&base);
    if (!e) return NULL;
    dc_buf_t path = DC_BUF_INIT;
    dc_buf_printf(&path, "%s/%s", o->stage, e->base);
    e->f = dc_outfile_open(path.p, compress ? DC_OUT_ZSTD : 0);
    dc_buf_free(&path);
    if (!e->f) {
        drop_last(o);
        return NULL;
    }
    return e->f;
}

dc_outfile_t *dc_output_file(dc_run_t *run, const char *name) { return output_file(run, name, 1); }

dc_outfile_t *dc_output_page(dc_run_t *run, const char *name) { return output_file(run, name, 0); }

static void output_free(dc_run_t *run)
{
    dc_output_t *o = run->merge->out;
    for (int i = 0; i < o->n; i++) {
        dc_table_abort(o->ent[i].t);
        dc_outfile_abort(o->ent[i].f);
        free(o->ent[i].base);
    }
    unlink_all_in(o->stage);
    g_stage_live = 0;
    for (int i = 0; i < MAX_STAGED; i++) g_ent[i].moving = 0;
    run->opts.outdir = o->orig;
    free(o->stage);
    free(o->outdir);
    close(o->dfd);   /* releases the lock */
    free(o);
    run->merge->out = NULL;
}

void dc_output_abort(dc_run_t *run)
{
    if (!run->merge || !run->merge->out) return;
    char *made = run->merge->out->created ? dc_xstrdup(run->merge->out->outdir) : NULL;
    output_free(run);
    if (made) rmdir(made);   /* only if still empty */
    free(made);
}

/* Test hook: DANCU_TEST_COMMIT_DELAY=<ms> sleeps before the renames so
 * that tests can kill a run whose files are all staged. */
/* Test hooks: sleep so that a test can deliver a signal at that point of
 * a commit (milliseconds from the environment variable). */
static void test_delay_at(const char *var)
{
    const char *s = getenv(var);
    if (s && *s) usleep((useconds_t)atoi(s) * 1000u);
}

static void test_delay(void) { test_delay_at("DANCU_TEST_COMMIT_DELAY"); }

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Visible files of the staging folder, sorted; a hidden entry left there
 * is an output some stage opened and never finished. */
static int list_staged(const dc_output_t *o, char ***names, int *n)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(o->stage);
    if (!d) return dc_seterr("cannot open %s: %s", o->stage, strerror(errno));
    struct dirent *e;
    size_t cap = 0;
    int rc = 0;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (e->d_name[0] == '.') {
            rc = dc_seterr("%s/%s: an output was left unfinished", o->stage, e->d_name);
            continue;
        }
        if (*n >= MAX_STAGED) {
            rc = dc_seterr("too many output files in %s", o->stage);
            break;
        }
        *names = dc_grow(*names, &cap, (size_t)*n + 1, sizeof **names);
        (*names)[(*n)++] = dc_xstrdup(e->d_name);
    }
    closedir(d);
    if (*n > 1) qsort(*names, (size_t)*n, sizeof **names, cmp_str);
    return rc;
}

int dc_output_commit(dc_run_t *run)
{
    dc_output_t *o = run->merge ? run->merge->out : NULL;
    if (!o) return dc_seterr("outputs not open (dc_output_begin)");
    int rc = 0;
    /* 1. finish every registered file inside the staging folder */
    for (int i = 0; i < o->n && rc == 0; i++) {
        staged_t *e = &o->ent[i];
        if (e->t) { rc = dc_table_commit(e->t); e->t = NULL; }
        else if (e->f) { rc = dc_outfile_commit(e->f); e->f = NULL; }
    }
    char **names = NULL;
    int n = 0;
    if (rc == 0) rc = list_staged(o, &names, &n);
    /* 2. the marker, staged too (its name is not in the listing) */
    char from[PATH_CAP], mfrom[PATH_CAP];
    if (rc == 0 && (join(g_marker, o->outdir, "_SUCCESS") != 0 || join(mfrom, o->stage, "_SUCCESS") != 0))
        rc = dc_seterr("output path too long");
    if (rc == 0) {
        dc_buf_t body = DC_BUF_INIT;
        dc_buf_printf(&body, "dancu %s\n", DC_VERSION);
        for (int i = 0; i < n; i++) dc_buf_printf(&body, "%s\n", names[i]);
        dc_outfile_t *f = dc_outfile_open(mfrom, 0);
        if (!f) {
            rc = -1;
        } else if (dc_outfile_buf(f, &body) != 0) {
            dc_outfile_abort(f);
            rc = -1;
        } else if (dc_outfile_commit(f) != 0) {
            rc = -1;
        }
        dc_buf_free(&body);
    }
    if (rc == 0 && sync_dir(o->stage) != 0)
        rc = dc_seterr("cannot sync %s: %s", o->stage, strerror(errno));
    for (int i = 0; i < n && rc == 0; i++)
        if (join(g_ent[i].final, o->outdir, names[i]) != 0) rc = dc_seterr("output path too long");
    if (rc == 0) test_delay();
    /* 3. move them into place: renames only (a test may pause between two) */
    for (int i = 0; i < n && rc == 0; i++) {
        g_ent[i].moving = 1;
        if (join(from, o->stage, names[i]) != 0 || rename(from, g_ent[i].final) != 0)
            rc = dc_seterr("cannot rename %s to %s: %s", from, g_ent[i].final, strerror(errno));
        if (i == 0) test_delay_at("DANCU_TEST_RENAME_DELAY");
    }
    if (rc == 0 && sync_dir(o->outdir) != 0)
        rc = dc_seterr("cannot sync %s: %s", o->outdir, strerror(errno));
    /* 4. the marker, last: one rename */
    if (rc == 0) {
        g_marker_live = 1;
        if (rename(mfrom, g_marker) != 0)
            rc = dc_seterr("cannot rename %s to %s: %s", mfrom, g_marker, strerror(errno));
        else if (sync_dir(o->outdir) != 0)
            rc = dc_seterr("cannot sync %s: %s", o->outdir, strerror(errno));
        else
            test_delay_at("DANCU_TEST_MARKER_DELAY");   /* marker in place, commit not over */
    }
    if (rc != 0) {
        /* roll back: no final file without the marker */
        if (g_marker_live) unlink(g_marker);
        for (int i = 0; i < n; i++) if (g_ent[i].moving) unlink(g_ent[i].final);
    } else {
        g_committed = 1;   /* before the flags below: a signal now leaves it all */
    }
    g_marker_live = 0;
    for (int i = 0; i < MAX_STAGED; i++) g_ent[i].moving = 0;
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
    output_free(run);
    return rc;
}
