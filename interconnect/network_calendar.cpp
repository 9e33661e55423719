#include "interconnect/network_calendar.h"

#include <algorithm>
#include <limits>

namespace sosasim {

NetworkCalendar::NetworkCalendar(RouteTable& routes, int hop_latency)
    : routes_(routes),
      hop_(static_cast<std::uint64_t>(hop_latency)),
      multicast_(routes.multicast()),
      slots_(static_cast<std::size_t>(routes.links()) * capacity_),
      count_(static_cast<std::size_t>(routes.links()), 0) {}

// Adds `interval` to the link's reservations, first forgetting those that ended before `now`.
void NetworkCalendar::insert(int link, const Interval& interval, std::uint64_t now) {
  auto l = static_cast<std::size_t>(link);
  {
    Interval* first = &slots_[l * capacity_];
    std::uint32_t ended = 0;
    while (ended < count_[l] && first[ended].to <= now) ++ended;
    if (ended > 0) {
      std::copy(first + ended, first + count_[l], first);
      count_[l] -= ended;
    }
  }
  if (count_[l] == capacity_) {  // grow every link's slots
    std::vector<Interval> grown(slots_.size() * 2);
    for (std::size_t i = 0; i < count_.size(); ++i)
      std::copy(slots_.begin() + static_cast<std::ptrdiff_t>(i * capacity_),
                slots_.begin() + static_cast<std::ptrdiff_t>(i * capacity_ + count_[i]),
                grown.begin() + static_cast<std::ptrdiff_t>(i * capacity_ * 2));
    slots_.swap(grown);
    capacity_ *= 2;
  }
  Interval* first = &slots_[l * capacity_];
  Interval* last = first + count_[l];
  Interval* at = std::lower_bound(first, last, interval, [](const Interval& a, const Interval& b) { return a.from < b.from; });
  std::copy_backward(at, last, last + 1);
  *at = interval;
  ++count_[l];
}

std::uint64_t NetworkCalendar::earliest_start(const std::vector<int>& path, const std::vector<std::uint16_t>& hops,
                                              std::uint64_t key, std::uint64_t flits, std::uint64_t ready,
                                              bool& joins) {
  std::uint64_t start = ready;
  for (bool moved = true; moved;) {
    moved = false;
    joins = false;
    for (std::size_t j = 0; j < path.size() && !moved; ++j) {
      const std::uint64_t offset = hops[j] * hop_, from = start + offset, to = from + flits;
      for (const Interval* busy = begin(path[j]); busy != end(path[j]); ++busy) {
        if (busy->to <= from) continue;
        if (busy->from >= to) break;
        if (multicast_ && busy->key == key && busy->from == from && busy->to == to) {
          joins = true;  // the same tile in the same cycles: one copy serves both
          continue;
        }
        start = busy->to - offset;
        moved = true;
        break;
      }
    }
  }
  return start;
}

bool NetworkCalendar::fits_at(const std::vector<int>& path, const std::vector<std::uint16_t>& hops,
                              std::uint64_t key, std::uint64_t flits, std::uint64_t start) const {
  for (std::size_t j = 0; j < path.size(); ++j) {
    const std::uint64_t from = start + hops[j] * hop_, to = from + flits;
    for (const Interval* busy = begin(path[j]); busy != end(path[j]); ++busy) {
      if (busy->to <= from) continue;
      if (busy->from >= to) break;
      if (!(busy->key == key && busy->from == from && busy->to == to)) return false;
    }
  }
  return true;
}

NetworkCalendar::Booking NetworkCalendar::book(int source, int destination, std::uint64_t key, int flits,
                                               std::uint64_t ready, std::uint64_t now) {
  const auto& paths = routes_.paths(source, destination);
  const auto& hops = routes_.hops(source, destination);
  const auto F = static_cast<std::uint64_t>(std::max(flits, 1));
  std::uint64_t best_start = std::numeric_limits<std::uint64_t>::max();
  std::size_t best = 0;
  bool best_joins = false;
  for (std::size_t p = 0; p < paths.size(); ++p) {
    bool joins = false;
    std::uint64_t start = earliest_start(paths[p], hops[p], key, F, ready, joins);
    // Or wait for a copy of the same tile that leaves later, and share its links.
    if (multicast_)
      for (const Interval* copy = begin(paths[p][0]); copy != end(paths[p][0]) && copy->from < start; ++copy) {
        if (copy->key != key || copy->from < ready) continue;
        if (fits_at(paths[p], hops[p], key, F, copy->from)) {
          start = copy->from, joins = true;
          break;
        }
      }
    if (start < best_start) best_start = start, best = p, best_joins = joins;
    if (start == ready) break;  // no candidate can start earlier
  }
  const auto& path = paths[best];
  std::size_t held = 0;
  bool shares_source = false;
  for (std::size_t j = 0; j < path.size(); ++j) {
    const std::uint64_t from = best_start + hops[best][j] * hop_;
    const Interval mine{from, from + F, key};
    bool shared = false;
    for (const Interval* busy = begin(path[j]); busy != end(path[j]) && !shared; ++busy)
      shared = busy->from == mine.from && busy->key == key;
    if (shared) {  // a copy of the same tile already holds it
      shares_source = shares_source || j == 0;
      continue;
    }
    insert(path[j], mine, now);
    ++held;
    stats_.flit_hops += F;
  }
  ++stats_.transfers;
  stats_.joined += best_joins;
  stats_.wait_cycles += best_start - ready;
  if (best_start > ready) {  // how long the bank's port alone would have held it back
    std::uint64_t port_free = ready;
    for (const Interval* busy = begin(path[0]); busy != end(path[0]); ++busy) {
      if (busy->to <= port_free) continue;
      if (busy->from >= port_free + F) break;
      if (multicast_ && busy->key == key && busy->from == port_free && busy->to == port_free + F) continue;
      port_free = busy->to;
    }
    stats_.bank_port_wait_cycles += std::min(port_free, best_start) - ready;
  }
  Booking booking;
  booking.start = best_start;
  booking.head = best_start + (hops[best].back() + 1u) * hop_;
  booking.tail = booking.head + F - 1;
  booking.shares_source = shares_source;
  booking.new_link_share = static_cast<double>(held) / static_cast<double>(path.size());
  return booking;
}

}  // namespace sosasim
