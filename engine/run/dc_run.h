/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_run.h - the state of one `dancu run`, shared by its stages.
 *
 * Stages, in order (each a function over dc_run_t; the table that runs
 * them is engine/pipeline/pipeline.c):
 *   load+normalize  dc_run_load()       (engine/run)    -> recs[], load stats
 *   block           dc_block_run()      (engine/match)  -> candidate pairs
 *   score           dc_score_run()      (engine/match)  -> model, scored pairs
 *   cluster         dc_cluster_run()    (engine/match)  -> clusters
 *   merge           dc_merge_prepare()  (engine/merge)  -> display forms of names
 *   write           dc_match_write(), dc_merge_write_citizens() (survivorship,
 *                   conflict counts), dc_report_write()
 *                   into the staging folder, then dc_output_commit()
 *                   (engine/merge) -> OUTDIR files, all at once
 * A stage reads what earlier stages left and frees what no later stage
 * needs (candidate pairs are gone before merging).
 */
#ifndef DC_RUN_H
#define DC_RUN_H

#include "common/dc_common.h"
#include "dc_loader.h"
#include "normalize/dc_normalize.h"

/* Wall time, rows and memory of one stage, for the report. */
typedef struct dc_stage {
    const char *name;
    double seconds;
    uint64_t rows;
    size_t peak_rss;   /* process peak RSS at the end of the stage */
} dc_stage_t;

#define DC_MAX_STAGES 16

/* Clusters: the result of matching. Deterministic whatever the thread
 * count: clusters are numbered in the order of their first record (records
 * are in input order), members are sorted by record index. */
typedef struct dc_clusters {
    uint32_t ncl;
    uint32_t *of;        /* record index -> cluster index */
    uint32_t *off;       /* CSR offsets, ncl + 1 */
    uint32_t *members;   /* record indices, grouped by cluster */
    float *prob;         /* record index -> match probability to its cluster (1 for singletons);
                            freed once links are written (dc_match_write) */
    dc_hash128_t *key;   /* cluster -> citizen key (dc_citizen_key_format for its text) */
} dc_clusters_t;

/* ------------------------------------------------------- citizen keys */

/* The citizen key contract (docs/OUTPUTS.md, "Row identity and citizen
 * keys"): a citizen's key is XXH3-128 of the identity of its smallest row,
 *     source || 0x00 || record_id      (UTF-8 bytes, no terminator)
 * where rows are ordered by source name, then record_id, both as byte
 * strings (a shorter string before its extensions). It depends only on the
 * set of rows in the citizen: never on the order of input files, rows or
 * threads. Its text is "VN" and 32 lowercase hexadecimal digits (high 64
 * bits first). Two different citizens of one run share a key only if two
 * different identities collide in 128 bits: about n^2 / 2^129, 1.5e-23 for
 * 10^8 citizens. */
#define DC_CITIZEN_KEY_LEN 34

/*! dc_citizen_key_of() : the key of the row identity (source, record_id). */
dc_hash128_t dc_citizen_key_of(const char *source, size_t ns, const char *record_id, size_t nr);

/*! dc_citizen_key_format() : its text, NUL-terminated, in out[0..34]. */
void dc_citizen_key_format(dc_hash128_t key, char out[DC_CITIZEN_KEY_LEN + 1]);

/*! dc_row_identity_cmp() : the total order of row identities: source
 *  name, then record_id, as byte strings. <0, 0, >0. */
int dc_row_identity_cmp(const char *sa, size_t nsa, const char *ra, size_t nra, const char *sb, size_t nsb,
                        const char *rb, size_t nrb);

/* When `dancu run` takes the out-of-core path (spill.c): by itself when
 * the in-memory estimate exceeds --memory-limit and the out-of-core one
 * does not, or always, or never (the run is then refused as before). */
enum { DC_OOC_AUTO, DC_OOC_ALWAYS, DC_OOC_NEVER };

typedef struct dc_run_opts {
    const char *outdir;
    int nthreads;
    int force;
    int quiet;
    int jsonl;                   /* --format jsonl */
    int compress;                /* --compress: .zst outputs */
    double max_reject_rate;      /* 0..1; > 1 means no limit */
    double match_threshold;      /* match probability for a link */
    double review_threshold;     /* lower bound of the review band */
    int match_threshold_given;   /* --match-threshold given: the settings file's does not apply */
    int review_threshold_given;  /* --review-threshold given */
    const char *model_in;        /* --model FILE, NULL: estimate */
    const char *rules_file;      /* --rules FILE, NULL: default blocking rules */
    int write_scores;            /* --scores: the scores table (every candidate pair) */
    const char *labels_file;     /* --labels FILE: match / non_match decisions on pairs, NULL: none */
    size_t memory_limit;         /* bytes, 0: none */
    int memory_limit_default;    /* memory_limit is the default share, not --memory-limit */
    dc_source_naming_t source_naming;   /* --source-names base|path */
    int out_of_core;             /* --out-of-core: DC_OOC_AUTO, DC_OOC_ALWAYS, DC_OOC_NEVER */
    const char *tmp_dir;         /* --tmp-dir DIR, NULL: $TMPDIR, else the output folder's parent */
    int resume;                  /* --resume: checkpoints in --tmp-dir, resumed from (resume.c) */
    const char *master_dir;      /* --master DIR: load into a persistent master (engine/master), NULL: none */
    int retrain;                 /* --retrain: estimate a new model even when the master holds one */
    const char *model_text;      /* model.json text to use (the master's), wins over estimation; NULL: none */
    const char *rules_text;      /* blocking rules text (the master's), used when rules_file is NULL */
    dc_load_opts_t load;
    dc_norm_opts_t norm;
} dc_run_opts_t;

/* Numeric options of dc_run_opts_t and their bounds (the thread count:
 * dc_threads_bounds; load and normalization options: their modules). */
typedef enum dc_run_param {
    DC_RUN_P_MATCH_THRESHOLD,    /* match probability 0..1 */
    DC_RUN_P_REVIEW_THRESHOLD,   /* match probability 0..1, at most the match threshold */
    DC_RUN_P_MAX_REJECT_RATE,    /* 0..1 */
    DC_RUN_P_MEMORY_LIMIT,       /* bytes: 0 (none) .. 1 PiB */
    DC_RUN_P_SAMPLE_SIZE,        /* `dancu sample`: rows drawn, 1 .. 10^7 */
} dc_run_param_t;
/*! dc_run_param_bounds() : the accepted range of a numeric run option. */
dc_bounds_t dc_run_param_bounds(dc_run_param_t p);

typedef struct dc_match_state dc_match_state_t;   /* engine/match: pairs, model, stats */
typedef struct dc_merge_state dc_merge_state_t;   /* engine/merge: citizens, conflicts */
typedef struct dc_spill dc_spill_t;               /* engine/run/spill.c: the out-of-core path's files */
typedef struct dc_resume dc_resume_t;             /* engine/run/resume.c: --resume's checkpoints */

typedef struct dc_master_load dc_master_load_t;   /* engine/master: a load into a master */

/* The citizens of a whole data set by size, for the report: counted from
 * the clusters of a run, or kept by a master across loads (a load into a
 * master reads only the citizens it reaches). Bins: 1, 2, 3, 4, 5, 6-10,
 * 11-20, 21-50, 51-100, more (dc_report_hist_labels). */
#define DC_SIZE_BINS 10
typedef struct dc_cluster_totals {
    uint64_t citizens, records;
    uint64_t hist[DC_SIZE_BINS];   /* citizens per size bin */
    uint64_t rows[DC_SIZE_BINS];   /* their rows */
    uint32_t max_size;             /* rows of the largest citizen */
    uint64_t max_count;            /* citizens of that size */
} dc_cluster_totals_t;

typedef struct dc_run {
    dc_run_opts_t opts;
    dc_intern_t *in;
    dc_norm_shared_t *norm;
    dc_load_stats_t load;
    dc_record_t *recs;
    size_t nrec, reccap;
    uint32_t *xvals;        /* values of the declared extra columns (dc_extra.h), NULL when none */
    size_t xcap;
    dc_clusters_t cl;
    dc_match_state_t *match;
    dc_merge_state_t *merge;
    dc_spill_t *spill;           /* out of core: records in a file mapping (NULL: in memory) */
    int ooc;                     /* the memory stage chose the out-of-core path */
    dc_resume_t *resume;         /* --resume: the checkpoint folder (NULL without --resume) */
    size_t peak_anon;            /* out of core: the largest anonymous RSS seen (dc_run_peak_memory) */
    /* a load into a persistent master (NULL otherwise); it sets the hints
     * below, which a plain run leaves NULL */
    dc_master_load_t *master;
    const uint8_t *dirty;      /* per record: 1 = new or changed; candidate pairs need a dirty side */
    const uint32_t *anchor;    /* per record: a record of the citizen it stays in (itself: none) */
    const uint8_t *out_rec;    /* per record: written to links (NULL: every record) */
    const uint8_t *out_cl;     /* per cluster: written to citizens (NULL: every cluster) */
    size_t nfull;              /* rows of the whole data when recs is a subset of it (a master's
                                  stored rows that a delivery reaches): blocking keys are cut
                                  for that many (0: nrec) */
    const dc_cluster_totals_t *totals;   /* the whole master's citizens when recs is a subset (NULL:
                                            counted from cl) */
    const uint8_t *tf_count;   /* per record: counted in term frequencies (NULL: every record) */
    int (*tf_add)(struct dc_run *run, void *tf);   /* adds the counts of the rows not in recs */
    char **xsrc;               /* names of sources [load.nsources, load.nsources + nxsrc): */
    uint32_t nxsrc;            /*   stored in the master, not loaded by this run (owned) */
    dc_stage_t stages[DC_MAX_STAGES];
    int nstages;
    double t_start;
    uint64_t in_bytes, in_bytes_done; /* input size when known (progress), bytes committed */
} dc_run_t;

/*! dc_run_init() : an empty run with `opts` (copied; strings borrowed):
 *  its interner and normalization tables. */
void dc_run_init(dc_run_t *run, const dc_run_opts_t *opts);

/*! dc_run_load() :
 *  Load and normalize `paths` (dc_load with a sink that normalizes each
 *  batch on the worker threads with dc_norm_row and appends the records in
 *  input order at commit), then dc_norm_finalize. Fills run->recs, run->nrec
 *  and run->load; records a "load" stage. @return 0 or -1 (dc_seterr). */
int dc_run_load(dc_run_t *run, const char *const *paths, size_t npaths);

/*! dc_run_manifest_json() : a JSON object naming the inputs (as given and
 *  as absolute paths) and the load/normalize options, enough to load the
 *  same records again (`dancu explain`). */
void dc_run_manifest_json(const dc_run_t *run, const char *const *paths, size_t npaths, dc_buf_t *out);

/* Input bytes per distinct interned string, to size the interner up front
 * (dc_intern_reserve): measured 126 (1M people) and 106 (200k) on
 * `dancu gen` exports, more at larger sizes (values repeat). Twice that, so
 * that the reservation stays below the final count: the tables skip their
 * early doublings but never end larger than without it (at 10M, 128 made
 * the peak RSS 230 MB larger). */
#define DC_RUN_BYTES_PER_STRING 256

/*! dc_run_reserve_interner() : size `in` for the inputs up front (one
 *  string per DC_RUN_BYTES_PER_STRING input bytes; nothing when the size
 *  is unknown). @return the total size of the plain input files, 0 when
 *  unknown (stdin, .zst, .gz). */
uint64_t dc_run_reserve_interner(dc_intern_t *in, const char *const *paths, size_t npaths);

/*! dc_run_limit_origin() : "" for a --memory-limit given, else a note
 *  saying the limit is the default and how to change it (for messages). */
const char *dc_run_limit_origin(const dc_run_t *run);

/*! dc_run_input_bytes() : the bytes of the input files (standard input
 *  and missing files count 0), .gz and .zst ones counted at `zratio` times
 *  their size (the plain bytes they hold, assumed). */
double dc_run_input_bytes(const char *const *paths, size_t npaths, double zratio);

/*! dc_run_estimate_load_bytes() : the memory that loading `paths` will
 *  take at its peak, estimated from the file sizes (docs/PERFORMANCE.md). */
size_t dc_run_estimate_load_bytes(const char *const *paths, size_t npaths);

/*! dc_run_check_memory_early() : with opts.memory_limit, choose the path:
 *  sets run->ooc (out of core) when opts.out_of_core is DC_OOC_ALWAYS, or
 *  DC_OOC_AUTO and the in-memory estimate exceeds the limit while the
 *  out-of-core one (dc_run_estimate_load_bytes_ooc) does not; fails
 *  (dc_seterr, -1) before anything is allocated when the inputs clearly
 *  need more than the chosen path can do with. dc_run_load also stops as
 *  soon as the process exceeds the limit. */
int dc_run_check_memory_early(dc_run_t *run, const char *const *paths, size_t npaths);

/*! dc_run_estimate_load_bytes_ooc() : the same for the out-of-core path
 *  (the records are not held: docs/PERFORMANCE.md). */
size_t dc_run_estimate_load_bytes_ooc(const char *const *paths, size_t npaths);

/* ------------------------------------------------------- out of core */

/* Disk the spill takes per plain input byte (records.bin: 168 bytes per
 * record; 0.59 per input byte on `dancu gen` exports, 283 bytes a row),
 * with a margin for inputs of shorter rows; compressed inputs are
 * counted at DC_SPILL_COMPRESSION times their size (4.6 measured on
 * `dancu gen --compress`). */
#define DC_SPILL_PER_INPUT_BYTE 0.9
#define DC_SPILL_COMPRESSION 5.0

/*! dc_run_tmp_base() : the folder private temporary folders go in:
 *  --tmp-dir, else $TMPDIR, else the output folder's parent. */
void dc_run_tmp_base(const dc_run_t *run, char *out, size_t cap);

/*! dc_spill_estimate_bytes() : temporary disk an out-of-core run of
 *  `paths` takes, estimated from their sizes. */
uint64_t dc_spill_estimate_bytes(const char *const *paths, size_t npaths);
/*! dc_spill_begin() : check the free space of the temporary folder's file
 *  system against dc_spill_estimate_bytes (a clear error, nothing done,
 *  when short), create the private folder (0700) and its records file
 *  (0600); run->spill. @return 0 or -1 (dc_seterr). */
int dc_spill_begin(dc_run_t *run, const char *const *paths, size_t npaths);
/*! dc_spill_put() : append records (the load's in-order commit). */
int dc_spill_put(dc_run_t *run, const dc_record_t *recs, size_t n);
/*! dc_spill_map() : after loading, map the records file as run->recs. */
int dc_spill_map(dc_run_t *run);
/*! dc_spill_release() : drop the mapped records' resident pages from the
 *  process (they stay in the page cache or on disk); no-op in memory. */
void dc_spill_release(dc_run_t *run);
/*! dc_spill_reset() : forget the records appended so far (the file is
 *  emptied): a restore from a checkpoint that failed half-way. */
int dc_spill_reset(dc_run_t *run);
/*! dc_spill_owns_records() : 1 when run->recs is the spill's mapping. */
int dc_spill_owns_records(const dc_run_t *run);
/*! dc_spill_dir() : the private temporary folder, NULL in memory. */
const char *dc_spill_dir(const dc_run_t *run);
/*! dc_spill_end() : unmap, remove the files and the folder. */
void dc_spill_end(dc_run_t *run);
/*! dc_run_peak_memory() : the process's peak memory for --memory-limit:
 *  its peak RSS in memory; out of core, its peak before the records were
 *  mapped or the anonymous RSS at the end of the stages since, whichever
 *  is larger (the mapped records are page cache the kernel reclaims, not
 *  the process's memory). */
size_t dc_run_peak_memory(const dc_run_t *run);
/*! dc_spill_abort_all() : async-signal-safe: remove the live spill's
 *  files and folder (for SIGINT/SIGTERM handlers). */
void dc_spill_abort_all(void);

/* ------------------------------------------------------- resuming */

/* `dancu run --resume` (resume.c; docs/PERFORMANCE.md, "Resuming a run"):
 * checkpoints after the load and after clustering in a private folder
 * named by a fingerprint of what decides the outputs, resumed from by the
 * next run with the same fingerprint. */

/*! dc_resume_open() : after the inputs stage (paths in canonical order,
 *  opts.load.source_names set): the fingerprint, the checkpoint folder
 *  (created 0700, or an existing one checked to be private) locked for
 *  the run, and its record store; run->resume. Refused (-1, dc_seterr)
 *  for standard input, a folder that is not private, or one in use by
 *  another run. */
int dc_resume_open(dc_run_t *run, const char *const *paths, size_t npaths);
/*! dc_resume_load() : the load stage of a resumable run: the records,
 *  statistics and rejects from the load checkpoint when it is valid,
 *  else dc_run_load() and then the checkpoint written (the rejects are
 *  formatted into memory first: a table of `ncols` columns `cols`, then
 *  appended to opts.load.rejects). @return 0 or -1 (dc_seterr). */
int dc_resume_load(dc_run_t *run, const char *const *paths, size_t npaths, const char *const *cols,
                   size_t ncols);
/*! dc_resume_match() : the state of the matching stages (pairs, scores,
 *  model, statistics, clusters) from the cluster checkpoint. @return 1
 *  when restored (block, score and cluster are skipped), 0 when there is
 *  none or it is not valid (logged; they run). */
int dc_resume_match(dc_run_t *run);
/*! dc_resume_save_match() : after clustering: the cluster checkpoint
 *  (a failure to write it is logged, the run goes on). */
void dc_resume_save_match(dc_run_t *run);
/*! dc_resume_finish() : at the end of the pipeline: on success (rc 0) the
 *  checkpoint folder is removed; on failure it is kept when it holds a
 *  checkpoint (the error message then says so), else removed. */
void dc_resume_finish(dc_run_t *run, int rc);
/*! dc_resume_close() : unlock and forget the folder (dc_run_free). */
void dc_resume_close(dc_run_t *run);

/*! dc_run_check_memory_matching() : after loading, fail (-1) before
 *  blocking when what is held plus what matching and merging need per
 *  record exceeds opts.memory_limit. */
int dc_run_check_memory_matching(const dc_run_t *run);

/*! dc_run_rows_linked() : the rows of this run's inputs that are in a
 *  citizen (all records, except in a load into a master, whose records
 *  also hold the stored rows of other sources): the "linked" of
 *  input = linked + rejected. */
uint64_t dc_run_rows_linked(const dc_run_t *run);

/*! dc_run_source_name() : the name of source index `s` of a record
 *  (a loaded file, or a source stored in the master), "" if unknown. */
const char *dc_run_source_name(const dc_run_t *run, uint32_t s);

/*! dc_run_free() : records, load statistics, clusters, normalization
 *  tables and interner (the match and merge states are freed by their
 *  own modules first). */
void dc_run_free(dc_run_t *run);

/*! dc_clusters_free() : release a dc_clusters_t (fields zeroed). */
void dc_clusters_free(dc_clusters_t *cl);

/*! dc_run_stage_begin()/end() : time a stage and record it in run->stages. */
void dc_run_stage_begin(dc_run_t *run, const char *name);
void dc_run_stage_end(dc_run_t *run, uint64_t rows);

#endif /* DC_RUN_H */
