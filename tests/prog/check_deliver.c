/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * check_deliver.c - `dancu deliver` against a real PostgreSQL server.
 *
 * main() starts a private server (tests/pg/pgserver.sh: initdb in a
 * temporary folder, a Unix socket in a private folder, no TCP, password
 * authentication) and stops it at exit. A server that cannot start makes
 * every test fail: nothing is skipped.
 *
 * The runs delivered are made once, in main(), from data-samples/mixed-1000:
 *   A  = the first 12 exports, B = exports 3 to 16 (two removed, four
 *   added: citizens new, retired, merged and updated, rows moved), and A in
 *   JSON Lines with zstd. Change sets are derived by diffing the exports of
 *   A and B (derive_changes below: the stand-in for the master's
 *   changes.csv), and the database after applying one must equal B's
 *   export exactly (EXCEPT ALL both ways, from psql).
 */
#include "dc_test.h"
#include "common/dc_common.h"
#include "ref/dc_ref.h"
#include "deliver/dc_deliver.h"

#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PW "Dc-pw_7qX!"

static char *g_pgdir, *g_work;
static char g_url[1024];      /* without the password */
static char g_urlpw[1024];    /* with it */
static char g_A[1200], g_B[1200], g_AJ[1200];
static int g_server_ok, g_runs_ok;
static pid_t g_main_pid;

/* ------------------------------------------------------------ helpers */

/* Run a shell command; its stdout (malloc'd, trailing newline removed)
 * and exit status. */
static char *sh(int *status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *sh(int *status, const char *fmt, ...)
{
    char cmd[16384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    if (!p) { if (status) *status = -1; return strdup(""); }
    size_t cap = 4096, n = 0, r;
    char *out = malloc(cap);
    while ((r = fread(out + n, 1, cap - n - 1, p)) > 0) {
        n += r;
        if (n + 1 >= cap) out = realloc(out, cap *= 2);
    }
    out[n] = 0;
    while (n && out[n - 1] == '\n') out[--n] = 0;
    int st = pclose(p);
    if (status) *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out;
}

/* Run SQL through psql (-At: bare values, one row per line). */
static char *psql(int *status, const char *sql)
{
    char path[1300];
    static int k;
    snprintf(path, sizeof path, "%s/q%d-%d.sql", g_work, (int)getpid(), k++);
    dc_test_write_file(path, sql, strlen(sql));
    char *o = sh(status, "psql -X -q -At -v ON_ERROR_STOP=1 '%s' -f '%s' 2>&1", g_url, path);
    unlink(path);
    return o;
}

static long long psql_num(const char *sql)
{
    int st;
    char *o = psql(&st, sql);
    long long v = st == 0 ? atoll(o) : -999;
    if (st != 0) fprintf(stderr, "psql failed: %s\n", o);
    free(o);
    return v;
}

/* dancu deliver ARGS: exit status; stderr+stdout into *msg when given. */
static int deliver(char **msg, const char *env, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int deliver(char **msg, const char *env, const char *fmt, ...)
{
    char args[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    int st;
    char *o = sh(&st, "%s '%s' deliver %s 2>&1", env ? env : "", DANCU_BIN, args);
    if (msg) *msg = o;
    else free(o);
    return st;
}

/* A fingerprint of every table of a schema (order-independent). */
static char *fingerprint(const char *schema)
{
    char sql[4096];
    snprintf(sql, sizeof sql,
             "SELECT md5(string_agg(h, '' ORDER BY h)) FROM ("
             "SELECT 'c' || md5(t::text) h FROM %1$s.citizens t UNION ALL "
             "SELECT 'l' || md5(t::text) FROM %1$s.links t UNION ALL "
             "SELECT 'v' || md5(t::text) FROM %1$s.review t UNION ALL "
             "SELECT 'j' || md5(t::text) FROM %1$s.rejects t UNION ALL "
             "SELECT 'x' || md5(t::text) FROM %1$s.changes t UNION ALL "
             "SELECT 'r' || md5(t::text) FROM %1$s.runs t) z;",
             schema);
    int st;
    char *o = psql(&st, sql);
    ck_assert_msg(st == 0, "fingerprint: %s", o);
    return o;
}

/* Rows of B's export missing from schema.citizens/links plus rows of the
 * schema missing from B's export (0: equal, as multisets). */
static long long diff_with_export(const char *schema, const char *dir)
{
    char sql[8192];
    snprintf(sql, sizeof sql,
             "CREATE TEMP TABLE ec (LIKE %1$s.citizens); CREATE TEMP TABLE el (LIKE %1$s.links);\n"
             "\\copy ec from '%2$s/citizens.csv' (format csv, header)\n"
             "\\copy el from '%2$s/links.csv' (format csv, header)\n"
             "SELECT (SELECT count(*) FROM (SELECT * FROM %1$s.citizens EXCEPT ALL SELECT * FROM ec) a)"
             " + (SELECT count(*) FROM (SELECT * FROM ec EXCEPT ALL SELECT * FROM %1$s.citizens) b)"
             " + (SELECT count(*) FROM (SELECT * FROM %1$s.links EXCEPT ALL SELECT * FROM el) c)"
             " + (SELECT count(*) FROM (SELECT * FROM el EXCEPT ALL SELECT * FROM %1$s.links) d);",
             schema, dir);
    return psql_num(sql);
}

/* Data rows of a CSV file (records, not lines). */
static long long csv_rows(const char *path)
{
    size_t len;
    char *t = dc_test_read_file(path, &len);
    if (!t) return -1;
    dc_ref_csv_t c;
    long long n = 0;
    if (dc_ref_csv_open_mem(&c, path, t, len, ',') == 0) {
        while (dc_ref_csv_next(&c)) n++;
        dc_ref_csv_close(&c);
    }
    free(t);
    return n;
}

static void need_setup(void)
{
    ck_assert_msg(g_server_ok, "the private PostgreSQL server did not start (tests/pg/pgserver.sh): "
                               "this is a failure, not a skip");
    ck_assert_msg(g_runs_ok, "the dancu runs of the fixture failed");
}

/* ------------------------------------------- change sets from two runs */

typedef struct {
    char *key;    /* citizen_key, or "source\x1frecord_id" */
    char *row;    /* the CSV row as written (citizens) or citizen_key (links) */
    char *val;    /* links: citizen_key and probability */
    char *src, *rid;
} ent_t;

typedef struct {
    ent_t *e;
    size_t n, cap;
    char *header;
} tab_t;

static int cmp_ent(const void *a, const void *b)
{
    return strcmp(((const ent_t *)a)->key, ((const ent_t *)b)->key);
}

static ent_t *find(const tab_t *t, const char *key)
{
    ent_t k = {(char *)key, 0, 0, 0, 0};
    return bsearch(&k, t->e, t->n, sizeof *t->e, cmp_ent);
}

/* Read citizens.csv (links = 0) or links.csv (links = 1). */
static void tab_read(tab_t *t, const char *dir, int links)
{
    memset(t, 0, sizeof *t);
    char path[1300];
    snprintf(path, sizeof path, "%s/%s.csv", dir, links ? "links" : "citizens");
    size_t len;
    char *text = dc_test_read_file(path, &len);
    ck_assert_ptr_nonnull(text);
    char *nl = strchr(text, '\n');
    t->header = strndup(text, (size_t)(nl - text));
    dc_ref_csv_t c;
    ck_assert_int_eq(dc_ref_csv_open_mem(&c, path, text, len, ','), 0);
    while (dc_ref_csv_next(&c)) {
        t->e = dc_grow(t->e, &t->cap, t->n + 1, sizeof *t->e);
        ent_t *e = &t->e[t->n++];
        memset(e, 0, sizeof *e);
        dc_buf_t row = DC_BUF_INIT;
        for (size_t i = 0; i < c.nf; i++) {
            if (i) dc_buf_putc(&row, ',');
            dc_buf_put_csv(&row, c.f[i], c.flen[i], ',');
        }
        e->row = strdup(row.p ? row.p : "");
        dc_buf_free(&row);
        if (links) {
            dc_buf_t k = DC_BUF_INIT;
            dc_buf_put(&k, c.f[0], c.flen[0]);
            dc_buf_putc(&k, '\x1f');
            dc_buf_put(&k, c.f[1], c.flen[1]);
            e->key = strdup(k.p);
            dc_buf_free(&k);
            e->src = strndup(c.f[0], c.flen[0]);
            e->rid = strndup(c.f[1], c.flen[1]);
            e->val = strndup(c.f[2], c.flen[2]);
        } else {
            e->key = strndup(c.f[0], c.flen[0]);
        }
    }
    dc_ref_csv_close(&c);
    free(text);
    qsort(t->e, t->n, sizeof *t->e, cmp_ent);
}

static void tab_free(tab_t *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->e[i].key); free(t->e[i].row); free(t->e[i].val); free(t->e[i].src); free(t->e[i].rid);
    }
    free(t->e);
    free(t->header);
}

typedef struct {
    dc_buf_t out;
    tab_t touched;     /* keys named (sorted after derive) */
} cs_t;

static void ev(cs_t *cs, const char *event, const char *key, const char *other, const char *src, const char *rid)
{
    dc_buf_printf(&cs->out, "%s,", event);
    dc_buf_put_csv(&cs->out, key, strlen(key), ',');
    dc_buf_putc(&cs->out, ',');
    if (other) dc_buf_put_csv(&cs->out, other, strlen(other), ',');
    dc_buf_putc(&cs->out, ',');
    if (src) dc_buf_put_csv(&cs->out, src, strlen(src), ',');
    dc_buf_putc(&cs->out, ',');
    if (rid) dc_buf_put_csv(&cs->out, rid, strlen(rid), ',');
    dc_buf_putc(&cs->out, '\n');
    const char *ks[2] = {key, other};
    for (int i = 0; i < 2; i++) {
        if (!ks[i]) continue;
        cs->touched.e = dc_grow(cs->touched.e, &cs->touched.cap, cs->touched.n + 1, sizeof(ent_t));
        memset(&cs->touched.e[cs->touched.n], 0, sizeof(ent_t));
        cs->touched.e[cs->touched.n++].key = strdup(ks[i]);
    }
}

/* The single citizen of `b` that the rows of citizen `key` of `la` went
 * to, or NULL (none, or several). */
static const char *went_to(const tab_t *la, const tab_t *lb, const char *key)
{
    const char *to = NULL;
    for (size_t i = 0; i < la->n; i++) {
        if (strcmp(la->e[i].val, key)) continue;
        ent_t *b = find(lb, la->e[i].key);
        if (!b) return NULL;
        if (to && strcmp(to, b->val)) return NULL;
        to = b->val;
    }
    return to;
}

/* Write into `out` the change set that turns export a into export b:
 * changes.csv, then citizens.csv and links.csv (the full export of b, or
 * only the rows of the citizens the changes name when `touched_only`),
 * b's review and rejects, and _SUCCESS. `drop_event` (may be NULL): leave
 * the events of that kind out (a deficient change set). */
static void derive_changes(const char *a, const char *b, const char *out, int touched_only, const char *drop_event)
{
    tab_t ca, cb, la, lb;
    tab_read(&ca, a, 0);
    tab_read(&cb, b, 0);
    tab_read(&la, a, 1);
    tab_read(&lb, b, 1);
    cs_t cs;
    memset(&cs, 0, sizeof cs);
    dc_buf_puts(&cs.out, "event,citizen_key,other_key,source,record_id\n");
    dc_buf_t keep = DC_BUF_INIT;   /* the events, filtered */
    for (size_t i = 0; i < ca.n; i++) {
        ent_t *e = find(&cb, ca.e[i].key);
        if (e) {
            if (strcmp(e->row, ca.e[i].row)) ev(&cs, "updated", e->key, NULL, NULL, NULL);
            continue;
        }
        const char *to = went_to(&la, &lb, ca.e[i].key);
        if (to && find(&ca, to)) ev(&cs, "merged", ca.e[i].key, to, NULL, NULL);
        else ev(&cs, "retired", ca.e[i].key, NULL, NULL, NULL);
    }
    for (size_t i = 0; i < cb.n; i++) {
        if (find(&ca, cb.e[i].key)) continue;
        const char *from = went_to(&lb, &la, cb.e[i].key);
        if (from && find(&cb, from)) ev(&cs, "split", cb.e[i].key, from, NULL, NULL);
        else ev(&cs, "new", cb.e[i].key, NULL, NULL, NULL);
    }
    for (size_t i = 0; i < lb.n; i++) {
        ent_t *o = find(&la, lb.e[i].key);
        if (!o) {
            ev(&cs, "row_added", lb.e[i].val, NULL, lb.e[i].src, lb.e[i].rid);
        } else if (strcmp(o->val, lb.e[i].val)) {
            ev(&cs, "row_removed", o->val, NULL, o->src, o->rid);
            ev(&cs, "row_added", lb.e[i].val, NULL, lb.e[i].src, lb.e[i].rid);
        } else if (strcmp(o->row, lb.e[i].row)) {
            ev(&cs, "updated", lb.e[i].val, NULL, lb.e[i].src, lb.e[i].rid);
        }
    }
    for (size_t i = 0; i < la.n; i++)
        if (!find(&lb, la.e[i].key)) ev(&cs, "row_removed", la.e[i].val, NULL, la.e[i].src, la.e[i].rid);
    /* filter */
    for (char *line = cs.out.p, *nl; line && *line; line = nl + 1) {
        nl = strchr(line, '\n');
        size_t dl = drop_event ? strlen(drop_event) : 0;
        if (!(drop_event && !strncmp(line, drop_event, dl) && line[dl] == ',')) dc_buf_put(&keep, line, (size_t)(nl - line + 1));
    }
    /* touched citizens: named keys, plus the citizens of the rows named */
    qsort(cs.touched.e, cs.touched.n, sizeof(ent_t), cmp_ent);
    ck_assert_int_eq(dc_test_run("rm -rf '%s' && mkdir -p '%s'", out, out), 0);
    char path[1300];
    snprintf(path, sizeof path, "%s/changes.csv", out);
    ck_assert_int_eq(dc_test_write_file(path, keep.p, keep.len), 0);
    dc_buf_t c = DC_BUF_INIT, l = DC_BUF_INIT;
    dc_buf_printf(&c, "%s\n", cb.header);
    dc_buf_printf(&l, "%s\n", lb.header);
    /* rows in b's order would be nicer; key order is as valid */
    for (size_t i = 0; i < cb.n; i++)
        if (!touched_only || find(&cs.touched, cb.e[i].key)) dc_buf_printf(&c, "%s\n", cb.e[i].row);
    for (size_t i = 0; i < lb.n; i++)
        if (!touched_only || find(&cs.touched, lb.e[i].val)) dc_buf_printf(&l, "%s\n", lb.e[i].row);
    snprintf(path, sizeof path, "%s/citizens.csv", out);
    ck_assert_int_eq(dc_test_write_file(path, c.p, c.len), 0);
    snprintf(path, sizeof path, "%s/links.csv", out);
    ck_assert_int_eq(dc_test_write_file(path, l.p, l.len), 0);
    ck_assert_int_eq(dc_test_run("cp '%s/review.csv' '%s/rejects.csv' '%s/' && "
                                 "printf 'dancu test\\nchanges.csv\\ncitizens.csv\\nlinks.csv\\nrejects.csv\\nreview.csv\\n' > '%s/_SUCCESS'",
                                 b, b, out, out),
                     0);
    dc_buf_free(&c);
    dc_buf_free(&l);
    dc_buf_free(&keep);
    dc_buf_free(&cs.out);
    tab_free(&cs.touched);
    tab_free(&ca); tab_free(&cb); tab_free(&la); tab_free(&lb);
}

/* ------------------------------------------------------------- tests */

START_TEST(test_server_started)
{
    need_setup();
    ck_assert_int_eq(psql_num("SELECT 1;"), 1);
}
END_TEST

START_TEST(test_full_delivery)
{
    need_setup();
    char *msg;
    ck_assert_int_eq(deliver(&msg, NULL, "'%s' --to '%s' --schema fl", g_A, g_urlpw), 0);
    ck_assert_msg(strstr(msg, "citizens") && !strstr(msg, PW), "%s", msg);
    free(msg);
    char p[1400];
    snprintf(p, sizeof p, "%s/citizens.csv", g_A);
    long long nc = csv_rows(p);
    snprintf(p, sizeof p, "%s/links.csv", g_A);
    long long nl = csv_rows(p);
    ck_assert_int_gt(nc, 500);
    ck_assert_int_eq(psql_num("SELECT count(*) FROM fl.citizens;"), nc);
    ck_assert_int_eq(psql_num("SELECT count(*) FROM fl.links;"), nl);
    ck_assert_int_eq(psql_num("SELECT count(DISTINCT citizen_key) FROM fl.links;"), nc);
    ck_assert_int_eq(diff_with_export("fl", g_A), 0);
    /* keys, indexes and foreign keys are in place */
    ck_assert_int_eq(psql_num("SELECT count(*) FROM pg_constraint o JOIN pg_namespace n ON n.oid = o.connamespace "
                              "WHERE n.nspname = 'fl' AND o.conname IN ('citizens_pkey', 'links_pkey', "
                              "'links_citizen_fk', 'review_pkey', 'rejects_pkey', 'runs_pkey', 'review_run_fk');"),
                     7);
    ck_assert_int_eq(psql_num("SELECT count(*) FROM pg_indexes WHERE schemaname = 'fl' AND indexname = 'links_citizen_idx';"), 1);
    /* the run, with its checksum */
    int st;
    char *o = psql(&st, "SELECT kind || ' ' || checksum || ' ' || citizens || ' ' || links FROM fl.runs;");
    ck_assert_int_eq(st, 0);
    char want[256];
    snprintf(want, sizeof want, " %lld %lld", nc, nl);
    ck_assert_msg(!strncmp(o, "full xxh3-128:", 14) && strlen(o) > 46 && strstr(o, want), "%s", o);
    free(o);
    /* the keys refuse what they must: a second citizen with the same key */
    o = psql(&st, "INSERT INTO fl.citizens (citizen_key) SELECT citizen_key FROM fl.citizens LIMIT 1;");
    ck_assert_int_ne(st, 0);
    free(o);
    o = psql(&st, "INSERT INTO fl.links VALUES ('x', '1', 'VNnot-a-citizen', 1);");
    ck_assert_int_ne(st, 0);
    free(o);
}
END_TEST

START_TEST(test_redelivery_refused_and_replace)
{
    need_setup();
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s' --to '%s' --schema again", g_A, g_urlpw), 0);
    char *before = fingerprint("again");
    char *msg;
    ck_assert_int_eq(deliver(&msg, NULL, "'%s' --to '%s' --schema again", g_A, g_urlpw), 1);
    ck_assert_msg(strstr(msg, "already delivered") && strstr(msg, "--replace"), "%s", msg);
    free(msg);
    char *after = fingerprint("again");
    ck_assert_str_eq(before, after);
    free(after);
    /* another folder with the same outputs is the same run */
    ck_assert_int_eq(dc_test_run("rm -rf '%s/copyA' && cp -r '%s' '%s/copyA'", g_work, g_A, g_work), 0);
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s/copyA' --to '%s' --schema again", g_work, g_urlpw), 1);
    /* --replace delivers it again: same contents, still one run */
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s' --to '%s' --schema again --replace", g_A, g_urlpw), 0);
    ck_assert_int_eq(psql_num("SELECT count(*) FROM again.runs;"), 1);
    ck_assert_int_eq(diff_with_export("again", g_A), 0);
    /* a different run replaces the state, and both are recorded */
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s' --to '%s' --schema again", g_B, g_urlpw), 0);
    ck_assert_int_eq(psql_num("SELECT count(*) FROM again.runs;"), 2);
    ck_assert_int_eq(diff_with_export("again", g_B), 0);
    /* --run-id names the run */
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s' --to '%s' --schema again --run-id 'tỉnh-2026/01 '\\''x'\\'''", g_A, g_urlpw), 0);
    ck_assert_int_eq(psql_num("SELECT count(*) FROM again.runs WHERE run_id = 'tỉnh-2026/01 ''x''';"), 1);
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s' --to '%s' --schema again --run-id 'tỉnh-2026/01 '\\''x'\\'''", g_B, g_urlpw), 1);
    free(before);
}
END_TEST

START_TEST(test_jsonl_zst_equals_csv)
{
    need_setup();
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s' --to '%s' --schema jc", g_A, g_urlpw), 0);
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s' --to '%s' --schema jj", g_AJ, g_urlpw), 0);
    ck_assert_int_gt(psql_num("SELECT count(*) FROM jj.citizens;"), 500);
    ck_assert_int_eq(psql_num("SELECT (SELECT count(*) FROM (SELECT * FROM jc.citizens EXCEPT ALL SELECT * FROM jj.citizens) a)"
                              " + (SELECT count(*) FROM (SELECT * FROM jj.citizens EXCEPT ALL SELECT * FROM jc.citizens) b)"
                              " + (SELECT count(*) FROM (SELECT * FROM jc.links EXCEPT ALL SELECT * FROM jj.links) c)"
                              " + (SELECT count(*) FROM (SELECT * FROM jj.links EXCEPT ALL SELECT * FROM jc.links) d)"
                              " + (SELECT count(*) FROM jc.citizens) - (SELECT count(*) FROM jj.citizens);"),
                     0);
    ck_assert_int_eq(psql_num("SELECT count(*) FROM jj.runs WHERE format = 'jsonl';"), 1);
    /* CSV converted to COPY's binary format: the same rows */
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s' --to '%s' --schema jb --copy-format binary", g_A, g_urlpw), 0);
    ck_assert_int_eq(psql_num("SELECT (SELECT count(*) FROM (SELECT * FROM jc.citizens EXCEPT ALL SELECT * FROM jb.citizens) a)"
                              " + (SELECT count(*) FROM (SELECT * FROM jb.citizens EXCEPT ALL SELECT * FROM jc.citizens) b)"
                              " + (SELECT count(*) FROM (SELECT * FROM jc.links EXCEPT ALL SELECT * FROM jb.links) c)"
                              " + (SELECT count(*) FROM (SELECT * FROM jb.links EXCEPT ALL SELECT * FROM jc.links) d)"
                              " + (SELECT count(*) FROM (SELECT * FROM jb.review EXCEPT ALL SELECT * FROM jc.review) e)"
                              " + (SELECT count(*) FROM jc.review) - (SELECT count(*) FROM jb.review)"
                              " + (SELECT count(*) FROM jc.citizens) - (SELECT count(*) FROM jb.citizens);"),
                     0);
}
END_TEST

/* Start `dancu deliver` paused inside COPY of links; returns its pid. */
static pid_t start_paused(const char *dir, const char *schema, const char *flag)
{
    unlink(flag);
    pid_t pid = fork();
    if (pid == 0) {
        setenv("DANCU_TEST_DELIVER_PAUSE", flag, 1);
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) { dup2(fd, 1); dup2(fd, 2); }
        execl(DANCU_BIN, DANCU_BIN, "deliver", "-q", dir, "--to", g_urlpw, "--schema", schema, "--replace", (char *)NULL);
        _exit(127);
    }
    struct stat st;
    struct timespec ts = {0, 20 * 1000 * 1000};
    for (int i = 0; i < 30000 && stat(flag, &st) != 0; i++) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) return -1;   /* ended without pausing */
        nanosleep(&ts, NULL);
    }
    return pid;
}

START_TEST(test_kill_midway_rolls_back)
{
    need_setup();
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s' --to '%s' --schema killed", g_A, g_urlpw), 0);
    char *before = fingerprint("killed");
    char flag[1300];
    snprintf(flag, sizeof flag, "%s/pause-kill", g_work);
    pid_t pid = start_paused(g_B, "killed", flag);
    ck_assert_int_gt(pid, 0);
    /* the delivery is inside COPY: the tables were truncated in its transaction */
    ck_assert_int_eq(psql_num("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dancu deliver' "
                              "AND query LIKE 'COPY%';"), 1);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    ck_assert(WIFSIGNALED(status));
    unlink(flag);
    char *after = fingerprint("killed");
    ck_assert_str_eq(before, after);
    ck_assert_int_eq(diff_with_export("killed", g_A), 0);
    /* nothing is left locked: the next delivery goes through */
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s' --to '%s' --schema killed", g_B, g_urlpw), 0);
    ck_assert_int_eq(diff_with_export("killed", g_B), 0);
    free(before);
    free(after);
}
END_TEST

START_TEST(test_dropped_connection_rolls_back)
{
    need_setup();
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s' --to '%s' --schema dropped", g_A, g_urlpw), 0);
    char *before = fingerprint("dropped");
    char flag[1300];
    snprintf(flag, sizeof flag, "%s/pause-drop", g_work);
    pid_t pid = start_paused(g_B, "dropped", flag);
    ck_assert_int_gt(pid, 0);
    ck_assert_int_eq(psql_num("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                              "WHERE application_name = 'dancu deliver';"), 1);
    unlink(flag);
    int status;
    waitpid(pid, &status, 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    char *after = fingerprint("dropped");
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
}
END_TEST

START_TEST(test_constraint_violation_rolls_back)
{
    need_setup();
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s' --to '%s' --schema viol", g_A, g_urlpw), 0);
    char *before = fingerprint("viol");
    /* a row whose citizen is not in citizens.csv */
    char bad[1300];
    snprintf(bad, sizeof bad, "%s/bad-fk", g_work);
    ck_assert_int_eq(dc_test_run("rm -rf '%s' && cp -r '%s' '%s' && printf 'zz.csv,1,VN00000000000000000000000000000000,1.0000\\n' >> '%s/links.csv'",
                                 bad, g_B, bad, bad), 0);
    char *msg;
    ck_assert_int_eq(deliver(&msg, NULL, "'%s' --to '%s' --schema viol", bad, g_urlpw), 1);
    ck_assert_msg(strstr(msg, "foreign key") && strstr(msg, "links_citizen_fk") && !strstr(msg, "VN0000"), "%s", msg);
    free(msg);
    char *after = fingerprint("viol");
    ck_assert_str_eq(before, after);
    free(after);
    /* a row given twice: the primary key */
    ck_assert_int_eq(dc_test_run("rm -rf '%s' && cp -r '%s' '%s' && tail -n 1 '%s/links.csv' >> '%s/links.csv'",
                                 bad, g_B, bad, g_B, bad), 0);
    ck_assert_int_eq(deliver(&msg, NULL, "'%s' --to '%s' --schema viol", bad, g_urlpw), 1);
    ck_assert_msg(strstr(msg, "duplicate key") && strstr(msg, "links_pkey"), "%s", msg);
    free(msg);
    /* a value of the wrong type: the message has the line, not the value */
    ck_assert_int_eq(dc_test_run("rm -rf '%s' && cp -r '%s' '%s' && sed -i '3s/,[0-9.]*$/,Nguyen/' '%s/links.csv'",
                                 bad, g_B, bad, bad), 0);
    ck_assert_int_eq(deliver(&msg, NULL, "'%s' --to '%s' --schema viol", bad, g_urlpw), 1);
    ck_assert_msg(strstr(msg, "invalid value") && strstr(msg, "data row 2 of") && !strstr(msg, "Nguyen"), "%s", msg);
    free(msg);
    ck_assert_int_eq(deliver(&msg, NULL, "'%s' --to '%s' --schema viol --copy-format binary", bad, g_urlpw), 1);
    ck_assert_msg(strstr(msg, "data row 2: column match_probability is not a valid double precision") &&
                  !strstr(msg, "Nguyen"), "%s", msg);
    free(msg);
    after = fingerprint("viol");
    ck_assert_str_eq(before, after);
    free(after);
    free(before);
}
END_TEST

START_TEST(test_shape_mismatch)
{
    need_setup();
    char *o = psql(NULL, "CREATE SCHEMA shape; CREATE TABLE shape.links (source text, record_id integer);");
    free(o);
    char *msg;
    ck_assert_int_eq(deliver(&msg, NULL, "'%s' --to '%s' --schema shape", g_A, g_urlpw), 1);
    ck_assert_msg(strstr(msg, "shape.links already exists with a different shape") && strstr(msg, "record_id integer"),
                  "%s", msg);
    free(msg);
    /* nothing was created beside it */
    ck_assert_int_eq(psql_num("SELECT count(*) FROM pg_tables WHERE schemaname = 'shape';"), 1);
    /* a table with fewer columns */
    o = psql(NULL, "CREATE SCHEMA shape2; CREATE TABLE shape2.citizens (citizen_key text);");
    free(o);
    ck_assert_int_eq(deliver(&msg, NULL, "'%s' --to '%s' --schema shape2", g_A, g_urlpw), 1);
    ck_assert_msg(strstr(msg, "shape2.citizens already exists with a different shape"), "%s", msg);
    free(msg);
    /* a file that is not dancu's shape */
    char bad[1300];
    snprintf(bad, sizeof bad, "%s/bad-header", g_work);
    ck_assert_int_eq(dc_test_run("rm -rf '%s' && cp -r '%s' '%s' && sed -i '1s/citizen_key/person/' '%s/links.csv'",
                                 bad, g_A, bad, bad), 0);
    ck_assert_int_eq(deliver(&msg, NULL, "'%s' --to '%s' --schema shape3", bad, g_urlpw), 1);
    ck_assert_msg(strstr(msg, "column 3 of the header is not citizen_key"), "%s", msg);
    free(msg);
    /* not a complete run */
    ck_assert_int_eq(dc_test_run("rm '%s/_SUCCESS'", bad), 0);
    ck_assert_int_eq(deliver(&msg, NULL, "'%s' --to '%s' --schema shape3", bad, g_urlpw), 1);
    ck_assert_msg(strstr(msg, "no _SUCCESS"), "%s", msg);
    free(msg);
    ck_assert_int_eq(psql_num("SELECT count(*) FROM pg_namespace WHERE nspname = 'shape3';"), 0);
}
END_TEST

START_TEST(test_changeset_full_export)
{
    need_setup();
    char cs[1300];
    snprintf(cs, sizeof cs, "%s/cs-full", g_work);
    derive_changes(g_A, g_B, cs, 0, NULL);
    /* the change set covers the kinds of events the master writes */
    int st;
    char *o = sh(&st, "cut -d, -f1 '%s/changes.csv' | sort | uniq -c | awk '{print $2}' | tr '\\n' ' '", cs);
    ck_assert_msg(strstr(o, "new") && strstr(o, "retired") && strstr(o, "updated") && strstr(o, "row_added") &&
                  strstr(o, "row_removed"),
                  "events: %s", o);
    free(o);
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s' --to '%s' --schema cs", g_A, g_urlpw), 0);
    ck_assert_int_ne(diff_with_export("cs", g_B), 0);
    char *msg;
    ck_assert_int_eq(deliver(&msg, NULL, "'%s' --to '%s' --schema cs --verify", cs, g_urlpw), 0);
    ck_assert_msg(strstr(msg, "change set") && strstr(msg, "upserted"), "%s", msg);
    free(msg);
    ck_assert_int_eq(diff_with_export("cs", g_B), 0);
    ck_assert_int_eq(psql_num("SELECT count(*) FROM cs.runs WHERE kind = 'changes';"), 1);
    char p[1400];
    snprintf(p, sizeof p, "%s/changes.csv", cs);
    ck_assert_int_eq(psql_num("SELECT count(*) FROM cs.changes;"), csv_rows(p));
    /* the same change set again: refused */
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s' --to '%s' --schema cs", cs, g_urlpw), 1);
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s' --to '%s' --schema cs --replace", cs, g_urlpw), 0);
    ck_assert_int_eq(diff_with_export("cs", g_B), 0);
    ck_assert_int_eq(psql_num("SELECT count(*) FROM cs.changes;"), csv_rows(p));
}
END_TEST

START_TEST(test_changeset_touched_rows_only)
{
    need_setup();
    char cs[1300];
    snprintf(cs, sizeof cs, "%s/cs-touched", g_work);
    derive_changes(g_A, g_B, cs, 1, NULL);
    char p[1400];
    snprintf(p, sizeof p, "%s/citizens.csv", cs);
    long long touched = csv_rows(p);
    snprintf(p, sizeof p, "%s/citizens.csv", g_B);
    ck_assert_int_lt(touched, csv_rows(p));   /* really a part */
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s' --to '%s' --schema cst", g_A, g_urlpw), 0);
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s' --to '%s' --schema cst", cs, g_urlpw), 0);
    ck_assert_int_eq(diff_with_export("cst", g_B), 0);
    /* and back: B -> A */
    snprintf(cs, sizeof cs, "%s/cs-back", g_work);
    derive_changes(g_B, g_A, cs, 1, NULL);
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s' --to '%s' --schema cst", cs, g_urlpw), 0);
    ck_assert_int_eq(diff_with_export("cst", g_A), 0);
}
END_TEST

START_TEST(test_changeset_deficient_verify)
{
    need_setup();
    char cs[1300];
    snprintf(cs, sizeof cs, "%s/cs-bad", g_work);
    derive_changes(g_A, g_B, cs, 0, "updated");   /* the updates left out */
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s' --to '%s' --schema csb", g_A, g_urlpw), 0);
    char *before = fingerprint("csb");
    char *msg;
    ck_assert_int_eq(deliver(&msg, NULL, "'%s' --to '%s' --schema csb --verify", cs, g_urlpw), 1);
    ck_assert_msg(strstr(msg, "--verify") && strstr(msg, "differs"), "%s", msg);
    free(msg);
    char *after = fingerprint("csb");
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
}
END_TEST

START_TEST(test_credentials_never_printed)
{
    need_setup();
    char *msg, env[2048];
    /* password in the URL */
    ck_assert_int_eq(deliver(&msg, NULL, "'%s' --to '%s' --schema cred", g_A, g_urlpw), 0);
    ck_assert_msg(!strstr(msg, PW) && strstr(msg, "postgresql://dancu@"), "%s", msg);
    free(msg);
    /* the PG* environment, --to '' */
    snprintf(env, sizeof env, "PGHOST='%s/sock' PGUSER=dancu PGDATABASE=postgres PGPASSWORD='%s'", g_pgdir, PW);
    ck_assert_int_eq(deliver(&msg, env, "'%s' --to '' --schema cred --replace", g_A), 0);
    ck_assert_msg(!strstr(msg, PW), "%s", msg);
    free(msg);
    /* a service file */
    char svc[1300];
    snprintf(svc, sizeof svc, "%s/pg_service.conf", g_work);
    char conf[2048];
    snprintf(conf, sizeof conf, "[national]\nhost=%s/sock\nuser=dancu\ndbname=postgres\npassword=%s\n", g_pgdir, PW);
    ck_assert_int_eq(dc_test_write_file(svc, conf, strlen(conf)), 0);
    snprintf(env, sizeof env, "PGSERVICEFILE='%s'", svc);
    ck_assert_int_eq(deliver(&msg, env, "'%s' --to 'service=national' --schema cred --replace", g_A), 0);
    ck_assert_msg(!strstr(msg, PW) && strstr(msg, "postgresql://dancu@"), "%s", msg);
    free(msg);
    /* a wrong password: refused, not printed */
    ck_assert_int_eq(deliver(&msg, NULL, "'%s' --to 'postgresql://dancu:Wr0ngSecret@/postgres?host=%s/sock' --schema cred",
                             g_A, g_pgdir), 1);
    ck_assert_msg(strstr(msg, "password authentication failed") && !strstr(msg, "Wr0ngSecret"), "%s", msg);
    free(msg);
    /* a malformed URL that holds a password */
    ck_assert_int_eq(deliver(&msg, NULL, "'%s' --to 'postgresql://dancu:S3cr%%zz@/postgres?host=%s/sock'", g_A, g_pgdir), 1);
    ck_assert_msg(!strstr(msg, "S3cr"), "%s", msg);
    free(msg);
    /* the masked target */
    char t[512];
    dc_deliver_target("postgresql://u:Top%20Secret@db.example:5433/nat?sslmode=require", t, sizeof t);
    ck_assert_str_eq(t, "postgresql://u@db.example:5433/nat");
    dc_deliver_target("host=h user=u password='a b' dbname=d", t, sizeof t);
    ck_assert_msg(!strstr(t, "a b") && !strstr(t, "password"), "%s", t);
}
END_TEST

/* Export c = export b with the citizen of b's last row merged into the
 * citizen of its first row (its rows moved, its citizens row gone). */
static void make_merged(const char *b, const char *c)
{
    ck_assert_int_eq(dc_test_run("rm -rf '%s' && cp -r '%s' '%s'", c, b, c), 0);
    tab_t cb, lb;
    tab_read(&cb, b, 0);
    tab_read(&lb, b, 1);
    char path[1400];
    snprintf(path, sizeof path, "%s/links.csv", b);
    int st;
    char *first = sh(&st, "sed -n 2p '%s' | awk -F, '{print $(NF-1)}'", path);
    char *last = sh(&st, "tail -n 1 '%s' | awk -F, '{print $(NF-1)}'", path);
    ck_assert_str_ne(first, last);
    dc_buf_t cc = DC_BUF_INIT, ll = DC_BUF_INIT;
    dc_buf_printf(&cc, "%s\n", cb.header);
    dc_buf_printf(&ll, "%s\n", lb.header);
    for (size_t i = 0; i < cb.n; i++)
        if (strcmp(cb.e[i].key, last)) dc_buf_printf(&cc, "%s\n", cb.e[i].row);
    for (size_t i = 0; i < lb.n; i++) {
        if (strcmp(lb.e[i].val, last)) {
            dc_buf_printf(&ll, "%s\n", lb.e[i].row);
            continue;
        }
        dc_buf_put_csv(&ll, lb.e[i].src, strlen(lb.e[i].src), ',');
        dc_buf_putc(&ll, ',');
        dc_buf_put_csv(&ll, lb.e[i].rid, strlen(lb.e[i].rid), ',');
        dc_buf_printf(&ll, ",%s%s\n", first, strrchr(lb.e[i].row, ','));
    }
    snprintf(path, sizeof path, "%s/citizens.csv", c);
    ck_assert_int_eq(dc_test_write_file(path, cc.p, cc.len), 0);
    snprintf(path, sizeof path, "%s/links.csv", c);
    ck_assert_int_eq(dc_test_write_file(path, ll.p, ll.len), 0);
    dc_buf_free(&cc);
    dc_buf_free(&ll);
    free(first);
    free(last);
    tab_free(&cb);
    tab_free(&lb);
}

START_TEST(test_changeset_merge_split)
{
    need_setup();
    char c[1300], cs[1300];
    snprintf(c, sizeof c, "%s/runC", g_work);
    make_merged(g_B, c);
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s' --to '%s' --schema csm", g_B, g_urlpw), 0);
    /* B -> C: one citizen merged into another */
    snprintf(cs, sizeof cs, "%s/cs-merge", g_work);
    derive_changes(g_B, c, cs, 1, NULL);
    int st;
    char *o = sh(&st, "grep -c '^merged,' '%s/changes.csv'", cs);
    ck_assert_str_eq(o, "1");
    free(o);
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s' --to '%s' --schema csm", cs, g_urlpw), 0);
    ck_assert_int_eq(diff_with_export("csm", c), 0);
    /* C -> B: split again */
    snprintf(cs, sizeof cs, "%s/cs-split", g_work);
    derive_changes(c, g_B, cs, 1, NULL);
    o = sh(&st, "grep -c '^split,' '%s/changes.csv'", cs);
    ck_assert_str_eq(o, "1");
    free(o);
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s' --to '%s' --schema csm", cs, g_urlpw), 0);
    ck_assert_int_eq(diff_with_export("csm", g_B), 0);
}
END_TEST


/* Change sets of a real master (dancu run --master): two deliveries and a
 * corrected re-delivery; after each, the database equals the master's
 * full export (dancu master export). */
START_TEST(test_master_change_sets)
{
    need_setup();
    char d[1300];
    snprintf(d, sizeof d, "%s/master", g_work);
    const char *ex = DANCU_SRCDIR "/data-samples/mixed-1000/exports";
    ck_assert_int_eq(dc_test_run("rm -rf '%s' && mkdir -p '%s/fix' && cd '%s' && B='%s' && M='%s' && "
                                 "$B run -q -o $M/l1 --master $M/m $(ls | head -8) && "
                                 "$B master export -q $M/m -o $M/e1 && "
                                 "$B run -q -o $M/l2 --master $M/m $(ls | tail -n +9) && "
                                 "$B master export -q $M/m -o $M/e2 && "
                                 "f=$(ls | grep thuong_tru.csv | head -1) && "
                                 "awk 'BEGIN{FS=OFS=\",\"} NR==2{next} NR==3{$5=\"Ta Quang Buu\"; $8=\"\"} {print}' "
                                 "\"$f\" > $M/fix/\"$f\" && "
                                 "$B run -q -o $M/l3 --master $M/m $M/fix/* && "
                                 "$B master export -q $M/m -o $M/e3",
                                 d, d, ex, DANCU_BIN, d),
                     0);
    /* out of order: refused, nothing changes */
    char *msg;
    ck_assert_int_eq(deliver(&msg, NULL, "'%s/l2' --to '%s' --schema mcs", d, g_urlpw), 1);
    ck_assert_msg(strstr(msg, "holds no generation of that master") != NULL, "%s", msg);
    free(msg);
    ck_assert_int_eq(psql_num("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'mcs';"), 0);
    for (int k = 1; k <= 3; k++) {
        char load[1400], exp[1400];
        snprintf(load, sizeof load, "%s/l%d", d, k);
        snprintf(exp, sizeof exp, "%s/e%d", d, k);
        ck_assert_int_eq(deliver(NULL, NULL, "-q '%s' --to '%s' --schema mcs", load, g_urlpw), 0);
        ck_assert_msg(diff_with_export("mcs", exp) == 0, "after load %d the database differs from the master's export", k);
        if (k == 1) {   /* load 3 before load 2: refused */
            ck_assert_int_eq(deliver(&msg, NULL, "'%s/l3' --to '%s' --schema mcs", d, g_urlpw), 1);
            ck_assert_msg(strstr(msg, "schema holds generation 1") != NULL, "%s", msg);
            free(msg);
        }
    }
    ck_assert_int_eq(psql_num("SELECT max(master_generation) FROM mcs.runs;"), 3);
    /* a fourth load, delivered by the run itself (--deliver) */
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' run -q -o '%s/l4' --master '%s/m' --deliver '%s' --schema mcs "
                                 "$(ls | grep tam_tru | head -2) && '%s' master export -q '%s/m' -o '%s/e4'",
                                 ex, DANCU_BIN, d, d, g_urlpw, DANCU_BIN, d, d),
                     0);
    char e4[1400];
    snprintf(e4, sizeof e4, "%s/e4", d);
    ck_assert_int_eq(diff_with_export("mcs", e4), 0);
    ck_assert_int_eq(psql_num("SELECT max(master_generation) FROM mcs.runs;"), 4);
    ck_assert_int_eq(psql_num("SELECT count(*) FROM mcs.runs WHERE kind = 'changes';"), 4);
    ck_assert_int_eq(psql_num("SELECT count(*) FROM mcs.changes WHERE event = 'row_removed';") >= 1, 1);
}
END_TEST

START_TEST(test_role_owning_only_its_schema)
{
    need_setup();
    char *o = psql(NULL, "CREATE ROLE loader LOGIN PASSWORD 'Loader-pw1'; CREATE SCHEMA natl AUTHORIZATION loader;");
    free(o);
    char *msg;
    ck_assert_int_eq(deliver(&msg, NULL, "'%s' --to 'postgresql://loader:Loader-pw1@/postgres?host=%s/sock' --schema natl",
                             g_A, g_pgdir), 0);
    ck_assert_msg(strstr(msg, "postgresql://loader@") && !strstr(msg, "Loader-pw1"), "%s", msg);
    free(msg);
    ck_assert_int_eq(diff_with_export("natl", g_A), 0);
    /* no right to create a schema: a clear refusal */
    ck_assert_int_eq(deliver(&msg, NULL, "'%s' --to 'postgresql://loader:Loader-pw1@/postgres?host=%s/sock' --schema other",
                             g_A, g_pgdir), 1);
    ck_assert_msg(strstr(msg, "creating the schema: permission denied"), "%s", msg);
    free(msg);
}
END_TEST

/* Two schemas hold the same citizens and links (0: equal). */
static long long diff_schemas(const char *a, const char *b)
{
    char sql[4096];
    snprintf(sql, sizeof sql,
             "SELECT (SELECT count(*) FROM (SELECT * FROM %1$s.citizens EXCEPT ALL SELECT * FROM %2$s.citizens) a)"
             " + (SELECT count(*) FROM (SELECT * FROM %2$s.citizens EXCEPT ALL SELECT * FROM %1$s.citizens) b)"
             " + (SELECT count(*) FROM (SELECT * FROM %1$s.links EXCEPT ALL SELECT * FROM %2$s.links) c)"
             " + (SELECT count(*) FROM (SELECT * FROM %2$s.links EXCEPT ALL SELECT * FROM %1$s.links) d);",
             a, b);
    return psql_num(sql);
}

/* The spreadsheet-formula guard of the CSV outputs is undone: CSV (as
 * streamed, and converted to binary), raw CSV and JSON Lines (never
 * escaped) deliver the same values. */
START_TEST(test_formula_guard_undone)
{
    need_setup();
    char in[1300], p[1400];
    snprintf(in, sizeof in, "%s/fin", g_work);
    ck_assert_int_eq(dc_test_run("rm -rf '%s' && mkdir -p '%s'", in, in), 0);
    snprintf(p, sizeof p, "%s/+evil.csv", in);
    const char data[] = "record_id,ho_ten,ngay_sinh,so_dinh_danh\n"
                        "\"=HYPERLINK(\"\"http://evil.example/\"\",\"\"x\"\")\",Lê Văn Tám,01/02/1980,001080000001\n"
                        "@2,Lê Văn Tám,01/02/1980,001080000001\n"
                        "'4,Nguyễn Văn Tư,05/06/1970,001070000003\n"
                        "-3,Trần Thị Bưởi,03/04/1990,001190000002\n";
    ck_assert_int_eq(dc_test_write_file(p, data, sizeof data - 1), 0);
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' run -q -o ../fcsv . && '%s' run -q --format jsonl -o ../fjsonl . && "
                                 "'%s' run -q --csv-formulas raw -o ../fraw .",
                                 in, DANCU_BIN, DANCU_BIN, DANCU_BIN), 0);
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s/fjsonl' --to '%s' --schema fj", g_work, g_urlpw), 0);
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s/fcsv' --to '%s' --schema fc", g_work, g_urlpw), 0);
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s/fcsv' --to '%s' --schema fb --copy-format binary", g_work, g_urlpw), 0);
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s/fraw' --to '%s' --schema fr --csv-formulas raw", g_work, g_urlpw), 0);
    ck_assert_int_eq(psql_num("SELECT count(*) FROM fj.links WHERE source = '+evil.csv' AND record_id IN "
                              "('=HYPERLINK(\"http://evil.example/\",\"x\")', '@2', '''4', '-3');"), 4);
    ck_assert_int_eq(diff_schemas("fj", "fc"), 0);
    ck_assert_int_eq(diff_schemas("fj", "fb"), 0);
    ck_assert_int_eq(diff_schemas("fj", "fr"), 0);
    /* the guard is left in place when the folder is said to be raw */
    ck_assert_int_eq(deliver(NULL, NULL, "-q '%s/fcsv' --to '%s' --schema fx --csv-formulas raw", g_work, g_urlpw), 0);
    ck_assert_int_gt(diff_schemas("fj", "fx"), 0);
}
END_TEST

START_TEST(test_run_deliver)
{
    need_setup();
    char out[1300];
    snprintf(out, sizeof out, "%s/run-deliver", g_work);
    int st;
    char *msg = sh(&st, "'%s' run -o '%s' --deliver '%s' '%s/data-samples/mixed-1000/exports' 2>&1", DANCU_BIN, out,
                   g_urlpw, DANCU_SRCDIR);
    ck_assert_msg(st == 0 && strstr(msg, "dancu deliver: run") && !strstr(msg, PW), "%s", msg);
    free(msg);
    ck_assert_int_eq(diff_with_export("dancu", out), 0);
    /* the password is in no output file */
    ck_assert_int_eq(dc_test_run("grep -rqF '%s' '%s'", PW, out), 1);
    /* the outputs stay when the delivery fails; the status says it failed */
    msg = sh(&st, "'%s' run -q -o '%s' --force --deliver '%s' '%s/data-samples/mixed-1000/exports' 2>&1", DANCU_BIN, out,
             g_urlpw, DANCU_SRCDIR);
    ck_assert_msg(st == 1 && strstr(msg, "already delivered") && strstr(msg, "outputs are complete"), "%s", msg);
    free(msg);
    char p[1400];
    snprintf(p, sizeof p, "%s/_SUCCESS", out);
    ck_assert_int_eq(access(p, F_OK), 0);
}
END_TEST

/* ------------------------------------------------------------ fixture */

static void stop_server(void)
{
    if (getpid() != g_main_pid || !g_pgdir) return;
    if (dc_test_run("sh '%s/tests/pg/pgserver.sh' stop '%s' >/dev/null 2>&1", DANCU_SRCDIR, g_pgdir) == 0)
        dc_test_run("rm -rf '%s'", g_pgdir);
    if (g_work) dc_test_run("rm -rf '%s'", g_work);
}

static void setup_all(void)
{
    g_main_pid = getpid();
    /* the server's folder under /tmp whatever TMPDIR: the postgres user
     * must reach it, and a Unix socket path is limited to 107 bytes */
    char pgtmp[] = "/tmp/dancu-pg-XXXXXX";
    g_pgdir = mkdtemp(pgtmp) ? strdup(pgtmp) : NULL;
    g_work = dc_test_tmpdir("deliver");
    if (!g_pgdir || !g_work) return;
    atexit(stop_server);
    g_server_ok = dc_test_run("sh '%s/tests/pg/pgserver.sh' start '%s' '%s'", DANCU_SRCDIR, g_pgdir, PW) == 0;
    snprintf(g_url, sizeof g_url, "postgresql://dancu@/postgres?host=%s/sock", g_pgdir);
    snprintf(g_urlpw, sizeof g_urlpw, "postgresql://dancu:%s@/postgres?host=%s/sock", PW, g_pgdir);
    setenv("PGPASSWORD", PW, 1);   /* for psql only: deliveries get their credentials per test */
    snprintf(g_A, sizeof g_A, "%s/runA", g_work);
    snprintf(g_B, sizeof g_B, "%s/runB", g_work);
    snprintf(g_AJ, sizeof g_AJ, "%s/runAJ", g_work);
    const char *ex = DANCU_SRCDIR "/data-samples/mixed-1000/exports";
    g_runs_ok =
        dc_test_run("cd '%s' && '%s' run -q -o '%s' $(ls | head -n 12)", ex, DANCU_BIN, g_A) == 0 &&
        dc_test_run("cd '%s' && '%s' run -q -o '%s' $(ls | tail -n 14)", ex, DANCU_BIN, g_B) == 0 &&
        dc_test_run("cd '%s' && '%s' run -q --format jsonl --compress -o '%s' $(ls | head -n 12)", ex, DANCU_BIN,
                    g_AJ) == 0;
}

static Suite *deliver_suite(void)
{
    Suite *s = suite_create("deliver");
    TCase *tc = dc_test_tcase("postgresql");
    tcase_add_test(tc, test_server_started);
    tcase_add_test(tc, test_full_delivery);
    tcase_add_test(tc, test_redelivery_refused_and_replace);
    tcase_add_test(tc, test_jsonl_zst_equals_csv);
    tcase_add_test(tc, test_kill_midway_rolls_back);
    tcase_add_test(tc, test_dropped_connection_rolls_back);
    tcase_add_test(tc, test_constraint_violation_rolls_back);
    tcase_add_test(tc, test_shape_mismatch);
    tcase_add_test(tc, test_changeset_full_export);
    tcase_add_test(tc, test_changeset_touched_rows_only);
    tcase_add_test(tc, test_changeset_merge_split);
    tcase_add_test(tc, test_changeset_deficient_verify);
    tcase_add_test(tc, test_master_change_sets);
    tcase_add_test(tc, test_credentials_never_printed);
    tcase_add_test(tc, test_role_owning_only_its_schema);
    tcase_add_test(tc, test_formula_guard_undone);
    tcase_add_test(tc, test_run_deliver);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    setup_all();
    return dc_test_main(deliver_suite(), "deliver");
}
