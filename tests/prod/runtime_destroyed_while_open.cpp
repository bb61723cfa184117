// A death test (tests/prod/CMakeLists.txt): a prod runtime destroyed while
// a coordinator on it is still open must report it and abort, not hang in
// its destructor waiting for a finalizer that never exits (issue 12).
//
//   runtime_destroyed_while_open open     the bug: must abort with the message
//   runtime_destroyed_while_open closed   the coordinator was close()d first:
//                                         the runtime joins its finalizer, exit 0
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include <flushcoord/coordinator.hpp>
#include <flushcoord/prod/runtime.hpp>

namespace fc = flushcoord;

namespace {

struct engine {
  using rotated_state = int;
  using outcome = std::string;
  using snapshot_id = std::string;
  fc::result<std::string> finalize(std::uint64_t, const int&, std::string&& m) { return m; }
  void finalize_failure(std::uint64_t, const int&, const fc::flush_error&) {}
};

}  // namespace

int main(int argc, char** argv) {
  const std::string_view mode = argc == 2 ? argv[1] : "";
  if (mode != "open" && mode != "closed") {
    std::fprintf(stderr, "usage: runtime_destroyed_while_open open|closed\n");
    return 2;
  }
  auto rt = std::make_unique<fc::prod::runtime>(fc::prod::runtime_options{.stream_threads = 1});
  fc::coordinator<fc::prod::runtime, engine> coord(*rt, engine{}, {.max_pending_flushes = 2});
  auto ticket = coord.submit(coord.rotate(coord.acquire_permit().value(), 0).value(), std::string("m0"));
  if (ticket.wait().value() != "m0") return 1;
  if (rt->coordinators_open() != 1) return 1;
  if (mode == "closed") {
    coord.close();
    if (rt->coordinators_open() != 0) return 1;
  }
  rt.reset();  // "open": aborts here with the message
  std::printf("runtime destroyed after its coordinator closed\n");
  return mode == "closed" ? 0 : 1;
}
