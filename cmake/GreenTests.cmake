# Registering tests: one function per kind, so a test directory lists names,
# not copies of the same loop. Every test has a timeout and labels; every
# GoogleTest case runs in its own process (gtest_discover_tests), so one
# deadlock cannot hang the suite.

# _green_test_args(default-timeout [options]): the arguments every function
# here takes (PREFIX, TIMEOUT, LABELS, LINK, NAMES), parsed into T_*.
macro(_green_test_args default_timeout)
  cmake_parse_arguments(T "FORTIFY" "PREFIX;MODE;TIMEOUT" "LABELS;LINK;NAMES" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT ${default_timeout})
  endif()
endmacro()

# green_gtests(PREFIX p LABELS l... [TIMEOUT s] [LINK libs...] NAMES n...)
#   n_test.cpp -> executable p_n_test, its cases discovered as tests.
#   Each links libgreen and sees tests/common (fixture.h, hub_at_rest.h, net.h).
function(green_gtests)
  _green_test_args(60 ${ARGN})
  foreach(name IN LISTS T_NAMES)
    set(exe ${T_PREFIX}_${name}_test)
    add_executable(${exe} ${name}_test.cpp)
    target_link_libraries(${exe} PRIVATE green green_warnings GTest::gtest_main ${T_LINK})
    target_include_directories(${exe} PRIVATE ${PROJECT_SOURCE_DIR}/tests/common)
    gtest_discover_tests(${exe} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT ${T_TIMEOUT} LABELS "${T_LABELS}")
  endforeach()
endfunction()

# The preload as the tests inject it: in the sanitizer tree the test programs
# are instrumented too, so the sanitizer's runtime must come first.
set(GREEN_TEST_PRELOAD $<TARGET_FILE:green_preload>)
if(GREEN_ASAN)
  set(GREEN_TEST_PRELOAD "${GREEN_ASAN_RUNTIME}:${GREEN_TEST_PRELOAD}")
endif()
set(GREEN_RUN_CASE ${PROJECT_SOURCE_DIR}/tests/interpose/run_case.sh)

# green_c_cases(PREFIX p MODE m LABELS l... [TIMEOUT s] [FORTIFY] [LINK libs...] NAMES n...)
#   cases/n.c -> executable p_n, run by run_case.sh in mode m
#   (compare: natively and under the preload, same output; threads: the same
#   under green-threads mode).
#   FORTIFY builds like a distribution binary: read() becomes __read_chk, ...
function(green_c_cases)
  _green_test_args(90 ${ARGN})
  foreach(name IN LISTS T_NAMES)
    set(exe ${T_PREFIX}_${name})
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/cases/${name}.c)
      add_executable(${exe} cases/${name}.c)
    else()
      add_executable(${exe} cases/${name}.cpp)
    endif()
    if(T_FORTIFY)
      target_compile_options(${exe} PRIVATE -O2 -D_FORTIFY_SOURCE=2 -Wno-unused-result)
    endif()
    target_link_libraries(${exe} PRIVATE Threads::Threads ${T_LINK})
    add_test(NAME ${T_PREFIX}.${name} COMMAND ${GREEN_RUN_CASE} ${T_MODE} ${GREEN_TEST_PRELOAD} $<TARGET_FILE:${exe}>)
    set_tests_properties(${T_PREFIX}.${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT})
    if(T_MODE STREQUAL "threads")
      # Green-threads mode runs on two hubs (run_case.sh); each case also on
      # one, as green-run --threads=1.
      add_test(NAME ${T_PREFIX}.${name}.one_hub
               COMMAND ${GREEN_RUN_CASE} ${T_MODE} ${GREEN_TEST_PRELOAD} $<TARGET_FILE:${exe}>)
      set_tests_properties(${T_PREFIX}.${name}.one_hub PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
                                                                  ENVIRONMENT GREEN_TEST_HUBS=1)
    endif()
  endforeach()
endfunction()
