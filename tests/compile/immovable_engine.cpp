// Compile-fail test (tests/compile/CMakeLists.txt): an engine with a
// std::mutex member cannot be moved into the coordinator, and the error
// must be the coordinator's static_assert naming the fix, not a failure
// deep inside std::make_shared. With -DFLUSHCOORD_MOVABLE_CONTROL the same
// engine holds its mutex through a pointer and must compile: that control
// keeps the test from passing on an unrelated error (a wrong include path).
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include <flushcoord/coordinator.hpp>
#include <flushcoord/prod/runtime.hpp>

namespace fc = flushcoord;

struct engine_with_a_mutex {
  using rotated_state = int;
  using outcome = std::string;
  using snapshot_id = std::string;

#if defined(FLUSHCOORD_MOVABLE_CONTROL)
  std::unique_ptr<std::mutex> flush_lock = std::make_unique<std::mutex>();
#else
  std::mutex flush_lock;  // makes the engine immovable
#endif

  fc::result<std::string> finalize(std::uint64_t, const int&, std::string&& manifest) {
    return manifest;
  }
  void finalize_failure(std::uint64_t, const int&, const fc::flush_error&) {}
};

static_assert(fc::engine<engine_with_a_mutex>, "the engine concept itself is satisfied");

int main() {
  fc::prod::runtime rt({.stream_threads = 1});
  fc::coordinator<fc::prod::runtime, engine_with_a_mutex> coord(rt, engine_with_a_mutex{}, {});
  coord.shutdown();
}
