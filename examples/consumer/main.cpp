// The smallest program an engine would write against an installed
// flushcoord: a prod runtime, a coordinator, a few flushes whose streams
// finish out of order, published in order. Exits 0 iff all went as expected.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <flushcoord/coordinator.hpp>
#include <flushcoord/prod/runtime.hpp>

namespace {

/// A toy engine: the rotated state is the flush's number, the outcome is a
/// manifest name, and finalize records the publication order.
struct toy_engine {
  using rotated_state = int;
  using outcome = std::string;
  using snapshot_id = std::string;

  std::vector<std::uint64_t>* published;  // only the finalizer writes it

  flushcoord::result<std::string> finalize(std::uint64_t seq, const int&,
                                           std::string&& manifest) {
    published->push_back(seq);
    return manifest;
  }
  void finalize_failure(std::uint64_t seq, const int&, const flushcoord::flush_error&) {
    published->push_back(seq);
  }
};

int fail(const char* what) {
  std::fprintf(stderr, "consumer: %s\n", what);
  return 1;
}

}  // namespace

int main() {
  using namespace std::chrono_literals;
  flushcoord::prod::runtime rt(flushcoord::prod::runtime_options{2});

  // The runtime on its own: spawn a task and join it.
  bool ran = false;
  rt.spawn(flushcoord::task_kind::stream, "hello", [&ran] { ran = true; }).join();
  if (!ran) return fail("spawned task did not run");

  std::vector<std::uint64_t> published;
  constexpr int flushes = 4;
  {
    flushcoord::coordinator coord(rt, toy_engine{&published},
                                  flushcoord::options{.max_pending_flushes = flushes});
    std::vector<flushcoord::ticket<flushcoord::prod::runtime, std::string>> tickets;
    for (int i = 0; i < flushes; ++i) {
      auto permit = coord.acquire_permit();
      if (!permit) return fail("acquire_permit failed");
      auto rotated = coord.rotate(std::move(permit).value(), i);
      if (!rotated) return fail("rotate failed");
      // Later flushes stream faster, so they finish first.
      tickets.push_back(coord.spawn_stream(
          std::move(rotated).value(),
          [i](const int& state, std::stop_token) -> flushcoord::result<std::string> {
            std::this_thread::sleep_for(std::chrono::milliseconds(5 * (flushes - i)));
            return "manifest-" + std::to_string(state);
          }));
    }
    for (int i = 0; i < flushes; ++i) {
      auto id = tickets[static_cast<std::size_t>(i)].wait();
      if (!id || id.value() != "manifest-" + std::to_string(i))
        return fail("ticket resolved with the wrong outcome");
    }
    if (!coord.drain(1s)) return fail("drain failed");
    coord.shutdown();
  }
  for (std::size_t i = 0; i < published.size(); ++i)
    if (published[i] != i) return fail("flushes published out of order");
  if (published.size() != flushes) return fail("not every flush was published");
  std::puts("flushcoord consumer: ok (4 flushes published in order)");
  return 0;
}
