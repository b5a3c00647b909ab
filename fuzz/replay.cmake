# Replay every fuzz corpus (seeds and saved crashers) as a CTest test in
# the ordinary build, with whatever sanitizers it uses.  Include from
# tests/CMakeLists.txt:
#   include(${CMAKE_SOURCE_DIR}/fuzz/replay.cmake)
# Needs the oscore library; works with gcc and clang, no libFuzzer.
include(${CMAKE_CURRENT_LIST_DIR}/targets.cmake)

foreach(t ${OS_FUZZ_TARGETS})
  add_executable(replay_${t} ${CMAKE_CURRENT_LIST_DIR}/fuzz_${t}.c
    ${CMAKE_CURRENT_LIST_DIR}/fuzz_util.c ${CMAKE_CURRENT_LIST_DIR}/replay.c)
  target_include_directories(replay_${t} PRIVATE ${CMAKE_CURRENT_LIST_DIR})
  target_link_libraries(replay_${t} PRIVATE oscore)
  add_test(NAME fuzz_replay_${t}
    COMMAND replay_${t} ${CMAKE_CURRENT_LIST_DIR}/corpus/${t})
endforeach()
