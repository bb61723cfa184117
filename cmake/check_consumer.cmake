# cmake -P script: installs a configured-and-built flushcoord tree into a
# fresh prefix, then configures, builds and runs examples/consumer against
# that prefix only. Fails on the first step that fails.
#
#   cmake -DBUILD_DIR=<flushcoord build tree> -DSOURCE_DIR=<repo>
#         -DPREFIX=<install prefix> -DCONSUMER_BUILD_DIR=<dir>
#         [-DCXX=<compiler>] [-DGENERATOR=<generator>] -P check_consumer.cmake
foreach(var BUILD_DIR SOURCE_DIR PREFIX CONSUMER_BUILD_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_consumer.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT GENERATOR)
  set(GENERATOR Ninja)
endif()

function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer check: ${what} failed (${rc})")
  endif()
endfunction()

# Start from nothing, so stale files cannot hide a missing install rule.
file(REMOVE_RECURSE ${PREFIX} ${CONSUMER_BUILD_DIR})

run_step("install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX})

set(compiler_arg "")
if(CXX)
  set(compiler_arg -DCMAKE_CXX_COMPILER=${CXX})
endif()
run_step("configure examples/consumer"
  ${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/consumer -B ${CONSUMER_BUILD_DIR}
  -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release ${compiler_arg}
  -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)

# The package must have come from PREFIX, not from some other installation.
file(STRINGS ${CONSUMER_BUILD_DIR}/CMakeCache.txt found REGEX "^flushcoord_DIR:")
string(REGEX REPLACE "^flushcoord_DIR:[A-Z]+=" "" found "${found}")
file(REAL_PATH "${PREFIX}" prefix_real)
file(REAL_PATH "${found}" found_real)
string(FIND "${found_real}" "${prefix_real}/" at)
if(NOT at EQUAL 0)
  message(FATAL_ERROR "consumer check: flushcoord found in '${found}', not under '${PREFIX}'")
endif()

run_step("build examples/consumer" ${CMAKE_COMMAND} --build ${CONSUMER_BUILD_DIR})
run_step("run examples/consumer" ${CONSUMER_BUILD_DIR}/flushcoord_consumer)
message(STATUS "consumer check: ok (package from ${found})")
