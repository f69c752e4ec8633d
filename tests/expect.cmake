# expect.cmake - run one test case in a fresh process and check its exit
# code and output. Used by CTest for every case of tests/native/test-list.h.
#   cmake -DPROG=... [-DEMULATOR=...] -DCASE=name -DCODE=n -DTEXT=... -P expect.cmake
# EMULATOR is a |-separated command put before PROG (wasm: node and
# wasm/run-node.cjs).
string(REPLACE "|" ";" EMULATOR "${EMULATOR}")
execute_process(
  COMMAND ${EMULATOR} ${PROG} ${CASE}
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE out
  ERROR_VARIABLE out)
message("${out}")
if(NOT "${rc}" STREQUAL "${CODE}")
  message(FATAL_ERROR "${CASE}: exit code ${rc}, want ${CODE}")
endif()
if(NOT "${TEXT}" STREQUAL "")
  string(FIND "${out}" "${TEXT}" pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "${CASE}: output lacks \"${TEXT}\"")
  endif()
endif()
if("${CODE}" STREQUAL "0")
  string(FIND "${out}" "ok ${CASE}" pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "${CASE}: exited 0 without reporting ok")
  endif()
endif()
