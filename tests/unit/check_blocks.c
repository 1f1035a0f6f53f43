/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_blocks.c - `dancu blocks`: per-rule candidate pairs and, with
 * --truth, the true pairs found, on the mixed-1000 sample; the figures must
 * agree with each other and with `dancu run`'s, not depend on the thread
 * count, and bad invocations must fail with the documented status. */
#include "dc_test.h"
#include "common/dc_common.h"
#include "match/dc_match.h"
#include "common/dc_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SAMPLE DANCU_SRCDIR "/data-samples/mixed-1000"

static const dc_json_t *at(const dc_json_t *arr, size_t i)
{
    const dc_json_t *e = arr ? arr->child : NULL;
    while (e && i--) e = e->next;
    ck_assert_ptr_nonnull(e);
    return e;
}

static const dc_json_t *run_blocks(const char *dir, int threads, const char *extra, dc_arena_t *a, char **text)
{
    char out[512];
    snprintf(out, sizeof out, "%s/blocks-%d.json", dir, threads);
    int st = dc_test_run("%s blocks -q --json --threads %d %s --truth %s/truth.csv %s/exports/* > %s",
                         DANCU_BIN, threads, extra, SAMPLE, SAMPLE, out);
    ck_assert_int_eq(st, 0);
    size_t len;
    *text = dc_test_read_file(out, &len);
    ck_assert_ptr_nonnull(*text);
    dc_json_t *j = dc_json_parse(*text, len, a);
    ck_assert_ptr_nonnull(j);
    return j;
}

static uint64_t num(const dc_json_t *j, const char *k)
{
    double v = dc_json_num(dc_json_get(j, k), -1);
    ck_assert_msg(v >= 0, "missing %s", k);
    return (uint64_t)v;
}

START_TEST(test_blocks_truth)
{
    char *dir = dc_test_tmpdir("blocks");
    dc_arena_t a;
    dc_arena_init(&a, 1 << 16);
    char *t1, *t2;
    const dc_json_t *j = run_blocks(dir, 1, "", &a, &t1);
    const dc_json_t *rules = dc_json_get(j, "rules");
    ck_assert_ptr_nonnull(rules);
    size_t nr = rules->len;
    dc_rules_t def;
    ck_assert_int_eq(dc_rules_parse(dc_rules_default_text(), "default", &def), 0);
    ck_assert_uint_eq(nr, def.n);
    uint64_t sum_new = 0, sum_true_new = 0;
    for (size_t i = 0; i < nr; i++) {
        const dc_json_t *r = at(rules, i);
        ck_assert_str_eq(dc_json_str(dc_json_get(r, "rule")), def.r[i].text);
        ck_assert_uint_le(num(r, "pairs_new"), num(r, "pairs"));
        ck_assert_uint_le(num(r, "true_pairs"), num(r, "pairs"));
        ck_assert_uint_le(num(r, "true_pairs_only"), num(r, "true_pairs_new"));
        ck_assert_uint_le(num(r, "true_pairs_new"), num(r, "true_pairs"));
        sum_new += num(r, "pairs_new");
        sum_true_new += num(r, "true_pairs_new");
    }
    dc_rules_free(&def);
    ck_assert_uint_eq(sum_new, num(j, "rule_pairs"));
    ck_assert_uint_eq(num(j, "rule_pairs") - num(j, "dropped_cannot_link"), num(j, "pairs"));
    const dc_json_t *tr = dc_json_get(j, "truth");
    ck_assert_uint_eq(sum_true_new, num(tr, "found_by_rules"));
    ck_assert_uint_eq(num(j, "records"), num(tr, "labelled_records"));
    ck_assert_uint_gt(num(tr, "true_pairs"), 100);
    ck_assert_uint_le(num(tr, "found"), num(tr, "found_by_rules"));
    ck_assert_uint_le(num(tr, "found"), num(tr, "found_transitive"));
    ck_assert(dc_json_num(dc_json_get(tr, "completeness"), 0) > 0.97);
    ck_assert_uint_lt(num(j, "pairs"), 2 * num(j, "records"));

    /* the same figures with two threads (timings apart) */
    const dc_json_t *k = run_blocks(dir, 2, "", &a, &t2);
    ck_assert_uint_eq(num(k, "pairs"), num(j, "pairs"));
    ck_assert_uint_eq(num(k, "rule_pairs"), num(j, "rule_pairs"));
    ck_assert_uint_eq(num(dc_json_get(k, "truth"), "found"), num(tr, "found"));
    for (size_t i = 0; i < nr; i++) {
        const dc_json_t *x = at(rules, i), *y = at(dc_json_get(k, "rules"), i);
        ck_assert_uint_eq(num(x, "pairs"), num(y, "pairs"));
        ck_assert_uint_eq(num(x, "true_pairs_only"), num(y, "true_pairs_only"));
    }

    /* `dancu run` makes the same candidate pairs */
    ck_assert_int_eq(dc_test_run("%s run -q --threads 2 -o %s/run %s/exports/*", DANCU_BIN, dir, SAMPLE), 0);
    char path[512];
    snprintf(path, sizeof path, "%s/run/model.json", dir);
    size_t len;
    char *mt = dc_test_read_file(path, &len);
    ck_assert_ptr_nonnull(mt);
    const dc_json_t *m = dc_json_parse(mt, len, &a);
    ck_assert_uint_eq(num(dc_json_get(m, "blocking"), "pairs"), num(j, "pairs"));
    ck_assert_uint_eq(num(dc_json_get(m, "blocking"), "dropped_cannot_link"), num(j, "dropped_cannot_link"));
    free(mt);
    free(t1);
    free(t2);
    dc_arena_free(&a);
    dc_test_run("rm -rf %s", dir);
    free(dir);
}
END_TEST

START_TEST(test_blocks_rules_and_errors)
{
    char *dir = dc_test_tmpdir("blocks-err");
    char path[512];
    snprintf(path, sizeof path, "%s/rules.txt", dir);
    const char *rules = "drop_cannot_link no\nid12\nname_phon+dob\n";
    ck_assert_int_eq(dc_test_write_file(path, rules, strlen(rules)), 0);
    ck_assert_int_eq(dc_test_run("%s blocks -q --rules %s %s/exports/* > %s/out.txt", DANCU_BIN, path, SAMPLE, dir), 0);
    char out[512];
    snprintf(out, sizeof out, "%s/out.txt", dir);
    char *text = dc_test_read_file(out, NULL);
    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_nonnull(strstr(text, "name_phon+dob "));
    ck_assert_ptr_nonnull(strstr(text, "of which 0 cannot link"));
    ck_assert_ptr_null(strstr(text, "truth:"));
    free(text);
    /* no input: usage error; unreadable rules or truth: failure */
    ck_assert_int_eq(dc_test_run("%s blocks -q 2>/dev/null", DANCU_BIN), 2);
    ck_assert_int_eq(dc_test_run("%s blocks -q --rules %s/none.txt %s/exports/* 2>/dev/null", DANCU_BIN, dir, SAMPLE), 1);
    ck_assert_int_eq(dc_test_run("%s blocks -q --truth %s/none.csv %s/exports/* 2>/dev/null", DANCU_BIN, dir, SAMPLE), 1);
    ck_assert_int_eq(dc_test_run("%s blocks --help > /dev/null", DANCU_BIN), 0);
    dc_test_run("rm -rf %s", dir);
    free(dir);
}
END_TEST

static Suite *blocks_suite(void)
{
    Suite *s = suite_create("blocks");
    TCase *t = dc_test_tcase("cli");
    tcase_add_test(t, test_blocks_truth);
    tcase_add_test(t, test_blocks_rules_and_errors);
    suite_add_tcase(s, t);
    return s;
}

int main(void) { return dc_test_main(blocks_suite(), "blocks"); }
