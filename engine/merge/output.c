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
 * Failure paths:
 *   - an error before the commit: dc_output_abort removes the staging folder;
 *   - SIGINT/SIGTERM/SIGHUP: the CLI's handler calls dc_outfile_abort_all()
 *     (open temporaries) then dc_output_abort_all() (staged files, files
 *     already renamed by a commit in progress, the staging folder);
 *   - SIGKILL or power loss: at worst the hidden staging folder remains,
 *     with no _SUCCESS; the next run refuses the folder (not empty) unless
 *     --force, which deletes stale staging folders.
 */
#include "dc_merge.h"

#include <dirent.h>     /* opendir */
#include <errno.h>      /* errno */
#include <fcntl.h>      /* open */
#include <signal.h>     /* sig_atomic_t */
#include <stdlib.h>     /* free */
#include <string.h>     /* strlen, strncmp */
#include <sys/stat.h>   /* mkdir */
#include <unistd.h>     /* unlink, rmdir, getpid, fsync */

#define MAX_STAGED 64
#define PATH_CAP 1024

typedef struct staged {
    dc_table_t *t;       /* open table, or NULL */
    dc_outfile_t *f;     /* open file, or NULL */
    char *base;          /* file name inside the folders */
} staged_t;

struct dc_output {
    char *outdir, *stage;
    dc_format_t fmt;
    int compress;
    staged_t ent[MAX_STAGED];
    int n;
};

/* What the signal handler may remove: fixed storage, no allocation. */
static struct {
    char staged[PATH_CAP];
    char final[PATH_CAP];
    volatile sig_atomic_t live;     /* staged file exists */
    volatile sig_atomic_t moving;   /* final file may exist */
} g_ent[MAX_STAGED];
static char g_stage[PATH_CAP];
static volatile sig_atomic_t g_stage_live;

void dc_output_abort_all(void)
{
    if (!g_stage_live) return;
    for (int i = 0; i < MAX_STAGED; i++) {
        if (g_ent[i].moving) unlink(g_ent[i].final);
        if (g_ent[i].live || g_ent[i].moving) unlink(g_ent[i].staged);
    }
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
    if (stat(outdir, &st) != 0) {
        if (mkdir(outdir, 0700) != 0) return dc_seterr("cannot create %s: %s", outdir, strerror(errno));
    } else if (!S_ISDIR(st.st_mode)) {
        return dc_seterr("%s exists and is not a directory", outdir);
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
    memcpy(g_stage, o->stage, strlen(o->stage) + 1);
    for (int i = 0; i < MAX_STAGED; i++) g_ent[i].live = g_ent[i].moving = 0;
    g_stage_live = 1;
    run->merge->out = o;
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
    staged_t *e = &o->ent[o->n];
    memset(e, 0, sizeof *e);
    e->base = dc_xstrdup(base);
    int k = o->n;
    if (join(g_ent[k].staged, o->stage, base) || join(g_ent[k].final, o->outdir, base)) {
        free(e->base);
        dc_seterr("output path too long");
        return NULL;
    }
    g_ent[k].live = 1;
    o->n++;
    return e;
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
    if (!e->t) {
        g_ent[--o->n].live = 0;
        free(e->base);
        return NULL;
    }
    return e->t;
}

dc_outfile_t *dc_output_file(dc_run_t *run, const char *name)
{
    dc_output_t *o = run->merge ? run->merge->out : NULL;
    if (!o) {
        dc_seterr("outputs not open (dc_output_begin)");
        return NULL;
    }
    dc_buf_t base = DC_BUF_INIT;
    dc_buf_printf(&base, "%s%s", name, o->compress ? ".zst" : "");
    staged_t *e = new_entry(o, base.p);
    dc_buf_free(&base);
    if (!e) return NULL;
    dc_buf_t path = DC_BUF_INIT;
    dc_buf_printf(&path, "%s/%s", o->stage, e->base);
    e->f = dc_outfile_open(path.p, o->compress ? DC_OUT_ZSTD : 0);
    dc_buf_free(&path);
    if (!e->f) {
        g_ent[--o->n].live = 0;
        free(e->base);
        return NULL;
    }
    return e->f;
}

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
    for (int i = 0; i < MAX_STAGED; i++) g_ent[i].live = g_ent[i].moving = 0;
    free(o->stage);
    free(o->outdir);
    free(o);
    run->merge->out = NULL;
}

void dc_output_abort(dc_run_t *run)
{
    if (!run->merge || !run->merge->out) return;
    output_free(run);
}

/* Test hook: DANCU_TEST_COMMIT_DELAY=<ms> sleeps before the renames so
 * that tests can kill a run whose files are all staged. */
static void test_delay(void)
{
    const char *s = getenv("DANCU_TEST_COMMIT_DELAY");
    if (s && *s) usleep((useconds_t)atoi(s) * 1000u);
}

int dc_output_commit(dc_run_t *run)
{
    dc_output_t *o = run->merge ? run->merge->out : NULL;
    if (!o) return dc_seterr("outputs not open (dc_output_begin)");
    int rc = 0;
    /* 1. finish every file inside the staging folder */
    for (int i = 0; i < o->n && rc == 0; i++) {
        staged_t *e = &o->ent[i];
        if (e->t) { rc = dc_table_commit(e->t); e->t = NULL; }
        else if (e->f) { rc = dc_outfile_commit(e->f); e->f = NULL; }
    }
    if (rc == 0 && sync_dir(o->stage) != 0)
        rc = dc_seterr("cannot sync %s: %s", o->stage, strerror(errno));
    if (rc != 0) {
        output_free(run);
        return -1;
    }
    test_delay();
    /* 2. move them into place: renames only */
    int moved = 0;
    for (; moved < o->n; moved++) {
        g_ent[moved].moving = 1;
        if (rename(g_ent[moved].staged, g_ent[moved].final) != 0) {
            rc = dc_seterr("cannot rename %s to %s: %s", g_ent[moved].staged, g_ent[moved].final,
                           strerror(errno));
            break;
        }
        g_ent[moved].live = 0;
    }
    if (rc == 0 && sync_dir(o->outdir) != 0)
        rc = dc_seterr("cannot sync %s: %s", o->outdir, strerror(errno));
    /* 3. the marker, last */
    if (rc == 0) {
        dc_buf_t p = DC_BUF_INIT, body = DC_BUF_INIT;
        dc_buf_printf(&p, "%s/_SUCCESS", o->outdir);
        dc_buf_printf(&body, "dancu %s\n", DC_VERSION);
        for (int i = 0; i < o->n; i++) dc_buf_printf(&body, "%s\n", o->ent[i].base);
        dc_outfile_t *f = dc_outfile_open(p.p, 0);
        if (!f) {
            rc = -1;
        } else if (dc_outfile_buf(f, &body) != 0) {
            dc_outfile_abort(f);
            rc = -1;
        } else if (dc_outfile_commit(f) != 0) {
            rc = -1;
        }
        dc_buf_free(&p);
        dc_buf_free(&body);
    }
    if (rc != 0) {
        /* roll back: no final file without the marker */
        for (int i = 0; i < o->n; i++) if (g_ent[i].moving) unlink(g_ent[i].final);
        output_free(run);
        return -1;
    }
    for (int i = 0; i < MAX_STAGED; i++) g_ent[i].moving = 0;
    output_free(run);
    return 0;
}
