// The metric formulas of DESIGN.md section 3 against closed forms.
#include <catch2/catch.hpp>

#include "sim/kernel/metrics.h"

using namespace sosasim;

TEST_CASE("peak TOPS is 2 r c N f", "[metrics]") {
  CHECK(peak_tops(MachineShape{32, 32, 256, 1.0}) == Approx(524.288));
  CHECK(peak_tops(MachineShape{128, 128, 32, 1.0}) == Approx(1048.576));
  CHECK(peak_tops(MachineShape{32, 32, 256, 2.0}) == Approx(1048.576));
}

TEST_CASE("effective TOPS, utilization, TOPS/W and iso-power TOPS follow SOSA's definitions", "[metrics]") {
  MachineShape machine{32, 32, 256, 1.0};
  // 1e6 cycles at 1 GHz = 1 ms; 1e11 MACs = 2e11 ops -> 200 TOPS.
  Metrics m = compute_metrics(machine, 1000000, 100000000000ull, 250.0, 400.0, 0.1);
  CHECK(m.ops == Approx(2e11));
  CHECK(m.runtime_s == Approx(1e-3));
  CHECK(m.effective_tops == Approx(200.0));
  CHECK(m.utilization == Approx(200.0 / 524.288));
  CHECK(m.tops_per_watt == Approx(0.8));
  CHECK(m.iso_power_tops == Approx(320.0));
  CHECK(m.avg_power_w == Approx(100.0));
  CHECK(m.tops_per_watt_energy == Approx(2.0));
}

TEST_CASE("a run that does no work has zero throughput, not a division by zero", "[metrics]") {
  Metrics m = compute_metrics(MachineShape{}, 0, 0, 260.0, 400.0, 0.0);
  CHECK(m.effective_tops == 0.0);
  CHECK(m.utilization == 0.0);
  CHECK(m.avg_power_w == 0.0);
}

TEST_CASE("the harmonic mean is SOSA's aggregate", "[metrics]") {
  CHECK(harmonic_mean({100.0, 300.0}) == Approx(150.0));
  CHECK(harmonic_mean({206.5}) == Approx(206.5));
  CHECK(harmonic_mean({}) == 0.0);
  CHECK(harmonic_mean({1.0, 0.0}) == 0.0);
}
