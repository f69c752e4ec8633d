# runtime-getenv.cmake - the runtime reads its environment in one place:
# runtime/sched/settings.c, once, at start (sched/settings.h). Checked on
# the built library rather than the sources, so a getenv reached through
# a macro or a new file counts too: of libgort's objects, only
# settings.c.o may leave getenv (or secure_getenv) undefined, and it must
# (else this check has stopped seeing what it looks for).
#   cmake -DNM=... -DLIB=libgort.a -P runtime-getenv.cmake
execute_process(COMMAND ${NM} -A -u ${LIB} OUTPUT_VARIABLE undef
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed on ${LIB}")
endif()
string(REGEX MATCHALL "[^\n]*:[^\n:]+:[ \t]+U (secure_)?getenv\n" refs "${undef}")
set(seen_settings FALSE)
foreach(line IN LISTS refs)
  string(REGEX REPLACE "^.*:([^:]+):[ \t]+U .*$" "\\1" obj "${line}")
  string(STRIP "${obj}" obj)
  if(obj STREQUAL "settings.c.o")
    set(seen_settings TRUE)
  else()
    message(SEND_ERROR "${obj} calls getenv: read the setting in runtime/sched/settings.c")
  endif()
endforeach()
if(NOT seen_settings)
  message(FATAL_ERROR "settings.c.o does not call getenv: is ${LIB} the runtime?")
endif()
