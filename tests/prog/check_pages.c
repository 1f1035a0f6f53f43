/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_pages.c - the HTML pages in a real browser: report.html and
 * review.html of `dancu run`, the page of `dancu explain --html`.
 *
 * Headless Chromium (Debian's chromium package; `make check` installs it
 * when missing, $DANCU_CHROMIUM names another binary) loads each page from
 * the file system with --dump-dom, which returns the document after its
 * scripts ran:
 *   - no console message at all (errors, uncaught exceptions, logs: the
 *     pages write none), read from Chromium's log on stderr;
 *   - report.html#selftest: every chart has a drawn SVG with marks and a
 *     table with rows (the page's own check, run by the browser's layout),
 *     and every chart this run must have is present;
 *   - review.html#selftest=m-n...: the buttons are clicked by the page's
 *     test hook and the "Download labels" link holds exactly the labels
 *     CSV expected from review.csv (quoting included: one input file name
 *     holds a comma, quotes and angle brackets, which also checks the
 *     escaping of every page);
 *   - the report shows no name, ID number or address of citizens.csv;
 *   - `dancu explain --json` adds up, `--html` draws its waterfall.
 * The run is made on the bundled samples with a wide review band so that
 * there are rejects, review pairs and links. */
#include "dc_test.h"
#include "ref/dc_ref.h"
#include "common/dc_common.h"
#include "common/dc_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *g_dir;        /* the run's folder (a checked fixture: one per test) */
static char g_out[2048];
static char g_chromium[1024];

static const char *chromium(void)
{
    if (g_chromium[0]) return g_chromium;
    const char *env = getenv("DANCU_CHROMIUM");
    if (env && *env) {
        snprintf(g_chromium, sizeof g_chromium, "%s", env);
        return g_chromium;
    }
    static const char *const cands[] = {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"};
    for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++) {
        struct stat st;
        if (stat(cands[i], &st) == 0) {
            snprintf(g_chromium, sizeof g_chromium, "%s", cands[i]);
            return g_chromium;
        }
    }
    return NULL;
}

/* Load file://path#hash in headless Chromium; the DOM after the scripts
 * into *dom, Chromium's console lines (if any) into *console. */
static void browse(const char *path, const char *hash, char **dom, char **console)
{
    const char *bin = chromium();
    ck_assert_msg(bin != NULL, "no chromium: install the Debian package chromium (make check does)");
    char *tmp = dc_test_tmpdir("pages-browser");
    int st = dc_test_run("cd '%s' && HOME='%s' timeout 300 '%s' --headless --disable-gpu --no-sandbox --disable-dev-shm-usage "
                         "--no-first-run --user-data-dir='%s/profile' --enable-logging=stderr --v=0 "
                         "--dump-dom 'file://%s%s' > dom.html 2> log.txt",
                         tmp, tmp, bin, tmp, path, hash);
    ck_assert_msg(st == 0, "chromium failed on %s (exit %d)", path, st);
    char p[4096];
    snprintf(p, sizeof p, "%s/dom.html", tmp);
    *dom = dc_test_read_file(p, NULL);
    ck_assert_ptr_nonnull(*dom);
    dc_test_run("grep -a 'CONSOLE' '%s/log.txt' > '%s/console.txt'", tmp, tmp);
    snprintf(p, sizeof p, "%s/console.txt", tmp);
    *console = dc_test_read_file(p, NULL);
    if (!*console) *console = strdup("");
    dc_test_run("rm -rf '%s'", tmp);
    free(tmp);
}

/* The run: dirty + mixed-1000 samples, one file renamed to a name that
 * needs quoting in CSV and escaping in HTML. */
static void make_run(void)
{
    if (g_dir) return;
    g_dir = dc_test_tmpdir("pages");
    ck_assert_int_eq(dc_test_run("mkdir -p '%s/in' && cp '%s'/data-samples/dirty/exports/* "
                                 "'%s'/data-samples/mixed-1000/exports/* '%s/in/' && "
                                 "mv '%s/in/48_da_nang_tam_tru.csv' \"%s/in/48_<i>da,nang \\\"tam\\\"'.csv\"",
                                 g_dir, DANCU_SRCDIR, DANCU_SRCDIR, g_dir, g_dir, g_dir), 0);
    snprintf(g_out, sizeof g_out, "%.2000s/out", g_dir);
    ck_assert_int_eq(dc_test_run("'%s' run -q --threads 2 --match-threshold 0.9999 --review-threshold 0.001 "
                                 "-o '%s' '%s/in' 2>'%s/stderr'",
                                 DANCU_BIN, g_out, g_dir, g_dir), 0);
}

static char *out_file(const char *name, size_t *len)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", g_out, name);
    return dc_test_read_file(p, len);
}

static int count(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle)) n++;
    return n;
}

START_TEST(test_report_in_browser)
{
    make_run();
    char p[4096];
    snprintf(p, sizeof p, "%s/report.html", g_out);
    struct stat st;
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    char *html = out_file("report.html", NULL);
    ck_assert_ptr_nonnull(html);
    /* self-contained: nothing fetched */
    ck_assert_ptr_null(strstr(html, "http://"));
    ck_assert_ptr_null(strstr(html, "https://"));
    ck_assert_ptr_null(strstr(html, "<link"));
    ck_assert_ptr_null(strstr(html, "src="));
    ck_assert_ptr_null(strstr(html, "@import"));
    ck_assert_ptr_null(strstr(html, "url("));
    /* the file name is escaped wherever it appears */
    ck_assert_ptr_null(strstr(html, "<i>da"));
    ck_assert_ptr_nonnull(strstr(html, "48_&lt;i&gt;da,nang &quot;tam&quot;&#39;.csv"));
    static const char *const charts[] = {"recon-files", "recon-prov", "rejects-chart", "encodings",
                                         "blocking-chart", "weights", "mu", "weight-hist", "cluster-sizes",
                                         "conflicts-chart", "quality-chart", "stages-chart"};
    for (size_t i = 0; i < sizeof charts / sizeof charts[0]; i++) {
        char id[128];
        snprintf(id, sizeof id, "<figure class=\"chart\" id=\"%s\"", charts[i]);
        ck_assert_msg(strstr(html, id) != NULL, "chart %s missing", charts[i]);
    }
    int nfig = count(html, "<figure class=\"chart\"");
    char *dom, *console;
    browse(p, "#selftest", &dom, &console);
    ck_assert_msg(!*console, "console messages: %s", console);
    char want[64];
    snprintf(want, sizeof want, "data-selftest=\"ok %d\"", nfig);
    ck_assert_msg(strstr(dom, want) != NULL, "self-test: %.200s", strstr(dom, "data-selftest") ? strstr(dom, "data-selftest") : "(none)");
    free(dom);
    free(console);
    free(html);
}
END_TEST

/* No value of a citizen (name, ID number, address) in the report. */
START_TEST(test_report_no_personal_data)
{
    make_run();
    size_t hl, cl;
    char *html = out_file("report.html", &hl), *cit = out_file("citizens.csv", &cl);
    ck_assert_ptr_nonnull(html);
    ck_assert_ptr_nonnull(cit);
    dc_ref_csv_t c;
    ck_assert_int_eq(dc_ref_csv_open_mem(&c, "citizens.csv", cit, cl, ','), 0);
    static const char *const cols[] = {"so_dinh_danh", "so_cmnd", "ho_ten", "noi_thuong_tru", "que_quan",
                                       "ho_ten_cha", "ho_ten_me"};
    int idx[7];
    for (int k = 0; k < 7; k++) idx[k] = dc_ref_csv_col(&c, cols[k]);
    int checked = 0;
    while (dc_ref_csv_next(&c))
        for (int k = 0; k < 7; k++) {
            if (c.flen[idx[k]] < 6) continue;
            /* an address that is only a unit's name (a province) is no one's */
            if (k >= 3 && k <= 4 && !strchr(c.f[idx[k]], ',')) continue;
            ck_assert_msg(!strstr(html, c.f[idx[k]]), "report.html shows a %s (line %lu of citizens.csv)", cols[k],
                          c.line);
            checked++;
        }
    dc_ref_csv_close(&c);
    ck_assert_int_gt(checked, 1000);
    free(cit);
    free(html);
}
END_TEST

/* RFC 4180 field as the review page quotes it. */
static void csv_field(dc_buf_t *b, const char *s)
{
    if (strpbrk(s, ",\"\r\n")) {
        dc_buf_putc(b, '"');
        for (; *s; s++) {
            if (*s == '"') dc_buf_putc(b, '"');
            dc_buf_putc(b, *s);
        }
        dc_buf_putc(b, '"');
    } else {
        dc_buf_puts(b, s);
    }
}

#define DC_TEST_MAXPAIRS 200

static int hexv(int c) { return c <= '9' ? c - '0' : (c | 32) - 'a' + 10; }

START_TEST(test_review_export_in_browser)
{
    make_run();
    size_t rl;
    char *rev = out_file("review.csv", &rl);
    ck_assert_ptr_nonnull(rev);
    /* decisions for the page's pairs, in order: m, n, -, m, n for the
     * first five, and the first pair naming the file that needs quoting
     * (whatever its place), the others undecided */
    static const char first5[] = "mn-mn";
    char pattern[DC_TEST_MAXPAIRS + 1];
    size_t np = 0;
    int nm = 0, nn = 0, quoted = 0;
    dc_buf_t want = DC_BUF_INIT;
    dc_buf_puts(&want, "source_a,record_id_a,source_b,record_id_b,decision\n");
    dc_ref_csv_t c;
    ck_assert_int_eq(dc_ref_csv_open_mem(&c, "review.csv", rev, rl, ','), 0);
    int sa = dc_ref_csv_col(&c, "source_a"), ra = dc_ref_csv_col(&c, "record_id_a"),
        sb = dc_ref_csv_col(&c, "source_b"), rb = dc_ref_csv_col(&c, "record_id_b");
    while (np < DC_TEST_MAXPAIRS && dc_ref_csv_next(&c)) {
        int fs[4] = {sa, ra, sb, rb}, has_comma = 0;
        for (int f = 0; f < 4; f++) has_comma |= strchr(c.f[fs[f]], ',') != NULL;
        char d = np < 5 ? first5[np] : (has_comma && !quoted) ? 'm' : '-';
        pattern[np++] = d;
        if (d == '-') continue;
        quoted |= has_comma;
        for (int f = 0; f < 4; f++) {
            csv_field(&want, c.f[fs[f]]);
            dc_buf_putc(&want, ',');
        }
        dc_buf_puts(&want, d == 'm' ? "match\n" : "non_match\n");
        if (d == 'm') nm++;
        else nn++;
    }
    pattern[np] = 0;
    dc_ref_csv_close(&c);
    ck_assert_int_ge((int)np, 5);   /* the run has enough review pairs */
    ck_assert_msg(quoted, "no review pair names the file that needs quoting");
    char p[4096], hash[DC_TEST_MAXPAIRS + 32];
    snprintf(p, sizeof p, "%s/review.html", g_out);
    snprintf(hash, sizeof hash, "#selftest=%s", pattern);
    char *dom, *console;
    browse(p, hash, &dom, &console);
    ck_assert_msg(!*console, "console messages: %s", console);
    char *a = strstr(dom, "id=\"export\"");
    ck_assert_ptr_nonnull(a);
    while (a > dom && *a != '<') a--;
    char *href = strstr(a, "href=\"data:text/csv;charset=utf-8,");
    ck_assert_ptr_nonnull(href);
    href += strlen("href=\"data:text/csv;charset=utf-8,");
    dc_buf_t got = DC_BUF_INIT;
    for (; *href && *href != '"'; href++) {
        if (*href == '%' && href[1] && href[2]) {
            dc_buf_putc(&got, (char)(hexv(href[1]) * 16 + hexv(href[2])));
            href += 2;
        } else if (!strncmp(href, "&amp;", 5)) {
            dc_buf_putc(&got, '&');
            href += 4;
        } else {
            dc_buf_putc(&got, *href);
        }
    }
    ck_assert_str_eq(got.p ? got.p : "", want.p);
    char counts[128];
    snprintf(counts, sizeof counts, "%d match, %d non-match, ", nm, nn);
    ck_assert_msg(strstr(dom, counts) != NULL, "no '%s' in the page", counts);
    dc_buf_free(&got);
    dc_buf_free(&want);
    free(dom);
    free(console);
    free(rev);
}
END_TEST

/* dancu explain --json and --html on the first review pair: the steps add
 * up to the total, the page draws its waterfall in the browser. */
START_TEST(test_explain_pages)
{
    size_t rl;
    char *rev = out_file("review.csv", &rl);
    ck_assert_ptr_nonnull(rev);
    dc_ref_csv_t c;
    ck_assert_int_eq(dc_ref_csv_open_mem(&c, "review.csv", rev, rl, ','), 0);
    ck_assert(dc_ref_csv_next(&c));
    char a[512], b[512];
    snprintf(a, sizeof a, "%s:%s", c.f[dc_ref_csv_col(&c, "source_a")], c.f[dc_ref_csv_col(&c, "record_id_a")]);
    snprintf(b, sizeof b, "%s:%s", c.f[dc_ref_csv_col(&c, "source_b")], c.f[dc_ref_csv_col(&c, "record_id_b")]);
    double want_w = atof(c.f[dc_ref_csv_col(&c, "match_weight")]);
    dc_ref_csv_close(&c);
    /* the arguments may hold quotes: through files, not the shell */
    char p[4096];
    snprintf(p, sizeof p, "%s/a.txt", g_dir);
    dc_test_write_file(p, a, strlen(a));
    snprintf(p, sizeof p, "%s/b.txt", g_dir);
    dc_test_write_file(p, b, strlen(b));
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' explain --json -o ex.json out \"$(cat a.txt)\" \"$(cat b.txt)\" && "
                                 "'%s' explain --html out \"$(cat a.txt)\" \"$(cat b.txt)\" > ex.html && "
                                 "'%s' explain --html --json out x:1 y:2 2>/dev/null; [ $? = 2 ]",
                                 g_dir, DANCU_BIN, DANCU_BIN, DANCU_BIN), 0);
    size_t jl;
    snprintf(p, sizeof p, "%s/ex.json", g_dir);
    struct stat st;
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    char *js = dc_test_read_file(p, &jl);
    ck_assert_ptr_nonnull(js);
    dc_arena_t ar;
    dc_arena_init(&ar, 1 << 14);
    dc_json_t *root = dc_json_parse(js, jl, &ar);
    ck_assert_ptr_nonnull(root);
    const dc_json_t *steps = dc_json_get(root, "steps");
    ck_assert_ptr_nonnull(steps);
    ck_assert_int_eq(steps->type, DC_JSON_ARRAY);
    ck_assert_int_eq((int)steps->len, 10);
    double sum = dc_json_num(dc_json_get(root, "prior_weight"), 1e9), last = 0;
    for (const dc_json_t *e = steps->child; e; e = e->next) {
        sum += dc_json_num(dc_json_get(e, "weight"), 1e9);
        last = dc_json_num(dc_json_get(e, "cumulative_weight"), 1e9);
        ck_assert_double_eq_tol(last, sum, 1e-4);
    }
    double total = dc_json_num(dc_json_get(root, "match_weight"), 1e9);
    ck_assert_double_eq_tol(total, last, 1e-4);
    ck_assert_double_eq_tol(total, want_w, 2e-3);   /* as the run scored it (review.csv, 3 decimals) */
    ck_assert_str_eq(dc_json_str(dc_json_get(root, "decision")), "review");
    dc_arena_free(&ar);
    free(js);
    snprintf(p, sizeof p, "%s/ex.html", g_dir);
    char *dom, *console;
    browse(p, "#selftest", &dom, &console);
    ck_assert_msg(!*console, "console messages: %s", console);
    ck_assert_ptr_nonnull(strstr(dom, "data-selftest=\"ok 1\""));
    ck_assert_ptr_nonnull(strstr(dom, "id=\"waterfall\""));
    free(dom);
    free(console);
    free(rev);
}
END_TEST

static void cleanup(void)
{
    if (!g_dir) return;
    dc_test_run("rm -rf '%s'", g_dir);
    free(g_dir);
    g_dir = NULL;
}

static Suite *pages_suite(void)
{
    Suite *s = suite_create("pages");
    TCase *tc = dc_test_tcase("pages");
    tcase_add_checked_fixture(tc, make_run, cleanup);
    tcase_add_test(tc, test_report_in_browser);
    tcase_add_test(tc, test_report_no_personal_data);
    tcase_add_test(tc, test_review_export_in_browser);
    tcase_add_test(tc, test_explain_pages);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return dc_test_main(pages_suite(), "pages"); }
