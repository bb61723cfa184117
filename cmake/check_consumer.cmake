# cmake -P script: the installed-package check. Installs a configured and
# built flushcoord tree into a fresh prefix and builds examples/consumer
# (which asks only for COMPONENTS prod) against that prefix alone; asks the
# package for components; then does the library-only build of the README's
# "Install" section (tests, simulator and benchmarks off) into a second
# prefix and builds the consumer against that one too. Fails on the first
# step that fails.
#
#   cmake -DBUILD_DIR=<flushcoord build tree> -DSOURCE_DIR=<repo>
#         -DPREFIX=<install prefix> -DCONSUMER_BUILD_DIR=<dir>
#         [-DCXX=<compiler>] [-DGENERATOR=<generator>] -P check_consumer.cmake
#
# Next to CONSUMER_BUILD_DIR it uses <CONSUMER_BUILD_DIR>-checks/ for the
# probes and the library-only build, install and consumer.
foreach(var BUILD_DIR SOURCE_DIR PREFIX CONSUMER_BUILD_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_consumer.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT GENERATOR)
  set(GENERATOR Ninja)
endif()
set(compiler_arg "")
if(CXX)
  set(compiler_arg -DCMAKE_CXX_COMPILER=${CXX})
endif()
set(work ${CONSUMER_BUILD_DIR}-checks)

# Packages that only the tests, the simulator or the benchmarks use: neither
# a library-only build nor a consumer asking for prod may look for them.
set(not_for_the_library fmt boost_context doctest rapidcheck CLI11 nlohmann_json benchmark)

set(check_name "consumer check")
include(${CMAKE_CURRENT_LIST_DIR}/installed_project.cmake)  # run_step, configure_against

# Fails if the CMake cache in `dir` shows that one of not_for_the_library
# was looked for (find_package leaves <name>_DIR behind, found or not).
function(check_not_looked_for what dir)
  file(STRINGS ${dir}/CMakeCache.txt entries REGEX "^[A-Za-z_]+_DIR:")
  foreach(package IN LISTS not_for_the_library)
    foreach(entry IN LISTS entries)
      if(entry MATCHES "^${package}_DIR:")
        message(FATAL_ERROR "consumer check: ${what} looked for ${package} (${entry}); "
                            "only the tests, the simulator or the benchmarks need it")
      endif()
    endforeach()
  endforeach()
endfunction()

# Configures, builds and runs examples/consumer in `dir` against `prefix`.
function(build_consumer prefix dir)
  configure_against(${prefix} ${SOURCE_DIR}/examples/consumer ${dir})  # sets `found`
  check_not_looked_for("find_package(flushcoord COMPONENTS prod)" ${dir})
  run_step("build examples/consumer" ${CMAKE_COMMAND} --build ${dir})
  run_step("run examples/consumer" ${dir}/flushcoord_consumer)
  message(STATUS "consumer check: examples/consumer ok against ${found}")
endfunction()

# Configures tests/install/probe against `prefix`, asking for `required`
# (a ;-list, may be empty) and `optional`; `expect` is "ok" or a regex
# the failure output must match. `targets`: targets that must then exist.
function(probe name prefix required optional expect targets)
  set(dir ${work}/probe-${name})
  file(REMOVE_RECURSE ${dir})
  execute_process(
    COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/install/probe -B ${dir} -G ${GENERATOR}
            ${compiler_arg} -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
            "-DREQUIRED_COMPONENTS=${required}" "-DOPTIONAL_COMPONENTS=${optional}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(REGEX REPLACE "[ \n]+" " " all "${out} ${err}")  # the message is wrapped
  if(expect STREQUAL "ok")
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "consumer check: probe ${name} failed:\n${out}\n${err}")
    endif()
    foreach(t IN LISTS targets)
      if(NOT all MATCHES "probe: target flushcoord::${t}( |$)")
        message(FATAL_ERROR "consumer check: probe ${name} has no flushcoord::${t}:\n${out}")
      endif()
    endforeach()
  elseif(rc EQUAL 0)
    message(FATAL_ERROR "consumer check: probe ${name} should have failed:\n${out}")
  elseif(NOT all MATCHES "${expect}")
    message(FATAL_ERROR "consumer check: probe ${name} failed without saying '${expect}':\n${err}")
  endif()
  message(STATUS "consumer check: probe ${name} ok")
endfunction()

# Start from nothing, so stale files cannot hide a missing install rule.
file(REMOVE_RECURSE ${PREFIX} ${CONSUMER_BUILD_DIR} ${work})

# 1. The tree as configured (release: simulator included).
run_step("install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX})
build_consumer(${PREFIX} ${CONSUMER_BUILD_DIR})
file(STRINGS ${BUILD_DIR}/CMakeCache.txt with_sim REGEX "^FLUSHCOORD_BUILD_SIM:BOOL=ON")
if(with_sim)
  probe(prod-sim ${PREFIX} "prod;sim" "" ok "core;prod;sim")
endif()
probe(default ${PREFIX} "" "" ok "core;prod")
if(with_sim)
  # testing brings sim with it (its targets link flushcoord::sim).
  probe(testing ${PREFIX} "testing" "" ok "core;sim;testing")
  probe(optional-testing ${PREFIX} "prod" "testing" ok "core;prod;sim;testing")
endif()
probe(unknown ${PREFIX} "prod;frobnicate" "" "component 'frobnicate': no such component" "")

# 2. The library-only build of README "Install": needs Boost (and Threads) only.
set(lib_build ${work}/library-only-build)
set(lib_prefix ${work}/library-only-install)
run_step("configure the library-only build"
  ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${lib_build} -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release
  ${compiler_arg} -DFLUSHCOORD_BUILD_TESTS=OFF -DFLUSHCOORD_BUILD_SIM=OFF -DFLUSHCOORD_BUILD_BENCH=OFF
  -DCMAKE_INSTALL_PREFIX=${lib_prefix})
check_not_looked_for("the library-only configure" ${lib_build})
run_step("build the library-only tree" ${CMAKE_COMMAND} --build ${lib_build})
run_step("install the library-only tree" ${CMAKE_COMMAND} --install ${lib_build})
file(GLOB_RECURSE sim_files ${lib_prefix}/*flushcoord-sim-targets.cmake ${lib_prefix}/*libflushcoord_sim*
     ${lib_prefix}/*/flushsim)
if(sim_files)
  message(FATAL_ERROR "consumer check: the library-only install holds simulator files: ${sim_files}")
endif()
build_consumer(${lib_prefix} ${work}/library-only-consumer)
probe(library-only-sim ${lib_prefix} "prod;sim" "" "component 'sim': not installed: .*FLUSHCOORD_BUILD_SIM=OFF" "")
probe(library-only-testing ${lib_prefix} "testing" "" "component 'testing': not installed: .*FLUSHCOORD_BUILD_SIM=OFF" "")
probe(library-only-optional-testing ${lib_prefix} "prod" "testing" ok "core;prod")
message(STATUS "consumer check: ok")
