# GortStackClash.cmake - stack-clash protection for gort and for the code
# that links it (issue 10, item 4).
#
# A goroutine's stack is a fixed slot with a guard below it (16 KiB natively,
# runtime/sched/stack.c); the slot below the guard is another goroutine's
# stack. A function whose frame is larger than the guard (a 128 KiB local
# array, a big alloca) moves the stack pointer past the guard in one step,
# and its stores land in the neighbour's live frames: silent corruption.
# -fstack-clash-protection makes the compiler touch such a frame one page at
# a time from the top, so the first touch below the stack hits the guard and
# the runtime reports Go's "fatal error: stack overflow". (The same attack on
# thread stacks is the "Stack Clash" of Qualys, 2017; Go itself needs no
# such thing because its prologues compare SP with g.stackguard0 and grow the
# stack: runtime/stack.go, cmd/internal/obj/x86/obj6.go stacksplit.)
#
# Only code compiled with the flag is protected, so it must reach the code
# that runs on goroutine stacks: gort's own, and the user's. gort_stack_clash
# (<target>) sets it as a PUBLIC compile option of <target>: the runtime is
# built with it, and every CMake target that links gort (the workloads, the
# CLI, the tests, a user's program through add_subdirectory) inherits it.
# Code built outside CMake must add GORT_STACK_CLASH_FLAGS itself
# (docs/API.md, "Stacks").
#
# Where the flag is:
#   - GCC >= 8 and Clang >= 11 on x86-64: probes every 4 KiB page.
#   - GCC on arm64 assumes a 64 KiB guard by default and skips probes for
#     frames below that, which would jump gort's 16 KiB guard; it is told
#     the guard is 4 KiB (--param=stack-clash-protection-guard-size=12, the
#     only other value it accepts), so it probes every page as on x86-64.
#   - Clang on arm64 before 18 ignores the flag (with a warning, so the
#     check below fails and nothing is added); from 18 it probes every
#     4 KiB.
#   - wasm: no flag. The C stack there is checked on every move of the
#     stack pointer by Emscripten's STACK_OVERFLOW_CHECK=2, done by the
#     linker on the whole module (wasm/emscripten.cmake).
#
# Output: GORT_STACK_CLASH_FLAGS (the flags, empty when unsupported or
# turned off with -DGORT_STACK_CLASH_PROTECTION=OFF).
include_guard(GLOBAL)
include(CheckCCompilerFlag)

option(GORT_STACK_CLASH_PROTECTION
  "Compile gort and everything that links it with -fstack-clash-protection" ON)

set(GORT_STACK_CLASH_FLAGS "")
if(GORT_STACK_CLASH_PROTECTION AND NOT EMSCRIPTEN)
  check_c_compiler_flag(-fstack-clash-protection GORT_HAVE_STACK_CLASH_PROTECTION)
  if(GORT_HAVE_STACK_CLASH_PROTECTION)
    set(GORT_STACK_CLASH_FLAGS -fstack-clash-protection)
    if(CMAKE_C_COMPILER_ID STREQUAL "GNU" AND
       CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
      set(CMAKE_REQUIRED_FLAGS -fstack-clash-protection)
      check_c_compiler_flag(--param=stack-clash-protection-guard-size=12
        GORT_HAVE_STACK_CLASH_GUARD_4K)
      unset(CMAKE_REQUIRED_FLAGS)
      if(GORT_HAVE_STACK_CLASH_GUARD_4K)
        list(APPEND GORT_STACK_CLASH_FLAGS
          --param=stack-clash-protection-guard-size=12)
      else()
        # Probing every 64 KiB would not protect a 16 KiB guard.
        set(GORT_STACK_CLASH_FLAGS "")
      endif()
    endif()
  endif()
  if(NOT GORT_STACK_CLASH_FLAGS)
    message(STATUS "gort: the C compiler has no usable "
      "-fstack-clash-protection: a frame larger than a goroutine stack's "
      "guard can corrupt a neighbour's stack silently")
  endif()
endif()

function(gort_stack_clash target)
  if(GORT_STACK_CLASH_FLAGS)
    target_compile_options(${target} PUBLIC
      "$<$<COMPILE_LANGUAGE:C,CXX>:${GORT_STACK_CLASH_FLAGS}>")
  endif()
endfunction()
