# Install rules and the CMake package, one export set per component:
#
#   find_package(flushcoord 0.1 REQUIRED COMPONENTS prod)   # core + prod
#   find_package(flushcoord 0.1 REQUIRED COMPONENTS sim)    # core + sim
#   find_package(flushcoord 0.1 REQUIRED)                   # every installed one
#
#   component  target              needs (found by flushcoordConfig.cmake)
#   ---------  ------------------  ------------------------------------------
#   core       flushcoord::core    nothing (header-only C++20)
#   prod       flushcoord::prod    core, Threads, Boost >= 1.74 headers (Asio)
#   sim        flushcoord::sim     core, Boost.Context, fmt; installed only
#                                  when FLUSHCOORD_BUILD_SIM is on
#   testing    flushcoord::testing core, sim, Threads; also flushcoord::properties
#                                  and flushcoord::flushsim_cli (testing/CMakeLists.txt)
#
# A library-only build (FLUSHCOORD_BUILD_TESTS, _SIM and _BENCH off) looks
# for Threads and Boost only, and installs core and prod. The config file
# looks only for what the requested components need.
#
# flushcoord_sim puts itself into its export set from sim/CMakeLists.txt
# (install(TARGETS flushcoord_sim EXPORT flushcoordSimTargets ...)).
include(CMakePackageConfigHelpers)

set(FLUSHCOORD_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/flushcoord
    CACHE STRING "Where flushcoordConfig.cmake is installed, relative to the prefix")

install(TARGETS flushcoord_core EXPORT flushcoordCoreTargets)
install(TARGETS flushcoord_prod EXPORT flushcoordProdTargets)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/core/flushcoord
                  ${PROJECT_SOURCE_DIR}/prod/flushcoord
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp")

set(FLUSHCOORD_INSTALLED_COMPONENTS core prod)
if(TARGET flushcoord_sim)
  list(APPEND FLUSHCOORD_INSTALLED_COMPONENTS sim)
endif()
if(TARGET flushcoord_testing)
  list(APPEND FLUSHCOORD_INSTALLED_COMPONENTS testing)
endif()
foreach(component IN LISTS FLUSHCOORD_INSTALLED_COMPONENTS)
  # core -> flushcoordCoreTargets, installed as flushcoord-core-targets.cmake
  string(SUBSTRING ${component} 0 1 first)
  string(TOUPPER ${first} first)
  string(SUBSTRING ${component} 1 -1 rest)
  install(EXPORT flushcoord${first}${rest}Targets
          NAMESPACE flushcoord::
          FILE flushcoord-${component}-targets.cmake
          DESTINATION ${FLUSHCOORD_INSTALL_CMAKEDIR})
endforeach()

configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/flushcoordConfig.cmake.in
  ${PROJECT_BINARY_DIR}/flushcoordConfig.cmake
  INSTALL_DESTINATION ${FLUSHCOORD_INSTALL_CMAKEDIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/flushcoordConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/flushcoordConfig.cmake
              ${PROJECT_BINARY_DIR}/flushcoordConfigVersion.cmake
        DESTINATION ${FLUSHCOORD_INSTALL_CMAKEDIR})
