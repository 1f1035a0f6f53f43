/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_eval.c - tests of the clustering metrics (dc_eval_labels) against
 * brute-force pair enumeration, and of the `dancu eval` command. */
#include "dc_test.h"
#include "common/dc_common.h"
#include "match/dc_match.h"

#include <stdlib.h>
#include <string.h>

/* Brute force over all pairs and all records. */
static void brute(const uint64_t *p, const uint64_t *t, size_t n, dc_eval_t *e)
{
    double tp = 0, pp = 0, tt = 0, bp = 0, br = 0;
    for (size_t i = 0; i < n; i++) {
        double same_p = 0, same_t = 0, both = 0;
        for (size_t j = 0; j < n; j++) {
            same_p += p[i] == p[j];
            same_t += t[i] == t[j];
            both += p[i] == p[j] && t[i] == t[j];
            if (j > i) {
                pp += p[i] == p[j];
                tt += t[i] == t[j];
                tp += p[i] == p[j] && t[i] == t[j];
            }
        }
        bp += both / same_p;
        br += both / same_t;
    }
    e->tp = (uint64_t)tp;
    e->pred_pairs = (uint64_t)pp;
    e->true_pairs = (uint64_t)tt;
    e->p = pp ? tp / pp : 1;
    e->r = tt ? tp / tt : 1;
    e->bp = bp / (double)n;
    e->br = br / (double)n;
}

START_TEST(test_eval_small)
{
    /* truth {0,1,2} {3,4} {5}; predicted {0,1} {2,3,4,5} */
    uint64_t t[] = {10, 10, 10, 20, 20, 30};
    uint64_t p[] = {7, 7, 8, 8, 8, 8};
    dc_eval_t e = {0};
    dc_eval_labels(p, t, 6, &e);
    ck_assert_uint_eq(e.tp, 2);          /* (0,1) and (3,4) */
    ck_assert_uint_eq(e.pred_pairs, 7);  /* 1 + 6 */
    ck_assert_uint_eq(e.true_pairs, 4);  /* 3 + 1 */
    ck_assert_double_eq_tol(e.p, 2.0 / 7, 1e-12);
    ck_assert_double_eq_tol(e.r, 0.5, 1e-12);
    ck_assert_double_eq_tol(e.f1, 2 * (2.0 / 7) * 0.5 / (2.0 / 7 + 0.5), 1e-12);
    /* B-cubed precision: records 0,1: 2/2; 2: 1/4; 3,4: 2/4; 5: 1/4 */
    ck_assert_double_eq_tol(e.bp, (1 + 1 + 0.25 + 0.5 + 0.5 + 0.25) / 6, 1e-12);
    /* recall: 0,1: 2/3; 2: 1/3; 3,4: 2/2; 5: 1 */
    ck_assert_double_eq_tol(e.br, (2.0 / 3 + 2.0 / 3 + 1.0 / 3 + 1 + 1 + 1) / 6, 1e-12);
    ck_assert_uint_eq(e.pred_clusters, 2);
    ck_assert_uint_eq(e.true_clusters, 3);
}
END_TEST

START_TEST(test_eval_random)
{
    uint64_t x = 99;
    for (int round = 0; round < 20; round++) {
        size_t n = 50 + (size_t)round * 13;
        uint64_t *p = malloc(n * sizeof *p), *t = malloc(n * sizeof *t);
        for (size_t i = 0; i < n; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            t[i] = (x >> 33) % (n / 3 + 1);
            p[i] = (x >> 20) % 4 ? t[i] * 31 : (x >> 40) % (n / 2 + 1);
        }
        dc_eval_t e = {0}, b = {0};
        dc_eval_labels(p, t, n, &e);
        brute(p, t, n, &b);
        ck_assert_uint_eq(e.tp, b.tp);
        ck_assert_uint_eq(e.pred_pairs, b.pred_pairs);
        ck_assert_uint_eq(e.true_pairs, b.true_pairs);
        ck_assert_double_eq_tol(e.bp, b.bp, 1e-9);
        ck_assert_double_eq_tol(e.br, b.br, 1e-9);
        free(p);
        free(t);
    }
}
END_TEST

START_TEST(test_eval_cli)
{
    char *dir = dc_test_tmpdir("eval");
    char truth[512], links[512], out[512], linksj[512];
    snprintf(truth, sizeof truth, "%s/truth.csv", dir);
    snprintf(links, sizeof links, "%s/links.csv", dir);
    snprintf(linksj, sizeof linksj, "%s/links.jsonl", dir);
    snprintf(out, sizeof out, "%s/out.json", dir);
    const char *t = "source,record_id,person_id\n"
                    "a.csv,1,P1\na.csv,2,P1\na.csv,3,P1\nb.csv,1,P2\nb.csv,2,P2\nb.csv,3,P3\nb.csv,9,P9\n";
    const char *l = "source,record_id,citizen_key,match_probability\n"
                    "a.csv,1,K1,1\na.csv,2,K1,1\na.csv,3,K2,1\nb.csv,1,K2,1\nb.csv,2,K2,1\nb.csv,3,K2,1\n"
                    "\"c,d.csv\",1,K3,1\n";
    ck_assert_int_eq(dc_test_write_file(truth, t, strlen(t)), 0);
    ck_assert_int_eq(dc_test_write_file(links, l, strlen(l)), 0);
    ck_assert_int_eq(dc_test_run("%s eval --truth %s --links %s --json > %s", DANCU_BIN, truth, links, out), 0);
    char *j = dc_test_read_file(out, NULL);
    ck_assert_ptr_nonnull(j);
    ck_assert_ptr_nonnull(strstr(j, "\"records\": 6, \"links_only\": 1, \"truth_only\": 1"));
    /* TP: (a1,a2), (b1,b2) = 2; predicted 1 + 6 = 7; true 3 + 1 = 4 */
    ck_assert_ptr_nonnull(strstr(j, "\"true_positives\": 2, \"predicted_pairs\": 7, \"true_pairs\": 4"));
    ck_assert_ptr_nonnull(strstr(j, "\"clusters\": {\"predicted\": 2, \"true\": 3}"));
    free(j);
    const char *lj = "{\"source\":\"a.csv\",\"record_id\":\"1\",\"citizen_key\":\"K1\"}\n"
                     "{\"source\":\"a.csv\",\"record_id\":\"2\",\"citizen_key\":\"K1\"}\n";
    ck_assert_int_eq(dc_test_write_file(linksj, lj, strlen(lj)), 0);
    ck_assert_int_eq(dc_test_run("%s eval --truth %s --links %s --json > %s", DANCU_BIN, truth, linksj, out), 0);
    j = dc_test_read_file(out, NULL);
    ck_assert_ptr_nonnull(strstr(j, "\"precision\": 1.000000, \"recall\": 1.000000"));
    free(j);
    /* zstd-compressed links */
    ck_assert_int_eq(dc_test_run("zstd -q -f %s -o %s.zst", links, links), 0);
    ck_assert_int_eq(dc_test_run("%s eval --truth %s --links %s.zst --json > %s", DANCU_BIN, truth, links, out), 0);
    j = dc_test_read_file(out, NULL);
    ck_assert_ptr_nonnull(strstr(j, "\"true_positives\": 2"));
    free(j);
    /* errors: usage 2, a missing column or a duplicate row 1 */
    ck_assert_int_eq(dc_test_run("%s eval --truth %s 2>/dev/null", DANCU_BIN, truth), 2);
    ck_assert_int_eq(dc_test_run("%s eval --truth %s --links %s 2>/dev/null", DANCU_BIN, links, links), 1);
    const char *dup = "source,record_id,person_id\na.csv,1,P1\na.csv,1,P2\n";
    ck_assert_int_eq(dc_test_write_file(truth, dup, strlen(dup)), 0);
    ck_assert_int_eq(dc_test_run("%s eval --truth %s --links %s 2>/dev/null", DANCU_BIN, truth, links), 1);
    dc_test_run("rm -rf %s", dir);
    free(dir);
}
END_TEST

static Suite *eval_suite(void)
{
    Suite *s = suite_create("eval");
    TCase *t = dc_test_tcase("core");
    tcase_add_test(t, test_eval_small);
    tcase_add_test(t, test_eval_random);
    tcase_add_test(t, test_eval_cli);
    suite_add_tcase(s, t);
    return s;
}

int main(void) { return dc_test_main(eval_suite(), "eval"); }
