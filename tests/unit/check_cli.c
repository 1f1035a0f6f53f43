/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_cli.c - command-line behaviour shared by the subcommands: a
 * directory given as input stands for its files, in name order. */
#include "dc_test.h"
#include "common/dc_common.h"
#include "match/dc_match_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SAMPLE DANCU_SRCDIR "/data-samples/tiny-40/exports"

/* `dancu run DIR` reads the same files in the same order as the glob
 * DIR/ *: every output identical. Hidden files and subdirectories of DIR
 * are not inputs. */
START_TEST(test_run_directory_equals_files)
{
    char *dir = dc_test_tmpdir("cli-dir");
    ck_assert_int_eq(dc_test_run("mkdir -p '%s/in/sub' && cp '%s'/* '%s/in/' && "
                                 "printf 'not,a\\nheader\\n' > '%s/in/.hidden.csv' && "
                                 "printf 'x\\n' > '%s/in/sub/inner.csv'",
                                 dir, SAMPLE, dir, dir, dir), 0);
    ck_assert_int_eq(dc_test_run("%s run -q --threads 2 -o '%s/a' '%s/in' 2>/dev/null", DANCU_BIN, dir, dir), 0);
    ck_assert_int_eq(dc_test_run("%s run -q --threads 2 -o '%s/b' '%s'/in/*.csv 2>/dev/null", DANCU_BIN, dir, dir), 0);
    static const char *const files[] = {"citizens.csv", "links.csv", "review.csv", "rejects.csv",
                                        "model.json"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char a[4096], b[4096];
        snprintf(a, sizeof a, "%s/a/%s", dir, files[i]);
        snprintf(b, sizeof b, "%s/b/%s", dir, files[i]);
        ck_assert_msg(dc_test_files_equal(a, b), "%s differs", files[i]);
    }
    /* the report names the files, not the directory */
    char p[4096];
    snprintf(p, sizeof p, "%s/a/report.json", dir);
    char *rep = dc_test_read_file(p, NULL);
    ck_assert_ptr_nonnull(rep);
    ck_assert_ptr_nonnull(strstr(rep, "01_ha_noi_thuong_tru.csv"));
    ck_assert_ptr_null(strstr(rep, ".hidden.csv"));
    ck_assert_ptr_null(strstr(rep, "inner.csv"));
    free(rep);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

/* load, normalize and blocks take directories too */
START_TEST(test_load_normalize_directory)
{
    char *dir = dc_test_tmpdir("cli-dir2");
    ck_assert_int_eq(dc_test_run("%s load -q -o '%s/l1' '%s' && %s load -q -o '%s/l2' '%s'/*", DANCU_BIN, dir,
                                 SAMPLE, DANCU_BIN, dir, SAMPLE), 0);
    ck_assert_int_eq(dc_test_run("cd '%s/l1' && for f in *.csv; do cmp -s \"$f\" \"../l2/$f\" || exit 1; done",
                                 dir), 0);
    ck_assert_int_eq(dc_test_run("%s normalize -q -o '%s/n1.csv' '%s' && %s normalize -q -o '%s/n2.csv' '%s'/*",
                                 DANCU_BIN, dir, SAMPLE, DANCU_BIN, dir, SAMPLE), 0);
    char a[4096], b[4096];
    snprintf(a, sizeof a, "%s/n1.csv", dir);
    snprintf(b, sizeof b, "%s/n2.csv", dir);
    ck_assert(dc_test_files_equal(a, b));
    /* blocks: the same pair counts (the seconds masked: the last column of
     * the rules, the figure before the summary line's "s") */
    ck_assert_int_eq(dc_test_run("%s blocks -q '%s' | awk '{$NF=\"\"; if ($1 == \"records\") $(NF-1)=\"\"; print}' > '%s/b1' && "
                                 "%s blocks -q '%s'/* | awk '{$NF=\"\"; if ($1 == \"records\") $(NF-1)=\"\"; print}' > '%s/b2' && "
                                 "grep -q '^id12 ' '%s/b1' && cmp -s '%s/b1' '%s/b2'",
                                 DANCU_BIN, SAMPLE, dir, DANCU_BIN, SAMPLE, dir, dir, dir, dir), 0);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

/* A directory without any input file is a clear error, not an empty run. */
START_TEST(test_empty_directory_refused)
{
    char *dir = dc_test_tmpdir("cli-empty");
    ck_assert_int_eq(dc_test_run("mkdir -p '%s/in/sub' && touch '%s/in/.hidden'", dir, dir), 0);
    ck_assert_int_eq(dc_test_run("%s run -q -o '%s/out' '%s/in' 2> '%s/err'", DANCU_BIN, dir, dir, dir), 1);
    char p[4096];
    snprintf(p, sizeof p, "%s/err", dir);
    char *err = dc_test_read_file(p, NULL);
    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_nonnull(strstr(err, "holds no input file"));
    free(err);
    ck_assert_int_eq(dc_test_run("test ! -e '%s/out/citizens.csv'", dir), 0);
    ck_assert_int_eq(dc_test_run("%s load -q -o '%s/out2' '%s/in' 2>/dev/null", DANCU_BIN, dir, dir), 1);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

/* --progress=json: every line of stderr is one JSON object with the
 * documented keys, even with -q; every stage ends with a "done" line (the
 * per-second ticks depend on the machine's speed: not counted). Other
 * values are usage errors. */
START_TEST(test_progress_json)
{
    char *dir = dc_test_tmpdir("cli-progress");
    ck_assert_int_eq(dc_test_run("%s run -q --threads 2 --progress=json -o '%s/out' '%s' 2> '%s/err'", DANCU_BIN,
                                 dir, SAMPLE, dir), 0);
    char p[4096];
    snprintf(p, sizeof p, "%s/err", dir);
    char *err = dc_test_read_file(p, NULL);
    ck_assert_ptr_nonnull(err);
    static const char *const stages[] = {"load", "block", "compare", "estimate", "score", "cluster", "write-match",
                                         "merge", "write"};
    int seen[9] = {0}, lines = 0;
    dc_arena_t a;
    dc_arena_init(&a, 1 << 14);
    for (char *l = err; *l;) {
        char *e = strchr(l, '\n');
        ck_assert_ptr_nonnull(e);
        dc_json_t *j = dc_json_parse(l, (size_t)(e - l), &a);
        ck_assert_msg(j != NULL, "not JSON: %.*s", (int)(e - l), l);
        static const char *const keys[] = {"stage", "rows", "total", "fraction", "rate", "elapsed", "run_elapsed",
                                           "remaining", "done"};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            ck_assert_msg(dc_json_get(j, keys[k]) != NULL, "no %s in %.*s", keys[k], (int)(e - l), l);
        const char *st = dc_json_str(dc_json_get(j, "stage"));
        ck_assert_ptr_nonnull(st);
        const dc_json_t *done = dc_json_get(j, "done");
        for (int s = 0; s < 9; s++)
            if (!strcmp(st, stages[s]) && done->type == DC_JSON_BOOL && done->num) seen[s]++;
        lines++;
        l = e + 1;
    }
    for (int s = 0; s < 9; s++) ck_assert_msg(seen[s] == 1, "stage %s: %d done lines", stages[s], seen[s]);
    ck_assert_int_ge(lines, 9);
    dc_arena_free(&a);
    free(err);
    ck_assert_int_eq(dc_test_run("%s run -q --progress=yes -o '%s/out2' '%s' 2>/dev/null", DANCU_BIN, dir, SAMPLE), 2);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

static Suite *cli_suite(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = dc_test_tcase("inputs");
    tcase_add_test(tc, test_run_directory_equals_files);
    tcase_add_test(tc, test_load_normalize_directory);
    tcase_add_test(tc, test_empty_directory_refused);
    tcase_add_test(tc, test_progress_json);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return dc_test_main(cli_suite(), "cli"); }
