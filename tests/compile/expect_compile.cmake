# cmake -P script: compiles one source file (syntax only) and checks the
# outcome. For compile-fail tests: the compiler must fail and its output
# must match OUTPUT_MATCHES; or it must succeed (the control case).
#
#   cmake -DCXX=<compiler> -DSOURCE=<file> -DINCLUDES=<dir|dir> [-DDEFINES=<A|B>]
#         -DEXPECT=fail|ok [-DFIRST_ERROR_MATCHES=<regex>] -P expect_compile.cmake
#
# FIRST_ERROR_MATCHES is matched against the first line that says
# "error:", so a clear message buried under template noise does not pass.
foreach(var CXX SOURCE INCLUDES EXPECT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "expect_compile.cmake: -D${var}=... is required")
  endif()
endforeach()
string(REPLACE "|" ";" INCLUDES "${INCLUDES}")  # lists arrive |-separated
set(args -std=c++20 -fsyntax-only)
foreach(dir IN LISTS INCLUDES)
  list(APPEND args -I${dir})
endforeach()
string(REPLACE "|" ";" DEFINES "${DEFINES}")
foreach(def IN LISTS DEFINES)
  list(APPEND args -D${def})
endforeach()
execute_process(COMMAND ${CXX} ${args} ${SOURCE}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(EXPECT STREQUAL "ok")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${SOURCE} should compile, but:\n${err}")
  endif()
elseif(EXPECT STREQUAL "fail")
  if(rc EQUAL 0)
    message(FATAL_ERROR "${SOURCE} compiled, but it must not")
  endif()
  if(DEFINED FIRST_ERROR_MATCHES)
    string(REGEX MATCH "[^\n]*error:[^\n]*" first "${err}")
    if(NOT first MATCHES "${FIRST_ERROR_MATCHES}")
      message(FATAL_ERROR "${SOURCE} failed to compile, but its first error is not "
                          "'${FIRST_ERROR_MATCHES}':\n${err}")
    endif()
  endif()
else()
  message(FATAL_ERROR "expect_compile.cmake: EXPECT must be fail or ok, not '${EXPECT}'")
endif()
message(STATUS "${SOURCE}: ${EXPECT} as expected")
