// The fast network engine: event-driven per packet and hop; it visits a router only in cycles
// where its allocation could change, and computes flit times from the head's (network_engine.h).
#include <algorithm>
#include <deque>
#include <map>
#include <queue>

#include "interconnect/network_engine.h"
#include "interconnect/network_pool.h"
#include "sim/kernel/errors.h"
#include "sim/kernel/ring.h"

namespace sosasim {

using namespace network_detail;

struct FastNetwork::State {
  const NetworkGraph& graph;
  const Topology& topology;
  NetworkParams params;
  Inputs inputs;
  std::vector<std::uint64_t> out_offset;
  int R;
  std::uint64_t L;
  PacketPool pool;
  std::vector<Delivery> deliveries;  // decided since the last take
  NetworkStats stats;
  std::uint64_t last_tail = 0;

  // Packet copies at router inputs. Slots are reused (their vectors keep their capacity), so a
  // hop allocates nothing once the network is warm; a deque keeps references valid as it grows.
  std::deque<Instance> instances;
  std::vector<std::size_t> free_instances;
  std::size_t new_instance(std::size_t packet, const std::vector<int>& destinations) {
    return new_copy(instances, free_instances, packet, destinations);
  }
  // Credits on their way back per router input: runs of one credit a cycle from `from` on
  // (a packet's flits leave one a cycle), oldest first. The first few runs sit inline beside the
  // input's credit count (one cache line per input), any further ones in a ring.
  struct Returns {
    std::uint64_t from;
    std::uint64_t count;
  };
  struct Credits {
    static constexpr std::size_t kInline = 2;
    int credits = 0;
    std::uint32_t head = 0, size = 0;  // of `inline_runs`
    Returns inline_runs[kInline];
    Ring<Returns> more;  // runs after the inline ones
    bool empty() const { return size == 0; }
    std::size_t count() const { return size + more.size(); }
    Returns& front() { return inline_runs[head]; }
    const Returns& at(std::size_t i) const {
      return i < size ? inline_runs[(head + i) % kInline] : more[i - size];
    }
    void pop_front() {
      head = (head + 1) % kInline;
      --size;
      if (!more.empty()) {  // keep the inline runs the oldest
        inline_runs[(head + size) % kInline] = more.front();
        more.pop_front();
        ++size;
      }
    }
    void push_back(const Returns& run) {
      if (size < kInline && more.empty()) {
        inline_runs[(head + size) % kInline] = run;
        ++size;
      } else {
        more.push_back(run);
      }
    }
  };
  std::vector<Credits> credits;  // per router input
  std::vector<int> sender_of;                      // node feeding each router input: router, or R + terminal
  std::vector<bool> sender_waits;                  // the sender found too few credits and no returns pending
  std::vector<Ring<std::size_t>> fifos;
  std::vector<std::uint64_t> input_busy, front_since, router_busy, terminal_busy;
  std::vector<std::vector<std::uint64_t>> output_busy;
  std::vector<int> round_robin;
  std::vector<std::uint64_t> processed;
  using Wake = std::pair<std::uint64_t, int>;
  std::priority_queue<Wake, std::vector<Wake>, std::greater<>> wakes;
  std::vector<RouteChoice> choices;

  State(const NetworkGraph& g, const Topology& t, const NetworkParams& p)
      : graph(g), topology(t), params(p), inputs(g), out_offset(output_offsets(g)), R(static_cast<int>(g.routers.size())),
        L(static_cast<std::uint64_t>(p.hop_latency)), pool(g) {
    check_params(p);
    const auto total = static_cast<std::size_t>(inputs.total);
    stats.output_busy_cycles.assign(out_offset.back(), 0);
    credits.resize(total);
    for (Credits& input : credits) input.credits = p.buffer_flits;
    sender_of.assign(total, -1);
    sender_waits.assign(total, false);
    for (int r = 0; r < R; ++r)
      for (int o = 0; o < g.routers[static_cast<std::size_t>(r)].outputs; ++o) {
        const PortRef& to = g.routers[static_cast<std::size_t>(r)].output_to[static_cast<std::size_t>(o)];
        if (to.router >= 0) sender_of[static_cast<std::size_t>(inputs.at(to.router, to.port))] = r;
      }
    for (int terminal = 0; terminal < g.terminals; ++terminal) {
      const PortRef& port = g.injection[static_cast<std::size_t>(terminal)];
      sender_of[static_cast<std::size_t>(inputs.at(port.router, port.port))] = R + terminal;
    }
    fifos.resize(total);
    input_busy.assign(total, 0);
    front_since.assign(total, 0);
    output_busy.resize(static_cast<std::size_t>(R));
    for (int r = 0; r < R; ++r)
      output_busy[static_cast<std::size_t>(r)].assign(static_cast<std::size_t>(g.routers[static_cast<std::size_t>(r)].outputs), 0);
    router_busy.assign(static_cast<std::size_t>(R), 0);
    terminal_busy.assign(static_cast<std::size_t>(g.terminals), 0);
    round_robin.assign(static_cast<std::size_t>(R), 0);
    processed.assign(static_cast<std::size_t>(R + g.terminals), UINT64_MAX);
  }

  int available(int receiver, std::uint64_t t) {
    Credits& pending = credits[static_cast<std::size_t>(receiver)];
    while (!pending.empty() && pending.front().from <= t) {
      Returns& run = pending.front();
      const std::uint64_t back = std::min(run.count, t - run.from + 1);
      pending.credits += static_cast<int>(back);
      run.from += back;
      run.count -= back;
      if (run.count > 0) break;
      pending.pop_front();
    }
    return pending.credits;
  }
  // The first cycle at which `receiver` will have `needed` credits from returns already known.
  std::uint64_t credit_time(int receiver, int needed) const {
    const Credits& pending = credits[static_cast<std::size_t>(receiver)];
    int missing = needed - pending.credits;
    if (missing <= 0) return 0;
    for (std::size_t i = 0; i < pending.count(); ++i) {
      const Returns& run = pending.at(i);
      if (static_cast<std::uint64_t>(missing) <= run.count) return run.from + static_cast<std::uint64_t>(missing) - 1;
      missing -= static_cast<int>(run.count);
    }
    return UINT64_MAX;
  }
  // Puts a packet copy into a router input, its head arriving at `arrival`.
  void arrive(int router, int port, std::size_t instance, std::uint64_t arrival) {
    Instance& copy = instances[instance];
    copy.head_arrival = arrival;
    topology.route(graph, router, pool.records[copy.packet].packet, copy.destinations, copy.route);
    fifos[static_cast<std::size_t>(inputs.at(router, port))].push_back(instance);
    wakes.push({arrival, router});
  }
  // Flits leaving input `receiver` at t .. t+f-1 return credits at t+1 .. t+f; the sender looks
  // again from t+1 on.
  void leave(int receiver, std::uint64_t t, int flits) {
    credits[static_cast<std::size_t>(receiver)].push_back(Returns{t + 1, static_cast<std::uint64_t>(flits)});
    int sender = sender_of[static_cast<std::size_t>(receiver)];
    if (sender >= 0 && sender_waits[static_cast<std::size_t>(receiver)]) {
      sender_waits[static_cast<std::size_t>(receiver)] = false;
      wakes.push({t + 1, sender});
    }
  }
  void deliver(std::size_t packet, int destination, std::uint64_t head, std::uint64_t tail) {
    stats.flits_delivered += static_cast<std::uint64_t>(pool.records[packet].packet.flits);
    deliveries.push_back(pool.decide(packet, destination, head, tail));
    last_tail = std::max(last_tail, tail);
    if (pool.records[packet].undecided == 0) pool.release(packet);  // no copy of it is left
  }

  void terminal_step(int terminal, std::uint64_t t) {
    const int node = R + terminal;
    auto& queue = pool.by_source[static_cast<std::size_t>(terminal)];
    if (queue.empty()) return;
    const Packet& packet = pool.records[queue.front()].packet;
    const PortRef& port = graph.injection[static_cast<std::size_t>(terminal)];
    int receiver = inputs.at(port.router, port.port);
    std::uint64_t when = std::max(packet.created, terminal_busy[static_cast<std::size_t>(terminal)]);
    if (when > t) {
      wakes.push({when, node});
      return;
    }
    if (available(receiver, t) < packet.flits) {
      std::uint64_t ready = credit_time(receiver, packet.flits);
      if (ready != UINT64_MAX) wakes.push({ready, node});
      else sender_waits[static_cast<std::size_t>(receiver)] = true;
      return;
    }
    credits[static_cast<std::size_t>(receiver)].credits -= packet.flits;
    terminal_busy[static_cast<std::size_t>(terminal)] = t + static_cast<std::uint64_t>(packet.flits);
    pool.inject(terminal, t);
    arrive(port.router, port.port, new_instance(queue.front(), packet.destinations), t + L);
    queue.pop_front();
    if (!queue.empty())
      wakes.push({std::max(pool.records[queue.front()].packet.created, terminal_busy[static_cast<std::size_t>(terminal)]), node});
  }

  void router_step(int r, std::uint64_t t) {
    const RouterNode& router = graph.routers[static_cast<std::size_t>(r)];
    if (!router.one_transfer_at_a_time || router_busy[static_cast<std::size_t>(r)] <= t) {
      int flits = 0;
      auto front = [&](int in) -> std::vector<RouteChoice>* {
        const int receiver = inputs.at(r, in);
        const auto& fifo = fifos[static_cast<std::size_t>(receiver)];
        if (fifo.empty() || input_busy[static_cast<std::size_t>(receiver)] > t) return nullptr;
        Instance& instance = instances[fifo.front()];
        if (instance.head_arrival > t) return nullptr;
        flits = pool.records[instance.packet].packet.flits;
        return &instance.route;
      };
      auto usable = [&](int output) {
        const PortRef& to = router.output_to[static_cast<std::size_t>(output)];
        return output_busy[static_cast<std::size_t>(r)][static_cast<std::size_t>(output)] <= t &&
               (to.router == kTerminal || available(inputs.at(to.router, to.port), t) >= flits);
      };
      auto grant = [&](int in) {
        const int receiver = inputs.at(r, in);
        auto& fifo = fifos[static_cast<std::size_t>(receiver)];
        const std::size_t granted = fifo.front();
        const auto f = static_cast<std::uint64_t>(flits);
        const std::vector<RouteChoice>& route = instances[granted].route;
        const std::size_t packet_index = instances[granted].packet;
        stats.stall_cycles += t - std::max(front_since[static_cast<std::size_t>(receiver)], instances[granted].head_arrival);
        for (const auto& choice : route) {
          output_busy[static_cast<std::size_t>(r)][static_cast<std::size_t>(choice.output)] = t + f;
          stats.flit_hops += f;
          pool.records[packet_index].flit_hops += f;
          stats.output_busy_cycles[out_offset[static_cast<std::size_t>(r)] + static_cast<std::uint64_t>(choice.output)] += f;
          const PortRef& to = router.output_to[static_cast<std::size_t>(choice.output)];
          if (to.router == kTerminal) {
            deliver(packet_index, choice.destinations.front(), t + L, t + L + f - 1);
          } else {
            credits[static_cast<std::size_t>(inputs.at(to.router, to.port))].credits -= flits;
            arrive(to.router, to.port, new_instance(packet_index, choice.destinations), t + L);
          }
        }
        input_busy[static_cast<std::size_t>(receiver)] = t + f;
        router_busy[static_cast<std::size_t>(r)] = t + f;
        leave(receiver, t, flits);
        fifo.pop_front();
        free_instances.push_back(granted);
        front_since[static_cast<std::size_t>(receiver)] = t;
      };
      allocate(router, round_robin[static_cast<std::size_t>(r)], params.adaptive, front, usable, grant);
    }
    // When might this router's allocation change next?
    std::uint64_t next = UINT64_MAX;
    for (int in = 0; in < router.inputs; ++in) {
      int receiver = inputs.at(r, in);
      const auto& fifo = fifos[static_cast<std::size_t>(receiver)];
      if (fifo.empty()) continue;
      const Instance& instance = instances[fifo.front()];
      if (instance.head_arrival > t) {
        next = std::min(next, instance.head_arrival);
        continue;
      }
      if (input_busy[static_cast<std::size_t>(receiver)] > t) next = std::min(next, input_busy[static_cast<std::size_t>(receiver)]);
      if (router.one_transfer_at_a_time && router_busy[static_cast<std::size_t>(r)] > t)
        next = std::min(next, router_busy[static_cast<std::size_t>(r)]);
      for (const auto& choice : instance.route)
        for (int output : {choice.output, params.adaptive ? choice.alternative : -1}) {
          if (output < 0) continue;
          std::uint64_t busy = output_busy[static_cast<std::size_t>(r)][static_cast<std::size_t>(output)];
          if (busy > t) next = std::min(next, busy);
          const PortRef& to = router.output_to[static_cast<std::size_t>(output)];
          if (to.router != kTerminal) {
            int receiver_down = inputs.at(to.router, to.port);
            std::uint64_t ready = credit_time(receiver_down, pool.records[instance.packet].packet.flits);
            if (ready > t && ready != UINT64_MAX) next = std::min(next, ready);
            else if (ready == UINT64_MAX) sender_waits[static_cast<std::size_t>(receiver_down)] = true;
          }
        }
    }
    if (next != UINT64_MAX) wakes.push({next, r});
  }
};

FastNetwork::FastNetwork(const NetworkGraph& graph, const Topology& topology, const NetworkParams& params)
    : state_(std::make_unique<State>(graph, topology, params)) {}

FastNetwork::~FastNetwork() = default;

void FastNetwork::add(const Packet& packet) {
  State& s = *state_;
  const std::size_t slot = s.pool.add(s.graph, s.params, packet);
  // A terminal with earlier packets still queued wakes itself for this one after injecting them.
  if (s.pool.by_source[static_cast<std::size_t>(packet.source)].size() == 1)
    s.wakes.push({std::max(s.pool.records[slot].packet.created, s.terminal_busy[static_cast<std::size_t>(packet.source)]),
                  s.R + packet.source});
}

bool FastNetwork::join(std::uint64_t id, int destination) { return state_->pool.join(state_->graph, id, destination); }

void FastNetwork::advance(std::uint64_t until) {
  State& s = *state_;
  while (!s.wakes.empty() && s.wakes.top().first < until) {
    auto [t, node] = s.wakes.top();
    s.wakes.pop();
    if (s.processed[static_cast<std::size_t>(node)] == t) continue;
    s.processed[static_cast<std::size_t>(node)] = t;
    if (node >= s.R) s.terminal_step(node - s.R, t);
    else s.router_step(node, t);
  }
  s.pool.reached = std::max(s.pool.reached, until);
}

std::uint64_t FastNetwork::next_event() const {
  return state_->wakes.empty() ? UINT64_MAX : state_->wakes.top().first;
}

std::vector<Delivery> FastNetwork::take_deliveries() {
  std::vector<Delivery> out;
  out.swap(state_->deliveries);
  return out;
}

const NetworkStats& FastNetwork::stats() const {
  state_->stats.packets_delivered = state_->pool.decided;
  state_->stats.cycles = state_->pool.decided ? state_->last_tail + 1 : 0;
  return state_->stats;
}

std::uint64_t FastNetwork::undelivered() const { return state_->pool.expected - state_->pool.decided; }

}  // namespace sosasim
