// The one doctest main shared by every test binary (compiled once, linked
// through the flushcoord_doctest_main library).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
