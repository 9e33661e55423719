// SystemC scenario: the network module under random traffic, sent by a traffic module at the
// packets' creation cycles, delivers every packet at exactly the cycles of the flit-level
// reference model. A separate executable: SystemC elaborates once per process.
#include <iostream>

#include <systemc>

#include "interconnect/network_module.h"
#include "interconnect/traffic.h"

using namespace sosasim;

namespace {

class Recorder : public NetworkListener {
 public:
  void delivered(const Delivery& delivery) override {
    std::uint64_t cycle = static_cast<std::uint64_t>(sc_core::sc_time_stamp().value() /
                                                     sc_core::sc_time(1, sc_core::SC_NS).value());
    if (cycle != delivery.tail_cycle) late = true;
    deliveries.push_back(delivery);
  }
  std::vector<Delivery> deliveries;
  bool late = false;
};

class Traffic : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Traffic);
  Traffic(sc_core::sc_module_name name, NetworkModule& network, const std::vector<Packet>& packets)
      : sc_core::sc_module(name), network_(network), packets_(packets) {
    SC_METHOD(step);
  }

 private:
  void step() {
    auto cycle = static_cast<std::uint64_t>(sc_core::sc_time_stamp().value() / sc_core::sc_time(1, sc_core::SC_NS).value());
    while (next_ < packets_.size() && packets_[next_].created <= cycle) network_.send(packets_[next_++]);
    if (next_ < packets_.size())
      next_trigger(sc_core::sc_time(static_cast<double>(packets_[next_].created - cycle), sc_core::SC_NS));
  }
  NetworkModule& network_;
  const std::vector<Packet>& packets_;
  std::size_t next_ = 0;
};

}  // namespace

int sc_main(int, char*[]) {
  auto topology = make_topology("butterfly", {{"expansion", "2"}});
  NetworkGraph graph = topology->build(16);
  NetworkParams params;
  params.hop_latency = 2;
  params.buffer_flits = 6;
  std::vector<Packet> packets = synthetic_traffic("uniform", 16, 0.4, 3, 500, 11);
  Recorder recorder;
  NetworkModule network("network", graph, *topology, params, recorder);
  Traffic traffic("traffic", network, packets);
  sc_core::sc_start();

  NetworkResult expected = run_reference(graph, *topology, params, packets, 1000000);
  std::sort(recorder.deliveries.begin(), recorder.deliveries.end(), [](const Delivery& a, const Delivery& b) {
    return a.id != b.id ? a.id < b.id : a.destination < b.destination;
  });
  int passed = 0, failed = 0;
  auto check = [&](bool ok, const char* what) {
    std::cout << (ok ? "ok   " : "FAIL ") << what << "\n";
    (ok ? passed : failed)++;
  };
  check(recorder.deliveries.size() == expected.deliveries.size() && !expected.deliveries.empty(),
        "every packet is delivered");
  bool same = recorder.deliveries.size() == expected.deliveries.size();
  for (std::size_t i = 0; same && i < expected.deliveries.size(); ++i)
    same = recorder.deliveries[i].id == expected.deliveries[i].id &&
           recorder.deliveries[i].tail_cycle == expected.deliveries[i].tail_cycle &&
           recorder.deliveries[i].head_cycle == expected.deliveries[i].head_cycle;
  check(same, "deliveries at the reference model's cycles");
  check(!recorder.late, "the listener hears of each delivery at its tail cycle");
  NetworkModuleStats stats = network.stats();
  check(stats.flit_hops == expected.stats.flit_hops, "flit-hops as counted by the reference");
  std::uint64_t histogram = 0;
  for (const auto& [bucket, count] : stats.latency_histogram) histogram += count;
  check(histogram == expected.deliveries.size(), "the latency histogram counts every delivery");
  bool bounded = !stats.link_utilization.empty();
  for (double u : stats.link_utilization) bounded = bounded && u >= 0.0 && u <= 1.0;
  check(bounded, "link utilizations lie in [0, 1]");
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}
