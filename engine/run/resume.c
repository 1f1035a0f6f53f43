/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * resume.c - `dancu run --resume`: the checkpoints of a run and resuming
 * from them (dc_run.h; docs/PERFORMANCE.md, "Resuming a run").
 *
 * DESIGN. A resumable run writes two checkpoints, each one generation of a
 * record store (engine/store, docs/STORE.md: the project's one on-disk
 * record format, written atomically, every file checksummed):
 *   1. after the load: the records and their strings as the store's
 *      sources and partitions (one source per input, in input order), and
 *      attachments "run-load" (the load's statistics per source, the stage
 *      timings so far, the record count per source, the size and hash of
 *      the rejects file) and, with declared extra columns, "run-extra"
 *      (their values, as text); the rejects rows themselves are a file
 *      beside the store, written by the loader as it goes (formatted as
 *      the output table holds them, so that no run holds them in memory)
 *      and copied from there into the output table;
 *   2. after clustering: attachments "run-match" (model, blocking and
 *      clustering statistics, weight histogram, thresholds as weights,
 *      stage timings) and the arrays the later stages read: the candidate
 *      pairs, their level patterns and weights, the refused links, the
 *      clusters (record -> cluster, offsets, members, probabilities,
 *      citizen keys), each in attachments of at most 8 MiB ("run-pairs.0",
 *      ...: compressing one takes a buffer of its size, bounded so at any
 *      scale). Arrays go in as they are held (no copy into one buffer):
 *      host byte order, so a checkpoint is read by the build and machine
 *      that wrote it (the fingerprint holds the program's hash).
 * The later stages (links, review, model.json, merge, citizens, report)
 * run as always on the restored state, so the outputs are the ones of an
 * uninterrupted run by construction; the term frequencies are rebuilt
 * from the records (deterministic) rather than stored.
 *
 * The folder: <tmp>/dancu-resume-<fingerprint, 32 hex digits> in
 * --tmp-dir, else $TMPDIR, else the output folder's parent, holding store/
 * (the record store) and rejects; folders mode 0700 (an existing one must
 * be this user's real directory with no group or other access: the name
 * is predictable), files 0600 (the store's, dc_outfile's). It is
 * flock()ed for the whole run: a second run with the same fingerprint is
 * refused rather than sharing it. The fingerprint is XXH3-128 of a text
 * that names everything that decides the outputs:
 *   - the dancu version, the checkpoint format, the sizes of the
 *     structures it holds, and the program file itself (XXH3 of
 *     /proc/self/exe: a rebuilt dancu, whose code may load or match
 *     differently, never resumes an older build's checkpoint);
 *   - the options that change outputs: --format, --compress,
 *     --csv-formulas, --scores, the thresholds (and whether given: the
 *     settings file's apply otherwise), --source-names, the load options
 *     (--delimiter, --encoding, --max-field, --map, the --mapping file's
 *     content), the normalization options (--ethnic-codes, --sex-one,
 *     --century-pivot, --ref-year), and the content of the settings
 *     (--rules, else the default rules), --model and --labels files;
 *   - each input (in canonical order): its source name, absolute path,
 *     device, inode, size, modification and status-change times (a file
 *     rewritten in place with its old mtime put back still changes ctime).
 * Options that do not change outputs are left out, so that they may
 * change between the killed run and its resumption: --threads,
 * --memory-limit, --out-of-core, --max-reject-rate (it only decides
 * whether the run goes on), -o, --force, --deliver, verbosity and
 * progress (--tmp-dir is where the folder is: it must stay). Every
 * attachment starts with a magic, its kind and the fingerprint: a
 * checkpoint of another run is never read as this one's.
 *
 * Validity: a checkpoint that cannot be read back whole (a damaged,
 * truncated, foreign or inconsistent file; the store checks every block)
 * is ignored with a log line and its stage runs again: a damaged load
 * checkpoint empties the folder (the cluster checkpoint depends on it), a
 * damaged cluster checkpoint is written again over the load's. The
 * rejects file is checked against run-load (size, XXH3 chained over 1 MiB
 * pieces) before anything is used, and copied once all is. Restoring
 * builds everything aside and only then hands it to the run, so a failure
 * half-way leaves nothing behind (out of core, the spilled records are
 * dropped with dc_spill_reset).
 *
 * Lifetime: the folder is removed when the run succeeds; on an error it
 * is kept when it holds a checkpoint (the error says so: the same command
 * resumes), else removed; a signal (the CLI's handler removes staged
 * outputs and the spill only) or a kill leaves it as it is. Folders of
 * other fingerprints are never used nor removed (another job's, maybe);
 * -v counts them. Without --resume nothing here runs and no checkpoint is
 * written.
 */
#include "run/dc_run.h"
#include "match/dc_match.h"
#include "normalize/dc_extra.h"
#include "store/dc_store.h"

#include <dirent.h>     /* opendir */
#include <errno.h>      /* errno */
#include <fcntl.h>      /* open */
#include <limits.h>     /* PATH_MAX */
#include <malloc.h>     /* malloc_trim */
#include <stdio.h>      /* snprintf */
#include <stdlib.h>     /* free, realpath */
#include <string.h>     /* memcpy */
#include <sys/file.h>   /* flock */
#include <sys/stat.h>   /* mkdir, lstat */
#include <unistd.h>     /* close, unlinkat */

#define RESUME_FORMAT 1
static const char MAGIC[8] = {'D', 'C', 'R', 'E', 'S', 'U', 'M', '1'};
enum { K_LOAD = 1, K_EXTRA, K_MATCH };   /* attachment kinds */

struct dc_resume {
    char dir[PATH_MAX];
    char sdir[PATH_MAX + 8];   /* dir/store: the record store */
    char rpath[PATH_MAX + 8];  /* dir/rejects: the load's rejects rows */
    int dfd;                   /* the folder, flock()ed for the run */
    dc_hash128_t fp;           /* the fingerprint */
    dc_store_t *store;
    int owned;                 /* checked private and locked: this run may remove it */
};

/* ------------------------------------------------------------ encoding */

static void w64(dc_buf_t *b, uint64_t v) { dc_buf_put(b, &v, 8); }
static void wf64(dc_buf_t *b, double v) { dc_buf_put(b, &v, 8); }
static void wstr(dc_buf_t *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    w64(b, n);
    dc_buf_put(b, s ? s : "", n);
}
static void whead(dc_buf_t *b, const dc_resume_t *rs, int kind)
{
    dc_buf_put(b, MAGIC, 8);
    w64(b, (uint64_t)kind);
    w64(b, rs->fp.hi);
    w64(b, rs->fp.lo);
}

/* A reader over an attachment: any read past its end marks it bad. */
typedef struct rd {
    const char *p;
    size_t n, at;
    int bad;
} rd_t;

static const void *rbytes(rd_t *r, uint64_t n)
{
    if (r->bad || n > r->n - r->at) {
        r->bad = 1;
        return NULL;
    }
    const void *p = r->p + r->at;
    r->at += (size_t)n;
    return p;
}
static uint64_t r64(rd_t *r)
{
    uint64_t v = 0;
    const void *p = rbytes(r, 8);
    if (p) memcpy(&v, p, 8);
    return v;
}
static double rf64(rd_t *r)
{
    double v = 0;
    const void *p = rbytes(r, 8);
    if (p) memcpy(&v, p, 8);
    return v;
}
static void rraw(rd_t *r, void *out, size_t n)
{
    const void *p = rbytes(r, n);
    if (p && n) memcpy(out, p, n);
}
static char *rstr(rd_t *r)
{
    uint64_t n = r64(r);
    const char *p = rbytes(r, n);
    return p ? dc_xstrndup(p, (size_t)n) : NULL;
}
/* A count of items of `size` bytes that the rest of the attachment can
 * hold (a damaged count is never allocated). */
static uint64_t rcount(rd_t *r, size_t size)
{
    uint64_t n = r64(r);
    if (!r->bad && size && n > (r->n - r->at) / size) r->bad = 1;
    return r->bad ? 0 : n;
}
static int rhead(rd_t *r, const dc_resume_t *rs, int kind)
{
    const void *m = rbytes(r, 8);
    return m && !memcmp(m, MAGIC, 8) && r64(r) == (uint64_t)kind && r64(r) == rs->fp.hi && r64(r) == rs->fp.lo &&
           !r->bad;
}

/* Attachment `name` of the checkpoint into `b`: 0, or -1 (missing or
 * damaged: dc_seterr). */
static int attachment(const dc_resume_t *rs, const char *name, dc_buf_t *b)
{
    int rc = dc_store_attachment(rs->store, name, b);
    return rc == 1 ? dc_seterr("attachment %s missing", name) : rc;
}

/* ------------------------------------------------------- the fingerprint */

/* The content of an option's file, by its hash ("none" without one). */
static void fp_file(dc_buf_t *b, const char *what, const char *path)
{
    if (!path) {
        dc_buf_printf(b, "%s none\n", what);
        return;
    }
    size_t n = 0;
    char *t = dc_read_file(path, &n, (size_t)1 << 32);
    dc_hash128_t h = t ? dc_hash128(t, n) : (dc_hash128_t){0, 0};
    dc_buf_printf(b, "%s %s %016llx%016llx\n", what, t ? "content" : "unreadable", (unsigned long long)h.hi,
                  (unsigned long long)h.lo);
    free(t);
}

static int fingerprint(const dc_run_t *run, const char *const *paths, size_t npaths, dc_hash128_t *out)
{
    const dc_run_opts_t *o = &run->opts;
    dc_buf_t b = DC_BUF_INIT;
    dc_buf_printf(&b, "dancu %s resume %d record %zu model %zu cluster-stats %zu rule-stats %zu\n", DC_VERSION,
                  RESUME_FORMAT, sizeof(dc_record_t), sizeof(dc_model_t), sizeof(dc_cluster_stats_t),
                  sizeof(dc_rule_stats_t));
    fp_file(&b, "program", "/proc/self/exe");   /* this very build: code changes between builds of one version */
    dc_buf_printf(&b, "outputs jsonl %d compress %d formulas %d scores %d naming %d\n", o->jsonl, o->compress,
                  dc_table_formula_guard, o->write_scores, (int)o->source_naming);
    dc_buf_printf(&b, "thresholds %.17g %d %.17g %d\n", o->match_threshold, o->match_threshold_given,
                  o->review_threshold, o->review_threshold_given);
    dc_buf_printf(&b, "load delimiter %d encoding %d max_field %zu\n", o->load.delimiter, (int)o->load.encoding,
                  o->load.max_field);
    for (size_t i = 0; o->load.mappings && o->load.mappings[i]; i++) {
        dc_buf_printf(&b, "map %zu ", strlen(o->load.mappings[i]));
        dc_buf_puts(&b, o->load.mappings[i]);
        dc_buf_putc(&b, '\n');
    }
    fp_file(&b, "mapping", o->load.mapping_file);
    dc_buf_printf(&b, "norm %d %d %d %d\n", o->norm.ethnic_codes, o->norm.sex_one, o->norm.century_pivot,
                  o->norm.ref_year);
    if (o->rules_file) fp_file(&b, "rules", o->rules_file);
    else dc_buf_printf(&b, "rules default %016llx\n", (unsigned long long)dc_hash64(dc_rules_default_text(),
                                                                                    strlen(dc_rules_default_text())));
    fp_file(&b, "model", o->model_in);
    fp_file(&b, "labels", o->labels_file);
    int rc = 0;
    for (size_t i = 0; i < npaths && rc == 0; i++) {
        struct stat st;
        char abs[PATH_MAX];
        if (!strcmp(paths[i], "-")) rc = dc_seterr("--resume: standard input cannot be resumed (give files)");
        else if (stat(paths[i], &st) != 0 || !realpath(paths[i], abs))
            rc = dc_seterr("input %s: %s", paths[i], strerror(errno));
        else {
            const char *name = o->load.source_names ? o->load.source_names[i] : paths[i];
            dc_buf_printf(&b, "input %zu %zu ", strlen(name), strlen(abs));
            dc_buf_puts(&b, name);
            dc_buf_putc(&b, ' ');
            dc_buf_puts(&b, abs);
            dc_buf_printf(&b, " dev %llu ino %llu size %llu mtime %lld.%09ld ctime %lld.%09ld\n",
                          (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
                          (unsigned long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                          (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
        }
    }
    *out = dc_hash128(b.p, b.len);
    dc_buf_free(&b);
    return rc;
}

/* ------------------------------------------------------------ the folder */

/* Remove what folder `dfd` holds: its files and, at depth 0, its
 * folders with their files (the store's; nothing deeper is made). Links
 * are removed, never followed. */
static void empty_at(int dfd, int depth)
{
    int fd = dup(dfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0) close(fd);
        return;
    }
    rewinddir(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || unlinkat(dfd, e->d_name, 0) == 0 || depth)
            continue;
        int sub = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) continue;
        empty_at(sub, depth + 1);
        close(sub);
        unlinkat(dfd, e->d_name, AT_REMOVEDIR);
    }
    closedir(d);
}

static void empty_folder(dc_resume_t *rs) { empty_at(rs->dfd, 0); }

static int open_store(dc_resume_t *rs)
{
    dc_store_opts_t so = {0, 0, 1};   /* zstd level 1: a checkpoint is written once, read at most once */
    if (mkdir(rs->sdir, 0700) != 0 && errno != EEXIST) return dc_seterr("checkpoint folder %s: %s", rs->sdir, strerror(errno));
    return dc_store_open(rs->sdir, DC_STORE_CREATE, &so, &rs->store);
}

/* Start again from an empty folder (a damaged or foreign checkpoint). */
static int wipe(dc_resume_t *rs)
{
    dc_store_close(rs->store);
    rs->store = NULL;
    empty_folder(rs);
    return open_store(rs);
}

/* Checkpoint folders of other fingerprints in `base` (changed inputs or
 * options): never used, never removed by this run, but they hold records:
 * said once. */
static void note_others(const char *base, const char *mine)
{
    DIR *d = opendir(base);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d))) n += !strncmp(e->d_name, "dancu-resume-", 13) && strcmp(e->d_name, mine);
    if (d) closedir(d);
    if (n)
        dc_log(1, "resume: %d checkpoint folder%s of other inputs or options in %s (dancu-resume-*): not used; "
                  "remove %s when that run will not be resumed",
               n, n > 1 ? "s" : "", base, n > 1 ? "them" : "it");
}

int dc_resume_open(dc_run_t *run, const char *const *paths, size_t npaths)
{
    dc_resume_t *rs = dc_xcalloc(1, sizeof *rs);
    rs->dfd = -1;
    run->resume = rs;
    if (fingerprint(run, paths, npaths, &rs->fp)) return -1;
    char base[PATH_MAX];
    dc_run_tmp_base(run, base, sizeof base);
    int n = snprintf(rs->dir, sizeof rs->dir, "%s/dancu-resume-%016llx%016llx", base, (unsigned long long)rs->fp.hi,
                     (unsigned long long)rs->fp.lo);
    if (n < 0 || (size_t)n >= sizeof rs->dir - 32) return dc_seterr("temporary folder %s: path too long", base);
    snprintf(rs->sdir, sizeof rs->sdir, "%s/store", rs->dir);
    snprintf(rs->rpath, sizeof rs->rpath, "%s/rejects", rs->dir);
    int created = mkdir(rs->dir, 0700) == 0;
    if (!created && errno != EEXIST) return dc_seterr("checkpoint folder %s: %s (--tmp-dir)", rs->dir, strerror(errno));
    struct stat ls, fs;
    rs->dfd = open(rs->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (rs->dfd < 0 || lstat(rs->dir, &ls) != 0 || fstat(rs->dfd, &fs) != 0)
        return dc_seterr("checkpoint folder %s: %s", rs->dir, strerror(errno));
    if (!S_ISDIR(ls.st_mode) || ls.st_ino != fs.st_ino || ls.st_dev != fs.st_dev || fs.st_uid != geteuid() ||
        (fs.st_mode & 077))
        return dc_seterr("checkpoint folder %s is not private (another user's, a link, or open to others): "
                         "refused; remove it or choose another --tmp-dir",
                         rs->dir);
    if (flock(rs->dfd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            return dc_seterr("checkpoint folder %s is in use by another run with the same inputs and options",
                             rs->dir);
        dc_log(1, "warning: cannot lock %s (%s): a concurrent run would not be refused", rs->dir, strerror(errno));
    }
    rs->owned = 1;
    if (open_store(rs)) {
        dc_log(1, "resume: the checkpoint in %s cannot be read (%s): ignored, the run starts from the beginning",
               rs->dir, dc_geterr());
        if (wipe(rs)) return -1;
    }
    if (dc_store_generation(rs->store) == 0)
        dc_log(1, "resume: no checkpoint yet; checkpoints go to %s", rs->dir);
    note_others(base, strrchr(rs->dir, '/') + 1);
    return 0;
}

static void remove_folder(dc_resume_t *rs)
{
    dc_store_close(rs->store);
    rs->store = NULL;
    empty_folder(rs);
    rmdir(rs->dir);
}

void dc_resume_finish(dc_run_t *run, int rc)
{
    dc_resume_t *rs = run->resume;
    if (!rs || !rs->owned) return;   /* refused: not this run's to remove */
    if (rc == 0 || !rs->store || dc_store_generation(rs->store) == 0) {
        remove_folder(rs);
        return;
    }
    char err[1024];
    snprintf(err, sizeof err, "%s", dc_geterr());
    dc_seterr("%s (the checkpoints in %s are kept: the same command with --resume resumes the run)", err, rs->dir);
}

void dc_resume_close(dc_run_t *run)
{
    dc_resume_t *rs = run->resume;
    if (!rs) return;
    dc_store_close(rs->store);
    if (rs->dfd >= 0) close(rs->dfd);   /* releases the lock */
    free(rs);
    run->resume = NULL;
}

/* ----------------------------------------------------------- stage times */

/* The stages a checkpoint may hold, by name (run->stages keeps literals). */
static const char *const STAGE_NAMES[] = {"load", "block", "compare", "estimate", "score", "cluster"};

static void put_stages(dc_buf_t *b, const dc_run_t *run)
{
    w64(b, (uint64_t)run->nstages);
    for (int s = 0; s < run->nstages; s++) {
        wstr(b, run->stages[s].name);
        wf64(b, run->stages[s].seconds);
        w64(b, run->stages[s].rows);
        w64(b, run->stages[s].peak_rss);
    }
}

static int get_stages(rd_t *r, dc_stage_t *st, int *n)
{
    uint64_t k = r64(r);
    if (k > DC_MAX_STAGES) r->bad = 1;
    for (uint64_t s = 0; s < k && !r->bad; s++) {
        char *name = rstr(r);
        st[s].name = NULL;
        for (size_t i = 0; name && i < DC_ARRAY_LEN(STAGE_NAMES); i++)
            if (!strcmp(name, STAGE_NAMES[i])) st[s].name = STAGE_NAMES[i];
        free(name);
        if (!st[s].name) r->bad = 1;
        st[s].seconds = rf64(r);
        st[s].rows = r64(r);
        st[s].peak_rss = (size_t)r64(r);
    }
    *n = (int)k;
    return r->bad ? -1 : 0;
}

/* --------------------------------------------------- the load checkpoint */

static void put_source(dc_buf_t *b, const dc_source_info_t *S)
{
    w64(b, S->index);
    wstr(b, S->name);
    w64(b, (uint64_t)S->id_is_line);
    wstr(b, S->compression);
    w64(b, (uint64_t)S->encoding);
    wf64(b, S->encoding_confidence);
    w64(b, (uint64_t)(unsigned char)S->delimiter);
    w64(b, (uint64_t)S->has_bom);
    w64(b, (uint64_t)S->crlf);
    w64(b, S->ncols);
    for (uint32_t c = 0; c < S->ncols; c++) {
        wstr(b, S->col_names[c]);
        w64(b, (uint64_t)(int64_t)S->col_field[c]);
    }
    w64(b, S->nextra);
    for (uint32_t e = 0; e < S->nextra; e++) wstr(b, S->extra_names[e]);
    w64(b, S->rows_in);
    w64(b, S->rows_ok);
    for (int k = 0; k < DC_REJ__COUNT; k++) w64(b, S->rejected[k]);
    w64(b, S->bytes_in);
    w64(b, S->blank_lines);
    w64(b, S->raw_bytes);
    w64(b, S->header_lines);
    w64(b, (uint64_t)S->cr_only);
    w64(b, (uint64_t)S->header_by_position);
}

static void get_source(rd_t *r, dc_source_info_t *S, const char *const *paths, size_t npaths)
{
    static const char *const COMPRESSION[] = {"none", "zstd", "gzip"};
    uint64_t index = r64(r);
    S->index = (uint32_t)index;
    S->path = index < npaths ? paths[index] : NULL;
    S->name = rstr(r);
    S->id_is_line = (int)r64(r);
    char *comp = rstr(r);
    S->compression = NULL;
    for (size_t i = 0; comp && i < DC_ARRAY_LEN(COMPRESSION); i++)
        if (!strcmp(comp, COMPRESSION[i])) S->compression = COMPRESSION[i];
    free(comp);
    uint64_t enc = r64(r);
    S->encoding = (dc_encoding_t)enc;
    S->encoding_confidence = rf64(r);
    S->delimiter = (char)r64(r);
    S->has_bom = (int)r64(r);
    S->crlf = (int)r64(r);
    S->ncols = (uint32_t)rcount(r, 16);
    S->col_names = dc_xcalloc(S->ncols ? S->ncols : 1, sizeof *S->col_names);
    S->col_field = dc_xcalloc(S->ncols ? S->ncols : 1, sizeof *S->col_field);
    for (uint32_t c = 0; c < S->ncols && !r->bad; c++) {
        S->col_names[c] = rstr(r);
        S->col_field[c] = (int)(int64_t)r64(r);
    }
    S->nextra = (uint32_t)rcount(r, 8);
    S->extra_names = dc_xcalloc(S->nextra ? S->nextra : 1, sizeof *S->extra_names);
    for (uint32_t e = 0; e < S->nextra && !r->bad; e++) S->extra_names[e] = rstr(r);
    S->rows_in = r64(r);
    S->rows_ok = r64(r);
    for (int k = 0; k < DC_REJ__COUNT; k++) S->rejected[k] = r64(r);
    S->bytes_in = r64(r);
    S->blank_lines = r64(r);
    S->raw_bytes = r64(r);
    S->header_lines = r64(r);
    S->cr_only = (int)r64(r);
    S->header_by_position = (int)r64(r);
    if (!S->path || !S->name || !S->compression || enc >= DC_ENC__COUNT) r->bad = 1;
}

/* The values of the declared extra columns, as text (ids of run->in). */
static void put_extra(dc_buf_t *b, const dc_run_t *run, size_t nx)
{
    for (size_t i = 0; i < run->nrec * nx; i++) {
        size_t len = 0;
        const char *s = run->xvals[i] ? dc_intern_str(run->in, run->xvals[i], &len) : "";
        uint32_t l = (uint32_t)len + (run->xvals[i] != 0);   /* 0: missing, else length + 1 */
        dc_buf_put(b, &l, 4);
        dc_buf_put(b, s, len);
    }
}

static uint32_t *get_extra(rd_t *r, dc_intern_t *in, size_t n)
{
    uint32_t *xv = dc_xcalloc(n ? n : 1, sizeof *xv);
    for (size_t i = 0; i < n && !r->bad; i++) {
        uint32_t l = 0;
        rraw(r, &l, 4);
        const char *s = l ? rbytes(r, l - 1) : NULL;
        if (s) xv[i] = dc_intern(in, s, l - 1);
    }
    if (r->bad || r->at != r->n) {
        free(xv);
        return NULL;
    }
    return xv;
}

/* The rejects file, a piece at a time (its rows are held in memory by
 * nobody): its size and XXH3-64 chained over its 1 MiB pieces; with `to`,
 * its rows (after a CSV header line) are appended to that table through
 * the memory table `mem`, and `rows` added to its count. */
#define REJ_PIECE ((size_t)1 << 20)
static int rejects_pass(const char *path, int csv, dc_table_t *mem, dc_table_t *to, uint64_t rows, uint64_t *size,
                        uint64_t *hash)
{
    FILE *f = fopen(path, "rb");
    if (!f) return dc_seterr("%s: %s", path, strerror(errno));
    char *buf = dc_xmalloc(REJ_PIECE);
    uint64_t h = 0, n = 0;
    int rc = 0, header = csv;
    size_t got;
    while (rc == 0 && (got = fread(buf, 1, REJ_PIECE, f)) > 0) {
        h = dc_hash64_seed(buf, got, h);
        n += got;
        if (!to) continue;
        size_t skip = 0;
        if (header) {
            const char *nl = memchr(buf, '\n', got);
            skip = nl ? (size_t)(nl - buf) + 1 : got;
            header = !nl;
        }
        dc_table_mem_put(mem, buf + skip, got - skip, 0);
        rc = dc_table_append(to, mem);
    }
    if (rc == 0 && ferror(f)) rc = dc_seterr("%s: read error", path);
    if (rc == 0 && to) {
        dc_table_mem_put(mem, "", 0, rows);
        rc = dc_table_append(to, mem);
    }
    fclose(f);
    free(buf);
    *size = n;
    *hash = h;
    return rc;
}

/* The sources' records, written on the run's threads: one writer per
 * source (begun in source order, which is the generation's), put and
 * ended by whichever thread takes it (dc_store.h allows writers of
 * different sources at once). */
typedef struct {
    dc_store_writer_t **w;
    const dc_record_t *recs;
    const size_t *first;
    const uint64_t *count;
    const dc_intern_t *in;
    _Atomic int failed;
    char err[256];
} wjob_t;

static void write_source(void *ctx, size_t s, int tid)
{
    DC_UNUSED(tid);
    wjob_t *j = ctx;
    int rc = j->failed ? -1 : dc_store_writer_put(j->w[s], j->recs + j->first[s], (size_t)j->count[s], j->in);
    if (rc == 0) rc = dc_store_writer_end(j->w[s]);
    else dc_store_writer_abort(j->w[s]);
    j->w[s] = NULL;
    if (rc && !j->failed++) snprintf(j->err, sizeof j->err, "%s", dc_geterr());
}

static int write_sources(dc_run_t *run, dc_store_txn_t *t, const uint64_t *count)
{
    const dc_load_stats_t *L = &run->load;
    size_t n = L->nsources;
    dc_store_writer_t **w = dc_xcalloc(n ? n : 1, sizeof *w);
    size_t *first = dc_xcalloc(n ? n : 1, sizeof *first);
    int rc = 0;
    for (size_t s = 0, at = 0; s < n && rc == 0; at += (size_t)count[s], s++) {
        first[s] = at;
        rc = dc_store_writer_begin(t, L->sources[s].name, 0, &w[s]);
    }
    wjob_t j = {w, run->recs, first, count, run->in, rc != 0, ""};
    dc_parallel_for(run->opts.nthreads, n, 1, write_source, &j);   /* ends or aborts every writer begun */
    free(w);
    free(first);
    return rc ? -1 : j.failed ? dc_seterr("%s", j.err) : 0;
}

/* Write the load checkpoint: generation 1 of an empty store. */
static int save_load(dc_run_t *run, uint64_t rejsize, uint64_t rejhash, uint64_t rejrows)
{
    dc_resume_t *rs = run->resume;
    const dc_load_stats_t *L = &run->load;
    /* records are in input order: each source's are contiguous */
    uint64_t *count = dc_xcalloc(L->nsources ? L->nsources : 1, sizeof *count);
    int rc = 0;
    for (size_t i = 0; i < run->nrec && rc == 0; i++) {
        uint32_t s = run->recs[i].source;
        if (s >= L->nsources || (i && s < run->recs[i - 1].source)) rc = dc_seterr("records out of source order");
        else count[s]++;
    }
    dc_store_txn_t *t = NULL;
    if (rc == 0) rc = dc_store_begin(rs->store, &t);
    if (rc == 0) rc = write_sources(run, t, count);
    dc_buf_t b = DC_BUF_INIT;
    if (rc == 0) {
        size_t nx = (size_t)dc_extra_count();
        whead(&b, rs, K_LOAD);
        w64(&b, run->nrec);
        w64(&b, nx);
        w64(&b, L->nsources);
        for (uint32_t s = 0; s < L->nsources; s++) {
            put_source(&b, &L->sources[s]);
            w64(&b, count[s]);
        }
        w64(&b, L->rows_in);
        w64(&b, L->rows_ok);
        w64(&b, L->rows_rejected);
        w64(&b, L->bytes_in);
        wf64(&b, L->seconds);
        w64(&b, rejrows);
        w64(&b, rejsize);
        w64(&b, rejhash);
        put_stages(&b, run);
        rc = dc_store_txn_attach(t, "run-load", b.p, b.len);
        if (rc == 0 && nx) {
            dc_buf_clear(&b);
            whead(&b, rs, K_EXTRA);
            put_extra(&b, run, nx);
            rc = dc_store_txn_attach(t, "run-extra", b.p, b.len);
        }
    }
    dc_buf_free(&b);
    free(count);
    if (rc == 0) rc = dc_store_commit(t);
    else dc_store_abort(t);
    malloc_trim(0);   /* the writers' buffers, freed into the workers' arenas */
    return rc;
}

/* Records of the checkpoint's partitions: in memory, read on the run's
 * threads straight into their places; out of core, appended to the spill
 * in order, a piece at a time. */
typedef struct {
    const dc_store_t *st;
    dc_intern_t *in;
    dc_record_t *recs;
    _Atomic int failed;
    char err[256];
} rjob_t;

static void read_part(void *ctx, size_t k, int tid)
{
    DC_UNUSED(tid);
    rjob_t *j = ctx;
    dc_store_part_t *p;
    int rc = j->failed ? -1 : dc_store_part_open(j->st, (uint32_t)k, j->in, &p);
    if (rc == 0) {
        rc = dc_store_part_read(p, 0, dc_store_part_nrec(p), j->recs + dc_store_partition(j->st, (uint32_t)k)->first_row);
        dc_store_part_close(p);
    }
    if (rc && !j->failed++) snprintf(j->err, sizeof j->err, "%s", dc_geterr());
}

static int read_records(dc_run_t *run, dc_store_t *st, size_t nrec, dc_record_t **out)
{
    uint32_t np = dc_store_npartitions(st);
    if (!run->spill) {
        rjob_t j = {st, run->in, dc_xmalloc((nrec ? nrec : 1) * sizeof(dc_record_t)), 0, ""};
        dc_parallel_for(run->opts.nthreads, np, 1, read_part, &j);
        if (j.failed) {
            free(j.recs);
            return dc_seterr("%s", j.err);
        }
        *out = j.recs;
        return 0;
    }
    enum { PIECE = 16384 };
    dc_record_t *buf = dc_xmalloc(PIECE * sizeof *buf);
    int rc = 0;
    for (uint32_t k = 0; k < np && rc == 0; k++) {
        dc_store_part_t *p = NULL;
        rc = dc_store_part_open(st, k, run->in, &p);
        for (uint32_t lo = 0, n = rc ? 0 : dc_store_part_nrec(p); lo < n && rc == 0; lo += PIECE) {
            uint32_t m = DC_MIN(n - lo, (uint32_t)PIECE);
            rc = dc_store_part_read(p, lo, m, buf);
            if (rc == 0) rc = dc_spill_put(run, buf, m);
        }
        if (p) dc_store_part_close(p);
    }
    free(buf);
    if (rc) {
        char err[512];
        snprintf(err, sizeof err, "%s", dc_geterr());
        dc_spill_reset(run);
        return dc_seterr("%s", err);
    }
    *out = NULL;
    return 0;
}

/* Restore the load from the checkpoint: 0, or -1 (dc_seterr: why it is
 * not valid) with the run untouched. */
static int restore_load(dc_run_t *run, const char *const *paths, size_t npaths, uint64_t *rej)
{
    dc_resume_t *rs = run->resume;
    dc_store_t *st = rs->store;
    dc_buf_t b = DC_BUF_INIT, xb = DC_BUF_INIT;
    dc_load_stats_t L = {0};
    dc_stage_t stages[DC_MAX_STAGES] = {{0}};
    int nstages = 0;
    size_t nx = (size_t)dc_extra_count();
    uint64_t nrec = 0, rejrows = 0, rejsize = 0, rejhash = 0;
    int rc = attachment(rs, "run-load", &b);
    rd_t r = {b.p, b.len, 0, 0};
    if (rc == 0 && (!rhead(&r, rs, K_LOAD) || (nrec = r64(&r), r64(&r) != nx)))
        rc = dc_seterr("run-load is not this run's");
    if (rc == 0) {
        L.nsources = (uint32_t)rcount(&r, 8);
        L.sources = dc_xcalloc(L.nsources ? L.nsources : 1, sizeof *L.sources);
        if (L.nsources != dc_store_nsources(st) || L.nsources != npaths) r.bad = 1;
        for (uint32_t s = 0; s < L.nsources && !r.bad; s++) {
            get_source(&r, &L.sources[s], paths, npaths);
            uint64_t n = r64(&r);
            const dc_store_source_t *x = dc_store_source(st, s);
            if (r.bad || strcmp(x->name, L.sources[s].name) || x->rows != n) r.bad = 1;
        }
        L.rows_in = r64(&r);
        L.rows_ok = r64(&r);
        L.rows_rejected = r64(&r);
        L.bytes_in = r64(&r);
        L.seconds = rf64(&r);
        rejrows = r64(&r);
        rejsize = r64(&r);
        rejhash = r64(&r);
        if (get_stages(&r, stages, &nstages) || r.at != r.n || nrec != dc_store_nrecords(st) || nrec >= UINT32_MAX)
            rc = dc_seterr("run-load is damaged");
    }
    uint64_t size = 0, hash = 0;
    if (rc == 0 && (rc = rejects_pass(rs->rpath, !run->opts.jsonl, NULL, NULL, 0, &size, &hash)) == 0 &&
        (size != rejsize || hash != rejhash))
        rc = dc_seterr("%s is damaged (%s)", rs->rpath, size != rejsize ? "its size" : "checksum mismatch");
    if (rc == 0 && nx) rc = attachment(rs, "run-extra", &xb);
    rd_t xr = {xb.p, xb.len, 0, 0};
    if (rc == 0 && nx && !rhead(&xr, rs, K_EXTRA)) rc = dc_seterr("run-extra is not this run's");
    uint32_t *xv = NULL;
    if (rc == 0 && nx && !(xv = get_extra(&xr, run->in, (size_t)nrec * nx))) rc = dc_seterr("run-extra is damaged");
    dc_record_t *recs = NULL;
    if (rc == 0) rc = read_records(run, st, (size_t)nrec, &recs);
    if (rc == 0 && run->spill) {
        run->nrec = (size_t)nrec;
        rc = dc_spill_map(run);
        if (rc) {
            run->nrec = 0;
            dc_spill_reset(run);
        }
    }
    if (rc) {
        free(xv);
        dc_load_stats_free(&L);
    } else {   /* valid: the run takes it all */
        if (!run->spill) {
            run->recs = recs;
            run->reccap = run->nrec = (size_t)nrec;
        }
        run->xvals = xv;
        run->xcap = xv ? (size_t)nrec * nx : 0;
        dc_load_stats_free(&run->load);
        run->load = L;
        memcpy(run->stages, stages, sizeof stages);
        run->nstages = nstages;
        rej[0] = rejrows, rej[1] = rejsize, rej[2] = rejhash;
        dc_extra_bind(run->recs, run->nrec, run->xvals);
    }
    dc_buf_free(&b);
    dc_buf_free(&xb);
    return rc;
}

int dc_resume_load(dc_run_t *run, const char *const *paths, size_t npaths, const char *const *cols, size_t ncols)
{
    dc_resume_t *rs = run->resume;
    dc_table_t *real = run->opts.load.rejects;
    dc_format_t fmt = run->opts.jsonl ? DC_FMT_JSONL : DC_FMT_CSV;
    int csv = fmt == DC_FMT_CSV;
    dc_table_t *mem = dc_table_mem(fmt, cols, ncols);
    int rc = 0, restored = 0;
    uint64_t rej[3], size, hash;   /* the rejects file: rows, size, hash */
    if (dc_store_generation(rs->store) > 0) {
        double t0 = dc_now();
        if (restore_load(run, paths, npaths, rej) == 0) {
            restored = 1;
            dc_log(1, "resume: resuming after the load: %zu records from the checkpoint in %.2f s", run->nrec,
                   dc_now() - t0);
            /* the rejects rows into the output (checked a moment ago: a
             * change since is an error, not a silent difference) */
            rc = rejects_pass(rs->rpath, csv, mem, real, rej[0], &size, &hash);
            if (rc == 0 && (size != rej[1] || hash != rej[2])) rc = dc_seterr("%s changed while it was read", rs->rpath);
        } else {
            dc_log(1, "resume: the load's checkpoint is not valid (%s): ignored, the load runs again", dc_geterr());
            rc = wipe(rs);
        }
    }
    if (!restored && rc == 0) {
        /* the rejects go to the checkpoint's file first, then from it to the output */
        dc_table_t *file = dc_table_open_path(rs->rpath, fmt, 0, cols, ncols);
        if (!file)
            dc_log(1, "warning: resume: %s: no checkpoint after the load: the run goes on", dc_geterr());
        run->opts.load.rejects = file ? file : real;
        rc = dc_run_load(run, paths, npaths);
        run->opts.load.rejects = real;
        uint64_t rows = file ? dc_table_rows(file) : 0;
        if (file && rc == 0) rc = dc_table_commit(file);
        else if (file) dc_table_abort(file);
        if (file && rc == 0) rc = rejects_pass(rs->rpath, csv, mem, real, rows, &size, &hash);
        if (file && rc == 0) {
            double t0 = dc_now();
            if (save_load(run, size, hash, rows) == 0) {
                dc_log(1, "resume: checkpoint after the load written in %.2f s", dc_now() - t0);
                dc_store_test_hook("resume-load");
            } else {
                dc_log(1, "warning: resume: the load's checkpoint could not be written (%s): the run goes on",
                       dc_geterr());
                if (wipe(rs)) rc = -1;
            }
        }
    }
    dc_table_abort(mem);
    return rc;
}

/* ------------------------------------------------ the cluster checkpoint */

/* The arrays the later stages read, in this order, each in attachments
 * of at most `piece` bytes ("run-pairs.0", "run-pairs.1", ...): what
 * compressing one takes (a buffer of its size, and the compressed copy)
 * stays bounded at any scale (the citizen keys are 1.6 GB at 100M people,
 * random, incompressible). The test hook DANCU_TEST_RESUME_PIECE=BYTES
 * makes pieces small. */
#define PIECE_DEFAULT ((uint64_t)8 << 20)

static uint64_t piece_bytes(void)
{
    const char *e = getenv("DANCU_TEST_RESUME_PIECE");
    uint64_t v = e && *e ? strtoull(e, NULL, 10) : 0;
    return v ? v : PIECE_DEFAULT;
}

/* Attachment name of piece i of array k. */
static void piece_name(char out[DC_STORE_ATT_NAME_MAX + 1], const char *array, uint64_t i)
{
    snprintf(out, DC_STORE_ATT_NAME_MAX + 1, "%s.%llu", array, (unsigned long long)i);
}

enum { A_PAIRS, A_PATS, A_SCORES, A_REFUSED, A_OF, A_OFF, A_MEMBERS, A_PROB, A_KEYS, NARRAYS };
static const char *const ARRAY_NAME[NARRAYS] = {"run-pairs", "run-patterns", "run-scores",
                                                "run-refused", "run-cluster-of", "run-cluster-offsets",
                                                "run-cluster-members", "run-cluster-prob", "run-cluster-keys"};

/* Bytes of each array. */
static void array_sizes(uint64_t nrec, uint64_t npairs, uint64_t nrefused, uint64_t ncl, uint64_t nmembers,
                        uint64_t len[NARRAYS])
{
    len[A_PAIRS] = npairs * sizeof(uint64_t);
    len[A_PATS] = npairs * sizeof(uint64_t);
    len[A_SCORES] = npairs * sizeof(float);
    len[A_REFUSED] = nrefused * sizeof(size_t);
    len[A_OF] = nrec * sizeof(uint32_t);
    len[A_OFF] = (ncl + 1) * sizeof(uint32_t);
    len[A_MEMBERS] = nmembers * sizeof(uint32_t);
    len[A_PROB] = nrec * sizeof(float);
    len[A_KEYS] = ncl * sizeof(dc_hash128_t);
}

void dc_resume_save_match(dc_run_t *run)
{
    dc_resume_t *rs = run->resume;
    dc_match_state_t *ms = run->match;
    double t0 = dc_now();
    dc_buf_t b = DC_BUF_INIT;
    whead(&b, rs, K_MATCH);
    w64(&b, run->nrec);
    w64(&b, ms->npairs);
    w64(&b, ms->nrefused);
    w64(&b, run->cl.ncl);
    w64(&b, run->cl.off[run->cl.ncl]);
    uint64_t piece = piece_bytes();
    w64(&b, piece);
    dc_buf_put(&b, &ms->model, sizeof ms->model);
    w64(&b, ms->bstats.nrules);
    if (ms->bstats.nrules) dc_buf_put(&b, ms->bstats.rule, ms->bstats.nrules * sizeof *ms->bstats.rule);
    w64(&b, ms->bstats.raw_pairs);
    w64(&b, ms->bstats.dropped_cannot_link);
    w64(&b, ms->bstats.pairs);
    wf64(&b, ms->bstats.seconds);
    w64(&b, (uint64_t)ms->has_labels);
    w64(&b, ms->labels.nmust);
    w64(&b, ms->labels.ncannot);
    w64(&b, ms->labels.unknown);
    w64(&b, ms->nreps);
    w64(&b, ms->ncopies);
    dc_buf_put(&b, &ms->cstats, sizeof ms->cstats);
    wf64(&b, ms->match_weight);
    wf64(&b, ms->review_weight);
    dc_buf_put(&b, ms->whist, sizeof ms->whist);
    put_stages(&b, run);
    dc_store_txn_t *t = NULL;
    int rc = dc_store_begin(rs->store, &t);
    if (rc == 0) rc = dc_store_txn_attach(t, "run-match", b.p, b.len);
    dc_buf_free(&b);
    const dc_clusters_t *cl = &run->cl;
    const void *arr[NARRAYS] = {ms->pairs, ms->pats, ms->score, ms->refused, cl->of, cl->off, cl->members, cl->prob,
                                cl->key};
    uint64_t len[NARRAYS];
    array_sizes(run->nrec, ms->npairs, ms->nrefused, cl->ncl, cl->off[cl->ncl], len);
    for (size_t k = 0; k < NARRAYS && rc == 0; k++)
        for (uint64_t at = 0, i = 0; rc == 0 && (at < len[k] || i == 0); at += piece, i++) {
            char name[DC_STORE_ATT_NAME_MAX + 1];
            piece_name(name, ARRAY_NAME[k], i);
            rc = dc_store_txn_attach(t, name, len[k] ? (const char *)arr[k] + at : "",
                                     (size_t)DC_MIN(piece, len[k] - at));
        }
    if (rc == 0) rc = dc_store_commit(t);
    else dc_store_abort(t);
    malloc_trim(0);   /* the compression buffers */
    if (rc) {
        dc_log(1, "warning: resume: the checkpoint after clustering could not be written (%s): the run goes on",
               dc_geterr());
        return;
    }
    dc_log(1, "resume: checkpoint after clustering written in %.2f s", dc_now() - t0);
    dc_store_test_hook("resume-cluster");
}

/* Restore the matching state: 0, or -1 (dc_seterr) with the run untouched. */
static int restore_match(dc_run_t *run)
{
    dc_resume_t *rs = run->resume;
    dc_match_state_t *ms = run->match;
    dc_buf_t b = DC_BUF_INIT;
    int rc = attachment(rs, "run-match", &b);
    rd_t r = {b.p, b.len, 0, 0};
    if (rc == 0 && (!rhead(&r, rs, K_MATCH) || r64(&r) != run->nrec)) rc = dc_seterr("run-match is not this run's");
    if (rc) {
        dc_buf_free(&b);
        return rc;
    }
    uint64_t npairs = r64(&r), nrefused = r64(&r), ncl = r64(&r), nmembers = r64(&r), piece = r64(&r);
    dc_model_t model;
    rraw(&r, &model, sizeof model);
    dc_block_stats_t bs = {0};
    bs.nrules = (size_t)rcount(&r, sizeof *bs.rule);
    bs.rule = dc_xcalloc(bs.nrules ? bs.nrules : 1, sizeof *bs.rule);
    rraw(&r, bs.rule, bs.nrules * sizeof *bs.rule);
    bs.raw_pairs = r64(&r);
    bs.dropped_cannot_link = r64(&r);
    bs.pairs = r64(&r);
    bs.seconds = rf64(&r);
    int has_labels = (int)r64(&r);
    size_t nmust = (size_t)r64(&r), ncannot = (size_t)r64(&r), unknown = (size_t)r64(&r);
    size_t nreps = (size_t)r64(&r), ncopies = (size_t)r64(&r);
    dc_cluster_stats_t cs;
    rraw(&r, &cs, sizeof cs);
    double mw = rf64(&r), rw = rf64(&r);
    uint64_t whist[DC_WHIST_NBINS];
    rraw(&r, whist, sizeof whist);
    dc_stage_t stages[DC_MAX_STAGES] = {{0}};
    int nstages = 0;
    if (get_stages(&r, stages, &nstages) || r.at != r.n || ncl > run->nrec || nmembers != run->nrec ||
        nrefused > npairs || npairs > (uint64_t)run->nrec * run->nrec || !piece)
        rc = dc_seterr("run-match is damaged");
    dc_buf_free(&b);
    /* the arrays, piece by piece */
    void *arr[NARRAYS] = {NULL};
    uint64_t len[NARRAYS];
    array_sizes(run->nrec, npairs, nrefused, ncl, nmembers, len);
    for (size_t k = 0; k < NARRAYS && rc == 0; k++) {
        arr[k] = dc_xmalloc(len[k] ? (size_t)len[k] : 1);
        for (uint64_t at = 0, i = 0; rc == 0 && (at < len[k] || i == 0); at += piece, i++) {
            char name[DC_STORE_ATT_NAME_MAX + 1];
            piece_name(name, ARRAY_NAME[k], i);
            uint64_t want = DC_MIN(piece, len[k] - at);
            rc = attachment(rs, name, &b);
            if (rc == 0 && b.len != want) rc = dc_seterr("%s is damaged (its size)", name);
            if (rc == 0 && want) memcpy((char *)arr[k] + at, b.p, (size_t)want);
        }
    }
    dc_buf_free(&b);
    uint64_t *pairs = arr[A_PAIRS];
    size_t *refused = arr[A_REFUSED];
    uint32_t *of = arr[A_OF], *off = arr[A_OFF], *members = arr[A_MEMBERS];
    /* what is used as an index must be in range */
    for (uint64_t c = 0; rc == 0 && c < ncl; c++)
        if (off[c] > off[c + 1]) rc = dc_seterr("run-cluster-offsets is damaged");
    if (rc == 0 && (off[0] != 0 || off[ncl] != nmembers)) rc = dc_seterr("run-cluster-offsets is damaged");
    for (size_t i = 0; rc == 0 && i < run->nrec; i++)
        if (of[i] >= ncl || members[i] >= run->nrec) rc = dc_seterr("run-cluster-of is damaged");
    for (size_t p = 0; rc == 0 && p < npairs; p++)
        if ((pairs[p] >> 32) >= run->nrec || (uint32_t)pairs[p] >= run->nrec) rc = dc_seterr("run-pairs is damaged");
    for (size_t k = 0; rc == 0 && k < nrefused; k++)
        if (refused[k] >= npairs) rc = dc_seterr("run-refused is damaged");
    if (rc) {
        for (size_t k = 0; k < NARRAYS; k++) free(arr[k]);
        dc_block_stats_free(&bs);
        return rc;
    }
    /* valid: the run takes it all */
    ms->pairs = pairs;
    ms->pats = arr[A_PATS];
    ms->score = arr[A_SCORES];
    ms->npairs = (size_t)npairs;
    ms->refused = refused;
    ms->nrefused = (size_t)nrefused;
    ms->model = model;
    dc_block_stats_free(&ms->bstats);
    ms->bstats = bs;
    ms->has_labels = has_labels;
    ms->labels.nmust = nmust;
    ms->labels.ncannot = ncannot;
    ms->labels.unknown = unknown;
    ms->nreps = nreps;
    ms->ncopies = ncopies;
    ms->cstats = cs;
    ms->match_weight = mw;
    ms->review_weight = rw;
    memcpy(ms->whist, whist, sizeof whist);
    dc_clusters_free(&run->cl);
    run->cl = (dc_clusters_t){(uint32_t)ncl, of, off, members, arr[A_PROB], arr[A_KEYS]};
    memcpy(run->stages, stages, sizeof stages);
    run->nstages = nstages;
    /* the term frequencies of the review's weights: rebuilt (deterministic) */
    if (ms->model.tf_enabled) dc_tf_build(&ms->tf, run->recs, run->nrec, run->in, run->opts.nthreads);
    return 0;
}

int dc_resume_match(dc_run_t *run)
{
    dc_resume_t *rs = run->resume;
    if (!rs || dc_store_generation(rs->store) < 2) return 0;
    double t0 = dc_now();
    if (restore_match(run) == 0) {
        dc_log(1, "resume: resuming after clustering: %zu candidate pairs, %u clusters from the checkpoint in %.2f s",
               run->match->npairs, run->cl.ncl, dc_now() - t0);
        return 1;
    }
    dc_log(1, "resume: the checkpoint after clustering is not valid (%s): ignored, matching runs again", dc_geterr());
    return 0;
}
