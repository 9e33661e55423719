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

std::vector<Packet> synthetic_traffic(const std::string& pattern, int ports, double rate_flits_per_cycle, int flits,
                                      std::uint64_t cycles, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::uniform_int_distribution<int> any(0, ports - 1);
  std::vector<int> permutation;
  if (is_permutation_pattern(pattern)) permutation = pattern_permutation(pattern, ports, seed);
  const double probability = rate_flits_per_cycle / flits;
  std::vector<Packet> packets;
  std::uint64_t id = 0;
  for (std::uint64_t t = 0; t < cycles; ++t)
    for (int s = 0; s < ports; ++s) {
      if (unit(rng) >= probability) continue;
      int d = 0;
      if (!permutation.empty()) d = permutation[static_cast<std::size_t>(s)];
      else if (pattern == "hotspot") d = unit(rng) < 0.2 ? 0 : any(rng);
      else d = any(rng);
      packets.push_back(Packet{id++, s, {d}, flits, t});
    }
  return packets;
}

}  // namespace sosasim
