# cmake -P gdb_break.cmake — `flushsim replay --break-at-step N` under gdb
# stops at step N in the task that runs it, with that task's stack:
#   -DGDB=<gdb or empty>  -DTOOL=<flushsim_mutants>  -DWORK=<dir>
# Finds a drain lost wake-up, shrinks it, and breaks at the step where the
# drain task begins its last wait; gdb must stop with SIGTRAP in
# flushcoord_sim_break, inside coordinator::drain, and flushsim must name
# the drain task. Prints "SKIPPED: ..." (the test's skip pattern) where gdb
# is missing or may not trace processes.
cmake_minimum_required(VERSION 3.25)

if(NOT GDB)
  message("SKIPPED: gdb is not installed (apt-get install gdb), so replay under a debugger is not tested")
  return()
endif()

function(run expect)
  execute_process(COMMAND "${TOOL}" ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err
                  TIMEOUT 300)
  if(NOT "${status}" STREQUAL "${expect}")
    message(FATAL_ERROR "${TOOL} ${ARGN}: exit status ${status}, expected ${expect}\n${out}${err}")
  endif()
endfunction()

file(REMOVE_RECURSE "${WORK}")
run(1 run --mutant drain_checks_before_waiting --seeds 0..3000 --stop-on-first --out ${WORK})
file(GLOB traces "${WORK}/seed-*.trace")
run(0 shrink ${traces} -o ${WORK}/shrunk.trace)

# The step of the drain task's last wait_until, and the task's label.
file(STRINGS "${WORK}/shrunk.trace" waits REGEX "^[0-9]+ [0-9]+ drain#[0-9]+ wait_until ")
list(GET waits -1 last)
string(REGEX MATCH "^([0-9]+) [0-9]+ (drain#[0-9]+)" _ "${last}")
set(step ${CMAKE_MATCH_1})
set(task ${CMAKE_MATCH_2})
if(NOT step)
  message(FATAL_ERROR "no wait_until of a drain task in ${WORK}/shrunk.trace")
endif()
# The first event of that step must be the drain task's own (not a wake).
file(STRINGS "${WORK}/shrunk.trace" first REGEX "^${step} [0-9]+ ")
list(GET first 0 first)
if(NOT first MATCHES " ${task} " OR first MATCHES " wake ")
  message(FATAL_ERROR "step ${step} does not begin with an event of ${task}: ${first}")
endif()

execute_process(COMMAND "${GDB}" -batch -nx -ex run -ex bt
                        --args "${TOOL}" replay "${WORK}/shrunk.trace" --break-at-step ${step}
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 300)
set(out "${out}${err}")
message("gdb -batch -ex run -ex bt --args ${TOOL} replay ${WORK}/shrunk.trace --break-at-step ${step}\n${out}")
if(out MATCHES "ptrace: Operation not permitted|Could not trace the inferior|not permitted")
  message("SKIPPED: gdb may not trace processes here (ptrace is restricted)")
  return()
endif()
foreach(expected
    "flushsim: stopped just before step ${step}, in ${task}"
    "Program received signal SIGTRAP"
    "in flushcoord_sim_break"
    # "drain(" without debug info, "drain (this=..." with it (the sanitizer trees)
    "::drain")
  string(FIND "${out}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "gdb's session lacks '${expected}'")
  endif()
endforeach()
