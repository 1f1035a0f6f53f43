/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rules.c - the blocking rule language and key extraction (dc_match.h).
 *
 * A rule is a '+'-joined list of key fields, optionally followed by '@' and
 * a ','-joined list of sort fields used to order the members of a block too
 * large to compare exhaustively (sorted neighbourhood), and optionally '!'
 * and a pair condition ("dob_vague": only pairs in which one record's birth
 * date is known to the year but not to the day). Settings lines
 * "max_block N" and "window W" apply to the whole set. Example:
 *
 *     max_block 400
 *     window 12
 *     id12
 *     name_phon+dob_year @ dob,given,perm_ward
 *
 * Key values are taken from string hashes (dc_intern_hash), never from
 * interned ids, so blocks and their internal order are deterministic.
 */
#include "match/dc_match.h"
#include "ref/dc_ref.h"

#include <ctype.h>     /* isspace */
#include <errno.h>     /* errno */
#include <stdlib.h>    /* strtoul */
#include <string.h>    /* strcmp */

static const char *const bkey_names[DC_BK__COUNT] = {
    "id12", "cmnd", "name_exact", "name_ascii", "name_phon", "sur", "mid", "given",
    "given_phon", "dob", "dob_ym", "dob_year", "dob_md", "id_prov", "sex",
    "father_phon", "father_given", "mother_phon", "mother_given", "spouse_phon",
    "perm_ward", "perm_district", "perm_prov", "home_prov", "id12_head", "id12_tail",
    "dob_unordered", "no_province", "name_sorted", "cmnd_head", "cmnd_tail", "perm_numbers",
    "given_nick",
};

const char *dc_bkey_name(dc_bkey_t k)
{
    if (k >= DC_BK_X0 && k <= DC_BK_X_LAST) {
        const dc_extra_def_t *d = dc_extra_def((int)(k - DC_BK_X0));
        return d ? d->name : "?";
    }
    return (unsigned)k < DC_BK__COUNT ? bkey_names[k] : "?";
}

/* The name of key field k in the rule set `rs` (its extra columns). */
static const char *key_name(const dc_rules_t *rs, int k)
{
    if (k >= DC_BK_X0 && k <= DC_BK_X_LAST) return k - DC_BK_X0 < rs->nextra ? rs->extra[k - DC_BK_X0].name : "?";
    return bkey_names[k];
}

/* The default settings: engine/ref/data/default_settings.rules, built into
 * the binary (engine/ref/mkblobs.sh). */
const char *dc_rules_default_text(void)
{
    const char *t = dc_ref_get("default_settings.rules", NULL);
    return t ? t : "";
}

static int parse_key(const dc_rules_t *rs, const char *s, size_t n)
{
    for (int k = 0; k < DC_BK_X0; k++)
        if (strlen(bkey_names[k]) == n && memcmp(bkey_names[k], s, n) == 0) return k;
    for (int k = 0; k < rs->nextra; k++)
        if (strlen(rs->extra[k].name) == n && memcmp(rs->extra[k].name, s, n) == 0) return DC_BK_X0 + k;
    return -1;
}

/* Parse a list of key names separated by `sep` into keys[]; returns count or -1. */
static int parse_list(const dc_rules_t *rs, const char *s, const char *e, char sep, uint8_t *keys,
                      const char *origin, int line)
{
    int nk = 0;
    while (s < e) {
        while (s < e && isspace((unsigned char)*s)) s++;
        const char *t = s;
        while (t < e && *t != sep) t++;
        const char *te = t;
        while (te > s && isspace((unsigned char)te[-1])) te--;
        if (te == s) return dc_seterr("%s:%d: empty field in blocking rule", origin, line);
        int k = parse_key(rs, s, (size_t)(te - s));
        if (k < 0)
            return dc_seterr("%s:%d: unknown blocking field '%.*s'", origin, line, (int)(te - s), s);
        if (nk >= DC_RULE_MAX_KEYS)
            return dc_seterr("%s:%d: more than %d fields in a rule", origin, line, DC_RULE_MAX_KEYS);
        for (int i = 0; i < nk; i++)
            if (keys[i] == k)
                return dc_seterr("%s:%d: field '%s' repeated", origin, line, key_name(rs, k));
        keys[nk++] = (uint8_t)k;
        s = t < e ? t + 1 : t;
        if (t < e && s == e) return dc_seterr("%s:%d: rule ends with '%c'", origin, line, sep);
    }
    return nk;
}

static void rule_canon(const dc_rules_t *rs, dc_rule_t *r)
{
    dc_buf_t b = DC_BUF_INIT;
    for (int i = 0; i < r->nkeys; i++) {
        if (i) dc_buf_putc(&b, '+');
        dc_buf_puts(&b, key_name(rs, r->keys[i]));
    }
    if (r->nsort) {
        dc_buf_puts(&b, " @ ");
        for (int i = 0; i < r->nsort; i++) {
            if (i) dc_buf_putc(&b, ',');
            dc_buf_puts(&b, key_name(rs, r->sort[i]));
        }
    }
    if (r->require == DC_REQ_DOB_VAGUE) dc_buf_puts(&b, " ! dob_vague");
    if (r->require == DC_REQ_DOB_NONE) dc_buf_puts(&b, " ! dob_none");
    snprintf(r->text, sizeof r->text, "%s", b.p);
    dc_buf_free(&b);
}

static int parse_setting(const char *s, const char *e, const char *origin, int line,
                         uint32_t *out, uint32_t lo)
{
    char tmp[32];
    size_t n = (size_t)(e - s);
    while (n && isspace((unsigned char)*s)) { s++; n--; }
    if (n == 0 || n >= sizeof tmp) return dc_seterr("%s:%d: missing or bad number", origin, line);
    memcpy(tmp, s, n);
    tmp[n] = 0;
    char *end;
    errno = 0;
    unsigned long v = strtoul(tmp, &end, 10);
    while (*end && isspace((unsigned char)*end)) end++;
    if (errno || *end || v < lo || v > 1000000)
        return dc_seterr("%s:%d: bad number '%s'", origin, line, tmp);
    *out = (uint32_t)v;
    return 0;
}

static const char *const cl_names[] = {"id12", "sex", "dob", "twins"};

/* "cannot_link id12,sex,dob,twins" (any subset, or "none"). */
static int parse_cannot_link(const char *s, const char *e, const char *origin, int line, unsigned *out)
{
    *out = 0;
    while (s < e && isspace((unsigned char)*s)) s++;
    if ((size_t)(e - s) == 4 && !memcmp(s, "none", 4)) return 0;
    while (s < e) {
        while (s < e && (isspace((unsigned char)*s) || *s == ',')) s++;
        const char *t = s;
        while (t < e && *t != ',' && !isspace((unsigned char)*t)) t++;
        if (t == s) break;
        int k;
        for (k = 0; k < 4; k++)
            if (strlen(cl_names[k]) == (size_t)(t - s) && !memcmp(cl_names[k], s, (size_t)(t - s))) break;
        if (k == 4)
            return dc_seterr("%s:%d: unknown cannot_link kind '%.*s' (known: id12, sex, dob, twins, none)", origin,
                             line, (int)(t - s), s);
        *out |= 1u << k;
        s = t;
    }
    return 0;
}

/* The next blank-separated word of [*s, e): its start, length in *n (0 at the end). */
static const char *next_word(const char **s, const char *e, size_t *n)
{
    const char *p = *s;
    while (p < e && isspace((unsigned char)*p)) p++;
    const char *w = p;
    while (p < e && !isspace((unsigned char)*p)) p++;
    *n = (size_t)(p - w);
    *s = p;
    return w;
}

static int word_is(const char *w, size_t n, const char *lit) { return strlen(lit) == n && !memcmp(w, lit, n); }

/* A probability "0.9" (0..1) into *out. */
/* "yes" or "no" after a setting's name: *out = 1 or 0. */
static int parse_yes_no(const char *v, const char *e, const char *origin, int line, const char *name, int *out)
{
    while (v < e && isspace((unsigned char)*v)) v++;
    if ((size_t)(e - v) == 3 && !memcmp(v, "yes", 3)) *out = 1;
    else if ((size_t)(e - v) == 2 && !memcmp(v, "no", 2)) *out = 0;
    else return dc_seterr("%s:%d: %s takes yes or no", origin, line, name);
    return 0;
}

static int parse_prob(const char *s, const char *e, const char *origin, int line, const char *what, double *out)
{
    size_t n;
    const char *w = next_word(&s, e, &n);
    char tmp[32];
    if (n == 0 || n >= sizeof tmp) return dc_seterr("%s:%d: %s needs a number", origin, line, what);
    memcpy(tmp, w, n);
    tmp[n] = 0;
    char *end;
    errno = 0;
    double v = strtod(tmp, &end);
    next_word(&s, e, &n);
    if (errno || *end || n || !(v >= 0 && v <= 1))
        return dc_seterr("%s:%d: %s takes one number from 0 to 1, not '%s'", origin, line, what, tmp);
    *out = v;
    return 0;
}

/* "column NAME [exact|text|digits] [fuzzy T] [cannot_link]" (docs/SETTINGS.md). */
static int parse_column(const char *s, const char *e, const char *origin, int line, dc_rules_t *out)
{
    size_t n;
    const char *w = next_word(&s, e, &n);
    if (!n) return dc_seterr("%s:%d: column needs a name", origin, line);
    if (out->nextra >= DC_EXTRA_MAX) return dc_seterr("%s:%d: more than %d columns", origin, line, DC_EXTRA_MAX);
    if (n >= DC_EXTRA_NAME_MAX) return dc_seterr("%s:%d: column name longer than %d bytes", origin, line,
                                                 DC_EXTRA_NAME_MAX - 1);
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)w[i]) && w[i] != '_' && w[i] != '-' && w[i] != '.')
            return dc_seterr("%s:%d: column name '%.*s': letters, digits, '_', '-' and '.' only", origin, line,
                             (int)n, w);
    if (parse_key(out, w, n) >= 0)
        return dc_seterr("%s:%d: column '%.*s' is already a field name", origin, line, (int)n, w);
    dc_extra_def_t *d = &out->extra[out->nextra];
    memset(d, 0, sizeof *d);
    memcpy(d->name, w, n);
    d->norm = DC_XN_TEXT;
    while ((w = next_word(&s, e, &n)), n) {
        if (word_is(w, n, "exact")) d->norm = DC_XN_EXACT;
        else if (word_is(w, n, "text")) d->norm = DC_XN_TEXT;
        else if (word_is(w, n, "digits")) d->norm = DC_XN_DIGITS;
        else if (word_is(w, n, "cannot_link")) d->cannot_link = 1;
        else if (word_is(w, n, "fuzzy")) {
            const char *v = s;
            next_word(&s, e, &n);
            double t;
            if (parse_prob(v, s, origin, line, "fuzzy", &t)) return -1;
            if (t <= 0) return dc_seterr("%s:%d: fuzzy takes a Jaro-Winkler threshold above 0", origin, line);
            d->fuzzy = (float)t;
        } else {
            return dc_seterr("%s:%d: unknown column option '%.*s' (known: exact, text, digits, fuzzy T, "
                             "cannot_link)", origin, line, (int)n, w);
        }
    }
    out->nextra++;
    return 0;
}

static const char *const th_names[] = {"name_jw_high", "name_jw_low", "relative_jw", "address_jw"};

static double *th_slot(dc_cmp_thresholds_t *t, int k)
{
    double *v[] = {&t->name_jw_high, &t->name_jw_low, &t->relative_jw, &t->address_jw};
    return v[k];
}

/* "threshold NAME VALUE" (docs/SETTINGS.md). */
static int parse_threshold(const char *s, const char *e, const char *origin, int line, dc_cmp_thresholds_t *t)
{
    size_t n;
    const char *w = next_word(&s, e, &n);
    for (int k = 0; k < (int)DC_ARRAY_LEN(th_names); k++)
        if (word_is(w, n, th_names[k])) return parse_prob(s, e, origin, line, th_names[k], th_slot(t, k));
    return dc_seterr("%s:%d: unknown threshold '%.*s' (known: name_jw_high, name_jw_low, relative_jw, address_jw)",
                     origin, line, (int)n, w);
}

/* The column named w[0..n) among the register's and the declared extra ones, or -1. */
static int column_of(const dc_rules_t *rs, const char *w, size_t n)
{
    for (int c = 0; c < DC_COL_X0; c++)
        if (word_is(w, n, dc_col_name((dc_col_t)c))) return c;
    for (int k = 0; k < rs->nextra; k++)
        if (word_is(w, n, rs->extra[k].name)) return DC_COL_X0 + k;
    return -1;
}

/* "u COLUMN LEVEL P" (docs/SETTINGS.md): a fixed u. Extra columns' level
 * names are known once they are declared (same, [similar,] different). */
static int parse_fixed_u(const char *s, const char *e, const char *origin, int line, dc_rules_t *out)
{
    size_t n, nl_;
    const char *w = next_word(&s, e, &n), *l = next_word(&s, e, &nl_);
    int c = column_of(out, w, n);
    if (c < 0) return dc_seterr("%s:%d: u: unknown column '%.*s' (declare extra columns first)", origin, line, (int)n, w);
    int nl = c < DC_COL_X0 ? dc_col_nlevels((dc_col_t)c) : (out->extra[c - DC_COL_X0].fuzzy > 0 ? 3 : 2);
    int level = -1;
    for (int k = 0; k < nl && level < 0; k++) {
        const char *name = c < DC_COL_X0 ? dc_level_name((dc_col_t)c, k)
                                         : k == 0 ? "same" : k == nl - 1 ? "different" : "similar";
        if (word_is(l, nl_, name)) level = k;
    }
    /* the name's "nickname" level exists with "nicknames en" (declared before) */
    if (level < 0 && c == DC_COL_NAME && out->nicknames && word_is(l, nl_, "nickname")) level = DC_NAME_NICK;
    if (level < 0) return dc_seterr("%s:%d: u: column %.*s has no level '%.*s'", origin, line, (int)n, w, (int)nl_, l);
    if (out->nfixed_u >= DC_FIXED_U_MAX) return dc_seterr("%s:%d: more than %d u lines", origin, line, DC_FIXED_U_MAX);
    dc_fixed_u_t *f = &out->fixed_u[out->nfixed_u];
    if (parse_prob(s, e, origin, line, "u", &f->u)) return -1;
    if (f->u <= 0 || f->u >= 1) return dc_seterr("%s:%d: u takes a probability above 0 and below 1", origin, line);
    for (int k = 0; k < out->nfixed_u; k++)
        if (out->fixed_u[k].col == c && out->fixed_u[k].level == level)
            return dc_seterr("%s:%d: u of %.*s %.*s given twice", origin, line, (int)n, w, (int)nl_, l);
    f->col = (uint8_t)c;
    f->level = (uint8_t)level;
    out->nfixed_u++;
    return 0;
}

int dc_rules_parse(const char *text, const char *origin, dc_rules_t *out)
{
    memset(out, 0, sizeof *out);
    out->max_block = 50;
    out->window = 10;
    out->drop_cannot_link = 1;
    out->cannot_link = DC_CL_ALL;
    out->match_threshold = out->review_threshold = -1;
    out->cmp = dc_cmp_thresholds_default();
    size_t cap = 0;
    int line = 0;
    const char *p = text;
    while (*p) {
        line++;
        const char *e = strchr(p, '\n');
        if (!e) e = p + strlen(p);
        const char *next = *e ? e + 1 : e;
        const char *h = memchr(p, '#', (size_t)(e - p));
        if (h) e = h;
        while (p < e && isspace((unsigned char)*p)) p++;
        while (e > p && isspace((unsigned char)e[-1])) e--;
        if (p == e) { p = next; continue; }
        if ((size_t)(e - p) > 10 && !strncmp(p, "max_block", 9) && isspace((unsigned char)p[9])) {
            if (parse_setting(p + 9, e, origin, line, &out->max_block, 2)) goto fail;
        } else if ((size_t)(e - p) > 7 && !strncmp(p, "window", 6) && isspace((unsigned char)p[6])) {
            if (parse_setting(p + 6, e, origin, line, &out->window, 2)) goto fail;
        } else if ((size_t)(e - p) > 12 && !strncmp(p, "cannot_link", 11) && isspace((unsigned char)p[11])) {
            if (parse_cannot_link(p + 11, e, origin, line, &out->cannot_link)) goto fail;
        } else if ((size_t)(e - p) > 10 && !strncmp(p, "threshold", 9) && isspace((unsigned char)p[9])) {
            if (parse_threshold(p + 9, e, origin, line, &out->cmp)) goto fail;
        } else if ((size_t)(e - p) > 2 && p[0] == 'u' && isspace((unsigned char)p[1])) {
            if (parse_fixed_u(p + 1, e, origin, line, out)) goto fail;
        } else if ((size_t)(e - p) > 7 && !strncmp(p, "column", 6) && isspace((unsigned char)p[6])) {
            if (parse_column(p + 6, e, origin, line, out)) goto fail;
        } else if ((size_t)(e - p) > 16 && !strncmp(p, "match_threshold", 15) && isspace((unsigned char)p[15])) {
            if (parse_prob(p + 15, e, origin, line, "match_threshold", &out->match_threshold)) goto fail;
        } else if ((size_t)(e - p) > 17 && !strncmp(p, "review_threshold", 16) && isspace((unsigned char)p[16])) {
            if (parse_prob(p + 16, e, origin, line, "review_threshold", &out->review_threshold)) goto fail;
        } else if ((size_t)(e - p) > 13 && !strncmp(p, "require_name", 12) && isspace((unsigned char)p[12])) {
            int yes;
            if (parse_yes_no(p + 12, e, origin, line, "require_name", &yes)) goto fail;
            out->names_optional = !yes;
        } else if ((size_t)(e - p) > 16 && !strncmp(p, "dob_placeholder", 15) && isspace((unsigned char)p[15])) {
            const char *v = p + 15;
            while (v < e && isspace((unsigned char)*v)) v++;
            if ((size_t)(e - v) == 4 && !memcmp(v, "year", 4)) out->placeholder_year = 1;
            else if ((size_t)(e - v) == 3 && !memcmp(v, "day", 3)) out->placeholder_year = 0;
            else {
                dc_seterr("%s:%d: dob_placeholder takes year or day", origin, line);
                goto fail;
            }
        } else if ((size_t)(e - p) > 10 && !strncmp(p, "nicknames", 9) && isspace((unsigned char)p[9])) {
            const char *v = p + 9;
            while (v < e && isspace((unsigned char)*v)) v++;
            if ((size_t)(e - v) != 2 || memcmp(v, "en", 2)) {
                dc_seterr("%s:%d: nicknames takes en (English given names: engine/ref/data/en_nicknames.csv)", origin, line);
                goto fail;
            }
            out->nicknames = 1;
        } else if ((size_t)(e - p) > 13 && !strncmp(p, "dob_min_year", 12) && isspace((unsigned char)p[12])) {
            uint32_t y;
            if (parse_setting(p + 12, e, origin, line, &y, 1000)) goto fail;
            if (y > 1800) {
                dc_seterr("%s:%d: dob_min_year takes a year from 1000 to 1800 (the register's default)", origin, line);
                goto fail;
            }
            out->dob_min_year = y == 1800 ? 0 : (int)y;
        } else if ((size_t)(e - p) > 17 && !strncmp(p, "drop_cannot_link", 16) &&
                   isspace((unsigned char)p[16])) {
            if (parse_yes_no(p + 16, e, origin, line, "drop_cannot_link", &out->drop_cannot_link)) goto fail;
        } else {
            dc_rule_t r;
            memset(&r, 0, sizeof r);
            const char *bang = memchr(p, '!', (size_t)(e - p));
            if (bang) {
                const char *v = bang + 1, *ve = e;
                while (v < ve && isspace((unsigned char)*v)) v++;
                if ((size_t)(ve - v) == 9 && !memcmp(v, "dob_vague", 9)) r.require = DC_REQ_DOB_VAGUE;
                else if ((size_t)(ve - v) == 8 && !memcmp(v, "dob_none", 8)) r.require = DC_REQ_DOB_NONE;
                else {
                    dc_seterr("%s:%d: unknown pair condition after '!' (known: dob_vague, dob_none)", origin, line);
                    goto fail;
                }
                e = bang;
                while (e > p && isspace((unsigned char)e[-1])) e--;
            }
            const char *at = memchr(p, '@', (size_t)(e - p));
            int nk = parse_list(out, p, at ? at : e, '+', r.keys, origin, line);
            if (nk < 0) goto fail;
            if (nk == 0) { dc_seterr("%s:%d: empty rule", origin, line); goto fail; }
            r.nkeys = (uint8_t)nk;
            if (at) {
                int ns = parse_list(out, at + 1, e, ',', r.sort, origin, line);
                if (ns < 0) goto fail;
                if (ns == 0) { dc_seterr("%s:%d: '@' without sort fields", origin, line); goto fail; }
                r.nsort = (uint8_t)ns;
            }
            rule_canon(out, &r);
            for (size_t i = 0; i < out->n; i++)
                if (!strcmp(out->r[i].text, r.text)) {
                    dc_seterr("%s:%d: rule '%s' given twice", origin, line, r.text);
                    goto fail;
                }
            out->r = dc_grow(out->r, &cap, out->n + 1, sizeof *out->r);
            out->r[out->n++] = r;
        }
        p = next;
    }
    if (out->n == 0) {
        dc_seterr("%s: no blocking rule", origin);
        goto fail;
    }
    if (out->cmp.name_jw_low > out->cmp.name_jw_high) {
        dc_seterr("%s: threshold name_jw_low must not exceed name_jw_high", origin);
        goto fail;
    }
    if (out->match_threshold >= 0 && out->review_threshold > out->match_threshold) {
        dc_seterr("%s: review_threshold must not exceed match_threshold", origin);
        goto fail;
    }
    return 0;
fail:
    dc_rules_free(out);
    return -1;
}

int dc_rules_load(const char *path, dc_rules_t *out)
{
    int std = !strcmp(path, "-");   /* standard input */
    FILE *f = std ? stdin : fopen(path, "rb");
    if (!f) return dc_seterr("cannot open rules file %s: %s", path, strerror(errno));
    dc_buf_t b = DC_BUF_INIT;
    char tmp[4096];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0) {
        dc_buf_put(&b, tmp, k);
        if (b.len > (1u << 20)) break;
    }
    int err = ferror(f);
    if (!std) fclose(f);
    if (err || b.len > (1u << 20)) {
        dc_buf_free(&b);
        return dc_seterr("cannot read rules file %s", path);
    }
    if (memchr(b.p ? b.p : "", 0, b.len)) {
        dc_buf_free(&b);
        return dc_seterr("%s: NUL byte in rules file", path);
    }
    int rc = dc_rules_parse(b.p ? b.p : "", path, out);
    dc_buf_free(&b);
    return rc;
}

void dc_rules_free(dc_rules_t *r)
{
    free(r->r);
    memset(r, 0, sizeof *r);
}

void dc_rules_use(const dc_rules_t *r)
{
    dc_extra_use(r->extra, r->nextra);
    dc_cmp_thresholds_use(&r->cmp);
    dc_nicknames_use(r->nicknames);
    dc_cmp_placeholder_year_use(r->placeholder_year);
    dc_model_fixed_u_use(r->fixed_u, r->nfixed_u);
}

static void cannot_link_text(unsigned mask, dc_buf_t *out)
{
    dc_buf_puts(out, "cannot_link");
    int any = 0;
    for (int k = 0; k < 4; k++)
        if (mask & (1u << k)) dc_buf_printf(out, "%s%s", any++ ? "," : " ", cl_names[k]);
    dc_buf_puts(out, any ? "\n" : " none\n");
}

/* The settings that change how a pair is compared and vetoed, in
 * canonical form, each only when it differs from the default. */
static void scoring_text(const dc_rules_t *r, dc_buf_t *out)
{
    static const char *const norms[] = {"exact", "text", "digits"};
    if (r->nicknames) dc_buf_puts(out, "nicknames en\n");   /* first: a "u name nickname" line needs it */
    for (int k = 0; k < r->nextra; k++) {
        const dc_extra_def_t *d = &r->extra[k];
        dc_buf_printf(out, "column %s %s", d->name, norms[d->norm]);
        if (d->fuzzy > 0) dc_buf_printf(out, " fuzzy %.4g", (double)d->fuzzy);
        dc_buf_puts(out, d->cannot_link ? " cannot_link\n" : "\n");
    }
    dc_cmp_thresholds_t def = dc_cmp_thresholds_default(), cur = r->cmp;
    for (int k = 0; k < (int)DC_ARRAY_LEN(th_names); k++)
        if (*th_slot(&cur, k) != *th_slot(&def, k)) dc_buf_printf(out, "threshold %s %.6g\n", th_names[k], *th_slot(&cur, k));
    for (int k = 0; k < r->nfixed_u; k++) {
        const dc_fixed_u_t *f = &r->fixed_u[k];
        const char *col = f->col < DC_COL_X0 ? dc_col_name((dc_col_t)f->col) : r->extra[f->col - DC_COL_X0].name;
        int nl = f->col < DC_COL_X0 ? 0 : r->extra[f->col - DC_COL_X0].fuzzy > 0 ? 3 : 2;
        const char *lv = f->col == DC_COL_NAME && f->level == DC_NAME_NICK ? "nickname"
                         : f->col < DC_COL_X0 ? dc_level_name((dc_col_t)f->col, f->level)
                         : f->level == 0 ? "same" : f->level == nl - 1 ? "different" : "similar";
        dc_buf_printf(out, "u %s %s %.6g\n", col, lv, f->u);
    }
    if (r->cannot_link != DC_CL_ALL) cannot_link_text(r->cannot_link, out);
    if (r->names_optional) dc_buf_puts(out, "require_name no\n");   /* which rows exist: explain reloads them */
    if (r->placeholder_year) dc_buf_puts(out, "dob_placeholder year\n");
    if (r->dob_min_year) dc_buf_printf(out, "dob_min_year %d\n", r->dob_min_year);   /* which dates are valid */
}

void dc_rules_scoring_text(const dc_rules_t *r, dc_buf_t *out) { scoring_text(r, out); }

void dc_rules_text(const dc_rules_t *r, dc_buf_t *out)
{
    scoring_text(r, out);
    if (r->match_threshold >= 0) dc_buf_printf(out, "match_threshold %.6g\n", r->match_threshold);
    if (r->review_threshold >= 0) dc_buf_printf(out, "review_threshold %.6g\n", r->review_threshold);
    dc_buf_printf(out, "max_block %u\nwindow %u\ndrop_cannot_link %s\n", r->max_block, r->window,
                  r->drop_cannot_link ? "yes" : "no");
    for (size_t i = 0; i < r->n; i++) dc_buf_printf(out, "%s\n", r->r[i].text);
}

/* ---------------------------------------------------------------- keys */

/* A day-precision date usable as a key. Ambiguous day/month order
 * (04/01/1954) still keys on the normalizer's reading: both rows of a
 * duplicate are usually written the same way. */
static int date_day_ok(const dc_date_t *d)
{
    return d->prec == DC_PREC_DAY && d->m && d->d && !(d->flags & DC_DATE_INVALID);
}

static int date_ok(const dc_date_t *d)
{
    return d->prec != DC_PREC_NONE && !(d->flags & DC_DATE_INVALID) && d->y;
}

static int sex_known(uint8_t s) { return s == DC_SEX_MALE || s == DC_SEX_FEMALE; }

/* Ward key of an address: pre-2025 code when known, else post-2025 code
 * (tagged so that the two code spaces never collide). */
static uint64_t ward_key(const dc_addr_t *a)
{
    if (a->ward_old) return a->ward_old;
    if (a->ward_new) return (1ull << 40) | a->ward_new;
    return 0;
}

/* Province key of an address: the post-2025 province. Every pre-2025
 * province went whole into one post-2025 province, so the normalizer sets
 * prov_new whenever prov_old is known; a bare province name ("Lào Cai",
 * also a post-2025 province) only gets prov_new. Keying on prov_old when
 * known would split one person's rows between two code spaces. */
static uint64_t prov_key(const dc_addr_t *a)
{
    if (a->prov_new) return a->prov_new;
    return a->prov_old ? 256u + a->prov_old : 0;
}


/* Relatives' name keys, read through these helpers only (their storage in
 * dc_relname_t may change from interned ids to hashes). */
static uint64_t rel_phon_hash(const dc_intern_t *in, const dc_relname_t *r)
{
    /* not interned: a 32-bit hash of the phonetic key already (dc_record.h),
     * placed where str32() takes its bits */
    DC_UNUSED(in);
    return (uint64_t)r->phon << 32;
}

static uint64_t rel_given_hash(const dc_intern_t *in, const dc_relname_t *r)
{
    return dc_intern_hash(in, r->given);
}

/* The interned string id behind a string-valued key field (0: the field
 * is not a string, or missing), for prefetching. */
static uint32_t bkey_string_id(dc_bkey_t k, const dc_record_t *r)
{
    switch (k) {
    case DC_BK_NAME_EXACT: return r->name.exact;
    case DC_BK_NAME_ASCII: return r->name.ascii;
    case DC_BK_NAME_PHON: return r->name.phon;
    case DC_BK_SUR: return r->name.sur;
    case DC_BK_MID: return r->name.mid;
    case DC_BK_GIVEN: return r->name.given;
    case DC_BK_GIVEN_PHON: return r->name.given_phon;
    case DC_BK_NAME_SORTED: return r->name.ascii;
    case DC_BK_PERM_NUMBERS: return r->perm.text;
    case DC_BK_GIVEN_NICK: return r->name.given;
    case DC_BK_FATHER_GIVEN: return r->father.given;
    case DC_BK_MOTHER_GIVEN: return r->mother.given;
    default: return k >= DC_BK_X0 && k <= DC_BK_X_LAST ? dc_extra_value(r, (int)(k - DC_BK_X0)) : 0;
    }
}

/* A string field's key value: 32 bits of its string hash (0: missing).
 * 32 bits keep the per-field cache of dc_block_pairs small; two values
 * sharing them (about 1 in 4 billion pairs of distinct values) only merge
 * two blocks, which adds candidates, never loses one. */
static uint64_t str32(uint64_t h)
{
    if (!h) return 0;
    uint32_t v = (uint32_t)(h >> 32);
    return v ? v : 1;
}

int dc_bkey_is_string(dc_bkey_t k)
{
    switch (k) {
    case DC_BK_NAME_EXACT: case DC_BK_NAME_ASCII: case DC_BK_NAME_PHON: case DC_BK_SUR:
    case DC_BK_MID: case DC_BK_GIVEN: case DC_BK_GIVEN_PHON: case DC_BK_FATHER_PHON:
    case DC_BK_FATHER_GIVEN: case DC_BK_MOTHER_PHON: case DC_BK_MOTHER_GIVEN: case DC_BK_SPOUSE_PHON:
    case DC_BK_NAME_SORTED: case DC_BK_PERM_NUMBERS: case DC_BK_GIVEN_NICK:
        return 1;
    default: return k >= DC_BK_X0 && k <= DC_BK_X_LAST;
    }
}

/* Hash of the name's ascii syllables in sorted order ("quilliam ashleigh"
 * and "ashleigh quilliam" alike). At most 16 syllables are sorted. */
static uint64_t sorted_name_hash(const dc_intern_t *in, uint32_t id)
{
    size_t len;
    const char *s = id ? dc_intern_str(in, id, &len) : NULL;
    if (!s || !len) return 0;
    const char *tok[16];
    size_t tl[16];
    int nt = 0;
    for (size_t i = 0; i < len && nt < 16;) {
        while (i < len && s[i] == ' ') i++;
        size_t b = i;
        while (i < len && s[i] != ' ') i++;
        if (i > b) { tok[nt] = s + b; tl[nt++] = i - b; }
    }
    for (int i = 1; i < nt; i++)   /* insertion sort: names have a few syllables */
        for (int j = i; j > 0; j--) {
            size_t m = DC_MIN(tl[j - 1], tl[j]);
            int c = memcmp(tok[j - 1], tok[j], m);
            if (c < 0 || (c == 0 && tl[j - 1] <= tl[j])) break;
            const char *t = tok[j]; tok[j] = tok[j - 1]; tok[j - 1] = t;
            size_t u = tl[j]; tl[j] = tl[j - 1]; tl[j - 1] = u;
        }
    uint64_t h = 0x5A17ED;
    for (int i = 0; i < nt; i++) h = dc_hash64_seed(tok[i], tl[i], h);
    return h ? h : 1;
}

/* Hash of the runs of digits in an address text, in order ("95 grylls
 * crescent, barrack heights 4221" and "95, barrack heights 4221" alike:
 * the house number and the postcode survive where words are dropped or
 * misspelt); 0 when there is no digit. */
static uint64_t numbers_hash(const dc_intern_t *in, uint32_t id)
{
    size_t len;
    const char *s = id ? dc_intern_str(in, id, &len) : NULL;
    if (!s) return 0;
    uint64_t h = 0x4E554D;
    int any = 0;
    for (size_t i = 0; i < len;) {
        if (s[i] < '0' || s[i] > '9') {
            i++;
            continue;
        }
        size_t b = i;
        while (i < len && s[i] >= '0' && s[i] <= '9') i++;
        h = dc_hash64_seed(s + b, i - b, h);
        any = 1;
    }
    return any ? (h ? h : 1) : 0;
}

/* Hash of the given name's canonical variant (dc_nickname_key). */
static uint64_t given_nick_hash(const dc_intern_t *in, uint32_t id)
{
    size_t len;
    const char *s = id ? dc_intern_str(in, id, &len) : NULL;
    return s ? dc_nickname_key(s, len) : 0;
}

uint32_t dc_bkey_string_value(dc_bkey_t k, const dc_record_t *r, const dc_intern_t *in)
{
    switch (k) {
    case DC_BK_NAME_EXACT: return (uint32_t)str32(dc_intern_hash(in, r->name.exact));
    case DC_BK_NAME_ASCII: return (uint32_t)str32(dc_intern_hash(in, r->name.ascii));
    case DC_BK_NAME_PHON: return (uint32_t)str32(dc_intern_hash(in, r->name.phon));
    case DC_BK_SUR: return (uint32_t)str32(dc_intern_hash(in, r->name.sur));
    case DC_BK_MID: return (uint32_t)str32(dc_intern_hash(in, r->name.mid));
    case DC_BK_GIVEN: return (uint32_t)str32(dc_intern_hash(in, r->name.given));
    case DC_BK_GIVEN_PHON: return (uint32_t)str32(dc_intern_hash(in, r->name.given_phon));
    case DC_BK_FATHER_PHON: return (uint32_t)str32(rel_phon_hash(in, &r->father));
    case DC_BK_FATHER_GIVEN: return (uint32_t)str32(rel_given_hash(in, &r->father));
    case DC_BK_MOTHER_PHON: return (uint32_t)str32(rel_phon_hash(in, &r->mother));
    case DC_BK_MOTHER_GIVEN: return (uint32_t)str32(rel_given_hash(in, &r->mother));
    case DC_BK_SPOUSE_PHON: return (uint32_t)str32(rel_phon_hash(in, &r->spouse));
    case DC_BK_NAME_SORTED: return (uint32_t)str32(sorted_name_hash(in, r->name.ascii));
    case DC_BK_PERM_NUMBERS: return (uint32_t)str32(numbers_hash(in, r->perm.text));
    case DC_BK_GIVEN_NICK: return (uint32_t)str32(given_nick_hash(in, r->name.given));
    default:
        if (k >= DC_BK_X0 && k <= DC_BK_X_LAST)
            return (uint32_t)str32(dc_intern_hash(in, dc_extra_value(r, (int)(k - DC_BK_X0))));
        return 0;
    }
}

void dc_bkey_prefetch(dc_bkey_t k, const dc_record_t *rec, const dc_intern_t *in, int stage)
{
    uint32_t id = bkey_string_id(k, rec);
    if (!id) return;
    if (stage == 0) dc_intern_prefetch_entry(in, id);
    else dc_intern_prefetch_str(in, id);
}

/* The value of one key field for a record: 0 = missing. */
uint64_t dc_bkey_value(dc_bkey_t k, const dc_record_t *r, const dc_intern_t *in)
{
    switch (k) {
    case DC_BK_ID12: return (r->id12_flags & DC_ID_VALID) ? dc_rec_id12(r) : 0;
    case DC_BK_CMND: return dc_rec_cmnd(r);
    case DC_BK_NAME_EXACT: case DC_BK_NAME_ASCII: case DC_BK_NAME_PHON: case DC_BK_SUR:
    case DC_BK_MID: case DC_BK_GIVEN: case DC_BK_GIVEN_PHON: case DC_BK_FATHER_PHON:
    case DC_BK_FATHER_GIVEN: case DC_BK_MOTHER_PHON: case DC_BK_MOTHER_GIVEN: case DC_BK_SPOUSE_PHON:
    case DC_BK_NAME_SORTED: case DC_BK_PERM_NUMBERS: case DC_BK_GIVEN_NICK:
        return dc_bkey_string_value(k, r, in);
    case DC_BK_X0: case DC_BK_X_LAST: break;   /* below: the values between have no name */
    case DC_BK_DOB:
        return date_day_ok(&r->dob) ? (uint64_t)(r->dob.y * 10000 + r->dob.m * 100 + r->dob.d) : 0;
    case DC_BK_DOB_YM:
        return date_ok(&r->dob) && r->dob.prec >= DC_PREC_MONTH && r->dob.m
                   ? (uint64_t)(r->dob.y * 100 + r->dob.m) : 0;
    case DC_BK_DOB_YEAR: return date_ok(&r->dob) ? (uint64_t)r->dob.y : 0;
    case DC_BK_DOB_MD:
        return date_day_ok(&r->dob) ? (uint64_t)(r->dob.m * 100 + r->dob.d) : 0;
    case DC_BK_DOB_UNORDERED:
        return date_day_ok(&r->dob) ? (uint64_t)(r->dob.y * 10000 + DC_MIN(r->dob.m, r->dob.d) * 100 +
                                                 DC_MAX(r->dob.m, r->dob.d))
                                    : 0;
    case DC_BK_ID_PROV:
        return (r->id12_flags & DC_ID_VALID) ? r->id12 / 1000000000ull + 1 : 0;
    case DC_BK_SEX: return sex_known(r->sex) ? r->sex : 0;
    case DC_BK_PERM_WARD: return ward_key(&r->perm);
    case DC_BK_PERM_DISTRICT: return r->perm.district_old;
    case DC_BK_PERM_PROV: return prov_key(&r->perm);
    case DC_BK_HOME_PROV: return prov_key(&r->hometown);
    case DC_BK_NO_PROVINCE:
        return prov_key(&r->perm) || prov_key(&r->hometown) || prov_key(&r->cur) ? 0 : 1;
    case DC_BK_ID12_HEAD: {
        uint64_t v = (r->id12_flags & DC_ID_VALID) ? dc_rec_id12(r) : 0;
        return v ? v / 1000 + 1 : 0;
    }
    case DC_BK_ID12_TAIL: {
        uint64_t v = (r->id12_flags & DC_ID_VALID) ? dc_rec_id12(r) : 0;
        return v ? v % 1000000000ull + 1 : 0;
    }
    case DC_BK_CMND_HEAD: {
        uint64_t v = dc_rec_cmnd(r);
        return v ? v / 1000 + 1 : 0;
    }
    case DC_BK_CMND_TAIL: {
        uint64_t v = dc_rec_cmnd(r);
        return v ? v % 1000000 + 1 : 0;
    }
    case DC_BK__COUNT: break;
    }
    if (k >= DC_BK_X0 && k <= DC_BK_X_LAST) return dc_bkey_string_value(k, r, in);
    return 0;
}

uint64_t dc_rule_key_vals(const dc_rule_t *rule, uint32_t rule_index, const uint64_t *vals)
{
    uint64_t v[DC_RULE_MAX_KEYS];
    for (int k = 0; k < rule->nkeys; k++) {
        v[k] = vals[rule->keys[k]];
        if (!v[k]) return 0;
    }
    uint64_t h = dc_hash64_seed(v, (size_t)rule->nkeys * sizeof v[0], 0x9E3779B97F4A7C15ull + rule_index);
    return h ? h : 1;
}

uint64_t dc_rule_key(const dc_rule_t *rule, uint32_t rule_index, const dc_record_t *rec,
                     const dc_intern_t *in)
{
    uint64_t vals[DC_BK__COUNT] = {0};
    for (int k = 0; k < rule->nkeys; k++) {
        vals[rule->keys[k]] = dc_bkey_value((dc_bkey_t)rule->keys[k], rec, in);
        if (!vals[rule->keys[k]]) return 0;
    }
    return dc_rule_key_vals(rule, rule_index, vals);
}

int dc_rule_required(const dc_rule_t *rule, const dc_record_t *rec)
{
    const dc_date_t *d = &rec->dob;
    if (rule->require == DC_REQ_DOB_NONE) return !date_ok(d);
    if (rule->require != DC_REQ_DOB_VAGUE) return 1;
    return date_ok(d) && (d->prec < DC_PREC_DAY || (d->flags & DC_DATE_PLACEHOLDER));
}

/* Sort value of a record inside a capped block: the sort fields hashed in
 * order, except that the first field keeps its natural order when it is a
 * date (so neighbours are close in time). Missing fields sort first. */
uint64_t dc_rule_sort_value(const dc_rule_t *rule, const dc_record_t *rec, const dc_intern_t *in);
uint64_t dc_rule_sort_value(const dc_rule_t *rule, const dc_record_t *rec, const dc_intern_t *in)
{
    static const uint8_t dflt[] = {DC_BK_DOB, DC_BK_GIVEN, DC_BK_PERM_WARD, DC_BK_FATHER_PHON};
    const uint8_t *s = rule->nsort ? rule->sort : dflt;
    int ns = rule->nsort ? rule->nsort : (int)sizeof dflt;
    uint64_t v[DC_RULE_MAX_KEYS];
    for (int i = 0; i < ns; i++) v[i] = dc_bkey_value((dc_bkey_t)s[i], rec, in);
    uint64_t rest = ns > 1 ? dc_hash64(v + 1, (size_t)(ns - 1) * sizeof v[0]) : 0;
    /* first field in the top 28 bits (dates fit: yyyymmdd < 2^25), the rest hashed below */
    uint64_t first = v[0];
    int natural = s[0] == DC_BK_DOB || s[0] == DC_BK_DOB_YEAR || s[0] == DC_BK_DOB_YM || s[0] == DC_BK_DOB_UNORDERED ||
                  s[0] == DC_BK_DOB_MD;
    if (!natural) first = first ? (dc_hash64(&first, sizeof first) >> 36) : 0;
    return ((first & 0xFFFFFFFull) << 36) | (rest >> 28);
}
