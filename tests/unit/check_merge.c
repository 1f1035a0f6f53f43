/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_merge.c - survivorship rules (table-driven, on hand-built records),
 * the citizens table, and determinism across thread counts. */
#include "dc_test.h"
#include "merge/dc_merge.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static dc_intern_t *g_in;

static uint32_t S(const char *s) { return s && *s ? dc_intern(g_in, s, strlen(s)) : 0; }

static void setup(void) { g_in = dc_intern_create(); }
static void teardown(void) { dc_intern_free(g_in); g_in = NULL; }

/* A row in compact text form, for the tables below. */
typedef struct trow {
    const char *exact, *ascii;     /* name keys ("" none) */
    int ntok, diac, placeholder;
    const char *dob;               /* "1950", "1950-03", "1950-03-14", "!" invalid, "?" + date ambiguous */
    int sex;                       /* DC_SEX_* */
    const char *id12;              /* "" none, "!..." present but invalid */
    int ethnic, nat, rel;          /* dan_toc, quoc_tich (ISO numeric), ton_giao codes */
    const char *perm;              /* address text */
    uint32_t perm_ward;
    int temp;                      /* from a temporary-residence register */
    const char *cur;
} trow_t;

static void parse_date(const char *s, dc_date_t *d)
{
    memset(d, 0, sizeof *d);
    if (!s || !*s) return;
    if (*s == '!') { d->flags = DC_DATE_INVALID; return; }
    if (*s == '?') { d->flags = DC_DATE_AMBIGUOUS; s++; }
    int y = 0, m = 0, dd = 0;
    int k = sscanf(s, "%d-%d-%d", &y, &m, &dd);
    d->y = (int16_t)y;
    d->m = (uint8_t)m;
    d->d = (uint8_t)dd;
    d->prec = (uint8_t)k;
}

static void make_rec(const trow_t *t, uint32_t source, dc_record_t *r)
{
    memset(r, 0, sizeof *r);
    r->source = source;
    r->name.exact = S(t->exact);
    r->name.ascii = S(t->ascii);
    r->name.ntok = (uint8_t)t->ntok;
    r->name.has_diacritics = (uint8_t)t->diac;
    if (!t->diac && t->ascii && *t->ascii) r->name.flags |= DC_NAME_NO_DIACRITICS;
    if (t->placeholder) r->name.flags |= DC_NAME_PLACEHOLDER;
    parse_date(t->dob, &r->dob);
    r->sex = (uint8_t)t->sex;
    if (t->id12 && *t->id12) {
        r->id12_flags = DC_ID_PRESENT;
        if (t->id12[0] != '!') {
            r->id12 = strtoull(t->id12, NULL, 10);
            r->id12_flags |= DC_ID_VALID;
        }
    }
    r->ethnic = (uint8_t)t->ethnic;
    r->nationality = (uint16_t)t->nat;
    r->religion = (uint8_t)t->rel;
    if (t->perm && *t->perm) {
        r->perm.text = S(t->perm);
        r->perm.flags = DC_ADDR_PRESENT;
        r->perm.ward_old = t->perm_ward;
    }
    if (t->cur && *t->cur) {
        r->cur.text = S(t->cur);
        r->cur.flags = DC_ADDR_PRESENT;
    }
    if (t->temp) r->rec_flags |= DC_REC_TEMP_REGISTER;
}

static void merge_rows(const trow_t *rows, size_t n, dc_citizen_t *out)
{
    dc_record_t *recs = calloc(n, sizeof *recs);
    uint32_t *mem = calloc(n, sizeof *mem);
    for (size_t i = 0; i < n; i++) {
        make_rec(&rows[i], (uint32_t)i, &recs[i]);
        mem[i] = (uint32_t)i;
    }
    dc_merge_cluster(g_in, recs, mem, n, out);
    free(recs);
    free(mem);
}

#define MAXR 6
#define N(e, a, nt, d, p) {.exact = e, .ascii = a, .ntok = nt, .diac = d, .placeholder = p}
#define F(x) (1u << (x))

/* ------------------------------------------------------------------ IDs */

START_TEST(test_id12_rules)
{
    static const struct {
        const char *what;
        trow_t rows[MAXR];
        size_t n;
        const char *want;      /* expected so_dinh_danh, "" none */
        uint32_t flags;        /* expected flags (exact) */
    } cases[] = {
        {"consistent ID beats a more frequent inconsistent one",
         {{.sex = DC_SEX_MALE, .dob = "1950", .id12 = "001150000002"},
          {.sex = DC_SEX_MALE, .dob = "1950", .id12 = "001150000002"},
          {.sex = DC_SEX_MALE, .dob = "1950", .id12 = "001050000001"}},
         3, "001050000001", F(DC_CF_ID12_CONFLICT)},
        {"year decides between two valid IDs",
         {{.sex = DC_SEX_FEMALE, .dob = "2003-05-01", .id12 = "079303000011"},
          {.sex = DC_SEX_FEMALE, .dob = "2003-05-01", .id12 = "079199000011"}},
         2, "079303000011", F(DC_CF_ID12_CONFLICT)},
        {"valid beats more frequent invalid",
         {{.id12 = "!123"}, {.id12 = "!123"}, {.id12 = "!123"}, {.id12 = "001085000123"}},
         4, "001085000123", 0},
        {"only invalid IDs: none output, flagged",
         {{.id12 = "!12"}, {.id12 = "!99"}}, 2, "", F(DC_CF_ID12_INVALID_ONLY)},
        {"frequency between two consistent IDs",
         {{.id12 = "001085000001"}, {.id12 = "001085000002"}, {.id12 = "001085000002"}},
         3, "001085000002", F(DC_CF_ID12_CONFLICT)},
        {"tie between two consistent IDs: earliest row",
         {{.id12 = "001085000009"}, {.id12 = "001085000002"}},
         2, "001085000009", F(DC_CF_ID12_CONFLICT)},
        {"single ID inconsistent with the settled sex is kept but flagged",
         {{.sex = DC_SEX_MALE, .id12 = "001185000001"}, {.sex = DC_SEX_MALE}, {.sex = DC_SEX_MALE}},
         3, "001185000001", F(DC_CF_ID12_INCONSISTENT)},
        {"no ID at all", {{.sex = DC_SEX_MALE}}, 1, "", 0},
        {"tie: the permanent register's ID beats an earlier temporary one",
         {{.id12 = "001085000009", .temp = 1}, {.id12 = "001085000002"}},
         2, "001085000002", F(DC_CF_ID12_CONFLICT)},
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++) {
        dc_citizen_t c;
        merge_rows(cases[i].rows, cases[i].n, &c);
        char got[24] = "";
        if (c.id12) snprintf(got, sizeof got, "%012llu", (unsigned long long)c.id12);
        ck_assert_msg(!strcmp(got, cases[i].want), "%s: got '%s' want '%s'", cases[i].what, got,
                      cases[i].want);
        ck_assert_msg(c.flags == cases[i].flags, "%s: flags %#x want %#x", cases[i].what, c.flags,
                      cases[i].flags);
        ck_assert_uint_eq(c.nrows, cases[i].n);
    }
}
END_TEST

/* ---------------------------------------------------------------- names */

START_TEST(test_name_rules)
{
    static const struct {
        const char *what;
        trow_t rows[MAXR];
        size_t n;
        const char *want_exact;
        int conflict;
    } cases[] = {
        {"diacritics beat the same name without, even when outnumbered",
         {N("nguyen van an", "nguyen van an", 3, 0, 0), N("nguyen van an", "nguyen van an", 3, 0, 0),
          N("nguyễn văn an", "nguyen van an", 3, 1, 0)},
         3, "nguyễn văn an", 0},
        {"most frequent normalized value",
         {N("trần văn bình", "tran van binh", 3, 1, 0), N("trần văn minh", "tran van minh", 3, 1, 0),
          N("tran van binh", "tran van binh", 3, 0, 0)},
         3, "trần văn bình", 1},
        {"tie: the more complete name",
         {N("lê hoa", "le hoa", 2, 1, 0), N("lê thị hoa", "le thi hoa", 3, 1, 0)},
         2, "lê thị hoa", 1},
        {"tie with equal completeness: diacritics, then earliest",
         {N("pham van tu", "pham van tu", 3, 0, 0), N("phạm văn tư", "pham van tu", 3, 1, 0),
          N("phạm văn tú", "pham van tu", 3, 1, 0)},
         3, "phạm văn tư", 0},
        {"placeholders lose whatever their number",
         {N("không rõ", "khong ro", 2, 1, 1), N("không rõ", "khong ro", 2, 1, 1),
          N("hoàng thị mai", "hoang thi mai", 3, 1, 0)},
         3, "hoàng thị mai", 0},
        {"same exact form twice vs once within one ascii key",
         {N("đỗ văn hòa", "do van hoa", 3, 1, 0), N("đỗ văn hoà", "do van hoa", 3, 1, 0),
          N("đỗ văn hoà", "do van hoa", 3, 1, 0)},
         3, "đỗ văn hoà", 0},
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++) {
        dc_citizen_t c;
        merge_rows(cases[i].rows, cases[i].n, &c);
        const char *got = dc_intern_str(g_in, c.name.exact, NULL);
        ck_assert_msg(!strcmp(got, cases[i].want_exact), "%s: got '%s'", cases[i].what, got);
        ck_assert_msg(!!(c.flags & F(DC_CF_NAME_CONFLICT)) == cases[i].conflict, "%s: conflict flag",
                      cases[i].what);
    }
}
END_TEST

/* ---------------------------------------------------------------- dates */

START_TEST(test_date_rules)
{
    static const struct {
        const char *what;
        const char *dobs[MAXR];
        size_t n;
        const char *want;
        uint32_t flags;
    } cases[] = {
        {"nested precisions agree: the most precise wins", {"1950", "1950-03", "1950-03-14"}, 3,
         "1950-03-14", 0},
        {"order does not matter", {"1950-03-14", "1950", "1950-03"}, 3, "1950-03-14", 0},
        {"majority against a contradicting year", {"1950-03-14", "1951-03-14", "1950-03-14"}, 3,
         "1950-03-14", F(DC_CF_DOB_CONFLICT)},
        {"contested day: the agreed, less precise value", {"1950-03-14", "1950-04-02", "1950"}, 3,
         "1950", F(DC_CF_DOB_CONFLICT)},
        {"tie of contradicting days: earliest row", {"1960-01-02", "1960-02-01"}, 2, "1960-01-02",
         F(DC_CF_DOB_CONFLICT)},
        {"an unambiguous reading beats an ambiguous one", {"?1970-04-03", "1970-03-04"}, 2,
         "1970-03-04", F(DC_CF_DOB_CONFLICT)},
        {"unreadable dates are ignored", {"!", "1980-12"}, 2, "1980-12", 0},
        {"only unreadable dates", {"!", "!"}, 2, "", F(DC_CF_DOB_INVALID_ONLY)},
        {"no date", {""}, 1, "", 0},
        {"year-only majority vs one full date", {"1945", "1945", "1945-08-19"}, 3, "1945-08-19", 0},
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++) {
        trow_t rows[MAXR];
        memset(rows, 0, sizeof rows);
        for (size_t k = 0; k < cases[i].n; k++) rows[k].dob = cases[i].dobs[k];
        dc_citizen_t c;
        merge_rows(rows, cases[i].n, &c);
        char got[16];
        dc_merge_format_date(&c.dob, got);
        ck_assert_msg(!strcmp(got, cases[i].want), "%s: got '%s' want '%s'", cases[i].what, got,
                      cases[i].want);
        ck_assert_msg(c.flags == cases[i].flags, "%s: flags %#x want %#x", cases[i].what, c.flags,
                      cases[i].flags);
    }
}
END_TEST

START_TEST(test_format_date)
{
    static const struct { dc_date_t d; const char *want; } cases[] = {
        {{1950, 0, 0, DC_PREC_YEAR, 0}, "1950"},
        {{1950, 3, 0, DC_PREC_MONTH, 0}, "1950-03"},
        {{1950, 3, 14, DC_PREC_DAY, 0}, "1950-03-14"},
        {{905, 1, 2, DC_PREC_DAY, 0}, "0905-01-02"},
        {{0, 0, 0, DC_PREC_NONE, 0}, ""},
        {{1950, 3, 14, DC_PREC_NONE, DC_DATE_INVALID}, ""},
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++) {
        char b[16];
        dc_merge_format_date(&cases[i].d, b);
        ck_assert_str_eq(b, cases[i].want);
    }
}
END_TEST

/* ------------------------------------------------------ sex and codes */

START_TEST(test_sex_and_codes)
{
    static const struct {
        const char *what;
        trow_t rows[MAXR];
        size_t n;
        int sex, ethnic;
        uint32_t flags;
        int nat, rel;
    } cases[] = {
        {"majority sex", {{.sex = DC_SEX_MALE}, {.sex = DC_SEX_FEMALE}, {.sex = DC_SEX_MALE}}, 3,
         DC_SEX_MALE, 0, F(DC_CF_SEX_CONFLICT), 0, 0},
        {"tie: the sex the valid ID encodes",
         {{.sex = DC_SEX_MALE}, {.sex = DC_SEX_FEMALE, .id12 = "001190000001"}}, 2, DC_SEX_FEMALE, 0,
         F(DC_CF_SEX_CONFLICT), 0, 0},
        {"unresolved codes do not vote", {{.sex = DC_SEX_CODE1}, {.sex = DC_SEX_FEMALE}}, 2,
         DC_SEX_FEMALE, 0, 0, 0, 0},
        {"ethnic: most frequent", {{.ethnic = 4}, {.ethnic = 1}, {.ethnic = 1}}, 3, 0, 1,
         F(DC_CF_ETHNIC_CONFLICT), 0, 0},
        {"ethnic: tie goes to the earliest row", {{.ethnic = 6}, {.ethnic = 1}}, 2, 0, 6,
         F(DC_CF_ETHNIC_CONFLICT), 0, 0},
        {"ethnic: missing values do not count", {{.ethnic = 0}, {.ethnic = 0}, {.ethnic = 3}}, 3, 0, 3,
         0, 0, 0},
        {"nationality (two-byte code): majority", {{.nat = 418}, {.nat = 704}, {.nat = 704}}, 3, 0, 0,
         F(DC_CF_NATIONALITY_CONFLICT), 704, 0},
        {"religion: tie goes to the earliest, unknown does not vote",
         {{.rel = 0}, {.rel = 15}, {.rel = 2}}, 3, 0, 0, F(DC_CF_RELIGION_CONFLICT), 0, 15},
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++) {
        dc_citizen_t c;
        merge_rows(cases[i].rows, cases[i].n, &c);
        ck_assert_msg(c.sex == cases[i].sex, "%s: sex %d", cases[i].what, c.sex);
        ck_assert_msg(c.nationality == cases[i].nat, "%s: nationality %d", cases[i].what, c.nationality);
        ck_assert_msg(c.religion == cases[i].rel, "%s: religion %d", cases[i].what, c.religion);
        ck_assert_msg(c.ethnic == cases[i].ethnic, "%s: ethnic %d", cases[i].what, c.ethnic);
        ck_assert_msg(c.flags == cases[i].flags, "%s: flags %#x want %#x", cases[i].what, c.flags,
                      cases[i].flags);
    }
}
END_TEST

/* ------------------------------------------------------------ addresses */

START_TEST(test_address_rules)
{
    static const struct {
        const char *what;
        trow_t rows[MAXR];
        size_t n;
        const char *perm, *cur;
        uint32_t flags;
    } cases[] = {
        {"permanent register beats a more frequent temporary one",
         {{.perm = "Xã A, Huyện B", .temp = 1, .cur = "Phường C"},
          {.perm = "Xã A, Huyện B", .temp = 1, .cur = "Phường C"},
          {.perm = "Xã D, Huyện E", .temp = 0, .cur = "Xã D"}},
         3, "Xã D, Huyện E", "Phường C", 0},
        {"only temporary rows: their most frequent",
         {{.perm = "X1", .temp = 1}, {.perm = "X2", .temp = 1}, {.perm = "X2", .temp = 1}}, 3, "X2", "",
         0},
        {"two communes: conflict",
         {{.perm = "Xã A", .perm_ward = 100}, {.perm = "Xã B", .perm_ward = 200}}, 2, "Xã A", "",
         F(DC_CF_PERM_CONFLICT)},
        {"current address: no source preference, a tie goes to the earliest row",
         {{.cur = "Phường X", .temp = 1}, {.cur = "Xã Y", .temp = 0}}, 2, "", "Phường X", 0},
        {"same commune written two ways: no conflict, matched text first on a tie",
         {{.perm = "xa a (unmatched)"}, {.perm = "Xã A", .perm_ward = 100}}, 2, "Xã A", "", 0},
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++) {
        dc_citizen_t c;
        merge_rows(cases[i].rows, cases[i].n, &c);
        ck_assert_msg(!strcmp(dc_intern_str(g_in, c.perm.text, NULL), cases[i].perm), "%s: perm '%s'",
                      cases[i].what, dc_intern_str(g_in, c.perm.text, NULL));
        ck_assert_msg(!strcmp(dc_intern_str(g_in, c.cur.text, NULL), cases[i].cur), "%s: cur",
                      cases[i].what);
        ck_assert_msg(c.flags == cases[i].flags, "%s: flags %#x want %#x", cases[i].what, c.flags,
                      cases[i].flags);
    }
}
END_TEST

/* The last tie-break before input order: a row of a permanent register. */
START_TEST(test_better_sourced)
{
    trow_t rows[2] = {
        {.exact = "vũ văn nam", .ascii = "vu van nam", .ntok = 3, .diac = 1, .dob = "1970-01-02", .temp = 1,
         .ethnic = 6},
        {.exact = "vũ văn năm", .ascii = "vu van nam", .ntok = 3, .diac = 1, .dob = "1970-02-01", .temp = 0,
         .ethnic = 1},
    };
    dc_citizen_t c;
    merge_rows(rows, 2, &c);
    ck_assert_str_eq(dc_intern_str(g_in, c.name.exact, NULL), "vũ văn năm");
    char d[16];
    dc_merge_format_date(&c.dob, d);
    ck_assert_str_eq(d, "1970-02-01");
    ck_assert_int_eq(c.ethnic, 1);
    /* both from the permanent register: input order again */
    rows[0].temp = 0;
    merge_rows(rows, 2, &c);
    ck_assert_str_eq(dc_intern_str(g_in, c.name.exact, NULL), "vũ văn nam");
    dc_merge_format_date(&c.dob, d);
    ck_assert_str_eq(d, "1970-01-02");
    ck_assert_int_eq(c.ethnic, 6);
}
END_TEST

START_TEST(test_same_source_flag)
{
    dc_record_t recs[2];
    trow_t t = {.sex = DC_SEX_MALE};
    make_rec(&t, 3, &recs[0]);
    make_rec(&t, 3, &recs[1]);
    uint32_t mem[2] = {0, 1};
    dc_citizen_t c;
    dc_merge_cluster(g_in, recs, mem, 2, &c);
    ck_assert_uint_eq(c.flags, F(DC_CF_SAME_SOURCE_DUP));
    recs[1].source = 4;
    dc_merge_cluster(g_in, recs, mem, 2, &c);
    ck_assert_uint_eq(c.flags, 0);
}
END_TEST

/* --------------------------------------------------- a whole small run */

/* A run of `n` records in clusters of sizes cycling 1,2,3,... */
typedef struct fake {
    dc_run_t run;
    dc_source_info_t src[2];
} fake_t;

static void fake_run(fake_t *f, size_t n, int nthreads)
{
    memset(f, 0, sizeof *f);
    dc_run_t *run = &f->run;
    run->in = g_in;
    run->opts.nthreads = nthreads;
    run->opts.max_reject_rate = 2;
    f->src[0].name = "tinh01.csv";
    f->src[1].name = "tinh79.csv";
    run->load.nsources = 2;
    run->load.sources = f->src;
    run->load.rows_in = n + 3;
    run->load.rows_ok = n;
    run->load.rows_rejected = 3;
    run->recs = calloc(n, sizeof *run->recs);
    run->nrec = n;
    static const char *const names[][2] = {
        {"nguyễn văn an", "nguyen van an"}, {"trần thị bình", "tran thi binh"},
        {"lê văn cường", "le van cuong"}, {"phạm thị dung", "pham thi dung"},
        {"tôn thất hùng", "ton that hung"},
    };
    uint32_t ncl = 0;
    dc_clusters_t *cl = &run->cl;
    cl->of = calloc(n, sizeof *cl->of);
    cl->off = calloc(n + 1, sizeof *cl->off);
    cl->members = calloc(n, sizeof *cl->members);
    size_t i = 0, size = 1;
    while (i < n) {
        size_t k = DC_MIN(size, n - i);
        cl->off[ncl] = (uint32_t)i;
        for (size_t j = 0; j < k; j++) {
            dc_record_t *r = &run->recs[i + j];
            trow_t t = {0};
            const char *const *nm = names[ncl % 5];
            int plain = (j % 2) == 1;
            t.exact = plain ? nm[1] : nm[0];
            t.ascii = nm[1];
            t.ntok = 3;
            t.diac = !plain;
            t.dob = j == 2 ? "1961" : (ncl % 7 == 3 && j == 1) ? "1962-02-03" : "1961-02-03";
            t.sex = (ncl % 5) % 2 ? DC_SEX_FEMALE : DC_SEX_MALE;
            t.perm = ncl % 3 ? "Xã Tân Hòa, Huyện Châu Thành, Tỉnh An Giang" : "";
            t.temp = j == 0 && ncl % 4 == 1;
            t.ethnic = 1;
            make_rec(&t, (uint32_t)(j % 2), r);
            char rid[32];
            snprintf(rid, sizeof rid, "R%06zu", i + j);
            r->record_id = S(rid);
            if (ncl % 5 == 4) r->name.sur = S("ton that"), r->name.mid = 0;
            else r->name.sur = S(nm[1][0] == 'n' ? "nguyen" : nm[1][0] == 't' ? "tran" : nm[1][0] == 'l' ? "le" : "pham"),
                 r->name.mid = S(nm[1][0] == 'n' || nm[1][0] == 'l' ? "van" : "thi");
            cl->members[i + j] = (uint32_t)(i + j);
            cl->of[i + j] = ncl;
        }
        ncl++;
        i += k;
        size = size % 20 + 1;
    }
    cl->off[ncl] = (uint32_t)n;
    cl->ncl = ncl;
    cl->key = calloc(ncl, sizeof *cl->key);
    for (uint32_t c = 0; c < ncl; c++) cl->key[c] = (dc_hash128_t){0, c};
}

static void fake_free(fake_t *f)
{
    dc_merge_free(&f->run);
    free(f->run.recs);
    free(f->run.cl.of);
    free(f->run.cl.off);
    free(f->run.cl.members);
    free(f->run.cl.key);
}

START_TEST(test_run_deterministic)
{
    fake_t a, b;
    fake_run(&a, 20000, 1);
    fake_run(&b, 20000, 2);
    ck_assert_int_eq(dc_merge_citizens(&a.run), 0);
    ck_assert_int_eq(dc_merge_citizens(&b.run), 0);
    ck_assert_uint_eq(a.run.merge->ncit, a.run.cl.ncl);
    ck_assert_uint_eq(a.run.merge->ncit, b.run.merge->ncit);
    ck_assert_int_eq(memcmp(a.run.merge->cit, b.run.merge->cit, a.run.merge->ncit * sizeof(dc_citizen_t)), 0);
    ck_assert_int_eq(memcmp(a.run.merge->conflicts, b.run.merge->conflicts, sizeof a.run.merge->conflicts), 0);
    /* clusters with a contradicting birth date are counted exactly */
    uint64_t want = 0;
    for (uint32_t c = 0; c < a.run.cl.ncl; c++)
        if (c % 7 == 3 && a.run.cl.off[c + 1] - a.run.cl.off[c] >= 2) want++;
    ck_assert_uint_eq(a.run.merge->conflicts[DC_CF_DOB_CONFLICT], want);
    ck_assert_uint_gt(want, 0);
    /* the merge stage was timed */
    ck_assert_int_eq(a.run.nstages, 1);
    ck_assert_str_eq(a.run.stages[0].name, "merge");
    /* counting without keeping the citizens gives the same counts */
    uint64_t kept[DC_CF__COUNT], flagged = a.run.merge->citizens_flagged;
    memcpy(kept, a.run.merge->conflicts, sizeof kept);
    ck_assert_int_eq(dc_merge_run(&b.run), 0);
    ck_assert_ptr_null(b.run.merge->cit);
    ck_assert_int_eq(memcmp(kept, b.run.merge->conflicts, sizeof kept), 0);
    ck_assert_uint_eq(flagged, b.run.merge->citizens_flagged);
    ck_assert_uint_gt(flagged, 0);
    fake_free(&a);
    fake_free(&b);
}
END_TEST

START_TEST(test_sources_cell)
{
    fake_t f;
    fake_run(&f, 400, 1);
    dc_buf_t b = DC_BUF_INIT;
    /* cluster 2 holds records 3,4,5 (sizes 1,2,3,...) */
    dc_merge_sources(&f.run, 2, &b);
    ck_assert_str_eq(b.p, "tinh01.csv:R000003|tinh79.csv:R000004|tinh01.csv:R000005");
    /* cluster 19 has 20 members: capped */
    dc_buf_clear(&b);
    dc_merge_sources(&f.run, 19, &b);
    ck_assert_uint_eq(f.run.cl.off[20] - f.run.cl.off[19], 20);
    const char *tail = strrchr(b.p, '|');
    ck_assert_str_eq(tail, "|+4");
    size_t bars = 0;
    for (const char *p = b.p; *p; p++) bars += *p == '|';
    ck_assert_uint_eq(bars, DC_MERGE_MAX_SOURCES);
    dc_buf_free(&b);
    fake_free(&f);
}
END_TEST

/* keep: 0 dc_merge_run, 1 dc_merge_citizens, 2 dc_merge_prepare (display
 * cache), 3 nothing before the writer */
static char *write_citizens_k(fake_t *f, const char *tag, int jsonl, int compress, int keep)
{
    char *dir = dc_test_tmpdir(tag);
    char out[512];
    snprintf(out, sizeof out, "%s/out", dir);
    f->run.opts.outdir = out;
    f->run.opts.jsonl = jsonl;
    f->run.opts.compress = compress;
    ck_assert_int_eq(dc_output_begin(&f->run), 0);
    if (keep == 1) ck_assert_int_eq(dc_merge_citizens(&f->run), 0);
    else if (keep == 2) ck_assert_int_eq(dc_merge_prepare(&f->run), 0);
    else if (keep == 0) ck_assert_int_eq(dc_merge_run(&f->run), 0);
    ck_assert_int_eq(dc_merge_write_citizens(&f->run), 0);
    ck_assert_int_eq(dc_output_commit(&f->run), 0);
    f->run.opts.outdir = NULL;
    return dir;
}

static char *write_citizens(fake_t *f, const char *tag, int jsonl, int compress)
{
    return write_citizens_k(f, tag, jsonl, compress, 0);
}

/* Citizens recomputed block by block while writing (dc_merge_run) or kept
 * in memory (dc_merge_citizens): the same file, whatever the threads. */
START_TEST(test_citizens_kept_or_not)
{
    char *dirs[3];
    for (int k = 0; k < 3; k++) {
        fake_t f;
        fake_run(&f, 50000, k == 2 ? 1 : 2);
        dirs[k] = write_citizens_k(&f, "merge-keep", 0, 0, k == 1);
        fake_free(&f);
    }
    char a[600], b[600];
    snprintf(a, sizeof a, "%s/out/citizens.csv", dirs[0]);
    for (int k = 1; k < 3; k++) {
        snprintf(b, sizeof b, "%s/out/citizens.csv", dirs[k]);
        ck_assert_msg(dc_test_files_equal(a, b), "citizens.csv differs (variant %d)", k);
    }
    for (int k = 0; k < 3; k++) {
        dc_test_run("rm -rf '%s'", dirs[k]);
        free(dirs[k]);
    }
}
END_TEST

START_TEST(test_citizens_csv)
{
    fake_t f;
    fake_run(&f, 12, 2);
    /* with the normalization tables: display names and code names */
    dc_norm_opts_t no;
    memset(&no, 0, sizeof no);
    dc_norm_shared_t *sh = dc_norm_shared_create(g_in, &no);
    f.run.norm = sh;
    char *dir = write_citizens(&f, "merge-csv", 0, 0);
    char path[600];
    snprintf(path, sizeof path, "%s/out/citizens.csv", dir);
    char *txt = dc_test_read_file(path, NULL);
    ck_assert_ptr_nonnull(txt);
    /* header */
    ck_assert(!strncmp(txt, "citizen_key,so_dinh_danh,so_cmnd,ho_ten,ho,ten_dem,ten,ngay_sinh,", 65));
    /* cluster 0: one row, diacritics */
    ck_assert_ptr_nonnull(strstr(txt, "\nVN00000000000000000000000000000000,,,Nguyễn Văn An,Nguyễn,Văn,An,1961-02-03,Nam,01,Kinh,"));
    /* cluster 3 (4 rows, a contradicting date): the majority date and flags */
    const char *row3 = strstr(txt, "\nVN00000000000000000000000000000003,");
    ck_assert_ptr_nonnull(row3);
    const char *eol = strchr(row3 + 1, '\n');
    ck_assert_ptr_nonnull(eol);
    char line[2048];
    snprintf(line, sizeof line, "%.*s", (int)(eol - row3 - 1), row3 + 1);
    ck_assert_ptr_nonnull(strstr(line, ",Phạm Thị Dung,Phạm,Thị,Dung,1961-02-03,Nữ,"));
    ck_assert_ptr_nonnull(strstr(line, ",4,tinh01.csv:R000006|tinh79.csv:R000007|tinh01.csv:R000008|tinh79.csv:R000009,dob_conflict|same_source_duplicate"));
    /* cluster 4: compound surname split whole */
    ck_assert_ptr_nonnull(strstr(txt, "\nVN00000000000000000000000000000004,,,Tôn Thất Hùng,Tôn Thất,,Hùng,"));
    /* one line per citizen plus the header */
    size_t lines = 0;
    for (const char *p = txt; *p; p++) lines += *p == '\n';
    ck_assert_uint_eq(lines, f.run.cl.ncl + 1);
    /* mode 0600, marker present */
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0600);
    snprintf(path, sizeof path, "%s/out/_SUCCESS", dir);
    ck_assert_int_eq(stat(path, &st), 0);
    free(txt);
    fake_free(&f);
    dc_norm_shared_free(sh);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

/* The display forms computed once per name (dc_merge_prepare) print the
 * same bytes as computing them per cell, on 1 or 2 threads, with the
 * normalization tables or without; the writer's conflict counts are
 * dc_merge_run's. */
START_TEST(test_citizens_display_cache)
{
    dc_norm_opts_t no;
    memset(&no, 0, sizeof no);
    dc_norm_shared_t *sh = dc_norm_shared_create(g_in, &no);
    for (int tables = 0; tables < 2; tables++) {
        char *dirs[4];
        uint64_t counts[4][DC_CF__COUNT], flagged[4];
        for (int k = 0; k < 4; k++) {
            fake_t f;
            fake_run(&f, 30000, k % 2 ? 2 : 1);
            if (tables) f.run.norm = sh;
            int mode = k < 2 ? 2 : k == 2 ? 3 : 0;
            dirs[k] = write_citizens_k(&f, "merge-disp", 0, 0, mode);
            memcpy(counts[k], f.run.merge->conflicts, sizeof counts[k]);
            flagged[k] = f.run.merge->citizens_flagged;
            ck_assert_ptr_null(f.run.merge->disp);   /* freed by the writer */
            ck_assert_uint_eq(f.run.merge->citizens_rows, f.run.cl.ncl);
            f.run.norm = NULL;
            fake_free(&f);
        }
        char a[600], b[600];
        snprintf(a, sizeof a, "%s/out/citizens.csv", dirs[3]);
        for (int k = 0; k < 3; k++) {
            snprintf(b, sizeof b, "%s/out/citizens.csv", dirs[k]);
            ck_assert_msg(dc_test_files_equal(a, b), "citizens.csv differs (variant %d, tables %d)", k, tables);
            ck_assert_int_eq(memcmp(counts[k], counts[3], sizeof counts[3]), 0);
            ck_assert_uint_eq(flagged[k], flagged[3]);
        }
        ck_assert_uint_gt(counts[3][DC_CF_DOB_CONFLICT], 0);
        char *txt = dc_test_read_file(a, NULL);
        ck_assert_ptr_nonnull(strstr(txt, tables ? ",Tôn Thất Hùng,Tôn Thất,,Hùng," : ",Tôn Thất Hùng,"));
        free(txt);
        for (int k = 0; k < 4; k++) {
            dc_test_run("rm -rf '%s'", dirs[k]);
            free(dirs[k]);
        }
    }
    dc_norm_shared_free(sh);
}
END_TEST

static int addr_eq(const dc_addr_t *a, const dc_addr_t *b)
{
    return a->text == b->text && a->ward_old == b->ward_old && a->ward_new == b->ward_new &&
           a->district_old == b->district_old && a->prov_old == b->prov_old && a->prov_new == b->prov_new &&
           a->conf == b->conf && a->flags == b->flags;
}

static int date_eq(const dc_date_t *a, const dc_date_t *b)
{
    return a->y == b->y && a->m == b->m && a->d == b->d && a->prec == b->prec && a->flags == b->flags;
}

static int cname_eq(const dc_cname_t *a, const dc_cname_t *b)
{
    return a->exact == b->exact && a->ascii == b->ascii && a->sur == b->sur && a->mid == b->mid;
}

static uint32_t rnd_below(uint64_t *x, uint64_t k)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return (uint32_t)(*x % k);
}

/* A cluster of one record takes a short path: the same golden record as
 * the general vote, field by field, over records with every combination
 * of present / missing / valid / invalid values. */
START_TEST(test_single_record_path)
{
    uint64_t x = 0x9E3779B97F4A7C15ull;
#define RND(k) rnd_below(&x, (k))
    const uint32_t ids[] = {0, S("nguyen van an"), S("nguyễn văn an"), S("tran thi b"), S("ha noi")};
    static const uint8_t sexes[] = {DC_SEX_UNKNOWN, DC_SEX_MALE, DC_SEX_FEMALE, DC_SEX_CODE0};
    for (int it = 0; it < 20000; it++) {
        dc_record_t r;
        memset(&r, 0, sizeof r);
        r.source = RND(3);
        r.sex = sexes[RND(4)];
        dc_date_t *dates[2] = {&r.dob, &r.dod};
        for (int k = 0; k < 2; k++) {
            dates[k]->prec = (uint8_t)RND(4);
            dates[k]->y = (int16_t)(RND(3) ? 1950 + RND(60) : 0);
            dates[k]->m = (uint8_t)RND(13);
            dates[k]->d = (uint8_t)RND(32);
            dates[k]->flags = (uint8_t)(RND(4) ? 0 : 1u << RND(7));
        }
        static const uint64_t id12s[] = {0, 1079000123456ull % 1000000000000ull, 1001090123456ull, 38195012345ull};
        r.id12 = id12s[RND(4)];
        r.id12_flags = (uint16_t)(RND(2) ? DC_ID_PRESENT : 0) | (uint16_t)(RND(3) ? DC_ID_VALID : 0);
        r.cmnd = RND(2) ? 123456789ull : 0;
        r.cmnd_flags = (uint16_t)((RND(2) ? DC_ID_VALID : 0) | (RND(2) ? DC_ID_CMND12 : 0));
        r.name.ascii = ids[RND(5)];
        r.name.exact = ids[RND(5)];
        r.name.sur = ids[RND(5)];
        r.name.mid = ids[RND(5)];
        r.name.ntok = (uint8_t)RND(4);
        r.name.has_diacritics = (uint8_t)RND(2);
        r.name.flags = (uint16_t)(RND(3) ? 0 : DC_NAME_PLACEHOLDER);
        dc_relname_t *rel[3] = {&r.father, &r.mother, &r.spouse};
        for (int k = 0; k < 3; k++) {
            rel[k]->ascii = ids[RND(5)];
            rel[k]->exact = ids[RND(5)];
        }
        r.ethnic = (uint8_t)RND(3);
        r.nationality = (uint16_t)(RND(2) ? 704 : 0);
        r.religion = (uint8_t)RND(3);
        r.rec_flags = (uint16_t)(RND(2) ? DC_REC_TEMP_REGISTER : 0);
        dc_addr_t *ad[3] = {&r.hometown, &r.perm, &r.cur};
        for (int k = 0; k < 3; k++) {
            ad[k]->text = ids[RND(5)];
            ad[k]->ward_old = RND(2) ? 26734 : 0;
            ad[k]->district_old = (uint16_t)RND(800);
            ad[k]->prov_old = (uint8_t)RND(96);
            ad[k]->conf = (uint8_t)RND(101);
            ad[k]->flags = (uint8_t)RND(4);
        }
        uint32_t mem0 = 0;
        dc_citizen_t a, b;
        memset(&a, 0xAB, sizeof a);
        memset(&b, 0xCD, sizeof b);
        a.cl = b.cl = (uint32_t)it;
        dc_merge_cluster(g_in, &r, &mem0, 1, &a);
        dc_merge_cluster_general(g_in, &r, &mem0, 1, &b);
        ck_assert_uint_eq(a.cl, b.cl);
        ck_assert_uint_eq(a.nrows, b.nrows);
        ck_assert_uint_eq(a.id12, b.id12);
        ck_assert_uint_eq(a.cmnd, b.cmnd);
        ck_assert_uint_eq(a.cmnd12, b.cmnd12);
        ck_assert_uint_eq(a.sex, b.sex);
        ck_assert_uint_eq(a.ethnic, b.ethnic);
        ck_assert_uint_eq(a.nationality, b.nationality);
        ck_assert_uint_eq(a.religion, b.religion);
        ck_assert(cname_eq(&a.name, &b.name));
        ck_assert(cname_eq(&a.father, &b.father));
        ck_assert(cname_eq(&a.mother, &b.mother));
        ck_assert(cname_eq(&a.spouse, &b.spouse));
        ck_assert(date_eq(&a.dob, &b.dob));
        ck_assert(date_eq(&a.dod, &b.dod));
        ck_assert(addr_eq(&a.hometown, &b.hometown));
        ck_assert(addr_eq(&a.perm, &b.perm));
        ck_assert(addr_eq(&a.cur, &b.cur));
        ck_assert_msg(a.flags == b.flags, "record %d: flags %x, general %x", it, a.flags, b.flags);
    }
#undef RND
}
END_TEST

START_TEST(test_citizens_jsonl_zst)
{
    fake_t f;
    fake_run(&f, 30, 1);
    char *dir = write_citizens(&f, "merge-jsonl", 1, 1);
    char path[600];
    snprintf(path, sizeof path, "%s/out/citizens.jsonl.zst", dir);
    ck_assert_int_eq(dc_test_run("zstd -q -d -c '%s' > '%s/c.jsonl'", path, dir), 0);
    snprintf(path, sizeof path, "%s/c.jsonl", dir);
    char *txt = dc_test_read_file(path, NULL);
    ck_assert_ptr_nonnull(txt);
    ck_assert(!strncmp(txt, "{\"citizen_key\":\"VN00000000000000000000000000000000\",\"so_dinh_danh\":null,", 72));
    size_t lines = 0;
    for (const char *p = txt; *p; p++) lines += *p == '\n';
    ck_assert_uint_eq(lines, f.run.cl.ncl);
    free(txt);
    fake_free(&f);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

/* A degenerate cluster (an over-merge of 200,000 rows with many distinct
 * dates) must stay fast: grouping is by sorting, support within a year. */
START_TEST(test_huge_cluster)
{
    size_t n = 200000;
    dc_record_t *recs = calloc(n, sizeof *recs);
    uint32_t *mem = calloc(n, sizeof *mem);
    for (size_t i = 0; i < n; i++) {
        char d[16];
        snprintf(d, sizeof d, "%04zu-%02zu-%02zu", 1950 + i % 50, 1 + i % 12, 1 + i % 28);
        trow_t t = {.dob = d, .sex = DC_SEX_MALE, .ethnic = (int)(1 + i % 3)};
        make_rec(&t, (uint32_t)(i % 7), &recs[i]);
        mem[i] = (uint32_t)i;
    }
    recs[5].dob = (dc_date_t){1950, 0, 0, DC_PREC_YEAR, 0};   /* one more vote for 1950 */
    double t0 = dc_now();
    dc_citizen_t c;
    dc_merge_cluster(g_in, recs, mem, n, &c);
    double el = dc_now() - t0;
    ck_assert_msg(el < 5.0, "took %.2f s", el);
    ck_assert_uint_eq(c.nrows, n);
    ck_assert_int_eq(c.dob.y, 1950);
    ck_assert_int_eq(c.dob.prec, DC_PREC_YEAR);
    ck_assert(c.flags & F(DC_CF_DOB_CONFLICT));
    ck_assert(c.flags & F(DC_CF_SAME_SOURCE_DUP));
    ck_assert_int_eq(c.ethnic, 1);
    free(recs);
    free(mem);
}
END_TEST

/* Rows formatted in memory tables and appended give the same file as rows
 * written directly, in both formats. */
START_TEST(test_table_mem_append)
{
    static const char *const cols[] = {"k", "v", "n"};
    char *dir = dc_test_tmpdir("merge-mem");
    for (int fmt = 0; fmt < 2; fmt++) {
        dc_table_t *direct = dc_table_open(dir, "direct", (dc_format_t)fmt, 0, cols, 3);
        dc_table_t *blocks = dc_table_open(dir, "blocks", (dc_format_t)fmt, 0, cols, 3);
        dc_table_t *mem[3];
        for (int k = 0; k < 3; k++) mem[k] = dc_table_mem((dc_format_t)fmt, cols, 3);
        for (int i = 0; i < 3000; i++) {
            dc_table_t *targets[2] = {direct, mem[i / 1000]};
            for (int w = 0; w < 2; w++) {
                char v[32];
                snprintf(v, sizeof v, "v,\"%d\"", i);
                dc_table_i64(targets[w], i);
                dc_table_cstr(targets[w], v);
                if (i % 3) dc_table_u64(targets[w], (uint64_t)i * 7);
                else dc_table_null(targets[w]);
                ck_assert_int_eq(dc_table_end_row(targets[w]), 0);
            }
        }
        for (int k = 0; k < 3; k++) ck_assert_int_eq(dc_table_append(blocks, mem[k]), 0);
        ck_assert_uint_eq(dc_table_rows(blocks), 3000);
        /* an emptied memory table appends nothing */
        ck_assert_int_eq(dc_table_append(blocks, mem[0]), 0);
        ck_assert_uint_eq(dc_table_rows(blocks), 3000);
        /* a memory table is not a file */
        ck_assert_int_eq(dc_table_commit(mem[2]), -1);
        dc_table_abort(mem[0]);
        dc_table_abort(mem[1]);
        ck_assert_int_eq(dc_table_commit(direct), 0);
        ck_assert_int_eq(dc_table_commit(blocks), 0);
        char a[600], b[600];
        const char *ext = fmt ? "jsonl" : "csv";
        snprintf(a, sizeof a, "%s/direct.%s", dir, ext);
        snprintf(b, sizeof b, "%s/blocks.%s", dir, ext);
        ck_assert(dc_test_files_equal(a, b));
    }
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

static Suite *merge_suite(void)
{
    Suite *s = suite_create("merge");
    TCase *tc = dc_test_tcase("survivorship");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_id12_rules);
    tcase_add_test(tc, test_name_rules);
    tcase_add_test(tc, test_date_rules);
    tcase_add_test(tc, test_format_date);
    tcase_add_test(tc, test_sex_and_codes);
    tcase_add_test(tc, test_address_rules);
    tcase_add_test(tc, test_better_sourced);
    tcase_add_test(tc, test_same_source_flag);
    tcase_add_test(tc, test_huge_cluster);
    tcase_add_test(tc, test_table_mem_append);
    tcase_add_test(tc, test_run_deterministic);
    tcase_add_test(tc, test_sources_cell);
    tcase_add_test(tc, test_citizens_csv);
    tcase_add_test(tc, test_citizens_kept_or_not);
    tcase_add_test(tc, test_citizens_jsonl_zst);
    tcase_add_test(tc, test_citizens_display_cache);
    tcase_add_test(tc, test_single_record_path);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return dc_test_main(merge_suite(), "merge"); }
