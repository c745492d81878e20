/* cmd_data.h: the data subcommands: info, import csv, synth. */
#ifndef SELFMI_CMD_DATA_H
#define SELFMI_CMD_DATA_H

/* selfmi info DIR (argv[0] = "info") */
int cmd_info(int argc, char **argv);
/* selfmi import csv FILE OUTDIR [options] (argv[0] = "csv") */
int cmd_import_csv(int argc, char **argv);
/* selfmi synth [--preset small|mosi|sims|mosei] [--seed N] [--force] OUTDIR (argv[0] = "synth") */
int cmd_synth(int argc, char **argv);

#endif
