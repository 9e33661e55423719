#include "interconnect/network_calendar.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <new>
#include <string>

#include "sim/kernel/errors.h"

namespace sosasim {

NetworkCalendar::NetworkCalendar(RouteTable& routes, int hop_latency)
    : routes_(routes),
      hop_(static_cast<std::uint64_t>(hop_latency)),
      multicast_(routes.multicast()),
      links_(static_cast<std::size_t>(routes.links())),
      hot_(static_cast<std::size_t>(routes.links())),
      spilled_(static_cast<std::size_t>(routes.links()), 0) {
  for (std::size_t& at : links_) {
    at = allocate(1);
    pool_[at].header = Header{0, 0, kLineCells - 1, 0};
  }
}

std::size_t NetworkCalendar::allocate(std::size_t lines) {
  if (used_lines_ + lines > pool_lines_) {
    const std::size_t grown = std::max(2 * pool_lines_, used_lines_ + lines);
    auto* cells = static_cast<Cell*>(std::aligned_alloc(64, grown * 64));
    if (!cells) throw std::bad_alloc();
    if (pool_) std::memcpy(cells, pool_.get(), used_lines_ * 64);
    pool_.reset(cells);
    pool_lines_ = grown;
  }
  const std::size_t first = used_lines_ * kLineCells;
  used_lines_ += lines;
  return first;
}

// Adds `interval` to the link's older reservations, in its segment, unless a copy of the same
// tile already holds the link from the same cycle (then returns false). Reservations that ended
// before `now` are forgotten (the link's head moves past them; the segment is compacted when
// full).
bool NetworkCalendar::spill(int link, const Interval& interval, std::uint64_t now) {
  Header* segment = &header(link);
  std::uint8_t& spilled = spilled_[static_cast<std::size_t>(link)];
  if (!spilled) *segment = Header{0, 0, segment->capacity, 0};  // what it held has ended
  spilled = 1;
  Interval* base = slots(link);
  std::uint32_t head = segment->head, n = segment->count;
  while (head < n && base[head].to() <= now) ++head;
  const std::uint64_t from = interval.from();
  std::uint32_t at = n;  // the first reservation from interval.from on (new ones usually go last)
  while (at > head && base[at - 1].from() >= from) --at;
  if (at < n && base[at].from() == from && base[at].key == interval.key) {
    segment->head = head;
    return false;
  }
  if (n == segment->capacity && head > 0) {  // compact
    std::copy(base + head, base + n, base);
    n -= head;
    at -= head;
    head = 0;
  }
  if (n == segment->capacity) {  // move to a segment twice as large
    const std::size_t lines = (segment->capacity + 1) / kLineCells * 2;
    const std::size_t moved = allocate(lines);  // (may move the pool: the old segment is re-read)
    std::copy(slots(link), slots(link) + n, &pool_[moved + 1].interval);
    links_[static_cast<std::size_t>(link)] = moved;
    segment = &header(link);
    *segment = Header{head, n, static_cast<std::uint32_t>(lines * kLineCells - 1), 0};
    base = slots(link);
  }
  for (std::uint32_t i = n; i > at; --i) base[i] = base[i - 1];
  base[at] = interval;
  segment->head = head;
  segment->count = n + 1;
  return true;
}

// Adds `interval` to the link's reservations, unless a copy of the same tile already holds the
// link from the same cycle (then returns false). The two latest stay in the link's hot record;
// an older one still live moves to the segment, and reservations that ended before `now` are
// forgotten.
bool NetworkCalendar::hold(int link, const Interval& interval, std::uint64_t now) {
  Hot& hot = hot_[static_cast<std::size_t>(link)];
  std::uint8_t& spilled = spilled_[static_cast<std::size_t>(link)];
  if (hot.newer.to() <= now) {  // all have ended (the segment's are older still)
    hot = Hot{};
    spilled = 0;
  } else if (hot.older.span != 0 && hot.older.to() <= now) {
    hot.older = Interval{0, 0};
    spilled = 0;
  }
  const std::uint64_t from = interval.from();
  if (hot.newer.span == 0) {
    hot.newer = interval;
    return true;
  }
  if (from > hot.newer.from()) {  // the usual case: the latest
    if (hot.older.span != 0) spill(link, hot.older, now);
    hot.older = hot.newer;
    hot.newer = interval;
    return true;
  }
  if (from == hot.newer.from() && interval.key == hot.newer.key) return false;
  if (hot.older.span == 0) {
    hot.older = interval;
    return true;
  }
  if (from > hot.older.from()) {
    spill(link, hot.older, now);
    hot.older = interval;
    return true;
  }
  if (from == hot.older.from() && interval.key == hot.older.key) return false;
  return spill(link, interval, now);
}

// The next start worth trying after `busy` conflicts with a transfer at `start` (its link's
// interval starting at `from` = start + offset): past `busy`, or, when `busy` is a copy of the
// same tile that begins later, the start at which the two coincide exactly (a shared copy).
// Every start skipped overlaps `busy` without coinciding with it.
std::uint64_t NetworkCalendar::past(const Interval& busy, std::uint64_t from, std::uint64_t offset,
                                    std::uint64_t key, std::uint64_t flits) const {
  if (multicast_ && busy.key == key && busy.flits() == flits && busy.from() > from) return busy.from() - offset;
  return busy.to() - offset;
}

// The earliest start >= `start` that one link accepts (free for the transfer's interval on it,
// which begins `offset` cycles after the start, or held by a copy of the same tile in exactly
// those cycles); sets `joined` when a copy of the tile holds the link then.
inline std::uint64_t NetworkCalendar::first_fit(int link, std::uint64_t offset, std::uint64_t key, std::uint64_t flits,
                                                std::uint64_t start, bool& joined) const {
  const Hot& hot = hot_[static_cast<std::size_t>(link)];
  joined = false;
  // Most links are answered by their latest reservation alone: when it ends by the interval's
  // start, so do all; when it is a copy of the tile in exactly the interval's cycles, all others
  // end before.
  const std::uint64_t first_from = start + offset;
  if (hot.newer.to() <= first_from) return start;
  if (multicast_ && hot.newer.key == key && hot.newer.from() == first_from && hot.newer.flits() == flits) {
    joined = true;
    return start;
  }
  // The reservations that may matter, oldest first: the segment's only when the older hot one
  // has not ended by the interval's start (all of them end before it begins).
  const Interval* spilled = nullptr;
  std::uint32_t count = 0;
  if (spilled_[static_cast<std::size_t>(link)] && hot.older.to() > first_from) {
    spilled = begin(link);
    count = static_cast<std::uint32_t>(end(link) - spilled);
  }
  Interval latest[2];
  std::uint32_t latest_count = 0;
  if (hot.older.span != 0) latest[latest_count++] = hot.older;
  latest[latest_count++] = hot.newer;
  const std::uint32_t total = count + latest_count;
  for (std::uint32_t i = 0; i < total;) {
    const Interval& busy = i < count ? spilled[i] : latest[i - count];
    const std::uint64_t from = start + offset, to = from + flits;
    const std::uint64_t busy_from = busy.from();
    if (busy_from + busy.flits() <= from) {
      ++i;
      continue;
    }
    if (busy_from >= to) break;
    if (multicast_ && busy.key == key && busy_from == from && busy.flits() == flits) {
      joined = true;  // the same tile in the same cycles: one copy serves both
      ++i;
      continue;
    }
    start = past(busy, from, offset, key, flits);  // and look at this reservation again
    joined = false;
  }
  return start;
}

// The earliest start >= `start` at which every link of the path accepts the transfer
// (first_fit), given that the source's bank port (the path's first link) accepts `start`
// (`port_joined`: with a copy of the tile). Link by link: a link that moves the start sends the
// search back to the port and the first link, until all accept the same start. A start only
// moves past starts that cannot work, so that one is the earliest. `joined` gets a bit per link
// (of the first 64) a copy of the tile already holds.
std::uint64_t NetworkCalendar::earliest_start(const std::uint32_t* path, std::size_t length, std::uint64_t key,
                                              std::uint64_t flits, std::uint64_t start, bool port_joined, bool& joins,
                                              std::uint64_t& joined) const {
  const int port = RouteTable::entry_link(path[0]);
  const std::uint64_t port_offset = RouteTable::entry_hop(path[0]) * hop_;
  bool on_link = port_joined;
  for (bool moved = true; moved;) {
    moved = false;
    joins = on_link;
    joined = on_link ? 1u : 0u;
    for (std::size_t j = 1; j < length; ++j) {
      const std::uint64_t fit =
          first_fit(RouteTable::entry_link(path[j]), RouteTable::entry_hop(path[j]) * hop_, key, flits, start, on_link);
      if (fit != start) {
        start = first_fit(port, port_offset, key, flits, fit, on_link);
        moved = true;
        break;
      }
      joins = joins || on_link;
      if (on_link && j < 64) joined |= std::uint64_t{1} << j;
    }
  }
  return start;
}

NetworkCalendar::Booking NetworkCalendar::book(int source, int destination, std::uint64_t key, int flits,
                                               std::uint64_t ready, std::uint64_t now) {
  // [paths, length_0, entries..., length_1, entries...] (RouteTable::packed)
  const std::uint32_t* routes = routes_.packed(source, destination);
  const std::uint32_t paths = routes[0];
  const auto F = static_cast<std::uint64_t>(std::max(flits, 1));
  if (F >= kMaxFlits || ready >= kMaxCycle)
    throw ModelError(ready, "network calendar",
                     F >= kMaxFlits ? "a transfer of " + std::to_string(F) + " flits (at most 2^24 - 1 are modelled)"
                                    : "runs beyond 2^40 cycles are not modelled");
  std::uint64_t best_start = std::numeric_limits<std::uint64_t>::max();
  const std::uint32_t* best = nullptr;
  std::size_t best_length = 0;
  bool best_joins = false;
  std::uint64_t best_joined = 0;  // links (the first 64) a copy of the tile already holds at best_start
  int best_index = 0;
  // Every path leaves through the source's bank port: none starts before the port alone lets it.
  const int port = RouteTable::entry_link(routes[2]);
  bool port_joined = false;
  const std::uint64_t port_bound = first_fit(port, RouteTable::entry_hop(routes[2]) * hop_, key, F, ready, port_joined);
  const std::uint32_t* path = routes + 1;
  for (std::uint32_t p = 0; p < paths; ++p) {
    const std::size_t length = *path++;
    bool joins = false;
    std::uint64_t joined = 0;
    std::uint64_t start = earliest_start(path, length, key, F, port_bound, port_joined, joins, joined);
    if (start < best_start)
      best_start = start, best = path, best_length = length, best_joins = joins, best_joined = joined,
      best_index = static_cast<int>(p);
    if (start == port_bound) break;  // no candidate can start earlier
    path += length;
  }
  std::size_t held = 0;
  bool shares_source = false;
  for (std::size_t j = 0; j < best_length; ++j) {
    const int link = RouteTable::entry_link(best[j]);
    const std::uint64_t from = best_start + RouteTable::entry_hop(best[j]) * hop_;
    if ((j < 64 && (best_joined >> j & 1u)) ||
        !hold(link, Interval::of(from, F, key), now)) {  // a copy of the same tile already holds it
      shares_source = shares_source || j == 0;
      continue;
    }
    ++held;
    stats_.flit_hops += F;
  }
  ++stats_.transfers;
  stats_.joined += best_joins;
  stats_.wait_cycles += best_start - ready;
  stats_.bank_port_wait_cycles += port_bound - ready;  // what the bank's port alone imposed
  Booking booking;
  booking.start = best_start;
  booking.head = best_start + (RouteTable::entry_hop(best[best_length - 1]) + 1u) * hop_;
  booking.tail = booking.head + F - 1;
  booking.shares_source = shares_source;
  booking.new_link_share = static_cast<double>(held) / static_cast<double>(best_length);
  booking.path = best_index;
  return booking;
}

}  // namespace sosasim
