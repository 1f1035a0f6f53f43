/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_report.c - report.json (parsed back by a strict JSON checker and
 * compared to expected text), the cluster histogram, the
 * reconciliation and the summary (no personal data). */
#include "dc_test.h"
#include "merge/dc_merge.h"
#include "match/dc_match.h"
#include "common/dc_json.h"

#include <stdlib.h>
#include <string.h>

static int json_valid(const char *s) { return dc_test_json_valid(s, strlen(s)); }

START_TEST(test_json_checker)
{
    /* the checker itself must reject what is not JSON */
    static const struct { const char *s; int ok; } cases[] = {
        {"{}", 1}, {"{\"a\": [1, 2.5, -3, true, null, \"x\\n\"]}", 1}, {"[]", 1},
        {"{\"a\": 1,}", 0}, {"{a: 1}", 0}, {"[01]", 0}, {"{\"a\" 1}", 0}, {"[1] x", 0},
        {"\"\\q\"", 0}, {"[1.]", 0}, {"[1e-07, 2.5E+3]", 1}, {"[1e]", 0},
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++)
        ck_assert_msg(json_valid(cases[i].s) == cases[i].ok, "%s", cases[i].s);
}
END_TEST

/* ---------------------------------------------------------- a fake run */

typedef struct fake {
    dc_run_t run;
    dc_source_info_t src[2];
    char *cn[3];
    int cf[3];
    dc_record_t recs[6];
    uint32_t of[6], off[5], members[6];
    float prob[6];
    dc_hash128_t key[4];
} fake_t;

static void fake_run(fake_t *f, dc_intern_t *in)
{
    memset(f, 0, sizeof *f);
    dc_run_t *run = &f->run;
    run->in = in;
    run->opts.nthreads = 1;
    run->opts.max_reject_rate = 0.5;
    run->opts.match_threshold = 0.9;
    run->opts.review_threshold = 0.5;
    f->cn[0] = "Họ và tên";
    f->cn[1] = "Ngày sinh";
    f->cn[2] = "ghi_chu";
    f->cf[0] = DC_F_HO_TEN;
    f->cf[1] = DC_F_NGAY_SINH;
    f->cf[2] = -1;
    f->src[0] = (dc_source_info_t){.index = 0, .path = "in/tinh01.csv.zst", .name = "tinh01.csv",
                                   .compression = "zstd", .encoding = DC_ENC_TCVN3,
                                   .encoding_confidence = 0.97, .delimiter = ';', .crlf = 1,
                                   .ncols = 3, .col_names = f->cn, .col_field = f->cf,
                                   .rows_in = 6, .rows_ok = 4, .bytes_in = 300};
    f->src[0].rejected[DC_REJ_FIELD_COUNT] = 2;
    f->src[1] = (dc_source_info_t){.index = 1, .path = "tinh79.tsv", .name = "tinh79.tsv",
                                   .compression = "none", .encoding = DC_ENC_UTF8,
                                   .encoding_confidence = 1, .delimiter = '\t', .has_bom = 1,
                                   .rows_in = 3, .rows_ok = 2, .bytes_in = 100};
    f->src[1].rejected[DC_REJ_BAD_ENCODING] = 1;
    run->load = (dc_load_stats_t){.nsources = 2, .sources = f->src, .rows_in = 9, .rows_ok = 6,
                                  .rows_rejected = 3, .bytes_in = 400};
    run->recs = f->recs;
    run->nrec = 6;
    for (int i = 0; i < 6; i++) {
        dc_record_t *r = &f->recs[i];
        r->source = i < 4 ? 0 : 1;
        r->prov_src = i < 4 ? 1 : 79;
        r->sex = DC_SEX_MALE;
        r->dob = (dc_date_t){1970, 1, 2, DC_PREC_DAY, 0};
        r->id12 = 1070000000ull + (uint64_t)i;
        r->id12_flags = DC_ID_PRESENT | DC_ID_VALID;
        char rid[16];
        snprintf(rid, sizeof rid, "r%d", i);
        r->record_id = dc_intern(in, rid, strlen(rid));
    }
    f->recs[1].id12_flags = DC_ID_PRESENT | DC_ID_BAD_LENGTH;
    f->recs[2].id12_flags |= DC_ID_YEAR_MISMATCH;
    f->recs[3].dob = (dc_date_t){0, 0, 0, DC_PREC_NONE, DC_DATE_INVALID};
    f->recs[3].perm.flags = DC_ADDR_PRESENT | DC_ADDR_UNMATCHED;
    f->recs[4].dob = (dc_date_t){1970, 0, 0, DC_PREC_YEAR, 0};
    f->recs[4].id12 = 0;
    f->recs[4].id12_flags = 0;
    f->recs[5].name.flags = DC_NAME_NO_DIACRITICS;
    f->recs[5].sex = DC_SEX_CODE0;
    f->recs[5].prov_src = 0;
    /* clusters: {0,2,4} {1} {3,5} ... -> sizes 3, 1, 2 */
    static const uint32_t mem[6] = {0, 2, 4, 1, 3, 5};
    static const uint32_t off[4] = {0, 3, 4, 6};
    memcpy(f->members, mem, sizeof mem);
    memcpy(f->off, off, sizeof off);
    for (uint32_t c = 0; c < 3; c++)
        for (uint32_t k = off[c]; k < off[c + 1]; k++) f->of[mem[k]] = c;
    for (int i = 0; i < 6; i++) f->prob[i] = 1;
    for (int c = 0; c < 3; c++) f->key[c] = (dc_hash128_t){0, (uint64_t)c};
    run->cl = (dc_clusters_t){3, f->of, f->off, f->members, f->prob, f->key};
}

static const char expected[] =
    "{\n"
    "  \"dancu_version\": \"" DC_VERSION "\",\n"
    "  \"run\": {\n"
    "    \"threads\": 1,\n"
    "    \"format\": \"csv\",\n"
    "    \"compress\": false,\n"
    "    \"match_threshold\": 0.9000,\n"
    "    \"review_threshold\": 0.5000,\n"
    "    \"max_reject_rate\": 0.5000,\n"
    "    \"status\": \"ok\"\n"
    "  },\n"
    "  \"inputs\": [\n"
    "    {\n"
    "      \"index\": 0,\n"
    "      \"path\": \"in/tinh01.csv.zst\",\n"
    "      \"source\": \"tinh01.csv\",\n"
    "      \"record_identity\": \"record_id\",\n"
    "      \"compression\": \"zstd\",\n"
    "      \"encoding\": \"%s\",\n"
    "      \"encoding_confidence\": 0.970,\n"
    "      \"delimiter\": \";\",\n"
    "      \"bom\": false,\n"
    "      \"crlf\": true,\n"
    "      \"bytes\": 300,\n"
    "      \"rows\": 6,\n"
    "      \"accepted\": 4,\n"
    "      \"rejected\": 2,\n"
    "      \"rejected_by_reason\": {\n"
    "        \"%s\": 2\n"
    "      },\n"
    "      \"header\": [\n"
    "        {\n"
    "          \"column\": \"Họ và tên\",\n"
    "          \"field\": \"ho_ten\"\n"
    "        },\n"
    "        {\n"
    "          \"column\": \"Ngày sinh\",\n"
    "          \"field\": \"ngay_sinh\"\n"
    "        },\n"
    "        {\n"
    "          \"column\": \"ghi_chu\",\n"
    "          \"field\": null\n"
    "        }\n"
    "      ]\n"
    "    },\n"
    "    {\n"
    "      \"index\": 1,\n"
    "      \"path\": \"tinh79.tsv\",\n"
    "      \"source\": \"tinh79.tsv\",\n"
    "      \"record_identity\": \"record_id\",\n"
    "      \"compression\": \"none\",\n"
    "      \"encoding\": \"%s\",\n"
    "      \"encoding_confidence\": 1.000,\n"
    "      \"delimiter\": \"\\\\t\",\n"
    "      \"bom\": true,\n"
    "      \"crlf\": false,\n"
    "      \"bytes\": 100,\n"
    "      \"rows\": 3,\n"
    "      \"accepted\": 2,\n"
    "      \"rejected\": 1,\n"
    "      \"rejected_by_reason\": {\n"
    "        \"%s\": 1\n"
    "      },\n"
    "      \"header\": []\n"
    "    }\n"
    "  ],\n"
    "  \"stages\": [],\n"
    "  \"clusters\": {\n"
    "    \"citizens\": 3,\n"
    "    \"records\": 6,\n"
    "    \"max_size\": 3,\n"
    "    \"size_histogram\": {\n"
    "      \"1\": 1,\n"
    "      \"2\": 1,\n"
    "      \"3\": 1,\n"
    "      \"4\": 0,\n"
    "      \"5\": 0,\n"
    "      \"6-10\": 0,\n"
    "      \"11-20\": 0,\n"
    "      \"21-50\": 0,\n"
    "      \"51-100\": 0,\n"
    "      \">100\": 0\n"
    "    }\n"
    "  },\n";

START_TEST(test_report_text)
{
    dc_intern_t *in = dc_intern_create();
    fake_t f;
    fake_run(&f, in);
    dc_buf_t b = DC_BUF_INIT;
    dc_report_json(&f.run, &b);
    ck_assert_msg(json_valid(b.p), "report is not valid JSON:\n%s", b.p);
    char want[8192];
    snprintf(want, sizeof want, expected, dc_encoding_name(DC_ENC_TCVN3),
             dc_reject_reason_name(DC_REJ_FIELD_COUNT), dc_encoding_name(DC_ENC_UTF8),
             dc_reject_reason_name(DC_REJ_BAD_ENCODING));
    ck_assert_msg(!strncmp(b.p, want, strlen(want)), "head differs:\n%s", b.p);

    /* survivorship before merging: zeros; quality and reconciliation */
    const char *q = strstr(b.p, "\"data_quality_by_province\": [");
    ck_assert_ptr_nonnull(q);
    static const char quality[] =
        "\"data_quality_by_province\": [\n"
        "    {\n"
        "      \"province\": \"01\",\n"
        "      \"rows\": 4,\n"
        "      \"id12_missing\": 0,\n"
        "      \"id12_invalid\": 1,\n"
        "      \"id12_inconsistent\": 1,\n"
        "      \"cmnd_invalid\": 0,\n"
        "      \"dob_missing\": 0,\n"
        "      \"dob_invalid\": 1,\n"
        "      \"dob_ambiguous\": 0,\n"
        "      \"dob_year_only\": 0,\n"
        "      \"sex_unknown\": 0,\n"
        "      \"name_no_diacritics\": 0,\n"
        "      \"name_placeholder\": 0,\n"
        "      \"address_unmatched\": 1,\n"
        "      \"address_ambiguous_2025\": 0\n"
        "    },\n"
        "    {\n"
        "      \"province\": \"79\",\n"
        "      \"rows\": 1,\n"
        "      \"id12_missing\": 1,\n"
        "      \"id12_invalid\": 0,\n"
        "      \"id12_inconsistent\": 0,\n"
        "      \"cmnd_invalid\": 0,\n"
        "      \"dob_missing\": 0,\n"
        "      \"dob_invalid\": 0,\n"
        "      \"dob_ambiguous\": 0,\n"
        "      \"dob_year_only\": 1,\n"
        "      \"sex_unknown\": 0,\n"
        "      \"name_no_diacritics\": 0,\n"
        "      \"name_placeholder\": 0,\n"
        "      \"address_unmatched\": 0,\n"
        "      \"address_ambiguous_2025\": 0\n"
        "    },\n"
        "    {\n"
        "      \"province\": null,\n"
        "      \"rows\": 1,\n";
    ck_assert_msg(!strncmp(q, quality, strlen(quality)), "quality differs:\n%s", q);
    static const char recon[] =
        "  \"reconciliation\": {\n"
        "    \"input_rows\": 9,\n"
        "    \"linked_rows\": 6,\n"
        "    \"rejected_rows\": 3,\n"
        "    \"balanced\": true,\n"
        "    \"citizens\": 3,\n"
        "    \"duplicates_removed\": 3,\n"
        "    \"reject_rate\": 0.333333,\n"
        "    \"reject_rate_exceeded\": false\n"
        "  }\n"
        "}\n";
    ck_assert_uint_ge(b.len, strlen(recon));
    ck_assert_str_eq(b.p + b.len - strlen(recon), recon);
    dc_buf_free(&b);
    dc_intern_free(in);
}
END_TEST

START_TEST(test_report_after_merge)
{
    dc_intern_t *in = dc_intern_create();
    fake_t f;
    fake_run(&f, in);
    f.run.opts.max_reject_rate = 0.25;   /* 3/9 rejected: over the limit */
    f.run.load.rows_in = 10;              /* one row unaccounted for */
    ck_assert_int_eq(dc_merge_run(&f.run), 0);
    dc_buf_t b = DC_BUF_INIT;
    dc_report_json(&f.run, &b);
    ck_assert_msg(json_valid(b.p), "report is not valid JSON:\n%s", b.p);
    ck_assert_ptr_nonnull(strstr(b.p, "\"balanced\": false"));
    ck_assert_ptr_nonnull(strstr(b.p, "\"reject_rate_exceeded\": true"));
    ck_assert_ptr_nonnull(strstr(b.p, "\"status\": \"failed: reject rate above --max-reject-rate\""));
    /* clusters {0,2,4} and {3,5} each hold two distinct valid IDs */
    ck_assert_msg(strstr(b.p, "\"id12_conflict\": 2,") != NULL, "%s", b.p);
    ck_assert_ptr_nonnull(strstr(b.p, "\"name\": \"merge\","));
    /* no record value leaks into the report */
    ck_assert_ptr_null(strstr(b.p, "107000000"));
    dc_buf_free(&b);

    /* the summary: counts only */
    char *dir = dc_test_tmpdir("report-summary");
    char path[600];
    snprintf(path, sizeof path, "%s/summary.txt", dir);
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    dc_report_summary(&f.run, fp);
    fclose(fp);
    char *s = dc_test_read_file(path, NULL);
    ck_assert_ptr_nonnull(strstr(s, "  inputs      2 files, 10 rows\n"));
    ck_assert_ptr_nonnull(strstr(s, "  citizens    3   duplicates removed 3\n"));
    ck_assert_ptr_nonnull(strstr(s, "NO: input != linked + rejected"));
    ck_assert_ptr_null(strstr(s, "107000000"));
    int lines = 0;
    for (const char *p = s; *p; p++) lines += *p == '\n';
    ck_assert_int_le(lines, 24);
    free(s);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
    dc_merge_free(&f.run);
    dc_intern_free(in);
}
END_TEST

START_TEST(test_histogram)
{
    static const struct { uint32_t sizes[8]; size_t n; uint64_t want[DC_REPORT_NBINS]; uint32_t max; } cases[] = {
        {{1, 1, 2}, 3, {2, 1, 0, 0, 0, 0, 0, 0, 0, 0}, 2},
        {{5, 6, 10, 11, 20, 21}, 6, {0, 0, 0, 0, 1, 2, 2, 1, 0, 0}, 21},
        {{50, 51, 100, 101, 5000}, 5, {0, 0, 0, 0, 0, 0, 0, 1, 2, 2}, 5000},
        {{0}, 0, {0}, 0},
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++) {
        uint32_t off[9] = {0};
        for (size_t k = 0; k < cases[i].n; k++) off[k + 1] = off[k] + cases[i].sizes[k];
        dc_clusters_t cl = {(uint32_t)cases[i].n, NULL, off, NULL, NULL, NULL};
        dc_cluster_totals_t t;
        dc_report_cluster_totals(&cl, &t);
        for (int b = 0; b < DC_REPORT_NBINS; b++)
            ck_assert_msg(t.hist[b] == cases[i].want[b], "case %zu bin %d: %llu", i, b, (unsigned long long)t.hist[b]);
        ck_assert_uint_eq(t.max_size, cases[i].max);
    }
}
END_TEST

START_TEST(test_report_file)
{
    dc_intern_t *in = dc_intern_create();
    fake_t f;
    fake_run(&f, in);
    char *dir = dc_test_tmpdir("report-file");
    char out[512], p[600];
    snprintf(out, sizeof out, "%s/out", dir);
    f.run.opts.outdir = out;
    f.run.opts.compress = 1;
    ck_assert_int_eq(dc_output_begin(&f.run), 0);
    ck_assert_int_eq(dc_report_write(&f.run), 0);
    ck_assert_int_eq(dc_output_commit(&f.run), 0);
    snprintf(p, sizeof p, "%s/report.json.zst", out);
    ck_assert_int_eq(dc_test_run("zstd -q -d -c '%s' > '%s/r.json'", p, dir), 0);
    snprintf(p, sizeof p, "%s/r.json", dir);
    char *txt = dc_test_read_file(p, NULL);
    ck_assert_ptr_nonnull(txt);
    ck_assert(json_valid(txt));
    ck_assert_ptr_nonnull(strstr(txt, "\"compress\": true"));
    free(txt);
    dc_merge_free(&f.run);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
    dc_intern_free(in);
}
END_TEST

/* With a match stage: blocking per rule, the model and clustering figures,
 * read back with the JSON reader. */
START_TEST(test_report_match_sections)
{
    dc_intern_t *in = dc_intern_create();
    fake_t f;
    fake_run(&f, in);
    dc_match_state_t *ms = calloc(1, sizeof *ms);
    ck_assert_int_eq(dc_rules_parse("id12\nname_phon+dob_year\nmax_block 500\n", "test", &ms->rules), 0);
    ms->bstats.nrules = 2;
    ms->bstats.rule = calloc(2, sizeof *ms->bstats.rule);
    ms->bstats.rule[0] = (dc_rule_stats_t){.keyed = 5, .blocks = 2, .largest = 3, .pairs = 4, .pairs_new = 4};
    ms->bstats.rule[1] = (dc_rule_stats_t){.keyed = 6, .blocks = 1, .largest = 600, .capped_blocks = 1,
                                           .capped_rows = 600, .pairs = 7, .pairs_new = 3};
    ms->bstats.pairs = 7;
    dc_model_init_default(&ms->model);
    ms->cstats.accepted = 3;
    ms->cstats.refused = 1;
    ms->review_rows = 2;
    f.run.match = ms;
    dc_buf_t b = DC_BUF_INIT;
    dc_report_json(&f.run, &b);
    if (!json_valid(b.p)) fputs(b.p, stderr);
    ck_assert(json_valid(b.p));
    dc_arena_t a;
    dc_arena_init(&a, 1 << 16);
    dc_json_t *root = dc_json_parse(b.p, b.len, &a);
    ck_assert_ptr_nonnull(root);
    const dc_json_t *bl = dc_json_get(root, "blocking");
    ck_assert_ptr_nonnull(bl);
    ck_assert_int_eq((int)dc_json_num(dc_json_get(bl, "candidate_pairs"), -1), 7);
    ck_assert_int_eq((int)dc_json_num(dc_json_get(bl, "max_block"), -1), 500);
    const dc_json_t *rules = dc_json_get(bl, "rules");
    ck_assert_ptr_nonnull(rules);
    ck_assert_uint_eq(rules->len, 2);
    const dc_json_t *r1 = rules->child->next;
    ck_assert_str_eq(dc_json_str(dc_json_get(r1, "rule")), ms->rules.r[1].text);
    ck_assert_int_eq((int)dc_json_num(dc_json_get(r1, "capped_blocks"), -1), 1);
    ck_assert_int_eq((int)dc_json_num(dc_json_get(r1, "pairs_new"), -1), 3);
    const dc_json_t *model = dc_json_get(root, "model");
    ck_assert_ptr_nonnull(model);
    ck_assert_str_eq(dc_json_str(dc_json_get(model, "format")), "dancu-model-1");
    ck_assert_ptr_nonnull(dc_json_get(dc_json_get(model, "columns"), "name"));
    const dc_json_t *cl = dc_json_get(root, "clustering");
    ck_assert_int_eq((int)dc_json_num(dc_json_get(cl, "unions_refused_cannot_link"), -1), 1);
    ck_assert_int_eq((int)dc_json_num(dc_json_get(cl, "review_pairs"), -1), 2);
    const dc_json_t *rec = dc_json_get(root, "reconciliation");
    ck_assert_int_eq((int)dc_json_num(dc_json_get(rec, "input_rows"), -1), 9);
    ck_assert_int_eq((int)dc_json_num(dc_json_get(rec, "balanced"), -1), 1);
    dc_arena_free(&a);
    dc_buf_free(&b);
    f.run.match = NULL;
    dc_rules_free(&ms->rules);
    free(ms->bstats.rule);
    free(ms);
    dc_intern_free(in);
}
END_TEST

static Suite *report_suite(void)
{
    Suite *s = suite_create("report");
    TCase *tc = dc_test_tcase("report");
    tcase_add_test(tc, test_json_checker);
    tcase_add_test(tc, test_report_text);
    tcase_add_test(tc, test_report_after_merge);
    tcase_add_test(tc, test_histogram);
    tcase_add_test(tc, test_report_match_sections);
    tcase_add_test(tc, test_report_file);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return dc_test_main(report_suite(), "report"); }
