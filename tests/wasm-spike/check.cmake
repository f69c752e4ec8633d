# wasm-spike: runs one spike case under wasm/run-node.cjs and checks it.
# Called by CTest (see CMakeLists.txt) with -DNODE -DLAUNCHER -DPROG -DARG
# -DWANT. Fails unless the exit status is WANT; with ARG=print it also fails
# unless the 600 numbered lines came out complete and in order, followed by
# the unterminated last line; with WANT=0 it wants "spike: ok" (not in print
# mode).
if(ARG STREQUAL "")
  set(args)
else()
  set(args "${ARG}")
endif()
execute_process(COMMAND "${NODE}" "${LAUNCHER}" "${PROG}" ${args}
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err
  TIMEOUT 50)
message("--- stdout\n${out}--- stderr\n${err}--- status ${status}")
if(NOT status STREQUAL "${WANT}")
  message(FATAL_ERROR "exit status ${status}, want ${WANT}")
endif()
if(ARG STREQUAL "print")
  string(REGEX MATCHALL "line [0-9]+ from" lines "${out}")
  list(LENGTH lines n)
  if(NOT n EQUAL 600)
    message(FATAL_ERROR "${n} numbered lines, want 600")
  endif()
  set(i 0)
  foreach(l IN LISTS lines)
    if(NOT l STREQUAL "line ${i} from")
      message(FATAL_ERROR "line ${i} out of order: got '${l}'")
    endif()
    math(EXPR i "${i} + 1")
  endforeach()
  # Emscripten hands a flushed partial line to print() as a whole line, so
  # it arrives with a newline added.
  if(NOT out MATCHES "total 600 lines; no newline after this\n?$")
    message(FATAL_ERROR "unterminated last line missing")
  endif()
elseif(WANT STREQUAL "0" AND NOT out MATCHES "spike: ok")
  message(FATAL_ERROR "no 'spike: ok'")
endif()
