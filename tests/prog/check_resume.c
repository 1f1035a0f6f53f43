/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * check_resume.c - `dancu run --resume` (engine/run/resume.c): a run
 * killed (SIGKILL, through the store's test hook) right after its load or
 * cluster checkpoint finishes when run again with --resume, with every
 * output identical to an uninterrupted run's, in memory and out of core,
 * at 1 and 2 threads; a changed input or option is never resumed from a
 * stale checkpoint; a damaged or foreign checkpoint is ignored (its stage
 * runs again, same outputs); the folder is private, kept on failure with
 * --resume, removed on success; without --resume nothing is written.
 */
#include "dc_test.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* The inputs: the mixed sample, a file with rejected rows, and one with
 * an extra column the settings declare (so the checkpoint holds rejects
 * and extra values). */
static char *g_dir;
static char g_in[4096], g_rules[4096], g_ref[2][4096];

static void setup(void)
{
    g_dir = dc_test_tmpdir("resume");
    snprintf(g_in, sizeof g_in, "%s/in", g_dir);
    snprintf(g_rules, sizeof g_rules, "%s/settings.txt", g_dir);
    ck_assert_int_eq(dc_test_run("mkdir '%s' && cp '%s'/data-samples/mixed-1000/exports/* "
                                 "'%s'/data-samples/dirty/exports/bad_rows.csv '%s'/",
                                 g_in, DANCU_SRCDIR, DANCU_SRCDIR, g_in),
                     0);
    ck_assert_int_eq(dc_test_run("awk 'BEGIN { print \"record_id,ho_ten,ngay_sinh,phone\"; for (i = 0; i < 40; i++) "
                                 "printf \"%%d,Nguyen Van Phone%%d,1980-01-%%02d,(09) %%04d-%%03d\\n\", i, i %% 7, "
                                 "1 + i %% 28, i %% 9, i %% 5 }' > '%s/zz_phones.csv'",
                                 g_in),
                     0);
    static const char rules[] = "column phone digits\nid12\nname_phon+dob_year\nphone\n";
    ck_assert_int_eq(dc_test_write_file(g_rules, rules, strlen(rules)), 0);
    /* the references: uninterrupted runs without --resume, which write
     * nothing in --tmp-dir */
    for (int t = 0; t < 2; t++) {
        snprintf(g_ref[t], sizeof g_ref[t], "%s/ref%d", g_dir, t + 1);
        ck_assert_int_eq(dc_test_run("mkdir '%s/reftmp%d' && '%s' run -q -t %d --rules '%s' --tmp-dir '%s/reftmp%d' "
                                     "-o '%s' '%s'",
                                     g_dir, t, DANCU_BIN, t + 1, g_rules, g_dir, t, g_ref[t], g_in),
                         0);
        char p[4200];
        snprintf(p, sizeof p, "%s/reftmp%d", g_dir, t);
        ck_assert_int_eq(dc_test_count_entries(p), 0);
    }
}

static void teardown(void)
{
    dc_test_run("rm -rf '%s'", g_dir);
    free(g_dir);
}

/* Assert that the log of the last run in `dir` (dir/log) holds each of
 * the NULL-terminated `has` and none of `hasnt` (may be NULL). */
static void check_log(const char *dir, const char *const *has, const char *const *hasnt)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/log", dir);
    char *log = dc_test_read_file(p, NULL);
    ck_assert_ptr_nonnull(log);
    for (size_t i = 0; has && has[i]; i++) ck_assert_msg(strstr(log, has[i]) != NULL, "no \"%s\" in: %s", has[i], log);
    for (size_t i = 0; hasnt && hasnt[i]; i++)
        ck_assert_msg(strstr(log, hasnt[i]) == NULL, "\"%s\" in: %s", hasnt[i], log);
    free(log);
}
#define LOG_HAS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define LOG_NONE NULL

/* The checkpoint folder in tmp (the one dancu-resume-* entry) into out;
 * 0 when there is none. */
static int checkpoint_dir(const char *tmp, char *out, size_t cap)
{
    DIR *d = opendir(tmp);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, "dancu-resume-", 13)) {
            snprintf(out, cap, "%s/%s", tmp, e->d_name);
            n++;
        }
    closedir(d);
    ck_assert_int_le(n, 1);
    return n;
}

/* Run dancu with --resume and the test's settings on `in` into dir/out,
 * --tmp-dir dir/tmp, stderr to dir/log, extra options `opts`. With `kill`
 * (a hook point) the run must die there. */
static const char *g_piece;   /* DANCU_TEST_RESUME_PIECE for the next run_resume, NULL: none */

static int run_resume(const char *dir, const char *kill, int threads, const char *opts, const char *in)
{
    char env[160] = "";
    if (kill) snprintf(env, sizeof env, "DANCU_TEST_STORE_KILL_AT=%s ", kill);
    if (g_piece) snprintf(env + strlen(env), sizeof env - strlen(env), "DANCU_TEST_RESUME_PIECE=%s ", g_piece);
    return dc_test_run("mkdir -p '%s/tmp' && %s'%s' run -v -t %d --rules '%s' --resume --tmp-dir '%s/tmp' %s -o '%s/out' "
                       "'%s' 2>'%s/log'",
                       dir, env, DANCU_BIN, threads, g_rules, dir, opts, dir, in, dir);
}

/* The end of a test that resumed a run in `d`: d/out holds the outputs of
 * `ref` (timings masked), nothing is left in d/tmp (the checkpoint is
 * removed on success); then d goes. */
static void finish(char *d, const char *ref, const char *what)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/out", d);
    dc_test_assert_same_outputs(ref, p, what);
    snprintf(p, sizeof p, "%s/tmp", d);
    ck_assert_int_eq(dc_test_count_entries(p), 0);
    dc_test_run("rm -rf '%s'", d);
    free(d);
}

/* A run killed right after a checkpoint, then the same command: it
 * resumes from that checkpoint and its outputs are the uninterrupted
 * run's. _i: bit 0 the thread count (at 2 the cluster checkpoint's arrays
 * go in pieces of 1000 bytes), bit 1 the checkpoint (load, cluster), bit 2
 * in memory or out of core. */
START_TEST(test_kill_resume)
{
    int threads = 1 + (_i & 1), cluster = (_i >> 1) & 1;
    const char *opts = _i & 4 ? "--out-of-core always" : "--out-of-core never";
    char *d = dc_test_tmpdir("resume-kill");
    char tmp[4200], ck[4400], p[8192];
    snprintf(tmp, sizeof tmp, "%s/tmp", d);
    g_piece = threads == 2 ? "1000" : NULL;
    ck_assert_int_ne(run_resume(d, cluster ? "resume-cluster" : "resume-load", threads, opts, g_in), 0);
    g_piece = NULL;
    /* the checkpoint: private folders (it, its store) of private files */
    ck_assert_int_eq(checkpoint_dir(tmp, ck, sizeof ck), 1);
    int files = 0;
    for (int sub = 0; sub < 2; sub++) {
        char dir[4500];
        snprintf(dir, sizeof dir, sub ? "%s/store" : "%s", ck);
        struct stat st;
        ck_assert_int_eq(stat(dir, &st), 0);
        ck_assert_int_eq(st.st_mode & 0777, 0700);
        DIR *dd = opendir(dir);
        ck_assert_ptr_nonnull(dd);
        struct dirent *e;
        while ((e = readdir(dd))) {
            if (e->d_name[0] == '.' || (!sub && !strcmp(e->d_name, "store"))) continue;
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            ck_assert_int_eq(stat(p, &st), 0);
            ck_assert_msg(S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600, "%s: mode %o", p, st.st_mode & 0777);
            files++;
        }
        closedir(dd);
    }
    ck_assert_int_gt(files, 3);
    /* the same command resumes */
    ck_assert_int_eq(run_resume(d, NULL, threads, opts, g_in), 0);
    /* it says where it resumes from, never with row data */
    if (cluster) check_log(d, LOG_HAS("resume: resuming after the load", "resume: resuming after clustering"),
                           LOG_HAS("Nguyen", "Phone"));
    else check_log(d, LOG_HAS("resume: resuming after the load"), LOG_HAS("resuming after clustering", "Nguyen", "Phone"));
    finish(d, g_ref[threads - 1], "an uninterrupted run and a resumed one");
}
END_TEST

/* A changed input after the kill (_i 0: a row added; 1: the file only
 * touched), or a changed option (_i 2), is never resumed: the run starts
 * from the beginning, and its outputs are a fresh run's. */
START_TEST(test_changed)
{
    char *d = dc_test_tmpdir("resume-changed");
    char in[4200], tmp[4200], ck[4400], p[4600], ref[4600];
    snprintf(in, sizeof in, "%s/in", d);
    snprintf(tmp, sizeof tmp, "%s/tmp", d);
    ck_assert_int_eq(dc_test_run("cp -r '%s' '%s'", g_in, in), 0);
    ck_assert_int_ne(run_resume(d, "resume-cluster", 2, "", in), 0);
    ck_assert_int_eq(checkpoint_dir(tmp, ck, sizeof ck), 1);
    const char *opts = "";
    if (_i == 0)
        ck_assert_int_eq(dc_test_run("sleep 0.02; echo '99,Tran Thi Moi,1990-02-03,0912345678' >> '%s/zz_phones.csv'",
                                     in),
                         0);
    else if (_i == 1)
        ck_assert_int_eq(dc_test_run("sleep 0.02; touch '%s/zz_phones.csv'", in), 0);
    else
        opts = "--match-threshold 0.95";
    ck_assert_int_eq(dc_test_run("rm -rf '%s/out'", d), 0);
    ck_assert_int_eq(run_resume(d, NULL, 2, opts, in), 0);
    check_log(d, LOG_HAS("no checkpoint yet", "resume: 1 checkpoint folder of other inputs or options"),
              LOG_HAS("resuming"));
    snprintf(ref, sizeof ref, "%s/ref", d);
    ck_assert_int_eq(dc_test_run("'%s' run -q -t 2 --rules '%s' %s -o '%s' '%s'", DANCU_BIN, g_rules, opts, ref, in),
                     0);
    snprintf(p, sizeof p, "%s/out", d);
    dc_test_assert_same_outputs(ref, p, "a fresh run and a run after a change");
    /* the old checkpoint (another fingerprint) was not used; it is left */
    ck_assert_int_eq(checkpoint_dir(tmp, p, sizeof p), 1);
    ck_assert_str_eq(p, ck);
    dc_test_run("rm -rf '%s'", d);
    free(d);
}
END_TEST

/* The newest file of `ck` whose name starts with `prefix` (largest id). */
static void newest(const char *ck, const char *prefix, char *out, size_t cap)
{
    DIR *dd = opendir(ck);
    ck_assert_ptr_nonnull(dd);
    struct dirent *e;
    char best[256] = "";
    while ((e = readdir(dd)))
        if (!strncmp(e->d_name, prefix, strlen(prefix)) && strcmp(e->d_name, best) > 0)
            snprintf(best, sizeof best, "%s", e->d_name);
    closedir(dd);
    ck_assert_msg(best[0], "no %s* file in %s", prefix, ck);
    snprintf(out, cap, "%s/%s", ck, best);
}

/* Flip a byte in the middle of a file. */
static void damage(const char *path)
{
    size_t n;
    char *b = dc_test_read_file(path, &n);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_gt(n, 64);
    b[n / 2] ^= 0x5a;
    ck_assert_int_eq(dc_test_write_file(path, b, n), 0);
    free(b);
}

/* A damaged checkpoint is ignored and its stage runs again, with the same
 * outputs: _i 0, an attachment of the cluster checkpoint (matching runs
 * again from the load's); 1, a partition of the load checkpoint (the run
 * starts over); 2, another run's checkpoint in this run's folder (foreign:
 * the run starts over); 3, a truncated attachment of the cluster's; 4,
 * the load's rejects file (the run starts over). */
START_TEST(test_damaged)
{
    char *d = dc_test_tmpdir("resume-damaged");
    char tmp[4200], ck[4400], st[4500], f[4800];
    snprintf(tmp, sizeof tmp, "%s/tmp", d);
    ck_assert_int_ne(run_resume(d, "resume-cluster", 2, "", g_in), 0);
    ck_assert_int_eq(checkpoint_dir(tmp, ck, sizeof ck), 1);
    snprintf(st, sizeof st, "%s/store", ck);
    if (_i == 0 || _i == 3) {
        newest(st, "a", f, sizeof f);
        if (_i == 0) damage(f);
        else ck_assert_int_eq(truncate(f, 40), 0);
    } else if (_i == 1) {
        newest(st, "p", f, sizeof f);
        damage(f);
    } else if (_i == 4) {
        snprintf(f, sizeof f, "%s/rejects", ck);
        damage(f);
    } else {   /* another run's checkpoint (other settings) under this run's name */
        char other[4600];
        snprintf(other, sizeof other, "%s/other", d);
        ck_assert_int_eq(dc_test_run("mkdir '%s' && DANCU_TEST_STORE_KILL_AT=resume-cluster '%s' run -q -t 2 "
                                     "--match-threshold 0.97 --resume --tmp-dir '%s' -o '%s/out' '%s' 2>/dev/null",
                                     other, DANCU_BIN, other, other, g_in),
                         137);
        ck_assert_int_eq(checkpoint_dir(other, f, sizeof f), 1);
        ck_assert_int_eq(dc_test_run("rm -rf '%s'/* && cp -rp '%s'/* '%s'/", ck, f, ck), 0);
    }
    ck_assert_int_eq(run_resume(d, NULL, 2, "", g_in), 0);
    if (_i == 0 || _i == 3)
        check_log(d, LOG_HAS("the checkpoint after clustering is not valid", "resume: resuming after the load"),
                  LOG_HAS("resuming after clustering"));
    else
        check_log(d, LOG_HAS("the load's checkpoint is not valid"), LOG_HAS("resuming"));
    finish(d, g_ref[1], "an uninterrupted run and one resumed from a damaged checkpoint");
}
END_TEST

/* A failure after the load's checkpoint (the reject rate) keeps it with
 * --resume, and says so; the run resumes once the cause is gone
 * (--max-reject-rate is not in the fingerprint). Without --resume a
 * failure leaves nothing in --tmp-dir. */
START_TEST(test_failure_kept)
{
    char *d = dc_test_tmpdir("resume-failure");
    char tmp[4200], ck[4400];
    snprintf(tmp, sizeof tmp, "%s/tmp", d);
    ck_assert_int_eq(dc_test_run("mkdir '%s' && '%s' run -q --rules '%s' --max-reject-rate 0.001 --tmp-dir '%s' "
                                 "-o '%s/plain' '%s' 2>/dev/null",
                                 tmp, DANCU_BIN, g_rules, tmp, d, g_in),
                     1);
    ck_assert_int_eq(dc_test_count_entries(tmp), 0);
    ck_assert_int_eq(run_resume(d, NULL, 2, "--max-reject-rate 0.001", g_in), 1);
    check_log(d, LOG_HAS("reject rate", "are kept"), LOG_NONE);
    ck_assert_int_eq(checkpoint_dir(tmp, ck, sizeof ck), 1);
    ck_assert_int_eq(run_resume(d, NULL, 2, "", g_in), 0);
    check_log(d, LOG_HAS("resume: resuming after the load"), LOG_NONE);
    finish(d, g_ref[1], "an uninterrupted run and one resumed after a failure");
}
END_TEST

/* Refused: with --master (usage), standard input, a checkpoint folder
 * open to others, one in use by another run. */
START_TEST(test_refused)
{
    char *d = dc_test_tmpdir("resume-refused");
    char tmp[4200], ck[4400];
    snprintf(tmp, sizeof tmp, "%s/tmp", d);
    ck_assert_int_eq(dc_test_run("'%s' run -q --resume --master '%s/m' -o '%s/o' '%s' 2>/dev/null", DANCU_BIN, d, d,
                                 g_in),
                     2);
    ck_assert_int_eq(dc_test_run("mkdir '%s' && '%s' run --resume --tmp-dir '%s' -o '%s/o' - < '%s/zz_phones.csv' "
                                 "2>'%s/log'",
                                 tmp, DANCU_BIN, tmp, d, g_in, d),
                     1);
    check_log(d, LOG_HAS("standard input cannot be resumed"), LOG_NONE);
    ck_assert_int_ne(run_resume(d, "resume-load", 1, "", g_in), 0);
    ck_assert_int_eq(checkpoint_dir(tmp, ck, sizeof ck), 1);
    ck_assert_int_eq(chmod(ck, 0755), 0);
    ck_assert_int_eq(run_resume(d, NULL, 1, "", g_in), 1);
    check_log(d, LOG_HAS("is not private"), LOG_NONE);
    ck_assert_int_eq(chmod(ck, 0700), 0);
    int fd = open(ck, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
    ck_assert_int_eq(run_resume(d, NULL, 1, "", g_in), 1);
    check_log(d, LOG_HAS("in use by another run"), LOG_NONE);
    close(fd);
    ck_assert_int_eq(run_resume(d, NULL, 1, "", g_in), 0);   /* the checkpoint is still good */
    check_log(d, LOG_HAS("resume: resuming after the load"), LOG_NONE);
    ck_assert_int_eq(dc_test_count_entries(tmp), 0);
    dc_test_run("rm -rf '%s'", d);
    free(d);
}
END_TEST

/* SIGTERM after the load's checkpoint: the handler removes the staged
 * outputs and leaves the checkpoint, and the same command resumes. (The
 * signal is sent when the log says the checkpoint is written; should the
 * run end first on a fast machine, it must have removed its folder.) */
START_TEST(test_signal)
{
    char *d = dc_test_tmpdir("resume-signal");
    char tmp[4200], ck[4400], p[4600], ref[4600];
    snprintf(tmp, sizeof tmp, "%s/tmp", d);
    snprintf(ref, sizeof ref, "%s/ref", d);
    ck_assert_int_eq(dc_test_run("'%s' gen -q --people 30000 --seed 3 -o '%s/g' && '%s' run -q -t 2 --rules '%s' "
                                 "-o '%s' '%s/g/exports'",
                                 DANCU_BIN, d, DANCU_BIN, g_rules, ref, d),
                     0);
    snprintf(p, sizeof p, "%s/g/exports", d);
    int rc = dc_test_run("mkdir '%s' && ('%s' run -v -t 2 --rules '%s' --resume --tmp-dir '%s' -o '%s/out' '%s' "
                         "2>'%s/log' & p=$!; i=0; while kill -0 $p 2>/dev/null && ! grep -q 'checkpoint after the load "
                         "written' '%s/log' && [ $i -lt 100000 ]; do sleep 0.002; i=$((i+1)); done; kill -TERM $p "
                         "2>/dev/null; wait $p)",
                         tmp, DANCU_BIN, g_rules, tmp, d, p, d, d);
    if (rc == 1) {   /* interrupted */
        check_log(d, LOG_HAS("checkpoint after the load written", "interrupted"), LOG_NONE);
        ck_assert_int_eq(checkpoint_dir(tmp, ck, sizeof ck), 1);
        snprintf(ck, sizeof ck, "%s/out", d);
        ck_assert_int_le(dc_test_count_entries(ck), 0);   /* no output, no staging folder */
        ck_assert_int_eq(run_resume(d, NULL, 2, "", p), 0);
        check_log(d, LOG_HAS("resume: resuming after the load"), LOG_NONE);
    } else {
        ck_assert_int_eq(rc, 0);
    }
    finish(d, ref, "an uninterrupted run and one resumed after SIGTERM");
}
END_TEST

static Suite *resume_suite(void)
{
    Suite *s = suite_create("resume");
    TCase *tc = dc_test_tcase("resume");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_kill_resume, 0, 8);
    tcase_add_loop_test(tc, test_changed, 0, 3);
    tcase_add_loop_test(tc, test_damaged, 0, 5);
    tcase_add_test(tc, test_failure_kept);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_signal);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return dc_test_main(resume_suite(), "resume"); }
