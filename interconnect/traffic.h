// Synthetic traffic for studying a network alone (as BookSim does): every source offers packets
// of `flits` flits with probability rate / flits per cycle (Bernoulli), to destinations chosen
// by a pattern. Seeded and reproducible.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "interconnect/network.h"

namespace sosasim {

// Patterns: uniform, bit_reverse, transpose, shuffle, hotspot (a fifth of the packets to port
// 0), permutation (a random fixed permutation). bit_reverse, transpose and shuffle need a
// power-of-two port count.
const std::vector<std::string>& traffic_patterns();
bool is_permutation_pattern(const std::string& pattern);
bool pattern_needs_power_of_two(const std::string& pattern);

// The destination of every source for a permutation pattern.
std::vector<int> pattern_permutation(const std::string& pattern, int ports, std::uint64_t seed);

// The traffic one cycle at a time, so that a long run need not hold its packets: cycle t's
// packets, in the order synthetic_traffic() lists them (the same ids for the same seed).
class TrafficGenerator {
 public:
  TrafficGenerator(const std::string& pattern, int ports, double rate_flits_per_cycle, int flits, std::uint64_t seed);
  // Appends the packets created at cycle `t`; call for t = 0, 1, 2, ... in order.
  void cycle(std::uint64_t t, std::vector<Packet>& out);

 private:
  std::string pattern_;
  int ports_, flits_;
  double probability_;
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> unit_{0.0, 1.0};
  std::uniform_int_distribution<int> any_;
  std::vector<int> permutation_;
  std::uint64_t next_id_ = 0;
};

// All packets of cycles [0, cycles).
std::vector<Packet> synthetic_traffic(const std::string& pattern, int ports, double rate_flits_per_cycle, int flits,
                                      std::uint64_t cycles, std::uint64_t seed);

}  // namespace sosasim
