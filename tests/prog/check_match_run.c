/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_match_run.c - `dancu run`, `dancu eval` and `dancu explain` end to
 * end on generated data: quality against the truth, determinism across
 * thread counts, --model reuse, --rules, thresholds, exit statuses, and
 * "every input row exactly once across links and rejects". */
#include "dc_test.h"
#include "common/dc_common.h"
#include "ref/dc_ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *G;   /* generated data set, shared by the tests */

static void gen_once(void)
{
    if (G) return;
    G = dc_test_tmpdir("mrun-gen");
    ck_assert_int_eq(dc_test_run("%s gen -q -n 3000 --seed 5 --dup-rate 0.3 --provinces 01,79,48,36 -f -o %s",
                                 DANCU_BIN, G), 0);
}

static size_t count_lines(const char *path)
{
    size_t n = 0, len;
    char *t = dc_test_read_file(path, &len);
    if (!t) return 0;
    for (size_t i = 0; i < len; i++) n += t[i] == '\n';
    free(t);
    return n;
}

/* A field of the JSON text after "key": (numbers only). */
static double json_num(const char *text, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\": ", key);
    const char *p = strstr(text, k);
    return p ? atof(p + strlen(k)) : -1;
}

START_TEST(test_run_quality_and_determinism)
{
    gen_once();
    char *o1 = dc_test_tmpdir("mrun-1"), *o2 = dc_test_tmpdir("mrun-2");
    ck_assert_int_eq(dc_test_run("%s run -q --threads 1 --force -o %s %s/exports/*", DANCU_BIN, o1, G), 0);
    ck_assert_int_eq(dc_test_run("%s run -q --threads 2 --force -o %s %s/exports/*", DANCU_BIN, o2, G), 0);
    static const char *const files[] = {"links.csv", "review.csv", "citizens.csv", "rejects.csv"};
    for (size_t i = 0; i < 4; i++) {
        char a[512], b[512];
        snprintf(a, sizeof a, "%s/%s", o1, files[i]);
        snprintf(b, sizeof b, "%s/%s", o2, files[i]);
        ck_assert_msg(dc_test_files_equal(a, b), "%s differs between 1 and 2 threads", files[i]);
    }
    /* quality against the truth */
    char out[512];
    snprintf(out, sizeof out, "%s/eval.json", o1);
    ck_assert_int_eq(dc_test_run("%s eval --json --truth %s/truth.csv --links %s/links.csv > %s", DANCU_BIN, G, o1, out), 0);
    char *j = dc_test_read_file(out, NULL);
    ck_assert_ptr_nonnull(j);
    double p = json_num(j, "precision"), r = json_num(j, "recall");
    ck_assert_msg(p >= 0.99 && r >= 0.95, "precision %f recall %f", p, r);
    ck_assert_double_eq(json_num(j, "links_only"), 0);
    free(j);
    /* every input row exactly once across links and rejects */
    char lp[512], rp[512], tp[512];
    snprintf(lp, sizeof lp, "%s/links.csv", o1);
    snprintf(rp, sizeof rp, "%s/rejects.csv", o1);
    snprintf(tp, sizeof tp, "%s/truth.csv", G);
    ck_assert_uint_eq(count_lines(lp) - 1 + count_lines(rp) - 1, count_lines(tp) - 1);
    /* links: header and probability column */
    char *l = dc_test_read_file(lp, NULL);
    ck_assert(!strncmp(l, "source,record_id,citizen_key,match_probability\n", 47));
    ck_assert_ptr_nonnull(strstr(l, ",VN"));
    free(l);
    /* --model reuses the estimated model: same links, no estimation */
    char *o3 = dc_test_tmpdir("mrun-3");
    ck_assert_int_eq(dc_test_run("%s run -q --model %s/model.json --force -o %s %s/exports/*", DANCU_BIN, o1, o3, G), 0);
    char l3[512];
    snprintf(l3, sizeof l3, "%s/links.csv", o3);
    ck_assert(dc_test_files_equal(lp, l3));
    dc_test_run("rm -rf %s %s %s", o1, o2, o3);
    free(o1);
    free(o2);
    free(o3);
}
END_TEST

START_TEST(test_run_options)
{
    gen_once();
    char *o = dc_test_tmpdir("mrun-opt");
    /* usage errors: 2 */
    ck_assert_int_eq(dc_test_run("%s run -q %s/exports/* 2>/dev/null", DANCU_BIN, G), 2);
    ck_assert_int_eq(dc_test_run("%s run -q -o %s 2>/dev/null", DANCU_BIN, o), 2);
    ck_assert_int_eq(dc_test_run("%s run -q --match-threshold 1.5 -o %s %s/exports/* 2>/dev/null", DANCU_BIN, o, G), 2);
    ck_assert_int_eq(dc_test_run("%s run -q --match-threshold 0.5 --review-threshold 0.9 -o %s %s/exports/* 2>/dev/null", DANCU_BIN, o, G), 2);
    /* a bad rules file: 1, and nothing written */
    char rules[512];
    snprintf(rules, sizeof rules, "%s.rules.txt", o);
    ck_assert_int_eq(dc_test_write_file(rules, "name_phon+nonsense\n", 19), 0);
    ck_assert_int_eq(dc_test_run("%s run -q --rules %s --force -o %s %s/exports/* 2>/dev/null", DANCU_BIN, rules, o, G), 1);
    char lp[512];
    snprintf(lp, sizeof lp, "%s/links.csv", o);
    ck_assert_ptr_null(dc_test_read_file(lp, NULL));
    /* a user rule set: only IDs; recall drops but the run works and says so in model.json */
    ck_assert_int_eq(dc_test_write_file(rules, "# ids only\nid12\n", 16), 0);
    ck_assert_int_eq(dc_test_run("%s run -q --rules %s --format jsonl --compress --force -o %s %s/exports/*",
                                 DANCU_BIN, rules, o, G), 0);
    char mp[512];
    snprintf(mp, sizeof mp, "%s.model.json", o);
    ck_assert_int_eq(dc_test_run("zstd -q -dc %s/model.json.zst > %s", o, mp), 0);   /* --compress */
    char *m = dc_test_read_file(mp, NULL);
    ck_assert_ptr_nonnull(m);
    ck_assert_ptr_nonnull(strstr(m, "\"rule\": \"id12\""));
    ck_assert_ptr_null(strstr(m, "name_phon"));
    free(m);
    snprintf(lp, sizeof lp, "%s/links.jsonl.zst", o);
    char *z = dc_test_read_file(lp, NULL);
    ck_assert_ptr_nonnull(z);
    free(z);
    char out[512];
    snprintf(out, sizeof out, "%s.eval.txt", o);
    ck_assert_int_eq(dc_test_run("%s eval --truth %s/truth.csv --links %s > %s", DANCU_BIN, G, lp, out), 0);
    /* a reject-rate limit of 0 with clean data passes */
    ck_assert_int_eq(dc_test_run("%s run -q --max-reject-rate 0 --force -o %s %s/exports/*", DANCU_BIN, o, G), 0);
    /* explain reads the compressed model too */
    dc_test_run("rm -rf %s %s %s %s", o, rules, out, mp);
    free(o);
}
END_TEST

START_TEST(test_explain)
{
    gen_once();
    char *o = dc_test_tmpdir("mrun-explain");
    ck_assert_int_eq(dc_test_run("%s run -q --force -o %s %s/exports/*", DANCU_BIN, o, G), 0);
    /* two rows of one person and two rows of different people, from the truth */
    char tp[512];
    snprintf(tp, sizeof tp, "%s/truth.csv", G);
    char *t = dc_test_read_file(tp, NULL);
    ck_assert_ptr_nonnull(t);
    char src[3][128], rid[3][128], pid[3][64];
    int found = 0;
    char *line = strchr(t, '\n') + 1, *prev = NULL;
    while (*line && found < 1) {
        char *e = strchr(line, '\n');
        *e = 0;
        if (prev) {
            char s1[128], r1[128], p1[64], s2[128], r2[128], p2[64];
            if (sscanf(prev, "%127[^,],%127[^,],%63s", s1, r1, p1) == 3 &&
                sscanf(line, "%127[^,],%127[^,],%63s", s2, r2, p2) == 3 && !strcmp(p1, p2)) {
                strcpy(src[0], s1); strcpy(rid[0], r1); strcpy(pid[0], p1);
                strcpy(src[1], s2); strcpy(rid[1], r2); strcpy(pid[1], p2);
                found = 1;
            }
        }
        prev = line;
        line = e + 1;
    }
    ck_assert_int_eq(found, 1);
    /* any other person: the first row of the file */
    char *first = strchr(t, '\n') + 1;
    ck_assert_int_eq(sscanf(first, "%127[^,],%127[^,],%63s", src[2], rid[2], pid[2]), 3);
    char out[512];
    snprintf(out, sizeof out, "%s.explain.txt", o);
    ck_assert_int_eq(dc_test_run("%s explain %s %s:%s %s:%s > %s", DANCU_BIN, o, src[0], rid[0], src[1], rid[1], out), 0);
    char *x = dc_test_read_file(out, NULL);
    ck_assert_ptr_nonnull(x);
    static const char *const fields[] = {"prior", "name ", "dob ", "id12 ", "parents ", "total ", "decision ", "match probability"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) ck_assert_ptr_nonnull(strstr(x, fields[i]));
    ck_assert_ptr_nonnull(strstr(x, "same citizen"));
    free(x);
    if (strcmp(pid[2], pid[0])) {
        ck_assert_int_eq(dc_test_run("%s explain %s %s:%s %s:%s > %s", DANCU_BIN, o, src[0], rid[0], src[2], rid[2], out), 0);
        x = dc_test_read_file(out, NULL);
        ck_assert_ptr_nonnull(strstr(x, "different citizens"));
        free(x);
    }
    /* unknown row: 1; bad arguments: 2; not a run folder: 1 */
    ck_assert_int_eq(dc_test_run("%s explain %s %s:nope %s:%s 2>/dev/null", DANCU_BIN, o, src[0], src[1], rid[1]), 1);
    ck_assert_int_eq(dc_test_run("%s explain %s onlyone 2>/dev/null", DANCU_BIN, o), 2);
    ck_assert_int_eq(dc_test_run("%s explain %s a:1 b:2 2>/dev/null", DANCU_BIN, G), 1);
    free(t);
    dc_test_run("rm -rf %s %s", o, out);
    free(o);
}
END_TEST

/* Issue 19, item 5: one citizen repeated 50,000 times is one citizen,
 * and the copies added to a generated set leave its recall where it was
 * (before: 50,000 citizens, and the set's recall fell from 0.99 to 0.91). */
START_TEST(test_run_exact_copies)
{
    gen_once();
    char *o = dc_test_tmpdir("mrun-copies"), *d = dc_test_tmpdir("mrun-copies-in");
    char path[512];
    snprintf(path, sizeof path, "%s/zz_copies.csv", d);
    dc_buf_t b = DC_BUF_INIT;
    dc_buf_puts(&b, "record_id,ho_ten,ngay_sinh,gioi_tinh,so_dinh_danh,noi_thuong_tru,ho_ten_cha\n");
    for (int k = 0; k < 50000; k++)
        dc_buf_printf(&b, "C%d,Phạm Anh Minh,08/04/1985,Nam,001085012345,\"Số 5 Phố Huế, Quận Hai Bà Trưng, Hà Nội\",Phạm Văn Nam\n", k);
    ck_assert_int_eq(dc_test_write_file(path, b.p, b.len), 0);
    dc_buf_free(&b);
    /* alone: one citizen */
    ck_assert_int_eq(dc_test_run("%s run -q --force -o %s %s", DANCU_BIN, o, path), 0);
    char cp[512];
    snprintf(cp, sizeof cp, "%s/citizens.csv", o);
    ck_assert_uint_eq(count_lines(cp), 2);
    /* beside the generated set: its recall holds */
    ck_assert_int_eq(dc_test_run("%s run -q --force -o %s %s/exports/* %s", DANCU_BIN, o, G, path), 0);
    char out[512];
    snprintf(out, sizeof out, "%s/../mrun-copies-eval.json", o);
    ck_assert_int_eq(dc_test_run("%s eval --json --truth %s/truth.csv --links %s/links.csv > %s", DANCU_BIN, G, o, out), 0);
    char *j = dc_test_read_file(out, NULL);
    ck_assert_ptr_nonnull(j);
    double p = json_num(j, "precision"), r = json_num(j, "recall");
    ck_assert_msg(p >= 0.99 && r >= 0.98, "precision %f recall %f", p, r);
    free(j);
    size_t ncit = count_lines(cp) - 1;   /* generated citizens (a few split), then the copies' one */
    ck_assert_msg(ncit >= 3001 && ncit <= 3011, "%zu citizens", ncit);
    dc_test_run("rm -rf %s %s %s", o, d, out);
    free(o);
    free(d);
}
END_TEST

/* --labels: a "non_match" decision splits a linked pair, a "match" one
 * joins two citizens; a label naming a row not among the inputs is
 * skipped; a bad decision is an error (exit 1, nothing written). */
START_TEST(test_run_labels)
{
    gen_once();
    char *o = dc_test_tmpdir("mrun-labels");
    ck_assert_int_eq(dc_test_run("%s run -q --force -o %s %s/exports/*", DANCU_BIN, o, G), 0);
    char lp[512];
    snprintf(lp, sizeof lp, "%s/links.csv", o);
    char *l = dc_test_read_file(lp, NULL);
    ck_assert_ptr_nonnull(l);
    /* two rows of one citizen (a, b) and a row of another (c) */
    char src[3][128], rid[3][128], key[3][64];
    int got = 0;
    char *line = strchr(l, '\n') + 1;
    char *keys = dc_test_read_file(lp, NULL);
    for (char *p = line; *p && got < 2;) {
        char *e = strchr(p, '\n');
        *e = 0;
        char s1[128], r1[128], k1[64];
        if (sscanf(p, "%127[^,],%127[^,],%63[^,]", s1, r1, k1) == 3) {
            /* another row with the same key further down? */
            char needle[80];
            snprintf(needle, sizeof needle, ",%s,", k1);
            char *q = strstr(keys + (e - l) + 1, needle);
            if (got == 0 && q) {
                char *bol = q;
                while (bol > keys && bol[-1] != '\n') bol--;
                ck_assert_int_eq(sscanf(bol, "%127[^,],%127[^,],%63[^,]", src[1], rid[1], key[1]), 3);
                strcpy(src[0], s1); strcpy(rid[0], r1); strcpy(key[0], k1);
                got = 1;
            } else if (got == 1 && strcmp(k1, key[0])) {
                strcpy(src[2], s1); strcpy(rid[2], r1); strcpy(key[2], k1);
                got = 2;
            }
        }
        p = e + 1;
    }
    ck_assert_int_eq(got, 2);
    free(keys);
    free(l);
    char lab[512];
    snprintf(lab, sizeof lab, "%s/../mrun-labels.csv", o);
    dc_buf_t b = DC_BUF_INIT;
    dc_buf_printf(&b, "source_a,record_id_a,source_b,record_id_b,decision\n%s,%s,%s,%s,non_match\n"
                      "%s,%s,%s,%s,match\nnot_an_input.csv,1,%s,%s,match\n",
                  src[0], rid[0], src[1], rid[1], src[0], rid[0], src[2], rid[2], src[2], rid[2]);
    ck_assert_int_eq(dc_test_write_file(lab, b.p, b.len), 0);
    ck_assert_int_eq(dc_test_run("%s run -q --labels %s --force -o %s %s/exports/*", DANCU_BIN, lab, o, G), 0);
    l = dc_test_read_file(lp, NULL);
    char k[3][64];
    for (int i = 0; i < 3; i++) {
        char needle[800];
        snprintf(needle, sizeof needle, "\n%s,%s,", src[i], rid[i]);
        char *q = strstr(l, needle);
        ck_assert_ptr_nonnull(q);
        ck_assert_int_eq(sscanf(q + strlen(needle), "%63[^,]", k[i]), 1);
    }
    ck_assert_str_ne(k[0], k[1]);   /* non_match: split */
    ck_assert_str_eq(k[0], k[2]);   /* match: joined */
    free(l);
    /* a bad decision: exit 1, nothing written */
    dc_buf_free(&b);
    dc_buf_printf(&b, "source_a,record_id_a,source_b,record_id_b,decision\n%s,%s,%s,%s,maybe\n", src[0], rid[0], src[1], rid[1]);
    ck_assert_int_eq(dc_test_write_file(lab, b.p, b.len), 0);
    char *o2 = dc_test_tmpdir("mrun-labels-bad");
    ck_assert_int_eq(dc_test_run("%s run -q --labels %s --force -o %s %s/exports/* 2>/dev/null", DANCU_BIN, lab, o2, G), 1);
    snprintf(lp, sizeof lp, "%s/links.csv", o2);
    ck_assert_ptr_null(dc_test_read_file(lp, NULL));
    dc_buf_free(&b);
    dc_test_run("rm -rf %s %s %s", o, o2, lab);
    free(o);
    free(o2);
}
END_TEST


/* Issue 15, settings file: extra columns are compared (model.json names
 * them, explain shows their levels), key blocking rules and give
 * cannot-link evidence; thresholds come from the file unless the command
 * line gives them; and `dancu explain` applies the run's cannot_link
 * setting (before: it always used every kind of evidence, so a pair of
 * opposite sexes run with "cannot_link id12,dob,twins" was shown as
 * vetoed). */
START_TEST(test_settings_file)
{
    char *d = dc_test_tmpdir("mrun-settings-in"), *o = dc_test_tmpdir("mrun-settings");
    char in[512], rules[512], out[512];
    snprintf(in, sizeof in, "%s/people.csv", d);
    snprintf(rules, sizeof rules, "%s/x.rules", d);
    snprintf(out, sizeof out, "%s/explain.json", d);
    static const char csv[] =
        "record_id,ho_ten,ngay_sinh,gioi_tinh,email,passport\n"
        "1,Nguyễn Văn An,01/02/1980,Nam,an@x.vn,P1\n"
        "2,Nguyễn Văn An,01/02/1980,Nữ,AN@X.VN ,P1\n"
        "3,Trần Thị Bình,03/04/1990,Nữ,binh@y.vn,P2\n"
        "4,Trần Thị Bình,03/04/1990,Nữ,binh@y.vn,P-3\n"
        "5,Lê Văn Cường,05/06/1970,Nam,cuong@z.vn,\n"
        "6,Phạm Minh Khôi,07/08/1971,Nam,cuong@z.vn,\n";
    ck_assert_int_eq(dc_test_write_file(in, csv, sizeof csv - 1), 0);
    static const char rt[] = "column email text\ncolumn passport text cannot_link\ncannot_link id12,dob,twins\n"
                             "match_threshold 0.99\nreview_threshold 0.2\nid12\nname_phon+dob\nemail\n";
    ck_assert_int_eq(dc_test_write_file(rules, rt, sizeof rt - 1), 0);
    ck_assert_int_eq(dc_test_run("%s run -q --force --rules %s -o %s %s", DANCU_BIN, rules, o, in), 0);
    char mp[512];
    snprintf(mp, sizeof mp, "%s/model.json", o);
    char *m = dc_test_read_file(mp, NULL);
    ck_assert_ptr_nonnull(m);
    ck_assert_ptr_nonnull(strstr(m, "\"email\": ["));
    ck_assert_ptr_nonnull(strstr(m, "\"passport\": ["));
    ck_assert_ptr_nonnull(strstr(m, "\"settings\": \"column email text\\ncolumn passport text cannot_link\\n"));
    ck_assert_double_eq_tol(json_num(m, "match_probability"), 0.99, 1e-9);
    ck_assert_double_eq_tol(json_num(m, "review_probability"), 0.2, 1e-9);
    /* the email rule pairs 5 and 6, whose names and dates share nothing */
    ck_assert_ptr_nonnull(strstr(m, "{\"rule\": \"email\", \"keyed_records\": 6, \"blocks\": 3,"));
    free(m);
    /* opposite sexes, sex not among the cannot_link kinds: no veto */
    ck_assert_int_eq(dc_test_run("%s explain --json -o %s --force %s people.csv:1 people.csv:2", DANCU_BIN, out, o), 0);
    char *x = dc_test_read_file(out, NULL);
    ck_assert_ptr_nonnull(x);
    ck_assert_ptr_nonnull(strstr(x, "\"cannot_link\": false"));
    free(x);
    /* different passports (a declared cannot_link column): vetoed; e-mails the same */
    ck_assert_int_eq(dc_test_run("%s explain -o %s --force %s people.csv:3 people.csv:4", DANCU_BIN, out, o), 0);
    x = dc_test_read_file(out, NULL);
    ck_assert_ptr_nonnull(x);
    ck_assert_ptr_nonnull(strstr(x, "cannot-link"));
    ck_assert_ptr_nonnull(strstr(x, "email"));
    free(x);
    /* the command line's threshold wins over the file's */
    ck_assert_int_eq(dc_test_run("%s run -q --force --rules %s --match-threshold 0.8 -o %s %s", DANCU_BIN, rules, o, in), 0);
    m = dc_test_read_file(mp, NULL);
    ck_assert_double_eq_tol(json_num(m, "match_probability"), 0.8, 1e-9);
    ck_assert_double_eq_tol(json_num(m, "review_probability"), 0.2, 1e-9);
    free(m);
    /* a master's stored records carry no extra column: refused (exit 1), not ignored */
    char mo[512];
    snprintf(mo, sizeof mo, "%s/master", d);
    ck_assert_int_eq(dc_test_run("%s run -q --force --rules %s --master %s -o %s %s 2>/dev/null", DANCU_BIN, rules, mo,
                                 o, in), 1);
    /* the defaults: every kind of evidence, so 1 and 2 are vetoed */
    ck_assert_int_eq(dc_test_run("%s run -q --force -o %s %s", DANCU_BIN, o, in), 0);
    ck_assert_int_eq(dc_test_run("%s explain --json -o %s --force %s people.csv:1 people.csv:2", DANCU_BIN, out, o), 0);
    x = dc_test_read_file(out, NULL);
    ck_assert_ptr_nonnull(strstr(x, "\"cannot_link\": true"));
    free(x);
    dc_test_run("rm -rf %s %s", o, d);
    free(o);
    free(d);
}
END_TEST

/* "require_name no": a row without a name is kept (not rejected as
 * no_name), matched on its other fields, and explained; the default
 * rejects it; refused with --master. */
START_TEST(test_require_name)
{
    char *d = dc_test_tmpdir("mrun-noname-in"), *o = dc_test_tmpdir("mrun-noname");
    char in[512], rules[512], out[512], p[512];
    snprintf(in, sizeof in, "%s/people.csv", d);
    snprintf(rules, sizeof rules, "%s/x.rules", d);
    snprintf(out, sizeof out, "%s/explain.txt", d);
    static const char csv[] =
        "record_id,ho_ten,ngay_sinh,gioi_tinh,email\n"
        "1,Nguyễn Văn An,01/02/1980,Nam,an@x.vn\n"
        "2,,01/02/1980,Nam,an@x.vn\n"
        "3,Trần Thị Bình,03/04/1990,Nữ,binh@y.vn\n";
    ck_assert_int_eq(dc_test_write_file(in, csv, sizeof csv - 1), 0);
    static const char rt[] = "column email text\nrequire_name no\ncannot_link id12,sex\nid12\nemail\n";
    ck_assert_int_eq(dc_test_write_file(rules, rt, sizeof rt - 1), 0);
    /* the default: rejected as no_name */
    ck_assert_int_eq(dc_test_run("%s run -q --force -o %s %s", DANCU_BIN, o, in), 0);
    snprintf(p, sizeof p, "%s/rejects.csv", o);
    char *r = dc_test_read_file(p, NULL);
    ck_assert_ptr_nonnull(r);
    ck_assert_ptr_nonnull(strstr(r, ",no_name,"));
    free(r);
    /* with the setting: kept, every row accounted for, and explained */
    ck_assert_int_eq(dc_test_run("%s run -q --force --rules %s -o %s %s", DANCU_BIN, rules, o, in), 0);
    ck_assert_uint_eq(count_lines(p), 1);   /* the header only */
    snprintf(p, sizeof p, "%s/links.csv", o);
    ck_assert_uint_eq(count_lines(p), 4);
    snprintf(p, sizeof p, "%s/model.json", o);
    char *m = dc_test_read_file(p, NULL);
    ck_assert_ptr_nonnull(strstr(m, "require_name no"));
    free(m);
    ck_assert_int_eq(dc_test_run("%s explain -o %s --force %s people.csv:1 people.csv:2", DANCU_BIN, out, o), 0);
    char *x = dc_test_read_file(out, NULL);
    ck_assert_ptr_nonnull(x);
    ck_assert_ptr_nonnull(strstr(x, "name       missing"));
    free(x);
    /* a master's rows are a register's: refused (exit 1) */
    char mo[512];
    snprintf(mo, sizeof mo, "%s/master", d);
    ck_assert_int_eq(dc_test_run("%s run -q --force --rules %s --master %s -o %s %s 2>/dev/null", DANCU_BIN, rules, mo,
                                 o, in), 1);
    dc_test_run("rm -rf %s %s", o, d);
    free(o);
    free(d);
}
END_TEST

/* (key, value) pairs of a CSV file: key = hash of two columns, value =
 * hash of a third; sorted by key (for precision_true / label_sample). */
typedef struct { uint64_t k, v; } kv_t;

static int cmp_kv(const void *a, const void *b)
{
    const kv_t *x = a, *y = b;
    return x->k < y->k ? -1 : x->k > y->k;
}

static uint64_t key2(const char *a, size_t na, const char *b, size_t nb)
{
    return dc_hash64_seed(b, nb, dc_hash64(a, na) ^ na);
}

static kv_t *read_kv(const char *path, const char *ca, const char *cb, const char *cv, size_t *n)
{
    size_t len, cap = 0;
    char *t = dc_test_read_file(path, &len);
    ck_assert_ptr_nonnull(t);
    dc_ref_csv_t c;
    ck_assert_int_eq(dc_ref_csv_open_mem(&c, path, t, len, ','), 0);
    int ia = dc_ref_csv_col(&c, ca), ib = dc_ref_csv_col(&c, cb), iv = dc_ref_csv_col(&c, cv);
    kv_t *v = NULL;
    *n = 0;
    while (dc_ref_csv_next(&c)) {
        v = dc_grow(v, &cap, *n + 1, sizeof *v);
        v[(*n)++] = (kv_t){key2(c.f[ia], c.flen[ia], c.f[ib], c.flen[ib]), dc_hash64(c.f[iv], c.flen[iv])};
    }
    dc_ref_csv_close(&c);
    free(t);
    return v;
}

static uint64_t kv_get(const kv_t *v, size_t n, uint64_t k)
{
    kv_t key = {k, 0};
    const kv_t *f = bsearch(&key, v, n, sizeof *v, cmp_kv);
    ck_assert_ptr_nonnull(f);
    return f->v;
}

/* The true precision of the run's linked rows: each row of a citizen with
 * two rows or more but its first, paired with the first (links order). */
static double precision_true(const char *links, const kv_t *truth, size_t nt)
{
    size_t nl;
    kv_t *l = read_kv(links, "source", "record_id", "citizen_key", &nl);   /* in links order */
    /* rows grouped by citizen: (citizen, row index) sorted */
    kv_t *ci = dc_xmalloc(nl * sizeof *ci);
    for (size_t i = 0; i < nl; i++) ci[i] = (kv_t){l[i].v, i};
    qsort(ci, nl, sizeof *ci, cmp_kv);   /* equal keys in any order: the smallest index is found below */
    double units = 0, ok = 0;
    for (size_t i = 0; i < nl;) {
        size_t j = i, first = ci[i].v;
        while (j < nl && ci[j].k == ci[i].k) { if (ci[j].v < first) first = ci[j].v; j++; }
        if (j - i > 1) {
            uint64_t pa = kv_get(truth, nt, l[first].k);
            for (size_t k = i; k < j; k++)
                if (ci[k].v != first) { units++; ok += kv_get(truth, nt, l[ci[k].v].k) == pa; }
        }
        i = j;
    }
    free(ci);
    free(l);
    return units ? ok / units : -1;
}

/* Issue 15, part 5: precision without a truth file. A run on data with a
 * known truth, made imprecise on purpose (thresholds 0.001, no cannot-link
 * evidence); `dancu sample` draws a stratified sample, labelled here from
 * the truth; `dancu precision` must give an interval holding the true
 * precision of the links. The draw is the same for the same seed. */
START_TEST(test_sample_precision)
{
    char *d = dc_test_tmpdir("mrun-prec-in"), *o = dc_test_tmpdir("mrun-prec");
    ck_assert_int_eq(dc_test_run("%s gen -q -n 3000 --seed 5 --dup-rate 0.3 --corruption holdout --provinces 01,79 "
                                 "-f -o %s", DANCU_BIN, d), 0);
    char rules[512], s1[512], s2[512], s3[512], lab[512], js[512], links[512], truth[512];
    snprintf(rules, sizeof rules, "%s/loose.rules", d);
    snprintf(s1, sizeof s1, "%s/s1.csv", d);
    snprintf(s2, sizeof s2, "%s/s2.csv", d);
    snprintf(s3, sizeof s3, "%s/s3.csv", d);
    snprintf(lab, sizeof lab, "%s/labelled.csv", d);
    snprintf(js, sizeof js, "%s/precision.json", d);
    snprintf(links, sizeof links, "%s/links.csv", o);
    snprintf(truth, sizeof truth, "%s/truth.csv", d);
    ck_assert_int_eq(dc_test_run("sed 's/^cannot_link.*/cannot_link none/; s/^drop_cannot_link yes/drop_cannot_link no/' "
                                 "%s/engine/ref/data/default_settings.rules > %s", DANCU_SRCDIR, rules), 0);
    ck_assert_int_eq(dc_test_run("%s run -q --rules %s --match-threshold 0.001 --review-threshold 0.001 --force -o %s "
                                 "%s/exports", DANCU_BIN, rules, o, d), 0);
    ck_assert_int_eq(dc_test_run("%s sample %s -o %s --sample-size 300 --seed 7", DANCU_BIN, o, s1), 0);
    ck_assert_int_eq(dc_test_run("%s sample %s -o %s --sample-size 300 --seed 7", DANCU_BIN, o, s2), 0);
    ck_assert_int_eq(dc_test_run("%s sample %s -o %s --sample-size 300 --seed 8", DANCU_BIN, o, s3), 0);
    ck_assert_int_eq(dc_test_run("cmp -s %s %s", s1, s2), 0);
    ck_assert_int_ne(dc_test_run("cmp -s %s %s", s1, s3), 0);
    ck_assert_int_eq(dc_test_run("%s sample %s -o %s --seed 7 2>/dev/null", DANCU_BIN, o, s1), 1);   /* exists */
    size_t nt;
    kv_t *t = read_kv(truth, "source", "record_id", "person_id", &nt);
    qsort(t, nt, sizeof *t, cmp_kv);
    double truep = precision_true(links, t, nt);
    ck_assert_msg(truep > 0.3 && truep < 0.9, "true precision %f: the run is not imprecise enough to test", truep);
    /* label the sample from the truth */
    size_t len;
    char *smp = dc_test_read_file(s1, &len);
    dc_ref_csv_t c;
    ck_assert_int_eq(dc_ref_csv_open_mem(&c, s1, smp, len, ','), 0);
    dc_buf_t b = DC_BUF_INIT;
    dc_buf_puts(&b, "source_a,record_id_a,source_b,record_id_b,decision\n");
    size_t rows = 0;
    while (dc_ref_csv_next(&c)) {
        int same = kv_get(t, nt, key2(c.f[0], c.flen[0], c.f[1], c.flen[1])) ==
                   kv_get(t, nt, key2(c.f[2], c.flen[2], c.f[3], c.flen[3]));
        dc_buf_printf(&b, "%s,%s,%s,%s,%s\n", c.f[0], c.f[1], c.f[2], c.f[3], same ? "match" : "non_match");
        rows++;
    }
    dc_ref_csv_close(&c);
    free(smp);
    ck_assert_uint_eq(rows, 300);
    ck_assert_int_eq(dc_test_write_file(lab, b.p, b.len), 0);
    dc_buf_free(&b);
    ck_assert_int_eq(dc_test_run("%s precision %s --labels %s --json > %s", DANCU_BIN, o, lab, js), 0);
    char *j = dc_test_read_file(js, NULL);
    ck_assert_ptr_nonnull(j);
    const char *ci = strstr(j, "\"ci95\": [");
    ck_assert_ptr_nonnull(ci);
    double lo = atof(ci + 9), hi = atof(strchr(ci, ',') + 1), p = json_num(j, "precision");
    ck_assert_msg(lo <= truep && truep <= hi, "true precision %f outside [%f, %f]", truep, lo, hi);
    ck_assert_msg(hi - lo < 0.2 && p > lo && p < hi, "estimate %f in [%f, %f]", p, lo, hi);
    free(j);
    /* a pair that is not a linked row of the run: an error naming the line */
    static const char bad[] = "source_a,record_id_a,source_b,record_id_b,decision\nx.csv,1,y.csv,2,match\n";
    ck_assert_int_eq(dc_test_write_file(lab, bad, sizeof bad - 1), 0);
    ck_assert_int_eq(dc_test_run("%s precision %s --labels %s 2>/dev/null", DANCU_BIN, o, lab), 1);
    free(t);
    dc_test_run("rm -rf %s %s", o, d);
    free(o);
    free(d);
}
END_TEST

/* ---------------------------------------------------- the lodger case */

/* Issue 15 part 3: one person registered in Hà Nội's permanent register
 * (ID, parents) and again as a lodger in Hồ Chí Minh City's temporary
 * register (another provincial file): same full name, birth date and
 * sex, no ID, no parents. The background gives EM what the national data
 * has: duplicates inside the Hà Nội file that share an ID and an address
 * (1,100: the ID anchors, from which the global residence m is taken),
 * people who moved and kept their ID on both sides (260), lodgers without
 * ID or parents in the other file (1,000), other people in either file
 * (1,000) and 40 namesakes of the lodger (a common name). */
static const char *const SUR[] = {"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"};
static const char *const SUR_A[] = {"Nguyen", "Tran", "Le", "Pham", "Hoang", "Huynh", "Phan", "Vu", "Vo", "Dang", "Bui", "Do"};
static const char *const MID[] = {"Văn", "Thị", "Hữu", "Đức", "Minh", "Quang", "Thanh", "Ngọc", "Xuân", "Hồng"};
static const char *const MID_A[] = {"Van", "Thi", "Huu", "Duc", "Minh", "Quang", "Thanh", "Ngoc", "Xuan", "Hong"};
static const char *const GIV[] = {"An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hòa",
                                  "Hùng", "Hương", "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Ngân", "Nhung",
                                  "Phong", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vân", "Yến"};
static const char *const GIV_A[] = {"An", "Binh", "Cuong", "Dung", "Giang", "Ha", "Hai", "Hanh", "Hieu", "Hoa",
                                    "Hung", "Huong", "Khanh", "Lan", "Linh", "Long", "Mai", "Nam", "Ngan", "Nhung",
                                    "Phong", "Phuc", "Quan", "Son", "Tam", "Thao", "Trang", "Tuan", "Van", "Yen"};
static const char *const HN[] = {"Phường Ngọc Lâm, Quận Long Biên, Thành phố Hà Nội",
                                 "Xã Tân Hội, Huyện Đan Phượng, Thành phố Hà Nội",
                                 "Phường Nhân Chính, Quận Thanh Xuân, Thành phố Hà Nội",
                                 "Phường Cát Linh, Quận Đống Đa, Thành phố Hà Nội"};
static const char *const HCM[] = {"Xã Bình Hưng, Huyện Bình Chánh, Thành phố Hồ Chí Minh",
                                  "Xã Phong Phú, Huyện Bình Chánh, Thành phố Hồ Chí Minh",
                                  "Phường 15, Quận 11, Thành phố Hồ Chí Minh", "Phường 1, Quận 5, Thành phố Hồ Chí Minh"};

typedef struct {
    char name[96], name_a[96], dob[16], id[16], father[96], mother[96];
    const char *sex;
} person_t;

static void lodger_person(int p, person_t *x)
{
    int i = p * 7919 % 3600, s = i % 12, m = i / 12 % 10, g = i / 120 % 30;
    snprintf(x->name, sizeof x->name, "%s %s %s", SUR[s], MID[m], GIV[g]);
    snprintf(x->name_a, sizeof x->name_a, "%s %s %s", SUR_A[s], MID_A[m], GIV_A[g]);
    x->sex = m == 1 ? "Nữ" : "Nam";
    int yr = 1960 + p * 13 % 40;
    snprintf(x->dob, sizeof x->dob, "%02d/%02d/%d", 1 + p % 28, 1 + p / 28 % 12, yr);
    snprintf(x->id, sizeof x->id, "001%d%02d%06d", m == 1, yr % 100, p);
    snprintf(x->father, sizeof x->father, "%s Văn %s", SUR[s], GIV[(i + 7) % 30]);
    snprintf(x->mother, sizeof x->mother, "%s Thị %s", SUR[(i + 3) % 12], GIV[(i + 11) % 30]);
}

/* One row: record_id, name, birth date, sex, ID, addresses, parents. */
static void lodger_row(FILE *f, const char *rid, const char *name, const person_t *x, const char *id, int house,
                       const char *addr, int parents)
{
    fprintf(f, "%s,%s,%s,%s,%s,\"Số %d, %s\",\"Số %d, %s\",%s,%s\n", rid, name, x->dob, x->sex, id, house, addr,
            house, addr, parents ? x->father : "", parents ? x->mother : "");
}

static void lodger_write(const char *dir)
{
    char pa[512], pb[512];
    snprintf(pa, sizeof pa, "%s/01_ha_noi_thuong_tru.csv", dir);
    snprintf(pb, sizeof pb, "%s/79_ho_chi_minh_tam_tru.csv", dir);
    FILE *a = fopen(pa, "w"), *b = fopen(pb, "w");
    ck_assert(a && b);
    static const char head[] = "record_id,ho_ten,ngay_sinh,gioi_tinh,so_dinh_danh,noi_thuong_tru,noi_o_hien_tai,"
                               "ho_ten_cha,ho_ten_me\n";
    fputs(head, a);
    fputs(head, b);
    int p = 0, ra = 0, rb = 0;
    char rid[32];
    person_t x;
    for (int k = 0; k < 1100; k++) {   /* twice in the Hà Nội file, with and without diacritics */
        lodger_person(++p, &x);
        snprintf(rid, sizeof rid, "%d", ++ra);
        lodger_row(a, rid, x.name, &x, x.id, k + 1, HN[k % 4], 1);
        snprintf(rid, sizeof rid, "%d", ++ra);
        lodger_row(a, rid, x.name_a, &x, x.id, k + 1, HN[k % 4], 1);
    }
    for (int k = 0; k < 1260; k++) {   /* moved with their ID (260), lodgers without (1,000) */
        lodger_person(++p, &x);
        snprintf(rid, sizeof rid, "%d", ++ra);
        lodger_row(a, rid, x.name, &x, x.id, k + 1, HN[k % 4], 1);
        snprintf(rid, sizeof rid, "%d", ++rb);
        lodger_row(b, rid, x.name, &x, k < 260 ? x.id : "", k + 1, HCM[k % 4], k < 260);
    }
    for (int k = 0; k < 1000; k++) {   /* one row each, in either file */
        lodger_person(++p, &x);
        snprintf(rid, sizeof rid, "%d", k % 2 ? ++ra : ++rb);
        lodger_row(k % 2 ? a : b, rid, x.name, &x, k % 3 ? x.id : "", k + 1, (k % 2 ? HN : HCM)[k % 4], 1);
    }
    /* the lodger, and namesakes born on other days */
    person_t l = {.name = "Nguyễn Văn Hùng", .dob = "12/03/1985", .sex = "Nam", .father = "Nguyễn Văn Tư",
                  .mother = "Trần Thị Hoa"};
    lodger_row(a, "L1", l.name, &l, "001085999001", 5, HN[0], 1);
    lodger_row(b, "L1", l.name, &l, "", 9, HCM[2], 0);
    for (int k = 0; k < 40; k++) {
        snprintf(l.dob, sizeof l.dob, "%02d/%02d/%d", 1 + k % 28, 1 + k % 12, 1950 + k % 50);
        snprintf(rid, sizeof rid, "N%d", k);
        lodger_row(k % 2 ? a : b, rid, l.name, &l, "", 1, (k % 2 ? HN : HCM)[k % 4], 0);
    }
    ck_assert_int_eq(fclose(a), 0);
    ck_assert_int_eq(fclose(b), 0);
}

/* The lodger pair explained (--json) from the run in `out`: its
 * probability; *own: 1 when its context's prior was used. */
static double lodger_explain(const char *out, const char *tmp, int *own, int *same_citizen)
{
    ck_assert_int_eq(dc_test_run("%s explain --json -o %s --force %s 01_ha_noi_thuong_tru.csv:L1 "
                                 "79_ho_chi_minh_tam_tru.csv:L1", DANCU_BIN, tmp, out), 0);
    char *x = dc_test_read_file(tmp, NULL);
    ck_assert_ptr_nonnull(x);
    ck_assert_ptr_nonnull(strstr(x, "\"context\": \"cross_file_other_province\""));
    *own = strstr(x, "\"prior_from\": \"context\"") != NULL;
    char ka[64] = "", kb[64] = "";
    const char *p = strstr(x, "\"citizen_key_a\": \""), *q = strstr(x, "\"citizen_key_b\": \"");
    if (p) sscanf(p + 18, "%63[^\"]", ka);
    if (q) sscanf(q + 18, "%63[^\"]", kb);
    *same_citizen = *ka && !strcmp(ka, kb);
    double prob = json_num(x, "match_probability");
    free(x);
    return prob;
}

START_TEST(test_lodger_context)
{
    char *d = dc_test_tmpdir("mrun-lodger-in"), *o = dc_test_tmpdir("mrun-lodger"),
         *o1 = dc_test_tmpdir("mrun-lodger-one");
    lodger_write(d);
    char tmp[512], mp[512], m0[512];
    snprintf(tmp, sizeof tmp, "%s/../mrun-lodger-explain.json", d);
    snprintf(mp, sizeof mp, "%s/model.json", o);
    snprintf(m0, sizeof m0, "%s/../mrun-lodger-one-context.json", d);
    ck_assert_int_eq(dc_test_run("%s run -q --force -t 2 -o %s %s", DANCU_BIN, o, d), 0);
    int own, same;
    double after = lodger_explain(o, tmp, &own, &same);
    ck_assert(own);
    ck_assert(same);
    /* the same model without its contexts (what a model.json of before
     * them means): one prior, one residence m/u */
    char *m = dc_test_read_file(mp, NULL);
    ck_assert_ptr_nonnull(m);
    char *c0 = strstr(m, ",\n  \"contexts\": ["), *c1 = c0 ? strstr(c0, "\n  ]") : NULL;
    ck_assert(c0 && c1);
    memmove(c0, c1 + 4, strlen(c1 + 4) + 1);
    ck_assert_int_eq(dc_test_write_file(m0, m, strlen(m)), 0);
    free(m);
    ck_assert_int_eq(dc_test_run("%s run -q --force -t 2 --model %s -o %s %s", DANCU_BIN, m0, o1, d), 0);
    double before = lodger_explain(o1, tmp, &own, &same);
    ck_assert(!own);
    ck_assert(!same);
    printf("lodger pair: match probability %.4f with one context, %.4f with the pair contexts\n", before, after);
    ck_assert_double_lt(before, 0.9);
    ck_assert_double_ge(after, 0.9);
    free(d);
    free(o);
    free(o1);
}
END_TEST

static Suite *match_run_suite(void)
{
    Suite *s = suite_create("match_run");
    TCase *t = dc_test_tcase("cli");
    tcase_add_test(t, test_run_quality_and_determinism);
    tcase_add_test(t, test_run_options);
    tcase_add_test(t, test_explain);
    tcase_add_test(t, test_run_exact_copies);
    tcase_add_test(t, test_run_labels);
    tcase_add_test(t, test_settings_file);
    tcase_add_test(t, test_require_name);
    tcase_add_test(t, test_sample_precision);
    tcase_add_test(t, test_lodger_context);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    int rc = dc_test_main(match_run_suite(), "match_run");
    if (G) {
        dc_test_run("rm -rf %s", G);
        free(G);
    }
    return rc;
}
