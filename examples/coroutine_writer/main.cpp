// A writer that is a C++20 coroutine, as an engine with an Asio event loop
// would write it: it runs on the same two threads as the streams, and
// while it waits for a permit or a ticket it is suspended, not blocked, so
// those threads run streams meanwhile. No caller's thread ever runs a
// stream: every guarantee of the blocking API holds (SPEC §2.6).
//
//   build/release/examples/coroutine_writer/coroutine_writer [flushes]
//
// Exits 0 iff every flush published in order with the outcome its stream
// returned.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <future>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <flushcoord/coordinator.hpp>
#include <flushcoord/prod/runtime.hpp>

namespace asio = boost::asio;

namespace {

/// A toy engine: the rotated state is the flush's number, the outcome a
/// manifest name; finalize records the publication order.
struct toy_engine {
  using rotated_state = int;
  using outcome = std::string;
  using snapshot_id = std::string;

  std::vector<std::uint64_t>* published;  // only the finalizer writes it

  flushcoord::result<std::string> finalize(std::uint64_t seq, const int&, std::string&& manifest) {
    published->push_back(seq);
    return manifest;
  }
  void finalize_failure(std::uint64_t seq, const int&, const flushcoord::flush_error&) {
    published->push_back(seq);
  }
};

using coordinator = flushcoord::coordinator<flushcoord::prod::runtime, toy_engine>;

/// The writer: for each flush, await a permit, rotate, spawn its stream;
/// then await the last ticket. Returns how many flushes went wrong.
asio::awaitable<int> writer(coordinator& coord, int flushes) {
  int wrong = 0;
  std::vector<coordinator::ticket_type> tickets;
  for (int i = 0; i < flushes; ++i) {
    auto permit = co_await coord.async_acquire_permit(asio::use_awaitable);
    if (!permit) co_return flushes;  // shut down
    // (an engine takes its flush lock here and freezes its memtable)
    auto rotated = coord.rotate(std::move(permit).value(), i);
    if (!rotated) co_return flushes;
    tickets.push_back(coord.spawn_stream(std::move(rotated).value(),
                                         [](const int& state, std::stop_token) -> flushcoord::result<std::string> {
                                           return "manifest-" + std::to_string(state);
                                         }));
  }
  for (int i = 0; i < flushes; ++i) {
    auto id = co_await tickets[static_cast<std::size_t>(i)].async_wait(asio::use_awaitable);
    if (!id || id.value() != "manifest-" + std::to_string(i)) ++wrong;
  }
  co_return wrong;
}

}  // namespace

int main(int argc, char** argv) {
  const int flushes = argc > 1 ? std::atoi(argv[1]) : 1000;
  asio::io_context ctx(2);
  auto work = asio::make_work_guard(ctx);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) threads.emplace_back([&ctx] { ctx.run(); });

  std::vector<std::uint64_t> published;
  int wrong = 0;
  {
    // Streams run on ctx's threads: the writer's threads.
    flushcoord::prod::runtime rt(ctx.get_executor());
    coordinator coord(rt, toy_engine{&published}, flushcoord::options{.max_pending_flushes = 4});
    std::future<int> done = asio::co_spawn(ctx, writer(coord, flushes), asio::use_future);
    wrong = done.get();
    coord.shutdown();
  }
  work.reset();
  for (auto& t : threads) t.join();

  bool in_order = published.size() == static_cast<std::size_t>(flushes);
  for (std::size_t i = 0; in_order && i < published.size(); ++i) in_order = published[i] == i;
  std::printf("coroutine_writer: %d flushes, %d wrong outcomes, published %s\n", flushes, wrong,
              in_order ? "in order" : "OUT OF ORDER");
  return wrong == 0 && in_order ? 0 : 1;
}
