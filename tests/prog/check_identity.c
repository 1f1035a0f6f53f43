/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * check_identity.c - row identities and citizen keys, through the binary
 * (docs/OUTPUTS.md, "Row identity and citizen keys"):
 *   - two inputs with one source name, one file twice, stdin twice: exit 2
 *     before any work; --source-names path disambiguates;
 *   - a repeated record_id is a duplicate_record_id reject (the first row
 *     stays), an empty one a missing_record_id reject;
 *   - a file without a record_id column identifies rows by line number;
 *   - no two citizens of a run share a key, and a citizen's key is the key
 *     of its smallest row identity;
 *   - file names with commas, quotes, newlines and invalid UTF-8 give valid
 *     CSV (RFC 4180) and JSON (UTF-8) outputs.
 * Order independence (file lists reversed and shuffled) is checked by
 * check_golden on every golden set.
 */
#include "dc_test.h"
#include "dc_encoding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#define SAMPLE DANCU_SRCDIR "/data-samples/tiny-40/exports"

static int exists(const char *dir, const char *name)
{
    char p[4400];
    struct stat st;
    snprintf(p, sizeof p, "%.4000s/%.255s", dir, name);
    return stat(p, &st) == 0;
}

static char *slurp(const char *dir, const char *name)
{
    char p[4400];
    snprintf(p, sizeof p, "%.4000s/%.255s", dir, name);
    return dc_test_read_file(p, NULL);
}

/* ---------------------------------------------------- RFC 4180 reading */

typedef struct csv {
    char ***rows;   /* rows[r][f], NUL-terminated fields */
    size_t *nf;
    size_t n;
} csv_t;

/* Strict RFC 4180 (LF or CRLF line ends): NULL when malformed. */
static csv_t *csv_parse(const char *s)
{
    csv_t *c = calloc(1, sizeof *c);
    size_t cap = 0;
    while (*s) {
        char **f = NULL;
        size_t nf = 0;
        for (;;) {
            size_t cl = 0, cc = 64;
            char *cell = malloc(cc);
            if (*s == '"') {
                for (s++;; s++) {
                    if (!*s) { free(cell); return NULL; }   /* unterminated */
                    if (*s == '"') {
                        if (s[1] == '"') s++;
                        else { s++; break; }
                    }
                    if (cl + 2 > cc) cell = realloc(cell, cc *= 2);
                    cell[cl++] = *s;
                }
                if (*s && *s != ',' && *s != '\n' && *s != '\r') { free(cell); return NULL; }
            } else {
                for (; *s && *s != ',' && *s != '\n' && *s != '\r'; s++) {
                    if (*s == '"') { free(cell); return NULL; }   /* a quote in an unquoted cell */
                    if (cl + 2 > cc) cell = realloc(cell, cc *= 2);
                    cell[cl++] = *s;
                }
            }
            cell[cl] = 0;
            f = realloc(f, (nf + 1) * sizeof *f);
            f[nf++] = cell;
            if (*s == ',') { s++; continue; }
            if (*s == '\r') s++;
            if (*s == '\n') s++;
            break;
        }
        if (c->n == cap) {
            cap = cap ? 2 * cap : 64;
            c->rows = realloc(c->rows, cap * sizeof *c->rows);
            c->nf = realloc(c->nf, cap * sizeof *c->nf);
        }
        c->rows[c->n] = f;
        c->nf[c->n++] = nf;
    }
    return c;
}

static void csv_free(csv_t *c)
{
    if (!c) return;
    for (size_t r = 0; r < c->n; r++) {
        for (size_t i = 0; i < c->nf[r]; i++) free(c->rows[r][i]);
        free(c->rows[r]);
    }
    free(c->rows);
    free(c->nf);
    free(c);
}

static int col_of(const csv_t *c, const char *name)
{
    for (size_t i = 0; c->n && i < c->nf[0]; i++)
        if (!strcmp(c->rows[0][i], name)) return (int)i;
    return -1;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Every row of a table has the header's field count. */
static void assert_rectangular(const csv_t *c, const char *what)
{
    ck_assert_msg(c != NULL, "%s is not RFC 4180 CSV", what);
    for (size_t r = 1; r < c->n; r++)
        ck_assert_msg(c->nf[r] == c->nf[0], "%s row %zu: %zu fields, header %zu", what, r, c->nf[r], c->nf[0]);
}

/* The run's outputs are consistent identities:
 *   - links: one row per (source, record_id), never repeated;
 *   - citizens: every key distinct; the key of each citizen is XXH3-128 of
 *     its smallest (source, record_id) among its links (the contract);
 *   - every link's citizen_key is a citizen.
 * Returns the number of citizens. */
static size_t check_identities(const char *out)
{
    char *lt = slurp(out, "links.csv"), *ct = slurp(out, "citizens.csv");
    ck_assert_ptr_nonnull(lt);
    ck_assert_ptr_nonnull(ct);
    ck_assert(dc_utf8_valid(lt, strlen(lt)));
    ck_assert(dc_utf8_valid(ct, strlen(ct)));
    csv_t *L = csv_parse(lt), *C = csv_parse(ct);
    assert_rectangular(L, "links.csv");
    assert_rectangular(C, "citizens.csv");
    int ls = col_of(L, "source"), lr = col_of(L, "record_id"), lk = col_of(L, "citizen_key");
    int ck = col_of(C, "citizen_key");
    ck_assert(ls >= 0 && lr >= 0 && lk >= 0 && ck >= 0);
    size_t nl = L->n - 1, nc = C->n - 1;
    /* identities unique: "source\0record_id" strings sorted */
    char **ids = malloc((nl ? nl : 1) * sizeof *ids);
    for (size_t r = 0; r < nl; r++) {
        const char *s = L->rows[r + 1][ls], *id = L->rows[r + 1][lr];
        ids[r] = malloc(strlen(s) + strlen(id) + 2);
        sprintf(ids[r], "%s\x01%s", s, id);
    }
    qsort(ids, nl, sizeof *ids, cmp_str);
    for (size_t r = 1; r < nl; r++) ck_assert_msg(strcmp(ids[r - 1], ids[r]), "a row identity appears twice in links.csv");
    for (size_t r = 0; r < nl; r++) free(ids[r]);
    free(ids);
    /* citizen keys unique */
    char **keys = malloc((nc ? nc : 1) * sizeof *keys);
    for (size_t r = 0; r < nc; r++) keys[r] = C->rows[r + 1][ck];
    qsort(keys, nc, sizeof *keys, cmp_str);
    for (size_t r = 1; r < nc; r++) ck_assert_msg(strcmp(keys[r - 1], keys[r]), "two citizens share a key");
    /* each citizen's key from its smallest identity (source, then record_id, bytes) */
    for (size_t r = 0; r < nc; r++) {
        const char *bs = NULL, *br = NULL;
        for (size_t k = 1; k < L->n; k++) {
            if (strcmp(L->rows[k][lk], keys[r])) continue;
            const char *s = L->rows[k][ls], *id = L->rows[k][lr];
            int c = bs ? strcmp(s, bs) : -1;
            if (!bs || c < 0 || (c == 0 && strcmp(id, br) < 0)) bs = s, br = id;
        }
        ck_assert_msg(bs != NULL, "a citizen without links");
        size_t n1 = strlen(bs), n2 = strlen(br);
        char *b = malloc(n1 + n2 + 1);
        memcpy(b, bs, n1);
        b[n1] = 0;
        memcpy(b + n1 + 1, br, n2);
        XXH128_hash_t h = XXH3_128bits(b, n1 + n2 + 1);
        free(b);
        char want[40];
        snprintf(want, sizeof want, "VN%016llx%016llx", (unsigned long long)h.high64, (unsigned long long)h.low64);
        ck_assert_str_eq(keys[r], want);
    }
    free(keys);
    csv_free(L);
    csv_free(C);
    free(lt);
    free(ct);
    return nc;
}

static void assert_json_file(const char *out, const char *name)
{
    size_t n;
    char p[4400];
    snprintf(p, sizeof p, "%.4000s/%.255s", out, name);
    char *s = dc_test_read_file(p, &n);
    ck_assert_msg(s != NULL, "%s missing", name);
    ck_assert_msg(dc_test_json_valid(s, n), "%s is not valid UTF-8 JSON", name);
    free(s);
}

START_TEST(test_same_source_name)
{
    char *d = dc_test_tmpdir("id-name");
    ck_assert_int_eq(dc_test_run("cd '%s' && mkdir a b && cp '" SAMPLE "/01_ha_noi_thuong_tru.csv' a/x.csv && "
                                 "cp '" SAMPLE "/79_ho_chi_minh_thuong_tru.csv' b/x.csv && "
                                 "cp '" SAMPLE "/79_ho_chi_minh_tam_tru.csv' b/y.csv && zstd -q b/y.csv -o a/y.csv.zst",
                                 d), 0);
    /* base names collide: refused before any work, nothing written */
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' run -q -o out a/x.csv b/x.csv 2>err", d, DANCU_BIN), 2);
    char *err = slurp(d, "err");
    ck_assert_msg(strstr(err, "would both be source 'x.csv'") && strstr(err, "--source-names path"), "%s", err);
    free(err);
    ck_assert(!exists(d, "out"));
    /* a compressed and a plain file with one name */
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' run -q -o out a/y.csv.zst b/y.csv 2>/dev/null", d, DANCU_BIN), 2);
    /* the paths as source names */
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' run -q --source-names path -o out a/x.csv b/x.csv a/y.csv.zst", d,
                                 DANCU_BIN), 0);
    char out[4096];
    snprintf(out, sizeof out, "%s/out", d);
    char *links = slurp(out, "links.csv");
    ck_assert_ptr_nonnull(strstr(links, "\na/x.csv,1,"));
    ck_assert_ptr_nonnull(strstr(links, "\nb/x.csv,1,"));
    ck_assert_ptr_nonnull(strstr(links, "\na/y.csv,1,"));   /* compression suffix dropped */
    free(links);
    ck_assert_uint_gt(check_identities(out), 0);
    ck_assert_int_eq(dc_test_run("'%s' run -q --source-names nope -o '%s/o2' x 2>/dev/null", DANCU_BIN, d), 2);
    dc_test_run("rm -rf '%s'", d);
    free(d);
}
END_TEST

START_TEST(test_same_file_twice)
{
    char *d = dc_test_tmpdir("id-twice");
    ck_assert_int_eq(dc_test_run("cd '%s' && cp '" SAMPLE "/01_ha_noi_thuong_tru.csv' x.csv && ln -s x.csv z.csv", d), 0);
    static const char *const args[] = {"x.csv x.csv", "x.csv ./x.csv", "x.csv z.csv", "- -"};
    for (size_t i = 0; i < sizeof args / sizeof args[0]; i++) {
        ck_assert_int_eq(dc_test_run("cd '%s' && '%s' run -q -o out %s </dev/null 2>err", d, DANCU_BIN, args[i]), 2);
        char *err = slurp(d, "err");
        ck_assert_msg(strstr(err, "same file") || strstr(err, "given 2 times") || strstr(err, "both be source"),
                      "%s: %s", args[i], err);
        free(err);
        ck_assert(!exists(d, "out"));
    }
    /* load, normalize and blocks refuse the same way */
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' load -q -o lo x.csv x.csv 2>/dev/null", d, DANCU_BIN), 2);
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' normalize -q -o n.csv x.csv ./x.csv 2>/dev/null", d, DANCU_BIN), 2);
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' blocks -q x.csv z.csv >/dev/null 2>&1", d, DANCU_BIN), 2);
    dc_test_run("rm -rf '%s'", d);
    free(d);
}
END_TEST

/* Repeated record_ids: the first row of each id stays, the others are
 * rejected with their line, nothing is lost, no key is shared. */
START_TEST(test_duplicate_record_ids)
{
    char *d = dc_test_tmpdir("id-dup");
    /* 22 rows whose record_ids cycle through 1..5; one empty record_id */
    ck_assert_int_eq(dc_test_run("cd '%s' && awk -F, 'BEGIN{OFS=\",\"} NR==1{print;next} "
                                 "NR==3{$1=\"\";print;next} {$1=(NR%%5)+1; print}' "
                                 "'" SAMPLE "/01_ha_noi_thuong_tru.csv' > d.csv",
                                 d), 0);
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' run -q -o out d.csv", d, DANCU_BIN), 0);
    char out[4096];
    snprintf(out, sizeof out, "%s/out", d);
    char *rej = slurp(out, "rejects.csv");
    csv_t *R = csv_parse(rej);
    assert_rectangular(R, "rejects.csv");
    size_t ndup = 0, nmiss = 0;
    long last = 0;
    for (size_t r = 1; r < R->n; r++) {
        ndup += !strcmp(R->rows[r][2], "duplicate_record_id");
        nmiss += !strcmp(R->rows[r][2], "missing_record_id");
        long line = atol(R->rows[r][1]);
        ck_assert_int_gt(line, last);   /* in input order */
        last = line;
    }
    ck_assert_uint_eq(nmiss, 1);
    ck_assert_uint_eq(ndup, 22 - 1 - 5);   /* 21 rows with an id, 5 distinct ids */
    ck_assert_ptr_nonnull(strstr(rej, "\nd.csv,3,missing_record_id,"));
    csv_free(R);
    free(rej);
    ck_assert_uint_le(check_identities(out), 5);
    char *rep = slurp(out, "report.json");
    ck_assert_ptr_nonnull(strstr(rep, "\"duplicate_record_id\": 16"));
    ck_assert_ptr_nonnull(strstr(rep, "\"missing_record_id\": 1"));
    ck_assert_ptr_nonnull(strstr(rep, "\"rows\": 22,"));
    free(rep);
    dc_test_run("rm -rf '%s'", d);
    free(d);
}
END_TEST

/* No record_id column: the line number is the identity; 19+ different
 * people no longer share one key. */
START_TEST(test_no_record_id_column)
{
    char *d = dc_test_tmpdir("id-noid");
    ck_assert_int_eq(dc_test_run("cd '%s' && for f in '" SAMPLE "'/*.csv; do cut -d, -f2- \"$f\" > \"$(basename \"$f\")\"; "
                                 "done && '%s' run -o out *.csv 2>err",
                                 d, DANCU_BIN), 0);
    char out[4096];
    snprintf(out, sizeof out, "%s/out", d);
    char *links = slurp(out, "links.csv");
    ck_assert_ptr_nonnull(strstr(links, "\n01_ha_noi_thuong_tru.csv,2,"));   /* first data row: line 2 */
    free(links);
    size_t nc = check_identities(out);
    ck_assert_uint_ge(nc, 30);
    char *rep = slurp(out, "report.json");
    ck_assert_ptr_nonnull(strstr(rep, "\"record_identity\": \"line\""));
    ck_assert_ptr_null(strstr(rep, "\"record_identity\": \"record_id\""));
    free(rep);
    char *err = slurp(d, "err");
    ck_assert_msg(strstr(err, "4 files without a record_id column: rows identified by their line number") != NULL,
                  "%s", err);
    free(err);
    dc_test_run("rm -rf '%s'", d);
    free(d);
}
END_TEST

/* File names a shell allows: every output stays valid. */
START_TEST(test_hostile_file_names)
{
    char *d = dc_test_tmpdir("id-names");
    ck_assert_int_eq(dc_test_run("cd '%s' && mkdir in && cp '" SAMPLE "/01_ha_noi_thuong_tru.csv' 'in/a,b.csv' && "
                                 "cp '" SAMPLE "/01_ha_noi_tam_tru.csv' 'in/q\"uote.csv' && "
                                 "cp '" SAMPLE "/79_ho_chi_minh_thuong_tru.csv' \"in/new$(printf '\\nline').csv\" && "
                                 "cp '" SAMPLE "/79_ho_chi_minh_tam_tru.csv' \"in/bad$(printf '\\377\\300').csv\"",
                                 d), 0);
    for (int jsonl = 0; jsonl <= 1; jsonl++) {
        ck_assert_int_eq(dc_test_run("cd '%s' && rm -rf out && '%s' run -q %s -o out in/", d, DANCU_BIN,
                                     jsonl ? "--format jsonl" : ""), 0);
        char out[4096];
        snprintf(out, sizeof out, "%s/out", d);
        assert_json_file(out, "report.json");
        assert_json_file(out, "model.json");
        if (!jsonl) {
            check_identities(out);
            char *links = slurp(out, "links.csv");
            ck_assert_ptr_nonnull(strstr(links, "\n\"a,b.csv\",1,"));
            ck_assert_ptr_nonnull(strstr(links, "\n\"q\"\"uote.csv\",1,"));
            ck_assert_ptr_nonnull(strstr(links, "\n\"new\nline.csv\",1,"));
            ck_assert_ptr_nonnull(strstr(links, "\nbad\xEF\xBF\xBD\xEF\xBF\xBD.csv,1,"));   /* U+FFFD twice */
            free(links);
            char *rv = slurp(out, "review.csv");
            csv_t *V = csv_parse(rv);
            assert_rectangular(V, "review.csv");
            csv_free(V);
            free(rv);
        } else {
            static const char *const tables[] = {"links.jsonl", "citizens.jsonl", "review.jsonl", "rejects.jsonl"};
            for (size_t t = 0; t < 4; t++) {
                char *s = slurp(out, tables[t]);
                ck_assert_ptr_nonnull(s);
                for (char *line = s, *nl; *line; line = nl + 1) {
                    nl = strchr(line, '\n');
                    ck_assert_ptr_nonnull(nl);
                    *nl = 0;
                    ck_assert_msg(dc_test_json_valid(line, (size_t)(nl - line)), "%s: a bad line", tables[t]);
                }
                free(s);
            }
        }
    }
    dc_test_run("rm -rf '%s'", d);
    free(d);
}
END_TEST

/* Sorted "source\x01record_id\x01citizen_key" lines of links.csv. */
static char **link_keys(const char *out, size_t *n)
{
    char *lt = slurp(out, "links.csv");
    csv_t *L = csv_parse(lt);
    assert_rectangular(L, "links.csv");
    char **v = malloc(L->n * sizeof *v);
    for (size_t r = 1; r < L->n; r++) {
        v[r - 1] = malloc(strlen(L->rows[r][0]) + strlen(L->rows[r][1]) + strlen(L->rows[r][2]) + 3);
        sprintf(v[r - 1], "%s\x01%s\x01%s", L->rows[r][0], L->rows[r][1], L->rows[r][2]);
    }
    *n = L->n - 1;
    qsort(v, *n, sizeof *v, cmp_str);
    csv_free(L);
    free(lt);
    return v;
}

/* The rows of every file shuffled: every row keeps its citizen key. */
START_TEST(test_rows_permuted)
{
    char *d = dc_test_tmpdir("id-perm");
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' load -q -o L '%s'/data-samples/mixed-1000/exports/* && "
                                 "rm L/rejects.csv L/load-report.json && mkdir P && ls L > list",
                                 d, DANCU_BIN, DANCU_SRCDIR), 0);
    char *list = slurp(d, "list");
    unsigned x = 88172645u;
    for (char *name = strtok(list, "\n"); name; name = strtok(NULL, "\n")) {
        char p[4400];
        snprintf(p, sizeof p, "%.3000s/L/%.255s", d, name);
        char *txt = dc_test_read_file(p, NULL);
        csv_t *c = csv_parse(txt);
        assert_rectangular(c, name);
        for (size_t i = c->n - 1; i > 1; i--) {   /* data rows 1..n-1 */
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            size_t j = 1 + x % i;
            char **t = c->rows[i];
            c->rows[i] = c->rows[j], c->rows[j] = t;
        }
        snprintf(p, sizeof p, "%.3000s/P/%.255s", d, name);
        FILE *f = fopen(p, "w");
        for (size_t r = 0; r < c->n; r++)
            for (size_t k = 0; k < c->nf[r]; k++) {
                fputc('"', f);
                for (const char *q = c->rows[r][k]; *q; q++) {
                    if (*q == '"') fputc('"', f);
                    fputc(*q, f);
                }
                fputs(k + 1 < c->nf[r] ? "\",": "\"\n", f);
            }
        fclose(f);
        csv_free(c);
        free(txt);
    }
    free(list);
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' run -q -o o1 L/ && '%s' run -q -t 1 -o o2 P/", d, DANCU_BIN, DANCU_BIN), 0);
    char o1[4400], o2[4400];
    snprintf(o1, sizeof o1, "%.4000s/o1", d);
    snprintf(o2, sizeof o2, "%.4000s/o2", d);
    size_t n1, n2;
    char **a = link_keys(o1, &n1), **b = link_keys(o2, &n2);
    ck_assert_uint_eq(n1, 1215);
    ck_assert_uint_eq(n1, n2);
    size_t differ = 0;
    for (size_t i = 0; i < n1; i++) differ += strcmp(a[i], b[i]) != 0;
    ck_assert_msg(differ == 0, "%zu of %zu rows changed citizen_key when the rows were shuffled", differ, n1);
    for (size_t i = 0; i < n1; i++) free(a[i]), free(b[i]);
    free(a);
    free(b);
    dc_test_run("rm -rf '%s'", d);
    free(d);
}
END_TEST

static Suite *identity_suite(void)
{
    Suite *s = suite_create("identity");
    TCase *tc = dc_test_tcase("identity");
    tcase_add_test(tc, test_same_source_name);
    tcase_add_test(tc, test_same_file_twice);
    tcase_add_test(tc, test_duplicate_record_ids);
    tcase_add_test(tc, test_no_record_id_column);
    tcase_add_test(tc, test_hostile_file_names);
    tcase_add_test(tc, test_rows_permuted);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return dc_test_main(identity_suite(), "identity"); }
