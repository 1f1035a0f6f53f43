/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dc_test.c - shared helpers for the Check test programs (dc_test.h). */
#include "dc_test.h"

#include "dc_encoding.h"   /* dc_utf8_valid */

#include <ctype.h>    /* isxdigit */
#include <dirent.h>   /* opendir */
#include <errno.h>    /* errno */
#include <stdarg.h>   /* va_list */
#include <stdio.h>    /* fopen */
#include <stdlib.h>   /* malloc, getenv, system */
#include <string.h>   /* strlen */
#include <sys/stat.h> /* mkdir */
#include <sys/wait.h> /* WEXITSTATUS */
#include <unistd.h>   /* getpid */

int dc_test_main(Suite *s, const char *name)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int run = srunner_ntests_run(sr);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    const char *res = getenv("DC_TEST_RESULTS");
    if (res) {
        FILE *f = fopen(res, "a");
        if (f) {
            fprintf(f, "%s %d %d\n", name, run - failed, failed);
            fclose(f);
        }
    }
    return failed == 0 && run > 0 ? 0 : 1;
}

TCase *dc_test_tcase(const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, DC_TEST_TIMEOUT);
    return tc;
}

char *dc_test_tmpdir(const char *tag)
{
    static int counter;
    const char *base = getenv("TMPDIR");
    if (!base || !*base) base = "/tmp";
    char *p = malloc(strlen(base) + strlen(tag) + 64);
    if (!p) return NULL;
    sprintf(p, "%s/dancu-test-%s-%ld-%d", base, tag, (long)getpid(), counter++);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", p);
    if (system(cmd) != 0) { free(p); return NULL; }
    if (mkdir(p, 0700) != 0) { free(p); return NULL; }
    return p;
}

char *dc_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) { free(buf); buf = NULL; break; }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf) return NULL;
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

int dc_test_write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    int rc = fwrite(p, 1, n, f) == n ? 0 : -1;
    if (fclose(f) != 0) rc = -1;
    return rc;
}

int dc_test_run(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    if (st == -1 || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
}

int dc_test_files_equal(const char *a, const char *b)
{
    size_t na, nb;
    char *pa = dc_test_read_file(a, &na), *pb = dc_test_read_file(b, &nb);
    int eq = pa && pb && na == nb && memcmp(pa, pb, na) == 0;
    free(pa);
    free(pb);
    return eq;
}

int dc_test_count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

/* The timings and peak RSS of the stages in report.json, and the volatile
 * part of report.html (between <!--volatile--> and <!--/volatile-->, as
 * check_golden.c masks it): they differ between any two runs. */
static const char mask_sed[] = "s/(\"seconds\": *)[0-9.e+-]+/\\1S/g\n"
                               "s/(\"peak_rss_bytes\": *)[0-9]+/\\1R/g\n"
                               "/<!--volatile-->/,/<!--\\/volatile-->/d\n";

void dc_test_assert_same_outputs(const char *a, const char *b, const char *what)
{
    ck_assert_int_eq(dc_test_count_entries(a), dc_test_count_entries(b));
    DIR *d = opendir(a);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char pa[8192], pb[8192];
        snprintf(pa, sizeof pa, "%s/%s", a, e->d_name);
        snprintf(pb, sizeof pb, "%s/%s", b, e->d_name);
        if (!strncmp(e->d_name, "report.", 7)) {
            char sed[8192];
            snprintf(sed, sizeof sed, "%s.sed", b);
            ck_assert_int_eq(dc_test_write_file(sed, mask_sed, strlen(mask_sed)), 0);
            ck_assert_msg(dc_test_run("sed -E -f '%s' '%s' > '%s.a' && sed -E -f '%s' '%s' > '%s.b' && "
                                      "cmp -s '%s.a' '%s.b' && rm -f '%s.a' '%s.b' '%s'",
                                      sed, pa, sed, sed, pb, sed, sed, sed, sed, sed, sed) == 0,
                          "%s differs (timings masked) between %s", e->d_name, what);
        } else {
            ck_assert_msg(dc_test_files_equal(pa, pb), "%s differs between %s", e->d_name, what);
        }
        n++;
    }
    closedir(d);
    ck_assert_int_gt(n, 8);
}

/* ------------------------------------------------ a strict JSON checker */

static const char *js_ws(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') p++;
    return p;
}

static const char *js_value(const char *p, int depth);

static const char *js_string(const char *p)
{
    if (*p != '"') return NULL;
    for (p++; *p && *p != '"'; p++) {
        if ((unsigned char)*p < 0x20) return NULL;
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++) if (!isxdigit((unsigned char)p[i])) return NULL;
                p += 4;
            } else if (!strchr("\"\\/bfnrt", *p) || !*p) {
                return NULL;
            }
        }
    }
    return *p == '"' ? p + 1 : NULL;
}

static const char *js_number(const char *p)
{
    const char *s = p;
    if (*p == '-') p++;
    if (!isdigit((unsigned char)*p)) return NULL;
    if (*p == '0' && isdigit((unsigned char)p[1])) return NULL;
    while (isdigit((unsigned char)*p)) p++;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p)) return NULL;
        while (isdigit((unsigned char)*p)) p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!isdigit((unsigned char)*p)) return NULL;
        while (isdigit((unsigned char)*p)) p++;
    }
    return p > s ? p : NULL;
}

static const char *js_value(const char *p, int depth)
{
    if (depth > 64) return NULL;
    p = js_ws(p);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        int obj = *p == '{';
        p = js_ws(p + 1);
        if (*p == close) return p + 1;
        for (;;) {
            if (obj) {
                p = js_string(js_ws(p));
                if (!p) return NULL;
                p = js_ws(p);
                if (*p++ != ':') return NULL;
            }
            p = js_value(p, depth + 1);
            if (!p) return NULL;
            p = js_ws(p);
            if (*p == ',') { p++; continue; }
            if (*p == close) return p + 1;
            return NULL;
        }
    }
    if (*p == '"') return js_string(p);
    if (!strncmp(p, "true", 4)) return p + 4;
    if (!strncmp(p, "false", 5)) return p + 5;
    if (!strncmp(p, "null", 4)) return p + 4;
    return js_number(p);
}

int dc_test_json_valid(const char *s, size_t n)
{
    if (strlen(s) != n || !dc_utf8_valid(s, n)) return 0;   /* no NUL inside, valid UTF-8 */
    const char *e = js_value(s, 0);
    return e && *js_ws(e) == '\0';
}
