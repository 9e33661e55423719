#include "sim/system/transfer_engine.h"

#include <algorithm>
#include <array>

#include "interconnect/network_calendar.h"
#include "sim/kernel/spec.h"
#include "sim/system/network_set.h"

namespace sosasim {

namespace {

constexpr const char* kNetworkNames[3] = {"x", "w", "p"};

class RouterEngine : public TransferEngine {
 public:
  RouterEngine(const SimConfig& config, const NetworkSet& networks) {
    // Each router input buffers one whole tile, the least virtual cut-through allows: input and
    // partial-sum tiles are at most p rows, weight tiles r.
    const auto buffer = static_cast<int>(std::max(config.partition_rows(), config.array.rows));
    std::array<RouterTransfers::Setup, RouterTransfers::kNetworks> setups;
    for (std::size_t n = 0; n < setups.size(); ++n) {
      const BuiltNetwork& network = networks[static_cast<int>(n)];
      setups[n] = {&network.graph, network.topology.get(), network.routes.get(), network.hop_latency};
    }
    routers_ = std::make_unique<RouterTransfers>(setups, static_cast<int>(config.pods), buffer,
                                                 config.interconnect.adaptive_routing,
                                                 config.interconnect.straight_first, config.reference_fidelity);
  }

  TransferResult send(const Transfer& transfer) override {
    TransferResult result;
    result.shares_source =
        routers_->send(static_cast<RouterTransfers::Network>(transfer.network), transfer.source, transfer.destination,
                       transfer.key, transfer.flits, transfer.ready, transfer.tag, transfer.bytes);
    return result;
  }
  void flush() override { routers_->flush(); }
  void advance(std::uint64_t now, std::vector<TransferArrival>& out) override { routers_->advance(now, out); }
  std::uint64_t next_event() const override { return routers_->next_event(); }
  bool immediate() const override { return false; }
  void collect(std::vector<SimulationResult::NetworkUse>& out) const override {
    for (int n = 0; n < RouterTransfers::kNetworks; ++n) {
      const auto network = static_cast<RouterTransfers::Network>(n);
      if (!routers_->used(network)) continue;
      const RouterTransfers::Use use = routers_->use(network);
      out.push_back({kNetworkNames[n], use.transfers, use.joined, use.flit_hops, use.wait_cycles,
                     use.bank_port_wait_cycles});
    }
  }

 private:
  std::unique_ptr<RouterTransfers> routers_;
};

}  // namespace

CalendarEngine::CalendarEngine(const NetworkSet& networks, bool with_partial_sums) {
  for (int n = 0; n < 3; ++n)
    if (n != kPartialSumNetwork || with_partial_sums)
      calendars_[static_cast<std::size_t>(n)] =
          std::make_unique<NetworkCalendar>(*networks[n].routes, networks[n].hop_latency);
}

void CalendarEngine::collect(std::vector<SimulationResult::NetworkUse>& out) const {
  for (std::size_t n = 0; n < calendars_.size(); ++n) {
    if (!calendars_[n]) continue;
    const CalendarStats& use = calendars_[n]->stats();
    out.push_back({kNetworkNames[n], use.transfers, use.joined, use.flit_hops, use.wait_cycles,
                   use.bank_port_wait_cycles});
  }
}

std::unique_ptr<TransferEngine> make_calendar_engine(const NetworkSet& networks, bool with_partial_sums) {
  return std::make_unique<CalendarEngine>(networks, with_partial_sums);
}

std::unique_ptr<TransferEngine> make_router_engine(const SimConfig& config, const NetworkSet& networks) {
  return std::make_unique<RouterEngine>(config, networks);
}

}  // namespace sosasim
