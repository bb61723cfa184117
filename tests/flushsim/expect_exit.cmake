# cmake -P expect_exit.cmake — runs one command and checks its exit status
# (ctest's WILL_FAIL cannot tell 1 from 2, and the codes are the contract).
#   -DCOMMAND=<program>        the executable
#   -DARGS=a|b|c               its arguments, separated by '|'
#   -DEXPECT=<n>               the exit status it must return
#   -DOUTPUT_MATCHES=<regex>   optional: stdout+stderr must match
#   -DGLOB_ARG=<glob>          optional: appended as the last argument after
#                              expanding it to exactly one existing file
#   -DCLEAN=<dir>              optional: removed before the run
cmake_minimum_required(VERSION 3.25)

string(REPLACE "|" ";" args "${ARGS}")
if(CLEAN)
  file(REMOVE_RECURSE "${CLEAN}")
endif()
if(GLOB_ARG)
  file(GLOB matches "${GLOB_ARG}")
  list(LENGTH matches n)
  if(NOT n EQUAL 1)
    message(FATAL_ERROR "expected exactly one file matching ${GLOB_ARG}, found ${n}: ${matches}")
  endif()
  list(APPEND args "${matches}")
endif()

execute_process(COMMAND "${COMMAND}" ${args}
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 900)
message("${out}${err}")
if(NOT "${status}" STREQUAL "${EXPECT}")
  message(FATAL_ERROR "${COMMAND} ${args}: exit status ${status}, expected ${EXPECT}")
endif()
if(DEFINED OUTPUT_MATCHES AND NOT "${out}${err}" MATCHES "${OUTPUT_MATCHES}")
  message(FATAL_ERROR "output does not match '${OUTPUT_MATCHES}'")
endif()
