# cmake --install: headers under include/green/, libgreen, the CMake package
# (find_package(green) -> green::green, green::interpose) and a pkg-config file.
include(CMakePackageConfigHelpers)

install(TARGETS green green_interpose EXPORT greenTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY runtime/include/green DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(GREEN_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/green)
install(EXPORT greenTargets NAMESPACE green:: DESTINATION ${GREEN_CMAKE_DIR})
configure_package_config_file(cmake/greenConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/greenConfig.cmake
  INSTALL_DESTINATION ${GREEN_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/greenConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/greenConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/greenConfigVersion.cmake
  DESTINATION ${GREEN_CMAKE_DIR})

# The .pc file finds the prefix from its own location, so the install is relocatable.
file(RELATIVE_PATH GREEN_PC_TO_PREFIX /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
string(REGEX REPLACE "/$" "" GREEN_PC_TO_PREFIX "${GREEN_PC_TO_PREFIX}")
configure_file(cmake/green.pc.in ${CMAKE_CURRENT_BINARY_DIR}/green.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/green.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
