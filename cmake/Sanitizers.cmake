# Sanitizer builds are whole-tree options so that every target, test and example is instrumented.
if(GREEN_ASAN)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
  add_compile_definitions(GREEN_ASAN=1)
  # An instrumented libgreen_preload.so needs the ASan runtime first in the
  # initial library list: LD_PRELOAD="${GREEN_ASAN_RUNTIME}:<preload>".
  execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libasan.so
    OUTPUT_VARIABLE GREEN_ASAN_RUNTIME OUTPUT_STRIP_TRAILING_WHITESPACE)
endif()
if(GREEN_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
  add_compile_definitions(GREEN_TSAN=1)
endif()
if(GREEN_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "GREEN_FUZZ needs clang (libFuzzer): -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++")
  endif()
  # Coverage in every target (green's own code is what the fuzzer explores);
  # only tests/fuzz's fuzzer binary links libFuzzer itself. The ASan runtime
  # is linked statically into executables, so shared libraries leave its
  # symbols undefined (interpose/ drops --no-undefined in this tree).
  add_compile_options(-fsanitize=address,undefined,fuzzer-no-link -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
  add_compile_definitions(GREEN_ASAN=1)
endif()
