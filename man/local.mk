## man: the manual pages (selfmi-experiment.5 is installed by src/exp/local.mk).
## Parts of selfmi.1 and selfmi-experiment.5 are generated from the program
## by scripts/gen-man.sh; tests/doc/man.sh checks they are current.
dist_man_MANS += man/selfmi.1 man/selfmi-results.5
