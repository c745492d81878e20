/* fmt.c: number formatting and table fitting. */
#include "config.h"
#include "ui/fmt.h"
#include "ui/cellbuf.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int put(char *buf, size_t n, const char *s)
{
    snprintf(buf, n, "%s", s);
    return (int)strlen(buf);
}

int fmt_num(char *buf, size_t n, double v, int width, int prec)
{
    char tmp[64];
    if (width < 1)
        width = 1;
    if (isnan(v))
        return put(buf, n, "-");
    if (isinf(v)) {
        const char *s = v > 0 ? "inf" : "-inf";
        return put(buf, n, (int)strlen(s) <= width ? s : "#");
    }
    if (prec < 0)
        prec = 0;
    if (prec > 12)
        prec = 12;
    for (int p = prec; p >= 0; p--) {
        snprintf(tmp, sizeof tmp, "%.*f", p, v);
        /* "-0.000" reads better as "0.000" */
        if (tmp[0] == '-' && strspn(tmp + 1, "0.") == strlen(tmp + 1))
            memmove(tmp, tmp + 1, strlen(tmp));
        int len = (int)strlen(tmp);
        /* keep precision when it is lost entirely: 0.0004 at width 4 shows
         * in exponent form rather than as "0" */
        bool zeroed = v != 0 && strspn(tmp, "-0.") == (size_t)len;
        if (len <= width && !zeroed)
            return put(buf, n, tmp);
    }
    for (int p = 3; p >= 0; p--) {
        snprintf(tmp, sizeof tmp, "%.*e", p, v);
        /* compact exponent: 1.5e+03 -> 1.5e3, 2e-05 -> 2e-5 */
        char *e = strchr(tmp, 'e');
        if (e) {
            char *q = e + 1;
            char sign = *q;
            if (sign == '+' || sign == '-')
                q++;
            while (*q == '0' && q[1])
                q++;
            char rest[16];
            snprintf(rest, sizeof rest, "%s%s", sign == '-' ? "-" : "", q);
            snprintf(e + 1, sizeof tmp - (size_t)(e + 1 - tmp), "%s", rest);
        }
        if ((int)strlen(tmp) <= width)
            return put(buf, n, tmp);
    }
    return put(buf, n, "#");
}

int fmt_duration(char *buf, size_t n, double s)
{
    if (isnan(s) || s < 0)
        return put(buf, n, "-");
    if (s < 10)
        snprintf(buf, n, "%.1fs", s);
    else if (s < 60)
        snprintf(buf, n, "%.0fs", floor(s));
    else if (s < 3600)
        snprintf(buf, n, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else if (s < 86400)
        snprintf(buf, n, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
    else
        snprintf(buf, n, "%dd%02dh", (int)(s / 86400), (int)fmod(s / 3600, 24));
    return (int)strlen(buf);
}

int fmt_tick(char *buf, size_t n, double v, double step)
{
    int dec = 0;
    if (step > 0 && isfinite(step)) {
        double d = -floor(log10(step) + 1e-9);
        dec = d > 0 ? (int)d : 0;
        /* a step of 2.5 needs one more decimal than its magnitude says */
        double scaled = step * pow(10, dec);
        if (fabs(scaled - round(scaled)) > 1e-6 && dec < 12)
            dec++;
    }
    if (fabs(v) < step * 1e-9)
        v = 0;
    double a = fabs(v);
    if (a != 0 && (a >= 1e6 || (a < 1e-4 && dec > 6)))
        snprintf(buf, n, "%.2g", v);
    else
        snprintf(buf, n, "%.*f", dec, v);
    return (int)strlen(buf);
}

int ui_table_fit(const ui_col *cols, int n, int width, int gap, int *out_w)
{
    bool vis[256];
    if (n > 256)
        n = 256;
    int nvis = n;
    for (int i = 0; i < n; i++)
        vis[i] = true;
    for (;;) {
        int need = 0, k = 0;
        for (int i = 0; i < n; i++)
            if (vis[i]) {
                need += cols[i].min + (k ? gap : 0);
                k++;
            }
        if (need <= width || nvis == 0)
            break;
        int drop = -1;
        for (int i = 0; i < n; i++)
            if (vis[i] && (drop < 0 || cols[i].priority <= cols[drop].priority))
                drop = i;
        vis[drop] = false;
        nvis--;
    }
    int used = 0, k = 0;
    for (int i = 0; i < n; i++) {
        out_w[i] = vis[i] ? cols[i].min : 0;
        if (vis[i]) {
            used += cols[i].min + (k ? gap : 0);
            k++;
        }
    }
    int spare = width - used;
    /* grow towards want, most important first */
    while (spare > 0) {
        int best = -1;
        for (int i = 0; i < n; i++)
            if (vis[i] && out_w[i] < cols[i].want && (best < 0 || cols[i].priority > cols[best].priority))
                best = i;
        if (best < 0)
            break;
        int add = cols[best].want - out_w[best];
        if (add > spare)
            add = spare;
        out_w[best] += add;
        spare -= add;
    }
    int nflex = 0;
    for (int i = 0; i < n; i++)
        if (vis[i] && cols[i].flex)
            nflex++;
    for (int i = 0; i < n && nflex && spare > 0; i++)
        if (vis[i] && cols[i].flex) {
            int add = spare / nflex;
            out_w[i] += add;
            spare -= add;
            nflex--;
        }
    return nvis;
}

size_t fmt_wrap(const char *s, int width, const char **next)
{
    size_t i = 0, brk = 0;
    int w = 0;
    bool have_brk = false;
    while (s[i]) {
        uint32_t cp;
        int k = ui_utf8_decode(s + i, &cp);
        int cw = ui_char_width(cp);
        if (w + cw > width)
            break;
        if (cp == ' ') {
            brk = i;
            have_brk = true;
        }
        w += cw;
        i += (size_t)k;
    }
    size_t end = s[i] && have_brk ? brk : i;
    if (end == 0 && s[0])   /* never an empty line: at least one character */
        end = (size_t)ui_utf8_decode(s, &(uint32_t){0});
    const char *n = s + end;
    while (*n == ' ')
        n++;
    *next = n;
    return end;
}

void fmt_elide(char *buf, size_t n, const char *s, int width, bool ascii)
{
    if (!n)
        return;
    int tw = ui_text_width(s);
    if (tw <= width || width < 3) {
        snprintf(buf, n, "%s", s);
        return;
    }
    const char *dots = ascii ? "~" : "\xe2\x80\xa6";
    int keep = width - 1, head = keep / 2, tail = keep - head;
    /* the head: whole characters from the start within head columns */
    size_t h = 0;
    for (int w = 0;;) {
        uint32_t cp;
        int k = ui_utf8_decode(s + h, &cp);
        if (!k || w + ui_char_width(cp) > head)
            break;
        w += ui_char_width(cp);
        h += (size_t)k;
    }
    /* the tail: the shortest suffix (on a character boundary) within tail columns */
    size_t len = strlen(s), t = len;
    while (t > h) {
        size_t p = t - 1;
        while (p > h && ((unsigned char)s[p] & 0xC0) == 0x80)
            p--;
        if (ui_text_width(s + p) > tail)
            break;
        t = p;
    }
    snprintf(buf, n, "%.*s%s%s", (int)h, s, dots, s + t);
}
