/* headless.h: the dashboard driven by a script, its screen saved to a file.
 *
 * Script lines: keys ("jjj<Enter>", "<Tab>", "/text<Enter>"), or commands:
 *   :resize WxH     a new terminal size
 *   :sleep MS       wait, then read new results
 *   :wait-text T    wait (60 s at most) until the screen shows T
 *   :wait-jobs      wait until no run is queued or running
 *   :dump FILE      write the screen now
 *   :update         read new results now
 *   # comment */
#ifndef SELFMI_UI_HEADLESS_H
#define SELFMI_UI_HEADLESS_H

#include "ui/app.h"

/* Runs script (NULL: none) on a, then writes the screen to screen_out
 * (NULL: nowhere). */
sm_status ui_headless_run(ui_app *a, const char *script, const char *screen_out, sm_err *err);

#endif
