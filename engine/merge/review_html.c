/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * review_html.c - OUTDIR/review.html: the review pairs side by side, for
 * a person to decide, and the labels file their decisions make.
 *
 * DESIGN. The pairs are the first DC_REVIEW_PAGE_MAX rows of the review
 * table (the highest match weights first), kept by the match stage with
 * their levels and weights (run->match->review_top); the values come from
 * the run's records (normalized forms: title-case names, ISO dates,
 * gazetteer-matched addresses), written into the page as HTML (escaped)
 * by C, never as script data. Each field shows the comparison level and
 * weight; its cells are coloured by level (same / similar / different /
 * missing) and the words of one side missing from the other are marked.
 *
 * The script is small and works from file:// without network: a Match /
 * Non-match / Clear button per pair sets data-decision on the pair, and
 * every change rebuilds the "Download labels" link as a data: URL holding
 * the labels CSV:
 *     source_a,record_id_a,source_b,record_id_b,decision
 * decision "match" or "non_match", one line per decided pair in page
 * order, fields quoted as RFC 4180 says (when they hold a comma, a quote,
 * CR or LF; quotes doubled), lines ended by LF. `dancu run --labels`
 * reads this file (docs/OUTPUTS.md).
 *
 * Test hook: "#selftest=DECISIONS" in the URL (one character per pair in
 * page order: m match, n non-match, - none) clicks those buttons when the
 * page loads, so that a browser test reads the resulting link.
 *
 * This page holds personal data by design (it is about rows): mode 0600
 * like every output.
 */
#include "dc_merge.h"
#include "dc_html.h"
#include "match/dc_match.h"

#include <string.h>   /* memcmp */

static void put_date(dc_buf_t *out, const dc_date_t *d)
{
    char buf[16];
    dc_merge_format_date(d, buf);
    dc_buf_puts(out, buf);
}

static void put_addr(const dc_run_t *run, const dc_addr_t *a, dc_buf_t *out)
{
    const char *t = dc_intern_str(run->in, a->text, NULL);
    dc_buf_puts(out, t);
    if (a->ward_old || a->ward_new) dc_buf_printf(out, " [ward %05u/%u]", a->ward_old, a->ward_new);
}

static void put_name(const dc_run_t *run, uint32_t exact, dc_buf_t *out)
{
    if (!exact) return;
    if (run->norm) dc_norm_display_name(run->norm, exact, out);
    else dc_buf_puts(out, dc_intern_str(run->in, exact, NULL));
}

void dc_review_value(const dc_run_t *run, const dc_record_t *r, int col, dc_buf_t *out)
{
    switch ((dc_col_t)col) {
    case DC_COL_NAME: put_name(run, r->name.exact, out); break;
    case DC_COL_DOB: put_date(out, &r->dob); break;
    case DC_COL_ID12:
        if (r->id12) dc_buf_printf(out, "%012llu%s", (unsigned long long)r->id12, r->id12_flags & DC_ID_VALID ? "" : " (invalid)");
        break;
    case DC_COL_CMND:
        if (r->cmnd) dc_buf_printf(out, "%0*llu", r->cmnd_flags & DC_ID_CMND12 ? 12 : 9, (unsigned long long)r->cmnd);
        break;
    case DC_COL_SEX: dc_buf_puts(out, r->sex == DC_SEX_MALE ? "Nam" : r->sex == DC_SEX_FEMALE ? "N\xe1\xbb\xaf" : ""); break;
    case DC_COL_ETHNIC:
        if (r->ethnic) dc_buf_puts(out, dc_ethnic_name(r->ethnic));
        break;
    case DC_COL_RESIDENCE:
        put_addr(run, &r->perm, out);
        if (r->cur.text || r->cur.ward_old || r->cur.ward_new) {
            dc_buf_puts(out, " | ");
            put_addr(run, &r->cur, out);
        }
        break;
    case DC_COL_HOMETOWN: put_addr(run, &r->hometown, out); break;
    case DC_COL_PARENTS:
        if (r->father.exact || r->mother.exact) {
            put_name(run, r->father.exact, out);
            dc_buf_puts(out, "; ");
            put_name(run, r->mother.exact, out);
        }
        break;
    case DC_COL_SPOUSE: put_name(run, r->spouse.exact, out); break;
    default:
        if (col >= DC_COL_X0 && col < DC_COL__COUNT) {   /* a declared extra column: its compared form */
            uint32_t id = dc_extra_value(r, col - DC_COL_X0);
            if (id) dc_buf_puts(out, dc_intern_str(run->in, id, NULL));
        }
        break;
    }
}

/* `s` escaped, with the words (between spaces and punctuation ,;|) that do
 * not occur in `other` inside <mark>. */
static void put_marked(dc_buf_t *b, const char *s, size_t n, const char *other, size_t on)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && !strchr(" ,;|", s[j])) j++;
        if (j > i) {
            int found = 0;
            for (size_t k = 0; k + (j - i) <= on && !found; k++) {
                if (k && !strchr(" ,;|", other[k - 1])) continue;
                size_t e = k + (j - i);
                found = !memcmp(other + k, s + i, j - i) && (e == on || strchr(" ,;|", other[e]));
            }
            if (!found) dc_buf_puts(b, "<mark>");
            dc_html_esc(b, s + i, j - i);
            if (!found) dc_buf_puts(b, "</mark>");
        }
        if (j < n) dc_html_esc(b, s + j, 1);
        i = j + 1;
    }
}

static const char REVIEW_CSS[] =
    ".bar{position:sticky;top:0;background:#fff;border-bottom:1px solid var(--bd);padding:6px 0;z-index:1;"
    "display:flex;flex-wrap:wrap;gap:12px;align-items:center}\n"
    ".bar a.dl{background:var(--s0);color:#fff;padding:5px 12px;border-radius:4px;text-decoration:none}\n"
    "article.pair{border:1px solid var(--bd);border-radius:6px;margin:12px 0;padding:6px 10px}\n"
    "article.pair[data-decision=match]{border-left:6px solid var(--pos)}\n"
    "article.pair[data-decision=non_match]{border-left:6px solid var(--neg)}\n"
    "article.pair header{display:flex;flex-wrap:wrap;gap:10px;align-items:baseline}\n"
    "article.pair table{width:100%;table-layout:fixed}td.lv{color:var(--mut);overflow-wrap:anywhere}"
    "col.f{width:84px}col.l{width:150px}col.w{width:64px}td.v{overflow-wrap:anywhere}\n"
    "tr.same td.v{background:#eef8f0}tr.similar td.v{background:#fff7e6}tr.diff td.v{background:#fdecec}"
    "tr.missing td.v{color:var(--mut)}\n"
    "mark{background:#fbd38d;padding:0 1px}\n"
    "button{font:inherit;padding:3px 10px;margin-right:6px;border:1px solid var(--bd);border-radius:4px;"
    "background:#fff;cursor:pointer}\n"
    "article.pair[data-decision=match] button.yes{background:var(--pos);color:#fff}\n"
    "article.pair[data-decision=non_match] button.no{background:var(--neg);color:#fff}\n"
    "body.undecided-only article.pair[data-decision]{display:none}\n"
    "@media print{.bar,button{display:none}article.pair{break-inside:avoid}}\n";

static const char REVIEW_JS[] =
    "(function(){\n"
    "var pairs=Array.prototype.slice.call(document.querySelectorAll('article.pair')),dirty=false;\n"
    "function q(s){return /[\",\\r\\n]/.test(s)?'\"'+s.replace(/\"/g,'\"\"')+'\"':s}\n"
    "function update(){var csv='source_a,record_id_a,source_b,record_id_b,decision\\n',nm=0,nn=0;\n"
    " pairs.forEach(function(p){var d=p.getAttribute('data-decision');if(!d)return;if(d==='match')nm++;else nn++;\n"
    "  csv+=[p.getAttribute('data-sa'),p.getAttribute('data-ra'),p.getAttribute('data-sb'),"
    "p.getAttribute('data-rb'),d].map(q).join(',')+'\\n'});\n"
    " document.getElementById('export').setAttribute('href','data:text/csv;charset=utf-8,'+encodeURIComponent(csv));\n"
    " document.getElementById('counts').textContent=nm+' match, '+nn+' non-match, '+(pairs.length-nm-nn)+' undecided'}\n"
    "pairs.forEach(function(p){Array.prototype.forEach.call(p.querySelectorAll('button[data-d]'),function(bt){\n"
    " bt.addEventListener('click',function(){var d=bt.getAttribute('data-d');\n"
    "  if(d)p.setAttribute('data-decision',d);else p.removeAttribute('data-decision');dirty=true;update()})})});\n"
    "document.getElementById('export').addEventListener('click',function(){dirty=false});\n"
    "document.getElementById('undecided').addEventListener('change',function(e){"
    "document.body.classList.toggle('undecided-only',e.target.checked)});\n"
    "window.addEventListener('beforeunload',function(e){if(dirty){e.preventDefault();e.returnValue=''}});\n"
    "update();\n"
    "var m=/^#selftest=([mn-]*)$/.exec(location.hash);\n"
    "if(m){for(var i=0;i<m[1].length&&i<pairs.length;i++){var c=m[1].charAt(i);\n"
    " if(c!=='-')pairs[i].querySelector(c==='m'?'button.yes':'button.no').click()}dirty=false}\n"
    "})();\n";

static const char *level_class(int col, int lv)
{
    if (lv == DC_LV_MISSING) return "missing";
    if (lv == 0) return "same";
    if (col == DC_COL_NAME) return lv == DC_NAME_DIFF ? "diff" : "similar";   /* nickname: after different */
    if (lv >= dc_col_nlevels((dc_col_t)col) - 1) return "diff";
    return "similar";
}

static const char *src_name(const dc_run_t *run, uint32_t s)
{
    return dc_run_source_name(run, s);
}

void dc_review_html(const dc_run_t *run, dc_buf_t *b)
{
    const dc_match_state_t *ms = run->match;
    size_t n = ms ? ms->nreview_top : 0;
    uint64_t total = ms ? ms->review_rows : 0;
    dc_html_begin(b, "dancu review pairs", REVIEW_CSS);
    dc_buf_puts(b, "<h1>Pairs to review</h1>\n<p class=\"sub\">");
    dc_html_count(b, n);
    dc_buf_puts(b, " of the ");
    dc_html_count(b, total);
    dc_buf_printf(b, " pairs of review.csv (pairs between the review and the match thresholds that the run did "
                     "not link, and links refused for cannot-link evidence), highest match weight first; "
                     "the page holds at most %d pairs. <a href=\"report.html\">Run report</a></p>\n",
                  DC_REVIEW_PAGE_MAX);
    dc_buf_puts(b, "<p class=\"note\">This page shows personal data (the values of the rows): keep it with the "
                   "same care as the exports. Decide each pair, then download the labels file (for "
                   "<code>dancu run --labels</code>); decisions are not kept when the page is closed.</p>\n");
    dc_buf_puts(b, "<div class=\"bar\"><a class=\"dl\" id=\"export\" download=\"labels.csv\" "
                   "href=\"data:text/csv;charset=utf-8,\">Download labels (CSV)</a><span id=\"counts\"></span>"
                   "<label><input type=\"checkbox\" id=\"undecided\"> undecided only</label></div>\n");
    if (!n) dc_buf_puts(b, "<p>No pair to review.</p>\n");
    dc_buf_t va = DC_BUF_INIT, vb = DC_BUF_INIT;
    for (size_t k = 0; k < n; k++) {
        const dc_review_pair_t *p = &ms->review_top[k];
        const dc_record_t *ra = &run->recs[p->a], *rb = &run->recs[p->b];
        const char *sa = src_name(run, ra->source), *sb = src_name(run, rb->source);
        const char *ia = dc_intern_str(run->in, ra->record_id, NULL), *ib = dc_intern_str(run->in, rb->record_id, NULL);
        dc_buf_printf(b, "<article class=\"pair\" id=\"p%zu\" data-sa=\"", k + 1);
        dc_html_escs(b, sa);
        dc_buf_puts(b, "\" data-ra=\"");
        dc_html_escs(b, ia);
        dc_buf_puts(b, "\" data-sb=\"");
        dc_html_escs(b, sb);
        dc_buf_puts(b, "\" data-rb=\"");
        dc_html_escs(b, ib);
        dc_buf_printf(b, "\">\n<header><b>#%zu</b><span>match weight %+.2f, probability %.4f</span>%s</header>\n",
                      k + 1, p->weight, dc_weight_prob(p->weight),
                      p->refused ? "<span class=\"bad\">link refused: cannot-link evidence</span>" : "");
        dc_buf_puts(b, "<table><colgroup><col class=\"f\"><col class=\"l\"><col class=\"w\"><col><col></colgroup>"
                       "<thead><tr><th>field</th><th>level</th><th class=\"n\">weight</th><th>A: ");
        dc_html_escs(b, sa);
        dc_buf_puts(b, " / ");
        dc_html_escs(b, ia);
        dc_buf_printf(b, " (line %u)</th><th>B: ", ra->seq);
        dc_html_escs(b, sb);
        dc_buf_puts(b, " / ");
        dc_html_escs(b, ib);
        dc_buf_printf(b, " (line %u)</th></tr></thead><tbody>\n", rb->seq);
        for (int c = 0; c < dc_col_count(); c++) {
            dc_buf_clear(&va);
            dc_buf_clear(&vb);
            dc_review_value(run, ra, c, &va);
            dc_review_value(run, rb, c, &vb);
            const char *xa = va.p ? va.p : "", *xb = vb.p ? vb.p : "";
            dc_buf_printf(b, "<tr class=\"%s\"><td>%s</td><td class=\"lv\">%s</td><td class=\"n\">%+.2f</td>"
                             "<td class=\"v\">",
                          level_class(c, p->lv[c]), dc_col_name((dc_col_t)c), dc_level_name((dc_col_t)c, p->lv[c]),
                          p->w[c] == 0 ? 0.0 : p->w[c]);
            if (p->lv[c] == 0) dc_html_esc(b, xa, va.len);
            else put_marked(b, xa, va.len, xb, vb.len);
            dc_buf_puts(b, "</td><td class=\"v\">");
            if (p->lv[c] == 0) dc_html_esc(b, xb, vb.len);
            else put_marked(b, xb, vb.len, xa, va.len);
            dc_buf_puts(b, "</td></tr>\n");
        }
        dc_buf_puts(b, "</tbody></table>\n<div><button class=\"yes\" data-d=\"match\">Match</button>"
                       "<button class=\"no\" data-d=\"non_match\">Non-match</button>"
                       "<button data-d=\"\">Clear</button></div>\n</article>\n");
    }
    dc_buf_free(&va);
    dc_buf_free(&vb);
    dc_html_end(b, REVIEW_JS);
}
