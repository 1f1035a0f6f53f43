/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_norm.c - tests of dc_norm_row() and dc_norm_finalize(): a whole
 * record, sex code inference per file, cache transparency, threads. */
#include "dc_test.h"
#include "normalize/dc_normalize.h"
#include "normalize/dc_text.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void set(dc_row_t *r, dc_field_t f, const char *s)
{
    r->v[f] = s;
    r->len[f] = (uint32_t)strlen(s);
}

START_TEST(test_row)
{
    dc_intern_t *in = dc_intern_create();
    dc_norm_opts_t o = {0};
    o.ethnic_codes = 2008;
    dc_norm_shared_t *sh = dc_norm_shared_create(in, &o);
    dc_norm_ctx_t *ctx = dc_norm_ctx_create(sh);
    dc_row_t r;
    memset(&r, 0, sizeof r);
    r.seq = 7;
    set(&r, DC_F_RECORD_ID, " 000123 ");
    set(&r, DC_F_MA_TINH, "01");
    set(&r, DC_F_HO_TEN, "NGUYỄN VĂN HOÀ");
    set(&r, DC_F_NGAY_SINH, "15/08/1990");
    set(&r, DC_F_GIOI_TINH, "Nam");
    set(&r, DC_F_SO_DINH_DANH, "001 090 012345");
    set(&r, DC_F_SO_CMND, "012345678");
    set(&r, DC_F_DAN_TOC, "Kinh");
    set(&r, DC_F_TON_GIAO, "Không");
    set(&r, DC_F_QUOC_TICH, "Việt Nam");
    set(&r, DC_F_QUE_QUAN, "Xã Hòa Bình, Huyện Kiến Xương, Tỉnh Thái Bình");
    set(&r, DC_F_HO_TEN_CHA, "Nguyễn Văn Bình");
    set(&r, DC_F_HO_TEN_ME, "Trần Thị Thuý");
    set(&r, DC_F_NGAY_CHET, "");
    dc_record_t rec;
    dc_norm_row(ctx, 3, &r, &rec);
    ck_assert_uint_eq(rec.source, 3);
    ck_assert_uint_eq(rec.seq, 7);
    ck_assert_str_eq(dc_intern_str(in, rec.record_id, NULL), "000123");
    ck_assert_uint_eq(rec.prov_src, 1);
    ck_assert_str_eq(dc_intern_str(in, rec.name.exact, NULL), "nguyễn văn hòa");
    ck_assert_str_eq(dc_intern_str(in, rec.name.given, NULL), "hoa");
    ck_assert_int_eq(rec.dob.y, 1990);
    ck_assert_int_eq(rec.dob.prec, DC_PREC_DAY);
    ck_assert_int_eq(rec.dod.prec, DC_PREC_NONE);
    ck_assert_uint_eq(rec.sex, DC_SEX_MALE);
    ck_assert_uint_eq(rec.id12, 1090012345ull);
    ck_assert_uint_eq(rec.id12_flags, DC_ID_PRESENT | DC_ID_VALID);
    ck_assert_uint_eq(rec.cmnd, 12345678ull);
    ck_assert_uint_eq(rec.ethnic, 1);
    ck_assert_uint_eq(rec.religion, DC_RELIGION_NONE);
    ck_assert_uint_eq(rec.nationality, 704);
    ck_assert_uint_eq(rec.code_flags, 0);
    ck_assert(rec.hometown.flags & DC_ADDR_PRESENT);
    ck_assert_uint_ne(rec.hometown.text, 0);
    ck_assert_uint_eq(rec.perm.flags, 0);
    ck_assert_str_eq(dc_intern_str(in, rec.mother.exact, NULL), "trần thị thúy");
    ck_assert_uint_eq(rec.spouse.exact, 0);
    /* IDs in the wrong column */
    set(&r, DC_F_SO_DINH_DANH, "271234567");
    set(&r, DC_F_SO_CMND, "");
    dc_norm_row(ctx, 3, &r, &rec);
    ck_assert_uint_eq(rec.id12, 0);
    ck_assert(rec.id12_flags & DC_ID_BAD_LENGTH);
    ck_assert_uint_eq(rec.cmnd, 271234567ull);
    ck_assert_uint_eq(rec.cmnd_flags, DC_ID_PRESENT | DC_ID_VALID | DC_ID_MOVED);
    set(&r, DC_F_SO_DINH_DANH, "");
    set(&r, DC_F_SO_CMND, "001090012345");
    dc_norm_row(ctx, 3, &r, &rec);
    ck_assert_uint_eq(rec.id12, 1090012345ull);
    ck_assert_uint_eq(rec.id12_flags, DC_ID_PRESENT | DC_ID_VALID | DC_ID_MOVED);
    ck_assert(rec.cmnd_flags & DC_ID_CMND12);
    set(&r, DC_F_SO_DINH_DANH, "001 090 012345");
    set(&r, DC_F_SO_CMND, "012345678");
    /* sex disagreeing with the ID */
    set(&r, DC_F_GIOI_TINH, "Nữ");
    dc_norm_row(ctx, 3, &r, &rec);
    ck_assert(rec.id12_flags & DC_ID_SEX_MISMATCH);
    /* unrecognised province and sex */
    set(&r, DC_F_MA_TINH, "Xyz");
    set(&r, DC_F_GIOI_TINH, "??");
    dc_norm_row(ctx, 3, &r, &rec);
    ck_assert(rec.code_flags & DC_CODE_PROVINCE_UNRECOGNIZED);
    ck_assert(rec.code_flags & DC_CODE_SEX_UNRECOGNIZED);
    /* the largest numbers fit the record's 40-bit fields, flags beside them */
    set(&r, DC_F_SO_DINH_DANH, "999999999999");
    set(&r, DC_F_SO_CMND, "999999999999");
    dc_norm_row(ctx, 3, &r, &rec);
    ck_assert_uint_eq(rec.id12, 999999999999ull);
    ck_assert_uint_eq(rec.cmnd, 999999999999ull);
    ck_assert(rec.id12_flags & DC_ID_BAD_PROVINCE);
    ck_assert(rec.cmnd_flags & DC_ID_CMND12);
    ck_assert_uint_eq(sizeof(dc_record_t), 168);   /* docs/NORMALIZATION.md */
    dc_norm_ctx_free(ctx);
    dc_norm_shared_free(sh);
    dc_intern_free(in);
}
END_TEST

/* A file of `n` rows whose names carry Văn/Thị and whose sex is coded
 * with `male_code`/`female_code`. */
static dc_record_t *coded_file(dc_norm_ctx_t *ctx, uint32_t source, int n, const char *male_code,
                               const char *female_code, int noise)
{
    static const char *male[] = {"Nguyễn Văn An", "Trần Văn Bình", "Lê Minh Cường", "Phạm Văn Dũng"};
    static const char *female[] = {"Nguyễn Thị Lan", "Trần Thị Hoa", "Lê Ngọc Mai", "Phạm Thị Thu"};
    dc_record_t *recs = dc_xcalloc((size_t)n, sizeof *recs);
    for (int i = 0; i < n; i++) {
        dc_row_t r;
        memset(&r, 0, sizeof r);
        int fem = i % 2;
        int wrong = noise && i % noise == 0;   /* a typo in the sex column */
        set(&r, DC_F_HO_TEN, fem ? female[i % 4] : male[i % 4]);
        set(&r, DC_F_GIOI_TINH, (fem ^ wrong) ? female_code : male_code);
        set(&r, DC_F_SO_DINH_DANH, fem ? "001190012345" : "001090012345");
        r.seq = (uint64_t)i + 1;
        dc_norm_row(ctx, source, &r, &recs[i]);
    }
    return recs;
}

START_TEST(test_sex_inference)
{
    dc_intern_t *in = dc_intern_create();
    dc_norm_opts_t o = {0};
    dc_norm_shared_t *sh = dc_norm_shared_create(in, &o);
    dc_norm_ctx_t *ctx = dc_norm_ctx_create(sh);
    /* file 0: 1 = male; file 1: 1 = female (with 5% noise); file 2: too
     * few rows; file 3: 1/2 convention */
    dc_record_t *a = coded_file(ctx, 0, 100, "1", "0", 0);
    dc_record_t *b = coded_file(ctx, 1, 200, "0", "1", 20);
    dc_record_t *c = coded_file(ctx, 2, 6, "1", "0", 0);
    dc_record_t *d = coded_file(ctx, 3, 60, "1", "2", 0);
    size_t n = 100 + 200 + 6 + 60;
    dc_record_t *all = dc_xmalloc(n * sizeof *all);
    memcpy(all, a, 100 * sizeof *a);
    memcpy(all + 100, b, 200 * sizeof *b);
    memcpy(all + 300, c, 6 * sizeof *c);
    memcpy(all + 306, d, 60 * sizeof *d);
    ck_assert_uint_eq(all[0].sex, DC_SEX_CODE1);
    dc_norm_finalize(sh, all, n);
    ck_assert_int_eq(dc_norm_sex_decision(sh, 0), 1);
    ck_assert_int_eq(dc_norm_sex_decision(sh, 1), 2);
    ck_assert_int_eq(dc_norm_sex_decision(sh, 2), 0);
    ck_assert_int_eq(dc_norm_sex_decision(sh, 3), 1);
    for (size_t i = 0; i < 100; i++) {
        ck_assert_uint_eq(all[i].sex, i % 2 ? DC_SEX_FEMALE : DC_SEX_MALE);
        ck_assert(!(all[i].id12_flags & DC_ID_SEX_MISMATCH));
    }
    int mismatches = 0;
    for (size_t i = 100; i < 300; i++) {
        ck_assert(all[i].sex == DC_SEX_MALE || all[i].sex == DC_SEX_FEMALE);
        mismatches += (all[i].id12_flags & DC_ID_SEX_MISMATCH) != 0;
    }
    ck_assert_int_eq(mismatches, 10);   /* the noisy rows disagree with their ID */
    for (size_t i = 300; i < 306; i++) {
        ck_assert_uint_eq(all[i].sex, DC_SEX_UNKNOWN);
        ck_assert(all[i].code_flags & DC_CODE_SEX_UNRESOLVED);
    }
    for (size_t i = 306; i < n; i++) ck_assert_uint_eq(all[i].sex, (i - 306) % 2 ? DC_SEX_FEMALE : DC_SEX_MALE);
    free(a); free(b); free(c); free(d); free(all);
    dc_norm_ctx_free(ctx);
    dc_norm_shared_free(sh);

    /* forced by the option: no inference */
    o.sex_one = 2;
    sh = dc_norm_shared_create(in, &o);
    ctx = dc_norm_ctx_create(sh);
    a = coded_file(ctx, 0, 4, "1", "0", 0);
    ck_assert_uint_eq(a[0].sex, DC_SEX_FEMALE);
    ck_assert_uint_eq(a[1].sex, DC_SEX_MALE);
    free(a);
    dc_norm_ctx_free(ctx);
    dc_norm_shared_free(sh);
    dc_intern_free(in);
}
END_TEST

/* Two normalizers over one interner: with the caches (c1) and without
 * (c2), for the transparency tests. */
typedef struct {
    dc_intern_t *in;
    dc_norm_shared_t *sh, *sh2;
    dc_norm_ctx_t *c1, *c2;
} norm_pair_t;

static void pair_open(norm_pair_t *p)
{
    p->in = dc_intern_create();
    dc_norm_opts_t o = {0};
    p->sh = dc_norm_shared_create(p->in, &o);
    o.no_cache = 1;
    p->sh2 = dc_norm_shared_create(p->in, &o);
    p->c1 = dc_norm_ctx_create(p->sh);
    p->c2 = dc_norm_ctx_create(p->sh2);
}

static void pair_close(norm_pair_t *p)
{
    dc_norm_ctx_free(p->c1);
    dc_norm_ctx_free(p->c2);
    dc_norm_shared_free(p->sh);
    dc_norm_shared_free(p->sh2);
    dc_intern_free(p->in);
}

/* Names, dates and addresses repeat: a cached run gives the very records of
 * an uncached one, including after the cache is emptied, and the batch
 * pipeline (dc_norm_rows, which hashes and prefetches rows ahead) gives
 * the records of dc_norm_row one at a time. */
START_TEST(test_cache_transparent)
{
    norm_pair_t np;
    pair_open(&np);
    dc_norm_ctx_t *c1 = np.c1, *c2 = np.c2;
    static const char *sur[] = {"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ"};
    static const char *mid[] = {"Văn", "Thị", "Minh", "Ngọc", "Quốc", "Thanh"};
    static const char *giv[] = {"An", "Hoà", "Thuý", "Khoẻ", "Quỳnh", "Dũng", "Lan", "Tùng", "Nga"};
    static const char *prov[] = {"01", "79", "", "Hà Nội", "xx", "89"};
    static const char *admin[] = {"Phường Bến Thành, Quận 1, Thành phố Hồ Chí Minh",
                                  "Xã Hòa Bình, Huyện Kiến Xương, Tỉnh Thái Bình",
                                  "Phường Hàng Bạc, Quận Hoàn Kiếm, Hà Nội", "Thôn Đông"};
    /* administrative tails behind distinct local parts (the address tail
     * cache): typed, abbreviated, without diacritics, unmatched, a district
     * without commune (the matcher looks left), ties the hint breaks,
     * placeholders */
    static const char *tail[] = {"P.05, Q.3, TP.HCM", "Xa Tan Hoa, Huyen Phu Tan, Tinh An Giang",
                                 "Quận Hoàn Kiếm, Thành phố Hà Nội", "Xã Tân Phú, Huyện Châu Thành",
                                 "Xã Không Có Thật, Huyện Đâu Đó, Tỉnh Nào Đó", "không rõ",
                                 "Phường Yên Nghĩa, Quận Hà Đông, Thành phố Hà Nội, Việt Nam"};
    static const char *local[] = {"Số %d Trần Quốc Toản", "%d/16 Lê Lợi", "Ngõ %d", "Thôn %d",
                                  "Tổ %d, Phường Hàng Bạc", "Ấp %d, Xã Tân Hòa", "Phường %d", "Kp.%d"};
    enum { BATCH = 997, N = 200000 };   /* batches of odd sizes, down to 1 row */
    static char name[BATCH][64], dob[BATCH][16], addr[BATCH][96], addr2[BATCH][160], rid[BATCH][16];
    dc_row_t *rows = calloc(BATCH, sizeof *rows);
    dc_record_t *x = calloc(BATCH, sizeof *x);
    for (int i0 = 0; i0 < N;) {
        int nb = i0 % 3 == 0 ? BATCH : 1 + i0 % 5;
        if (nb > N - i0) nb = N - i0;
        for (int k = 0; k < nb; k++) {
            int i = i0 + k;
            snprintf(name[k], sizeof name[k], "%s %s %s %d", sur[i % 8], mid[(i / 8) % 6],
                     giv[(i / 48) % 9], i % 2 == 0 ? i : 0);   /* 100,000 distinct names: the cache empties */
            snprintf(dob[k], sizeof dob[k], "%02d/%02d/%d", 1 + i % 28, 1 + i % 12, 1940 + i % 70);
            snprintf(addr[k], sizeof addr[k], "%d %s", i % 3 ? i % 50 : i, admin[i % 4]);
            char loc[64];
            snprintf(loc, sizeof loc, local[(i / 7) % 8], i % 9 ? i % 200 : i);
            snprintf(addr2[k], sizeof addr2[k], "%s%s%s", loc, i % 5 ? ", " : ",", tail[i % 7]);
            snprintf(rid[k], sizeof rid[k], " %d ", i);
            dc_row_t *r = &rows[k];
            memset(r, 0, sizeof *r);
            r->seq = (uint64_t)i + 1;
            set(r, DC_F_RECORD_ID, rid[k]);
            set(r, DC_F_MA_TINH, prov[i % 6]);
            set(r, DC_F_HO_TEN, name[k]);
            set(r, DC_F_NGAY_SINH, dob[k]);
            set(r, DC_F_HO_TEN_CHA, sur[i % 8]);
            set(r, DC_F_HO_TEN_ME, i % 7 ? name[k] : " ");
            set(r, DC_F_NOI_THUONG_TRU, addr[k]);
            set(r, DC_F_QUE_QUAN, admin[(i / 3) % 4]);
            set(r, DC_F_NOI_O_HIEN_TAI, addr2[k]);
        }
        dc_norm_rows(c1, 0, rows, (size_t)nb, x);
        for (int k = 0; k < nb; k++) {
            dc_record_t y;
            dc_norm_row(c2, 0, &rows[k], &y);
            ck_assert(memcmp(&x[k], &y, sizeof y) == 0);
        }
        i0 += nb;
    }
    free(rows);
    free(x);
    pair_close(&np);
}
END_TEST

/* Names not in the row cache are assembled from the per-worker syllable
 * cache. Over 60,000 names built from about 20,000 distinct syllables (so
 * that slots collide and are overwritten inside a name), in every spelling
 * the registers hold (upper case, no diacritics, Telex and VNI typing,
 * tones on the other vowel, NFD, hyphens, tabs, punctuation, digits,
 * doubled spaces, tokens too long for a slot, more tokens than a text
 * keeps), the records are those of the uncached path. */
START_TEST(test_syllable_cache_transparent)
{
    norm_pair_t np;
    pair_open(&np);
    dc_norm_ctx_t *c1 = np.c1, *c2 = np.c2;
    static const char *ini[] = {"", "b", "c", "ch", "d", "đ", "g", "gi", "h", "kh", "l", "m", "n", "ng",
                                "nh", "ph", "qu", "s", "t", "th", "tr", "v", "x", "Đ", "NG", "Tr"};
    static const char *vow[] = {"a", "à", "á", "ả", "ã", "ạ", "ă", "ắ", "â", "ầ", "e", "é", "ê", "ễ", "i",
                                "ị", "o", "ò", "ô", "ố", "ơ", "ở", "u", "ú", "ư", "ừ", "y", "ý", "oà",
                                "òa", "uý", "úy", "oẻ", "ỏe", "uyê", "ươ", "iề", "A", "Ồ", "ƯỚ"};
    static const char *fin[] = {"", "n", "ng", "nh", "m", "c", "ch", "t", "p", "i", "o", "u", "y"};
    static const char *odd[] = {"", "", "", "", "", "", "", "", "", "", "", "",
                                "Nguyeenx", "Vawn", "Nguye64n", "Tra62n", "Lê-Văn", "Hoa\tMai",
                                "Hoàng.", "Thị2", "O'Neil", "H'Mông", "a\xCC\x80", "Ngo\xCC\x80",
                                "Nguyễnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn", "X", "Không rõ", "Αλέξης",
                                "-", "'", "  ", "Ngọc,", "Nguyen", "VAN"};
    enum { BATCH = 512, N = 60000 };
    static char name[BATCH][640], rid[BATCH][16];
    dc_row_t *rows = calloc(BATCH, sizeof *rows);
    dc_record_t *x = calloc(BATCH, sizeof *x);
    uint64_t st = 88172645463325252ull;
    for (int i0 = 0; i0 < N; i0 += BATCH) {
        for (int k = 0; k < BATCH; k++) {
            int i = i0 + k;
            size_t len = 0;
            st ^= st << 13; st ^= st >> 7; st ^= st << 17;
            int ntok = i % 97 == 0 ? 26 : 1 + (int)(st % 5);   /* 26: more than a text keeps */
            for (int t = 0; t < ntok; t++) {
                st ^= st << 13; st ^= st >> 7; st ^= st << 17;
                const char *sp = (st >> 60) == 0 ? "  " : " ";
                const char *o1 = odd[(st >> 8) % (sizeof odd / sizeof *odd)];
                if (*o1)
                    len += (size_t)snprintf(name[k] + len, sizeof name[k] - len, "%s%s", t ? sp : "", o1);
                else
                    len += (size_t)snprintf(name[k] + len, sizeof name[k] - len, "%s%s%s%s", t ? sp : "",
                                            ini[(st >> 16) % (sizeof ini / sizeof *ini)],
                                            vow[(st >> 24) % (sizeof vow / sizeof *vow)],
                                            fin[(st >> 32) % (sizeof fin / sizeof *fin)]);
                if (len >= sizeof name[k] - 1) break;
            }
            if (i % 5 == 0) {   /* the same name without diacritics */
                dc_buf_t b = DC_BUF_INIT;
                dc_text_fold_ascii(name[k], strlen(name[k]), &b);
                snprintf(name[k], sizeof name[k], "%s", b.p ? b.p : "");
                dc_buf_free(&b);
            }
            snprintf(rid[k], sizeof rid[k], "%d", i);
            dc_row_t *r = &rows[k];
            memset(r, 0, sizeof *r);
            r->seq = (uint64_t)i + 1;
            set(r, DC_F_RECORD_ID, rid[k]);
            set(r, DC_F_HO_TEN, name[k]);
            set(r, DC_F_HO_TEN_CHA, name[(k + 1) % BATCH]);
            set(r, DC_F_HO_TEN_ME, name[(k + 7) % BATCH]);
            set(r, DC_F_HO_TEN_VO_CHONG, name[k]);
        }
        dc_norm_rows(c1, 0, rows, BATCH, x);
        for (int k = 0; k < BATCH; k++) {
            dc_record_t y;
            dc_norm_row(c2, 0, &rows[k], &y);
            if (memcmp(&x[k], &y, sizeof y) != 0) ck_abort_msg("row %d differs: \"%s\"", i0 + k, name[k]);
        }
    }
    free(rows);
    free(x);
    pair_close(&np);
}
END_TEST

/* `dancu normalize` end to end: output columns, rejects beside OUT,
 * mode 0600, the same bytes with 1 and 2 threads, sex codes inferred. */
START_TEST(test_cli)
{
    char *dir = dc_test_tmpdir("norm-cli");
    char in[512], o1[512], o2[512], rj[512];
    snprintf(in, sizeof in, "%s/01_test.csv", dir);
    dc_buf_t b = DC_BUF_INIT;
    dc_buf_puts(&b, "stt,ma_tinh,Họ và tên,Ngày sinh,Giới tính,so_cccd,dan_toc,ton_giao,quoc_tich\n");
    for (int i = 0; i < 400; i++) {
        int fem = i % 2;
        dc_buf_printf(&b, "%d,01,%s,%02d/%02d/19%02d,%s,%s,%s,%s,%s\n", i + 1,
                      i == 7 ? "NGUYEENX VAWN AN" : fem ? "Trần Thị Hoà" : "Lê Văn Thuý",
                      1 + i % 28, 1 + i % 12, 50 + i % 40, fem ? "1" : "0",
                      fem ? "001190012345" : "001090012345", i % 3 ? "Kinh" : "H'Mông",
                      i % 5 ? "Không" : "Phật giáo", "VN");
    }
    dc_buf_puts(&b, "401,01,\"unterminated\n");
    ck_assert_int_eq(dc_test_write_file(in, b.p, b.len), 0);
    dc_buf_free(&b);
    snprintf(o1, sizeof o1, "%s/out1.csv", dir);
    snprintf(o2, sizeof o2, "%s/out2.csv", dir);
    snprintf(rj, sizeof rj, "%s/out1.rejects.csv", dir);
    ck_assert_int_eq(dc_test_run("%s normalize -q --threads 1 -o %s %s", DANCU_BIN, o1, in), 0);
    ck_assert_int_eq(dc_test_run("%s normalize -q --threads 2 -o %s %s", DANCU_BIN, o2, in), 0);
    ck_assert(dc_test_files_equal(o1, o2));
    /* refuses to overwrite without --force */
    ck_assert_int_ne(dc_test_run("%s normalize -q -o %s %s 2>/dev/null", DANCU_BIN, o1, in), 0);
    ck_assert_int_eq(dc_test_run("%s normalize --bad-option 2>/dev/null", DANCU_BIN), 2);
    struct stat st;
    ck_assert_int_eq(stat(o1, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    char *rej = dc_test_read_file(rj, NULL);
    ck_assert_ptr_nonnull(rej);
    ck_assert_ptr_nonnull(strstr(rej, "unterminated"));
    free(rej);
    char *out = dc_test_read_file(o1, NULL);
    ck_assert_ptr_nonnull(out);
    ck_assert(!strncmp(out, "source,line,record_id,ma_tinh,province_code,ho_ten,name,", 56));
    ck_assert_ptr_nonnull(strstr(out, "NGUYEENX VAWN AN,Nguyễn Văn An,nguyễn văn an,nguyen van an,"));
    ck_assert_ptr_nonnull(strstr(out, ",telex|mid_van,"));
    ck_assert_ptr_nonnull(strstr(out, "Trần Thị Hoà,Trần Thị Hòa,"));
    /* "1" rows are women (Thị), "0" rows men (Văn): decided from the file */
    ck_assert_ptr_nonnull(strstr(out, ",1,female,001190012345,001190012345,present|valid"));
    ck_assert_ptr_nonnull(strstr(out, ",0,male,001090012345,001090012345,present|valid"));
    ck_assert_ptr_nonnull(strstr(out, ",H'Mông,08,Mông,"));
    ck_assert_ptr_nonnull(strstr(out, ",Không,,Không,VN,704,"));
    ck_assert_ptr_null(strstr(out, "sex_unresolved"));
    size_t lines = 0;
    for (char *p = out; *p; p++) lines += *p == '\n';
    ck_assert_uint_eq(lines, 401);   /* header + 400 rows */
    free(out);
    /* forced the other way round */
    ck_assert_int_eq(dc_test_run("%s normalize -q --sex-one male -f -o %s %s", DANCU_BIN, o2, in), 0);
    out = dc_test_read_file(o2, NULL);
    ck_assert_ptr_nonnull(strstr(out, ",1,male,001190012345,001190012345,present|valid|sex_mismatch"));
    free(out);
    dc_test_run("rm -rf %s", dir);
    free(dir);
}
END_TEST

static Suite *norm_suite(void)
{
    Suite *s = suite_create("norm");
    TCase *tc = dc_test_tcase("core");
    tcase_add_test(tc, test_row);
    tcase_add_test(tc, test_sex_inference);
    tcase_add_test(tc, test_cache_transparent);
    tcase_add_test(tc, test_syllable_cache_transparent);
    tcase_add_test(tc, test_cli);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return dc_test_main(norm_suite(), "norm"); }
