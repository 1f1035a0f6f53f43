/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_golden.c - the committed golden outputs (tests/golden/<sample>/<cmd>/,
 * written by tests/golden/update.sh) must be reproduced byte for byte by
 *     dancu <cmd> --threads T -q -o OUT data-samples/<sample>/exports/FILES
 * for T = 1 and T = 2, and with the input files given in reverse and in a
 * shuffled order (outputs must not depend on the order of the inputs on
 * the command line: docs/OUTPUTS.md), with the same exit status and the
 * same set of files.
 * Every golden set present is checked (one loop iteration each), and every
 * sample must have at least its `load` set. In JSON files, the values of
 * timing and memory keys (names containing "seconds", "per_second", "rss")
 * and the thread count ("threads", in report.json) are compared as 0: they
 * describe the run, not its result; in HTML pages, the parts marked
 * volatile (the same figures) are left out. The `run` sets hold every output of
 * `dancu run` (citizens, links, review, rejects, model, report, the pages report.html
 * and review.html, _SUCCESS);
 * `normalize` writes OUT/normalized.csv and its rejects file. */
#include "dc_test.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { MAXSETS = 64 };
static char set_sample[MAXSETS][128], set_cmd[MAXSETS][32];
static int nsets;

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted names of the regular files of dir (caller frees). */
static size_t list_files(const char *dir, char ***out)
{
    DIR *d = opendir(dir);
    size_t n = 0, cap = 16;
    char **v = malloc(cap * sizeof *v);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char p[4096];
        snprintf(p, sizeof p, "%.3000s/%.255s", dir, e->d_name);
        if (is_dir(p)) continue;
        if (n == cap) v = realloc(v, (cap *= 2) * sizeof *v);
        v[n++] = strdup(e->d_name);
    }
    if (d) closedir(d);
    qsort(v, n, sizeof *v, cmp_names);
    *out = v;
    return n;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

static void find_sets(void)
{
    char gdir[4096];
    snprintf(gdir, sizeof gdir, "%s/tests/golden", DANCU_SRCDIR);
    DIR *d = opendir(gdir);
    struct dirent *e;
    char *samples[MAXSETS];
    size_t ns = 0;
    while (d && (e = readdir(d)) && ns < MAXSETS) {
        char p[4096];
        snprintf(p, sizeof p, "%.3000s/%.255s", gdir, e->d_name);
        if (e->d_name[0] != '.' && is_dir(p)) samples[ns++] = strdup(e->d_name);
    }
    if (d) closedir(d);
    qsort(samples, ns, sizeof *samples, cmp_names);
    for (size_t i = 0; i < ns; i++) {
        static const char *const cmds[] = {"load", "normalize", "run"};
        for (size_t c = 0; c < 3 && nsets < MAXSETS; c++) {
            char p[4096];
            snprintf(p, sizeof p, "%.3000s/%.127s/%s", gdir, samples[i], cmds[c]);
            if (!is_dir(p)) continue;
            snprintf(set_sample[nsets], sizeof set_sample[nsets], "%s", samples[i]);
            snprintf(set_cmd[nsets], sizeof set_cmd[nsets], "%s", cmds[c]);
            nsets++;
        }
        free(samples[i]);
    }
}

/* Replace the numbers after timing keys by 0, in place; returns the new length. */
static size_t mask_timing(char *s, size_t n)
{
    static const char *const keys[] = {"seconds", "per_second", "rss", "threads"};
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        s[o++] = s[i++];
        if (s[o - 1] != ':' || o < 3) continue;
        /* the key: back over optional spaces and the closing quote */
        size_t k = o - 1;
        while (k > 0 && s[k - 1] == ' ') k--;
        if (k == 0 || s[k - 1] != '"') continue;
        size_t ke = k - 1, kb = ke;
        while (kb > 0 && s[kb - 1] != '"') kb--;
        int timing = 0;
        for (size_t j = 0; j < sizeof keys / sizeof keys[0]; j++) {
            size_t kl = strlen(keys[j]);
            for (size_t p = kb; p + kl <= ke; p++) timing |= !memcmp(s + p, keys[j], kl);
        }
        if (!timing) continue;
        while (i < n && s[i] == ' ') s[o++] = s[i++];
        if (i < n && (s[i] == '-' || (s[i] >= '0' && s[i] <= '9'))) {
            while (i < n && strchr("0123456789.eE+-", s[i])) i++;
            s[o++] = '0';
        }
    }
    return o;
}

/* Replace absolute paths into the source tree ("/any/where/data-samples/x")
 * by their repository-relative form ("data-samples/x"), in place, so that the
 * golden files do not depend on where the repository is checked out. */
static size_t mask_paths(char *s, size_t n)
{
    static const char marker[] = "/data-samples/";
    const size_t ml = sizeof marker - 1;
    size_t o = 0, start = 0; /* start: output offset just after the last quote */
    for (size_t i = 0; i < n;) {
        if (s[i] == '"') {
            s[o++] = s[i++];
            start = o;
            continue;
        }
        if (s[i] == '/' && i + ml <= n && !memcmp(s + i, marker, ml) && o > start && s[start] == '/') {
            o = start;  /* drop the absolute prefix written since the quote */
            i++;        /* and the slash before data-samples */
            continue;
        }
        s[o++] = s[i++];
    }
    return o;
}

/* Drop the volatile parts of an HTML page (timings, memory, thread count:
 * between <!--volatile--> and <!--/volatile-->), in place. */
#define DC_MIN_SZ(a, b) ((a) < (b) ? (a) : (b))

static size_t mask_volatile(char *s, size_t n)
{
    static const char open[] = "<!--volatile-->", close[] = "<!--/volatile-->";
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (i + sizeof open - 1 <= n && !memcmp(s + i, open, sizeof open - 1)) {
            size_t j = i + sizeof open - 1;
            while (j + sizeof close - 1 <= n && memcmp(s + j, close, sizeof close - 1)) j++;
            i = DC_MIN_SZ(j + sizeof close - 1, n);
            continue;
        }
        s[o++] = s[i++];
    }
    return o;
}

static int same_output(const char *a, const char *b)
{
    size_t na, nb;
    char *pa = dc_test_read_file(a, &na), *pb = dc_test_read_file(b, &nb);
    int eq = 0;
    if (pa && pb) {
        size_t l = strlen(a);
        if (l > 5 && !strcmp(a + l - 5, ".json")) {
            na = mask_paths(pa, mask_timing(pa, na));
            nb = mask_paths(pb, mask_timing(pb, nb));
        }
        if (l > 5 && !strcmp(a + l - 5, ".html")) {
            na = mask_volatile(pa, na);
            nb = mask_volatile(pb, nb);
        }
        eq = na == nb && !memcmp(pa, pb, na);
    }
    free(pa);
    free(pb);
    return eq;
}

START_TEST(test_mask_paths)
{
    char s[] = "{\"inputs\": [\"data-samples/a/x.csv\"], \"abs\": [\"/w/t/data-samples/a/x.csv\", \"/tmp/other.csv\"]}";
    size_t n = mask_paths(s, strlen(s));
    s[n] = 0;
    ck_assert_str_eq(s, "{\"inputs\": [\"data-samples/a/x.csv\"], \"abs\": [\"data-samples/a/x.csv\", \"/tmp/other.csv\"]}");
}
END_TEST

START_TEST(test_mask_timing)
{
    char s[] = "{\"a\": 1.5, \"seconds\":0.004, \"read_seconds\": 12, \"rows\": 7, \"peak_rss\":123, \"threads\": 2}";
    size_t n = mask_timing(s, strlen(s));
    s[n] = '\0';
    ck_assert_str_eq(s, "{\"a\": 1.5, \"seconds\":0, \"read_seconds\": 0, \"rows\": 7, \"peak_rss\":0, \"threads\": 0}");
}
END_TEST

START_TEST(test_mask_volatile)
{
    char s[] = "<p>a<!--volatile-->2 threads<!--/volatile--> b<!--volatile-->x</p>";
    size_t n = mask_volatile(s, strlen(s));
    s[n] = '\0';
    ck_assert_str_eq(s, "<p>a b");
}
END_TEST

START_TEST(test_golden_set)
{
    const char *sample = set_sample[_i], *cmd = set_cmd[_i];
    char gdir[4096], path[4096];
    snprintf(gdir, sizeof gdir, "%s/tests/golden/%s/%s", DANCU_SRCDIR, sample, cmd);
    snprintf(path, sizeof path, "%s/tests/golden/%s/%s.status", DANCU_SRCDIR, sample, cmd);
    char *stxt = dc_test_read_file(path, NULL);
    ck_assert_msg(stxt != NULL, "%s/%s: missing %s.status", sample, cmd, cmd);
    int want_status = atoi(stxt);
    free(stxt);
    char **want;
    size_t nwant = list_files(gdir, &want);
    ck_assert_msg(nwant > 0, "%s/%s: empty golden set", sample, cmd);
    /* the sample's files in name order, reversed, and shuffled */
    char edir[4096];
    snprintf(edir, sizeof edir, "%s/data-samples/%s/exports", DANCU_SRCDIR, sample);
    char **files;
    size_t nfiles = list_files(edir, &files);
    ck_assert_uint_gt(nfiles, 0);
    static const struct { int threads; const char *order; } runs[] = {
        {1, "sorted"}, {2, "sorted"}, {1, "reversed"}, {2, "shuffled"},
    };
    for (size_t ri = 0; ri < sizeof runs / sizeof runs[0]; ri++) {
        int threads = runs[ri].threads;
        size_t *perm = malloc(nfiles * sizeof *perm);
        for (size_t i = 0; i < nfiles; i++) perm[i] = i;
        if (!strcmp(runs[ri].order, "reversed"))
            for (size_t i = 0; i < nfiles; i++) perm[i] = nfiles - 1 - i;
        if (!strcmp(runs[ri].order, "shuffled")) {
            unsigned x = 2463534242u;   /* xorshift: the same shuffle every time */
            for (size_t i = nfiles; i > 1; i--) {
                x ^= x << 13, x ^= x >> 17, x ^= x << 5;
                size_t j = x % i, t = perm[i - 1];
                perm[i - 1] = perm[j], perm[j] = t;
            }
        }
        char args[16384];
        size_t al = 0;
        for (size_t i = 0; i < nfiles && al < sizeof args - 600; i++)
            al += (size_t)snprintf(args + al, sizeof args - al, " 'data-samples/%.100s/exports/%.255s'", sample,
                                   files[perm[i]]);
        free(perm);
        char *tmp = dc_test_tmpdir("golden");
        char out[4096];
        snprintf(out, sizeof out, "%s/out", tmp);
        /* normalize writes one file (and its rejects beside it) */
        int single = !strcmp(cmd, "normalize");
        if (single) dc_test_run("mkdir -p '%s'", out);
        int st = dc_test_run("cd '%s' && LC_ALL=C '%s' %s --threads %d -q -o '%s%s'%s >/dev/null 2>'%s/stderr'",
                             DANCU_SRCDIR, DANCU_BIN, cmd, threads, out, single ? "/normalized.csv" : "", args, tmp);
        ck_assert_msg(st == want_status, "%s/%s --threads %d, %s inputs: exit %d, golden %d", sample, cmd, threads,
                      runs[ri].order, st, want_status);
        char **got;
        size_t ngot = list_files(out, &got);
        ck_assert_msg(ngot == nwant, "%s/%s --threads %d, %s inputs: %zu files, golden %zu", sample, cmd, threads,
                      runs[ri].order, ngot, nwant);
        for (size_t i = 0; i < nwant; i++) {
            ck_assert_str_eq(got[i], want[i]);
            char a[4096], b[8192];
            snprintf(a, sizeof a, "%.3000s/%.255s", gdir, want[i]);
            snprintf(b, sizeof b, "%.3000s/%.255s", out, got[i]);
            ck_assert_msg(same_output(a, b), "%s/%s --threads %d, %s inputs: %s differs from the golden file "
                          "(run make golden-update if the change is intended)", sample, cmd, threads,
                          runs[ri].order, want[i]);
        }
        free_list(got, ngot);
        dc_test_run("rm -rf '%s'", tmp);
        free(tmp);
    }
    free_list(files, nfiles);
    free_list(want, nwant);
}
END_TEST

START_TEST(test_every_sample_has_load_golden)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/data-samples", DANCU_SRCDIR);
    DIR *d = opendir(dir);
    ck_assert(d != NULL);
    struct dirent *e;
    int samples = 0;
    while ((e = readdir(d))) {
        char p[4096];
        snprintf(p, sizeof p, "%.3000s/%.255s/exports", dir, e->d_name);
        if (e->d_name[0] == '.' || !is_dir(p)) continue;
        samples++;
        int found = 0;
        for (int i = 0; i < nsets; i++) found |= !strcmp(set_sample[i], e->d_name) && !strcmp(set_cmd[i], "load");
        ck_assert_msg(found, "data-samples/%s has no golden load output (make golden-update)", e->d_name);
    }
    closedir(d);
    ck_assert_int_ge(samples, 1);
}
END_TEST

static Suite *golden_suite(void)
{
    find_sets();
    Suite *s = suite_create("golden");
    TCase *tc = dc_test_tcase("golden");
    tcase_add_test(tc, test_mask_timing);
    tcase_add_test(tc, test_mask_paths);
    tcase_add_test(tc, test_mask_volatile);
    tcase_add_test(tc, test_every_sample_has_load_golden);
    if (nsets > 0) tcase_add_loop_test(tc, test_golden_set, 0, nsets);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return dc_test_main(golden_suite(), "golden"); }
