/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_normalize.c - `dancu normalize`: show what the engine understands of
 * every row: the raw values beside the normalized ones, keys, codes and
 * flags (docs/NORMALIZATION.md, "dancu normalize").
 *
 * DESIGN: two passes over the input, both through dc_load.
 *   1. (skipped with --sex-one or when reading stdin) a light pass that
 *      reads only gioi_tinh and ho_ten to count, per file, the evidence
 *      for the meaning of the sex codes "0"/"1" (dc_norm_sex_vote);
 *      then dc_norm_sex_decide per file.
 *   2. the full pass: workers normalize their batch into records, resolve
 *      the sex codes and format the rows into a memory table (dc_table_mem,
 *      in batch->user); the in-order commit appends those bytes to OUT. The
 *      output is therefore identical whatever --threads, and memory is
 *      bounded by the batches in flight.
 * Rejects go to OUT's directory as <name>.rejects.csv.
 */
#include "cli/dc_cli.h"
#include "common/dc_common.h"
#include "normalize/dc_normalize.h"
#include "dc_loader.h"
#include "dc_loader_int.h"
#include "run/dc_run.h"

#include <stdlib.h>   /* free, strtol */
#include <string.h>   /* strcmp, strrchr */
#include <sys/stat.h> /* stat */
#include <stdatomic.h> /* atomic_ullong */
#include <time.h>     /* clock_gettime */



/* ------------------------------------------------------------- columns */

static const char *const cols[] = {
    "source", "line", "record_id",
    "ma_tinh", "province_code",
    "ho_ten", "name", "name_exact", "name_ascii", "name_phon", "surname", "middle", "given",
    "given_phon", "name_flags",
    "ngay_sinh", "dob", "dob_flags",
    "gioi_tinh", "sex",
    "so_dinh_danh", "id12", "id12_flags",
    "so_cmnd", "cmnd", "cmnd_flags",
    "dan_toc", "ethnic_code", "ethnic_name",
    "ton_giao", "religion_code", "religion_name",
    "quoc_tich", "nationality_code",
    "que_quan", "hometown", "hometown_ward_old", "hometown_ward_new", "hometown_flags",
    "noi_thuong_tru", "perm", "perm_ward_old", "perm_ward_new", "perm_flags",
    "noi_o_hien_tai", "cur", "cur_ward_old", "cur_ward_new", "cur_flags",
    "ho_ten_cha", "father", "father_ascii", "father_phon",
    "ho_ten_me", "mother", "mother_ascii", "mother_phon",
    "ho_ten_vo_chong", "spouse", "spouse_ascii", "spouse_phon",
    "ngay_chet", "dod", "dod_flags",
    "code_flags",
};

typedef struct norm_cli {
    dc_norm_shared_t *sh;
    dc_intern_t *in;
    dc_table_t *out;
    dc_format_t fmt;
    int nthreads;
    /* pass 1 */
    dc_sex_vote_t *votes;
    size_t nvotes;
    /* pass 2 */
    uint64_t rows;
    atomic_ullong norm_ns;   /* thread CPU time spent in dc_norm_rows (--timing) */
} norm_cli_t;

/* Per worker: the normalization context and a scratch buffer. */
typedef struct worker {
    dc_norm_ctx_t *nc;
    dc_buf_t tmp;
} worker_t;

/* Where cells go: a batch's memory table, formatted on a worker. */
typedef struct wr {
    dc_table_t *t;
    dc_buf_t *tmp;
    const dc_norm_shared_t *sh;
    const dc_intern_t *in;
} wr_t;

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *w_init(void *ud, int tid)
{
    DC_UNUSED(tid);
    norm_cli_t *C = ud;
    worker_t *w = dc_xcalloc(1, sizeof *w);
    w->nc = dc_norm_ctx_create(C->sh);
    return w;
}

static void w_free(void *ud, void *wp)
{
    DC_UNUSED(ud);
    worker_t *w = wp;
    dc_norm_ctx_free(w->nc);
    dc_buf_free(&w->tmp);
    free(w);
}

/* Pass 1: provisional sex + name flags only. */
static int p1_process(void *ud, void *wp, dc_batch_t *b)
{
    DC_UNUSED(ud);
    worker_t *w = wp;
    dc_record_t *recs = dc_xcalloc(b->n ? b->n : 1, sizeof *recs);
    for (size_t i = 0; i < b->n; i++) {
        const dc_row_t *r = &b->rows[i];
        int unrec;
        recs[i].sex = dc_norm_sex(r->v[DC_F_GIOI_TINH], r->len[DC_F_GIOI_TINH], &unrec);
        if (recs[i].sex >= DC_SEX_CODE0)
            dc_norm_name(w->nc, r->v[DC_F_HO_TEN], r->len[DC_F_HO_TEN], &recs[i].name);
    }
    b->user = recs;
    return 0;
}

static int p1_commit(void *ud, dc_batch_t *b)
{
    norm_cli_t *C = ud;
    uint32_t s = b->src->index;
    if (s >= C->nvotes) {
        C->votes = dc_xrealloc(C->votes, (s + 1) * sizeof *C->votes);
        memset(C->votes + C->nvotes, 0, (s + 1 - C->nvotes) * sizeof *C->votes);
        C->nvotes = s + 1;
    }
    dc_record_t *recs = b->user;
    for (size_t i = 0; i < b->n; i++) dc_norm_sex_vote(&C->votes[s], &recs[i]);
    free(recs);
    b->user = NULL;
    return 0;
}

static void cell_interned(wr_t *W, uint32_t id)
{
    size_t n;
    const char *s = dc_intern_str(W->in, id, &n);
    dc_table_str(W->t, s, n);
}

static void cell_buf(wr_t *W, void (*fn)(unsigned, dc_buf_t *), unsigned flags)
{
    dc_buf_clear(W->tmp);
    fn(flags, W->tmp);
    dc_table_str(W->t, W->tmp->p, W->tmp->len);
}

static void cell_display(wr_t *W, uint32_t exact)
{
    dc_buf_clear(W->tmp);
    if (exact) dc_norm_display_name(W->sh, exact, W->tmp);
    dc_table_str(W->t, W->tmp->p, W->tmp->len);
}

static void name_flags(unsigned f, dc_buf_t *b) { dc_name_flags_str((uint16_t)f, b); }
static void date_flags(unsigned f, dc_buf_t *b) { dc_date_flags_str((uint8_t)f, b); }
static void id_flags(unsigned f, dc_buf_t *b) { dc_id_flags_str((uint16_t)f, b); }
static void code_flags(unsigned f, dc_buf_t *b) { dc_code_flags_str((uint8_t)f, b); }
static void addr_flags(unsigned f, dc_buf_t *b)
{
    static const char *const names[] = {"present", "ambiguous_new", "old_name", "unmatched", "partial"};
    int first = 1;
    for (size_t i = 0; i < DC_ARRAY_LEN(names); i++) {
        if (!(f & (1u << i))) continue;
        if (!first) dc_buf_putc(b, '|');
        dc_buf_puts(b, names[i]);
        first = 0;
    }
}

/* A zero-padded number, or an empty cell for 0. */
static void cell_code(dc_table_t *t, uint64_t v, int width)
{
    if (!v) { dc_table_null(t); return; }
    char s[32];
    snprintf(s, sizeof s, "%0*llu", width, (unsigned long long)v);
    dc_table_cstr(t, s);
}

static void cell_date(dc_table_t *t, const dc_date_t *d)
{
    char buf[16];
    dc_table_cstr(t, dc_date_format(d, buf));
}

static void cells_addr(wr_t *W, const dc_row_t *r, dc_field_t f, const dc_addr_t *a)
{
    dc_table_str(W->t, r->v[f], r->len[f]);
    cell_interned(W, a->text);
    cell_code(W->t, a->ward_old, 5);
    cell_code(W->t, a->ward_new, 5);
    cell_buf(W, addr_flags, a->flags);
}

static void cells_rel(wr_t *W, const dc_row_t *r, dc_field_t f, const dc_relname_t *n)
{
    dc_table_str(W->t, r->v[f], r->len[f]);
    cell_display(W, n->exact);
    cell_interned(W, n->ascii);
    /* not interned (dc_record.h): the key again from the exact form */
    dc_buf_clear(W->tmp);
    if (n->exact) dc_norm_phon_of(W->sh, n->exact, W->tmp);
    dc_table_str(W->t, W->tmp->p, W->tmp->len);
}

/* One output row: each raw column, then what the engine understood. */
static void write_row(wr_t *W, const char *source, const dc_row_t *r, const dc_record_t *x)
{
    dc_table_t *t = W->t;
#define RAW(f) dc_table_str(t, r->v[DC_F_##f], r->len[DC_F_##f])
    dc_table_cstr(t, source);
    dc_table_u64(t, r->line);
    RAW(RECORD_ID);
    RAW(MA_TINH);
    cell_code(t, x->prov_src, 2);
    RAW(HO_TEN);
    cell_display(W, x->name.exact);
    cell_interned(W, x->name.exact);
    cell_interned(W, x->name.ascii);
    cell_interned(W, x->name.phon);
    cell_interned(W, x->name.sur);
    cell_interned(W, x->name.mid);
    cell_interned(W, x->name.given);
    cell_interned(W, x->name.given_phon);
    cell_buf(W, name_flags, x->name.flags);
    RAW(NGAY_SINH);
    cell_date(t, &x->dob);
    cell_buf(W, date_flags, x->dob.flags);
    RAW(GIOI_TINH);
    dc_table_cstr(t, dc_sex_name(x->sex));
    RAW(SO_DINH_DANH);
    cell_code(t, x->id12, 12);
    cell_buf(W, id_flags, x->id12_flags);
    RAW(SO_CMND);
    cell_code(t, x->cmnd, x->cmnd_flags & DC_ID_CMND12 ? 12 : 9);
    cell_buf(W, id_flags, x->cmnd_flags);
    RAW(DAN_TOC);
    cell_code(t, x->ethnic, 2);
    dc_table_cstr(t, dc_ethnic_name(x->ethnic));
    RAW(TON_GIAO);
    cell_code(t, x->religion == DC_RELIGION_NONE ? 0 : x->religion, 2);
    dc_table_cstr(t, dc_religion_name(x->religion));
    RAW(QUOC_TICH);
    cell_code(t, x->nationality, 3);
    cells_addr(W, r, DC_F_QUE_QUAN, &x->hometown);
    cells_addr(W, r, DC_F_NOI_THUONG_TRU, &x->perm);
    cells_addr(W, r, DC_F_NOI_O_HIEN_TAI, &x->cur);
    cells_rel(W, r, DC_F_HO_TEN_CHA, &x->father);
    cells_rel(W, r, DC_F_HO_TEN_ME, &x->mother);
    cells_rel(W, r, DC_F_HO_TEN_VO_CHONG, &x->spouse);
    RAW(NGAY_CHET);
    cell_date(t, &x->dod);
    cell_buf(W, date_flags, x->dod.flags);
    cell_buf(W, code_flags, x->code_flags);
#undef RAW
}

/* Pass 2: normalize the batch, then format its rows into a memory table
 * (on the worker); the in-order commit only appends the bytes. */
static int p2_process(void *ud, void *wp, dc_batch_t *b)
{
    norm_cli_t *C = ud;
    worker_t *w = wp;
    dc_record_t *recs = dc_xcalloc(b->n ? b->n : 1, sizeof *recs);
    uint64_t t0 = thread_cpu_ns();
    dc_norm_rows(w->nc, b->src->index, b->rows, b->n, recs);
    for (size_t i = 0; i < b->n; i++) dc_norm_sex_apply(C->sh, &recs[i]);
    atomic_fetch_add(&C->norm_ns, thread_cpu_ns() - t0);
    wr_t W = {dc_table_mem(C->fmt, cols, DC_ARRAY_LEN(cols)), &w->tmp, C->sh, C->in};
    int rc = 0;
    for (size_t i = 0; i < b->n && rc == 0; i++) {
        write_row(&W, b->src->name, &b->rows[i], &recs[i]);
        rc = dc_table_end_row(W.t);
    }
    free(recs);
    b->user = W.t;
    return rc;
}

static int p2_commit(void *ud, dc_batch_t *b)
{
    norm_cli_t *C = ud;
    dc_table_t *mem = b->user;
    int rc = dc_table_append(C->out, mem);
    dc_table_abort(mem);
    b->user = NULL;
    C->rows += b->n;
    return rc;
}

/* OUT path -> directory, table name and format. */
static int split_out(const char *path, char **dir, char **name, dc_format_t *fmt, int *zst)
{
    const char *slash = strrchr(path, '/');
    *dir = slash ? dc_xstrndup(path, (size_t)(slash - path) + (slash == path)) : dc_xstrdup(".");
    const char *base = slash ? slash + 1 : path;
    size_t n = strlen(base);
    *zst = 0;
    if (n > 4 && !strcmp(base + n - 4, ".zst")) { *zst = 1; n -= 4; }
    if (n > 4 && !strncmp(base + n - 4, ".csv", 4)) { *fmt = DC_FMT_CSV; n -= 4; }
    else if (n > 6 && !strncmp(base + n - 6, ".jsonl", 6)) { *fmt = DC_FMT_JSONL; n -= 6; }
    else return -1;
    *name = dc_xstrndup(base, n);
    return n ? 0 : -1;
}

static const dc_cmd_opt_t normalize_opts[] = {
    {DC_OPT_OUTPUT, "FILE", "output file: .csv or .jsonl, plus .zst to compress; - for CSV on standard "
                            "output (the rejected rows are then counted, not written)", NULL},
    {DC_OPT_THREADS, NULL, NULL, NULL},
    {DC_OPT_FORCE, NULL, NULL, NULL},
    {DC_OPT_QUIET, NULL, NULL, NULL},
    {DC_OPT_VERBOSE, NULL, NULL, NULL},
    DC_CMD_OPTS_NORM,
    DC_CMD_OPTS_INPUT,
    {DC_OPT_CSV_FORMULAS, NULL, NULL, NULL},
    {DC_OPT_TIMING, NULL, NULL, NULL},
    {DC_OPT_NO_CACHE, NULL, NULL, NULL},
    {DC_OPT_HELP, NULL, NULL, NULL},
};

const dc_cmd_spec_t dc_spec_normalize = {
    "normalize", "-o OUT.csv [OPTIONS] FILE|DIR...", "show what the engine understands of every row",
    "Normalize every row of household-register exports and write one output row per input row: the raw "
    "values beside the normalized ones, the name keys, codes and flags (docs/NORMALIZATION.md). Rejected "
    "rows go to OUT's folder as <OUT>.rejects.csv. A DIR stands for its files, - for standard input.",
    normalize_opts, DC_ARRAY_LEN(normalize_opts), NULL,
};

/* -o OUT: "-" (standard output) or a .csv/.jsonl file, optionally .zst,
 * that must not exist unless --force. @return 0 with *dir and *name
 * malloc'd, or the exit status (nothing to free). */
static int prepare_out(const char *out, int force, char **dir, char **name, dc_format_t *fmt, int *zst)
{
    if (!strcmp(out, "-")) {
        *dir = dc_xstrdup(".");
        *name = dc_xstrdup("-");
        return 0;
    }
    if (split_out(out, dir, name, fmt, zst)) {
        free(*dir);
        free(*name);
        *dir = *name = NULL;
        return dc_cli_usage_error("normalize", "-o: '%s' is not a .csv or .jsonl file (optionally .zst), nor -", out);
    }
    struct stat st;
    if (!force && stat(out, &st) == 0) {
        dc_error("%s exists (use --force to overwrite)", out);
        free(*dir);
        free(*name);
        *dir = *name = NULL;
        return DC_EXIT_FAIL;
    }
    return 0;
}

/* Where pass 2 writes. */
typedef struct out {
    const char *dir, *name;
    dc_format_t fmt;
    int zst, to_stdout;
} out_t;

/* Pass 1: what "0" and "1" mean, per file (unless --sex-one, or the
 * input is stdin, which cannot be read twice). @return 1 on failure. */
static int sex_pass(norm_cli_t *C, dc_load_opts_t *lo, dc_sink_t *sink, const char *const *paths, size_t npaths,
                    int sex_one, int stdin_in)
{
    int fail = 0;
    dc_load_stats_t ls;
    if (!sex_one && !stdin_in) {
        sink->process = p1_process;
        sink->commit = p1_commit;
        if (dc_load(lo, paths, npaths, sink, &ls) != 0) {
            dc_error("%s", dc_geterr());
            fail = 1;
        } else {
            for (uint32_t s = 0; s < ls.nsources; s++) {
                dc_sex_vote_t zero;
                memset(&zero, 0, sizeof zero);
                const dc_sex_vote_t *vote = s < C->nvotes ? &C->votes[s] : &zero;
                int d = dc_norm_sex_decide(C->sh, s, vote);
                uint64_t coded = vote->rows[0] + vote->rows[1] + vote->rows[2];
                if (coded)
                    dc_log(1, "%s: %llu rows with sex codes 0/1/2: %s", ls.sources[s].name,
                           (unsigned long long)coded,
                           d == 1 ? "\"1\" = male (from middle names)"
                           : d == 2 ? "\"1\" = female (from middle names)"
                                    : "evidence too weak, left unknown (use --sex-one)");
            }
        }
        dc_load_stats_free(&ls);
    } else if (stdin_in && !sex_one) {
        dc_log(1, "reading stdin: sex codes 0/1 are left unresolved (use --sex-one)");
    }

    return fail;
}

/* Pass 2: normalize every row and write OUT (and OUT.rejects beside it,
 * unless OUT is standard output). @return 1 on failure. */
static int write_pass(norm_cli_t *C, dc_load_opts_t *lo, dc_sink_t *sink, const char *const *paths, size_t npaths,
                      const out_t *o, int timing, double t0)
{
    int fail = 0;
    dc_load_stats_t ls;
    static const char *const rcols[] = {"source", "line", "reason", "raw"};
    char *rname = dc_xmalloc(strlen(o->name) + 16);
    snprintf(rname, strlen(o->name) + 16, "%s.rejects", o->name);
    C->fmt = o->fmt;
    C->out = o->to_stdout ? dc_table_open_path("-", o->fmt, 0, cols, DC_ARRAY_LEN(cols))
                          : dc_table_open(o->dir, o->name, o->fmt, o->zst, cols, DC_ARRAY_LEN(cols));
    lo->rejects = C->out && !o->to_stdout ? dc_table_open(o->dir, rname, DC_FMT_CSV, 0, rcols, 4) : NULL;
    free(rname);
    if (!C->out || (!lo->rejects && !o->to_stdout)) {
        dc_error("%s", dc_geterr());
        dc_table_abort(C->out);
        fail = 1;
    } else {
        sink->process = p2_process;
        sink->commit = p2_commit;
        int r = dc_load(lo, paths, npaths, sink, &ls);
        if (r != 0) {
            dc_error("%s", dc_geterr());
            dc_table_abort(C->out);
            dc_table_abort(lo->rejects);
            fail = 1;
        } else {
            const char *outpath = dc_table_path(C->out);
            if (timing) {
                double cpu = (double)atomic_load(&C->norm_ns) / 1e9;
                /* one line, stable format: bench/bench_normalize.sh reads it */
                printf("normalize-timing rows=%llu cpu_seconds=%.4f rows_per_cpu_second=%.0f\n",
                       (unsigned long long)ls.rows_ok, cpu, cpu > 0 ? (double)ls.rows_ok / cpu : 0.0);
            }
            dc_log(1, "%llu rows normalized, %llu rejected, %.2f s -> %s",
                   (unsigned long long)ls.rows_ok, (unsigned long long)ls.rows_rejected,
                   dc_now() - t0, outpath);
            dc_log(2, "interner: %u strings, %.1f MB", dc_intern_count(C->in) - 1,
                   (double)dc_intern_bytes(C->in) / 1e6);
            if (dc_table_commit(C->out) != 0) {
                dc_error("%s", dc_geterr());
                dc_table_abort(lo->rejects);
                fail = 1;
            } else if (lo->rejects && dc_table_commit(lo->rejects) != 0) {
                dc_error("%s", dc_geterr());
                fail = 1;
            }
        }
        dc_load_stats_free(&ls);
    }
    return fail;
}

int dc_cmd_normalize(int argc, char **argv)
{
    dc_optvals_t v;
    int rc = dc_cli_parse(&dc_spec_normalize, argc, argv, &v);
    if (rc) {
        dc_optvals_free(&v);
        return rc < 0 ? DC_EXIT_OK : rc;
    }
    int timing = v.set[DC_OPT_TIMING] != 0;
    dc_load_opts_t lo;
    memset(&lo, 0, sizeof lo);
    dc_cli_load_opts(&v, &lo);
    dc_norm_opts_t no;
    memset(&no, 0, sizeof no);
    dc_cli_norm_opts(&v, &no);
    no.no_cache = v.set[DC_OPT_NO_CACHE] != 0;
    if (v.set[DC_OPT_CSV_FORMULAS]) dc_table_formula_mode(v.str[DC_OPT_CSV_FORMULAS]);
    const char *out = v.str[DC_OPT_OUTPUT];
    int force = v.set[DC_OPT_FORCE] != 0;
    dc_source_naming_t naming = (dc_source_naming_t)(v.set[DC_OPT_SOURCE_NAMES] ? v.num[DC_OPT_SOURCE_NAMES] : 0);
    char **maps = NULL;
    size_t nmaps = 0;
    dc_cli_inputs_t inputs = {0};
    dc_cli_log_level(&v);
    if (!out) { rc = dc_cli_usage_error("normalize", "-o OUT.csv is required"); goto done; }
    if (v.argi >= argc) { rc = dc_cli_usage_error("normalize", "no input file"); goto done; }
    char *dir = NULL, *name = NULL;
    dc_format_t fmt = DC_FMT_CSV;
    int zst = 0, to_stdout = !strcmp(out, "-");
    if ((rc = prepare_out(out, force, &dir, &name, &fmt, &zst))) goto done;
    if (dc_cli_mappings(&v, &maps, &nmaps)) {
        dc_error("%s", dc_geterr());
        free(dir);
        free(name);
        rc = DC_EXIT_FAIL;
        goto done;
    }
    lo.mappings = (const char *const *)maps;
    if ((rc = dc_cli_inputs((const char *const *)argv + v.argi, (size_t)(argc - v.argi), naming, &inputs))) {
        dc_error("%s", dc_geterr());
        free(dir);
        free(name);
        goto done;
    }
    const char *const *paths = inputs.paths;
    size_t npaths = inputs.n;
    int stdin_in = 0;
    for (size_t i = 0; i < npaths; i++) stdin_in |= !strcmp(paths[i], "-");

    norm_cli_t C = {0};
    C.in = dc_intern_create();
    dc_run_reserve_interner(C.in, paths, npaths);
    C.sh = dc_norm_shared_create(C.in, &no);
    dc_sink_t sink = {.worker_init = w_init, .worker_free = w_free, .ud = &C};
    double t0 = dc_now();
    int fail = sex_pass(&C, &lo, &sink, paths, npaths, no.sex_one, stdin_in);
    if (!fail) {
        out_t ot = {dir, name, fmt, zst, to_stdout};
        fail = write_pass(&C, &lo, &sink, paths, npaths, &ot, timing, t0);
    }
    free(C.votes);
    dc_norm_shared_free(C.sh);
    dc_intern_free(C.in);
    free(dir);
    free(name);
    rc = fail ? DC_EXIT_FAIL : DC_EXIT_OK;
done:
    dc_cli_inputs_free(&inputs);
    dc_cli_mappings_free(maps, nmaps);
    dc_optvals_free(&v);
    return rc;
}
