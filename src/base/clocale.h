/* clocale.h: run a stretch of number formatting or parsing in the C locale
 * on the calling thread only (uselocale), so 0.5 is never written or read
 * as 0,5 whatever LC_NUMERIC the program was given. */
#ifndef SELFMI_CLOCALE_H
#define SELFMI_CLOCALE_H

#include <locale.h>

typedef struct {
    locale_t c;      /* the C locale object, or 0 when it could not be made */
    locale_t saved;  /* the thread's locale before the switch */
} clocale_scope;

static inline void clocale_enter(clocale_scope *s)
{
    s->c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    s->saved = s->c ? uselocale(s->c) : (locale_t)0;
}

static inline void clocale_leave(clocale_scope *s)
{
    if (s->c) {
        uselocale(s->saved);
        freelocale(s->c);
    }
    s->c = (locale_t)0;
}

#endif
