/* headless.c: the dashboard without a terminal, tig-style: keys come from
 * a script, the screen goes to a file. Tests and benchmarks drive it; the
 * screens it writes are the golden files' format (UTF-8 text). */
#include "config.h"
#include "ui/headless.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void nap_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static bool screen_has(ui_app *a, cellbuf *b, const char *text)
{
    ui_app_render(a, b);
    char *s = cellbuf_to_text(b);
    bool hit = s && strstr(s, text);
    free(s);
    return hit;
}

static sm_status dump(ui_app *a, cellbuf *b, const char *path, sm_err *err)
{
    ui_app_render(a, b);
    FILE *f = fopen(path, "w");
    if (!f)
        return sm_err_set(err, SM_EIO, "%s: cannot write: %s", path, strerror(errno));
    bool ok = cellbuf_write_text(b, f);
    ok = fclose(f) == 0 && ok;
    return ok ? SM_OK : sm_err_set(err, SM_EIO, "%s: write failed", path);
}

sm_status ui_headless_run(ui_app *a, const char *script, const char *screen_out, sm_err *err)
{
    cellbuf b;
    if (!cellbuf_init(&b, a->w, a->h))
        return sm_err_set(err, SM_ENOMEM, "out of memory");
    ui_app_update(a, true);
    FILE *f = script ? fopen(script, "r") : NULL;
    if (script && !f) {
        cellbuf_free(&b);
        return sm_err_set(err, SM_EIO, "%s: cannot open: %s", script, strerror(errno));
    }
    char line[1024];
    int lineno = 0;
    sm_status st = SM_OK;
    while (f && !a->quit && fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (!n || line[0] == '#')
            continue;
        if (line[0] == ':') {
            int w, h, ms;
            if (sscanf(line, ":resize %dx%d", &w, &h) == 2) {
                ui_app_resize(a, w, h);
            } else if (sscanf(line, ":sleep %d", &ms) == 1) {
                nap_ms(ms);
                ui_app_update(a, true);
            } else if (strncmp(line, ":wait-text ", 11) == 0) {
                /* polls the screen until the text shows (60 s at most) */
                bool hit = false;
                for (int k = 0; k < 1200 && !hit; k++) {
                    ui_app_update(a, true);
                    hit = screen_has(a, &b, line + 11);
                    if (!hit)
                        nap_ms(50);
                }
                if (!hit) {
                    st = sm_err_set(err, SM_EINVAL, "%s:%d: '%s' did not appear within 60 s", script, lineno,
                                    line + 11);
                    break;
                }
            } else if (strcmp(line, ":wait-jobs") == 0) {
                for (int k = 0; k < 12000; k++) {
                    ui_app_update(a, true);
                    if (ui_app_active_jobs(a) == 0)
                        break;
                    nap_ms(50);
                }
            } else if (strncmp(line, ":dump ", 6) == 0) {
                if ((st = dump(a, &b, line + 6, err)))
                    break;
            } else if (strcmp(line, ":update") == 0) {
                ui_app_update(a, true);
            } else {
                st = sm_err_set(err, SM_EINVAL,
                                "%s:%d: unknown command '%s' (expected :resize WxH, :sleep MS, :wait-text TEXT, "
                                ":wait-jobs, :dump FILE, :update)", script, lineno, line);
                break;
            }
            continue;
        }
        /* a line of keys: characters and <Name>s */
        const char *p = line;
        while (*p && !a->quit) {
            uint32_t key;
            int k = ui_key_parse(p, &key);
            if (k <= 0) {
                st = sm_err_set(err, SM_EINVAL, "%s:%d: bad key at '%s'", script, lineno, p);
                break;
            }
            p += k;
            ui_app_key(a, key);
            /* render after each key, as the terminal loop does */
            ui_app_render(a, &b);
        }
        if (st)
            break;
    }
    if (f)
        fclose(f);
    if (!st && screen_out)
        st = dump(a, &b, screen_out, err);
    cellbuf_free(&b);
    return st;
}
