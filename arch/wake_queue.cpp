#include "arch/wake_queue.h"

#include "sim/kernel/sc/sc_cycles.h"

namespace sosasim {

WakeQueue::WakeQueue(sc_core::sc_module_name name)
    : sc_core::sc_module(name), buckets_(kWheel), occupied_(kWheel / 64, 0) {
  SC_METHOD(fire);
  sensitive << event_;
  dont_initialize();
}

int WakeQueue::add(WakeClient& client) {
  clients_.push_back(&client);
  due_.push_back(kNone);
  return static_cast<int>(clients_.size()) - 1;
}

void WakeQueue::to_wheel(std::uint64_t cycle, int client) {
  const std::uint64_t bucket = cycle & (kWheel - 1);
  buckets_[bucket].push_back(client);
  occupied_[bucket >> 6] |= std::uint64_t{1} << (bucket & 63);
}

void WakeQueue::at(int client, std::uint64_t cycle) {
  std::uint64_t& due = due_[static_cast<std::size_t>(client)];
  if (cycle >= due) return;
  due = cycle;
  if (cycle < base_ + kWheel) to_wheel(cycle, client);
  else later_.emplace(cycle, client);
  if (cycle < armed_ && !firing_now_) {  // an earlier notification replaces the pending one
    event_.notify(cycles(cycle - now_cycle()));
    armed_ = cycle;
  }
}

std::uint64_t WakeQueue::next_due() {
  // Buckets from base_ on, in cycle order: bucket b holds cycle base_ + ((b - base_) mod kWheel).
  const std::uint64_t first = base_ & (kWheel - 1);
  for (std::uint64_t offset = 0; offset < kWheel;) {
    const std::uint64_t bucket = (first + offset) & (kWheel - 1);
    const std::uint64_t word = occupied_[bucket >> 6] >> (bucket & 63);
    if (word == 0) {  // skip to the next word
      offset += 64 - (bucket & 63);
      continue;
    }
    const auto skip = static_cast<std::uint64_t>(__builtin_ctzll(word));
    offset += skip;
    if (offset >= kWheel) break;
    const std::uint64_t b = bucket + skip, cycle = base_ + offset;
    std::vector<int>& entries = buckets_[b];
    for (int client : entries)
      if (live(cycle, client)) return cycle;
    entries.clear();  // all stale
    occupied_[b >> 6] &= ~(std::uint64_t{1} << (b & 63));
    ++offset;
  }
  while (!later_.empty() && !live(later_.top().first, later_.top().second)) later_.pop();
  return later_.empty() ? kNone : later_.top().first;
}

void WakeQueue::fire() {
  const std::uint64_t now = now_cycle();
  armed_ = kNone;
  base_ = now;
  // Wake-ups now within the wheel's reach move into it.
  while (!later_.empty() && later_.top().first < base_ + kWheel) {
    const auto [cycle, client] = later_.top();
    later_.pop();
    if (live(cycle, client)) to_wheel(cycle, client);
  }
  const std::uint64_t bucket = now & (kWheel - 1);
  firing_now_ = true;  // (one notification at the end)
  firing_.swap(buckets_[bucket]);
  occupied_[bucket >> 6] &= ~(std::uint64_t{1} << (bucket & 63));
  for (int client : firing_) {
    if (!live(now, client)) continue;  // replaced by an earlier one, or cancelled
    due_[static_cast<std::size_t>(client)] = kNone;
    clients_[static_cast<std::size_t>(client)]->wake_step();
  }
  firing_.clear();
  firing_now_ = false;
  const std::uint64_t next = next_due();
  if (next != kNone) {
    armed_ = next;
    event_.notify(cycles(next - now));
  }
}

}  // namespace sosasim
