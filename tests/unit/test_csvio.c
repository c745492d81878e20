/* test_csvio.c: CSV reading and writing through libcsv. */
#include "config.h"
#include "data/csvio.h"
#include "../tap.h"

#include <limits.h>
#include <string.h>

int main(void)
{
    sm_err err;
    csv_table t;
    const char *src = "\xEF\xBB\xBFid,text,label\r\n"
                      "a1,\"hello, \"\"world\"\"\",0.5\r\n"
                      "a2,\"two\nlines\",-1\r\n"
                      "\r\n"
                      "a3,,3\r\n";
    tap_ok(csvio_parse(&t, src, strlen(src), "mem.csv", &err) == SM_OK, "parses quoted CRLF CSV with a BOM");
    tap_ok(t.nrows == 4, "4 rows (blank line skipped): %d", t.nrows);
    tap_ok(csvio_column(&t, "id") == 0 && csvio_column(&t, "label") == 2 && csvio_column(&t, "x") == -1,
           "header lookup ignores the BOM");
    tap_ok(strcmp(csvio_get(&t, 1, 1), "hello, \"world\"") == 0, "commas and doubled quotes inside a field");
    tap_ok(strcmp(csvio_get(&t, 2, 1), "two\nlines") == 0, "newline inside a field");
    tap_ok(strcmp(csvio_get(&t, 3, 1), "") == 0 && csvio_get(&t, 3, 3) == NULL, "empty field, past the end");
    tap_ok(t.line[1] == 2 && t.line[2] == 3 && t.line[3] == 6, "row start lines 2, 3, 6: %d %d %d",
           t.line[1], t.line[2], t.line[3]);
    double v;
    tap_ok(csvio_parse_double(csvio_get(&t, 2, 2), &v) && v == -1, "number field");
    tap_ok(!csvio_parse_double("", &v) && !csvio_parse_double("1.5x", &v), "empty and malformed numbers refused");
    csvio_free(&t);

    const char *bad = "id,text\nb1,\"unterminated\n";
    tap_ok(csvio_parse(&t, bad, strlen(bad), "bad.csv", &err) != SM_OK && strstr(err.msg, "bad.csv") != NULL,
           "unterminated quote refused: %s", err.msg);
    const char *bad2 = "id,text\nb1,ab\"c\n";
    tap_ok(csvio_parse(&t, bad2, strlen(bad2), "bad2.csv", &err) == SM_EFORMAT && strstr(err.msg, "line 2") != NULL,
           "stray quote refused with its line: %s", err.msg);

    /* write, then read back */
    char *mem = NULL;
    size_t memn = 0;
    FILE *f = open_memstream(&mem, &memn);
    csv_writer w;
    csvw_init(&w, f);
    csvw_str(&w, "say \"hi\", twice\nplease");
    csvw_num(&w, 0.1f);
    csvw_num(&w, 0.0 / 0.0);
    csvw_int(&w, -7);
    csvw_empty(&w);
    csvw_end(&w);
    tap_ok(csvw_ok(&w), "writer ok");
    fclose(f);
    tap_ok(csvio_parse(&t, mem, memn, "rt.csv", &err) == SM_OK && t.nrows == 1 && t.nfields[0] == 5,
           "written row reads back as 5 fields");
    tap_ok(strcmp(csvio_get(&t, 0, 0), "say \"hi\", twice\nplease") == 0, "string round-trips");
    tap_ok(csvio_parse_double(csvio_get(&t, 0, 1), &v) && (float)v == 0.1f, "float round-trips");
    tap_ok(strcmp(csvio_get(&t, 0, 2), "nan") == 0 && strcmp(csvio_get(&t, 0, 3), "-7") == 0, "nan and int");
    tap_ok(strcmp(csvio_get(&t, 0, 1), "0.1") == 0, "a float as its shortest text: %s", csvio_get(&t, 0, 1));
    csvio_free(&t);
    free(mem);
    /* numbers as printf writes them, or shorter and reading back the same */
    f = open_memstream(&mem, &memn);
    csvw_init(&w, f);
    static const long ints[] = {0, 1, -1, 9, 10, -10, 1234567, LONG_MAX, LONG_MIN};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        csvw_int(&w, ints[i]);
    csvw_num(&w, 2.4000001f);
    csvw_num(&w, 1e-4f);
    csvw_num(&w, 1e300);            /* beyond float: a double */
    csvw_num17(&w, 0.1 + 0.2);
    csvw_num(&w, -1.0 / 0.0);
    csvw_end(&w);
    fclose(f);
    char want[512];
    int k = 0;
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        k += snprintf(want + k, sizeof want - (size_t)k, "%ld,", ints[i]);
    snprintf(want + k, sizeof want - (size_t)k, "2.4,0.0001,1e+300,0.30000000000000004,-inf\n");
    tap_ok(strcmp(mem, want) == 0, "ints as %%ld, floats and doubles shortest: %s", mem);
    free(mem);
    return tap_done();
}
