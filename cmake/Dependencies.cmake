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
