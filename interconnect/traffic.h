// Synthetic traffic for studying a network alone (as BookSim does): every source offers packets
// of `flits` flits with probability rate / flits per cycle (Bernoulli), to destinations chosen
// by a pattern. Seeded and reproducible.
#pragma once

#include <cstdint>
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

std::vector<Packet> synthetic_traffic(const std::string& pattern, int ports, double rate_flits_per_cycle, int flits,
                                      std::uint64_t cycles, std::uint64_t seed);

}  // namespace sosasim
