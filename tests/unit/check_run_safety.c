/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_run_safety.c - outputs of a run appear all together or not at all:
 * commit, abort, SIGKILL and SIGTERM while writing and while committing,
 * stale markers and staging folders, file modes. */
#include "dc_test.h"
#include "merge/dc_merge.h"

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const cols[] = {"a", "b"};

/* Names in `dir`, sorted, joined by spaces; hidden names only if `hidden`. */
static void list_dir(const char *dir, int hidden, char *out, size_t cap)
{
    char names[64][256];
    int n = 0;
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (e->d_name[0] == '.' && !hidden) continue;
        snprintf(names[n++], sizeof names[0], "%s", e->d_name);
    }
    closedir(d);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (strcmp(names[i], names[j]) > 0) {
                char t[256];
                memcpy(t, names[i], sizeof t);
                memcpy(names[i], names[j], sizeof t);
                memcpy(names[j], t, sizeof t);
            }
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (i) strncat(out, " ", cap - strlen(out) - 1);
        strncat(out, names[i], cap - strlen(out) - 1);
    }
}

static void init_run(dc_run_t *run, const char *outdir)
{
    memset(run, 0, sizeof *run);
    run->opts.outdir = outdir;
    run->opts.nthreads = 1;
}

/* Open two tables and a file and write `rows` rows into each table. */
static void write_outputs(dc_run_t *run, long rows)
{
    dc_table_t *t1 = dc_output_table(run, "links", cols, 2);
    dc_table_t *t2 = dc_output_table(run, "citizens", cols, 2);
    ck_assert_ptr_nonnull(t1);
    ck_assert_ptr_nonnull(t2);
    for (long i = 0; i < rows; i++) {
        dc_table_i64(t1, i);
        dc_table_cstr(t1, "x");
        ck_assert_int_eq(dc_table_end_row(t1), 0);
        dc_table_i64(t2, i);
        dc_table_cstr(t2, "y");
        ck_assert_int_eq(dc_table_end_row(t2), 0);
    }
    dc_outfile_t *f = dc_output_file(run, "report.json");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(dc_outfile_write(f, "{}\n", 3), 0);
}

START_TEST(test_commit_all_at_once)
{
    char *dir = dc_test_tmpdir("safety-commit");
    char out[512], ls[1024];
    snprintf(out, sizeof out, "%s/out", dir);
    dc_run_t run;
    init_run(&run, out);
    ck_assert_int_eq(dc_output_begin(&run), 0);
    write_outputs(&run, 1000);
    /* nothing visible before the commit */
    list_dir(out, 0, ls, sizeof ls);
    ck_assert_str_eq(ls, "");
    ck_assert_ptr_nonnull(dc_output_dir(&run));
    ck_assert_int_eq(dc_output_commit(&run), 0);
    list_dir(out, 1, ls, sizeof ls);
    ck_assert_str_eq(ls, "_SUCCESS citizens.csv links.csv report.json");
    static const char *const files[] = {"_SUCCESS", "citizens.csv", "links.csv", "report.json"};
    for (size_t i = 0; i < DC_ARRAY_LEN(files); i++) {
        char p[600];
        snprintf(p, sizeof p, "%s/%s", out, files[i]);
        struct stat st;
        ck_assert_int_eq(stat(p, &st), 0);
        ck_assert_uint_eq(st.st_mode & 0777, 0600);
    }
    char p[600];
    snprintf(p, sizeof p, "%s/_SUCCESS", out);
    char *m = dc_test_read_file(p, NULL);
    ck_assert_str_eq(m, "dancu " DC_VERSION "\ncitizens.csv\nlinks.csv\nreport.json\n");
    free(m);
    snprintf(p, sizeof p, "%s/links.csv", out);
    size_t len;
    char *t = dc_test_read_file(p, &len);
    ck_assert(!strncmp(t, "a,b\n0,x\n1,x\n", 12));
    free(t);
    ck_assert_ptr_null(dc_output_dir(&run));
    dc_merge_free(&run);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

START_TEST(test_abort_leaves_nothing)
{
    char *dir = dc_test_tmpdir("safety-abort");
    char out[512], ls[1024];
    snprintf(out, sizeof out, "%s/out", dir);
    dc_run_t run;
    init_run(&run, out);
    ck_assert_int_eq(dc_output_begin(&run), 0);
    write_outputs(&run, 100);
    dc_output_abort(&run);
    list_dir(out, 1, ls, sizeof ls);
    ck_assert_str_eq(ls, "");
    /* dc_merge_free aborts pending outputs too */
    ck_assert_int_eq(dc_output_begin(&run), 0);
    write_outputs(&run, 10);
    dc_merge_free(&run);
    list_dir(out, 1, ls, sizeof ls);
    ck_assert_str_eq(ls, "");
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

START_TEST(test_errors)
{
    char *dir = dc_test_tmpdir("safety-errors");
    char out[512];
    snprintf(out, sizeof out, "%s/out", dir);
    dc_run_t run;
    init_run(&run, out);
    /* tables before begin */
    ck_assert_ptr_null(dc_output_table(&run, "links", cols, 2));
    ck_assert_int_eq(dc_output_commit(&run), -1);
    ck_assert_int_eq(dc_output_begin(&run), 0);
    ck_assert_int_eq(dc_output_begin(&run), -1);
    ck_assert_ptr_nonnull(dc_output_table(&run, "links", cols, 2));
    ck_assert_ptr_null(dc_output_table(&run, "links", cols, 2));
    ck_assert_ptr_nonnull(strstr(dc_geterr(), "opened twice"));
    /* a row with a wrong cell count fails the row, naming the file only */
    dc_table_t *t = dc_output_table(&run, "citizens", cols, 2);
    dc_table_cstr(t, "only one cell");
    ck_assert_int_eq(dc_table_end_row(t), -1);
    ck_assert_ptr_nonnull(strstr(dc_geterr(), "citizens.csv"));
    ck_assert_ptr_null(strstr(dc_geterr(), "only one cell"));
    dc_merge_free(&run);
    /* a file where the folder should be */
    char f[600];
    snprintf(f, sizeof f, "%s/file", dir);
    ck_assert_int_eq(dc_test_write_file(f, "x", 1), 0);
    init_run(&run, f);
    ck_assert_int_eq(dc_output_begin(&run), -1);
    ck_assert_ptr_nonnull(strstr(dc_geterr(), "not a directory"));
    dc_merge_free(&run);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

START_TEST(test_stale_marker_and_staging)
{
    char *dir = dc_test_tmpdir("safety-stale");
    char out[512], p[600], ls[1024];
    snprintf(out, sizeof out, "%s/out", dir);
    ck_assert_int_eq(mkdir(out, 0700), 0);
    /* an earlier complete run and the leftovers of a killed one */
    snprintf(p, sizeof p, "%s/_SUCCESS", out);
    ck_assert_int_eq(dc_test_write_file(p, "old\n", 4), 0);
    snprintf(p, sizeof p, "%s/citizens.csv", out);
    ck_assert_int_eq(dc_test_write_file(p, "old\n", 4), 0);
    snprintf(p, sizeof p, "%s/.dancu-run.999999", out);
    ck_assert_int_eq(mkdir(p, 0700), 0);
    snprintf(p, sizeof p, "%s/.dancu-run.999999/links.csv", out);
    ck_assert_int_eq(dc_test_write_file(p, "half", 4), 0);
    dc_run_t run;
    init_run(&run, out);
    run.opts.force = 1;
    ck_assert_int_eq(dc_output_begin(&run), 0);
    /* the marker no longer vouches for the old files, the stale folder is gone */
    list_dir(out, 0, ls, sizeof ls);
    ck_assert_str_eq(ls, "citizens.csv");
    snprintf(p, sizeof p, "%s/.dancu-run.999999", out);
    struct stat st;
    ck_assert_int_ne(stat(p, &st), 0);
    write_outputs(&run, 5);
    ck_assert_int_eq(dc_output_commit(&run), 0);
    snprintf(p, sizeof p, "%s/citizens.csv", out);
    char *t = dc_test_read_file(p, NULL);
    ck_assert_str_eq(t, "a,b\n0,y\n1,y\n2,y\n3,y\n4,y\n");
    free(t);
    list_dir(out, 1, ls, sizeof ls);
    ck_assert_str_eq(ls, "_SUCCESS citizens.csv links.csv report.json");
    dc_merge_free(&run);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

/* ------------------------------------------------------- killed runs */

static void on_term(int sig)
{
    (void)sig;
    dc_outfile_abort_all();
    dc_output_abort_all();
    _exit(1);
}

/* Fork a writer; it reports on `ready` when it reaches phase 1 (all rows
 * written, not committed) or phase 2 (inside the commit, before renames),
 * then the parent kills it with `sig`. Returns the final listing. */
static void killed_writer(const char *out, int phase, int sig, char *ls, size_t cap)
{
    int pfd[2];
    ck_assert_int_eq(pipe(pfd), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(pfd[0]);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_term;
        sigaction(SIGTERM, &sa, NULL);
        if (phase == 2) setenv("DANCU_TEST_COMMIT_DELAY", "20000", 1);
        dc_run_t run;
        init_run(&run, out);
        if (dc_output_begin(&run) != 0) _exit(3);
        write_outputs(&run, 200000);
        if (write(pfd[1], "r", 1) != 1) _exit(4);
        if (phase == 1) pause();
        dc_output_commit(&run);   /* sleeps before renaming */
        _exit(0);
    }
    close(pfd[1]);
    char c;
    ck_assert_int_eq(read(pfd[0], &c, 1), 1);
    close(pfd[0]);
    if (phase == 2) {
        /* wait until every table is committed inside the staging folder */
        char stage[700], in[1024] = "";
        snprintf(stage, sizeof stage, "%s/.dancu-run.%ld", out, (long)pid);
        for (int i = 0; i < 3000 && strcmp(in, "citizens.csv links.csv report.json"); i++) {
            usleep(10 * 1000);
            list_dir(stage, 1, in, sizeof in);
        }
        ck_assert_str_eq(in, "citizens.csv links.csv report.json");
    }
    kill(pid, sig);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    if (sig == SIGKILL) ck_assert(WIFSIGNALED(st));
    else ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    list_dir(out, sig == SIGTERM, ls, cap);
}

START_TEST(test_kill_while_writing)
{
    char *dir = dc_test_tmpdir("safety-kill1");
    char out[512], ls[1024];
    snprintf(out, sizeof out, "%s/out", dir);
    killed_writer(out, 1, SIGKILL, ls, sizeof ls);
    ck_assert_str_eq(ls, "");   /* no visible file, only the hidden staging folder */
    dc_test_run("rm -rf '%s'", out);
    killed_writer(out, 1, SIGTERM, ls, sizeof ls);
    ck_assert_str_eq(ls, "");   /* nothing at all, hidden or not */
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

START_TEST(test_kill_while_committing)
{
    char *dir = dc_test_tmpdir("safety-kill2");
    char out[512], ls[1024], p[1600];
    snprintf(out, sizeof out, "%s/out", dir);
    killed_writer(out, 2, SIGKILL, ls, sizeof ls);
    ck_assert_str_eq(ls, "");
    /* the staged files were complete, yet none reached the final folder */
    char hidden[1024];
    list_dir(out, 1, hidden, sizeof hidden);
    ck_assert(!strncmp(hidden, ".dancu-run.", 11));
    snprintf(p, sizeof p, "%s/%s", out, hidden);
    list_dir(p, 1, ls, sizeof ls);
    ck_assert_str_eq(ls, "citizens.csv links.csv report.json");
    dc_test_run("rm -rf '%s'", out);
    killed_writer(out, 2, SIGTERM, ls, sizeof ls);
    ck_assert_str_eq(ls, "");
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

/* Stages that write into run->opts.outdir themselves (and commit when they
 * like) are staged too. */
START_TEST(test_foreign_writers_are_staged)
{
    char *dir = dc_test_tmpdir("safety-foreign");
    char out[512], ls[1024];
    snprintf(out, sizeof out, "%s/out", dir);
    dc_run_t run;
    init_run(&run, out);
    ck_assert_int_eq(dc_output_begin(&run), 0);
    ck_assert_str_ne(run.opts.outdir, out);
    dc_table_t *t = dc_table_open(run.opts.outdir, "review", DC_FMT_CSV, 0, cols, 2);
    ck_assert_ptr_nonnull(t);
    dc_table_cstr(t, "1");
    dc_table_cstr(t, "2");
    ck_assert_int_eq(dc_table_end_row(t), 0);
    ck_assert_int_eq(dc_table_commit(t), 0);
    list_dir(out, 0, ls, sizeof ls);
    ck_assert_str_eq(ls, "");
    ck_assert_int_eq(dc_output_commit(&run), 0);
    ck_assert_str_eq(run.opts.outdir, out);
    list_dir(out, 1, ls, sizeof ls);
    ck_assert_str_eq(ls, "_SUCCESS review.csv");

    /* an output some stage left unfinished fails the whole commit */
    dc_test_run("rm -rf '%s'/*", out);
    ck_assert_int_eq(dc_output_begin(&run), 0);
    write_outputs(&run, 3);
    dc_table_t *open_t = dc_table_open(run.opts.outdir, "links2", DC_FMT_CSV, 0, cols, 2);
    ck_assert_ptr_nonnull(open_t);
    ck_assert_int_eq(dc_output_commit(&run), -1);
    ck_assert_ptr_nonnull(strstr(dc_geterr(), "unfinished"));
    dc_table_abort(open_t);
    list_dir(out, 1, ls, sizeof ls);
    ck_assert_str_eq(ls, "");
    dc_merge_free(&run);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

static Suite *safety_suite(void)
{
    Suite *s = suite_create("run_safety");
    TCase *tc = tcase_create("outputs");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_commit_all_at_once);
    tcase_add_test(tc, test_abort_leaves_nothing);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_stale_marker_and_staging);
    tcase_add_test(tc, test_foreign_writers_are_staged);
    tcase_add_test(tc, test_kill_while_writing);
    tcase_add_test(tc, test_kill_while_committing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return dc_test_main(safety_suite(), "run_safety"); }
