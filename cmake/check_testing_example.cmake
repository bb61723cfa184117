# cmake -P script: examples/testing against the installed package, as a user
# would run it in their own CI. Installs a configured and built flushcoord
# tree into a fresh prefix, builds examples/testing against that prefix
# alone (find_package(flushcoord COMPONENTS testing)), and checks:
#   1. the engine as shipped is clean over seeds 0..CLEAN_SEEDS-1;
#   2. with the planted bug it fails within the first BUGGY_SEEDS seeds, the
#      failure prints the user's own binary's replay command, and the trace
#      replays exactly (exit 1); the clean binary's replay of it diverges (3);
#   3. shrink makes it smaller (fewer steps) and the shrunk trace replays
#      exactly too; show tells it;
#   4. the failure, kept as a corpus entry, passes on the clean build and
#      fails on the buggy one;
#   5. bad usage and bad input exit 2.
# With -DSANITIZE=ON the example is compiled and linked with
# -fsanitize=address,undefined against the same plain (uninstrumented)
# install, as a user's ASan CI job would build it, and every step above must
# also print no sanitizer report (the runtimes are told to halt on the first).
#
#   cmake -DBUILD_DIR=<flushcoord build tree> -DSOURCE_DIR=<repo>
#         -DPREFIX=<install prefix> -DEXAMPLE_BUILD_DIR=<dir>
#         [-DCXX=<compiler>] [-DGENERATOR=<generator>]
#         [-DCLEAN_SEEDS=10000] [-DBUGGY_SEEDS=200] [-DSANITIZE=ON]
#         -P check_testing_example.cmake
foreach(var BUILD_DIR SOURCE_DIR PREFIX EXAMPLE_BUILD_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_testing_example.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT GENERATOR)
  set(GENERATOR Ninja)
endif()
if(NOT CLEAN_SEEDS)
  set(CLEAN_SEEDS 10000)
endif()
if(NOT BUGGY_SEEDS)
  set(BUGGY_SEEDS 200)
endif()
set(compiler_arg "")
if(CXX)
  set(compiler_arg -DCMAKE_CXX_COMPILER=${CXX})
endif()
set(bin ${EXAMPLE_BUILD_DIR})
set(traces ${EXAMPLE_BUILD_DIR}-traces)

set(check_name "testing example")
set(configure_extra "")
if(SANITIZE)
  set(check_name "testing example (asan+ubsan)")
  set(sanitize_flags "-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all")
  set(configure_extra "-DCMAKE_CXX_FLAGS=${sanitize_flags}" "-DCMAKE_EXE_LINKER_FLAGS=${sanitize_flags}")
  # A report ends the process with a non-zero status, so every expect_exit
  # below catches it; the text check catches a report that did not.
  set(ENV{ASAN_OPTIONS} "halt_on_error=1:abort_on_error=0:exitcode=99:detect_leaks=1")
  set(ENV{UBSAN_OPTIONS} "halt_on_error=1:print_stacktrace=1:exitcode=98")
endif()
include(${CMAKE_CURRENT_LIST_DIR}/installed_project.cmake)  # run_step, configure_against

# Runs the command; fails unless it exits `status`. Its stdout+stderr go
# into `out_var` in the caller's scope.
function(expect_exit status out_var)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc STREQUAL "${status}")
    message(FATAL_ERROR "${check_name}: `${ARGN}` exited ${rc}, expected ${status}:\n${out}\n${err}")
  endif()
  if("${out}${err}" MATCHES "ERROR: AddressSanitizer|runtime error:|False positive error reports may follow")
    message(FATAL_ERROR "${check_name}: `${ARGN}` printed a sanitizer report:\n${out}\n${err}")
  endif()
  set(${out_var} "${out}${err}" PARENT_SCOPE)
endfunction()

# Fails unless `text` matches; hands the groups back as CMAKE_MATCH_1, _2.
function(expect_match text regex what)
  if(NOT text MATCHES "${regex}")
    message(FATAL_ERROR "${check_name}: ${what}: no match for '${regex}' in:\n${text}")
  endif()
  set(CMAKE_MATCH_1 "${CMAKE_MATCH_1}" PARENT_SCOPE)
  set(CMAKE_MATCH_2 "${CMAKE_MATCH_2}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${PREFIX} ${EXAMPLE_BUILD_DIR} ${traces})
run_step("install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX})
configure_against(${PREFIX} ${SOURCE_DIR}/examples/testing ${EXAMPLE_BUILD_DIR})
run_step("build examples/testing" ${CMAKE_COMMAND} --build ${EXAMPLE_BUILD_DIR})

# 1. Clean with the bug off.
math(EXPR last "${CLEAN_SEEDS} - 1")
expect_exit(0 out ${bin}/lsm_sim run --seeds 0..${last} --jobs 2 --out ${traces}/clean)
expect_match("${out}" "failures: +0" "the clean campaign")
message(STATUS "${check_name}: lsm_sim clean over seeds 0..${last}")

# 2. Found with the bug on, within the budget; the replay command is ours.
math(EXPR last "${BUGGY_SEEDS} - 1")
expect_exit(1 out ${bin}/lsm_sim_buggy run --seeds 0..${last} --stop-on-first --out ${traces}/buggy)
expect_match("${out}" "\\[engine_invariant\\] [^\n]*has parent" "the planted bug's report")
expect_match("${out}" "replay: ([^\n]*lsm_sim_buggy) replay ([^\n]*\\.trace)" "the replay command")
set(trace ${CMAKE_MATCH_2})
message(STATUS "${check_name}: the planted bug found: ${trace}")
expect_exit(1 out ${bin}/lsm_sim_buggy replay ${trace})
expect_match("${out}" "^replayed exactly: property: \\[engine_invariant\\]" "the replay")
expect_exit(3 out ${bin}/lsm_sim replay ${trace})
expect_match("${out}" "diverged" "replaying with the clean build")

# 3. Shrink makes it smaller, and the result replays exactly.
expect_exit(0 out ${bin}/lsm_sim_buggy shrink ${trace})
expect_match("${out}" "before: ([0-9]+) steps" "shrink's before")
set(before ${CMAKE_MATCH_1})
expect_match("${out}" "after: +([0-9]+) steps" "shrink's after")
set(after ${CMAKE_MATCH_1})
if(NOT after LESS before)
  message(FATAL_ERROR "${check_name}: shrink did not make the run smaller (${before} -> ${after} steps)")
endif()
expect_match("${out}" "shrunk trace written to ([^\n]*\\.trace)" "the shrunk trace")
set(shrunk ${CMAKE_MATCH_1})
expect_exit(1 out ${bin}/lsm_sim_buggy replay ${shrunk})
expect_match("${out}" "^replayed exactly: property: \\[engine_invariant\\]" "the shrunk replay")
expect_exit(0 out ${bin}/lsm_sim_buggy show ${shrunk})
expect_match("${out}" "failure at [^\n]*property engine_invariant" "show")
expect_match("${out}" "note: checkpoint manifest [0-9]+ published" "show's engine notes (flushcoord::note)")
message(STATUS "${check_name}: shrunk from ${before} to ${after} steps; replays exactly")

# 3b. explore model-checks the user's engine too: every schedule of the
# shrunk scenario. The fixed engine passes all of them; the buggy one fails,
# and explore's trace replays exactly.
expect_exit(0 out ${bin}/lsm_sim explore --scenario ${shrunk} --preemption-bound none)
expect_match("${out}" "complete: no violation in all [0-9]+ executions \\(dpor, no bound\\)" "explore, fixed")
expect_exit(1 out ${bin}/lsm_sim_buggy explore --scenario ${shrunk} --preemption-bound none
            --out ${traces}/explore)
expect_match("${out}" "violation after [0-9]+ executions: property engine_invariant" "explore, buggy")
expect_match("${out}" "trace written to ([^\n]*\\.trace)" "explore's trace")
expect_exit(1 out ${bin}/lsm_sim_buggy replay ${CMAKE_MATCH_1})
expect_match("${out}" "^replayed exactly: property: \\[engine_invariant\\]" "explore's trace replayed")
message(STATUS "${check_name}: explore passes the fixed engine and finds the bug in the buggy one")

# 4. The failure kept as a regression corpus entry (seed + scenario of the
#    original trace): it passes on the engine as shipped and fails on the
#    buggy one.
file(READ ${trace} text)
if(NOT text MATCHES "\nseed ([0-9]+)\n")
  message(FATAL_ERROR "${check_name}: no seed line in ${trace}")
endif()
set(seed ${CMAKE_MATCH_1})
if(NOT text MATCHES "\nscenario ([0-9]+)\n")
  message(FATAL_ERROR "${check_name}: no scenario section in ${trace}")
endif()
set(count ${CMAKE_MATCH_1})
string(FIND "${text}" "${CMAKE_MATCH_0}" at)
string(LENGTH "${CMAKE_MATCH_0}" len)
math(EXPR at "${at} + ${len}")
string(SUBSTRING "${text}" ${at} -1 rest)
string(REGEX MATCHALL "[^\n]*\n" rest_lines "${rest}")  # scenario lines hold no ';'
list(SUBLIST rest_lines 0 ${count} scenario_lines)
string(JOIN "" scenario ${scenario_lines})
file(WRITE ${traces}/corpus/0001-stale-parent.txt
  "flushcoord-corpus 1\n# the planted stale-parent bug\nproperty engine_invariant\nseed ${seed}\nscenario\n${scenario}")
expect_exit(0 out ${bin}/lsm_sim corpus ${traces}/corpus)
expect_match("${out}" "1 passed, 0 failed" "the corpus on the clean build")
expect_exit(1 out ${bin}/lsm_sim_buggy corpus ${traces}/corpus --out ${traces}/corpus-failures)
expect_match("${out}" "0 passed, 1 failed" "the corpus on the buggy build")
message(STATUS "${check_name}: the corpus entry passes when fixed, fails when not")

# 5. Bad usage and bad input: exit 2, with a message.
expect_exit(2 out ${bin}/lsm_sim run --seeds 9..1)
expect_exit(2 out ${bin}/lsm_sim run --seeds 0..9 --frobnicate)
expect_exit(2 out ${bin}/lsm_sim explore --preset nope)
expect_exit(2 out ${bin}/lsm_sim replay ${traces}/no-such.trace)
file(WRITE ${traces}/garbage.trace "not a trace\n")
expect_exit(2 out ${bin}/lsm_sim replay ${traces}/garbage.trace)
expect_match("${out}" "garbage.trace" "the bad trace's message")
message(STATUS "${check_name}: ok")
