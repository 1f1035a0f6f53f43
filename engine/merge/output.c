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
 *   - SIGKILL or power loss: at worst the hidden staging folder remains,
 *     with no _SUCCESS; the next run refuses the folder (not empty) unless
 *     --force, which deletes stale staging folders.
 */
#include "merge/dc_merge.h"

#include <dirent.h>     /* opendir */
#include <errno.h>      /* errno */
#include <fcntl.h>      /* open */
#include <signal.h>     /* sig_atomic_t */
#include <stdlib.h>     /* free */
#include <string.h>     /* strlen, strncmp */
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

static void unlink_all_in(const char *dir)
{
    for (int pass = 0; pass < 8; pass++) {
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) return;
        int found = 0;
        char buf[4096] __attribute__((aligned(8)));
        for (;;) {
            long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
            if (n <= 0) break;
            for (long off = 0; off < n;) {
                struct dirent64_raw *d = (struct dirent64_raw *)(void *)(buf + off);
                if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..")) {
                    unlinkat(fd, d->d_name, 0);
                    found = 1;
                }
                off += d->d_reclen;
            }
        }
        close(fd);
        if (!found) return;
    }
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
    rmdir(g_stage);
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

/* Remove a folder and the plain files in it (a stale staging folder). */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char p[PATH_CAP];
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && join(p, dir, e->d_name) == 0)
            unlink(p);
    closedir(d);
    rmdir(dir);
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
    } else if (!run->opts.force) {
        DIR *d0 = opendir(outdir);
        if (!d0) return dc_seterr("cannot open %s: %s", outdir, strerror(errno));
        struct dirent *e0;
        int nonempty = 0;
        while (!nonempty && (e0 = readdir(d0))) nonempty = strcmp(e0->d_name, ".") && strcmp(e0->d_name, "..");
        closedir(d0);
        if (nonempty) return dc_seterr("output directory %s is not empty (use --force to write into it)", outdir);
    }
    /* A stale marker would vouch for files this run may replace. */
    dc_buf_t p = DC_BUF_INIT;
    dc_buf_printf(&p, "%s/_SUCCESS", outdir);
    if (unlink(p.p) != 0 && errno != ENOENT) {
        int rc = dc_seterr("cannot remove %s: %s", p.p, strerror(errno));
        dc_buf_free(&p);
        return rc;
    }
    /* Staging folders of earlier killed runs (only reachable with --force). */
    DIR *d = opendir(outdir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strncmp(e->d_name, ".dancu-run.", 11)) continue;
            dc_buf_clear(&p);
            dc_buf_printf(&p, "%s/%s", outdir, e->d_name);
            remove_tree(p.p);
        }
        closedir(d);
    }
    dc_buf_clear(&p);
    dc_buf_printf(&p, "%s/.dancu-run.%ld", outdir, (long)getpid());
    if (p.len + 64 >= PATH_CAP) {
        dc_buf_free(&p);
        return dc_seterr("output folder path too long");
    }
    remove_tree(p.p);
    if (mkdir(p.p, 0700) != 0) {
        int rc = dc_seterr("cannot create %s: %s", p.p, strerror(errno));
        dc_buf_free(&p);
        return rc;
    }
    dc_output_t *o = dc_xcalloc(1, sizeof *o);
    o->outdir = dc_xstrdup(outdir);
    o->stage = p.p;
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
    remove_tree(o->stage);
    g_stage_live = 0;
    for (int i = 0; i < MAX_STAGED; i++) g_ent[i].moving = 0;
    run->opts.outdir = o->orig;
    free(o->stage);
    free(o->outdir);
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
    if (rc == 0 && sync_dir(o->stage) != 0)
        rc = dc_seterr("cannot sync %s: %s", o->stage, strerror(errno));
    char from[PATH_CAP];
    for (int i = 0; i < n && rc == 0; i++)
        if (join(g_ent[i].final, o->outdir, names[i]) != 0) rc = dc_seterr("output path too long");
    if (rc == 0) test_delay();
    /* 2. move them into place: renames only */
    for (int i = 0; i < n && rc == 0; i++) {
        g_ent[i].moving = 1;
        if (join(from, o->stage, names[i]) != 0 || rename(from, g_ent[i].final) != 0)
            rc = dc_seterr("cannot rename %s to %s: %s", from, g_ent[i].final, strerror(errno));
    }
    if (rc == 0 && sync_dir(o->outdir) != 0)
        rc = dc_seterr("cannot sync %s: %s", o->outdir, strerror(errno));
    /* 3. the marker, last */
    if (rc == 0) {
        dc_buf_t p = DC_BUF_INIT, body = DC_BUF_INIT;
        dc_buf_printf(&p, "%s/_SUCCESS", o->outdir);
        if (p.len >= PATH_CAP) rc = dc_seterr("output path too long");
        memcpy(g_marker, p.p, DC_MIN(p.len + 1, (size_t)PATH_CAP));
        g_marker_live = 1;
        dc_buf_printf(&body, "dancu %s\n", DC_VERSION);
        for (int i = 0; i < n; i++) dc_buf_printf(&body, "%s\n", names[i]);
        dc_outfile_t *f = rc == 0 ? dc_outfile_open(p.p, 0) : NULL;
        if (!f) {
            rc = -1;
        } else if (dc_outfile_buf(f, &body) != 0) {
            dc_outfile_abort(f);
            rc = -1;
        } else if (dc_outfile_commit(f) != 0) {
            rc = -1;
        } else {
            test_delay_at("DANCU_TEST_MARKER_DELAY");   /* marker in place, commit not over */
        }
        dc_buf_free(&p);
        dc_buf_free(&body);
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
