/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_test.h - shared helpers for dancu's Check test programs.
 *
 * Each tests/unit/check_NAME.c builds one Suite and ends with
 *     int main(void) { return dc_test_main(NAME_suite(), "NAME"); }
 * dc_test_main runs it, prints Check's summary and appends
 * "NAME PASSED FAILED" to $DC_TEST_RESULTS for the totals line of make check.
 */
#ifndef DC_TEST_H
#define DC_TEST_H

#include <check.h>
#include <stddef.h>

int dc_test_main(Suite *s, const char *name);

/* Every test case has one timeout, DC_TEST_TIMEOUT seconds: a hang detector,
 * never a speed check. No test may depend on the machine's speed (a CI
 * machine can be twice as slow, under other jobs, or under ASan and
 * Valgrind); speed is measured in bench/. CK_TIMEOUT_MULTIPLIER still
 * scales it, as Check documents. */
#define DC_TEST_TIMEOUT 1200

/* DC_TEST_ASAN: 1 in the sanitizer build. There the process's memory is
 * not the product's (shadow memory, quarantine): tests skip assertions on
 * peak RSS, never the behaviour around them. */
#if defined(__SANITIZE_ADDRESS__)
#define DC_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DC_TEST_ASAN 1
#endif
#endif
#ifndef DC_TEST_ASAN
#define DC_TEST_ASAN 0
#endif

/*! dc_test_tcase() : tcase_create() with the suite-wide timeout. */
TCase *dc_test_tcase(const char *name);

/* Paths of the binary under test and of the source tree (set by the Makefile). */
#ifndef DANCU_BIN
#define DANCU_BIN "build/dancu"
#endif
#ifndef DANCU_SRCDIR
#define DANCU_SRCDIR "."
#endif

/*! dc_test_tmpdir() : a fresh empty directory under $TMPDIR (or /tmp) for
 *  this test; the caller frees the string. */
char *dc_test_tmpdir(const char *tag);
/*! dc_test_read_file() : whole file into a malloc'd NUL-terminated buffer,
 *  or NULL; `len` may be NULL. */
char *dc_test_read_file(const char *path, size_t *len);
/*! dc_test_write_file() : write `n` bytes to `path`; 0 or -1. */
int dc_test_write_file(const char *path, const void *p, size_t n);
/*! dc_test_run() : run a shell command line; its exit status (or -1). */
int dc_test_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*! dc_test_json_valid() : 1 if s[0..n) is one strict RFC 8259 JSON value
 *  (surrounded by white space at most) in valid UTF-8. */
int dc_test_json_valid(const char *s, size_t n);
/*! dc_test_files_equal() : 1 if both files exist with identical bytes. */
int dc_test_files_equal(const char *a, const char *b);
/*! dc_test_count_entries() : entries of `dir` but . and .. (-1: no folder). */
int dc_test_count_entries(const char *dir);
/*! dc_test_assert_same_outputs() : assert that the output folders a/ and
 *  b/ of two runs hold the same files with the same bytes (more than 8),
 *  except, in report.json and report.html, the stage timings and peak RSS
 *  (which differ between any two runs: masked first). `what` names the
 *  two runs in the failure message. */
void dc_test_assert_same_outputs(const char *a, const char *b, const char *what);

#endif /* DC_TEST_H */
