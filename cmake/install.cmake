# Install rules and the CMake package: `find_package(flushcoord)` from an
# install prefix provides flushcoord::core, flushcoord::prod and (when the
# simulator was built) flushcoord::sim.
#
# flushcoord_sim puts itself into the same export set from sim/CMakeLists.txt
# (install(TARGETS flushcoord_sim EXPORT flushcoordTargets ...)).
include(CMakePackageConfigHelpers)

set(FLUSHCOORD_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/flushcoord
    CACHE STRING "Where flushcoordConfig.cmake is installed, relative to the prefix")

install(TARGETS flushcoord_core flushcoord_prod EXPORT flushcoordTargets)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/core/flushcoord
                  ${PROJECT_SOURCE_DIR}/prod/flushcoord
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp")

install(EXPORT flushcoordTargets
        NAMESPACE flushcoord::
        DESTINATION ${FLUSHCOORD_INSTALL_CMAKEDIR})

# The simulator links Boost.Context (a compiled Boost library); the rest of
# flushcoord needs Boost's headers only.
if(TARGET flushcoord_sim)
  set(FLUSHCOORD_CONFIG_BOOST_COMPONENTS context)
else()
  set(FLUSHCOORD_CONFIG_BOOST_COMPONENTS "")
endif()

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
