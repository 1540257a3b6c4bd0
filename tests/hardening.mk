# Hardening (included from tests/fuzz/local.mk): hostile input through every
# program, and make check-valgrind.
EXTRA_DIST += tests/hardening.mk tests/valgrind.sh tests/data/term-hostile.ndjson \
	tests/data/term-check.py

# make check-valgrind: the C unit tests and a few programs over a small
# stream under valgrind (tests/valgrind.sh); a memory error or a definite
# leak fails it. CI runs it after the sanitizer build (./bootstrap check).
check-valgrind: all $(check_PROGRAMS)
	@$(SHELL) $(top_srcdir)/tests/valgrind.sh $(abs_top_builddir) $(abs_top_srcdir)
.PHONY: check-valgrind
