# Included by the cmake -P scripts that test the installed package from a
# separate project (check_consumer.cmake, check_testing_example.cmake).
# `check_name` (set by the includer) prefixes every message.

# Runs a command; fails, naming `what`, unless it exits 0.
function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${check_name}: ${what} failed (${rc})")
  endif()
endfunction()

# Configures the project in `source` into `dir` against `prefix` alone, and
# fails unless flushcoord was found under `prefix` (not another install).
# `configure_extra` (a list, set by the includer or unset) adds cache
# arguments, e.g. a sanitizer's flags.
function(configure_against prefix source dir)
  run_step("configure ${source} against ${prefix}"
    ${CMAKE_COMMAND} -S ${source} -B ${dir}
    -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release ${compiler_arg} ${configure_extra}
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
  file(STRINGS ${dir}/CMakeCache.txt found REGEX "^flushcoord_DIR:")
  string(REGEX REPLACE "^flushcoord_DIR:[A-Z]+=" "" found "${found}")
  file(REAL_PATH "${prefix}" prefix_real)
  file(REAL_PATH "${found}" found_real)
  string(FIND "${found_real}" "${prefix_real}/" at)
  if(NOT at EQUAL 0)
    message(FATAL_ERROR "${check_name}: flushcoord found in '${found}', not under '${prefix}'")
  endif()
  set(found "${found}" PARENT_SCOPE)
endfunction()
