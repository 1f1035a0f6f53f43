/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_pipeline.h - the pipeline of `dancu run`, as the engine runs it.
 *
 * The run is a table of stages (pipeline.c) executed in order over one
 * dc_run_t; each stage reads what earlier stages left (dc_run.h):
 *
 *   inputs    the input list checked and put in canonical order
 *             (dc_source_list_make: one source name per file, sorted)
 *   resume    --resume (plain runs): the fingerprint and the private
 *             checkpoint folder (engine/run/resume.c)
 *   memory    the up-front memory estimate against --memory-limit; it
 *             chooses the out-of-core path when only that fits
 *   spill     out of core (plain runs, M_RUN): the disk check, the private
 *             temporary folder; the load then spills the records there
 *             and maps them back (engine/run/spill.c)
 *   stage     the staged output set (dc_output_begin) and its rejects table
 *   load      load + normalize every file (dc_run_load); with --resume
 *             restored from the load checkpoint, else written to it
 *   reject    the --max-reject-rate check
 *   resume-match  --resume: the matching state from the cluster
 *             checkpoint (block, score and cluster then do nothing)
 *   block     blocking keys -> candidate pairs (dc_block_run)
 *   score     comparison, estimation, match weights (dc_score_run)
 *   cluster   union-find with cannot-link evidence, citizen keys; with
 *             --resume the cluster checkpoint
 *   links     review, model, links (dc_match_write); pairs released
 *   merge     display forms of names (dc_merge_prepare)
 *   citizens  survivorship and the citizens table
 *   report    report.json
 *   commit    every output appears at once (dc_output_commit)
 *
 * Commands only parse options into dc_run_opts_t and call
 * dc_pipeline_run(); tests can run the whole pipeline in-process the same
 * way. The persistent master (`run --master`, `master export`) is a
 * variation of this table: stages carry the modes they run in (M_RUN,
 * M_MASTER, M_EXPORT), so a mode adds stages in their places, it does not
 * copy the table. A load into a master adds:
 *   master-open    lock the master, read its previous generation
 *   master-rows    (after load) stored rows back, previous keys, dirty rows
 *   master-keys    (after cluster) stable keys, changes table
 *   master-commit  (after commit) the next generation of the master
 *
 * Threading: dc_pipeline_run is called from one thread; stages use the
 * run's worker count themselves.
 */
#ifndef DC_PIPELINE_H
#define DC_PIPELINE_H

#include "run/dc_run.h"

/*! dc_pipeline_run() :
 *  Run every stage of `dancu run` on `paths` with the options in
 *  run->opts (dc_run_init done by the caller; the caller frees the run
 *  with dc_pipeline_free). On failure the staged outputs are dropped and
 *  nothing appears in the output folder.
 *  @return 0, or -1 with dc_seterr(): the message names the stage. */
int dc_pipeline_run(dc_run_t *run, const char *const *paths, size_t npaths);

/*! dc_pipeline_export() : the variation of `dancu master export`: the
 *  master run->opts.master_dir read back (records, citizens, keys) and
 *  written as a run's citizens and links into run->opts.outdir. */
int dc_pipeline_export(dc_run_t *run);

/*! dc_pipeline_opts_defaults() : every run option at its default (the
 *  thresholds, no reject-rate limit, century pivot 30; nothing else set). */
void dc_pipeline_opts_defaults(dc_run_opts_t *o);

/*! dc_pipeline_free() : the match and merge states, then the run. */
void dc_pipeline_free(dc_run_t *run);

/*! dc_pipeline_stage_count() / dc_pipeline_stage_name() : the stage table,
 *  for documentation and tests. */
size_t dc_pipeline_stage_count(void);
const char *dc_pipeline_stage_name(size_t i);

#endif /* DC_PIPELINE_H */
