// SystemC time in clock cycles, for the SystemC modules (one cycle is one nanosecond of SystemC
// time). Header-only and included only by modules, so the kernel library stays free of SystemC.
#pragma once

#include <cstdint>

#include <systemc>

namespace sosasim {

inline std::uint64_t cycle_value() {
  static const std::uint64_t value = sc_core::sc_time(1, sc_core::SC_NS).value();
  return value;
}

// The current cycle.
inline std::uint64_t now_cycle() { return sc_core::sc_time_stamp().value() / cycle_value(); }

// A delay of `count` cycles.
inline sc_core::sc_time cycles(std::uint64_t count) { return sc_core::sc_time::from_value(count * cycle_value()); }

}  // namespace sosasim
