#include "tiling/round_schedule.h"

#include <algorithm>
#include <deque>
#include <stdexcept>

namespace sosasim {

namespace {

constexpr std::uint64_t kNoTile = UINT64_MAX;

// One network's links in one round: 0 = free, otherwise the key of the transfer using it.
struct LinkState {
  std::vector<std::uint64_t> owner;
  std::vector<int> used;  // links set in this round, to clear them cheaply
};

struct OpenRound {
  std::uint32_t index = 0;
  LinkState x, w, p;
  std::vector<std::uint64_t> pod_busy;  // one bit per pod
  std::int64_t busy = 0;
};

// The first of `paths` whose links are free or carry `key` (when `share`), or -1.
int free_path(const std::vector<std::vector<int>>& paths, const LinkState& links, std::uint64_t key, bool share) {
  for (std::size_t i = 0; i < paths.size(); ++i) {
    bool ok = true;
    for (int link : paths[i]) {
      std::uint64_t owner = links.owner[static_cast<std::size_t>(link)];
      if (owner != 0 && !(share && owner == key)) {
        ok = false;
        break;
      }
    }
    if (ok) return static_cast<int>(i);
  }
  return -1;
}

// The first position >= `from` (counted cyclically over `pods`, up to from + pods) whose pod's
// bit is clear, or a value >= (from's lap) + pods when none is.
std::int64_t next_free(const std::vector<std::uint64_t>& bits, std::int64_t from, std::int64_t pods) {
  const std::int64_t lap = from / pods * pods;  // positions are pod + lap or pod + lap + pods
  for (std::int64_t position = from; position < lap + 2 * pods;) {
    const std::int64_t pod = position % pods;
    const std::uint64_t word = bits[static_cast<std::size_t>(pod / 64)] >> (pod % 64);
    if ((word & 1u) == 0) return position;
    // Skip the run of set bits in this word (but never past the end of the pods).
    const std::int64_t run = word == ~std::uint64_t{0} >> (pod % 64) ? 64 - pod % 64 : __builtin_ctzll(~word);
    position += std::min(run, pods - pod);
  }
  return lap + 2 * pods;
}

bool has_bit(const std::vector<std::uint64_t>& bits, std::size_t i) { return (bits[i / 64] >> (i % 64)) & 1u; }
void set_bit(std::vector<std::uint64_t>& bits, std::size_t i) { bits[i / 64] |= std::uint64_t{1} << (i % 64); }

void take(const std::vector<int>& path, LinkState& links, std::uint64_t key) {
  for (int link : path) {
    std::uint64_t& owner = links.owner[static_cast<std::size_t>(link)];
    if (owner == 0) links.used.push_back(link);
    owner = key;
  }
}

void reset(LinkState& links, int count) {
  if (links.owner.empty()) links.owner.assign(static_cast<std::size_t>(count), 0);
  for (int link : links.used) links.owner[static_cast<std::size_t>(link)] = 0;
  links.used.clear();
}

}  // namespace

std::uint64_t x_tile_index(const LayerPlan& plan, std::uint64_t op) { return x_tile_index(plan, plan.op(op)); }

std::uint64_t x_tile_index(const LayerPlan& plan, const TileOp& tile_op) {
  const auto mp = static_cast<std::uint64_t>(plan.m_parts()), kp = static_cast<std::uint64_t>(plan.k_parts()),
             np = static_cast<std::uint64_t>(plan.n_parts());
  const std::uint64_t instance = tile_op.column_block / np;
  return (instance * kp + static_cast<std::uint64_t>(tile_op.k_part)) * mp + static_cast<std::uint64_t>(tile_op.m_part);
}

RoundBanks op_banks(const LayerPlan& plan, std::uint64_t op, std::uint64_t weight_key_base, std::int64_t banks) {
  const auto b = static_cast<std::uint64_t>(banks);
  RoundBanks result;
  result.x = static_cast<int>(x_tile_index(plan, op) % b);
  result.w = static_cast<int>((weight_key_base + plan.op(op).weight_tile) % b);
  return result;
}

RoundBanks chunk_banks(const LayerPlan& plan, std::uint64_t op, std::int64_t pods) {
  return chunk_banks(plan, plan.op(op), pods);
}

RoundBanks chunk_banks(const LayerPlan& plan, const TileOp& tile_op, std::int64_t pods) {
  return chunk_banks(plan, tile_op, contiguous_chunks(plan, pods));
}

RoundBanks chunk_banks(const LayerPlan& plan, const TileOp& tile_op, const ChunkLayout& layout) {
  const auto np = static_cast<std::uint64_t>(plan.n_parts());
  const std::uint64_t instance = tile_op.column_block / np, k = static_cast<std::uint64_t>(tile_op.k_part);
  // The input tile sits with one of its uses (one per column block n of its instance): the one on
  // the diagonal n = k mod np, so the tiles of one column block spread over the pods instead of
  // piling up in the bank of the pod that computes column block 0; in a grid n = (k + m) mod np,
  // so the row partitions one step of a row block's cells reads are in different banks too.
  const std::uint64_t shift = layout.segments > 0 ? static_cast<std::uint64_t>(tile_op.m_part) : 0;
  const std::uint64_t x_use = plan.op_index(instance * np + (k + shift) % np, tile_op.k_part, tile_op.m_part);
  RoundBanks banks;
  banks.x = static_cast<int>(layout.pod(layout.chunk_of(plan, x_use)));
  // A weight tile is read by every row block of its column block: it sits with the block k mod
  // blocks, so a column block's tiles spread over the pods of its row blocks.
  const std::int64_t home = plan.row_block_start(tile_op.k_part % plan.row_blocks());
  banks.w = static_cast<int>(layout.pod(layout.chunk_of(plan, plan.op_index(tile_op.column_block, tile_op.k_part, home))));
  return banks;
}

struct RoundPlanner::Open {
  std::deque<OpenRound> open;
  std::vector<OpenRound> spare;  // closed rounds, reused for their memory
};

RoundPlanner::RoundPlanner(std::int64_t pods, const std::array<RouteTable*, 3>& routes, const RoundScheduleParams& params,
                           std::vector<std::uint64_t>& held)
    : pods_(pods), routes_(routes), params_(params), held_(held), share_x_(routes[0]->multicast()),
      share_w_(routes[1]->multicast()),
      last_round_(static_cast<std::size_t>(pods), -1), open_(std::make_unique<Open>()) {
  held_.resize(static_cast<std::size_t>(pods), kNoTile);
}

RoundPlanner::~RoundPlanner() = default;

void RoundPlanner::open_round() {
  OpenRound round;
  auto& open = open_->open;
  auto& spare = open_->spare;
  if (!spare.empty()) {
    round = std::move(spare.back());
    spare.pop_back();
  }
  round.index = rounds_++;
  reset(round.x, routes_[0]->links());
  reset(round.w, routes_[1]->links());
  reset(round.p, routes_[2]->links());
  round.pod_busy.assign(static_cast<std::size_t>((pods_ + 63) / 64), 0);
  round.busy = 0;
  open.push_back(std::move(round));
  if (static_cast<int>(open.size()) > std::max(1, params_.lookback_rounds)) {
    spare.push_back(std::move(open.front()));
    open.pop_front();
  }
}

std::vector<std::uint64_t> round_list(const LayerPlan& plan, bool compiler_list) {
  const std::uint64_t ops = plan.op_count();
  std::vector<std::uint64_t> order;
  order.reserve(ops);
  if (!compiler_list) {
    for (std::uint64_t op = 0; op < ops; ++op) order.push_back(op);
    return order;
  }
  const std::uint64_t column_blocks = ops / static_cast<std::uint64_t>(plan.k_parts() * plan.m_parts());
  for (std::int64_t k = 0; k < plan.k_parts(); ++k)
    for (std::int64_t m = 0; m < plan.m_parts(); ++m)
      for (std::uint64_t cb = 0; cb < column_blocks; ++cb) order.push_back(plan.op_index(cb, k, m));
  return order;
}

std::uint64_t RoundPlanner::bank_span(const LayerPlan& plan) const {
  return params_.compiler_list ? plan.op_count() : plan.op_count() / static_cast<std::uint64_t>(plan.n_parts());
}

void RoundPlanner::place(const LayerPlan& plan, std::uint64_t op, std::uint64_t position, std::uint64_t weight_key_base,
                         std::uint64_t layer_tag, std::uint64_t bank_offset, RoundSchedule& schedule,
                         std::uint32_t min_round) {
  if (min_round > rounds_) rounds_ = min_round;  // (rounds in between hold other layers' additions)
  auto& open = open_->open;
  const std::int64_t pods = pods_;
  if (schedule.round.size() != plan.op_count()) {
    schedule.round.resize(plan.op_count());
    schedule.pod.resize(plan.op_count());
    schedule.x_path.resize(plan.op_count());
    schedule.w_path.resize(plan.op_count());
    schedule.p_path.resize(plan.op_count());
  }
  const auto pod_count = static_cast<std::uint64_t>(pods);
  RoundBanks banks = op_banks(plan, op, weight_key_base, pods);
  banks.x = static_cast<int>((x_tile_index(plan, op) + bank_offset) % pod_count);
  if (params_.compiler_list) banks.x = banks.w = static_cast<int>((position + bank_offset) % pod_count);
  const std::uint64_t tile = plan.op(op).weight_tile;
  // Keys: the tile a transfer carries (shared by multicast), or the op itself when unshared
  // (each op's own copy, under the compiler list); `layer_tag` keeps layers' keys apart.
  const bool shared_x = share_x_ && !params_.compiler_list, shared_w = share_w_ && !params_.compiler_list;
  const std::uint64_t weight_key = weight_key_base + tile;
  const std::uint64_t x_key = layer_tag << 40 | (shared_x ? x_tile_index(plan, op) + 1 : op + 1);
  const std::uint64_t w_key = shared_w ? weight_key + 1 : layer_tag << 40 | (op + 1);
  const std::uint64_t p_key = layer_tag << 40 | (op + 1);
  bool placed = false;
  const bool fits_open = !open.empty() && open.back().index >= min_round;
  for (int attempt = fits_open ? 0 : 1; attempt < 2 && !placed; ++attempt) {
    if (attempt == 1) open_round();
    const std::size_t first = attempt == 1 ? open.size() - 1 : 0;
    for (std::size_t r = first; r < open.size() && !placed; ++r) {
      OpenRound& round = open[r];
      if (round.busy >= pods || round.index < min_round) continue;
      // The X bank's read port (a path's first link) is the same for every pod: test it once.
      const std::uint64_t x_port = round.x.owner[static_cast<std::size_t>(banks.x)];
      if (x_port != 0 && !(share_x_ && x_port == x_key)) {
        ++schedule.blocked;
        continue;
      }
      int tries = 0;
      // Free pods from the op's X bank onwards, wrapping around.
      for (std::int64_t i = next_free(round.pod_busy, banks.x, pods); i < banks.x + pods;
           i = next_free(round.pod_busy, i + 1, pods)) {
        if (attempt == 0 && tries >= params_.pod_tries) break;
        const auto pod = static_cast<int>(i % pods);
        const auto q = static_cast<std::size_t>(pod);
        if (last_round_[q] >= static_cast<std::int64_t>(round.index)) continue;
        ++tries;
        const auto& x_paths = routes_[0]->paths(banks.x, pod);
        const int x = free_path(x_paths, round.x, x_key, share_x_);
        if (x < 0) continue;
        // A pod keeps its weight tile: only a new tile crosses the W network.
        const bool loads = held_[q] != weight_key;
        const auto& w_paths = routes_[1]->paths(banks.w, pod);
        const int w = loads ? free_path(w_paths, round.w, w_key, share_w_) : 0;
        if (w < 0) continue;
        const auto& p_paths = routes_[2]->paths(pod, pod);
        const int p = free_path(p_paths, round.p, p_key, false);
        if (p < 0) continue;
        take(x_paths[static_cast<std::size_t>(x)], round.x, x_key);
        if (loads) take(w_paths[static_cast<std::size_t>(w)], round.w, w_key);
        held_[q] = weight_key;
        last_round_[q] = round.index;
        take(p_paths[static_cast<std::size_t>(p)], round.p, p_key);
        set_bit(round.pod_busy, q);
        ++round.busy;
        schedule.round[op] = round.index;
        schedule.pod[op] = static_cast<std::uint32_t>(pod);
        schedule.x_path[op] = static_cast<std::uint16_t>(x);
        schedule.w_path[op] = loads ? static_cast<std::uint16_t>(w) : RoundSchedule::kNoTransfer;
        schedule.p_path[op] = static_cast<std::uint16_t>(p);
        schedule.rounds = std::max(schedule.rounds, round.index + 1);
        placed = true;
        break;
      }
      if (!placed) ++schedule.blocked;
    }
  }
  if (!placed) throw std::logic_error("round scheduler: an op does not fit an empty round");
}

RoundSchedule schedule_rounds(const LayerPlan& plan, std::int64_t pods, std::uint64_t weight_key_base,
                              RouteTable& routes, const RoundScheduleParams& params, std::vector<std::uint64_t>& held) {
  RoundPlanner planner(pods, routes, params, held);
  RoundSchedule schedule;
  const std::vector<std::uint64_t> order = planner.list(plan);
  for (std::uint64_t position = 0; position < order.size(); ++position)
    planner.place(plan, order[position], position, weight_key_base, 0, 0, schedule);
  schedule.rounds = planner.rounds();
  return schedule;
}

// Per round: post-processors busy, and P banks read as first input, as second, and written.
struct ReductionPlanner::Round {
  std::uint64_t processors = 0;
  std::vector<std::uint64_t> first, second, written, chained;
};

ReductionPlanner::ReductionPlanner(std::int64_t pods) : pods_(pods) {}
ReductionPlanner::~ReductionPlanner() = default;

ReductionRounds reduction_rounds(const LayerPlan& plan, const RoundSchedule& schedule, std::int64_t pods) {
  return ReductionPlanner(pods).add(plan, schedule);
}

void ReductionPlanner::forget_before(std::uint32_t round) {
  while (base_ < round && !rounds_.empty()) {
    rounds_.pop_front();
    ++base_;
  }
  if (rounds_.empty()) base_ = std::max(base_, round);
}

ReductionRounds ReductionPlanner::add(const LayerPlan& plan, const RoundSchedule& schedule) {
  const std::int64_t pods = pods_;
  ReductionRounds result;
  result.rounds = schedule.rounds;
  const auto P = static_cast<std::size_t>(pods);
  const std::size_t words = (P + 63) / 64;
  std::deque<Round>& rounds = rounds_;
  const std::uint32_t base = base_;
  auto at = [&](std::uint32_t r) -> Round& {
    if (r < base) throw std::logic_error("reduction planner: a round that has begun");
    r -= base;
    while (rounds.size() <= r) {
      rounds.emplace_back();
      Round& fresh = rounds.back();
      fresh.first.assign(words, 0);
      fresh.second.assign(words, 0);
      fresh.written.assign(words, 0);
      fresh.chained.assign(words, 0);
    }
    return rounds[r];
  };
  auto test = [](const std::vector<std::uint64_t>& bits, int bank) { return has_bit(bits, static_cast<std::size_t>(bank)); };
  auto set = [](std::vector<std::uint64_t>& bits, int bank) { set_bit(bits, static_cast<std::size_t>(bank)); };
  const std::int64_t kp = plan.k_parts();
  const std::uint64_t column_blocks = plan.op_count() / static_cast<std::uint64_t>(kp * plan.m_parts());
  struct Node {
    std::uint32_t round;  // when its partial sum is complete (an addition: the later of its two halves)
    int bank;             // the P bank holding it
  };
  std::vector<std::uint32_t> round_of(static_cast<std::size_t>(kp));
  std::vector<int> bank_of(static_cast<std::size_t>(kp));
  std::vector<char> taken(static_cast<std::size_t>(kp)), consumed(static_cast<std::size_t>(kp));
  std::deque<Node> pending;
  for (std::int64_t m = 0; m < plan.m_parts(); ++m)
    for (std::uint64_t cb = 0; cb < column_blocks; ++cb) {
      std::uint64_t rows = 0, values = 0;  // of the output tile
      for (std::int64_t k = 0; k < kp; ++k) {
        const std::uint64_t op = plan.op_index(cb, k, m);
        round_of[static_cast<std::size_t>(k)] = schedule.round[op];
        bank_of[static_cast<std::size_t>(k)] = static_cast<int>(schedule.pod[op]);
        taken[static_cast<std::size_t>(k)] = consumed[static_cast<std::size_t>(k)] = 0;
        if (k == 0) {
          const TileOp tile_op = plan.op(op);
          rows = static_cast<std::uint64_t>(tile_op.m_rows);
          values = rows * static_cast<std::uint64_t>(tile_op.n_cols);
        }
      }
      // Chaining: op j1's partial sum goes to the first op j2 in a later round that has none yet.
      for (std::int64_t j1 = 0; j1 < kp; ++j1)
        for (std::int64_t j2 = 0; j2 < kp; ++j2) {
          const auto a = static_cast<std::size_t>(j1), b = static_cast<std::size_t>(j2);
          if (taken[b] || round_of[b] <= round_of[a]) continue;
          Round& round = at(round_of[b]);
          if (test(round.chained, bank_of[a])) continue;  // that bank is read for a chain already
          set(round.chained, bank_of[a]);
          taken[b] = 1;
          consumed[a] = 1;
          ++result.chained;
          break;
        }
      pending.clear();
      for (std::int64_t k = 0; k < kp; ++k)
        if (!consumed[static_cast<std::size_t>(k)])
          pending.push_back(Node{round_of[static_cast<std::size_t>(k)], bank_of[static_cast<std::size_t>(k)]});
      while (pending.size() >= 2) {
        const Node a = pending.front();
        pending.pop_front();
        const Node b = pending.front();
        pending.pop_front();
        // Two halves: the second reads the inputs the other way round; both write one bank.
        Node sum{0, -1};
        for (int half = 0; half < 2; ++half) {
          const int first = half == 0 ? a.bank : b.bank, second = half == 0 ? b.bank : a.bank;
          for (std::uint32_t r = std::max(a.round, b.round) + 1;; ++r) {
            Round& round = at(r);
            if (round.processors >= static_cast<std::uint64_t>(pods) || test(round.first, first) ||
                test(round.second, second))
              continue;
            int out = sum.bank;
            if (out >= 0 && test(round.written, out)) continue;
            if (out < 0) {
              for (int bank = 0; bank < static_cast<int>(P) && out < 0; ++bank)
                if (!test(round.written, bank)) out = bank;
              if (out < 0) continue;
            }
            ++round.processors;
            set(round.first, first);
            set(round.second, second);
            set(round.written, out);
            sum.bank = out;
            sum.round = std::max(sum.round, r);
            if (result.longest.size() <= r) result.longest.resize(r + 1, 0);
            result.longest[r] = std::max(result.longest[r], rows);
            result.rounds = std::max(result.rounds, r + 1);
            ++result.additions;
            break;
          }
        }
        pending.push_back(sum);
        result.added_values += values;
      }
    }
  result.longest.resize(result.rounds, 0);
  return result;
}

}  // namespace sosasim
