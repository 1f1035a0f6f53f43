/* SPDX-License-Identifier: GPL-3.0-or-later */
/* names.c - stable names of the loader's enums (dc_loader.h). */
#include "dc_loader.h"

static const char *const field_names[DC_F__COUNT] = {
    "record_id", "ma_tinh", "ma_ho", "quan_he_chu_ho", "ho_ten", "ngay_sinh", "gioi_tinh",
    "so_dinh_danh", "so_cmnd", "dan_toc", "ton_giao", "quoc_tich", "que_quan",
    "noi_thuong_tru", "noi_o_hien_tai", "ho_ten_cha", "ho_ten_me", "ho_ten_vo_chong", "ngay_chet",
};

const char *dc_field_name(dc_field_t f)
{
    return (unsigned)f < DC_F__COUNT ? field_names[f] : "?";
}

static const char *const reason_names[DC_REJ__COUNT] = {
    "field_count", "bad_encoding", "unterminated_quote", "nul_byte", "field_too_long", "no_name",
    "duplicate_record_id", "missing_record_id", "record_too_long",
};

const char *dc_reject_reason_name(dc_reject_reason_t r)
{
    return (unsigned)r < DC_REJ__COUNT ? reason_names[r] : "?";
}
