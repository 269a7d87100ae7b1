# cmake --install: headers under include/green/, libgreen, the CMake package
# (find_package(green) -> green::green, green::interpose, green::tls when
# built) and a pkg-config file.
include(CMakePackageConfigHelpers)

install(TARGETS green green_interpose EXPORT greenTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# libgreen_tls (green::tls) and green/tls.h only where OpenSSL was found.
if(TARGET green_tls)
  install(TARGETS green_tls EXPORT greenTargets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(DIRECTORY runtime/include/green DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
else()
  install(DIRECTORY runtime/include/green DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} PATTERN tls.h EXCLUDE)
endif()

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
if(TARGET green_tls)
  configure_file(cmake/green-tls.pc.in ${CMAKE_CURRENT_BINARY_DIR}/green-tls.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/green-tls.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endif()

# green-run(1), compressed as Debian ships man pages; the documentation.
find_program(GREEN_GZIP gzip)
if(GREEN_GZIP)
  add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/green-run.1.gz
    COMMAND ${GREEN_GZIP} -9n -c ${PROJECT_SOURCE_DIR}/tools/green-run.1 > ${CMAKE_CURRENT_BINARY_DIR}/green-run.1.gz
    DEPENDS ${PROJECT_SOURCE_DIR}/tools/green-run.1 VERBATIM)
  add_custom_target(green_man ALL DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/green-run.1.gz)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/green-run.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  install(FILES tools/green-run.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()
install(FILES README.md BENCHMARKS.md docs/architecture.md docs/interposition.md docs/troubleshooting.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The gdb extension (tools/gdb/green_gdb.py: `info greenlets`, `greenlet bt`),
# where gdb auto-loads it for libgreen: <datadir>/gdb/auto-load/<the library's
# absolute directory>/<its real file name>-gdb.py (gdb resolves the soname
# link libgreen.so.0 to libgreen.so.<version>). The prefix is the install's
# (\${...}: read when installing, so cpack's /usr counts). In the build tree it
# sits beside the library, where gdb finds it when auto-load's safe-path allows.
get_target_property(GREEN_LIB_VERSION green VERSION)
set(GREEN_GDB_SCRIPT libgreen.so.${GREEN_LIB_VERSION}-gdb.py)
install(FILES tools/gdb/green_gdb.py RENAME ${GREEN_GDB_SCRIPT}
  DESTINATION "${CMAKE_INSTALL_DATADIR}/gdb/auto-load\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}")
configure_file(tools/gdb/green_gdb.py ${PROJECT_BINARY_DIR}/runtime/${GREEN_GDB_SCRIPT} COPYONLY)
