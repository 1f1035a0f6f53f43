/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * deliver.c - a run output folder into PostgreSQL (dc_deliver.h).
 *
 * Design:
 *   - One connection, one transaction: BEGIN, an advisory lock on the
 *     schema (two deliveries into one schema queue), the shape check, the
 *     loads, the keys, the `runs` row, COMMIT. Nothing is visible to other
 *     sessions before COMMIT; a failure or a dead client (the server sees
 *     the socket close) rolls everything back.
 *   - The schema is built from the column lists the writers use
 *     (dc_citizen_cols, dc_col_name), so it follows the outputs. A table
 *     that exists with other columns or types is refused before any change,
 *     with the first difference named.
 *   - Rows go through COPY ... FROM STDIN (FORMAT csv). dancu's CSV is
 *     RFC 4180 with an empty cell for a missing value, which is what
 *     PostgreSQL's CSV format reads (an unquoted empty field is NULL), so a
 *     CSV table is streamed as it is read (decompressed when .zst): the
 *     client does no parsing and the server parses once. Its header row is
 *     checked against the schema and not sent. JSON Lines rows are
 *     converted to CSV rows (null -> empty cell, "" -> a quoted empty
 *     string). Measured against COPY (FORMAT binary) in docs/DELIVERY.md.
 *   - Full run: the keys, indexes and foreign keys of the reloaded tables
 *     are dropped, the tables truncated, loaded, and the keys built after
 *     the load (a sort per index instead of one insertion per row).
 *   - Change set: the changes go into `changes`; the new state into
 *     temporary tables; the touched citizens K are the keys the changes
 *     name plus the citizens (old and new) of the rows they name; the
 *     touched rows are the rows of K in the database plus the rows named.
 *     Touched rows and citizens absent from the new state are deleted, the
 *     others upserted (rows that are equal are not rewritten).
 *   - Checksum: XXH3-128 over every delivered table (its name, its
 *     decompressed bytes, its length), in table order. Without --run-id it
 *     is computed first (one extra read: the run id is the checksum) and
 *     checked again while the rows stream, so a folder that changes during
 *     the delivery aborts it.
 *   - Test hook: DANCU_TEST_DELIVER_PAUSE=FILE creates FILE once the first
 *     block of links has been sent inside COPY, and waits until FILE is
 *     removed (tests kill the process or the connection meanwhile).
 */
#include "deliver/dc_deliver.h"
#include "common/dc_common.h"
#include "match/dc_match.h"
#include "common/dc_json.h"
#include "merge/dc_merge.h"
#include "dc_loader_int.h"   /* dc_src_*: plain, zstd or gzip streams */

#include <errno.h>      /* errno */
#include <fcntl.h>      /* open */
#include <libpq-fe.h>   /* PQ* */
#include <stdlib.h>     /* free, getenv */
#include <string.h>     /* strcmp */
#include <sys/stat.h>   /* stat */
#include <time.h>       /* nanosleep */
#include <unistd.h>     /* close */
#include <xxhash.h>     /* XXH3_128bits streaming */

#define CHUNK (1u << 20)

/* ------------------------------------------------------------ schema */

typedef struct {
    const char *name, *type;
} col_t;

typedef struct {
    const char *name;
    int per_run;        /* leading run_id column (rows of one delivery) */
    int has_seq;        /* changes: a seq identity column after run_id */
    col_t *cols;        /* the file's columns */
    size_t ncols;
} tdef_t;

static const char *const table_names[DC_DT__COUNT] = {"citizens", "links", "review", "rejects", "changes"};

const char *dc_deliver_table_name(dc_dtable_t t)
{
    return (unsigned)t < DC_DT__COUNT ? table_names[t] : "?";
}

static void tdef_add(tdef_t *t, const char *name, const char *type)
{
    t->cols = dc_xrealloc(t->cols, (t->ncols + 1) * sizeof *t->cols);
    t->cols[t->ncols].name = name;
    t->cols[t->ncols].type = type;
    t->ncols++;
}

typedef struct {
    tdef_t t[DC_DT__COUNT];
    char names[2 * DC_COL__COUNT][40];
} schema_t;

static void schema_build(schema_t *s)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < DC_DT__COUNT; i++) s->t[i].name = table_names[i];
    for (size_t i = 0; i < dc_citizen_ncols; i++)
        tdef_add(&s->t[DC_DT_CITIZENS], dc_citizen_cols[i],
                 !strcmp(dc_citizen_cols[i], "n_rows") ? "integer" : "text");
    tdef_t *l = &s->t[DC_DT_LINKS];
    tdef_add(l, "source", "text");
    tdef_add(l, "record_id", "text");
    tdef_add(l, "citizen_key", "text");
    tdef_add(l, "match_probability", "double precision");
    tdef_t *r = &s->t[DC_DT_REVIEW];
    r->per_run = 1;
    static const char *const head[] = {"source_a", "record_id_a", "source_b", "record_id_b"};
    for (int i = 0; i < 4; i++) tdef_add(r, head[i], "text");
    tdef_add(r, "match_probability", "double precision");
    tdef_add(r, "match_weight", "double precision");
    tdef_add(r, "decision", "text");
    for (int c = 0; c < dc_col_count(); c++) {
        snprintf(s->names[2 * c], sizeof s->names[0], "%s_level", dc_col_name((dc_col_t)c));
        snprintf(s->names[2 * c + 1], sizeof s->names[0], "%s_weight", dc_col_name((dc_col_t)c));
        tdef_add(r, s->names[2 * c], "text");
        tdef_add(r, s->names[2 * c + 1], "double precision");
    }
    tdef_t *j = &s->t[DC_DT_REJECTS];
    j->per_run = 1;
    tdef_add(j, "source", "text");
    tdef_add(j, "line", "bigint");
    tdef_add(j, "reason", "text");
    tdef_add(j, "raw", "text");
    tdef_t *c = &s->t[DC_DT_CHANGES];
    c->per_run = 1;
    c->has_seq = 1;
    static const char *const ch[] = {"event", "citizen_key", "other_key", "source", "record_id"};
    for (int i = 0; i < 5; i++) tdef_add(c, ch[i], "text");
}

static void schema_free(schema_t *s)
{
    for (int i = 0; i < DC_DT__COUNT; i++) free(s->t[i].cols);
}

/* The runs table (created with its key: it is tiny). */
static const col_t runs_cols[] = {
    {"run_id", "text"}, {"kind", "text"}, {"checksum", "text"}, {"dancu_version", "text"},
    {"format", "text"}, {"delivered_at", "timestamp with time zone"},
    {"citizens", "bigint"}, {"links", "bigint"}, {"review", "bigint"}, {"rejects", "bigint"},
    {"changes", "bigint"}, {"seconds", "double precision"},
    {"master_id", "text"}, {"master_generation", "bigint"},
};
#define RUNS_ADDED 2   /* columns added since the first format: a runs table without them is upgraded */

/* Keys, indexes and foreign keys, by table; created after the bulk load.
 * %1$s is the quoted schema. Names are fixed: they are dropped and made
 * again by name. */
typedef struct {
    dc_dtable_t table;
    const char *name;
    const char *def;    /* after "ALTER TABLE s.t ADD CONSTRAINT name " or the index body */
    int is_index;
} key_t_;

static const key_t_ keys[] = {
    {DC_DT_CITIZENS, "citizens_pkey", "PRIMARY KEY (citizen_key)", 0},
    {DC_DT_LINKS, "links_pkey", "PRIMARY KEY (source, record_id)", 0},
    {DC_DT_LINKS, "links_citizen_idx", "(citizen_key)", 1},
    {DC_DT_LINKS, "links_citizen_fk",
     "FOREIGN KEY (citizen_key) REFERENCES %s.citizens (citizen_key) DEFERRABLE INITIALLY DEFERRED", 0},
    {DC_DT_REVIEW, "review_pkey", "PRIMARY KEY (run_id, source_a, record_id_a, source_b, record_id_b)", 0},
    {DC_DT_REVIEW, "review_a_idx", "(source_a, record_id_a)", 1},
    {DC_DT_REVIEW, "review_b_idx", "(source_b, record_id_b)", 1},
    {DC_DT_REVIEW, "review_run_fk", "FOREIGN KEY (run_id) REFERENCES %s.runs (run_id) ON DELETE CASCADE", 0},
    {DC_DT_REJECTS, "rejects_pkey", "PRIMARY KEY (run_id, source, line)", 0},
    {DC_DT_REJECTS, "rejects_run_fk", "FOREIGN KEY (run_id) REFERENCES %s.runs (run_id) ON DELETE CASCADE", 0},
    {DC_DT_CHANGES, "changes_pkey", "PRIMARY KEY (run_id, seq)", 0},
    {DC_DT_CHANGES, "changes_citizen_idx", "(citizen_key)", 1},
    {DC_DT_CHANGES, "changes_row_idx", "(source, record_id)", 1},
    {DC_DT_CHANGES, "changes_run_fk", "FOREIGN KEY (run_id) REFERENCES %s.runs (run_id) ON DELETE CASCADE", 0},
};

/* ------------------------------------------------------- credentials */

/* Secrets of a connection string, as written: the password of a URI's
 * user info and any password=... value (URI query or conninfo). */
static int secrets_of(const char *ci, char out[4][256])
{
    int n = 0;
    if (!ci) return 0;
    const char *u = strstr(ci, "://");
    if (u) {
        u += 3;
        const char *end = u + strcspn(u, "/?");
        const char *at = NULL;
        for (const char *p = u; p < end; p++) if (*p == '@') at = p;
        if (at) {
            const char *colon = memchr(u, ':', (size_t)(at - u));
            if (colon && at - colon - 1 > 0 && n < 4) {
                size_t len = DC_MIN((size_t)(at - colon - 1), 255u);
                memcpy(out[n], colon + 1, len);
                out[n++][len] = 0;
            }
        }
    }
    for (const char *p = ci; (p = strstr(p, "password")) != NULL && n < 4;) {
        p += 8;
        while (*p == ' ') p++;
        if (*p != '=') continue;
        p++;
        while (*p == ' ') p++;
        size_t len;
        if (*p == '\'') { p++; len = strcspn(p, "'"); }
        else len = strcspn(p, " &");
        if (len) {
            len = DC_MIN(len, 255u);
            memcpy(out[n], p, len);
            out[n++][len] = 0;
        }
    }
    return n;
}

/* Copy msg into out with every secret (and PGPASSWORD) replaced by ***. */
static void mask_into(dc_buf_t *out, const char *msg, const char *ci, const char *extra)
{
    char sec[6][256];
    int n = secrets_of(ci, sec);
    const char *env = getenv("PGPASSWORD");
    if (env && *env && strlen(env) < 256) snprintf(sec[n++], 256, "%s", env);
    if (extra && *extra && strlen(extra) < 256) snprintf(sec[n++], 256, "%s", extra);
    for (const char *p = msg; *p;) {
        int hit = 0;
        for (int i = 0; i < n; i++) {
            size_t l = strlen(sec[i]);
            if (l && !strncmp(p, sec[i], l)) {
                dc_buf_puts(out, "***");
                p += l;
                hit = 1;
                break;
            }
        }
        if (!hit) dc_buf_putc(out, *p++);
    }
    while (out->len && (out->p[out->len - 1] == '\n' || out->p[out->len - 1] == ' ')) out->p[--out->len] = 0;
}

void dc_deliver_target(const char *conninfo, char *out, size_t cap)
{
    char *err = NULL;
    PQconninfoOption *o = PQconninfoParse(conninfo ? conninfo : "", &err);
    if (err) PQfreemem(err);
    if (!o) {
        snprintf(out, cap, "(an unreadable connection string)");
        return;
    }
    const char *user = NULL, *host = NULL, *port = NULL, *db = NULL, *svc = NULL;
    for (PQconninfoOption *p = o; p->keyword; p++) {
        if (!p->val || !*p->val) continue;
        if (!strcmp(p->keyword, "user")) user = p->val;
        else if (!strcmp(p->keyword, "host")) host = p->val;
        else if (!strcmp(p->keyword, "port")) port = p->val;
        else if (!strcmp(p->keyword, "dbname")) db = p->val;
        else if (!strcmp(p->keyword, "service")) svc = p->val;
    }
    if (!user) user = getenv("PGUSER");
    if (!host) host = getenv("PGHOST");
    if (!port) port = getenv("PGPORT");
    if (!db) db = getenv("PGDATABASE");
    if (!svc) svc = getenv("PGSERVICE");
    dc_buf_t b = DC_BUF_INIT;
    dc_buf_puts(&b, "postgresql://");
    if (user) dc_buf_printf(&b, "%s@", user);
    int sock = host && host[0] == '/';
    if (host && !sock) dc_buf_puts(&b, host);
    if (port) dc_buf_printf(&b, ":%s", port);
    dc_buf_printf(&b, "/%s", db ? db : "");
    char sep = '?';
    if (sock) { dc_buf_printf(&b, "%chost=%s", sep, host); sep = '&'; }
    if (svc) dc_buf_printf(&b, "%cservice=%s", sep, svc);
    PQconninfoFree(o);
    snprintf(out, cap, "%s", b.p);
    dc_buf_free(&b);
}

/* ------------------------------------------------------ connection */

typedef struct {
    const dc_deliver_opts_t *o;
    PGconn *c;
    char *schema;      /* quoted identifier */
    char *schema_lit;  /* as a literal */
    char *run_lit;     /* run id literal */
    char *password;    /* the one libpq used (to mask it), may be NULL */
    schema_t s;
    dc_buf_t sql;
    /* OUT/master.json (a load into a master, or its export): 0 generation = none */
    char master_id[40];
    long long master_gen, master_base;   /* base: the generation a change set applies to */
} ctx_t;

/* A server error without row values: for data (22) and integrity (23)
 * errors only the kind, table, column, constraint and COPY line. */
static int pg_fail(ctx_t *x, PGresult *r, const char *what)
{
    dc_buf_t m = DC_BUF_INIT;
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (state && (!strncmp(state, "22", 2) || !strncmp(state, "23", 2))) {
        const char *kind = !strcmp(state, "23505")   ? "duplicate key"
                           : !strcmp(state, "23503") ? "foreign key violation"
                           : !strcmp(state, "23502") ? "missing value in a NOT NULL column"
                           : state[1] == '3'         ? "constraint violation"
                                                     : "invalid value";
        dc_buf_printf(&m, "%s (SQLSTATE %s)", kind, state);
        const char *tbl = PQresultErrorField(r, PG_DIAG_TABLE_NAME);
        const char *col = PQresultErrorField(r, PG_DIAG_COLUMN_NAME);
        const char *con = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
        const char *ctx = PQresultErrorField(r, PG_DIAG_CONTEXT);
        if (tbl) dc_buf_printf(&m, ", table %s", tbl);
        if (col) dc_buf_printf(&m, ", column %s", col);
        if (con) dc_buf_printf(&m, ", constraint %s", con);
        const char *ln = ctx ? strstr(ctx, ", line ") : NULL;
        if (ln && !strncmp(ctx, "COPY ", 5)) {
            ln += 7;
            dc_buf_printf(&m, ", data row %.*s of the file", (int)strspn(ln, "0123456789"), ln);
        }
    } else {
        const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
        if (!msg) msg = PQerrorMessage(x->c);
        mask_into(&m, msg && *msg ? msg : "no answer from the server", x->o->conninfo, x->password);
    }
    if (r) PQclear(r);
    dc_seterr("deliver: %s: %s", what, m.p ? m.p : "error");
    dc_buf_free(&m);
    return -1;
}

/* Run x->sql (one or more statements); its result must be OK. When `res`,
 * the (single) result is handed over; else cleared. */
static int exec_sql(ctx_t *x, const char *what, PGresult **res)
{
    PGresult *r = PQexec(x->c, x->sql.p);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return pg_fail(x, r, what);
    if (res) *res = r;
    else PQclear(r);
    return 0;
}

static int execf(ctx_t *x, const char *what, PGresult **res, const char *fmt, ...) DC_PRINTF(4, 5);
static int execf(ctx_t *x, const char *what, PGresult **res, const char *fmt, ...)
{
    char tmp[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    dc_buf_clear(&x->sql);
    if (n >= 0 && (size_t)n < sizeof tmp) {
        dc_buf_puts(&x->sql, tmp);
    } else {
        va_start(ap, fmt);
        char *big = dc_xmalloc((size_t)n + 1);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        dc_buf_puts(&x->sql, big);
        free(big);
    }
    return exec_sql(x, what, res);
}

/* ------------------------------------------------------------ files */

typedef struct {
    char *path;        /* NULL: absent */
    char name[32];     /* as listed in _SUCCESS */
    int jsonl;
} tfile_t;

/* The files of OUT listed in _SUCCESS: one per table at most. */
static int find_files(const char *outdir, tfile_t f[DC_DT__COUNT])
{
    memset(f, 0, sizeof(tfile_t) * DC_DT__COUNT);
    dc_buf_t p = DC_BUF_INIT;
    dc_buf_printf(&p, "%s/_SUCCESS", outdir);
    size_t len = 0;
    char *mark = dc_read_file(p.p, &len, 1u << 20);
    if (!mark) {
        struct stat st;
        int missing = stat(p.p, &st) != 0 && errno == ENOENT;
        dc_buf_free(&p);
        if (missing)
            return dc_seterr("deliver: %s is not a complete run output (no _SUCCESS)", outdir);
        return -1;
    }
    static const char *const suffix[] = {".csv", ".csv.zst", ".jsonl", ".jsonl.zst"};
    for (char *line = mark, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl) *nl = 0;
        for (int t = 0; t < DC_DT__COUNT; t++) {
            for (int s = 0; s < 4; s++) {
                char want[32];
                snprintf(want, sizeof want, "%s%s", table_names[t], suffix[s]);
                if (strcmp(line, want)) continue;
                if (f[t].path) {
                    free(mark);
                    dc_buf_free(&p);
                    return dc_seterr("deliver: %s/_SUCCESS lists two files for the %s table", outdir,
                                     table_names[t]);
                }
                dc_buf_clear(&p);
                dc_buf_printf(&p, "%s/%s", outdir, want);
                f[t].path = dc_xstrdup(p.p);
                snprintf(f[t].name, sizeof f[t].name, "%s", want);
                f[t].jsonl = s >= 2;
            }
        }
    }
    free(mark);
    dc_buf_free(&p);
    for (int t = 0; t <= DC_DT_LINKS; t++)
        if (!f[t].path) return dc_seterr("deliver: %s has no %s table listed in _SUCCESS", outdir, table_names[t]);
    return 0;
}

/* OUT/master.json, written by a load into a master (generation, and the
 * generation its change set applies to) or by its export (generation):
 * 0 when absent. */
static int read_master_json(const char *outdir, ctx_t *x)
{
    dc_buf_t p = DC_BUF_INIT;
    dc_buf_printf(&p, "%s/master.json", outdir);
    size_t len = 0;
    char *text = dc_read_file(p.p, &len, 1u << 16);
    int rc = 0;
    if (text) {
        dc_arena_t arena, *a = &arena;
        dc_arena_init(a, 1 << 12);
        const dc_json_t *j = dc_json_parse(text, len, a);
        const char *id = j ? dc_json_str(dc_json_get(j, "master_id")) : NULL;
        double g = j ? dc_json_num(dc_json_get(j, "generation"), 0) : 0;
        double b = j ? dc_json_num(dc_json_get(j, "base_generation"), -1) : -1;
        if (!id || strlen(id) != 32 || strspn(id, "0123456789abcdef") != 32 || g < 1 || g > 1e15 || b >= g)
            rc = dc_seterr("deliver: %s is not a valid master.json", p.p);
        else {
            snprintf(x->master_id, sizeof x->master_id, "%s", id);
            x->master_gen = (long long)g;
            x->master_base = (long long)b;
        }
        dc_arena_free(a);
        free(text);
    } else {
        struct stat st;
        if (!(stat(p.p, &st) != 0 && errno == ENOENT)) rc = dc_seterr("deliver: cannot read %s", p.p);
    }
    dc_buf_free(&p);
    return rc;
}

/* A load of a master applies to the generation before it: the database
 * must hold exactly that one (the runs table says which it holds). */
static int check_base(ctx_t *x)
{
    if (!x->master_gen || x->master_base < 0) return 0;
    PGresult *r;
    if (execf(x, "reading runs", &r,
              "SELECT coalesce(max(master_generation), 0) FROM %s.runs WHERE master_id = '%s'", x->schema,
              x->master_id))
        return -1;
    long long have = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    if (have == x->master_base) return 0;
    if (have == 0)
        return dc_seterr("deliver: this load is generation %lld of its master and applies to generation %lld; "
                         "this schema holds no generation of that master: deliver the master's loads in order "
                         "(or its export, dancu master export, first)",
                         x->master_gen, x->master_base);
    return dc_seterr("deliver: this load is generation %lld of its master and applies to generation %lld; this "
                     "schema holds generation %lld: deliver the master's loads in order",
                     x->master_gen, x->master_base, have);
}

static void files_free(tfile_t f[DC_DT__COUNT])
{
    for (int t = 0; t < DC_DT__COUNT; t++) free(f[t].path);
}

/* The checksum state: XXH3-128 over (name NUL bytes length) per table. */
static void sum_begin(XXH3_state_t *h, const tfile_t *f)
{
    XXH3_128bits_update(h, f->name, strlen(f->name) + 1);
}

static void sum_end(XXH3_state_t *h, uint64_t bytes)
{
    unsigned char le[8];
    for (int i = 0; i < 8; i++) le[i] = (unsigned char)(bytes >> (8 * i));
    XXH3_128bits_update(h, le, 8);
}

static void sum_hex(XXH3_state_t *h, char out[48])
{
    XXH128_hash_t d = XXH3_128bits_digest(h);
    snprintf(out, 48, "xxh3-128:%016llx%016llx", (unsigned long long)d.high64, (unsigned long long)d.low64);
}

/* Pre-pass: the checksum of every table of OUT. */
static int checksum_files(const tfile_t f[DC_DT__COUNT], char out[48])
{
    XXH3_state_t *h = XXH3_createState();
    XXH3_128bits_reset(h);
    char *buf = dc_xmalloc(CHUNK);
    int rc = 0;
    for (int t = 0; t < DC_DT__COUNT && rc == 0; t++) {
        if (!f[t].path) continue;
        dc_src_t *s = dc_src_open(f[t].path);
        if (!s) { rc = -1; break; }
        sum_begin(h, &f[t]);
        uint64_t bytes = 0;
        ssize_t n;
        while ((n = dc_src_read(s, buf, CHUNK)) > 0) {
            XXH3_128bits_update(h, buf, (size_t)n);
            bytes += (uint64_t)n;
        }
        if (n < 0) rc = -1;
        sum_end(h, bytes);
        dc_src_close(s);
    }
    if (rc == 0) sum_hex(h, out);
    free(buf);
    XXH3_freeState(h);
    return rc;
}

/* ------------------------------------------------------------- COPY */

static void test_pause(const char *table)
{
    const char *f = getenv("DANCU_TEST_DELIVER_PAUSE");
    static int done;
    if (!f || !*f || done || strcmp(table, "links")) return;
    done = 1;
    int fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) close(fd);
    struct stat st;
    struct timespec ts = {0, 20 * 1000 * 1000};
    for (int i = 0; i < 60 * 50 && stat(f, &st) == 0; i++) nanosleep(&ts, NULL);
}

/* Compare a CSV header line with the table's columns. */
static int check_header(const tfile_t *f, const tdef_t *t, const char *line, size_t n)
{
    if (n && line[n - 1] == '\r') n--;
    size_t pos = 0;
    for (size_t i = 0; i < t->ncols; i++) {
        size_t e = pos;
        while (e < n && line[e] != ',') e++;
        size_t w = strlen(t->cols[i].name);
        if (e - pos != w || memcmp(line + pos, t->cols[i].name, w))
            return dc_seterr("deliver: %s: column %zu of the header is not %s: the file does not match "
                             "this dancu's %s table",
                             f->path, i + 1, t->cols[i].name, t->name);
        pos = e + 1;
        if (i + 1 < t->ncols && e >= n)
            return dc_seterr("deliver: %s: the header has %zu columns, the %s table %zu", f->path, i + 1,
                             t->name, t->ncols);
    }
    if (pos <= n) return dc_seterr("deliver: %s: the header has more than the %zu columns of the %s table",
                                   f->path, t->ncols, t->name);
    return 0;
}

typedef struct {
    ctx_t *x;
    const tfile_t *f;
    const tdef_t *t;
    dc_buf_t out;       /* CSV rows converted from JSON Lines */
    dc_arena_t arena;
    uint64_t line;
} jconv_t;

/* One JSON Lines row -> one CSV row appended to j->out. */
static int json_row(jconv_t *j, const char *p, size_t n)
{
    j->line++;
    while (n && (p[n - 1] == '\r' || p[n - 1] == ' ')) n--;
    if (!n) return 0;
    dc_arena_free(&j->arena);
    dc_arena_init(&j->arena, 1 << 14);
    dc_json_t *o = dc_json_parse(p, n, &j->arena);
    if (!o || o->type != DC_JSON_OBJECT)
        return dc_seterr("deliver: %s line %llu: not a JSON object", j->f->path, (unsigned long long)j->line);
    size_t i = 0;
    for (const dc_json_t *m = o->child; m; m = m->next, i++) {
        if (i >= j->t->ncols || strcmp(m->key, j->t->cols[i].name))
            return dc_seterr("deliver: %s line %llu: member %zu is not %s: the file does not match this "
                             "dancu's %s table",
                             j->f->path, (unsigned long long)j->line, i + 1,
                             i < j->t->ncols ? j->t->cols[i].name : "expected", j->t->name);
        if (i) dc_buf_putc(&j->out, ',');
        char num[64];
        switch (m->type) {
        case DC_JSON_NULL: break;
        case DC_JSON_STRING: {
            size_t sl = strlen(m->str);
            if (!sl) dc_buf_puts(&j->out, "\"\"");
            else dc_buf_put_csv(&j->out, m->str, sl, ',');
            break;
        }
        case DC_JSON_NUMBER:
            snprintf(num, sizeof num, "%.17g", m->num);
            dc_buf_puts(&j->out, num);
            break;
        case DC_JSON_BOOL: dc_buf_puts(&j->out, m->num != 0 ? "true" : "false"); break;
        default:
            return dc_seterr("deliver: %s line %llu: member %s is not a string, number or null", j->f->path,
                             (unsigned long long)j->line, m->key);
        }
    }
    if (i != j->t->ncols)
        return dc_seterr("deliver: %s line %llu: %zu members, the %s table has %zu columns", j->f->path,
                         (unsigned long long)j->line, i, j->t->name, j->t->ncols);
    dc_buf_putc(&j->out, '\n');
    return 0;
}

/* Send rows. @return 0, or 1 when the connection failed (the server's
 * error, if any, is read from its result after the loop, so that only its
 * structured fields are shown, never a value quoted in its message). */
static int put_copy(ctx_t *x, const char *p, size_t n)
{
    return n && PQputCopyData(x->c, p, (int)n) != 1 ? 1 : 0;
}

/* The server's answer to a COPY that failed while rows were sent. */
static int send_failed(ctx_t *x, const char *table)
{
    char what[64];
    snprintf(what, sizeof what, "COPY into %s", table);
    PQputCopyEnd(x->c, "dancu: delivery aborted");
    PGresult *r, *err = NULL;
    while ((r = PQgetResult(x->c))) {
        if (!err && PQresultStatus(r) != PGRES_COMMAND_OK) err = r;
        else PQclear(r);
    }
    return pg_fail(x, err, what);
}


/* --------------------------------------------------- CSV -> binary COPY */

/* COPY's binary format: a header, per row an int16 field count and per
 * field an int32 length (-1: NULL) and the bytes (text as it is; integer,
 * bigint and double precision in network byte order), then an int16 -1. */
typedef struct {
    const tdef_t *t;
    const char *path;
    int unquote;        /* drop the formula guard's leading single quote */
    dc_buf_t in;        /* bytes not yet converted (an incomplete row) */
    dc_buf_t out;       /* converted rows to send */
    dc_buf_t fld;       /* an unquoted field */
    uint64_t row;
} bconv_t;

static void put_be(dc_buf_t *b, uint64_t v, int bytes)
{
    char tmp[8];
    for (int i = 0; i < bytes; i++) tmp[i] = (char)(v >> (8 * (bytes - 1 - i)));
    dc_buf_put(b, tmp, (size_t)bytes);
}

/* One field's value into b->out by the column's type. `null`: an unquoted
 * empty field. */
static int bin_field(bconv_t *b, size_t col, const char *v, size_t n, int null)
{
    if (null) { put_be(&b->out, 0xFFFFFFFFu, 4); return 0; }
    const char *type = b->t->cols[col].type;
    if (type[0] == 't') {   /* text */
        if (b->unquote && n && v[0] == '\'') { v++; n--; }
        put_be(&b->out, n, 4);
        dc_buf_put(&b->out, v, n);
        return 0;
    }
    char num[64], *e;
    if (n == 0 || n >= sizeof num) goto bad;
    memcpy(num, v, n);
    num[n] = 0;
    errno = 0;
    if (type[0] == 'd') {   /* double precision */
        double d = strtod(num, &e);
        if (*e || errno == ERANGE) goto bad;
        uint64_t bits;
        memcpy(&bits, &d, 8);
        put_be(&b->out, 8, 4);
        put_be(&b->out, bits, 8);
        return 0;
    }
    long long i = strtoll(num, &e, 10);
    if (*e || errno) goto bad;
    if (type[0] == 'i') {   /* integer */
        if (i < INT32_MIN || i > INT32_MAX) goto bad;
        put_be(&b->out, 4, 4);
        put_be(&b->out, (uint32_t)(int32_t)i, 4);
    } else {                /* bigint */
        put_be(&b->out, 8, 4);
        put_be(&b->out, (uint64_t)i, 8);
    }
    return 0;
bad:
    return dc_seterr("deliver: %s: data row %llu: column %s is not a valid %s", b->path,
                     (unsigned long long)b->row, b->t->cols[col].name, type);
}

/* Convert the complete rows of b->in (all of it at `eof`). @return 0 or -1. */
static int bin_convert(bconv_t *b, int eof)
{
    const char *base = b->in.p, *q = base, *e = base + b->in.len;
    size_t done = 0;
    while (q < e) {
        const char *rs = q;
        size_t out0 = b->out.len;
        b->row++;
        put_be(&b->out, b->t->ncols, 2);
        size_t col = 0;
        int end = 0, incomplete = 0;
        while (!end) {
            if (col >= b->t->ncols) {
                return dc_seterr("deliver: %s: data row %llu has more than the %zu columns of the %s table",
                                 b->path, (unsigned long long)b->row, b->t->ncols, b->t->name);
            }
            int rc;
            if (q < e && *q == '"') {
                dc_buf_clear(&b->fld);
                q++;
                for (;;) {
                    const char *qq = memchr(q, '"', (size_t)(e - q));
                    if (!qq) { incomplete = 1; break; }
                    dc_buf_put(&b->fld, q, (size_t)(qq - q));
                    if (qq + 1 < e && qq[1] == '"') { dc_buf_putc(&b->fld, '"'); q = qq + 2; continue; }
                    if (qq + 1 == e && !eof) { incomplete = 1; break; }
                    q = qq + 1;
                    break;
                }
                if (incomplete) break;
                if (q < e && *q == '\r') q++;
                if (q < e && *q != ',' && *q != '\n')
                    return dc_seterr("deliver: %s: data row %llu: text after a closing quote", b->path,
                                     (unsigned long long)b->row);
                if (q == e && !eof) { incomplete = 1; break; }
                rc = bin_field(b, col, b->fld.p ? b->fld.p : "", b->fld.len, 0);
            } else {
                const char *fs = q;
                while (q < e && *q != ',' && *q != '\n') q++;
                if (q == e && !eof) { incomplete = 1; break; }
                const char *fe = q;
                if (q < e && *q == '\n' && fe > fs && fe[-1] == '\r') fe--;
                rc = bin_field(b, col, fs, (size_t)(fe - fs), fe == fs);
            }
            if (rc) return -1;
            col++;
            if (q < e && *q == ',') q++;
            else { end = 1; if (q < e) q++; }
        }
        if (incomplete) {
            b->out.len = out0;
            b->row--;
            q = rs;
            break;
        }
        if (col != b->t->ncols)
            return dc_seterr("deliver: %s: data row %llu has %zu columns, the %s table %zu", b->path,
                             (unsigned long long)b->row, col, b->t->name, b->t->ncols);
        done = (size_t)(q - base);
    }
    if (eof && done < b->in.len)
        return dc_seterr("deliver: %s: the last row is unterminated", b->path);
    memmove(b->in.p, b->in.p + done, b->in.len - done);
    b->in.len -= done;
    return 0;
}

/* The spreadsheet-formula guard of dancu's CSV (docs/OUTPUTS.md) put a
 * single quote before every string cell that starts with = + - @ TAB CR
 * or a single quote; numbers are never prefixed. Undone after a CSV table
 * was streamed in which a cell starts with one (guard_seen): every text cell of the
 * rows just loaded that starts with one loses it (exact: a quote of the
 * data itself was doubled). `target` is a table of this delivery only,
 * or a per-run table (restricted to this run's rows). */
static int unguard(ctx_t *x, const tdef_t *t, const char *target)
{
    dc_buf_t set = DC_BUF_INIT, any = DC_BUF_INIT;
    for (size_t i = 0; i < t->ncols; i++) {
        if (t->cols[i].type[0] != 't') continue;
        const char *c = t->cols[i].name;
        dc_buf_printf(&set, "%s%s = CASE WHEN left(%s, 1) = '''' THEN substr(%s, 2) ELSE %s END",
                      set.len ? ", " : "", c, c, c, c);
        dc_buf_printf(&any, "%sleft(%s, 1) = ''''", any.len ? " OR " : "", c);
    }
    dc_buf_clear(&x->sql);
    dc_buf_printf(&x->sql, "UPDATE %s SET %s WHERE (%s)", target, set.p, any.p);
    if (t->per_run) dc_buf_printf(&x->sql, " AND run_id = %s", x->run_lit);
    dc_buf_free(&set);
    dc_buf_free(&any);
    return exec_sql(x, "removing the spreadsheet-formula guard", NULL);
}

/* 1 when p[0..n) holds a cell that starts with a single quote (the
 * formula guard's mark: the guard quotes every cell that starts with one):
 * a quote right after a delimiter or a line start, or after the double
 * quote that opens such a cell. `b1`, `b2`: the last two bytes before p
 * (carried from block to block; '\n' at the first data row). A quote
 * inside a word ("H'Mông") is not a cell start: a table without guarded
 * cells is streamed with no UPDATE after it. */
static int guard_seen(const char *p, size_t n, char *b1, char *b2)
{
    int seen = 0;
    for (const char *q = p, *e = p + n; !seen && (q = memchr(q, '\'', (size_t)(e - q))); q++) {
        char c1 = q > p ? q[-1] : *b1, c2 = q > p + 1 ? q[-2] : q > p ? *b1 : *b2;
        seen = c1 == ',' || c1 == '\n' || (c1 == '"' && (c2 == ',' || c2 == '\n'));
    }
    if (n >= 2) *b2 = p[n - 2], *b1 = p[n - 1];
    else if (n == 1) *b2 = *b1, *b1 = p[0];
    return seen;
}

/* COPY the table file f into `target` (a qualified table name) with the
 * file's columns; hash what is read into h. @return 0 or -1. */
static int copy_file(ctx_t *x, const tfile_t *f, const tdef_t *t, const char *target, XXH3_state_t *h,
                     uint64_t *rows)
{
    dc_buf_clear(&x->sql);
    dc_buf_printf(&x->sql, "COPY %s (", target);
    for (size_t i = 0; i < t->ncols; i++) dc_buf_printf(&x->sql, "%s%s", i ? ", " : "", t->cols[i].name);
    int binary = x->o->binary && !f->jsonl;
    dc_buf_puts(&x->sql, binary ? ") FROM STDIN (FORMAT binary)" : ") FROM STDIN (FORMAT csv)");
    dc_src_t *s = dc_src_open(f->path);
    if (!s) return -1;
    PGresult *r = PQexec(x->c, x->sql.p);
    if (!r || PQresultStatus(r) != PGRES_COPY_IN) {
        dc_src_close(s);
        return pg_fail(x, r, "COPY");
    }
    PQclear(r);
    sum_begin(h, f);
    char *buf = dc_xmalloc(CHUNK);
    dc_buf_t carry = DC_BUF_INIT;   /* JSON: an unfinished line; CSV: the header line */
    jconv_t j = {x, f, t, DC_BUF_INIT, {0}, 0};
    dc_arena_init(&j.arena, 1 << 14);
    bconv_t bc = {t, f->path, !x->o->csv_raw, DC_BUF_INIT, DC_BUF_INIT, DC_BUF_INIT, 0};
    int quotes = 0;   /* a cell starting with a single quote was seen in a streamed CSV table */
    char b1 = '\n', b2 = '\n';
    if (binary) {
        static const char sig[] = "PGCOPY\n\377\r\n";
        dc_buf_put(&bc.out, sig, 11);
        put_be(&bc.out, 0, 4);
        put_be(&bc.out, 0, 4);
    }
    int header = !f->jsonl, rc = 0;
    uint64_t bytes = 0;
    ssize_t n;
    while (rc == 0 && (n = dc_src_read(s, buf, CHUNK)) > 0) {
        XXH3_128bits_update(h, buf, (size_t)n);
        bytes += (uint64_t)n;
        const char *p = buf, *end = buf + n;
        if (header) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            if (!nl) {
                dc_buf_put(&carry, p, (size_t)(end - p));
                if (carry.len > 65536) rc = dc_seterr("deliver: %s: no header line", f->path);
                continue;
            }
            dc_buf_put(&carry, p, (size_t)(nl - p));
            rc = check_header(f, t, carry.p, carry.len);
            dc_buf_clear(&carry);
            header = 0;
            p = nl + 1;
        }
        if (rc) break;
        if (binary) {
            dc_buf_put(&bc.in, p, (size_t)(end - p));
            rc = bin_convert(&bc, 0);
            if (rc == 0) rc = put_copy(x, bc.out.p, bc.out.len);
            bc.out.len = 0;
        } else if (!f->jsonl) {
            if (guard_seen(p, (size_t)(end - p), &b1, &b2)) quotes = 1;
            rc = put_copy(x, p, (size_t)(end - p));
        } else {
            while (rc == 0 && p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                if (!nl) { dc_buf_put(&carry, p, (size_t)(end - p)); break; }
                if (carry.len) {
                    dc_buf_put(&carry, p, (size_t)(nl - p));
                    rc = json_row(&j, carry.p, carry.len);
                    dc_buf_clear(&carry);
                } else {
                    rc = json_row(&j, p, (size_t)(nl - p));
                }
                p = nl + 1;
            }
            if (rc == 0 && j.out.len >= CHUNK / 2) {
                rc = put_copy(x, j.out.p, j.out.len);
                dc_buf_clear(&j.out);
            }
        }
        if (rc == 0) {
            if (PQflush(x->c) != 0) rc = 1;
            else test_pause(t->name);
        }
    }
    if (rc == 0 && n < 0) rc = -1;
    if (rc == 0 && header && !f->jsonl) rc = dc_seterr("deliver: %s: empty file (no header)", f->path);
    if (rc == 0 && f->jsonl && carry.len) rc = json_row(&j, carry.p, carry.len);
    if (rc == 0 && j.out.len) rc = put_copy(x, j.out.p, j.out.len);
    if (rc == 0 && binary) {
        rc = bin_convert(&bc, 1);
        put_be(&bc.out, 0xFFFF, 2);
        if (rc == 0) rc = put_copy(x, bc.out.p, bc.out.len);
    }
    dc_buf_free(&bc.in);
    dc_buf_free(&bc.out);
    dc_buf_free(&bc.fld);
    sum_end(h, bytes);
    free(buf);
    dc_buf_free(&carry);
    dc_buf_free(&j.out);
    dc_arena_free(&j.arena);
    dc_src_close(s);
    if (rc == 1) return send_failed(x, t->name);
    if (rc != 0) {
        /* keep our message; the server discards the COPY */
        char keep[1024];
        snprintf(keep, sizeof keep, "%s", dc_geterr());
        PQputCopyEnd(x->c, "dancu: delivery aborted");
        while ((r = PQgetResult(x->c))) PQclear(r);
        dc_seterr("%s", keep);
        return -1;
    }
    if (PQputCopyEnd(x->c, NULL) != 1) return send_failed(x, t->name);
    r = PQgetResult(x->c);
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        char what[64];
        snprintf(what, sizeof what, "COPY into %s", t->name);
        PGresult *more;
        int fail = pg_fail(x, r, what);
        while ((more = PQgetResult(x->c))) PQclear(more);
        return fail;
    }
    *rows = strtoull(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    while ((r = PQgetResult(x->c))) PQclear(r);
    if (quotes && !x->o->csv_raw) return unguard(x, t, target);
    return 0;
}

/* ------------------------------------------------------------ steps */

/* Key columns compare bytes (COLLATE "C"): the keys are codes, not words,
 * and byte order makes the index builds after a load several times faster
 * than a linguistic collation. */
static int key_col(const char *name)
{
    static const char *const k[] = {"citizen_key", "other_key", "source", "record_id", "source_a",
                                    "record_id_a", "source_b", "record_id_b", "run_id"};
    for (size_t i = 0; i < DC_ARRAY_LEN(k); i++)
        if (!strcmp(name, k[i])) return 1;
    return 0;
}

/* Refuse tables of our names with other columns; create the missing ones. */
static int ensure_tables(ctx_t *x)
{
    /* CREATE SCHEMA IF NOT EXISTS would need CREATE on the database even
     * when the schema exists: a loading role may only own its schema */
    PGresult *r;
    if (execf(x, "reading the schema", &r, "SELECT 1 FROM pg_namespace WHERE nspname = %s", x->schema_lit)) return -1;
    int have = PQntuples(r) > 0;
    PQclear(r);
    if (!have && execf(x, "creating the schema", NULL, "CREATE SCHEMA %s", x->schema)) return -1;
    if (execf(x, "reading the schema", &r,
              "SELECT c.relname, c.relkind, a.attname, format_type(a.atttypid, a.atttypmod) "
              "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
              "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
              "WHERE n.nspname = %s AND c.relname IN ('citizens','links','review','rejects','changes','runs') "
              "ORDER BY c.relname, a.attnum",
              x->schema_lit))
        return -1;
    int present[DC_DT__COUNT + 1] = {0};
    int rc = 0, upgrade_runs = 0;
    int nt = PQntuples(r);
    for (int tt = 0; tt <= DC_DT__COUNT && rc == 0; tt++) {
        const char *name = tt < DC_DT__COUNT ? table_names[tt] : "runs";
        /* expected columns */
        const char *en[64], *ety[64];
        size_t ne = 0;
        if (tt == DC_DT__COUNT) {
            for (size_t i = 0; i < DC_ARRAY_LEN(runs_cols); i++) { en[ne] = runs_cols[i].name; ety[ne++] = runs_cols[i].type; }
        } else {
            const tdef_t *t = &x->s.t[tt];
            if (t->per_run) { en[ne] = "run_id"; ety[ne++] = "text"; }
            if (t->has_seq) { en[ne] = "seq"; ety[ne++] = "bigint"; }
            for (size_t i = 0; i < t->ncols && ne < 64; i++) { en[ne] = t->cols[i].name; ety[ne++] = t->cols[i].type; }
        }
        size_t k = 0;
        for (int i = 0; i < nt && rc == 0; i++) {
            if (strcmp(PQgetvalue(r, i, 0), name)) continue;
            present[tt] = 1;
            if (strcmp(PQgetvalue(r, i, 1), "r")) {
                rc = dc_seterr("deliver: %s.%s exists and is not a table; deliver into another --schema", x->o->schema ? x->o->schema : "dancu", name);
                break;
            }
            if (PQgetisnull(r, i, 2)) continue;
            const char *cn = PQgetvalue(r, i, 2), *ct = PQgetvalue(r, i, 3);
            if (k >= ne || strcmp(cn, en[k]) || strcmp(ct, ety[k]))
                rc = dc_seterr("deliver: table %s.%s already exists with a different shape: its column %zu is "
                               "\"%s %s\", dancu expects %s%s%s%s; deliver into another --schema or drop the table",
                               x->o->schema ? x->o->schema : "dancu", name, k + 1, cn, ct,
                               k < ne ? "\"" : "no more columns", k < ne ? en[k] : "", k < ne ? " " : "",
                               k < ne ? ety[k] : "");
            k++;
        }
        /* a runs table of an earlier dancu, without the master's columns
         * (the last two): they are added */
        if (rc == 0 && present[tt] && tt == DC_DT__COUNT && k == ne - RUNS_ADDED) upgrade_runs = 1;
        else if (rc == 0 && present[tt] && k != ne)
            rc = dc_seterr("deliver: table %s.%s already exists with a different shape: %zu columns, dancu "
                           "expects %zu (first missing: %s); deliver into another --schema or drop the table",
                           x->o->schema ? x->o->schema : "dancu", name, k, ne, k < ne ? en[k] : "-");
    }
    PQclear(r);
    if (rc) return -1;
    if (upgrade_runs && execf(x, "adding the master's columns to runs", NULL,
                              "ALTER TABLE %s.runs ADD COLUMN master_id text, ADD COLUMN master_generation bigint",
                              x->schema))
        return -1;
    if (!present[DC_DT__COUNT]) {
        dc_buf_clear(&x->sql);
        dc_buf_printf(&x->sql, "CREATE TABLE %s.runs (", x->schema);
        for (size_t i = 0; i < DC_ARRAY_LEN(runs_cols); i++)
            dc_buf_printf(&x->sql, "%s%s %s%s%s", i ? ", " : "", runs_cols[i].name, runs_cols[i].type,
                          i < 5 ? " NOT NULL" : "", i == 5 ? " NOT NULL DEFAULT now()" : "");
        dc_buf_puts(&x->sql, ", CONSTRAINT runs_pkey PRIMARY KEY (run_id))");
        if (exec_sql(x, "creating the runs table", NULL)) return -1;
    }
    for (int tt = 0; tt < DC_DT__COUNT; tt++) {
        if (present[tt]) continue;
        const tdef_t *t = &x->s.t[tt];
        dc_buf_clear(&x->sql);
        dc_buf_printf(&x->sql, "CREATE TABLE %s.%s (", x->schema, t->name);
        if (t->per_run) dc_buf_puts(&x->sql, "run_id text COLLATE \"C\" NOT NULL, ");
        if (t->has_seq) dc_buf_puts(&x->sql, "seq bigint GENERATED BY DEFAULT AS IDENTITY, ");
        for (size_t i = 0; i < t->ncols; i++) {
            const char *cn = t->cols[i].name;
            int nn = (tt == DC_DT_CITIZENS && i == 0) ||
                     (tt == DC_DT_LINKS && i < 3) || (tt == DC_DT_REVIEW && i < 4) ||
                     (tt == DC_DT_REJECTS && i < 2) || (tt == DC_DT_CHANGES && i == 0);
            dc_buf_printf(&x->sql, "%s%s %s%s%s", i ? ", " : "", cn, t->cols[i].type, key_col(cn) ? " COLLATE \"C\"" : "",
                          nn ? " NOT NULL" : "");
        }
        dc_buf_putc(&x->sql, ')');
        char what[64];
        snprintf(what, sizeof what, "creating the %s table", t->name);
        if (exec_sql(x, what, NULL)) return -1;
    }
    return 0;
}

/* Drop the keys of the tables [first, last]: foreign keys first (links ->
 * citizens), then the rest. */
static int drop_keys(ctx_t *x, int first, int last)
{
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < DC_ARRAY_LEN(keys); i++) {
            const key_t_ *k = &keys[i];
            if ((int)k->table < first || (int)k->table > last) continue;
            int fk = strstr(k->def, "FOREIGN") != NULL;
            if (fk != (pass == 0)) continue;
            int rc = k->is_index
                         ? execf(x, "dropping an index", NULL, "DROP INDEX IF EXISTS %s.%s", x->schema, k->name)
                         : execf(x, "dropping a key", NULL, "ALTER TABLE %s.%s DROP CONSTRAINT IF EXISTS %s",
                                 x->schema, table_names[k->table], k->name);
            if (rc) return -1;
        }
    return 0;
}

/* Create the keys of `table` that are missing (all of them after a load). */
static int make_keys(ctx_t *x, int table)
{
    for (size_t i = 0; i < DC_ARRAY_LEN(keys); i++) {
        const key_t_ *k = &keys[i];
        if ((int)k->table != table) continue;
        PGresult *r;
        if (execf(x, "reading the keys", &r,
                  "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                  "WHERE n.nspname = %s AND c.relname = '%s' UNION ALL "
                  "SELECT 1 FROM pg_constraint o JOIN pg_namespace n ON n.oid = o.connamespace "
                  "WHERE n.nspname = %s AND o.conname = '%s'",
                  x->schema_lit, k->name, x->schema_lit, k->name))
            return -1;
        int have = PQntuples(r) > 0;
        PQclear(r);
        if (have) continue;
        char def[512], what[96];
        snprintf(def, sizeof def, k->def, x->schema);
        snprintf(what, sizeof what, "building %s", k->name);
        int rc = k->is_index ? execf(x, what, NULL, "CREATE INDEX %s ON %s.%s %s", k->name, x->schema,
                                     table_names[k->table], def)
                             : execf(x, what, NULL, "ALTER TABLE %s.%s ADD CONSTRAINT %s %s", x->schema,
                                     table_names[k->table], k->name, def);
        if (rc) return -1;
    }
    return 0;
}

/* COPY a per-run table (review, rejects, changes) with run_id set. */
static int copy_per_run(ctx_t *x, const tfile_t *f, int tt, XXH3_state_t *h, uint64_t *rows)
{
    char target[512];
    snprintf(target, sizeof target, "%s.%s", x->schema, table_names[tt]);
    if (execf(x, "COPY", NULL, "ALTER TABLE %s ALTER COLUMN run_id SET DEFAULT %s", target, x->run_lit)) return -1;
    if (copy_file(x, f, &x->s.t[tt], target, h, rows)) return -1;
    return execf(x, "COPY", NULL, "ALTER TABLE %s ALTER COLUMN run_id DROP DEFAULT", target);
}

static uint64_t cmd_rows(PGresult *r)
{
    uint64_t v = strtoull(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return v;
}

/* Apply a change set whose rows are in x->schema.changes (this run) and
 * whose new state is in dc_new_citizens / dc_new_links. */
static int apply_changes(ctx_t *x, dc_deliver_stats_t *st)
{
    const char *S = x->schema, *R = x->run_lit;
    const tdef_t *ct = &x->s.t[DC_DT_CITIZENS];
    PGresult *r;
    if (execf(x, "collecting the changed citizens", NULL,
              "CREATE TEMP TABLE dc_keys ON COMMIT DROP AS "
              "SELECT citizen_key AS k FROM %1$s.changes WHERE run_id = %2$s AND citizen_key IS NOT NULL "
              "UNION SELECT other_key FROM %1$s.changes WHERE run_id = %2$s AND other_key IS NOT NULL "
              "UNION SELECT l.citizen_key FROM %1$s.links l JOIN %1$s.changes c ON c.run_id = %2$s "
              "AND c.source = l.source AND c.record_id = l.record_id "
              "UNION SELECT n.citizen_key FROM dc_new_links n JOIN %1$s.changes c ON c.run_id = %2$s "
              "AND c.source = n.source AND c.record_id = n.record_id",
              S, R) ||
        execf(x, "collecting the changed citizens", NULL, "CREATE UNIQUE INDEX ON dc_keys (k); ANALYZE dc_keys") ||
        execf(x, "collecting the changed rows", NULL,
              "CREATE TEMP TABLE dc_rows ON COMMIT DROP AS "
              "SELECT l.source, l.record_id FROM %1$s.links l JOIN dc_keys ON l.citizen_key = dc_keys.k "
              "UNION SELECT source, record_id FROM %1$s.changes WHERE run_id = %2$s "
              "AND source IS NOT NULL AND record_id IS NOT NULL",
              S, R) ||
        execf(x, "collecting the new state", NULL,
              "CREATE TEMP TABLE dc_nl ON COMMIT DROP AS SELECT n.* FROM dc_new_links n "
              "JOIN dc_keys ON n.citizen_key = dc_keys.k; "
              "CREATE UNIQUE INDEX ON dc_nl (source, record_id); ANALYZE dc_nl; "
              "CREATE TEMP TABLE dc_nc ON COMMIT DROP AS SELECT n.* FROM dc_new_citizens n "
              "JOIN dc_keys ON n.citizen_key = dc_keys.k; "
              "CREATE UNIQUE INDEX ON dc_nc (citizen_key); ANALYZE dc_nc; ANALYZE dc_rows"))
        return -1;
    /* citizens: upsert the new state of the touched ones */
    dc_buf_t set = DC_BUF_INIT, oldv = DC_BUF_INIT, newv = DC_BUF_INIT;
    for (size_t i = 1; i < ct->ncols; i++) {
        dc_buf_printf(&set, "%s%s = EXCLUDED.%s", i > 1 ? ", " : "", ct->cols[i].name, ct->cols[i].name);
        dc_buf_printf(&oldv, "%s%s.citizens.%s", i > 1 ? ", " : "", S, ct->cols[i].name);
        dc_buf_printf(&newv, "%sEXCLUDED.%s", i > 1 ? ", " : "", ct->cols[i].name);
    }
    dc_buf_clear(&x->sql);
    dc_buf_printf(&x->sql,
                  "INSERT INTO %s.citizens SELECT * FROM dc_nc ON CONFLICT (citizen_key) DO UPDATE SET %s "
                  "WHERE (%s) IS DISTINCT FROM (%s)",
                  S, set.p, oldv.p, newv.p);
    dc_buf_free(&set);
    dc_buf_free(&oldv);
    dc_buf_free(&newv);
    if (exec_sql(x, "updating citizens", &r)) return -1;
    st->citizens_upserted = cmd_rows(r);
    if (execf(x, "deleting rows", &r,
              "DELETE FROM %1$s.links l USING dc_rows r WHERE l.source = r.source AND l.record_id = r.record_id "
              "AND NOT EXISTS (SELECT 1 FROM dc_nl n WHERE n.source = l.source AND n.record_id = l.record_id)",
              S))
        return -1;
    st->links_deleted = cmd_rows(r);
    if (execf(x, "updating rows", &r,
              "INSERT INTO %1$s.links SELECT * FROM dc_nl ON CONFLICT (source, record_id) DO UPDATE "
              "SET citizen_key = EXCLUDED.citizen_key, match_probability = EXCLUDED.match_probability "
              "WHERE (%1$s.links.citizen_key, %1$s.links.match_probability) IS DISTINCT FROM "
              "(EXCLUDED.citizen_key, EXCLUDED.match_probability)",
              S))
        return -1;
    st->links_upserted = cmd_rows(r);
    if (execf(x, "deleting citizens", &r,
              "DELETE FROM %1$s.citizens c USING dc_keys WHERE c.citizen_key = dc_keys.k "
              "AND NOT EXISTS (SELECT 1 FROM dc_nc n WHERE n.citizen_key = c.citizen_key)",
              S))
        return -1;
    st->citizens_deleted = cmd_rows(r);
    if (x->o->verify) {
        if (execf(x, "verifying", &r,
                  "SELECT (SELECT count(*) FROM (SELECT * FROM %1$s.citizens EXCEPT ALL SELECT * FROM dc_new_citizens) a)"
                  " + (SELECT count(*) FROM (SELECT * FROM dc_new_citizens EXCEPT ALL SELECT * FROM %1$s.citizens) b)"
                  " + (SELECT count(*) FROM (SELECT * FROM %1$s.links EXCEPT ALL SELECT * FROM dc_new_links) c)"
                  " + (SELECT count(*) FROM (SELECT * FROM dc_new_links EXCEPT ALL SELECT * FROM %1$s.links) d)",
                  S))
            return -1;
        long long diff = atoll(PQgetvalue(r, 0, 0));
        PQclear(r);
        if (diff)
            return dc_seterr("deliver: --verify: after the change set the database differs from the folder's "
                             "citizens and links in %lld rows: the change set does not cover every change "
                             "(or the folder does not hold the full export); nothing was delivered",
                             diff);
    }
    return 0;
}

static int deliver_tx(ctx_t *x, const tfile_t *f, dc_deliver_stats_t *st)
{
    const char *S = x->schema;
    int cs = f[DC_DT_CHANGES].path != NULL;
    st->changeset = cs;
    if (execf(x, "BEGIN", NULL,
              "BEGIN; SET LOCAL maintenance_work_mem = '256MB'; SET LOCAL client_min_messages = warning") ||
        execf(x, "locking the schema", NULL, "SELECT pg_advisory_xact_lock(hashtext('dancu deliver ' || %s))",
              x->schema_lit) ||
        ensure_tables(x))
        return -1;
    PGresult *r;
    if (execf(x, "reading runs", &r, "SELECT to_char(delivered_at, 'YYYY-MM-DD HH24:MI:SS TZ') FROM %s.runs WHERE run_id = %s",
              S, x->run_lit))
        return -1;
    if (PQntuples(r) > 0 && !x->o->replace) {
        dc_seterr("deliver: run %s was already delivered to this schema (%s); use --replace to deliver it again",
                  st->run_id, PQgetvalue(r, 0, 0));
        PQclear(r);
        return -1;
    }
    PQclear(r);
    char mid[48] = "NULL", mgen[32] = "NULL";
    if (x->master_gen) {
        snprintf(mid, sizeof mid, "'%s'", x->master_id);
        snprintf(mgen, sizeof mgen, "%lld", x->master_gen);
    }
    if (execf(x, "replacing the run", NULL, "DELETE FROM %s.runs WHERE run_id = %s", S, x->run_lit) ||
        (cs && check_base(x)) ||
        execf(x, "recording the run", NULL,
              "INSERT INTO %s.runs (run_id, kind, checksum, dancu_version, format, master_id, master_generation) "
              "VALUES (%s, '%s', '%s', '%s', '%s', %s, %s)",
              S, x->run_lit, cs ? "changes" : "full", st->checksum, DC_VERSION,
              f[DC_DT_CITIZENS].jsonl ? "jsonl" : "csv", mid, mgen))
        return -1;
    XXH3_state_t *h = XXH3_createState();
    XXH3_128bits_reset(h);
    int rc = 0;
    double t0 = dc_now();
    if (!cs) {
        rc = drop_keys(x, DC_DT_CITIZENS, DC_DT_REJECTS);
        if (rc == 0)
            rc = execf(x, "emptying the tables", NULL, "TRUNCATE %1$s.citizens, %1$s.links, %1$s.review, %1$s.rejects", S);
        char target[512];
        for (int t = DC_DT_CITIZENS; t <= DC_DT_REJECTS && rc == 0; t++) {
            if (!f[t].path) continue;
            snprintf(target, sizeof target, "%s.%s", S, table_names[t]);
            rc = x->s.t[t].per_run ? copy_per_run(x, &f[t], t, h, &st->rows[t])
                                   : copy_file(x, &f[t], &x->s.t[t], target, h, &st->rows[t]);
        }
        double t1 = dc_now();
        st->copy_seconds = t1 - t0;
        for (int t = DC_DT_CITIZENS; t <= DC_DT_CHANGES && rc == 0; t++) rc = make_keys(x, t);
        st->keys_seconds = dc_now() - t1;
    } else {
        for (int t = DC_DT_CITIZENS; t <= DC_DT_CHANGES && rc == 0; t++) rc = make_keys(x, t);
        if (rc == 0)
            rc = execf(x, "staging", NULL,
                       "CREATE TEMP TABLE dc_new_citizens (LIKE %1$s.citizens) ON COMMIT DROP; "
                       "CREATE TEMP TABLE dc_new_links (LIKE %1$s.links) ON COMMIT DROP",
                       S);
        if (rc == 0) rc = copy_file(x, &f[DC_DT_CITIZENS], &x->s.t[DC_DT_CITIZENS], "dc_new_citizens", h, &st->rows[DC_DT_CITIZENS]);
        if (rc == 0) rc = copy_file(x, &f[DC_DT_LINKS], &x->s.t[DC_DT_LINKS], "dc_new_links", h, &st->rows[DC_DT_LINKS]);
        for (int t = DC_DT_REVIEW; t <= DC_DT_CHANGES && rc == 0; t++)
            if (f[t].path) rc = copy_per_run(x, &f[t], t, h, &st->rows[t]);
        st->copy_seconds = dc_now() - t0;
        if (rc == 0)
            rc = execf(x, "staging", NULL,
                       "CREATE INDEX ON dc_new_links (source, record_id); CREATE INDEX ON dc_new_links (citizen_key); "
                       "ANALYZE dc_new_links; ANALYZE dc_new_citizens; ANALYZE %s.changes",
                       S);
        if (rc == 0) rc = apply_changes(x, st);
    }
    if (rc == 0) {
        char again[48];
        sum_hex(h, again);
        if (strcmp(again, st->checksum))
            rc = dc_seterr("deliver: the files of %s changed while they were delivered; nothing was delivered",
                           x->o->outdir);
    }
    XXH3_freeState(h);
    if (rc) return -1;
    for (int t = 0; t < DC_DT__COUNT; t++) st->rows_total += st->rows[t];
    if (execf(x, "recording the run", NULL,
              "UPDATE %s.runs SET citizens = %llu, links = %llu, review = %llu, rejects = %llu, changes = %llu, "
              "seconds = extract(epoch FROM clock_timestamp() - delivered_at) WHERE run_id = %s",
              S, (unsigned long long)st->rows[0], (unsigned long long)st->rows[1],
              (unsigned long long)st->rows[2], (unsigned long long)st->rows[3],
              (unsigned long long)st->rows[4], x->run_lit))
        return -1;
    return execf(x, "COMMIT", NULL, "COMMIT");
}

int dc_deliver(const dc_deliver_opts_t *o, dc_deliver_stats_t *st_out)
{
    dc_deliver_stats_t stl, *st = st_out ? st_out : &stl;
    memset(st, 0, sizeof *st);
    double t0 = dc_now();
    const char *schema = o->schema && *o->schema ? o->schema : "dancu";
    const char *conninfo = o->conninfo ? o->conninfo : "";
    dc_deliver_target(conninfo, st->target, sizeof st->target);
    tfile_t f[DC_DT__COUNT];
    if (find_files(o->outdir, f)) return -1;
    if (o->run_id && (!*o->run_id || strlen(o->run_id) >= sizeof st->run_id)) {
        files_free(f);
        return dc_seterr("deliver: --run-id must be 1 to %zu bytes", sizeof st->run_id - 1);
    }
    if (checksum_files(f, st->checksum)) {
        files_free(f);
        return -1;
    }
    snprintf(st->run_id, sizeof st->run_id, "%s", o->run_id ? o->run_id : st->checksum + 9);

    ctx_t x;
    memset(&x, 0, sizeof x);
    x.o = o;
    if (read_master_json(o->outdir, &x)) {
        files_free(f);
        return -1;
    }
    schema_build(&x.s);
    static const char *const kw[] = {"dbname", "fallback_application_name", "client_encoding", NULL};
    const char *const val[] = {conninfo, "dancu deliver", "UTF8", NULL};
    x.c = PQconnectdbParams(kw, val, 1);
    int rc = 0;
    if (!x.c || PQstatus(x.c) != CONNECTION_OK) {
        dc_buf_t m = DC_BUF_INIT;
        mask_into(&m, x.c ? PQerrorMessage(x.c) : "out of memory", conninfo, NULL);
        rc = dc_seterr("deliver: cannot connect to %s: %s", st->target, m.p ? m.p : "");
        dc_buf_free(&m);
    } else {
        const char *pw = PQpass(x.c);
        x.password = pw && *pw ? dc_xstrdup(pw) : NULL;
        char user[128], t2[512];
        snprintf(user, sizeof user, "%s", PQuser(x.c) ? PQuser(x.c) : "");
        const char *host = PQhost(x.c);
        if (host && host[0] == '/')
            snprintf(t2, sizeof t2, "postgresql://%s@/%s?host=%s", user, PQdb(x.c), host);
        else
            snprintf(t2, sizeof t2, "postgresql://%s@%s:%s/%s", user, host ? host : "", PQport(x.c), PQdb(x.c));
        snprintf(st->target, sizeof st->target, "%s", t2);
        x.schema = PQescapeIdentifier(x.c, schema, strlen(schema));
        x.schema_lit = PQescapeLiteral(x.c, schema, strlen(schema));
        x.run_lit = PQescapeLiteral(x.c, st->run_id, strlen(st->run_id));
        if (!x.schema || !x.schema_lit || !x.run_lit) rc = dc_seterr("deliver: cannot quote the schema or run id");
        else rc = deliver_tx(&x, f, st);
        if (rc) {
            /* an open transaction is rolled back; a dead one is gone already */
            if (PQstatus(x.c) == CONNECTION_OK && PQtransactionStatus(x.c) != PQTRANS_IDLE) {
                PGresult *r = PQexec(x.c, "ROLLBACK");
                if (r) PQclear(r);
            }
        }
    }
    st->seconds = dc_now() - t0;
    if (rc == 0 && o->log_level > 0) {
        fprintf(stderr, "dancu deliver: run %s (%s) into %s schema %s: ", st->run_id,
                st->changeset ? "change set" : "full", st->target, schema);
        for (int t = 0; t < DC_DT__COUNT; t++)
            if (f[t].path) fprintf(stderr, "%s%s %llu", t ? ", " : "", table_names[t], (unsigned long long)st->rows[t]);
        fprintf(stderr, " rows in %.2f s (%.0f rows/s; COPY %.2f s, %.0f rows/s", st->seconds,
                st->seconds > 0 ? (double)st->rows_total / st->seconds : 0.0, st->copy_seconds,
                st->copy_seconds > 0 ? (double)st->rows_total / st->copy_seconds : 0.0);
        if (!st->changeset) fprintf(stderr, "; keys %.2f s", st->keys_seconds);
        fprintf(stderr, ")\n");
        if (st->changeset)
            fprintf(stderr, "  applied: citizens %llu upserted, %llu deleted; links %llu upserted, %llu deleted\n",
                    (unsigned long long)st->citizens_upserted, (unsigned long long)st->citizens_deleted,
                    (unsigned long long)st->links_upserted, (unsigned long long)st->links_deleted);
    }
    if (x.schema) PQfreemem(x.schema);
    if (x.schema_lit) PQfreemem(x.schema_lit);
    if (x.run_lit) PQfreemem(x.run_lit);
    if (x.c) PQfinish(x.c);
    if (x.password) {
        memset(x.password, 0, strlen(x.password));
        free(x.password);
    }
    dc_buf_free(&x.sql);
    schema_free(&x.s);
    files_free(f);
    return rc;
}
