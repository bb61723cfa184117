# cmake -P script: compiles every C++ snippet of a Markdown file (the
# README), so the examples compile as written.
#
#   cmake -DCXX=<compiler> -DMARKDOWN=<README.md> -DINCLUDES=<dir|dir>
#         -DWORK_DIR=<dir> -P readme_snippets.cmake
#
# Every ```cpp block must be marked by the line just before its fence:
#
#   <!-- snippet: program -->    a complete program: compiled with
#                                -Wall -Wextra -Werror, linked, and run
#                                (it must exit 0)
#   <!-- snippet: fragment -->   statements: compiled (syntax only) as the
#                                body of a function, after the includes of
#                                core and prod, `namespace fc = flushcoord;`
#                                and `using namespace std::chrono_literals;`
#
# An unmarked ```cpp block, or a marker not followed by one, fails the test
# with its line number: no snippet escapes the check by accident.
foreach(var CXX MARKDOWN INCLUDES WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "readme_snippets.cmake: -D${var}=... is required")
  endif()
endforeach()

file(READ ${MARKDOWN} text)
# One list element per line; hide what CMake's lists would interpret.
string(REPLACE "\\" "<fc-backslash>" text "${text}")
string(REPLACE "[" "<fc-lbracket>" text "${text}")
string(REPLACE "]" "<fc-rbracket>" text "${text}")
string(REPLACE ";" "<fc-semicolon>" text "${text}")
string(REPLACE "\n" ";" lines "${text}")

function(restore out in)
  set(s "${in}")
  string(REPLACE "<fc-backslash>" "\\" s "${s}")
  string(REPLACE "<fc-lbracket>" "[" s "${s}")
  string(REPLACE "<fc-rbracket>" "]" s "${s}")
  string(REPLACE "<fc-semicolon>" ";" s "${s}")
  set(${out} "${s}" PARENT_SCOPE)
endfunction()

string(REPLACE "|" ";" INCLUDES "${INCLUDES}")  # lists arrive |-separated
set(flags -std=c++20 -Wall -Wextra -Werror)
foreach(dir IN LISTS INCLUDES)
  list(APPEND flags -I${dir})
endforeach()
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

function(check_snippet kind line body)
  set(src ${WORK_DIR}/readme-line-${line}.cpp)
  if(kind STREQUAL "program")
    file(WRITE ${src} "#line ${line} \"${MARKDOWN}\"\n${body}")
    set(exe ${WORK_DIR}/readme-line-${line})
    execute_process(COMMAND ${CXX} ${flags} ${src} -o ${exe} -pthread
                    RESULT_VARIABLE rc ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "${MARKDOWN}:${line}: the program does not compile:\n${err}")
    endif()
    execute_process(COMMAND ${exe} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "${MARKDOWN}:${line}: the program exits ${rc}:\n${out}${err}")
    endif()
  else()
    file(WRITE ${src}
      "#include <chrono>\n#include <flushcoord/coordinator.hpp>\n#include <flushcoord/prod/runtime.hpp>\n"
      "namespace fc = flushcoord;\nusing namespace std::chrono_literals;\n"
      "[[maybe_unused]] static void readme_fragment() {\n#line ${line} \"${MARKDOWN}\"\n${body}}\n")
    execute_process(COMMAND ${CXX} ${flags} -fsyntax-only ${src} RESULT_VARIABLE rc ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "${MARKDOWN}:${line}: the fragment does not compile:\n${err}")
    endif()
  endif()
  message(STATUS "${MARKDOWN}:${line}: ${kind} ok")
endfunction()

set(number 0)
set(marked "")       # the kind of the marker on the previous line
set(inside "")       # the kind of the block being read
set(count 0)
foreach(line IN LISTS lines)
  math(EXPR number "${number} + 1")
  if(inside)
    if(line MATCHES "^```[ \t]*$")
      restore(body "${body}")
      check_snippet(${inside} ${start} "${body}")
      math(EXPR count "${count} + 1")
      set(inside "")
    else()
      string(APPEND body "${line}\n")
    endif()
    continue()
  endif()
  if(line MATCHES "^```(cpp|c\\+\\+|C\\+\\+)[ \t]*$")
    if(NOT marked)
      message(FATAL_ERROR "${MARKDOWN}:${number}: a C++ block without a marker; put "
                          "<!-- snippet: program --> or <!-- snippet: fragment --> on the line before it")
    endif()
    set(inside ${marked})
    math(EXPR start "${number} + 1")
    set(body "")
    set(marked "")
  elseif(marked)
    message(FATAL_ERROR "${MARKDOWN}:${number}: the snippet marker on the line before is not "
                        "followed by a ```cpp block")
  elseif(line MATCHES "<!-- *snippet: *([a-z]+) *-->")
    if(NOT CMAKE_MATCH_1 MATCHES "^(program|fragment)$")
      message(FATAL_ERROR "${MARKDOWN}:${number}: unknown snippet kind '${CMAKE_MATCH_1}' "
                          "(program or fragment)")
    endif()
    set(marked ${CMAKE_MATCH_1})
  endif()
endforeach()
if(inside)
  message(FATAL_ERROR "${MARKDOWN}: the C++ block starting at line ${start} is not closed")
endif()
if(count EQUAL 0)
  message(FATAL_ERROR "${MARKDOWN}: no C++ snippet found; the test would check nothing")
endif()
message(STATUS "${MARKDOWN}: ${count} C++ snippets compile")
