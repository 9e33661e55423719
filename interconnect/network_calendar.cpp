#include "interconnect/network_calendar.h"

#include <algorithm>
#include <limits>

namespace sosasim {

NetworkCalendar::NetworkCalendar(RouteTable& routes, int hop_latency)
    : routes_(routes),
      hop_(static_cast<std::uint64_t>(hop_latency)),
      multicast_(routes.multicast()),
      busy_(static_cast<std::size_t>(routes.links())) {}

void NetworkCalendar::offsets(const std::vector<int>& path) {
  offset_.resize(path.size());
  std::uint64_t offset = 0;
  for (std::size_t j = 0; j < path.size(); ++j) {
    // A bus's body is held at the same hop as the output that follows it.
    if (j > 0 && !routes_.is_body(path[j - 1])) offset += hop_;
    offset_[j] = offset;
  }
}

std::uint64_t NetworkCalendar::earliest_start(const std::vector<int>& path, std::uint64_t key, std::uint64_t flits,
                                              std::uint64_t ready, bool& joins) {
  offsets(path);
  std::uint64_t start = ready;
  joins = false;
  for (bool moved = true; moved;) {
    moved = false;
    joins = false;
    for (std::size_t j = 0; j < path.size() && !moved; ++j) {
      const std::uint64_t from = start + offset_[j], to = from + flits;
      for (const Interval& busy : busy_[static_cast<std::size_t>(path[j])]) {
        if (busy.to <= from) continue;
        if (busy.from >= to) break;
        if (multicast_ && busy.key == key && busy.from == from && busy.to == to) {
          joins = true;  // the same tile in the same cycles: one copy serves both
          continue;
        }
        start = busy.to - offset_[j];
        moved = true;
        break;
      }
    }
  }
  return start;
}

NetworkCalendar::Booking NetworkCalendar::book(int source, int destination, std::uint64_t key, int flits,
                                               std::uint64_t ready, std::uint64_t now) {
  const auto& paths = routes_.paths(source, destination);
  const auto F = static_cast<std::uint64_t>(std::max(flits, 1));
  std::uint64_t best_start = std::numeric_limits<std::uint64_t>::max();
  std::size_t best = 0;
  bool best_joins = false;
  for (std::size_t p = 0; p < paths.size(); ++p) {
    for (int link : paths[p]) {  // forget reservations that have ended
      auto& busy = busy_[static_cast<std::size_t>(link)];
      std::size_t ended = 0;
      while (ended < busy.size() && busy[ended].to <= now) ++ended;
      if (ended > 0) busy.erase(busy.begin(), busy.begin() + static_cast<std::ptrdiff_t>(ended));
    }
    bool joins = false;
    const std::uint64_t start = earliest_start(paths[p], key, F, ready, joins);
    if (start < best_start) best_start = start, best = p, best_joins = joins;
  }
  const auto& path = paths[best];
  offsets(path);
  for (std::size_t j = 0; j < path.size(); ++j) {
    auto& busy = busy_[static_cast<std::size_t>(path[j])];
    const Interval mine{best_start + offset_[j], best_start + offset_[j] + F, key};
    auto at = std::lower_bound(busy.begin(), busy.end(), mine,
                               [](const Interval& a, const Interval& b) { return a.from < b.from; });
    if (at != busy.end() && at->from == mine.from && at->key == key) continue;  // shared with a copy
    busy.insert(at, mine);
    stats_.flit_hops += F;
  }
  ++stats_.transfers;
  stats_.joined += best_joins;
  stats_.wait_cycles += best_start - ready;
  Booking booking;
  booking.start = best_start;
  booking.head = best_start + offset_.back();
  booking.tail = booking.head + F - 1;
  return booking;
}

}  // namespace sosasim
