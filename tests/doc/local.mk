## tests/doc: the documentation against the program: --help and --version of
## every command, the manual pages (groff warnings, generated parts, every
## option, key and results column), the README's commands, the screenshots.
DOC_TESTS = tests/doc/cli_help.sh tests/doc/man.sh tests/doc/readme.sh tests/doc/screenshots.sh tests/doc/dist.sh
TESTS += $(DOC_TESTS)
EXTRA_DIST += $(DOC_TESTS) scripts/readme-run.sh scripts/screenshots.sh scripts/gen-man.sh

## the README's walkthrough as written (every grid in full: about a minute
## on 2 cores); make check runs it with one seed and two epochs
check-readme-full: selfmi
	SELFMI='$(abs_top_builddir)/selfmi' SHARED_DATA='$(abs_top_srcdir)/../shared/data' \
	  $(SHELL) $(top_srcdir)/scripts/readme-run.sh $(top_srcdir)/README.md '$(abs_top_builddir)/readme-full'
.PHONY: check-readme-full

## an installed selfmi finds its experiments and manual pages
installcheck-local:
	@echo "installcheck: $(DESTDIR)$(bindir)/selfmi"
	'$(DESTDIR)$(bindir)/selfmi' --version | head -n 1 | grep '^selfmi (selfmi) $(PACKAGE_VERSION)$$'
	cd /tmp && SELFMI_DATADIR='$(DESTDIR)$(pkgdatadir)' '$(DESTDIR)$(bindir)/selfmi' --list-experiments \
	  | grep -q 'default .*Self-MI on the built-in synthetic data'
	cd /tmp && SELFMI_DATADIR='$(DESTDIR)$(pkgdatadir)' '$(DESTDIR)$(bindir)/selfmi' grid ablation-tasks --list \
	  | wc -l | grep -qx 40
	test -f '$(DESTDIR)$(man1dir)/selfmi.1'
	test -f '$(DESTDIR)$(man5dir)/selfmi-experiment.5'
	test -f '$(DESTDIR)$(man5dir)/selfmi-results.5'
clean-local: clean-doc-tests
clean-doc-tests:
	rm -rf readme-full tests/doc/work.*
.PHONY: clean-doc-tests
