/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * check_perf.c - the performance contract of `dancu run`: --memory-limit
 * fails early with a clear message (before any output, or while loading),
 * never by being killed; the estimate from the input sizes.
 */
#include "dc_test.h"
#include "run/dc_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void write_file(const char *path, size_t n)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    for (size_t i = 0; i < n; i++) fputc('x', f);
    fclose(f);
}

/* The estimate grows with the input bytes; compressed files count more. */
START_TEST(test_estimate)
{
    char *tmp = dc_test_tmpdir("perf-est");
    char a[4096], z[4096];
    snprintf(a, sizeof a, "%s/a.csv", tmp);
    snprintf(z, sizeof z, "%s/a.csv.zst", tmp);
    write_file(a, 1 << 20);
    write_file(z, 1 << 20);
    const char *one[] = {a}, *two[] = {a, a}, *cz[] = {z}, *none[] = {"/nonexistent/x.csv"};
    size_t e0 = dc_run_estimate_load_bytes(none, 1), e1 = dc_run_estimate_load_bytes(one, 1),
           e2 = dc_run_estimate_load_bytes(two, 2), ez = dc_run_estimate_load_bytes(cz, 1);
    ck_assert_uint_gt(e0, 0);
    ck_assert_uint_ge(e1, e0 + (size_t)(0.9 * (1u << 20)));   /* 0.9 byte per input byte (the model) */
    ck_assert_uint_lt(e1, e0 + (1u << 20));                   /* a lower bound: under the bytes themselves */
    ck_assert_uint_le(e2 - e0 - 2 * (e1 - e0) + 1, 2);   /* linear in the input (rounding) */
    ck_assert_uint_gt(ez, e1);                  /* compressed: decoded size assumed larger */
    free(tmp);
}
END_TEST

static const struct {
    const char *limit;
    const char *msg;   /* expected in stderr */
} limit_cases[] = {
    {"1M", "too small for these inputs"},   /* refused from the file sizes: nothing done */
    {"2K", "too small for these inputs"},
};

START_TEST(test_limit_refused_early)
{
    char *tmp = dc_test_tmpdir("perf-lim");
    int st = dc_test_run("cd '%s' && '%s' run -q --threads 2 --memory-limit %s -o '%s/out' "
                         "data-samples/mixed-1000/exports/* 2>'%s/err'",
                         DANCU_SRCDIR, DANCU_BIN, limit_cases[_i].limit, tmp, tmp);
    ck_assert_int_ne(st, 0);
    char p[4096];
    snprintf(p, sizeof p, "%s/err", tmp);
    char *err = dc_test_read_file(p, NULL);
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strstr(err, limit_cases[_i].msg) != NULL, "stderr: %s", err);
    free(err);
    struct stat sb;
    snprintf(p, sizeof p, "%s/out", tmp);
    ck_assert_msg(stat(p, &sb) != 0, "an output folder was left behind");
    free(tmp);
}
END_TEST

/* A limit the estimate allows but the run cannot stay under: it stops with
 * a message, not a kill (exit status 1, not a signal). */
START_TEST(test_limit_while_running)
{
    char *tmp = dc_test_tmpdir("perf-lim2");
    /* the sample is small: its estimate is under 40 MiB, the process itself is larger */
    int st = dc_test_run("cd '%s' && '%s' run -q --threads 2 --memory-limit 40M -o '%s/out' "
                         "data-samples/mixed-1000/exports/* 2>'%s/err'",
                         DANCU_SRCDIR, DANCU_BIN, tmp, tmp);
    char p[4096];
    snprintf(p, sizeof p, "%s/err", tmp);
    char *err = dc_test_read_file(p, NULL);
    ck_assert_ptr_nonnull(err);
    if (st != 0) {
        ck_assert_int_eq(st, 1);
        ck_assert_msg(strstr(err, "memory limit") != NULL || strstr(err, "--memory-limit") != NULL, "stderr: %s", err);
    }
    free(err);
    /* a generous limit changes nothing */
    st = dc_test_run("cd '%s' && '%s' run -q --threads 2 --memory-limit 8G -o '%s/ok' "
                     "data-samples/mixed-1000/exports/* 2>/dev/null",
                     DANCU_SRCDIR, DANCU_BIN, tmp);
    ck_assert_int_eq(st, 0);
    free(tmp);
}
END_TEST

static Suite *perf_suite(void)
{
    Suite *s = suite_create("perf");
    TCase *tc = dc_test_tcase("memory");
    tcase_add_test(tc, test_estimate);
    tcase_add_loop_test(tc, test_limit_refused_early, 0, (int)(sizeof limit_cases / sizeof limit_cases[0]));
    tcase_add_test(tc, test_limit_while_running);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return dc_test_main(perf_suite(), "perf"); }
