/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * check_master.c - the persistent master through the binary
 * (docs/MASTER.md): `dancu run --master`, `dancu master info|export`.
 *   - a first load is a batch run: its export is byte-identical to the
 *     batch run's citizens.csv and links.csv;
 *   - deliveries in four batches, then a re-delivery with rows removed,
 *     changed and added: after each load, the previous export with the
 *     load's change set applied equals the new export exactly; a citizen
 *     whose rows did not change keeps its key; keys are unique and never
 *     come back; the clusters equal a batch run's on the final files
 *     (pairwise F1 >= 0.999);
 *   - labels that join two citizens give a merged event, a correction that
 *     separates rows a split event;
 *   - outputs and master identical with 1 and 2 threads;
 *   - SIGKILL at points of the master's commit leaves the previous
 *     generation intact and usable, and the same load run again gives the
 *     same master;
 *   - a damaged, truncated or foreign master is refused with a clear error.
 */
#include "dc_test.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *g_dir;        /* private temporary folder */
static char g_gen[4200];   /* generated exports */
static char **g_files;     /* export file names, sorted */
static size_t g_nfiles;

/* --------------------------------------------------------------- tables */

typedef struct {
    char **line;   /* data lines (header dropped), sorted */
    size_t n;
    char *buf;
} lines_t;

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void lines_read(lines_t *t, const char *dir, const char *name)
{
    char p[4600];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    t->buf = dc_test_read_file(p, NULL);
    ck_assert_msg(t->buf != NULL, "cannot read %s", p);
    t->line = NULL;
    t->n = 0;
    size_t cap = 0;
    char *s = strchr(t->buf, '\n');   /* skip the header */
    for (s = s ? s + 1 : NULL; s && *s;) {
        char *e = strchr(s, '\n');
        if (e) *e = 0;
        if (t->n == cap) t->line = realloc(t->line, (cap = cap ? 2 * cap : 1024) * sizeof *t->line);
        t->line[t->n++] = s;
        s = e ? e + 1 : NULL;
    }
    qsort(t->line, t->n, sizeof *t->line, cmp_str);
}

static void lines_free(lines_t *t)
{
    free(t->line);
    free(t->buf);
}

/* Field k (0-based) of a CSV line without quotes in its first fields. */
static size_t field(const char *l, int k, const char **at)
{
    for (int i = 0; i < k; i++) {
        l = strchr(l, ',');
        if (!l) {
            *at = "";
            return 0;
        }
        l++;
    }
    const char *e = strchr(l, ',');
    *at = l;
    return e ? (size_t)(e - l) : strlen(l);
}

/* A key set: sorted unique strings of 34 characters. */
typedef struct {
    char (*k)[35];
    size_t n, cap;
} keys_t;

static void keys_add(keys_t *s, const char *k, size_t n)
{
    if (n != 34) return;
    if (s->n == s->cap) s->k = realloc(s->k, (s->cap = s->cap ? 2 * s->cap : 256) * sizeof *s->k);
    memcpy(s->k[s->n], k, 34);
    s->k[s->n++][34] = 0;
}

static int cmp_k(const void *a, const void *b) { return strcmp(a, b); }

static void keys_done(keys_t *s)
{
    qsort(s->k, s->n, sizeof *s->k, cmp_k);
    size_t u = 0;
    for (size_t i = 0; i < s->n; i++)
        if (!u || strcmp(s->k[u - 1], s->k[i])) memcpy(s->k[u++], s->k[i], 35);
    s->n = u;
}

static int keys_has(const keys_t *s, const char *k, size_t n)
{
    char b[35];
    if (n != 34) return 0;
    memcpy(b, k, 34);
    b[34] = 0;
    return s->n && bsearch(b, s->k, s->n, sizeof *s->k, cmp_k) != NULL;
}

/* ------------------------------------------------ applying a change set */

/* Rows (source,record_id) named by the change set, as "source,record_id,". */
static int row_named(char **rows, size_t n, const char *line)
{
    const char *rid;
    size_t nr = field(line, 1, &rid);
    size_t len = (size_t)(rid - line) + nr + 1;
    char b[512];
    if (len >= sizeof b) return 0;
    memcpy(b, line, len);
    b[len] = 0;
    char *p = b;
    return n && bsearch(&p, rows, n, sizeof *rows, cmp_str) != NULL;
}

/* The previous export `prev` with the load `load`'s change set applied
 * must equal the export `next`, line for line (citizens and links). The
 * touched citizens are the keys the changes name plus the citizens, before
 * and after, of the rows they name (docs/DELIVERY.md, change sets). */
static void check_apply(const char *prev, const char *load, const char *next)
{
    lines_t ch, pc, pl, lc, ll, nc, nl;
    lines_read(&ch, load, "changes.csv");
    lines_read(&pc, prev, "citizens.csv");
    lines_read(&pl, prev, "links.csv");
    lines_read(&lc, load, "citizens.csv");
    lines_read(&ll, load, "links.csv");
    lines_read(&nc, next, "citizens.csv");
    lines_read(&nl, next, "links.csv");
    keys_t k = {0};
    char **rows = calloc(ch.n + 1, sizeof *rows);
    size_t nrows = 0;
    for (size_t i = 0; i < ch.n; i++) {
        const char *a, *b, *s;
        size_t na = field(ch.line[i], 1, &a), nb = field(ch.line[i], 2, &b);
        keys_add(&k, a, na);
        keys_add(&k, b, nb);
        size_t ns = field(ch.line[i], 3, &s);
        if (ns) {   /* "source,record_id," */
            const char *r;
            size_t nr = field(ch.line[i], 4, &r);
            rows[nrows] = malloc(ns + nr + 3);
            sprintf(rows[nrows++], "%.*s,%.*s,", (int)ns, s, (int)nr, r);
        }
    }
    qsort(rows, nrows, sizeof *rows, cmp_str);
    /* the citizens of named rows, before and after */
    lines_t *both[2] = {&pl, &ll};
    for (int t = 0; t < 2; t++)
        for (size_t i = 0; i < both[t]->n; i++)
            if (row_named(rows, nrows, both[t]->line[i])) {
                const char *c;
                size_t n = field(both[t]->line[i], 2, &c);
                keys_add(&k, c, n);
            }
    keys_done(&k);
    /* apply: untouched lines of prev, then touched lines of the load */
    char **out = malloc((pc.n + lc.n + pl.n + ll.n + 1) * sizeof *out);
    for (int tab = 0; tab < 2; tab++) {
        lines_t *p = tab ? &pl : &pc, *l = tab ? &ll : &lc, *n = tab ? &nl : &nc;
        int kf = tab ? 2 : 0;
        size_t m = 0;
        for (size_t i = 0; i < p->n; i++) {
            const char *c;
            size_t cn = field(p->line[i], kf, &c);
            if (!keys_has(&k, c, cn) && !(tab && row_named(rows, nrows, p->line[i]))) out[m++] = p->line[i];
        }
        for (size_t i = 0; i < l->n; i++) {
            const char *c;
            size_t cn = field(l->line[i], kf, &c);
            if (keys_has(&k, c, cn) || (tab && row_named(rows, nrows, l->line[i]))) out[m++] = l->line[i];
        }
        qsort(out, m, sizeof *out, cmp_str);
        ck_assert_msg(m == n->n, "%s: change set applied gives %zu lines, the export has %zu", tab ? "links" : "citizens",
                      m, n->n);
        for (size_t i = 0; i < m; i++) ck_assert_msg(!strcmp(out[i], n->line[i]), "%s line %zu differs after applying the change set", tab ? "links" : "citizens", i);
    }
    free(out);
    for (size_t i = 0; i < nrows; i++) free(rows[i]);
    free(rows);
    free(k.k);
    lines_free(&ch), lines_free(&pc), lines_free(&pl), lines_free(&lc), lines_free(&ll), lines_free(&nc),
        lines_free(&nl);
}

/* ------------------------------------------------------------ F1 of two */

typedef struct {
    const char *row;   /* "source,record_id" prefix of a links line */
    size_t nrow;
    const char *ka, *kb;
} rk_t;

static int cmp_rk_a(const void *a, const void *b) { return memcmp(((const rk_t *)a)->ka, ((const rk_t *)b)->ka, 34); }
static int cmp_rk_ab(const void *a, const void *b)
{
    int c = cmp_rk_a(a, b);
    return c ? c : memcmp(((const rk_t *)a)->kb, ((const rk_t *)b)->kb, 34);
}
static int cmp_rk_b(const void *a, const void *b) { return memcmp(((const rk_t *)a)->kb, ((const rk_t *)b)->kb, 34); }

static double pairs_by(rk_t *r, size_t n, int (*cmp)(const void *, const void *))
{
    qsort(r, n, sizeof *r, cmp);
    double p = 0;
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && !cmp(&r[i], &r[j]); j++) {}
        p += (double)(j - i) * (double)(j - i - 1) / 2;
    }
    return p;
}

/* Pairwise F1 of the clusters of two links tables over the same rows. */
static double links_f1(const char *da, const char *db)
{
    lines_t a, b;
    lines_read(&a, da, "links.csv");
    lines_read(&b, db, "links.csv");
    ck_assert_uint_eq(a.n, b.n);
    rk_t *r = malloc((a.n + 1) * sizeof *r);
    for (size_t i = 0; i < a.n; i++) {   /* both sorted by line: by row first */
        const char *ka, *kb;
        field(a.line[i], 2, &ka);
        field(b.line[i], 2, &kb);
        const char *ra, *rb;
        size_t la = field(a.line[i], 1, &ra), lb = field(b.line[i], 1, &rb);
        ck_assert_msg((size_t)(ra - a.line[i]) + la == (size_t)(rb - b.line[i]) + lb &&
                          !memcmp(a.line[i], b.line[i], (size_t)(ra - a.line[i]) + la),
                      "the two runs hold different rows");
        r[i] = (rk_t){a.line[i], (size_t)(ra - a.line[i]) + la, ka, kb};
    }
    double pa = pairs_by(r, a.n, cmp_rk_a), pb = pairs_by(r, a.n, cmp_rk_b), tp = pairs_by(r, a.n, cmp_rk_ab);
    free(r);
    lines_free(&a);
    lines_free(&b);
    return pa + pb > 0 ? 2 * tp / (pa + pb) : 1.0;
}

/* ------------------------------------------------------------- helpers */

static void dancu(int want, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void dancu(int want, const char *fmt, ...)
{
    char cmd[16384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    char full[17000];
    snprintf(full, sizeof full, "'%s' %s", DANCU_BIN, cmd);
    int rc = dc_test_run("%s", full);
    ck_assert_msg(rc == want, "exit %d (want %d): %s", rc, want, full);
}

/* The export files of batch `b` (files i with i % 4 == b), as arguments. */
static void batch_args(char *out, size_t cap, int b, const char *dir)
{
    size_t at = 0;
    out[0] = 0;
    for (size_t i = 0; i < g_nfiles; i++)
        if (b < 0 || (int)(i % 4) == b) at += (size_t)snprintf(out + at, cap - at, " '%s/%s'", dir, g_files[i]);
}

static void setup(void)
{
    g_dir = dc_test_tmpdir("master");
    snprintf(g_gen, sizeof g_gen, "%s/gen/exports", g_dir);
    dancu(0, "gen -q -n 4000 --seed 7 --styles canonical --no-legacy -o '%s/gen'", g_dir);
    char lst[4400];
    snprintf(lst, sizeof lst, "ls '%s/gen/exports' > '%s/files.txt'", g_dir, g_dir);
    ck_assert_int_eq(dc_test_run("%s", lst), 0);
    snprintf(lst, sizeof lst, "%s/files.txt", g_dir);
    char *s = dc_test_read_file(lst, NULL);
    for (char *t = strtok(s, "\n"); t; t = strtok(NULL, "\n")) {
        g_files = realloc(g_files, (g_nfiles + 1) * sizeof *g_files);
        g_files[g_nfiles++] = strdup(t);
    }
    free(s);
    ck_assert_uint_ge(g_nfiles, 8);
}

static void teardown(void)
{
    dc_test_run("rm -rf '%s'", g_dir);
    for (size_t i = 0; i < g_nfiles; i++) free(g_files[i]);
    free(g_files);
    g_files = NULL;
    g_nfiles = 0;
    free(g_dir);
}

/* ---------------------------------------------------------------- tests */

START_TEST(test_first_load_is_batch)
{
    char args[65536];
    batch_args(args, sizeof args, -1, g_gen);
    char *d = g_dir;
    dancu(0, "run -q -o '%s/batch' %s/gen/exports", d, d);
    dancu(0, "run -q -o '%s/l1' --master '%s/m' %s", d, d, args);
    dancu(0, "master export -q '%s/m' -o '%s/e1'", d, d);
    const char *files[] = {"citizens.csv", "links.csv"};
    char a[4600], b[4600];
    for (int i = 0; i < 2; i++) {
        snprintf(a, sizeof a, "%s/batch/%s", d, files[i]);
        snprintf(b, sizeof b, "%s/e1/%s", d, files[i]);
        ck_assert_msg(dc_test_files_equal(a, b), "export %s differs from the batch run's", files[i]);
        snprintf(b, sizeof b, "%s/l1/%s", d, files[i]);
        ck_assert_msg(dc_test_files_equal(a, b), "first load %s differs from the batch run's", files[i]);
    }
    /* info, as JSON */
    dancu(0, "master info --json '%s/m' > '%s/info.json'", d, d);
    snprintf(a, sizeof a, "%s/info.json", d);
    size_t n;
    char *j = dc_test_read_file(a, &n);
    ck_assert(dc_test_json_valid(j, n));
    ck_assert_ptr_nonnull(strstr(j, "\"generation\": 1"));
    free(j);
    /* --retrain: a new model, kept by the master; the keys stay */
    dancu(0, "run -q -o '%s/l1r' --master '%s/m' --retrain %s", d, d, args);
    snprintf(a, sizeof a, "%s/l1r/changes.csv", d);
    j = dc_test_read_file(a, &n);
    ck_assert_msg(!strstr(j, "\nnew,") && !strstr(j, "\nsplit,") && !strstr(j, "\nmerged,"),
                  "a re-delivery of the same files with --retrain changed citizens");
    free(j);
    dancu(0, "master info '%s/m' > '%s/info.txt'", d, d);
    snprintf(a, sizeof a, "%s/info.txt", d);
    j = dc_test_read_file(a, &n);
    ck_assert_ptr_nonnull(strstr(j, "generation 2"));
    free(j);
    /* --retrain needs --master; a file is not a master */
    dancu(2, "run -q -o '%s/x' --retrain %s 2>/dev/null", d, args);
    snprintf(a, sizeof a, "touch '%s/plainfile'", d);
    ck_assert_int_eq(dc_test_run("%s", a), 0);
    dancu(1, "run -q -o '%s/x2' --master '%s/plainfile' %s 2>/dev/null", d, d, args);
}
END_TEST

/* Deliveries in four batches, then a corrected re-delivery of one file. */
START_TEST(test_deliveries)
{
    char *d = g_dir, args[65536];
    char prev[4400] = "", cur[4400];
    for (int b = 0; b < 4; b++) {
        batch_args(args, sizeof args, b, g_gen);
        dancu(0, "run -q -o '%s/l%d' --master '%s/m' %s", d, b, d, args);
        snprintf(cur, sizeof cur, "%s/e%d", d, b);
        dancu(0, "master export -q '%s/m' -o '%s'", d, cur);
        char lo[4400];
        snprintf(lo, sizeof lo, "%s/l%d", d, b);
        if (b) check_apply(prev, lo, cur);
        /* every row of the delivery is linked or rejected */
        char rp[4600];
        snprintf(rp, sizeof rp, "%s/report.json", lo);
        char *rj = dc_test_read_file(rp, NULL);
        ck_assert_msg(strstr(rj, "\"balanced\": true") != NULL, "load %d: not reconciled", b);
        free(rj);
        /* every previous key whose citizen the load did not touch is kept */
        if (b) {
            lines_t ch, pl, nl;
            lines_read(&ch, lo, "changes.csv");
            lines_read(&pl, prev, "links.csv");
            lines_read(&nl, cur, "links.csv");
            keys_t named = {0}, now = {0};
            for (size_t i = 0; i < ch.n; i++) {
                const char *k;
                size_t n = field(ch.line[i], 1, &k);
                keys_add(&named, k, n);
                n = field(ch.line[i], 2, &k);
                keys_add(&named, k, n);
            }
            keys_done(&named);
            for (size_t i = 0; i < nl.n; i++) {
                const char *k;
                size_t n = field(nl.line[i], 2, &k);
                keys_add(&now, k, n);
            }
            keys_done(&now);
            size_t kept = 0;
            for (size_t i = 0; i < pl.n; i++) {
                const char *k;
                size_t n = field(pl.line[i], 2, &k);
                if (keys_has(&named, k, n)) continue;
                ck_assert_msg(keys_has(&now, k, n), "an untouched citizen lost its key");
                kept++;
            }
            ck_assert_uint_gt(kept, 0);
            free(named.k), free(now.k);
            lines_free(&ch), lines_free(&pl), lines_free(&nl);
        }
        snprintf(prev, sizeof prev, "%s", cur);
    }
    /* after four batches: the clusters of one batch run on all files */
    dancu(0, "run -q -o '%s/batch' %s/gen/exports", d, d);
    char e3[4400];
    snprintf(e3, sizeof e3, "%s/e3", d);
    char bt[4400];
    snprintf(bt, sizeof bt, "%s/batch", d);
    double f1 = links_f1(e3, bt);
    ck_assert_msg(f1 >= 0.999, "pairwise F1 against a batch run %.5f < 0.999", f1);
    /* a corrected re-delivery of the largest file: 3 rows removed, 3
     * changed into other people (no ID), 2 added (copies of other rows) */
    char big[512] = "";
    size_t bigsz = 0;
    for (size_t i = 0; i < g_nfiles; i++) {
        char p[4800];
        snprintf(p, sizeof p, "%s/%s", g_gen, g_files[i]);
        size_t n;
        char *s = dc_test_read_file(p, &n);
        if (n > bigsz) bigsz = n, snprintf(big, sizeof big, "%s", g_files[i]);
        free(s);
    }
    const char *other = strcmp(g_files[0], big) ? g_files[0] : g_files[1];
    ck_assert_int_eq(dc_test_run("mkdir -p '%s/fix' && awk 'BEGIN{FS=OFS=\",\"} NR>=2&&NR<=4{next} "
                                 "NR>=5&&NR<=7{$5=\"Tạ Quang Bửu\"; $6=\"0\" NR \"/01/1911\"; $8=\"\"; $9=\"\";} "
                                 "{print}' '%s/%s' > '%s/fix/%s' && "
                                 "awk 'BEGIN{FS=OFS=\",\"} NR>=2&&NR<=3{$1=\"R9000\" NR; print}' '%s/%s' >> '%s/fix/%s'",
                                 d, g_gen, big, d, big, g_gen, other, d, big),
                     0);
    dancu(0, "run -q -o '%s/l4' --master '%s/m' '%s/fix/%s'", d, d, d, big);
    dancu(0, "master export -q '%s/m' -o '%s/e4'", d, d);
    char l4[4400], e4[4400];
    snprintf(l4, sizeof l4, "%s/l4", d);
    snprintf(e4, sizeof e4, "%s/e4", d);
    check_apply(e3, l4, e4);
    char p[4600];
    snprintf(p, sizeof p, "%s/changes.csv", l4);
    char *chs = dc_test_read_file(p, NULL);
    size_t nrem = 0, nadd = 0;
    for (char *s = chs; (s = strstr(s, "\nrow_removed,")); s++) nrem++;
    for (char *s = chs; (s = strstr(s, "\nrow_added,")); s++) nadd++;
    ck_assert_msg(nrem >= 3 && nadd >= 2, "re-delivery: %zu rows removed, %zu added", nrem, nadd);
    free(chs);
    /* and still the clusters of a batch run on the final files */
    ck_assert_int_eq(dc_test_run("cd '%s/gen/exports' && for f in *; do [ \"$f\" = '%s' ] || ln -s \"$PWD/$f\" '%s/fix/'; done",
                                 d, big, d),
                     0);
    dancu(0, "run -q -o '%s/batch2' '%s/fix'", d, d);
    snprintf(bt, sizeof bt, "%s/batch2", d);
    f1 = links_f1(e4, bt);
    ck_assert_msg(f1 >= 0.999, "after the re-delivery: pairwise F1 against a batch run %.5f < 0.999", f1);
    /* a key is never given again: every key of every export is in the
     * registry, and a retired or merged key appears in no later export */
    dancu(0, "master info --json '%s/m' > '%s/info.json'", d, d);
}
END_TEST

/* A number after `key` in the JSON object that starts at `from`. */
static unsigned long long json_u64_after(const char *j, const char *from, const char *key)
{
    const char *p = strstr(j, from);
    ck_assert_msg(p != NULL, "%s not in report.json", from);
    p = strstr(p, key);
    ck_assert_msg(p != NULL, "%s not in report.json", key);
    return strtoull(p + strlen(key), NULL, 10);
}

/* A delivery reads only the stored rows its keys reach (their blocks and
 * their citizens): every output is the one it gives reading every row. */
START_TEST(test_subset)
{
    char *d = g_dir, args[65536];
    for (int b = 0; b < 5; b++) {
        if (b < 4) batch_args(args, sizeof args, b, g_gen);
        else   /* a re-delivery of a file of the first batch, two rows removed */
            ck_assert_int_eq(dc_test_run("mkdir -p '%s/fix' && sed '3d;5d' '%s/%s' > '%s/fix/%s'", d, g_gen,
                                         g_files[0], d, g_files[0]),
                             0);
        if (b == 4) snprintf(args, sizeof args, "'%s/fix/%s'", d, g_files[0]);
        dancu(0, "run -q -o '%s/s%d' --master '%s/ms' %s", d, b, d, args);
        ck_assert_int_eq(dc_test_run("DANCU_TEST_MASTER_READ_ALL=1 '%s' run -q -o '%s/f%d' --master '%s/mf' %s",
                                     DANCU_BIN, d, b, d, args),
                         0);   /* every row read */
        const char *files[] = {"changes.csv", "citizens.csv", "links.csv", "review.csv"};
        for (int i = 0; i < 4; i++) {
            char a[4600], c[4600];
            snprintf(a, sizeof a, "%s/s%d/%s", d, b, files[i]);
            snprintf(c, sizeof c, "%s/f%d/%s", d, b, files[i]);
            ck_assert_msg(dc_test_files_equal(a, c), "load %d: %s differs when every row is read", b, files[i]);
        }
        dancu(0, "master export -q '%s/ms' -o '%s/se%d'", d, d, b);
        char a[4600];
        snprintf(a, sizeof a, "%s/s%d/report.json", d, b);
        char *rj = dc_test_read_file(a, NULL);
        lines_t cit;
        char se[4400];
        snprintf(se, sizeof se, "%s/se%d", d, b);
        lines_read(&cit, se, "citizens.csv");
        ck_assert_uint_eq(json_u64_after(rj, "\"clusters\"", "\"citizens\": "), cit.n);
        if (b == 1) {   /* new sources: far fewer stored rows read than stored */
            unsigned long long read = json_u64_after(rj, "\"master-rows\"", "\"rows\": ");
            unsigned long long all = json_u64_after(rj, "\"clusters\"", "\"records\": ");
            unsigned long long in = json_u64_after(rj, "\"reconciliation\"", "\"linked_rows\": ");
            ck_assert_msg(read - in < (all - in) / 2, "load 1 read %llu stored rows of %llu", read - in, all - in);
        }
        free(rj);
        lines_free(&cit);
    }
    char a[4600], c[4600];
    dancu(0, "master export -q '%s/mf' -o '%s/fe'", d, d);
    snprintf(a, sizeof a, "%s/se4/links.csv", d);
    snprintf(c, sizeof c, "%s/fe/links.csv", d);
    ck_assert_msg(dc_test_files_equal(a, c), "the masters' exports differ");
}
END_TEST

/* Two threads and one give the same outputs and the same master. */
START_TEST(test_threads)
{
    char *d = g_dir, a0[65536], a1[65536];
    batch_args(a0, sizeof a0, 0, g_gen);
    batch_args(a1, sizeof a1, 1, g_gen);
    for (int t = 1; t <= 2; t++) {
        dancu(0, "run -q -t %d -o '%s/t%d_0' --master '%s/m%d' %s", t, d, t, d, t, a0);
        dancu(0, "run -q -t %d -o '%s/t%d_1' --master '%s/m%d' %s", t, d, t, d, t, a1);
        dancu(0, "master export -q -t %d '%s/m%d' -o '%s/x%d'", t, d, t, d, t);
    }
    const char *files[] = {"t%d_1/changes.csv", "t%d_1/links.csv", "t%d_1/citizens.csv", "x%d/links.csv",
                           "x%d/citizens.csv"};
    for (size_t i = 0; i < 5; i++) {
        char f1[128], f2[128], a[4600], b[4600];
        snprintf(f1, sizeof f1, files[i], 1);
        snprintf(f2, sizeof f2, files[i], 2);
        snprintf(a, sizeof a, "%s/%s", d, f1);
        snprintf(b, sizeof b, "%s/%s", d, f2);
        ck_assert_msg(dc_test_files_equal(a, b), "%s differs between 1 and 2 threads", f1);
    }
}
END_TEST

/* Labels that join two citizens merge them; a correction splits. */
START_TEST(test_merge_split)
{
    char *d = g_dir, a0[65536];
    batch_args(a0, sizeof a0, 0, g_gen);
    dancu(0, "run -q -o '%s/s0' --master '%s/m' %s", d, d, a0);
    /* two citizens of the first load, joined by a label */
    char p[4600];
    snprintf(p, sizeof p, "%s/s0/links.csv", d);
    lines_t l;
    lines_read(&l, d, "s0/links.csv");
    ck_assert_uint_ge(l.n, 10);
    const char *s1, *r1, *s2, *r2, *k1, *k2;
    size_t ns1 = field(l.line[0], 0, &s1), nr1 = field(l.line[0], 1, &r1), nk1 = field(l.line[0], 2, &k1);
    size_t i2 = l.n - 1;
    size_t ns2 = field(l.line[i2], 0, &s2), nr2 = field(l.line[i2], 1, &r2), nk2 = field(l.line[i2], 2, &k2);
    ck_assert(nk1 == 34 && nk2 == 34 && memcmp(k1, k2, 34));
    FILE *f;
    snprintf(p, sizeof p, "%s/labels.csv", d);
    f = fopen(p, "w");
    fprintf(f, "source_a,record_id_a,source_b,record_id_b,decision\n%.*s,%.*s,%.*s,%.*s,match\n", (int)ns1, s1,
            (int)nr1, r1, (int)ns2, s2, (int)nr2, r2);
    fclose(f);
    char a1[65536];
    batch_args(a1, sizeof a1, 1, g_gen);
    dancu(0, "run -q -o '%s/s1' --master '%s/m' --labels '%s/labels.csv' %s", d, d, d, a1);
    snprintf(p, sizeof p, "%s/s1/changes.csv", d);
    char *ch = dc_test_read_file(p, NULL);
    ck_assert_msg(strstr(ch, "\nmerged,") != NULL, "no merged event");
    free(ch);
    lines_free(&l);
    /* the merged key is in no export any more; the other one holds both rows */
    dancu(0, "master export -q '%s/m' -o '%s/se1'", d, d);
    dancu(0, "run -q -o '%s/s0x' --master '%s/m0' %s", d, d, a0);   /* (a second master, for the split) */
    /* split: re-deliver the file of a two-row citizen with one of its rows
     * changed into someone else */
    lines_read(&l, d, "s0x/links.csv");
    const char *src = NULL, *rid = NULL;
    size_t nsrc = 0, nrid = 0;
    for (size_t i = 0; i + 1 < l.n && !src; i++)
        for (size_t j = i + 1; j < l.n && !src; j++) {
            const char *ka, *kb, *sa, *sb;
            field(l.line[i], 2, &ka);
            field(l.line[j], 2, &kb);
            size_t na = field(l.line[i], 0, &sa), nb = field(l.line[j], 0, &sb);
            if (!memcmp(ka, kb, 34) && (na != nb || memcmp(sa, sb, na))) {
                src = sb, nsrc = nb;
                nrid = field(l.line[j], 1, &rid);
            }
        }
    ck_assert_ptr_nonnull(src);
    char fname[256], ridb[128];
    snprintf(fname, sizeof fname, "%.*s", (int)nsrc, src);
    snprintf(ridb, sizeof ridb, "%.*s", (int)nrid, rid);
    lines_free(&l);
    /* (the source name is the file's base name; find its file) */
    ck_assert_int_eq(dc_test_run("mkdir -p '%s/fix2' && f=$(ls '%s/' | grep '^%s') && "
                                 "awk -v R='%s' 'BEGIN{FS=OFS=\",\"} $1==R{$5=\"Tạ Quang Bửu\"; $6=\"09/09/1909\"; $7=\"Nam\"; "
                                 "$8=\"\"; $9=\"\";} {print}' \"%s/$f\" > \"%s/fix2/$f\"",
                                 d, g_gen, fname, ridb, g_gen, d),
                     0);
    dancu(0, "run -q -o '%s/s2' --master '%s/m0' %s/fix2/*", d, d, d);
    snprintf(p, sizeof p, "%s/s2/changes.csv", d);
    ch = dc_test_read_file(p, NULL);
    ck_assert_msg(strstr(ch, "\nsplit,") != NULL, "no split event:\n%.2000s", ch);
    free(ch);
    dancu(0, "master export -q '%s/m0' -o '%s/se2'", d, d);
    snprintf(p, sizeof p, "%s/s0x", d);
    char l2[4400], e2[4400];
    snprintf(l2, sizeof l2, "%s/s2", d);
    snprintf(e2, sizeof e2, "%s/se2", d);
    check_apply(p, l2, e2);
}
END_TEST

/* SIGKILL during the master's commit: the previous generation stays. */
START_TEST(test_kill)
{
    char *d = g_dir, a0[65536], a1[65536];
    batch_args(a0, sizeof a0, 0, g_gen);
    batch_args(a1, sizeof a1, 1, g_gen);
    /* the reference: load 0 then load 1, uninterrupted */
    dancu(0, "run -q -o '%s/r0' --master '%s/ref' %s", d, d, a0);
    dancu(0, "run -q -o '%s/r1' --master '%s/ref' %s", d, d, a1);
    dancu(0, "master export -q '%s/ref' -o '%s/ref1'", d, d);
    static const char *const points[] = {"part-commit", "attachment", "attachment:3", "manifest",
                                         "manifest-synced", "current", "switched"};
    for (size_t k = 0; k < sizeof points / sizeof *points; k++) {
        dc_test_run("rm -rf '%s/km' '%s/k0' '%s/k1' '%s/kx'", d, d, d, d);
        dancu(0, "run -q -o '%s/k0' --master '%s/km' %s", d, d, a0);
        dancu(0, "master export -q '%s/km' -o '%s/kx0'", d, d);
        int rc = dc_test_run("DANCU_TEST_STORE_KILL_AT=%s '%s' run -q -o '%s/k1' --master '%s/km' %s 2>/dev/null",
                             points[k], DANCU_BIN, d, d, a1);
        ck_assert_msg(rc != 0, "%s: the load was not killed", points[k]);
        /* the master opens at generation 1 or 2, never damaged */
        dancu(0, "master export -q -f '%s/km' -o '%s/kx'", d, d);
        char a[4600], b[4600], c[4600];
        snprintf(a, sizeof a, "%s/kx/links.csv", d);
        snprintf(b, sizeof b, "%s/kx0/links.csv", d);
        snprintf(c, sizeof c, "%s/ref1/links.csv", d);
        int old = dc_test_files_equal(a, b), new = dc_test_files_equal(a, c);
        ck_assert_msg(old || new, "%s: the master is neither the previous generation nor the next", points[k]);
        if (old) {   /* the same load again completes it as if never killed */
            dancu(0, "run -q -f -o '%s/k1' --master '%s/km' %s", d, d, a1);
            dancu(0, "master export -q -f '%s/km' -o '%s/kx'", d, d);
            ck_assert_msg(dc_test_files_equal(a, c), "%s: load after the kill differs from the reference", points[k]);
        }
        dc_test_run("rm -rf '%s/kx0'", d);
    }
    /* SIGKILL at moments of the load itself (loading, matching, writing,
     * committing): the master is the previous generation or the next */
    for (int k = 0; k < 6; k++) {
        dc_test_run("rm -rf '%s/km' '%s/k0' '%s/k1' '%s/kx'", d, d, d, d);
        dancu(0, "run -q -o '%s/k0' --master '%s/km' %s", d, d, a0);
        dancu(0, "master export -q '%s/km' -o '%s/kx0'", d, d);
        dc_test_run("'%s' run -q -o '%s/k1' --master '%s/km' %s 2>/dev/null & p=$!; sleep 0.%d; kill -9 $p 2>/dev/null; wait $p",
                    DANCU_BIN, d, d, a1, 5 + 15 * k);
        dancu(0, "master export -q -f '%s/km' -o '%s/kx'", d, d);
        char a[4600], b[4600], c[4600];
        snprintf(a, sizeof a, "%s/kx/links.csv", d);
        snprintf(b, sizeof b, "%s/kx0/links.csv", d);
        snprintf(c, sizeof c, "%s/ref1/links.csv", d);
        ck_assert_msg(dc_test_files_equal(a, b) || dc_test_files_equal(a, c),
                      "killed after 0.%d s: the master is neither the previous generation nor the next", 5 + 15 * k);
        dancu(0, "run -q -f -o '%s/k1' --master '%s/km' %s", d, d, a1);   /* and the load goes through again */
        dc_test_run("rm -rf '%s/kx0'", d);
    }
}
END_TEST

/* A damaged or foreign master is refused, never misread. */
START_TEST(test_refused)
{
    char *d = g_dir, a0[65536], a1[65536];
    batch_args(a0, sizeof a0, 0, g_gen);
    batch_args(a1, sizeof a1, 1, g_gen);
    dancu(0, "run -q -o '%s/f0' --master '%s/m' %s", d, d, a0);
    /* flip a byte in the middle of every attachment file in turn: an export
     * reads them all, a load of other sources every one it uses */
    ck_assert_int_eq(dc_test_run("cd '%s/m' && ls a*.dca > ../atts.txt", d), 0);
    char p[4600];
    snprintf(p, sizeof p, "%s/atts.txt", d);
    char *atts = dc_test_read_file(p, NULL);
    int n = 0;
    for (char *t = strtok(atts, "\n"); t; t = strtok(NULL, "\n"), n++) {
        char f[4600];
        snprintf(f, sizeof f, "%s/m/%s", d, t);
        size_t len;
        char *orig = dc_test_read_file(f, &len);
        orig[len / 2] ^= 0x40;
        dc_test_write_file(f, orig, len);
        dancu(1, "master export -q '%s/m' -o '%s/bad' 2>'%s/err'", d, d, d);
        /* a source's term frequencies (its name at byte 28, its length at
         * 24) are read when it is delivered again, not by other loads */
        uint32_t nl = 0;
        memcpy(&nl, orig + 24, 4);
        int tfsrc = len > 30 && nl > 2 && !memcmp(orig + 28, "t:", 2);
        dancu(1, "run -q -o '%s/bad2' --master '%s/m' %s 2>'%s/err'", d, d, tfsrc ? a0 : a1, d);
        snprintf(p, sizeof p, "%s/err", d);
        char *err = dc_test_read_file(p, NULL);
        ck_assert_msg(strstr(err, "refused") != NULL, "%s", err);
        free(err);
        orig[len / 2] ^= 0x40;
        dc_test_write_file(f, orig, len);
        free(orig);
    }
    free(atts);
    ck_assert_int_ge(n, 4);
    dancu(0, "master export -q '%s/m' -o '%s/good'", d, d);
    /* one load at a time: another process holding the lock */
    ck_assert_int_eq(dc_test_run("flock '%s/m/LOCK' sh -c \"'%s' run -q -o '%s/busy' --master '%s/m' %s 2>'%s/err'\"; "
                                 "test $? -eq 1 && grep -q 'another process' '%s/err'",
                                 d, DANCU_BIN, d, d, a0, d, d),
                     0);
    /* a folder with other files, a record store that is not a master */
    ck_assert_int_eq(dc_test_run("mkdir -p '%s/foreign' && echo x > '%s/foreign/notes.txt'", d, d), 0);
    dancu(1, "run -q -o '%s/bad3' --master '%s/foreign' %s 2>/dev/null", d, d, a0);
    dancu(1, "master info '%s/foreign' 2>/dev/null", d);
    dancu(1, "master info '%s/nonexistent' 2>/dev/null", d);
    dancu(2, "master frobnicate '%s/m' 2>/dev/null", d);
}
END_TEST

/* Sources without rows: an empty first delivery, an empty file delivered
 * again (a stored source with no partition), then rows. */
START_TEST(test_empty_sources)
{
    char *d = g_dir, a0[65536];
    batch_args(a0, sizeof a0, 0, g_gen);
    ck_assert_int_eq(dc_test_run("mkdir -p '%s/e' && : > '%s/e/empty.csv' && "
                                 "head -1 '%s/%s' > '%s/e/header_only.csv'",
                                 d, d, g_gen, g_files[0], d),
                     0);
    dancu(0, "run -q -o '%s/z0' --master '%s/m' '%s/e/empty.csv' '%s/e/header_only.csv'", d, d, d, d);
    dancu(0, "master export -q '%s/m' -o '%s/zx0'", d, d);
    dancu(0, "run -q -o '%s/z1' --master '%s/m' '%s/e/empty.csv'", d, d, d);
    dancu(0, "run -q -o '%s/z2' --master '%s/m' %s", d, d, a0);
    dancu(0, "run -q -o '%s/z3' --master '%s/m' '%s/e/header_only.csv'", d, d, d);
    dancu(0, "master export -q '%s/m' -o '%s/zx'", d, d);
    dancu(0, "run -q -o '%s/zb' %s", d, a0);
    char a[4600], b[4600];
    snprintf(a, sizeof a, "%s/zx/links.csv", d);
    snprintf(b, sizeof b, "%s/zb/links.csv", d);
    ck_assert_msg(dc_test_files_equal(a, b), "empty sources changed the master's links");
}
END_TEST

/* A file without a record_id column identifies rows by line: delivered
 * again with a line inserted at the top, its rows are found by content,
 * so no citizen loses or swaps its key. */
START_TEST(test_line_identity)
{
    char *d = g_dir;
    /* the largest file without its record_id column (the first, never quoted) */
    ck_assert_int_eq(dc_test_run("mkdir -p '%s/li' '%s/li2' && f=$(ls -S '%s' | head -1) && "
                                 "cut -d, -f2- \"%s/$f\" > '%s/li/lines.csv' && "
                                 "head -1 '%s/li/lines.csv' > '%s/li2/lines.csv' && "
                                 "cut -d, -f2- '%s/%s' | sed -n 2p >> '%s/li2/lines.csv' && "
                                 "tail -n +2 '%s/li/lines.csv' >> '%s/li2/lines.csv'",
                                 d, d, g_gen, g_gen, d, d, d, g_gen, g_files[1], d, d, d),
                     0);
    /* alone: with the original file beside it, every row would have a
     * twin that holds its key whatever the lines do */
    dancu(0, "run -q -o '%s/li0' --master '%s/lm' '%s/li/lines.csv'", d, d, d);
    dancu(0, "master export -q '%s/lm' -o '%s/lix0'", d, d);
    dancu(0, "run -q -o '%s/li1' --master '%s/lm' '%s/li2/lines.csv'", d, d, d);
    dancu(0, "master export -q '%s/lm' -o '%s/lix1'", d, d);
    char p[4600], l1[4600], x0[4600], x1[4600];
    snprintf(p, sizeof p, "%s/li1/changes.csv", d);
    char *ch = dc_test_read_file(p, NULL);
    ck_assert_msg(!strstr(ch, "\nretired,") && !strstr(ch, "\nsplit,") && !strstr(ch, "\nmerged,"),
                  "a line inserted above changed citizens");
    ck_assert_ptr_nonnull(strstr(ch, "\nrow_removed,"));   /* rows on another line: old identity out */
    free(ch);
    snprintf(l1, sizeof l1, "%s/li1", d);
    snprintf(x0, sizeof x0, "%s/lix0", d);
    snprintf(x1, sizeof x1, "%s/lix1", d);
    check_apply(x0, l1, x1);
    /* every row of lines.csv keeps its citizen's key on its new line
     * (record_id: the line, one more than before) */
    lines_t e0, e1;
    lines_read(&e0, x0, "links.csv");
    lines_read(&e1, x1, "links.csv");
    size_t checked = 0;
    for (size_t i = 0; i < e0.n; i++) {
        if (strncmp(e0.line[i], "lines.csv,", 10)) continue;
        const char *r, *k;
        field(e0.line[i], 1, &r);
        field(e0.line[i], 2, &k);
        char want[64];
        snprintf(want, sizeof want, "lines.csv,%ld,", atol(r) + 1);
        const char *hit = NULL;
        for (size_t j = 0; j < e1.n && !hit; j++)
            if (!strncmp(e1.line[j], want, strlen(want))) hit = e1.line[j];
        ck_assert_msg(hit != NULL, "row of line %ld is gone", atol(r));
        const char *k1;
        field(hit, 2, &k1);
        ck_assert_msg(!memcmp(k, k1, 34), "the row of line %ld took another citizen's key on its new line", atol(r));
        checked++;
    }
    ck_assert_uint_gt(checked, 10);
    lines_free(&e0);
    lines_free(&e1);
}
END_TEST

/* Golden outputs: three deliveries of mixed-1000 (tests/golden/master.sh)
 * give the committed change sets, citizens and links, byte for byte, with
 * 1 and 2 threads (`make golden-update` writes them after an intended
 * change). */
START_TEST(test_golden)
{
    static const char *const files[] = {"l1-changes.csv", "l2-changes.csv", "l3-changes.csv", "l3-citizens.csv",
                                        "l3-links.csv", "export-citizens.csv", "export-links.csv"};
    for (int t = 1; t <= 2; t++) {
        ck_assert_int_eq(dc_test_run("cd '%s' && sh tests/golden/master.sh '%s' '%s/golden%d' %d", DANCU_SRCDIR,
                                     DANCU_BIN, g_dir, t, t),
                         0);
        for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
            char a[4600], b[4600];
            snprintf(a, sizeof a, "%s/golden%d/%s", g_dir, t, files[i]);
            snprintf(b, sizeof b, "%s/tests/golden/master-mixed-1000/%s", DANCU_SRCDIR, files[i]);
            ck_assert_msg(dc_test_files_equal(a, b), "%s differs from its golden (threads %d)", files[i], t);
        }
    }
}
END_TEST

static Suite *master_suite(void)
{
    Suite *s = suite_create("master");
    TCase *tc = dc_test_tcase("master");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_first_load_is_batch);
    tcase_add_test(tc, test_deliveries);
    tcase_add_test(tc, test_threads);
    tcase_add_test(tc, test_subset);
    tcase_add_test(tc, test_merge_split);
    tcase_add_test(tc, test_kill);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_empty_sources);
    tcase_add_test(tc, test_line_identity);
    tcase_add_test(tc, test_golden);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return dc_test_main(master_suite(), "master"); }
