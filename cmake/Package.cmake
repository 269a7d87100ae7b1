# `cpack -G DEB` in a build tree: green_<version>_amd64.deb, installing under
# /usr what `cmake --install` installs (cmake/Install.cmake): green-run, the
# libraries in the multiarch lib dir, headers, the CMake package, green.pc,
# green-run(1), the docs and the gdb extension. Runtime dependencies come
# from dpkg-shlibdeps; -dev dependencies are what the headers include.
set(CPACK_PACKAGE_NAME green)
set(CPACK_PACKAGE_VENDOR "green")
set(CPACK_PACKAGE_CONTACT "green maintainers <green@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "gevent for C and C++: greenlets on Boost.Context switched by a libev hub")
set(CPACK_PACKAGE_DESCRIPTION
  "green runs ordinary blocking code concurrently: a stackful green-thread runtime (libgreen) with the gevent API \
for C++ and C, and an LD_PRELOAD interposer (green-run) that turns blocking libc calls of an unmodified program \
into yields.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# DESTDIR staging: the install sees CMAKE_INSTALL_PREFIX=/usr (with
# CPACK_SET_DESTDIR, CPACK_INSTALL_PREFIX is that prefix, not the tree's),
# which the gdb extension's auto-load path (cmake/Install.cmake) is made of.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # green_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libboost-context-dev")  # green/sleep.h includes Boost.Context
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "python3")              # green-trace
set(CPACK_STRIP_FILES OFF)  # keep the symbols: the gdb extension and the dump name functions
include(CPack)
