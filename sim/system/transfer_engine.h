// The two ways a tile or partial sum crosses a network, behind one interface: link reservations
// in each network's calendar (interconnect/network_calendar.h; the arrival is known when the
// transfer is booked) or flits through the router engines (interconnect/router_transfers.h; the
// arrival is known when the engines have simulated up to it). Plain C++.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "interconnect/network_calendar.h"
#include "interconnect/router_transfers.h"
#include "sim/system/result.h"

namespace sosasim {

class NetworkSet;
struct SimConfig;

struct Transfer {
  int network = 0;          // kInputNetwork, kWeightNetwork or kPartialSumNetwork
  int source = 0;           // bank (endpoint)
  int destination = 0;      // pod (endpoint)
  std::uint64_t key = 0;    // the tile, unique per network: copies of one tile may share links
  int flits = 0;            // one array row per flit
  std::uint64_t ready = 0;  // the cycle it may leave its bank
  std::uint64_t tag = 0;    // comes back with a later arrival
  double bytes = 0;
};

struct TransferResult {
  bool shares_source = false;  // a copy of the same tile left the bank with it: no bank read of its own
  bool known = false;          // the arrival is known now (else advance() delivers it)
  std::uint64_t start = 0, head = 0, tail = 0;  // known: head leaves the bank, head and tail arrive
  double network_bytes = 0;    // known: bytes times the share of the path's links it holds itself
};

using TransferArrival = RouterTransfers::Arrival;

class TransferEngine {
 public:
  virtual ~TransferEngine() = default;
  virtual TransferResult send(const Transfer& transfer) = 0;
  // Transfers sent in this cycle enter the networks.
  virtual void flush() {}
  // Simulates up to and including `now`; appends the arrivals decided.
  virtual void advance(std::uint64_t /*now*/, std::vector<TransferArrival>& /*out*/) {}
  // The next cycle with something to simulate, UINT64_MAX when idle.
  virtual std::uint64_t next_event() const { return UINT64_MAX; }
  // Arrivals are known when a transfer is sent.
  virtual bool immediate() const = 0;
  // Each network's use, in network order.
  virtual void collect(std::vector<SimulationResult::NetworkUse>& out) const = 0;
};

// The link calendars (`with_partial_sums`: the P network too). Declared here, final, so that the
// tile transport's calls on its hot path are direct and inlined.
class CalendarEngine final : public TransferEngine {
 public:
  CalendarEngine(const NetworkSet& networks, bool with_partial_sums);
  TransferResult send(const Transfer& transfer) override {
    const NetworkCalendar::Booking booking = calendars_[static_cast<std::size_t>(transfer.network)]->book(
        transfer.source, transfer.destination, transfer.key, transfer.flits, transfer.ready, transfer.ready);
    return TransferResult{booking.shares_source, true, booking.start, booking.head, booking.tail,
                          transfer.bytes * booking.new_link_share};
  }
  bool immediate() const override { return true; }
  void collect(std::vector<SimulationResult::NetworkUse>& out) const override;

 private:
  std::array<std::unique_ptr<NetworkCalendar>, 3> calendars_;
};
std::unique_ptr<TransferEngine> make_calendar_engine(const NetworkSet& networks, bool with_partial_sums);
// The router engines (flit by flit at reference fidelity).
std::unique_ptr<TransferEngine> make_router_engine(const SimConfig& config, const NetworkSet& networks);

}  // namespace sosasim
