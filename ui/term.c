/* term.c: the curses front: blits cellbufs to ncursesw windows and runs
 * the event loop. */
#include "config.h"
#include "ui/term.h"

#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

/* Signal flags: the only state a handler may touch. */
static volatile sig_atomic_t got_signal;
static volatile sig_atomic_t curses_active;

static void on_signal(int sig)
{
    got_signal = sig;
}

void ui_term_restore(void)
{
    if (curses_active) {
        curses_active = 0;
        endwin();
    }
}

static void on_abort(const char *file, int line, const char *expr)
{
    ui_term_restore();
    fprintf(stderr, "selfmi: internal error at %s:%d: %s\n", file, line, expr);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- colours --------------------------------------------------------------- */

typedef struct {
    bool color;
    int ncolors;
    int npairs;
    int16_t fg[1024], bg[1024];   /* pair k's colours, k >= 1 */
    int used;
} palette;

/* A 256-colour index on an 8/16-colour terminal: the nearest basic one. */
static int reduce_color(int c, int ncolors)
{
    if (c < 0 || c < ncolors)
        return c;
    if (c < 16)
        return c & 7;
    int r, g, b;
    if (c >= 232) {
        int v = (c - 232) * 10 + 8;
        r = g = b = v;
    } else {
        int k = c - 16;
        static const int lv[6] = {0, 95, 135, 175, 215, 255};
        r = lv[k / 36];
        g = lv[(k / 6) % 6];
        b = lv[k % 6];
    }
    int best = 0, bd = 1 << 30;
    static const int base[8][3] = {{0, 0, 0}, {205, 0, 0}, {0, 205, 0}, {205, 205, 0},
                                   {0, 0, 238}, {205, 0, 205}, {0, 205, 205}, {229, 229, 229}};
    for (int i = 0; i < 8; i++) {
        int d = (r - base[i][0]) * (r - base[i][0]) + (g - base[i][1]) * (g - base[i][1]) +
                (b - base[i][2]) * (b - base[i][2]);
        if (d < bd) {
            bd = d;
            best = i;
        }
    }
    return best;
}

static int pair_of(palette *p, int fg, int bg)
{
    if (!p->color)
        return 0;
    fg = reduce_color(fg, p->ncolors);
    bg = reduce_color(bg, p->ncolors);
    if (fg < 0 && bg < 0)
        return 0;
    for (int k = 1; k <= p->used; k++)
        if (p->fg[k] == fg && p->bg[k] == bg)
            return k;
    if (p->used + 1 >= p->npairs || p->used + 1 >= 1024)
        return 0;
    int k = ++p->used;
    p->fg[k] = (int16_t)fg;
    p->bg[k] = (int16_t)bg;
    init_pair((short)k, (short)fg, (short)bg);
    return k;
}

/* ---- blitting ------------------------------------------------------------------ */

typedef struct {
    WINDOW *win[4];
    ui_rect rect[4];
} screen_windows;

static void windows_free(screen_windows *s)
{
    for (int i = 0; i < 4; i++)
        if (s->win[i]) {
            delwin(s->win[i]);
            s->win[i] = NULL;
        }
}

static void windows_build(screen_windows *s, const ui_app *a)
{
    windows_free(s);
    const ui_layout *l = &a->lay;
    ui_rect r[4] = {l->tabs, l->body, l->help, l->status};
    if (l->too_small)
        r[0] = (ui_rect){0, 0, a->w, a->h};
    for (int i = 0; i < 4; i++) {
        s->rect[i] = r[i];
        if (r[i].w > 0 && r[i].h > 0)
            s->win[i] = newwin(r[i].h, r[i].w, r[i].y, r[i].x);
    }
}

static bool cell_same(const ui_cell *x, const ui_cell *y)
{
    return x->ch == y->ch && x->fg == y->fg && x->bg == y->bg && x->attr == y->attr;
}

/* Copies the cells of b that differ from prev into the windows; returns
 * true when any window changed. */
static bool blit(screen_windows *s, palette *p, const cellbuf *b, const cellbuf *prev, bool all)
{
    bool any = false;
    for (int i = 0; i < 4; i++) {
        WINDOW *w = s->win[i];
        if (!w)
            continue;
        ui_rect r = s->rect[i];
        bool changed = false;
        for (int y = r.y; y < r.y + r.h && y < b->h; y++)
            for (int x = r.x; x < r.x + r.w && x < b->w; x++) {
                const ui_cell *c = &b->cells[(size_t)y * (size_t)b->w + (size_t)x];
                if (!all && prev->w == b->w && prev->h == b->h &&
                    cell_same(c, &prev->cells[(size_t)y * (size_t)b->w + (size_t)x]))
                    continue;
                if (c->ch == UI_WIDE_CONT)
                    continue;
                attr_t at = A_NORMAL;
                if (c->attr & UI_BOLD)
                    at |= A_BOLD;
                if (c->attr & UI_DIM)
                    at |= A_DIM;
                if (c->attr & UI_REVERSE)
                    at |= A_REVERSE;
                if (c->attr & UI_UNDERLINE)
                    at |= A_UNDERLINE;
                wchar_t wc[2] = {(wchar_t)c->ch, 0};
                cchar_t cc;
                setcchar(&cc, wc, at, (short)pair_of(p, c->fg, c->bg), NULL);
                /* the bottom-right cell of a window cannot be written with
                 * mvwadd_wch without scrolling: insert it instead */
                if (y - r.y == r.h - 1 && x - r.x == r.w - 1) {
                    wmove(w, y - r.y, x - r.x);
                    wins_wch(w, &cc);
                } else {
                    mvwadd_wch(w, y - r.y, x - r.x, &cc);
                }
                changed = true;
            }
        if (changed) {
            wnoutrefresh(w);
            any = true;
        }
    }
    return any;
}

/* ---- keys ----------------------------------------------------------------------- */

static uint32_t translate(int kind, wint_t ch)
{
    if (kind == KEY_CODE_YES) {
        switch (ch) {
        case KEY_UP: return UI_KEY_UP;
        case KEY_DOWN: return UI_KEY_DOWN;
        case KEY_LEFT: return UI_KEY_LEFT;
        case KEY_RIGHT: return UI_KEY_RIGHT;
        case KEY_HOME: return UI_KEY_HOME;
        case KEY_END: return UI_KEY_END;
        case KEY_PPAGE: return UI_KEY_PGUP;
        case KEY_NPAGE: return UI_KEY_PGDN;
        case KEY_ENTER: return UI_KEY_ENTER;
        case KEY_BTAB: return UI_KEY_BTAB;
        case KEY_BACKSPACE: return UI_KEY_BACKSPACE;
        case KEY_DC: return UI_KEY_DELETE;
        case KEY_F(1): return UI_KEY_F1;
        case KEY_F(10): return UI_KEY_F10;
        case KEY_RESIZE: return UI_KEY_RESIZE;
        case KEY_MOUSE: return UI_KEY_MOUSE;
        default: return UI_KEY_NONE;
        }
    }
    switch (ch) {
    case '\n':
    case '\r': return UI_KEY_ENTER;
    case '\t': return UI_KEY_TAB;
    case 27: return UI_KEY_ESC;
    case 127:
    case 8: return UI_KEY_BACKSPACE;
    case 12: return UI_KEY_CTRL_L;
    case 3: return UI_KEY_CTRL_C;
    case 21: return UI_KEY_CTRL_U;
    case 2: return UI_KEY_CTRL_B;
    case 6: return UI_KEY_CTRL_F;
    default: return ch < 0x20 ? UI_KEY_NONE : (uint32_t)ch;
    }
}

int ui_term_run(ui_app *a, const ui_term_opts *o, sm_err *err)
{
    const char *cs = nl_langinfo(CODESET);
    a->ascii = !(cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0));
    const char *nc = getenv("NO_COLOR");
    bool color = !o->no_color && !(nc && *nc);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sm_set_abort_hook(on_abort);

    if (!newterm(NULL, stdout, stdin)) {
        sm_err_set(err, SM_EIO, "cannot open the terminal (TERM=%s)", getenv("TERM") ? getenv("TERM") : "");
        return 1;
    }
    curses_active = 1;
    atexit(ui_term_restore);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED, NULL);
    mouseinterval(0);
    palette pal;
    memset(&pal, 0, sizeof pal);
    if (color && has_colors()) {
        start_color();
        use_default_colors();
        pal.color = true;
        pal.ncolors = COLORS;
        pal.npairs = COLOR_PAIRS;
    }
    a->color = pal.color;

    cellbuf cur, prev;
    cellbuf_init(&cur, COLS, LINES);
    cellbuf_init(&prev, 0, 0);
    screen_windows wins;
    memset(&wins, 0, sizeof wins);
    ui_app_resize(a, COLS, LINES);
    windows_build(&wins, a);
    bool full = true;
    double last_disk = 0, last_jobs = 0;
    bool wake_pending = true;

    while (!a->quit) {
        if (got_signal) {
            /* Ctrl-C (SIGINT from the terminal) asks like q while runs are
             * in progress, a second one cancels; SIGTERM and SIGHUP cancel
             * the runs cleanly at once */
            int sig = got_signal;
            got_signal = 0;
            if (sig == SIGINT) {
                ui_app_key(a, UI_KEY_CTRL_C);
                if (a->quit)
                    break;
                continue;
            }
            ui_app_interrupt(a);
            break;
        }
        /* the queue's changes are taken at most 10 times a second (a
         * worker wakes us after every batch); the disk twice a second */
        double t = now_s();
        bool disk = t - last_disk >= 0.5;
        bool jobs = wake_pending && t - last_jobs >= 0.1;
        if (disk || jobs) {
            ui_app_update(a, disk);
            if (disk)
                last_disk = t;
            if (jobs) {
                last_jobs = t;
                wake_pending = false;
            }
        }
        if (a->dirty || full) {
            ui_app_render(a, &cur);
            if (full) {
                clearok(curscr, TRUE);
                /* stdscr goes out first and untouched, or the next
                 * wget_wch (which refreshes stdscr) would blank the screen */
                wnoutrefresh(stdscr);
            }
            bool changed = blit(&wins, &pal, &cur, &prev, full);
            if (changed || full)
                doupdate();
            full = false;
            cellbuf_resize(&prev, cur.w, cur.h);
            memcpy(prev.cells, cur.cells, (size_t)cur.w * (size_t)cur.h * sizeof *cur.cells);
        }
        /* wait for a key, a wake-up, or the next due update */
        int timeout = 100;
        if (wake_pending) {
            int left = (int)((last_jobs + 0.1 - now_s()) * 1000) + 1;
            timeout = left < 0 ? 0 : left < timeout ? left : timeout;
        }
        struct pollfd pf[2] = {{STDIN_FILENO, POLLIN, 0}, {o->wake_fd, POLLIN, 0}};
        int np = o->wake_fd >= 0 && !wake_pending ? 2 : 1;
        int k = poll(pf, (nfds_t)np, timeout);
        if (k < 0 && errno != EINTR)
            break;
        if (np == 2 && (pf[1].revents & POLLIN)) {
            char drain[256];
            while (read(o->wake_fd, drain, sizeof drain) > 0)
                ;
            wake_pending = true;
        }
        wint_t ch;
        int kind;
        while ((kind = wget_wch(stdscr, &ch)) != ERR) {
            uint32_t key = translate(kind, ch);
            if (key == UI_KEY_NONE)
                continue;
            if (key == UI_KEY_RESIZE) {
                ui_app_resize(a, COLS, LINES);
                windows_build(&wins, a);
                full = true;
                continue;
            }
            if (key == UI_KEY_MOUSE) {
                MEVENT me;
                if (getmouse(&me) == OK && (me.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)))
                    ui_app_click(a, me.x, me.y);
                continue;
            }
            if (key == UI_KEY_CTRL_L)
                full = true;
            ui_app_key(a, key);
            if (a->quit)
                break;
        }
    }
    windows_free(&wins);
    cellbuf_free(&cur);
    cellbuf_free(&prev);
    ui_term_restore();
    return 0;
}
