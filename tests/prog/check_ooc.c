/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * check_ooc.c - the out-of-core path of `dancu run` (engine/run/spill.c):
 * the same outputs as the in-memory path, byte for byte, whatever
 * --threads; chosen by itself when only it fits --memory-limit; the disk
 * checked before any work; a private temporary folder (0700, files 0600)
 * removed on success, failure and SIGTERM/SIGINT.
 */
#include "dc_test.h"
#include "run/dc_run.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The generated set: several provinces, compressed exports. */
static char *gen_dir;

static void setup(void)
{
    gen_dir = dc_test_tmpdir("ooc-gen");
    ck_assert_int_eq(dc_test_run("'%s' gen -q --people 4000 --seed 7 --compress -o '%s/g'", DANCU_BIN, gen_dir), 0);
}

static void teardown(void)
{
    dc_test_run("rm -rf '%s'", gen_dir);
    free(gen_dir);
}

static const char *const inputs_of[] = {"data-samples/mixed-1000/exports", NULL};

/* The same input both ways, at --threads 1 and 2: every output identical;
 * the out-of-core run took its path (its log line) and left nothing in
 * --tmp-dir. _i: bit 0 the thread count, bit 1 the input. */
START_TEST(test_same_outputs)
{
    int threads = 1 + (_i & 1);
    char *tmp = dc_test_tmpdir("ooc-same");
    char in[4096];
    if (_i & 2) snprintf(in, sizeof in, "%s/g/exports", gen_dir);
    else snprintf(in, sizeof in, "%s/%s", DANCU_SRCDIR, inputs_of[0]);
    ck_assert_int_eq(dc_test_run("mkdir '%s/t' && '%s' run -q -t %d --out-of-core never -o '%s/mem' '%s' && "
                                 "'%s' run -v -t %d --out-of-core always --tmp-dir '%s/t' -o '%s/ooc' '%s' 2>'%s/log'",
                                 tmp, DANCU_BIN, threads, tmp, in, DANCU_BIN, threads, tmp, tmp, in, tmp),
                     0);
    char p[4096], q[4096];
    snprintf(p, sizeof p, "%s/log", tmp);
    char *log = dc_test_read_file(p, NULL);
    ck_assert_ptr_nonnull(log);
    ck_assert_msg(strstr(log, "out of core: records spilled to") != NULL, "log: %s", log);
    free(log);
    snprintf(p, sizeof p, "%s/mem", tmp);
    snprintf(q, sizeof q, "%s/ooc", tmp);
    dc_test_assert_same_outputs(p, q, "the in-memory and out-of-core runs");
    snprintf(p, sizeof p, "%s/t", tmp);
    ck_assert_int_eq(dc_test_count_entries(p), 0);   /* removed on success */
    dc_test_run("rm -rf '%s'", tmp);
    free(tmp);
}
END_TEST

/* Without --out-of-core, a --memory-limit that the in-memory estimate
 * exceeds and the out-of-core one does not takes the out-of-core path by
 * itself. (The limit is below what the process itself needs, so the run
 * then stops at the limit: a clear error, and the temporary folder is
 * removed on that failure too.) */
START_TEST(test_auto)
{
    char *tmp = dc_test_tmpdir("ooc-auto");
    /* one plain file of 4 MB; the limit half-way between the two estimates */
    char big[4096];
    snprintf(big, sizeof big, "%s/big.csv", tmp);
    ck_assert_int_eq(dc_test_run("mkdir '%s/t' && awk 'BEGIN { print \"record_id,ho_ten,ngay_sinh\"; "
                                 "for (i = 0; i < 120000; i++) printf \"%%d,Nguyen Van A%%d,1980-01-02\\n\", i, i %% 50 }' "
                                 "> '%s'",
                                 tmp, big),
                     0);
    const char *one[] = {big};
    size_t mem = dc_run_estimate_load_bytes(one, 1), ooc = dc_run_estimate_load_bytes_ooc(one, 1);
    ck_assert_uint_gt(mem, ooc + (1u << 20));
    size_t lim = (mem + ooc) / 2;
    int st = dc_test_run("'%s' run -v -t 2 --memory-limit %zu --tmp-dir '%s/t' -o '%s/out' '%s' 2>'%s/log'",
                         DANCU_BIN, lim, tmp, tmp, big, tmp);
    char p[4096];
    snprintf(p, sizeof p, "%s/log", tmp);
    char *log = dc_test_read_file(p, NULL);
    ck_assert_ptr_nonnull(log);
    ck_assert_msg(strstr(log, "more than the memory limit") != NULL, "log: %s", log);
    ck_assert_msg(strstr(log, "out of core: records spilled to") != NULL, "log: %s", log);
    if (st != 0) ck_assert_msg(strstr(log, "memory limit") != NULL, "log: %s", log);
    free(log);
    snprintf(p, sizeof p, "%s/t", tmp);
    ck_assert_int_eq(dc_test_count_entries(p), 0);   /* removed on failure */
    /* --out-of-core never: refused up front as before */
    st = dc_test_run("'%s' run -q -t 2 --memory-limit %zu --out-of-core never --tmp-dir '%s/t' -o '%s/out2' "
                     "'%s' 2>'%s/log'",
                     DANCU_BIN, lim, tmp, tmp, big, tmp);
    ck_assert_int_eq(st, 1);
    snprintf(p, sizeof p, "%s/log", tmp);
    log = dc_test_read_file(p, NULL);
    ck_assert_msg(strstr(log, "too small for these inputs") != NULL, "log: %s", log);
    free(log);
    dc_test_run("rm -rf '%s'", tmp);
    free(tmp);
}
END_TEST

/* Too little free space in --tmp-dir (the test hook stands for statvfs):
 * a clear error before any work, no output folder, no temporary folder. */
START_TEST(test_disk_checked)
{
    char *tmp = dc_test_tmpdir("ooc-disk");
    int st = dc_test_run("mkdir '%s/t' && DANCU_TEST_FREE_SPACE=100000 '%s' run -q --out-of-core always "
                         "--tmp-dir '%s/t' -o '%s/out' '%s/g/exports' 2>'%s/err'",
                         tmp, DANCU_BIN, tmp, tmp, gen_dir, tmp);
    ck_assert_int_eq(st, 1);
    char p[4096];
    snprintf(p, sizeof p, "%s/err", tmp);
    char *err = dc_test_read_file(p, NULL);
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strstr(err, "not enough free space for the out-of-core run") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "97.7 KiB are free") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "nothing was done") != NULL, "%s", err);
    free(err);
    snprintf(p, sizeof p, "%s/out", tmp);
    struct stat sb;
    ck_assert_msg(stat(p, &sb) != 0, "an output folder was left behind");
    snprintf(p, sizeof p, "%s/t", tmp);
    ck_assert_int_eq(dc_test_count_entries(p), 0);
    /* enough space (the estimate is about 0.9 byte per input byte): the run goes on */
    ck_assert_int_eq(dc_test_run("DANCU_TEST_FREE_SPACE=100000000 '%s' run -q --out-of-core always --tmp-dir '%s/t' "
                                 "-o '%s/out' '%s/g/exports'",
                                 DANCU_BIN, tmp, tmp, gen_dir),
                     0);
    /* a --tmp-dir that does not exist */
    st = dc_test_run("'%s' run -q --out-of-core always --tmp-dir '%s/none' -o '%s/out3' '%s/g/exports' 2>'%s/err'",
                     DANCU_BIN, tmp, tmp, gen_dir, tmp);
    ck_assert_int_eq(st, 1);
    snprintf(p, sizeof p, "%s/err", tmp);
    err = dc_test_read_file(p, NULL);
    ck_assert_msg(strstr(err, "temporary folder") != NULL && strstr(err, "--tmp-dir") != NULL, "%s", err);
    free(err);
    /* a --tmp-dir in memory (tmpfs, where the machine has /dev/shm): a warning */
    struct statfs fs;
    if (statfs("/dev/shm", &fs) == 0 && fs.f_type == TMPFS_MAGIC && access("/dev/shm", W_OK) == 0) {
        ck_assert_int_eq(dc_test_run("'%s' run --out-of-core always --tmp-dir /dev/shm -o '%s/out4' '%s/%s' 2>'%s/err'",
                                     DANCU_BIN, tmp, DANCU_SRCDIR, inputs_of[0], tmp),
                         0);
        err = dc_test_read_file(p, NULL);
        ck_assert_msg(strstr(err, "is in memory (tmpfs)") != NULL, "%s", err);
        free(err);
    }
    dc_test_run("rm -rf '%s'", tmp);
    free(tmp);
}
END_TEST

/* A load into a master combines its rows in memory: --out-of-core always
 * is refused before any work. */
START_TEST(test_master_refused)
{
    char *tmp = dc_test_tmpdir("ooc-master");
    int st = dc_test_run("'%s' run -q --master '%s/m' --out-of-core always -o '%s/out' '%s/%s' 2>'%s/err'", DANCU_BIN,
                         tmp, tmp, DANCU_SRCDIR, inputs_of[0], tmp);
    ck_assert_int_eq(st, 1);
    char p[4096];
    snprintf(p, sizeof p, "%s/err", tmp);
    char *err = dc_test_read_file(p, NULL);
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strstr(err, "--out-of-core always: not available with --master") != NULL, "%s", err);
    free(err);
    snprintf(p, sizeof p, "%s/out", tmp);
    struct stat sb;
    ck_assert_msg(stat(p, &sb) != 0, "an output folder was left behind");
    dc_test_run("rm -rf '%s'", tmp);
    free(tmp);
}
END_TEST

/* The private folder while the run is alive (it waits on its standard
 * input, a pipe held open here): mode 0700, records file 0600; then
 * SIGTERM (_i = 0) or SIGINT (_i = 1) removes both; after SIGKILL (_i = 2)
 * the next run removes them. */
START_TEST(test_private_and_signals)
{
    char *tmp = dc_test_tmpdir("ooc-sig");
    char tdir[4096], out[4096];
    snprintf(tdir, sizeof tdir, "%s/t", tmp);
    snprintf(out, sizeof out, "%s/out", tmp);
    ck_assert_int_eq(mkdir(tdir, 0755), 0);
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fds[0], 0);
        close(fds[0]);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) dup2(null, 2);   /* "interrupted": expected */
        close(fds[1]);
        execl(DANCU_BIN, "dancu", "run", "-q", "--out-of-core", "always", "--tmp-dir", tdir, "-o", out, "-",
              (char *)NULL);
        _exit(127);
    }
    close(fds[0]);
    /* the folder appears before the load starts reading */
    char sub[8192] = "";
    for (int k = 0; k < 30000 && !sub[0]; k++) {   /* up to 30 s on a loaded machine */
        DIR *d = opendir(tdir);
        struct dirent *e;
        while (d && (e = readdir(d)))
            if (!strncmp(e->d_name, "dancu-", 6)) snprintf(sub, sizeof sub, "%s/%s", tdir, e->d_name);
        if (d) closedir(d);
        if (!sub[0]) usleep(1000);
    }
    ck_assert_msg(sub[0], "no temporary folder appeared");
    struct stat sb;
    ck_assert_int_eq(stat(sub, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0700);
    char rec[8300];
    snprintf(rec, sizeof rec, "%s/records.bin", sub);
    for (int k = 0; k < 30000 && stat(rec, &sb) != 0; k++) usleep(1000);   /* created right after the folder */
    ck_assert_int_eq(stat(rec, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0600);
    static const char head[] = "record_id,ho_ten,ngay_sinh\n1,Nguyen Van A,1980-01-02\n";
    ck_assert_int_eq(write(fds[1], head, sizeof head - 1), (ssize_t)(sizeof head - 1));
    static const int sigs[] = {SIGTERM, SIGINT, SIGKILL};
    ck_assert_int_eq(kill(pid, sigs[_i]), 0);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    close(fds[1]);
    if (sigs[_i] == SIGKILL) {
        /* no handler runs: the folder stays, and the next out-of-core run
         * with that --tmp-dir removes it (its process is gone); a folder
         * of a live process is left alone */
        ck_assert(WIFSIGNALED(status));
        ck_assert_int_eq(dc_test_count_entries(tdir), 1);
        char live[8300];
        snprintf(live, sizeof live, "%s/dancu-%ld-abcdef", tdir, (long)getpid());
        ck_assert_int_eq(mkdir(live, 0700), 0);
        ck_assert_int_eq(dc_test_run("'%s' run -v --out-of-core always --tmp-dir '%s' -o '%s/out2' '%s/%s' 2>'%s/log'",
                                     DANCU_BIN, tdir, tmp, DANCU_SRCDIR, inputs_of[0], tmp),
                         0);
        char p[4096];
        snprintf(p, sizeof p, "%s/log", tmp);
        char *log = dc_test_read_file(p, NULL);
        ck_assert_ptr_nonnull(log);
        ck_assert_msg(strstr(log, "left by a killed run") != NULL, "%s", log);
        free(log);
        ck_assert_int_eq(stat(sub, &sb), -1);
        ck_assert_int_eq(dc_test_count_entries(tdir), 1);
        ck_assert_int_eq(rmdir(live), 0);
    } else {
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    }
    ck_assert_int_eq(dc_test_count_entries(tdir), 0);
    dc_test_run("rm -rf '%s'", tmp);
    free(tmp);
}
END_TEST

static Suite *ooc_suite(void)
{
    Suite *s = suite_create("ooc");
    TCase *tc = dc_test_tcase("ooc");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_same_outputs, 0, 4);
    tcase_add_test(tc, test_auto);
    tcase_add_test(tc, test_disk_checked);
    tcase_add_test(tc, test_master_refused);
    tcase_add_loop_test(tc, test_private_and_signals, 0, 3);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return dc_test_main(ooc_suite(), "ooc"); }
