/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * run.c - the load+normalize stage of `dancu run` and the run's lifetime
 * (dc_run.h).
 *
 * DESIGN: dc_load parses chunks on its worker threads and calls our
 * process() there: each worker owns a dc_norm_ctx (its caches) and
 * normalizes the batch into an array hung on batch->user. commit() runs on
 * one thread, strictly in input order, and appends that array to
 * run->recs, so record i is the i-th accepted row whatever the thread
 * count. Nothing of the raw rows outlives the commit.
 */
#include "run/dc_run.h"
#include "common/dc_json.h"
#include "normalize/dc_extra.h"

#include <limits.h>   /* PATH_MAX */
#include <malloc.h>   /* malloc_trim */
#include <sys/stat.h> /* stat */
#include <stdlib.h>   /* free, realpath */
#include <string.h>   /* memcpy */
#include <strings.h>  /* strcasecmp */
#include <sys/stat.h> /* stat */

void dc_run_init(dc_run_t *run, const dc_run_opts_t *opts)
{
    memset(run, 0, sizeof *run);
    run->opts = *opts;
    if (run->opts.nthreads < 1) run->opts.nthreads = dc_nthreads_default();
    run->opts.load.nthreads = run->opts.nthreads;
    run->in = dc_intern_create();
    run->norm = dc_norm_shared_create(run->in, &run->opts.norm);
    run->t_start = dc_now();
}

static void *w_init(void *ud, int tid)
{
    DC_UNUSED(tid);
    dc_run_t *run = ud;
    return dc_norm_ctx_create(run->norm);
}

static void w_free(void *ud, void *wctx)
{
    DC_UNUSED(ud);
    dc_norm_ctx_free(wctx);
}

/* A normalized batch (batch->user): its records and, with declared extra
 * columns (dc_extra.h), their values, nx per record. */
typedef struct nbatch {
    dc_record_t *recs;
    uint32_t *xv;
} nbatch_t;

/* The declared extra columns' values of a batch: each column is found by
 * name among the file's carried-through columns (absent: missing). */
static uint32_t *extra_values(dc_run_t *run, const dc_batch_t *b, int nx)
{
    int col[DC_EXTRA_MAX];
    for (int k = 0; k < nx; k++) {
        col[k] = -1;
        for (uint32_t c = 0; c < b->src->nextra && col[k] < 0; c++)
            if (!strcasecmp(b->src->extra_names[c], dc_extra_def(k)->name)) col[k] = (int)c;
    }
    uint32_t *xv = dc_xcalloc(b->n ? b->n * (size_t)nx : 1, sizeof *xv);
    char tmp[1024];
    for (size_t i = 0; i < b->n; i++)
        for (int k = 0; k < nx; k++) {
            if (col[k] < 0) continue;
            const dc_row_t *row = &b->rows[i];
            size_t len = dc_extra_normalize((dc_extra_norm_t)dc_extra_def(k)->norm, row->extra[col[k]],
                                            row->extra_len[col[k]], tmp, sizeof tmp);
            xv[i * (size_t)nx + (size_t)k] = len ? dc_intern(run->in, tmp, len) : 0;
        }
    return xv;
}

static int process(void *ud, void *wctx, dc_batch_t *b)
{
    dc_run_t *run = ud;
    nbatch_t *nb = dc_xcalloc(1, sizeof *nb);
    nb->recs = dc_xmalloc((b->n ? b->n : 1) * sizeof *nb->recs);
    dc_norm_rows(wctx, b->src->index, b->rows, b->n, nb->recs);
    if (dc_source_temporary_register(b->src->name ? b->src->name : ""))
        for (size_t i = 0; i < b->n; i++) nb->recs[i].rec_flags = DC_REC_TEMP_REGISTER;
    int nx = dc_extra_count();
    if (nx) nb->xv = extra_values(run, b, nx);
    b->user = nb;
    return 0;
}

static void nbatch_free(dc_batch_t *b)
{
    nbatch_t *nb = b->user;
    if (nb) {
        free(nb->recs);
        free(nb->xv);
        free(nb);
    }
    b->user = NULL;
}

static int commit(void *ud, dc_batch_t *b)
{
    dc_run_t *run = ud;
    nbatch_t *nb = b->user;
    if (run->opts.memory_limit && dc_peak_rss_bytes() > run->opts.memory_limit) {
        nbatch_free(b);
        char got[32], lim[32];
        return dc_seterr("memory limit exceeded while loading (%s after %zu rows, limit %s%s): "
                         "raise --memory-limit or split the input",
                         dc_format_size(dc_peak_rss_bytes(), got), run->nrec,
                         dc_format_size(run->opts.memory_limit, lim), dc_run_limit_origin(run));
    }
    if (run->nrec + b->n > UINT32_MAX - 1) {
        nbatch_free(b);
        return dc_seterr("more than %u accepted rows: not supported", UINT32_MAX - 1);
    }
    if (run->spill) {   /* out of core: to the records file, not the heap */
        if (dc_spill_put(run, nb->recs, b->n)) {
            nbatch_free(b);
            return -1;
        }
    } else {
        run->recs = dc_grow(run->recs, &run->reccap, run->nrec + b->n, sizeof *run->recs);
        memcpy(run->recs + run->nrec, nb->recs, b->n * sizeof *nb->recs);
    }
    size_t nx = (size_t)dc_extra_count();
    if (nx && b->n) {
        run->xvals = dc_grow(run->xvals, &run->xcap, (run->nrec + b->n) * nx, sizeof *run->xvals);
        memcpy(run->xvals + run->nrec * nx, nb->xv, b->n * nx * sizeof *nb->xv);
    }
    run->nrec += b->n;
    dc_progress_add(b->n);
    run->in_bytes_done += b->nbytes;
    if (run->in_bytes) dc_progress_fraction((double)run->in_bytes_done / (double)run->in_bytes);
    nbatch_free(b);
    return 0;
}

/* Total size of the inputs when it measures the work of loading (plain
 * files only: for stdin or compressed files it is unknown, 0). */
static uint64_t input_bytes(const char *const *paths, size_t npaths)
{
    uint64_t total = 0;
    for (size_t i = 0; i < npaths; i++) {
        struct stat st;
        size_t l = strlen(paths[i]);
        if (!strcmp(paths[i], "-") || (l > 4 && !strcmp(paths[i] + l - 4, ".zst")) ||
            (l > 3 && !strcmp(paths[i] + l - 3, ".gz")) || stat(paths[i], &st) != 0 ||
            !S_ISREG(st.st_mode))
            return 0;
        total += (uint64_t)st.st_size;
    }
    return total;
}

uint64_t dc_run_reserve_interner(dc_intern_t *in, const char *const *paths, size_t npaths)
{
    uint64_t bytes = input_bytes(paths, npaths);
    if (bytes) dc_intern_reserve(in, (size_t)(bytes / DC_RUN_BYTES_PER_STRING));
    return bytes;
}

int dc_run_load(dc_run_t *run, const char *const *paths, size_t npaths)
{
    run->in_bytes = dc_run_reserve_interner(run->in, paths, npaths);
    run->opts.load.memory_limit = run->opts.memory_limit;   /* the reader stops before a record passes it */
    dc_run_stage_begin(run, "load");
    dc_sink_t sink = {w_init, w_free, NULL, process, commit, run};
    int rc = dc_load(&run->opts.load, paths, npaths, &sink, &run->load);
    if (rc == 0 && run->spill) rc = dc_spill_map(run);
    if (rc == 0) dc_norm_finalize(run->norm, run->recs, run->nrec);
    dc_extra_bind(run->recs, run->nrec, run->xvals);
    /* the workers' caches and chunks were freed into their malloc arenas:
     * give that memory back before matching allocates its own */
    malloc_trim(0);
    dc_run_stage_end(run, run->load.rows_in);
    return rc;
}

/* The object is embedded in model.json ("run") with two line breaks,
 * indented two levels. */
void dc_run_manifest_json(const dc_run_t *run, const char *const *paths, size_t npaths, dc_buf_t *b)
{
    const dc_run_opts_t *o = &run->opts;
    dc_jw_t jw, *j = &jw;
    dc_jw_init(j, b, 2);
    dc_jw_open(j, '{', DC_JW_INLINE);
    dc_jw_key(j, "inputs");
    dc_jw_open(j, '[', DC_JW_INLINE);
    for (size_t i = 0; i < npaths; i++) dc_jw_str(j, paths[i]);
    dc_jw_close(j);
    dc_jw_key(j, "inputs_absolute");
    dc_jw_open(j, '[', DC_JW_INLINE);
    for (size_t i = 0; i < npaths; i++) {
        char abs[PATH_MAX];
        dc_jw_str(j, strcmp(paths[i], "-") && realpath(paths[i], abs) ? abs : paths[i]);
    }
    dc_jw_close(j);
    char delim[2] = {o->load.delimiter, 0};
    dc_jw_wrap(j);
    dc_jw_key(j, "delimiter");
    dc_jw_str(j, delim);
    dc_jw_key(j, "encoding");
    dc_jw_str(j, dc_encoding_name(o->load.encoding));
    dc_jw_key(j, "mapping_file");
    dc_jw_str(j, o->load.mapping_file);
    dc_jw_key(j, "mappings");
    dc_jw_open(j, '[', DC_JW_INLINE);
    for (size_t i = 0; o->load.mappings && o->load.mappings[i]; i++) dc_jw_str(j, o->load.mappings[i]);
    dc_jw_close(j);
    dc_jw_key(j, "max_field");
    dc_jw_u64(j, o->load.max_field);
    dc_jw_wrap(j);
    static const char *const keys[] = {"ethnic_codes", "sex_one", "century_pivot", "ref_year"};
    const int vals[] = {o->norm.ethnic_codes, o->norm.sex_one, o->norm.century_pivot, o->norm.ref_year};
    for (size_t i = 0; i < DC_ARRAY_LEN(keys); i++) {
        dc_jw_key(j, keys[i]);
        dc_jw_i64(j, vals[i]);
    }
    dc_jw_key(j, "records");
    dc_jw_u64(j, run->nrec);
    dc_jw_close(j);
}

uint64_t dc_run_rows_linked(const dc_run_t *run)
{
    if (!run->cl.off) return 0;
    if (!run->nxsrc) return run->cl.off[run->cl.ncl];
    uint64_t n = 0;
    for (size_t i = 0; i < run->nrec; i++) n += run->recs[i].source < run->load.nsources;
    return n;
}

const char *dc_run_source_name(const dc_run_t *run, uint32_t s)
{
    if (s < run->load.nsources) return run->load.sources[s].name ? run->load.sources[s].name : "";
    s -= run->load.nsources;
    return s < run->nxsrc && run->xsrc[s] ? run->xsrc[s] : "";
}

void dc_run_free(dc_run_t *run)
{
    if (run->recs) dc_extra_bind(NULL, 0, NULL);
    for (uint32_t i = 0; i < run->nxsrc; i++) free(run->xsrc[i]);
    free(run->xsrc);
    run->xsrc = NULL;
    run->nxsrc = 0;
    if (!dc_spill_owns_records(run)) free(run->recs);
    dc_spill_end(run);
    dc_resume_close(run);
    free(run->xvals);
    run->recs = NULL;
    run->xvals = NULL;
    run->nrec = run->reccap = run->xcap = 0;
    dc_load_stats_free(&run->load);
    dc_clusters_free(&run->cl);
    if (run->norm) dc_norm_shared_free(run->norm);
    run->norm = NULL;
    if (run->in) dc_intern_free(run->in);
    run->in = NULL;
}

/* ------------------------------------------------------------- memory */

/* The memory model of a run (docs/PERFORMANCE.md, measured on generated
 * exports of 1 and 10 million people): the peak of load+normalize grows
 * with the decoded input bytes (records, interned strings, per-worker
 * caches, in-flight chunks: 0.97 bytes per input byte at 10M, 1.65 at 1M),
 * the later stages (blocking keys and sort buffers, candidate pairs,
 * clusters, survivorship) with the records (59 bytes each above the
 * loading peak at 10M; at 1M loading is the peak). The load estimate is a
 * lower bound (a run is refused only when it clearly cannot fit); the
 * load itself stops at the limit. The later-stage figure has a 20%
 * margin, so that a run is stopped before blocking rather than killed. */
#define MEM_BASE ((size_t)32 << 20)
#define MEM_PER_INPUT_BYTE 0.9
#define MEM_COMPRESSION_RATIO 4.0   /* assumed for .gz / .zst inputs */
#define MEM_PER_RECORD_LATER 72.0
/* Out of core the records (0.59 bytes per input byte on generated
 * exports) are not held: what is left is the interner, the normalizer's
 * tables and caches and the chunks in flight. */
#define MEM_PER_INPUT_BYTE_OOC 0.4

const char *dc_run_limit_origin(const dc_run_t *run)
{
    return run->opts.memory_limit_default ? ", the default: 80% of this machine's memory; change it with "
                                            "--memory-limit SIZE or none"
                                          : "";
}

double dc_run_input_bytes(const char *const *paths, size_t npaths, double zratio)
{
    double in = 0;
    for (size_t i = 0; i < npaths; i++) {
        struct stat st;
        if (!strcmp(paths[i], "-") || stat(paths[i], &st) != 0) continue;
        size_t n = strlen(paths[i]);
        int z = (n > 3 && !strcmp(paths[i] + n - 3, ".gz")) || (n > 4 && !strcmp(paths[i] + n - 4, ".zst"));
        in += (double)st.st_size * (z ? zratio : 1.0);
    }
    return in;
}

size_t dc_run_estimate_load_bytes(const char *const *paths, size_t npaths)
{
    return MEM_BASE + (size_t)(dc_run_input_bytes(paths, npaths, MEM_COMPRESSION_RATIO) * MEM_PER_INPUT_BYTE);
}

size_t dc_run_estimate_load_bytes_ooc(const char *const *paths, size_t npaths)
{
    return MEM_BASE + (size_t)(dc_run_input_bytes(paths, npaths, MEM_COMPRESSION_RATIO) * MEM_PER_INPUT_BYTE_OOC);
}

int dc_run_check_memory_early(dc_run_t *run, const char *const *paths, size_t npaths)
{
    size_t lim = run->opts.memory_limit;
    int mode = run->opts.out_of_core;
    if (run->opts.master_dir) {   /* the master combines its rows with the load's in memory (engine/master) */
        if (mode == DC_OOC_ALWAYS) return dc_seterr("--out-of-core always: not available with --master");
        mode = DC_OOC_NEVER;
    }
    run->ooc = mode == DC_OOC_ALWAYS;
    if (!lim) return 0;
    size_t need = dc_run_estimate_load_bytes(paths, npaths);
    char a[32], b[32];
    double per = MEM_PER_INPUT_BYTE;
    if (run->ooc) {   /* forced out of core: its own estimate */
        need = dc_run_estimate_load_bytes_ooc(paths, npaths);
        per = MEM_PER_INPUT_BYTE_OOC;
    }
    if (need > lim && !run->ooc && mode != DC_OOC_NEVER) {
        size_t ooc = dc_run_estimate_load_bytes_ooc(paths, npaths);
        if (ooc <= lim) {
            dc_log(1, "the inputs need about %s in memory, more than the memory limit %s: out of core",
                   dc_format_size(need, a), dc_format_size(lim, b));
            run->ooc = 1;
            return 0;
        }
        need = ooc;
        per = MEM_PER_INPUT_BYTE_OOC;
    }
    if (need > lim)
        return dc_seterr("memory limit %s%s: too small for these inputs: loading them needs at least about %s "
                         "(%.1f bytes per input byte plus %s%s, a lower bound: see docs/PERFORMANCE.md); "
                         "nothing was done",
                         dc_format_size(lim, a), dc_run_limit_origin(run), dc_format_size(need, b), per, "32 MiB",
                         per == MEM_PER_INPUT_BYTE ? "" : ", out of core");
    return 0;
}

int dc_run_check_memory_matching(const dc_run_t *run)
{
    size_t lim = run->opts.memory_limit;
    if (!lim) return 0;
    size_t now = dc_run_peak_memory(run), need = now + (size_t)((double)run->nrec * MEM_PER_RECORD_LATER);
    char a[32], b[32], c[32];
    if (need > lim)
        return dc_seterr("memory limit %s%s: too small: %zu records loaded (%s), matching and "
                         "merging them needs about %s in all; stopped before blocking",
                         dc_format_size(lim, a), dc_run_limit_origin(run), run->nrec, dc_format_size(now, b),
                         dc_format_size(need, c));
    return 0;
}
