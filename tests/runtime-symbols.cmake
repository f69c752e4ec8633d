# runtime-symbols.cmake - asynchronous preemption treats every pc outside
# the runtime's gort_text section (and outside shared libraries) as user
# code it may interrupt. So libgort must not call helpers that the linker
# pulls into the executable's own .text from static libraries (libgcc's
# outline atomics and wide arithmetic, libatomic): a goroutine stopped in
# one of them would be stopped inside the runtime. This test fails if
# libgort has such an undefined symbol.
#   cmake -DNM=... -DLIB=libgort.a -P runtime-symbols.cmake
execute_process(COMMAND ${NM} -u ${LIB} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed on ${LIB}")
endif()
string(REGEX MATCHALL "U __(aarch64|atomic|sync)_[a-z0-9_]+|U __(u?div|u?mod|mul)[td]i3" bad "${out}")
if(bad)
  list(REMOVE_DUPLICATES bad)
  message(FATAL_ERROR "libgort calls static helpers outside gort_text: ${bad}")
endif()
message("ok: libgort calls no static helpers")
