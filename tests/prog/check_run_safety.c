/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_run_safety.c - outputs of a run appear all together or not at all:
 * commit, abort, SIGKILL and SIGTERM while writing and while committing,
 * stale markers and staging folders, file modes. */
#include "dc_test.h"
#include "merge/dc_merge.h"
#include "common/dc_json.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const cols[] = {"a", "b"};

/* Names in `dir`, sorted, joined by spaces; hidden names only if `hidden`. */
static void list_dir(const char *dir, int hidden, char *out, size_t cap)
{
    char names[64][256];
    int n = 0;
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot list %s", dir);
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
    /* the folder was created by the run: it is gone again */
    struct stat sb;
    ck_assert_int_ne(stat(out, &sb), 0);
    ck_assert_int_eq(mkdir(out, 0700), 0);
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

/* A symbolic link planted as OUT/.dancu-run.<n> (stale or at this run's
 * own name) is never followed by --force: the folder it points to keeps
 * every file; a foreign entry under this run's name fails the run. */
START_TEST(test_planted_symlink_not_followed)
{
    char *dir = dc_test_tmpdir("safety-symlink");
    char out[512], victim[512], p[700], l[700], ls[1024];
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(victim, sizeof victim, "%s/victim", dir);
    ck_assert_int_eq(mkdir(out, 0700), 0);
    ck_assert_int_eq(mkdir(victim, 0700), 0);
    snprintf(p, sizeof p, "%s/precious.txt", victim);
    ck_assert_int_eq(dc_test_write_file(p, "keep\n", 5), 0);
    snprintf(p, sizeof p, "%s/citizens.csv", victim);
    ck_assert_int_eq(dc_test_write_file(p, "keep\n", 5), 0);
    /* a stale name, this run's own name, and a link inside a real stale folder */
    snprintf(l, sizeof l, "%s/.dancu-run.999999", out);
    ck_assert_int_eq(symlink(victim, l), 0);
    snprintf(l, sizeof l, "%s/.dancu-run.999998", out);
    ck_assert_int_eq(mkdir(l, 0700), 0);
    snprintf(l, sizeof l, "%s/.dancu-run.999998/precious.txt", out);
    snprintf(p, sizeof p, "%s/precious.txt", victim);
    ck_assert_int_eq(symlink(p, l), 0);
    dc_run_t run;
    init_run(&run, out);
    run.opts.force = 1;
    ck_assert_int_eq(dc_output_begin(&run), 0);
    write_outputs(&run, 3);
    ck_assert_int_eq(dc_output_commit(&run), 0);
    dc_output_abort(&run);
    list_dir(victim, 1, ls, sizeof ls);
    ck_assert_str_eq(ls, "citizens.csv precious.txt");
    char *t = dc_test_read_file(p, NULL);
    ck_assert_str_eq(t, "keep\n");
    free(t);
    /* the planted link itself is left (not ours); the real stale folder
     * lost its link entry only (unlinkat never follows) or kept it */
    list_dir(out, 1, ls, sizeof ls);
    ck_assert_ptr_nonnull(strstr(ls, ".dancu-run.999999"));
    ck_assert_ptr_nonnull(strstr(ls, "_SUCCESS citizens.csv links.csv report.json"));
    /* a link at this run's own staging name: refused, nothing followed */
    dc_test_run("rm -rf '%s'/* '%s'/.dancu-run.*", out, out);
    snprintf(l, sizeof l, "%s/.dancu-run.%ld", out, (long)getpid());
    ck_assert_int_eq(symlink(victim, l), 0);
    ck_assert_int_eq(dc_output_begin(&run), -1);
    ck_assert_ptr_nonnull(strstr(dc_geterr(), "not a staging folder"));
    list_dir(victim, 1, ls, sizeof ls);
    ck_assert_str_eq(ls, "citizens.csv precious.txt");
    dc_merge_free(&run);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

/* One writer per output folder: a second dc_output_begin on the same
 * folder (even with --force) is refused while the first holds it. */
START_TEST(test_second_writer_refused)
{
    char *dir = dc_test_tmpdir("safety-lock");
    char out[512], ls[1024];
    snprintf(out, sizeof out, "%s/out", dir);
    dc_run_t a, b;
    init_run(&a, out);
    ck_assert_int_eq(dc_output_begin(&a), 0);
    write_outputs(&a, 3);
    /* a second open file description: flock excludes it, same process or not */
    init_run(&b, out);
    b.opts.force = 1;
    ck_assert_int_eq(dc_output_begin(&b), -1);
    ck_assert_ptr_nonnull(strstr(dc_geterr(), "in use by another dancu run"));
    ck_assert_int_eq(dc_output_commit(&a), 0);
    list_dir(out, 1, ls, sizeof ls);
    ck_assert_str_eq(ls, "_SUCCESS citizens.csv links.csv report.json");
    /* released by the commit */
    ck_assert_int_eq(dc_output_begin(&b), 0);
    dc_merge_free(&b);
    dc_merge_free(&a);
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
 * written, not committed), phase 2 (inside the commit, before renames),
 * phase 3 (inside the commit, _SUCCESS just written) or phase 4 (commit
 * over, before exiting), then the parent kills it with `sig`. Returns the
 * final listing. */
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
        if (phase == 3) setenv("DANCU_TEST_MARKER_DELAY", "20000", 1);
        dc_run_t run;
        init_run(&run, out);
        if (dc_output_begin(&run) != 0) _exit(3);
        write_outputs(&run, 200000);
        if (write(pfd[1], "r", 1) != 1) _exit(4);
        if (phase == 1) pause();
        dc_output_commit(&run);   /* phases 2, 3: sleeps inside */
        if (phase == 4) {
            if (write(pfd[1], "c", 1) != 1) _exit(4);
            pause();
        }
        _exit(0);
    }
    close(pfd[1]);
    char c;
    ck_assert_int_eq(read(pfd[0], &c, 1), 1);
    if (phase == 2) {
        /* wait until every table and the marker are committed inside the
         * staging folder */
        char stage[700], in[1024] = "";
        snprintf(stage, sizeof stage, "%s/.dancu-run.%ld", out, (long)pid);
        for (int i = 0; i < 3000 && strcmp(in, "_SUCCESS citizens.csv links.csv report.json"); i++) {
            usleep(10 * 1000);
            list_dir(stage, 1, in, sizeof in);
        }
        ck_assert_str_eq(in, "_SUCCESS citizens.csv links.csv report.json");
    }
    if (phase == 3) {   /* wait for the marker */
        char fin[1024] = "";
        for (int i = 0; i < 3000 && !strstr(fin, "_SUCCESS"); i++) {
            usleep(10 * 1000);
            list_dir(out, 0, fin, sizeof fin);
        }
        ck_assert_str_eq(fin, "_SUCCESS citizens.csv links.csv report.json");
    }
    if (phase == 4) ck_assert_int_eq(read(pfd[0], &c, 1), 1);
    close(pfd[0]);
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
    ck_assert_str_eq(ls, "_SUCCESS citizens.csv links.csv report.json");
    dc_test_run("rm -rf '%s'", out);
    killed_writer(out, 2, SIGTERM, ls, sizeof ls);
    ck_assert_str_eq(ls, "");
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

/* A signal after _SUCCESS was written but before the commit is over
 * removes the marker with the files (never a marker beside removed
 * files); once the commit is over, a signal leaves the complete outputs. */
START_TEST(test_kill_around_the_marker)
{
    char *dir = dc_test_tmpdir("safety-kill3");
    char out[512], ls[1024];
    snprintf(out, sizeof out, "%s/out", dir);
    killed_writer(out, 3, SIGTERM, ls, sizeof ls);
    ck_assert_str_eq(ls, "");
    dc_test_run("rm -rf '%s'", out);
    killed_writer(out, 4, SIGTERM, ls, sizeof ls);
    ck_assert_str_eq(ls, "_SUCCESS citizens.csv links.csv report.json");   /* hidden ones listed too */
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

/* ------------------------------------------------- `dancu run` end to end */

/* Sorted paths of dir's files into argv (from index `at`); returns the end. */
static int add_files(char **argv, int at, int max, const char *dir)
{
    char names[256][256];
    int n = 0;
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    while ((e = readdir(d)) && n < 256)
        if (e->d_name[0] != '.') snprintf(names[n++], sizeof names[0], "%s", e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    for (int i = 0; i < n && at < max - 1; i++) {
        size_t l = strlen(dir) + strlen(names[i]) + 2;
        argv[at] = malloc(l);
        snprintf(argv[at], l, "%s/%s", dir, names[i]);
        at++;
    }
    argv[at] = NULL;
    return at;
}

/* Start `dancu run -q -t 2 -o out FILES...` in the background, with the
 * environment variable `var` set to `val` (a test hook) when not NULL. */
static pid_t start_run_env(const char *out, const char *inputs, const char *var, const char *val)
{
    char *argv[300] = {DANCU_BIN, "run", "-q", "-t", "2", "-o", (char *)out};
    int n = add_files(argv, 7, 300, inputs);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (var && val) setenv(var, val, 1);
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) { dup2(fd, 1); dup2(fd, 2); }
        execv(DANCU_BIN, argv);
        _exit(127);
    }
    for (int i = 7; i < n; i++) free(argv[i]);
    return pid;
}

/* The same with the commit delayed by `delay_ms` (NULL: not delayed). */
static pid_t start_run(const char *out, const char *inputs, const char *delay_ms)
{
    return start_run_env(out, inputs, "DANCU_TEST_COMMIT_DELAY", delay_ms);
}

static char *g_gen, *g_gen_dir;   /* a generated input set for the kill tests */

static void gen_cleanup(void)
{
    if (g_gen_dir) dc_test_run("rm -rf '%s'", g_gen_dir);
    free(g_gen_dir);
    free(g_gen);
    g_gen = g_gen_dir = NULL;
}

static const char *gen_inputs(void)
{
    if (g_gen) return g_gen;
    char *dir = dc_test_tmpdir("safety-gen");
    ck_assert_int_eq(dc_test_run("'%s' gen -q -n 30000 --seed 5 -t 2 -f -o '%s' >/dev/null 2>&1", DANCU_BIN, dir), 0);
    size_t l = strlen(dir) + 16;
    g_gen = malloc(l);
    snprintf(g_gen, l, "%s/exports", dir);
    g_gen_dir = dir;
    return g_gen;
}

START_TEST(test_run_killed_midway)
{
    const char *in = gen_inputs();
    char *dir = dc_test_tmpdir("safety-run-kill");
    char out[512], ls[1024];
    snprintf(out, sizeof out, "%s/out", dir);
    static const int sigs[] = {SIGTERM, SIGKILL, SIGINT};
    static const int after_ms[] = {150, 400, 900};
    for (size_t k = 0; k < DC_ARRAY_LEN(sigs); k++) {
        for (size_t a = 0; a < DC_ARRAY_LEN(after_ms); a++) {
            dc_test_run("rm -rf '%s'", out);
            pid_t pid = start_run(out, in, NULL);
            usleep((useconds_t)after_ms[a] * 1000u);
            kill(pid, sigs[k]);
            int st;
            ck_assert_int_eq(waitpid(pid, &st, 0), pid);
            struct stat sb;
            if (stat(out, &sb) != 0) continue;   /* killed before creating it */
            list_dir(out, 0, ls, sizeof ls);
            if ((WIFEXITED(st) && WEXITSTATUS(st) == 0) || strstr(ls, "_SUCCESS")) {
                /* the run was faster than the signal, or the signal came
                 * after the commit: then it is complete */
                ck_assert_ptr_nonnull(strstr(ls, "_SUCCESS"));
                ck_assert_ptr_nonnull(strstr(ls, "citizens.csv"));
                ck_assert_ptr_nonnull(strstr(ls, "links.csv"));
                ck_assert_ptr_nonnull(strstr(ls, "report.json"));
                char all[1024];
                list_dir(out, 1, all, sizeof all);
                ck_assert_msg(!strcmp(all, ls), "signal %d after a commit left hidden files: %s", sigs[k], all);
                continue;
            }
            ck_assert_msg(!strcmp(ls, ""), "signal %d after %d ms left: %s", sigs[k], after_ms[a], ls);
            if (sigs[k] == SIGKILL) ck_assert(WIFSIGNALED(st));
            if (sigs[k] != SIGKILL) {
                ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
                list_dir(out, 1, ls, sizeof ls);
                ck_assert_msg(!strcmp(ls, ""), "signal %d left hidden files: %s", sigs[k], ls);
            }
        }
    }
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
    gen_cleanup();
}
END_TEST

/* Killed while every output is complete in the staging folder, just
 * before the renames: still nothing visible. */
START_TEST(test_run_killed_at_commit)
{
    const char *in = gen_inputs();
    char *dir = dc_test_tmpdir("safety-run-commit");
    char out[512], ls[1024];
    snprintf(out, sizeof out, "%s/out", dir);
    static const int sigs[] = {SIGKILL, SIGTERM};
    for (size_t k = 0; k < DC_ARRAY_LEN(sigs); k++) {
        dc_test_run("rm -rf '%s'", out);
        pid_t pid = start_run(out, in, "60000");
        char stage[700];
        snprintf(stage, sizeof stage, "%s/.dancu-run.%ld", out, (long)pid);
        int ready = 0;
        for (int i = 0; i < 6000 && !ready; i++) {
            usleep(10 * 1000);
            struct stat sb;
            char p[800];
            snprintf(p, sizeof p, "%s/review.html", stage);   /* the last output committed */
            ready = stat(p, &sb) == 0;
        }
        ck_assert_msg(ready, "the run never staged its report");
        list_dir(stage, 0, ls, sizeof ls);   /* visible names: the marker may be a temporary */
        const char *staged = ls;
        if (!strncmp(staged, "_SUCCESS ", 9)) staged += 9;   /* the marker is staged first */
        ck_assert_str_eq(staged, "citizens.csv links.csv model.json rejects.csv report.html report.json review.csv review.html");
        kill(pid, sigs[k]);
        int st;
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        list_dir(out, sigs[k] != SIGKILL, ls, sizeof ls);
        ck_assert_msg(!strcmp(ls, ""), "signal %d at commit left: %s", sigs[k], ls);
    }
    /* the leftovers of SIGKILL do not block a --force run, which cleans them */
    dc_test_run("rm -rf '%s'", out);
    pid_t pid = start_run(out, in, "60000");
    for (int i = 0; i < 6000; i++) {
        char p[800];
        struct stat sb;
        snprintf(p, sizeof p, "%s/.dancu-run.%ld/report.json", out, (long)pid);
        if (stat(p, &sb) == 0) break;
        usleep(10 * 1000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' run -q -t 2 -o '%s' data-samples/tiny-40/exports/* 2>/dev/null",
                                 DANCU_SRCDIR, DANCU_BIN, out), 1);
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' run -q -t 2 --force -o '%s' data-samples/tiny-40/exports/*",
                                 DANCU_SRCDIR, DANCU_BIN, out), 0);
    list_dir(out, 1, ls, sizeof ls);
    ck_assert_str_eq(ls, "_SUCCESS citizens.csv links.csv model.json rejects.csv report.html report.json review.csv review.html");
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
    gen_cleanup();
}
END_TEST

/* `dancu run --force` with a symbolic link planted as OUT/.dancu-run.N:
 * the folder it points to is left untouched. */
START_TEST(test_run_force_planted_symlink)
{
    char *dir = dc_test_tmpdir("safety-run-symlink");
    char out[512], victim[512], p[700], ls[1024];
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(victim, sizeof victim, "%s/victim", dir);
    ck_assert_int_eq(mkdir(out, 0700), 0);
    ck_assert_int_eq(mkdir(victim, 0700), 0);
    snprintf(p, sizeof p, "%s/precious.txt", victim);
    ck_assert_int_eq(dc_test_write_file(p, "keep\n", 5), 0);
    snprintf(p, sizeof p, "%s/.dancu-run.1", out);
    ck_assert_int_eq(symlink(victim, p), 0);
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' run -q -t 2 --force -o '%s' data-samples/tiny-40/exports/*",
                                 DANCU_SRCDIR, DANCU_BIN, out), 0);
    list_dir(victim, 1, ls, sizeof ls);
    ck_assert_str_eq(ls, "precious.txt");
    list_dir(out, 0, ls, sizeof ls);
    ck_assert_str_eq(ls, "_SUCCESS citizens.csv links.csv model.json rejects.csv report.html report.json review.csv review.html");
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

/* Two runs on one folder: the second, even with --force, is refused with a
 * clear message (exit 1) and the first one's staging folder is intact. */
START_TEST(test_run_concurrent_force)
{
    char *dir = dc_test_tmpdir("safety-run-lock");
    char out[512], p[800], ls[1024];
    snprintf(out, sizeof out, "%s/out", dir);
    pid_t pid = start_run(out, DANCU_SRCDIR "/data-samples/tiny-40/exports", "60000");
    char stage[700];
    snprintf(stage, sizeof stage, "%s/.dancu-run.%ld", out, (long)pid);
    int ready = 0;
    for (int i = 0; i < 6000 && !ready; i++) {
        struct stat sb;
        snprintf(p, sizeof p, "%s/report.json", stage);
        ready = stat(p, &sb) == 0;
        if (!ready) usleep(10 * 1000);
    }
    ck_assert_msg(ready, "the first run never staged its report");
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' run -q -t 2 --force -o '%s' data-samples/tiny-40/exports/* 2>'%s/err'",
                                 DANCU_SRCDIR, DANCU_BIN, out, dir), 1);
    snprintf(p, sizeof p, "%s/err", dir);
    char *err = dc_test_read_file(p, NULL);
    ck_assert_msg(strstr(err, "in use by another dancu run") != NULL, "%s", err);
    free(err);
    snprintf(p, sizeof p, "%s/report.json", stage);
    struct stat sb;
    ck_assert_int_eq(stat(p, &sb), 0);
    kill(pid, SIGTERM);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    list_dir(out, 1, ls, sizeof ls);
    ck_assert_str_eq(ls, "");
    /* the lock ends with the process */
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' run -q -t 2 --force -o '%s' data-samples/tiny-40/exports/*",
                                 DANCU_SRCDIR, DANCU_BIN, out), 0);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

/* Spreadsheet formulas (OWASP CSV injection): a record_id and a file name
 * that would run as formulas reach the CSV outputs with a leading single
 * quote; JSON Lines and --csv-formulas raw keep them as they are. */
START_TEST(test_run_formula_cells)
{
    char *dir = dc_test_tmpdir("safety-formula");
    char in[600], p[700];
    snprintf(in, sizeof in, "%s/in", dir);
    ck_assert_int_eq(mkdir(in, 0700), 0);
    snprintf(p, sizeof p, "%s/+evil.csv", in);
    const char data[] = "record_id,ho_ten,ngay_sinh,so_dinh_danh\n"
                        "\"=HYPERLINK(\"\"http://evil.example/\"\",\"\"x\"\")\",Lê Văn Tám,01/02/1980,001080000001\n"
                        "@2,Lê Văn Tám,01/02/1980,001080000001\n"
                        "-3,Trần Thị Bưởi,03/04/1990,001190000002\n";
    ck_assert_int_eq(dc_test_write_file(p, data, sizeof data - 1), 0);
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' run -q -t 2 -o csv in", dir, DANCU_BIN), 0);
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' run -q -t 2 --format jsonl -o jsonl in", dir, DANCU_BIN), 0);
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' run -q -t 2 --csv-formulas raw -o raw in", dir, DANCU_BIN), 0);
    ck_assert_int_eq(dc_test_run("'%s' run -q --csv-formulas maybe -o '%s/bad' '%s' 2>/dev/null", DANCU_BIN, dir, in), 2);
    snprintf(p, sizeof p, "%s/csv/links.csv", dir);
    char *links = dc_test_read_file(p, NULL);
    ck_assert_ptr_nonnull(strstr(links, "'+evil.csv,\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"x\"\")\","));
    ck_assert_ptr_nonnull(strstr(links, "'+evil.csv,'@2,"));
    ck_assert_ptr_nonnull(strstr(links, "'+evil.csv,'-3,"));
    free(links);
    snprintf(p, sizeof p, "%s/csv/citizens.csv", dir);
    char *cit = dc_test_read_file(p, NULL);
    ck_assert_ptr_nonnull(strstr(cit, "'+evil.csv:"));
    ck_assert_ptr_null(strstr(cit, ",+evil.csv:"));
    ck_assert_ptr_null(strstr(cit, ",=HYPERLINK"));
    free(cit);
    snprintf(p, sizeof p, "%s/jsonl/links.jsonl", dir);
    char *jl = dc_test_read_file(p, NULL);
    ck_assert_ptr_nonnull(strstr(jl, "\"+evil.csv\""));
    ck_assert_ptr_nonnull(strstr(jl, "\"=HYPERLINK(\\\"http://evil.example/\\\",\\\"x\\\")\""));
    free(jl);
    snprintf(p, sizeof p, "%s/raw/links.csv", dir);
    char *raw = dc_test_read_file(p, NULL);
    ck_assert_ptr_nonnull(strstr(raw, "+evil.csv,\"=HYPERLINK(\"\"http://evil.example/\"\",\"\"x\"\")\","));
    ck_assert_ptr_null(strstr(raw, "'"));
    free(raw);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

/* Run dancu with argv (NULL-terminated, argv[0] ignored), stderr to
 * `errfile`, `env` ("NAME=value" or NULL) added; returns the exit status and
 * the child's peak RSS in *maxrss (bytes). */
static int run_measured(const char *const *args, const char *env, const char *errfile, size_t *maxrss)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (env) putenv((char *)env);
        int fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) dup2(fd, 2);
        int nul = open("/dev/null", O_WRONLY);
        if (nul >= 0) dup2(nul, 1);
        execv(DANCU_BIN, (char *const *)args);
        _exit(127);
    }
    int st;
    struct rusage ru;
    ck_assert_int_eq(wait4(pid, &st, 0, &ru), pid);
    *maxrss = (size_t)ru.ru_maxrss * 1024u;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* --memory-limit: a 150 MB line with a --max-field that lets it through
 * stops before the process passes the limit; limits are printed in
 * sensible units; without --memory-limit a default share of the memory
 * (here a fake 1 GiB machine) stops a zstd bomb with a clear message. */
START_TEST(test_run_memory_limits)
{
    char *dir = dc_test_tmpdir("safety-memory");
    char in[600], err[600], out[600];
    snprintf(in, sizeof in, "%s/long.csv", dir);
    snprintf(err, sizeof err, "%s/err", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    ck_assert_int_eq(dc_test_run("cd '%s' && { printf 'ho_ten,ngay_sinh\\nLê Văn An,01/01/1980\\n'; "
                                 "head -c 150000000 /dev/zero | tr '\\\\0' x; printf ',x\\n'; } > long.csv", dir), 0);
    size_t rss;
    const char *a1[] = {"dancu", "run", "-q", "-t", "2", "--memory-limit", "200M", "--max-field", "200M", "-o", out, in, NULL};
    ck_assert_int_eq(run_measured(a1, NULL, err, &rss), 1);
    char *e = dc_test_read_file(err, NULL);
    ck_assert_msg(strstr(e, "does not fit --memory-limit 200 MiB") != NULL, "%s", e);
    free(e);
    ck_assert_msg(DC_TEST_ASAN || rss <= ((size_t)200 << 20), "peak %zu MiB over the 200 MiB limit", rss >> 20);
    /* the default --max-field: the line is a record_too_long reject, the run succeeds in little memory */
    dc_test_run("rm -rf '%s'", out);
    const char *a2[] = {"dancu", "run", "-q", "-t", "2", "--memory-limit", "200M", "-o", out, in, NULL};
    ck_assert_int_eq(run_measured(a2, NULL, err, &rss), 0);
    ck_assert_msg(DC_TEST_ASAN || rss <= ((size_t)100 << 20), "peak %zu MiB", rss >> 20);
    ck_assert_int_eq(dc_test_run("grep -q '^long.csv,3,record_too_long,' '%s/rejects.csv'", out), 0);
    /* units */
    static const struct { const char *arg, *want; } units[] = {{"1", "memory limit 1 B"}, {"1K", "memory limit 1 KiB"},
                                                               {"1.5G", "1.5 GiB"}};
    for (size_t i = 0; i < DC_ARRAY_LEN(units); i++) {
        dc_test_run("rm -rf '%s'", out);
        const char *a3[] = {"dancu", "run", "-q", "--memory-limit", units[i].arg, "-o", out, in, NULL};
        int rc = run_measured(a3, NULL, err, &rss);
        e = dc_test_read_file(err, NULL);
        if (i < 2) {
            ck_assert_int_eq(rc, 1);
            ck_assert_msg(strstr(e, units[i].want) && !strstr(e, "0 MiB"), "%s", e);
        } else {
            ck_assert_int_eq(rc, 0);
        }
        free(e);
    }
    /* the default limit on a fake 1 GiB machine */
    char meminfo[600], env[700];
    snprintf(meminfo, sizeof meminfo, "%s/meminfo", dir);
    ck_assert_int_eq(dc_test_write_file(meminfo, "MemTotal:        1048576 kB\n", 28), 0);
    snprintf(env, sizeof env, "DANCU_TEST_MEMINFO=%s", meminfo);
    ck_assert_int_eq(dc_test_run("cd '%s' && { printf 'ho_ten,ngay_sinh\\n'; yes 'Lê Văn An,01/01/1980' | "
                                 "head -c 1000000000; } | zstd -q -1 -o bomb.csv.zst", dir), 0);
    dc_test_run("rm -rf '%s'", out);
    char bomb[600];
    snprintf(bomb, sizeof bomb, "%s/bomb.csv.zst", dir);
    const char *a4[] = {"dancu", "run", "-v", "-t", "2", "-o", out, bomb, NULL};
    ck_assert_int_eq(run_measured(a4, env, err, &rss), 1);
    e = dc_test_read_file(err, NULL);
    ck_assert_msg(strstr(e, "memory limit 819.2 MiB (80% of 1 GiB;") != NULL, "%s", e);
    ck_assert_msg(strstr(e, "memory limit exceeded while loading") && strstr(e, "the default"), "%s", e);
    free(e);
    ck_assert_msg(DC_TEST_ASAN || rss < ((size_t)1 << 30), "peak %zu MiB", rss >> 20);
    /* none: no limit */
    dc_test_run("rm -rf '%s'", out);
    ck_assert_int_eq(dc_test_run("cd '%s' && DANCU_TEST_MEMINFO='%s' '%s' run -v --memory-limit none -o '%s' "
                                 "data-samples/tiny-40/exports 2>'%s' && ! grep -q 'memory limit' '%s'",
                                 DANCU_SRCDIR, meminfo, DANCU_BIN, out, err, err), 0);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

/* SIGKILL in the middle of the commit's renames (after the first):
 * exactly what docs/OUTPUTS.md says a reader sees: the outputs already
 * renamed (here the first in name order), never _SUCCESS; the rest, with
 * the staged marker, in the hidden staging folder; a --force run then
 * replaces it all. */
START_TEST(test_run_killed_during_renames)
{
    char *dir = dc_test_tmpdir("safety-renames");
    char out[512], ls[1024], p[800];
    snprintf(out, sizeof out, "%s/out", dir);
    pid_t pid = start_run_env(out, DANCU_SRCDIR "/data-samples/tiny-40/exports", "DANCU_TEST_RENAME_DELAY", "60000");
    snprintf(p, sizeof p, "%s/citizens.csv", out);
    int ready = 0;
    for (int i = 0; i < 6000 && !ready; i++) {
        struct stat sb;
        ready = stat(p, &sb) == 0;
        if (!ready) usleep(10 * 1000);
    }
    ck_assert_msg(ready, "the run never renamed its first output");
    kill(pid, SIGKILL);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    list_dir(out, 0, ls, sizeof ls);
    ck_assert_str_eq(ls, "citizens.csv");
    snprintf(p, sizeof p, "%s/.dancu-run.%ld", out, (long)pid);
    list_dir(p, 0, ls, sizeof ls);
    ck_assert_str_eq(ls, "_SUCCESS links.csv model.json rejects.csv report.html report.json review.csv review.html");
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' run -q -t 2 --force -o '%s' data-samples/tiny-40/exports",
                                 DANCU_SRCDIR, DANCU_BIN, out), 0);
    list_dir(out, 1, ls, sizeof ls);
    ck_assert_str_eq(ls, "_SUCCESS citizens.csv links.csv model.json rejects.csv report.html report.json review.csv review.html");
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

START_TEST(test_run_refuses_nonempty)
{
    char *dir = dc_test_tmpdir("safety-nonempty");
    char out[512], p[700], ls[1024];
    snprintf(out, sizeof out, "%s/out", dir);
    ck_assert_int_eq(mkdir(out, 0700), 0);
    snprintf(p, sizeof p, "%s/notes.txt", out);
    ck_assert_int_eq(dc_test_write_file(p, "keep\n", 5), 0);
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' run -q -o '%s' data-samples/tiny-40/exports/* 2>'%s/err'",
                                 DANCU_SRCDIR, DANCU_BIN, out, dir), 1);
    snprintf(p, sizeof p, "%s/err", dir);
    char *err = dc_test_read_file(p, NULL);
    ck_assert_ptr_nonnull(strstr(err, "not empty"));
    free(err);
    list_dir(out, 1, ls, sizeof ls);
    ck_assert_str_eq(ls, "notes.txt");
    /* usage errors: status 2 */
    ck_assert_int_eq(dc_test_run("'%s' run -q data-samples/tiny-40/exports/* 2>/dev/null", DANCU_BIN), 2);
    ck_assert_int_eq(dc_test_run("'%s' run -q -o '%s' --bogus x 2>/dev/null", DANCU_BIN, out), 2);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

/* An input full of bad rows: every row is either linked or rejected, the
 * report says so, and a reject-rate limit fails the run with no output
 * and no personal data in the message. */
START_TEST(test_run_reconciliation_bad_rows)
{
    char *dir = dc_test_tmpdir("safety-recon");
    char in[600], out[600], p[700];
    snprintf(in, sizeof in, "%s/in", dir);
    ck_assert_int_eq(mkdir(in, 0700), 0);
    dc_buf_t b = DC_BUF_INIT;
    dc_buf_puts(&b, "record_id,ho_ten,ngay_sinh,gioi_tinh,so_dinh_danh,noi_thuong_tru\n");
    int good = 0, bad = 0;
    for (int i = 0; i < 400; i++) {
        switch (i % 5) {
        case 0: /* too many fields */
            dc_buf_printf(&b, "%d,Lưu Văn Tèo,01/02/1980,Nam,001080%06d,Hà Nội,extra\n", i, i);
            bad++;
            break;
        case 1: /* invalid UTF-8 */
            dc_buf_printf(&b, "%d,Lưu V\xC3(n Tèo,01/02/1980,Nam,001080%06d,Hà Nội\n", i, i);
            bad++;
            break;
        case 2: /* NUL byte */
            dc_buf_printf(&b, "%d,Lưu Văn T", i);
            dc_buf_putc(&b, '\0');
            dc_buf_printf(&b, "èo,01/02/1980,Nam,001080%06d,Hà Nội\n", i);
            bad++;
            break;
        default:
            dc_buf_printf(&b, "%d,Lưu Văn Tèo %c,0%d/02/1980,Nam,001080%06d,Hà Nội\n", i, 'A' + i % 7, 1 + i % 9, i % 50);
            good++;
        }
    }
    snprintf(p, sizeof p, "%s/bad.csv", in);
    ck_assert_int_eq(dc_test_write_file(p, b.p, b.len), 0);
    dc_buf_free(&b);

    snprintf(out, sizeof out, "%s/out", dir);
    ck_assert_int_eq(dc_test_run("'%s' run -q -t 2 -o '%s' '%s'", DANCU_BIN, out, p), 0);
    char rp[700];
    snprintf(rp, sizeof rp, "%s/report.json", out);
    size_t len;
    char *rep = dc_test_read_file(rp, &len);
    ck_assert_ptr_nonnull(rep);
    dc_arena_t a;
    dc_arena_init(&a, 1 << 16);
    dc_json_t *root = dc_json_parse(rep, len, &a);
    ck_assert_ptr_nonnull(root);
    const dc_json_t *rec = dc_json_get(root, "reconciliation");
    ck_assert_int_eq((int)dc_json_num(dc_json_get(rec, "input_rows"), -1), good + bad);
    ck_assert_int_eq((int)dc_json_num(dc_json_get(rec, "rejected_rows"), -1), bad);
    ck_assert_int_eq((int)dc_json_num(dc_json_get(rec, "linked_rows"), -1), good);
    ck_assert_int_eq((int)dc_json_num(dc_json_get(rec, "balanced"), -1), 1);
    int citizens = (int)dc_json_num(dc_json_get(rec, "citizens"), -1);
    ck_assert_int_eq((int)dc_json_num(dc_json_get(rec, "duplicates_removed"), -1), good - citizens);
    const dc_json_t *inputs = dc_json_get(root, "inputs");
    ck_assert_uint_eq(inputs->len, 1);
    const dc_json_t *rr = dc_json_get(inputs->child, "rejected_by_reason");
    ck_assert_int_eq((int)dc_json_num(dc_json_get(rr, "field_count"), 0) +
                     (int)dc_json_num(dc_json_get(rr, "bad_encoding"), 0) +
                     (int)dc_json_num(dc_json_get(rr, "nul_byte"), 0), bad);
    dc_arena_free(&a);
    free(rep);
    /* links.csv has one row per linked row, citizens.csv one per citizen */
    char lp[700];
    snprintf(lp, sizeof lp, "%s/links.csv", out);
    char *links = dc_test_read_file(lp, NULL);
    int nl = 0;
    for (const char *q = links; *q; q++) nl += *q == '\n';
    ck_assert_int_eq(nl, good + 1);
    free(links);
    snprintf(lp, sizeof lp, "%s/citizens.csv", out);
    char *cit = dc_test_read_file(lp, NULL);
    nl = 0;
    for (const char *q = cit; *q; q++) nl += *q == '\n';
    ck_assert_int_eq(nl, citizens + 1);
    free(cit);

    /* over the reject-rate limit: exit 1, nothing written, no data in the message */
    char out2[600], ls[1024];
    snprintf(out2, sizeof out2, "%s/out2", dir);
    ck_assert_int_eq(dc_test_run("'%s' run -q --max-reject-rate 0.1 -o '%s' '%s' 2>'%s/err'", DANCU_BIN, out2, p, dir), 1);
    struct stat sb;
    ck_assert_int_ne(stat(out2, &sb), 0);   /* created by the run, removed with its staging */
    ck_assert_int_eq(mkdir(out2, 0700), 0);  /* into an existing empty folder: left empty */
    ck_assert_int_eq(dc_test_run("'%s' run -q --max-reject-rate 0.1 -o '%s' '%s' 2>/dev/null", DANCU_BIN, out2, p), 1);
    list_dir(out2, 1, ls, sizeof ls);
    ck_assert_str_eq(ls, "");
    snprintf(lp, sizeof lp, "%s/err", dir);
    char *err = dc_test_read_file(lp, NULL);
    ck_assert_ptr_nonnull(strstr(err, "reject rate"));
    ck_assert_ptr_null(strstr(err, "Tèo"));
    ck_assert_ptr_null(strstr(err, "001080"));
    free(err);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

static Suite *safety_suite(void)
{
    Suite *s = suite_create("run_safety");
    TCase *tc = dc_test_tcase("outputs");
    tcase_add_test(tc, test_commit_all_at_once);
    tcase_add_test(tc, test_abort_leaves_nothing);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_stale_marker_and_staging);
    tcase_add_test(tc, test_planted_symlink_not_followed);
    tcase_add_test(tc, test_second_writer_refused);
    tcase_add_test(tc, test_foreign_writers_are_staged);
    tcase_add_test(tc, test_kill_while_writing);
    tcase_add_test(tc, test_kill_while_committing);
    tcase_add_test(tc, test_kill_around_the_marker);
    TCase *e2e = dc_test_tcase("dancu_run");
    tcase_add_test(e2e, test_run_refuses_nonempty);
    tcase_add_test(e2e, test_run_force_planted_symlink);
    tcase_add_test(e2e, test_run_concurrent_force);
    tcase_add_test(e2e, test_run_formula_cells);
    tcase_add_test(e2e, test_run_memory_limits);
    tcase_add_test(e2e, test_run_killed_during_renames);
    tcase_add_test(e2e, test_run_reconciliation_bad_rows);
    tcase_add_test(e2e, test_run_killed_midway);
    tcase_add_test(e2e, test_run_killed_at_commit);
    suite_add_tcase(s, e2e);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return dc_test_main(safety_suite(), "run_safety"); }
