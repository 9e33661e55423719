// The tiling spec (plain, validated data; its schema and reading: tiling/specs.cpp). A spec
// header includes only the kernel.
#pragma once

#include <cstdint>
#include <string>

#include "sim/kernel/params.h"

namespace sosasim {

// tiling.k_reduction: how the partial sums of an output tile whose K blocks ran on several pods
// are added (sim/system/k_reduction.h; under sosa_rounds, tiling/round_schedule.h).
enum class KReductionMode {
  Free,            // at no cost (an idealization; the partial tiles it leaves out are counted)
  Chain,           // chained into the owner's first op on the tile where they arrive in time, else trees
  PostProcessors,  // binomial trees over the post-processors, rooted at the last K block's pod
};

// "free", "post_processors"; anything else (the schema allows only "chain") is Chain.
KReductionMode parse_k_reduction(const std::string& name);

struct TilingSpec {
  std::int64_t partition_size = 0;  // p: rows of X per tile op; 0 = auto (= array rows)
  std::string scheduler = "dynamic";
  KReductionMode k_reduction = KReductionMode::Chain;
  bool reduction_charged() const { return k_reduction != KReductionMode::Free; }
  ParamValues params;
};

}  // namespace sosasim
