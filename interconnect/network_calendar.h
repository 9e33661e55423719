// Tile transfers through a network as link reservations (the system's fast network timing).
//
// A transfer of F flits crosses the links of its path (route_table.h) one hop apart: it holds
// link j during [s + j * hop, s + j * hop + F), so its head reaches the destination at
// s + (routers + 1) * hop and its tail F - 1 cycles later, as in the router engines at zero
// load (network_engine.h). Transfers are booked in the order they are requested; each takes the
// earliest start s >= its ready cycle at which every link of one of its candidate paths is idle
// for its whole interval (an earlier booking's gap can be used: the links are reserved like a
// circuit, not queued) or, on a network that supports multicast, held by a copy of the same tile
// in exactly the same cycles, which it then shares (one copy leaves the bank, and the paths'
// common links carry it once); the candidate path with the earliest start wins. A test checks
// this against a brute-force search on random bookings. A bus's body is held like a link.
//
// What this does not model, unlike the router engines: buffering (a transfer never waits inside
// the network, it starts later instead) and arbitration order among transfers booked in the
// same cycle (first booked, first served).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "interconnect/route_table.h"

namespace sosasim {

struct CalendarStats {
  std::uint64_t transfers = 0;
  std::uint64_t joined = 0;        // transfers that shared an earlier copy's links
  std::uint64_t flit_hops = 0;     // flits times links newly held
  std::uint64_t wait_cycles = 0;   // summed over transfers: start - ready
  std::uint64_t bank_port_wait_cycles = 0;  // the part of wait_cycles the source's port alone imposed
};

class NetworkCalendar {
 public:
  NetworkCalendar(RouteTable& routes, int hop_latency);

  struct Booking {
    std::uint64_t start = 0;  // the head leaves the source
    std::uint64_t head = 0;   // the head reaches the destination
    std::uint64_t tail = 0;   // the last flit reaches it
    bool shares_source = false;   // a copy of the same tile left the bank with it: one bank read
    double new_link_share = 1.0;  // links it holds itself / links on its path (multicast saves the rest)
    int path = 0;                 // which of RouteTable::paths(source, destination) it takes
  };
  // Books `flits` flits of tile `key` (unique per tile and network) from `source` to
  // `destination`, ready at cycle `ready`. `now` (<= ready, never decreasing between calls)
  // lets the calendar forget reservations that have ended.
  Booking book(int source, int destination, std::uint64_t key, int flits, std::uint64_t ready, std::uint64_t now);
  const CalendarStats& stats() const { return stats_; }

 private:
  // A reservation [from, from + flits) of tile `key`, in 16 bytes: from in the upper 40 bits
  // (runs longer than 2^40 cycles are refused), flits in the lower 24.
  static constexpr int kFlitBits = 24;
  static constexpr std::uint64_t kMaxFlits = std::uint64_t{1} << kFlitBits;
  static constexpr std::uint64_t kMaxCycle = std::uint64_t{1} << 39;  // (a start plus its path stays below 2^40)
  struct Interval {
    std::uint64_t span;
    std::uint64_t key;
    static Interval of(std::uint64_t from, std::uint64_t flits, std::uint64_t tile) {
      return Interval{from << kFlitBits | flits, tile};
    }
    std::uint64_t from() const { return span >> kFlitBits; }
    std::uint64_t flits() const { return span & ((std::uint64_t{1} << kFlitBits) - 1); }
    std::uint64_t to() const { return from() + flits(); }
  };
  // `path`: `length` packed entries (RouteTable::packed). `joined` gets a bit per link (of the
  // first 64) on which a copy of the same tile already holds the found start's cycles.
  std::uint64_t earliest_start(const std::uint32_t* path, std::size_t length, std::uint64_t key, std::uint64_t flits,
                               std::uint64_t start, bool port_joined, bool& joins, std::uint64_t& joined) const;
  std::uint64_t past(const Interval& busy, std::uint64_t from, std::uint64_t offset, std::uint64_t key,
                     std::uint64_t flits) const;
  std::uint64_t first_fit(int link, std::uint64_t offset, std::uint64_t key, std::uint64_t flits, std::uint64_t start,
                          bool& joined) const;
  bool hold(int link, const Interval& interval, std::uint64_t now);
  bool spill(int link, const Interval& interval, std::uint64_t now);
  // A link's reservations are disjoint. Its two latest (by start) are in its hot record, one
  // array for all links that stays in cache (most links have no other live reservation); older
  // ones still live are in a segment of the pool: a header cell, then the reservations, sorted.
  // A segment is whole cache lines (four cells); a link that fills its segment moves to one
  // twice as large at the pool's end.
  struct alignas(32) Hot {
    Interval older{0, 0};  // span 0: none
    Interval newer{0, 0};
  };
  struct Header {
    std::uint32_t head;      // the first live reservation (earlier ones ended)
    std::uint32_t count;     // reservations stored
    std::uint32_t capacity;  // reservations the segment holds
    std::uint32_t unused;
  };
  union Cell {
    Header header;
    Interval interval;
  };
  static constexpr std::size_t kLineCells = 64 / sizeof(Cell);
  Header& header(int link) { return pool_[links_[static_cast<std::size_t>(link)]].header; }
  const Header& header(int link) const { return pool_[links_[static_cast<std::size_t>(link)]].header; }
  Interval* slots(int link) { return &pool_[links_[static_cast<std::size_t>(link)] + 1].interval; }
  const Interval* slots(int link) const { return &pool_[links_[static_cast<std::size_t>(link)] + 1].interval; }
  const Interval* begin(int link) const { return slots(link) + header(link).head; }
  const Interval* end(int link) const { return slots(link) + header(link).count; }
  std::size_t allocate(std::size_t lines);  // a new segment at the pool's end: its first cell

  RouteTable& routes_;
  std::uint64_t hop_;
  bool multicast_;
  struct Free {
    void operator()(Cell* cells) const { std::free(cells); }
  };
  std::unique_ptr<Cell[], Free> pool_;  // aligned to cache lines
  std::size_t pool_lines_ = 0, used_lines_ = 0;
  std::vector<std::size_t> links_;      // per link: its header's cell in the pool
  std::vector<Hot> hot_;                // per link
  std::vector<std::uint8_t> spilled_;   // per link: its segment holds reservations that may be live
  CalendarStats stats_;
};

}  // namespace sosasim
