#include "interconnect/traffic.h"

#include <algorithm>
#include <numeric>
#include <random>

namespace sosasim {

const std::vector<std::string>& traffic_patterns() {
  static const std::vector<std::string> patterns = {"uniform", "bit_reverse", "transpose", "shuffle", "hotspot",
                                                    "permutation"};
  return patterns;
}

bool is_permutation_pattern(const std::string& pattern) {
  return pattern == "bit_reverse" || pattern == "transpose" || pattern == "shuffle" || pattern == "permutation";
}

bool pattern_needs_power_of_two(const std::string& pattern) {
  return pattern == "bit_reverse" || pattern == "transpose" || pattern == "shuffle";
}

std::vector<int> pattern_permutation(const std::string& pattern, int ports, std::uint64_t seed) {
  int bits = 0;
  while ((1 << bits) < ports) ++bits;
  std::vector<int> destination(static_cast<std::size_t>(ports));
  if (pattern == "permutation") {
    std::iota(destination.begin(), destination.end(), 0);
    std::mt19937_64 rng(seed ^ 0x5EEDull);
    std::shuffle(destination.begin(), destination.end(), rng);
    return destination;
  }
  for (int s = 0; s < ports; ++s) {
    int d = 0;
    if (pattern == "bit_reverse") {
      for (int b = 0; b < bits; ++b) d |= ((s >> b) & 1) << (bits - 1 - b);
    } else if (pattern == "transpose") {  // swap the high and low halves of the address
      int half = bits / 2;
      int low = s & ((1 << half) - 1), high = s >> half;
      d = (low << (bits - half)) | high;
    } else {  // shuffle: rotate left by one bit
      d = bits == 0 ? 0 : ((s << 1) | (s >> (bits - 1))) & (ports - 1);
    }
    destination[static_cast<std::size_t>(s)] = d;
  }
  return destination;
}

TrafficGenerator::TrafficGenerator(const std::string& pattern, int ports, double rate_flits_per_cycle, int flits,
                                   std::uint64_t seed)
    : pattern_(pattern),
      ports_(ports),
      flits_(flits),
      probability_(rate_flits_per_cycle / flits),
      rng_(seed),
      any_(0, ports - 1) {
  if (is_permutation_pattern(pattern)) permutation_ = pattern_permutation(pattern, ports, seed);
}

void TrafficGenerator::cycle(std::uint64_t t, std::vector<Packet>& out) {
  for (int s = 0; s < ports_; ++s) {
    if (unit_(rng_) >= probability_) continue;
    int d = 0;
    if (!permutation_.empty()) d = permutation_[static_cast<std::size_t>(s)];
    else if (pattern_ == "hotspot") d = unit_(rng_) < 0.2 ? 0 : any_(rng_);
    else d = any_(rng_);
    out.push_back(Packet{next_id_++, s, {d}, flits_, t});
  }
}

std::vector<Packet> synthetic_traffic(const std::string& pattern, int ports, double rate_flits_per_cycle, int flits,
                                      std::uint64_t cycles, std::uint64_t seed) {
  TrafficGenerator generator(pattern, ports, rate_flits_per_cycle, flits, seed);
  std::vector<Packet> packets;
  for (std::uint64_t t = 0; t < cycles; ++t) generator.cycle(t, packets);
  return packets;
}

}  // namespace sosasim
