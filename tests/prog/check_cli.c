/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_cli.c - command-line behaviour shared by the subcommands: a
 * directory given as input stands for its files, in name order. */
#include "dc_test.h"
#include "common/dc_common.h"
#include "common/dc_json.h"

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

/* Output of a command line: stdout into *out, stderr into *err; exit status. */
static int run_capture(char **out, char **err, const char *cmdline)
{
    char *dir = dc_test_tmpdir("cli-cap");
    int st = dc_test_run("%s > '%s/o' 2> '%s/e'", cmdline, dir, dir);
    char p[4096];
    snprintf(p, sizeof p, "%s/o", dir);
    *out = dc_test_read_file(p, NULL);
    snprintf(p, sizeof p, "%s/e", dir);
    *err = dc_test_read_file(p, NULL);
    if (!*out) *out = strdup("");
    if (!*err) *err = strdup("");
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
    return st;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

/* A usage error is one line and a hint on stderr, exit 2, in every
 * command; nothing on stdout. */
START_TEST(test_usage_errors_one_line)
{
    static const char *const cmds[] = {"run", "load", "normalize", "gen", "eval", "explain", "blocks"};
    static const char *const bad[] = {"--no-such-option", "--threads x", "--threads 2000", "-t"};
    for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++)
        for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
            char line[512], hint[128];
            if (!strcmp(cmds[c], "eval") && b >= 1) continue;   /* eval has no threads */
            snprintf(line, sizeof line, "%s %s %s x:1", DANCU_BIN, cmds[c], bad[b]);
            char *out, *err;
            int st = run_capture(&out, &err, line);
            ck_assert_msg(st == 2, "%s %s: exit %d", cmds[c], bad[b], st);
            ck_assert_msg(count_lines(err) == 2, "%s %s: %d lines: %s", cmds[c], bad[b], count_lines(err), err);
            snprintf(hint, sizeof hint, "Try 'dancu %s --help'.\n", cmds[c]);
            ck_assert_msg(strstr(err, hint) != NULL, "%s: no hint in %s", cmds[c], err);
            ck_assert_str_eq(out, "");
            free(out);
            free(err);
        }
    /* an unknown command, and no command */
    char *out, *err;
    char line[512];
    snprintf(line, sizeof line, "%s frobnicate", DANCU_BIN);
    ck_assert_int_eq(run_capture(&out, &err, line), 2);
    ck_assert_int_eq(count_lines(err), 2);
    ck_assert_ptr_nonnull(strstr(err, "Try 'dancu --help'."));
    free(out);
    free(err);
}
END_TEST

/* `dancu help COMMAND` is `dancu COMMAND --help`; the option table's
 * bounds and defaults are in it. */
START_TEST(test_help_command)
{
    static const char *const cmds[] = {"run", "load", "normalize", "gen", "eval", "explain", "blocks"};
    for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
        char a[512], b[512];
        snprintf(a, sizeof a, "%s help %s", DANCU_BIN, cmds[c]);
        snprintf(b, sizeof b, "%s %s --help", DANCU_BIN, cmds[c]);
        char *oa, *ea, *ob, *eb;
        ck_assert_int_eq(run_capture(&oa, &ea, a), 0);
        ck_assert_int_eq(run_capture(&ob, &eb, b), 0);
        ck_assert_str_eq(oa, ob);
        ck_assert_ptr_nonnull(strstr(oa, "Usage: dancu "));
        ck_assert_ptr_nonnull(strstr(oa, "-h, --help"));
        free(oa); free(ea); free(ob); free(eb);
    }
    char line[512], *out, *err;
    snprintf(line, sizeof line, "%s help run", DANCU_BIN);
    run_capture(&out, &err, line);
    ck_assert_ptr_nonnull(strstr(out, "--century-pivot YY"));
    ck_assert_ptr_nonnull(strstr(out, "(1..99)"));
    ck_assert_ptr_nonnull(strstr(out, "-f, --force"));
    free(out);
    free(err);
    snprintf(line, sizeof line, "%s help nosuch", DANCU_BIN);
    ck_assert_int_eq(run_capture(&out, &err, line), 2);
    free(out);
    free(err);
}
END_TEST

/* One option, one meaning: the same values are accepted and refused by
 * every command that takes the option (issue 16's list). */
START_TEST(test_same_option_same_bounds)
{
    char *dir = dc_test_tmpdir("cli-bounds");
    /* refused everywhere, with the same message */
    static const char *const cmds[] = {"run -o OUT", "normalize -o OUT/n.csv", "blocks"};
    static const char *const vals[] = {"--century-pivot 0", "--century-pivot 100", "--ref-year 1899",
                                       "--ref-year 10000", "--max-field 8", "--max-field 1G"};
    for (size_t v = 0; v < sizeof vals / sizeof vals[0]; v++) {
        char *first = NULL;
        for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
            char line[1024];
            snprintf(line, sizeof line, "cd '%s' && %s %s %s '%s'", dir, DANCU_BIN, cmds[c], vals[v], SAMPLE);
            char *out, *err;
            ck_assert_msg(run_capture(&out, &err, line) == 2, "%s %s accepted", cmds[c], vals[v]);
            char *msg = strchr(err, ':');   /* after "dancu CMD" */
            ck_assert_ptr_nonnull(msg);
            char *nl = strchr(msg, '\n');
            if (nl) *nl = 0;
            if (!first) first = strdup(msg);
            else ck_assert_str_eq(msg, first);
            free(out);
            free(err);
        }
        free(first);
    }
    /* accepted everywhere: sizes with suffixes, the extremes of the bounds */
    ck_assert_int_eq(dc_test_run("cd '%s' && %s load -q -f --max-field 64K --century-pivot 2>/dev/null -o l '%s'; [ $? = 2 ]",
                                 dir, DANCU_BIN, SAMPLE), 0);
    ck_assert_int_eq(dc_test_run("cd '%s' && %s load -q -f --max-field 64K -o l '%s'", dir, DANCU_BIN, SAMPLE), 0);
    ck_assert_int_eq(dc_test_run("cd '%s' && %s run -q -f --max-field 64K --century-pivot 99 --ref-year 9999 -o r "
                                 "'%s'", dir, DANCU_BIN, SAMPLE), 0);
    ck_assert_int_eq(dc_test_run("cd '%s' && %s normalize -q -f --max-field 64K --century-pivot 1 --ref-year 1900 "
                                 "-o n.csv '%s'", dir, DANCU_BIN, SAMPLE), 0);
    /* -f is --force and -t is --threads in every command that writes or works on threads */
    ck_assert_int_eq(dc_test_run("cd '%s' && %s run -q -f -t 1 -o r '%s'", dir, DANCU_BIN, SAMPLE), 0);
    ck_assert_int_eq(dc_test_run("cd '%s' && %s gen -q -f -t 1 -n 20 -o g", dir, DANCU_BIN), 0);
    ck_assert_int_eq(dc_test_run("cd '%s' && %s normalize -q -f -t 1 -o n.csv '%s'", dir, DANCU_BIN, SAMPLE), 0);
    /* -q everywhere */
    ck_assert_int_eq(dc_test_run("cd '%s' && %s gen -q -n 30 --dup-rate 0.5 -f -o g >/dev/null 2>&1 && "
                                 "%s run -q -f -o r2 g/exports && "
                                 "%s eval -q --truth g/truth.csv --links r2/links.csv > e.txt 2> e.err && "
                                 "[ ! -s e.err ] && [ -s e.txt ]",
                                 dir, DANCU_BIN, DANCU_BIN, DANCU_BIN), 0);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

/* "-" is standard input where a file is read, standard output where one
 * file is written. */
START_TEST(test_dash_is_stdio)
{
    char *dir = dc_test_tmpdir("cli-dash");
    ck_assert_int_eq(dc_test_run("cd '%s' && %s normalize -q -o n.csv '%s' && %s normalize -q -o - '%s' > s.csv && "
                                 "cmp -s n.csv s.csv", dir, DANCU_BIN, SAMPLE, DANCU_BIN, SAMPLE), 0);
    ck_assert_int_eq(dc_test_run("cd '%s' && %s gen -q -n 30 -f -o g >/dev/null 2>&1 && %s run -q -f -o r g/exports && "
                                 "%s eval --json --truth g/truth.csv --links r/links.csv > a.json && "
                                 "%s eval --json --truth - --links r/links.csv < g/truth.csv > b.json && cmp -s a.json b.json",
                                 dir, DANCU_BIN, DANCU_BIN, DANCU_BIN, DANCU_BIN), 0);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

/* dancu(1) and the bash completion come from the option table: every
 * option of every command is in both. */
START_TEST(test_man_and_completion)
{
    char line[512], *man, *err, *comp;
    snprintf(line, sizeof line, "%s --man", DANCU_BIN);
    ck_assert_int_eq(run_capture(&man, &err, line), 0);
    free(err);
    snprintf(line, sizeof line, "%s --completion bash", DANCU_BIN);
    ck_assert_int_eq(run_capture(&comp, &err, line), 0);
    free(err);
    ck_assert_ptr_nonnull(strstr(man, ".TH DANCU 1"));
    static const char *const opts[] = {"century\\-pivot", "max\\-field", "progress", "people", "html", "dry\\-run"};
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        ck_assert_msg(strstr(man, opts[i]) != NULL, "man page lacks %s", opts[i]);
    static const char *const copts[] = {"--century-pivot", "--max-field", "--progress", "--people", "--html",
                                        "--dry-run", "auto json none", "csv jsonl"};
    for (size_t i = 0; i < sizeof copts / sizeof copts[0]; i++)
        ck_assert_msg(strstr(comp, copts[i]) != NULL, "completion lacks %s", copts[i]);
    char *dir = dc_test_tmpdir("cli-man");
    char p[4096];
    snprintf(p, sizeof p, "%s/c.bash", dir);
    dc_test_write_file(p, comp, strlen(comp));
    ck_assert_int_eq(dc_test_run("bash -n '%s'", p), 0);
    /* completing "dancu run --pro" offers --progress */
    ck_assert_int_eq(dc_test_run("bash -c '. \"%s\"; COMP_WORDS=(dancu run --pro); COMP_CWORD=2; _dancu; "
                                 "[ \"${COMPREPLY[*]}\" = --progress ]'", p), 0);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
    free(man);
    free(comp);
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
    tcase_add_test(tc, test_usage_errors_one_line);
    tcase_add_test(tc, test_help_command);
    tcase_add_test(tc, test_same_option_same_bounds);
    tcase_add_test(tc, test_dash_is_stdio);
    tcase_add_test(tc, test_man_and_completion);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return dc_test_main(cli_suite(), "cli"); }
