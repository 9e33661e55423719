// Timed wake-ups of many modules through one SystemC process.
//
// SystemC keeps every pending timed notification in one binary heap of heap-allocated entries
// compared through a function pointer, and triggers a process per notification; with a few
// hundred pods stepping about twice per tile op, that was about half of a run with ideal
// transfers. A WakeQueue keeps its clients' wake-up cycles in a timing wheel (a bucket per
// cycle for the next kWheel cycles, a heap beyond) and keeps one timed notification of its own
// pending, for the earliest; at that cycle its process steps the due clients, in the order they
// asked. Clients still receive delta notifications (their own SC_METHODs) for same-cycle
// wake-ups.
//
// Semantics are those of one pending timed notification per client, as with an sc_event: an
// earlier wake-up replaces a later one, a later one is ignored while an earlier is pending, and
// cancel() drops it (as a delta notification of the client's own event drops a timed one).
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <utility>
#include <vector>

#include <systemc>

namespace sosasim {

class WakeClient {
 public:
  virtual ~WakeClient() = default;
  virtual void wake_step() = 0;  // the client's wake-up cycle has come
};

class WakeQueue : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(WakeQueue);
  explicit WakeQueue(sc_core::sc_module_name name);

  // Registers a client; returns its id for at() and cancel().
  int add(WakeClient& client);
  // Steps client `client` at cycle `cycle` (> the current cycle) unless it has an earlier
  // wake-up pending; a later pending one is dropped.
  void at(int client, std::uint64_t cycle);
  // Drops the client's pending wake-up.
  void cancel(int client) { due_[static_cast<std::size_t>(client)] = kNone; }

 private:
  static constexpr std::uint64_t kNone = UINT64_MAX;
  static constexpr std::uint64_t kWheel = 1024;  // cycles covered by buckets (a power of two)
  void fire();  // the SC_METHOD
  bool live(std::uint64_t cycle, int client) const { return due_[static_cast<std::size_t>(client)] == cycle; }
  std::uint64_t next_due();  // the earliest cycle with a live wake-up, or kNone (drops stale entries)
  void to_wheel(std::uint64_t cycle, int client);  // (cycle < base_ + kWheel)

  std::vector<WakeClient*> clients_;
  std::vector<std::uint64_t> due_;  // per client: its pending wake-up cycle, or kNone
  // Bucket c % kWheel holds the wake-ups of cycle c for c in [base_, base_ + kWheel); an entry
  // whose cycle is no longer its client's due_ is stale and skipped.
  std::vector<std::vector<int>> buckets_;
  std::vector<std::uint64_t> occupied_;  // a bit per bucket that has entries
  std::priority_queue<std::pair<std::uint64_t, int>, std::vector<std::pair<std::uint64_t, int>>, std::greater<>>
      later_;                    // (cycle, client) from base_ + kWheel on
  std::uint64_t base_ = 0;      // no wake-up is pending before it (the last cycle fired)
  std::uint64_t armed_ = kNone;  // the cycle our own timed notification is pending for
  std::vector<int> firing_;   // the clients of the cycle being fired
  bool firing_now_ = false;  // inside fire(): clients' at() calls need no notification
  sc_core::sc_event event_;
};

}  // namespace sosasim
