/* cmd_mmsa.h: `selfmi import mmsa FILE.pkl OUTDIR`. */
#ifndef SELFMI_CMD_MMSA_H
#define SELFMI_CMD_MMSA_H

/* argv[0] is "mmsa" (the word after "import"); options and operands follow.
 * Returns the exit code: 0 ok, 1 the output could not be written, 2 usage
 * or bad input. */
int cmd_import_mmsa(int argc, char **argv);

#endif
