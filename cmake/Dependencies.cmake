# Every dependency comes from a Debian package, linked dynamically (Debian's libev.a is not PIC).
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS context)

find_path(LIBEV_INCLUDE_DIR ev.h)
find_library(LIBEV_LIBRARY NAMES libev.so ev)
if(NOT LIBEV_INCLUDE_DIR OR NOT LIBEV_LIBRARY)
  message(FATAL_ERROR "libev not found: apt-get install libev-dev")
endif()
add_library(green_libev SHARED IMPORTED)
set_target_properties(green_libev PROPERTIES
  IMPORTED_LOCATION "${LIBEV_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${LIBEV_INCLUDE_DIR}")

include(CheckIncludeFileCXX)
check_include_file_cxx(valgrind/valgrind.h GREEN_HAVE_VALGRIND_H)

# OpenSSL (libssl-dev) is optional: with it, libgreen_tls (green::tls,
# green/tls.h) is built; libgreen never links it.
find_package(OpenSSL 3.0 COMPONENTS SSL Crypto)
if(NOT OpenSSL_FOUND)
  message(STATUS "OpenSSL 3 not found: libgreen_tls (green/tls.h) is not built (apt-get install libssl-dev)")
endif()
