# gort wasm glue: CMake helpers for building gort programs with Emscripten
# 3.1.6 (Debian's emscripten package; configure with `emcmake cmake ...`).
#
#   include(<gort>/wasm/emscripten.cmake)
#   add_executable(prog prog.c)
#   gort_wasm_link_options(prog)                   # EXPORT_NAME create_prog
#   gort_wasm_link_options(prog EXPORT_NAME createProg POOL_SIZE 6)
#
# gort_wasm_link_options(<target> [EXPORT_NAME <js name>] [POOL_SIZE <n>]
#                        [ASYNCIFY_ASSERTS])
# (gort_wasm_nothreads_link_options, at the end: the single-threaded build)
# sets the compile and link flags of one wasm executable, makes it relink
# when the glue changes, makes the link find Debian's acorn (NODE_PATH), and
# makes CTest run it through wasm/run-node.cjs. ASYNCIFY_ASSERTS links
# with Binaryen's Asyncify asserts, so that a wrong entry in gort's
# Asyncify remove list (wasm/asyncify-remove.txt, which the gort target
# passes on: gort_wasm_asyncify_remove_file below) traps ("RuntimeError:
# unreachable") instead of corrupting a stack (gort_tests is built so;
# wasm/asyncify-asserts.cjs, docs/WASM-BUILD.md).
# The goroutine stack check (-sSTACK_OVERFLOW_CHECK=2 and
# wasm/library_gort.js) is not set here: it comes with the gort target
# (INTERFACE link options, CMakeLists.txt) to every program that links it.
#
# Why each flag: docs/WASM-BUILD.md (checked on this 3.1.6, not from docs).
# In short: pthreads with a fixed pool (the pool cannot grow while a thread
# blocks; STRICT=2 makes pthread_create fail with EAGAIN instead of
# deadlocking), Asyncify for the goroutine switch, main on a
# pthread (PROXY_TO_PTHREAD: the browser's main thread must never block),
# fixed shared memory (growable shared memory makes JS views slow/stale),
# MODULARIZE so one output serves Node (require) and the page (<script>),
# and the pre/post js that make 3.1.6 load under Node 20, keep the stack
# check's limit setter for the switch and exit without deadlock.
#
# Cache variables:
#   GORT_WASM_MEMORY      bytes of wasm memory, fixed (default 4 GiB less 64 KiB)
#   GORT_WASM_POOL_SIZE   pthread workers made at start-up (default 4; main
#                         takes one of them)
#   GORT_WASM_STACK_SIZE  C stack of main and of each pthread (default 1 MiB)
#   GORT_WASM_OPT         optimisation flag for compile and link (default -O2;
#                         Asyncify output must be optimised)
#   GORT_WASM_NODE_PATH   where Debian keeps acorn for emcc's JS optimiser
#   GORT_NODE             node executable used to run wasm tests

include_guard(GLOBAL)

set(GORT_WASM_DIR "${CMAKE_CURRENT_LIST_DIR}")

# The largest fixed memory wasm32 allows, less one 64 KiB page: exactly
# 4 GiB aborts at start-up in Emscripten 3.1.6. A fixed size, not growth:
# growable shared memory makes JS views slow and stale (docs/WASM-NOTES.md).
# Node and Chromium reserve it and commit pages as they are touched; over
# 2 GiB emcc makes the JS glue's pointers unsigned (CAN_ADDRESS_2GB).
set(_gort_wasm_memory_default "4294901760")
# A build folder configured when the default was 1 GiB keeps that value in
# its cache, and scripts/build.mjs configures a folder only once: move such
# a folder to the new default (a size set by hand is kept: it is recorded
# with the default it was set against).
if(DEFINED CACHE{GORT_WASM_MEMORY} AND NOT DEFINED CACHE{_GORT_WASM_MEMORY_DEFAULT}
   AND GORT_WASM_MEMORY STREQUAL "1073741824")
  message(STATUS "gort: wasm memory moves from the old default 1 GiB to "
                 "${_gort_wasm_memory_default} bytes")
  set(GORT_WASM_MEMORY "${_gort_wasm_memory_default}" CACHE STRING
      "Fixed wasm memory size in bytes (multiple of 64 KiB)" FORCE)
endif()
set(_GORT_WASM_MEMORY_DEFAULT "${_gort_wasm_memory_default}" CACHE INTERNAL
    "the default GORT_WASM_MEMORY was last configured against")
set(GORT_WASM_MEMORY "${_gort_wasm_memory_default}" CACHE STRING
    "Fixed wasm memory size in bytes (multiple of 64 KiB)")
set(GORT_WASM_POOL_SIZE "4" CACHE STRING
    "Number of pthread workers created at start-up")
set(GORT_WASM_STACK_SIZE "1048576" CACHE STRING
    "C stack size in bytes of main and of each pthread")
set(GORT_WASM_OPT "-O2" CACHE STRING
    "Optimisation flag for wasm compile and link")
# Emscripten's own Asyncify buffer, used only by JS-driven unwinds
# (emscripten_sleep and the other ASYNCIFY_IMPORTS): 3.1.6's
# src/library_async.js (in /usr/share/emscripten) mallocs it in
# handleSleep, at such an unwind. gort never starts one (its switch,
# runtime/arch/wasm/context_wasm.c, unwinds into a buffer of its own per
# thread), so it is never allocated and not needed; the setting stays only
# so that a program that does sleep that way gets a known size (emcc's
# default is 4 KiB).
set(GORT_WASM_ASYNCIFY_STACK_SIZE "65536" CACHE STRING
    "Emscripten's Asyncify buffer for emscripten_sleep-style unwinds (gort's switch brings its own)")
if(EXISTS "/usr/share/nodejs/acorn")
  set(_gort_default_node_path "/usr/share/nodejs")
else()
  set(_gort_default_node_path "")
endif()
set(GORT_WASM_NODE_PATH "${_gort_default_node_path}" CACHE PATH
    "NODE_PATH for emcc (Debian's emscripten needs its acorn)")
find_program(GORT_NODE NAMES node nodejs)

# gort_wasm_asyncify_remove_file(<out var> <threads>): gort's Asyncify
# remove list (wasm/asyncify-remove.txt, read at configure time) as emcc
# wants it, one name a line, comments gone, in the build folder; with the
# names under "[threads]" when <threads> is true. Sets <out var> to the
# file. The list is the runtime's, not the glue's: it holds because gort's
# switch never has a JS frame on a goroutine's call chain, so the gort
# target passes it to every program that links it (CMakeLists.txt). A
# program that uses Emscripten's fibers unwinds through dynCall_* and must
# not get it (tests/wasm-spike crashed with it).
function(gort_wasm_asyncify_remove_file out threads)
  set(_src "${GORT_WASM_DIR}/asyncify-remove.txt")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_src}")
  file(STRINGS "${_src}" _lines)
  set(_names "")
  set(_in_threads FALSE)
  foreach(_line IN LISTS _lines)
    string(REGEX REPLACE "#.*" "" _line "${_line}")
    string(STRIP "${_line}" _line)
    if(_line STREQUAL "")
      continue()
    elseif(_line STREQUAL "[threads]")
      set(_in_threads TRUE)
    elseif(NOT _in_threads OR threads)
      string(APPEND _names "${_line}\n")
    endif()
  endforeach()
  if(threads)
    set(_file "${CMAKE_BINARY_DIR}/gort-asyncify-remove.txt")
  else()
    set(_file "${CMAKE_BINARY_DIR}/gort-asyncify-remove-nothreads.txt")
  endif()
  file(CONFIGURE OUTPUT "${_file}" CONTENT "${_names}")
  set(${out} "${_file}" PARENT_SCOPE)
endfunction()

# What both builds share: compile and link flags, the pre/post js,
# NODE_PATH for the link, and the CTest launcher. ASYNCIFY_ASSERTS: see
# gort_wasm_link_options.
function(_gort_wasm_common_options target export_name asserts)
  target_compile_options(${target} PRIVATE ${GORT_WASM_OPT})
  # The "SHELL:" prefix keeps CMake from de-duplicating the repeated -s.
  target_link_options(${target} PRIVATE
    ${GORT_WASM_OPT}
    "SHELL:-s ASYNCIFY=1"
    "SHELL:-s ASYNCIFY_STACK_SIZE=${GORT_WASM_ASYNCIFY_STACK_SIZE}"
    "SHELL:-s INITIAL_MEMORY=${GORT_WASM_MEMORY}"
    "SHELL:-s TOTAL_STACK=${GORT_WASM_STACK_SIZE}"
    "SHELL:-s EXIT_RUNTIME=1"
    "SHELL:-s MODULARIZE=1"
    "SHELL:-s EXPORT_NAME=${export_name}"
    "SHELL:-s ENVIRONMENT=web,worker,node"
    "SHELL:-s NODEJS_CATCH_EXIT=0"
    "SHELL:-s NODEJS_CATCH_REJECTION=0"
    "SHELL:-s EXPORTED_RUNTIME_METHODS=ccall,cwrap"
    "SHELL:--pre-js \"${GORT_WASM_DIR}/pre.js\""
    "SHELL:--post-js \"${GORT_WASM_DIR}/post.js\"")
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS
    "${GORT_WASM_DIR}/pre.js" "${GORT_WASM_DIR}/post.js")

  if(asserts)
    if(NOT GORT_NODE)
      message(FATAL_ERROR "${target}: ASYNCIFY_ASSERTS needs node (GORT_NODE) "
                          "to run wasm/asyncify-asserts.cjs after the link")
    endif()
    # Binaryen's Asyncify asserts (emcc adds them only with ASSERTIONS,
    # which changes much else), then wasm/asyncify-asserts.cjs takes them
    # out of the functions that drive Asyncify, where they would trap on
    # every switch.
    target_link_options(${target} PRIVATE
      "SHELL:-s BINARYEN_EXTRA_PASSES=pass-arg=asyncify-asserts")
    set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS
      "${GORT_WASM_DIR}/asyncify-asserts.cjs")
    add_custom_command(TARGET ${target} POST_BUILD
      COMMAND "${GORT_NODE}" "${GORT_WASM_DIR}/asyncify-asserts.cjs"
              "$<TARGET_FILE_DIR:${target}>/$<TARGET_FILE_BASE_NAME:${target}>.wasm"
      VERBATIM)
  endif()

  # emcc's JS optimiser (run at link) needs acorn from NODE_PATH.
  if(GORT_WASM_NODE_PATH)
    set(_env "${CMAKE_COMMAND}" -E env "NODE_PATH=${GORT_WASM_NODE_PATH}")
    set_property(TARGET ${target} PROPERTY C_LINKER_LAUNCHER ${_env})
    set_property(TARGET ${target} PROPERTY CXX_LINKER_LAUNCHER ${_env})
  endif()

  # The toolchain's default emulator is plain `node`, which would just load
  # the factory and exit 0 without running main: always use the launcher.
  if(GORT_NODE)
    set_property(TARGET ${target} PROPERTY CROSSCOMPILING_EMULATOR
      "${GORT_NODE}" "${GORT_WASM_DIR}/run-node.cjs")
  endif()
endfunction()

function(gort_wasm_link_options target)
  cmake_parse_arguments(ARG "ASYNCIFY_ASSERTS" "EXPORT_NAME;POOL_SIZE" "" ${ARGN})
  if(NOT EMSCRIPTEN)
    message(FATAL_ERROR "gort_wasm_link_options(${target}): not an Emscripten "
                        "build (configure with emcmake cmake)")
  endif()
  if(NOT ARG_EXPORT_NAME)
    string(MAKE_C_IDENTIFIER "${target}" _id)
    set(ARG_EXPORT_NAME "create_${_id}")
  endif()
  if(NOT ARG_POOL_SIZE)
    set(ARG_POOL_SIZE "${GORT_WASM_POOL_SIZE}")
  endif()
  _gort_wasm_common_options(${target} "${ARG_EXPORT_NAME}"
                            "${ARG_ASYNCIFY_ASSERTS}")
  # -pthread also at compile time: atomics, bulk memory and real TLS.
  target_compile_options(${target} PRIVATE -pthread)
  target_link_options(${target} PRIVATE
    -pthread
    "SHELL:-s PTHREAD_POOL_SIZE=${ARG_POOL_SIZE}"
    "SHELL:-s PTHREAD_POOL_SIZE_STRICT=2"
    "SHELL:-s PROXY_TO_PTHREAD=1"
    "SHELL:-s DEFAULT_PTHREAD_STACK_SIZE=${GORT_WASM_STACK_SIZE}")
endfunction()

# gort_wasm_nothreads_link_options(<target> [EXPORT_NAME <js name>])
# is the same for the single-threaded build (CMake option
# GORT_WASM_THREADS=OFF, preset wasm-st): the page's fallback where the
# host sends no COOP/COEP headers, so there is no SharedArrayBuffer and no
# pthread. No -pthread, no pool, no PROXY_TO_PTHREAD: main runs on the
# thread that loads the module (the page puts that in a Web Worker), and
# the runtime's lone M never blocks in a futex (os_wasm_nothreads.c).
# Memory is not shared, so it could grow; it stays fixed like the threaded
# build's so that both report the same figures. Everything else is
# _gort_wasm_common_options, shared with the threaded build so that the
# two cannot drift apart.
function(gort_wasm_nothreads_link_options target)
  cmake_parse_arguments(ARG "ASYNCIFY_ASSERTS" "EXPORT_NAME" "" ${ARGN})
  if(NOT EMSCRIPTEN)
    message(FATAL_ERROR "gort_wasm_nothreads_link_options(${target}): not an "
                        "Emscripten build (configure with emcmake cmake)")
  endif()
  if(NOT ARG_EXPORT_NAME)
    string(MAKE_C_IDENTIFIER "${target}" _id)
    set(ARG_EXPORT_NAME "create_${_id}")
  endif()
  _gort_wasm_common_options(${target} "${ARG_EXPORT_NAME}"
                            "${ARG_ASYNCIFY_ASSERTS}")
endfunction()
