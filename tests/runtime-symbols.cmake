# runtime-symbols.cmake - asynchronous preemption may stop a goroutine
# only in the program's own .text (runtime/os/codemap_linux.c). So every
# function libgort calls must live in libgort itself (gort_text) or in a
# shared library, never in the executable's .text: a static helper pulled
# in from libgcc or libatomic (outline atomics, __popcountdi2, wide
# division), or a statically linked sanitizer interceptor, would be taken
# for user code while the runtime runs it, possibly holding a lock.
#
# Checked on a linked program, by construction rather than by a list of
# known names: each symbol libgort leaves undefined must not be defined as
# code in the executable.
#   cmake -DNM=... -DLIB=libgort.a -DEXE=gort_tests -P runtime-symbols.cmake
cmake_policy(SET CMP0057 NEW) # if(... IN_LIST ...)
execute_process(COMMAND ${NM} -u ${LIB} OUTPUT_VARIABLE undef RESULT_VARIABLE rc1)
execute_process(COMMAND ${NM} --defined-only ${LIB} OUTPUT_VARIABLE libdef RESULT_VARIABLE rc2)
execute_process(COMMAND ${NM} ${EXE} OUTPUT_VARIABLE exe RESULT_VARIABLE rc3)
if(NOT rc1 EQUAL 0 OR NOT rc2 EQUAL 0 OR NOT rc3 EQUAL 0)
  message(FATAL_ERROR "nm failed on ${LIB} or ${EXE}")
endif()

# The names of nm's lines "ADDRESS TYPE NAME" whose TYPE matches types.
function(nm_names out text types)
  string(REGEX MATCHALL "[0-9a-fA-F]+ ${types} [A-Za-z0-9_.$]+" lines "${text}")
  set(names "")
  foreach(l IN LISTS lines)
    string(REGEX REPLACE "^[0-9a-fA-F]+ ${types} " "" name "${l}")
    list(APPEND names "${name}")
  endforeach()
  set(${out} "${names}" PARENT_SCOPE)
endfunction()

# Names libgort defines itself (calls between its objects), and names
# defined as code in the executable (T, t, W, i: text, weak, ifunc).
nm_names(own "${libdef}" "[A-Za-z]")
nm_names(execode "${exe}" "[TtWi]")

string(REGEX MATCHALL "U [A-Za-z0-9_.$]+" ulines "${undef}")
set(bad "")
set(checked 0)
foreach(l IN LISTS ulines)
  string(REGEX REPLACE "^U " "" name "${l}")
  if(name IN_LIST own)
    continue()
  endif()
  math(EXPR checked "${checked} + 1")
  if(name IN_LIST execode)
    list(APPEND bad "${name}")
  endif()
endforeach()
if(checked EQUAL 0)
  message(FATAL_ERROR "no external symbol of ${LIB} found: is nm's output parsed right?")
endif()
if(bad)
  list(REMOVE_DUPLICATES bad)
  message(FATAL_ERROR "libgort calls functions linked into the program's own code (preemptible): ${bad}")
endif()
message("ok: libgort's ${checked} external calls all leave the executable")
