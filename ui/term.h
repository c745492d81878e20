/* term.h: the curses layer: the only code that calls curses. It runs the
 * dashboard's loop: copy the queue's state at the top (ui_app_update),
 * poll() on stdin and the queue's wake-up descriptor with a 100 ms timeout,
 * render only when something changed, copy only the changed cells to the
 * windows, wnoutrefresh each window that changed and doupdate once.
 * Signal handlers only set flags; the terminal is restored on quit, on
 * Ctrl-C, SIGTERM, SIGHUP and through the abort hook. */
#ifndef SELFMI_UI_TERM_H
#define SELFMI_UI_TERM_H

#include "ui/app.h"

typedef struct {
    bool no_color;
    int wake_fd;            /* -1: none */
} ui_term_opts;

/* Runs the loop until the user quits; returns 0, or 1 when the terminal
 * could not be set up (err says why). On SIGINT/SIGTERM/SIGHUP the app is
 * told to cancel its runs (a->keep_running false). */
int ui_term_run(ui_app *a, const ui_term_opts *o, sm_err *err);
/* Restores the terminal if curses is active (safe to call any time). */
void ui_term_restore(void);

#endif
