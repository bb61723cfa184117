# cmake -P script: runs the coordinator tests with one core mutant switched on
# and succeeds only if they catch it — a failing test, a crash, or a hang
# (no --abort-after: doctest 2.4.9 then reports success with exit status 0)
# (cut off after 60 s). -DEXE=<coordinator_test_mutants> -DMUTANT_ID=<n> -DMUTANT=<name>
set(ENV{FLUSHCOORD_MUTANT} ${MUTANT_ID})
execute_process(COMMAND ${EXE} --no-version=true
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out TIMEOUT 60)
if(rc EQUAL 0)
  message(FATAL_ERROR "mutant ${MUTANT} survived: every coordinator test passed with it")
endif()
string(REGEX MATCH "TEST CASE: +[^\n]*" first "${out}")
message(STATUS "mutant ${MUTANT} caught (${rc}): ${first}")
