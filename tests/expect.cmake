# expect.cmake - run one test case in a fresh process and check its exit
# code and output. Used by CTest for every case of tests/native/test-list.h.
#   cmake -DPROG=... [-DEMULATOR=...] -DCASE=name -DCODE=n -DTEXT=... [-DENV="N=v M=w"]
#         -P expect.cmake
# EMULATOR is a |-separated command put before PROG (wasm: node and
# wasm/run-node.cjs).
string(REPLACE "|" ";" EMULATOR "${EMULATOR}")
# ENV: NAME=value settings for this run, separated by spaces ("" for
# none; values hold no spaces).
set(with_env "")
if(NOT "${ENV}" STREQUAL "")
  separate_arguments(env_list UNIX_COMMAND "${ENV}")
  set(with_env ${CMAKE_COMMAND} -E env ${env_list})
endif()
execute_process(
  COMMAND ${with_env} ${EMULATOR} ${PROG} ${CASE}
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
