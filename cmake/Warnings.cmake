# Warnings are on for everything green builds; third-party headers are included as system headers.
add_library(green_warnings INTERFACE)
target_compile_options(green_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Wunused
  -Woverloaded-virtual -Wnull-dereference -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
  $<$<COMPILE_LANGUAGE:CXX>:-Wold-style-cast>)
# GCC 12 at -O3 warns -Wrestrict inside libstdc++'s std::string concatenation
# (a false positive, GCC bug 105329): off for GCC 12 only, so Release builds
# stay warning-free without hiding it from other compilers.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12
   AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(green_warnings INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-Wno-restrict>)
endif()
