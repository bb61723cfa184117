// bench/alloc_counter.hpp — live heap bytes of the process, counted by the
// replacement operator new/delete of alloc_counter.cpp (linked into simbench
// only): bytes the allocator really holds for live blocks (glibc: usable
// size plus its 8-byte chunk header), and the number of live blocks.
#pragma once

#include <cstdint>

namespace bench::alloc {

struct snapshot {
  std::int64_t chunks = 0;     // live bytes including allocator rounding and header
  std::int64_t blocks = 0;     // live allocations
};

snapshot live();

}  // namespace bench::alloc
