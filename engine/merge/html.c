/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * html.c - the pieces of dancu's HTML pages (dc_html.h): escaping, the
 * page frame with its style sheet and script, SVG bar charts, histograms,
 * tables, and the explain page (a waterfall of one pair's weights).
 *
 * Charts are plain SVG in a viewBox (they scale with the page and print
 * as vectors); every mark carries a <title> (tooltip) and class "m", the
 * mark the browser self-test counts. Colours come from CSS classes
 * (s0..s3 for series, pos/neg for signs), so print CSS can change them.
 */
#include "dc_html.h"

#include <math.h>     /* fabs, floor, fmod, log10, pow */
#include <stdlib.h>   /* free */
#include <string.h>   /* strlen */

/* -------------------------------------------------------------- text */

void dc_html_esc(dc_buf_t *b, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *r;
        switch (s[i]) {
        case '&': r = "&amp;"; break;
        case '<': r = "&lt;"; break;
        case '>': r = "&gt;"; break;
        case '"': r = "&quot;"; break;
        case '\'': r = "&#39;"; break;
        default: continue;
        }
        dc_buf_put(b, s + run, i - run);
        dc_buf_puts(b, r);
        run = i + 1;
    }
    dc_buf_put(b, s + run, n - run);
}

void dc_html_escs(dc_buf_t *b, const char *s)
{
    if (s) dc_html_esc(b, s, strlen(s));
}

void dc_html_count(dc_buf_t *b, uint64_t v)
{
    char d[32];
    int n = snprintf(d, sizeof d, "%llu", (unsigned long long)v);
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0) dc_buf_putc(b, ',');
        dc_buf_putc(b, d[i]);
    }
}

/* A number for text: thousands separated when integral and large. */
static void put_num(dc_buf_t *b, double v, int dec)
{
    if (v != v) { dc_buf_puts(b, "-"); return; }
    if (dec == 0 && fabs(v) < 1e18) {
        if (v < 0) dc_buf_putc(b, '-');
        dc_html_count(b, (uint64_t)(fabs(v) + 0.5));
        return;
    }
    if (v == 0) v = 0;   /* no "-0.00" */
    dc_buf_printf(b, "%.*f", dec, v);
}

/* ------------------------------------------------------------- frame */

static const char STYLE[] =
    ":root{--fg:#1b2330;--mut:#5a6472;--bd:#d6dbe2;--bg2:#f4f6f9;--s0:#2b6cb0;--s1:#dd6b20;"
    "--s2:#6b8e23;--s3:#805ad5;--pos:#2f855a;--neg:#c53030;--tot:#2d3748}\n"
    "*{box-sizing:border-box}\n"
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','Liberation Sans',"
    "Arial,sans-serif;color:var(--fg);margin:0 auto;max-width:1120px;padding:12px 28px 40px}\n"
    "h1{font-size:22px;margin:10px 0 4px}h2{font-size:18px;margin:30px 0 8px;padding-bottom:4px;"
    "border-bottom:2px solid var(--bd)}h3{font-size:15px;margin:18px 0 6px}\n"
    "p.sub,p.note,.mut{color:var(--mut)}p.note{font-size:12px;margin:2px 0 10px}\n"
    "nav.toc{font-size:13px;margin:8px 0 0}nav.toc a{margin-right:12px;white-space:nowrap}\n"
    "a{color:var(--s0)}\n"
    ".kpis{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}.kpis div{border:1px solid var(--bd);"
    "border-radius:6px;padding:6px 12px;min-width:120px;background:var(--bg2)}.kpis b{display:block;"
    "font-size:18px}.kpis span{font-size:12px;color:var(--mut)}\n"
    ".ok{color:var(--pos)}.bad{color:var(--neg);font-weight:600}\n"
    "table{border-collapse:collapse;font-size:12.5px;margin:6px 0 14px;max-width:100%}"
    "th,td{padding:3px 8px;border-bottom:1px solid var(--bd);text-align:left;vertical-align:top}"
    "th{background:var(--bg2);font-weight:600}td.n,th.n{text-align:right;"
    "font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "table.sortable td:first-child{white-space:nowrap}table.sortable th{cursor:pointer;user-select:none}th.asc:after{content:' \\25B2'}"
    "th.desc:after{content:' \\25BC'}\n"
    ".wide{overflow-x:auto}\n"
    "figure.chart{margin:8px 0 4px}figure.chart figcaption{font-weight:600;margin-bottom:2px}"
    "svg.plot{display:block;width:100%;max-width:900px;height:auto}\n"
    "svg text{font-size:11px;fill:var(--fg)}svg text.ax{fill:var(--mut);font-size:10px}"
    "svg line.grid{stroke:var(--bd);stroke-width:1}svg line.axis{stroke:var(--mut);stroke-width:1}"
    "svg line.mk{stroke:var(--neg);stroke-width:1.5;stroke-dasharray:4 3}svg text.mk{fill:var(--neg)}"
    "svg line.sep{stroke:var(--bd)}\n"
    ".s0{fill:var(--s0)}.s1{fill:var(--s1)}.s2{fill:var(--s2)}.s3{fill:var(--s3)}"
    ".pos{fill:var(--pos)}.neg{fill:var(--neg)}.tot{fill:var(--tot)}\n"
    ".legend{font-size:12px;color:var(--mut)}.legend i{display:inline-block;width:10px;height:10px;"
    "margin:0 4px 0 10px;vertical-align:-1px}.legend i.s0{background:var(--s0)}.legend i.s1"
    "{background:var(--s1)}.legend i.s2{background:var(--s2)}.legend i.s3{background:var(--s3)}\n"
    "@media print{body{max-width:none;padding:0;font-size:11px}nav.toc,.noprint{display:none}"
    "h2{break-after:avoid}figure.chart,tr{break-inside:avoid}svg.plot{max-width:100%}"
    "a{color:inherit;text-decoration:none}.kpis div{background:none}}\n";

/* Sorting on header click (numbers compare as numbers once the thousands
 * separators and a trailing % are stripped), and the #selftest hook. */
static const char SCRIPT[] =
    "(function(){\n"
    "function num(s){s=s.replace(/,/g,'').replace(/%$/,'').trim();"
    "return s!==''&&!isNaN(s)?parseFloat(s):null}\n"
    "document.querySelectorAll('table.sortable').forEach(function(t){\n"
    " var hs=t.tHead?t.tHead.rows[0].cells:[];\n"
    " Array.prototype.forEach.call(hs,function(th,i){th.addEventListener('click',function(){\n"
    "  var d=th.classList.contains('asc')?-1:1,b=t.tBodies[0],r=Array.prototype.slice.call(b.rows);\n"
    "  Array.prototype.forEach.call(hs,function(h){h.classList.remove('asc','desc')});\n"
    "  th.classList.add(d>0?'asc':'desc');\n"
    "  r.sort(function(x,y){var a=x.cells[i]?x.cells[i].textContent:'',c=y.cells[i]?y.cells[i].textContent:'',"
    "na=num(a),nc=num(c);\n"
    "   if(na!==null&&nc!==null)return (na-nc)*d;return a.localeCompare(c)*d});\n"
    "  r.forEach(function(x){b.appendChild(x)})})})});\n"
    "if(location.hash==='#selftest'){var bad=[],n=0;\n"
    " document.querySelectorAll('figure.chart').forEach(function(f){n++;\n"
    "  var s=f.querySelector('svg'),ms=s?s.querySelectorAll('.m'):[],bb=s?s.getBoundingClientRect():null,"
    "tb=document.getElementById(f.getAttribute('data-table')),drawn=0;\n"
    "  Array.prototype.forEach.call(ms,function(m){var r=m.getBBox();if(r.width>0&&r.height>0)drawn++});\n"
    "  if(!s||!bb||bb.width<100||bb.height<20||!drawn||!tb||!tb.tBodies[0]||!tb.tBodies[0].rows.length)"
    "bad.push(f.id)});\n"
    " document.body.setAttribute('data-selftest',bad.length?'fail: '+bad.join(','):'ok '+n)}\n"
    "})();\n";

void dc_html_begin(dc_buf_t *b, const char *title, const char *extra_css)
{
    dc_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                   "<meta name=\"generator\" content=\"dancu " DC_VERSION "\">\n<title>");
    dc_html_escs(b, title);
    dc_buf_puts(b, "</title>\n<style>\n");
    dc_buf_puts(b, STYLE);
    if (extra_css) dc_buf_puts(b, extra_css);
    dc_buf_puts(b, "</style>\n</head>\n<body>\n");
}

void dc_html_end(dc_buf_t *b, const char *script)
{
    dc_buf_puts(b, "<script>\n");
    dc_buf_puts(b, SCRIPT);
    if (script) dc_buf_puts(b, script);
    dc_buf_puts(b, "</script>\n</body>\n</html>\n");
}

/* ------------------------------------------------------------ tables */

void dc_html_table_begin(dc_buf_t *b, const char *id, const char *const *heads, size_t n)
{
    dc_buf_puts(b, "<div class=\"wide\"><table class=\"sortable\"");
    if (id) {
        dc_buf_puts(b, " id=\"");
        dc_html_escs(b, id);
        dc_buf_putc(b, '"');
    }
    dc_buf_puts(b, "><thead><tr>");
    for (size_t i = 0; i < n; i++) {
        int num = heads[i][0] == '#';
        dc_buf_puts(b, num ? "<th class=\"n\">" : "<th>");
        dc_html_escs(b, heads[i] + num);
        dc_buf_puts(b, "</th>");
    }
    dc_buf_puts(b, "</tr></thead>\n<tbody>\n");
}

void dc_html_table_end(dc_buf_t *b) { dc_buf_puts(b, "</tbody></table></div>\n"); }

void dc_html_td(dc_buf_t *b, const char *s)
{
    dc_buf_puts(b, "<td>");
    dc_html_escs(b, s);
    dc_buf_puts(b, "</td>");
}

void dc_html_td_u64(dc_buf_t *b, uint64_t v)
{
    dc_buf_puts(b, "<td class=\"n\">");
    dc_html_count(b, v);
    dc_buf_puts(b, "</td>");
}

void dc_html_td_f(dc_buf_t *b, double v, int decimals)
{
    dc_buf_puts(b, "<td class=\"n\">");
    put_num(b, v, decimals);
    dc_buf_puts(b, "</td>");
}

/* ------------------------------------------------------------ charts */

#define W 760.0

/* Nice tick step for a range: 1, 2 or 5 times a power of ten. */
static double tick_step(double range, int want)
{
    if (!(range > 0)) return 1;
    double raw = range / want, p = pow(10, floor(log10(raw))), f = raw / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

static void put_tick_label(dc_buf_t *b, double v, double step)
{
    if (fabs(v) < step * 1e-6) v = 0;
    if (step >= 1 && fabs(v) >= 1e6 && fmod(v, 1e6) == 0) dc_buf_printf(b, "%gM", v / 1e6);
    else if (step >= 1 && fabs(v) >= 1e4 && fmod(v, 1e3) == 0) dc_buf_printf(b, "%gk", v / 1e3);
    else dc_buf_printf(b, "%g", v);
}

static void figure_begin(dc_buf_t *b, const dc_chart_t *c, double h)
{
    dc_buf_puts(b, "<figure class=\"chart\" id=\"");
    dc_html_escs(b, c->id);
    dc_buf_puts(b, "\" data-table=\"");
    dc_html_escs(b, c->table ? c->table : c->id);
    if (!c->table) dc_buf_puts(b, "-table");
    dc_buf_puts(b, "\"><figcaption>");
    dc_html_escs(b, c->title);
    dc_buf_puts(b, "</figcaption>\n");
    int nser = 0;
    while (nser < DC_CHART_MAXSER && c->series[nser]) nser++;
    if (nser > 1) {
        dc_buf_puts(b, "<div class=\"legend\">");
        for (int s = 0; s < nser; s++) {
            dc_buf_printf(b, "<i class=\"s%d\"></i>", s);
            dc_html_escs(b, c->series[s]);
        }
        dc_buf_puts(b, "</div>\n");
    }
    dc_buf_printf(b, "<svg class=\"plot\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"", W, h);
    dc_html_escs(b, c->title);
    dc_buf_puts(b, "\">\n");
}

static void figure_end(dc_buf_t *b, const dc_chart_t *c)
{
    dc_buf_puts(b, "</svg>\n");
    if (c->note) {
        dc_buf_puts(b, "<p class=\"note\">");
        dc_html_escs(b, c->note);
        dc_buf_puts(b, "</p>\n");
    }
    dc_buf_puts(b, "</figure>\n");
}

static void mark(dc_buf_t *b, const char *cls, double x, double y, double w, double h, const char *label,
                 const char *series, double v, int dec)
{
    if (w < 0) { x += w; w = -w; }
    if (w < 1 && v != 0) w = 1;   /* a non-zero value stays visible */
    dc_buf_printf(b, "<rect class=\"m %s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>", cls, x, y,
                  w, h);
    dc_html_escs(b, label);
    if (series) {
        dc_buf_puts(b, " (");
        dc_html_escs(b, series);
        dc_buf_putc(b, ')');
    }
    dc_buf_puts(b, ": ");
    put_num(b, v, dec);
    dc_buf_puts(b, "</title></rect>\n");
}

/* Width taken by a label of `s` in the chart font (approximation: UTF-8
 * continuation bytes are not characters). */
static double text_width(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return 6.3 * (double)n;
}

void dc_html_hbars(dc_buf_t *b, const dc_chart_t *c, const dc_chart_row_t *rows, size_t n)
{
    int nser = 0;
    while (nser < DC_CHART_MAXSER && c->series[nser]) nser++;
    if (nser == 0) nser = 1;
    int grouped = c->kind == DC_CHART_GROUPED;
    double lw = 60;
    for (size_t i = 0; i < n; i++) lw = DC_MAX(lw, text_width(rows[i].label) + 12);
    if (lw > 320) lw = 320;
    const double vw = 96, ba = W - lw - vw - 8;
    double rh = grouped ? 6 + 9.0 * nser : 20, bh = grouped ? 8 : 13;
    /* domain */
    double lo = 0, hi = 0;
    for (size_t i = 0; i < n; i++) {
        const dc_chart_row_t *r = &rows[i];
        if (c->kind == DC_CHART_STACKED) {
            double s = 0;
            for (int k = 0; k < nser; k++) s += r->v[k];
            hi = DC_MAX(hi, s);
        } else if (c->kind == DC_CHART_WATERFALL) {
            lo = DC_MIN(lo, DC_MIN(r->base, r->base + r->v[0]));
            hi = DC_MAX(hi, DC_MAX(r->base, r->base + r->v[0]));
        } else {
            for (int k = 0; k < nser; k++) {
                lo = DC_MIN(lo, r->v[k]);
                hi = DC_MAX(hi, r->v[k]);
            }
        }
    }
    if (hi - lo <= 0) hi = lo + 1;
    double step = tick_step(hi - lo, 5);
    lo = floor(lo / step + 1e-9) * step;
    hi = ceil(hi / step - 1e-9) * step;
    if (hi - lo <= 0) hi = lo + step;
    double ngroups = 0;
    for (size_t i = 1; i < n; i++) ngroups += rows[i].group;
    double top = 6, h = top + rh * (double)n + 8 * ngroups + 24;
    figure_begin(b, c, h);
#define X(v) (lw + ((v) - lo) / (hi - lo) * ba)
    /* grid and ticks */
    for (double t = lo; t <= hi + step * 1e-6; t += step) {
        dc_buf_printf(b, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", X(t), top,
                      X(t), h - 20);
        dc_buf_printf(b, "<text class=\"ax\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", X(t), h - 6);
        put_tick_label(b, t, step);
        dc_buf_puts(b, "</text>\n");
    }
    dc_buf_printf(b, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", X(0), top, X(0),
                  h - 20);
    double y = top;
    for (size_t i = 0; i < n; i++) {
        const dc_chart_row_t *r = &rows[i];
        if (i && r->group) {
            dc_buf_printf(b, "<line class=\"sep\" x1=\"0\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\"/>\n", y + 4, W,
                          y + 4);
            y += 8;
        }
        double cy = y + rh / 2;
        dc_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" dominant-baseline=\"middle\">", lw - 6,
                      cy);
        /* long labels are cut (the table has them whole) */
        const char *lab = r->label ? r->label : "";
        size_t ll = strlen(lab);
        if (text_width(lab) > lw - 10) {
            size_t keep = 0, chars = 0, maxc = (size_t)((lw - 22) / 6.3);
            while (keep < ll && chars < maxc) {
                keep++;
                while (keep < ll && ((unsigned char)lab[keep] & 0xC0) == 0x80) keep++;
                chars++;
            }
            dc_html_esc(b, lab, keep);
            dc_buf_puts(b, "\xE2\x80\xA6");
        } else {
            dc_html_esc(b, lab, ll);
        }
        dc_buf_puts(b, "</text>\n");
        double sum = 0;
        if (c->kind == DC_CHART_STACKED) {
            double x0 = X(0);
            for (int k = 0; k < nser; k++) {
                if (r->v[k] <= 0) continue;
                char cls[16];
                snprintf(cls, sizeof cls, "s%d", k);
                mark(b, cls, x0, cy - bh / 2, X(r->v[k]) - X(0), bh, lab, c->series[k], r->v[k], c->decimals);
                x0 += X(r->v[k]) - X(0);
                sum += r->v[k];
            }
        } else if (grouped) {
            for (int k = 0; k < nser; k++) {
                char cls[16];
                snprintf(cls, sizeof cls, "s%d", k);
                double by = y + 3 + 9.0 * k;
                mark(b, cls, X(0), by, X(r->v[k]) - X(0), bh, lab, c->series[k], r->v[k], c->decimals);
            }
            sum = r->v[0];
        } else if (c->kind == DC_CHART_SIGNED) {
            mark(b, r->v[0] < 0 ? "neg" : "pos", X(0), cy - bh / 2, X(r->v[0]) - X(0), bh, lab, NULL, r->v[0],
                 c->decimals);
            sum = r->v[0];
        } else {   /* waterfall */
            const char *cls = r->cls == 1 ? "tot" : r->v[0] < 0 ? "neg" : "pos";
            double a = r->cls == 1 ? 0 : r->base, e = r->cls == 1 ? r->v[0] : r->base + r->v[0];
            mark(b, cls, X(a), cy - bh / 2, X(e) - X(a), bh, lab, NULL, r->v[0], c->decimals);
            if (i + 1 < n && r->cls != 1)   /* connector to the next bar */
                dc_buf_printf(b, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", X(e),
                              cy + bh / 2, X(e), cy + rh - bh / 2);
            sum = r->v[0];
        }
        dc_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" dominant-baseline=\"middle\">", W - vw + 4, cy);
        if (r->text) dc_html_escs(b, r->text);
        else put_num(b, sum, c->decimals);
        dc_buf_puts(b, "</text>\n");
        y += rh;
    }
#undef X
    figure_end(b, c);
}

void dc_html_histogram(dc_buf_t *b, const dc_chart_t *c, const char *const *bin_labels, const double *values,
                       size_t nbins, int label_every, const dc_chart_marker_t *markers, size_t nmarkers)
{
    const double h = 250, left = 56, right = 12, top = 22, bottom = 36;
    const double pw = W - left - right, ph = h - top - bottom;
    double hi = 0;
    for (size_t i = 0; i < nbins; i++) hi = DC_MAX(hi, values[i]);
    if (hi <= 0) hi = 1;
    double step = tick_step(hi, 4);
    hi = ceil(hi / step - 1e-9) * step;
    figure_begin(b, c, h);
    for (double t = 0; t <= hi + step * 1e-6; t += step) {
        double y = top + ph - t / hi * ph;
        dc_buf_printf(b, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", left, y,
                      W - right, y);
        dc_buf_printf(b, "<text class=\"ax\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" dominant-baseline=\"middle\">",
                      left - 4, y);
        put_tick_label(b, t, step);
        dc_buf_puts(b, "</text>\n");
    }
    double bw = nbins ? pw / (double)nbins : pw;
    for (size_t i = 0; i < nbins; i++) {
        double x = left + bw * (double)i;
        if (values[i] > 0) {
            double bhgt = DC_MAX(values[i] / hi * ph, 1.0);
            mark(b, "s0", x + (bw > 4 ? 0.5 : 0), top + ph - bhgt, bw > 4 ? bw - 1 : bw, bhgt,
                 bin_labels[i], NULL, values[i], c->decimals);
        }
        if (label_every > 0 && i % (size_t)label_every == 0) {
            dc_buf_printf(b, "<text class=\"ax\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x + bw / 2,
                          top + ph + 14);
            dc_html_escs(b, bin_labels[i]);
            dc_buf_puts(b, "</text>\n");
        }
    }
    dc_buf_printf(b, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", left, top + ph,
                  W - right, top + ph);
    for (size_t k = 0; k < nmarkers; k++) {
        double x = left + bw * markers[k].x;
        if (x < left || x > W - right) continue;
        dc_buf_printf(b, "<line class=\"mk\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x, top - 4, x,
                      top + ph);
        dc_buf_printf(b, "<text class=\"mk\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", x + (k % 2 ? 3 : -3),
                      top - 8 + 0.0, k % 2 ? "start" : "end");
        dc_html_escs(b, markers[k].label);
        dc_buf_puts(b, "</text>\n");
    }
    figure_end(b, c);
}

/* ------------------------------------------------------------ explain */

void dc_explain_json(const dc_explain_t *e, dc_buf_t *out)
{
    dc_buf_puts(out, "{\n  \"a\": {\"source\": ");
    dc_buf_put_json_str(out, e->source_a, strlen(e->source_a));
    dc_buf_puts(out, ", \"record_id\": ");
    dc_buf_put_json_str(out, e->record_a, strlen(e->record_a));
    dc_buf_printf(out, ", \"line\": %llu},\n  \"b\": {\"source\": ", (unsigned long long)e->line_a);
    dc_buf_put_json_str(out, e->source_b, strlen(e->source_b));
    dc_buf_puts(out, ", \"record_id\": ");
    dc_buf_put_json_str(out, e->record_b, strlen(e->record_b));
    dc_buf_printf(out, ", \"line\": %llu},\n", (unsigned long long)e->line_b);
    if (e->context) {
        dc_buf_puts(out, "  \"context\": ");
        dc_buf_put_json_str(out, e->context, strlen(e->context));
        dc_buf_puts(out, ", \"prior_from\": ");
        dc_buf_put_json_str(out, e->prior_from ? e->prior_from : "global", strlen(e->prior_from ? e->prior_from : "global"));
        dc_buf_puts(out, ",\n");
    }
    dc_buf_printf(out, "  \"prior_weight\": %.6f,\n  \"steps\": [", e->prior);
    double run = e->prior;
    for (size_t i = 0; i < e->nsteps; i++) {
        const dc_explain_step_t *s = &e->steps[i];
        run += s->weight;
        dc_buf_puts(out, i ? ",\n    {\"column\": " : "\n    {\"column\": ");
        dc_buf_put_json_str(out, s->column, strlen(s->column));
        dc_buf_puts(out, ", \"level\": ");
        dc_buf_put_json_str(out, s->level, strlen(s->level));
        dc_buf_printf(out, ", \"weight\": %.6f, \"cumulative_weight\": %.6f", s->weight == 0 ? 0 : s->weight,
                      run);
        dc_buf_puts(out, ", \"a\": ");
        if (s->a) dc_buf_put_json_str(out, s->a, strlen(s->a));
        else dc_buf_puts(out, "null");
        dc_buf_puts(out, ", \"b\": ");
        if (s->b) dc_buf_put_json_str(out, s->b, strlen(s->b));
        else dc_buf_puts(out, "null");
        dc_buf_putc(out, '}');
    }
    dc_buf_printf(out, "\n  ],\n  \"match_weight\": %.6f,\n  \"match_probability\": %.6f,\n", e->total,
                  e->probability);
    dc_buf_printf(out, "  \"thresholds\": {\"match_probability\": %.6g, \"review_probability\": %.6g},\n",
                  e->match_threshold, e->review_threshold);
    dc_buf_puts(out, "  \"decision\": ");
    dc_buf_put_json_str(out, e->decision, strlen(e->decision));
    dc_buf_printf(out, ",\n  \"cannot_link\": %s,\n  \"citizen_key_a\": ", e->cannot_link ? "true" : "false");
    if (e->cluster_a && *e->cluster_a) dc_buf_put_json_str(out, e->cluster_a, strlen(e->cluster_a));
    else dc_buf_puts(out, "null");
    dc_buf_puts(out, ",\n  \"citizen_key_b\": ");
    if (e->cluster_b && *e->cluster_b) dc_buf_put_json_str(out, e->cluster_b, strlen(e->cluster_b));
    else dc_buf_puts(out, "null");
    dc_buf_puts(out, "\n}\n");
}

void dc_explain_html(const dc_explain_t *e, dc_buf_t *out)
{
    dc_buf_t t = DC_BUF_INIT;
    dc_buf_puts(&t, "dancu explain: ");
    dc_buf_puts(&t, e->source_a);
    dc_buf_putc(&t, ':');
    dc_buf_puts(&t, e->record_a);
    dc_buf_puts(&t, " / ");
    dc_buf_puts(&t, e->source_b);
    dc_buf_putc(&t, ':');
    dc_buf_puts(&t, e->record_b);
    dc_html_begin(out, t.p, NULL);
    dc_buf_puts(out, "<h1>Why these two rows were ");
    dc_buf_puts(out, !strcmp(e->decision, "link") ? "linked" : "not linked");
    dc_buf_puts(out, "</h1>\n<p class=\"sub\">A: ");
    dc_html_escs(out, e->source_a);
    dc_buf_puts(out, " record ");
    dc_html_escs(out, e->record_a);
    dc_buf_printf(out, " (line %llu) &middot; B: ", (unsigned long long)e->line_a);
    dc_html_escs(out, e->source_b);
    dc_buf_puts(out, " record ");
    dc_html_escs(out, e->record_b);
    dc_buf_printf(out, " (line %llu)</p>\n<p class=\"note\">This page shows the two rows' personal data: keep it "
                       "with the same care as the exports.</p>\n",
                  (unsigned long long)e->line_b);
    dc_buf_printf(out, "<div class=\"kpis\"><div><b>%+.2f</b><span>match weight</span></div>"
                       "<div><b>%.4f</b><span>match probability</span></div><div><b>",
                  e->total, e->probability);
    dc_html_escs(out, e->decision);
    dc_buf_printf(out, "</b><span>decision (match &ge; %.4g, review &ge; %.4g)</span></div>", e->match_threshold,
                  e->review_threshold);
    if (e->cannot_link) dc_buf_puts(out, "<div><b class=\"bad\">cannot link</b><span>contradicting evidence</span></div>");
    if (e->cluster_a && *e->cluster_a && e->cluster_b && *e->cluster_b)
        dc_buf_printf(out, "<div><b>%s</b><span>in the run</span></div>",
                      strcmp(e->cluster_a, e->cluster_b) ? "different citizens" : "same citizen");
    dc_buf_puts(out, "</div>\n");

    size_t n = e->nsteps + 2;
    dc_chart_row_t *rows = dc_xcalloc(n, sizeof *rows);
    dc_buf_t *labels = dc_xcalloc(n, sizeof *labels);
    double run = e->prior;
    rows[0].label = "prior";
    rows[0].v[0] = e->prior;
    rows[0].base = 0;
    for (size_t i = 0; i < e->nsteps; i++) {
        dc_buf_printf(&labels[i + 1], "%s: %s", e->steps[i].column, e->steps[i].level);
        rows[i + 1].label = labels[i + 1].p;
        rows[i + 1].base = run;
        rows[i + 1].v[0] = e->steps[i].weight;
        run += e->steps[i].weight;
    }
    rows[n - 1].label = "total (match weight)";
    rows[n - 1].v[0] = e->total;
    rows[n - 1].cls = 1;
    rows[n - 1].group = 1;
    dc_chart_t c = {.id = "waterfall", .title = "Match weight, step by step (log2 Bayes factors)",
                    .kind = DC_CHART_WATERFALL, .decimals = 2,
                    .note = "Each bar starts where the previous one ended: the prior odds, then each "
                            "comparison's weight (green adds evidence for a match, red against), ending at "
                            "the pair's match weight."};
    dc_html_hbars(out, &c, rows, n);
    static const char *const heads[] = {"step", "level", "#weight", "#cumulative", "A", "B"};
    dc_html_table_begin(out, "waterfall-table", heads, 6);
    dc_buf_puts(out, "<tr>");
    dc_html_td(out, "prior");
    dc_buf_t ctx = DC_BUF_INIT;   /* the pair context, and whose prior */
    if (e->context) dc_buf_printf(&ctx, "%s (%s prior)", e->context, e->prior_from ? e->prior_from : "global");
    dc_html_td(out, ctx.len ? ctx.p : "");
    dc_buf_free(&ctx);
    dc_html_td_f(out, e->prior, 3);
    dc_html_td_f(out, e->prior, 3);
    dc_html_td(out, "");
    dc_html_td(out, "");
    dc_buf_puts(out, "</tr>\n");
    run = e->prior;
    for (size_t i = 0; i < e->nsteps; i++) {
        const dc_explain_step_t *s = &e->steps[i];
        run += s->weight;
        dc_buf_puts(out, "<tr>");
        dc_html_td(out, s->column);
        dc_html_td(out, s->level);
        dc_html_td_f(out, s->weight, 3);
        dc_html_td_f(out, run, 3);
        dc_html_td(out, s->a ? s->a : "");
        dc_html_td(out, s->b ? s->b : "");
        dc_buf_puts(out, "</tr>\n");
    }
    dc_buf_puts(out, "<tr>");
    dc_html_td(out, "total");
    dc_html_td(out, "");
    dc_html_td_f(out, e->total, 3);
    dc_html_td_f(out, e->total, 3);
    dc_html_td(out, "");
    dc_html_td(out, "");
    dc_buf_puts(out, "</tr>\n");
    dc_html_table_end(out);
    dc_html_end(out, NULL);
    for (size_t i = 0; i < n; i++) dc_buf_free(&labels[i]);
    free(labels);
    free(rows);
    dc_buf_free(&t);
}
