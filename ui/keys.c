/* keys.c: the key table, request names and key names. */
#include "config.h"
#include "ui/keys.h"
#include "ui/cellbuf.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define ALL VIEWS_ALL
#define V(v) VIEW_BIT(v)

const ui_binding ui_bindings[] = {
    {'1', REQ_VIEW_RUNS, ALL, NULL},
    {'2', REQ_VIEW_LIVE, ALL, NULL},
    {'3', REQ_VIEW_LABELS, ALL, NULL},
    {'4', REQ_VIEW_GRID, ALL, NULL},
    {'5', REQ_VIEW_COMPARE, ALL, NULL},
    {UI_KEY_TAB, REQ_VIEW_NEXT, ALL, NULL},
    {UI_KEY_BTAB, REQ_VIEW_PREV, ALL, NULL},
    {UI_KEY_UP, REQ_UP, ALL, NULL},
    {'k', REQ_UP, ALL, NULL},
    {UI_KEY_DOWN, REQ_DOWN, ALL, NULL},
    {'j', REQ_DOWN, ALL, NULL},
    {UI_KEY_LEFT, REQ_LEFT, ALL, NULL},
    {'h', REQ_LEFT, ALL, NULL},
    {UI_KEY_RIGHT, REQ_RIGHT, ALL, NULL},
    {'l', REQ_RIGHT, ALL, NULL},
    {'g', REQ_TOP, ALL, NULL},
    {UI_KEY_HOME, REQ_TOP, ALL, NULL},
    {'G', REQ_BOTTOM, ALL, NULL},
    {UI_KEY_END, REQ_BOTTOM, ALL, NULL},
    {UI_KEY_PGUP, REQ_PGUP, ALL, NULL},
    {UI_KEY_CTRL_B, REQ_PGUP, ALL, NULL},
    {UI_KEY_PGDN, REQ_PGDN, ALL, NULL},
    {UI_KEY_CTRL_F, REQ_PGDN, ALL, NULL},
    {'/', REQ_SEARCH, V(VIEW_RUNS) | V(VIEW_LABELS), "search"},
    {'n', REQ_SEARCH_NEXT, V(VIEW_LABELS), "next"},
    {'N', REQ_SEARCH_PREV, V(VIEW_LABELS), NULL},
    {'s', REQ_SORT, V(VIEW_RUNS) | V(VIEW_GRID) | V(VIEW_LABELS), "sort"},
    {'S', REQ_SORT_REVERSE, V(VIEW_RUNS) | V(VIEW_GRID), NULL},
    {' ', REQ_SELECT, V(VIEW_RUNS) | V(VIEW_GRID), "select"},
    {UI_KEY_ENTER, REQ_OPEN, V(VIEW_RUNS) | V(VIEW_GRID), "open"},
    {'C', REQ_COMPARE_ROWS, V(VIEW_GRID), NULL},
    {'n', REQ_NEW, V(VIEW_RUNS), "new run"},
    {'n', REQ_NEW_GRID, V(VIEW_GRID), "start grid"},
    {'c', REQ_CANCEL, V(VIEW_RUNS) | V(VIEW_LIVE), "cancel"},
    {'r', REQ_RERUN, V(VIEW_RUNS) | V(VIEW_LIVE), "re-run"},
    {'D', REQ_DELETE, V(VIEW_RUNS), NULL},
    {UI_KEY_DELETE, REQ_DELETE, V(VIEW_RUNS), NULL},
    {'m', REQ_SMOOTH, V(VIEW_LIVE) | V(VIEW_COMPARE), "smooth"},
    {'M', REQ_SMOOTH_WEIGHT, V(VIEW_LIVE) | V(VIEW_COMPARE), NULL},
    {'y', REQ_LOGY, V(VIEW_LIVE) | V(VIEW_COMPARE) | V(VIEW_LABELS), "log y"},
    {'z', REQ_ZOOM, V(VIEW_LIVE) | V(VIEW_LABELS), "zoom"},
    {'x', REQ_CYCLE, V(VIEW_LABELS) | V(VIEW_GRID) | V(VIEW_COMPARE), "cycle"},
    {'*', REQ_REFERENCE, V(VIEW_GRID), "reference"},
    {'B', REQ_WRITE_BEST, V(VIEW_GRID), NULL},
    {'e', REQ_EXPORT, ALL, "export"},
    {'E', REQ_EXPERIMENTS, ALL, NULL},
    {'?', REQ_HELP, ALL, "help"},
    {UI_KEY_F1, REQ_HELP, ALL, NULL},
    {UI_KEY_CTRL_L, REQ_REDRAW, ALL, NULL},
    {'q', REQ_QUIT, ALL, "quit"},
    {UI_KEY_F10, REQ_QUIT, ALL, NULL},
};
const int ui_nbindings = (int)(sizeof ui_bindings / sizeof ui_bindings[0]);

#define UI_REQ_HELP(r, h) h,
static const char *const req_help[] = {"", UI_REQUESTS(UI_REQ_HELP)};
#define UI_REQ_NAME(r, h) #r,
static const char *const req_ename[] = {"REQ_NONE", UI_REQUESTS(UI_REQ_NAME)};

ui_request ui_key_request(uint32_t key, ui_view view)
{
    for (int i = 0; i < ui_nbindings; i++)
        if (ui_bindings[i].key == key && (ui_bindings[i].views & VIEW_BIT(view)))
            return ui_bindings[i].req;
    return REQ_NONE;
}

void ui_request_name(ui_request r, char *buf, size_t n)
{
    /* "REQ_SEARCH_NEXT" -> "search-next" */
    const char *s = (unsigned)r < REQ_COUNT ? req_ename[r] + 4 : "?";
    size_t i = 0;
    for (; s[i] && i + 1 < n; i++)
        buf[i] = s[i] == '_' ? '-' : (char)tolower((unsigned char)s[i]);
    if (n)
        buf[i] = '\0';
}

const char *ui_request_help(ui_request r)
{
    return (unsigned)r < REQ_COUNT ? req_help[r] : "";
}

static const struct {
    uint32_t key;
    const char *name;
} key_names[] = {
    {UI_KEY_UP, "Up"}, {UI_KEY_DOWN, "Down"}, {UI_KEY_LEFT, "Left"}, {UI_KEY_RIGHT, "Right"},
    {UI_KEY_HOME, "Home"}, {UI_KEY_END, "End"}, {UI_KEY_PGUP, "PgUp"}, {UI_KEY_PGDN, "PgDn"},
    {UI_KEY_ENTER, "Enter"}, {UI_KEY_TAB, "Tab"}, {UI_KEY_BTAB, "S-Tab"}, {UI_KEY_ESC, "Esc"},
    {UI_KEY_BACKSPACE, "BS"}, {UI_KEY_DELETE, "Del"}, {UI_KEY_F1, "F1"}, {UI_KEY_F10, "F10"},
    {UI_KEY_CTRL_L, "C-l"}, {UI_KEY_CTRL_C, "C-c"}, {UI_KEY_CTRL_U, "C-u"}, {UI_KEY_CTRL_B, "C-b"},
    {UI_KEY_CTRL_F, "C-f"}, {UI_KEY_RESIZE, "Resize"}, {' ', "Space"},
};

void ui_key_name(uint32_t key, char *buf, size_t n)
{
    for (size_t i = 0; i < sizeof key_names / sizeof key_names[0]; i++)
        if (key_names[i].key == key) {
            snprintf(buf, n, "%s", key_names[i].name);
            return;
        }
    char u[5] = {0};
    if (key < 0x110000)
        ui_utf8_encode(key, u);
    snprintf(buf, n, "%s", u);
}

int ui_key_parse(const char *s, uint32_t *key)
{
    if (!*s)
        return 0;
    if (s[0] == '<') {
        const char *e = strchr(s, '>');
        if (e && e > s + 1) {
            size_t len = (size_t)(e - s - 1);
            char name[32];
            if (len < sizeof name) {
                memcpy(name, s + 1, len);
                name[len] = '\0';
                for (size_t i = 0; i < sizeof key_names / sizeof key_names[0]; i++)
                    if (strcasecmp(name, key_names[i].name) == 0) {
                        *key = key_names[i].key;
                        return (int)len + 2;
                    }
                if (strcasecmp(name, "lt") == 0) {
                    *key = '<';
                    return (int)len + 2;
                }
                if (strcasecmp(name, "CR") == 0 || strcasecmp(name, "Return") == 0) {
                    *key = UI_KEY_ENTER;
                    return (int)len + 2;
                }
            }
        }
    }
    uint32_t cp;
    int k = ui_utf8_decode(s, &cp);
    if (cp == '\n' || cp == '\r')
        cp = UI_KEY_ENTER;
    else if (cp == '\t')
        cp = UI_KEY_TAB;
    *key = cp;
    return k;
}

const char *ui_view_name(ui_view v)
{
    static const char *const names[VIEW_COUNT] = {"Runs", "Live", "Labels", "Grid", "Compare"};
    return (unsigned)v < VIEW_COUNT ? names[v] : "?";
}
