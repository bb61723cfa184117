# cmake -P expect_abort.cmake — runs a command that must end abnormally
# (abort, a signal, or a non-zero status) with output matching a regex, or,
# with -DEXPECT_OK=ON, exit 0. ctest's WILL_FAIL would also pass a hang
# cut off by the timeout, or a crash for another reason; this does not.
#   -DCOMMAND=<program> -DARGS=a|b -DOUTPUT_MATCHES=<regex> [-DEXPECT_OK=ON]
string(REPLACE "|" ";" args "${ARGS}")
execute_process(COMMAND "${COMMAND}" ${args}
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
message("${out}${err}")
if(EXPECT_OK)
  if(NOT "${status}" STREQUAL "0")
    message(FATAL_ERROR "${COMMAND} ${args}: exit status '${status}', expected 0")
  endif()
elseif("${status}" STREQUAL "0" OR "${status}" MATCHES "timeout")
  message(FATAL_ERROR "${COMMAND} ${args}: status '${status}', expected it to abort")
endif()
if(DEFINED OUTPUT_MATCHES AND NOT "${out}${err}" MATCHES "${OUTPUT_MATCHES}")
  message(FATAL_ERROR "output does not match '${OUTPUT_MATCHES}'")
endif()
