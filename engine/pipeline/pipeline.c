/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pipeline.c - the stage table of `dancu run` (dc_pipeline.h).
 *
 * DESIGN: one table, one loop. A stage is a function over the run and a
 * small context (the input list, the model.json manifest); it returns 0 or
 * -1 with dc_seterr(). Memory checks after the stages that grow the
 * process are a flag of the stage, not code repeated after each call. On
 * failure the loop aborts the staged outputs, so no stage cleans up after
 * another. Resuming (--resume, engine/run/resume.c) is stages too: resume
 * opens the checkpoint folder, load restores or writes the load
 * checkpoint, resume-match restores the matching state (c->matched: block,
 * score and cluster then return at once) or cluster writes it; the loop's
 * end removes the folder on success and keeps it on failure.
 */
#include "pipeline/dc_pipeline.h"
#include "match/dc_match.h"
#include "merge/dc_merge.h"
#include "master/dc_master.h"

#include <string.h>   /* memset */

typedef struct pctx {
    const char *const *paths;   /* canonical order once the inputs stage ran */
    size_t npaths;
    dc_source_list_t list;
    dc_buf_t manifest;          /* model.json "run" member */
    int matched;                /* --resume: block, score and cluster restored from the checkpoint */
} pctx_t;

static const char *const rej_cols[] = {"source", "line", "reason", "raw"};

/* Modes: which variations of the pipeline a stage belongs to. */
enum { M_RUN = 1, M_MASTER = 2, M_EXPORT = 4, M_BOTH = M_RUN | M_MASTER };

typedef struct stage {
    const char *name;
    int (*fn)(dc_run_t *run, pctx_t *c);
    int check_memory;   /* compare the peak RSS with --memory-limit after it */
    int modes;          /* M_* */
} stage_t;

/* Source names checked and inputs sorted by them (dc_source_list_make):
 * the order of the arguments never reaches an output. */
static int st_inputs(dc_run_t *run, pctx_t *c)
{
    if (dc_source_list_make(c->paths, c->npaths, run->opts.source_naming, &c->list)) return -1;
    c->paths = c->list.paths;
    run->opts.load.source_names = (const char *const *)c->list.names;
    return 0;
}

/* --resume (engine/run/resume.c): the fingerprint and the checkpoint
 * folder, before any work. */
static int st_resume(dc_run_t *run, pctx_t *c)
{
    return run->opts.resume ? dc_resume_open(run, c->paths, c->npaths) : 0;
}

static int st_memory(dc_run_t *run, pctx_t *c)
{
    return dc_run_check_memory_early(run, c->paths, c->npaths);
}

/* Out of core (chosen by the memory stage): the disk check and the
 * private temporary folder, before any work (engine/run/spill.c). */
static int st_spill(dc_run_t *run, pctx_t *c)
{
    return run->ooc ? dc_spill_begin(run, c->paths, c->npaths) : 0;
}

static int st_stage(dc_run_t *run, pctx_t *c)
{
    DC_UNUSED(c);
    if (dc_output_begin(run)) return -1;
    run->opts.load.rejects = dc_output_table(run, "rejects", rej_cols, 4);
    return run->opts.load.rejects ? 0 : -1;
}

static int st_load(dc_run_t *run, pctx_t *c)
{
    /* the settings first: the load stage reads the extra columns they declare */
    if (dc_match_settings(run)) return -1;
    /* --resume: from the load's checkpoint, else loaded and checkpointed */
    if (run->resume ? dc_resume_load(run, c->paths, c->npaths, rej_cols, DC_ARRAY_LEN(rej_cols))
                    : dc_run_load(run, c->paths, c->npaths))
        return -1;
    dc_log(1, "loaded %llu rows: %llu accepted, %llu rejected", (unsigned long long)run->load.rows_in,
           (unsigned long long)run->load.rows_ok, (unsigned long long)run->load.rows_rejected);
    return 0;
}

static int st_reject(dc_run_t *run, pctx_t *c)
{
    DC_UNUSED(c);
    double rate = dc_report_reject_rate(run);
    if (run->opts.max_reject_rate <= 1.0 && rate > run->opts.max_reject_rate)
        return dc_seterr("reject rate %.4f is above --max-reject-rate %.4f", rate, run->opts.max_reject_rate);
    return dc_run_check_memory_matching(run);
}

/* --resume: the matching stages' state from the cluster checkpoint, if
 * there is a valid one; block, score and cluster are then skipped. */
static int st_resume_match(dc_run_t *run, pctx_t *c)
{
    c->matched = run->resume ? dc_resume_match(run) : 0;
    return 0;
}

static int st_block(dc_run_t *run, pctx_t *c) { return c->matched ? 0 : dc_block_run(run); }
static int st_score(dc_run_t *run, pctx_t *c) { return c->matched ? 0 : dc_score_run(run); }
static int st_cluster(dc_run_t *run, pctx_t *c)
{
    if (c->matched) return 0;
    if (dc_cluster_run(run)) return -1;
    if (run->resume) dc_resume_save_match(run);
    return 0;
}

/* Outputs of the match stages go through the staged output set. */
static dc_table_t *sink_table(void *ud, const char *name, const char *const *cols, size_t ncols)
{
    return dc_output_table(ud, name, cols, ncols);
}

static dc_outfile_t *sink_file(void *ud, const char *name) { return dc_output_file(ud, name); }

static int st_links(dc_run_t *run, pctx_t *c)
{
    dc_match_sink_t sink = {sink_table, sink_file, run};
    dc_run_manifest_json(run, c->paths, c->npaths, &c->manifest);
    if (dc_match_write(run, &sink, c->manifest.p)) return -1;
    dc_match_release_pairs(run);
    return 0;
}

static int st_master_open(dc_run_t *run, pctx_t *c) { DC_UNUSED(c); return dc_master_open(run); }
static int st_master_rows(dc_run_t *run, pctx_t *c) { DC_UNUSED(c); return dc_master_rows(run); }
static int st_master_keys(dc_run_t *run, pctx_t *c) { DC_UNUSED(c); return dc_master_keys(run); }
static int st_master_commit(dc_run_t *run, pctx_t *c) { DC_UNUSED(c); return dc_master_commit(run); }

/* master export: the whole master as a run's citizens and links */
static int st_export_read(dc_run_t *run, pctx_t *c) { DC_UNUSED(c); return dc_master_read_all(run, run->opts.master_dir); }
static int st_export_stage(dc_run_t *run, pctx_t *c)
{
    DC_UNUSED(c);
    return dc_output_begin(run) || dc_master_export_json(run) ? -1 : 0;
}
static int st_export_links(dc_run_t *run, pctx_t *c)
{
    DC_UNUSED(c);
    dc_match_sink_t sink = {sink_table, sink_file, run};
    return dc_match_write_links(run, &sink);
}

static int st_merge(dc_run_t *run, pctx_t *c) { DC_UNUSED(c); return dc_merge_prepare(run); }
static int st_citizens(dc_run_t *run, pctx_t *c) { DC_UNUSED(c); return dc_merge_write_citizens(run); }
static int st_report(dc_run_t *run, pctx_t *c) { DC_UNUSED(c); return dc_report_write(run); }
static int st_commit(dc_run_t *run, pctx_t *c) { DC_UNUSED(c); return dc_output_commit(run); }

static const stage_t stages[] = {
    {"inputs", st_inputs, 0, M_BOTH},
    {"resume", st_resume, 0, M_RUN},
    {"master-open", st_master_open, 0, M_MASTER},
    {"export-read", st_export_read, 1, M_EXPORT},
    {"memory", st_memory, 0, M_BOTH},
    {"spill", st_spill, 0, M_RUN},
    {"stage", st_stage, 0, M_BOTH},
    {"export-stage", st_export_stage, 0, M_EXPORT},
    {"load", st_load, 1, M_BOTH},
    {"reject", st_reject, 0, M_BOTH},
    {"master-rows", st_master_rows, 1, M_MASTER},
    {"resume-match", st_resume_match, 0, M_RUN},
    {"block", st_block, 1, M_BOTH},
    {"score", st_score, 1, M_BOTH},
    {"cluster", st_cluster, 0, M_BOTH},
    {"master-keys", st_master_keys, 0, M_MASTER},
    {"links", st_links, 0, M_BOTH},
    {"export-links", st_export_links, 0, M_EXPORT},
    {"merge", st_merge, 1, M_BOTH | M_EXPORT},
    {"citizens", st_citizens, 0, M_BOTH | M_EXPORT},
    {"report", st_report, 0, M_BOTH},
    {"commit", st_commit, 0, M_BOTH | M_EXPORT},
    {"master-commit", st_master_commit, 0, M_MASTER},
};

size_t dc_pipeline_stage_count(void) { return DC_ARRAY_LEN(stages); }

const char *dc_pipeline_stage_name(size_t i) { return i < DC_ARRAY_LEN(stages) ? stages[i].name : NULL; }

static int check_memory(const dc_run_t *run, const char *stage)
{
    if (!run->opts.memory_limit) return 0;
    size_t rss = dc_run_peak_memory(run);   /* out of core: not the mapped records */
    char a[32], b[32];
    if (rss > run->opts.memory_limit)
        return dc_seterr("memory limit exceeded after stage %s: peak %s > limit %s%s", stage, dc_format_size(rss, a),
                         dc_format_size(run->opts.memory_limit, b), dc_run_limit_origin(run));
    return 0;
}

static int pipeline(dc_run_t *run, const char *const *paths, size_t npaths, int mode)
{
    pctx_t c = {paths, npaths, {0}, DC_BUF_INIT, 0};
    int rc = 0;
    for (size_t i = 0; i < DC_ARRAY_LEN(stages) && rc == 0; i++) {
        if (!(stages[i].modes & mode)) continue;
        rc = stages[i].fn(run, &c);
        if (rc == 0 && stages[i].check_memory) rc = check_memory(run, stages[i].name);
    }
    if (rc) dc_output_abort(run);
    dc_resume_finish(run, rc);   /* --resume: removed on success, kept on failure */
    run->opts.load.source_names = NULL;
    dc_source_list_free(&c.list);
    dc_buf_free(&c.manifest);
    return rc;
}

int dc_pipeline_run(dc_run_t *run, const char *const *paths, size_t npaths)
{
    if (run->opts.resume && run->opts.master_dir)   /* the master is atomic and re-runnable by itself */
        return dc_seterr("--resume is not available with --master (a load into a master that fails or is "
                         "killed leaves the master as it was: run it again)");
    return pipeline(run, paths, npaths, run->opts.master_dir ? M_MASTER : M_RUN);
}

int dc_pipeline_export(dc_run_t *run)
{
    return pipeline(run, NULL, 0, M_EXPORT);
}

void dc_pipeline_opts_defaults(dc_run_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->max_reject_rate = 2.0;   /* > 1: no limit */
    o->match_threshold = DC_MATCH_THRESHOLD_DEFAULT;
    o->review_threshold = DC_REVIEW_THRESHOLD_DEFAULT;
    o->norm.century_pivot = 30;
}

void dc_pipeline_free(dc_run_t *run)
{
    dc_master_load_free(run);
    dc_match_free(run);
    dc_merge_free(run);
    dc_run_free(run);
}
