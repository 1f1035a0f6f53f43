/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_merge.h - golden citizen records (survivorship), safe run outputs,
 * the run report and progress display.
 *
 * Stages of `dancu run` that live here, in the order cmd_run calls them:
 *
 *   dc_output_begin(run)            once, before loading: creates the
 *                                   staging folder OUTDIR/.dancu-run.<pid>/
 *   t = dc_output_table(run, ...)   any table of the run (rejects, links,
 *                                   review, ...) is opened here, written by
 *                                   its owner and NOT committed by it
 *   dc_merge_prepare(run)           the "merge" stage: display forms of
 *                                   every distinct name, once per string
 *   dc_merge_write_citizens(run)    OUTDIR/citizens.csv (or .jsonl, .zst),
 *                                   one golden record per cluster:
 *                                   survivorship (once per cluster) and the
 *                                   conflict counts -> run->merge
 *   dc_report_write(run)            OUTDIR/report.json, report.html and
 *                                   review.html (staged too)
 *   dc_output_commit(run)           the one place where files appear: every
 *                                   staged file is renamed into OUTDIR,
 *                                   then _SUCCESS is written
 *   dc_output_abort(run)            on any failure: nothing appears
 *   dc_report_summary(run, stderr)  one screen, no personal data
 *   dc_merge_free(run)
 *
 * Survivorship rules are documented in docs/OUTPUTS.md; every rule has a
 * table-driven test in tests/unit/check_merge.c.
 *
 * (dc_merge_run computes the conflict counts alone, for callers that do not
 * write citizens.)
 *
 * Threads: survivorship runs over clusters on all threads, each cluster
 * writing only its own slot or row; rows are formatted in blocks and
 * written in cluster order (dc_table_write_blocks), and the conflict
 * counts are per-thread sums added afterwards, so every output is
 * byte-identical whatever the thread count.
 */
#ifndef DC_MERGE_H
#define DC_MERGE_H

#include "run/dc_run.h"

/* ------------------------------------------------------------ citizens */

/* Flags of a citizen: conflicts that survivorship had to settle, then
 * notes on the chosen values. Stable names (dc_merge_flag_name) appear in
 * the `flags` column and in report.json. */
typedef enum dc_cflag {
    DC_CF_ID12_CONFLICT,      /* two or more distinct valid so_dinh_danh */
    DC_CF_ID12_INCONSISTENT,  /* chosen so_dinh_danh disagrees with chosen sex or birth year */
    DC_CF_ID12_INVALID_ONLY,  /* so_dinh_danh present in rows but never valid: left empty */
    DC_CF_CMND_CONFLICT,      /* two or more distinct so_cmnd */
    DC_CF_NAME_CONFLICT,      /* distinct names (after removing diacritics) */
    DC_CF_DOB_CONFLICT,       /* birth dates that contradict each other */
    DC_CF_DOB_INVALID_ONLY,   /* birth date present in rows but never readable */
    DC_CF_SEX_CONFLICT,       /* both Nam and Nữ */
    DC_CF_ETHNIC_CONFLICT,
    DC_CF_NATIONALITY_CONFLICT,
    DC_CF_RELIGION_CONFLICT,
    DC_CF_HOMETOWN_CONFLICT,  /* que_quan matched to different communes */
    DC_CF_PERM_CONFLICT,      /* noi_thuong_tru matched to different communes */
    DC_CF_CUR_CONFLICT,       /* noi_o_hien_tai matched to different communes */
    DC_CF_FATHER_CONFLICT,
    DC_CF_MOTHER_CONFLICT,
    DC_CF_SPOUSE_CONFLICT,
    DC_CF_DOD_CONFLICT,       /* dates of death that contradict each other */
    DC_CF_SAME_SOURCE_DUP,    /* two rows of the same source file in the cluster */
    DC_CF__COUNT
} dc_cflag_t;

/*! dc_merge_flag_name() : "id12_conflict", "dob_conflict", ... */
const char *dc_merge_flag_name(dc_cflag_t f);

/* A chosen name: the interned exact key of the winning display form
 * (lower case with diacritics) and its ascii key. */
typedef struct dc_cname {
    uint32_t exact, ascii;
    uint32_t sur, mid;   /* ascii keys of the parts (to split the display form); 0 unknown */
} dc_cname_t;

/* One golden record. Every string is an interned id of run->in; codes are
 * as in dc_record_t. */
typedef struct dc_citizen {
    uint32_t cl;             /* cluster index */
    uint32_t nrows;          /* source rows in the cluster */
    uint64_t id12, cmnd;     /* 0: none */
    uint8_t cmnd12;          /* so_cmnd has 12 digits (else 9) */
    uint8_t sex;             /* DC_SEX_UNKNOWN/MALE/FEMALE */
    uint8_t ethnic;
    uint16_t nationality;
    uint8_t religion;        /* DC_RELIGION_* or GSO code */
    dc_cname_t name, father, mother, spouse;
    dc_date_t dob, dod;
    dc_addr_t hometown, perm, cur;
    uint32_t flags;          /* 1 << DC_CF_* */
} dc_citizen_t;

/* Display forms of names by interned id (dc_merge_display_build). */
typedef struct dc_disp dc_disp_t;

/* The merge stage's state (run->merge). */
struct dc_merge_state {
    dc_citizen_t *cit;       /* one per cluster, in cluster order: only after
                                dc_merge_citizens (dc_merge_run keeps none) */
    size_t ncit;             /* citizens (= clusters) */
    uint64_t conflicts[DC_CF__COUNT];  /* citizens carrying each flag */
    uint64_t citizens_flagged;         /* citizens with at least one conflict flag */
    uint64_t citizens_rows;            /* rows of citizens.csv written (0 before) */
    struct dc_output *out;             /* staged outputs, see dc_output_begin */
    dc_disp_t *disp;                   /* display forms of names (dc_merge_prepare), NULL: computed per cell */
};

/*! dc_merge_cluster() :
 *  Survivorship for one cluster: fill `out` from the records
 *  recs[members[0..n)] (record indices in input order). Pure: reads only
 *  `recs` and the interner, so it is safe on any thread. `in` may be NULL
 *  only if no record holds a name (names need string compares). */
void dc_merge_cluster(const dc_intern_t *in, const dc_record_t *recs, const uint32_t *members,
                      size_t n, dc_citizen_t *out);

/* The general path of dc_merge_cluster even for one record (a cluster of
 * one takes a shorter path with the same result): for tests. */
void dc_merge_cluster_general(const dc_intern_t *in, const dc_record_t *recs, const uint32_t *members,
                              size_t n, dc_citizen_t *out);

/* The same with reusable scratch memory (one per thread), for cluster
 * `cl` of run->cl. */
typedef struct dc_merge_scratch dc_merge_scratch_t;
dc_merge_scratch_t *dc_merge_scratch_create(void);
void dc_merge_scratch_free(dc_merge_scratch_t *s);   /* NULL-safe */
void dc_merge_citizen_of(dc_merge_scratch_t *s, const dc_run_t *run, uint32_t cl, dc_citizen_t *out);

/*! dc_merge_run() :
 *  Survivorship over every cluster of run->cl, on run->opts.nthreads
 *  threads: counts the flags of every citizen into run->merge (created if
 *  NULL) for the report, without keeping the citizens. For callers that
 *  want the counts without writing citizens (`dancu run` gets them from
 *  dc_merge_write_citizens). Records a "merge" stage. @return 0 (it
 *  cannot fail on data). */
int dc_merge_run(dc_run_t *run);

/*! dc_merge_prepare() :
 *  The "merge" stage of `dancu run`: the display form (title case) of
 *  every distinct name of the records (person, father, mother, spouse),
 *  computed once per interned string on run->opts.nthreads threads, for
 *  dc_merge_write_citizens (which frees it). Creates run->merge if NULL.
 *  @return 0. */
int dc_merge_prepare(dc_run_t *run);

/*! dc_merge_display_build(), dc_merge_display_free() : the table behind
 *  dc_merge_prepare (free is NULL-safe). */
dc_disp_t *dc_merge_display_build(const dc_run_t *run, int nthreads);
void dc_merge_display_free(dc_disp_t *d);

/*! dc_merge_count_flags() : add the flags of one citizen to the counts
 *  (conflicts[f] per flag, *flagged when any conflict flag is set). */
void dc_merge_count_flags(uint32_t flags, uint64_t conflicts[DC_CF__COUNT], uint64_t *flagged);

/*! dc_merge_citizens() : the same, keeping every citizen in
 *  run->merge->cit (for tests and in-memory consumers). @return 0. */
int dc_merge_citizens(dc_run_t *run);

/*! dc_merge_free() : release run->merge (and abort staged outputs still
 *  pending). NULL-safe. */
void dc_merge_free(dc_run_t *run);

/* Citizen table columns, in order (also documented in docs/OUTPUTS.md). */
extern const char *const dc_citizen_cols[];
extern const size_t dc_citizen_ncols;

/*! dc_merge_write_citizens() :
 *  Write the citizens table (via dc_output_table: staged, committed only
 *  by dc_output_commit) after dc_output_begin: survivorship of every
 *  cluster (or the citizens kept by dc_merge_citizens), the conflict counts
 *  into run->merge, rows formatted on all threads and written in order.
 *  Uses (and frees) the display forms of dc_merge_prepare when present.
 *  @return 0 or -1 (dc_seterr names the file). */
int dc_merge_write_citizens(dc_run_t *run);

/*! dc_merge_format_date() : ISO 8601 at its precision ("1950", "1950-03",
 *  "1950-03-14"; "" when unknown) into buf (at least 16 bytes). */
void dc_merge_format_date(const dc_date_t *d, char *buf);

/*! dc_merge_sources() : the `sources` cell of a cluster: "source:record_id"
 *  joined by '|', members in input order; after DC_MERGE_MAX_SOURCES
 *  entries the rest is summarised as "|+N". Appended to `out`. */
#define DC_MERGE_MAX_SOURCES 16
void dc_merge_sources(const dc_run_t *run, uint32_t cl, dc_buf_t *out);

/* ------------------------------------------------------------- outputs */

/* Staged outputs: every file of a run is first written (and committed by
 * its table) inside OUTDIR/.dancu-run.<pid>/, then moved into OUTDIR by
 * dc_output_commit, in one place at the very end, and a _SUCCESS marker is
 * written last. A failed or killed run leaves no final file: at worst the
 * hidden staging folder (removed by the signal handler, by the next run
 * with --force, or by hand). */
typedef struct dc_output dc_output_t;

/*! dc_output_begin() :
 *  Create OUTDIR (0700) if missing; refuse an existing non-empty OUTDIR
 *  unless run->opts.force; remove a stale _SUCCESS and stale staging
 *  folders; create the staging folder; and point
 *  run->opts.outdir at it until the commit or abort: any stage that writes
 *  "into OUTDIR" (dc_table_open/dc_outfile_open on run->opts.outdir, even
 *  committing its files itself) writes into the staging folder.
 *  Creates run->merge if NULL. @return 0 or -1 (dc_seterr). */
int dc_output_begin(dc_run_t *run);

/*! dc_output_table() :
 *  Open table `name` ("citizens", "links", "review", "rejects", ...) in the
 *  staging folder with the run's format (--format) and compression
 *  (--compress). The output set owns it: write rows, never commit or abort
 *  it yourself. @return NULL on error (dc_seterr). */
dc_table_t *dc_output_table(dc_run_t *run, const char *name, const char *const *cols,
                            size_t ncols);

/*! dc_output_file() :
 *  Open a non-table output (report.json, model.json, ...) in the staging
 *  folder; compressed (name + ".zst") with --compress. Owned by the output
 *  set like tables. @return NULL on error (dc_seterr). */
dc_outfile_t *dc_output_file(dc_run_t *run, const char *name);

/*! dc_output_page() : dc_output_file for an HTML page: never compressed
 *  (a browser opens it as it is). */
dc_outfile_t *dc_output_page(dc_run_t *run, const char *name);

/*! dc_output_commit() :
 *  Commit every table and file opened here, then move every visible file
 *  of the staging folder into OUTDIR (renames only, in name order), sync
 *  OUTDIR, write OUTDIR/_SUCCESS (the version and the file names) and
 *  remove the staging folder. A hidden file left in the staging folder (an
 *  output some stage never committed) fails the commit. If anything fails,
 *  nothing remains in OUTDIR (files already moved are removed again).
 *  Restores run->opts.outdir. @return 0 or -1 (dc_seterr). */
int dc_output_commit(dc_run_t *run);

/*! dc_output_abort() : drop every staged output and the staging folder
 *  (and OUTDIR itself when dc_output_begin created it and it is empty);
 *  restores run->opts.outdir. NULL-safe (no-op when not open). */
void dc_output_abort(dc_run_t *run);

/*! dc_output_abort_all() : async-signal-safe: remove the staged files and
 *  the staging folder of the current run (for SIGINT/SIGTERM handlers,
 *  after dc_outfile_abort_all). */
void dc_output_abort_all(void);

/*! dc_output_committed() : async-signal-safe: 1 once a dc_output_commit
 *  has put every output and _SUCCESS in place (a signal after that point
 *  leaves them: the run is complete). */
int dc_output_committed(void);

/*! dc_output_dir() : the staging folder while outputs are open, else NULL. */
const char *dc_output_dir(const dc_run_t *run);

/* -------------------------------------------------------------- report */


/*! dc_report_json() : the whole report as pretty-printed JSON into `out`
 *  (deterministic apart from timings, memory and the thread count). */
void dc_report_json(const dc_run_t *run, dc_buf_t *out);

/*! dc_report_write() : OUTDIR/report.json, OUTDIR/report.html and
 *  OUTDIR/review.html (staged; the pages never compressed). @return 0 or -1. */
int dc_report_write(dc_run_t *run);

/*! dc_report_reject_rate() : rejected / input rows (0 with no input). */
double dc_report_reject_rate(const dc_run_t *run);

/*! dc_report_summary() : a one-screen summary without personal data
 *  (counts, rates, times, output folder) to `out`. */
void dc_report_summary(const dc_run_t *run, FILE *out);

/* Cluster size histogram bins used in the report: 1, 2, 3, 4, 5, 6-10,
 * 11-20, 21-50, 51-100, >100 (labels in dc_report_hist_labels). */
#define DC_REPORT_NBINS DC_SIZE_BINS
/*! dc_report_size_bin() : the bin of a citizen of `size` rows. */
int dc_report_size_bin(uint32_t size);
/*! dc_report_totals() : the citizens by size of the run's data: run->totals
 *  when set (a load into a master), else counted from run->cl. */
void dc_report_totals(const dc_run_t *run, dc_cluster_totals_t *t);
/*! dc_report_cluster_totals() : the citizens of cl by size. */
void dc_report_cluster_totals(const dc_clusters_t *cl, dc_cluster_totals_t *t);
/*! dc_report_totals_add() : one citizen of `size` rows more (the largest kept). */
void dc_report_totals_add(dc_cluster_totals_t *t, uint32_t size);
extern const char *const dc_report_hist_labels[DC_REPORT_NBINS];

/* Data quality per source province (report.json's
 * data_quality_by_province, report.html's table): counts of records. */
enum {
    DC_Q_ROWS, DC_Q_ID12_MISSING, DC_Q_ID12_INVALID, DC_Q_ID12_INCONSISTENT, DC_Q_CMND_INVALID,
    DC_Q_DOB_MISSING, DC_Q_DOB_INVALID, DC_Q_DOB_AMBIGUOUS, DC_Q_DOB_YEAR_ONLY, DC_Q_SEX_UNKNOWN,
    DC_Q_NAME_NO_DIACRITICS, DC_Q_NAME_PLACEHOLDER, DC_Q_ADDR_UNMATCHED, DC_Q_ADDR_AMBIGUOUS_NEW, DC_Q__COUNT
};
extern const char *const dc_report_quality_names[DC_Q__COUNT];   /* "rows", "id12_missing", ... */
typedef struct dc_quality {
    uint64_t c[256][DC_Q__COUNT];   /* [province code of the source row (0 unknown)][DC_Q_*] */
} dc_quality_t;
/*! dc_report_quality() : the counts over run->recs on run->opts.nthreads
 *  threads (sums: the same whatever the thread count). Free with free(). */
dc_quality_t *dc_report_quality(const dc_run_t *run);

/* ---------------------------------------------------------- HTML pages */

/*! dc_report_html() : report.html (engine/merge/report_html.c): the
 *  figures of report.json as charts, each with its table. No name, ID
 *  number or address of any person. */
void dc_report_html(const dc_run_t *run, dc_buf_t *out);

/*! dc_review_html() : review.html (engine/merge/review_html.c): the
 *  review pairs kept by the match stage (run->match->review_top, the
 *  DC_REVIEW_PAGE_MAX highest-weight ones), side by side, for a person to
 *  decide, exporting a labels CSV. Holds personal data by design. */
void dc_review_html(const dc_run_t *run, dc_buf_t *out);

/*! dc_review_value() : the display text of comparison column `col`
 *  (dc_col_t) of a record: what review.html and `dancu explain` show. */
void dc_review_value(const dc_run_t *run, const dc_record_t *r, int col, dc_buf_t *out);

/* Progress on standard error: dc_progress_* in engine/common/dc_common.h. */

#endif /* DC_MERGE_H */
